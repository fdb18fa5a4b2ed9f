package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
	"github.com/envbench/envbench/pipeline"
)

// progress prints a run's events to stderr as they come: steps, planned
// changes, and per-resource apply progress with elapsed times. It is the
// one printer of the commands that run Terraform, and it tells the
// interrupt handler while Terraform may be running.
type progress struct {
	mu         sync.Mutex
	w          io.Writer
	interrupts *Interrupts
	terraform  bool // a step that runs Terraform is under way
}

func newProgress(s *session) *progress {
	return &progress{w: s.stderr, interrupts: s.interrupts}
}

// terraformSteps are the steps that run Terraform. The version check
// between render and init runs Terraform too.
var terraformSteps = map[pipeline.Step]bool{
	pipeline.StepInit: true, pipeline.StepPlan: true, pipeline.StepShow: true,
	pipeline.StepVerify: true, pipeline.StepApply: true,
}

// event is the run's sink.
func (p *progress) event(e pipeline.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e.Kind {
	case pipeline.StepStarted:
		p.setTerraform(terraformSteps[e.Step])
		if e.Step == pipeline.StepLock {
			fmt.Fprintf(p.w, "run %s on %s\n", e.RunID, e.Env)
		}
	case pipeline.StepFinished:
		p.setTerraform(e.Step == pipeline.StepRender)
		fmt.Fprintf(p.w, "  %-7s %s\n", e.Step, e.Message)
	case pipeline.StepFailed:
		p.setTerraform(false)
		fmt.Fprintf(p.w, "  %-7s failed\n", e.Step)
	case pipeline.Terraform:
		p.printTerraform(e.Step, e.TF)
	}
}

func (p *progress) setTerraform(running bool) {
	if p.terraform != running {
		p.terraform = running
		p.interrupts.terraformMayRun(running)
	}
}

func (p *progress) printTerraform(step pipeline.Step, e *tf.Event) {
	switch e.Type {
	case tf.EventPlannedChange:
		if step == pipeline.StepPlan {
			fmt.Fprintf(p.w, "  %-7s %s %s\n", "plan", actionSymbol(e.Action), e.Resource)
		}
	case tf.EventApplyStart:
		fmt.Fprintf(p.w, "  %-7s %s %s…\n", "apply", actionSymbol(e.Action), e.Resource)
	case tf.EventApplyProgress:
		fmt.Fprintf(p.w, "  %-7s   %s still %s after %s\n", "apply", e.Resource, e.Action, e.Elapsed)
	case tf.EventApplyComplete:
		fmt.Fprintf(p.w, "  %-7s ✓ %s (%s)\n", "apply", e.Resource, e.Elapsed)
	case tf.EventApplyErrored:
		fmt.Fprintf(p.w, "  %-7s ✗ %s failed after %s\n", "apply", e.Resource, e.Elapsed)
	case tf.EventDiagnostic:
		if e.Diagnostic != nil && e.Diagnostic.Severity == "warning" {
			fmt.Fprintf(p.w, "%s\n", indent(e.Diagnostic.String(), "  "))
		}
	}
}

// done ends the run: Terraform no longer runs.
func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setTerraform(false)
}

// actionSymbol is the marker of an action as Terraform's streamed events
// name it; the review's own symbols, blank for what it has none for.
func actionSymbol(action string) string {
	switch a := envs.Action(action); a {
	case envs.ActionCreate, envs.ActionUpdate, envs.ActionDelete, envs.ActionReplace,
		envs.ActionRead, envs.ActionMove, envs.ActionImport:
		return a.Symbol()
	}
	return " "
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
