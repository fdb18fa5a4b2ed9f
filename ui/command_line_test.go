package ui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/internal/testkit"
	"github.com/envbench/envbench/ui/archetypes"
	"github.com/envbench/envbench/ui/environments"
	"github.com/envbench/envbench/ui/help"
	"github.com/envbench/envbench/ui/newenv"
	"github.com/envbench/envbench/ui/plan"
	"github.com/envbench/envbench/ui/run"
	"github.com/envbench/envbench/ui/screen"
	"github.com/envbench/envbench/ui/theme"
)

func demoModel(t *testing.T) (*Model, string) {
	t.Helper()
	root := testkit.CopyExample(t, "demo")
	c, err := envs.Open(root, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Catalog: c, Palette: theme.PlainPalette(), Runner: blockingRunner{cancelled: make(chan struct{})}})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	return m, root
}

func press(m *Model, keys ...string) {
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "tab":
			msg = tea.KeyPressMsg{Code: tea.KeyTab}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		default:
			for _, r := range k {
				m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
			continue
		}
		_, cmd := m.Update(msg)
		deliver(m, cmd)
	}
}

// deliver runs a command and feeds back the messages that come at once
// (Open, Flash); it does not start runs or wait for timers.
func deliver(m *Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case screen.Open, screen.FlashMsg:
		_, next := m.Update(msg)
		_ = next // the opened screen's Init: a plan would start Terraform
	}
}

func footer(m *Model) string {
	lines := strings.Split(ansi.Strip(m.View().Content), "\n")
	return lines[len(lines)-1]
}

// TestCommandLineOpensScreens: ":" then a screen's name, with tab
// completing names of screens, environments and archetypes.
func TestCommandLineOpensScreens(t *testing.T) {
	cases := []struct {
		keys []string
		want func(screen.Screen) bool
		desc string
	}{
		{[]string{":", "archetypes", "enter"}, is[*archetypes.Screen], "archetypes"},
		{[]string{":", "ar", "tab", "enter"}, is[*archetypes.Screen], "archetypes by completion"},
		{[]string{":", "arch", "enter"}, is[*archetypes.Screen], "archetypes by a prefix"},
		{[]string{":", "plan q", "tab", "enter"}, is[*plan.Screen], "plan qa by completion"},
		{[]string{":", "new sandbox", "enter"}, is[*newenv.Screen], "a new sandbox"},
		{[]string{":", "help", "enter"}, is[*help.Screen], "help"},
		{[]string{":", "run qa plan", "enter"}, is[*run.Model], "a plan run"},
		{[]string{":", "archetypes", "esc"}, is[*environments.Screen], "esc closes the line"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			m, _ := demoModel(t)
			press(m, c.keys...)
			if !c.want(m.Top()) {
				t.Fatalf("%v opened %T; footer: %s", c.keys, m.Top(), footer(m))
			}
			if m.command.Active() {
				t.Fatal("the command line stays open")
			}
		})
	}
}

func is[T screen.Screen](s screen.Screen) bool { _, ok := s.(T); return ok }

// TestCommandLineErrors: a command that opens nothing says why.
func TestCommandLineErrors(t *testing.T) {
	cases := []struct{ line, want string }{
		{"nope", `no screen named "nope"; screens: archetypes, env, environments, help, new, plan, run`},
		{"run qa", "run needs an environment and a pipeline"},
		{"run ghost plan", `no environment named "ghost"`},
		{"run qa destroy", `run: no pipeline named "destroy"`},
		{"plan", "plan needs an environment: plan ENV"},
		{"plan ghost", `no environment named "ghost"`},
		{"new ghost", `no archetype named "ghost"`},
		{"help me", "help takes no argument"},
		{"plan qa extra", `plan takes at most one argument, got "qa extra"`},
	}
	for _, c := range cases {
		m, _ := demoModel(t)
		press(m, ":", c.line, "enter")
		if !is[*environments.Screen](m.Top()) {
			t.Errorf(":%s opened %T", c.line, m.Top())
		}
		if got := footer(m); !strings.Contains(got, c.want) {
			t.Errorf(":%s: footer %q, want %q", c.line, got, c.want)
		}
	}
}

