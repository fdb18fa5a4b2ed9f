package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/internal/testkit"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/screen"
	"github.com/envbench/envbench/ui/theme"
)

// heldSimulation has production pending and prepares it when release
// is closed.
type heldSimulation struct {
	release chan struct{}
	report  pipeline.SimulationReport
}

func (heldSimulation) Pending(context.Context, *envs.Catalog) ([]string, error) {
	return []string{"production"}, nil
}

func (h heldSimulation) Prepare(ctx context.Context, _ *envs.Catalog) (pipeline.SimulationReport, error) {
	select {
	case <-h.release:
		return h.report, nil
	case <-ctx.Done():
		return pipeline.SimulationReport{}, ctx.Err()
	}
}

// TestStartPreparesSimulation: the TUI starts at once while the
// simulation is prepared off the UI goroutine, the header says what is
// being prepared, and once it is done the list reloads; a failure is said
// in the footer.
func TestStartPreparesSimulation(t *testing.T) {
	c, err := envs.Open(testkit.CopyExample(t, "demo"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		report  pipeline.SimulationReport
		footer  string
		blocked bool
	}{
		{name: "applied", report: pipeline.SimulationReport{Applied: []string{"production"}}},
		{name: "failed", report: pipeline.SimulationReport{Failure: errors.New("prepare simulated AWS: apply production: no terraform")}, footer: "apply production: no terraform"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := heldSimulation{release: make(chan struct{}), report: tc.report}
			m := New(Options{Catalog: c, Palette: theme.PlainPalette(), Simulation: sim})
			m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
			pending := m.checkSimulation()()
			_, prepare := m.Update(pending)
			if prepare == nil {
				t.Fatal("nothing prepares the pending production")
			}
			header := func() string { return strings.SplitN(ansi.Strip(m.View().Content), "\n", 2)[0] }
			if !strings.Contains(header(), "simulated AWS · preparing production…") {
				t.Errorf("header while preparing: %q", header())
			}
			m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
			if !strings.Contains(header(), "preparing") {
				t.Errorf("header at 80 columns while preparing: %q", header())
			}
			m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
			got := make(chan tea.Msg, 1)
			go func() { got <- prepare() }()
			close(sim.release)
			_, reload := m.Update(<-got)
			if strings.Contains(header(), "preparing") || !strings.Contains(header(), "nothing leaves this machine") {
				t.Errorf("header once prepared: %q", header())
			}
			if reload == nil {
				t.Fatal("no reload once prepared")
			}
			if msg, ok := reload().(screen.ReloadMsg); !ok {
				t.Errorf("once prepared: %T, want screen.ReloadMsg", msg)
			}
			view := ansi.Strip(m.View().Content)
			if tc.footer != "" && !strings.Contains(view, tc.footer) {
				t.Errorf("the failure is not said:\n%s", view)
			}
		})
	}
}
