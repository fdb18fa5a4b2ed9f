package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/tf"
	"github.com/envbench/envbench/pipeline/pipelinetest"
)

var start = time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)

// testEngine is an engine on a local journal in a temporary workspace,
// with the test clock, jitter pinned to the middle, and a recorder.
type testEngine struct {
	*Engine
	root  string
	clock *pipelinetest.Clock
	rec   *recorder
}

func newTestEngine(t *testing.T) *testEngine {
	t.Helper()
	root := t.TempDir()
	te := &testEngine{root: root, clock: pipelinetest.NewClock(start), rec: &recorder{}}
	te.Engine = &Engine{Journal: LocalJournal{Root: root}, Locks: LocalLocks{Root: root}, Clock: te.clock,
		Rand: func() float64 { return 0.5 }, Sink: te.rec.sink}
	return te
}

// journal reads a run's journal.
func (te *testEngine) journal(t *testing.T, env, runID string) []Event {
	t.Helper()
	events, err := te.Journal.Read(context.Background(), env, runID)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// kinds lists events as step[/lane]:kind, the run's own as kind.
func kinds(events []Event) string {
	var out []string
	for _, e := range events {
		if e.Kind == Terraform || e.Kind == Log {
			continue
		}
		s := string(e.Kind)
		if e.Step != "" {
			s = string(e.Step) + ":" + s
			if e.Lane != "" {
				s = string(e.Step) + "/" + e.Lane + ":" + string(e.Kind)
			}
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func (r *recorder) all() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

func ok(context.Context, *Run) error { return nil }

func step(name Step, action func(context.Context, *Run) error) StepDef {
	return StepDef{Name: name, Action: action}
}

// failing fails its first n attempts with err, then succeeds.
func failing(n int, err error, tries *int) func(context.Context, *Run) error {
	return func(ctx context.Context, r *Run) error {
		*tries++
		if r.Attempt() != *tries {
			return fmt.Errorf("attempt %d reported as %d", *tries, r.Attempt())
		}
		if *tries <= n {
			return err
		}
		return nil
	}
}

func TestEngineRunsStepsInOrderAndJournalsThem(t *testing.T) {
	te := newTestEngine(t)
	var seen []string
	p := Pipeline{Kind: "test", Env: "qa", Args: map[string]string{"plan_file": "x.tfplan"}, Steps: []StepDef{
		{Name: "one", Describe: func(context.Context, *Run) string { return "first things" }, Action: func(ctx context.Context, r *Run) error {
			r.Set("endpoint", "db.internal")
			r.SetSecretRef("password", "outputs-file:.envbench/outputs/qa.json#db_password")
			r.Logf("did %d thing(s)", 1)
			r.Emit(Event{Kind: Terraform, TF: &tf.Event{Type: tf.EventApplyStart, Message: "aws_db_instance.db: Creating..."}})
			r.Progress(0.5, "half")
			r.Say("one done")
			return nil
		}},
		step("two", func(ctx context.Context, r *Run) error {
			seen = append(seen, r.Get("endpoint"), r.Get("password"), r.ID(), r.Env())
			return nil
		}),
	}}
	run, err := te.Run(context.Background(), p, "run-1")
	if err != nil {
		t.Fatal(err)
	}
	if run.Status() != RunSucceeded || run.Err() != nil || run.ID() != "run-1" {
		t.Errorf("run: %s %v", run.Status(), run.Err())
	}
	want := []string{"db.internal", SecretRefPrefix + "outputs-file:.envbench/outputs/qa.json#db_password", "run-1", "qa"}
	if !slices.Equal(seen, want) {
		t.Errorf("step two saw %q, want %q", seen, want)
	}
	sunk := te.rec.all()
	if got := kinds(sunk); got != "run-started lock:step-started lock:step-finished one:step-started one:progress one:step-finished two:step-started two:step-finished run-finished" {
		t.Errorf("events: %s", got)
	}
	for i, e := range sunk {
		if e.Seq != int64(i+1) || e.RunID != "run-1" || e.Env != "qa" || e.Time.IsZero() {
			t.Errorf("event %d: seq %d run %q env %q time %v", i, e.Seq, e.RunID, e.Env, e.Time)
		}
	}
	journal := te.journal(t, "qa", "run-1")
	var journaled []Event
	for _, e := range sunk {
		if e.Kind != Log && e.Kind != Terraform {
			journaled = append(journaled, e)
		}
	}
	if kinds(journal) != kinds(journaled) || len(journal) != len(journaled) {
		t.Errorf("journal %s\nwant     %s", kinds(journal), kinds(journaled))
	}
	if journal[0].Pipeline != "test" || journal[0].Args["plan_file"] != "x.tfplan" {
		t.Errorf("run-started must carry the pipeline and its args: %+v", journal[0])
	}
	for _, e := range journal {
		if e.Kind == StepFinished && e.Step == "one" {
			if e.Message != "one done" || e.Outputs["endpoint"] != "db.internal" || e.Attempt != 1 {
				t.Errorf("one's step-finished: %+v", e)
			}
		}
		if e.Kind == StepFinished && e.Step == StepLock && e.Message != "locked" {
			t.Errorf("lock step: %q", e.Message)
		}
	}
	log, err := os.ReadFile(RunLogPath(te.root, "qa", "run-1"))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(log); got != "2026-12-02T08:00:00Z one did 1 thing(s)\n2026-12-02T08:00:00Z one terraform apply_start: aws_db_instance.db: Creating...\n" {
		t.Errorf("run log:\n%s", got)
	}
	if _, held := readLock(te.root, "qa"); held {
		t.Error("the lock must be released when the run ends")
	}
	for path, want := range map[string]os.FileMode{
		RunsDir(te.root, "qa"):                 0o700,
		JournalPath(te.root, "qa", "run-1"):    0o600,
		RunLogPath(te.root, "qa", "run-1"):     0o600,
		RunsDir(te.root, "qa") + "/../../runs": 0o700,
	} {
		if info, err := os.Stat(path); err != nil || info.Mode().Perm() != want {
			t.Errorf("%s: %v, want mode %04o", path, err, want)
		}
	}
}

// TestSinkSeesEventsAfterTheJournal: when the Sink has an event, it is
// already in the journal (a step's step-finished comes to the Sink with
// the next step's step-started, which shares its fsync).
func TestSinkSeesEventsAfterTheJournal(t *testing.T) {
	te := newTestEngine(t)
	var missing []string
	te.Sink = func(e Event) {
		if e.Kind == Log || e.Kind == Terraform {
			return
		}
		events, _ := LocalJournal{Root: te.root}.Read(context.Background(), "qa", "run-1")
		if !slices.ContainsFunc(events, func(j Event) bool { return j.Seq == e.Seq && j.Kind == e.Kind }) {
			missing = append(missing, string(e.Kind))
		}
	}
	if _, err := te.Run(context.Background(), Pipeline{Kind: "test", Env: "qa", Steps: []StepDef{step("one", ok)}}, "run-1"); err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("the sink saw events not yet journaled: %v", missing)
	}
}

func TestEngineRetriesTransientErrorsWithBackoff(t *testing.T) {
	throttled := cloud.Retryable("throttled", errors.New("rds CreateDBSnapshot: Throttling"))
	policy := RetryPolicy{Attempts: 4, FirstDelay: time.Second, MaxDelay: 3 * time.Second, Multiplier: 2, Jitter: 0.5}
	for _, c := range []struct {
		name     string
		fails    int
		err      error
		rand     float64
		wantErr  bool
		tries    int
		sleeps   []time.Duration
		attempts string // AttemptFailed events as attempt/attempts:wait
	}{
		{"cured on the third attempt", 2, throttled, 0.5, false, 3, []time.Duration{time.Second, 2 * time.Second}, "1/4:1s 2/4:2s"},
		{"low jitter draws", 2, throttled, 0, false, 3, []time.Duration{500 * time.Millisecond, time.Second}, "1/4:500ms 2/4:1s"},
		{"capped", 3, throttled, 0.99999, false, 4, []time.Duration{1499990 * time.Microsecond, 2999980 * time.Microsecond, 3 * time.Second}, ""},
		{"out of attempts", 9, throttled, 0.5, true, 4, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}, "1/4:1s 2/4:2s 3/4:3s"},
		{"fatal at once", 9, &cloud.APIError{Service: "rds", Code: "AccessDenied", Kind: cloud.ErrAccessDenied}, 0.5, true, 1, nil, ""},
		{"state lock contention", 1, &tf.Error{Op: "plan", Kind: tf.KindStateLocked, Err: errors.New("state locked")}, 0.5, false, 2, []time.Duration{time.Second}, "1/4:1s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			te := newTestEngine(t)
			te.Rand = func() float64 { return c.rand }
			tries := 0
			run, err := te.Run(context.Background(), Pipeline{Kind: "test", Env: "qa", Steps: []StepDef{
				{Name: "snapshot", Action: failing(c.fails, c.err, &tries), Retry: policy},
			}}, "")
			if (err != nil) != c.wantErr || tries != c.tries {
				t.Fatalf("err %v after %d tries; want error %v after %d", err, tries, c.wantErr, c.tries)
			}
			if c.wantErr && (!errors.Is(err, c.err) || run.Status() != RunFailed) {
				t.Errorf("the step's own error must end the run: %v, %s", err, run.Status())
			}
			if got := te.clock.Sleeps(); !slices.Equal(got, c.sleeps) {
				t.Errorf("slept %v, want %v", got, c.sleeps)
			}
			var failed []string
			for _, e := range te.rec.all() {
				if e.Kind == AttemptFailed {
					if !e.Retryable || e.Step != "snapshot" || e.Message != c.err.Error() {
						t.Errorf("attempt-failed: %+v", e)
					}
					failed = append(failed, fmt.Sprintf("%d/%d:%s", e.Attempt, e.Attempts, e.Wait))
				}
				if e.Kind == StepFailed && (e.Attempt != c.tries || e.Retryable != Retryable(c.err)) {
					t.Errorf("step-failed: %+v", e)
				}
			}
			if c.attempts != "" && strings.Join(failed, " ") != c.attempts {
				t.Errorf("attempt-failed events %v, want %s", failed, c.attempts)
			}
		})
	}
}

// TestRetryDeadline: no attempt starts after the deadline, counted by the
// clock from the first attempt, time spent in attempts included.
func TestRetryDeadline(t *testing.T) {
	te := newTestEngine(t)
	tries := 0
	policy := RetryPolicy{Attempts: 10, FirstDelay: 2 * time.Second, Multiplier: 2, Deadline: 10 * time.Second}
	_, err := te.Run(context.Background(), Pipeline{Kind: "test", Env: "qa", Steps: []StepDef{
		{Name: "wait", Retry: policy, Action: func(ctx context.Context, r *Run) error {
			tries++
			te.clock.Advance(time.Second) // each attempt takes a second
			return cloud.Retryable("server error", errors.New("503"))
		}},
	}}, "")
	// Attempts start at 0s, 3s (1+2), 8s (3+1+4); the next would start at
	// 17s (8+1+8), past the deadline.
	if tries != 3 || !Retryable(err) || !strings.Contains(err.Error(), "retry deadline of 10s") {
		t.Fatalf("%d tries, %v", tries, err)
	}
	if got := te.clock.Sleeps(); !slices.Equal(got, []time.Duration{2 * time.Second, 4 * time.Second}) {
		t.Errorf("slept %v", got)
	}
}

// TestAttemptTimeoutIsRetryable: an attempt that runs out of its step's
// Timeout is cut off and tried again.
func TestAttemptTimeoutIsRetryable(t *testing.T) {
	te := newTestEngine(t)
	_, err := te.Run(context.Background(), Pipeline{Kind: "test", Env: "qa", Steps: []StepDef{
		{Name: "hang", Retry: RetryPolicy{Attempts: 2}, Timeout: time.Millisecond, Action: func(ctx context.Context, r *Run) error {
			if r.Attempt() == 1 {
				<-ctx.Done() // hangs until its timeout
				return fmt.Errorf("terraform plan: %w", ctx.Err())
			}
			return nil
		}},
	}}, "")
	if err != nil {
		t.Fatal(err)
	}
	var failed *Event
	for _, e := range te.rec.all() {
		if e.Kind == AttemptFailed {
			failed = &e
		}
	}
	if failed == nil || !failed.Retryable || !strings.Contains(failed.Message, "hang: timed out after 1ms") {
		t.Errorf("the timed-out attempt: %+v", failed)
	}
	// A run cancelled from outside is not a timeout, and is not retried.
	ctx, cancel := context.WithCancel(context.Background())
	tries := 0
	run, err := te.Run(ctx, Pipeline{Kind: "test", Env: "qa", Steps: []StepDef{
		{Name: "hang", Retry: RetryPolicy{Attempts: 3}, Timeout: time.Hour, Action: func(ctx context.Context, r *Run) error {
			tries++
			cancel()
			return ctx.Err()
		}},
		step("after", ok),
	}}, "")
	if tries != 1 || !errors.Is(err, context.Canceled) || run.Status() != RunCancelled {
		t.Errorf("cancelled: %d tries, %v, %s", tries, err, run.Status())
	}
}

func TestLanesRunInParallelWithinTheLimit(t *testing.T) {
	te := newTestEngine(t)
	var active, most atomic.Int32
	started, release := make(chan string), make(chan struct{})
	lanes := []string{"orders", "users", "billing", "audit", "search"}
	type result struct {
		run *Run
		err error
	}
	done := make(chan result)
	full := make(chan struct{}, len(lanes))
	te.lanesFull = func() { full <- struct{}{} }
	go func() {
		run, err := te.Run(context.Background(), Pipeline{Kind: "test", Env: "qa", Steps: []StepDef{
			{Name: "sync", Concurrency: 2,
				Lanes: func(context.Context, *Run) ([]string, error) { return lanes, nil },
				LaneAction: func(ctx context.Context, r *Run, lane string) error {
					n := active.Add(1)
					for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
					}
					started <- lane
					<-release // held until the test lets one lane end
					active.Add(-1)
					r.Set(lane+".snapshot", "snap-"+lane)
					r.Say(lane + " copied")
					return nil
				}},
			step("after", func(ctx context.Context, r *Run) error {
				if r.Get("billing.snapshot") != "snap-billing" {
					return errors.New("a lane's output is missing")
				}
				return nil
			}),
		}}, "")
		done <- result{run, err}
	}()
	// Two lanes start and overlap; each further lane starts only when one
	// has ended: the engine waits for a free slot, and no third lane starts
	// meanwhile.
	<-started
	<-started
	for range lanes[2:] {
		select {
		case <-full:
		case lane := <-started:
			t.Fatalf("lane %s started while two ran", lane)
		}
		release <- struct{}{}
		<-started
	}
	release <- struct{}{}
	release <- struct{}{}
	res := <-done
	run, err := res.run, res.err
	if err != nil {
		t.Fatal(err)
	}
	if most.Load() != 2 {
		t.Errorf("at most %d lanes ran at once, want 2", most.Load())
	}
	for i, e := range te.rec.all() {
		if e.Seq != int64(i+1) {
			t.Fatalf("the sink must see events in Seq order, each once: event %d has seq %d", i, e.Seq)
		}
	}
	if run.Outputs()["search.snapshot"] != "snap-search" {
		t.Errorf("outputs %v", run.Outputs())
	}
	finished := map[string]string{}
	for _, e := range te.journal(t, "qa", run.ID()) {
		if e.Kind == StepFinished && e.Lane != "" {
			finished[e.Lane] = e.Message
		}
	}
	if len(finished) != 5 || finished["audit"] != "audit copied" {
		t.Errorf("lanes journaled: %v", finished)
	}
}

