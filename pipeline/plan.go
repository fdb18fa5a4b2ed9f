package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/fake"
	"github.com/envbench/envbench/envs/simprovider"
	"github.com/envbench/envbench/envs/tf"
)

// Options configure a run.
type Options struct {
	// Now is the clock's time; nil means Clock's, else time.Now.
	Now func() time.Time
	// Binary overrides the terraform binary (else envbench.yaml's, else
	// terraform or tofu on PATH).
	Binary string
	// RunID names the run; empty makes a new one.
	RunID string
	// Journal keeps the run's events; nil: a LocalJournal in the workspace.
	Journal Journal
	// Locks keeps the environments' locks; nil: LocalLocks in the workspace.
	Locks Locker
	// Clock is the engine's clock; nil: the system clock.
	Clock Clock
	// Halt, when closed, stops the run after the step in flight, resumable
	// (Engine.Halt).
	Halt <-chan struct{}
	// ProviderBinary is the executable that serves the simulated aws
	// provider of a `cloud: simulated` workspace (the envbench binary);
	// empty: this process's own executable.
	ProviderBinary string
}

func (o Options) now() time.Time {
	switch {
	case o.Now != nil:
		return o.Now()
	case o.Clock != nil:
		return o.Clock.Now()
	}
	return time.Now()
}

// PlanResult is a reviewed plan.
type PlanResult struct {
	RunID      string
	Env        string
	Protected  bool
	PlanFile   string // the saved plan Terraform made
	Digest     string // sha256 of PlanFile when it was reviewed
	Plan       *envs.Plan
	Findings   []envs.Finding
	HighRisk   bool
	HasChanges bool
	Terraform  string // binary and version, e.g. "terraform 1.5.7"
	Version    string // Terraform's version alone, e.g. "1.5.7"
	// Interrupted is the record of an earlier apply that was cut short, if
	// any: the state may not match what was really created. The review then
	// holds a high-risk RuleInterruptedApply finding for each resource that
	// was being applied (or one for the environment when none was).
	Interrupted *tf.ApplyRecord
	// Report is the reviewed plan as the CLI prints it: attribute diffs
	// masked with the configured secret-name rules. The TUI draws from it.
	Report *envs.Report

	// shown is the digest of the bytes Plan was decoded from, when the show
	// step of this process read them: a private copy, so that Plan is
	// exactly the file of that digest.
	shown string
}

// NeedsConfirmation reports whether applying needs the environment's name
// typed: a high-risk plan, or any change to a protected environment.
func (r *PlanResult) NeedsConfirmation() bool { return r.HighRisk || r.Protected }

// ticket is written beside a saved plan so that apply can check it applies
// the plan that was reviewed, to the environment it was made for.
type ticket struct {
	RunID     string    `json:"run_id"`
	Env       string    `json:"env"`
	Digest    string    `json:"sha256"`
	Config    string    `json:"config_sha256"` // envs.Fingerprint when planned
	WorkDir   string    `json:"work_dir"`
	Created   time.Time `json:"created"`
	HighRisk  bool      `json:"high_risk"`
	Protected bool      `json:"protected"`
	Summary   string    `json:"summary"`
}

func ticketPath(planFile string) string { return planFile + ".envbench.json" }

// latestPath records the run id of an environment's newest reviewed plan:
// only that plan may be applied.
func latestPath(root, env string) string {
	return filepath.Join(root, ".envbench", "plans", env, "latest")
}

// DefaultPlanFile is where a run's plan is saved unless told otherwise.
func DefaultPlanFile(root, env, runID string) string {
	return filepath.Join(root, ".envbench", "plans", env, runID+".tfplan")
}

// env looks the environment up and refuses one with problems.
func env(c *envs.Catalog, name string) (*envs.Environment, error) {
	e, err := c.Lookup(name)
	if err != nil {
		return nil, err
	}
	if !e.Valid() {
		return nil, fmt.Errorf("%s has problems; fix them first (envbench validate):\n%w", name, e.Diags)
	}
	return e, nil
}

// source maps the file names in Terraform's diagnostics to the files the
// user edits rather than the rendered copies.
type source func(string) string

// terraformSink forwards Terraform's events to the step in flight, with
// diagnostics pointing at the files the user edits.
func (src source) terraformSink(r *Run) func(tf.Event) {
	return func(e tf.Event) {
		if e.Diagnostic != nil {
			d := *e.Diagnostic
			d.Filename = src(d.Filename)
			e.Diagnostic = &d
		}
		r.Emit(Event{Kind: Terraform, TF: &e})
	}
}

