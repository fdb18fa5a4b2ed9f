package plan

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/keys"
	"github.com/envbench/envbench/ui/screen"
	"github.com/envbench/envbench/ui/theme"
)

var now = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// fakeRunner records what the screen asks of it.
type fakeRunner struct {
	mu        sync.Mutex
	confirm   string
	applyPlan *pipeline.PlanResult
	ctxDone   chan struct{}
}

func (f *fakeRunner) Plan(ctx context.Context, c *envs.Catalog, env, runID string, sink func(pipeline.Event)) (*pipeline.PlanResult, error) {
	<-ctx.Done()
	close(f.ctxDone)
	return nil, &tf.Error{Op: "plan", Cancelled: true, Err: ctx.Err()}
}

func (f *fakeRunner) Apply(ctx context.Context, c *envs.Catalog, env string, plan *pipeline.PlanResult, confirm, runID string, sink func(pipeline.Event)) (*pipeline.ApplyResult, error) {
	f.mu.Lock()
	f.confirm, f.applyPlan = confirm, plan
	f.mu.Unlock()
	return &pipeline.ApplyResult{}, nil
}

func newScreen(t *testing.T, protected bool) (*Screen, *fakeRunner) {
	t.Helper()
	r := &fakeRunner{ctxDone: make(chan struct{})}
	ctx := &screen.Context{Styles: theme.NewStyles(theme.PlainPalette(), true), Keys: keys.DefaultKeyMap(), Now: func() time.Time { return now }, Runner: r}
	s := New(ctx, "qa")
	s.protected = protected
	s.SetSize(100, 30)
	return s, r
}

func planned(step pipeline.Step, action, addr string) pipeline.Event {
	return pipeline.Event{Kind: pipeline.Terraform, Step: step, TF: &tf.Event{Type: tf.EventPlannedChange, Action: action, Resource: addr}}
}

