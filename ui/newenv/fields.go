package newenv

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/ui/components"
)

// fieldKind is how a field takes its value.
type fieldKind int

const (
	textField   fieldKind = iota // typed text
	toggleField                  // yes or no
	choiceField                  // one of a few values
)

// field is one field of the form.
type field struct {
	key         string // the diagnostic field it stands for: "account", "inputs.vpc_cidr"
	title, desc string
	kind        fieldKind
	text        textinput.Model
	on          bool
	options     []string
	choice      int
	// check checks the text of a text field; nil accepts anything.
	check func(text string) error
	// err is the problem the value has now; submitErr the one the last
	// submit found, kept until the field is edited.
	err, submitErr error
	// shown is set once the field was edited, left or submitted: its
	// problem is shown from then on.
	shown bool
	input *config.Input // the archetype input it sets; nil for the environment's own fields
}

// focusCmd gives the field the keyboard; a text field's cursor shows.
func (f *field) focusCmd() tea.Cmd {
	if f.kind != textField {
		return nil
	}
	return f.text.Focus()
}

// blur takes the keyboard from the field.
func (f *field) blur() {
	if f.kind == textField {
		f.text.Blur()
	}
}

// value is the field's text, trimmed.
func (f *field) value() string { return strings.TrimSpace(f.text.Value()) }

// problem is the error shown under the field, nil when none is.
func (f *field) problem() error {
	if !f.shown {
		return nil
	}
	if f.err != nil {
		return f.err
	}
	return f.submitErr
}

// recheck runs the field's own check on its current value.
func (f *field) recheck() {
	f.err = nil
	if f.kind == textField && f.check != nil {
		f.err = f.check(f.value())
	}
}

// matches reports whether a diagnostic's field path is about this field:
// the field itself or a part of it ("inputs.allowed_cidrs[1]").
func (f *field) matches(path string) bool {
	return path == f.key || strings.HasPrefix(path, f.key+"[") || strings.HasPrefix(path, f.key+".")
}

func (s *Screen) newText(key, title, desc, value string, check func(string) error) *field {
	in := components.NewTextInput(&s.ctx.Styles)
	in.Prompt = "> "
	st := in.Styles()
	st.Focused.Prompt = s.ctx.Styles.Accent
	st.Blurred.Prompt = s.ctx.Styles.Subtle
	in.SetStyles(st)
	in.SetValue(value)
	return &field{key: key, title: title, desc: desc, kind: textField, text: in, check: check}
}

// optional makes a check accept an empty value.
func optional(check func(string) error) func(string) error {
	return func(v string) error {
		if v == "" {
			return nil
		}
		return check(v)
	}
}

// buildFields lays out the form: the environment's own fields, then one
// per archetype input. Every check is config's, the one validate runs.
func (s *Screen) buildFields() {
	ws := s.ctx.Catalog.Workspace
	region := ws.Settings.DefaultRegion
	checkRegion := config.CheckRegion
	if region != "" {
		checkRegion = optional(config.CheckRegion)
	}
	fs := []*field{
		s.newText("name", "Name", "Becomes envs/<name>.yaml and the envbench:env tag.", "", ws.CheckNewEnvironmentName),
		s.newText("description", "Description", "", "", nil),
		s.newText("owner", "Owner", "Who answers for this environment.", "", nil),
		s.newText("account", "Account", "12-digit AWS account id.", "", config.CheckAccount),
		s.newText("region", "Region", "", region, checkRegion),
		s.newText("role", "Role to assume", "Optional IAM role ARN.", "", optional(config.CheckRole)),
		s.newText("ttl", "TTL", "Optional: 8h, 7d, 2w. Expired environments can be reaped.", "",
			optional(func(v string) error { _, err := config.ParseTTL(v); return err })),
		{key: "protected", title: "Protected", desc: "Production: never synced into, torn down or swept.", kind: toggleField},
	}
	for i := range s.archetype.Inputs {
		fs = append(fs, s.inputField(&s.archetype.Inputs[i]))
	}
	s.fields = fs
	s.recheck()
}