// sourced maps the file names of a Terraform error's diagnostics.
func (src source) sourced(err error) error {
	var tfErr *tf.Error
	if !errors.As(err, &tfErr) {
		return err
	}
	for i := range tfErr.Diagnostics {
		tfErr.Diagnostics[i].Filename = src(tfErr.Diagnostics[i].Filename)
	}
	return err
}

// The outputs of a plan run's steps, read by the steps after them (and
// restored for them on resume).
const (
	outWorkDir     = "work_dir"     // render: the rendered work directory
	outConfig      = "config"       // render: envs.Fingerprint of the configuration
	outInitSkipped = "init_skipped" // init: "true" when init did not run
	outHasChanges  = "has_changes"  // plan: "true" or "false"
	outDigest      = "digest"       // show: sha256 of the saved plan
	outPlanFile    = "plan_file"    // the plan run's plan file (an argument)
	outConfirm     = "confirm"      // the apply run's confirmation (an argument)
)

// planRun is the state a plan run's steps share in one process. What a
// later step needs of an earlier one comes from the run's outputs, or is
// made again (the Terraform runner, the decoded plan), so that a resumed
// run has it too.
type planRun struct {
	c    *envs.Catalog
	e    *envs.Environment
	opts Options
	res  *PlanResult
	src  source

	tfRun *tf.Runner
	tfErr error
}

// terraform is the run's Terraform in the rendered work directory, made
// once.
func (p *planRun) terraform(ctx context.Context, r *Run) (*tf.Runner, error) {
	if p.tfRun == nil && p.tfErr == nil {
		p.tfRun, p.tfErr = newTerraform(ctx, p.c, envs.WorkDir(p.c.Root, p.e.Name), r.ID(), p.opts, r)
		if p.tfErr == nil {
			p.res.Terraform, p.res.Version = terraformName(p.tfRun), p.tfRun.Version()
			r.SetTerraform(p.res.Terraform)
		}
	}
	return p.tfRun, p.tfErr
}

// assess reads the saved plan back if this process has not (a run resumed
// after show, or after its review) and reviews it: the findings, whether
// they are high risk, and the report.
func (p *planRun) assess(ctx context.Context, r *Run) error {
	res := p.res
	if err := p.readPlan(ctx, r); err != nil {
		return err
	}
	res.Digest = r.Get(outDigest)
	res.HasChanges = r.Get(outHasChanges) == "true"
	var err error
	if res.Interrupted, err = tf.ReadApplyRecord(r.Get(outWorkDir)); err != nil {
		return err
	}
	rules := envs.RulesFor(p.c.Workspace, p.e.Environment)
	res.Findings = envs.Review(res.Plan, rules, envs.ReviewContextOf(p.e, p.c.Now))
	res.Findings = append(interruptedFindings(res.Interrupted), res.Findings...)
	slices.SortStableFunc(res.Findings, envs.CompareFindings)
	res.HighRisk = envs.HighRisk(res.Findings)
	if res.Report, err = envs.NewReport(res.Plan, res.Findings, p.e.Name, envs.DiffOptions{SecretNames: rules.SecretNames}); err != nil {
		return fmt.Errorf("build the plan's report: %w", err)
	}
	return nil
}

// readPlan reads the saved plan back, once.
func (p *planRun) readPlan(ctx context.Context, r *Run) error {
	if p.res.Plan != nil {
		return nil
	}
	run, err := p.terraform(ctx, r)
	if err != nil {
		return err
	}
	data, err := run.Show(ctx, p.res.PlanFile)
	if err != nil {
		return err
	}
	if p.res.Plan, err = envs.DecodePlan(data); err != nil {
		return fmt.Errorf("terraform show -json: %w", err)
	}
	return nil
}

// Plan runs a plan of an environment on the engine (NewEngine): it takes
// the environment's lock, renders, runs terraform init and plan (streaming
// Terraform's events to sink as they come), reads the saved plan back and
// reviews it. planFile may be empty for the default place.
func Plan(ctx context.Context, c *envs.Catalog, name, planFile string, opts Options, sink func(Event)) (*PlanResult, error) {
	e, err := env(c, name)
	if err != nil {
		return nil, err
	}
	id := opts.RunID
	if id == "" {
		id = NewRunID(opts.now())
	}
	// A plan file others could read is refused before anything runs.
	if planFile == "" {
		planFile = DefaultPlanFile(c.Root, name, id)
	}
	if planFile, err = filepath.Abs(planFile); err != nil {
		return nil, fmt.Errorf("plan file %s: %w", planFile, err)
	}
	if err := preparePlanDirs(c.Root, name, planFile); err != nil {
		return nil, err
	}
	res := &PlanResult{RunID: id, Env: name, Protected: e.Protected, PlanFile: planFile}
	if _, err := NewEngine(c, opts, sink).Run(ctx, planPipeline(c, e, res, opts), id); err != nil {
		return nil, err
	}
	return res, nil
}

