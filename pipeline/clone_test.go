package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
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
			err := gate(context.Background(), r, &tc.plan, &applyRun{}, tc.opts)
			if tc.ok != (err == nil) || err != nil && (!NeedsApproval(err) || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("gate: %v, want ok=%v %q", err, tc.ok, tc.want)
			}
			// A name that approves is journaled with the gate, for a
			// resumed run's apply: given only to envbench resume, the
			// run's arguments do not hold it.
			if want := tc.opts.Confirm; tc.ok && want == tc.plan.Env && r.Get(outConfirm) != want {
				t.Errorf("journaled confirmation %q, want %q", r.Get(outConfirm), want)
			}
		})
	}
}

// TestCloneResumesAnInterruptedApply: a clone cut short once its apply has
// made a resource is resumed; the apply is finished by a new plan within
// the reviewed one, and the state and the account end as after an
// uninterrupted clone, with no lock left.
func TestCloneResumesAnInterruptedApply(t *testing.T) {
	terraform(t)
	root := demo(t)
	// A plan first seeds the simulation, so its leftovers are known before.
	if _, err := Plan(context.Background(), open(t, root), "dev-alice", "", Options{}, nil); err != nil {
		t.Fatal(err)
	}
	before := taggedWith(t, sandboxAccount(t, root, "alice@acme.example"), "dev-alice")
	res := interruptedClone(t, root)
	inState, _ := stateInstances(envs.WorkDir(root, "dev-alice"))
	if inState == 0 || inState >= 8 {
		t.Fatalf("the interrupted apply left %d resource(s) in the state, want some of 8", inState)
	}

	// What a Terraform killed between a create call and its state write
	// leaves: made by the run's session, tagged, in no state.
	stray := sandboxAccount(t, root, "envbench-"+res.RunID)
	if err := stray.CreateBucket(context.Background(), "dev-alice-stray", map[string]string{"envbench:env": "dev-alice"}); err != nil {
		t.Fatal(err)
	}

	var rec recorder
	resumed, err := ResumeClone(context.Background(), open(t, root), "dev-alice", res.RunID, Options{}, rec.sink)
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, rec.logs())
	}
	if !strings.Contains(rec.logs()+sayings(rec.events), "within the reviewed plan") {
		t.Errorf("the resumed apply did not plan again within the reviewed plan")
	}
	if !strings.Contains(rec.logs(), "stray of the interrupted apply: AWS::S3::Bucket dev-alice-stray") {
		t.Errorf("the stray bucket was not named:\n%s", rec.logs())
	}
	n, err := stateInstances(envs.WorkDir(root, "dev-alice"))
	if err != nil || n != 8 {
		t.Fatalf("state after resume: %d, %v; want the 8 an uninterrupted clone makes", n, err)
	}
	ids := stateIdentities(envs.WorkDir(root, "dev-alice"))
	made := 0
	for _, arn := range taggedWith(t, sandboxAccount(t, root, "alice@acme.example"), "dev-alice") {
		if slices.Contains(before, arn) {
			continue
		}
		made++
		if !ids[arn] && !anyIn(ids, arn) {
			t.Errorf("the account holds %s, which the state does not name: a stray of the interrupted apply", arn)
		}
	}
	if made == 0 {
		t.Errorf("the clone made nothing tagged for dev-alice")
	}
	if resumed.Outputs["database_identifier"].Text() == "" {
		t.Errorf("the resumed clone recorded no outputs: %v", resumed.Outputs)
	}
	if _, err := os.Stat(filepath.Join(root, ".envbench", "locks", "dev-alice.json")); !os.IsNotExist(err) {
		t.Errorf("a lock remains: %v", err)
	}
}

func sayings(events []Event) string {
	var out []string
	for _, e := range events {
		out = append(out, e.Message)
	}
	return strings.Join(out, "\n")
}

// anyIn says whether arn ends with one of the state's identities (an id
// rather than an ARN).
func anyIn(ids map[string]bool, arn string) bool {
	for id := range ids {
		if id != "" && strings.HasSuffix(arn, id) {
			return true
		}
	}
	return false
}

// TestCloneResumeStopsForReview: when what Terraform reads changed after
// the review, the resumed apply's new plan is not within the reviewed one: the
// run stops needing review, naming what is new, and applies nothing more.
func TestCloneResumeStopsForReview(t *testing.T) {
	terraform(t)
	root := demo(t)
	res := interruptedClone(t, root)
	inState, _ := stateInstances(envs.WorkDir(root, "dev-alice"))
	// The rendered inputs change under the run (a resumed run renders
	// nothing again: it applies what it reviewed).
	file := filepath.Join(envs.WorkDir(root, "dev-alice"), config.VarsFile)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(data), "ghcr.io/acme/orders:payments-migration", "ghcr.io/acme/orders:other", 1)
	if changed == string(data) {
		t.Fatal("the demo's dev-alice no longer sets service_image")
	}
	if err := os.WriteFile(file, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ResumeClone(context.Background(), open(t, root), "dev-alice", res.RunID, Options{}, nil)
	var nr *NeedsReviewError
	if !errors.As(err, &nr) || !errors.Is(err, ErrNeedsReview) || !strings.Contains(err.Error(), "aws_ecs_service.app") {
		t.Fatalf("resume after a change: %v, want it to need review of aws_ecs_service.app", err)
	}
	if n, _ := stateInstances(envs.WorkDir(root, "dev-alice")); n != inState {
		t.Errorf("the state went from %d to %d resources without review", inState, n)
	}
}

// interruptedClone clones dev-alice, cut short once its apply has made a
// resource.
func interruptedClone(t *testing.T, root string) *CloneResult {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	res, err := Clone(ctx, open(t, root), "dev-alice", CloneOptions{AutoApprove: true}, func(e Event) {
		if e.Kind == Terraform && e.Step == StepApply && e.TF != nil && e.TF.Type == tf.EventApplyComplete {
			once.Do(cancel)
		}
	})
	if err == nil {
		t.Fatal("the cut-short clone succeeded")
	}
	return res
}
