package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/aws"
	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/fake"
	"github.com/envbench/envbench/envs/sweep"
	"github.com/envbench/envbench/envs/tf"
)

// The steps of a teardown run, after the engine's lock, render and init.
const (
	StepDestroyPlan Step = "destroy-plan"
	StepConfirm     Step = "confirm"
	StepDestroy     Step = "destroy"
	StepSweepPlan   Step = "sweep-plan"
	StepSweep       Step = "sweep"
	StepReport      Step = "report"
)

// ErrProtected is returned when a protected environment would be torn
// down: refused before anything runs.
var ErrProtected = errors.New("protected")

// ErrLeftovers ends a teardown that left resources tagged for the
// environment: the report says what holds them.
var ErrLeftovers = errors.New("resources remain")

// TeardownOptions configure a teardown.
type TeardownOptions struct {
	Options
	// Confirm must be the environment's name for anything to be
	// destroyed.
	Confirm string
	// DryRun stops after the destroy plan and the sweep's listing: nothing
	// is destroyed, and Confirm is not needed.
	DryRun bool
	// Connector opens the environment's account for the sweep; nil: the
	// workspace's own (its simulation for cloud: simulated, else AWS
	// through the standard credential chain).
	Connector cloud.Connector
	// DestroyRetry is the destroy step's policy; zero: TransientRetry.
	DestroyRetry RetryPolicy
	// Ask, when set and Confirm is empty, is asked at the confirm step,
	// with the destroy plan and the sweep's listing; it must answer the
	// environment's name, which is journaled with the step.
	Ask Approver
}

// TeardownResult is what a teardown did, or would do (DryRun).
type TeardownResult struct {
	RunID  string
	Env    string
	DryRun bool
	Status RunStatus
	// PlanFile is the saved destroy plan; Plan, Findings and Review are
	// its reading and risk review, for the CLI and the TUI to show.
	PlanFile string
	Plan     *envs.Plan
	Findings []envs.Finding
	Review   *envs.Report
	// Sweep is the sweep's listing: what is tagged for the environment in
	// its account, in deletion order (before the destroy in a dry run,
	// after it otherwise).
	Sweep *sweep.Sweep
	// Leftovers, in a dry run, are the items of Sweep that Terraform's
	// local state does not hold: what the sweep, not the destroy, would
	// delete. Empty when the state is not local.
	Leftovers []sweep.Item
	// Swept is what the sweep removed, what remains and why; nil in a dry
	// run, or when the run stopped before the sweep.
	Swept     *sweep.Report
	Terraform string
}

// Clean reports whether the environment was torn down with nothing left
// tagged for it.
func (r *TeardownResult) Clean() bool { return r.Swept != nil && r.Swept.Clean() }

// teardown is one teardown run's state, shared by its steps.
type teardown struct {
	c    *envs.Catalog
	e    *envs.Environment
	opts TeardownOptions
	eng  *Engine
	res  *TeardownResult

	mu      sync.Mutex
	run     *tf.Runner
	dir     string
	acct    *cloud.Account
	closers []func()
}

// refuseProtected is the check made before anything runs.
func refuseProtected(e *envs.Environment) error {
	if e.Protected {
		return fmt.Errorf("teardown %s: %w: a protected environment is never torn down or swept (protected: true in %s)", e.Name, ErrProtected, e.File)
	}
	return nil
}

// Teardown tears an environment down as a run of the engine: lock, render,
// terraform init, a destroy plan (saved and reviewed; the result holds it
// for the caller to show), confirmation (opts.Confirm must be the
// environment's name), terraform destroy of that plan (retried on
// retryable errors, then as a plain terraform destroy), the sweep's
// listing of what is still tagged for the environment in its account, the
// sweep, and the report. A protected environment is refused before
// anything runs: no lock, no journal. A dry run stops after the listing.
// When the sweep leaves something, the run fails with ErrLeftovers and
// the result's Swept says what holds it.
func Teardown(ctx context.Context, c *envs.Catalog, name string, opts TeardownOptions, sink func(Event)) (*TeardownResult, error) {
	e, err := env(c, name)
	if err != nil {
		return nil, err
	}
	if err := refuseProtected(e); err != nil {
		return nil, err
	}
	t := newTeardown(c, e, opts, sink)
	defer t.close()
	r, err := t.eng.Run(ctx, t.pipeline(), opts.RunID)
	if r != nil {
		t.res.RunID, t.res.Status = r.ID(), r.Status()
	}
	return t.res, err
}

