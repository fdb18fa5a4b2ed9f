// Package storetest holds the conformance suites every run store passes:
// Journal for the run journals and Locks for the environments' locks, run
// against local files, the simulated account's S3 and moto's S3.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/envbench/envbench/pipeline"
)

// JournalBackend is a journal under test.
type JournalBackend struct {
	// Open returns an empty journal.
	Open func(t *testing.T) pipeline.Journal
	// Tear leaves a torn record after a run's last one, as a crash in the
	// middle of a write would.
	Tear func(t *testing.T, j pipeline.Journal, env, runID string)
}

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func event(env, runID string, seq int64, kind pipeline.EventKind) pipeline.Event {
	e := pipeline.Event{Seq: seq, RunID: runID, Env: env, Time: t0.Add(time.Duration(seq) * time.Second), Kind: kind}
	switch kind {
	case pipeline.RunStarted:
		e.Pipeline = "plan"
	case pipeline.StepStarted:
		e.Step = pipeline.Step(fmt.Sprintf("step-%d", seq))
	case pipeline.RunFinished:
		e.Pipeline, e.Status = "plan", pipeline.RunSucceeded
	}
	return e
}

// WriteRun appends n events to a run (RunStarted, StepStarted..., and
// RunFinished when finished), from seq 1.
func WriteRun(t *testing.T, j pipeline.Journal, env, runID string, n int, finished bool) {
	t.Helper()
	ctx := context.Background()
	w, err := j.Writer(ctx, env, runID)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for seq := int64(1); seq <= int64(n); seq++ {
		kind := pipeline.StepStarted
		switch {
		case seq == 1:
			kind = pipeline.RunStarted
		case seq == int64(n) && finished:
			kind = pipeline.RunFinished
		}
		if err := w.Append(ctx, event(env, runID, seq, kind)); err != nil {
			t.Fatalf("append %d: %v", seq, err)
		}
	}
}

func checkSeqs(t *testing.T, events []pipeline.Event, n int) {
	t.Helper()
	if len(events) != n {
		t.Fatalf("%d events, want %d", len(events), n)
	}
	for i, e := range events {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d", i, e.Seq)
		}
	}
}

