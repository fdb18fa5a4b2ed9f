package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/envbench/envbench/envs"
)

// ErrUnknownRun is Resume's error for a run id no journal of the
// workspace holds.
var ErrUnknownRun = errors.New("no run with that id")

// FindRun finds a run by id in the workspace's journal (local, or the
// shared one in team mode): its environment and kind.
func FindRun(ctx context.Context, c *envs.Catalog, opts Options, runID string) (env, kind string, err error) {
	j := NewEngine(c, opts, nil).Journal
	refs, err := j.Runs(ctx, "")
	if err != nil {
		return "", "", fmt.Errorf("list runs: %w", err)
	}
	for _, ref := range refs {
		if ref.RunID != runID {
			continue
		}
		events, err := j.Read(ctx, ref.Env, runID)
		if err != nil {
			return "", "", err
		}
		for _, e := range events {
			if e.Kind == RunStarted {
				return ref.Env, e.Pipeline, nil
			}
		}
		return "", "", fmt.Errorf("run %s of %s: its journal has no start", runID, ref.Env)
	}
	return "", "", fmt.Errorf("%w: %s (envbench runs lists them)", ErrUnknownRun, runID)
}

// Resume goes on with any resumable run by id, whatever its kind: clone
// (ResumeClone), teardown (ResumeTeardown, with the confirmation the run
// was given), with (ResumeWith: the teardown finished, the command never
// run again; a *CommandExitError or ErrCommandUnknown when the teardown
// finished but the command did not exit 0), plan and apply (Builder). It
// returns the run's environment and kind with the engine's error:
// ErrSucceeded for a run that finished, a *LockedError for one whose
// process still runs.
func Resume(ctx context.Context, c *envs.Catalog, runID string, opts Options, sink func(Event)) (env, kind string, err error) {
	return ResumeAsking(ctx, c, runID, opts, nil, sink)
}

// ResumeAsking is Resume with an Approver for a clone's gate or a
// teardown's confirmation that did not pass before (see CloneOptions.Ask
// and TeardownOptions.Ask); nil asks nothing, as Resume.
func ResumeAsking(ctx context.Context, c *envs.Catalog, runID string, opts Options, ask Approver, sink func(Event)) (env, kind string, err error) {
	env, kind, err = FindRun(ctx, c, opts, runID)
	if err != nil {
		return "", "", err
	}
	switch kind {
	case "clone":
		_, err = resumeClone(ctx, c, env, runID, opts, ask, sink)
	case "with":
		_, err = ResumeWith(ctx, c, env, runID, opts, sink)
	case "teardown":
		_, err = ResumeTeardown(ctx, c, env, runID, TeardownOptions{Options: opts, Ask: ask}, sink)
	case "plan", "apply":
		_, err = NewEngine(c, opts, sink).Resume(ctx, env, runID, Builder(c, opts))
	default:
		err = fmt.Errorf("run %s of %s is a %s run, which cannot be resumed", runID, env, kind)
	}
	return env, kind, err
}
