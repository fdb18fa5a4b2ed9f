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
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/fake"
	"github.com/envbench/envbench/envs/simprovider"
	"github.com/envbench/envbench/envs/sweep"
	"github.com/envbench/envbench/pipeline/pipelinetest"
)

// applied plans and applies envs on the demo workspace at root.
func applied(t *testing.T, root string, names ...string) {
	t.Helper()
	ctx := context.Background()
	for _, name := range names {
		res, err := Plan(ctx, open(t, root), name, "", Options{}, nil)
		if err != nil {
			t.Fatalf("plan %s: %v", name, err)
		}
		if _, err := Apply(ctx, open(t, root), name, res.PlanFile, name, Options{}, nil); err != nil {
			t.Fatalf("apply %s: %v", name, err)
		}
	}
}

// startedSteps are the steps a run started, in order.
func (r *recorder) startedSteps() []Step {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Step
	for _, e := range r.events {
		if e.Kind == StepStarted && e.Lane == "" {
			out = append(out, e.Step)
		}
	}
	return out
}

func (r *recorder) logs() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		if e.Kind == Log {
			out = append(out, e.Message)
		}
	}
	return strings.Join(out, "\n")
}

func TestTeardownRefusesProtectedBeforeAnythingRuns(t *testing.T) {
	root := demo(t)
	var rec recorder
	res, err := Teardown(context.Background(), open(t, root), "production", TeardownOptions{Confirm: "production"}, rec.sink)
	if !errors.Is(err, ErrProtected) || res != nil {
		t.Fatalf("teardown of production: %v, %v", res, err)
	}
	if !strings.Contains(err.Error(), "protected: true in envs/production.yaml") {
		t.Errorf("the refusal does not say why: %v", err)
	}
	if len(rec.events) != 0 {
		t.Errorf("events of a refused teardown: %s", rec.steps())
	}
	for _, p := range []string{RunsDir(root, "production"), LockPath(root, "production"), envs.WorkDir(root, "production")} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s exists after a refused teardown: %v", p, err)
		}
	}
	// Reap never lists it, expired or not.
	c := open(t, root)
	for _, e := range c.Environments {
		if e.Name == "production" {
			e.Expired = true
		}
	}
	if slices.ContainsFunc(Expired(c), func(e *envs.Environment) bool { return e.Name == "production" }) {
		t.Error("reap would tear production down")
	}
}