// planPipeline is a plan run's steps: render, init, plan, show, review
// (after the engine's lock). Init and plan are safe to try again, and are
// retried on transient errors (Terraform's state lock held by another).
func planPipeline(c *envs.Catalog, e *envs.Environment, res *PlanResult, opts Options) Pipeline {
	return newPlanRun(c, e, res, opts).pipeline()
}

// newPlanRun is the state of a plan run's steps, for a pipeline of its
// own or within a clone's.
func newPlanRun(c *envs.Catalog, e *envs.Environment, res *PlanResult, opts Options) *planRun {
	return &planRun{c: c, e: e, opts: opts, res: res,
		src: func(f string) string { return envs.SourceFile(c.Workspace, e.Environment, f) }}
}

// pipeline is the plan run's steps (see planPipeline).
func (p *planRun) pipeline() Pipeline {
	res, name := p.res, p.e.Name
	return Pipeline{Kind: "plan", Env: name, Args: map[string]string{outPlanFile: res.PlanFile}, Steps: []StepDef{
		{Name: StepRender, Describe: func(context.Context, *Run) string { return "rendering " + name }, Action: p.render},
		{Name: StepInit, Describe: p.describeInit, Action: p.init, Retry: TransientRetry},
		{Name: StepPlan, Describe: func(context.Context, *Run) string { return "terraform plan" }, Action: p.plan, Retry: TransientRetry},
		{Name: StepShow, Describe: func(context.Context, *Run) string { return "reading the saved plan" }, Action: p.show},
		{Name: StepReview, Describe: func(context.Context, *Run) string { return "reviewing risks" }, Action: p.review},
	}}
}

func (p *planRun) render(ctx context.Context, r *Run) error {
	res, err := envs.Render(p.c.Workspace, p.e.Environment)
	if err != nil {
		return err
	}
	config, err := envs.Fingerprint(p.c.Workspace, p.e.Environment)
	if err != nil {
		return err
	}
	r.Set(outWorkDir, res.Dir)
	r.Set(outConfig, config)
	r.Say(fmt.Sprintf("%d file(s) written, %d unchanged", len(res.Written), len(res.Unchanged)))
	return nil
}

func (p *planRun) describeInit(ctx context.Context, r *Run) string {
	if _, err := p.terraform(ctx, r); err != nil {
		return "terraform init" // the step fails with the error
	}
	return "terraform init (" + p.res.Terraform + ")"
}

func (p *planRun) init(ctx context.Context, r *Run) error {
	run, err := p.terraform(ctx, r)
	if err != nil {
		return err
	}
	done, err := run.InitIfNeeded(ctx, p.src.terraformSink(r))
	if !done.Ran {
		r.Set(outInitSkipped, "true")
		r.Say("init " + done.Reason)
		return nil
	}
	r.Say(p.res.Terraform + " ready: " + done.Reason)
	return p.src.sourced(err)
}

func (p *planRun) plan(ctx context.Context, r *Run) error {
	run, err := p.terraform(ctx, r)
	if err != nil {
		return err
	}
	planFile := p.res.PlanFile
	created, err := createPrivate(planFile)
	if err != nil {
		return err
	}
	defer func() {
		if created {
			if info, err := os.Stat(planFile); err == nil && info.Size() == 0 {
				os.Remove(planFile) // Terraform failed before writing it
			}
		}
	}()
	sink := p.src.terraformSink(r)
	p.res.HasChanges, err = run.Plan(ctx, planFile, sink)
	if r.Get(outInitSkipped) == "true" && errors.Is(err, tf.ErrNeedsInit) {
		// The configuration needs an init that its fingerprint missed:
		// init after all, and plan again.
		run.ForgetInit()
		if err = run.Init(ctx, sink); err == nil {
			p.res.HasChanges, err = run.Plan(ctx, planFile, sink)
		}
	}
	if err == nil {
		// Terraform recreates the file with its own mode: owner-only again,
		// in a directory no one else can enter.
		err = os.Chmod(planFile, 0o600)
	}
	if err != nil {
		return p.src.sourced(err)
	}
	r.Set(outHasChanges, strconv.FormatBool(p.res.HasChanges))
	r.Say("saved " + planFile)
	return nil
}

