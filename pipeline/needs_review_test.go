package pipeline

import (
	"errors"
	"fmt"
	"testing"

	"github.com/envbench/envbench/envs"
)

func TestNeedsReviewError(t *testing.T) {
	var err error = &NeedsReviewError{Env: "dev-alice", Extra: []envs.PlanExtra{
		{Address: "aws_sqs_queue.q", Action: envs.ActionCreate, Reason: "not in the approved plan"},
		{Address: "aws_s3_bucket.b", Action: envs.ActionUpdate, Approved: envs.ActionCreate, Reason: "attribute tags.env differs from the approved plan"},
	}}
	wrapped := fmt.Errorf("apply dev-alice: %w", err)
	if !errors.Is(wrapped, ErrNeedsReview) {
		t.Error("not ErrNeedsReview")
	}
	var nr *NeedsReviewError
	if !errors.As(wrapped, &nr) || len(nr.Extra) != 2 {
		t.Fatalf("as: %v", nr)
	}
	want := "dev-alice: the plan changed since it was approved: review it again; new in the plan:\n" +
		"  + aws_sqs_queue.q: not in the approved plan\n" +
		"  ~ aws_s3_bucket.b: attribute tags.env differs from the approved plan"
	if err.Error() != want {
		t.Errorf("error:\n%s\nwant:\n%s", err, want)
	}
	if Retryable(wrapped) {
		t.Error("a plan that needs review is not retried")
	}
}
