package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
)

// ApplyResult is what an apply did.
type ApplyResult struct {
	RunID string
	// PlanRunID is the run that made the applied plan. The plan carries its
	// run id, so the AWS sessions Terraform opens while applying it are
	// named envbench-<PlanRunID>: that is where CloudTrail leads.
	PlanRunID string
	Env       string
	Summary   *tf.ChangeSummary // Terraform's count of what it did
	Elapsed   time.Duration
	// Completed are the resources Terraform finished changing.
	Completed []string
	// InFlight are the resources being changed when the apply was cut
	// short; Interrupted says it was (cancelled, or Terraform died). The
	// environment then shows "apply interrupted" until an apply succeeds.
	InFlight    []string
	Interrupted bool
}

// applyRun is the state an apply run's steps share in one process.
type applyRun struct {
	c        *envs.Catalog
	e        *envs.Environment
	opts     Options
	res      *ApplyResult
	src      source
	planFile string
	confirm  string
	// reviewed is the plan run of this process that reviewed planFile, if
	// any (a clone's): a plan it read of the verified digest is not shown
	// again.
	reviewed *PlanResult

	verified bool
	t        ticket
	run      *tf.Runner
	private  string // the verified copy that is shown and applied
	applying bool   // the apply step began: the result says what it did
}

// Apply applies a saved, reviewed plan to its environment, and nothing else:
// the plan file must be the one a plan run of this environment reviewed,
// unchanged since. A high-risk plan, or any plan for a protected
// environment, needs confirm to be the environment's name. It runs on the
// engine (NewEngine): the environment's lock, verify, apply, streaming
// Terraform's per-resource events to sink. The apply step is not retried:
// what a failed apply did is for a new plan to say.
func Apply(ctx context.Context, c *envs.Catalog, name, planFile, confirm string, opts Options, sink func(Event)) (*ApplyResult, error) {
	e, err := env(c, name)
	if err != nil {
		return nil, err
	}
	if planFile, err = filepath.Abs(planFile); err != nil {
		return nil, err
	}
	id := opts.RunID
	if id == "" {
		id = NewRunID(opts.now())
	}
	a := newApplyRun(c, e, planFile, confirm, opts)
	a.res.RunID = id
	defer a.cleanup()
	if _, err := NewEngine(c, opts, sink).Run(ctx, a.pipeline(), id); err != nil {
		if a.applying {
			return a.res, err
		}
		return nil, err
	}
	return a.res, nil
}

func newApplyRun(c *envs.Catalog, e *envs.Environment, planFile, confirm string, opts Options) *applyRun {
	return &applyRun{c: c, e: e, opts: opts, planFile: planFile, confirm: confirm, res: &ApplyResult{Env: e.Name},
		src: func(f string) string { return envs.SourceFile(c.Workspace, e.Environment, f) }}
}

// pipeline is an apply run's steps: verify, apply (after the engine's
// lock).
func (a *applyRun) pipeline() Pipeline {
	return Pipeline{Kind: "apply", Env: a.e.Name, Args: map[string]string{outPlanFile: a.planFile, outConfirm: a.confirm}, Steps: []StepDef{
		{Name: StepVerify, Describe: func(context.Context, *Run) string { return "checking the plan is the reviewed one" }, Action: a.verify},
		{Name: StepApply, Describe: func(context.Context, *Run) string { return "terraform apply " + filepath.Base(a.planFile) }, Action: a.apply},
	}}
}

// shown is the plan in the verified private copy, whose digest is
// digest: the one the clone's show step decoded from a copy of the same
// digest, else terraform show -json of the copy.
func (a *applyRun) shown(ctx context.Context, digest string) (*envs.Plan, error) {
	if rv := a.reviewed; rv != nil && rv.Plan != nil && rv.shown == digest {
		return rv.Plan, nil
	}
	data, err := a.run.Show(ctx, a.private)
	if err != nil {
		return nil, err
	}
	p, err := envs.DecodePlan(data)
	if err != nil {
		return nil, fmt.Errorf("terraform show -json: %w", err)
	}
	return p, nil
}

// cleanup removes the private copy of the plan.
func (a *applyRun) cleanup() {
	if a.private != "" {
		os.Remove(a.private)
		a.private = ""
	}
}

