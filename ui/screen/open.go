package screen

import tea "charm.land/bubbletea/v2"

// Kind names a kind of screen. The root model keeps a registry from kinds
// to constructors, so screens open one another, and the `:` command line
// opens any of them, by name rather than by building each other.
type Kind string

// The kinds of screen.
const (
	KindEnvironments Kind = "environments"
	KindArchetypes   Kind = "archetypes"
	KindPlan         Kind = "plan"
	KindNewEnv       Kind = "new"
	KindHelp         Kind = "help"
	KindRun          Kind = "run"
	KindEnv          Kind = "env"
)

// Open asks the root model to open a screen of a kind: for an
// environment's screens (plan), Env names the environment; for a new
// environment, Archetype names the archetype, or is empty to pick one
// (suggesting the archetype of Env when set).
type Open struct {
	Kind      Kind
	Env       string
	Archetype string
	// Pipeline names the pipeline a run screen starts (plan, clone,
	// teardown, reap), empty to show RunID.
	Pipeline string
	// RunID names a run to show: followed from its journal while another
	// process runs it; with Resume, resumed here instead.
	RunID  string
	Resume bool
}

// Cmd returns a command that sends o to the root model.
func (o Open) Cmd() tea.Cmd { return func() tea.Msg { return o } }
