// Package components holds the widgets screens share: a virtualized table
// with filtering, the detail pane helpers and the footer help line.
package components

import (
	"slices"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/ui/theme"
)

// Column describes one table column.
type Column struct {
	Title string
	// Min is the narrowest the column may get; Max, when set, the widest.
	Min, Max int
	// Priority decides which columns go first when the table is too narrow:
	// the lowest priority is dropped first. Columns of priority 0 are never
	// dropped.
	Priority int
}

// CellStyler returns the style of a cell of an unselected row, and false to
// leave it plain.
type CellStyler func(row, col int) (lipgloss.Style, bool)

// Table is a table that renders only the rows it shows, so moving the cursor
// costs the same with ten rows or ten thousand. It filters rows by a
// case-insensitive substring of any cell.
type Table struct {
	Columns   []Column
	CellStyle CellStyler

	rows    [][]string
	search  []string // lower-cased row text, for filtering
	natural []int    // widest cell per column
	visible []int    // indices into rows that pass the filter
	filter  string
	cursor  int // index into visible
	offset  int // first visible row shown
	width   int
	height  int
	widths  []int // computed column widths, 0 when dropped
	styles  *theme.Styles
}

// NewTable returns an empty table drawn with styles.
func NewTable(styles *theme.Styles, cols ...Column) *Table {
	return &Table{Columns: cols, styles: styles}
}

// SetRows replaces the rows, keeping the filter and, where it still exists,
// the selected row.
func (t *Table) SetRows(rows [][]string) {
	prev := t.Selected()
	t.rows = rows
	t.search = make([]string, len(rows))
	t.natural = make([]int, len(t.Columns))
	for i, c := range t.Columns {
		t.natural[i] = ansi.StringWidth(c.Title)
	}
	for r, row := range rows {
		t.search[r] = strings.ToLower(strings.Join(row, "\x00"))
		for i := range t.Columns {
			if i < len(row) {
				t.natural[i] = max(t.natural[i], ansi.StringWidth(row[i]))
			}
		}
	}
	t.applyFilter()
	if prev >= 0 && prev < len(rows) {
		t.Select(prev)
	}
	t.layout()
}

// SetFilter shows only the rows that contain text in some cell, ignoring
// case.
func (t *Table) SetFilter(text string) {
	t.filter = strings.ToLower(strings.TrimSpace(text))
	prev := t.Selected()
	t.applyFilter()
	if prev >= 0 {
		t.Select(prev)
	}
}

// Filter returns the filter text.
func (t *Table) Filter() string { return t.filter }

func (t *Table) applyFilter() {
	t.visible = t.visible[:0]
	for i, s := range t.search {
		if t.filter == "" || strings.Contains(s, t.filter) {
			t.visible = append(t.visible, i)
		}
	}
	t.cursor = min(t.cursor, max(len(t.visible)-1, 0))
	t.clampOffset()
}

// Len is the number of rows that pass the filter.
func (t *Table) Len() int { return len(t.visible) }

// Total is the number of rows.
func (t *Table) Total() int { return len(t.rows) }

// Selected returns the index (into the rows given to SetRows) of the selected
// row, or -1 when no row is shown.
func (t *Table) Selected() int {
	if len(t.visible) == 0 {
		return -1
	}
	return t.visible[t.cursor]
}

// Select moves the cursor to the row with the given index, if it is shown.
func (t *Table) Select(row int) {
	if i := slices.Index(t.visible, row); i >= 0 {
		t.cursor = i
		t.clampOffset()
	}
}

// Move moves the cursor by delta rows, clamped to the shown rows.
func (t *Table) Move(delta int) {
	if len(t.visible) == 0 {
		return
	}
	t.cursor = min(max(t.cursor+delta, 0), len(t.visible)-1)
	t.clampOffset()
}

// Page is the number of rows one page moves.
func (t *Table) Page() int { return max(t.bodyHeight()-1, 1) }

// Home moves to the first row, End to the last.
func (t *Table) Home() { t.Move(-len(t.visible)) }

// End moves the cursor to the last shown row.
func (t *Table) End() { t.Move(len(t.visible)) }

// SetSize sets the width and height the table draws in, header included.
func (t *Table) SetSize(width, height int) {
	t.width, t.height = max(width, 0), max(height, 0)
	t.layout()
	t.clampOffset()
}

