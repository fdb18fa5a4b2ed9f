// Package newenv is the new-environment screen: a form built from an
// archetype's typed inputs. Each field is checked as it is filled in, the
// whole file is validated as `envbench validate` would, and envs/<name>.yaml
// is written only when it is valid.
package newenv

import (
	"fmt"
	"strings"
	"sync/atomic"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/ui/screen"
)

var ids atomic.Int64

// Screen is the new-environment form.
type Screen struct {
	ctx       *screen.Context
	id        int64
	archetype *config.Archetype
	picked    string // bound to the archetype picker
	form      *huh.Form
	fields    fields
	problems  config.Diagnostics
	saving    bool
	width     int
	height    int
}

// fields are the values the form's fields are bound to.
type fields struct {
	name, description, owner, account, region, role, ttl string
	protected                                            bool
	text                                                 map[string]*string
	flags                                                map[string]*bool
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

// Pick returns the screen starting with an archetype picker, its cursor on
// suggested (which may be empty).
func Pick(ctx *screen.Context, suggested string) (*Screen, error) {
	s, err := newScreen(ctx)
	if err != nil {
		return nil, err
	}
	s.picked = suggested
	s.form = s.pickerForm()
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
	s.archetype = a
	s.form = s.mainForm()
	return s, nil
}

func newScreen(ctx *screen.Context) (*Screen, error) {
	if ctx.Catalog == nil || len(ctx.Catalog.Archetypes) == 0 {
		return nil, fmt.Errorf("the workspace has no archetypes; add one under archetypes/ first")
	}
	s := &Screen{ctx: ctx, id: ids.Add(1)}
	s.fields.region = ctx.Catalog.Settings.DefaultRegion
	return s, nil
}

func (s *Screen) theme() huh.Theme {
	if s.ctx.Styles.Palette.Plain {
		return huh.ThemeFunc(huh.ThemeBase)
	}
	return huh.ThemeFunc(huh.ThemeCharm)
}

func (s *Screen) pickerForm() *huh.Form {
	var opts []huh.Option[string]
	for _, a := range s.ctx.Catalog.Archetypes {
		if len(s.ctx.Catalog.ArchetypeDiagnostics(a.Name)) > 0 {
			continue
		}
		label := a.Name
		if a.Description != "" {
			label += " - " + firstSentence(a.Description)
		}
		opts = append(opts, huh.NewOption(label, a.Name))
	}
	sel := huh.NewSelect[string]().Title("Archetype").
		Description("The blueprint the new environment is stamped from.").
		Options(opts...).Value(&s.picked)
	return s.finish(huh.NewForm(huh.NewGroup(sel).Title("New environment")))
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

func (s *Screen) finish(f *huh.Form) *huh.Form {
	f = f.WithTheme(s.theme()).WithShowHelp(true).WithShowErrors(true)
	if s.width >= minWidth && s.height >= minHeight {
		f = f.WithWidth(s.width).WithHeight(s.formHeight())
	}
	return f
}

// mainForm builds the form: the environment's own fields, then one field
// per archetype input, each validated with the same checks as validate.
func (s *Screen) mainForm() *huh.Form {
	f := &s.fields
	a := s.archetype
	optional := func(check func(string) error) func(string) error {
		return func(v string) error {
			if strings.TrimSpace(v) == "" {
				return nil
			}
			return check(strings.TrimSpace(v))
		}
	}
	env := huh.NewGroup(
		huh.NewInput().Title("Name").Description("Becomes envs/<name>.yaml and the envbench:env tag.").
			Value(&f.name).Validate(s.checkName),
		huh.NewInput().Title("Description").Value(&f.description),
		huh.NewInput().Title("Owner").Description("Who answers for this environment.").Value(&f.owner),
		huh.NewInput().Title("Account").Description("12-digit AWS account id.").
			Value(&f.account).Validate(func(v string) error { return config.CheckAccount(strings.TrimSpace(v)) }),
		huh.NewInput().Title("Region").Value(&f.region).Validate(func(v string) error {
			return config.CheckRegion(strings.TrimSpace(v))
		}),
		huh.NewInput().Title("Role to assume").Description("Optional IAM role ARN.").
			Value(&f.role).Validate(optional(config.CheckRole)),
		huh.NewInput().Title("TTL").Description("Optional: 8h, 7d, 2w. Expired environments can be reaped.").
			Value(&f.ttl).Validate(optional(func(v string) error { _, err := config.ParseTTL(v); return err })),
		huh.NewConfirm().Title("Protected").Description("Production: never synced into, torn down or swept.").
			Value(&f.protected),
	).Title("New " + a.Name + " environment")
	groups := []*huh.Group{env}
	if len(a.Inputs) > 0 {
		if f.text == nil {
			f.text, f.flags = map[string]*string{}, map[string]*bool{}
		}
		var inputs []huh.Field
		for _, in := range a.Inputs {
			inputs = append(inputs, s.inputField(in))
		}
		groups = append(groups, huh.NewGroup(inputs...).Title("Inputs of "+a.Name))
	}
	return s.finish(huh.NewForm(groups...))
}

// inputField builds the field for one archetype input.
func (s *Screen) inputField(in config.Input) huh.Field {
	f := &s.fields
	desc := in.TypeLabel()
	if c := in.Constraints(); c != "" {
		desc += "; " + c
	}
	if in.Description != "" {
		desc = in.Description + " (" + desc + ")"
	}
	title := in.Name
	if in.Required {
		title += " *"
	}
	switch in.Type {
	case config.TypeBool:
		if _, ok := f.flags[in.Name]; !ok {
			v, _ := in.Default.(bool)
			f.flags[in.Name] = &v
		}
		return huh.NewConfirm().Title(title).Description(in.Description).Value(f.flags[in.Name])
	case config.TypeEnum:
		if _, ok := f.text[in.Name]; !ok {
			v, _ := in.Default.(string)
			if v == "" {
				v = in.Values[0]
			}
			f.text[in.Name] = &v
		}
		return huh.NewSelect[string]().Title(title).Description(in.Description).
			Options(huh.NewOptions(in.Values...)...).Value(f.text[in.Name])
	}
	if _, ok := f.text[in.Name]; !ok {
		v := ""
		f.text[in.Name] = &v
	}
	field := huh.NewInput().Title(title).Description(desc).Value(f.text[in.Name]).
		Validate(func(v string) error {
			if strings.TrimSpace(v) == "" {
				if in.Required {
					return fmt.Errorf("%s is required", in.Name)
				}
				return nil
			}
			_, err := in.CheckText(strings.TrimSpace(v))
			return err
		})
	if in.HasDefault() {
		field = field.Placeholder("default: " + in.FormatText(in.Default))
	}
	return field
}

func (s *Screen) checkName(v string) error {
	v = strings.TrimSpace(v)
	if err := config.CheckEnvironmentName(v); err != nil {
		return err
	}
	if _, exists := s.ctx.Catalog.Environment(v); exists {
		return fmt.Errorf("environment %s already exists", v)
	}
	return nil
}

// draft collects the form's values into a draft environment.
func (s *Screen) draft() (config.Draft, error) {
	f := &s.fields
	d := config.Draft{
		Name: strings.TrimSpace(f.name), Archetype: s.archetype.Name,
		Description: strings.TrimSpace(f.description), Owner: strings.TrimSpace(f.owner),
		Account: strings.TrimSpace(f.account), Region: strings.TrimSpace(f.region),
		Role: strings.TrimSpace(f.role), TTL: strings.TrimSpace(f.ttl), Protected: f.protected,
		Created: s.ctx.Now(),
	}
	if d.Region == s.ctx.Catalog.Settings.DefaultRegion {
		d.Region = ""
	}
	for _, in := range s.archetype.Inputs {
		var v any
		switch in.Type {
		case config.TypeBool:
			b := *f.flags[in.Name]
			if in.Default == b {
				continue
			}
			v = b
		case config.TypeEnum:
			text := *f.text[in.Name]
			if in.Default == text {
				continue
			}
			v = text
		default:
			text := strings.TrimSpace(*f.text[in.Name])
			if text == "" {
				continue
			}
			var err error
			if v, err = in.CheckText(text); err != nil {
				return d, fmt.Errorf("%s: %w", in.Name, err)
			}
		}
		d.Inputs = append(d.Inputs, config.DraftInput{Name: in.Name, Value: v})
	}
	return d, nil
}

// Init starts the form.
func (s *Screen) Init() tea.Cmd { return s.form.Init() }

// CapturingInput is always true: every key belongs to the form.
func (s *Screen) CapturingInput() bool { return true }

// Bindings are the form's keys.
func (s *Screen) Bindings() []key.Binding {
	return append(s.form.KeyBinds(), s.ctx.Keys.Back)
}

// SetSize sizes the form.
func (s *Screen) SetSize(width, height int) {
	s.width, s.height = width, height
	s.resizeForm()
}

// The smallest terminal the form is drawn in; huh's fields break below it.
const minWidth, minHeight = 30, 8

func (s *Screen) resizeForm() {
	if s.width >= minWidth && s.height >= minHeight {
		s.form = s.form.WithWidth(s.width).WithHeight(s.formHeight())
	}
}

func (s *Screen) formHeight() int {
	return max(s.height-len(s.problemLines()), 4)
}

// Update feeds the form and acts on its completion.
func (s *Screen) Update(msg tea.Msg) (screen.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case createdMsg:
		if msg.id == s.id {
			return s, s.created(msg)
		}
		return s, nil
	case tea.KeyPressMsg:
		if msg.String() == "esc" {
			return s, screen.Pop
		}
		if s.saving {
			return s, nil
		}
	}
	m, cmd := s.form.Update(msg)
	s.form = m.(*huh.Form)
	if s.form.State != huh.StateCompleted {
		return s, cmd
	}
	if s.archetype == nil {
		a, _ := s.ctx.Catalog.Archetype(s.picked)
		s.archetype = a
		s.form = s.mainForm()
		return s, s.form.Init()
	}
	return s, s.submit()
}

// submit validates the draft and writes the file, off the UI goroutine.
func (s *Screen) submit() tea.Cmd {
	d, err := s.draft()
	if err != nil {
		s.problems = config.Diagnostics{{File: "envs/" + s.fields.name + ".yaml", Message: err.Error()}}
		s.form = s.mainForm()
		s.resizeForm()
		return s.form.Init()
	}
	s.saving = true
	ws, id := s.ctx.Catalog.Workspace, s.id
	return func() tea.Msg {
		path, problems, err := envs.CreateEnvironment(ws, d)
		return createdMsg{id: id, name: d.Name, path: path, problems: problems, err: err}
	}
}

// created handles the outcome of submit: back to the list on success, back
// to the form with the problems otherwise.
func (s *Screen) created(msg createdMsg) tea.Cmd {
	s.saving = false
	if msg.err == nil && len(msg.problems) == 0 {
		return tea.Batch(screen.Home, func() tea.Msg { return screen.ReloadMsg{Select: msg.name} },
			screen.Flash("created envs/"+msg.name+".yaml", false))
	}
	s.problems = msg.problems
	if msg.err != nil {
		s.problems = append(s.problems, config.Diagnostic{File: "envs/" + msg.name + ".yaml", Message: msg.err.Error()})
	}
	s.form = s.mainForm()
	s.resizeForm()
	return s.form.Init()
}

// problemLines are the problems of the last submit, wrapped to the width.
func (s *Screen) problemLines() []string {
	if len(s.problems) == 0 {
		return nil
	}
	lines := []string{fmt.Sprintf("Not written: %d problem(s); fix them and submit again.", len(s.problems))}
	for _, p := range s.problems {
		wrapped := ansi.Wrap(p.String(), max(s.width-2, 20), " /.,")
		for _, line := range strings.Split(wrapped, "\n") {
			lines = append(lines, "  "+line)
		}
	}
	return lines
}

// View draws the problems of the last submit, if any, above the form.
func (s *Screen) View() string {
	if s.width < minWidth || s.height < minHeight {
		return s.ctx.Styles.Warn.Render(fmt.Sprintf("The form needs a terminal of at least %dx%d.", minWidth, minHeight+2))
	}
	var b strings.Builder
	for _, line := range s.problemLines() {
		b.WriteString(s.ctx.Styles.Error.Render(line))
		b.WriteByte('\n')
	}
	if s.saving {
		b.WriteString(s.ctx.Styles.Subtle.Render("Validating and writing…"))
		return b.String()
	}
	b.WriteString(s.form.View())
	return b.String()
}
