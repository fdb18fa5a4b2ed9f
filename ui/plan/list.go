package plan

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/ui/components"
	"github.com/envbench/envbench/ui/theme"
)

// list is the change list: rows grouped by action, the filters, the cursor
// and the scroll offset. Its offset is clamped whenever the rows, the
// cursor or the height change, never while drawing.
type list struct {
	rows         []row // every row
	shown        []row // rows after the filters
	cursor       int   // index into shown
	moved        bool  // the user moved the cursor: keep it on its change
	offset       int
	height       int
	text         string      // the text filter
	actionFilter envs.Action // the action filter
}

// setHeight sets the lines the list may draw.
func (l *list) setHeight(h int) {
	l.height = max(h, 1)
	l.clamp()
}

// reset forgets the rows and the cursor; the filters stay.
func (l *list) reset() {
	l.rows, l.shown, l.cursor, l.offset, l.moved = nil, nil, 0, 0, false
}

// setRows replaces the rows, keeping the cursor on the same change once
// the user has moved it, else on the first change.
func (l *list) setRows(rows []row) {
	current := ""
	if r, ok := l.selected(); ok && l.moved {
		current = r.address
	}
	if !l.moved {
		l.cursor, l.offset = 0, 0
	}
	l.rows = rows
	l.refilter()
	if current != "" {
		for i, r := range l.shown {
			if !r.header && r.address == current {
				l.cursor = i
				break
			}
		}
	}
	l.fixCursor(1)
}

// setFilters sets the text and action filters.
func (l *list) setFilters(text string, action envs.Action) {
	l.text, l.actionFilter = text, action
	l.refilter()
}

func (l *list) refilter() {
	l.shown = filterRows(l.rows, l.text, l.actionFilter)
	l.cursor = min(l.cursor, max(len(l.shown)-1, 0))
	l.fixCursor(1)
}

// fixCursor moves the cursor off headers, in direction dir.
func (l *list) fixCursor(dir int) {
	if len(l.shown) == 0 {
		l.cursor = 0
		l.clamp()
		return
	}
	for i := l.cursor; i >= 0 && i < len(l.shown); i += dir {
		if !l.shown[i].header {
			l.cursor = i
			l.clamp()
			return
		}
	}
	if dir > 0 {
		l.fixCursor(-1)
	}
	l.clamp()
}

func (l *list) selected() (row, bool) {
	if l.cursor < len(l.shown) && !l.shown[l.cursor].header {
		return l.shown[l.cursor], true
	}
	return row{}, false
}

func (l *list) move(delta int) {
	if len(l.shown) == 0 {
		return
	}
	l.moved = true
	dir := 1
	if delta < 0 {
		dir = -1
	}
	before := l.cursor
	l.cursor = min(max(l.cursor+delta, 0), len(l.shown)-1)
	l.fixCursor(dir)
	if l.shown[l.cursor].header { // no change that way: stay
		l.cursor = before
	}
	l.clamp()
}

func (l *list) top() {
	l.cursor = 0
	l.fixCursor(1)
}

func (l *list) bottom() {
	l.cursor = max(len(l.shown)-1, 0)
	l.fixCursor(-1)
}

// clamp keeps the cursor in view and the offset within the rows.
func (l *list) clamp() {
	h := max(l.height, 1)
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+h {
		l.offset = l.cursor - h + 1
	}
	l.offset = max(min(l.offset, len(l.shown)-h), 0)
	// Keep a group's header in view above its first change.
	if l.offset > 0 && l.offset == l.cursor && l.shown[l.offset-1].header {
		l.offset--
	}
}

// counts are the number of changes of each action, from the headers.
func (l *list) counts() map[envs.Action]int {
	counts := map[envs.Action]int{}
	for _, r := range l.rows {
		if r.header {
			counts[r.action] = r.count
		}
	}
	return counts
}

// filterText describes the filters: `action delete, "db"`.
func (l *list) filterText() string {
	var filters []string
	if l.actionFilter != "" {
		filters = append(filters, "action "+string(l.actionFilter))
	}
	if l.text != "" {
		filters = append(filters, fmt.Sprintf("%q", l.text))
	}
	return strings.Join(filters, ", ")
}

// view draws the rows in view, only those; status gives a change's apply
// progress, "" when there is none.
func (l *list) view(st *theme.Styles, width int, status func(row) string) []string {
	end := min(l.offset+max(l.height, 1), len(l.shown))
	out := make([]string, 0, max(end-l.offset, 0))
	for i := l.offset; i < end; i++ {
		out = append(out, rowLine(st, width, l.shown[i], i == l.cursor, status(l.shown[i])))
	}
	return out
}

func rowLine(st *theme.Styles, width int, r row, selected bool, status string) string {
	if r.header {
		return actionStyle(st, r.action).Bold(true).Render(fmt.Sprintf("%s %s (%d)", r.action.Symbol(), r.action, r.count))
	}
	marker := " "
	switch r.risk {
	case envs.SeverityHigh:
		marker = "!"
	case envs.SeverityMedium:
		marker = "•"
	}
	statusWidth := ansi.StringWidth(status)
	avail := max(width-6-statusWidth, 10)
	text := r.address
	if r.note != "" {
		text += "  " + r.note
	}
	text = components.Fit(text, avail)
	if selected {
		plain := fmt.Sprintf(" %s %s %s", marker, r.action.Symbol(), text)
		return st.Selected.Render(components.Fit(plain, width-statusWidth-1)) + " " + status
	}
	addr := components.Fit(r.address, min(ansi.StringWidth(r.address), avail))
	rest := ""
	if w := ansi.StringWidth(addr); w < avail {
		rest = st.Faint.Render(components.Fit(strings.TrimPrefix(text, addr), avail-w))
	}
	m := marker
	switch r.risk {
	case envs.SeverityHigh:
		m = st.Error.Render(marker)
	case envs.SeverityMedium:
		m = st.Warn.Render(marker)
	}
	return " " + m + " " + actionStyle(st, r.action).Render(r.action.Symbol()) + " " + addr + rest + " " + status
}