// Journal runs the journal conformance suite on b.
func Journal(t *testing.T, b JournalBackend) {
	t.Helper()
	ctx := context.Background()
	t.Run("append and read in order", func(t *testing.T) {
		j := b.Open(t)
		WriteRun(t, j, "qa", "20261201T100000Z-aaaaaa", 12, true)
		events, err := j.Read(ctx, "qa", "20261201T100000Z-aaaaaa")
		if err != nil {
			t.Fatal(err)
		}
		checkSeqs(t, events, 12)
		if events[0].Kind != pipeline.RunStarted || events[11].Kind != pipeline.RunFinished || events[3].Step != "step-4" {
			t.Errorf("events %+v", events)
		}
		if s := pipeline.Summarize(events, nil); s.Status != pipeline.RunSucceeded || s.Pipeline != "plan" || s.Step != "step-11" {
			t.Errorf("summary %+v", s)
		}
	})
	t.Run("seq goes on across writers", func(t *testing.T) {
		j := b.Open(t)
		WriteRun(t, j, "qa", "20261201T100000Z-bbbbbb", 3, false)
		w, err := j.Writer(ctx, "qa", "20261201T100000Z-bbbbbb")
		if err != nil {
			t.Fatal(err)
		}
		for seq := int64(4); seq <= 5; seq++ {
			if err := w.Append(ctx, event("qa", "20261201T100000Z-bbbbbb", seq, pipeline.StepStarted)); err != nil {
				t.Fatal(err)
			}
		}
		w.Close()
		events, err := j.Read(ctx, "qa", "20261201T100000Z-bbbbbb")
		if err != nil {
			t.Fatal(err)
		}
		checkSeqs(t, events, 5)
	})
	t.Run("runs listed per environment, newest first", func(t *testing.T) {
		j := b.Open(t)
		if refs, err := j.Runs(ctx, ""); err != nil || len(refs) != 0 {
			t.Fatalf("empty journal lists %v %v", refs, err)
		}
		WriteRun(t, j, "qa", "20261201T100000Z-000001", 2, true)
		WriteRun(t, j, "qa", "20261201T110000Z-000002", 2, true)
		WriteRun(t, j, "dev", "20261201T103000Z-000003", 2, true)
		all, err := j.Runs(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		want := []pipeline.RunRef{{Env: "qa", RunID: "20261201T110000Z-000002"}, {Env: "dev", RunID: "20261201T103000Z-000003"}, {Env: "qa", RunID: "20261201T100000Z-000001"}}
		if fmt.Sprint(all) != fmt.Sprint(want) {
			t.Errorf("all runs %v, want %v", all, want)
		}
		qa, err := j.Runs(ctx, "qa")
		if err != nil || len(qa) != 2 || qa[0].RunID != "20261201T110000Z-000002" {
			t.Errorf("qa's runs %v %v", qa, err)
		}
		if none, err := j.Runs(ctx, "prod"); err != nil || len(none) != 0 {
			t.Errorf("prod's runs %v %v", none, err)
		}
	})
	t.Run("a missing run is ErrNoRun", func(t *testing.T) {
		j := b.Open(t)
		if _, err := j.Read(ctx, "qa", "20261201T100000Z-nonexi"); !errors.Is(err, pipeline.ErrNoRun) {
			t.Errorf("read a missing run: %v", err)
		}
	})
	t.Run("bad names refused", func(t *testing.T) {
		j := b.Open(t)
		if _, err := j.Writer(ctx, "../qa", "r"); err == nil {
			t.Error("a writer for ../qa")
		}
		if _, err := j.Read(ctx, "qa", "a/b"); err == nil {
			t.Error("read run a/b")
		}
	})
	t.Run("torn last record tolerated", func(t *testing.T) {
		if b.Tear == nil {
			t.Skip("this backend cannot tear a record")
		}
		j := b.Open(t)
		WriteRun(t, j, "qa", "20261201T100000Z-cccccc", 4, false)
		b.Tear(t, j, "qa", "20261201T100000Z-cccccc")
		events, err := j.Read(ctx, "qa", "20261201T100000Z-cccccc")
		if err != nil {
			t.Fatal(err)
		}
		checkSeqs(t, events, 4)
	})
	t.Run("concurrent appenders to different runs", func(t *testing.T) {
		j := b.Open(t)
		const runs, n = 4, 8
		var wg sync.WaitGroup
		errs := make(chan error, runs*n)
		for r := range runs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("20261201T100000Z-00000%d", r)
				w, err := j.Writer(ctx, "qa", id)
				if err != nil {
					errs <- err
					return
				}
				defer w.Close()
				for seq := int64(1); seq <= n; seq++ {
					if err := w.Append(ctx, event("qa", id, seq, pipeline.StepStarted)); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for r := range runs {
			events, err := j.Read(ctx, "qa", fmt.Sprintf("20261201T100000Z-00000%d", r))
			if err != nil {
				t.Fatal(err)
			}
			checkSeqs(t, events, n)
		}
		if refs, err := j.Runs(ctx, "qa"); err != nil || len(refs) != runs {
			t.Errorf("runs %v %v", refs, err)
		}
	})
}

// LocksBackend is a locker under test.
type LocksBackend struct {
	// Open returns a locker with no locks, and the journal its runs write
	// to (for a backend that tells a finished run's lock by it; nil if it
	// does not).
	Open func(t *testing.T) (pipeline.Locker, pipeline.Journal)
}

// DeadPID is the id of a process of this host that has ended.
func DeadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatalf("run a process to have its pid: %v", err)
	}
	return cmd.Process.Pid
}

