package run

import (
	"context"
	"errors"
	"github.com/charmbracelet/x/ansi"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/components"
	"github.com/envbench/envbench/ui/screen"
)

// Source runs a pipeline, reporting its events to sink, and returns when
// the run has ended.
type Source func(ctx context.Context, sink func(pipeline.Event)) error

// Job runs a pipeline that may ask for approval: ask blocks the run until
// the screen's approval panel is answered or ctx is done. It returns what
// the screen shows once the run has ended.
type Job func(ctx context.Context, ask pipeline.Approver, sink func(pipeline.Event)) (Result, error)

// Result is what a run leaves for the screen to show when it ends.
type Result struct {
	// Teardown, for a teardown, holds the sweep's report.
	Teardown *pipeline.TeardownResult
}

// EventsMsg carries the events a run reported since the last one: a burst
// of lines costs one update and one frame.
type EventsMsg struct {
	RunID  string
	Events []pipeline.Event
}

// DoneMsg says a run has ended, with its error.
type DoneMsg struct {
	RunID  string
	Err    error
	Result Result
}

// TickMsg redraws the waits and elapsed times.
type TickMsg struct{ RunID string }

// feed hands events from the run's goroutine to the screen in batches.
type feed struct {
	mu     sync.Mutex
	events []pipeline.Event
	asks   []*request
	closed bool // the screen was closed: no one answers
	done   bool
	err    error
	result Result
	wake   chan struct{}
}

func newFeed() *feed { return &feed{wake: make(chan struct{}, 1)} }

func (f *feed) push(e pipeline.Event) {
	f.mu.Lock()
	f.events = append(f.events, e)
	f.mu.Unlock()
	f.signal()
}

func (f *feed) finish(res Result, err error) {
	f.mu.Lock()
	f.done, f.err, f.result = true, err, res
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
			if len(f.asks) > 0 {
				req := f.asks[0]
				f.asks = f.asks[1:]
				f.mu.Unlock()
				return AskMsg{RunID: id, req: req}
			}
			if f.done {
				f.mu.Unlock()
				return DoneMsg{RunID: id, Err: f.err, Result: f.result}
			}
			f.mu.Unlock()
			<-f.wake
		}
	}
}

// Model is the run screen.
type Model struct {
	ctx   *screen.Context
	id    string
	job   Job
	feed  *feed
	state *State
	pane  Pane
	// picked: the user chose a step; until then the pane follows the
	// step the run is in.
	picked     bool
	cancel     context.CancelFunc
	begin      tea.Cmd // runs the pipeline to its end
	confirming bool
	// asking is the approval the run waits for; input takes the typed
	// name when it needs one.
	asking *request
	input  textinput.Model
	result Result
	err    error
	ended  bool
	width  int
	height int
}

var _ screen.Screen = (*Model)(nil)

var (
	keyUp      = key.NewBinding(key.WithKeys("k"), key.WithHelp("k", "previous step"))
	keyDown    = key.NewBinding(key.WithKeys("j"), key.WithHelp("j", "next step"))
	keyOlder   = key.NewBinding(key.WithKeys("up", "pgup"), key.WithHelp("↑/pgup", "scroll log"))
	keyNewer   = key.NewBinding(key.WithKeys("down", "pgdown"), key.WithHelp("↓/pgdn", "scroll log"))
	keyTail    = key.NewBinding(key.WithKeys("G"), key.WithHelp("G", "follow log"))
	keyCancel  = key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "cancel run"))
	keyRetry   = key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "retry"))
	keyFullLog = key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "full log"))
	keyYes     = key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "approve"))
	keyNo      = key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "decline"))
	keyEnter   = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "confirm"))
	keyDecline = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "decline"))
)

// New returns a run screen that runs source under id when opened.
func New(ctx *screen.Context, id string, source Source) *Model {
	return NewJob(ctx, id, func(ctx context.Context, _ pipeline.Approver, sink func(pipeline.Event)) (Result, error) {
		return Result{}, source(ctx, sink)
	})
}

// NewJob returns a run screen that runs job under id when opened, asking
// for the approvals it needs in a panel under the steps.
func NewJob(ctx *screen.Context, id string, job Job) *Model {
	in := components.NewTextInput(&ctx.Styles)
	in.Prompt = "> "
	in.CharLimit = 200
	return &Model{ctx: ctx, id: id, job: job, feed: newFeed(), state: NewState(id), input: in, width: 80, height: 24}
}

// Init returns the command that starts the run and streams its events.
func (m *Model) Init() tea.Cmd { return tea.Batch(m.start(m.job), m.tick()) }