// inputField builds the field of one archetype input.
func (s *Screen) inputField(in *config.Input) *field {
	title := in.Name
	if in.Required {
		title += " *"
	}
	key := "inputs." + in.Name
	switch in.Type {
	case config.TypeBool:
		on, _ := in.Default.(bool)
		return &field{key: key, title: title, desc: in.Description, kind: toggleField, on: on, input: in}
	case config.TypeEnum:
		f := &field{key: key, title: title, desc: in.Description, kind: choiceField, options: in.Values, input: in}
		if v, ok := in.Default.(string); ok {
			for i, o := range in.Values {
				if o == v {
					f.choice = i
				}
			}
		}
		return f
	}
	desc := in.TypeLabel()
	if c := in.Constraints(); c != "" {
		desc += "; " + c
	}
	if in.Description != "" {
		desc = in.Description + " (" + desc + ")"
	}
	f := s.newText(key, title, desc, "", func(v string) error { return s.checkInput(in, v) })
	if in.HasDefault() {
		f.text.Placeholder = "default: " + in.FormatText(in.Default)
	}
	f.input = in
	return f
}

// checkInput checks the text of an archetype input as validate checks the
// value in a file: required, type, pattern, bounds, list items, and a CIDR
// against the other environments of the account.
func (s *Screen) checkInput(in *config.Input, text string) error {
	if text == "" {
		if in.Required {
			return errors.New(config.MissingInput(*in))
		}
		return nil
	}
	v, err := in.CheckFormText(text)
	if err != nil {
		return err
	}
	account := s.fieldValue("account")
	if config.CheckAccount(account) != nil {
		return nil
	}
	// As in CheckCandidate, an environment of the same name is left out
	// of the comparison (the name field reports that one).
	name := s.fieldValue("name")
	if diags := s.ctx.Catalog.Workspace.CheckOverlap(name, account, s.archetype, *in, v); len(diags) > 0 {
		return errors.New(diags[0].Message)
	}
	return nil
}

// fieldValue is the trimmed text of the field with that key.
func (s *Screen) fieldValue(key string) string {
	for _, f := range s.fields {
		if f.key == key {
			return f.value()
		}
	}
	return ""
}

// recheck runs every field's check: a value may depend on another (a CIDR
// on the account).
func (s *Screen) recheck() {
	for _, f := range s.fields {
		f.recheck()
	}
}

// collect collects the form's values into a draft environment. It is called
// once every field is valid.
func (s *Screen) collect() config.Draft {
	d := config.Draft{Archetype: s.archetype.Name, Created: s.ctx.Now()}
	for _, f := range s.fields {
		if f.input != nil {
			if v, set := f.inputValue(); set {
				d.Inputs = append(d.Inputs, config.DraftInput{Name: f.input.Name, Value: v})
			}
			continue
		}
		switch f.key {
		case "name":
			d.Name = f.value()
		case "description":
			d.Description = f.value()
		case "owner":
			d.Owner = f.value()
		case "account":
			d.Account = f.value()
		case "region":
			if d.Region = f.value(); d.Region == s.ctx.Catalog.Settings.DefaultRegion {
				d.Region = ""
			}
		case "role":
			d.Role = f.value()
		case "ttl":
			d.TTL = f.value()
		case "protected":
			d.Protected = f.on
		}
	}
	return d
}

// inputValue is the typed value the field gives its input; set is false
// when the archetype's default applies.
func (f *field) inputValue() (v any, set bool) {
	in := f.input
	switch f.kind {
	case toggleField:
		return f.on, in.Default != f.on
	case choiceField:
		o := f.options[f.choice]
		return o, in.Default != o
	}
	text := f.value()
	if text == "" {
		return nil, false
	}
	v, err := in.CheckFormText(text)
	return v, err == nil
}
