package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// lockRetry is the lock step's policy: only a lost race for the lock
// (ErrLockRace) is retryable, and it settles at once.
var lockRetry = RetryPolicy{Attempts: 3, FirstDelay: 50 * time.Millisecond, MaxDelay: 200 * time.Millisecond, Multiplier: 2, Jitter: 0.5}

// Run runs p as a new run named runID ("" = NewRunID(clock.Now())). Every
// event is journaled (fsync'd) before Sink sees it, except Terraform and
// Log events, which go to the run log. It returns the run (its Status, Err,
// outputs) and the error that ended it: a step's own error, unwrapped, or
// one wrapping ErrHalted.
func (e *Engine) Run(ctx context.Context, p Pipeline, runID string) (*Run, error) {
	if err := e.check(p); err != nil {
		return nil, err
	}
	if e.Before != nil {
		if err := e.Before(ctx); err != nil {
			return nil, err
		}
	}
	clock := e.clock()
	if runID == "" {
		runID = NewRunID(clock.Now())
	}
	c, err := e.open(ctx, p, runID)
	if err != nil {
		return nil, err
	}
	return e.execute(ctx, c, p, Event{Kind: RunStarted, Pipeline: p.Kind, Args: p.Args, By: operator(), Message: "started"}, nil, nil)
}

// check refuses a pipeline the engine cannot run, saying what is wrong.
func (e *Engine) check(p Pipeline) error {
	if e.Journal == nil {
		return fmt.Errorf("run %s of %s: the engine has no journal", p.Kind, p.Env)
	}
	if err := checkName("environment", p.Env); err != nil {
		return fmt.Errorf("%s pipeline: %w", p.Kind, err)
	}
	if p.Kind == "" {
		return fmt.Errorf("pipeline on %s: no kind", p.Env)
	}
	seen := map[Step]bool{StepLock: !p.NoLock}
	for i, s := range p.Steps {
		switch {
		case s.Name == "":
			return fmt.Errorf("%s pipeline: step %d has no name", p.Kind, i+1)
		case seen[s.Name]:
			return fmt.Errorf("%s pipeline: step %s appears twice (or is the engine's own lock step)", p.Kind, s.Name)
		case s.Lanes != nil && s.LaneAction == nil, s.Lanes == nil && s.LaneAction != nil:
			return fmt.Errorf("%s pipeline: step %s needs both Lanes and LaneAction", p.Kind, s.Name)
		case s.Lanes == nil && s.Action == nil:
			return fmt.Errorf("%s pipeline: step %s has no action", p.Kind, s.Name)
		case s.Lanes != nil && s.Action != nil:
			return fmt.Errorf("%s pipeline: step %s has both an Action and lanes", p.Kind, s.Name)
		}
		seen[s.Name] = true
	}
	return nil
}

// open starts writing a run: its journal and its log.
func (e *Engine) open(ctx context.Context, p Pipeline, runID string) (*runCore, error) {
	w, err := e.Journal.Writer(ctx, p.Env, runID)
	if err != nil {
		return nil, fmt.Errorf("%s run %s of %s: %w", p.Kind, runID, p.Env, err)
	}
	c := &runCore{engine: e, id: runID, env: p.Env, kind: p.Kind, clock: e.clock(), w: w, outputs: map[string]string{}, status: RunRunning}
	if open := e.logs(); open != nil {
		if c.log, err = open(p.Env, runID); err != nil {
			w.Close()
			return nil, fmt.Errorf("%s run %s of %s: %w", p.Kind, runID, p.Env, err)
		}
	}
	return c, nil
}

func (c *runCore) close() {
	c.w.Close()
	if c.log != nil {
		c.log.Close()
	}
}

// execution is one process's part of a run.
type execution struct {
	e  *Engine
	c  *runCore
	rs *resumeState // nil for a new run

	journalErr error // the first event the journal refused
	errMu      sync.Mutex
}

// emit reports an event the engine makes; a journal error is kept, and
// ends the run after the step.
func (x *execution) emit(ctx context.Context, e Event) {
	x.record(ctx, e, false)
}

// record is emit, lazily synced when lazy (runCore.emitRecord).
func (x *execution) record(ctx context.Context, e Event, lazy bool) {
	if err := x.c.emitRecord(context.WithoutCancel(ctx), e, lazy); err != nil {
		x.errMu.Lock()
		if x.journalErr == nil {
			x.journalErr = err
		}
		x.errMu.Unlock()
	}
}

