package components

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/ui/theme"
)

func newTestTable(rows [][]string) *Table {
	st := theme.NewStyles(theme.PlainPalette(), true)
	t := NewTable(&st,
		Column{Title: "NAME", Min: 4},
		Column{Title: "KIND", Min: 4, Priority: 2},
		Column{Title: "NOTE", Min: 4, Priority: 1},
		Column{Title: "STATE", Min: 5},
	)
	t.SetRows(rows)
	return t
}

var rows = [][]string{
	{"alpha", "service-platform", "a long note about alpha", "ok"},
	{"beta", "sandbox", "b", "broken"},
	{"gamma", "sandbox", "", "ok"},
}

func TestTableLayoutDropsLowPriorityColumnsFirst(t *testing.T) {
	tb := newTestTable(rows)
	cases := []struct {
		width int
		shown []bool
	}{
		{80, []bool{true, true, true, true}},
		{45, []bool{true, true, false, true}}, // NOTE (priority 1) goes first
		{20, []bool{true, false, false, true}},
		{8, []bool{true, false, false, true}}, // never-dropped columns shrink instead
	}
	for _, tc := range cases {
		tb.SetSize(tc.width, 10)
		for i, want := range tc.shown {
			if tb.Shown(i) != want {
				t.Errorf("width %d: column %s shown = %v, want %v", tc.width, tb.Columns[i].Title, tb.Shown(i), want)
			}
		}
		for n, line := range strings.Split(tb.View(), "\n") {
			if w := ansi.StringWidth(line); w > tc.width && tc.width >= 10 {
				t.Errorf("width %d: line %d is %d wide", tc.width, n, w)
			}
		}
	}
}

func TestTableFilterKeepsSelection(t *testing.T) {
	tb := newTestTable(rows)
	tb.SetSize(60, 10)
	tb.Move(2)
	if tb.Selected() != 2 {
		t.Fatalf("selected %d", tb.Selected())
	}
	tb.SetFilter("SANDBOX")
	if tb.Len() != 2 || tb.Selected() != 2 {
		t.Errorf("filter: %d rows, selected %d; want 2 rows, gamma still selected", tb.Len(), tb.Selected())
	}
	tb.SetFilter("nothing matches")
	if tb.Len() != 0 || tb.Selected() != -1 {
		t.Errorf("empty filter result: %d rows, selected %d", tb.Len(), tb.Selected())
	}
	tb.SetFilter("")
	if tb.Len() != 3 {
		t.Errorf("cleared filter shows %d rows", tb.Len())
	}
}

func TestTableRendersOnlyVisibleRows(t *testing.T) {
	var many [][]string
	for i := 0; i < 1000; i++ {
		many = append(many, []string{fmt.Sprintf("env-%04d", i), "k", "n", "ok"})
	}
	tb := newTestTable(many)
	tb.SetSize(40, 11) // header + 10 rows
	tb.End()
	lines := strings.Split(tb.View(), "\n")
	if len(lines) != 11 {
		t.Fatalf("%d lines, want 11", len(lines))
	}
	if !strings.HasPrefix(ansi.Strip(lines[10]), "env-0999") || !strings.HasPrefix(ansi.Strip(lines[1]), "env-0990") {
		t.Errorf("window after End = %q … %q", ansi.Strip(lines[1]), ansi.Strip(lines[10]))
	}
	tb.Move(-5)
	if !strings.HasPrefix(ansi.Strip(strings.Split(tb.View(), "\n")[1]), "env-0990") {
		t.Error("moving within the window must not scroll it")
	}
	tb.Home()
	if !strings.HasPrefix(ansi.Strip(strings.Split(tb.View(), "\n")[1]), "env-0000") {
		t.Error("Home must scroll to the top")
	}
}
