package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/envbench/envbench/envs"
)

// The steps a "with" run adds to the clone's and the teardown's. The
// teardown's render and init are renamed so that no name appears twice in
// the run.
const (
	StepCommand        Step = "command"
	StepTeardownRender Step = "teardown-render"
	StepTeardownInit   Step = "teardown-init"
	StepOutcome        Step = "outcome"
)

// The outputs a "with" run journals.
const (
	outCommandExit = "command.exit"  // COMMAND's exit status
	outCloneFailed = "clone.failed"  // the clone step whose failure was deferred past the teardown
	outCloneError  = "clone.error"   // that step's error
	outWithCommand = "command"       // the program COMMAND runs (an argument; never its arguments)
	commandNotRun  = "command.start" // why COMMAND could not start
)

// ErrDeployed refuses a "with" run on an environment whose Terraform state
// holds resources: the run would destroy them afterwards.
var ErrDeployed = errors.New("already deployed")

// ErrCommandUnknown ends a resumed "with" run whose teardown finished but
// whose COMMAND never recorded an exit status: the run was interrupted
// while it ran, or before.
var ErrCommandUnknown = errors.New("the command's outcome is unknown")

// CommandExitError is a "with" run whose teardown finished clean and whose
// COMMAND exited non-zero: the caller exits with Code.
type CommandExitError struct {
	Code int
}

func (e *CommandExitError) Error() string {
	return fmt.Sprintf("the command exited with status %d", e.Code)
}

// WithOptions are an ephemeral run's choices besides Options.
type WithOptions struct {
	Options
	// AutoApprove and Confirm approve the clone's plan, as CloneOptions'.
	// The teardown needs no confirmation: the caller asked for an
	// ephemeral environment.
	AutoApprove bool
	Confirm     string
	// Command is COMMAND's argv: run once, in the caller's directory.
	Command []string
	// Stdin, Stdout and Stderr are COMMAND's; nil Stdin: none; nil Stdout
	// or Stderr: its lines go to the run log, sensitive outputs masked.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Signals, while COMMAND runs, are forwarded to its process group: it
	// is the user's program, and a test runner should see the SIGTERM that
	// envbench received.
	Signals <-chan os.Signal
}

// WithResult is what an ephemeral run did.
type WithResult struct {
	RunID    string
	Env      string
	Clone    *CloneResult
	Teardown *TeardownResult
	// CommandRan: COMMAND ran and ExitCode is its status (128 plus the
	// signal's number when a signal ended it, 127 when it could not start).
	CommandRan bool
	ExitCode   int
	Status     RunStatus
}

// refuseWith is the check made before anything runs: a protected
// environment is never torn down, and a deployed one would be destroyed
// afterwards.
func refuseWith(e *envs.Environment) error {
	if e.Protected {
		return fmt.Errorf("%s: %w: a protected environment is never torn down, and with tears it down when the command ends (protected: true in %s)", e.Name, ErrProtected, e.File)
	}
	if e.Resources > 0 {
		return fmt.Errorf("%s is %w: its Terraform state holds %d resource(s), which with would destroy when the command ends; tear it down first (envbench teardown %s --confirm %s) or use another environment",
			e.Name, ErrDeployed, e.Resources, e.Name, e.Name)
	}
	return nil
}

// With clones an environment, runs a command with its outputs in the
// command's environment, then tears the environment down, whether the
// command passed or failed, as one run of kind "with" on the engine: the
// clone's steps, the command step, the teardown's steps (confirmed: the
// caller asked for an ephemeral environment) and the outcome. A protected
// or already deployed environment is refused before anything runs (no
// lock, no journal).
//
// A plan that is not approved ends the run before anything is applied
// (NeedsApproval). A clone that fails from its apply on is torn down all
// the same, then the run fails with the clone's error; the command does
// not run. The command's exit status is the result's ExitCode; a non-zero
// one does not fail the run. A run halted (Options.Halt) or killed is
// finished by ResumeWith, which never runs the command again.
func With(ctx context.Context, c *envs.Catalog, name string, opts WithOptions, sink func(Event)) (*WithResult, error) {
	if len(opts.Command) == 0 || opts.Command[0] == "" {
		return nil, fmt.Errorf("with %s: no command to run", name)
	}
	e, err := env(c, name)
	if err != nil {
		return nil, err
	}
	if err := refuseWith(e); err != nil {
		return nil, err
	}
	cloneOpts := CloneOptions{Options: opts.Options, AutoApprove: opts.AutoApprove, Confirm: opts.Confirm}
	id, cres, a, err := newCloneRun(c, e, cloneOpts)
	if err != nil {
		return nil, err
	}
	defer a.cleanup()
	eng := NewEngine(c, opts.Options, sink)
	t := newTeardown(c, e, TeardownOptions{Options: opts.Options, Confirm: name}, sink)
	t.eng = eng
	defer t.close()
	w := &withRun{c: c, opts: opts}
	clone := clonePipeline(c, e, cres, a, cloneOpts)
	var steps []StepDef
	deferring := false
	for _, s := range clone.Steps {
		// From the apply on, the environment may hold resources: a failure
		// waits until they are torn down.
		deferring = deferring || s.Name == StepApply
		if deferring {
			s = w.deferFailure(s)
		}
		steps = append(steps, s)
	}
	steps = append(steps, w.commandStep())
	steps = append(steps, withTeardownSteps(t)...)
	steps = append(steps, w.outcomeStep())
	args := clone.Args
	args[outWithCommand] = filepath.Base(opts.Command[0])
	r, err := eng.Run(ctx, Pipeline{Kind: "with", Env: name, Args: args, Steps: steps}, id)
	if NeedsApproval(err) {
		// Nothing was applied: the reviewed plan, which holds every
		// planned value, goes, with its ticket: no apply can follow.
		_ = os.Remove(cres.Plan.PlanFile)
		_ = os.Remove(ticketPath(cres.Plan.PlanFile))
	}
	res := &WithResult{RunID: id, Env: name, Clone: cres, Teardown: t.res}
	t.res.RunID = id
	if r != nil {
		res.Status, t.res.Status = r.Status(), r.Status()
		res.commandExit(r.Outputs())
	}
	return res, err
}