// start runs job on a fresh feed under a new context.
func (m *Model) start(job Job) tea.Cmd {
	ctx, cancel, done := m.ctx.StartRun()
	f := newFeed()
	m.feed, m.cancel = f, cancel
	m.ended, m.err, m.result = false, nil, Result{}
	m.begin = func() tea.Msg {
		defer done()
		res, err := job(ctx, f.approver(), f.push)
		f.finish(res, err)
		return nil
	}
	return tea.Batch(m.begin, f.next(m.id))
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
			// A reap runs one teardown after another: each new run gets
			// the screen to itself.
			if e.Kind == pipeline.RunStarted && m.state.Env != "" && e.RunID != "" && e.RunID != m.state.RunID {
				m.state, m.pane, m.picked = NewState(e.RunID), Pane{}, false
			}
			m.state.Apply(e)
		}
		if !m.picked {
			m.pane = m.pane.Select(m.state, m.state.Current()-m.pane.Selected)
		}
		return m, m.feed.next(m.id)
	case AskMsg:
		if msg.RunID != m.id {
			return m, nil
		}
		return m, tea.Batch(m.ask(msg.req), m.feed.next(m.id))
	case DoneMsg:
		if msg.RunID != m.id {
			return m, nil
		}
		m.ended, m.err, m.result = true, msg.Err, msg.Result
		m.asking, m.confirming = nil, false
		m.input.Blur()
		env, id := m.state.Env, m.state.RunID
		// The environments' status comes from their state: read it again.
		return m, tea.Batch(func() tea.Msg { return screen.RunEndedMsg{Env: env, RunID: id} },
			func() tea.Msg { return screen.ReloadMsg{} })
	case TickMsg:
		if msg.RunID != m.id || m.ended {
			return m, nil
		}
		return m, m.tick()
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	if m.asking != nil && m.asking.approval.NeedsName {
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return m, cmd
	}
	return m, nil
}

// ask shows the approval panel for req.
func (m *Model) ask(req *request) tea.Cmd {
	m.asking, m.confirming = req, false
	if !req.approval.NeedsName {
		return nil
	}
	m.input.SetValue("")
	return m.input.Focus()
}

// answer replies to the approval the run waits for and closes the panel.
func (m *Model) answer(typed string, err error) {
	if m.asking == nil {
		return
	}
	m.asking.reply <- answer{typed: typed, err: err}
	m.asking = nil
	m.input.Blur()
}

func (m *Model) answerKey(msg tea.KeyPressMsg) tea.Cmd {
	if !m.asking.approval.NeedsName {
		switch {
		case key.Matches(msg, keyYes):
			m.answer(pipeline.ApprovalYes, nil)
		case key.Matches(msg, keyNo):
			m.answer("", pipeline.ErrDeclined)
		}
		return nil
	}
	switch {
	case key.Matches(msg, keyEnter):
		m.answer(strings.TrimSpace(m.input.Value()), nil)
		return nil
	case key.Matches(msg, keyDecline):
		m.answer("", pipeline.ErrDeclined)
		return nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return cmd
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, m.ctx.Keys.Force) && !m.ended {
		// The root model hands ctrl+c to a busy screen: it interrupts the
		// run, an approval it waits for included.
		m.confirming = false
		m.Cancel()
		return nil
	}
	if m.asking != nil {
		return m.answerKey(msg)
	}
	if m.confirming {
		m.confirming = false
		if msg.String() == "y" {
			m.Cancel()
		}
		return nil
	}
	logH := LogHeight(m.state, m.bodyHeight())
	switch {
	case key.Matches(msg, keyUp):
		m.pane, m.picked = m.pane.Select(m.state, -1), true
	case key.Matches(msg, keyDown):
		m.pane, m.picked = m.pane.Select(m.state, 1), true
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
	case key.Matches(msg, keyRetry):
		return m.retry()
	case key.Matches(msg, keyFullLog):
		return m.openLog()
	}
	return nil
}

// retryable says whether R resumes the run: it ended without succeeding,
// and a runner can resume it.
func (m *Model) retryable() bool {
	return m.ended && m.err != nil && !errors.Is(m.err, pipeline.ErrSucceeded) && m.ctx.Runner != nil && m.ctx.Catalog != nil
}

// retry resumes the run on this screen: the engine skips the finished
// steps and probes the one it stopped in; the state goes on from the new
// events.
func (m *Model) retry() tea.Cmd {
	if !m.retryable() {
		if !m.ended {
			return screen.Flash("run "+m.id+" is still running: R resumes it once it has stopped", false)
		}
		return screen.Flash("run "+m.state.RunID+" cannot be resumed here", false)
	}
	runner, c, id := m.ctx.Runner, m.ctx.Catalog, m.state.RunID
	return tea.Batch(m.start(func(ctx context.Context, ask pipeline.Approver, sink func(pipeline.Event)) (Result, error) {
		return Result{}, runner.Resume(ctx, c, id, ask, sink)
	}), m.tick())
}