func newTeardown(c *envs.Catalog, e *envs.Environment, opts TeardownOptions, sink func(Event)) *teardown {
	return &teardown{c: c, e: e, opts: opts, eng: NewEngine(c, opts.Options, sink), res: &TeardownResult{Env: e.Name, DryRun: opts.DryRun}}
}

// ResumeTeardown goes on with a teardown run that failed, was cancelled
// or was interrupted (Engine.Resume): its confirmation and dry run come
// from the run's journal, finished steps are skipped, and the step it
// stopped in is probed (destroy: the state is empty; sweep: nothing is
// left to delete) before it runs again. opts' DryRun is ignored, and its
// Confirm is used only when the run was given none (it was to be typed in
// the TUI). A protected environment is refused as Teardown refuses it.
func ResumeTeardown(ctx context.Context, c *envs.Catalog, name, runID string, opts TeardownOptions, sink func(Event)) (*TeardownResult, error) {
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
	eng := NewEngine(c, opts.Options, sink)
	r, err := eng.Resume(ctx, name, runID, func(s RunSummary) (Pipeline, error) {
		if s.Pipeline != "teardown" {
			return Pipeline{}, fmt.Errorf("run %s is a %s run, not a teardown", s.RunID, s.Pipeline)
		}
		o := opts
		o.DryRun = s.Args["dry_run"] == "true"
		if given := s.Args["confirm"]; given != "" {
			o.Confirm = given
		}
		t = newTeardown(c, e, o, sink)
		t.eng = eng
		t.res.RunID = s.RunID
		return t.pipeline(), nil
	})
	if t == nil {
		return nil, err
	}
	if r != nil {
		t.res.Status = r.Status()
	}
	return t.res, err
}

func (t *teardown) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range t.closers {
		c()
	}
	t.closers = nil
}

func (t *teardown) pipeline() Pipeline {
	// The confirmation is the environment's name, typed: not a secret.
	args := map[string]string{"confirm": t.opts.Confirm}
	if t.opts.DryRun {
		args["dry_run"] = "true"
	}
	steps := []StepDef{t.renderStep(), t.initStep(), t.destroyPlanStep()}
	if t.opts.DryRun {
		steps = append(steps, t.sweepPlanStep())
	} else {
		steps = append(steps, t.confirmStep(), t.destroyStep(), t.sweepPlanStep(), t.sweepStep(), t.reportStep())
	}
	return Pipeline{Kind: "teardown", Env: t.e.Name, Args: args, Steps: steps}
}

func (t *teardown) renderStep() StepDef {
	return StepDef{
		Name:     StepRender,
		Describe: func(context.Context, *Run) string { return "rendering " + t.e.Name },
		Action: func(ctx context.Context, r *Run) error {
			res, err := envs.Render(t.c.Workspace, t.e.Environment)
			if err != nil {
				return err
			}
			t.dir = res.Dir
			r.Say(fmt.Sprintf("%d file(s) written, %d unchanged", len(res.Written), len(res.Unchanged)))
			return nil
		},
	}
}

// terraform is the run's Terraform, made on first use.
func (t *teardown) terraform(ctx context.Context, r *Run) (*tf.Runner, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.run != nil {
		return t.run, nil
	}
	if t.dir == "" {
		t.dir = envs.WorkDir(t.c.Root, t.e.Name)
	}
	run, err := newTerraform(ctx, t.c, t.dir, r.ID(), t.opts.Options, r)
	if err != nil {
		return nil, err
	}
	t.run = run
	t.res.Terraform = terraformName(run)
	r.SetTerraform(t.res.Terraform)
	return run, nil
}