func (a *applyRun) verify(ctx context.Context, r *Run) (err error) {
	name, planFile := a.e.Name, a.planFile
	a.verified = false
	a.cleanup()
	defer func() {
		if err != nil {
			a.cleanup()
		}
	}()
	t, err := readTicket(planFile)
	if err != nil {
		return err
	}
	if t.Env != name {
		return fmt.Errorf("%w: %s was planned for %s, not %s", ErrWrongPlan, planFile, t.Env, name)
	}
	if latest, err := os.ReadFile(latestPath(a.c.Root, name)); err != nil || strings.TrimSpace(string(latest)) != t.RunID {
		return fmt.Errorf("%w: %s is not %s's newest plan; a later plan superseded it (plan again, or apply the newest)", ErrWrongPlan, planFile, name)
	}
	if t.WorkDir != envs.WorkDir(a.c.Root, name) {
		return fmt.Errorf("%w: %s was made in %s, not in this workspace", ErrWrongPlan, planFile, t.WorkDir)
	}
	config, err := envs.Fingerprint(a.c.Workspace, a.e.Environment)
	if err != nil {
		return err
	}
	if config != t.Config {
		return fmt.Errorf("%w: %s's configuration (its file, archetype or inputs) changed since %s was planned; plan again", ErrWrongPlan, name, filepath.Base(planFile))
	}
	// Show and apply a private copy, so the file cannot change between
	// this check and Terraform reading it.
	if a.private, err = privateCopy(planFile, r.ID()); err != nil {
		return err
	}
	digest, err := fileDigest(a.private)
	if err != nil {
		return fmt.Errorf("read plan file: %w", err)
	}
	if digest != t.Digest {
		return fmt.Errorf("%w: %s changed since it was reviewed; plan again", ErrWrongPlan, planFile)
	}
	if a.run == nil {
		if a.run, err = newTerraform(ctx, a.c, t.WorkDir, r.ID(), a.opts, r); err != nil {
			return err
		}
	}
	r.SetTerraform(terraformName(a.run))
	// Review again what is in the file now, with today's rules: the plan
	// this process read of these very bytes, or Terraform's show of them.
	p, err := a.shown(ctx, digest)
	if err != nil {
		return err
	}
	findings := envs.Review(p, envs.RulesFor(a.c.Workspace, a.e.Environment), envs.ReviewContextOf(a.e, a.c.Now))
	interrupted, err := tf.ReadApplyRecord(t.WorkDir)
	if err != nil {
		return err
	}
	findings = append(interruptedFindings(interrupted), findings...)
	// A name typed at a clone's gate is journaled with it: a resumed run
	// finds it there rather than in the run's arguments.
	if typed := r.Get(outConfirm); typed != "" {
		a.confirm = typed
	}
	if why := confirmationReasons(name, a.e.Protected, findings); len(why) > 0 && a.confirm != name {
		return fmt.Errorf("%w: %s; confirm by giving the environment's name (--confirm %s)", ErrConfirmationNeeded, strings.Join(why, " and "), name)
	}
	a.t, a.verified = t, true
	a.res.PlanRunID = t.RunID
	r.Say(fmt.Sprintf("%s, planned by run %s (AWS sessions %s)", p.Summary(), t.RunID, SessionName(t.RunID)))
	return nil
}

func (a *applyRun) apply(ctx context.Context, r *Run) error {
	if !a.verified {
		// Resumed after verify: check again, in this process.
		if err := a.verify(ctx, r); err != nil {
			return err
		}
	}
	a.applying = true
	defer a.cleanup()
	return a.applyFile(ctx, r, a.run, a.t.WorkDir, a.private)
}

// applyFile applies planFile with run in workDir, keeping the record of
// the apply under way, and once it succeeded removes the reviewed plan,
// its ticket and the pointer to it: a saved plan applies once.
func (a *applyRun) applyFile(ctx context.Context, r *Run, run *tf.Runner, workDir, planFile string) error {
	res := a.res
	start := time.Now()
	sinkTF := a.src.terraformSink(r)
	// What is being applied is on record while it is: a run that dies
	// leaves the record, and the environment shows "apply interrupted".
	journal, err := tf.StartApplyJournal(workDir, r.ID(), "apply", a.opts.now())
	if err != nil {
		return err
	}
	err = run.Apply(ctx, planFile, func(ev tf.Event) {
		if ev.Summary != nil {
			res.Summary = ev.Summary
		}
		journal.Observe(ev)
		sinkTF(ev)
	})
	res.Elapsed = time.Since(start)
	privateState(workDir)
	rec := journal.Record()
	res.Completed, res.InFlight = rec.Completed, rec.InFlight
	// Terraform's state says what an apply that ended by itself did;
	// one that was cut short, or died mid-resource, may not.
	if err == nil || !errors.Is(err, tf.ErrCancelled) && len(rec.InFlight) == 0 {
		if clearErr := journal.Finish(); clearErr != nil && err == nil {
			return clearErr
		}
	} else {
		res.Interrupted = true
	}
	if err != nil {
		return a.src.sourced(err)
	}
	// It also held every planned value.
	_ = os.Remove(ticketPath(a.planFile))
	_ = os.Remove(a.planFile)
	_ = os.Remove(latestPath(a.c.Root, a.e.Name))
	r.Say("applied")
	return nil
}

