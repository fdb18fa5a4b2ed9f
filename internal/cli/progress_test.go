package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/envs/tf"
	"github.com/envbench/envbench/pipeline"
)

// TestInterruptedSummaryFollowsEachResourcesLastEvent: a replace whose
// delete completed and whose create had started is unfinished, not
// completed; a failed resource is failed; empty lists are left out.
func TestInterruptedSummaryFollowsEachResourcesLastEvent(t *testing.T) {
	var out bytes.Buffer
	p := &progress{w: &out}
	ev := func(typ tf.EventType, action, addr string) {
		p.event(pipeline.Event{Kind: pipeline.Terraform, Step: pipeline.StepApply, TF: &tf.Event{Type: typ, Action: action, Resource: addr}})
	}
	p.event(pipeline.Event{Kind: pipeline.StepStarted, Step: pipeline.StepApply})
	ev(tf.EventApplyStart, "delete", "terraform_data.database")
	ev(tf.EventApplyComplete, "delete", "terraform_data.database")
	ev(tf.EventApplyStart, "create", "terraform_data.network")
	ev(tf.EventApplyErrored, "create", "terraform_data.network")
	ev(tf.EventApplyStart, "create", "terraform_data.database")
	p.interrupted("qa")
	got := out.String()
	for _, want := range []string{
		"  started, not finished (1):\n    terraform_data.database\n",
		"  failed (1):\n    terraform_data.network\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "completed (") {
		t.Errorf("nothing completed, yet the summary lists completed resources:\n%s", got)
	}
}

// TestRetriesAndSkipsArePrinted: a failed attempt says what failed and
// when the next comes; a step resumed as done says so; the run's own
// events print nothing.
func TestRetriesAndSkipsArePrinted(t *testing.T) {
	var out bytes.Buffer
	p := &progress{w: &out}
	p.event(pipeline.Event{Kind: pipeline.RunStarted, Pipeline: "plan"})
	p.event(pipeline.Event{Kind: pipeline.AttemptFailed, Step: pipeline.StepPlan, Attempt: 1, Attempts: 5, Wait: 2*time.Second + 3*time.Millisecond, Message: "state locked"})
	p.event(pipeline.Event{Kind: pipeline.StepSkipped, Step: pipeline.StepRender, Message: "finished by an earlier process"})
	p.event(pipeline.Event{Kind: pipeline.StepFailed, Step: "sync", Lane: "orders", Message: "x"})
	p.event(pipeline.Event{Kind: pipeline.RunFinished, Status: pipeline.RunFailed})
	want := "  plan    attempt 1/5 failed: state locked; retrying in 2s\n  render  skipped: finished by an earlier process\n  sync/orders failed\n"
	if got := out.String(); got != want {
		t.Errorf("printed:\n%q\nwant\n%q", got, want)
	}
}
