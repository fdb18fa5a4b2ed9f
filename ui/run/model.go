package run

import (
	"context"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/screen"
)

// Source runs a pipeline, reporting its events to sink, and returns when
// the run has ended.
type Source func(ctx context.Context, sink func(pipeline.Event)) error

// EventsMsg carries the events a run reported since the last one: a burst
// of lines costs one update and one frame.
type EventsMsg struct {
	RunID  string
	Events []pipeline.Event
}

// DoneMsg says a run has ended, with its error.
type DoneMsg struct {
	RunID string
	Err   error
}

// TickMsg redraws the waits and elapsed times.
type TickMsg struct{ RunID string }

// feed hands events from the run's goroutine to the screen in batches.
type feed struct {
	mu     sync.Mutex
	events []pipeline.Event
	done   bool
	err    error
	wake   chan struct{}
}

func (f *feed) push(e pipeline.Event) {
	f.mu.Lock()
	f.events = append(f.events, e)
	f.mu.Unlock()
	f.signal()
}

func (f *feed) finish(err error) {
	f.mu.Lock()
	f.done, f.err = true, err
	f.mu.Unlock()
	f.signal()
}

func (f *feed) signal() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

func (f *feed) next(id string) tea.Cmd {
	return func() tea.Msg {
		for {
			f.mu.Lock()
			if len(f.events) > 0 {
				evs := f.events
				f.events = nil
				f.mu.Unlock()
				return EventsMsg{RunID: id, Events: evs}
			}
			if f.done {
				f.mu.Unlock()
				return DoneMsg{RunID: id, Err: f.err}
			}
			f.mu.Unlock()
			<-f.wake
		}
	}
}

// Model is the run screen.
type Model struct {
	ctx        *screen.Context
	id         string
	source     Source
	feed       *feed
	state      *State
	pane       Pane
	cancel     context.CancelFunc
	begin      tea.Cmd // runs the pipeline to its end
	confirming bool
	err        error
	ended      bool
	width      int
	height     int
}

var (
	keyUp     = key.NewBinding(key.WithKeys("k"), key.WithHelp("k", "previous step"))
	keyDown   = key.NewBinding(key.WithKeys("j"), key.WithHelp("j", "next step"))
	keyOlder  = key.NewBinding(key.WithKeys("up", "pgup"), key.WithHelp("↑/pgup", "scroll log"))
	keyNewer  = key.NewBinding(key.WithKeys("down", "pgdown"), key.WithHelp("↓/pgdn", "scroll log"))
	keyTail   = key.NewBinding(key.WithKeys("G"), key.WithHelp("G", "follow log"))
	keyCancel = key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "cancel run"))
)

// New returns a run screen that runs source under id when opened.
func New(ctx *screen.Context, id string, source Source) *Model {
	return &Model{ctx: ctx, id: id, source: source, feed: &feed{wake: make(chan struct{}, 1)},
		state: NewState(id), width: 80, height: 24}
}

// Init returns the command that starts the run and streams its events.
func (m *Model) Init() tea.Cmd {
	ctx, cancel, done := m.ctx.StartRun()
	m.cancel = cancel
	m.begin = func() tea.Msg {
		defer done()
		m.feed.finish(m.source(ctx, m.feed.push))
		return nil
	}
	return tea.Batch(m.begin, m.feed.next(m.id), m.tick())
}

func (m *Model) tick() tea.Cmd {
	id := m.id
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return TickMsg{RunID: id} })
}

// Update handles the run's events and the keys.
func (m *Model) Update(msg tea.Msg) (screen.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case EventsMsg:
		if msg.RunID != m.id {
			return m, nil
		}
		for _, e := range msg.Events {
			m.state.Apply(e)
		}
		return m, m.feed.next(m.id)
	case DoneMsg:
		if msg.RunID != m.id {
			return m, nil
		}
		m.ended, m.err = true, msg.Err
		return m, nil
	case TickMsg:
		if msg.RunID != m.id || m.ended {
			return m, nil
		}
		return m, m.tick()
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	if m.confirming {
		m.confirming = false
		if msg.String() == "y" {
			m.Cancel()
		}
		return nil
	}
	logH := LogHeight(m.state, m.height)
	switch {
	case key.Matches(msg, keyUp):
		m.pane = m.pane.Select(m.state, -1)
	case key.Matches(msg, keyDown):
		m.pane = m.pane.Select(m.state, 1)
	case key.Matches(msg, keyOlder):
		m.pane = m.pane.Scroll(m.state, step(msg, logH), logH)
	case key.Matches(msg, keyNewer):
		m.pane = m.pane.Scroll(m.state, -step(msg, logH), logH)
	case key.Matches(msg, keyTail):
		m.pane.Bottom = 0
	case key.Matches(msg, keyCancel):
		if !m.ended {
			m.confirming = true
		}
	}
	return nil
}

func step(msg tea.KeyPressMsg, page int) int {
	if s := msg.String(); s == "pgup" || s == "pgdown" {
		return max(page, 1)
	}
	return 1
}

// View draws the run.
func (m *Model) View() string {
	out := Render(m.state, m.pane, m.ctx.Now(), m.width, m.height-1)
	switch {
	case m.confirming:
		out += "\ncancel the run? y to cancel, any other key to go on"
	case m.ended && m.err != nil:
		out += "\nrun ended: " + m.err.Error()
	case m.ended:
		out += "\nrun ended: " + string(m.state.Status)
	default:
		out += "\n"
	}
	return out
}

// SetSize sets the screen's size.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, max(height, 2) }

// Bindings are the run screen's keys.
func (m *Model) Bindings() []key.Binding {
	return []key.Binding{keyUp, keyDown, keyOlder, keyNewer, keyTail, keyCancel}
}

// CapturingInput is true while the screen asks to confirm a cancel.
func (m *Model) CapturingInput() bool { return m.confirming }

// Busy names the run while it runs.
func (m *Model) Busy() string {
	if m.ended {
		return ""
	}
	return "run " + m.id
}

// Cancel interrupts the run.
func (m *Model) Cancel() {
	if m.cancel != nil {
		m.cancel()
	}
}
