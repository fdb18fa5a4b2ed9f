package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/envbench/envbench/pipeline"
)

func resumeCommand() command {
	return command{
		name:    "resume",
		args:    "RUN_ID",
		summary: "go on with an interrupted or failed run (clone, with, teardown, plan, apply)",
		help: `Resumes the run RUN_ID from its journal (envbench runs lists them): the
steps that finished are skipped, the step that was in flight is checked
(done: skipped; else run again), and the run goes on from there, under
the same run id, with the approval or confirmation the run was given.
An apply that was cut short is finished by a new plan, applied only when
its changes are within the reviewed plan; otherwise the run stops for
review and says what is new.

Approval: a clone or teardown the TUI started may have stopped while it
waited for an answer, with no approval in its journal. --auto-approve
then approves the clone's reviewed plan, as clone's does (the apply
reviews it again and still needs the name for high risk or a protected
environment); --confirm ENV, the run's environment, confirms either. What
the run was given when it started wins.

Exit status: 0 resumed and finished, or the run had already succeeded
(it says so); for a with run, the command's recorded status once the
teardown finished, or 1 when it recorded none (interrupted while it ran);
1 the resumed run failed, the run is still going in another
process (its lock names it), or it stopped for review; 2 usage error or
no run with that id.`,
		nargs: 1,
		need:  "one run id: envbench resume RUN_ID (envbench runs lists them)",
		bind: func(fs *flag.FlagSet) func(context.Context, *session) error {
			var o resumeOptions
			fs.BoolVar(&o.autoApprove, "auto-approve", false, "approve a clone's reviewed plan, when the run has no approval")
			fs.StringVar(&o.confirm, "confirm", "", "the run's environment `NAME`, typed to confirm a clone or teardown that has no confirmation")
			return func(ctx context.Context, s *session) error { return runResume(ctx, s, o) }
		},
	}
}

// resumeOptions are resume's flags.
type resumeOptions struct {
	autoApprove bool
	confirm     string
}

func runResume(ctx context.Context, s *session, o resumeOptions) error {
	id := s.args[0]
	c, err := s.catalog()
	if err != nil {
		return err
	}
	env, kind, err := pipeline.FindRun(ctx, c, pipeline.Options{}, id)
	if err != nil {
		if errors.Is(err, pipeline.ErrUnknownRun) {
			return usageError{err.Error()}
		}
		return err
	}
	switch {
	case o.confirm != "" && kind != "clone" && kind != "teardown":
		return usageError{fmt.Sprintf("--confirm answers a clone's review gate or a teardown's confirmation; run %s is a %s run", id, kind)}
	case o.autoApprove && kind != "clone":
		return usageError{fmt.Sprintf("--auto-approve answers a clone's review gate; run %s is a %s run", id, kind)}
	case o.confirm != "" && o.confirm != env:
		return usageError{fmt.Sprintf("--confirm %s does not name run %s's environment (expected %s)", o.confirm, id, env)}
	}
	if err := prepareSimulation(ctx, s, c); err != nil {
		return err
	}
	progress := newProgress(s)
	env, kind, err = pipeline.ResumeApproving(ctx, c, id, pipeline.Options{}, pipeline.ResumeApproval{AutoApprove: o.autoApprove, Confirm: o.confirm}, progress.event)
	progress.done()
	if errors.Is(err, pipeline.ErrSucceeded) {
		fmt.Fprintf(s.stdout, "%s run %s of %s had already succeeded: nothing to resume\n", kind, id, env)
		return nil
	}
	var exit *pipeline.CommandExitError
	if errors.As(err, &exit) {
		fmt.Fprintf(s.stdout, "%s run %s of %s resumed and finished: %s is torn down; the command had exited with status %d\n", kind, id, env, env, exit.Code)
		return &ExitError{Code: exit.Code}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "%s run %s of %s resumed and finished\n", kind, id, env)
	return nil
}
