package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/envbench/envbench/envs"
)

// Follow reports a run's events to sink as its journal holds them, local
// or shared in team mode, so that a run another process runs (a CI job, a
// terminal) can be watched: every event so far, then each new one, read
// again every interval while the run's lock says it goes on, until it
// ends, its process is found gone, or ctx is done. It returns the run's
// summary as it then stands. Terraform's output and log lines are not in
// the journal: they are in the log of the machine that runs it.
func Follow(ctx context.Context, c *envs.Catalog, env, runID string, opts Options, every time.Duration, sink func(Event)) (RunSummary, error) {
	eng := NewEngine(c, opts, nil)
	clock := eng.clock()
	alive := LockAlive(ctx, eng.Locks)
	var last int64
	for {
		events, err := eng.Journal.Read(ctx, env, runID)
		if err != nil {
			return RunSummary{}, fmt.Errorf("follow run %s of %s: %w", runID, env, err)
		}
		if len(events) == 0 {
			return RunSummary{}, fmt.Errorf("follow run %s of %s: %w: its journal is empty", runID, env, ErrNoRun)
		}
		for _, e := range events {
			if e.Seq > last {
				sink(e)
				last = e.Seq
			}
		}
		sum := Summarize(events, alive)
		sum.Env, sum.RunID = env, runID
		if sum.Status != RunRunning {
			return sum, nil
		}
		if err := clock.Sleep(ctx, every); err != nil {
			return sum, err
		}
	}
}