// ResumeWith goes on with a "with" run that was halted, killed or failed:
// it never runs the command again. The clone's steps and the command step
// count as done whatever state they were in; the teardown's steps go on
// from the journal (finished ones skipped, the one in flight probed). It
// returns nil when the teardown finished clean and the command had
// recorded exit 0, a *CommandExitError with its recorded non-zero status,
// ErrCommandUnknown when it recorded none, or the run's error.
func ResumeWith(ctx context.Context, c *envs.Catalog, name, runID string, opts Options, sink func(Event)) (*WithResult, error) {
	e, err := env(c, name)
	if err != nil {
		return nil, err
	}
	if err := refuseProtected(e); err != nil {
		return nil, err
	}
	var t *teardown
	defer func() {
		if t != nil {
			t.close()
		}
	}()
	eng := NewEngine(c, opts, sink)
	w := &withRun{c: c}
	r, err := eng.Resume(ctx, name, runID, func(s RunSummary) (Pipeline, error) {
		if s.Pipeline != "with" {
			return Pipeline{}, fmt.Errorf("run %s is a %s run, not a with run", s.RunID, s.Pipeline)
		}
		t = newTeardown(c, e, TeardownOptions{Options: opts, Confirm: name}, sink)
		t.eng = eng
		t.res.RunID = s.RunID
		steps := append(withTeardownSteps(t), w.outcomeStep())
		return Pipeline{Kind: "with", Env: name, Args: s.Args, Steps: steps}, nil
	})
	if t == nil {
		return nil, err
	}
	res := &WithResult{RunID: runID, Env: name, Teardown: t.res}
	if r != nil {
		res.Status, t.res.Status = r.Status(), r.Status()
		res.commandExit(r.Outputs())
	}
	if err != nil {
		return res, err
	}
	switch {
	case !res.CommandRan:
		return res, fmt.Errorf("with run %s of %s: %s is torn down, but %w: the run was interrupted before the command finished", runID, name, name, ErrCommandUnknown)
	case res.ExitCode != 0:
		return res, &CommandExitError{Code: res.ExitCode}
	}
	return res, nil
}

// commandExit reads the command's recorded exit status.
func (res *WithResult) commandExit(outputs map[string]string) {
	if code, err := strconv.Atoi(outputs[outCommandExit]); err == nil {
		res.CommandRan, res.ExitCode = true, code
	}
}

// withTeardownSteps are a teardown's steps in a "with" run, confirmed,
// the ones whose names the clone uses renamed.
func withTeardownSteps(t *teardown) []StepDef {
	steps := t.pipeline().Steps
	for i := range steps {
		switch steps[i].Name {
		case StepRender:
			steps[i].Name = StepTeardownRender
		case StepInit:
			steps[i].Name = StepTeardownInit
		}
	}
	return steps
}

// withRun is a "with" run's state shared by its steps.
type withRun struct {
	c    *envs.Catalog
	opts WithOptions
	// cloneErr is the clone's deferred error, in the process where it
	// happened (a resumed run has its text, from the journal).
	cloneErr error
}

