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
	upTo   int // the stream's count of events once these are taken in
}

// stream hands a run's events, then its outcome, from the run's goroutine to
// the screen, in order. Events stay in the stream until the screen has
// taken them in (ack): a batch the program never delivered, because it
// stopped reading as the user quit, is still there for drain.
type stream struct {
	runID     string
	mu        sync.Mutex
	events    []pipeline.Event // reported, and not yet acknowledged
	delivered int              // of events, acknowledged by the screen
	final     tea.Msg          // the run's outcome, once it ended
	wake      chan struct{}
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
// are all delivered, the run's outcome. One next is in flight at a time:
// the screen asks for the next batch only once it has taken in this one.
func (s *stream) next() tea.Cmd {
	return func() tea.Msg {
		for {
			s.mu.Lock()
			events, upTo, final := s.events[s.delivered:], len(s.events), s.final
			s.mu.Unlock()
			if len(events) > 0 {
				return EventsMsg{RunID: s.runID, Events: events, upTo: upTo}
			}
			if final != nil {
				return final
			}
			<-s.wake
		}
	}
}

// ack records that the screen took in the events of a batch.
func (s *stream) ack(msg EventsMsg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if msg.upTo > s.delivered && msg.upTo <= len(s.events) {
		s.delivered = msg.upTo
	}
	if s.delivered == len(s.events) { // all taken in: let them go
		s.events, s.delivered = nil, 0
	}
}

// take returns what the screen has not taken in: the events, and the
// outcome unless the screen saw it (outcomeSeen).
func (s *stream) take() ([]pipeline.Event, tea.Msg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	events, final := s.events[s.delivered:], s.final
	s.events, s.delivered, s.final = nil, 0, nil
	return events, final
}

// outcomeSeen records that the screen took in the run's outcome.
func (s *stream) outcomeSeen() {
	s.mu.Lock()
	s.final = nil
	s.mu.Unlock()
}
