// Package pipeline runs envbench's work on environments: a plan run (lock,
// render, init, plan, review) and an apply run (lock, verify, apply). Runs
// report through typed events, so the same events drive the TUI and the
// headless commands' progress.
package pipeline

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/envbench/envbench/envs/tf"
)

// Step is a stage of a run.
type Step string

// The steps of plan and apply runs.
const (
	StepLock   Step = "lock"
	StepRender Step = "render"
	StepInit   Step = "init"
	StepPlan   Step = "plan"
	StepShow   Step = "show"
	StepReview Step = "review"
	StepVerify Step = "verify"
	StepApply  Step = "apply"
)

// EventKind says what an event reports.
type EventKind string

// The kinds of event.
const (
	StepStarted  EventKind = "step-started"
	StepFinished EventKind = "step-finished"
	StepFailed   EventKind = "step-failed"
	Terraform    EventKind = "terraform" // one of Terraform's own events, in TF
)

// Event is one thing a run reports.
type Event struct {
	RunID   string
	Env     string
	Time    time.Time
	Kind    EventKind
	Step    Step      // for Terraform events, the step they came from
	Message string    // for steps: what happened
	TF      *tf.Event // for Terraform events
	// Terraform is the binary and version the run uses ("terraform 1.5.7"),
	// on every event from the init step on.
	Terraform string
}

// NewRunID returns a sortable, unique run id: 20261121T104203Z-3f9a1c.
func NewRunID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
