package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

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

	// What the apply did, from Terraform's events: each resource in the
	// order it first started, and where its last event left it (a
	// replace's create that started after its delete completed is
	// unfinished, not completed).
	applying bool
	started  []string
	last     map[string]tf.EventType

	// shown is the tenth of a step's progress last printed, by step and
	// lane: progress prints when it passes the next tenth.
	shown map[string]int
}

func newProgress(s *session) *progress {
	return &progress{w: s.stderr, interrupts: s.interrupts}
}

// terraformSteps are the steps that run Terraform. The version check
// between render and init runs Terraform too. A with run's command is one
// as well: an interrupt waits for it to exit (its process group is killed
// when the run is cancelled) rather than leaving it running.
var terraformSteps = map[pipeline.Step]bool{
	pipeline.StepInit: true, pipeline.StepPlan: true, pipeline.StepShow: true,
	pipeline.StepVerify: true, pipeline.StepApply: true,
	pipeline.StepDestroyPlan: true, pipeline.StepDestroy: true,
	pipeline.StepTeardownInit: true, pipeline.StepCommand: true,
}

// loggedSteps are the steps whose log lines are printed: what the sweep
// lists, does and reports, one line per resource.
var loggedSteps = map[pipeline.Step]bool{pipeline.StepSweepPlan: true, pipeline.StepSweep: true, pipeline.StepReport: true}

// event is the run's sink. The run's own events (started, finished) and
// the log lines of other steps are not printed; progress is, by tenths.
func (p *progress) event(e pipeline.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e.Kind {
	case pipeline.StepStarted:
		p.setTerraform(terraformSteps[e.Step])
		p.applying = p.applying || e.Step == pipeline.StepApply
		if e.Step == pipeline.StepLock {
			fmt.Fprintf(p.w, "run %s on %s\n", e.RunID, e.Env)
		}
	case pipeline.StepFinished:
		p.setTerraform(e.Step == pipeline.StepRender || e.Step == pipeline.StepTeardownRender)
		fmt.Fprintf(p.w, "  %-7s %s\n", e.Step, e.Message)
	case pipeline.StepFailed:
		p.setTerraform(false)
		fmt.Fprintf(p.w, "  %-7s failed\n", stepName(e))
	case pipeline.AttemptFailed:
		fmt.Fprintf(p.w, "  %-7s attempt %d/%d failed: %s; retrying in %s\n", stepName(e), e.Attempt, e.Attempts, e.Message, e.Wait.Round(100*time.Millisecond))
	case pipeline.StepSkipped:
		fmt.Fprintf(p.w, "  %-7s skipped: %s\n", stepName(e), e.Message)
	case pipeline.Progress:
		p.printProgress(e)
	case pipeline.Log:
		if loggedSteps[e.Step] {
			fmt.Fprintf(p.w, "  %-7s %s\n", stepName(e), e.Message)
		}
	case pipeline.Terraform:
		p.printTerraform(e.Step, e.TF)
	}
}

// printProgress prints a step's progress each time it passes a tenth, and
// when it is done: periodic, not one line per event of a long step.
func (p *progress) printProgress(e pipeline.Event) {
	key := string(e.Step) + "/" + e.Lane
	tenth := int(e.Fraction * 10)
	if p.shown == nil {
		p.shown = map[string]int{}
	}
	if last, ok := p.shown[key]; ok && tenth <= last && e.Fraction < 1 {
		return
	}
	p.shown[key] = tenth
	fmt.Fprintf(p.w, "  %-7s %3.0f%% %s\n", stepName(e), 100*e.Fraction, e.Message)
}

// stepName is a step, or a step's lane as step/lane.
func stepName(e pipeline.Event) string {
	if e.Lane != "" {
		return string(e.Step) + "/" + e.Lane
	}
	return string(e.Step)
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
		if step == pipeline.StepPlan || step == pipeline.StepDestroyPlan {
			fmt.Fprintf(p.w, "  %-7s %s %s\n", step, actionSymbol(e.Action), e.Resource)
		}
	case tf.EventApplyStart:
		p.record(e)
		fmt.Fprintf(p.w, "  %-7s %s %s…\n", applyLabel(step), actionSymbol(e.Action), e.Resource)
	case tf.EventApplyProgress:
		fmt.Fprintf(p.w, "  %-7s   %s still %s after %s\n", applyLabel(step), e.Resource, e.Action, e.Elapsed)
	case tf.EventApplyComplete:
		p.record(e)
		fmt.Fprintf(p.w, "  %-7s ✓ %s (%s)\n", applyLabel(step), e.Resource, e.Elapsed)
	case tf.EventApplyErrored:
		p.record(e)
		fmt.Fprintf(p.w, "  %-7s ✗ %s failed after %s\n", applyLabel(step), e.Resource, e.Elapsed)
	case tf.EventDiagnostic:
		if e.Diagnostic != nil && e.Diagnostic.Severity == "warning" {
			fmt.Fprintf(p.w, "%s\n", indent(e.Diagnostic.String(), "  "))
		}
	}
}

// applyLabel is the label of a resource's progress: apply, or destroy in
// a teardown.
func applyLabel(step pipeline.Step) string {
	if step == pipeline.StepDestroy {
		return "destroy"
	}
	return "apply"
}

// done ends the run: Terraform no longer runs.
func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setTerraform(false)
}

// record notes where an apply event leaves its resource.
func (p *progress) record(e *tf.Event) {
	if p.last == nil {
		p.last = map[string]tf.EventType{}
	}
	if _, seen := p.last[e.Resource]; !seen {
		p.started = append(p.started, e.Resource)
	}
	p.last[e.Resource] = e.Type
}

// interrupted says what an interrupted apply of env leaves behind: the
// resources Terraform completed, those it had started and not finished,
// and that a new plan is needed. It says nothing when the apply never
// started, as nothing was changed then.
func (p *progress) interrupted(env string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.applying {
		return
	}
	var completed, unfinished, failed []string
	for _, r := range p.started {
		switch p.last[r] {
		case tf.EventApplyComplete:
			completed = append(completed, r)
		case tf.EventApplyErrored:
			failed = append(failed, r)
		default:
			unfinished = append(unfinished, r)
		}
	}
	fmt.Fprintf(p.w, "\napply interrupted\n")
	list := func(head string, addresses []string) {
		if len(addresses) == 0 {
			return
		}
		fmt.Fprintf(p.w, "  %s (%d):\n", head, len(addresses))
		for _, a := range addresses {
			fmt.Fprintf(p.w, "    %s\n", a)
		}
	}
	list("completed", completed)
	list("started, not finished", unfinished)
	list("failed", failed)
	fmt.Fprintf(p.w, "the environment may be partly changed; run `envbench plan %s` for a new plan\n", env)
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
