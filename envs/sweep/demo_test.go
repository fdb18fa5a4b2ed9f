package sweep

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/envbench/envbench/envs/fake"
)

// The demo's seed leaves dev-bob a group Bob made by hand, held by an
// interface Dana made: the sweep names both. dev-alice's leftovers are
// held by her untagged debugging interface.
func TestDemoSeedLeftovers(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "demo", "sim", "seed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, string(data), fake.Options{})
	ctx := context.Background()
	acct := w.account(t, "333333333333", "envbench-sandbox")
	sw := w.sweeper()

	bob := must[*Sweep](t)(sw.Plan(ctx, acct, "dev-bob", "eu-west-1"))
	if len(bob.Items) != 1 || bob.Items[0].Name != "bob-search-es" {
		t.Fatalf("dev-bob's leftovers: %+v", bob.Items)
	}
	rep := must[*Report](t)(sw.Execute(ctx, acct, bob, nil))
	if len(rep.Remaining) != 1 {
		t.Fatalf("report %+v", rep)
	}
	got := rep.Remaining[0].Explain()
	for _, want := range []string{"(bob-search-es) is held by eni-", "(created by dana@acme.example via AWSReservedSSO_AdministratorAccess_5f1d2c3b4a697887 in the console at ", "it was created by bob@acme.example via AWSReservedSSO_SandboxDeveloper_9f8e7d6c5b4a3210"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}

	alice := must[*Sweep](t)(sw.Plan(ctx, acct, "dev-alice", "eu-west-1"))
	rep = must[*Report](t)(sw.Execute(ctx, acct, alice, nil))
	if len(rep.Removed) != 1 || rep.Removed[0].ID != "acme-alice-scratch" || len(rep.Remaining) != 3 {
		t.Fatalf("dev-alice: removed %+v, remaining %+v", rep.Removed, rep.Remaining)
	}
	eni := ""
	for _, it := range rep.Remaining {
		if it.Outcome != Blocked || len(it.Blockers) == 0 {
			t.Errorf("%s: %s", it.Label(), it.Explain())
			continue
		}
		if strings.HasPrefix(it.Blockers[0].ID, "eni-") {
			eni = it.Blockers[0].ID
		}
	}
	// The interface holds both the group and the subnet: CloudTrail is
	// asked who made it once.
	lookups, err := w.sim.Events(ctx, fake.EventFilter{Account: "333333333333", Name: "LookupEvents"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range lookups {
		if eni != "" && strings.Contains(e.Record, `"attributeValue":"`+eni+`"`) && !strings.Contains(e.Record, `"errorCode"`) {
			n++
		}
	}
	if eni == "" || n != 1 {
		t.Errorf("%d lookups of who made %q, want 1", n, eni)
	}
}
