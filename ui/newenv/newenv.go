// Package newenv is the new-environment screen: a form built from an
// archetype's typed inputs. Each field shows its own problem under it as it
// is typed, with config's checks (the ones `envbench validate` runs), a CIDR
// against the other environments of the account included. Submitting checks
// the whole file as validate would and shows the YAML to be written; only
// once that is confirmed is envs/<name>.yaml written.
package newenv

import (
	"errors"
	"fmt"
	"sync/atomic"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/ui/screen"
)

var ids atomic.Int64

// stage is the step the screen is at.
type stage int

const (
	picking    stage = iota // choosing the archetype
	editing                 // filling in the fields
	confirming              // showing the file that will be written
	saving                  // validating and writing, off the UI goroutine
)

// Screen is the new-environment form.
type Screen struct {
	ctx       *screen.Context
	id        int64
	keys      formKeys
	stage     stage
	archetype *config.Archetype
	choices   []*config.Archetype // the archetypes the picker offers
	picked    int
	fields    []*field
	focus     int
	offset    int // the first line of the form on screen
	// problems are those of the last submit that no field stands for.
	problems config.Diagnostics
	draft    config.Draft
	yaml     string // the file the draft becomes, shown for confirmation
	width    int
	height   int
}

// createdMsg reports the outcome of writing the environment file.
type createdMsg struct {
	id       int64
	name     string
	path     string
	problems config.Diagnostics
	err      error
}

var _ screen.Screen = (*Screen)(nil)
var _ screen.InputCapturer = (*Screen)(nil)

// formKeys are the form's bindings; each says what it does at the step
// where Bindings shows it.
type formKeys struct {
	Next, Review, Prev, Change, Cancel key.Binding
	Up, Down, Pick                     key.Binding
	Write, Edit                        key.Binding
}

func defaultFormKeys() formKeys {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return formKeys{
		Next:   b([]string{"enter", "tab", "down"}, "enter", "next field"),
		Review: b([]string{"enter"}, "enter", "review the file"),
		Prev:   b([]string{"shift+tab", "up"}, "shift+tab", "previous field"),
		Change: b([]string{"left", "right", "space"}, "←/→", "change"),
		Cancel: b([]string{"esc"}, "esc", "cancel"),
		Up:     b([]string{"up", "k"}, "↑/↓", "choose"),
		Down:   b([]string{"down", "j"}, "↑/↓", "choose"),
		Pick:   b([]string{"enter"}, "enter", "use this archetype"),
		Write:  b([]string{"enter", "y"}, "enter", "write the file"),
		Edit:   b([]string{"esc", "n"}, "esc", "back to the form"),
	}
}

