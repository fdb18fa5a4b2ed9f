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

// The kinds of event. A run reports RunStarted, then for each step
// StepStarted, any number of AttemptFailed, Progress and Log, then
// StepFinished, StepSkipped or StepFailed, and last RunFinished.
const (
	RunStarted    EventKind = "run-started"
	StepStarted   EventKind = "step-started"
	AttemptFailed EventKind = "attempt-failed" // Wait says how long until the next attempt
	Progress      EventKind = "progress"       // Fraction, 0..1, of the step done
	Log           EventKind = "log"            // one line of a step's output (a hook's, Terraform's)
	StepFinished  EventKind = "step-finished"
	StepSkipped   EventKind = "step-skipped" // resumed: finished by an earlier process, or its probe says done
	StepFailed    EventKind = "step-failed"
	RunFinished   EventKind = "run-finished" // Status says how
	Terraform     EventKind = "terraform"    // one of Terraform's own events, in TF
)

// RunStatus says how a run ended, or that it has not.
type RunStatus string

// The statuses of a run.
const (
	RunRunning     RunStatus = "running"
	RunSucceeded   RunStatus = "succeeded"
	RunFailed      RunStatus = "failed"
	RunCancelled   RunStatus = "cancelled"
	RunInterrupted RunStatus = "interrupted"  // its process died before it ended: resume it
	RunNeedsReview RunStatus = "needs-review" // stopped for a person to look (a plan grew on retry)
)

// Event is one thing a run reports. Events are what the journal keeps, one
// JSON line each, and what the TUI and the headless output draw.
type Event struct {
	// Seq numbers a run's events from 1, in the order they happened, across
	// the processes that ran it (a resumed run goes on from the last).
	Seq   int64     `json:"seq"`
	RunID string    `json:"run_id"`
	Env   string    `json:"env"`
	Time  time.Time `json:"time"`
	Kind  EventKind `json:"kind"`
	// Pipeline is the kind of run (plan, apply, clone, teardown, reap,
	// with), on RunStarted and RunFinished.
	Pipeline string `json:"pipeline,omitempty"`
	// Args are what the run was started with, on RunStarted: enough to build
	// the same pipeline again on resume. Never a secret.
	Args map[string]string `json:"args,omitempty"`
	// By is who started the run, or resumed it, as user@host, on
	// RunStarted: in team mode the journal says whose run it was.
	By   string `json:"by,omitempty"`
	Step Step   `json:"step,omitempty"` // for Terraform events, the step they came from
	Lane string `json:"lane,omitempty"` // the item of a fanned-out step
	// Attempt is the step's attempt, from 1; Attempts the most its policy
	// allows.
	Attempt  int           `json:"attempt,omitempty"`
	Attempts int           `json:"attempts,omitempty"`
	Wait     time.Duration `json:"wait,omitempty"`     // AttemptFailed: the wait before the next attempt
	Fraction float64       `json:"fraction,omitempty"` // Progress
	Message  string        `json:"message,omitempty"`  // what happened, or the log line
	// Retryable says, on AttemptFailed and StepFailed, whether the error was
	// one that trying again can cure.
	Retryable bool `json:"retryable,omitempty"`
	// Outputs are what a finished step produced, for the steps after it and
	// for resume. A sensitive value is stored as a reference to where it
	// lives, never as the value.
	Outputs map[string]string `json:"outputs,omitempty"`
	Status  RunStatus         `json:"status,omitempty"` // RunFinished
	TF      *tf.Event         `json:"tf,omitempty"`     // for Terraform events
	// Terraform is the binary and version the run uses ("terraform 1.5.7"),
	// on every event from the init step on.
	Terraform string `json:"terraform,omitempty"`
}

// NewRunID returns a sortable, unique run id: 20261121T104203Z-3f9a1c.
func NewRunID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
