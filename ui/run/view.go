package run

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// Pane is the log pane's position: the selected step and, when scrolled
// up, the line the view ends at. Bottom zero follows the tail; otherwise
// the view stays put however many lines arrive.
type Pane struct {
	Selected int
	// Bottom is how many of the step's lines end the view, 0 to follow.
	Bottom int
}

// Scroll moves the pane by delta lines (positive is up, toward older
// lines), kept within the lines of the selected step for a pane of height
// rows; reaching the tail follows it again.
func (p Pane) Scroll(s *State, delta, height int) Pane {
	n := 0
	if st := p.step(s); st != nil {
		n = len(st.Lines)
	}
	end := p.end(n)
	end = min(max(end-delta, min(height, n)), n)
	if end >= n {
		end = 0
	}
	p.Bottom = end
	return p
}

// Above returns how many lines of n lie below the view.
func (p Pane) Above(n int) int { return n - p.end(n) }

func (p Pane) end(n int) int {
	if p.Bottom == 0 || p.Bottom > n {
		return n
	}
	return p.Bottom
}

// Select moves the selection by delta steps and follows the new step's
// tail.
func (p Pane) Select(s *State, delta int) Pane {
	if len(s.Steps) == 0 {
		return Pane{}
	}
	p.Selected = min(max(p.Selected+delta, 0), len(s.Steps)-1)
	p.Bottom = 0
	return p
}

func (p Pane) step(s *State) *Step {
	if p.Selected < 0 || p.Selected >= len(s.Steps) {
		return nil
	}
	return s.Steps[p.Selected]
}

// Window returns the lines of the selected step the pane shows in height
// rows: only those, however many the step has.
func (p Pane) Window(s *State, height int) []string {
	st := p.step(s)
	if st == nil || height <= 0 {
		return nil
	}
	end := p.end(len(st.Lines))
	return st.Lines[max(end-height, 0):end]
}

// Icon returns the status icon of a step or lane.
func Icon(st Status) string {
	switch st {
	case StatusRunning:
		return "●"
	case StatusWaiting:
		return "↻"
	case StatusDone:
		return "✓"
	case StatusSkipped:
		return "↷"
	case StatusFailed:
		return "✗"
	}
	return "○"
}

// Bar returns a progress bar width cells wide for f in 0..1.
func Bar(f float64, width int) string {
	if width <= 0 {
		return ""
	}
	f = min(max(f, 0), 1)
	full := int(f*float64(width) + 0.5)
	return strings.Repeat("█", full) + strings.Repeat("░", width-full)
}

// StepLine returns a step's row: icon, name, attempt n/N, the wait before
// the next attempt, elapsed time, and a bar when it reports progress.
func StepLine(st *Step, selected bool, now time.Time, width int) string {
	cursor := "  "
	if selected {
		cursor = "> "
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s %-8s", cursor, Icon(st.Status), st.Name)
	if st.Attempts > 1 && st.Attempt > 0 {
		fmt.Fprintf(&b, " attempt %d/%d", st.Attempt, st.Attempts)
	}
	if w := st.Wait(now); w > 0 {
		fmt.Fprintf(&b, " retry in %s", w.Round(time.Second))
	}
	if el := st.Elapsed(now); el > 0 {
		fmt.Fprintf(&b, " %s", el.Round(time.Second))
	}
	if st.HasFraction && st.Status == StatusRunning {
		bw := min(20, width-ansi.StringWidth(b.String())-7)
		if bw > 3 {
			fmt.Fprintf(&b, " %s %3d%%", Bar(st.Fraction, bw), int(st.Fraction*100+0.5))
		}
	}
	return ansi.Truncate(b.String(), width, "…")
}

// LaneLine returns a lane's row, indented under its step.
func LaneLine(l *Lane, width int) string {
	s := fmt.Sprintf("      %s %s", Icon(l.Status), l.Name)
	if l.Attempts > 1 && l.Attempt > 0 {
		s += fmt.Sprintf(" %d/%d", l.Attempt, l.Attempts)
	}
	if l.Fraction > 0 && l.Status == StatusRunning {
		s += " " + Bar(l.Fraction, 10)
	}
	if l.Message != "" && l.Status != StatusDone {
		s += " " + l.Message
	}
	return ansi.Truncate(s, width, "…")
}

// Render draws the run: a header, the steps with their lanes, and the log
// pane of the selected step below, in width x height cells.
func Render(s *State, p Pane, now time.Time, width, height int) string {
	lines := make([]string, 0, height)
	head := fmt.Sprintf("run %s  %s %s  %s", s.RunID, s.Pipeline, s.Env, s.Status)
	lines = append(lines, ansi.Truncate(head, width, "…"))
	var rows []string
	for i, st := range s.Steps {
		rows = append(rows, StepLine(st, i == p.Selected, now, width))
		for _, l := range st.Lanes {
			rows = append(rows, LaneLine(l, width))
		}
	}
	maxRows := max(height/2-1, 1)
	if len(rows) > maxRows {
		rows = rows[len(rows)-maxRows:]
	}
	lines = append(lines, rows...)
	title := "log"
	if st := p.step(s); st != nil {
		title = fmt.Sprintf("log %s (%d lines)", st.Name, len(st.Lines))
		if up := p.Above(len(st.Lines)); up > 0 {
			title += fmt.Sprintf(" ↑%d below", up)
		}
	}
	lines = append(lines, ansi.Truncate("── "+title+" "+strings.Repeat("─", width), width, ""))
	logHeight := LogHeight(s, height)
	for _, l := range p.Window(s, logHeight) {
		lines = append(lines, ansi.Truncate(l, width, "…"))
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:height], "\n")
}

// LogHeight returns how many rows the log pane has in a screen of height
// rows.
func LogHeight(s *State, height int) int {
	rows := 0
	for _, st := range s.Steps {
		rows += 1 + len(st.Lanes)
	}
	rows = min(rows, max(height/2-1, 1))
	return max(height-2-rows, 0)
}
