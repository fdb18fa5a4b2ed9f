package components

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/ui/theme"
)

// Detail builds the text of a detail pane line by line, wrapping to its
// width, then shows a window of it.
type Detail struct {
	// LabelWidth is the width of Field labels; longer labels are cut.
	LabelWidth int

	styles *theme.Styles
	width  int
	lines  []string
}

// NewDetail starts an empty detail of the given width.
func NewDetail(styles *theme.Styles, width int) *Detail {
	return &Detail{styles: styles, width: max(width, 1), LabelWidth: 10}
}

// Title adds a bold heading.
func (d *Detail) Title(text string) {
	d.add(d.styles.Title, text)
}

// Field adds "label  value", the value wrapped under itself, in style.
func (d *Detail) Field(label, value string, style lipgloss.Style) {
	labelWidth := d.LabelWidth
	if value == "" {
		value = "-"
	}
	pad := strings.Repeat(" ", labelWidth+1)
	avail := max(d.width-labelWidth-1, 8)
	for i, line := range strings.Split(ansi.Wrap(value, avail, " /.,-"), "\n") {
		prefix := pad
		if i == 0 {
			prefix = d.styles.Label.Render(Fit(label, labelWidth)) + " "
		}
		d.lines = append(d.lines, prefix+style.Render(line))
	}
}

// Text adds wrapped text in style.
func (d *Detail) Text(text string, style lipgloss.Style) {
	d.add(style, text)
}

// Blank adds an empty line.
func (d *Detail) Blank() { d.lines = append(d.lines, "") }

func (d *Detail) add(style lipgloss.Style, text string) {
	for _, line := range strings.Split(ansi.Wrap(text, d.width, " /.,-"), "\n") {
		d.lines = append(d.lines, style.Render(line))
	}
}

// Len is the number of lines.
func (d *Detail) Len() int { return len(d.lines) }

// View returns height lines starting at offset.
func (d *Detail) View(offset, height int) string {
	if height <= 0 {
		return ""
	}
	offset = min(max(offset, 0), max(len(d.lines)-height, 0))
	end := min(offset+height, len(d.lines))
	return strings.Join(d.lines[offset:end], "\n")
}
