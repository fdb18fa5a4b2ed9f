// Package screen is the contract between the root model and the screens:
// the Screen interface, the shared Context, and the messages screens use to
// navigate and report.
package screen

import (
	"context"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/keys"
	"github.com/envbench/envbench/ui/theme"
)

// Screen is one screen of the TUI. The root model keeps a stack of them:
// key and mouse input go to the top screen, every other message to all of
// them (each ignores what is not its own, by id).
type Screen interface {
	Init() tea.Cmd
	Update(msg tea.Msg) (Screen, tea.Cmd)
	View() string
	// SetSize gives the screen the space it may draw in.
	SetSize(width, height int)
	// Bindings are the keys the screen handles, for the footer and help.
	Bindings() []key.Binding
}

// InputCapturer is implemented by screens that sometimes take typed text
// (a filter, a form). While CapturingInput is true, the root model passes
// every key to the screen instead of acting on q, ? and esc itself.
type InputCapturer interface {
	CapturingInput() bool
}

// Worker is implemented by screens that run long work (Terraform). Busy
// says what runs, or "" when nothing does; the root model asks before
// quitting while something runs and passes ctrl+c to the screen to cancel.
// Cancel interrupts the work; the screen stays busy until it has stopped.
type Worker interface {
	Busy() string
	Cancel()
}

// Backer is implemented by screens with inner levels (an expanded diff, a
// dialog): Back closes the innermost level and reports true, or reports
// false to let the root model pop the screen.
type Backer interface {
	Back() bool
}

// Closer is implemented by screens that must know when they are popped:
// a run screen then refuses the approvals its run asks for later, which no
// one would see.
type Closer interface {
	Close()
}

// Runner starts the pipelines' runs. The TUI's runner is the pipeline;
// tests give a fake. Every call blocks until the run ends and reports its
// events to sink as they happen. ask, where a call takes one, is asked for
// the approval a run needs (a clone's reviewed plan, a teardown's typed
// name) on the run's goroutine, and may block until it is answered or ctx
// is done.
type Runner interface {
	Plan(ctx context.Context, c *envs.Catalog, env, runID string, sink func(pipeline.Event)) (*pipeline.PlanResult, error)
	Apply(ctx context.Context, c *envs.Catalog, env string, plan *pipeline.PlanResult, confirm, runID string, sink func(pipeline.Event)) (*pipeline.ApplyResult, error)
	Clone(ctx context.Context, c *envs.Catalog, env, runID string, ask pipeline.Approver, sink func(pipeline.Event)) (*pipeline.CloneResult, error)
	Teardown(ctx context.Context, c *envs.Catalog, env, runID string, ask pipeline.Approver, sink func(pipeline.Event)) (*pipeline.TeardownResult, error)
	// Resume goes on with the run runID from its journal (pipeline.Resume):
	// finished steps are skipped, the one it stopped in is probed.
	Resume(ctx context.Context, c *envs.Catalog, runID string, ask pipeline.Approver, sink func(pipeline.Event)) error
	// Reap tears down the expired sandboxes, one teardown run each, once
	// ask has approved them (typed "reap").
	Reap(ctx context.Context, c *envs.Catalog, ask pipeline.Approver, sink func(pipeline.Event)) (*pipeline.ReapResult, error)
}

// Context is what every screen shares: the catalog, the styles, the keys and
// the clock. The root model owns it; screens read it.
type Context struct {
	Catalog *envs.Catalog
	// LoadErr is set when the workspace could not be reloaded.
	LoadErr error
	Styles  theme.Styles
	Keys    keys.KeyMap
	// Now is the clock; tests fix it.
	Now func() time.Time
	// Runner runs plans and applies.
	Runner Runner
	// Base is the context runs derive from: cancelled when the program
	// ends, so runs are interrupted, never left behind.
	Base context.Context
	// Runs counts the runs under way; the program waits for them before it
	// exits, so Terraform is never killed mid-run.
	Runs *sync.WaitGroup
	// Halt is closed when the user quits and leaves the runs under way to
	// resume later: runs pass it as pipeline.Options.Halt, so each stops
	// after the step in flight, interrupted and resumable. nil: never.
	Halt <-chan struct{}
	// Cloud opens the workspace's accounts for the identity and role
	// checks; nil: no checks.
	Cloud CloudOpener
	// History reads the workspace's runs and locks; nil: none are shown.
	History History
}

// History reads what the journals and locks say about environments' runs.
// Its calls do I/O: screens make them inside a tea.Cmd.
type History interface {
	// Runs returns env's runs, or every environment's when env is "",
	// newest first.
	Runs(ctx context.Context, env string) ([]pipeline.RunSummary, error)
	// Lock returns who holds env's lock, if anyone does.
	Lock(ctx context.Context, env string) (pipeline.Holder, bool, error)
}

// StartRun registers a run and returns its context and cancel function;
// call done when the run has ended.
func (c *Context) StartRun() (ctx context.Context, cancel context.CancelFunc, done func()) {
	base := c.Base
	if base == nil {
		base = context.Background()
	}
	ctx, cancel = context.WithCancel(base)
	if c.Runs == nil {
		return ctx, cancel, func() {}
	}
	c.Runs.Add(1)
	return ctx, cancel, c.Runs.Done
}

// RunEndedMsg says a run of Env started in this TUI has ended: screens that
// show runs read the journals again.
type RunEndedMsg struct {
	Env   string
	RunID string
}

// PushMsg asks the root model to push a screen.
type PushMsg struct {
	Title  string
	Screen Screen
}

// Push returns a command that pushes s under the given breadcrumb title.
func Push(title string, s Screen) tea.Cmd {
	return func() tea.Msg { return PushMsg{Title: title, Screen: s} }
}

// PopMsg asks the root model to pop the top screen.
type PopMsg struct{}

// Pop returns a command that pops the top screen.
func Pop() tea.Msg { return PopMsg{} }

// HomeMsg asks the root model to pop every screen but the first.
type HomeMsg struct{}

// Home returns to the first screen.
func Home() tea.Msg { return HomeMsg{} }

// ReloadMsg asks the root model to reload the workspace from disk.
// Select names an environment the environments screen should select.
type ReloadMsg struct{ Select string }

// CatalogMsg carries a freshly loaded catalog to every screen.
type CatalogMsg struct {
	Catalog *envs.Catalog
	Err     error
	Select  string
}

// FlashMsg shows a short message in the footer.
type FlashMsg struct {
	Text  string
	Error bool
}

// Flash returns a command that shows text in the footer.
func Flash(text string, isError bool) tea.Cmd {
	return func() tea.Msg { return FlashMsg{Text: text, Error: isError} }
}
