package plan

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/screen"
)

// This file starts the screen's runs and takes in what they report.

// loadCatalog returns a function, to run inside a command, that loads the
// workspace from disk as it is now; without a workspace (tests) it returns
// the catalog the screen has.
func (s *Screen) loadCatalog() func() (*envs.Catalog, error) {
	c, now := s.ctx.Catalog, s.ctx.Now()
	return func() (*envs.Catalog, error) {
		if c == nil || c.Root == "" {
			return c, nil
		}
		fresh, err := envs.Open(c.Root, now)
		if err != nil {
			return nil, fmt.Errorf("reload the workspace %s from disk: %w", c.Root, err)
		}
		return fresh, nil
	}
}

// startPlan begins a plan run: the run in one command, its events in
// another that waits for them.
func (s *Screen) startPlan() tea.Cmd {
	s.reset()
	s.runID = pipeline.NewRunID(s.ctx.Now())
	s.phase, s.step, s.started = phasePlanning, "starting", s.ctx.Now()
	ctx, cancel, done := s.ctx.StartRun()
	s.cancel = cancel
	st := newStream(s.runID)
	s.stream = st
	runner, load, env, id := s.ctx.Runner, s.loadCatalog(), s.env, s.runID
	run := func() tea.Msg {
		defer done()
		defer cancel()
		catalog, err := load()
		if err != nil {
			st.finish(PlanDoneMsg{RunID: id, Err: err})
			return nil
		}
		res, err := runner.Plan(ctx, catalog, env, id, st.push)
		st.finish(PlanDoneMsg{RunID: id, Result: res, Err: err, Catalog: catalog})
		return nil
	}
	return tea.Batch(run, st.next(), s.tick())
}

// events applies a batch of the run's events.
func (s *Screen) events(events []pipeline.Event) {
	changed := false
	for _, e := range events {
		switch e.Kind {
		case pipeline.StepStarted:
			s.step = e.Message
			if e.Step == pipeline.StepInit {
				s.terraform = e.Terraform
			}
		case pipeline.StepFailed:
			s.step = string(e.Step) + " failed"
		case pipeline.Terraform:
			changed = s.terraformEvent(e) || changed
		}
	}
	if changed && s.result == nil {
		items := make([]item, 0, len(s.streamed))
		for _, it := range s.streamed {
			items = append(items, it)
		}
		s.list.setRows(groupRows(items))
	}
}

// terraformEvent applies one Terraform event; it reports whether the list of
// streamed changes changed.
func (s *Screen) terraformEvent(pe pipeline.Event) bool {
	e := pe.TF
	switch e.Type {
	case tf.EventRefreshComplete:
		s.refreshed++
	case tf.EventDiagnostic:
		if e.Diagnostic != nil && e.Diagnostic.Severity == "warning" {
			s.warnings = append(s.warnings, *e.Diagnostic)
		}
	case tf.EventPlannedChange:
		if pe.Step == pipeline.StepPlan {
			s.streamed[e.Resource] = item{action: envs.StreamedAction(e.Action), address: e.Resource}
			return true
		}
	case tf.EventApplyStart, tf.EventApplyProgress, tf.EventApplyComplete, tf.EventApplyErrored:
		if s.progress != nil {
			s.progress.event(e, s.ctx.Now())
		}
	}
	return false
}

// planDone shows the reviewed plan, or the error.
func (s *Screen) planDone(msg PlanDoneMsg) {
	s.cancel = nil
	s.setTarget(msg.Catalog)
	if msg.Err != nil {
		s.phase, s.err = phasePlanFailed, msg.Err
		s.showText(s.failureTitle("Plan"), errorLines(msg.Err))
		return
	}
	res := msg.Result
	s.phase, s.result, s.protected = phaseReviewed, res, res.Protected
	s.terraform = res.Terraform
	if res.Report == nil && res.Plan != nil {
		// Results made outside the pipeline (tests, tools) carry no report:
		// make the one the pipeline would, with the default secret names.
		res.Report, _ = envs.NewReport(res.Plan, res.Findings, res.Env, envs.DiffOptions{})
	}
	s.list.setRows(groupRows(reviewedItems(res.Plan, res.Report, res.Findings)))
}

// startApply applies the reviewed plan, with the workspace as it is on
// disk: pipeline.Apply refuses the plan if the configuration changed since.
func (s *Screen) startApply(confirm string) tea.Cmd {
	s.runID = pipeline.NewRunID(s.ctx.Now())
	s.phase, s.step, s.cancelling, s.err = phaseApplying, "starting apply", false, nil
	s.progress = newProgress(s.ctx.Now())
	ctx, cancel, done := s.ctx.StartRun()
	s.cancel = cancel
	st := newStream(s.runID)
	s.stream = st
	runner, load, env, id, plan := s.ctx.Runner, s.loadCatalog(), s.env, s.runID, s.result
	run := func() tea.Msg {
		defer done()
		defer cancel()
		catalog, err := load()
		if err != nil {
			st.finish(ApplyDoneMsg{RunID: id, Err: err})
			return nil
		}
		res, err := runner.Apply(ctx, catalog, env, plan, confirm, id, st.push)
		st.finish(ApplyDoneMsg{RunID: id, Result: res, Err: err})
		return nil
	}
	return tea.Batch(run, st.next(), s.tick())
}

// applyDone shows the apply's outcome and reloads the workspace so the
// environments screen shows the new status.
func (s *Screen) applyDone(msg ApplyDoneMsg) tea.Cmd {
	s.cancel = nil
	s.applied = msg.Result
	if msg.Err != nil {
		s.phase, s.err = phaseApplyFailed, msg.Err
		s.showText(s.failureTitle("Apply"), errorLines(msg.Err))
	} else {
		s.phase = phaseApplied
	}
	return func() tea.Msg { return screen.ReloadMsg{Select: s.env} }
}