func (x *execution) failedJournal() error {
	x.errMu.Lock()
	defer x.errMu.Unlock()
	return x.journalErr
}

func (e *Engine) halted() bool {
	if e.Halt == nil {
		return false
	}
	select {
	case <-e.Halt:
		return true
	default:
		return false
	}
}

// execute runs p's steps on c after reporting start. held is a lock taken
// before anything was journaled (resume); rs what the journal says of the
// steps (resume).
func (e *Engine) execute(ctx context.Context, c *runCore, p Pipeline, start Event, rs *resumeState, held Held) (*Run, error) {
	defer c.close()
	x := &execution{e: e, c: c, rs: rs}
	top := c.view("", "", 0)
	x.emit(ctx, start)
	steps := p.Steps
	if !p.NoLock && e.Locks != nil {
		steps = append([]StepDef{e.lockStep(p, &held)}, steps...)
	}
	var (
		runErr error
		status = RunSucceeded
		msg    = "succeeded"
		last   Step
	)
	for _, sd := range steps {
		if err := x.failedJournal(); err != nil {
			runErr, status, msg = err, RunFailed, "journal: "+err.Error()
			break
		}
		if err := ctx.Err(); err != nil {
			runErr, status, msg = err, RunCancelled, "cancelled before "+string(sd.Name)
			break
		}
		if e.halted() {
			runErr, status, msg = x.haltError(last), RunInterrupted, x.haltMessage(last)
			break
		}
		err := x.step(ctx, sd)
		last = sd.Name
		if err == nil {
			continue
		}
		runErr = err
		switch {
		case errors.Is(err, ErrHalted):
			status, msg = RunInterrupted, strings.TrimPrefix(err.Error(), ErrHalted.Error()+": ")
		case ctx.Err() != nil:
			status, msg = RunCancelled, "cancelled during "+string(sd.Name)+": "+err.Error()
		default:
			status, msg = RunFailed, string(sd.Name)+": "+err.Error()
		}
		break
	}
	c.endRun()
	if err := x.failedJournal(); err != nil && runErr == nil {
		runErr, status, msg = err, RunFailed, "journal: "+err.Error()
	}
	if held != nil {
		if err := held.Release(); err != nil && runErr == nil {
			runErr, status, msg = fmt.Errorf("release the lock of %s: %w", c.env, err), RunFailed, "release the lock: "+err.Error()
		}
	}
	x.emit(ctx, Event{Kind: RunFinished, Pipeline: p.Kind, Status: status, Message: msg})
	if err := x.failedJournal(); err != nil && runErr == nil {
		runErr, status = err, RunFailed
	}
	c.mu.Lock()
	c.status, c.err = status, runErr
	c.mu.Unlock()
	return top, runErr
}

func (x *execution) haltMessage(after Step) string {
	where := "before its first step"
	if after != "" {
		where = "after " + string(after)
	}
	return fmt.Sprintf("halted %s; resume with `envbench resume %s`", where, x.c.id)
}

func (x *execution) haltError(after Step) error {
	return fmt.Errorf("%w: %s", ErrHalted, x.haltMessage(after))
}

// lockStep is the engine's first step: the environment's lock, taken for
// the run (or, on resume, taken already and reported).
func (e *Engine) lockStep(p Pipeline, held *Held) StepDef {
	return StepDef{
		Name:     StepLock,
		Describe: func(context.Context, *Run) string { return "locking " + p.Env },
		Retry:    lockRetry,
		Action: func(ctx context.Context, r *Run) error {
			if *held == nil {
				h, err := e.Locks.Acquire(ctx, p.Env, CurrentHolder(r.ID(), p.Kind, e.clock().Now()))
				if err != nil {
					return err
				}
				*held = h
			}
			r.Say((*held).Message())
			return nil
		},
	}
}

