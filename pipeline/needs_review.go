package pipeline

import (
	"errors"
	"strings"

	"github.com/envbench/envbench/envs"
)

// ErrNeedsReview is what a run that stopped for a person to look matches
// with errors.Is: a retry of a failed apply planned changes the approved
// plan does not cover. Its run ends RunNeedsReview.
var ErrNeedsReview = errors.New("the plan changed since it was approved: review it again")

// NeedsReviewError carries the changes the fresh plan adds to the approved
// one (from envs.PlanSubset), so that the headless output and the run
// screen can show what is new. It matches ErrNeedsReview.
type NeedsReviewError struct {
	Env   string
	Extra []envs.PlanExtra
}

// Error lists the new changes, one a line, by address and attribute path
// (never a value).
func (e *NeedsReviewError) Error() string {
	var b strings.Builder
	b.WriteString(e.Env + ": " + ErrNeedsReview.Error() + "; new in the plan:")
	for _, x := range e.Extra {
		b.WriteString("\n  " + x.String())
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNeedsReview) true.
func (e *NeedsReviewError) Is(target error) bool { return target == ErrNeedsReview }