// Pick returns the screen starting with an archetype picker, its cursor on
// suggested (which may be empty).
func Pick(ctx *screen.Context, suggested string) (*Screen, error) {
	s, err := newScreen(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range ctx.Catalog.Archetypes {
		if len(ctx.Catalog.ArchetypeDiagnostics(a.Name)) > 0 {
			continue
		}
		if a.Name == suggested {
			s.picked = len(s.choices)
		}
		s.choices = append(s.choices, a)
	}
	if len(s.choices) == 0 {
		return nil, errors.New("every archetype of the workspace has errors; run envbench validate and fix them first")
	}
	s.stage = picking
	return s, nil
}

// New returns the form for an archetype.
func New(ctx *screen.Context, archetype string) (*Screen, error) {
	s, err := newScreen(ctx)
	if err != nil {
		return nil, err
	}
	a, ok := ctx.Catalog.Archetype(archetype)
	if !ok {
		return nil, fmt.Errorf("unknown archetype %q", archetype)
	}
	if diags := ctx.Catalog.ArchetypeDiagnostics(a.Name); len(diags) > 0 {
		return nil, fmt.Errorf("archetype %s has errors; fix %s first", a.Name, a.File)
	}
	s.useArchetype(a)
	return s, nil
}

func newScreen(ctx *screen.Context) (*Screen, error) {
	if ctx.Catalog == nil || len(ctx.Catalog.Archetypes) == 0 {
		return nil, errors.New("the workspace has no archetypes; add one under archetypes/ first")
	}
	return &Screen{ctx: ctx, id: ids.Add(1), keys: defaultFormKeys()}, nil
}

// useArchetype builds the form of an archetype, its first field focused.
func (s *Screen) useArchetype(a *config.Archetype) tea.Cmd {
	s.archetype, s.stage = a, editing
	s.buildFields()
	s.resizeFields()
	s.focus = 0
	return s.fields[0].focusCmd()
}

// Init focuses the first field.
func (s *Screen) Init() tea.Cmd {
	if s.stage == editing {
		return s.fields[s.focus].focusCmd()
	}
	return nil
}

// CapturingInput is always true: every key belongs to the form, esc too.
func (s *Screen) CapturingInput() bool { return true }

// Bindings are the keys of the current step, each once.
func (s *Screen) Bindings() []key.Binding {
	k := s.keys
	switch s.stage {
	case picking:
		return []key.Binding{k.Up, k.Pick, k.Cancel}
	case confirming:
		return []key.Binding{k.Write, k.Edit}
	case saving:
		return nil
	}
	out := []key.Binding{k.Next}
	if s.focus == len(s.fields)-1 {
		out[0] = k.Review
	}
	if f := s.fields[s.focus]; f.kind != textField {
		out = append(out, k.Change)
	}
	if s.focus > 0 {
		out = append(out, k.Prev)
	}
	return append(out, k.Cancel)
}

// SetSize sizes the form.
func (s *Screen) SetSize(width, height int) {
	s.width, s.height = width, height
	s.resizeFields()
}

func (s *Screen) resizeFields() {
	for _, f := range s.fields {
		if f.kind == textField {
			f.text.SetWidth(max(s.width-len(barFocused)-len(f.text.Prompt)-1, 1))
		}
	}
}

// Update handles the keys of the current step and the outcome of writing.
func (s *Screen) Update(msg tea.Msg) (screen.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case createdMsg:
		if msg.id == s.id {
			return s, s.created(msg)
		}
		return s, nil
	case tea.KeyPressMsg:
		switch s.stage {
		case picking:
			return s, s.pickKey(msg)
		case editing:
			return s, s.editKey(msg)
		case confirming:
			return s, s.confirmKey(msg)
		}
		return s, nil
	case tea.PasteMsg:
		if s.stage == editing && s.fields[s.focus].kind == textField {
			return s, s.typeInto(msg)
		}
		return s, nil
	}
	if s.stage == editing && s.fields[s.focus].kind == textField {
		// The cursor's own messages (blinking).
		var cmd tea.Cmd
		f := s.fields[s.focus]
		f.text, cmd = f.text.Update(msg)
		return s, cmd
	}
	return s, nil
}

func (s *Screen) pickKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.keys
	switch {
	case key.Matches(msg, k.Cancel):
		return screen.Pop
	case key.Matches(msg, k.Up):
		s.picked = max(s.picked-1, 0)
	case key.Matches(msg, k.Down):
		s.picked = min(s.picked+1, len(s.choices)-1)
	case key.Matches(msg, k.Pick):
		return s.useArchetype(s.choices[s.picked])
	}
	return nil
}

func (s *Screen) editKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.keys
	f := s.fields[s.focus]
	switch {
	case key.Matches(msg, k.Cancel):
		return screen.Pop
	case key.Matches(msg, k.Prev):
		return s.focusField(s.focus - 1)
	case key.Matches(msg, k.Next):
		// Only the field's own problem holds the cursor: one the submit
		// found may be fixed in another field (protected, or the ttl).
		f.shown = true
		if f.err != nil {
			return nil
		}
		if s.focus == len(s.fields)-1 {
			return s.review()
		}
		return s.focusField(s.focus + 1)
	case f.kind != textField && key.Matches(msg, k.Change):
		s.change(f, msg.String() == "left")
		return nil
	case f.kind == toggleField && (msg.String() == "y" || msg.String() == "n"):
		f.on = msg.String() == "y"
		return nil
	case f.kind == textField:
		return s.typeInto(msg)
	}
	return nil
}

// change moves a toggle or choice field to its next (or previous) value.
func (s *Screen) change(f *field, back bool) {
	f.submitErr = nil
	if f.kind == toggleField {
		f.on = !f.on
		return
	}
	step := 1
	if back {
		step = len(f.options) - 1
	}
	f.choice = (f.choice + step) % len(f.options)
}

