package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/sweep"
	"github.com/envbench/envbench/envs/tf"
)

// cloneApplyStep is the clone's apply: the reviewed plan, applied, when
// this process verified it; on a retry or in a resumed run, where part of
// the plan may be applied already, Terraform plans again and the new plan
// is applied only if its changes are a subset of the reviewed one's
// (envs.PlanSubset); otherwise the run stops with a *NeedsReviewError that
// names what is new. Its probe: the reviewed plan file is gone once an
// apply of it, or of its subset, finished.
func cloneApplyStep(a *applyRun) StepDef {
	return StepDef{Name: StepApply,
		Describe: func(context.Context, *Run) string { return "terraform apply " + filepath.Base(a.planFile) },
		Probe: func(context.Context, *Run) (bool, error) {
			_, err := os.Stat(a.planFile)
			if errors.Is(err, os.ErrNotExist) {
				return true, nil
			}
			return false, err
		},
		Action: func(ctx context.Context, r *Run) error {
			if a.verified && r.Attempt() == 1 {
				return a.apply(ctx, r)
			}
			return reapply(ctx, r, a)
		},
	}
}

// reapply plans again and applies the new plan if the reviewed plan covers
// it.
func reapply(ctx context.Context, r *Run, a *applyRun) error {
	if a.run == nil {
		run, err := newTerraform(ctx, a.c, envs.WorkDir(a.c.Root, a.e.Name), r.ID(), a.opts, r)
		if err != nil {
			return err
		}
		a.run = run
	}
	run := a.run
	r.SetTerraform(terraformName(run))
	// Another process may run now, with another envbench binary as the
	// simulated provider: init again if what it reads changed.
	if err := run.Init(ctx, a.src.terraformSink(r)); err != nil {
		return a.src.sourced(err)
	}
	approved, err := showPlan(ctx, run, a.planFile)
	if err != nil {
		return fmt.Errorf("read the reviewed plan: %w", err)
	}
	if err := removeStrays(ctx, r, a); err != nil {
		return err
	}
	fresh := a.planFile + ".retry" + strconv.Itoa(r.Attempt())
	defer os.Remove(fresh)
	if _, err := run.Plan(ctx, fresh, a.src.terraformSink(r)); err != nil {
		return a.src.sourced(err)
	}
	again, err := showPlan(ctx, run, fresh)
	if err != nil {
		return err
	}
	extra, err := envs.PlanSubset(approved, again)
	if err != nil {
		return err
	}
	if len(extra) > 0 {
		return &NeedsReviewError{Env: a.e.Name, Extra: extra}
	}
	r.Logf("planned again: %s, within the reviewed plan", again.Summary())
	a.applying = true
	return a.applyFile(ctx, r, run, run.Dir(), fresh)
}

// removeStrays deletes what this run's session created that the state does
// not name: a Terraform killed between a create call and its state write
// leaves such resources, and planning again would try to create them a
// second time. Each one deleted is logged.
func removeStrays(ctx context.Context, r *Run, a *applyRun) error {
	acct, closer, err := envAccount(ctx, a.c, a.e, r.ID(), nil)
	if closer != nil {
		defer closer()
	}
	if err != nil {
		return err
	}
	known := stateIdentities(envs.WorkDir(a.c.Root, a.e.Name))
	sw := sweep.Sweeper{}
	strays, err := sw.Strays(ctx, acct, a.e.Name, a.e.Region, SessionName(r.ID()), func(it sweep.Item) bool {
		return known[it.ARN] || known[it.ID]
	})
	if err != nil {
		return fmt.Errorf("look for what the interrupted apply made: %w", err)
	}
	if len(strays.Items) == 0 {
		return nil
	}
	report, err := sw.Execute(ctx, acct, strays, func(it sweep.Item) {
		r.Logf("stray of the interrupted apply: %s %s: %s", it.Type, it.Label(), it.Outcome)
	})
	if err != nil {
		return err
	}
	if !report.Clean() {
		return fmt.Errorf("%d resource(s) made by the interrupted apply would not delete: %s", len(report.Remaining), report.Remaining[0].Explain())
	}
	return nil
}

// showPlan reads a saved plan file back.
func showPlan(ctx context.Context, run *tf.Runner, planFile string) (*envs.Plan, error) {
	data, err := run.Show(ctx, planFile)
	if err != nil {
		return nil, err
	}
	p, err := envs.DecodePlan(data)
	if err != nil {
		return nil, fmt.Errorf("terraform show -json %s: %w", filepath.Base(planFile), err)
	}
	return p, nil
}

// ResumeClone goes on with an interrupted or failed clone run from its
// journal: finished steps are skipped, the step in flight is probed, and an
// apply cut short is finished by a new plan within the reviewed one (see
// cloneApplyStep). The approval given to the run holds: the gate is passed
// again with the run's own --auto-approve and --confirm.
func ResumeClone(ctx context.Context, c *envs.Catalog, name, runID string, opts Options, sink func(Event)) (*CloneResult, error) {
	return resumeClone(ctx, c, name, runID, opts, ResumeApproval{}, sink)
}

// resumeClone is ResumeClone with ap for a gate that did not pass.
func resumeClone(ctx context.Context, c *envs.Catalog, name, runID string, opts Options, ap ResumeApproval, sink func(Event)) (*CloneResult, error) {
	e, err := env(c, name)
	if err != nil {
		return nil, err
	}
	var res *CloneResult
	var a *applyRun
	defer func() {
		if a != nil {
			a.cleanup()
		}
	}()
	_, err = NewEngine(c, opts, sink).Resume(ctx, name, runID, func(s RunSummary) (Pipeline, error) {
		if s.Pipeline != "clone" {
			return Pipeline{}, fmt.Errorf("run %s is a %s run, not a clone", s.RunID, s.Pipeline)
		}
		planFile := s.Args[outPlanFile]
		if planFile == "" {
			return Pipeline{}, fmt.Errorf("clone run %s: its journal has no %s argument", s.RunID, outPlanFile)
		}
		co := CloneOptions{Options: opts, Confirm: s.Args[outConfirm], AutoApprove: s.Args["auto-approve"] == "true" || ap.AutoApprove, Ask: ap.Ask}
		if co.Confirm == "" {
			co.Confirm = ap.Confirm
		}
		res = &CloneResult{RunID: s.RunID, Env: name, OutputsFile: envs.OutputsPath(c.Root, name),
			Plan: &PlanResult{RunID: s.RunID, Env: name, Protected: e.Protected, PlanFile: planFile}}
		a = newApplyRun(c, e, planFile, co.Confirm, opts)
		a.res.RunID = s.RunID
		res.Apply = a.res
		return clonePipeline(c, e, res, a, co), nil
	})
	return res, err
}
