package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sync"

	"github.com/envbench/envbench/envs/sweep"
	"github.com/envbench/envbench/pipeline"
)

// withOptions are with's flags.
type withOptions struct {
	autoApprove bool
	confirm     string
}

func withCommand() command {
	return command{
		name:    "with",
		args:    "ENV -- COMMAND [ARGS...]",
		summary: "clone ENV, run COMMAND with its outputs, then tear ENV down",
		help: `Runs COMMAND against an ephemeral ENV, as one run with its own lock and
journal: clones ENV as envbench clone does (plan, review, apply, outputs,
hooks), runs COMMAND once in the current directory with ENVBENCH_ENV,
ENVBENCH_RUN_ID, ENVBENCH_WORKDIR, ENVBENCH_OUTPUTS and every output as
ENVBENCH_OUTPUT_<NAME> in its environment, then tears ENV down (destroy
and sweep, as envbench teardown does, without --confirm: an ephemeral
environment is asked for), whether COMMAND passed or failed. COMMAND's
stdout and stderr are envbench's; its stdin is empty; it runs in a process
group of its own. A clone that fails after its apply began is torn down
too, and COMMAND does not run.

A protected environment, or one whose Terraform state holds resources,
is refused before anything runs: with would destroy it afterwards.

Approval: as clone's. --auto-approve applies a plan whose review finds no
high risk; a high-risk plan needs --confirm ENV.

SIGTERM or ctrl-c: the step in flight finishes (COMMAND receives the
signal and is waited for), then the run stops; envbench resume RUN_ID
finishes the teardown, without running COMMAND again. A second signal
cancels at once. If envbench is killed, envbench resume RUN_ID tears ENV
down as well.

Progress is one line per step event on stderr.

Exit status: COMMAND's status when it ran and the teardown finished (128
plus the signal's number when a signal ended it, 127 when it could not
start); 1 when the clone or the teardown failed (a failed teardown wins
over COMMAND's status: what remains is named, and envbench resume RUN_ID
tries again); 2 usage error; 3 the plan was not approved: nothing was
applied, nothing is left to tear down. After a signal, 128 plus its
number.`,
		nargs:  1,
		need:   "one environment name: envbench with ENV --auto-approve -- COMMAND [ARGS...]",
		dashed: true,
		bind: func(fs *flag.FlagSet) func(context.Context, *session) error {
			var o withOptions
			fs.BoolVar(&o.autoApprove, "auto-approve", false, "apply the reviewed plan unless its review finds high risk")
			fs.StringVar(&o.confirm, "confirm", "", "the environment's `NAME`, typed to apply a high-risk plan")
			return func(ctx context.Context, s *session) error { return runWith(ctx, s, o) }
		},
	}
}

