package pipeline

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/fake"
	"github.com/envbench/envbench/envs/simprovider"
	"github.com/envbench/envbench/internal/testkit"
)

func TestMain(m *testing.M) {
	// Terraform runs this test binary as the simulated aws provider.
	simprovider.ServeIfPlugin()
	// The simulated RDS is immediate in tests: no run waits for it.
	os.Setenv(simprovider.PaceEnv, "instant")
	os.Exit(m.Run())
}

// sandboxAccount is the simulated account of the demo's sandboxes, acting
// as a named person.
func sandboxAccount(t *testing.T, root, who string) *fake.Account {
	t.Helper()
	sim, err := fake.Open(simprovider.DatabasePath(root), fake.Options{Pace: &fake.Pace{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	a, err := sim.Account(context.Background(), cloud.Target{Region: "eu-west-1", RoleARN: "arn:aws:iam::333333333333:role/envbench-sandbox", SessionName: who})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func without(arns, drop []string) []string {
	return slices.DeleteFunc(slices.Clone(arns), func(a string) bool { return slices.Contains(drop, a) })
}

func taggedWith(t *testing.T, a *fake.Account, env string) []string {
	t.Helper()
	rs, err := a.ResourcesByTag(context.Background(), "envbench:env", env)
	if err != nil {
		t.Fatal(err)
	}
	var arns []string
	for _, r := range rs {
		arns = append(arns, r.ARN)
	}
	slices.Sort(arns)
	return arns
}

// TestDemoSandboxOnTheSimulatedProvider applies two of the demo's
// sandboxes at once on one store with the real terraform, finds exactly
// each one's resources by its tag, shows a change made by a named person
// as drift in a refresh-only plan, and destroys one, leaving the other.
func TestDemoSandboxOnTheSimulatedProvider(t *testing.T) {
	bin := terraform(t)
	root := demo(t)
	c := open(t, root)
	ctx := context.Background()

	// The seed's leftovers, made by hand in the sandbox account and tagged
	// for dev-alice and dev-bob, are teardown's sweep's to find, not
	// Terraform's.
	seeded, err := fake.OpenWorkspace(ctx, root, filepath.Join(root, fake.WorkspaceSeed), fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	seeded.Close()
	ann := sandboxAccount(t, root, "ann@acme.example")
	leftovers, bobLeftovers := taggedWith(t, ann, "dev-alice"), taggedWith(t, ann, "dev-bob")
	if len(bobLeftovers) != 1 {
		t.Errorf("dev-bob's hand-made leftovers: %v, want its security group", bobLeftovers)
	}

	var wg sync.WaitGroup
	results := map[string]*PlanResult{}
	applies := map[string]*ApplyResult{}
	errs := map[string]error{}
	var mu sync.Mutex
	for _, env := range []string{"dev-alice", "dev-bob"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := Plan(ctx, c, env, "", Options{}, nil)
			var applied *ApplyResult
			if err == nil {
				applied, err = Apply(ctx, c, env, res.PlanFile, env, Options{}, nil)
			}
			mu.Lock()
			results[env], applies[env], errs[env] = res, applied, err
			mu.Unlock()
		}()
	}
	wg.Wait()
	for env, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", env, err)
		}
	}

	alice, bob := without(taggedWith(t, ann, "dev-alice"), leftovers), without(taggedWith(t, ann, "dev-bob"), bobLeftovers)
	// alice: VPC, 2 subnets, group, DB subnet group, DB, cluster, service;
	// bob has no database.
	if len(alice) != 8 || len(bob) != 6 {
		t.Errorf("tagged dev-alice: %d, dev-bob: %d; want 8 and 6:\n%s\n%s", len(alice), len(bob), strings.Join(alice, "\n"), strings.Join(bob, "\n"))
	}
	for _, arn := range alice {
		if slices.Contains(bob, arn) {
			t.Errorf("%s is tagged for both sandboxes", arn)
		}
	}

	// Every call of alice's plan run was made as envbench-<its run id>.
	sim, err := fake.Open(simprovider.DatabasePath(root), fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	created, err := sim.Events(ctx, fake.EventFilter{Account: "333333333333", Name: "CreateDBInstance"})
	if err != nil {
		t.Fatal(err)
	}
	// The apply says which sessions are its own: those of the plan it applied.
	if got := applies["dev-alice"].PlanRunID; got != results["dev-alice"].RunID {
		t.Errorf("the apply names plan run %q, want %q", got, results["dev-alice"].RunID)
	}
	if len(created) != 1 || created[0].Username != "envbench-"+results["dev-alice"].RunID {
		t.Errorf("CreateDBInstance events %+v, want one by envbench-%s", created, results["dev-alice"].RunID)
	}

	// Ann resizes alice's database by hand: a refresh-only plan shows it.
	if _, err := ann.ModifyInstance(ctx, "dev-alice-db", "db.t4g.medium", ""); err != nil {
		t.Fatal(err)
	}
	setup, err := simulatedProvider(root, envs.WorkDir(root, "dev-alice"), "")
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = envs.WorkDir(root, "dev-alice")
		cmd.Env = os.Environ()
		for k, v := range setup.Env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("terraform %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run("plan", "-refresh-only", "-input=false", "-no-color", "-var", "envbench_run_id=drift-check", "-out=drift.tfplan")
	if show := run("show", "-json", "drift.tfplan"); !strings.Contains(show, `"resource_drift"`) || !strings.Contains(show, `"instance_class":"db.t4g.medium"`) {
		t.Errorf("the refresh-only plan shows no drift of the database's class:\n%.2000s", show)
	}

	// Destroy deletes for real: nothing of alice's is left, bob's is.
	r, err := newTerraform(ctx, c, envs.WorkDir(root, "dev-alice"), "destroy-run", Options{Binary: bin}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Destroy(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if left := taggedWith(t, ann, "dev-alice"); !slices.Equal(left, leftovers) {
		t.Errorf("after destroy, tagged dev-alice beyond the hand-made leftovers %v:\n%s", leftovers, strings.Join(left, "\n"))
	}
	if still := without(taggedWith(t, ann, "dev-bob"), bobLeftovers); !slices.Equal(still, bob) {
		t.Errorf("destroying dev-alice changed dev-bob's resources: %v, was %v", still, bob)
	}
}

// TestServicePlatformPlansNoChangesAfterApply: once the demo's qa is
// applied on the simulated provider, the account and the state agree, and
// a change of an input plans an update in place, as on AWS.
func TestServicePlatformPlansNoChangesAfterApply(t *testing.T) {
	terraform(t)
	root := demo(t)
	c := open(t, root)
	ctx := context.Background()
	res, err := Plan(ctx, c, "qa", "", Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(ctx, c, "qa", res.PlanFile, "qa", Options{}, nil); err != nil {
		t.Fatal(err)
	}
	// The apply's calls are in qa's account's trail, under the session of
	// the run that planned them: envbench-<run-id>.
	sim, err := fake.Open(simprovider.DatabasePath(root), fake.Options{Pace: &fake.Pace{}})
	if err != nil {
		t.Fatal(err)
	}
	events, err := sim.Events(ctx, fake.EventFilter{Account: "222222222222"})
	sim.Close()
	if err != nil {
		t.Fatal(err)
	}
	session := "/envbench-" + res.RunID + `"`
	creates := 0
	for _, ev := range events {
		if strings.HasPrefix(ev.Name, "Create") && strings.Contains(string(ev.Record), session) {
			creates++
		}
	}
	if creates < 5 {
		t.Errorf("%d Create calls in qa's trail under the session envbench-%s, want the apply's (5 or more)", creates, res.RunID)
	}
	again, err := Plan(ctx, c, "qa", "", Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.HasChanges || again.Plan.Summary().Total() != 0 {
		t.Errorf("after apply, qa plans %v", again.Plan.Summary())
	}
	testkit.WriteFile(t, root, "envs/qa.yaml", strings.Replace(readFile(t, root, "envs/qa.yaml"), "db_storage_gb: 100", "db_storage_gb: 200", 1))
	grown, err := Plan(ctx, open(t, root), "qa", "", Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := grown.Plan.Summary(); s.Total() != 1 || s[envs.ActionUpdate] != 1 || grown.Plan.Changes[0].Address != "aws_db_instance.orders" {
		t.Errorf("growing the storage plans %v: %+v", s, grown.Plan.Changes)
	}
}

func readFile(t *testing.T, root, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