func (p *planRun) show(ctx context.Context, r *Run) error {
	// Read what the plan step saved, even on a retry, from a private copy:
	// the plan read and its digest are of the same bytes.
	p.res.Plan, p.res.shown = nil, ""
	copied, err := privateCopy(p.res.PlanFile, r.ID()+"-show")
	if err != nil {
		return err
	}
	defer os.Remove(copied)
	digest, err := fileDigest(copied)
	if err != nil {
		return err
	}
	run, err := p.terraform(ctx, r)
	if err != nil {
		return err
	}
	data, err := run.Show(ctx, copied)
	if err != nil {
		return err
	}
	if p.res.Plan, err = envs.DecodePlan(data); err != nil {
		return fmt.Errorf("terraform show -json: %w", err)
	}
	p.res.Digest, p.res.shown = digest, digest
	r.Set(outDigest, digest)
	r.Say(p.res.Plan.Summary().String())
	return nil
}

func (p *planRun) review(ctx context.Context, r *Run) error {
	res, name := p.res, p.e.Name
	if err := p.assess(ctx, r); err != nil {
		return err
	}
	dir := r.Get(outWorkDir)
	t := ticket{RunID: r.ID(), Env: name, Digest: res.Digest, Config: r.Get(outConfig), WorkDir: dir, Created: p.opts.now().UTC(),
		HighRisk: res.HighRisk, Protected: p.e.Protected, Summary: res.Plan.Summary().String()}
	data, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	if err := envs.WriteFileAtomic(ticketPath(res.PlanFile), append(data, '\n'), 0o600); err != nil {
		return err
	}
	// This plan supersedes every earlier plan of the environment.
	if err := envs.WriteFileAtomic(latestPath(p.c.Root, name), []byte(r.ID()+"\n"), 0o600); err != nil {
		return err
	}
	pruneOldPlans(p.c.Root, name, res.PlanFile)
	r.Say(fmt.Sprintf("%d finding(s)", len(res.Findings)))
	return nil
}

// ErrNotPrivate is returned when a plan would be written where others can
// read it.
var ErrNotPrivate = errors.New("readable by others")

// preparePlanDirs makes the directories saved plans go to. Saved plans hold
// every planned value, secrets included: the environment's plan directory is
// for its owner only, however it was made before, and a plan file elsewhere
// (--out FILE) must not be a file that others can already read.
func preparePlanDirs(root, env, planFile string) error {
	if err := envs.PrivateStateDir(root); err != nil {
		return err
	}
	own := filepath.Dir(DefaultPlanFile(root, env, "x"))
	for _, dir := range []string{filepath.Dir(own), own} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("plan directory: %w", err)
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("plan directory %s: make it owner-only: %w", dir, err)
		}
	}
	if filepath.Dir(planFile) == own {
		return nil
	}
	// Terraform writes the plan with os.Create, which keeps the mode of an
	// existing file: createPrivate makes it 0600 before Terraform opens it,
	// so the file is private whatever its directory's mode.
	if info, err := os.Lstat(planFile); err == nil {
		if !info.Mode().IsRegular() {
			return fmt.Errorf("plan file %s: not a regular file (%s); choose another file", planFile, info.Mode().Type())
		}
		if info.Mode().Perm()&0o077 != 0 {
			return fmt.Errorf("plan file %s: %w: it has mode %04o, and a plan holds every planned value; make it owner-only (chmod 600 %s) or choose a new file", planFile, ErrNotPrivate, info.Mode().Perm(), planFile)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("plan file %s: %w", planFile, err)
	}
	return nil
}

// createPrivate makes sure a plan file exists owner-only before Terraform
// writes it, and reports whether it created it.
func createPrivate(planFile string) (bool, error) {
	_, statErr := os.Lstat(planFile)
	f, err := os.OpenFile(planFile, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return false, fmt.Errorf("plan file %s: %w", planFile, err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return false, fmt.Errorf("plan file %s: make it owner-only: %w", planFile, err)
	}
	return errors.Is(statErr, os.ErrNotExist), f.Close()
}

// pruneOldPlans removes the environment's earlier saved plans from its plan
// directory: superseded, they can no longer be applied, and they hold
// planned values.
func pruneOldPlans(root, env, keep string) {
	dir := filepath.Dir(DefaultPlanFile(root, env, "x"))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if p == keep || p == ticketPath(keep) || e.Name() == "latest" || e.IsDir() {
			continue
		}
		if strings.HasSuffix(e.Name(), ".tfplan") || strings.HasSuffix(e.Name(), ".tfplan.envbench.json") {
			_ = os.Remove(p)
		}
	}
}