func reviewed(t *testing.T, protected bool, changes ...string) *pipeline.PlanResult {
	t.Helper()
	p, err := envs.DecodePlan([]byte(`{"format_version":"1.2","terraform_version":"1.5.7","resource_changes":[` + strings.Join(changes, ",") + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	rules := envs.DefaultRiskRules()
	findings := envs.Review(p, rules, envs.ReviewContext{Environment: "qa", Protected: protected})
	return &pipeline.PlanResult{Env: "qa", Protected: protected, Plan: p, Findings: findings, HighRisk: envs.HighRisk(findings), HasChanges: p.Summary().Total() > 0, Terraform: "terraform 1.5.7", PlanFile: "/x.tfplan"}
}

const (
	createBucket = `{"address":"aws_s3_bucket.logs","type":"aws_s3_bucket","mode":"managed","change":{"actions":["create"],"before":null,"after":{"bucket":"logs"}}}`
	deleteDB     = `{"address":"aws_db_instance.orders","type":"aws_db_instance","mode":"managed","change":{"actions":["delete"],"before":{"id":"x"},"after":null}}`
	updateTopic  = `{"address":"aws_sns_topic.t","type":"aws_sns_topic","mode":"managed","change":{"actions":["update"],"before":{"name":"a"},"after":{"name":"b"}}}`
)

func view(s *Screen) string { return ansi.Strip(s.View()) }

func TestStreamedChangesAppearBeforeTheReview(t *testing.T) {
	s, _ := newScreen(t, false)
	s.Init()
	if s.Busy() != "terraform plan on qa" {
		t.Fatalf("Busy = %q", s.Busy())
	}
	s.Update(EventsMsg{RunID: "someone-else", Events: []pipeline.Event{planned(pipeline.StepPlan, "create", "aws_x.other")}})
	if strings.Contains(view(s), "aws_x.other") {
		t.Fatal("events of another run must be ignored")
	}
	_, cmd := s.Update(EventsMsg{RunID: s.RunID(), Events: []pipeline.Event{
		{Kind: pipeline.StepStarted, Step: pipeline.StepPlan, Message: "terraform plan"},
		planned(pipeline.StepPlan, "create", "aws_s3_bucket.logs"),
		planned(pipeline.StepPlan, "delete", "aws_db_instance.orders"),
	}})
	if cmd == nil {
		t.Error("after a batch the screen must wait for the next")
	}
	v := view(s)
	for _, want := range []string{"terraform plan", "+1 add", "-1 destroy", "- delete (1)", "aws_db_instance.orders", "+ create (1)", "aws_s3_bucket.logs"} {
		if !strings.Contains(v, want) {
			t.Errorf("streaming view lacks %q:\n%s", want, v)
		}
	}
	s.Update(PlanDoneMsg{RunID: s.RunID(), Result: reviewed(t, false, createBucket, deleteDB, updateTopic)})
	v = view(s)
	for _, want := range []string{"reviewed", "HIGH RISK", "! - aws_db_instance.orders", "~ update (1)"} {
		if !strings.Contains(v, want) {
			t.Errorf("reviewed view lacks %q:\n%s", want, v)
		}
	}
	if s.Busy() != "" {
		t.Error("a reviewed plan is not busy")
	}
}

func TestFiltersAndExpand(t *testing.T) {
	s, _ := newScreen(t, false)
	s.Init()
	s.Update(PlanDoneMsg{RunID: s.RunID(), Result: reviewed(t, false, createBucket, deleteDB, updateTopic)})
	press := func(keys ...string) {
		for _, k := range keys {
			switch k {
			case "enter":
				s.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
			case "esc":
				if !s.Back() {
					t.Fatalf("esc should close something")
				}
			default:
				for _, r := range k {
					s.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
				}
			}
		}
	}
	press("f") // the first action present: delete
	if v := view(s); !strings.Contains(v, "aws_db_instance.orders") || strings.Contains(v, "aws_s3_bucket.logs") || !strings.Contains(v, "filtered: action delete") {
		t.Errorf("action filter:\n%s", v)
	}
	press("f", "f", "f") // update, create, back to all
	if v := view(s); !strings.Contains(v, "aws_db_instance.orders") || !strings.Contains(v, "aws_s3_bucket.logs") {
		t.Errorf("cycling back to all:\n%s", v)
	}
	press("/", "topic", "enter")
	if v := view(s); !strings.Contains(v, "aws_sns_topic.t") || strings.Contains(v, "aws_s3_bucket.logs") {
		t.Errorf("text filter:\n%s", v)
	}
	press("enter") // expand the only change shown
	if v := view(s); !strings.Contains(v, `~ name: "a" → "b"`) {
		t.Errorf("expanded diff:\n%s", v)
	}
	press("esc", "esc") // close the diff, then the filter
	if v := view(s); !strings.Contains(v, "aws_s3_bucket.logs") {
		t.Errorf("after esc the filter must be gone:\n%s", v)
	}
	if s.Back() {
		t.Error("with nothing open, Back must let the root model pop the screen")
	}
}

func TestApplyNeedsTheNameTypedWhenProtected(t *testing.T) {
	s, r := newScreen(t, true)
	s.Init()
	s.Update(PlanDoneMsg{RunID: s.RunID(), Result: reviewed(t, true, updateTopic)})
	s.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
	if !s.CapturingInput() || !strings.Contains(view(s), "qa is protected. Type qa to apply") {
		t.Fatalf("protected apply must ask for the name:\n%s", view(s))
	}
	for _, ch := range "q" {
		s.Update(tea.KeyPressMsg{Code: ch, Text: string(ch)})
	}
	if _, cmd := s.Update(tea.KeyPressMsg{Code: tea.KeyEnter}); cmd != nil || !strings.Contains(view(s), `"q" is not qa`) {
		t.Fatalf("a wrong name must not apply:\n%s", view(s))
	}
	s.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
	_, cmd := s.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if cmd == nil || s.Busy() != "terraform apply on qa" {
		t.Fatalf("the right name must start the apply (busy %q)", s.Busy())
	}
	runApply(t, s, cmd)
	if r.confirm != "qa" || r.applyPlan == nil || r.applyPlan.PlanFile != "/x.tfplan" {
		t.Errorf("apply called with confirm %q plan %+v", r.confirm, r.applyPlan)
	}
	if !strings.Contains(view(s), "applied") {
		t.Errorf("after apply:\n%s", view(s))
	}
}

// runApply runs the apply's commands until its outcome is delivered.
func runApply(t *testing.T, s *Screen, cmd tea.Cmd) {
	t.Helper()
	msgs := make(chan tea.Msg, 16)
	var run func(tea.Cmd)
	run = func(c tea.Cmd) {
		if c == nil {
			return
		}
		go func() {
			msg := c()
			if batch, ok := msg.(tea.BatchMsg); ok {
				for _, b := range batch {
					run(b)
				}
				return
			}
			msgs <- msg
		}()
	}
	run(cmd)
	timeout := time.After(10 * time.Second)
	for {
		select {
		case msg := <-msgs:
			if msg == nil {
				continue
			}
			if _, isTick := msg.(tickMsg); isTick {
				continue
			}
			_, next := s.Update(msg)
			if _, done := msg.(ApplyDoneMsg); done {
				return
			}
			run(next)
		case <-timeout:
			t.Fatal("the apply's outcome never arrived")
		}
	}
}

func TestApplyAsksYesNoWhenNotRisky(t *testing.T) {
	s, _ := newScreen(t, false)
	s.Init()
	s.Update(PlanDoneMsg{RunID: s.RunID(), Result: reviewed(t, false, updateTopic)})
	s.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
	if s.CapturingInput() || !strings.Contains(view(s), "Apply 1 change(s) to qa? y/n") {
		t.Fatalf("view:\n%s", view(s))
	}
	s.Update(tea.KeyPressMsg{Code: 'n', Text: "n"})
	if s.Busy() != "" || strings.Contains(view(s), "y/n") {
		t.Error("n must go back to the review")
	}
}

func TestCancelInterruptsThePlan(t *testing.T) {
	s, r := newScreen(t, false)
	cmd := s.Init()
	go func() { // run the commands as the program would
		for _, c := range cmd().(tea.BatchMsg) {
			go c()
		}
	}()
	_, _ = s.Update(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	select {
	case <-r.ctxDone:
	case <-time.After(10 * time.Second):
		t.Fatal("ctrl+c did not cancel the run's context")
	}
	if !strings.Contains(view(s), "cancelling: waiting for Terraform to exit") || s.Busy() == "" {
		t.Errorf("until the run ends, the screen says it is cancelling and stays busy:\n%s", view(s))
	}
	s.Update(PlanDoneMsg{RunID: s.RunID(), Err: &tf.Error{Op: "plan", Cancelled: true, Err: context.Canceled}})
	if s.Busy() != "" || !strings.Contains(view(s), "plan cancelled") {
		t.Errorf("after the run ends:\n%s", view(s))
	}
}

func TestStreamDeliversEventsThenTheOutcome(t *testing.T) {
	st := newStream("r")
	st.push(pipeline.Event{Message: "1"})
	st.push(pipeline.Event{Message: "2"})
	st.finish(PlanDoneMsg{RunID: "r", Err: errors.New("x")})
	st.push(pipeline.Event{Message: "3"}) // cannot happen, but must still come first
	first := st.next()().(EventsMsg)
	if len(first.Events) != 3 {
		t.Fatalf("first batch: %d events", len(first.Events))
	}
	if again := st.next()().(EventsMsg); len(again.Events) != 3 {
		t.Fatalf("a batch the screen did not take in is offered again, got %d events", len(again.Events))
	}
	st.ack(first)
	if _, ok := st.next()().(PlanDoneMsg); !ok {
		t.Fatal("the outcome comes once the events are drained")
	}
}

// TestStreamKeepsWhatTheScreenDidNotTakeIn: a batch handed to a program
// that stopped reading (the user quit) is still in the stream for drain,
// and so is the outcome until the screen has seen it.
func TestStreamKeepsWhatTheScreenDidNotTakeIn(t *testing.T) {
	st := newStream("r")
	st.push(pipeline.Event{Message: "1"})
	first := st.next()().(EventsMsg)
	st.ack(first)
	st.push(pipeline.Event{Message: "2"})
	st.push(pipeline.Event{Message: "3"})
	_ = st.next()() // taken by a command whose message is never delivered
	st.finish(ApplyDoneMsg{RunID: "r"})
	events, final := st.take()
	if len(events) != 2 || events[0].Message != "2" || events[1].Message != "3" {
		t.Fatalf("take: %v", events)
	}
	if _, ok := final.(ApplyDoneMsg); !ok {
		t.Fatalf("take: outcome %T", final)
	}
	st.finish(ApplyDoneMsg{RunID: "r"})
	st.outcomeSeen()
	if _, final := st.take(); final != nil {
		t.Fatal("an outcome the screen saw must not be taken in again")
	}
}

func TestTerraformWarningsAreShownWhole(t *testing.T) {
	s, _ := newScreen(t, false)
	s.Init()
	warn := &tf.Diagnostic{Severity: "warning", Summary: "Argument is deprecated", Detail: "Use aws_s3_bucket_versioning instead.", Filename: "main.tf", Line: 7, Column: 3}
	s.Update(EventsMsg{RunID: s.RunID(), Events: []pipeline.Event{{Kind: pipeline.Terraform, Step: pipeline.StepPlan, TF: &tf.Event{Type: tf.EventDiagnostic, Diagnostic: warn}}}})
	s.Update(PlanDoneMsg{RunID: s.RunID(), Result: reviewed(t, false, updateTopic)})
	if !strings.Contains(view(s), "1 warning(s) from Terraform") {
		t.Errorf("summary:\n%s", view(s))
	}
	s.Update(tea.KeyPressMsg{Code: '!', Text: "!"})
	v := view(s)
	for _, want := range []string{"Warning: Argument is deprecated (main.tf:7:3)", "Use aws_s3_bucket_versioning instead."} {
		if !strings.Contains(v, want) {
			t.Errorf("warnings view lacks %q:\n%s", want, v)
		}
	}
}

func TestCursorNeverRestsOnAHeader(t *testing.T) {
	s, _ := newScreen(t, false)
	s.Init()
	s.Update(PlanDoneMsg{RunID: s.RunID(), Result: reviewed(t, false, createBucket, deleteDB, updateTopic)})
	for _, k := range []string{"k", "k", "g", "k", "j", "j", "j", "j", "j", "G", "j"} {
		s.Update(tea.KeyPressMsg{Code: rune(k[0]), Text: k})
		if r := s.list.shown[s.list.cursor]; r.header {
			t.Fatalf("after %q the cursor is on the %s header", k, r.action)
		}
	}
}

// TestListIsUsableWhileTheSavedPlanIsRead: once Terraform has planned, the
// review (reading the saved plan back, terraform show) is off the critical
// path: every change is listed, and the list moves and filters, while the
// saved plan is read; the review then fills in findings and diffs.
func TestListIsUsableWhileTheSavedPlanIsRead(t *testing.T) {
	s, _ := newScreen(t, false)
	s.Init()
	s.Update(EventsMsg{RunID: s.RunID(), Events: []pipeline.Event{
		{Kind: pipeline.StepStarted, Step: pipeline.StepPlan, Message: "terraform plan"},
		planned(pipeline.StepPlan, "create", "aws_s3_bucket.logs"),
		planned(pipeline.StepPlan, "delete", "aws_db_instance.orders"),
		planned(pipeline.StepPlan, "update", "aws_sns_topic.t"),
		{Kind: pipeline.StepFinished, Step: pipeline.StepPlan, Message: "planned"},
		{Kind: pipeline.StepStarted, Step: pipeline.StepShow, Message: "reading the saved plan"},
	}})
	v := view(s)
	for _, want := range []string{"reading the saved plan", "aws_s3_bucket.logs", "aws_db_instance.orders", "aws_sns_topic.t"} {
		if !strings.Contains(v, want) {
			t.Errorf("while the saved plan is read, the view lacks %q:\n%s", want, v)
		}
	}
	before, _ := s.list.selected()
	s.Update(tea.KeyPressMsg{Code: 'j', Text: "j"})
	if after, _ := s.list.selected(); after.address == before.address {
		t.Error("the list does not move while the saved plan is read")
	}
	s.Update(tea.KeyPressMsg{Code: '/', Text: "/"})
	for _, r := range "sns" {
		s.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	if v := view(s); strings.Contains(v, "aws_s3_bucket.logs") || !strings.Contains(v, "aws_sns_topic.t") {
		t.Errorf("the filter does not work while the saved plan is read:\n%s", v)
	}
}

func (*fakeRunner) Clone(context.Context, *envs.Catalog, string, string, pipeline.Approver, func(pipeline.Event)) (*pipeline.CloneResult, error) {
	return nil, errors.New("no clone in this test")
}

func (*fakeRunner) Teardown(context.Context, *envs.Catalog, string, string, pipeline.Approver, func(pipeline.Event)) (*pipeline.TeardownResult, error) {
	return nil, errors.New("no teardown in this test")
}

func (*fakeRunner) Resume(context.Context, *envs.Catalog, string, pipeline.Approver, func(pipeline.Event)) error {
	return errors.New("no resume in this test")
}

func (*fakeRunner) Reap(context.Context, *envs.Catalog, pipeline.Approver, func(pipeline.Event)) (*pipeline.ReapResult, error) {
	return nil, errors.New("no reap in this test")
}
