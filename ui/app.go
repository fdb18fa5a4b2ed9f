// Package ui is envbench's terminal interface. The root model in this file
// keeps a stack of screens (push on enter, pop on esc), handles the few
// global keys and the window size, and forwards everything else. Screens
// live in their own packages under ui/ and talk to the root model through
// the messages of ui/screen.
package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/components"
	"github.com/envbench/envbench/ui/environments"
	"github.com/envbench/envbench/ui/help"
	"github.com/envbench/envbench/ui/keys"
	"github.com/envbench/envbench/ui/screen"
	"github.com/envbench/envbench/ui/theme"
)

// Options configure the TUI.
type Options struct {
	// Catalog is the workspace, already loaded.
	Catalog *envs.Catalog
	// Palette is the colour palette; PlainPalette when NO_COLOR is set.
	Palette theme.Palette
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Runner runs plans and applies; nil means the pipeline.
	Runner screen.Runner
	// Context is what runs derive from; nil means context.Background.
	Context context.Context
	// Changes signals changes to the workspace's files (envs.Watch); the
	// environments list then reloads by itself. Nil: only `r` reloads.
	Changes <-chan struct{}
	// Cloud opens the workspace's accounts for the header's identity and
	// the environments' role checks; nil means DefaultCloud.
	Cloud screen.CloudOpener
	// Simulation prepares a simulated workspace's simulation on start
	// (PipelineSimulation); nil: it is not prepared (tests).
	Simulation Simulation
	// History reads runs and locks for the environment screen; nil means
	// the workspace's journals, local or shared (WorkspaceHistory).
	History screen.History
}

// reloadDelay is how long the list waits after a change to the workspace's
// files before it reloads, so that an editor's save (a write, a rename, a
// chmod) is read once, whole.
const reloadDelay = 150 * time.Millisecond

// filesChangedMsg says the workspace's files changed.
type filesChangedMsg struct{}

// reloadDueMsg says the delay after change number gen has passed.
type reloadDueMsg struct{ gen int }

type entry struct {
	title  string
	screen screen.Screen
}

// Model is the root model.
type Model struct {
	ctx         *screen.Context
	palette     theme.Palette
	stack       []entry
	width       int
	height      int
	flash       string
	flashErr    bool
	confirmQuit string        // what runs, while asking whether to quit
	quitting    bool          // quit once the cancelled work has stopped
	halt        chan struct{} // closed to leave the runs under way to resume later
	leaving     bool          // quitting by leaving the runs, not cancelling them
	outcomes    []outcome     // of screens popped with an unfinished apply
	// background are screens closed while their work still ran: they keep
	// receiving messages until it ends, quitting asks about them, and
	// their outcomes are told like the others'.
	background []screen.Screen
	screens    map[screen.Kind]opener
	command    components.CommandLine
	changes    <-chan struct{}
	changeGen  int // changes seen; a reload waits for the latest
	identity   identity
	simulation Simulation
	preparing  []string // environments the simulation is applying
}

// outcomer is a screen whose work can leave something the user must be
// told once the TUI has closed (the plan screen after an interrupted apply).
type outcomer interface {
	Outcome() (summary string, exitCode int)
}

type outcome struct {
	summary string
	code    int
}

// OutcomeError is what Run returns when work the TUI ran did not finish
// (an apply interrupted by quitting, or failed): Summary says what happened
// and what to do, for the terminal; ExitCode is the process's exit status.
type OutcomeError struct {
	Summary  string
	ExitCode int
}

func (e *OutcomeError) Error() string { return e.Summary }

var _ tea.Model = (*Model)(nil)