// countingJournal is a LocalJournal that keeps its last writer, to count
// its fsyncs.
type countingJournal struct {
	LocalJournal
	w *localWriter
}

func (j *countingJournal) Writer(ctx context.Context, env, runID string) (JournalWriter, error) {
	w, err := j.LocalJournal.Writer(ctx, env, runID)
	if err == nil {
		j.w = w.(*localWriter)
	}
	return w, err
}

// TestStepFinishedSharesTheNextFsync: every record is synced before the
// Sink sees it, a step's step-finished with the next step's start.
func TestStepFinishedSharesTheNextFsync(t *testing.T) {
	te := newTestEngine(t)
	j := &countingJournal{LocalJournal: LocalJournal{Root: te.root}}
	te.Journal = j
	mustRun(t, te, Pipeline{Kind: "test", Env: "qa", Steps: []StepDef{step("one", ok), step("two", ok), step("three", ok)}}, "r")
	events := te.journal(t, "qa", "r")
	// run-started, then lock, one, two, three each started (synced) and
	// finished (with the next), then run-finished.
	if len(events) != 10 || j.w.syncs != 6 || j.w.durable.Load() != 10 {
		t.Errorf("%d records, %d fsyncs, %d durable; want 10, 6, 10", len(events), j.w.syncs, j.w.durable.Load())
	}
}

