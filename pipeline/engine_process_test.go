//go:build unix

package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// The helper process: a second envbench, as a re-exec of this test binary.
const helperEnv = "ENVBENCH_ENGINE_HELPER_ROOT"

// processPipeline is the pipeline both processes run: two waits on its
// stdin in the helper, after telling the parent it is there.
func processPipeline(inTwo func() error) Pipeline {
	return Pipeline{Kind: "clone", Env: "qa", Args: map[string]string{"from": "production"}, Steps: []StepDef{
		step("one", func(ctx context.Context, r *Run) error { r.Set("one.id", "i-1"); return nil }),
		{Name: "two", Action: func(ctx context.Context, r *Run) error {
			if r.Get("one.id") != "i-1" {
				return errors.New("one's output is missing")
			}
			return inTwo()
		}, Probe: func(context.Context, *Run) (bool, error) { return false, nil }},
		step("three", ok),
	}}
}

// TestEngineHelperProcess is not a test: it is the second process of
// TestLockContentionBetweenProcesses.
func TestEngineHelperProcess(t *testing.T) {
	root := os.Getenv(helperEnv)
	if root == "" {
		t.Skip("the helper process of TestLockContentionBetweenProcesses")
	}
	e := &Engine{Journal: LocalJournal{Root: root}, Locks: LocalLocks{Root: root}}
	_, err := e.Run(context.Background(), processPipeline(func() error {
		fmt.Println("in-two")
		_, err := io.Copy(io.Discard, os.Stdin) // until the parent closes it
		return err
	}), os.Getenv("ENVBENCH_ENGINE_HELPER_RUN"))
	if err != nil {
		fmt.Println("helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// helper starts the second process on root and waits until it is inside
// step two, holding qa's lock.
func helper(t *testing.T, root, runID string) *HelperProcess {
	t.Helper()
	h := StartHelper(t, HelperCommand("TestEngineHelperProcess", helperEnv+"="+root, "ENVBENCH_ENGINE_HELPER_RUN="+runID))
	for h.Line(t) != "in-two" {
	}
	h.Discard()
	return h
}

// TestLockContentionBetweenProcesses: while another envbench process runs
// on qa, a run and a resume here are refused naming it; when it ends the
// lock is free; when it is killed, its lock is stale, its run reads as
// interrupted, and resume takes the lock over and finishes the run.
func TestLockContentionBetweenProcesses(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	e := &Engine{Journal: LocalJournal{Root: root}, Locks: LocalLocks{Root: root}}
	build := func(RunSummary) (Pipeline, error) { return processPipeline(func() error { return nil }), nil }

	t.Run("held, then released", func(t *testing.T) {
		h := helper(t, root, "run-a")
		cmd := h.Cmd
		_, err := e.Run(ctx, processPipeline(func() error { return nil }), "run-b")
		var locked *LockedError
		if !errors.As(err, &locked) || locked.Holder.PID != cmd.Process.Pid || locked.Holder.RunID != "run-a" || locked.Holder.Operation != "clone" {
			t.Fatalf("a run while another process holds qa: %v", err)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("pid %d, clone run run-a", cmd.Process.Pid)) {
			t.Errorf("the refusal must name the holder: %v", err)
		}
		before, _ := e.Journal.Read(ctx, "qa", "run-a")
		if _, err := e.Resume(ctx, "qa", "run-a", build); !errors.As(err, &locked) {
			t.Errorf("resuming a run its process still runs: %v", err)
		}
		after, _ := e.Journal.Read(ctx, "qa", "run-a")
		if len(after) != len(before) {
			t.Errorf("a refused resume wrote into the live run's journal")
		}
		if s := Summarize(after, LockAlive(ctx, e.Locks)); s.Status != RunRunning {
			t.Errorf("a live process's run: %+v", s)
		}
		h.Stdin.Close()
		if err := h.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
		if _, err := e.Run(ctx, processPipeline(func() error { return nil }), "run-c"); err != nil {
			t.Errorf("after the other process ended: %v", err)
		}
	})

	t.Run("killed mid-step", func(t *testing.T) {
		h := helper(t, root, "run-k")
		h.Cmd.Process.Kill()
		h.Wait()
		events, err := e.Journal.Read(ctx, "qa", "run-k")
		if err != nil {
			t.Fatal(err)
		}
		if s := Summarize(events, LockAlive(ctx, e.Locks)); s.Status != RunInterrupted || s.Step != "two" {
			t.Errorf("a killed process's run: %+v", s)
		}
		rec := &recorder{}
		e.Sink = rec.sink
		defer func() { e.Sink = nil }()
		run, err := e.Resume(ctx, "qa", "run-k", build)
		if err != nil {
			t.Fatal(err)
		}
		if run.Status() != RunSucceeded {
			t.Errorf("resumed: %s", run.Status())
		}
		got := kinds(rec.all())
		if got != "run-started lock:step-started lock:step-finished one:step-skipped two:step-started two:step-finished three:step-started three:step-finished run-finished" {
			t.Errorf("resumed: %s", got)
		}
		if msg := rec.all()[2].Message; !strings.Contains(msg, "took over the lock of a dead clone run run-k") {
			t.Errorf("the stale lock is taken over, saying whose: %q", msg)
		}
	})
}
