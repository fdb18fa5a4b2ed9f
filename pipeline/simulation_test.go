package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/fake"
	"github.com/envbench/envbench/envs/simprovider"
	"github.com/envbench/envbench/internal/testkit"
)

// productionAccount is the demo's production account as envbench's
// deployer role.
func productionAccount(t *testing.T, root string) *fake.Account {
	t.Helper()
	sim, err := fake.Open(simprovider.DatabasePath(root), fake.Options{Pace: &fake.Pace{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	a, err := sim.Account(context.Background(), cloud.Target{Region: "eu-west-1", RoleARN: "arn:aws:iam::111111111111:role/envbench-deployer", SessionName: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// stateResources are the managed resources of env's Terraform state.
func stateResources(t *testing.T, root, env string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(envs.WorkDir(root, env), "terraform.tfstate"))
	if err != nil {
		t.Fatalf("%s's state: %v", env, err)
	}
	var st struct {
		Resources []struct {
			Mode, Type, Name string
		}
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range st.Resources {
		if r.Mode == "managed" {
			out = append(out, r.Type+"."+r.Name)
		}
	}
	return out
}

// noChanges plans env and fails when the plan has changes.
func noChanges(t *testing.T, c *envs.Catalog, env string) {
	t.Helper()
	res, err := Plan(context.Background(), c, env, "", Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.HasChanges {
		var changed []string
		for _, ch := range res.Plan.Changes {
			changed = append(changed, ch.Address)
		}
		t.Errorf("planning %s after seeding shows changes: %s", env, strings.Join(changed, ", "))
	}
}

// TestPrepareSimulationAppliesProduction prepares a new demo simulation
// from two goroutines at once with the real terraform: one applies
// production, the other waits and finds it done; production's state has
// its resources, the account has them tagged for production, and a plan
// of production shows no changes.
func TestPrepareSimulationAppliesProduction(t *testing.T) {
	terraform(t)
	root := demo(t)
	c := open(t, root)
	ctx := context.Background()

	if pending, err := PendingSimulation(ctx, c); err != nil || !slices.Equal(pending, []string{"production"}) {
		t.Fatalf("pending before the first use: %v, %v; want [production]", pending, err)
	}
	var wg sync.WaitGroup
	reports := make([]SimulationReport, 2)
	errs := make([]error, 2)
	for i := range reports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reports[i], errs[i] = PrepareSimulation(ctx, c, Options{})
		}()
	}
	wg.Wait()
	var applied [][]string
	for i, rep := range reports {
		if errs[i] != nil || rep.Failure != nil {
			t.Fatalf("prepare: %v, %v", errs[i], rep.Failure)
		}
		if len(rep.Applied) > 0 {
			applied = append(applied, rep.Applied)
		}
	}
	if len(applied) != 1 || !slices.Equal(applied[0], []string{"production"}) {
		t.Fatalf("applied by the two first uses: %v; want production once", applied)
	}

	inState := stateResources(t, root, "production")
	if !slices.Contains(inState, "aws_db_instance.orders") || len(inState) < 5 {
		t.Errorf("production's state after seeding: %v", inState)
	}
	tagged := taggedWith(t, productionAccount(t, root), "production")
	dbs := 0
	for _, arn := range tagged {
		if strings.Contains(arn, ":rds:") && strings.Contains(arn, ":db:") {
			dbs++
		}
	}
	if dbs != 1 {
		t.Errorf("databases tagged envbench:env=production: %d, want 1:\n%s", dbs, strings.Join(tagged, "\n"))
	}
	if pending, err := PendingSimulation(ctx, c); err != nil || len(pending) != 0 {
		t.Errorf("pending after seeding: %v, %v; want none", pending, err)
	}
	noChanges(t, c, "production")
}

// TestResetSimulationRestoresProduction resizes production's database by
// hand, resets the simulation, and finds the database at its configured
// class again and production's state agreeing with the account.
func TestResetSimulationRestoresProduction(t *testing.T) {
	terraform(t)
	root := demo(t)
	c := open(t, root)
	ctx := context.Background()
	if rep, err := PrepareSimulation(ctx, c, Options{}); err != nil || rep.Failure != nil {
		t.Fatalf("prepare: %v, %v", err, rep.Failure)
	}
	sim, err := fake.Open(simprovider.DatabasePath(root), fake.Options{Pace: &fake.Pace{}})
	if err != nil {
		t.Fatal(err)
	}
	dana, err := sim.Person(ctx, "dana@acme.example", "111111111111", "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	dbs, err := dana.Instances(ctx)
	if err != nil || len(dbs) != 1 {
		t.Fatalf("production's databases: %v, %v", dbs, err)
	}
	id := dbs[0].ID
	if _, err := dana.ModifyInstanceSettings(ctx, id, fake.InstanceChanges{Class: "db.r6g.large"}); err != nil {
		t.Fatal(err)
	}
	sim.Close()

	rep, err := ResetSimulation(ctx, c, Options{})
	if err != nil || rep.Failure != nil || !slices.Equal(rep.Applied, []string{"production"}) {
		t.Fatalf("reset: %+v, %v", rep, err)
	}
	db, err := productionAccount(t, root).Instance(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if db.Class != "db.r6g.xlarge" {
		t.Errorf("class after reset: %s, want db.r6g.xlarge", db.Class)
	}
	noChanges(t, c, "production")
}

// TestPrepareSimulationFailureIsSaidOnce prepares with a Terraform that
// does not exist: the first call reports the failure, naming production
// and the seed, the simulation stays usable, and a second call neither
// retries nor reports it again.
func TestPrepareSimulationFailureIsSaidOnce(t *testing.T) {
	root := demo(t)
	c := open(t, root)
	ctx := context.Background()
	opts := Options{Binary: filepath.Join(t.TempDir(), "no-terraform")}
	rep, err := PrepareSimulation(ctx, c, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failure == nil || !strings.Contains(rep.Failure.Error(), "apply production") || !strings.Contains(rep.Failure.Error(), fake.WorkspaceSeed) {
		t.Fatalf("failure: %v; want one naming production and %s", rep.Failure, fake.WorkspaceSeed)
	}
	again, err := PrepareSimulation(ctx, c, opts)
	if err != nil || again.Failure != nil || len(again.Applied) != 0 {
		t.Errorf("second prepare: %+v, %v; want nothing done and nothing said", again, err)
	}
	sim, err := fake.OpenWorkspace(ctx, root, filepath.Join(root, fake.WorkspaceSeed), fake.Options{})
	if err != nil {
		t.Fatalf("the simulation after a failed apply: %v", err)
	}
	defer sim.Close()
	if why, err := sim.ApplyFailure(ctx); err != nil || !strings.Contains(why, "apply production") {
		t.Errorf("recorded failure: %q, %v", why, err)
	}
	if _, err := sim.Accounts(); err != nil {
		t.Errorf("accounts after a failed apply: %v", err)
	}
}

// TestSimulatedEnvIsInstantOnlyWhilePreparing: the runs that prepare a
// simulation run its provider at instant pace; any other run keeps the
// caller's environment, and the provider's map is never changed.
func TestSimulatedEnvIsInstantOnlyWhilePreparing(t *testing.T) {
	env := map[string]string{"ENVBENCH_SIM_DB": "/x/aws.db"}
	if got := simulatedEnv(context.Background(), env); got[simprovider.PaceEnv] != "" {
		t.Errorf("a run of the user's: %v", got)
	}
	got := simulatedEnv(context.WithValue(context.Background(), preparingKey{}, true), env)
	if got[simprovider.PaceEnv] != "instant" || got["ENVBENCH_SIM_DB"] != "/x/aws.db" {
		t.Errorf("a run preparing the simulation: %v", got)
	}
	if _, ok := env[simprovider.PaceEnv]; ok {
		t.Error("the provider's environment was changed")
	}
}

// TestRunsWaitForTheSimulationsPreparation: while the simulation is being
// prepared (its lock held, as the TUI holds it while it applies
// production in the background), a run waits before it takes its
// environment's lock, and goes on once the preparation is over; a run
// whose context ends while it waits stops waiting.
func TestRunsWaitForTheSimulationsPreparation(t *testing.T) {
	root := testkit.CopyExample(t, "demo")
	c, err := envs.Open(root, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Nothing prepares it yet: a run goes straight on.
	mustRunInWorkspace(t, c, "first")

	unlock, err := lockSimulation(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan struct{}, 1)
	waitingForSimulation = func() { waiting <- struct{}{} }
	defer func() { waitingForSimulation = nil }()

	// Given up while waiting: the run never starts.
	short, cancel := context.WithCancel(ctx)
	gaveUp := make(chan error, 1)
	go func() {
		_, err := NewEngine(c, Options{}, nil).Run(short, probePipeline(t, root), "given-up")
		gaveUp <- err
	}()
	select {
	case <-waiting:
	case err := <-gaveUp:
		t.Fatalf("the run did not wait for the preparation: %v", err)
	}
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("a run cancelled while it waited: %v", err)
	}

	done := make(chan error, 1)
	go func() {
		_, err := NewEngine(c, Options{}, nil).Run(ctx, probePipeline(t, root), "waited")
		done <- err
	}()
	select {
	case <-waiting:
	case err := <-done:
		t.Fatalf("the run did not wait for the preparation: %v", err)
	}
	unlock()
	if err := <-done; err != nil {
		t.Fatalf("the run after the preparation: %v", err)
	}
}

// probePipeline is a one-step pipeline on qa whose step fails if the
// simulation's preparation still holds its lock.
func probePipeline(t *testing.T, root string) Pipeline {
	return Pipeline{Kind: "test", Env: "qa", Steps: []StepDef{{Name: "probe", Action: func(context.Context, *Run) error {
		f, err := os.OpenFile(simulationLockPath(root), os.O_RDWR, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		if free, err := tryLockFile(f); err != nil || !free {
			return fmt.Errorf("the run started while the simulation was being prepared (lock free %v, %v)", free, err)
		}
		return nil
	}}}}
}

func mustRunInWorkspace(t *testing.T, c *envs.Catalog, id string) {
	t.Helper()
	if _, err := NewEngine(c, Options{}, nil).Run(context.Background(), Pipeline{Kind: "test", Env: "qa", Steps: []StepDef{{Name: "noop", Action: func(context.Context, *Run) error { return nil }}}}, id); err != nil {
		t.Fatal(err)
	}
}