// New returns the root model with the environments screen at the bottom of
// the stack.
func New(opts Options) *Model {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Palette.Name == "" {
		opts.Palette = theme.DefaultPalette()
	}
	halt := make(chan struct{})
	if opts.Runner == nil {
		opts.Runner = pipeline.Runner{Halt: halt}
	}
	if opts.Cloud == nil {
		opts.Cloud = DefaultCloud
	}
	if opts.History == nil && opts.Catalog != nil {
		opts.History = NewWorkspaceHistory(opts.Catalog)
	}
	ctx := &screen.Context{
		Catalog: opts.Catalog,
		Styles:  theme.NewStyles(opts.Palette, true),
		Keys:    keys.DefaultKeyMap(),
		Now:     opts.Now,
		Runner:  opts.Runner,
		Base:    opts.Context,
		Runs:    &sync.WaitGroup{},
		Halt:    halt,
		Cloud:   opts.Cloud,
		History: opts.History,
	}
	m := &Model{ctx: ctx, halt: halt, palette: opts.Palette, screens: registry(), changes: opts.Changes, simulation: opts.Simulation}
	m.command = components.NewCommandLine(&ctx.Styles)
	m.stack = []entry{{title: "environments", screen: environments.New(ctx)}}
	return m
}

// Run runs the TUI until the user quits or ctx is cancelled (a signal).
// Either way it returns only once every Terraform run has stopped: runs are
// interrupted and awaited, so Terraform is never killed mid-run and leaves
// no state lock behind. It writes to waitNote while it waits. When an apply
// did not finish, it returns an *OutcomeError that says what happened.
func Run(ctx context.Context, opts Options, waitNote io.Writer) error {
	base, cancel := context.WithCancel(ctx)
	defer cancel()
	opts.Context = base
	if opts.Changes == nil && opts.Catalog != nil {
		// Without a watcher the list still reloads on r.
		if changes, err := envs.Watch(base, opts.Catalog.Root); err == nil {
			opts.Changes = changes
		}
	}
	m := New(opts)
	_, err := tea.NewProgram(m, tea.WithContext(ctx)).Run()
	cancel()
	if m.busy() != "" || ctx.Err() != nil {
		fmt.Fprintln(waitNote, "envbench: waiting for Terraform to exit cleanly…")
	}
	m.ctx.Runs.Wait()
	if summary, code := m.Outcome(); code != 0 {
		return &OutcomeError{Summary: summary, ExitCode: code}
	}
	if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Outcome says what the user must know once the TUI has closed, and the
// exit status: an interrupted or failed apply's summary and 1, else "" and
// 0. Call it once the program has ended and every run has stopped.
func (m *Model) Outcome() (summary string, exitCode int) {
	all := slices.Clone(m.outcomes)
	for _, s := range m.background {
		if o, ok := s.(outcomer); ok {
			if text, code := o.Outcome(); code != 0 {
				all = append(all, outcome{text, code})
			}
		}
	}
	for _, e := range m.stack {
		if o, ok := e.screen.(outcomer); ok {
			if text, code := o.Outcome(); code != 0 {
				all = append(all, outcome{text, code})
			}
		}
	}
	var texts []string
	for _, o := range all {
		texts = append(texts, o.summary)
		exitCode = max(exitCode, o.code)
	}
	return strings.Join(texts, "\n\n"), exitCode
}

// keepOutcomes remembers the outcomes of screens leaving the stack.
func (m *Model) keepOutcomes(entries []entry) {
	for _, e := range entries {
		if o, ok := e.screen.(outcomer); ok {
			if text, code := o.Outcome(); code != 0 {
				m.outcomes = append(m.outcomes, outcome{text, code})
			}
		}
	}
}

// Init asks the terminal for its background colour and starts the first
// screen.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.top().Init(), m.waitForChange(), m.checkIdentity(), m.checkSimulation())
}

// waitForChange waits for the next change to the workspace's files.
func (m *Model) waitForChange() tea.Cmd {
	ch := m.changes
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		if _, ok := <-ch; !ok {
			return nil // the watcher stopped: only r reloads from now on
		}
		return filesChangedMsg{}
	}
}

func (m *Model) top() screen.Screen { return m.stack[len(m.stack)-1].screen }

// Top returns the screen on top of the stack.
func (m *Model) Top() screen.Screen { return m.top() }

// Context returns the context the screens share.
func (m *Model) Context() *screen.Context { return m.ctx }

// bodySize is the space a screen gets: all but the header and footer.
func (m *Model) bodySize() (int, int) { return m.width, max(m.height-2, 0) }

// Update routes a message: navigation and global keys here, input to the
// top screen, everything else to every screen. After a quit confirmed while
// Terraform ran, it quits once the work has stopped.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.route(msg)
	if m.quitting && m.busy() == "" {
		return m, tea.Quit
	}
	return m, cmd
}

