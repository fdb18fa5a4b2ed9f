package pipeline

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/sweep"
)

// answer is an Approver that records what it was asked and answers typed.
type answer struct {
	typed string
	err   error
	asked []Approval
}

func (a *answer) ask(_ context.Context, ap Approval) (string, error) {
	a.asked = append(a.asked, ap)
	return a.typed, a.err
}

func TestCloneGateAsks(t *testing.T) {
	reviewed := &envs.Plan{}
	for _, tc := range []struct {
		name     string
		plan     PlanResult
		opts     CloneOptions
		typed    string
		err      error
		asked    bool
		ok       bool
		want     string
		journal  string
		needName bool
	}{
		{"yes approves a low-risk plan", PlanResult{Env: "qa", Plan: reviewed}, CloneOptions{}, "y", nil, true, true, "", "", false},
		{"the name approves a low-risk plan", PlanResult{Env: "qa", Plan: reviewed}, CloneOptions{}, "qa", nil, true, true, "", "qa", false},
		{"declined", PlanResult{Env: "qa", Plan: reviewed}, CloneOptions{}, "", ErrDeclined, true, false, "declined", "", false},
		{"high risk needs the name", PlanResult{Env: "qa", Plan: reviewed, HighRisk: true}, CloneOptions{}, "y", nil, true, false, `"y" does not name this environment`, "", true},
		{"high risk named", PlanResult{Env: "qa", Plan: reviewed, HighRisk: true}, CloneOptions{}, "qa", nil, true, true, "", "qa", true},
		{"protected wrong name", PlanResult{Env: "production", Plan: reviewed, Protected: true}, CloneOptions{}, "qa", nil, true, false, `"qa" does not name`, "", true},
		{"a resumed gate without the review needs the name", PlanResult{Env: "qa"}, CloneOptions{}, "y", nil, true, false, "does not name", "", true},
		{"not an approval", PlanResult{Env: "qa", Plan: reviewed}, CloneOptions{}, "yes please", nil, true, false, "is not an approval", "", false},
		{"auto-approve asks nothing", PlanResult{Env: "qa", Plan: reviewed}, CloneOptions{AutoApprove: true}, "", ErrDeclined, false, true, "", "", false},
		{"high risk auto-approved still asks", PlanResult{Env: "qa", Plan: reviewed, HighRisk: true}, CloneOptions{AutoApprove: true}, "qa", nil, true, true, "", "qa", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ans := &answer{typed: tc.typed, err: tc.err}
			tc.opts.Ask = ans.ask
			r := &Run{core: &runCore{id: "r", env: tc.plan.Env, outputs: map[string]string{}}}
			a := &applyRun{}
			err := gate(context.Background(), r, &tc.plan, a, tc.opts)
			if tc.ok != (err == nil) || err != nil && (!NeedsApproval(err) || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("gate: %v, want ok=%v %q", err, tc.ok, tc.want)
			}
			if got := len(ans.asked) > 0; got != tc.asked {
				t.Fatalf("asked %v, want %v", got, tc.asked)
			}
			if tc.asked && ans.asked[0].NeedsName != tc.needName {
				t.Errorf("NeedsName %v, want %v", ans.asked[0].NeedsName, tc.needName)
			}
			if got := r.Get(outConfirm); got != tc.journal || a.confirm != tc.journal {
				t.Errorf("journaled confirm %q, apply's %q, want %q", got, a.confirm, tc.journal)
			}
		})
	}
}

func TestApproveCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := approve(ctx, func(ctx context.Context, _ Approval) (string, error) { return "", ctx.Err() }, Approval{Env: "qa"})
	if !errors.Is(err, context.Canceled) || NeedsApproval(err) {
		t.Fatalf("a cancelled approval: %v, want the context's error", err)
	}
}

// TestCloneAskApproves: the TUI's way: no flags, the plan approved by Ask
// after the review, then applied.
func TestCloneAskApproves(t *testing.T) {
	terraform(t)
	root := demo(t)
	ctx := context.Background()

	declined := &answer{err: ErrDeclined}
	var refused recorder
	_, err := Clone(ctx, open(t, root), "dev-alice", CloneOptions{Ask: declined.ask}, refused.sink)
	if !NeedsApproval(err) || !errors.Is(err, ErrDeclined) {
		t.Fatalf("a declined clone: %v", err)
	}
	if n, _ := stateInstances(envs.WorkDir(root, "dev-alice")); n != 0 {
		t.Fatalf("a declined clone applied %d resource(s)", n)
	}
	if len(declined.asked) != 1 || declined.asked[0].Plan == nil || declined.asked[0].Pipeline != "clone" {
		t.Fatalf("asked %+v, want the reviewed plan once", declined.asked)
	}

	yes := &answer{typed: ApprovalYes}
	var rec recorder
	res, err := Clone(ctx, open(t, root), "dev-alice", CloneOptions{Ask: yes.ask}, rec.sink)
	if err != nil {
		t.Fatalf("clone approved by Ask: %v\n%s", err, rec.logs())
	}
	if len(yes.asked) != 1 || yes.asked[0].Plan.Summary()[envs.ActionCreate] == 0 {
		t.Errorf("asked %+v, want one plan with creates", yes.asked)
	}
	if n, _ := stateInstances(envs.WorkDir(root, "dev-alice")); n == 0 || res.Apply.Summary == nil {
		t.Errorf("an approved clone applied %d resource(s)", n)
	}
}

