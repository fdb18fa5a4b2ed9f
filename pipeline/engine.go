package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
)

// StepDef is one step of a pipeline, as data: a name, an action, an
// optional probe that says the work is already done, a retry policy and a
// timeout per attempt; or, for a step fanned out over items, the lanes and
// the action of one lane.
type StepDef struct {
	Name Step
	// Describe, if set, is the message of the step's StepStarted event
	// ("terraform init (terraform 1.5.7)"); else the step's name.
	Describe func(ctx context.Context, r *Run) string
	// Action does the step's work. It may run again: on a retryable failure,
	// and on resume when the step was in flight and its Probe does not say it
	// is done. It reports through r.
	Action func(ctx context.Context, r *Run) error
	// Probe, if set, says whether the step's work is already done. Resume
	// calls it for the step that was in flight (or failed) when the run
	// stopped.
	Probe   func(ctx context.Context, r *Run) (bool, error)
	Retry   RetryPolicy   // zero value: no retry
	Timeout time.Duration // per attempt; 0: none
	// Lanes, if set, fans the step out: it lists the items, LaneAction runs
	// each (each with its own attempts under Retry), at most Concurrency at
	// once (0: all). A failed lane fails the step only after the other lanes
	// end; lanes that finished are journaled and skipped on resume.
	Lanes       func(ctx context.Context, r *Run) ([]string, error)
	LaneAction  func(ctx context.Context, r *Run, lane string) error
	Concurrency int
}

// Pipeline is a run's steps and what it was started with.
type Pipeline struct {
	Kind string // plan, apply, clone, teardown, reap, with
	Env  string
	// Args are journaled on RunStarted: enough for a builder to make the
	// same pipeline on resume. Never a secret.
	Args  map[string]string
	Steps []StepDef
	// NoLock: the engine does not take the environment's lock (reap, which
	// tears each env down in its own run). Otherwise the engine's first step
	// is StepLock, reported like any other step, held until the run ends.
	NoLock bool
}

// Engine runs pipelines: it journals every event before its Sink sees it,
// takes the environment's lock, retries what Retryable accepts, fans steps
// out into lanes and resumes runs from their journal.
type Engine struct {
	Journal Journal        // required
	Locks   Locker         // nil: no lock (tests of the engine alone)
	Clock   Clock          // nil: SystemClock()
	Rand    func() float64 // jitter draws in [0,1); nil: math/rand/v2
	// Sink receives every event, in Seq order, after it is journaled. It is
	// called with the run's event lock held: it must not call back into the
	// run's Emit.
	Sink func(Event)
	// Halt, when closed, lets the step in flight finish, then stops the run
	// as RunInterrupted (resumable) instead of starting the next step:
	// SIGTERM's deferred shutdown. A step waiting to retry stops waiting,
	// and so do lanes not yet started.
	Halt <-chan struct{}
	// Logs opens a run's log, where Terraform events and Log lines go (one
	// text line each, besides the Event to Sink) instead of into the
	// journal. nil: RunLogPath beside a LocalJournal, else no log file.
	Logs func(env, runID string) (io.WriteCloser, error)
	// Before runs before a run, or a resumed one, takes its lock: for a
	// simulated workspace, waiting until its simulation is prepared, so
	// that a run never meets the lock of the simulation's own apply of the
	// same environment. nil: nothing.
	Before func(ctx context.Context) error

	// lanesFull, for tests, is called when a lane waits for a free slot.
	lanesFull func()
}

// ErrHalted ends a run stopped by Engine.Halt: it is interrupted, and
// resumable.
var ErrHalted = errors.New("run halted")

// ErrSucceeded is returned when resuming a run that succeeded.
var ErrSucceeded = errors.New("run already succeeded")

func (e *Engine) clock() Clock {
	if e.Clock == nil {
		return SystemClock()
	}
	return e.Clock
}

func (e *Engine) rand() float64 {
	if e.Rand == nil {
		return rand.Float64()
	}
	return e.Rand()
}

func (e *Engine) logs() func(env, runID string) (io.WriteCloser, error) {
	if e.Logs != nil {
		return e.Logs
	}
	switch j := e.Journal.(type) {
	case LocalJournal:
		return LocalLogs(j.Root)
	case *LocalJournal:
		return LocalLogs(j.Root)
	}
	return nil
}

