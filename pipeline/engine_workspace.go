package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/envbench/envbench/envs"
)

// NewEngine is the engine for runs in c's workspace, sending every event to
// sink: opts' Journal, Locks, Clock and Halt, and where they are nil the
// workspace's own (OpenStores): a LocalJournal and LocalLocks under c.Root,
// or in team mode (state: s3://...) the bucket's, opened on first use.
// Run logs go
// to RunLogPath under c.Root whatever the journal. This is the one place
// that chooses the stores of a run.
func NewEngine(c *envs.Catalog, opts Options, sink func(Event)) *Engine {
	e := &Engine{Journal: opts.Journal, Locks: opts.Locks, Clock: opts.Clock, Sink: sink, Halt: opts.Halt, Logs: LocalLogs(c.Root)}
	if c.Settings.State.Shared() && (e.Journal == nil || e.Locks == nil) {
		l := &lazyStores{open: func() (Stores, error) { return OpenStores(context.Background(), c, opts) }}
		if e.Journal == nil {
			e.Journal = lazyJournal{l}
		}
		if e.Locks == nil {
			e.Locks = lazyLocks{l}
		}
	}
	if e.Journal == nil {
		e.Journal = LocalJournal{Root: c.Root}
	}
	if e.Locks == nil {
		e.Locks = LocalLocks{Root: c.Root}
	}
	if e.Clock == nil && opts.Now != nil {
		e.Clock = nowClock{now: opts.Now, Clock: SystemClock()}
	}
	e.Before = func(ctx context.Context) error { return awaitSimulation(ctx, c) }
	return e
}

// nowClock is the system clock's sleep with Options.Now's time.
type nowClock struct {
	Clock
	now func() time.Time
}

func (c nowClock) Now() time.Time { return c.now() }

// Builder makes the pipelines of c's plan and apply runs again from their
// summaries, for Engine.Resume (`envbench resume`): the plan file and
// confirmation come from the run's Args. Other kinds are an error naming
// the kind; their packages have builders of their own.
func Builder(c *envs.Catalog, opts Options) func(RunSummary) (Pipeline, error) {
	return func(s RunSummary) (Pipeline, error) {
		e, err := env(c, s.Env)
		if err != nil {
			return Pipeline{}, err
		}
		planFile := s.Args[outPlanFile]
		if (s.Pipeline == "plan" || s.Pipeline == "apply") && planFile == "" {
			return Pipeline{}, fmt.Errorf("%s run %s: its journal has no %s argument", s.Pipeline, s.RunID, outPlanFile)
		}
		switch s.Pipeline {
		case "plan":
			res := &PlanResult{RunID: s.RunID, Env: s.Env, Protected: e.Protected, PlanFile: planFile}
			return planPipeline(c, e, res, opts), nil
		case "apply":
			a := newApplyRun(c, e, planFile, s.Args[outConfirm], opts)
			a.res.RunID = s.RunID
			return a.pipeline(), nil
		}
		return Pipeline{}, fmt.Errorf("run %s: pipelines of kind %q are not built here", s.RunID, s.Pipeline)
	}
}