// openLog opens the pager over the run's full log file.
func (m *Model) openLog() tea.Cmd {
	if m.ctx.Catalog == nil || m.state.Env == "" {
		return screen.Flash("run "+m.id+" has no log yet", false)
	}
	id := m.state.RunID
	path := pipeline.RunLogPath(m.ctx.Catalog.Root, m.state.Env, id)
	return screen.Push("log "+id, NewLogScreen(m.ctx, id, path))
}

func step(msg tea.KeyPressMsg, page int) int {
	if s := msg.String(); s == "pgup" || s == "pgdown" {
		return max(page, 1)
	}
	return 1
}

// panel returns the lines drawn under the run: the approval asked for, or
// the report of a teardown that ended.
func (m *Model) panel() []string {
	room := max(m.height/2, 4)
	st := &m.ctx.Styles
	var lines []string
	switch {
	case m.asking != nil:
		a := m.asking.approval
		lines = ApprovalLines(a, m.width, room-2)
		lines = append(lines, st.Warn.Render(AnswerHint(a)))
		if a.NeedsName {
			lines = append(lines, m.input.View())
		}
	case m.ended && m.result.Teardown != nil && m.result.Teardown.Swept != nil:
		lines = ReportLines(m.result.Teardown, m.width, room)
	}
	if len(lines) > 0 {
		lines[0] = st.Accent.Render(lines[0])
	}
	return lines
}

// endedRows is how many rows the error a run ended with may take; the
// log (L) has all of it.
const endedRows = 3

// footer is the status under the steps and the panel: the cancel
// question, or how the run ended, its error wrapped to at most endedRows
// rows; none while the run asks for approval.
func (m *Model) footer() []string {
	switch {
	case m.asking != nil:
		return nil
	case m.confirming:
		return []string{"cancel the run? y to cancel, any other key to go on"}
	case m.ended && m.err != nil:
		rows := wrap("run ended: "+strings.ReplaceAll(m.err.Error(), "\n", "; "), m.width)
		if len(rows) > endedRows {
			rows = rows[:endedRows]
			rows[endedRows-1] = ansi.Truncate(rows[endedRows-1], max(m.width-len(" … (L: the log)"), 1), "") + " … (L: the log)"
		}
		return rows
	case m.ended:
		return []string{"run ended: " + string(m.state.Status)}
	}
	return []string{""}
}

// bodyHeight is the height the steps and the log pane get.
func (m *Model) bodyHeight() int {
	return max(m.height-max(len(m.footer()), 1)-len(m.panel()), 2)
}

// View draws the run.
func (m *Model) View() string {
	panel := m.panel()
	out := Render(m.state, m.pane, m.ctx.Now(), m.width, m.bodyHeight())
	for _, l := range append(panel, m.footer()...) {
		out += "\n" + l
	}
	return out
}

// SetSize sets the screen's size.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, max(height, 2)
	m.input.SetWidth(max(width-4, 1))
}

// Bindings are the run screen's keys: the answers while it asks, else
// the steps and log keys, with retry once the run stopped short.
func (m *Model) Bindings() []key.Binding {
	if m.asking != nil {
		if m.asking.approval.NeedsName {
			return []key.Binding{keyEnter, keyDecline}
		}
		return []key.Binding{keyYes, keyNo}
	}
	var b []key.Binding
	if m.retryable() {
		b = append(b, keyRetry)
	}
	b = append(b, keyFullLog)
	if !m.ended {
		b = append(b, keyCancel)
	}
	return append(b, keyUp, keyDown, keyOlder, keyNewer, keyTail)
}

// CapturingInput is true while the screen asks for an approval or to
// confirm a cancel.
func (m *Model) CapturingInput() bool { return m.confirming || m.asking != nil }

// Busy names the run while it runs.
func (m *Model) Busy() string {
	if m.ended {
		return ""
	}
	if s := m.state; s.Pipeline != "" && s.Env != "" {
		return s.Pipeline + " " + s.Env
	}
	return "run " + m.id
}

// Close is called when the screen is popped: the run goes on, but an
// approval it asks for from now on is refused with ErrScreenClosed.
func (m *Model) Close() {
	m.answer("", ErrScreenClosed)
	m.feed.close()
}

// Cancel interrupts the run; an approval it waits for is given up with
// the run's context.
func (m *Model) Cancel() {
	if m.cancel != nil {
		m.cancel()
	}
}