// Locks runs the lock conformance suite on b.
func Locks(t *testing.T, b LocksBackend) {
	t.Helper()
	ctx := context.Background()
	me := func(runID string) pipeline.Holder { return pipeline.CurrentHolder(runID, "plan", t0) }
	t.Run("refused with the holder", func(t *testing.T) {
		l, _ := b.Open(t)
		held, err := l.Acquire(ctx, "qa", me("run-1"))
		if err != nil {
			t.Fatal(err)
		}
		if held.Message() != "locked" || held.Holder().RunID != "run-1" {
			t.Errorf("held %q %+v", held.Message(), held.Holder())
		}
		_, err = l.Acquire(ctx, "qa", me("run-2"))
		var locked *pipeline.LockedError
		if !errors.As(err, &locked) || !errors.Is(err, pipeline.ErrLocked) {
			t.Fatalf("second acquire: %v", err)
		}
		if locked.Holder != me("run-1") || locked.Env != "qa" {
			t.Errorf("refused naming %+v", locked.Holder)
		}
		h, ok, err := l.Read(ctx, "qa")
		if err != nil || !ok || h != me("run-1") {
			t.Errorf("read %+v %v %v", h, ok, err)
		}
		if other, err := l.Acquire(ctx, "dev", me("run-3")); err != nil {
			t.Errorf("another environment: %v", err)
		} else {
			other.Release()
		}
	})
	t.Run("release", func(t *testing.T) {
		l, _ := b.Open(t)
		held, err := l.Acquire(ctx, "qa", me("run-1"))
		if err != nil {
			t.Fatal(err)
		}
		if err := held.Release(); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := l.Read(ctx, "qa"); ok || err != nil {
			t.Errorf("read after release: %v %v", ok, err)
		}
		again, err := l.Acquire(ctx, "qa", me("run-2"))
		if err != nil {
			t.Fatalf("acquire after release: %v", err)
		}
		if err := held.Release(); err != nil {
			t.Fatal(err)
		}
		if h, ok, _ := l.Read(ctx, "qa"); !ok || h.RunID != "run-2" {
			t.Errorf("an old release removed another run's lock: %+v %v", h, ok)
		}
		again.Release()
	})
	t.Run("stale lock of a dead process taken over", func(t *testing.T) {
		l, _ := b.Open(t)
		dead := me("run-dead")
		dead.PID = DeadPID(t)
		if _, err := l.Acquire(ctx, "qa", dead); err != nil {
			t.Fatal(err)
		}
		held, err := l.Acquire(ctx, "qa", me("run-2"))
		if err != nil {
			t.Fatalf("acquire over a dead holder: %v", err)
		}
		if held.Holder().RunID != "run-2" || held.Message() == "locked" {
			t.Errorf("took over saying %q", held.Message())
		}
		if h, _, _ := l.Read(ctx, "qa"); h.RunID != "run-2" {
			t.Errorf("lock names %+v", h)
		}
		held.Release()
	})
	t.Run("force unlock", func(t *testing.T) {
		l, _ := b.Open(t)
		other := me("run-1")
		other.Host = "ci-runner-7"
		if _, err := l.Acquire(ctx, "qa", other); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Acquire(ctx, "qa", me("run-2")); !errors.Is(err, pipeline.ErrLocked) {
			t.Fatalf("a live holder on another host: %v", err)
		}
		h, ok, err := l.Break(ctx, "qa")
		if err != nil || !ok || h != other {
			t.Fatalf("break: %+v %v %v", h, ok, err)
		}
		if _, ok, err := l.Break(ctx, "qa"); ok || err != nil {
			t.Errorf("break with no lock: %v %v", ok, err)
		}
		held, err := l.Acquire(ctx, "qa", me("run-2"))
		if err != nil {
			t.Fatalf("acquire after break: %v", err)
		}
		held.Release()
	})
}
