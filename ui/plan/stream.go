package plan

import (
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/pipeline"
)

// EventsMsg carries the events a run reported since the last message. A
// run's events reach the screen in batches: whatever arrived while the
// screen was busy drawing comes as one message, so a burst of Terraform
// lines costs one update and one frame, not one per line.
type EventsMsg struct {
	RunID  string
	Events []pipeline.Event
}

// stream hands a run's events, then its outcome, from the run's goroutine to
// the screen, in order.
type stream struct {
	runID  string
	mu     sync.Mutex
	events []pipeline.Event
	final  tea.Msg // the run's outcome, once it ended
	wake   chan struct{}
}

func newStream(runID string) *stream {
	return &stream{runID: runID, wake: make(chan struct{}, 1)}
}

// push is the run's sink.
func (s *stream) push(e pipeline.Event) {
	s.mu.Lock()
	s.events = append(s.events, e)
	s.mu.Unlock()
	s.signal()
}

// finish ends the stream with the run's outcome, delivered after every event.
func (s *stream) finish(outcome tea.Msg) {
	s.mu.Lock()
	s.final = outcome
	s.mu.Unlock()
	s.signal()
}

func (s *stream) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// next waits for events and returns them as one EventsMsg, or, once they
// are all delivered, the run's outcome.
func (s *stream) next() tea.Cmd {
	return func() tea.Msg {
		for {
			s.mu.Lock()
			events, final := s.events, s.final
			s.events = nil
			s.mu.Unlock()
			if len(events) > 0 {
				return EventsMsg{RunID: s.runID, Events: events}
			}
			if final != nil {
				return final
			}
			<-s.wake
		}
	}
}
