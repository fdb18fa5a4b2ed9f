package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/internal/testkit"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/plan"
	"github.com/envbench/envbench/ui/screen"
	"github.com/envbench/envbench/ui/theme"
)

// blockingRunner holds every plan until its context is cancelled.
type blockingRunner struct{ cancelled chan struct{} }

func (b blockingRunner) Plan(ctx context.Context, _ *envs.Catalog, _, _ string, _ func(pipeline.Event)) (*pipeline.PlanResult, error) {
	<-ctx.Done()
	close(b.cancelled)
	return nil, ctx.Err()
}

func (blockingRunner) Apply(context.Context, *envs.Catalog, string, *pipeline.PlanResult, string, string, func(pipeline.Event)) (*pipeline.ApplyResult, error) {
	return nil, nil
}

// TestBusyPlanScreenStaysAndQuitWaits: esc does not leave a running plan
// unwatched, q asks, and quitting waits for the run to stop.
func TestBusyPlanScreenStaysAndQuitWaits(t *testing.T) {
	c, err := envs.Open(testkit.CopyExample(t, "demo"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	runner := blockingRunner{cancelled: make(chan struct{})}
	m := New(Options{Catalog: c, Palette: theme.PlainPalette(), Runner: runner})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	p := plan.New(m.Context(), "qa")
	init := m.route(screen.PushMsg{Title: "plan qa", Screen: p})
	go func() { // run the plan as the program would
		for _, cmd := range init().(tea.BatchMsg) {
			go cmd()
		}
	}()
	m.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	if m.Top() != p || !strings.Contains(ansi.Strip(m.View().Content), "ctrl+c interrupts it") {
		t.Fatalf("esc must not leave a running plan:\n%s", ansi.Strip(m.View().Content))
	}
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'q', Text: "q"})
	if cmd != nil || !strings.Contains(ansi.Strip(m.View().Content), "terraform plan on qa is running. Quit? y cancel it · l leave it to resume later · n keep working") {
		t.Fatalf("q must ask while Terraform runs:\n%s", ansi.Strip(m.View().Content))
	}
	_, cmd = m.Update(tea.KeyPressMsg{Code: 'y', Text: "y"})
	if cmd != nil {
		t.Fatal("quitting must wait for the run to stop")
	}
	select {
	case <-runner.cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("yes must cancel the run")
	}
	_, cmd = m.Update(plan.PlanDoneMsg{RunID: p.RunID(), Err: context.Canceled})
	if cmd == nil || cmd() != tea.Quit() {
		t.Fatal("once the run has stopped, the program quits")
	}
}

func (blockingRunner) Clone(context.Context, *envs.Catalog, string, string, pipeline.Approver, func(pipeline.Event)) (*pipeline.CloneResult, error) {
	return nil, errors.New("no clone in this test")
}

func (blockingRunner) Teardown(context.Context, *envs.Catalog, string, string, pipeline.Approver, func(pipeline.Event)) (*pipeline.TeardownResult, error) {
	return nil, errors.New("no teardown in this test")
}

func (blockingRunner) Resume(context.Context, *envs.Catalog, string, pipeline.Approver, func(pipeline.Event)) error {
	return errors.New("no resume in this test")
}

func (blockingRunner) Reap(context.Context, *envs.Catalog, pipeline.Approver, func(pipeline.Event)) (*pipeline.ReapResult, error) {
	return nil, errors.New("no reap in this test")
}
