package pipeline

import (
	"time"

	"github.com/envbench/envbench/envs"
)

// NewEngine is the engine for runs in c's workspace, sending every event to
// sink: opts' Journal, Locks, Clock and Halt, and where they are nil the
// workspace's own: a LocalJournal and LocalLocks under c.Root. Run logs go
// to RunLogPath under c.Root whatever the journal. This is the one place
// that chooses the stores of a run.
func NewEngine(c *envs.Catalog, opts Options, sink func(Event)) *Engine {
	e := &Engine{Journal: opts.Journal, Locks: opts.Locks, Clock: opts.Clock, Sink: sink, Halt: opts.Halt, Logs: LocalLogs(c.Root)}
	if e.Journal == nil {
		e.Journal = LocalJournal{Root: c.Root}
	}
	if e.Locks == nil {
		e.Locks = LocalLocks{Root: c.Root}
	}
	if e.Clock == nil && opts.Now != nil {
		e.Clock = nowClock{now: opts.Now, Clock: SystemClock()}
	}
	return e
}

// nowClock is the system clock's sleep with Options.Now's time.
type nowClock struct {
	Clock
	now func() time.Time
}

func (c nowClock) Now() time.Time { return c.now() }