// privateState makes Terraform's local state owner-only: Terraform writes
// it with the umask's mode, and it holds secrets. (.envbench/ is owner-only
// already; this keeps the state private if the work directory is copied.)
func privateState(workDir string) {
	for _, name := range []string{"terraform.tfstate", "terraform.tfstate.backup"} {
		_ = os.Chmod(filepath.Join(workDir, name), 0o600)
	}
}

// privateCopy copies a plan file to an owner-only file beside it, named
// for the run (.applying-<run-id>.tfplan) so that a resumed run replaces
// its own earlier copy rather than leaving it behind.
func privateCopy(planFile, runID string) (string, error) {
	src, err := os.Open(planFile)
	if err != nil {
		return "", fmt.Errorf("read plan file: %w", err)
	}
	defer src.Close()
	name := filepath.Join(filepath.Dir(planFile), ".applying-"+runID+".tfplan")
	if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("copy plan file: %w", err)
	}
	dst, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("copy plan file: %w", err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		os.Remove(dst.Name())
		return "", fmt.Errorf("copy plan file: %w", err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(dst.Name())
		return "", err
	}
	return dst.Name(), nil
}

// confirmationReasons says why applying needs the environment's name typed;
// none when it does not.
func confirmationReasons(name string, protected bool, findings []envs.Finding) []string {
	var why []string
	if protected {
		why = append(why, name+" is protected")
	}
	// Counted as the plan's review counts them, so that the numbers agree.
	if high := envs.HighCount(findings); high > 0 {
		why = append(why, fmt.Sprintf("the plan has %d high-risk finding(s)", high))
	}
	return why
}

func readTicket(planFile string) (ticket, error) {
	var t ticket
	data, err := os.ReadFile(ticketPath(planFile))
	if err != nil {
		if os.IsNotExist(err) {
			if _, statErr := os.Stat(planFile); os.IsNotExist(statErr) {
				return t, fmt.Errorf("%w: %s does not exist: it was applied already, or a later plan superseded it; plan again", ErrWrongPlan, planFile)
			} else if statErr != nil {
				return t, fmt.Errorf("plan file %s: %w", planFile, statErr)
			}
			return t, fmt.Errorf("%w: %s was not made by envbench plan, or was already applied (no %s)", ErrWrongPlan, planFile, filepath.Base(ticketPath(planFile)))
		}
		return t, err
	}
	if err := json.Unmarshal(data, &t); err != nil {
		return t, fmt.Errorf("%s: %w", ticketPath(planFile), err)
	}
	return t, nil
}

// Runner runs the TUI's pipelines: Plan, Apply, Clone, Teardown, Resume
// and Reap of this package, with the run ids the TUI chose and its
// Approver.
type Runner struct {
	// Halt, when closed, stops each run after the step in flight,
	// resumable (Options.Halt).
	Halt <-chan struct{}
}

// Plan runs Plan, saving the plan in the default place.
func (r Runner) Plan(ctx context.Context, c *envs.Catalog, env, runID string, sink func(Event)) (*PlanResult, error) {
	return Plan(ctx, c, env, "", Options{RunID: runID, Halt: r.Halt}, sink)
}

// Apply runs Apply on the reviewed plan's file.
func (r Runner) Apply(ctx context.Context, c *envs.Catalog, env string, plan *PlanResult, confirm, runID string, sink func(Event)) (*ApplyResult, error) {
	return Apply(ctx, c, env, plan.PlanFile, confirm, Options{RunID: runID, Halt: r.Halt}, sink)
}

// Clone runs Clone, asking ask at the review gate.
func (r Runner) Clone(ctx context.Context, c *envs.Catalog, env, runID string, ask Approver, sink func(Event)) (*CloneResult, error) {
	return Clone(ctx, c, env, CloneOptions{Options: Options{RunID: runID, Halt: r.Halt}, Ask: ask}, sink)
}

// Teardown runs Teardown, asking ask for the environment's name.
func (r Runner) Teardown(ctx context.Context, c *envs.Catalog, env, runID string, ask Approver, sink func(Event)) (*TeardownResult, error) {
	return Teardown(ctx, c, env, TeardownOptions{Options: Options{RunID: runID, Halt: r.Halt}, Ask: ask}, sink)
}

// Resume runs ResumeAsking on the run runID.
func (r Runner) Resume(ctx context.Context, c *envs.Catalog, runID string, ask Approver, sink func(Event)) error {
	_, _, err := ResumeAsking(ctx, c, runID, Options{Halt: r.Halt}, ask, sink)
	return err
}

// Reap runs Reap: every expired sandbox torn down in turn, once ask
// approved the listing.
func (r Runner) Reap(ctx context.Context, c *envs.Catalog, ask Approver, sink func(Event)) (*ReapResult, error) {
	return Reap(ctx, c, ReapOptions{Options: Options{Halt: r.Halt}, Ask: ask}, sink)
}
