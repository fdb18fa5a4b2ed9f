package run

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/pipeline"
)

var t0 = time.Date(2026, 11, 21, 10, 42, 3, 0, time.UTC)

func ev(seq int64, kind pipeline.EventKind, step pipeline.Step, at time.Duration) pipeline.Event {
	return pipeline.Event{Seq: seq, RunID: "r1", Env: "dev-alice", Kind: kind, Step: step, Time: t0.Add(at)}
}

func progressRun(t testing.TB) *State {
	t.Helper()
	s := NewState("r1")
	start := ev(1, pipeline.RunStarted, "", 0)
	start.Pipeline = "apply"
	s.Apply(start)
	s.Apply(ev(2, pipeline.StepStarted, pipeline.StepLock, 0))
	s.Apply(ev(3, pipeline.StepFinished, pipeline.StepLock, time.Second))
	a := ev(4, pipeline.StepStarted, pipeline.StepInit, time.Second)
	a.Attempt, a.Attempts = 1, 3
	s.Apply(a)
	f := ev(5, pipeline.AttemptFailed, pipeline.StepInit, 3*time.Second)
	f.Attempt, f.Attempts, f.Wait, f.Message = 1, 3, 10*time.Second, "throttled"
	s.Apply(f)
	ap := ev(6, pipeline.StepStarted, pipeline.StepApply, 2*time.Second)
	s.Apply(ap)
	pr := ev(7, pipeline.Progress, pipeline.StepApply, 4*time.Second)
	pr.Fraction = 0.5
	s.Apply(pr)
	for i, lane := range []string{"vpc", "db"} {
		l := ev(int64(8+i), pipeline.StepStarted, pipeline.StepApply, 4*time.Second)
		l.Lane, l.Attempt, l.Attempts = lane, 1, 2
		s.Apply(l)
	}
	lg := ev(10, pipeline.Log, pipeline.StepApply, 5*time.Second)
	lg.Lane, lg.Message = "vpc", "creating aws_vpc.main"
	s.Apply(lg)
	return s
}

func TestApply(t *testing.T) {
	s := progressRun(t)
	if s.Pipeline != "apply" || s.Env != "dev-alice" || len(s.Steps) != 3 {
		t.Fatalf("state = %+v", s)
	}
	tests := []struct {
		step     int
		status   Status
		attempt  int
		attempts int
		lanes    int
		lines    int
	}{
		{0, StatusDone, 0, 0, 0, 0},
		{1, StatusWaiting, 1, 3, 0, 0},
		{2, StatusRunning, 1, 2, 2, 1},
	}
	for _, tt := range tests {
		st := s.Steps[tt.step]
		if st.Status != tt.status || st.Attempt != tt.attempt || st.Attempts != tt.attempts || len(st.Lanes) != tt.lanes || len(st.Lines) != tt.lines {
			t.Errorf("step %s = %s %d/%d lanes %d lines %d, want %s %d/%d lanes %d lines %d", st.Name,
				st.Status, st.Attempt, st.Attempts, len(st.Lanes), len(st.Lines), tt.status, tt.attempt, tt.attempts, tt.lanes, tt.lines)
		}
	}
	if got := s.Steps[2].Lines[0]; got != "[vpc] creating aws_vpc.main" {
		t.Errorf("line = %q", got)
	}
}

func TestApplyIgnoresReplayedSeq(t *testing.T) {
	s := progressRun(t)
	lg := ev(10, pipeline.Log, pipeline.StepApply, 5*time.Second)
	lg.Message = "again"
	s.Apply(lg)
	if n := len(s.Steps[2].Lines); n != 1 {
		t.Errorf("a replayed event was applied: %d lines", n)
	}
}

func TestWaitCountsDown(t *testing.T) {
	st := progressRun(t).Steps[1]
	tests := []struct {
		at   time.Duration
		want time.Duration
	}{
		{3 * time.Second, 10 * time.Second},
		{7 * time.Second, 6 * time.Second},
		{13 * time.Second, 0},
		{20 * time.Second, 0},
	}
	for _, tt := range tests {
		if got := st.Wait(t0.Add(tt.at)); got != tt.want {
			t.Errorf("Wait at %s = %s, want %s", tt.at, got, tt.want)
		}
	}
}

func TestStepLine(t *testing.T) {
	s := progressRun(t)
	now := t0.Add(7 * time.Second)
	tests := []struct {
		step int
		want []string
	}{
		{0, []string{"✓", "lock", "1s"}},
		{1, []string{"↻", "init", "attempt 1/3", "retry in 6s", "6s"}},
		{2, []string{"●", "apply", "█", "50%"}},
	}
	for _, tt := range tests {
		got := StepLine(s.Steps[tt.step], false, now, 80)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("StepLine(%d) = %q, missing %q", tt.step, got, w)
			}
		}
	}
}

