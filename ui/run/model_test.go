package run

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/screen"
)

func press(s string) tea.KeyPressMsg {
	return tea.KeyPressMsg{Code: rune(s[0]), Text: s}
}

func TestModelStreamsAndCancels(t *testing.T) {
	var runs sync.WaitGroup
	ctx := &screen.Context{Now: func() time.Time { return t0.Add(7 * time.Second) }, Runs: &runs}
	source := func(ctx context.Context, sink func(pipeline.Event)) error {
		for _, e := range []pipeline.Event{
			ev(1, pipeline.RunStarted, "", 0),
			ev(2, pipeline.StepStarted, pipeline.StepApply, 0),
			{Seq: 3, Kind: pipeline.Log, Step: pipeline.StepApply, Message: "creating aws_vpc.main"},
		} {
			sink(e)
		}
		<-ctx.Done()
		return ctx.Err()
	}
	m := New(ctx, "r1", source)
	m.SetSize(80, 24)
	_ = m.Init()
	go m.begin()
	var lines int
	for lines < 1 {
		msg, ok := m.feed.next("r1")().(EventsMsg)
		if !ok {
			t.Fatal("the run ended before its events arrived")
		}
		m.Update(msg)
		lines = len(m.state.step(pipeline.StepApply).Lines)
	}
	if v := m.View(); !strings.Contains(v, "creating aws_vpc.main") || !strings.Contains(v, "● apply") {
		t.Fatalf("view:\n%s", v)
	}
	if m.Busy() == "" {
		t.Error("a running run is not busy")
	}
	m.Update(press("x"))
	if !m.CapturingInput() || !strings.Contains(m.View(), "cancel the run?") {
		t.Fatal("x did not ask first")
	}
	m.Update(press("n"))
	if m.CapturingInput() {
		t.Fatal("n did not dismiss the question")
	}
	m.Update(press("x"))
	m.Update(press("y"))
	var done DoneMsg
	for {
		msg := m.feed.next("r1")()
		if d, ok := msg.(DoneMsg); ok {
			done = d
			break
		}
	}
	m.Update(done)
	if !errors.Is(done.Err, context.Canceled) || m.Busy() != "" {
		t.Errorf("done = %v, busy %q", done.Err, m.Busy())
	}
	runs.Wait()
}
