package ui

import (
	"context"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/screen"
)

// Simulation prepares a simulated workspace's simulation when the TUI
// starts: Pending says which environments its seed still asks to apply,
// Prepare applies them (pipeline.PendingSimulation and
// pipeline.PrepareSimulation).
type Simulation interface {
	Pending(ctx context.Context, c *envs.Catalog) ([]string, error)
	Prepare(ctx context.Context, c *envs.Catalog) (pipeline.SimulationReport, error)
}

// PipelineSimulation is the Simulation of the pipeline, with Terraform
// as envbench.yaml configures it.
type PipelineSimulation struct{}

// Pending implements Simulation.
func (PipelineSimulation) Pending(ctx context.Context, c *envs.Catalog) ([]string, error) {
	return pipeline.PendingSimulation(ctx, c)
}

// Prepare implements Simulation.
func (PipelineSimulation) Prepare(ctx context.Context, c *envs.Catalog) (pipeline.SimulationReport, error) {
	return pipeline.PrepareSimulation(ctx, c, pipeline.Options{})
}

// simPendingMsg says which environments the simulation's seed still asks
// to apply.
type simPendingMsg struct {
	envs []string
	err  error
}

// simPreparedMsg carries the outcome of preparing the simulation.
type simPreparedMsg struct {
	report pipeline.SimulationReport
	err    error
}

// checkSimulation asks, off the UI goroutine, whether the simulation has
// environments to apply; start-up never waits for it.
func (m *Model) checkSimulation() tea.Cmd {
	c, sim := m.ctx.Catalog, m.simulation
	if c == nil || sim == nil {
		return nil
	}
	base := m.ctx.Base
	if base == nil {
		base = context.Background()
	}
	return func() tea.Msg {
		pending, err := sim.Pending(base, c)
		return simPendingMsg{envs: pending, err: err}
	}
}

// prepareSimulation applies the pending environments in a run of its
// own, which quitting waits for like any other Terraform run.
func (m *Model) prepareSimulation(msg simPendingMsg) tea.Cmd {
	if msg.err != nil {
		m.setFlash(msg.err.Error(), true)
		return nil
	}
	if len(msg.envs) == 0 {
		return nil
	}
	m.preparing = msg.envs
	c, sim := m.ctx.Catalog, m.simulation
	ctx, cancel, done := m.ctx.StartRun()
	return func() tea.Msg {
		defer done()
		defer cancel()
		rep, err := sim.Prepare(ctx, c)
		return simPreparedMsg{report: rep, err: err}
	}
}

// simulationPrepared says a failure once, in the footer, and reloads the
// list so that the applied environments show deployed.
func (m *Model) simulationPrepared(msg simPreparedMsg) tea.Cmd {
	m.preparing = nil
	switch {
	case msg.err != nil:
		m.setFlash(msg.err.Error(), true)
	case msg.report.Failure != nil:
		m.setFlash(msg.report.Failure.Error()+" — the simulation works without it; envbench sim reset tries again", true)
	}
	return func() tea.Msg { return screen.ReloadMsg{} }
}

// simulationNotes are the header's cloud notes while the simulation is
// prepared, the longest first; none otherwise.
func (m *Model) simulationNotes() []string {
	if len(m.preparing) == 0 {
		return nil
	}
	names := strings.Join(m.preparing, ", ")
	return []string{"simulated AWS · preparing " + names + "… ", "simulated AWS · preparing… "}
}