// tfSink forwards Terraform's events, with diagnostics pointing at the
// files the user edits.
func (t *teardown) tfSink(r *Run, observe func(tf.Event)) func(tf.Event) {
	return func(ev tf.Event) {
		if ev.Diagnostic != nil {
			d := *ev.Diagnostic
			d.Filename = envs.SourceFile(t.c.Workspace, t.e.Environment, d.Filename)
			ev.Diagnostic = &d
		}
		if observe != nil {
			observe(ev)
		}
		r.Emit(Event{Kind: Terraform, TF: &ev})
	}
}

func (t *teardown) initStep() StepDef {
	return StepDef{
		Name:  StepInit,
		Retry: TransientRetry,
		Action: func(ctx context.Context, r *Run) error {
			run, err := t.terraform(ctx, r)
			if err != nil {
				return err
			}
			done, err := run.InitIfNeeded(ctx, t.tfSink(r, nil))
			if err != nil {
				return err
			}
			if !done.Ran {
				r.Say("init " + done.Reason)
			} else {
				r.Say(t.res.Terraform + " ready: " + done.Reason)
			}
			return nil
		},
	}
}

func (t *teardown) destroyPlanStep() StepDef {
	return StepDef{
		Name:     StepDestroyPlan,
		Describe: func(context.Context, *Run) string { return "terraform plan -destroy" },
		Retry:    TransientRetry,
		Action: func(ctx context.Context, r *Run) error {
			run, err := t.terraform(ctx, r)
			if err != nil {
				return err
			}
			planFile, err := filepath.Abs(DefaultPlanFile(t.c.Root, t.e.Name, r.ID()+"-destroy"))
			if err != nil {
				return err
			}
			if err := preparePlanDirs(t.c.Root, t.e.Name, planFile); err != nil {
				return err
			}
			if _, err := createPrivate(planFile); err != nil {
				return err
			}
			_, err = run.PlanDestroy(ctx, planFile, t.tfSink(r, nil))
			if errors.Is(err, tf.ErrNeedsInit) {
				run.ForgetInit()
				if err = run.Init(ctx, t.tfSink(r, nil)); err == nil {
					_, err = run.PlanDestroy(ctx, planFile, t.tfSink(r, nil))
				}
			}
			if err != nil {
				return err
			}
			if err := os.Chmod(planFile, 0o600); err != nil {
				return err
			}
			data, err := run.Show(ctx, planFile)
			if err != nil {
				return err
			}
			p, err := envs.DecodePlan(data)
			if err != nil {
				return fmt.Errorf("terraform show -json: %w", err)
			}
			rules := envs.RulesFor(t.c.Workspace, t.e.Environment)
			findings := envs.Review(p, rules, envs.ReviewContextOf(t.e, t.c.Now))
			review, err := envs.NewReport(p, findings, t.e.Name, envs.DiffOptions{SecretNames: rules.SecretNames})
			if err != nil {
				return fmt.Errorf("build the destroy plan's report: %w", err)
			}
			t.res.PlanFile, t.res.Plan, t.res.Findings, t.res.Review = planFile, p, findings, review
			r.Set("plan_file", planFile)
			r.Say(fmt.Sprintf("%s; %d finding(s)", p.Summary(), len(findings)))
			return nil
		},
	}
}

func (t *teardown) confirmStep() StepDef {
	return StepDef{
		Name:     StepConfirm,
		Describe: func(context.Context, *Run) string { return "confirming with the environment's name" },
		Action: func(ctx context.Context, r *Run) error {
			confirm := t.opts.Confirm
			if typed := r.Get("confirm"); typed != "" {
				confirm = typed
			}
			if confirm == "" && t.opts.Ask != nil {
				typed, err := approve(ctx, t.opts.Ask, t.approval(ctx, r))
				if err != nil {
					return err
				}
				r.Set("confirm", typed)
				confirm = typed
			}
			if confirm != t.e.Name {
				if confirm == "" {
					return fmt.Errorf("teardown %s: %w: type the environment's name to destroy it (--confirm %s)", t.e.Name, ErrConfirmationNeeded, t.e.Name)
				}
				return fmt.Errorf("teardown %s: %w: %q does not name this environment (expected %s)", t.e.Name, ErrConfirmationNeeded, confirm, t.e.Name)
			}
			r.Say("confirmed: " + t.e.Name)
			return nil
		},
	}
}