func (m *Model) route(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		w, h := m.bodySize()
		for _, e := range m.stack {
			e.screen.SetSize(w, h)
		}
		return nil
	case tea.BackgroundColorMsg:
		m.ctx.Styles = theme.NewStyles(m.palette, msg.IsDark())
		return m.broadcast(msg)
	case screen.PushMsg:
		return m.push(msg.Title, msg.Screen)
	case screen.PopMsg:
		m.pop()
		return nil
	case screen.HomeMsg:
		m.drop(m.stack[1:])
		m.stack = m.stack[:1]
		return nil
	case screen.ReloadMsg:
		return m.reload(msg.Select)
	case filesChangedMsg:
		m.changeGen++
		gen := m.changeGen
		return tea.Batch(m.waitForChange(), tea.Tick(reloadDelay, func(time.Time) tea.Msg { return reloadDueMsg{gen: gen} }))
	case reloadDueMsg:
		if msg.gen != m.changeGen {
			return nil // a later change resets the delay
		}
		return m.reload("")
	case screen.Open:
		cmd, err := m.open(msg)
		if err != nil {
			m.setFlash(err.Error(), true)
		}
		return cmd
	case screen.CatalogMsg:
		if msg.Err != nil {
			m.ctx.LoadErr = msg.Err
			m.setFlash("reload failed: "+msg.Err.Error(), true)
			return nil
		}
		m.ctx.Catalog, m.ctx.LoadErr = msg.Catalog, nil
		return m.broadcast(msg)
	case screen.FlashMsg:
		m.setFlash(msg.Text, msg.Error)
		return nil
	case identityMsg:
		m.identity = identity{caller: msg.caller, err: msg.err}
		return nil
	case simPendingMsg:
		return m.prepareSimulation(msg)
	case simPreparedMsg:
		return m.simulationPrepared(msg)
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.MouseMsg:
		return m.updateTop(msg)
	}
	return m.broadcast(msg)
}

func (m *Model) setFlash(text string, isError bool) { m.flash, m.flashErr = text, isError }

func (m *Model) push(title string, s screen.Screen) tea.Cmd {
	m.stack = append(m.stack, entry{title: title, screen: s})
	s.SetSize(m.bodySize())
	return s.Init()
}

func (m *Model) pop() {
	if len(m.stack) > 1 {
		m.drop(m.stack[len(m.stack)-1:])
		m.stack = m.stack[:len(m.stack)-1]
	}
}

// drop takes screens off the stack: those whose work still runs go on in
// the background; the others' outcomes are kept. Each is told it closed.
func (m *Model) drop(entries []entry) {
	for _, e := range entries {
		if w, ok := e.screen.(screen.Worker); ok && w.Busy() != "" {
			m.background = append(m.background, e.screen)
			continue
		}
		m.keepOutcomes([]entry{e})
	}
	closeScreens(entries)
}

// updateBackground gives a message to the screens working in the
// background, and lets go of those whose work has ended.
func (m *Model) updateBackground(msg tea.Msg) tea.Cmd {
	if len(m.background) == 0 {
		return nil
	}
	cmds := make([]tea.Cmd, 0, len(m.background))
	kept := m.background[:0]
	for _, s := range m.background {
		s, cmd := s.Update(msg)
		cmds = append(cmds, cmd)
		if w, ok := s.(screen.Worker); ok && w.Busy() != "" {
			kept = append(kept, s)
			continue
		}
		m.keepOutcomes([]entry{{screen: s}})
	}
	m.background = kept
	return tea.Batch(cmds...)
}

// reload loads the workspace again, off the UI goroutine.
func (m *Model) reload(selectName string) tea.Cmd {
	if m.ctx.Catalog == nil {
		return nil
	}
	root, now := m.ctx.Catalog.Root, m.ctx.Now()
	return func() tea.Msg {
		c, err := envs.Open(root, now)
		return screen.CatalogMsg{Catalog: c, Err: err, Select: selectName}
	}
}

// updateTop gives a message to the top screen only.
func (m *Model) updateTop(msg tea.Msg) tea.Cmd {
	i := len(m.stack) - 1
	s, cmd := m.stack[i].screen.Update(msg)
	m.stack[i].screen = s
	return cmd
}

