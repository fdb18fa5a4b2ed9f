package plan

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/keys"
	"github.com/envbench/envbench/ui/screen"
	"github.com/envbench/envbench/ui/theme"
)

// interruptedApply finishes the bucket, starts the database, then waits for
// its context to be cancelled, as Terraform does when interrupted.
type interruptedApply struct {
	started chan struct{}
}

func (interruptedApply) Plan(context.Context, *envs.Catalog, string, string, func(pipeline.Event)) (*pipeline.PlanResult, error) {
	return nil, context.Canceled
}

func (r interruptedApply) Apply(ctx context.Context, _ *envs.Catalog, _ string, _ *pipeline.PlanResult, _, _ string, sink func(pipeline.Event)) (*pipeline.ApplyResult, error) {
	ev := func(typ tf.EventType, addr string) {
		sink(pipeline.Event{Kind: pipeline.Terraform, Step: pipeline.StepApply, TF: &tf.Event{Type: typ, Resource: addr, Elapsed: time.Second}})
	}
	ev(tf.EventApplyStart, "aws_s3_bucket.logs")
	ev(tf.EventApplyComplete, "aws_s3_bucket.logs")
	ev(tf.EventApplyStart, "aws_db_instance.orders")
	close(r.started)
	<-ctx.Done()
	return &pipeline.ApplyResult{}, &tf.Error{Op: "apply", Cancelled: true, Err: ctx.Err()}
}

func startInterruptedApply(t *testing.T) (*Screen, *sync.WaitGroup, tea.Cmd, interruptedApply) {
	t.Helper()
	r := interruptedApply{started: make(chan struct{})}
	runs := &sync.WaitGroup{}
	ctx := &screen.Context{Styles: theme.NewStyles(theme.PlainPalette(), true), Keys: keys.DefaultKeyMap(), Now: func() time.Time { return now }, Runner: r}
	s := New(ctx, "qa")
	s.SetSize(100, 30)
	s.Init() // the plan's run is played by the test, not run
	s.Update(PlanDoneMsg{RunID: s.RunID(), Result: reviewed(t, false, createBucket, deleteDB, updateTopic)})
	ctx.Runs = runs
	s.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
	for _, ch := range "qa" {
		s.Update(tea.KeyPressMsg{Code: ch, Text: string(ch)})
	}
	_, cmd := s.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if s.Busy() != "terraform apply on qa" {
		t.Fatalf("the apply did not start:\n%s", view(s))
	}
	return s, runs, cmd, r
}

// TestQuitDuringApplySaysWhatHappened: the program's messages stop as the
// user quits; once the run has stopped, Outcome takes in what it reported
// and says the apply was interrupted, what finished, the environment's
// state and that a new plan is needed, with a non-zero status.
func TestQuitDuringApplySaysWhatHappened(t *testing.T) {
	s, runs, cmd, r := startInterruptedApply(t)
	p := &program{t: t, s: s, msgs: make(chan tea.Msg, 64)}
	p.run(cmd)
	<-r.started
	s.Cancel() // the root model's "quit and cancel? y"
	runs.Wait()

	summary, code := s.Outcome()
	if code == 0 {
		t.Fatalf("an interrupted apply must not exit 0; summary %q", summary)
	}
	for _, want := range []string{
		"the apply of qa was interrupted",
		"finished: aws_s3_bucket.logs (create)",
		"in progress when Terraform stopped: aws_db_instance.orders (delete)",
		"not started: aws_sns_topic.t (update)",
		"qa is partly applied: 1 of 3 change(s) finished",
		"plan qa again",
	} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
}

// TestOutcomeAfterTheScreenSawTheEnd: when the program delivered the
// apply's end before quitting, the outcome is the same.
func TestOutcomeAfterTheScreenSawTheEnd(t *testing.T) {
	s, runs, cmd, r := startInterruptedApply(t)
	p := &program{t: t, s: s, msgs: make(chan tea.Msg, 64)}
	p.run(cmd)
	<-r.started
	s.Cancel()
	p.until("the apply's end is delivered", func() bool { return s.Busy() == "" })
	runs.Wait()
	if summary, code := s.Outcome(); code != 1 || !strings.Contains(summary, "finished: aws_s3_bucket.logs (create)") {
		t.Errorf("outcome %d %q", code, summary)
	}
}

func TestNoOutcomeWithoutAnUnfinishedApply(t *testing.T) {
	s, _ := newScreen(t, false)
	s.Init()
	s.Update(PlanDoneMsg{RunID: s.RunID(), Result: reviewed(t, false, updateTopic)})
	if summary, code := s.Outcome(); code != 0 || summary != "" {
		t.Errorf("a reviewed plan leaves nothing to say; got %d %q", code, summary)
	}
}

func (interruptedApply) Clone(context.Context, *envs.Catalog, string, string, pipeline.Approver, func(pipeline.Event)) (*pipeline.CloneResult, error) {
	return nil, errors.New("no clone in this test")
}

func (interruptedApply) Teardown(context.Context, *envs.Catalog, string, string, pipeline.Approver, func(pipeline.Event)) (*pipeline.TeardownResult, error) {
	return nil, errors.New("no teardown in this test")
}

func (interruptedApply) Resume(context.Context, *envs.Catalog, string, pipeline.Approver, func(pipeline.Event)) error {
	return errors.New("no resume in this test")
}

func (interruptedApply) Reap(context.Context, *envs.Catalog, pipeline.Approver, func(pipeline.Event)) (*pipeline.ReapResult, error) {
	return nil, errors.New("no reap in this test")
}
