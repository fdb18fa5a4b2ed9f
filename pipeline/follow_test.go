package pipeline

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/internal/testkit"
)

// stepClock runs a function on each Sleep, in place of the wait: the other
// process's next events arrive between two reads.
type stepClock struct {
	now    time.Time
	sleeps []func()
}

func (c *stepClock) Now() time.Time { return c.now }

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	if len(c.sleeps) == 0 {
		return errors.New("Follow slept once more than the run lasted")
	}
	next := c.sleeps[0]
	c.sleeps = c.sleeps[1:]
	c.now = c.now.Add(d)
	next()
	return ctx.Err()
}

// TestFollowWatchesAnotherProcesssRun: Follow reports every event of a
// run once, in order, as another process journals them, while that
// process's lock names the run; it ends with the run, or at once for a run
// whose process is gone.
func TestFollowWatchesAnotherProcesssRun(t *testing.T) {
	ctx := context.Background()
	root := testkit.CopyExample(t, "demo")
	c, err := envs.Open(root, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	j := LocalJournal{Root: root, NoSync: true}
	const id = "20261202T100000Z-aaaaaa"
	w, err := j.Writer(ctx, "qa", id)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	seq := int64(0)
	appendEvents := func(events ...Event) {
		for _, e := range events {
			seq++
			e.Seq, e.Env, e.RunID = seq, "qa", id
			if err := w.Append(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	appendEvents(Event{Kind: RunStarted, Pipeline: "clone"}, Event{Kind: StepStarted, Step: "plan"})
	held, err := LocalLocks{Root: root}.Acquire(ctx, "qa", CurrentHolder(id, "clone", time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()

	clock := &stepClock{now: time.Now(), sleeps: []func(){
		func() { appendEvents(Event{Kind: StepFinished, Step: "plan"}, Event{Kind: StepStarted, Step: "apply"}) },
		func() {}, // nothing new this time
		func() {
			appendEvents(Event{Kind: StepFinished, Step: "apply"}, Event{Kind: RunFinished, Status: RunSucceeded})
		},
	}}
	var got []int64
	sum, err := Follow(ctx, c, "qa", id, Options{Clock: clock}, time.Second, func(e Event) { got = append(got, e.Seq) })
	if err != nil || sum.Status != RunSucceeded || sum.Pipeline != "clone" {
		t.Fatalf("follow: %+v %v", sum, err)
	}
	if want := []int64{1, 2, 3, 4, 5, 6}; len(got) != len(want) || got[0] != 1 || got[5] != 6 {
		t.Fatalf("events reported %v, want %v", got, want)
	}
	for i := 1; i < len(got); i++ {
		if got[i] != got[i-1]+1 {
			t.Fatalf("events reported %v: each once, in order", got)
		}
	}
	if len(clock.sleeps) != 0 {
		t.Errorf("Follow stopped before the run ended (%d reads left)", len(clock.sleeps))
	}

	// A run whose process is gone: no lock names it. It is reported
	// interrupted at once, without waiting.
	const dead = "20261202T110000Z-bbbbbb"
	w2, err := j.Writer(ctx, "dev-alice", dead)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	for i, e := range []Event{{Kind: RunStarted, Pipeline: "teardown"}, {Kind: StepStarted, Step: "destroy"}} {
		e.Seq, e.Env, e.RunID = int64(i+1), "dev-alice", dead
		if err := w2.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	sum, err = Follow(ctx, c, "dev-alice", dead, Options{Clock: &stepClock{}}, time.Second, func(Event) {})
	if err != nil || sum.Status != RunInterrupted || sum.Step != "destroy" {
		t.Fatalf("a dead run: %+v %v", sum, err)
	}
	if _, err := Follow(ctx, c, "qa", "20261202T120000Z-cccccc", Options{Clock: &stepClock{}}, time.Second, func(Event) {}); !errors.Is(err, ErrNoRun) {
		t.Errorf("an unknown run: %v", err)
	}
}
