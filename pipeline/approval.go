package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/sweep"
)

// Approval is what a run asks its Approver to approve: a clone's reviewed
// plan at its gate, a teardown's destroy plan and sweep at its confirm
// step.
type Approval struct {
	Env, Pipeline string
	RunID         string
	// Plan and Findings are the plan to approve and its risk review, most
	// severe first (a resumed clone reviews its saved plan again); nil
	// when a resumed teardown's destroy plan was made by an earlier
	// process.
	Plan     *envs.Plan
	Findings []envs.Finding
	// NeedsName says the environment's name must be typed: a high-risk
	// plan, a protected environment, or any teardown. Otherwise a plain
	// yes (ApprovalYes, or the name) approves.
	NeedsName bool
	// Sweep is, for a teardown, everything tagged for the environment in
	// its account; Leftovers are the items of it Terraform's state does not
	// hold: what the sweep, not the destroy, deletes.
	Sweep     *sweep.Sweep
	Leftovers []sweep.Item
	// Targets are, for a reap (Env "reap"), the environments it tears
	// down.
	Targets []string
}

// ApprovalYes is the answer that approves an Approval without NeedsName.
const ApprovalYes = "y"

// Approver asks a person to approve a run's next step and returns what
// they typed; an error (the context's, or a declined approval) ends the
// run before anything is applied or destroyed. It is called on the run's
// goroutine and may block until the person answers or ctx is done.
type Approver func(ctx context.Context, a Approval) (typed string, err error)

// ErrDeclined is the error of an approval the person declined; the run
// ends with ErrConfirmationNeeded wrapped around it.
var ErrDeclined = errors.New("declined")

// approve asks ask for a and checks the answer: the environment's name for
// NeedsName, else ApprovalYes or the name. It returns the typed name (or
// "" for a plain yes) for the steps after it to journal and use.
func approve(ctx context.Context, ask Approver, a Approval) (string, error) {
	typed, err := ask(ctx, a)
	if err != nil {
		if ctx.Err() != nil {
			return "", err
		}
		return "", fmt.Errorf("%s %s: %w: %w", a.Pipeline, a.Env, ErrConfirmationNeeded, err)
	}
	switch {
	case typed == a.Env:
		return typed, nil
	case a.NeedsName:
		return "", fmt.Errorf("%s %s: %w: %q does not name this environment (expected %s)", a.Pipeline, a.Env, ErrConfirmationNeeded, typed, a.Env)
	case typed == ApprovalYes:
		return "", nil
	}
	return "", fmt.Errorf("%s %s: %w: %q is not an approval (%s or %s)", a.Pipeline, a.Env, ErrConfirmationNeeded, typed, ApprovalYes, a.Env)
}