// step runs one step: skipped when an earlier process finished it, probed
// when it was where the run stopped, else attempted under its policy.
func (x *execution) step(ctx context.Context, sd StepDef) error {
	if x.rs != nil && sd.Name != StepLock {
		if x.rs.done[sd.Name] {
			x.emit(ctx, Event{Kind: StepSkipped, Step: sd.Name, Message: "finished by an earlier process"})
			return nil
		}
		if x.rs.stopped == sd.Name && sd.Probe != nil {
			done, err := sd.Probe(ctx, x.c.view(sd.Name, "", 0))
			if err != nil {
				err = fmt.Errorf("probe %s: %w", sd.Name, err)
				x.emit(ctx, Event{Kind: StepFailed, Step: sd.Name, Message: err.Error(), Retryable: Retryable(err)})
				return err
			}
			if done {
				x.emit(ctx, Event{Kind: StepSkipped, Step: sd.Name, Message: "already done (its probe says so)"})
				return nil
			}
		}
	}
	start := Event{Kind: StepStarted, Step: sd.Name, Message: string(sd.Name), Attempts: sd.Retry.attempts()}
	if sd.Describe != nil {
		start.Message = sd.Describe(ctx, x.c.view(sd.Name, "", 1))
	}
	x.emit(ctx, start)
	if sd.Lanes != nil {
		return x.lanes(ctx, sd)
	}
	v, err := x.attempts(ctx, sd.Name, "", sd.Retry, sd.Timeout, sd.Action)
	if err != nil {
		if !errors.Is(err, ErrHalted) {
			x.emit(ctx, Event{Kind: StepFailed, Step: sd.Name, Attempt: v.attempt, Attempts: sd.Retry.attempts(), Message: err.Error(), Retryable: Retryable(err)})
		}
		return err
	}
	x.finish(ctx, v, Event{Kind: StepFinished, Step: sd.Name, Attempt: v.attempt})
	return nil
}

// finish records what an attempt set and reports it done. A step's own
// StepFinished is synced with the next event; a lane's at once.
func (x *execution) finish(ctx context.Context, v *Run, e Event) {
	v.mu.Lock()
	e.Message, e.Outputs = v.said, v.outputs
	v.mu.Unlock()
	x.c.mu.Lock()
	for k, val := range e.Outputs {
		x.c.outputs[k] = val
	}
	x.c.mu.Unlock()
	x.record(ctx, e, e.Lane == "")
}

// attempts runs fn until it succeeds, fails with an error Retryable does
// not accept, runs out of attempts or of the policy's deadline, or the run
// is cancelled or halted while waiting. It returns the last attempt's view.
func (x *execution) attempts(ctx context.Context, step Step, lane string, p RetryPolicy, timeout time.Duration, fn func(context.Context, *Run) error) (*Run, error) {
	clock := x.c.clock
	first := clock.Now()
	n := p.attempts()
	for attempt := 1; ; attempt++ {
		v := x.c.view(step, lane, attempt)
		err := x.try(ctx, v, timeout, fn)
		if err == nil {
			return v, nil
		}
		if ctx.Err() != nil || !Retryable(err) || attempt >= n {
			return v, err
		}
		wait := p.Wait(attempt, x.e.rand())
		if p.Deadline > 0 && clock.Now().Add(wait).Sub(first) > p.Deadline {
			return v, fmt.Errorf("%w (gave up after attempt %d of %d: the next would start after the retry deadline of %s)", err, attempt, n, p.Deadline)
		}
		x.emit(ctx, Event{Kind: AttemptFailed, Step: step, Lane: lane, Attempt: attempt, Attempts: n, Wait: wait, Message: err.Error(), Retryable: true})
		if err := x.wait(ctx, step, wait); err != nil {
			return v, err
		}
	}
}

// try runs one attempt within its timeout. An attempt that ran out of its
// own time (not the run's) is an *AttemptTimeoutError; a panic is an error.
func (x *execution) try(ctx context.Context, v *Run, timeout time.Duration, fn func(context.Context, *Run) error) (err error) {
	actx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: panic: %v", v.step, p)
		}
		if err != nil && timeout > 0 && ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
			err = &AttemptTimeoutError{Step: v.step, Lane: v.lane, Timeout: timeout, Err: err}
		}
	}()
	return fn(actx, v)
}

// wait waits d before the next attempt; a halt ends the wait with
// ErrHalted, leaving the step in flight for resume.
func (x *execution) wait(ctx context.Context, step Step, d time.Duration) error {
	halt := fmt.Errorf("%w: halted while %s waited to retry; resume with `envbench resume %s`", ErrHalted, step, x.c.id)
	if x.e.halted() {
		return halt
	}
	if x.e.Halt == nil {
		return x.c.clock.Sleep(ctx, d)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-x.e.Halt:
			cancel()
		case <-wctx.Done():
		}
	}()
	err := x.c.clock.Sleep(wctx, d)
	if err != nil && ctx.Err() == nil {
		return halt
	}
	return err
}

