// Package help is the ? screen. It is generated from the key bindings: the
// global ones and those of the screen it was opened over.
package help

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/ui/components"
	"github.com/envbench/envbench/ui/screen"
)

// Section is a titled group of bindings.
type Section struct {
	Title    string
	Bindings []key.Binding
}

// Screen is the help screen.
type Screen struct {
	ctx      *screen.Context
	sections []Section
	offset   int
	width    int
	height   int
}

var _ screen.Screen = (*Screen)(nil)

// New returns a help screen listing the sections.
func New(ctx *screen.Context, sections ...Section) *Screen {
	return &Screen{ctx: ctx, sections: sections}
}

// Init does nothing.
func (s *Screen) Init() tea.Cmd { return nil }

// SetSize sets the size.
func (s *Screen) SetSize(width, height int) { s.width, s.height = width, height }

// Bindings are the help screen's own keys.
func (s *Screen) Bindings() []key.Binding {
	k := s.ctx.Keys
	return []key.Binding{k.Up, k.Down, k.Back}
}

// Update scrolls.
func (s *Screen) Update(msg tea.Msg) (screen.Screen, tea.Cmd) {
	k := s.ctx.Keys
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Up):
			s.offset = max(s.offset-1, 0)
		case key.Matches(msg, k.Down):
			s.offset++
		case key.Matches(msg, k.PageDown):
			s.offset += max(s.height-2, 1)
		case key.Matches(msg, k.PageUp):
			s.offset = max(s.offset-max(s.height-2, 1), 0)
		}
	case tea.MouseWheelMsg:
		if msg.Button == tea.MouseWheelUp {
			s.offset = max(s.offset-1, 0)
		} else {
			s.offset++
		}
	}
	return s, nil
}

// Lines returns the help text, one binding a line, without styling width
// limits; View windows it.
func (s *Screen) lines() []string {
	st := &s.ctx.Styles
	keyWidth := 0
	for _, sec := range s.sections {
		for _, b := range sec.Bindings {
			keyWidth = max(keyWidth, ansi.StringWidth(b.Help().Key))
		}
	}
	var out []string
	for _, sec := range s.sections {
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, st.Title.Render(sec.Title))
		seen := map[string]bool{}
		for _, b := range sec.Bindings {
			h := b.Help()
			if !b.Enabled() || h.Key == "" || seen[h.Key+h.Desc] {
				continue
			}
			seen[h.Key+h.Desc] = true
			out = append(out, "  "+st.HelpKey.Render(components.Fit(h.Key, keyWidth))+"  "+st.Text.Render(h.Desc))
		}
	}
	return out
}

// View draws the visible part of the help.
func (s *Screen) View() string {
	lines := s.lines()
	h := max(s.height, 1)
	s.offset = min(s.offset, max(len(lines)-h, 0))
	end := min(s.offset+h, len(lines))
	return strings.Join(lines[s.offset:end], "\n")
}
