package fake

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs/cloud"
)

// demoSeed is the demo's seed with production's resources made directly,
// as if production were applied.
const demoSeed = "testdata/seed-production.yaml"

// workspaceWithSeed is a workspace directory holding the demo's seed at
// sim/seed.yaml.
func workspaceWithSeed(t *testing.T) (root, seed string) {
	t.Helper()
	root = t.TempDir()
	data, err := os.ReadFile(demoSeed)
	if err != nil {
		t.Fatal(err)
	}
	seed = filepath.Join(root, WorkspaceSeed)
	if err := os.MkdirAll(filepath.Dir(seed), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(seed, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return root, seed
}

// TestOpenWorkspaceSeedsOnce: the first open seeds the simulation (owner
// only, under .envbench/sim); later opens keep what changed since and do
// not read the seed again; ResetWorkspace starts again from the seed.
func TestOpenWorkspaceSeedsOnce(t *testing.T) {
	ctx := context.Background()
	root, seedPath := workspaceWithSeed(t)
	c := newClock()
	opts := Options{Clock: c.Now}
	s := must[*Sim](t)(OpenWorkspace(ctx, root, seedPath, opts))
	if seeded, err := s.Seeded(ctx); err != nil || !seeded {
		t.Fatalf("seeded after the first open: %v, %v", seeded, err)
	}
	for path, want := range map[string]os.FileMode{filepath.Join(root, ".envbench", "sim"): 0o700, filepath.Join(root, WorkspaceDB): 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v, %v; want %v", path, fi.Mode().Perm(), err, want)
		}
	}
	prod := must[*Account](t)(s.Account(ctx, cloud.Target{RoleARN: "arn:aws:iam::111111111111:role/envbench-deployer", SessionName: "envbench-test"}))
	if _, err := prod.ModifyInstance(ctx, "production-orders", "db.r6g.2xlarge", ""); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// A seed that no longer loads is not read again: the simulation is
	// already seeded.
	if err := os.WriteFile(seedPath, []byte("accounts: {"), 0o644); err != nil {
		t.Fatal(err)
	}
	s = must[*Sim](t)(OpenWorkspace(ctx, root, seedPath, opts))
	prod = must[*Account](t)(s.Account(ctx, cloud.Target{RoleARN: "arn:aws:iam::111111111111:role/envbench-deployer", SessionName: "envbench-test"}))
	if d, err := prod.Instance(ctx, "production-orders"); err != nil || d.Class != "db.r6g.2xlarge" {
		t.Errorf("the change before the second open: %+v, %v", d, err)
	}
	s.Close()

	// Reset refuses a broken seed and leaves the simulation as it was.
	if _, err := ResetWorkspace(ctx, root, seedPath, opts); err == nil || !strings.Contains(err.Error(), seedPath+":1:") {
		t.Errorf("reset with a broken seed: %v, want its file and line", err)
	}
	if _, err := os.Stat(filepath.Join(root, WorkspaceDB)); err != nil {
		t.Errorf("the simulation after a refused reset: %v", err)
	}
	data := must[[]byte](t)(os.ReadFile(demoSeed))
	if err := os.WriteFile(seedPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	s = must[*Sim](t)(ResetWorkspace(ctx, root, seedPath, opts))
	defer s.Close()
	prod = must[*Account](t)(s.Account(ctx, cloud.Target{RoleARN: "arn:aws:iam::111111111111:role/envbench-deployer", SessionName: "envbench-test"}))
	if d, err := prod.Instance(ctx, "production-orders"); err != nil || d.Class != "db.r6g.xlarge" {
		t.Errorf("after reset: %+v, %v; want the seed's db.r6g.xlarge", d, err)
	}
	events := must[[]RecordedEvent](t)(s.Events(ctx, EventFilter{Username: "ravi@acme.example"}))
	if len(events) == 0 || events[0].Time.After(c.Now().Add(-time.Hour)) {
		t.Errorf("ravi's history after reset: %d events", len(events))
	}
}

// TestOpenWorkspaceWithoutSeed: no seed file leaves a new simulation
// empty and unseeded, so a seed added later is applied on the next open.
func TestOpenWorkspaceWithoutSeed(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	seedPath := filepath.Join(root, WorkspaceSeed)
	s := must[*Sim](t)(OpenWorkspace(ctx, root, seedPath, Options{}))
	if seeded, err := s.Seeded(ctx); err != nil || seeded {
		t.Errorf("seeded without a seed: %v, %v", seeded, err)
	}
	if accts := must[[]AccountInfo](t)(s.Accounts()); len(accts) != 0 {
		t.Errorf("accounts without a seed: %v", accts)
	}
	s.Close()
	root2, seed2 := workspaceWithSeed(t)
	if err := os.MkdirAll(filepath.Join(root2, ".envbench", "sim"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(root, WorkspaceDB), filepath.Join(root2, WorkspaceDB)); err != nil {
		t.Fatal(err)
	}
	s = must[*Sim](t)(OpenWorkspace(ctx, root2, seed2, Options{}))
	defer s.Close()
	if accts := must[[]AccountInfo](t)(s.Accounts()); len(accts) != 3 {
		t.Errorf("accounts once a seed exists: %v", accts)
	}
}

// TestDemoSeedMatchesEnvironments: every account and role of the demo's
// environments is in the demo's seed, so each environment's role can be
// assumed in the simulation as the seed's default identity.
func TestDemoSeedMatchesEnvironments(t *testing.T) {
	ctx := context.Background()
	ws, err := config.LoadAt("../../examples/demo", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	root, seedPath := workspaceWithSeed(t)
	s := must[*Sim](t)(OpenWorkspace(ctx, root, seedPath, Options{}))
	defer s.Close()
	var ids []string
	for _, a := range must[[]AccountInfo](t)(s.Accounts()) {
		ids = append(ids, a.ID)
	}
	if len(ws.Environments) == 0 {
		t.Fatal("the demo has no environments")
	}
	for _, e := range ws.Environments {
		if !slices.Contains(ids, e.Account) {
			t.Errorf("%s: account %s is not in the seed (%v)", e.Name, e.Account, ids)
		}
		a := must[*Account](t)(s.Account(ctx, cloud.Target{}))
		got, err := a.AssumeRole(ctx, cloud.Target{RoleARN: e.Role, SessionName: "envbench-check"})
		if err != nil || got.Account != e.Account {
			t.Errorf("%s: assume %s: %+v, %v", e.Name, e.Role, got, err)
		}
	}
}

// TestTaggedNames finds an environment's resources by tag without
// recording a call.
func TestTaggedNames(t *testing.T) {
	ctx := context.Background()
	root, seedPath := workspaceWithSeed(t)
	s := must[*Sim](t)(OpenWorkspace(ctx, root, seedPath, Options{}))
	defer s.Close()
	before := must[[]RecordedEvent](t)(s.Events(ctx, EventFilter{}))
	names := must[[]string](t)(s.TaggedNames(ctx, "111111111111", "envbench:env", "production"))
	for _, want := range []string{"production-orders", "arn:aws:rds:eu-west-1:111111111111:db:production-orders"} {
		if !slices.Contains(names, want) {
			t.Errorf("tagged production: %v lacks %s", names, want)
		}
	}
	if other := must[[]string](t)(s.TaggedNames(ctx, "111111111111", "envbench:env", "qa")); len(other) != 0 {
		t.Errorf("tagged qa in production's account: %v", other)
	}
	if after := must[[]RecordedEvent](t)(s.Events(ctx, EventFilter{})); len(after) != len(before) {
		t.Errorf("TaggedNames recorded %d events", len(after)-len(before))
	}
}

// TestPersonSignsInWithoutAssumeRole: a person of the seed acts through
// their SSO role from the start; no sts:AssumeRole by the simulation's
// default identity is recorded on their behalf, and an account without
// their SSO role is refused.
func TestPersonSignsInWithoutAssumeRole(t *testing.T) {
	ctx := context.Background()
	root, seedPath := workspaceWithSeed(t)
	s := must[*Sim](t)(OpenWorkspace(ctx, root, seedPath, Options{}))
	defer s.Close()
	before := must[[]RecordedEvent](t)(s.Events(ctx, EventFilter{Name: "AssumeRole"}))
	dana := must[*Account](t)(s.Person(ctx, "dana@acme.example", "111111111111", ""))
	if _, err := dana.Instances(ctx); err != nil {
		t.Fatal(err)
	}
	if after := must[[]RecordedEvent](t)(s.Events(ctx, EventFilter{Name: "AssumeRole"})); len(after) != len(before) {
		t.Errorf("signing in as dana recorded %d AssumeRole events: %+v", len(after)-len(before), after[0])
	}
	ev := must[[]RecordedEvent](t)(s.Events(ctx, EventFilter{Name: "DescribeDBInstances", Limit: 1}))
	if len(ev) != 1 || ev[0].Username != "dana@acme.example" || !strings.Contains(ev[0].Record, `"arn":"arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_AdministratorAccess_5f1d2c3b4a697887/dana@acme.example"`) {
		t.Errorf("dana's call: %+v", ev)
	}
	if !strings.Contains(ev[0].Record, `"userAgent":"`+ConsoleUserAgent+`"`) || !strings.Contains(ev[0].Record, `"sourceIPAddress":"203.0.113.41"`) {
		t.Errorf("dana's call is not from the console: %s", ev[0].Record)
	}
	if _, err := s.Person(ctx, "dana@acme.example", "444444444444", ""); err == nil {
		t.Error("dana reached an account the seed does not have")
	}
}

// TestOpenWorkspaceAtOnce: processes opening a new workspace at the same
// time seed it once between them, and none sees it half-seeded.
func TestOpenWorkspaceAtOnce(t *testing.T) {
	ctx := context.Background()
	root, seedPath := workspaceWithSeed(t)
	const n = 4
	errs := make(chan error, n)
	for range n {
		go func() {
			s, err := OpenWorkspace(ctx, root, seedPath, Options{})
			if err == nil {
				var accounts []AccountInfo
				if accounts, err = s.Accounts(); err == nil && len(accounts) != 3 {
					err = fmt.Errorf("opened with %d accounts", len(accounts))
				}
				s.Close()
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	s := must[*Sim](t)(OpenWorkspace(ctx, root, seedPath, Options{}))
	defer s.Close()
	prod := must[*Account](t)(s.Account(ctx, cloud.Target{RoleARN: "arn:aws:iam::111111111111:role/envbench-deployer", SessionName: "envbench-test"}))
	if vpcs := must[[]cloud.VPC](t)(prod.VPCs(ctx)); len(vpcs) != 1 {
		t.Errorf("production's VPCs after opening at once: %d, want the seed's 1", len(vpcs))
	}
	left, _ := filepath.Glob(filepath.Join(root, ".envbench", "sim", "*seeding*"))
	if len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
	if fi, err := os.Stat(filepath.Join(root, WorkspaceDB)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the simulation's file: %v, %v", fi.Mode().Perm(), err)
	}
}