// TestFailedLaneKeepsTheOthers: a failed lane fails the step after the
// other lanes end, and their results are journaled.
func TestFailedLaneKeepsTheOthers(t *testing.T) {
	te := newTestEngine(t)
	lanes := []string{"a", "b", "c"}
	ran := map[string]int{}
	var mu sync.Mutex
	run, err := te.Run(context.Background(), Pipeline{Kind: "test", Env: "qa", Steps: []StepDef{
		{Name: "sync", Concurrency: 1, Retry: RetryPolicy{Attempts: 3, FirstDelay: time.Second},
			Lanes: func(context.Context, *Run) ([]string, error) { return lanes, nil },
			LaneAction: func(ctx context.Context, r *Run, lane string) error {
				mu.Lock()
				ran[lane]++
				mu.Unlock()
				switch {
				case lane == "a":
					return errors.New("scrub check failed: 3 rows with real e-mail addresses")
				case lane == "b" && r.Attempt() == 1:
					return cloud.Retryable("throttled", errors.New("Throttling"))
				}
				r.Set(lane+".done", "yes")
				return nil
			}},
		step("after", ok),
	}}, "")
	if err == nil || !strings.Contains(err.Error(), "1 of 3 lanes failed") || !strings.Contains(err.Error(), "lane a: scrub check failed") {
		t.Fatalf("err %v", err)
	}
	if ran["a"] != 1 || ran["b"] != 2 || ran["c"] != 1 {
		t.Errorf("lane attempts %v: a fails at once, b is retried, c runs though a failed first", ran)
	}
	if run.Status() != RunFailed || run.Outputs()["c.done"] != "yes" || run.Outputs()["b.done"] != "yes" {
		t.Errorf("status %s outputs %v", run.Status(), run.Outputs())
	}
	got := kinds(te.journal(t, "qa", run.ID()))
	want := "run-started lock:step-started lock:step-finished sync:step-started sync/a:step-started sync/a:step-failed sync/b:step-started sync/b:attempt-failed sync/b:step-finished sync/c:step-started sync/c:step-finished sync:step-failed run-finished"
	if got != want {
		t.Errorf("journal:\n%s\nwant\n%s", got, want)
	}
}

