package newenv

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/internal/testkit"
	"github.com/envbench/envbench/ui/keys"
	"github.com/envbench/envbench/ui/screen"
	"github.com/envbench/envbench/ui/theme"
)

var now = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// form opens the form of an archetype on a copy of the demo workspace.
func form(t *testing.T, archetype string, width, height int) (*Screen, string) {
	t.Helper()
	root := testkit.CopyExample(t, "demo")
	c, err := envs.Open(root, now)
	if err != nil {
		t.Fatal(err)
	}
	palette := theme.DefaultPalette()
	palette.StaticCursor = true
	ctx := &screen.Context{Catalog: c, Styles: theme.NewStyles(palette, true), Keys: keys.DefaultKeyMap(), Now: func() time.Time { return now }}
	s, err := New(ctx, archetype)
	if err != nil {
		t.Fatal(err)
	}
	s.SetSize(width, height)
	s.Init()
	return s, root
}

// press delivers keys ("enter", "esc", "shift+tab", "left", "right",
// "=text" pastes text) and runs the commands they return, feeding the
// screen's own messages back. It returns the other messages.
func press(t *testing.T, s *Screen, keys ...string) []tea.Msg {
	t.Helper()
	var out []tea.Msg
	var run func(cmd tea.Cmd)
	run = func(cmd tea.Cmd) {
		if cmd == nil {
			return
		}
		switch msg := cmd().(type) {
		case nil:
		case tea.BatchMsg:
			for _, c := range msg {
				run(c)
			}
		case createdMsg:
			_, next := s.Update(msg)
			run(next)
		default:
			out = append(out, msg)
		}
	}
	for _, k := range keys {
		var msg tea.Msg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "shift+tab":
			msg = tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
		case "left":
			msg = tea.KeyPressMsg{Code: tea.KeyLeft}
		case "right":
			msg = tea.KeyPressMsg{Code: tea.KeyRight}
		default:
			msg = tea.PasteMsg{Content: strings.TrimPrefix(k, "=")}
		}
		_, cmd := s.Update(msg)
		run(cmd)
	}
	return out
}

// goTo puts the cursor on the field with that key.
func goTo(t *testing.T, s *Screen, key string) *field {
	t.Helper()
	for i, f := range s.fields {
		if f.key == key {
			s.focusField(i)
			return f
		}
	}
	t.Fatalf("no field %s", key)
	return nil
}

// validateMessage is what validate says about field in an environment file
// with that text.
func validateMessage(t *testing.T, s *Screen, name, yaml, field string) string {
	t.Helper()
	_, diags := s.ctx.Catalog.Workspace.CheckCandidate(name, []byte(yaml))
	for _, d := range diags {
		if d.Field == field {
			return d.Message
		}
	}
	t.Fatalf("validate finds no problem with %s in\n%s\nonly %v", field, yaml, diags)
	return ""
}

// sandboxFile is a sandbox environment file with one line added to its
// inputs (or vpc_cidr left out when extra sets it to "").
func sandboxFile(extra string) string {
	inputs := "  vpc_cidr: 10.100.64.0/20\n"
	if strings.HasPrefix(extra, "vpc_cidr") || extra == "" {
		inputs = ""
	}
	if extra != "" {
		inputs += "  " + extra + "\n"
	}
	return "archetype: sandbox\naccount: \"333333333333\"\ninputs:\n" + inputs
}

func platformFile(extra string) string {
	return "archetype: service-platform\naccount: \"222222222222\"\ninputs:\n  vpc_cidr: 10.99.0.0/16\n  private_zone: x.acme.internal\n  " + extra + "\n"
}

