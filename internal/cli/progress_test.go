package cli

import (
	"bytes"
	"strings"
	"testing"

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
