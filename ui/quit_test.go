package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
	"github.com/envbench/envbench/internal/testkit"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/plan"
	"github.com/envbench/envbench/ui/screen"
	"github.com/envbench/envbench/ui/theme"
)

// TestQuitDuringApplyGivesAnOutcome: q then y during an apply interrupts
// it, quits once Terraform has stopped, and the model's outcome says what
// happened with a non-zero status.
func TestQuitDuringApplyGivesAnOutcome(t *testing.T) {
	c, err := envs.Open(testkit.CopyExample(t, "demo"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Catalog: c, Palette: theme.PlainPalette(), Runner: blockingRunner{cancelled: make(chan struct{})}})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	p := plan.New(m.Context(), "dev-alice")
	m.route(screen.PushMsg{Title: "plan dev-alice", Screen: p})
	data := `{"format_version":"1.2","resource_changes":[{"address":"terraform_data.vpc","mode":"managed","type":"terraform_data","change":{"actions":["create"],"before":null,"after":{}}},` +
		`{"address":"terraform_data.database","mode":"managed","type":"terraform_data","change":{"actions":["create"],"before":null,"after":{}}}]}`
	decoded, err := envs.DecodePlan([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	m.Update(plan.PlanDoneMsg{RunID: p.RunID(), Result: &pipeline.PlanResult{Env: "dev-alice", Plan: decoded, HasChanges: true, PlanFile: "/x"}})
	m.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
	m.Update(tea.KeyPressMsg{Code: 'y', Text: "y"}) // apply: the test plays its run
	if p.Busy() == "" {
		t.Fatal("the apply did not start")
	}
	m.Update(plan.EventsMsg{RunID: p.RunID(), Events: []pipeline.Event{
		{Kind: pipeline.Terraform, Step: pipeline.StepApply, TF: &tf.Event{Type: tf.EventApplyComplete, Resource: "terraform_data.vpc"}},
		{Kind: pipeline.Terraform, Step: pipeline.StepApply, TF: &tf.Event{Type: tf.EventApplyStart, Resource: "terraform_data.database"}},
	}})
	m.Update(tea.KeyPressMsg{Code: 'q', Text: "q"})
	m.Update(tea.KeyPressMsg{Code: 'y', Text: "y"})
	_, cmd := m.Update(plan.ApplyDoneMsg{RunID: p.RunID(), Err: &tf.Error{Op: "apply", Cancelled: true, Err: context.Canceled}})
	if cmd == nil || cmd() != tea.Quit() {
		t.Fatal("once the apply has stopped, the program quits")
	}
	summary, code := m.Outcome()
	if code != 1 || !strings.Contains(summary, "the apply of dev-alice was interrupted") || !strings.Contains(summary, "finished: terraform_data.vpc (create)") ||
		!strings.Contains(summary, "in progress when Terraform stopped: terraform_data.database (create)") {
		t.Fatalf("outcome %d:\n%s", code, summary)
	}
}

// TestOutcomeSurvivesLeavingThePlanScreen: an apply interrupted with ctrl+c,
// then esc back to the environments: quitting still reports it.
func TestOutcomeSurvivesLeavingThePlanScreen(t *testing.T) {
	c, err := envs.Open(testkit.CopyExample(t, "demo"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Catalog: c, Palette: theme.PlainPalette(), Runner: blockingRunner{cancelled: make(chan struct{})}})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	p := plan.New(m.Context(), "dev-alice")
	m.route(screen.PushMsg{Title: "plan dev-alice", Screen: p})
	decoded, _ := envs.DecodePlan([]byte(`{"format_version":"1.2","resource_changes":[{"address":"terraform_data.vpc","mode":"managed","type":"terraform_data","change":{"actions":["create"],"before":null,"after":{}}}]}`))
	m.Update(plan.PlanDoneMsg{RunID: p.RunID(), Result: &pipeline.PlanResult{Env: "dev-alice", Plan: decoded, HasChanges: true, PlanFile: "/x"}})
	m.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
	m.Update(tea.KeyPressMsg{Code: 'y', Text: "y"})
	m.Update(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	m.Update(plan.ApplyDoneMsg{RunID: p.RunID(), Err: &tf.Error{Op: "apply", Cancelled: true, Err: context.Canceled}})
	m.Update(tea.KeyPressMsg{Code: tea.KeyEscape}) // close the error
	m.Update(tea.KeyPressMsg{Code: tea.KeyEscape}) // leave the screen
	if m.Top() == screen.Screen(p) {
		t.Fatal("esc must leave the stopped plan screen")
	}
	if summary, code := m.Outcome(); code != 1 || !strings.Contains(summary, "dev-alice is unchanged") {
		t.Fatalf("outcome %d:\n%s", code, summary)
	}
}
