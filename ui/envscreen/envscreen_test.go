package envscreen

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/internal/testkit"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/keys"
	"github.com/envbench/envbench/ui/screen"
	"github.com/envbench/envbench/ui/theme"
)

var now = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// fakeHistory answers with fixed runs and lock.
type fakeHistory struct {
	runs   []pipeline.RunSummary
	holder pipeline.Holder
	locked bool
	err    error
	asked  []string
}

func (f *fakeHistory) Runs(_ context.Context, env string) ([]pipeline.RunSummary, error) {
	f.asked = append(f.asked, env)
	return f.runs, f.err
}

func (f *fakeHistory) Lock(context.Context, string) (pipeline.Holder, bool, error) {
	return f.holder, f.locked, nil
}

func demoContext(t *testing.T, h screen.History) (*screen.Context, string) {
	t.Helper()
	root := testkit.CopyExample(t, "demo")
	c, err := envs.Open(root, now)
	if err != nil {
		t.Fatal(err)
	}
	return &screen.Context{Catalog: c, Styles: theme.NewStyles(theme.PlainPalette(), true), Keys: keys.DefaultKeyMap(),
		Now: func() time.Time { return now }, History: h}, root
}

// loaded returns the screen of env with its Init's data delivered.
func loaded(t *testing.T, ctx *screen.Context, env string) *Screen {
	t.Helper()
	s := New(ctx, env)
	s.SetSize(100, 30)
	s.Update(s.Init()())
	if !s.loaded {
		t.Fatal("Init's command did not load the screen")
	}
	return s
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

func press(s *Screen, keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		_, cmd = s.Update(keyMsg(k))
	}
	return cmd
}

func interruptedRuns() []pipeline.RunSummary {
	return []pipeline.RunSummary{
		{RunID: "20261121T115000Z-c3", Env: "dev-alice", Pipeline: "clone", Started: now.Add(-10 * time.Minute), Status: pipeline.RunInterrupted, Step: pipeline.StepApply},
		{RunID: "20261120T090000Z-b2", Env: "dev-alice", Pipeline: "plan", Started: now.Add(-27 * time.Hour), Status: pipeline.RunSucceeded, Step: pipeline.StepShow},
		{RunID: "20261101T090000Z-a1", Env: "dev-alice", Pipeline: "teardown", Started: now.Add(-20 * 24 * time.Hour), Status: pipeline.RunFailed, Step: "sweep"},
	}
}

// TestKeysOpenRuns: each action key asks the root model for the screen it
// names, and only for it.
func TestKeysOpenRuns(t *testing.T) {
	cases := []struct {
		name string
		env  string
		runs []pipeline.RunSummary
		keys []string
		want tea.Msg
	}{
		{"plan", "dev-alice", nil, []string{"p"}, screen.Open{Kind: screen.KindPlan, Env: "dev-alice"}},
		{"clone", "dev-alice", nil, []string{"C"}, screen.Open{Kind: screen.KindRun, Env: "dev-alice", Pipeline: "clone"}},
		{"teardown", "dev-alice", nil, []string{"T"}, screen.Open{Kind: screen.KindRun, Env: "dev-alice", Pipeline: "teardown"}},
		{"teardown refused for production", "production", nil, []string{"T"},
			screen.FlashMsg{Text: "production is protected: it is never torn down", Error: true}},
		{"resume the interrupted clone", "dev-alice", interruptedRuns(), []string{"R"}, screen.Open{Kind: screen.KindRun, Env: "dev-alice", RunID: "20261121T115000Z-c3", Resume: true}},
		{"resume with nothing interrupted", "dev-alice", interruptedRuns()[1:], []string{"R"}, screen.FlashMsg{Text: "no interrupted run of dev-alice to resume"}},
		{"enter on the runs tab opens the selected run", "dev-alice", interruptedRuns(), []string{"tab", "down", "enter"},
			screen.Open{Kind: screen.KindRun, Env: "dev-alice", RunID: "20261120T090000Z-b2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, _ := demoContext(t, &fakeHistory{runs: c.runs})
			s := loaded(t, ctx, c.env)
			cmd := press(s, c.keys...)
			if cmd == nil {
				t.Fatalf("%v: no command", c.keys)
			}
			if got := cmd(); got != c.want {
				t.Errorf("%v: %#v, want %#v", c.keys, got, c.want)
			}
		})
	}
}

// TestEnterOutsideRunsTabDoesNothing: enter opens a run only from the Runs
// tab.
func TestEnterOutsideRunsTabDoesNothing(t *testing.T) {
	ctx, _ := demoContext(t, &fakeHistory{runs: interruptedRuns()})
	s := loaded(t, ctx, "dev-alice")
	if cmd := press(s, "enter"); cmd != nil {
		t.Errorf("enter on the overview: %#v", cmd())
	}
}