func TestHaltStopsAfterTheStepInFlight(t *testing.T) {
	te := newTestEngine(t)
	halt := make(chan struct{})
	te.Halt = halt
	var ran []Step
	run, err := te.Run(context.Background(), Pipeline{Kind: "test", Env: "qa", Steps: []StepDef{
		step("one", func(ctx context.Context, r *Run) error { ran = append(ran, "one"); close(halt); return nil }),
		step("two", func(ctx context.Context, r *Run) error { ran = append(ran, "two"); return nil }),
	}}, "run-h")
	if !errors.Is(err, ErrHalted) || run.Status() != RunInterrupted || !slices.Equal(ran, []Step{"one"}) {
		t.Fatalf("halt: %v %s ran %v", err, run.Status(), ran)
	}
	events := te.journal(t, "qa", "run-h")
	last := events[len(events)-1]
	if last.Kind != RunFinished || last.Status != RunInterrupted || last.Message != "halted after one; resume with `envbench resume run-h`" {
		t.Errorf("run-finished: %+v", last)
	}
	// A halt while a step waits to retry stops the wait.
	te2 := newTestEngine(t)
	halt2 := make(chan struct{})
	te2.Halt = halt2
	run, err = te2.Run(context.Background(), Pipeline{Kind: "test", Env: "qa", Steps: []StepDef{
		{Name: "flaky", Retry: TransientRetry, Action: func(ctx context.Context, r *Run) error {
			close(halt2)
			return cloud.Retryable("throttled", errors.New("Throttling"))
		}},
	}}, "run-w")
	if !errors.Is(err, ErrHalted) || run.Status() != RunInterrupted || len(te2.clock.Sleeps()) != 0 {
		t.Errorf("halt during a retry wait: %v %s, slept %v", err, run.Status(), te2.clock.Sleeps())
	}
	if got := kinds(te2.journal(t, "qa", "run-w")); got != "run-started lock:step-started lock:step-finished flaky:step-started flaky:attempt-failed run-finished" {
		t.Errorf("the step stays in flight for resume: %s", got)
	}
}

