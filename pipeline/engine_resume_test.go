package pipeline

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

// threeSteps is a pipeline whose steps count their runs; two has a probe
// that answers probeDone, and fails while fail2 is set.
type threeSteps struct {
	runs      map[Step]int
	probes    int
	probeDone bool
	fail2     error
	seen      string // what two read of one's output
}

func (s *threeSteps) pipeline() Pipeline {
	s.runs = map[Step]int{}
	count := func(name Step, then func(context.Context, *Run) error) StepDef {
		return StepDef{Name: name, Action: func(ctx context.Context, r *Run) error {
			s.runs[name]++
			return then(ctx, r)
		}}
	}
	two := count("two", func(ctx context.Context, r *Run) error {
		s.seen = r.Get("one.id")
		return s.fail2
	})
	two.Probe = func(ctx context.Context, r *Run) (bool, error) {
		s.probes++
		return s.probeDone, nil
	}
	return Pipeline{Kind: "test", Env: "qa", Args: map[string]string{"size": "large"}, Steps: []StepDef{
		count("one", func(ctx context.Context, r *Run) error { r.Set("one.id", "i-123"); return nil }),
		two,
		count("three", ok),
	}}
}

// build is the resume builder: the same pipeline again.
func (s *threeSteps) build(t *testing.T) func(RunSummary) (Pipeline, error) {
	return func(sum RunSummary) (Pipeline, error) {
		if sum.Pipeline != "test" || sum.Args["size"] != "large" {
			t.Errorf("the builder must get the run's kind and args: %+v", sum)
		}
		return s.pipeline(), nil
	}
}

