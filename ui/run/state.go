// Package run is the run screen: it follows any engine pipeline's events,
// showing each step with its status, attempt and the wait before the next,
// its progress and lanes, and the log tail of the selected step. The state
// is computed from events by plain functions (state.go) and drawn from that
// state alone (view.go).
package run

import (
	"time"

	"github.com/envbench/envbench/pipeline"
)

// Status is where a step or lane stands.
type Status string

// The statuses of a step.
const (
	StatusPending Status = "pending"
	StatusRunning Status = "running"
	StatusWaiting Status = "waiting" // an attempt failed; the next one waits
	StatusDone    Status = "done"
	StatusSkipped Status = "skipped"
	StatusFailed  Status = "failed"
)

// Lane is one item of a fanned-out step.
type Lane struct {
	Name     string
	Status   Status
	Attempt  int
	Attempts int
	Fraction float64
	Message  string
}

// Step is one step of the run as the screen shows it.
type Step struct {
	Name     pipeline.Step
	Status   Status
	Attempt  int
	Attempts int
	// RetryAt is when the next attempt starts, while Status is waiting.
	RetryAt time.Time
	// Fraction is the step's progress, 0..1; HasFraction says a step
	// reported one.
	Fraction    float64
	HasFraction bool
	Started     time.Time
	Finished    time.Time
	Message     string
	Lanes       []*Lane
	// Lines are every Log and Terraform line of the step, in order.
	Lines []string
}

// State is a run as its events so far describe it.
type State struct {
	RunID    string
	Env      string
	Pipeline string
	Status   pipeline.RunStatus
	Started  time.Time
	Finished time.Time
	Steps    []*Step
	// LastSeq is the Seq of the last event applied; events at or below it
	// are ignored, so a replayed journal and a live stream can overlap.
	LastSeq int64
	// resumed is when the run was last resumed (a RunStarted after the
	// first): a step's time in a process does not run on in the next.
	resumed time.Time
}

// NewState returns the state of a run no event has reached yet.
func NewState(runID string) *State {
	return &State{RunID: runID, Status: pipeline.RunRunning}
}

// step returns the named step, adding it when new.
func (s *State) step(name pipeline.Step) *Step {
	for _, st := range s.Steps {
		if st.Name == name {
			return st
		}
	}
	st := &Step{Name: name, Status: StatusPending}
	s.Steps = append(s.Steps, st)
	return st
}

func (st *Step) lane(name string) *Lane {
	for _, l := range st.Lanes {
		if l.Name == name {
			return l
		}
	}
	l := &Lane{Name: name, Status: StatusPending}
	st.Lanes = append(st.Lanes, l)
	return l
}