// TestTeardownDevBob applies the demo's dev-bob with the real terraform
// on the simulated provider, then tears it down: refused without the
// name, listed by a dry run, and then destroyed, the sweep deleting what
// was left tagged for it and naming what holds the hand-made group it
// cannot delete, and who made that.
func TestTeardownDevBob(t *testing.T) {
	terraform(t)
	root := demo(t)
	ctx := context.Background()
	applied(t, root, "dev-bob")
	ann := sandboxAccount(t, root, "ann@acme.example")
	// Something Terraform does not know, left tagged for dev-bob: the
	// sweep's to delete.
	if err := ann.CreateBucket(ctx, "bob-search-scratch", map[string]string{sweep.TagKey: "dev-bob"}); err != nil {
		t.Fatal(err)
	}
	before := taggedWith(t, ann, "dev-bob")
	inState, err := stateInstances(envs.WorkDir(root, "dev-bob"))
	if err != nil || inState == 0 {
		t.Fatalf("dev-bob's state: %d, %v", inState, err)
	}

	// Without its name typed, nothing is destroyed.
	var refused recorder
	if _, err := Teardown(ctx, open(t, root), "dev-bob", TeardownOptions{Confirm: "dev-alice"}, refused.sink); !errors.Is(err, ErrConfirmationNeeded) || !strings.Contains(err.Error(), `"dev-alice" does not name this environment`) {
		t.Fatalf("teardown confirmed as dev-alice: %v", err)
	}
	if got := refused.startedSteps(); !slices.Equal(got, []Step{StepLock, StepRender, StepInit, StepDestroyPlan, StepConfirm}) {
		t.Errorf("steps %v", got)
	}
	if n, _ := stateInstances(envs.WorkDir(root, "dev-bob")); n != inState {
		t.Errorf("state holds %d after a refused teardown, was %d", n, inState)
	}

	// A dry run shows the destroy plan and lists what is tagged.
	var dry recorder
	res, err := Teardown(ctx, open(t, root), "dev-bob", TeardownOptions{DryRun: true}, dry.sink)
	if err != nil {
		t.Fatal(err)
	}
	if res.Plan == nil || res.Plan.Summary()[envs.ActionDelete] != inState || res.Review == nil {
		t.Errorf("the destroy plan: %+v", res.Plan)
	}
	if res.Sweep == nil || len(res.Sweep.Items) != len(before) || res.Swept != nil {
		t.Errorf("the dry run's listing: %+v, want the %d tagged", res.Sweep, len(before))
	}
	if got := dry.startedSteps(); !slices.Equal(got, []Step{StepLock, StepRender, StepInit, StepDestroyPlan, StepSweepPlan}) {
		t.Errorf("dry run steps %v", got)
	}
	var leftovers []string
	for _, it := range res.Leftovers {
		leftovers = append(leftovers, it.Label())
	}
	if len(leftovers) != 2 || !strings.HasSuffix(leftovers[0], "(bob-search-es)") && !strings.HasSuffix(leftovers[1], "(bob-search-es)") || !slices.Contains(leftovers, "bob-search-scratch") {
		t.Errorf("the dry run's leftovers: %q, want the hand-made group and bucket", leftovers)
	}
	if !strings.Contains(dry.logs(), "(bob-search-es) will be deleted; held by eni-") || !strings.Contains(dry.logs(), "(dev-bob): in Terraform's state, the destroy deletes it") {
		t.Errorf("the dry run's listing does not say what holds the group:\n%s", dry.logs())
	}
	if n, _ := stateInstances(envs.WorkDir(root, "dev-bob")); n != inState || !slices.Equal(taggedWith(t, ann, "dev-bob"), before) {
		t.Errorf("a dry run changed something: %d in state, tagged %v", n, taggedWith(t, ann, "dev-bob"))
	}

	// The teardown.
	var rec recorder
	res, err = Teardown(ctx, open(t, root), "dev-bob", TeardownOptions{Confirm: "dev-bob"}, rec.sink)
	if !errors.Is(err, ErrLeftovers) {
		t.Fatalf("teardown: %v, want the leftover reported", err)
	}
	want := []Step{StepLock, StepRender, StepInit, StepDestroyPlan, StepConfirm, StepDestroy, StepSweepPlan, StepSweep, StepReport}
	if got := rec.startedSteps(); !slices.Equal(got, want) {
		t.Errorf("steps %v, want %v", got, want)
	}
	if n, err := stateInstances(envs.WorkDir(root, "dev-bob")); err != nil || n != 0 {
		t.Errorf("dev-bob's state holds %d after teardown (%v)", n, err)
	}
	left := taggedWith(t, ann, "dev-bob")
	if len(left) != 1 || !strings.Contains(left[0], ":security-group/") {
		t.Fatalf("tagged dev-bob after teardown: %v, want the hand-made group only", left)
	}
	if res.Swept == nil || len(res.Swept.Removed) != 1 || res.Swept.Removed[0].ID != "bob-search-scratch" || len(res.Swept.Remaining) != 1 {
		t.Fatalf("the sweep's report: %+v", res.Swept)
	}
	got := res.Swept.Remaining[0].Explain()
	for _, w := range []string{"(bob-search-es) is held by eni-", "created by dana@acme.example via AWSReservedSSO_AdministratorAccess_5f1d2c3b4a697887 in the console", "it was created by bob@acme.example"} {
		if !strings.Contains(got, w) || !strings.Contains(err.Error(), w) {
			t.Errorf("the report %q (and the error %q) lack %q", got, err, w)
		}
	}
	if res.Status != RunFailed || res.Clean() {
		t.Errorf("status %s, clean %v", res.Status, res.Clean())
	}
	// Every call the sweep made was in the run's session.
	sim, err := fake.Open(simprovider.DatabasePath(root), fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	events, err := sim.Events(ctx, fake.EventFilter{Account: "333333333333", Name: "DeleteBucket"})
	if err != nil || len(events) != 1 || events[0].Username != "envbench-"+res.RunID {
		t.Errorf("DeleteBucket events %+v, %v; want one by envbench-%s", events, err, res.RunID)
	}
	// The run is journaled: its summary says it failed at the report.
	journal, err := (LocalJournal{Root: root}).Read(ctx, "dev-bob", res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if sum := Summarize(journal, nil); sum.Pipeline != "teardown" || sum.Status != RunFailed || sum.Step != StepReport {
		t.Errorf("summary %+v", sum)
	}
	if _, err := os.Stat(filepath.Join(root, ".envbench", "plans", "dev-bob", res.RunID+"-destroy.tfplan")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the applied destroy plan is left behind: %v", err)
	}
}

// TestReapTearsDownOnlyExpired applies an expired sandbox (dev-bob) and
// one that is not (dev-alice), and reaps: only dev-bob goes.
func TestReapTearsDownOnlyExpired(t *testing.T) {
	terraform(t)
	root := demo(t)
	ctx := context.Background()
	applied(t, root, "dev-alice", "dev-bob")
	// dev-bob (created 2026-10-01, ttl 14d) expired; dev-alice (created
	// 2026-11-16, ttl 120d) has not.
	c, err := envs.Open(root, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	dry, err := Reap(ctx, c, ReapOptions{DryRun: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range dry.Expired {
		names = append(names, e.Name)
	}
	if !slices.Equal(names, []string{"dev-bob"}) || len(dry.Teardowns) != 0 {
		t.Fatalf("expired %v, teardowns %d; want dev-bob listed, nothing run", names, len(dry.Teardowns))
	}
	aliceBefore, _ := stateInstances(envs.WorkDir(root, "dev-alice"))
	res, err := Reap(ctx, c, ReapOptions{}, nil)
	if err == nil || !errors.Is(res.Failed["dev-bob"], ErrLeftovers) || len(res.Teardowns) != 1 || res.Teardowns[0].Env != "dev-bob" {
		t.Fatalf("reap: %v; %+v", err, res)
	}
	if n, _ := stateInstances(envs.WorkDir(root, "dev-bob")); n != 0 {
		t.Errorf("dev-bob's state holds %d after the reap", n)
	}
	if n, _ := stateInstances(envs.WorkDir(root, "dev-alice")); n != aliceBefore || n == 0 {
		t.Errorf("dev-alice's state holds %d after the reap, was %d", n, aliceBefore)
	}
	if runs, _ := (LocalJournal{Root: root}).Runs(ctx, "dev-alice"); slices.ContainsFunc(runs, func(r RunRef) bool {
		j, _ := (LocalJournal{Root: root}).Read(ctx, r.Env, r.RunID)
		return Summarize(j, nil).Pipeline == "teardown"
	}) {
		t.Error("dev-alice was torn down")
	}
}

// TestTeardownResumesAfterHalt: a teardown halted after its destroy (as
// SIGTERM halts a run) or whose context is cancelled there stops before
// the sweep, and resuming it skips what was done, sweeps and releases the
// lock.
func TestTeardownResumesAfterHalt(t *testing.T) {
	terraform(t)
	for _, tc := range []struct {
		name    string
		cancel  bool
		wantErr error
		status  RunStatus
	}{
		{name: "halt", wantErr: ErrHalted, status: RunInterrupted},
		{name: "cancelled context", cancel: true, wantErr: context.Canceled, status: RunCancelled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := demo(t)
			applied(t, root, "dev-bob")
			halt := make(chan struct{})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var once sync.Once
			stop := func() {
				if tc.cancel {
					cancel()
				} else {
					close(halt)
				}
			}
			var first recorder
			res, err := Teardown(ctx, open(t, root), "dev-bob", TeardownOptions{Confirm: "dev-bob", Options: Options{Halt: halt}}, func(e Event) {
				first.sink(e)
				if e.Kind == StepStarted && e.Step == StepDestroy {
					once.Do(stop)
				}
			})
			if !errors.Is(err, tc.wantErr) || res.Status != tc.status {
				t.Fatalf("stopped teardown: %v, %s", err, res.Status)
			}
			if got := first.startedSteps(); got[len(got)-1] != StepDestroy {
				t.Errorf("the stopped run went past the destroy: %v", got)
			}
			if _, held := readLock(root, "dev-bob"); held {
				t.Error("the stopped run left its lock")
			}
			var rec recorder
			again, err := ResumeTeardown(context.Background(), open(t, root), "dev-bob", res.RunID, TeardownOptions{}, rec.sink)
			if !errors.Is(err, ErrLeftovers) || again.RunID != res.RunID || again.Swept == nil || len(again.Swept.Remaining) != 1 {
				t.Fatalf("resumed: %v, %+v", err, again)
			}
			if n, _ := stateInstances(envs.WorkDir(root, "dev-bob")); n != 0 {
				t.Fatalf("resumed teardown left %d instance(s) in the state", n)
			}
			var skipped []Step
			for _, e := range rec.events {
				if e.Kind == StepSkipped {
					skipped = append(skipped, e.Step)
				}
			}
			if !tc.cancel && !slices.Equal(skipped, []Step{StepRender, StepInit, StepDestroyPlan, StepConfirm, StepDestroy}) {
				t.Errorf("skipped on resume: %v", skipped)
			}
			if got := rec.startedSteps(); len(got) < 3 || !slices.Equal(got[len(got)-3:], []Step{StepSweepPlan, StepSweep, StepReport}) {
				t.Errorf("run on resume: %v", got)
			}
			if h, held := readLock(root, "dev-bob"); held {
				t.Errorf("the resumed teardown left its lock: %+v", h)
			}
			// Production is refused on resume too.
			if _, err := ResumeTeardown(context.Background(), open(t, root), "production", res.RunID, TeardownOptions{}, nil); !errors.Is(err, ErrProtected) {
				t.Errorf("resuming a teardown of production: %v", err)
			}
		})
	}
}

// TestTeardownRetriesThrottledDestroy: the simulated account throttles
// every DeleteSecurityGroup past the provider's own retries, so the first
// terraform destroy fails with a throttled diagnostic; the destroy step
// retries it (waiting on the run's clock) once the throttling stops, and
// the teardown finishes.
func TestTeardownRetriesThrottledDestroy(t *testing.T) {
	terraform(t)
	root := demo(t)
	ctx := context.Background()
	applied(t, root, "dev-bob")
	sim, err := fake.Open(simprovider.DatabasePath(root), fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	if err := sim.SetFault(fake.Fault{Service: "ec2", Operation: "DeleteSecurityGroup", Kind: fake.FaultThrottle, Rate: 1}); err != nil {
		t.Fatal(err)
	}
	clock := pipelinetest.NewClock(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	var rec recorder
	var clearErr error
	res, err := Teardown(ctx, open(t, root), "dev-bob", TeardownOptions{Confirm: "dev-bob", Options: Options{Clock: clock}}, func(e Event) {
		rec.sink(e)
		if e.Kind == AttemptFailed && e.Step == StepDestroy && e.Attempt == 1 {
			clearErr = sim.ClearFaults()
		}
	})
	if clearErr != nil {
		t.Fatal(clearErr)
	}
	if err != nil && !errors.Is(err, ErrLeftovers) {
		t.Fatalf("teardown: %v", err)
	}
	var failed, finished *Event
	for i, e := range rec.events {
		if e.Step != StepDestroy {
			continue
		}
		switch {
		case e.Kind == AttemptFailed && failed == nil:
			failed = &rec.events[i]
		case e.Kind == StepFinished:
			finished = &rec.events[i]
		}
	}
	if failed == nil || failed.Attempt != 1 || failed.Attempts != TransientRetry.Attempts || !failed.Retryable || !strings.Contains(failed.Message, "throttled") {
		t.Fatalf("the first destroy's failure: %+v", failed)
	}
	if finished == nil || finished.Attempt != 2 {
		t.Fatalf("the destroy did not finish on attempt 2/%d: %+v (run %s: %v)", TransientRetry.Attempts, finished, res.Status, err)
	}
	if n, err := stateInstances(envs.WorkDir(root, "dev-bob")); err != nil || n != 0 {
		t.Errorf("state after the retried destroy: %d, %v", n, err)
	}
	if res.Swept == nil {
		t.Errorf("the teardown did not reach the sweep: %s", res.Status)
	}
	if sleeps := clock.Sleeps(); len(sleeps) == 0 || sleeps[0] != failed.Wait {
		t.Errorf("the retry waited %v on the run's clock, announced %v", sleeps, failed.Wait)
	}
}