// broadcast gives a message to every screen; each ignores what is not its
// own.
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	cmds := make([]tea.Cmd, 0, len(m.stack)+1)
	for i := range m.stack {
		s, cmd := m.stack[i].screen.Update(msg)
		m.stack[i].screen = s
		cmds = append(cmds, cmd)
	}
	cmds = append(cmds, m.updateBackground(msg))
	return tea.Batch(cmds...)
}

// busy returns what runs in any screen, or "": those on the stack first,
// then those in the background.
func (m *Model) busy() string {
	for i := len(m.stack) - 1; i >= 0; i-- {
		if w, ok := m.stack[i].screen.(screen.Worker); ok {
			if b := w.Busy(); b != "" {
				return b
			}
		}
	}
	for _, s := range m.background {
		if b := s.(screen.Worker).Busy(); b != "" {
			return b
		}
	}
	return ""
}

func (m *Model) capturing() bool {
	c, ok := m.top().(screen.InputCapturer)
	return ok && c.CapturingInput()
}

// handleKey acts on the global keys and forwards the rest.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.ctx.Keys
	m.flash = ""
	if m.quitting {
		if key.Matches(msg, k.Force) {
			return tea.Quit // asked twice: quit now, whatever Terraform leaves
		}
		return nil
	}
	if m.confirmQuit != "" {
		return m.answerQuit(msg)
	}
	if m.command.Active() {
		return m.handleCommandKey(msg)
	}
	if key.Matches(msg, k.Force) {
		if w, ok := m.top().(screen.Worker); ok && w.Busy() != "" {
			return m.updateTop(msg)
		}
		return m.quit()
	}
	if m.capturing() {
		return m.updateTop(msg)
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		if _, isHelp := m.top().(*help.Screen); !isHelp {
			cmd, _ := m.open(screen.Open{Kind: screen.KindHelp})
			return cmd
		}
		return nil
	case key.Matches(msg, k.Command):
		cmd := m.command.Open()
		m.sizeCommandLine()
		return cmd
	case key.Matches(msg, k.Back):
		if b, ok := m.top().(screen.Backer); ok && b.Back() {
			return nil
		}
		if len(m.stack) > 1 {
			m.pop()
			return nil
		}
	}
	return m.updateTop(msg)
}

// quit quits, or asks first while work runs.
func (m *Model) quit() tea.Cmd {
	if b := m.busy(); b != "" {
		m.confirmQuit = b
		return nil
	}
	return tea.Quit
}

// answerQuit handles the answer to "quit while work runs?": y interrupts
// the work and quits once Terraform has exited, so no state lock is left;
// l leaves the runs to resume later: each finishes the step in flight,
// then stops resumable, and the TUI quits once all have stopped. Either
// way the terminal then says which runs were left and how to resume them
// (Outcome). Any other key keeps working.
func (m *Model) answerQuit(msg tea.KeyPressMsg) tea.Cmd {
	m.confirmQuit = ""
	switch {
	case key.Matches(msg, m.ctx.Keys.Yes):
		m.quitting = true
		for _, e := range m.stack {
			if w, ok := e.screen.(screen.Worker); ok {
				w.Cancel()
			}
		}
		for _, s := range m.background {
			s.(screen.Worker).Cancel()
		}
	case key.Matches(msg, m.ctx.Keys.Leave):
		m.quitting, m.leaving = true, true
		if m.halt != nil {
			close(m.halt)
			m.halt = nil
		}
	}
	return nil
}

func (m *Model) helpScreen() *help.Screen {
	k := m.ctx.Keys
	return help.New(m.ctx,
		help.Section{Title: "This screen (" + m.stack[len(m.stack)-1].title + ")", Bindings: m.top().Bindings()},
		help.Section{Title: "Everywhere", Bindings: k.Global()},
	)
}

// View draws the header, the top screen and the footer.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "envbench"
	return v
}

func (m *Model) render() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	w, h := m.bodySize()
	switch m.height {
	case 1:
		return m.header()
	case 2:
		return m.header() + "\n" + m.footer()
	}
	return m.header() + "\n" + clip(m.top().View(), w, h) + "\n" + m.footer()
}