func (t *Table) bodyHeight() int { return max(t.height-1, 0) }

func (t *Table) clampOffset() {
	h := t.bodyHeight()
	if h == 0 {
		t.offset = t.cursor
		return
	}
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+h {
		t.offset = t.cursor - h + 1
	}
	t.offset = min(t.offset, max(len(t.visible)-h, 0))
	t.offset = max(t.offset, 0)
}

// layout decides each column's width: its widest cell within Min and Max.
// When that does not fit, the lowest priority columns are dropped (a column
// shown whole beats two cut short); when only columns that are never dropped
// remain, the widest shrink toward their minimum. Space left over goes first
// to columns that were cut, then to the last column.
func (t *Table) layout() {
	n := len(t.Columns)
	t.widths = make([]int, n)
	if n == 0 || t.width <= 0 {
		return
	}
	want := make([]int, n)
	for i, c := range t.Columns {
		w := max(t.natural[i], c.Min, 1)
		if c.Max > 0 {
			w = min(w, max(c.Max, c.Min))
		}
		want[i] = w
		t.widths[i] = w
	}
	minimum := func(i int) int { return max(t.Columns[i].Min, 1) }
	total := func(width func(i int) int) int {
		sum, shown := 0, 0
		for i := range t.widths {
			if t.widths[i] > 0 {
				sum += width(i)
				shown++
			}
		}
		return sum + max(shown-1, 0)
	}
	wanted := func(i int) int { return want[i] }
	for total(wanted) > t.width {
		drop := -1
		for i := n - 1; i >= 0; i-- {
			p := t.Columns[i].Priority
			if t.widths[i] > 0 && p > 0 && (drop < 0 || p < t.Columns[drop].Priority) {
				drop = i
			}
		}
		if drop < 0 {
			break
		}
		t.widths[drop] = 0
	}
	current := func(i int) int { return t.widths[i] }
	for total(current) > t.width {
		widest, excess := -1, 0
		for i, w := range t.widths {
			if e := w - minimum(i); w > 0 && e > excess {
				widest, excess = i, e
			}
		}
		if widest < 0 {
			break
		}
		t.widths[widest]--
	}
	extra := t.width - total(current)
	for i := range t.widths {
		if grow := min(want[i]-t.widths[i], extra); t.widths[i] > 0 && grow > 0 {
			t.widths[i] += grow
			extra -= grow
		}
	}
	if extra > 0 {
		for i := n - 1; i >= 0; i-- {
			if t.widths[i] > 0 {
				t.widths[i] += extra
				break
			}
		}
	}
}

// Shown reports whether column i is wide enough to be drawn.
func (t *Table) Shown(i int) bool { return i < len(t.widths) && t.widths[i] > 0 }

// View draws the header and the rows that fit.
func (t *Table) View() string {
	if t.width <= 0 || t.height <= 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(t.styles.TableHead.Render(t.line(func(i int) string { return t.Columns[i].Title })))
	end := min(t.offset+t.bodyHeight(), len(t.visible))
	for v := t.offset; v < end; v++ {
		b.WriteByte('\n')
		row := t.rows[t.visible[v]]
		cell := func(i int) string {
			if i < len(row) {
				return row[i]
			}
			return ""
		}
		if v == t.cursor {
			b.WriteString(t.styles.Selected.Render(t.line(cell)))
			continue
		}
		t.styledLine(&b, t.visible[v], cell)
	}
	return b.String()
}

// line lays out one row as plain text.
func (t *Table) line(cell func(int) string) string {
	var b strings.Builder
	first := true
	for i, w := range t.widths {
		if w == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString(fit(cell(i), w))
	}
	return b.String()
}

// styledLine lays out one unselected row with its cell styles.
func (t *Table) styledLine(b *strings.Builder, row int, cell func(int) string) {
	first := true
	for i, w := range t.widths {
		if w == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		text := fit(cell(i), w)
		if t.CellStyle != nil {
			if st, ok := t.CellStyle(row, i); ok {
				text = st.Render(text)
			}
		}
		b.WriteString(text)
	}
}

// fit truncates s to width w with an ellipsis, or pads it with spaces.
func fit(s string, w int) string {
	sw := ansi.StringWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-sw)
}

// Fit truncates or pads s to exactly width w (display cells).
func Fit(s string, w int) string { return fit(s, w) }
