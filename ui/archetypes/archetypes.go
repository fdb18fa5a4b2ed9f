// Package archetypes is the archetypes screen: the workspace's blueprints
// with their typed inputs (type, default, constraints, description).
package archetypes

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/ui/components"
	"github.com/envbench/envbench/ui/screen"
)

const wideLayout = 110

// Screen is the archetypes screen.
type Screen struct {
	ctx          *screen.Context
	table        *components.Table
	list         []*config.Archetype
	detailFocus  bool
	detailOffset int
	width        int
	height       int
}

var _ screen.Screen = (*Screen)(nil)

// New returns the archetypes screen.
func New(ctx *screen.Context) *Screen {
	s := &Screen{ctx: ctx}
	s.table = components.NewTable(&ctx.Styles,
		components.Column{Title: "ARCHETYPE", Min: 10, Max: 28},
		components.Column{Title: "INPUTS", Min: 6, Max: 6, Priority: 2},
		components.Column{Title: "ENVS", Min: 4, Max: 4, Priority: 1},
	)
	s.table.CellStyle = func(row, _ int) (lipgloss.Style, bool) {
		if s.invalid(s.list[row]) {
			return s.ctx.Styles.Error, true
		}
		return lipgloss.Style{}, false
	}
	s.load()
	return s
}

func (s *Screen) invalid(a *config.Archetype) bool {
	return s.ctx.Catalog != nil && len(s.ctx.Catalog.ArchetypeDiagnostics(a.Name)) > 0
}

func (s *Screen) load() {
	s.list = nil
	if s.ctx.Catalog != nil {
		s.list = s.ctx.Catalog.Archetypes
	}
	rows := make([][]string, len(s.list))
	for i, a := range s.list {
		count := 0
		for _, e := range s.ctx.Catalog.Environments {
			if e.Archetype == a.Name {
				count++
			}
		}
		rows[i] = []string{a.Name, fmt.Sprint(len(a.Inputs)), fmt.Sprint(count)}
	}
	s.table.SetRows(rows)
}

// Init does nothing.
func (s *Screen) Init() tea.Cmd { return nil }

// Bindings are the keys this screen handles.
func (s *Screen) Bindings() []key.Binding {
	k := s.ctx.Keys
	return []key.Binding{k.NewEnv, k.Tab, k.Up, k.Down, k.PageUp, k.PageDown}
}

// SetSize lays the list and the inputs out.
func (s *Screen) SetSize(width, height int) {
	s.width, s.height = width, height
	if width >= wideLayout {
		s.table.SetSize(s.listWidth(), height-1)
		return
	}
	s.table.SetSize(width, min(len(s.list)+1, max(height/3, 3)))
}

func (s *Screen) listWidth() int { return min(40, s.width/3) }

func (s *Screen) detailSize() (int, int) {
	if s.width >= wideLayout {
		return s.width - s.listWidth() - 2, s.height - 1
	}
	return s.width, s.height - 1 - min(len(s.list)+1, max(s.height/3, 3)) - 1
}

// Update handles keys and reloads.
func (s *Screen) Update(msg tea.Msg) (screen.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case screen.CatalogMsg:
		s.load()
		s.SetSize(s.width, s.height)
	case tea.MouseWheelMsg:
		if msg.Button == tea.MouseWheelUp {
			s.detailOffset = max(s.detailOffset-1, 0)
		} else {
			s.detailOffset++
		}
	case tea.KeyPressMsg:
		return s, s.handleKey(msg)
	}
	return s, nil
}