// Apply folds one event into the state.
func (s *State) Apply(e pipeline.Event) {
	if e.Seq != 0 && e.Seq <= s.LastSeq {
		return
	}
	if e.Seq != 0 {
		s.LastSeq = e.Seq
	}
	switch e.Kind {
	case pipeline.RunStarted:
		if s.Started.IsZero() {
			s.Started = e.Time
		} else {
			s.resumed = e.Time
		}
		s.Env, s.RunID = e.Env, e.RunID
		if e.Pipeline != "" {
			s.Pipeline = e.Pipeline
		}
		s.Status = pipeline.RunRunning
		return
	case pipeline.RunFinished:
		s.Status, s.Finished = e.Status, e.Time
		return
	}
	if e.Step == "" {
		return
	}
	st := s.step(e.Step)
	if e.Lane != "" {
		applyLane(st.lane(e.Lane), e)
	}
	switch e.Kind {
	case pipeline.StepStarted:
		if e.Lane == "" {
			st.Status, st.Message = StatusRunning, ""
			st.RetryAt, st.Finished = time.Time{}, time.Time{}
			// Retries count from the first attempt; a step run again in
			// a resumed run, from its start there.
			if st.Started.IsZero() || st.Started.Before(s.resumed) {
				st.Started = e.Time
			}
		} else if st.Status == StatusPending {
			st.Status, st.Started = StatusRunning, e.Time
		}
		st.Attempt, st.Attempts = max(st.Attempt, e.Attempt), max(st.Attempts, e.Attempts)
	case pipeline.AttemptFailed:
		if e.Lane == "" {
			st.Status, st.RetryAt, st.Message = StatusWaiting, e.Time.Add(e.Wait), e.Message
		}
		st.Attempt, st.Attempts = max(st.Attempt, e.Attempt), max(st.Attempts, e.Attempts)
	case pipeline.Progress:
		if e.Lane == "" {
			st.Fraction, st.HasFraction = e.Fraction, true
		}
	case pipeline.Log:
		st.Lines = append(st.Lines, lineOf(e))
	case pipeline.Terraform:
		if e.TF != nil && e.TF.Message != "" {
			st.Lines = append(st.Lines, lineOf(pipeline.Event{Lane: e.Lane, Message: e.TF.Message}))
		} else if e.Message != "" {
			st.Lines = append(st.Lines, lineOf(e))
		}
	case pipeline.StepFinished, pipeline.StepSkipped, pipeline.StepFailed:
		if e.Lane != "" {
			return
		}
		// A step a resumed run skips because it finished before keeps
		// the time it took then; one it finds done that was in flight
		// when the earlier process stopped has no time of its own.
		switch {
		case e.Kind != pipeline.StepSkipped:
			st.Finished = e.Time
		case st.Finished.IsZero() && st.Started.Before(s.resumed):
			st.Started, st.Finished = e.Time, e.Time
		case st.Finished.IsZero():
			st.Finished = e.Time
		}
		st.Status, st.Message = finalStatus(e.Kind), e.Message
		st.RetryAt = time.Time{}
		if e.Kind == pipeline.StepFinished {
			st.Fraction = 1
		}
	}
}

func applyLane(l *Lane, e pipeline.Event) {
	switch e.Kind {
	case pipeline.StepStarted:
		l.Status = StatusRunning
		l.Attempt, l.Attempts = e.Attempt, e.Attempts
	case pipeline.AttemptFailed:
		l.Status, l.Message = StatusWaiting, e.Message
		l.Attempt, l.Attempts = e.Attempt, e.Attempts
	case pipeline.Progress:
		l.Fraction = e.Fraction
	case pipeline.StepFinished, pipeline.StepSkipped, pipeline.StepFailed:
		l.Status, l.Message = finalStatus(e.Kind), e.Message
		if e.Kind == pipeline.StepFinished {
			l.Fraction = 1
		}
	}
}

func finalStatus(k pipeline.EventKind) Status {
	switch k {
	case pipeline.StepFinished:
		return StatusDone
	case pipeline.StepSkipped:
		return StatusSkipped
	}
	return StatusFailed
}

func lineOf(e pipeline.Event) string {
	if e.Lane != "" {
		return "[" + e.Lane + "] " + e.Message
	}
	return e.Message
}

// Wait returns how long until the step's next attempt at now, zero when
// it is not waiting or the time has come.
func (st *Step) Wait(now time.Time) time.Duration {
	if st.Status != StatusWaiting || st.RetryAt.IsZero() || !now.Before(st.RetryAt) {
		return 0
	}
	return st.RetryAt.Sub(now)
}

// Elapsed returns how long the step has run at now, or ran.
func (st *Step) Elapsed(now time.Time) time.Duration {
	if st.Started.IsZero() {
		return 0
	}
	if !st.Finished.IsZero() {
		return st.Finished.Sub(st.Started)
	}
	return now.Sub(st.Started)
}

// Failed returns the first failed step, or nil.
func (s *State) Failed() *Step {
	for _, st := range s.Steps {
		if st.Status == StatusFailed {
			return st
		}
	}
	return nil
}

// Current returns the index of the step the run is in: the last one that
// started, 0 before any has.
func (s *State) Current() int {
	for i := len(s.Steps) - 1; i >= 0; i-- {
		if s.Steps[i].Status != StatusPending {
			return i
		}
	}
	return 0
}