// approval is what the confirm step asks: the destroy plan, and the
// sweep's listing with what lies beyond Terraform's state. A listing that
// fails is logged and left out: the destroy plan is still worth asking on.
func (t *teardown) approval(ctx context.Context, r *Run) Approval {
	a := Approval{Env: t.e.Name, Pipeline: "teardown", RunID: r.ID(), Plan: t.res.Plan, Findings: t.res.Findings, NeedsName: true}
	acct, err := t.account(ctx, r)
	if err == nil {
		a.Sweep, err = t.sweeper().Plan(ctx, acct, t.e.Name, t.e.Region)
	}
	if err != nil {
		r.Logf("the sweep's listing, for the confirmation: %v", err)
		return a
	}
	managed := stateIdentities(envs.WorkDir(t.c.Root, t.e.Name))
	for _, it := range a.Sweep.Items {
		if !managed[it.ARN] && !managed[it.ID] {
			a.Leftovers = append(a.Leftovers, it)
		}
	}
	return a
}

func (t *teardown) destroyStep() StepDef {
	policy := t.opts.DestroyRetry
	if policy.Attempts == 0 {
		policy = TransientRetry
	}
	return StepDef{
		Name:     StepDestroy,
		Describe: func(context.Context, *Run) string { return "terraform destroy" },
		Retry:    policy,
		Probe: func(ctx context.Context, r *Run) (bool, error) {
			n, err := stateInstances(envs.WorkDir(t.c.Root, t.e.Name))
			return err == nil && n == 0, nil
		},
		Action: func(ctx context.Context, r *Run) error {
			run, err := t.terraform(ctx, r)
			if err != nil {
				return err
			}
			total := 0
			if t.res.Plan != nil {
				total = t.res.Plan.Summary()[envs.ActionDelete] + t.res.Plan.Summary()[envs.ActionReplace]
			}
			journal, err := tf.StartApplyJournal(run.Dir(), r.ID(), "destroy", t.eng.clock().Now())
			if err != nil {
				return err
			}
			done := 0
			sink := t.tfSink(r, func(ev tf.Event) {
				journal.Observe(ev)
				if ev.Type == tf.EventApplyComplete && total > 0 {
					done++
					r.Progress(min(float64(done)/float64(total), 1), ev.Resource+" destroyed")
				}
			})
			// The reviewed destroy plan first, when this process made it;
			// a retry, after part of it was applied, and a resumed run
			// destroy what is left.
			planFile := t.res.PlanFile
			if r.Attempt() == 1 && planFile != "" {
				err = run.Apply(ctx, planFile, sink)
			} else {
				err = run.Destroy(ctx, sink)
			}
			privateState(run.Dir())
			rec := journal.Record()
			if err == nil || !errors.Is(err, tf.ErrCancelled) && len(rec.InFlight) == 0 {
				if clearErr := journal.Finish(); clearErr != nil && err == nil {
					return clearErr
				}
			}
			if err != nil {
				return err
			}
			// A saved plan holds every planned value: it goes once applied.
			for _, f := range []string{planFile, r.Get("plan_file")} {
				if f != "" {
					_ = os.Remove(f)
				}
			}
			// The outputs named what is gone now.
			if err := os.Remove(envs.OutputsPath(t.c.Root, t.e.Name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("remove the outputs of %s: %w", t.e.Name, err)
			}
			r.Say(fmt.Sprintf("%d resource(s) destroyed", len(rec.Completed)))
			return nil
		},
	}
}

// stateInstances counts the managed resource instances in a work
// directory's local state.
func stateInstances(dir string) (int, error) {
	data, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate"))
	if err != nil {
		return 0, err
	}
	var state struct {
		Resources []struct {
			Mode      string            `json:"mode"`
			Instances []json.RawMessage `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(data, &state); err != nil {
		return 0, fmt.Errorf("read %s: %w", filepath.Join(dir, "terraform.tfstate"), err)
	}
	n := 0
	for _, r := range state.Resources {
		if r.Mode == "managed" {
			n += len(r.Instances)
		}
	}
	return n, nil
}

// stateIdentities are the ids and ARNs of the resources in a work
// directory's local state; none when there is no local state or it
// cannot be read (a dry run then lists everything as the sweep's).
func stateIdentities(dir string) map[string]bool {
	data, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate"))
	if err != nil {
		return nil
	}
	var state struct {
		Resources []struct {
			Mode      string `json:"mode"`
			Instances []struct {
				Attributes map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if json.Unmarshal(data, &state) != nil {
		return nil
	}
	ids := map[string]bool{}
	for _, r := range state.Resources {
		if r.Mode != "managed" {
			continue
		}
		for _, in := range r.Instances {
			for _, k := range []string{"arn", "id"} {
				if v, ok := in.Attributes[k].(string); ok && v != "" {
					ids[v] = true
				}
			}
		}
	}
	return ids
}

// account opens the environment's account for the sweep, as its role,
// with the run's session name, once; it refuses an account other than the
// environment's.
func (t *teardown) account(ctx context.Context, r *Run) (*cloud.Account, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.acct != nil {
		return t.acct, nil
	}
	acct, closer, err := envAccount(ctx, t.c, t.e, r.ID(), t.opts.Connector)
	if closer != nil {
		t.closers = append(t.closers, closer)
	}
	if err != nil {
		return nil, err
	}
	t.acct = acct
	return acct, nil
}

// envAccount opens e's account and region as the run's session,
// envbench-<runID>, through conn, or for conn nil the workspace's
// simulation or AWS; closer, when not nil, releases what it opened. An
// account other than the one e's file names is refused.
func envAccount(ctx context.Context, c *envs.Catalog, e *envs.Environment, runID string, conn cloud.Connector) (acct *cloud.Account, closer func(), err error) {
	if conn == nil {
		if c.Settings.Cloud == config.CloudSimulated {
			sim, err := fake.OpenWorkspace(ctx, c.Root, filepath.Join(c.Root, fake.WorkspaceSeed), fake.Options{})
			if err != nil {
				return nil, nil, fmt.Errorf("simulated AWS: %w", err)
			}
			closer = func() { sim.Close() }
			conn = sim
		} else {
			conn = &aws.Connector{}
		}
	}
	acct, err = conn.Connect(ctx, cloud.Target{Region: e.Region, RoleARN: e.Role, SessionName: SessionName(runID)})
	if err != nil {
		return nil, closer, fmt.Errorf("open %s's account %s: %w", e.Name, e.Account, err)
	}
	if e.Account != "" && acct.ID != e.Account {
		return nil, closer, fmt.Errorf("open %s's account: the role %s is in account %s, not %s (envs/%s.yaml): nothing is swept", e.Name, e.Role, acct.ID, e.Account, e.Name)
	}
	return acct, closer, nil
}

func (t *teardown) sweeper() sweep.Sweeper {
	return sweep.Sweeper{Sleep: t.eng.clock().Sleep}
}

func (t *teardown) sweepPlanStep() StepDef {
	return StepDef{
		Name:     StepSweepPlan,
		Describe: func(context.Context, *Run) string { return "listing what is tagged " + sweep.TagKey + "=" + t.e.Name },
		Retry:    TransientRetry,
		Action: func(ctx context.Context, r *Run) error {
			acct, err := t.account(ctx, r)
			if err != nil {
				return err
			}
			s, err := t.sweeper().Plan(ctx, acct, t.e.Name, t.e.Region)
			if err != nil {
				return err
			}
			t.res.Sweep = s
			// In a dry run, Terraform's resources are still there: what
			// its state holds is the destroy's, the rest the sweep's.
			var managed map[string]bool
			if t.opts.DryRun {
				managed = stateIdentities(envs.WorkDir(t.c.Root, t.e.Name))
			}
			inState := 0
			for _, it := range s.Items {
				if managed[it.ARN] || managed[it.ID] {
					inState++
					r.Logf("%s %s: in Terraform's state, the destroy deletes it", it.Type, it.Label())
					continue
				}
				if t.opts.DryRun {
					t.res.Leftovers = append(t.res.Leftovers, it)
				}
				r.Logf("%s %s", it.Type, it.Explain())
			}
			msg := fmt.Sprintf("%d resource(s) tagged %s=%s in %s %s", len(s.Items), sweep.TagKey, t.e.Name, acct.ID, t.e.Region)
			if t.opts.DryRun {
				msg = fmt.Sprintf("dry run, nothing destroyed: %s; %d in Terraform's state, %d left for the sweep", msg, inState, len(s.Items)-inState)
			} else if n := s.Pending(); n > 0 {
				msg += fmt.Sprintf(", %d to delete", n)
			}
			r.Say(msg)
			return nil
		},
	}
}

func (t *teardown) sweepStep() StepDef {
	return StepDef{
		Name:     StepSweep,
		Describe: func(context.Context, *Run) string { return "sweeping what is left, in dependency order" },
		Retry:    TransientRetry,
		Probe: func(ctx context.Context, r *Run) (bool, error) {
			acct, err := t.account(ctx, r)
			if err != nil {
				return false, err
			}
			s, err := t.sweeper().Plan(ctx, acct, t.e.Name, t.e.Region)
			if err != nil {
				return false, err
			}
			return s.Pending() == 0, nil
		},
		Action: func(ctx context.Context, r *Run) error {
			acct, err := t.account(ctx, r)
			if err != nil {
				return err
			}
			s := t.res.Sweep
			if s == nil || r.Attempt() > 1 {
				if s, err = t.sweeper().Plan(ctx, acct, t.e.Name, t.e.Region); err != nil {
					return err
				}
				t.res.Sweep = s
			}
			total, done := len(s.Items), 0
			rep, err := t.sweeper().Execute(ctx, acct, s, func(it sweep.Item) {
				done++
				r.Logf("%s %s", it.Type, it.Explain())
				r.Progress(float64(done)/float64(max(total, 1)), it.Label()+" "+string(it.Outcome))
			})
			if rep != nil {
				t.res.Swept = rep
			}
			if err != nil {
				return err
			}
			r.Say(fmt.Sprintf("%d removed, %d remain, %d skipped", len(rep.Removed), len(rep.Remaining), len(rep.Skipped)))
			return nil
		},
	}
}

func (t *teardown) reportStep() StepDef {
	return StepDef{
		Name:     StepReport,
		Describe: func(context.Context, *Run) string { return "reporting what was removed and what remains" },
		Action: func(ctx context.Context, r *Run) error {
			rep := t.res.Swept
			if rep == nil {
				return fmt.Errorf("teardown %s: no sweep to report", t.e.Name)
			}
			for _, it := range rep.Removed {
				r.Logf("removed %s %s", it.Type, it.Explain())
			}
			for _, it := range rep.Skipped {
				r.Logf("skipped %s %s", it.Type, it.Explain())
			}
			var remain []string
			for _, it := range rep.Remaining {
				r.Logf("remains %s %s", it.Type, it.Explain())
				remain = append(remain, it.Explain())
			}
			if len(remain) > 0 {
				slices.Sort(remain)
				return fmt.Errorf("teardown %s: %w: %d resource(s) still tagged %s=%s: %s; remove what holds them and run envbench teardown %s again",
					t.e.Name, ErrLeftovers, len(remain), sweep.TagKey, t.e.Name, strings.Join(remain, "; "), t.e.Name)
			}
			r.Say(fmt.Sprintf("%s is gone: %d swept, nothing tagged %s=%s remains", t.e.Name, len(rep.Removed), sweep.TagKey, t.e.Name))
			return nil
		},
	}
}
