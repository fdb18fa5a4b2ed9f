package pipeline

import (
	"context"
	"errors"
	"fmt"
)

// resumeState is what a run's journal says of its steps.
type resumeState struct {
	done    map[Step]bool            // finished or skipped, by an earlier process
	lanes   map[Step]map[string]bool // finished lanes of steps not finished
	stopped Step                     // in flight or failed when the run stopped
	outputs map[string]string
	lastSeq int64
}

// readResume replays a run's events.
func readResume(events []Event) *resumeState {
	rs := &resumeState{done: map[Step]bool{}, lanes: map[Step]map[string]bool{}, outputs: map[string]string{}}
	var inFlight, failed Step
	for _, e := range events {
		rs.lastSeq = max(rs.lastSeq, e.Seq)
		switch e.Kind {
		case StepStarted:
			if e.Lane == "" {
				inFlight = e.Step
			}
		case StepFinished, StepSkipped:
			for k, v := range e.Outputs {
				rs.outputs[k] = v
			}
			if e.Lane != "" {
				if rs.lanes[e.Step] == nil {
					rs.lanes[e.Step] = map[string]bool{}
				}
				rs.lanes[e.Step][e.Lane] = true
				continue
			}
			rs.done[e.Step] = true
			if inFlight == e.Step {
				inFlight = ""
			}
			if failed == e.Step {
				failed = ""
			}
		case StepFailed:
			if e.Lane == "" {
				failed = e.Step
				if inFlight == e.Step {
					inFlight = ""
				}
			}
		}
	}
	rs.stopped = inFlight
	if rs.stopped == "" {
		rs.stopped = failed
	}
	delete(rs.done, StepLock) // a resumed run takes the lock again
	return rs
}

// Resume goes on with a run from its journal. build makes the pipeline
// again from the run's RunSummary (Kind, Env, Args); outputs of finished
// steps are restored; finished steps (and finished lanes) are reported
// StepSkipped; the step in flight (or the step that failed) is probed
// (done: skipped; else run again); the run goes on from there, with Seq
// continuing. A failed, cancelled or interrupted run can be resumed (that
// is how "retry a failed step" works); a succeeded one is refused with
// ErrSucceeded. The environment's lock is taken before anything is
// written, so a run whose process still runs is refused with a
// *LockedError and its journal is left alone.
func (e *Engine) Resume(ctx context.Context, env, runID string, build func(RunSummary) (Pipeline, error)) (*Run, error) {
	if e.Journal == nil {
		return nil, fmt.Errorf("resume run %s of %s: the engine has no journal", runID, env)
	}
	events, err := e.Journal.Read(ctx, env, runID)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	sum := Summarize(events, nil)
	if sum.Pipeline == "" {
		return nil, fmt.Errorf("resume run %s of %s: its journal has no run-started record", runID, env)
	}
	if sum.Status == RunSucceeded {
		return nil, fmt.Errorf("resume run %s of %s: %w: nothing to resume", runID, env, ErrSucceeded)
	}
	p, err := build(sum)
	if err != nil {
		return nil, fmt.Errorf("resume run %s of %s: rebuild its %s pipeline: %w", runID, env, sum.Pipeline, err)
	}
	if p.Env != env || p.Kind != sum.Pipeline {
		return nil, fmt.Errorf("resume run %s of %s: the rebuilt pipeline is %s on %s, not %s on %s", runID, env, p.Kind, p.Env, sum.Pipeline, env)
	}
	if err := e.check(p); err != nil {
		return nil, err
	}
	if e.Before != nil {
		if err := e.Before(ctx); err != nil {
			return nil, err
		}
	}
	var held Held
	if !p.NoLock && e.Locks != nil {
		if held, err = e.acquireForResume(ctx, p, runID); err != nil {
			return nil, err
		}
	}
	rs := readResume(events)
	c, err := e.open(ctx, p, runID)
	if err != nil {
		if held != nil {
			held.Release()
		}
		return nil, err
	}
	c.seq = rs.lastSeq
	c.outputs = rs.outputs
	start := Event{Kind: RunStarted, Pipeline: p.Kind, Args: p.Args, By: operator(), Message: "resumed after " + string(sum.Status)}
	return e.execute(ctx, c, p, start, rs, held)
}

// acquireForResume takes the lock, trying again on a lost race as the lock
// step would.
func (e *Engine) acquireForResume(ctx context.Context, p Pipeline, runID string) (Held, error) {
	clock := e.clock()
	for attempt := 1; ; attempt++ {
		h, err := e.Locks.Acquire(ctx, p.Env, CurrentHolder(runID, p.Kind, clock.Now()))
		if err == nil {
			return h, nil
		}
		if !errors.Is(err, ErrLockRace) || attempt >= lockRetry.attempts() {
			return nil, fmt.Errorf("resume run %s of %s: %w", runID, p.Env, err)
		}
		if err := clock.Sleep(ctx, lockRetry.Wait(attempt, e.rand())); err != nil {
			return nil, err
		}
	}
}