// typeInto feeds a key or a paste to the focused text field and checks it
// again, and the fields that depend on it: its problem is shown as it is
// typed.
func (s *Screen) typeInto(msg tea.Msg) tea.Cmd {
	f := s.fields[s.focus]
	before := f.text.Value()
	var cmd tea.Cmd
	f.text, cmd = f.text.Update(msg)
	if f.text.Value() != before {
		f.shown, f.submitErr = true, nil
		f.recheck()
		if f.key == "name" || f.key == "account" {
			s.recheck() // a CIDR is compared within the account, under the name
		}
	}
	return cmd
}

// focusField moves the cursor to field i.
func (s *Screen) focusField(i int) tea.Cmd {
	if i < 0 || i >= len(s.fields) {
		return nil
	}
	s.fields[s.focus].blur()
	s.focus = i
	return s.fields[i].focusCmd()
}

// review checks the whole file as validate would. On a problem the cursor
// goes to the first field at fault; otherwise the file is shown for
// confirmation. Nothing is written here.
func (s *Screen) review() tea.Cmd {
	s.problems = nil
	s.recheck()
	for i, f := range s.fields {
		f.shown, f.submitErr = true, nil
		if f.problem() != nil {
			return s.focusField(i)
		}
	}
	d := s.collect()
	data, err := d.YAML()
	if err != nil {
		s.problems = config.Diagnostics{{File: "envs/" + d.Name + ".yaml", Message: "render the file: " + err.Error()}}
		return nil
	}
	if _, diags := s.ctx.Catalog.Workspace.CheckCandidate(d.Name, data); len(diags) > 0 {
		return s.showProblems(diags)
	}
	s.draft, s.yaml, s.stage = d, string(data), confirming
	s.fields[s.focus].blur()
	return nil
}

// showProblems puts each problem under the field it is about, keeps the
// others above the form, and moves the cursor to the first field at fault.
func (s *Screen) showProblems(diags config.Diagnostics) tea.Cmd {
	s.stage = editing
	first := -1
	for _, d := range diags {
		i := s.fieldOf(d.Field)
		if i < 0 {
			s.problems = append(s.problems, d)
			continue
		}
		if f := s.fields[i]; f.submitErr == nil {
			f.submitErr, f.shown = errors.New(d.Message), true
		}
		if first < 0 || i < first {
			first = i
		}
	}
	if first < 0 {
		return s.fields[s.focus].focusCmd()
	}
	return s.focusField(first)
}

// fieldOf is the index of the field a diagnostic's field path is about, or
// -1 when no field is.
func (s *Screen) fieldOf(path string) int {
	if path == "" {
		return -1
	}
	for i, f := range s.fields {
		if f.matches(path) {
			return i
		}
	}
	return -1
}

func (s *Screen) confirmKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, s.keys.Write):
		return s.write()
	case key.Matches(msg, s.keys.Edit):
		s.stage = editing
		return s.fields[s.focus].focusCmd()
	}
	return nil
}

// write validates the draft again and writes the file, off the UI
// goroutine.
func (s *Screen) write() tea.Cmd {
	s.stage = saving
	ws, id, d := s.ctx.Catalog.Workspace, s.id, s.draft
	return func() tea.Msg {
		path, problems, err := envs.CreateEnvironment(ws, d)
		return createdMsg{id: id, name: d.Name, path: path, problems: problems, err: err}
	}
}

// created handles the outcome of write: back to the list on success, back
// to the form, at the field at fault, otherwise.
func (s *Screen) created(msg createdMsg) tea.Cmd {
	if msg.err == nil && len(msg.problems) == 0 {
		return tea.Batch(screen.Home, func() tea.Msg { return screen.ReloadMsg{Select: msg.name} },
			screen.Flash("created envs/"+msg.name+".yaml", false))
	}
	s.problems = nil
	problems := msg.problems
	if msg.err != nil {
		problems = append(problems, config.Diagnostic{File: "envs/" + msg.name + ".yaml", Message: msg.err.Error()})
	}
	return s.showProblems(problems)
}