// clip cuts s to at most w columns and exactly h lines, so no screen can push
// the footer off the terminal.
func clip(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, line := range lines {
		if ansi.StringWidth(line) > w {
			lines[i] = ansi.Truncate(line, w, "")
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// header is the top bar: envbench, the workspace and the breadcrumb on
// the left; who the caller is and where the environments live on the
// right. When the terminal is narrow the breadcrumb gives way last, the
// caller's identity is shortened (the ARN, the account and name, the
// name, the account) and then dropped; the cloud note stays.
func (m *Model) header() string {
	st := &m.ctx.Styles
	base := " envbench"
	if c := m.ctx.Catalog; c != nil && c.Settings.Name != "" {
		base += " · " + c.Settings.Name
	}
	crumbs := make([]string, len(m.stack))
	for i, e := range m.stack {
		crumbs[i] = e.title
	}
	lefts := []string{base + " › " + strings.Join(crumbs, " › ")}
	if len(crumbs) > 1 {
		lefts = append(lefts, base+" › "+crumbs[len(crumbs)-1])
	}
	lefts = append(lefts, base)
	notes := []string{"AWS "}
	if c := m.ctx.Catalog; c != nil && c.Settings.Cloud == config.CloudSimulated {
		notes = []string{"simulated AWS · nothing leaves this machine ", "simulated AWS · local only "}
		if p := m.simulationNotes(); p != nil {
			notes = p
		}
	}
	fits := func(left, right string) bool { return ansi.StringWidth(left)+ansi.StringWidth(right)+1 <= m.width }
	left, right := m.headerParts(lefts, notes, fits)
	gap := m.width - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		right = ""
		gap = max(m.width-ansi.StringWidth(left), 0)
	}
	line := st.Header.Render(left+strings.Repeat(" ", gap)) + st.HeaderNote.Render(right)
	return ansi.Truncate(line, m.width, "")
}

// headerParts picks the header's left and right parts that fit: the
// richest identity first, then the longest breadcrumb, then the longer
// cloud note. Without an identity that fits, the cloud note comes first,
// then the breadcrumb.
func (m *Model) headerParts(lefts, notes []string, fits func(left, right string) bool) (string, string) {
	for _, id := range m.identity.texts() {
		for _, l := range lefts {
			for _, n := range notes {
				if fits(l, id+" · "+n) {
					return l, id + " · " + n
				}
			}
		}
	}
	base := lefts[len(lefts)-1]
	right := notes[0]
	if ansi.StringWidth(base+right) > m.width {
		right = notes[len(notes)-1]
	}
	for _, l := range lefts[:len(lefts)-1] {
		if fits(l, right) {
			return l, right
		}
	}
	return base, right
}

func (m *Model) footer() string {
	st := &m.ctx.Styles
	switch {
	case m.command.Active():
		line := m.command.View()
		if m.command.Hint != "" {
			line += "  " + st.Subtle.Render(m.command.Hint)
		}
		return ansi.Truncate(line, m.width, "…")
	case m.quitting && m.leaving:
		return ansi.Truncate(st.FlashError.Render("quitting: letting the step in flight finish, then the run stops, to resume later… (ctrl+c again quits now and may leave the state locked)"), m.width, "…")
	case m.quitting:
		return ansi.Truncate(st.FlashError.Render("quitting: waiting for Terraform to exit cleanly… (ctrl+c again quits now and may leave the state locked)"), m.width, "…")
	case m.confirmQuit != "":
		line := m.confirmQuit + " is running. Quit? y cancel it · l leave it to resume later · n keep working"
		if ansi.StringWidth(line) > m.width {
			line = m.confirmQuit + " runs. Quit? y cancel · l resume later · n stay"
		}
		return ansi.Truncate(st.FlashError.Render(line), m.width, "…")
	case m.flash != "":
		style := st.Flash
		if m.flashErr {
			style = st.FlashError
		}
		return ansi.Truncate(style.Render(m.flash), m.width, "…")
	}
	k := m.ctx.Keys
	global := []key.Binding{k.Help, k.Quit}
	if len(m.stack) > 1 {
		global = []key.Binding{k.Back, k.Help}
	}
	if m.capturing() {
		global = nil
	}
	return components.ShortHelp(st, m.width, append(global, m.top().Bindings()...))
}