func TestSecondRunOfAnEnvironmentIsRefused(t *testing.T) {
	te := newTestEngine(t)
	var second error
	var secondRun *Run
	_, err := te.Run(context.Background(), Pipeline{Kind: "clone", Env: "qa", Steps: []StepDef{
		step("work", func(ctx context.Context, r *Run) error {
			other := &Engine{Journal: te.Journal, Locks: te.Locks, Clock: te.clock}
			secondRun, second = other.Run(ctx, Pipeline{Kind: "teardown", Env: "qa", Steps: []StepDef{step("destroy", ok)}}, "run-2")
			return nil
		}),
	}}, "run-1")
	if err != nil {
		t.Fatal(err)
	}
	var locked *LockedError
	if !errors.As(second, &locked) || locked.Holder.RunID != "run-1" || locked.Holder.Operation != "clone" || locked.Holder.PID != os.Getpid() {
		t.Fatalf("second run: %v", second)
	}
	if secondRun.Status() != RunFailed {
		t.Errorf("second run: %s", secondRun.Status())
	}
	events := te.journal(t, "qa", "run-2")
	if got := kinds(events); got != "run-started lock:step-started lock:step-failed run-finished" {
		t.Errorf("second run's journal: %s", got)
	}
	if msg := events[2].Message; !strings.Contains(msg, "clone run run-1") || events[2].Retryable {
		t.Errorf("the refusal must name the holder: %q", msg)
	}
}