// runCore is a run's shared state; every *Run handed to a step is a view of
// it for one step, lane and attempt.
type runCore struct {
	engine *Engine
	id     string
	env    string
	kind   string
	clock  Clock
	w      JournalWriter
	log    io.WriteCloser

	emitMu sync.Mutex // orders events: Seq, journal and log
	seq    int64
	logErr error
	queue  []Event    // events not yet handed to the Sink, in Seq order
	lazy   int64      // a lazy record written and not yet synced
	sinkMu sync.Mutex // one delivery to the Sink at a time

	mu        sync.Mutex
	outputs   map[string]string
	atEnd     []func() // AtEnd's, last first
	terraform string
	status    RunStatus
	err       error
}

// Run is a run under way, as its steps see it: its id and environment, the
// attempt in flight, outputs of earlier steps, and the ways to report. It
// is safe for concurrent use by lanes. The *Run that Engine.Run returns
// says how the run ended.
type Run struct {
	core    *runCore
	step    Step
	lane    string
	attempt int

	mu      sync.Mutex
	said    string
	outputs map[string]string // set by this attempt, journaled when it finishes
}

// ID is the run's id.
func (r *Run) ID() string { return r.core.id }

// AtEnd has f called when this process's part of the run ends, after its
// last step and before its lock is released, whatever the outcome; the
// last registered is called first. Steps use it for what lives as long
// as the run (the simulated provider's server).
func (r *Run) AtEnd(f func()) {
	r.core.mu.Lock()
	r.core.atEnd = append(r.core.atEnd, f)
	r.core.mu.Unlock()
}

