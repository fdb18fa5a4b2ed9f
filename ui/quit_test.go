package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
	"github.com/envbench/envbench/internal/testkit"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/plan"
	"github.com/envbench/envbench/ui/run"
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

// TestQuitLeavingARunToResumeLater: q while a run is under way offers to
// leave it; l closes the runs' halt channel without cancelling them, so the
// step in flight finishes; the TUI quits once the run has stopped, and the
// terminal is told which run was left and how to resume it.
func TestQuitLeavingARunToResumeLater(t *testing.T) {
	c, err := envs.Open(testkit.CopyExample(t, "demo"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Catalog: c, Palette: theme.PlainPalette(), Runner: blockingRunner{cancelled: make(chan struct{})}})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	const id = "20261202T120000Z-clone"
	cancelledFirst := make(chan bool, 1)
	halt := m.Context().Halt
	source := func(ctx context.Context, sink func(pipeline.Event)) error {
		sink(pipeline.Event{Seq: 1, Kind: pipeline.RunStarted, Pipeline: "clone", Env: "dev-alice", RunID: id, Time: time.Now()})
		sink(pipeline.Event{Seq: 2, Kind: pipeline.StepStarted, Step: pipeline.StepApply, Env: "dev-alice", RunID: id, Time: time.Now()})
		select {
		case <-halt:
			cancelledFirst <- false
		case <-ctx.Done():
			cancelledFirst <- true
			return ctx.Err()
		}
		sink(pipeline.Event{Seq: 3, Kind: pipeline.StepFinished, Step: pipeline.StepApply, Env: "dev-alice", RunID: id, Time: time.Now()})
		sink(pipeline.Event{Seq: 4, Kind: pipeline.RunFinished, Status: pipeline.RunInterrupted, Env: "dev-alice", RunID: id, Time: time.Now()})
		return pipeline.ErrHalted
	}
	p := newPump(t, m)
	start, pump := p.start, p.until
	start(m.route(screen.PushMsg{Title: "run clone dev-alice", Screen: run.New(m.Context(), id, source)}))
	pump(func() bool { return strings.Contains(ansi.Strip(m.View().Content), "apply") && m.busy() != "" })

	m.Update(tea.KeyPressMsg{Code: 'q', Text: "q"})
	if v := ansi.Strip(m.View().Content); !strings.Contains(v, "l leave it to resume later") {
		t.Fatalf("q must offer to leave the run:\n%s", v)
	}
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'l', Text: "l"})
	if cmd != nil {
		t.Fatal("leaving must wait for the step in flight")
	}
	select {
	case cancelled := <-cancelledFirst:
		if cancelled {
			t.Fatal("l cancelled the run instead of letting its step finish")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("l did not halt the run")
	}
	if v := ansi.Strip(m.View().Content); !strings.Contains(v, "letting the step in flight finish") {
		t.Fatalf("the footer must say what the TUI waits for:\n%s", v)
	}
	pump(func() bool { return p.quit })
	summary, code := m.Outcome()
	want := "the clone of dev-alice (run " + id + ") was left interrupted after step apply; resume it with: envbench resume " + id
	if code != 1 || !strings.Contains(summary, want) {
		t.Fatalf("outcome %d: %q, want %q", code, summary, want)
	}
}

// pump plays the program's loop for a test: it runs commands in
// goroutines and delivers their messages to the model.
type pump struct {
	t    *testing.T
	m    *Model
	msgs chan tea.Msg
	quit bool // a command returned tea.Quit
}

func newPump(t *testing.T, m *Model) *pump { return &pump{t: t, m: m, msgs: make(chan tea.Msg, 64)} }

func (p *pump) start(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		if batch, ok := msg.(tea.BatchMsg); ok {
			for _, c := range batch {
				p.start(c)
			}
			return
		}
		p.msgs <- msg
	}()
}

// until delivers messages until done holds.
func (p *pump) until(done func() bool) {
	p.t.Helper()
	deadline := time.After(20 * time.Second)
	for !done() {
		select {
		case msg := <-p.msgs:
			if _, ok := msg.(tea.QuitMsg); ok {
				p.quit = true
				continue
			}
			_, cmd := p.m.Update(msg)
			p.start(cmd)
		case <-deadline:
			p.t.Fatalf("timed out; screen:\n%s", ansi.Strip(p.m.View().Content))
		}
	}
}