// deferFailure makes a clone step's last failure wait for the teardown: it
// is journaled as the run's outputs, the step reports it and finishes, the
// later clone steps and the command do not run, and the outcome step
// fails the run with it. Retryable failures with attempts left, a
// cancelled run and a halt are the engine's, as for any step.
func (w *withRun) deferFailure(sd StepDef) StepDef {
	act := sd.Action
	sd.Action = func(ctx context.Context, r *Run) error {
		if at := r.Get(outCloneFailed); at != "" {
			r.Say("not run: the clone failed at " + at)
			return nil
		}
		err := act(ctx, r)
		if err == nil || ctx.Err() != nil || errors.Is(err, ErrHalted) {
			return err
		}
		if Retryable(err) && r.Attempt() < sd.Retry.attempts() {
			return err
		}
		w.cloneErr = err
		r.Set(outCloneFailed, string(sd.Name))
		r.Set(outCloneError, err.Error())
		r.Logf("%s failed: %v", sd.Name, err)
		r.Say("failed: " + err.Error() + "; the environment is torn down next")
		return nil
	}
	return sd
}

// commandStep runs COMMAND once, unless the clone failed.
func (w *withRun) commandStep() StepDef {
	return StepDef{
		Name:     StepCommand,
		Describe: func(context.Context, *Run) string { return "running " + filepath.Base(w.opts.Command[0]) },
		Action: func(ctx context.Context, r *Run) error {
			if at := r.Get(outCloneFailed); at != "" {
				r.Say("not run: the clone failed at " + at)
				return nil
			}
			code, err := runCommand(ctx, r, w.c.Root, w.opts)
			if err != nil && ctx.Err() != nil {
				return err
			}
			if err != nil {
				// The environment is up: it is torn down all the same,
				// and the run exits as a shell does for a command it
				// cannot start.
				r.Logf("%v", err)
				r.Set(commandNotRun, err.Error())
				if w.opts.Stderr != nil {
					fmt.Fprintf(w.opts.Stderr, "envbench with: %v\n", err)
				}
			}
			r.Set(outCommandExit, strconv.Itoa(code))
			r.Say(fmt.Sprintf("exited with status %d", code))
			return nil
		},
	}
}

// runCommand runs COMMAND with the environment's variables and outputs in
// its environment, in its own process group, forwarding opts.Signals to
// it. It returns the exit status: 128 plus the signal's number for a
// command a signal ended; 127 with an error for one that did not start.
func runCommand(ctx context.Context, r *Run, root string, opts WithOptions) (int, error) {
	env := r.Env()
	environ, secrets, err := commandEnviron(root, env, r.ID(), envs.WorkDir(root, env))
	if err != nil {
		return 127, fmt.Errorf("command %s: %s: %w", opts.Command[0], env, err)
	}
	cmd := exec.CommandContext(ctx, opts.Command[0], opts.Command[1:]...)
	cmd.Env = environ
	cmd.Stdin = opts.Stdin
	cmd.WaitDelay = hookWaitDelay
	ownProcessGroup(cmd)
	mask := newMasker(secrets)
	var logs []*lineLog
	cmd.Stdout, cmd.Stderr = opts.Stdout, opts.Stderr
	if cmd.Stdout == nil {
		l := &lineLog{r: r, prefix: "command: ", mask: mask}
		logs, cmd.Stdout = append(logs, l), l
	}
	if cmd.Stderr == nil {
		l := &lineLog{r: r, prefix: "command (stderr): ", mask: mask}
		logs, cmd.Stderr = append(logs, l), l
	}
	r.Logf("command: %s (%d argument(s))", opts.Command[0], len(opts.Command)-1)
	if err := cmd.Start(); err != nil {
		return 127, fmt.Errorf("command %s: start: %w", opts.Command[0], err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
wait:
	for {
		select {
		case sig := <-opts.Signals:
			r.Logf("command: forwarding %s", sig)
			if err := signalGroup(cmd.Process, sig); err != nil {
				r.Logf("command: forward %s: %v", sig, err)
			}
		case <-done:
			break wait
		}
	}
	for _, l := range logs {
		l.flush()
	}
	if ctx.Err() != nil {
		return exitStatus(cmd.ProcessState), fmt.Errorf("command %s: %w", opts.Command[0], ctx.Err())
	}
	return exitStatus(cmd.ProcessState), nil
}

// outcomeStep ends the run: it fails with the clone's deferred error, and
// otherwise says what the command did.
func (w *withRun) outcomeStep() StepDef {
	return StepDef{
		Name:     StepOutcome,
		Describe: func(context.Context, *Run) string { return "reporting the command's outcome" },
		Action: func(_ context.Context, r *Run) error {
			if at := r.Get(outCloneFailed); at != "" {
				if w.cloneErr != nil {
					return fmt.Errorf("the clone failed at %s, and what it made is torn down: %w", at, w.cloneErr)
				}
				return fmt.Errorf("the clone failed at %s, and what it made is torn down: %s", at, r.Get(outCloneError))
			}
			code := r.Get(outCommandExit)
			if code == "" {
				r.Say("torn down; the command's outcome is unknown: the run was interrupted before it finished")
				return nil
			}
			r.Say("torn down; the command exited with status " + code)
			return nil
		},
	}
}
