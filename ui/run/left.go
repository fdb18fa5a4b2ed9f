package run

import (
	"fmt"

	"github.com/envbench/envbench/pipeline"
)

// Outcome says what the terminal must tell once the TUI has closed: a run
// that did not finish, where it stopped and how to resume it, with exit
// status 1; "" and 0 for a run that succeeded or never started.
func (m *Model) Outcome() (summary string, exitCode int) {
	s := m.state
	if s.Started.IsZero() || s.Status == pipeline.RunSucceeded {
		return "", 0
	}
	what := s.Pipeline
	if what == "" {
		what = "run"
	}
	status := string(s.Status)
	if s.Status == pipeline.RunRunning {
		// The program ended before the run's last event reached the
		// screen: the journal has the rest.
		status = "stopped"
	}
	where := s.stoppedAt()
	summary = fmt.Sprintf("the %s of %s (run %s) was left %s%s; resume it with: envbench resume %s", what, s.Env, s.RunID, status, where, s.RunID)
	if s.Status == pipeline.RunFailed {
		summary = fmt.Sprintf("the %s of %s (run %s) failed%s; retry from there with: envbench resume %s", what, s.Env, s.RunID, where, s.RunID)
	}
	return summary, 1
}

// stoppedAt says where the run stopped: " at step S" for the step it
// was in or failed in, " after step S" for the last one it finished.
func (s *State) stoppedAt() string {
	var last pipeline.Step
	for _, st := range s.Steps {
		switch st.Status {
		case StatusRunning, StatusWaiting, StatusFailed:
			return " at step " + string(st.Name)
		case StatusDone, StatusSkipped:
			last = st.Name
		}
	}
	if last != "" {
		return " after step " + string(last)
	}
	return ""
}