// TestResumedGateReviewsAgain: a clone stopped at its gate (the TUI quit
// while it asked) and resumed in another process asks again with the plan
// reviewed again: the person sees what they approve, and a low-risk plan
// needs no more than a yes.
func TestResumedGateReviewsAgain(t *testing.T) {
	terraform(t)
	root := demo(t)
	ctx, quit := context.WithCancel(context.Background())
	defer quit()
	res, err := Clone(ctx, open(t, root), "dev-alice", CloneOptions{Ask: func(ctx context.Context, _ Approval) (string, error) {
		quit()
		return "", ctx.Err()
	}}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a clone whose question was not answered: %v", err)
	}
	yes := &answer{typed: ApprovalYes}
	var rec recorder
	if _, _, err := ResumeAsking(context.Background(), open(t, root), res.RunID, Options{}, yes.ask, rec.sink); err != nil {
		t.Fatalf("resumed with a yes: %v\n%s", err, rec.logs())
	}
	if len(yes.asked) != 1 {
		t.Fatalf("asked %d times, want once", len(yes.asked))
	}
	if a := yes.asked[0]; a.Plan == nil || a.Plan.Summary()[envs.ActionCreate] == 0 || a.NeedsName {
		t.Errorf("the resumed gate asked %+v, want the plan reviewed again, a yes enough", a)
	}
	if n, _ := stateInstances(envs.WorkDir(root, "dev-alice")); n == 0 {
		t.Error("the resumed clone applied nothing")
	}
}

// TestTeardownAskConfirms: a teardown without --confirm asks, with the
// destroy plan and the sweep's leftovers; a wrong name destroys nothing,
// the name destroys it, and is journaled with the confirm step.
func TestTeardownAskConfirms(t *testing.T) {
	terraform(t)
	root := demo(t)
	ctx := context.Background()
	applied(t, root, "dev-bob")
	ann := sandboxAccount(t, root, "ann@acme.example")
	if err := ann.CreateBucket(ctx, "bob-search-scratch", map[string]string{sweep.TagKey: "dev-bob"}); err != nil {
		t.Fatal(err)
	}
	inState, _ := stateInstances(envs.WorkDir(root, "dev-bob"))

	wrong := &answer{typed: "dev-alice"}
	if _, err := Teardown(ctx, open(t, root), "dev-bob", TeardownOptions{Ask: wrong.ask}, nil); !NeedsApproval(err) || !strings.Contains(err.Error(), `"dev-alice" does not name`) {
		t.Fatalf("teardown typed dev-alice: %v", err)
	}
	if n, _ := stateInstances(envs.WorkDir(root, "dev-bob")); n != inState {
		t.Fatalf("a refused teardown left %d of %d in the state", n, inState)
	}
	if len(wrong.asked) != 1 {
		t.Fatalf("asked %d times", len(wrong.asked))
	}
	a := wrong.asked[0]
	if !a.NeedsName || a.Plan == nil || a.Plan.Summary()[envs.ActionDelete] != inState || a.Sweep == nil {
		t.Errorf("the approval: %+v", a)
	}
	if !slices.ContainsFunc(a.Leftovers, func(it sweep.Item) bool { return it.ID == "bob-search-scratch" }) || len(a.Leftovers) >= len(a.Sweep.Items) {
		t.Errorf("leftovers %+v of %d tagged, want the scratch bucket and not the state's", a.Leftovers, len(a.Sweep.Items))
	}

	right := &answer{typed: "dev-bob"}
	var rec recorder
	res, err := Teardown(ctx, open(t, root), "dev-bob", TeardownOptions{Ask: right.ask}, rec.sink)
	// The demo's dev-bob has a security group held by a hand-made
	// interface: the teardown runs to its report, which names it.
	if err != nil && !errors.Is(err, ErrLeftovers) {
		t.Fatalf("teardown confirmed by Ask: %v\n%s", err, rec.logs())
	}
	if res.Swept == nil || !slices.ContainsFunc(res.Swept.Removed, func(it sweep.Item) bool { return it.ID == "bob-search-scratch" }) {
		t.Errorf("the sweep did not run: %+v", res.Swept)
	}
	if n, _ := stateInstances(envs.WorkDir(root, "dev-bob")); n != 0 {
		t.Errorf("%d resource(s) left in the state", n)
	}
	journaled := false
	rec.mu.Lock()
	for _, e := range rec.events {
		if e.Kind == StepFinished && e.Step == StepConfirm && e.Outputs["confirm"] == "dev-bob" {
			journaled = true
		}
	}
	rec.mu.Unlock()
	if !journaled {
		t.Error("the typed name is not in the confirm step's outputs")
	}
}

// TestReapAsksOnce: a reap with an Approver asks once, with the expired
// sandboxes, and tears nothing down unless "reap" is typed.
func TestReapAsksOnce(t *testing.T) {
	root := demo(t)
	c, err := envs.Open(root, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for _, ans := range []*answer{{err: ErrDeclined}, {typed: "dev-bob"}, {typed: ApprovalYes}} {
		res, err := Reap(context.Background(), c, ReapOptions{Ask: ans.ask}, nil)
		if !NeedsApproval(err) || len(res.Teardowns) != 0 {
			t.Fatalf("reap answered %q, %v: %v, %d teardown(s)", ans.typed, ans.err, err, len(res.Teardowns))
		}
		if len(ans.asked) != 1 || !slices.Equal(ans.asked[0].Targets, []string{"dev-bob"}) || !ans.asked[0].NeedsName || ans.asked[0].Env != ReapConfirm {
			t.Fatalf("asked %+v", ans.asked)
		}
	}
	if runs, _ := (LocalJournal{Root: root}).Runs(context.Background(), "dev-bob"); len(runs) != 0 {
		t.Errorf("a refused reap left %d run(s) of dev-bob", len(runs))
	}
}