// lanes runs a fanned-out step: each item in a lane of its own, at most
// Concurrency at once. Every lane ends before a failed one fails the step;
// lanes finished by an earlier process are skipped.
func (x *execution) lanes(ctx context.Context, sd StepDef) error {
	attempts := sd.Retry.attempts()
	fail := func(err error) error {
		x.emit(ctx, Event{Kind: StepFailed, Step: sd.Name, Message: err.Error(), Retryable: Retryable(err)})
		return err
	}
	items, err := sd.Lanes(ctx, x.c.view(sd.Name, "", 1))
	if err != nil {
		return fail(fmt.Errorf("list the lanes of %s: %w", sd.Name, err))
	}
	seen := map[string]bool{}
	for _, it := range items {
		if it == "" || seen[it] {
			return fail(fmt.Errorf("list the lanes of %s: lane %q is empty or listed twice", sd.Name, it))
		}
		seen[it] = true
	}
	var done map[string]bool
	if x.rs != nil {
		done = x.rs.lanes[sd.Name]
	}
	limit := sd.Concurrency
	if limit <= 0 || limit > len(items) {
		limit = max(len(items), 1)
	}
	sem := make(chan struct{}, limit)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []error
		stopped  bool // halted: some lanes did not run or did not finish
	)
	todo := make([]string, 0, len(items))
	for _, lane := range items {
		if done[lane] {
			x.emit(ctx, Event{Kind: StepSkipped, Step: sd.Name, Lane: lane, Message: "finished by an earlier process"})
		} else {
			todo = append(todo, lane)
		}
	}
	for _, lane := range todo {
		select {
		case sem <- struct{}{}:
		default:
			if x.e.lanesFull != nil {
				x.e.lanesFull()
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
			case <-x.e.Halt:
			}
		}
		if ctx.Err() != nil || x.e.halted() {
			mu.Lock()
			stopped = stopped || ctx.Err() == nil
			mu.Unlock()
			select {
			case <-sem:
			default:
			}
			break
		}
		wg.Add(1)
		go func(lane string) {
			defer wg.Done()
			defer func() { <-sem }()
			x.emit(ctx, Event{Kind: StepStarted, Step: sd.Name, Lane: lane, Attempts: attempts})
			v, err := x.attempts(ctx, sd.Name, lane, sd.Retry, sd.Timeout, func(ctx context.Context, r *Run) error { return sd.LaneAction(ctx, r, lane) })
			if errors.Is(err, ErrHalted) {
				mu.Lock()
				stopped = true
				mu.Unlock()
				return
			}
			if err != nil {
				x.emit(ctx, Event{Kind: StepFailed, Step: sd.Name, Lane: lane, Attempt: v.attempt, Attempts: attempts, Message: err.Error(), Retryable: Retryable(err)})
				mu.Lock()
				failures = append(failures, fmt.Errorf("lane %s: %w", lane, err))
				mu.Unlock()
				return
			}
			x.finish(ctx, v, Event{Kind: StepFinished, Step: sd.Name, Lane: lane, Attempt: v.attempt})
		}(lane)
	}
	wg.Wait()
	if len(failures) > 0 {
		msgs := make([]string, len(failures))
		for i, f := range failures {
			msgs[i] = f.Error()
		}
		err := fmt.Errorf("%d of %d lanes failed: %w", len(failures), len(items), errors.Join(failures...))
		x.emit(ctx, Event{Kind: StepFailed, Step: sd.Name, Message: fmt.Sprintf("%d of %d lanes failed: %s", len(failures), len(items), strings.Join(msgs, "; "))})
		return err
	}
	if err := ctx.Err(); err != nil {
		return fail(fmt.Errorf("%s: %w", sd.Name, err))
	}
	if stopped {
		return fmt.Errorf("%w: halted during %s, some lanes unfinished; resume with `envbench resume %s`", ErrHalted, sd.Name, x.c.id)
	}
	x.record(ctx, Event{Kind: StepFinished, Step: sd.Name, Message: fmt.Sprintf("%d lane(s) done", len(items))}, true)
	return nil
}
