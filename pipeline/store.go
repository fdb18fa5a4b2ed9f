package pipeline

import (
	"context"
	"time"
)

// Journal keeps the events of runs, append-only: the record a run is
// resumed from, and what `envbench runs` and the run screen read. It lives
// in local files (.envbench/runs/<env>/<run-id>.jsonl) or, in team mode, in
// an S3 bucket beside the Terraform state. Every backend passes one
// conformance suite.
type Journal interface {
	// Writer opens a run's journal for appending, creating it if it is new.
	Writer(ctx context.Context, env, runID string) (JournalWriter, error)
	// Read returns a run's events in Seq order. A torn last record, left by a
	// crash in the middle of a write, is dropped; a bad record elsewhere is an
	// error that says where.
	Read(ctx context.Context, env, runID string) ([]Event, error)
	// Runs lists the runs of env, or of every environment when env is "",
	// newest first.
	Runs(ctx context.Context, env string) ([]RunRef, error)
}

// JournalWriter appends one run's events.
type JournalWriter interface {
	// Append records e durably before it returns: a local journal syncs the
	// line to disk, a shared one has written its object.
	Append(ctx context.Context, e Event) error
	Close() error
}

// RunRef names a run.
type RunRef struct {
	Env   string
	RunID string
}

// RunSummary is a run as `envbench runs`, the environments list's "last
// run" column and the environment screen show it, computed from its
// journal.
type RunSummary struct {
	RunID    string
	Env      string
	Pipeline string
	Args     map[string]string
	Started  time.Time
	Ended    time.Time // zero while it runs or when it was interrupted
	Status   RunStatus
	Step     Step   // the last step started
	Message  string // how it ended: the failed step's error, or the last message
	// By is who started the run (user@host); ResumedBy who resumed it
	// last, when that was someone else or another machine.
	By        string
	ResumedBy string
}

// Locker keeps the one-run-per-environment locks: local files by default,
// objects written with If-None-Match: * in team mode. Every backend passes
// one conformance suite.
type Locker interface {
	// Acquire takes env's lock for h. A held lock is a *LockedError naming
	// its holder; a lock whose holder is known to be dead (a process gone on
	// this host) is taken over, and the Held says whose it was.
	Acquire(ctx context.Context, env string, h Holder) (Held, error)
	// Read returns who holds env's lock, if anyone does.
	Read(ctx context.Context, env string) (Holder, bool, error)
	// Break removes env's lock whoever holds it (envbench unlock --force),
	// and returns who held it.
	Break(ctx context.Context, env string) (Holder, bool, error)
}

// Held is a lock a run holds.
type Held interface {
	// Release gives the lock back if it is still this run's.
	Release() error
	// Holder is who the lock says holds it.
	Holder() Holder
	// Message is what the lock step reports: "locked", or whose dead run's
	// lock was taken over.
	Message() string
}
