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
	return ResumeApproving(ctx, c, runID, opts, ResumeApproval{}, sink)
}

// ResumeAsking is Resume with an Approver for a clone's gate or a
// teardown's confirmation that did not pass before (see CloneOptions.Ask
// and TeardownOptions.Ask); nil asks nothing, as Resume.
func ResumeAsking(ctx context.Context, c *envs.Catalog, runID string, opts Options, ask Approver, sink func(Event)) (env, kind string, err error) {
	return ResumeApproving(ctx, c, runID, opts, ResumeApproval{Ask: ask}, sink)
}

// ResumeApproval is what a resumed clone or teardown is given beyond its
// journal, for a gate or a confirmation that did not pass before (a run
// the TUI started, stopped while it waited for an answer): an Approver
// to ask, or an approval given up front, as envbench resume's
// --auto-approve and --confirm. What the journal holds wins over
// AutoApprove and Confirm; they are ignored for other kinds.
type ResumeApproval struct {
	Ask Approver
	// AutoApprove approves a clone's reviewed plan as clone's
	// --auto-approve does: the apply reviews the plan again and refuses a
	// high-risk one without the name.
	AutoApprove bool
	// Confirm is the environment's name, typed.
	Confirm string
}

// ResumeApproving is Resume with ap for a clone's gate or a teardown's
// confirmation.
func ResumeApproving(ctx context.Context, c *envs.Catalog, runID string, opts Options, ap ResumeApproval, sink func(Event)) (env, kind string, err error) {
	env, kind, err = FindRun(ctx, c, opts, runID)
	if err != nil {
		return "", "", err
	}
	switch kind {
	case "clone":
		_, err = resumeClone(ctx, c, env, runID, opts, ap, sink)
	case "with":
		_, err = ResumeWith(ctx, c, env, runID, opts, sink)
	case "teardown":
		_, err = ResumeTeardown(ctx, c, env, runID, TeardownOptions{Options: opts, Ask: ap.Ask, Confirm: ap.Confirm}, sink)
	case "plan", "apply":
		_, err = NewEngine(c, opts, sink).Resume(ctx, env, runID, Builder(c, opts))
	default:
		err = fmt.Errorf("run %s of %s is a %s run, which cannot be resumed", runID, env, kind)
	}
	return env, kind, err
}