func TestEngineRefusesABadPipeline(t *testing.T) {
	te := newTestEngine(t)
	for _, c := range []struct {
		p    Pipeline
		want string
	}{
		{Pipeline{Kind: "x", Env: "../etc", Steps: []StepDef{step("a", ok)}}, "not a valid name"},
		{Pipeline{Kind: "", Env: "qa"}, "no kind"},
		{Pipeline{Kind: "x", Env: "qa", Steps: []StepDef{step("a", ok), step("a", ok)}}, "step a appears twice"},
		{Pipeline{Kind: "x", Env: "qa", Steps: []StepDef{step(StepLock, ok)}}, "step lock appears twice"},
		{Pipeline{Kind: "x", Env: "qa", Steps: []StepDef{{Name: "a"}}}, "step a has no action"},
		{Pipeline{Kind: "x", Env: "qa", Steps: []StepDef{{Name: "a", Lanes: func(context.Context, *Run) ([]string, error) { return nil, nil }}}}, "needs both Lanes and LaneAction"},
	} {
		if _, err := te.Run(context.Background(), c.p, ""); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.p, err, c.want)
		}
	}
}

// TestPanickingStepFailsTheRun: a step that panics fails, and the lock is
// given back.
func TestPanickingStepFailsTheRun(t *testing.T) {
	te := newTestEngine(t)
	run, err := te.Run(context.Background(), Pipeline{Kind: "x", Env: "qa", Steps: []StepDef{
		step("bad", func(context.Context, *Run) error { panic("nil map") }),
	}}, "")
	if err == nil || !strings.Contains(err.Error(), "bad: panic: nil map") || run.Status() != RunFailed {
		t.Errorf("%v %s", err, run.Status())
	}
	if _, held := readLock(te.root, "qa"); held {
		t.Error("lock left behind")
	}
}

