package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
)

// TestCloneDevAlice clones the demo's sandbox on the simulated account: the
// gate refuses without approval and nothing is applied; approved, every step
// runs in order, the account holds what the state names, the outputs are
// recorded and journaled, the post-deploy hook reads them, and no lock
// remains.
func TestCloneDevAlice(t *testing.T) {
	terraform(t)
	root := demo(t)
	ctx := context.Background()

	var refused recorder
	_, err := Clone(ctx, open(t, root), "dev-alice", CloneOptions{}, refused.sink)
	if !NeedsApproval(err) || !strings.Contains(err.Error(), "--auto-approve or --confirm dev-alice") {
		t.Fatalf("clone without approval: %v", err)
	}
	if n, _ := stateInstances(envs.WorkDir(root, "dev-alice")); n != 0 {
		t.Fatalf("a refused clone applied %d resource(s)", n)
	}
	if got := refused.startedSteps(); got[len(got)-1] != StepGate {
		t.Errorf("the refused clone stopped at %v, want the gate", got)
	}

	var rec recorder
	res, err := Clone(ctx, open(t, root), "dev-alice", CloneOptions{AutoApprove: true}, rec.sink)
	if err != nil {
		t.Fatalf("clone: %v\n%s", err, rec.logs())
	}
	post := HookStepName(config.PostDeploy, "check-database")
	want := []Step{StepLock, StepValidate, StepRender, StepInit, StepPlan, StepShow, StepReview, StepGate, StepVerify, StepApply, StepOutputs, post}
	if got := rec.startedSteps(); !slices.Equal(got, want) {
		t.Errorf("steps %v, want %v", got, want)
	}
	inState, err := stateInstances(envs.WorkDir(root, "dev-alice"))
	if err != nil || inState == 0 {
		t.Fatalf("dev-alice's state after clone: %d, %v", inState, err)
	}
	if got := taggedWith(t, sandboxAccount(t, root, "alice@acme.example"), "dev-alice"); len(got) == 0 {
		t.Errorf("nothing tagged envbench:env=dev-alice in the account")
	}
	outs, err := envs.ReadOutputs(envs.OutputsPath(root, "dev-alice"))
	if err != nil {
		t.Fatal(err)
	}
	id, ok := outs["database_identifier"]
	if !ok || id.Text() == "" || res.Outputs["database_identifier"].Text() != id.Text() {
		t.Fatalf("outputs file %v, result %v", outs, res.Outputs)
	}
	events, err := LocalJournal{Root: root}.Read(ctx, "dev-alice", res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	var journaled string
	for _, e := range events {
		if v, ok := e.Outputs[OutputKeyPrefix+"database_identifier"]; ok {
			journaled = v
		}
	}
	if journaled != id.Text() {
		t.Errorf("journal holds output %q, want %q", journaled, id.Text())
	}
	if !strings.Contains(rec.logs(), "check-database") {
		t.Errorf("the post-deploy hook's output is not in the run's log:\n%s", rec.logs())
	}
	if _, err := os.Stat(filepath.Join(root, ".envbench", "locks", "dev-alice.json")); !os.IsNotExist(err) {
		t.Errorf("a lock remains: %v", err)
	}

	// Torn down, its outputs go with it.
	if _, err := Teardown(ctx, open(t, root), "dev-alice", TeardownOptions{Confirm: "dev-alice"}, nil); err != nil && !errors.Is(err, ErrLeftovers) {
		t.Fatalf("teardown: %v", err)
	}
	if _, err := os.Stat(envs.OutputsPath(root, "dev-alice")); !os.IsNotExist(err) {
		t.Errorf("the outputs file outlived the teardown: %v", err)
	}

	// Cloned again, it comes back with the same resources.
	var again recorder
	res2, err := Clone(ctx, open(t, root), "dev-alice", CloneOptions{AutoApprove: true}, again.sink)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := stateInstances(envs.WorkDir(root, "dev-alice")); n != inState {
		t.Errorf("a second clone left %d resource(s) in the state, the first %d", n, inState)
	}
	if s := res2.Plan.Plan.Summary(); s[envs.ActionDelete]+s[envs.ActionReplace] != 0 {
		t.Errorf("a clone after teardown planned %v", s)
	}
}

func TestCloneGate(t *testing.T) {
	for _, tc := range []struct {
		name string
		plan PlanResult
		opts CloneOptions
		ok   bool
		want string
	}{
		{"auto-approved", PlanResult{Env: "qa"}, CloneOptions{AutoApprove: true}, true, ""},
		{"named", PlanResult{Env: "qa"}, CloneOptions{Confirm: "qa"}, true, ""},
		{"neither", PlanResult{Env: "qa"}, CloneOptions{}, false, "give --auto-approve or --confirm qa"},
		{"high risk auto-approved", PlanResult{Env: "qa", HighRisk: true}, CloneOptions{AutoApprove: true}, false, "the review found high risk; --auto-approve is not enough: confirm with --confirm qa"},
		{"high risk named", PlanResult{Env: "qa", HighRisk: true}, CloneOptions{AutoApprove: true, Confirm: "qa"}, true, ""},
		{"protected wrong name", PlanResult{Env: "production", Protected: true}, CloneOptions{Confirm: "qa"}, false, "it is protected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Run{core: &runCore{id: "r", env: tc.plan.Env}}
			err := gate(r, &tc.plan, tc.opts)
			if tc.ok != (err == nil) || err != nil && (!NeedsApproval(err) || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("gate: %v, want ok=%v %q", err, tc.ok, tc.want)
			}
		})
	}
}