// TestFieldErrorsAreValidatesAndShownUnderTheField types a bad value into
// a field and checks that its problem is validate's message for the same
// value, shown in full under the field at 80 and 120 columns, and that
// enter stays on the field.
func TestFieldErrorsAreValidatesAndShownUnderTheField(t *testing.T) {
	long := "a" + strings.Repeat("b", 45)
	cases := []struct {
		name, archetype, field, text string
		want                         func(s *Screen) string
	}{
		{"cidr", "sandbox", "inputs.vpc_cidr", "10.0.0.0/33", func(s *Screen) string {
			return validateMessage(t, s, "x", sandboxFile("vpc_cidr: 10.0.0.0/33"), "inputs.vpc_cidr")
		}},
		{"number type", "sandbox", "inputs.db_storage_gb", "lots", func(s *Screen) string {
			return validateMessage(t, s, "x", sandboxFile("db_storage_gb: lots"), "inputs.db_storage_gb")
		}},
		{"max", "sandbox", "inputs.db_storage_gb", "500", func(s *Screen) string {
			return validateMessage(t, s, "x", sandboxFile("db_storage_gb: 500"), "inputs.db_storage_gb")
		}},
		{"min", "sandbox", "inputs.db_storage_gb", "5", func(s *Screen) string {
			return validateMessage(t, s, "x", sandboxFile("db_storage_gb: 5"), "inputs.db_storage_gb")
		}},
		{"pattern", "service-platform", "inputs.private_zone", "Not_A_Zone", func(s *Screen) string {
			return validateMessage(t, s, "x", strings.Replace(platformFile(""), "x.acme.internal", "Not_A_Zone", 1), "inputs.private_zone")
		}},
		{"list item type", "service-platform", "inputs.allowed_cidrs", "203.0.113.0/24, office", func(s *Screen) string {
			return "allowed_cidrs[1]: " + validateMessage(t, s, "x", platformFile("allowed_cidrs: [203.0.113.0/24, office]"), "inputs.allowed_cidrs[1]")
		}},
		{"required", "sandbox", "inputs.vpc_cidr", "", func(s *Screen) string {
			return validateMessage(t, s, "x", sandboxFile(""), "inputs.vpc_cidr")
		}},
		{"name too long", "sandbox", "name", long, func(*Screen) string {
			return config.CheckEnvironmentName(long).Error()
		}},
		{"account", "sandbox", "account", "12345", func(*Screen) string {
			return config.CheckAccount("12345").Error()
		}},
	}
	for _, tc := range cases {
		for _, width := range []int{80, 120} {
			t.Run(fmt.Sprintf("%s/%d", tc.name, width), func(t *testing.T) {
				s, _ := form(t, tc.archetype, width, 40)
				f := goTo(t, s, tc.field)
				if tc.text != "" {
					press(t, s, "="+tc.text)
				}
				if tc.text != "" && f.problem() == nil {
					t.Fatalf("no problem shown while typing %q", tc.text)
				}
				press(t, s, "enter")
				if s.fields[s.focus] != f {
					t.Errorf("enter left the field %s with a problem for %s", tc.field, s.fields[s.focus].key)
				}
				want := tc.want(s)
				if f.problem() == nil || f.problem().Error() != want {
					t.Fatalf("problem of %s = %v, want validate's %q", tc.field, f.problem(), want)
				}
				view := ansi.Strip(s.View())
				for _, line := range strings.Split(view, "\n") {
					if w := ansi.StringWidth(line); w > width {
						t.Errorf("line wider than %d columns (%d): %q", width, w, line)
					}
				}
				shown := strings.Join(strings.Fields(strings.NewReplacer("┃", " ", "✗", " ").Replace(view)), " ")
				if !strings.Contains(shown, strings.Join(strings.Fields(want), " ")) {
					t.Errorf("the view does not show the full problem %q:\n%s", want, view)
				}
			})
		}
	}
}

// TestEnumOffersOnlyItsValues checks that an enum is a choice of its values,
// starting at the default, so no other value can be given.
func TestEnumOffersOnlyItsValues(t *testing.T) {
	s, _ := form(t, "service-platform", 80, 24)
	f := goTo(t, s, "inputs.db_instance_class")
	if f.kind != choiceField || !slices.Equal(f.options, f.input.Values) {
		t.Fatalf("db_instance_class offers %v, want its values %v", f.options, f.input.Values)
	}
	if got := f.options[f.choice]; got != f.input.Default {
		t.Errorf("starts at %s, want the default %v", got, f.input.Default)
	}
	press(t, s, "right")
	if v, set := f.inputValue(); !set || v != "db.r6g.large" {
		t.Errorf("right chose %v (set %v), want db.r6g.large", v, set)
	}
	press(t, s, "left", "left", "left")
	if got := f.options[f.choice]; got != f.options[len(f.options)-1] {
		t.Errorf("left from the first value gave %s, want the last", got)
	}
}