func TestRenderFitsAndShowsLanes(t *testing.T) {
	s := progressRun(t)
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		out := Render(s, Pane{Selected: 2}, t0.Add(7*time.Second), size[0], size[1])
		lines := strings.Split(out, "\n")
		if len(lines) != size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		if !strings.Contains(out, "      ● vpc 1/2") || !strings.Contains(out, "creating aws_vpc.main") {
			t.Errorf("%dx%d: lanes or log missing:\n%s", size[0], size[1], out)
		}
	}
}

func TestPaneFollowsTailUnlessScrolled(t *testing.T) {
	s := NewState("r1")
	for i := range 100 {
		e := ev(int64(i+1), pipeline.Log, pipeline.StepApply, 0)
		e.Message = fmt.Sprint("line ", i)
		s.Apply(e)
	}
	p := Pane{}
	if w := p.Window(s, 10); w[9] != "line 99" || len(w) != 10 {
		t.Fatalf("tail window = %v", w)
	}
	p = p.Scroll(s, 15, 10)
	if w := p.Window(s, 10); w[9] != "line 84" {
		t.Errorf("scrolled window ends %q", w[9])
	}
	e := ev(101, pipeline.Log, pipeline.StepApply, 0)
	e.Message = "line 100"
	s.Apply(e)
	if w := p.Window(s, 10); w[9] != "line 84" {
		t.Errorf("a scrolled pane moved with new lines: ends %q", w[9])
	}
	if p = p.Scroll(s, 1000, 10); p.Bottom != 10 || p.Window(s, 10)[0] != "line 0" {
		t.Errorf("scrolled past the top: bottom %d", p.Bottom)
	}
	if p = p.Scroll(s, -1000, 10); p.Bottom != 0 {
		t.Errorf("scrolled past the tail: bottom %d, want following", p.Bottom)
	}
}

// TestResumedStepsKeepTheirOwnTime: in a resumed run, a step that
// finished before and is skipped keeps the time it took; a step run again
// counts from its start in the resumed run, not from the earlier
// process's; one found done that was in flight has no time of its own.
func TestResumedStepsKeepTheirOwnTime(t *testing.T) {
	s := NewState("r1")
	s.Apply(ev(1, pipeline.RunStarted, "", 0))
	s.Apply(ev(2, pipeline.StepStarted, pipeline.StepLock, 0))
	s.Apply(ev(3, pipeline.StepFinished, pipeline.StepLock, time.Second))
	s.Apply(ev(4, pipeline.StepStarted, pipeline.StepPlan, time.Second))
	s.Apply(ev(5, pipeline.StepFinished, pipeline.StepPlan, 4*time.Second))
	s.Apply(ev(6, pipeline.StepStarted, pipeline.StepGate, 4*time.Second))
	s.Apply(ev(7, pipeline.StepStarted, pipeline.StepApply, 5*time.Second))
	s.Apply(ev(8, pipeline.RunFinished, "", 6*time.Second))

	// Resumed ten minutes later.
	s.Apply(ev(9, pipeline.RunStarted, "", 10*time.Minute))
	s.Apply(ev(10, pipeline.StepStarted, pipeline.StepLock, 10*time.Minute))
	s.Apply(ev(11, pipeline.StepFinished, pipeline.StepLock, 10*time.Minute+2*time.Second))
	s.Apply(ev(12, pipeline.StepSkipped, pipeline.StepPlan, 10*time.Minute+2*time.Second))
	s.Apply(ev(13, pipeline.StepStarted, pipeline.StepGate, 10*time.Minute+2*time.Second))
	s.Apply(ev(14, pipeline.StepFinished, pipeline.StepGate, 10*time.Minute+5*time.Second))
	s.Apply(ev(15, pipeline.StepSkipped, pipeline.StepApply, 10*time.Minute+5*time.Second))
	now := t0.Add(11 * time.Minute)
	for _, c := range []struct {
		step pipeline.Step
		want time.Duration
	}{
		{pipeline.StepLock, 2 * time.Second},
		{pipeline.StepPlan, 3 * time.Second},
		{pipeline.StepGate, 3 * time.Second},
		{pipeline.StepApply, 0},
	} {
		if got := s.step(c.step).Elapsed(now); got != c.want {
			t.Errorf("%s took %s, want %s", c.step, got, c.want)
		}
	}
	// Retries within one process count from the first attempt.
	r := NewState("r2")
	r.Apply(ev(1, pipeline.RunStarted, "", 0))
	r.Apply(ev(2, pipeline.StepStarted, pipeline.StepInit, 0))
	r.Apply(ev(3, pipeline.AttemptFailed, pipeline.StepInit, time.Second))
	r.Apply(ev(4, pipeline.StepStarted, pipeline.StepInit, 5*time.Second))
	r.Apply(ev(5, pipeline.StepFinished, pipeline.StepInit, 6*time.Second))
	if got := r.step(pipeline.StepInit).Elapsed(now); got != 6*time.Second {
		t.Errorf("a retried step took %s, want 6s from its first attempt", got)
	}
}