// memJournal is a Journal of another kind than LocalJournal: each Append
// is whole when it returns, and nothing is written lazily.
type memJournal struct {
	mu   sync.Mutex
	runs map[string][]Event
}

type memWriter struct {
	j   *memJournal
	key string
}

func (j *memJournal) Writer(ctx context.Context, env, runID string) (JournalWriter, error) {
	return memWriter{j, env + "/" + runID}, nil
}

func (j *memJournal) Read(ctx context.Context, env, runID string) ([]Event, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	events, ok := j.runs[env+"/"+runID]
	if !ok {
		return nil, ErrNoRun
	}
	return slices.Clone(events), nil
}

func (j *memJournal) Runs(ctx context.Context, env string) ([]RunRef, error) { return nil, nil }

func (w memWriter) Append(ctx context.Context, e Event) error {
	w.j.mu.Lock()
	defer w.j.mu.Unlock()
	if w.j.runs == nil {
		w.j.runs = map[string][]Event{}
	}
	w.j.runs[w.key] = append(w.j.runs[w.key], e)
	return nil
}

func (w memWriter) Close() error { return nil }

// TestAnotherJournalKind: the engine runs and resumes on a journal that is
// not local, and the Sink sees each event after its Append.
func TestAnotherJournalKind(t *testing.T) {
	j := &memJournal{}
	var early []int64
	e := &Engine{Journal: j, Clock: pipelinetest.NewClock(start)}
	e.Sink = func(ev Event) {
		if events, _ := j.Read(context.Background(), "qa", "r"); journaled(ev.Kind) && (len(events) == 0 || events[len(events)-1].Seq != ev.Seq) {
			early = append(early, ev.Seq)
		}
	}
	s := &threeSteps{fail2: errors.New("boom")}
	if _, err := e.Run(context.Background(), s.pipeline(), "r"); err == nil {
		t.Fatal("two must fail")
	}
	s.fail2 = nil
	if _, err := e.Resume(context.Background(), "qa", "r", func(RunSummary) (Pipeline, error) { return s.pipeline(), nil }); err != nil {
		t.Fatal(err)
	}
	if len(early) > 0 {
		t.Errorf("the sink saw events %v before their Append", early)
	}
	events, _ := j.Read(context.Background(), "qa", "r")
	if got := kinds(resumed(events)); got != "run-started one:step-skipped two:step-started two:step-finished three:step-started three:step-finished run-finished" {
		t.Errorf("resumed without a lock: %s", got)
	}
}

// TestAtEnd: what steps register with Run.AtEnd runs once the steps are
// over, failed or not, last registered first, while the run still holds
// its lock.
func TestAtEnd(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("failing=%v", fail), func(t *testing.T) {
			te := newTestEngine(t)
			var order []string
			register := func(name string) func(context.Context, *Run) error {
				return func(_ context.Context, r *Run) error {
					r.AtEnd(func() {
						_, held := readLock(te.root, "qa")
						order = append(order, fmt.Sprintf("%s locked=%v", name, held))
					})
					order = append(order, name+" ran")
					if fail && name == "two" {
						return errors.New("two failed")
					}
					return nil
				}
			}
			p := Pipeline{Kind: "test", Env: "qa", Steps: []StepDef{
				{Name: "one", Action: register("one")},
				{Name: "two", Action: register("two")},
			}}
			_, err := te.Run(context.Background(), p, "run-1")
			if (err != nil) != fail {
				t.Fatalf("Run: %v", err)
			}
			want := "one ran, two ran, two locked=true, one locked=true"
			if got := strings.Join(order, ", "); got != want {
				t.Errorf("order: %s\nwant:  %s", got, want)
			}
			if _, held := readLock(te.root, "qa"); held {
				t.Error("the lock must be released when the run ends")
			}
		})
	}
}
