package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
)

// The steps a clone adds to the plan's and the apply's.
const (
	StepValidate Step = "validate"
	StepGate     Step = "review-gate"
	StepOutputs  Step = "outputs"
)

// OutputKeyPrefix starts the run outputs under which a clone journals the
// environment's Terraform outputs ("output.db_endpoint"); a sensitive one is
// journaled as a reference to the outputs file, never its value.
const OutputKeyPrefix = "output."

// CloneOptions are a clone's choices besides Options.
type CloneOptions struct {
	Options
	// AutoApprove applies a plan whose review finds no high risk without
	// asking. A high-risk plan, or any plan of a protected environment, is
	// applied only with Confirm set to the environment's name.
	AutoApprove bool
	Confirm     string
	// Ask, when set, is asked at the review gate when AutoApprove and
	// Confirm do not approve the plan already; the name it returns is
	// journaled with the gate, so that the apply and a resumed run have it.
	Ask Approver
}

// CloneResult is what a clone did: its plan run's result (the review), its
// apply's, and the outputs it recorded.
type CloneResult struct {
	RunID       string
	Env         string
	Plan        *PlanResult
	Apply       *ApplyResult
	Outputs     envs.Outputs
	OutputsFile string
}

// Clone brings an environment up to its configuration in one run on the
// engine: validate, the archetype's pre-deploy hooks, render, init, plan,
// the review gate (AutoApprove, or the name typed for high risk and
// protected environments), apply of exactly the reviewed plan, the outputs
// recorded in envs.OutputsPath (before the post-deploy hooks, which read
// them), and the post-deploy hooks. A failure returns the result so far
// with the error; the run's journal says where it stopped.
func Clone(ctx context.Context, c *envs.Catalog, name string, opts CloneOptions, sink func(Event)) (*CloneResult, error) {
	e, err := env(c, name)
	if err != nil {
		return nil, err
	}
	id, res, a, err := newCloneRun(c, e, opts)
	if err != nil {
		return nil, err
	}
	a.reviewed = res.Plan
	defer a.cleanup()
	_, err = NewEngine(c, opts.Options, sink).Run(ctx, clonePipeline(c, e, res, a, opts), id)
	return res, err
}

// newCloneRun makes a new clone run's id (opts.RunID, else a new one), its
// plan file's directories, its result and its apply run.
func newCloneRun(c *envs.Catalog, e *envs.Environment, opts CloneOptions) (string, *CloneResult, *applyRun, error) {
	id := opts.RunID
	if id == "" {
		id = NewRunID(opts.now())
	}
	planFile := DefaultPlanFile(c.Root, e.Name, id)
	if err := preparePlanDirs(c.Root, e.Name, planFile); err != nil {
		return "", nil, nil, err
	}
	res := &CloneResult{RunID: id, Env: e.Name, OutputsFile: envs.OutputsPath(c.Root, e.Name),
		Plan: &PlanResult{RunID: id, Env: e.Name, Protected: e.Protected, PlanFile: planFile}}
	a := newApplyRun(c, e, planFile, opts.Confirm, opts.Options)
	a.res.RunID = id
	res.Apply = a.res
	return id, res, a, nil
}

// clonePipeline is a clone's steps, in the order Clone documents.
func clonePipeline(c *envs.Catalog, e *envs.Environment, res *CloneResult, a *applyRun, opts CloneOptions) Pipeline {
	name := e.Name
	p := newPlanRun(c, e, res.Plan, opts.Options)
	plan := p.pipeline()
	steps := []StepDef{{Name: StepValidate, Describe: func(context.Context, *Run) string { return "validating " + name },
		Action: func(_ context.Context, r *Run) error {
			if err := validated(e); err != nil {
				return err
			}
			r.Say("valid")
			return nil
		}}}
	steps = append(steps, HookSteps(c, e, config.PreDeploy)...)
	steps = append(steps, plan.Steps...)
	steps = append(steps, StepDef{Name: StepGate, Describe: func(context.Context, *Run) string { return "deciding whether the plan may be applied" },
		Action: func(ctx context.Context, r *Run) error {
			if res.Plan.Plan == nil && opts.Ask != nil {
				// Resumed: an earlier process reviewed the plan. Review
				// it again, so that the person sees what they approve
				// and a low-risk plan needs no more than a yes.
				if err := p.assess(ctx, r); err != nil {
					return err
				}
			}
			return gate(ctx, r, res.Plan, a, opts)
		}})
	// The apply's Terraform is the plan's when this process planned: one
	// provider server for the whole run.
	verify := a.pipeline().Steps[0]
	verifyAction := verify.Action
	verify.Action = func(ctx context.Context, r *Run) error {
		if a.run == nil && p.tfRun != nil {
			a.run = p.tfRun
		}
		return verifyAction(ctx, r)
	}
	steps = append(steps, verify, cloneApplyStep(a))
	steps = append(steps, StepDef{Name: StepOutputs, Describe: func(context.Context, *Run) string { return "recording outputs" },
		Action: func(ctx context.Context, r *Run) error { return recordOutputs(ctx, r, a, res) }})
	steps = append(steps, HookSteps(c, e, config.PostDeploy)...)
	return Pipeline{Kind: "clone", Env: name,
		Args:  map[string]string{outPlanFile: res.Plan.PlanFile, outConfirm: opts.Confirm, "auto-approve": fmt.Sprint(opts.AutoApprove)},
		Steps: steps}
}

