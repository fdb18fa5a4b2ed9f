package run

import (
	"fmt"
	"testing"
	"time"

	"github.com/envbench/envbench/pipeline"
)

// flood applies n log lines to the apply step, stamped 10,000 a second.
func flood(s *State, from int64, n int) {
	for i := range n {
		seq := from + int64(i)
		e := pipeline.Event{Seq: seq, Kind: pipeline.Log, Step: pipeline.StepApply,
			Time: t0.Add(time.Duration(seq) * 100 * time.Microsecond), Message: fmt.Sprint("line ", seq)}
		s.Apply(e)
	}
}

func TestLogFloodLosesNoLine(t *testing.T) {
	s := NewState("r1")
	const total = 50_000
	for from := int64(1); from <= total; from += 167 {
		flood(s, from, int(min(167, total-from+1)))
		_ = Render(s, Pane{}, t0, 80, 24)
	}
	lines := s.Steps[0].Lines
	if len(lines) != total {
		t.Fatalf("%d lines kept, want %d", len(lines), total)
	}
	for i, l := range lines {
		if want := fmt.Sprint("line ", i+1); l != want {
			t.Fatalf("line %d = %q, want %q", i, l, want)
		}
	}
}

// BenchmarkRunScreenLogFlood measures a frame at 10,000 lines a second
// and 60 frames a second: each frame folds in 167 new lines and draws the
// screen, with the step holding more lines every frame.
func BenchmarkRunScreenLogFlood(b *testing.B) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		b.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(b *testing.B) {
			s := progressRun(b)
			seq := s.LastSeq + 1
			b.ResetTimer()
			for range b.N {
				flood(s, seq, 167)
				seq += 167
				_ = Render(s, Pane{Selected: 2}, t0, size[0], size[1])
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
		})
	}
}