// fill types a valid sandbox into the form, account 333333333333, and
// leaves the cursor on vpc_cidr.
func fill(t *testing.T, s *Screen, role string) {
	t.Helper()
	press(t, s, "=dev-carol", "enter", "enter", "=carol", "enter", "=333333333333", "enter", "enter")
	if role != "" {
		press(t, s, "="+role)
	}
	press(t, s, "enter", "=7d", "enter", "enter")
	if key := s.fields[s.focus].key; key != "inputs.vpc_cidr" {
		t.Fatalf("after filling in, the cursor is on %s, want inputs.vpc_cidr", key)
	}
}

// TestOverlapIsFoundAtTheField checks a CIDR against the account's other
// environments as it is typed, with validate's message, and again when the
// account changes.
func TestOverlapIsFoundAtTheField(t *testing.T) {
	s, _ := form(t, "sandbox", 80, 24)
	fill(t, s, "")
	f := s.fields[s.focus]
	press(t, s, "=10.100.4.0/24")
	want := validateMessage(t, s, "dev-carol", sandboxFile("vpc_cidr: 10.100.4.0/24"), "inputs.vpc_cidr")
	if f.problem() == nil || f.problem().Error() != want {
		t.Fatalf("problem = %v, want validate's %q", f.problem(), want)
	}
	press(t, s, "enter")
	if s.fields[s.focus] != f {
		t.Errorf("enter left the overlapping field")
	}
	account := goTo(t, s, "account")
	account.text.SetValue("")
	press(t, s, "=444444444444")
	if f.problem() != nil {
		t.Errorf("in account 444444444444 nothing overlaps, got %v", f.problem())
	}
	account.text.SetValue("")
	press(t, s, "=333333333333")
	if f.problem() == nil {
		t.Errorf("back in account 333333333333 the overlap is not shown")
	}
}

// TestFailedSubmitPutsTheCursorOnTheFieldAtFault submits a file whose
// fields are each valid but not together (a role of another account).
func TestFailedSubmitPutsTheCursorOnTheFieldAtFault(t *testing.T) {
	s, root := form(t, "sandbox", 80, 24)
	fill(t, s, "arn:aws:iam::444444444444:role/envbench-sandbox")
	press(t, s, "=10.100.64.0/20", "enter", "enter", "enter", "enter")
	if s.stage != editing {
		t.Fatalf("stage = %d, want the form back", s.stage)
	}
	f := s.fields[s.focus]
	if f.key != "role" {
		t.Fatalf("the cursor is on %s, want role", f.key)
	}
	if f.problem() == nil || !strings.Contains(f.problem().Error(), "role is in account 444444444444") {
		t.Errorf("role's problem = %v", f.problem())
	}
	if !strings.Contains(ansi.Strip(s.View()), "role is in account 444444444444") {
		t.Errorf("the problem is not on screen:\n%s", ansi.Strip(s.View()))
	}
	assertNotWritten(t, root)
	// Fixing the field and submitting again reaches the confirmation.
	f.text.SetValue("")
	press(t, s, "=arn:aws:iam::333333333333:role/envbench-sandbox")
	press(t, s, "enter", "enter", "enter", "enter", "enter", "enter", "enter")
	if s.stage != confirming {
		t.Errorf("after the fix, stage = %d, want the confirmation; cursor on %s", s.stage, s.fields[s.focus].key)
	}
}

func assertNotWritten(t *testing.T, root string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(root, "envs", "dev-carol.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("envs/dev-carol.yaml was written (stat: %v)", err)
	}
}