// validated refuses an environment whose files have errors, naming the
// first ones at their positions.
func validated(e *envs.Environment) error {
	if len(e.Diags) == 0 {
		return nil
	}
	lines := make([]string, 0, len(e.Diags))
	for _, d := range e.Diags {
		lines = append(lines, d.String())
	}
	return fmt.Errorf("%s does not validate (envbench validate says the same):\n  %s", e.Name, strings.Join(lines, "\n  "))
}

// gate lets the reviewed plan through: with the name typed when the review
// needs it, else with AutoApprove or the name; when those do not approve
// it and opts.Ask is set, with what Ask answers. A name typed at the gate
// is journaled as the run's confirmation (outConfirm) and given to the
// apply.
func gate(ctx context.Context, r *Run, p *PlanResult, a *applyRun, opts CloneOptions) error {
	name := p.Env
	// A resumed run whose review an earlier process made does not know
	// the risk: only the name approves it (the apply reviews again).
	needsName := p.NeedsConfirmation() || p.Plan == nil
	approved := opts.Confirm == name || !needsName && opts.AutoApprove
	if opts.Confirm == name && r.Get(outConfirm) != name {
		// Journaled as a name typed at the gate is: a confirmation given
		// only to envbench resume is then found by a later resume's apply.
		r.Set(outConfirm, name)
	}
	if !approved && opts.Ask != nil {
		typed, err := approve(ctx, opts.Ask, Approval{Env: name, Pipeline: "clone", RunID: r.ID(),
			Plan: p.Plan, Findings: p.Findings, NeedsName: needsName})
		if err != nil {
			return err
		}
		if typed != "" {
			a.confirm = typed
			r.Set(outConfirm, typed)
		}
		r.Say("approved in the TUI")
		return nil
	}
	if p.NeedsConfirmation() {
		if opts.Confirm != name {
			why := "the review found high risk"
			if !p.HighRisk {
				why = "it is protected"
			}
			return fmt.Errorf("%w: %s; --auto-approve is not enough: confirm with --confirm %s", ErrConfirmationNeeded, why, name)
		}
		r.Say("high-risk plan confirmed by name")
		return nil
	}
	if !opts.AutoApprove && opts.Confirm != name {
		return fmt.Errorf("%w: give --auto-approve or --confirm %s to apply the reviewed plan", ErrConfirmationNeeded, name)
	}
	r.Say("approved")
	return nil
}

// recordOutputs writes the environment's Terraform outputs to its outputs
// file and journals them, the sensitive ones as references.
func recordOutputs(ctx context.Context, r *Run, a *applyRun, res *CloneResult) error {
	if a.run == nil {
		// Output reads the state only: no provider to serve.
		run, err := newTerraform(ctx, a.c, envs.WorkDir(a.c.Root, a.e.Name), r.ID(), a.opts, nil)
		if err != nil {
			return err
		}
		a.run = run
	}
	data, err := a.run.Output(ctx)
	if err != nil {
		return err
	}
	outs, err := envs.DecodeOutputs(data, "terraform output -json")
	if err != nil {
		return err
	}
	if err := envs.WriteOutputs(res.OutputsFile, outs); err != nil {
		return err
	}
	res.Outputs = outs
	for key, v := range outs.ForJournal(res.OutputsFile) {
		if strings.HasPrefix(v, envs.OutputRefPrefix) {
			r.SetSecretRef(OutputKeyPrefix+key, v)
			continue
		}
		r.Set(OutputKeyPrefix+key, v)
	}
	r.Say(fmt.Sprintf("%d output(s) in %s", len(outs), res.OutputsFile))
	return nil
}

// NeedsApproval says whether err is a run that stopped at its gate for
// want of approval (--auto-approve, or the environment's name).
func NeedsApproval(err error) bool { return errors.Is(err, ErrConfirmationNeeded) }