// endRun calls the AtEnd functions.
func (c *runCore) endRun() {
	c.mu.Lock()
	fs := c.atEnd
	c.atEnd = nil
	c.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// Env is the environment the run is on.
func (r *Run) Env() string { return r.core.env }

// Attempt is the attempt of the step in flight, from 1.
func (r *Run) Attempt() int { return r.attempt }

// Emit reports an event: Terraform events, Log lines, Progress. The engine
// fills Seq, RunID, Env, Time, Step, Lane and Attempt.
func (r *Run) Emit(e Event) {
	if e.Step == "" {
		e.Step = r.step
	}
	if e.Lane == "" {
		e.Lane = r.lane
	}
	if e.Attempt == 0 {
		e.Attempt = r.attempt
	}
	_ = r.core.emit(context.Background(), e)
}

// Progress reports that fraction (0..1) of the step is done.
func (r *Run) Progress(fraction float64, msg string) {
	r.Emit(Event{Kind: Progress, Fraction: fraction, Message: msg})
}

// Logf reports one Log line: it goes to the run log and the Sink, not the
// journal.
func (r *Run) Logf(format string, args ...any) {
	r.Emit(Event{Kind: Log, Message: fmt.Sprintf(format, args...)})
}

// Say sets the message of the StepFinished event of the step in flight.
func (r *Run) Say(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.said = msg
}

// Set records a step output: journaled with the step's (or lane's)
// StepFinished, restored on resume, read by later steps with Get. Lanes of
// one step should set keys of their own (prefixed with the lane). Never a
// secret: see SetSecretRef.
func (r *Run) Set(key, value string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.outputs == nil {
		r.outputs = map[string]string{}
	}
	r.outputs[key] = value
}

// SecretRefPrefix marks an output that is a reference to a sensitive
// value, not the value.
const SecretRefPrefix = "secret-ref:"

// SetSecretRef records a sensitive output by reference only: where the
// value lives, e.g. "outputs-file:.envbench/outputs/qa.json#db_password".
// Get returns the reference with SecretRefPrefix before it.
func (r *Run) SetSecretRef(key, ref string) {
	r.Set(key, SecretRefPrefix+ref)
}

// Get returns an output set by this step or an earlier one, "" if none.
func (r *Run) Get(key string) string {
	r.mu.Lock()
	v, ok := r.outputs[key]
	r.mu.Unlock()
	if ok {
		return v
	}
	r.core.mu.Lock()
	defer r.core.mu.Unlock()
	return r.core.outputs[key]
}

// SetTerraform names the Terraform binary and version the run uses
// ("terraform 1.5.7"): every event from then on carries it.
func (r *Run) SetTerraform(name string) {
	r.core.mu.Lock()
	defer r.core.mu.Unlock()
	r.core.terraform = name
}

// Status says how the run ended, or RunRunning.
func (r *Run) Status() RunStatus {
	r.core.mu.Lock()
	defer r.core.mu.Unlock()
	return r.core.status
}

// Err is the error that ended the run, if any.
func (r *Run) Err() error {
	r.core.mu.Lock()
	defer r.core.mu.Unlock()
	return r.core.err
}

// Outputs returns a copy of the run's outputs so far.
func (r *Run) Outputs() map[string]string {
	r.core.mu.Lock()
	defer r.core.mu.Unlock()
	return maps.Clone(r.core.outputs)
}

// view is a Run for one step, lane and attempt.
func (c *runCore) view(step Step, lane string, attempt int) *Run {
	return &Run{core: c, step: step, lane: lane, attempt: attempt}
}

// journaled reports whether events of kind k go into the journal.
func journaled(k EventKind) bool { return k != Terraform && k != Log }

// groupWriter is a JournalWriter that can write a record at once and make
// it durable afterwards, so that records written by lanes at the same time
// share one sync. LocalJournal's writer is one.
type groupWriter interface {
	write(e Event) (int64, error)
	syncTo(n int64) error
}

// emit numbers, stamps, journals (or logs) and sinks one event. Events
// reach the Sink in Seq order, each after it is durable. A journal that
// cannot be written is the run's error: the run must not go on without
// its record.
func (c *runCore) emit(ctx context.Context, e Event) error {
	return c.emitRecord(ctx, e, false)
}

// emitRecord is emit; a lazy record (a step's StepFinished) is written
// but synced, and handed to the Sink, with the next event: the next step's
// StepStarted shares its fsync. Until then a crash may lose it, and resume
// takes the step for one in flight: it probes it or runs it again, as it
// would had the crash come a moment earlier.
func (c *runCore) emitRecord(ctx context.Context, e Event, lazy bool) error {
	c.emitMu.Lock()
	c.seq++
	e.Seq, e.RunID, e.Env = c.seq, c.id, c.env
	if e.Time.IsZero() {
		e.Time = c.clock.Now().UTC()
	}
	c.mu.Lock()
	if e.Terraform == "" {
		e.Terraform = c.terraform
	}
	c.mu.Unlock()
	var (
		err     error
		pending int64 // the record to sync before the Sink sees e
	)
	gw, group := c.w.(groupWriter)
	switch {
	case !journaled(e.Kind):
		if c.log != nil && c.logErr == nil {
			_, c.logErr = io.WriteString(c.log, logLine(e))
		}
	case group:
		pending, err = gw.write(e)
	default:
		err = c.w.Append(ctx, e)
	}
	if err == nil {
		c.queue = append(c.queue, e)
	}
	if lazy && group && err == nil {
		c.lazy = pending
		c.emitMu.Unlock()
		return nil
	}
	if c.lazy > pending {
		pending = c.lazy
	}
	c.lazy = 0
	c.emitMu.Unlock()
	if err == nil && pending > 0 {
		err = gw.syncTo(pending)
	}
	c.deliver(e.Seq)
	return err
}

// deliver hands the Sink every queued event up to seq, in order: all of
// them are durable once seq is (records are written in Seq order).
func (c *runCore) deliver(seq int64) {
	c.sinkMu.Lock()
	defer c.sinkMu.Unlock()
	c.emitMu.Lock()
	n := 0
	for n < len(c.queue) && c.queue[n].Seq <= seq {
		n++
	}
	ready := slices.Clone(c.queue[:n])
	c.queue = c.queue[n:]
	c.emitMu.Unlock()
	if c.engine.Sink != nil {
		for _, e := range ready {
			c.engine.Sink(e)
		}
	}
}

// logLine is an event as a line of the run log.
func logLine(e Event) string {
	var b strings.Builder
	b.WriteString(e.Time.UTC().Format(time.RFC3339))
	b.WriteString(" ")
	b.WriteString(string(e.Step))
	if e.Lane != "" {
		b.WriteString("/" + e.Lane)
	}
	if e.Kind == Terraform && e.TF != nil {
		b.WriteString(" terraform ")
		b.WriteString(string(e.TF.Type))
		msg := e.TF.Message
		if e.TF.Diagnostic != nil && msg == "" {
			msg = e.TF.Diagnostic.Summary
		}
		if msg != "" {
			b.WriteString(": " + msg)
		}
	} else {
		b.WriteString(" " + e.Message)
	}
	b.WriteString("\n")
	return strings.ReplaceAll(b.String()[:b.Len()-1], "\n", " ") + "\n"
}