// TestQuitAsksAboutARunLeftInTheBackground: a run screen closed while its
// run goes on keeps following it; quitting still asks, y cancels that run,
// the TUI quits once it has stopped, and the terminal names it.
func TestQuitAsksAboutARunLeftInTheBackground(t *testing.T) {
	c, err := envs.Open(testkit.CopyExample(t, "demo"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Catalog: c, Palette: theme.PlainPalette(), Runner: blockingRunner{cancelled: make(chan struct{})}})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	const id = "20261202T130000Z-teardown"
	source := func(ctx context.Context, sink func(pipeline.Event)) error {
		sink(pipeline.Event{Seq: 1, Kind: pipeline.RunStarted, Pipeline: "teardown", Env: "dev-bob", RunID: id, Time: time.Now()})
		sink(pipeline.Event{Seq: 2, Kind: pipeline.StepStarted, Step: pipeline.StepDestroy, Env: "dev-bob", RunID: id, Time: time.Now()})
		<-ctx.Done()
		sink(pipeline.Event{Seq: 3, Kind: pipeline.RunFinished, Status: pipeline.RunCancelled, Env: "dev-bob", RunID: id, Time: time.Now()})
		return ctx.Err()
	}
	p := newPump(t, m)
	p.start(m.route(screen.PushMsg{Title: "run teardown dev-bob", Screen: run.New(m.Context(), id, source)}))
	p.until(func() bool { return strings.Contains(ansi.Strip(m.View().Content), "destroy") })
	m.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	if _, onTop := m.Top().(*run.Model); onTop {
		t.Fatal("esc did not close the run screen")
	}
	if m.busy() == "" {
		t.Fatal("the run closed into the background is not busy")
	}
	m.Update(tea.KeyPressMsg{Code: 'q', Text: "q"})
	if v := ansi.Strip(m.View().Content); !strings.Contains(v, "Quit? y cancel it") {
		t.Fatalf("q must ask about the run in the background:\n%s", v)
	}
	m.Update(tea.KeyPressMsg{Code: 'y', Text: "y"})
	p.until(func() bool { return p.quit })
	summary, code := m.Outcome()
	if want := "the teardown of dev-bob (run " + id + ") was left cancelled at step destroy"; code != 1 || !strings.Contains(summary, want) {
		t.Fatalf("outcome %d: %q, want %q", code, summary, want)
	}
}

// TestOpeningARunFollowsItsJournal: a run opened by id (the Runs tab's
// enter) is shown from its journal, as another process runs it, and is
// not resumed: its steps appear, and the screen says how it ended.
func TestOpeningARunFollowsItsJournal(t *testing.T) {
	root := testkit.CopyExample(t, "demo")
	c, err := envs.Open(root, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const id = "20261202T090000Z-0f0f0f"
	w, err := pipeline.LocalJournal{Root: root, NoSync: true}.Writer(ctx, "qa", id)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour)
	for i, e := range []pipeline.Event{
		{Kind: pipeline.RunStarted, Pipeline: "clone", Time: at},
		{Kind: pipeline.StepStarted, Step: pipeline.StepPlan, Time: at},
		{Kind: pipeline.StepFinished, Step: pipeline.StepPlan, Time: at},
		{Kind: pipeline.StepStarted, Step: pipeline.StepApply, Time: at},
		{Kind: pipeline.StepFailed, Step: pipeline.StepApply, Message: "quota exceeded", Time: at},
		{Kind: pipeline.RunFinished, Status: pipeline.RunFailed, Message: "apply: quota exceeded", Time: at},
	} {
		e.Seq, e.Env, e.RunID = int64(i+1), "qa", id
		if err := w.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	m := New(Options{Catalog: c, Palette: theme.PlainPalette(), Runner: blockingRunner{cancelled: make(chan struct{})}})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	p := newPump(t, m)
	cmd, err := m.open(screen.Open{Kind: screen.KindRun, Env: "qa", RunID: id})
	if err != nil {
		t.Fatal(err)
	}
	p.start(cmd)
	p.until(func() bool { return m.busy() == "" && strings.Contains(ansi.Strip(m.View().Content), "run ended") })
	v := ansi.Strip(m.View().Content)
	for _, want := range []string{"clone qa", "✓ plan", "✗ apply", "run ended: failed: apply: quota exceeded"} {
		if !strings.Contains(v, want) {
			t.Errorf("the followed run lacks %q:\n%s", want, v)
		}
	}
}
