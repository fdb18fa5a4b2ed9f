package pipeline

import (
	"context"
	"fmt"
	"maps"
	"time"
)

// Summarize computes a RunSummary from a run's events (in Seq order, as a
// Journal reads them). A run with no RunFinished after its last RunStarted
// is running while alive says its process is, and interrupted otherwise;
// alive nil means it cannot be told, and such a run reads as running. The
// alive of LockAlive asks the environment's lock.
func Summarize(events []Event, alive func(RunSummary) bool) RunSummary {
	var s RunSummary
	finished := false
	for _, e := range events {
		if s.RunID == "" {
			s.RunID, s.Env = e.RunID, e.Env
		}
		switch e.Kind {
		case RunStarted:
			if s.Pipeline == "" {
				s.Pipeline, s.Args, s.Started, s.By = e.Pipeline, maps.Clone(e.Args), e.Time, e.By
			} else if e.By != "" && e.By != s.By {
				s.ResumedBy = e.By
			}
			finished, s.Ended, s.Status = false, time.Time{}, RunRunning
		case StepStarted:
			if e.Lane == "" {
				s.Step = e.Step
			}
		case StepFailed:
			if e.Lane == "" {
				s.Message = string(e.Step) + ": " + e.Message
			}
		case RunFinished:
			finished, s.Status, s.Ended = true, e.Status, e.Time
			if e.Message != "" {
				s.Message = e.Message
			}
		}
	}
	if !finished && len(events) > 0 {
		s.Status = RunRunning
		if alive != nil && !alive(s) {
			s.Status = RunInterrupted
			where := ""
			if s.Step != "" {
				where = " during " + string(s.Step)
			}
			s.Message = fmt.Sprintf("its process stopped%s; resume with `envbench resume %s`", where, s.RunID)
		}
	}
	return s
}

// LockAlive is Summarize's alive for runs that take their environment's
// lock: a run is alive while the lock names it and its holder is not known
// to be dead (a process gone on this host). A lock that cannot be read
// counts as alive: it cannot be told. A run of a NoLock pipeline never
// holds the lock, so it reads as interrupted until it records its end.
func LockAlive(ctx context.Context, l Locker) func(RunSummary) bool {
	return func(s RunSummary) bool {
		h, held, err := l.Read(ctx, s.Env)
		if err != nil {
			return true
		}
		return held && h.RunID == s.RunID && !holderDead(h)
	}
}
