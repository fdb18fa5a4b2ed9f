package environments

import (
	"context"
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

type fakeHistory struct {
	runs  []pipeline.RunSummary
	reads int
}

func (f *fakeHistory) Runs(_ context.Context, env string) ([]pipeline.RunSummary, error) {
	f.reads++
	return f.runs, nil
}

func (f *fakeHistory) Lock(context.Context, string) (pipeline.Holder, bool, error) {
	return pipeline.Holder{}, false, nil
}

func listWith(t *testing.T, h *fakeHistory) *Screen {
	t.Helper()
	c, err := envs.Open(testkit.CopyExample(t, "demo"), now)
	if err != nil {
		t.Fatal(err)
	}
	ctx := &screen.Context{Catalog: c, Styles: theme.NewStyles(theme.PlainPalette(), true), Keys: keys.DefaultKeyMap(),
		Now: func() time.Time { return now }, History: h}
	s := New(ctx)
	s.SetSize(120, 40)
	s.Update(s.Init()())
	return s
}

// TestLastRunColumn: the column appears once some environment has a run
// and says when, what and how; R resumes an interrupted run only.
func TestLastRunColumn(t *testing.T) {
	cases := []struct {
		name       string
		runs       []pipeline.RunSummary
		wantColumn string
		wantR      tea.Msg
	}{
		{"no runs: no column", nil, "", screen.FlashMsg{Text: "no interrupted run of dev-alice to resume"}},
		{"succeeded clone", []pipeline.RunSummary{{RunID: "r1", Env: "dev-alice", Pipeline: "clone", Status: pipeline.RunSucceeded, Started: now.Add(-2 * time.Minute)}},
			"2m ago clone ✓", screen.FlashMsg{Text: "no interrupted run of dev-alice to resume"}},
		{"interrupted apply", []pipeline.RunSummary{
			{RunID: "r2", Env: "dev-alice", Pipeline: "apply", Status: pipeline.RunInterrupted, Started: now.Add(-3 * time.Hour)},
			{RunID: "r1", Env: "dev-alice", Pipeline: "clone", Status: pipeline.RunSucceeded, Started: now.Add(-4 * time.Hour)},
		}, "3h ago apply interrupted — R resumes", screen.Open{Kind: screen.KindRun, Env: "dev-alice", RunID: "r2", Resume: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := listWith(t, &fakeHistory{runs: c.runs})
			v := ansi.Strip(s.View())
			if has := strings.Contains(v, "LAST RUN"); has != (c.wantColumn != "") {
				t.Errorf("LAST RUN column shown: %v, want %v:\n%s", has, c.wantColumn != "", v)
			}
			if c.wantColumn != "" && !strings.Contains(v, c.wantColumn) {
				t.Errorf("lacks %q:\n%s", c.wantColumn, v)
			}
			_, cmd := s.Update(tea.KeyPressMsg{Code: 'R', Text: "R"})
			if cmd == nil {
				t.Fatal("R: no command")
			}
			if got := cmd(); got != c.wantR {
				t.Errorf("R: %#v, want %#v", got, c.wantR)
			}
		})
	}
}

// TestLastRunRereadWhenARunEnds: a RunEndedMsg reads the journals again.
func TestLastRunRereadWhenARunEnds(t *testing.T) {
	h := &fakeHistory{}
	s := listWith(t, h)
	h.runs = []pipeline.RunSummary{{RunID: "r1", Env: "qa", Pipeline: "teardown", Status: pipeline.RunFailed, Started: now.Add(-time.Minute)}}
	_, cmd := s.Update(screen.RunEndedMsg{Env: "qa", RunID: "r1"})
	if cmd == nil {
		t.Fatal("RunEndedMsg: no command")
	}
	s.Update(cmd())
	if v := ansi.Strip(s.View()); !strings.Contains(v, "1m ago teardown ✗ failed") {
		t.Errorf("after the run ended:\n%s", v)
	}
	if h.reads != 2 {
		t.Errorf("history read %d times, want 2", h.reads)
	}
}
