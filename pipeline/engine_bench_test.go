package pipeline

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkEngineNoOpSteps runs a pipeline of 1,000 steps that do nothing,
// on a local journal with its fsync per record (sync) and without
// (nosync): the engine's overhead per step, and what the fsyncs add. The
// target is 1 ms a step, journal included. It reports ns/step.
func BenchmarkEngineNoOpSteps(b *testing.B) {
	steps := make([]StepDef, 1000)
	for i := range steps {
		steps[i] = StepDef{Name: Step(fmt.Sprintf("step-%04d", i)), Action: func(context.Context, *Run) error { return nil }}
	}
	p := Pipeline{Kind: "bench", Env: "qa", Steps: steps}
	for _, c := range []struct {
		name   string
		noSync bool
	}{{"sync", false}, {"nosync", true}} {
		b.Run(c.name, func(b *testing.B) {
			root := b.TempDir()
			e := &Engine{Journal: LocalJournal{Root: root, NoSync: c.noSync}, Locks: LocalLocks{Root: root}}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := e.Run(context.Background(), p, fmt.Sprintf("run-%d", i)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(steps)), "ns/step")
		})
	}
}

// BenchmarkLanes10x200ms fans a step out into 10 lanes that each wait
// 200 ms on the system clock: the step should take little more than its
// slowest lane (target: 1.1x). It reports the step's time (from its
// step-started to its step-finished) over the slowest lane's as
// step-x-slowest, and the whole run's (journal and log created, lock
// taken and given back) as x-slowest.
func BenchmarkLanes10x200ms(b *testing.B) {
	const lane = 200 * time.Millisecond
	lanes := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
	p := Pipeline{Kind: "bench", Env: "qa", Steps: []StepDef{{
		Name:  "sync",
		Lanes: func(context.Context, *Run) ([]string, error) { return lanes, nil },
		LaneAction: func(ctx context.Context, r *Run, _ string) error {
			return SystemClock().Sleep(ctx, lane)
		},
	}}}
	for _, c := range []struct {
		name   string
		noSync bool
	}{{"sync", false}, {"nosync", true}} {
		b.Run(c.name, func(b *testing.B) {
			root := b.TempDir()
			var stepTime time.Duration
			var started time.Time
			sink := func(e Event) {
				if e.Step == "sync" && e.Lane == "" {
					switch e.Kind {
					case StepStarted:
						started = e.Time
					case StepFinished:
						stepTime += e.Time.Sub(started)
					}
				}
			}
			e := &Engine{Journal: LocalJournal{Root: root, NoSync: c.noSync}, Locks: LocalLocks{Root: root}, Sink: sink}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := e.Run(context.Background(), p, fmt.Sprintf("run-%d", i)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(lane), "x-slowest")
			b.ReportMetric(float64(stepTime)/float64(b.N)/float64(lane), "step-x-slowest")
		})
	}
}