// SessionName is the name of every AWS session a run opens: the
// sweep's, the S3 backend's (given at init) and the provider's (rendered
// from the run id variable), so that CloudTrail leads back to the run.
func SessionName(runID string) string { return "envbench-" + runID }

// newTerraform is the run's Terraform in dir; runID names its sessions
// (envs.RunIDVariable for the provider's, tf.Options.SessionName for the
// backend's). For a simulated workspace, given the run r, it starts one
// server of the simulated provider that the run's Terraform commands
// reattach to, stopped when the run ends (Run.AtEnd); without r,
// Terraform starts the provider from its mirror for each command, as for
// a user's terraform.
func newTerraform(ctx context.Context, c *envs.Catalog, dir, runID string, opts Options, r *Run) (*tf.Runner, error) {
	bin := opts.Binary
	if bin == "" {
		configured := c.Settings.TerraformBinary
		// A path in envbench.yaml is relative to the workspace, not to
		// wherever envbench runs from.
		if strings.ContainsRune(configured, filepath.Separator) && !filepath.IsAbs(configured) {
			configured = filepath.Join(c.Root, configured)
		}
		var err error
		if bin, err = tf.Find(configured); err != nil {
			return nil, err
		}
	}
	o := tf.Options{Binary: bin, PluginCacheDir: filepath.Join(c.Root, ".envbench", "plugin-cache"),
		Vars: map[string]string{envs.RunIDVariable: runID}, SessionName: SessionName(runID)}
	if c.Settings.Cloud == config.CloudSimulated {
		s, err := simulatedProvider(c.Root, dir, opts.ProviderBinary)
		if err != nil {
			return nil, err
		}
		o.Env = simulatedEnv(ctx, s.Env)
		// A cached copy of an older envbench binary would be taken for the
		// provider: the simulated provider comes from its mirror only.
		o.PluginCacheDir = ""
		if r != nil {
			return reattached(ctx, r, dir, o, s.Binary)
		}
	}
	return tf.New(ctx, dir, o)
}

// reattached is tf.New with the simulated provider served by binary for
// the run r (simprovider.Start), stopped when it ends; the server starts
// while Terraform says its version.
func reattached(ctx context.Context, r *Run, dir string, o tf.Options, binary string) (*tf.Runner, error) {
	type started struct {
		server *simprovider.Server
		err    error
	}
	ch := make(chan started, 1)
	go func() {
		server, err := simprovider.Start(ctx, binary, o.Env)
		ch <- started{server, err}
	}()
	run, err := tf.New(ctx, dir, o)
	st := <-ch
	if st.err != nil {
		return nil, st.err
	}
	r.AtEnd(func() {
		if err := st.server.Stop(); err != nil {
			r.Logf("%v", err)
		}
	})
	if err != nil {
		return nil, err
	}
	if err := run.Reattach(st.server.Reattach()); err != nil {
		return nil, err
	}
	return run, nil
}

// simulatedProvider points Terraform at the simulated aws provider that
// this binary serves (envs/simprovider): envbench's own CLI configuration
// and the simulation's database, and a lock entry of an older binary
// dropped so that init records this one.
func simulatedProvider(root, dir, exe string) (*simprovider.Setup, error) {
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("simulated aws provider: find the envbench binary: %w", err)
		}
	}
	// The simulation is seeded on first use, by whichever of the TUI, a
	// command or this run comes first: the provider then finds the roles
	// the environments assume.
	sim, err := fake.OpenWorkspace(context.Background(), root, filepath.Join(root, fake.WorkspaceSeed), fake.Options{})
	if err != nil {
		return nil, fmt.Errorf("simulated AWS: %w", err)
	}
	sim.Close()
	s, err := simprovider.Install(root, exe)
	if err != nil {
		return nil, err
	}
	if _, err := simprovider.RefreshLock(dir, s); err != nil {
		return nil, err
	}
	return s, nil
}

func terraformName(r *tf.Runner) string {
	return filepath.Base(r.Binary()) + " " + r.Version()
}

func fileDigest(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ErrConfirmationNeeded is returned by Apply when the plan is high risk or
// the environment protected and the environment's name was not given.
var ErrConfirmationNeeded = errors.New("confirmation needed")

// ErrWrongPlan is returned when a plan file is not the reviewed plan of the
// environment being applied.
var ErrWrongPlan = errors.New("not the reviewed plan of this environment")