func (s *Screen) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.ctx.Keys
	_, h := s.detailSize()
	move := func(delta int) {
		if s.detailFocus {
			s.detailOffset = max(s.detailOffset+delta, 0)
			return
		}
		s.table.Move(delta)
		s.detailOffset = 0
	}
	switch {
	case key.Matches(msg, k.Up):
		move(-1)
	case key.Matches(msg, k.Down):
		move(1)
	case key.Matches(msg, k.PageUp):
		move(-h)
	case key.Matches(msg, k.PageDown):
		move(h)
	case key.Matches(msg, k.Tab):
		s.detailFocus = !s.detailFocus
	case key.Matches(msg, k.NewEnv):
		i := s.table.Selected()
		if i < 0 {
			return nil
		}
		return screen.Open{Kind: screen.KindNewEnv, Archetype: s.list[i].Name}.Cmd()
	}
	return nil
}

// View draws the list and the selected archetype's inputs.
func (s *Screen) View() string {
	st := &s.ctx.Styles
	title := st.Title.Render("Archetypes") + " " + st.Subtle.Render(fmt.Sprintf("%d", len(s.list)))
	if len(s.list) == 0 {
		return title + "\n" + st.Subtle.Render("No archetypes. Add a directory under archetypes/ with an archetype.yaml.")
	}
	w, h := s.detailSize()
	d := s.detail(max(w-1, 10))
	s.detailOffset = min(s.detailOffset, max(d.Len()-h, 0))
	detail := lipgloss.NewStyle().PaddingLeft(1).Width(w).Render(d.View(s.detailOffset, h))
	if s.width >= wideLayout {
		divider := st.Divider.Render(strings.TrimSuffix(strings.Repeat("│\n", max(s.height-1, 1)), "\n"))
		list := lipgloss.NewStyle().Width(s.listWidth()).Render(s.table.View())
		return title + "\n" + lipgloss.JoinHorizontal(lipgloss.Top, list, divider, detail)
	}
	rule := st.Divider.Render(strings.Repeat("─", max(s.width, 0)))
	return title + "\n" + s.table.View() + "\n" + rule + "\n" + detail
}

// detail lays out the selected archetype: description, files, inputs.
func (s *Screen) detail(width int) *components.Detail {
	st := &s.ctx.Styles
	d := components.NewDetail(st, width)
	i := s.table.Selected()
	if i < 0 {
		return d
	}
	a := s.list[i]
	d.Text(a.Name, st.Title)
	if a.Description != "" {
		d.Text(a.Description, st.Subtle)
	}
	if diags := s.ctx.Catalog.ArchetypeDiagnostics(a.Name); len(diags) > 0 {
		d.Blank()
		d.Text(fmt.Sprintf("%d problem(s):", len(diags)), st.Error)
		for _, diag := range diags {
			d.Text(diag.String(), st.Error)
		}
	}
	d.Blank()
	d.Field("directory", a.Dir, st.Subtle)
	d.Field("files", strings.Join(a.Files, ", "), st.Subtle)
	d.Blank()
	if len(a.Inputs) == 0 {
		d.Text("No inputs.", st.Subtle)
		return d
	}
	d.Text(fmt.Sprintf("Inputs (%d)", len(a.Inputs)), st.Title)
	for _, in := range a.Inputs {
		d.Blank()
		head := st.Accent.Render(in.Name) + "  " + st.Info.Render(in.TypeLabel())
		switch {
		case in.Required:
			head += "  " + st.Warn.Render("required")
		case in.HasDefault():
			head += "  " + st.Subtle.Render("default ") + defaultText(in)
		default:
			head += "  " + st.Subtle.Render("optional")
		}
		d.Text(head, st.Text)
		if c := in.Constraints(); c != "" {
			d.Text("  "+c, st.Subtle)
		}
		if in.Shared {
			d.Text("  may overlap other environments' ranges", st.Subtle)
		}
		if in.Description != "" {
			d.Text("  "+in.Description, st.Text)
		}
	}
	return d
}

func defaultText(in config.Input) string {
	text := in.FormatText(in.Default)
	switch in.Type {
	case config.TypeList:
		return "[" + text + "]"
	case config.TypeMap:
		return "{" + text + "}"
	case config.TypeString:
		if text == "" {
			return `""`
		}
	}
	return text
}
