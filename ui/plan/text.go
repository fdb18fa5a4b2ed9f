package plan

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/ui/keys"
	"github.com/envbench/envbench/ui/theme"
)

// textView is the scrollable text body: an attribute diff, the findings,
// an error. Its lines are wrapped when the text or the size changes, and
// its offset clamped then, never while drawing.
type textView struct {
	title   string
	lines   []string // as given
	wrapped []string // wrapped to the width
	offset  int
	width   int
	height  int // lines of text below the title
}

// show replaces the text and scrolls to its top.
func (t *textView) show(title string, lines []string) {
	t.title, t.lines, t.offset = title, lines, 0
	t.wrap()
}

// setSize sets the width and the lines the text (title included) may use.
func (t *textView) setSize(width, height int) {
	if width != t.width {
		t.width = width
		t.wrap()
	}
	t.height = max(height-1, 1)
	t.clamp()
}

func (t *textView) wrap() {
	t.wrapped = t.wrapped[:0]
	for _, l := range t.lines {
		t.wrapped = append(t.wrapped, strings.Split(ansi.Wrap(l, max(t.width-2, 10), " /.,"), "\n")...)
	}
	t.clamp()
}

func (t *textView) clamp() {
	t.offset = max(min(t.offset, len(t.wrapped)-t.height), 0)
}

// scroll moves the text by delta lines.
func (t *textView) scroll(delta int) {
	t.offset += delta
	t.clamp()
}

// handle scrolls for a movement binding; it reports whether the key
// was one.
func (t *textView) handle(k *keys.KeyMap, matches func(key.Binding) bool) bool {
	switch {
	case matches(k.Up):
		t.scroll(-1)
	case matches(k.Down):
		t.scroll(1)
	case matches(k.PageUp):
		t.scroll(-t.height)
	case matches(k.PageDown):
		t.scroll(t.height)
	case matches(k.Top):
		t.offset = 0
	case matches(k.Bottom):
		t.offset = len(t.wrapped)
		t.clamp()
	default:
		return false
	}
	return true
}

// view draws the title and the lines in view.
func (t *textView) view(st *theme.Styles) []string {
	end := min(t.offset+t.height, len(t.wrapped))
	out := []string{st.Title.Render(t.title) + st.Faint.Render(fmt.Sprintf("  %d-%d of %d", min(t.offset+1, end), end, len(t.wrapped)))}
	for _, l := range t.wrapped[t.offset:end] {
		out = append(out, " "+l)
	}
	return out
}