// cut leaves the run's journal as a process killed right after the event
// named by upTo (step[/lane]:kind) would have: that event and those before
// it, then any torn bytes; and its lock, held by a process that is gone.
func cut(t *testing.T, te *testEngine, env, runID, upTo, torn string) {
	t.Helper()
	path := JournalPath(te.root, env, runID)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	events := te.journal(t, env, runID)
	lines := bytes.SplitAfter(data, []byte{'\n'})
	for i, e := range events {
		if kinds([]Event{e}) == upTo {
			kept := append(bytes.Join(lines[:i+1], nil), torn...)
			if err := os.WriteFile(path, kept, 0o600); err != nil {
				t.Fatal(err)
			}
			stale := `{"user":"bob","host":"` + hostname() + `","pid":2147483646,"run_id":"` + runID + `","operation":"test","since":"2026-12-02T08:00:00Z"}`
			if err := os.WriteFile(LockPath(te.root, env), []byte(stale), 0o600); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no %s in %s", upTo, kinds(events))
}

// resumed returns the events of the resumed part of a run: after its
// second run-started.
func resumed(events []Event) []Event {
	n := 0
	for i, e := range events {
		if e.Kind == RunStarted {
			n++
			if n == 2 {
				return events[i:]
			}
		}
	}
	return nil
}

func TestResumeFromEveryKindOfInterruption(t *testing.T) {
	for _, c := range []struct {
		name      string
		prepare   func(t *testing.T, te *testEngine, s *threeSteps) // leaves run "r" stopped
		probeDone bool
		want      string // the resumed part of the journal
		runs      string // runs of one, two, three while resuming
		probes    int
	}{
		{
			name: "killed between steps",
			prepare: func(t *testing.T, te *testEngine, s *threeSteps) {
				mustRun(t, te, s.pipeline(), "r")
				cut(t, te, "qa", "r", "one:step-finished", "")
			},
			want: "run-started lock:step-started lock:step-finished one:step-skipped two:step-started two:step-finished three:step-started three:step-finished run-finished",
			runs: "0 1 1",
		},
		{
			name: "killed mid-step, the probe says done",
			prepare: func(t *testing.T, te *testEngine, s *threeSteps) {
				mustRun(t, te, s.pipeline(), "r")
				cut(t, te, "qa", "r", "two:step-started", "")
			},
			probeDone: true,
			want:      "run-started lock:step-started lock:step-finished one:step-skipped two:step-skipped three:step-started three:step-finished run-finished",
			runs:      "0 0 1", probes: 1,
		},
		{
			name: "killed mid-step, the probe says not done",
			prepare: func(t *testing.T, te *testEngine, s *threeSteps) {
				mustRun(t, te, s.pipeline(), "r")
				cut(t, te, "qa", "r", "two:step-started", "")
			},
			want: "run-started lock:step-started lock:step-finished one:step-skipped two:step-started two:step-finished three:step-started three:step-finished run-finished",
			runs: "0 1 1", probes: 1,
		},
		{
			name: "a torn last line",
			prepare: func(t *testing.T, te *testEngine, s *threeSteps) {
				mustRun(t, te, s.pipeline(), "r")
				cut(t, te, "qa", "r", "one:step-finished", `{"seq":7,"run_id":"r","env":"qa","ti`)
			},
			want: "run-started lock:step-started lock:step-finished one:step-skipped two:step-started two:step-finished three:step-started three:step-finished run-finished",
			runs: "0 1 1",
		},
		{
			name: "a failed step",
			prepare: func(t *testing.T, te *testEngine, s *threeSteps) {
				s.fail2 = errors.New("quota exceeded")
				if _, err := te.Run(context.Background(), s.pipeline(), "r"); err == nil {
					t.Fatal("two must fail")
				}
				s.fail2 = nil
			},
			want: "run-started lock:step-started lock:step-finished one:step-skipped two:step-started two:step-finished three:step-started three:step-finished run-finished",
			runs: "0 1 1", probes: 1,
		},
		{
			name: "cancelled",
			prepare: func(t *testing.T, te *testEngine, s *threeSteps) {
				ctx, cancel := context.WithCancel(context.Background())
				p := s.pipeline()
				p.Steps[1].Action = func(ctx context.Context, r *Run) error { cancel(); return ctx.Err() }
				run, _ := te.Run(ctx, p, "r")
				if run.Status() != RunCancelled {
					t.Fatalf("status %s", run.Status())
				}
			},
			want: "run-started lock:step-started lock:step-finished one:step-skipped two:step-started two:step-finished three:step-started three:step-finished run-finished",
			runs: "0 1 1", probes: 1,
		},
		{
			name: "halted",
			prepare: func(t *testing.T, te *testEngine, s *threeSteps) {
				halt := make(chan struct{})
				te.Halt = halt
				p := s.pipeline()
				p.Steps[0].Action = func(ctx context.Context, r *Run) error { r.Set("one.id", "i-123"); close(halt); return nil }
				run, _ := te.Run(context.Background(), p, "r")
				if run.Status() != RunInterrupted {
					t.Fatalf("status %s", run.Status())
				}
				te.Halt = nil
			},
			want: "run-started lock:step-started lock:step-finished one:step-skipped two:step-started two:step-finished three:step-started three:step-finished run-finished",
			runs: "0 1 1",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			te := newTestEngine(t)
			s := &threeSteps{}
			c.prepare(t, te, s)
			before := te.journal(t, "qa", "r")
			s.probeDone = c.probeDone
			s.probes = 0
			run, err := te.Resume(context.Background(), "qa", "r", s.build(t))
			if err != nil {
				t.Fatal(err)
			}
			if run.Status() != RunSucceeded {
				t.Errorf("status %s", run.Status())
			}
			events := te.journal(t, "qa", "r")
			if got := kinds(resumed(events)); got != c.want {
				t.Errorf("resumed:\n%s\nwant\n%s", got, c.want)
			}
			if got := strings.Join([]string{strconv.Itoa(s.runs["one"]), strconv.Itoa(s.runs["two"]), strconv.Itoa(s.runs["three"])}, " "); got != c.runs {
				t.Errorf("runs of one two three: %s, want %s", got, c.runs)
			}
			if s.probes != c.probes {
				t.Errorf("%d probes, want %d", s.probes, c.probes)
			}
			if s.runs["two"] > 0 && s.seen != "i-123" {
				t.Errorf("one's output must be restored for two: %q", s.seen)
			}
			for i, e := range events {
				if e.Seq != int64(i+1) {
					t.Fatalf("seq must go on from the journal's last: event %d has %d (%s)", i, e.Seq, kinds(events))
				}
			}
			if len(events) <= len(before) {
				t.Error("nothing appended")
			}
			if sum := Summarize(events, nil); sum.Status != RunSucceeded || sum.Started != before[0].Time {
				t.Errorf("summary after resume: %+v", sum)
			}
			if strings.Contains(c.name, "killed") || strings.Contains(c.name, "torn") {
				if msg := resumed(events)[2].Message; !strings.Contains(msg, "took over the lock of a dead test run r") {
					t.Errorf("the resumed run takes over the dead run's lock: %q", msg)
				}
			}
			if _, err := te.Resume(context.Background(), "qa", "r", s.build(t)); !errors.Is(err, ErrSucceeded) {
				t.Errorf("resuming a succeeded run: %v", err)
			}
		})
	}
}

func mustRun(t *testing.T, te *testEngine, p Pipeline, runID string) *Run {
	t.Helper()
	run, err := te.Run(context.Background(), p, runID)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// TestResumeSkipsFinishedLanes: resuming a fanned-out step runs only the
// lanes that did not finish.
func TestResumeSkipsFinishedLanes(t *testing.T) {
	te := newTestEngine(t)
	ran := map[string]int{}
	failB := true
	p := func() Pipeline {
		return Pipeline{Kind: "sync", Env: "qa", Steps: []StepDef{{
			Name: "copy", Concurrency: 1,
			Lanes: func(context.Context, *Run) ([]string, error) { return []string{"a", "b", "c"}, nil },
			LaneAction: func(ctx context.Context, r *Run, lane string) error {
				ran[lane]++
				if lane == "b" && failB {
					return errors.New("snapshot quota exceeded")
				}
				r.Set(lane+".snapshot", "snap-"+lane)
				return nil
			},
		}, step("swap", func(ctx context.Context, r *Run) error {
			if r.Get("a.snapshot") != "snap-a" || r.Get("b.snapshot") != "snap-b" {
				return errors.New("lane outputs missing")
			}
			return nil
		})}}
	}
	if _, err := te.Run(context.Background(), p(), "r"); err == nil {
		t.Fatal("lane b must fail")
	}
	failB = false
	if _, err := te.Resume(context.Background(), "qa", "r", func(RunSummary) (Pipeline, error) { return p(), nil }); err != nil {
		t.Fatal(err)
	}
	if ran["a"] != 1 || ran["b"] != 2 || ran["c"] != 1 {
		t.Errorf("lane runs %v: only b runs again", ran)
	}
	want := "run-started lock:step-started lock:step-finished copy:step-started copy/a:step-skipped copy/c:step-skipped copy/b:step-started copy/b:step-finished copy:step-finished swap:step-started swap:step-finished run-finished"
	if got := kinds(resumed(te.journal(t, "qa", "r"))); got != want {
		t.Errorf("resumed:\n%s\nwant\n%s", got, want)
	}
}

// TestResumeOfALiveRunIsRefused: while the run's process holds the lock,
// resume is refused naming it, and the journal is left alone.
func TestResumeOfALiveRunIsRefused(t *testing.T) {
	te := newTestEngine(t)
	s := &threeSteps{}
	var resumeErr error
	var during int
	p := s.pipeline()
	p.Steps[1].Action = func(ctx context.Context, r *Run) error {
		during = len(te.journal(t, "qa", "r"))
		_, resumeErr = te.Resume(ctx, "qa", "r", s.build(t))
		if n := len(te.journal(t, "qa", "r")); n != during {
			t.Errorf("a refused resume wrote %d records into the live run's journal", n-during)
		}
		return nil
	}
	mustRun(t, te, p, "r")
	var locked *LockedError
	if !errors.As(resumeErr, &locked) || locked.Holder.RunID != "r" {
		t.Errorf("resume of a live run: %v", resumeErr)
	}
	if _, err := te.Resume(context.Background(), "qa", "nope", s.build(t)); !errors.Is(err, ErrNoRun) {
		t.Errorf("resume of a run that does not exist: %v", err)
	}
}

func TestSummarize(t *testing.T) {
	te := newTestEngine(t)
	s := &threeSteps{fail2: errors.New("quota exceeded")}
	te.Run(context.Background(), s.pipeline(), "failed")
	sum := Summarize(te.journal(t, "qa", "failed"), nil)
	if sum.Status != RunFailed || sum.Step != "two" || sum.Message != "two: quota exceeded" || sum.Pipeline != "test" || sum.Env != "qa" || sum.Ended.IsZero() || sum.Args["size"] != "large" {
		t.Errorf("failed run: %+v", sum)
	}
	if sum.By != operator() || sum.ResumedBy != "" || !strings.Contains(sum.By, "@") {
		t.Errorf("the run was started by %q (resumed by %q), want %q", sum.By, sum.ResumedBy, operator())
	}
	// Resumed by someone else: both are said.
	events := te.journal(t, "qa", "failed")
	resumed := append(events, Event{Seq: events[len(events)-1].Seq + 1, Kind: RunStarted, Pipeline: "test", By: "ci@runner-7"})
	if sum := Summarize(resumed, nil); sum.By != operator() || sum.ResumedBy != "ci@runner-7" {
		t.Errorf("resumed by another: by %q, resumed by %q", sum.By, sum.ResumedBy)
	}
	s.fail2 = nil
	mustRun(t, te, s.pipeline(), "r")
	cut(t, te, "qa", "r", "two:step-started", "")
	events = te.journal(t, "qa", "r")
	if sum := Summarize(events, nil); sum.Status != RunRunning || !sum.Ended.IsZero() {
		t.Errorf("without a way to tell, an unfinished run is running: %+v", sum)
	}
	// The lock cut left names run r and a process that is gone.
	sum = Summarize(events, LockAlive(context.Background(), te.Locks))
	if sum.Status != RunInterrupted || sum.Step != "two" || !strings.Contains(sum.Message, "envbench resume r") {
		t.Errorf("a dead holder's run is interrupted: %+v", sum)
	}
	os.Remove(LockPath(te.root, "qa"))
	if sum := Summarize(events, LockAlive(context.Background(), te.Locks)); sum.Status != RunInterrupted {
		t.Errorf("no lock at all: %+v", sum)
	}
	// While this process holds the lock for run r, r is alive.
	h, err := te.Locks.Acquire(context.Background(), "qa", CurrentHolder("r", "test", start))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release()
	if sum := Summarize(events, LockAlive(context.Background(), te.Locks)); sum.Status != RunRunning {
		t.Errorf("a live holder's run runs: %+v", sum)
	}
	if sum := Summarize(nil, nil); sum.Status != "" || sum.RunID != "" {
		t.Errorf("no events: %+v", sum)
	}
}