// TestTabsCycle: tab visits Overview, Runs, Outputs and back.
func TestTabsCycle(t *testing.T) {
	ctx, _ := demoContext(t, &fakeHistory{})
	s := loaded(t, ctx, "dev-alice")
	for _, want := range []Tab{TabRuns, TabOutputs, TabOverview} {
		press(s, "tab")
		if s.Tab() != want {
			t.Fatalf("tab: %v, want %v", s.Tab(), want)
		}
	}
}

func view(s *Screen) string { return ansi.Strip(s.View()) }

// TestTabsShow: what each tab draws from the history and the outputs file.
func TestTabsShow(t *testing.T) {
	h := &fakeHistory{runs: interruptedRuns(), locked: true,
		holder: pipeline.Holder{User: "alice", Host: "laptop", PID: 42, RunID: "20261121T115000Z-c3", Operation: "clone", Since: now.Add(-10 * time.Minute)}}
	ctx, root := demoContext(t, h)
	path := envs.OutputsPath(root, "dev-alice")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(`{"db_endpoint":{"value":"db.dev-alice.internal","type":"string","sensitive":false},"db_password":{"value":"hunter2-secret","type":"string","sensitive":true}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := loaded(t, ctx, "dev-alice")
	checks := []struct {
		tab     Tab
		want    []string
		notWant []string
	}{
		{TabOverview, []string{"archetype", "sandbox", "333333333333", "alice@acme.example", "protected  no", "alice@laptop (pid 42, clone run 20261121T115000Z-c3)", "R resumes it"}, nil},
		{TabRuns, []string{"10m ago", "clone", "interrupted", "apply", "27h ago", "succeeded", "20d ago", "failed", "sweep"}, nil},
		{TabOutputs, []string{"db_endpoint", "db.dev-alice.internal", "db_password", "(sensitive)"}, []string{"hunter2"}},
	}
	for _, c := range checks {
		s.tab = c.tab
		v := view(s)
		for _, w := range c.want {
			if !strings.Contains(v, w) {
				t.Errorf("%s tab lacks %q:\n%s", tabNames[c.tab], w, v)
			}
		}
		for _, w := range c.notWant {
			if strings.Contains(v, w) {
				t.Errorf("%s tab shows %q:\n%s", tabNames[c.tab], w, v)
			}
		}
	}
	if len(h.asked) != 1 || h.asked[0] != "dev-alice" {
		t.Errorf("history asked for %v, want [dev-alice]", h.asked)
	}
}

// TestEmptyStates: no runs, no outputs file, an unreadable journal.
func TestEmptyStates(t *testing.T) {
	cases := []struct {
		name string
		h    *fakeHistory
		tab  Tab
		want string
	}{
		{"no runs", &fakeHistory{}, TabRuns, "No runs yet"},
		{"journal error", &fakeHistory{err: errors.New("list runs: permission denied")}, TabRuns, "cannot read the runs: list runs: permission denied"},
		{"not cloned", &fakeHistory{}, TabOutputs, "Not cloned yet"},
		{"lock free", &fakeHistory{}, TabOverview, "lock       free"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, _ := demoContext(t, c.h)
			s := loaded(t, ctx, "dev-alice")
			s.tab = c.tab
			if v := view(s); !strings.Contains(v, c.want) {
				t.Errorf("lacks %q:\n%s", c.want, v)
			}
		})
	}
}

// TestLoadedForAnotherEnvIgnored: data is routed by environment.
func TestLoadedForAnotherEnvIgnored(t *testing.T) {
	ctx, _ := demoContext(t, &fakeHistory{})
	s := New(ctx, "dev-alice")
	s.Update(loadedMsg{env: "qa", runs: interruptedRuns()})
	if s.loaded || len(s.runs) != 0 {
		t.Error("took qa's runs")
	}
}

func TestAgo(t *testing.T) {
	cases := []struct {
		d    time.Duration
		want string
	}{
		{30 * time.Second, "just now"}, {2 * time.Minute, "2m ago"}, {3 * time.Hour, "3h ago"}, {72 * time.Hour, "3d ago"},
	}
	for _, c := range cases {
		if got := Ago(now.Add(-c.d), now); got != c.want {
			t.Errorf("Ago(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func BenchmarkKeypress(b *testing.B) {
	root := testkit.CopyExample(b, "demo")
	c, err := envs.Open(root, now)
	if err != nil {
		b.Fatal(err)
	}
	runs := make([]pipeline.RunSummary, 200)
	for i := range runs {
		runs[i] = pipeline.RunSummary{RunID: "r", Pipeline: "plan", Status: pipeline.RunSucceeded, Started: now.Add(-time.Duration(i) * time.Hour)}
	}
	ctx := &screen.Context{Catalog: c, Styles: theme.NewStyles(theme.PlainPalette(), true), Keys: keys.DefaultKeyMap(), Now: func() time.Time { return now }}
	s := New(ctx, "dev-alice")
	s.SetSize(120, 40)
	s.Update(loadedMsg{env: "dev-alice", runs: runs, outputsErr: os.ErrNotExist})
	s.tab = TabRuns
	down := keyMsg("down")
	b.ReportAllocs()
	for b.Loop() {
		s.Update(down)
		_ = s.View()
	}
}
