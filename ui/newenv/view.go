package newenv

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/ui/theme"
)

// The left margin of a field: a bar for the focused one.
const (
	barFocused = "┃ "
	barBlurred = "  "
)

// The smallest terminal the form is drawn in.
const minWidth, minHeight = 30, 8

// wrapText wraps plain text to width at spaces, never inside a word (a
// path, a CIDR, a name with dashes) unless the word is longer than a line.
func wrapText(text string, width int) []string {
	width = max(width, 10)
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		for ansi.StringWidth(word) > width {
			if line != "" {
				lines, line = append(lines, line), ""
			}
			head := ansi.Truncate(word, width, "")
			lines, word = append(lines, head), word[len(head):]
		}
		switch {
		case line == "":
			line = word
		case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= width:
			line += " " + word
		default:
			lines, line = append(lines, line), word
		}
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}

// View draws the current step.
func (s *Screen) View() string {
	st := &s.ctx.Styles
	if s.width < minWidth || s.height < minHeight {
		return st.Warn.Render(fmt.Sprintf("The form needs a terminal of at least %dx%d.", minWidth, minHeight+2))
	}
	switch s.stage {
	case picking:
		return s.pickerView()
	case confirming:
		return s.confirmView()
	case saving:
		return st.Subtle.Render("Validating and writing envs/" + s.draft.Name + ".yaml…")
	}
	head := s.problemLines()
	lines, start, end := s.formLines()
	height := max(s.height-len(head), 1)
	// Keep the focused field, its problem included, on screen.
	if end-start >= height || start < s.offset {
		s.offset = start
	} else if end > s.offset+height {
		s.offset = end - height
	}
	if s.focus == 0 {
		s.offset = 0 // the form's title stays visible above its first field
	}
	s.offset = max(min(s.offset, len(lines)-height), 0)
	lines = lines[s.offset:min(s.offset+height, len(lines))]
	return strings.Join(append(head, lines...), "\n")
}

// problemLines are the problems of the last submit that no field stands
// for, wrapped to the width.
func (s *Screen) problemLines() []string {
	if len(s.problems) == 0 {
		return nil
	}
	st := &s.ctx.Styles
	lines := []string{st.Error.Render(fmt.Sprintf("Not written: %d problem(s); fix them and submit again.", len(s.problems)))}
	for _, p := range s.problems {
		for _, line := range wrapText(p.String(), s.width-2) {
			lines = append(lines, st.Error.Render("  "+line))
		}
	}
	return lines
}

// formLines draws every field, and reports the lines the focused one
// spans: [start, end).
func (s *Screen) formLines() (lines []string, start, end int) {
	st := &s.ctx.Styles
	lines = []string{st.Title.Render("New " + s.archetype.Name + " environment")}
	for i, f := range s.fields {
		heading := f.input != nil && (i == 0 || s.fields[i-1].input == nil)
		if heading {
			lines = append(lines, "")
		}
		if i == s.focus {
			start = len(lines)
		}
		if heading {
			lines = append(lines, st.Title.Render("Inputs of "+s.archetype.Name))
		}
		lines = append(lines, s.fieldLines(f, i == s.focus)...)
		if i == s.focus {
			end = len(lines)
		}
		lines = append(lines, "")
	}
	return lines, start, end
}

// fieldLines draws one field: title, description, value and, under it,
// its problem in full.
func (s *Screen) fieldLines(f *field, focused bool) []string {
	st := &s.ctx.Styles
	bar, title := barBlurred, st.Text
	if focused {
		bar, title = st.Accent.Render(barFocused), st.Title
	}
	width := s.width - len(barBlurred)
	lines := []string{title.Render(ansi.Truncate(f.title, width, "…"))}
	if f.desc != "" {
		for _, line := range wrapText(f.desc, width) {
			lines = append(lines, st.Subtle.Render(line))
		}
	}
	lines = append(lines, s.valueLine(f, focused, st))
	if err := f.problem(); err != nil {
		for i, line := range wrapText(err.Error(), width-2) {
			mark := "✗ "
			if i > 0 {
				mark = "  "
			}
			lines = append(lines, st.Error.Render(mark+line))
		}
	}
	for i, line := range lines {
		lines[i] = bar + line
	}
	return lines
}

func (s *Screen) valueLine(f *field, focused bool, st *theme.Styles) string {
	switch f.kind {
	case toggleField:
		yes, no := st.Subtle.Render("○ Yes"), st.Subtle.Render("○ No")
		if f.on {
			yes = st.Selected.Render("● Yes")
		} else {
			no = st.Selected.Render("● No")
		}
		return yes + "   " + no
	case choiceField:
		value := st.Text.Render(f.options[f.choice])
		if focused {
			value = st.Selected.Render(" " + f.options[f.choice] + " ")
		}
		return st.Subtle.Render("‹ ") + value + st.Subtle.Render(fmt.Sprintf(" › %d of %d", f.choice+1, len(f.options)))
	}
	return f.text.View()
}

// pickerView draws the archetype picker.
func (s *Screen) pickerView() string {
	st := &s.ctx.Styles
	width := s.width - len(barFocused) - 2
	bar := st.Accent.Render(barFocused)
	lines := []string{
		st.Title.Render("New environment"),
		bar + st.Title.Render("Archetype"),
		bar + st.Subtle.Render("The blueprint the new environment is stamped from."),
	}
	for i, a := range s.choices {
		label := a.Name
		if a.Description != "" {
			label += " - " + firstSentence(a.Description)
		}
		label = ansi.Truncate(label, width, "…")
		if i == s.picked {
			lines = append(lines, bar+st.Accent.Render("> ")+st.Selected.Render(label))
		} else {
			lines = append(lines, bar+"  "+st.Text.Render(label))
		}
	}
	return strings.Join(lines, "\n")
}

func firstSentence(s string) string {
	if i := strings.Index(s, ": "); i > 0 {
		s = s[:i]
	}
	if i := strings.Index(s, ". "); i > 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(s, ".")
}

// confirmView shows the file that will be written, before anything is.
func (s *Screen) confirmView() string {
	st := &s.ctx.Styles
	file := "envs/" + s.draft.Name + ".yaml"
	lines := []string{
		st.Title.Render("Write " + file + "?"),
		st.Subtle.Render("It is valid. Nothing is written until you confirm."),
		"",
	}
	body := strings.Split(strings.TrimSuffix(s.yaml, "\n"), "\n")
	room := s.height - len(lines)
	if len(body) > room {
		more := len(body) - room + 1
		body = append(body[:room-1], fmt.Sprintf("… %d more line(s)", more))
	}
	for _, line := range body {
		lines = append(lines, st.Text.Render("  "+ansi.Truncate(line, s.width-2, "…")))
	}
	return strings.Join(lines, "\n")
}