// TestCommandLineCompletes: tab completes the longest common prefix and
// lists the candidates when several fit.
func TestCommandLineCompletes(t *testing.T) {
	m, _ := demoModel(t)
	cases := []struct {
		line, want string
		candidates []string
	}{
		{"", "", []string{"archetypes", "env", "environments", "help", "new", "plan", "run"}},
		{"p", "plan ", nil},
		{"plan ", "plan ", []string{"dev-alice", "dev-bob", "load-test", "production", "qa", "sales-demo"}},
		{"plan dev", "plan dev-", []string{"dev-alice", "dev-bob"}},
		{"plan dev-a", "plan dev-alice ", nil},
		{"new s", "new s", []string{"sandbox", "service-platform"}},
		{"new sa", "new sandbox ", nil},
		{"plan zz", "plan zz", nil},
		{"plan qa x", "plan qa x", nil},
	}
	for _, c := range cases {
		got, candidates := m.complete(c.line)
		if got != c.want || !slices.Equal(candidates, c.candidates) {
			t.Errorf("complete(%q) = %q %v, want %q %v", c.line, got, candidates, c.want, c.candidates)
		}
	}
}

// TestOpenPlanOfBrokenEnvironment: the registry refuses to plan an
// environment with problems, whoever asks.
func TestOpenPlanOfBrokenEnvironment(t *testing.T) {
	m, root := demoModel(t)
	if err := os.WriteFile(filepath.Join(root, "envs", "qa.yaml"), []byte("archetype: nope\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := envs.Open(root, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m.Update(screen.CatalogMsg{Catalog: c})
	m.Update(screen.Open{Kind: screen.KindPlan, Env: "qa"})
	if !is[*environments.Screen](m.Top()) || !strings.Contains(footer(m), "qa has 2 problem(s); fix them before planning") {
		t.Fatalf("top %T, footer %q", m.Top(), footer(m))
	}
}

// TestFilesChangedReloads: a change to the workspace's files reloads the
// list after the delay; a later change restarts the delay.
func TestFilesChangedReloads(t *testing.T) {
	m, root := demoModel(t)
	changes := make(chan struct{}, 1)
	m.changes = changes
	if err := os.WriteFile(filepath.Join(root, "envs", "dev-carol.yaml"), []byte("archetype: sandbox\naccount: \"222233334444\"\nowner: carol@acme.example\ninputs:\n  cidr: 10.99.0.0/24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	changes <- struct{}{}
	msg := m.waitForChange()()
	if _, ok := msg.(filesChangedMsg); !ok {
		t.Fatalf("waitForChange returned %T", msg)
	}
	m.Update(msg)
	first := m.changeGen
	m.Update(filesChangedMsg{}) // a second write of the same save
	if _, cmd := m.Update(reloadDueMsg{gen: first}); cmd != nil {
		t.Fatal("a reload due for an earlier change must wait for the latest")
	}
	_, cmd := m.Update(reloadDueMsg{gen: m.changeGen})
	if cmd == nil {
		t.Fatal("the latest change's delay passed: the list must reload")
	}
	loaded := cmd()
	m.Update(loaded)
	if _, ok := m.ctx.Catalog.Environment("dev-carol"); !ok {
		t.Fatal("the reloaded catalog lacks the new environment")
	}
	if !strings.Contains(ansi.Strip(m.View().Content), "dev-carol") {
		t.Fatalf("the list does not show the new environment:\n%s", ansi.Strip(m.View().Content))
	}
	close(changes)
	if msg := m.waitForChange()(); msg != nil {
		t.Fatalf("a stopped watcher must end the wait, got %T", msg)
	}
}

// TestInterruptedStatusFitsAt80Columns: "apply interrupted" is a status to
// act on; the list shows it whole at 80 columns.
func TestInterruptedStatusFitsAt80Columns(t *testing.T) {
	root := testkit.CopyExample(t, "demo")
	testkit.WriteFile(t, root, ".envbench/work/qa/terraform.tfstate", `{"version": 4, "resources": [{"mode": "managed", "type": "terraform_data", "name": "x", "instances": [{}]}]}`)
	testkit.WriteFile(t, root, ".envbench/work/qa/.envbench-apply.json", `{"run_id": "r1", "operation": "apply", "in_flight": ["terraform_data.x"]}`)
	c, err := envs.Open(root, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Catalog: c, Palette: theme.PlainPalette()})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if view := ansi.Strip(m.View().Content); !strings.Contains(view, "apply interrupted") {
		t.Fatalf("the list cuts the status:\n%s", view)
	}
}
