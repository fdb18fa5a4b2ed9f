package plan

import (
	"fmt"
	"strings"
)

// drain takes in, without waiting, what the run reported that the screen
// has not yet received: the events, then the outcome once the run ended.
// The root model calls it through Outcome once the program has stopped
// delivering messages.
func (s *Screen) drain() {
	st := s.stream
	if st == nil {
		return
	}
	events, final := st.take()
	if len(events) > 0 {
		s.events(events)
	}
	switch msg := final.(type) {
	case PlanDoneMsg:
		if msg.RunID == s.runID {
			s.planDone(msg)
		}
	case ApplyDoneMsg:
		if msg.RunID == s.runID {
			s.applyDone(msg)
		}
	}
}

// Outcome says, for the terminal once the TUI has closed, what became of an
// apply that did not complete: that it was interrupted (or failed), which
// resources finished, what state the environment is in, and that a new
// plan is needed. exitCode is 1 then; an applied plan, a plan, or nothing
// run give "" and 0. Call it once the program has ended and the runs have
// stopped: it first takes in what the run reported after the program
// stopped reading.
func (s *Screen) Outcome() (summary string, exitCode int) {
	s.drain()
	var what string
	switch {
	case s.phase == phaseApplying:
		what = fmt.Sprintf("the apply of %s was stopped before Terraform reported its end", s.env)
	case s.phase == phaseApplyFailed && s.interrupted():
		what = fmt.Sprintf("the apply of %s was interrupted", s.env)
	case s.phase == phaseApplyFailed:
		first, _, _ := strings.Cut(s.err.Error(), "\n")
		what = fmt.Sprintf("the apply of %s failed: %s", s.env, first)
	default:
		return "", 0
	}
	lines := []string{what + "."}
	var finished, failed, running, waiting []string
	total := 0
	if s.result != nil && s.result.Plan != nil {
		for _, c := range s.result.Plan.Changes {
			if !changesResources(c.Action) {
				continue
			}
			total++
			st := s.progress.status(c.Address)
			item := fmt.Sprintf("%s (%s)", c.Address, c.Action)
			switch {
			case st == nil:
				waiting = append(waiting, item)
			case st.state == stateDone:
				finished = append(finished, item)
			case st.state == stateFailed:
				failed = append(failed, item)
			default:
				running = append(running, item)
			}
		}
	}
	list := func(label string, items []string) {
		if len(items) > 0 {
			lines = append(lines, fmt.Sprintf("  %s: %s", label, strings.Join(items, ", ")))
		}
	}
	list("finished", finished)
	list("failed", failed)
	list("in progress when Terraform stopped", running)
	list("not started", waiting)
	switch {
	case len(finished) == 0 && len(failed) == 0 && len(running) == 0:
		lines = append(lines, fmt.Sprintf("%s is unchanged: no resource was changed.", s.env))
	default:
		state := fmt.Sprintf("%s is partly applied: %d of %d change(s) finished; Terraform's state records what finished.", s.env, len(finished), total)
		if len(failed)+len(running) > 0 {
			state += " A resource that was being created or replaced when Terraform stopped may be tainted: the next plan replaces it."
		}
		lines = append(lines, state)
	}
	lines = append(lines, fmt.Sprintf("The reviewed plan no longer matches the infrastructure: plan %s again and review it before applying (envbench plan %s).", s.env, s.env))
	return strings.Join(lines, "\n"), 1
}

// status is a resource's apply status; nil when Terraform did not start it.
func (p *progress) status(address string) *applyStatus {
	if p == nil {
		return nil
	}
	return p.statuses[address]
}