func runWith(ctx context.Context, s *session, o withOptions) error {
	name := s.args[0]
	switch {
	case len(s.command) == 0:
		return usageError{"needs COMMAND after --: envbench with " + name + " --auto-approve -- COMMAND [ARGS...]"}
	case s.command[0] == "":
		return usageError{"the COMMAND after -- is empty"}
	case o.confirm != "" && o.confirm != name:
		return usageError{fmt.Sprintf("--confirm %s does not name this environment (expected %s)", o.confirm, name)}
	}
	c, err := s.catalog()
	if err != nil {
		return err
	}
	if err := knownEnv(c, name); err != nil {
		return err
	}
	opts := pipeline.WithOptions{AutoApprove: o.autoApprove, Confirm: o.confirm, Command: s.command, Stdout: s.rawStdout, Stderr: s.rawStderr}
	if e, err := c.Lookup(name); err == nil && (e.Protected || e.Resources > 0) {
		// Refused before anything runs, the simulation's preparation
		// included.
		_, err := pipeline.With(ctx, c, name, opts, nil)
		return err
	}
	if err := prepareSimulation(ctx, s, c); err != nil {
		return err
	}
	halt := make(chan struct{})
	forward := make(chan os.Signal, 1)
	opts.Halt, opts.Signals = halt, forward
	progress := newProgress(s)
	var (
		mu      sync.Mutex
		step    pipeline.Step
		runID   string
		stopped os.Signal
	)
	s.interrupts.Defer(halt, forward, func(sig os.Signal) string {
		mu.Lock()
		defer mu.Unlock()
		stopped = sig
		return haltMessage(sig, name, runID, step)
	})
	res, err := pipeline.With(ctx, c, name, opts, func(e pipeline.Event) {
		if e.Kind == pipeline.StepStarted && e.Lane == "" {
			mu.Lock()
			step, runID = e.Step, e.RunID
			mu.Unlock()
		}
		progress.event(e)
	})
	progress.done()
	mu.Lock()
	sig := stopped
	mu.Unlock()
	switch {
	case pipeline.NeedsApproval(err):
		fmt.Fprintf(s.stderr, "envbench with: %v\nNothing was applied; nothing is left to tear down.\n", err)
		return &ExitError{Code: ExitHighRisk}
	case errors.Is(err, pipeline.ErrHalted):
		fmt.Fprintf(s.stderr, "envbench with: stopped; %s is not torn down yet: envbench resume %s tears it down\n", name, res.RunID)
		code := ExitFailure
		if sig != nil {
			code = exitCodeOf(sig)
		}
		return &ExitError{Code: code}
	case err != nil && res != nil && res.Clone != nil:
		return withFailure(s, res, err)
	case err != nil:
		return err
	}
	fmt.Fprintf(s.stderr, "envbench with: %s is torn down (run %s); the command exited with status %d\n", name, res.RunID, res.ExitCode)
	if res.ExitCode != 0 {
		return &ExitError{Code: res.ExitCode}
	}
	return nil
}

// haltMessage is what envbench says when a signal defers the shutdown.
func haltMessage(sig os.Signal, env, runID string, step pipeline.Step) string {
	resume := "then `envbench resume " + runID + "` tears " + env + " down"
	switch step {
	case "":
		return fmt.Sprintf("%s: stopping before the first step", signalName(sig))
	case pipeline.StepCommand:
		return fmt.Sprintf("%s: passed to the command; stopping once it exits; %s (signal again to stop now)", signalName(sig), resume)
	}
	return fmt.Sprintf("%s: stopping after step %s finishes safely; %s (signal again to stop now)", signalName(sig), step, resume)
}

// withFailure reports a with run whose clone or teardown failed: what
// remains, and how to finish.
func withFailure(s *session, res *pipeline.WithResult, err error) error {
	t := res.Teardown
	switch {
	case errors.Is(err, pipeline.ErrLeftovers) && t != nil && t.Swept != nil:
		fmt.Fprintf(s.stderr, "envbench with: %v\n", err)
		fmt.Fprintf(s.stderr, "envbench with: %d resource(s) remain tagged %s=%s:\n", len(t.Swept.Remaining), sweep.TagKey, res.Env)
		for _, it := range t.Swept.Remaining {
			fmt.Fprintf(s.stderr, "  %s %s\n", it.Type, it.Explain())
		}
	case res.Status == pipeline.RunFailed && t != nil && t.Swept != nil && t.Swept.Clean():
		// The clone failed; its teardown went through.
		fmt.Fprintf(s.stderr, "envbench with: %v\n", err)
		return &ExitError{Code: ExitFailure}
	default:
		fmt.Fprintf(s.stderr, "envbench with: %v\n", err)
	}
	if res.CommandRan {
		fmt.Fprintf(s.stderr, "envbench with: the command had exited with status %d\n", res.ExitCode)
	}
	fmt.Fprintf(s.stderr, "envbench with: %s may not be torn down; envbench resume %s tries the teardown again\n", res.Env, res.RunID)
	return &ExitError{Code: ExitFailure}
}