// TestConfirmStep checks that the file is shown before anything is
// written, written as shown on enter, and not written on esc.
func TestConfirmStep(t *testing.T) {
	cases := []struct {
		name    string
		keys    []string
		written bool
		popped  bool
	}{
		{"enter writes", []string{"enter"}, true, false},
		{"esc goes back to the form", []string{"esc"}, false, false},
		{"esc twice cancels", []string{"esc", "esc"}, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, root := form(t, "sandbox", 80, 24)
			fill(t, s, "")
			press(t, s, "=10.100.64.0/20", "enter", "enter", "enter", "enter")
			if s.stage != confirming {
				t.Fatalf("stage = %d, want the confirmation; cursor on %s: %v", s.stage, s.fields[s.focus].key, s.fields[s.focus].problem())
			}
			view := ansi.Strip(s.View())
			for _, line := range strings.Split(strings.TrimSpace(s.yaml), "\n") {
				if !strings.Contains(view, line) {
					t.Errorf("the confirmation does not show %q:\n%s", line, view)
				}
			}
			assertNotWritten(t, root)
			shown := s.yaml
			msgs := press(t, s, tc.keys...)
			data, err := os.ReadFile(filepath.Join(root, "envs", "dev-carol.yaml"))
			if tc.written {
				if err != nil {
					t.Fatalf("not written after the confirmation: %v", err)
				}
				if string(data) != shown {
					t.Errorf("written\n%s\nshown\n%s", data, shown)
				}
				return
			}
			assertNotWritten(t, root)
			popped := slices.ContainsFunc(msgs, func(m tea.Msg) bool { _, ok := m.(screen.PopMsg); return ok })
			if popped != tc.popped {
				t.Errorf("popped = %v, want %v (stage %d)", popped, tc.popped, s.stage)
			}
			if !tc.popped && s.stage != editing {
				t.Errorf("stage = %d, want the form", s.stage)
			}
		})
	}
}

// TestKeys checks shift+tab, esc and that each step names every key once.
func TestKeys(t *testing.T) {
	s, _ := form(t, "sandbox", 80, 24)
	press(t, s, "=dev-carol", "enter", "enter")
	if s.focus != 2 {
		t.Fatalf("focus = %d after two enters, want 2", s.focus)
	}
	press(t, s, "shift+tab")
	if s.focus != 1 {
		t.Errorf("shift+tab: focus = %d, want 1", s.focus)
	}
	for _, st := range []stage{editing, confirming} {
		s.stage = st
		seen := map[string]bool{}
		for _, b := range s.Bindings() {
			h := b.Help()
			if seen[h.Key] {
				t.Errorf("stage %d names %s twice", st, h.Key)
			}
			seen[h.Key] = true
		}
	}
	s.stage = editing
	if v := ansi.Strip(s.View()); strings.Contains(v, "next field") || strings.Contains(v, "esc cancel") {
		t.Errorf("the form draws a help line of its own:\n%s", ansi.Strip(s.View()))
	}
	msgs := press(t, s, "esc")
	if !slices.ContainsFunc(msgs, func(m tea.Msg) bool { _, ok := m.(screen.PopMsg); return ok }) {
		t.Errorf("esc did not cancel the form: %v", msgs)
	}
}

// TestSubmitProblemFixedElsewhere checks that a problem the submit found
// (a protected environment with a ttl) does not hold the cursor in its
// field: it may be fixed in another one.
func TestSubmitProblemFixedElsewhere(t *testing.T) {
	s, _ := form(t, "sandbox", 80, 24)
	fill(t, s, "")
	goTo(t, s, "protected").on = true
	goTo(t, s, "inputs.vpc_cidr")
	press(t, s, "=10.100.64.0/20", "enter", "enter", "enter", "enter")
	if f := s.fields[s.focus]; f.key != "ttl" || f.problem() == nil {
		t.Fatalf("cursor on %s with problem %v, want ttl's problem", f.key, f.problem())
	}
	press(t, s, "enter")
	if key := s.fields[s.focus].key; key != "protected" {
		t.Fatalf("enter on ttl went to %s, want protected", key)
	}
	press(t, s, "left", "enter", "enter", "enter", "enter", "enter")
	if s.stage != confirming {
		t.Errorf("stage = %d, want the confirmation; cursor on %s: %v", s.stage, s.fields[s.focus].key, s.fields[s.focus].problem())
	}
}
