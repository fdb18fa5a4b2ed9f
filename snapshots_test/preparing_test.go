package snapshots_test

import (
	"context"
	"image/color"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui"
	"github.com/envbench/envbench/ui/theme"
)

// heldSimulation is a simulation whose seed still asks for production,
// and whose preparation waits for the test: the screen is drawn while it
// runs.
type heldSimulation struct {
	started chan struct{}
	release chan struct{}
}

func (heldSimulation) Pending(context.Context, *envs.Catalog) ([]string, error) {
	return []string{"production"}, nil
}

func (s heldSimulation) Prepare(ctx context.Context, _ *envs.Catalog) (pipeline.SimulationReport, error) {
	close(s.started)
	select {
	case <-s.release:
	case <-ctx.Done():
		return pipeline.SimulationReport{}, ctx.Err()
	}
	return pipeline.SimulationReport{Applied: []string{"production"}}, nil
}

// TestPreparingScreens: the environments screen while the simulated
// account is being prepared says so in its header.
func TestPreparingScreens(t *testing.T) {
	for _, size := range sizes {
		name := goldenName("environments_preparing", size.w, size.h)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sim := heldSimulation{started: make(chan struct{}), release: make(chan struct{})}
			palette := theme.DefaultPalette()
			palette.StaticCursor = true
			d := &driver{t: t, model: ui.New(ui.Options{Catalog: openCatalog(t, demoState(t)), Palette: palette, Now: func() time.Time { return Now }, Simulation: sim})}
			d.sendOnly(tea.WindowSizeMsg{Width: size.w, Height: size.h}, tea.BackgroundColorMsg{Color: color.Black})
			started := make(chan struct{})
			go func() {
				defer close(started)
				d.exec(d.model.Init()) // returns once the preparation is released
			}()
			select {
			case <-sim.started:
			case <-started:
				t.Fatal("the TUI did not start preparing the simulation")
			}
			// The model is idle: Update returned before the preparation began.
			d.golden(name)
			close(sim.release)
			<-started
		})
	}
}
