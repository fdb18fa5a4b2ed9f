package sweep

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/fake"
)

// platformSeed is dev-bob's account with one of everything the sweep
// deletes, tagged for dev-bob, beside what it must leave: untagged
// resources, one tagged for dev-alice, and, in another account, resources
// tagged for dev-bob too.
const platformSeed = `region: eu-west-1
accounts:
  - id: "333333333333"
    roles: [{name: envbench-sandbox, trusted_by: ["999999999999"]}]
    resources:
      kms_keys:
        - {alias: alias/dev-bob, description: dev-bob's database, tags: {envbench:env: dev-bob}}
      vpcs:
        - name: dev-bob
          cidr: 10.1.0.0/16
          tags: {envbench:env: dev-bob}
          subnets:
            - {name: dev-bob-a, cidr: 10.1.0.0/24, zone: eu-west-1a, tags: {envbench:env: dev-bob}}
            - {name: dev-bob-b, cidr: 10.1.1.0/24, zone: eu-west-1b, tags: {envbench:env: dev-bob}}
          security_groups:
            - {name: dev-bob-app, description: app, tags: {envbench:env: dev-bob}}
          network_interfaces:
            - {subnet: dev-bob-a, security_groups: [dev-bob-app], description: a tagged box, tags: {envbench:env: dev-bob}}
        - name: keep
          cidr: 10.2.0.0/16
          subnets: [{name: keep-a, cidr: 10.2.0.0/24}]
          security_groups: [{name: keep-sg, description: untagged}]
      db_subnet_groups:
        - {name: dev-bob, description: db, subnets: [dev-bob-a, dev-bob-b], tags: {envbench:env: dev-bob}}
      db_instances:
        - {id: dev-bob-db, class: db.t4g.micro, engine: postgres, engine_version: "16.4", storage_gb: 20, subnet_group: dev-bob, kms_key: alias/dev-bob, tags: {envbench:env: dev-bob}}
      dns_zones:
        - name: bob.example.com
          tags: {envbench:env: dev-bob}
          records: [{name: api.bob.example.com, type: A, values: [192.0.2.1]}]
      secrets:
        - {name: dev-bob/db, value: demo-only, tags: {envbench:env: dev-bob}}
      buckets:
        - {name: dev-bob-scratch, tags: {envbench:env: dev-bob}}
        - {name: untagged-keep}
        - {name: dev-alice-scratch, tags: {envbench:env: dev-alice}}
      ecs_clusters:
        - name: dev-bob
          tags: {envbench:env: dev-bob}
          services:
            - {name: app, task_definition: app:1, desired_count: 2, subnets: [dev-bob-a], security_groups: [dev-bob-app], tags: {envbench:env: dev-bob}}
  - id: "444444444444"
    roles: [{name: envbench-sandbox, trusted_by: ["999999999999"]}]
    resources:
      buckets: [{name: other-dev-bob, tags: {envbench:env: dev-bob}}]
      vpcs: [{name: other, cidr: 10.1.0.0/16, tags: {envbench:env: dev-bob}}]
`

// deletions are the successful deleting calls recorded in the account's
// CloudTrail, oldest first, as "Call id".
func deletions(t *testing.T, w *world, account string) []string {
	t.Helper()
	events, err := w.sim.Events(context.Background(), fake.EventFilter{Account: account})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range slices.Backward(events) {
		if !strings.HasPrefix(e.Name, "Delete") && e.Name != "ScheduleKeyDeletion" && e.Name != "ChangeResourceRecordSets" {
			continue
		}
		if strings.Contains(e.Record, `"errorCode"`) {
			continue
		}
		name := ""
		if len(e.Resources) > 0 {
			name = e.Resources[0].Name
		}
		out = append(out, e.Name+" "+name)
	}
	return out
}

func indexOf(t *testing.T, calls []string, prefix string) int {
	t.Helper()
	for i, c := range calls {
		if strings.HasPrefix(c, prefix) {
			return i
		}
	}
	t.Fatalf("no call %q in %q", prefix, calls)
	return -1
}

func TestSweepDeletesInDependencyOrderOnlyWhatIsTagged(t *testing.T) {
	w := newWorld(t, platformSeed, fake.Options{})
	ctx := context.Background()
	acct := w.account(t, "333333333333", "envbench-sandbox")
	if _, err := acct.Objects.PutObject(ctx, "dev-bob-scratch", "notes.txt", []byte("hi"), cloud.Condition{}); err != nil {
		t.Fatal(err)
	}
	sw := w.sweeper()
	s := must[*Sweep](t)(sw.Plan(ctx, acct, "dev-bob", "eu-west-1"))
	if s.Account != "333333333333" || s.Pending() != 13 {
		for _, it := range s.Items {
			t.Log(it.Explain(), it.Outcome)
		}
		t.Fatalf("planned %d in %s, want 13 in 333333333333", s.Pending(), s.Account)
	}
	pos := map[string]int{}
	for i, it := range s.Items {
		if _, ok := pos[it.Type]; !ok {
			pos[it.Type] = i
		}
		if it.Outcome != Planned {
			t.Errorf("%s: %s %s", it.ARN, it.Outcome, it.Reason)
		}
	}
	for _, pair := range [][2]string{
		{TypeECSService, TypeECSCluster}, {TypeDBInstance, TypeDBSubnetGrp}, {TypeDBInstance, TypeKey},
		{TypeInterface, TypeSecurityGrp}, {TypeSecurityGrp, TypeSubnet}, {TypeSubnet, TypeVPC}, {TypeDBSubnetGrp, TypeSubnet},
	} {
		if pos[pair[0]] >= pos[pair[1]] {
			t.Errorf("planned %s (at %d) after %s (at %d)", pair[0], pos[pair[0]], pair[1], pos[pair[1]])
		}
	}
	for _, want := range []string{"the interface uses the group", "the subnet is in the VPC", "the group is in the VPC", "the instance is in the subnet group", "the instance is encrypted with the key", "the service runs in the cluster"} {
		if !slices.ContainsFunc(s.Edges, func(e Edge) bool { return e.Why == want }) {
			t.Errorf("no edge %q among %+v", want, s.Edges)
		}
	}

	var told []string
	rep, err := sw.Execute(ctx, acct, s, func(it Item) { told = append(told, it.ID) })
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Clean() || len(rep.Removed) != 13 {
		for _, it := range rep.Remaining {
			t.Log(it.Explain())
		}
		t.Fatalf("removed %d, %d remain", len(rep.Removed), len(rep.Remaining))
	}
	if len(told) != 13 {
		t.Errorf("told %d items", len(told))
	}
	calls := deletions(t, w, "333333333333")
	order := [][2]string{
		{"DeleteService", "DeleteCluster"},
		{"DeleteDBInstance", "DeleteDBSubnetGroup"},
		{"DeleteDBInstance", "ScheduleKeyDeletion"},
		{"DeleteNetworkInterface", "DeleteSecurityGroup"},
		{"DeleteSecurityGroup", "DeleteSubnet"},
		{"DeleteDBSubnetGroup", "DeleteSubnet"},
		{"DeleteSubnet", "DeleteVpc"},
		{"ChangeResourceRecordSets", "DeleteHostedZone"},
		{"DeleteObject", "DeleteBucket"},
	}
	for _, o := range order {
		if indexOf(t, calls, o[0]) > indexOf(t, calls, o[1]) {
			t.Errorf("%s ran after %s: %q", o[0], o[1], calls)
		}
	}
	if k := must[cloud.Key](t)(acct.Keys.Key(ctx, "alias/dev-bob")); k.State != "PendingDeletion" {
		t.Errorf("the key is %s, not scheduled for deletion", k.State)
	}

	// What is not tagged for dev-bob, here or elsewhere, is still there.
	left := must[[]cloud.TaggedResource](t)(acct.Tagging.ResourcesByTag(ctx, TagKey, "dev-bob"))
	for _, r := range left {
		if !strings.Contains(r.ARN, ":kms:") {
			t.Errorf("still tagged for dev-bob: %s", r.ARN)
		}
	}
	if got := must[[]cloud.TaggedResource](t)(acct.Tagging.ResourcesByTag(ctx, TagKey, "dev-alice")); len(got) != 1 {
		t.Errorf("dev-alice's bucket: %+v", got)
	}
	if _, err := acct.Objects.ListObjects(ctx, "untagged-keep", ""); err != nil {
		t.Errorf("the untagged bucket: %v", err)
	}
	vpcs := must[[]cloud.VPC](t)(acct.Network.VPCs(ctx))
	if len(vpcs) != 1 || vpcs[0].Tags["Name"] != "keep" {
		t.Errorf("VPCs left %+v, want the untagged one", vpcs)
	}
	if groups := must[[]cloud.SecurityGroup](t)(acct.Network.SecurityGroups(ctx, vpcs[0].ID)); len(groups) != 1 {
		t.Errorf("the untagged VPC's groups: %+v", groups)
	}
	other := w.account(t, "444444444444", "envbench-sandbox")
	if got := must[[]cloud.TaggedResource](t)(other.Tagging.ResourcesByTag(ctx, TagKey, "dev-bob")); len(got) != 2 {
		t.Errorf("the other account's dev-bob resources: %+v", got)
	}
	if calls := deletions(t, w, "444444444444"); len(calls) != 0 {
		t.Errorf("deletions in the other account: %q", calls)
	}

	// Planning again finds only the key, already pending deletion: a
	// second sweep changes nothing.
	again := must[*Sweep](t)(sw.Plan(ctx, acct, "dev-bob", "eu-west-1"))
	rep2 := must[*Report](t)(sw.Execute(ctx, acct, again, nil))
	if len(rep2.Removed) != 0 || len(rep2.Skipped) != 1 || rep2.Skipped[0].Reason != "already pending deletion" || !rep2.Clean() {
		t.Errorf("second sweep: %+v", rep2)
	}
}

// handMade is dev-bob's leftover as in the demo: a group Bob made by hand
// and tagged, held by an untagged interface Dana made.
const handMade = `region: eu-west-1
accounts:
  - id: "333333333333"
    roles: [{name: envbench-sandbox, trusted_by: ["999999999999"]}]
    resources:
      vpcs:
        - name: bob-debug
          cidr: 10.9.0.0/16
          by: bob@acme.example
          subnets: [{name: bob-debug-a, cidr: 10.9.0.0/24, by: bob@acme.example}]
          security_groups:
            - {name: bob-debug-es, description: es, by: bob@acme.example, tags: {envbench:env: dev-bob}}
          network_interfaces:
            - {subnet: bob-debug-a, security_groups: [bob-debug-es], description: debug box, by: dana@acme.example}
people:
  - {name: Bob Lee, email: bob@acme.example, sso_role: AWSReservedSSO_SandboxDeveloper_9f8e, accounts: ["333333333333"]}
  - {name: Dana Okafor, email: dana@acme.example, sso_role: AWSReservedSSO_AdministratorAccess_5f1d}
`

func TestSweepNamesTheBlockerAndWhoMadeIt(t *testing.T) {
	w := newWorld(t, handMade, fake.Options{})
	ctx := context.Background()
	acct := w.account(t, "333333333333", "envbench-sandbox")
	sw := w.sweeper()
	s := must[*Sweep](t)(sw.Plan(ctx, acct, "dev-bob", "eu-west-1"))
	if len(s.Items) != 1 || s.Items[0].Type != TypeSecurityGrp || len(s.Items[0].HeldBy) != 1 || !strings.HasPrefix(s.Items[0].HeldBy[0], "eni-") {
		t.Fatalf("plan %+v, want the group, held by an interface", s.Items)
	}
	if dry := s.Items[0].Explain(); !strings.Contains(dry, "will be deleted; held by eni-") || !strings.Contains(dry, "(bob-debug-es)") {
		t.Errorf("dry run: %q", dry)
	}
	eni := s.Items[0].HeldBy[0]
	rep := must[*Report](t)(sw.Execute(ctx, acct, s, nil))
	if rep.Clean() || len(rep.Remaining) != 1 {
		t.Fatalf("report %+v, want the group remaining", rep)
	}
	it := rep.Remaining[0]
	if it.Outcome != Blocked || len(it.Blockers) != 1 || it.Blockers[0].ID != eni {
		t.Fatalf("%+v, want blocked by %s", it, eni)
	}
	c := it.Blockers[0].Creator
	if c == nil || c.Who != "dana@acme.example" || c.Via != "AWSReservedSSO_AdministratorAccess_5f1d" || !c.Console || c.Event != "CreateNetworkInterface" || !c.At.Equal(w.clock.Now().Truncate(time.Second)) {
		t.Fatalf("the interface's creator: %+v", c)
	}
	if it.Creator == nil || it.Creator.Who != "bob@acme.example" || it.Creator.Event != "CreateSecurityGroup" {
		t.Errorf("the group's creator: %+v", it.Creator)
	}
	want := it.Label() + " is held by " + eni + " (created by dana@acme.example via AWSReservedSSO_AdministratorAccess_5f1d in the console at 2026-12-02 08:00); it was created by bob@acme.example via AWSReservedSSO_SandboxDeveloper_9f8e in the console at 2026-12-02 08:00"
	if got := it.Explain(); got != want {
		t.Errorf("explained\n%s\nwant\n%s", got, want)
	}
	// The holder is not the sweep's to delete: it is still there.
	vpcs := must[[]cloud.VPC](t)(acct.Network.VPCs(ctx))
	if enis := must[[]cloud.NetworkInterface](t)(acct.Network.NetworkInterfaces(ctx, vpcs[0].ID)); len(enis) != 1 || enis[0].ID != eni {
		t.Errorf("interfaces %+v", enis)
	}
}

// sequence returns the values in turn, then the last one for ever.
func sequence(vs ...float64) func() float64 {
	i := 0
	return func() float64 {
		v := vs[min(i, len(vs)-1)]
		i++
		return v
	}
}

func TestSweepRetriesThrottling(t *testing.T) {
	// Every other EC2 call is throttled: the first of each pair.
	var draws []float64
	for range 100 {
		draws = append(draws, 0.1, 0.9)
	}
	w := newWorld(t, handMade, fake.Options{Rand: sequence(draws...)})
	ctx := context.Background()
	acct := w.account(t, "333333333333", "envbench-sandbox")
	// Free the group: its holder goes first, by hand.
	vpcs := must[[]cloud.VPC](t)(acct.Network.VPCs(ctx))
	enis := must[[]cloud.NetworkInterface](t)(acct.Network.NetworkInterfaces(ctx, vpcs[0].ID))
	if err := acct.Network.DeleteNetworkInterface(ctx, enis[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := w.sim.SetFault(fake.Fault{Service: "ec2", Operation: "*", Kind: fake.FaultThrottle, Rate: 0.5}); err != nil {
		t.Fatal(err)
	}
	sw := w.sweeper()
	sw.Retry = Retry{Attempts: 3, FirstDelay: 2 * time.Second, MaxDelay: 10 * time.Second}
	s := must[*Sweep](t)(sw.Plan(ctx, acct, "dev-bob", "eu-west-1"))
	rep := must[*Report](t)(sw.Execute(ctx, acct, s, nil))
	if !rep.Clean() || len(rep.Removed) != 1 || rep.Removed[0].Attempts != 2 {
		t.Fatalf("report %+v, want the group removed on its second attempt", rep)
	}
	if sleeps := w.clock.Sleeps(); len(sleeps) == 0 || slices.ContainsFunc(sleeps, func(d time.Duration) bool { return d != 2*time.Second }) {
		t.Errorf("waits %v, want 2s each (one per throttled call)", sleeps)
	}

	// Throttled on every attempt: the group remains, saying why.
	w2 := newWorld(t, handMade, fake.Options{})
	acct2 := w2.account(t, "333333333333", "envbench-sandbox")
	sw2 := w2.sweeper()
	sw2.Retry = Retry{Attempts: 3, FirstDelay: time.Second, MaxDelay: 3 * time.Second}
	s2 := must[*Sweep](t)(sw2.Plan(ctx, acct2, "dev-bob", "eu-west-1"))
	if err := w2.sim.SetFault(fake.Fault{Service: "ec2", Operation: "DeleteSecurityGroup", Kind: fake.FaultThrottle, Rate: 1}); err != nil {
		t.Fatal(err)
	}
	rep2 := must[*Report](t)(sw2.Execute(ctx, acct2, s2, nil))
	if len(rep2.Remaining) != 1 || rep2.Remaining[0].Outcome != Failed || rep2.Remaining[0].Attempts != 3 || !strings.Contains(rep2.Remaining[0].Reason, "retryable") {
		t.Fatalf("report %+v", rep2)
	}
	if got := w2.clock.Sleeps(); !slices.Equal(got, []time.Duration{time.Second, 2 * time.Second}) {
		t.Errorf("waits %v, want 1s then 2s", got)
	}
}

func TestSweepLeavesWhatIsNoLongerTagged(t *testing.T) {
	w := newWorld(t, handMade, fake.Options{})
	ctx := context.Background()
	acct := w.account(t, "333333333333", "envbench-sandbox")
	sw := w.sweeper()
	s := must[*Sweep](t)(sw.Plan(ctx, acct, "dev-bob", "eu-west-1"))
	// Between the dry run and the sweep, someone claims the group.
	if err := acct.Tagging.TagResources(ctx, []string{s.Items[0].ARN}, map[string]string{TagKey: "dev-carol"}); err != nil {
		t.Fatal(err)
	}
	rep := must[*Report](t)(sw.Execute(ctx, acct, s, nil))
	if len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0].Reason, "no longer tagged envbench:env=dev-bob") {
		t.Fatalf("report %+v", rep)
	}
	if calls := deletions(t, w, "333333333333"); len(calls) != 0 {
		t.Errorf("deleted %q", calls)
	}
	// And the sweep of one account is not executed in another.
	other := w.account(t, "333333333333", "envbench-sandbox")
	other.ID = "444444444444"
	if _, err := sw.Execute(ctx, other, s, nil); err == nil || !strings.Contains(err.Error(), "planned in account 333333333333") {
		t.Errorf("executed in another account: %v", err)
	}
}

func TestSweepProtectedDatabaseRemains(t *testing.T) {
	seed := strings.Replace(platformSeed, "kms_key: alias/dev-bob,", "kms_key: alias/dev-bob, deletion_protection: true,", 1)
	w := newWorld(t, seed, fake.Options{})
	ctx := context.Background()
	acct := w.account(t, "333333333333", "envbench-sandbox")
	sw := w.sweeper()
	s := must[*Sweep](t)(sw.Plan(ctx, acct, "dev-bob", "eu-west-1"))
	rep := must[*Report](t)(sw.Execute(ctx, acct, s, nil))
	var db *Item
	for i, it := range rep.Remaining {
		if it.Type == TypeDBInstance {
			db = &rep.Remaining[i]
		}
	}
	if db == nil || db.Outcome != Failed || db.Attempts != 1 || !strings.Contains(db.Reason, "protected") {
		t.Fatalf("the protected database: %+v", db)
	}
	// What it uses remains, held by it.
	found := false
	for _, it := range rep.Remaining {
		if it.Type == TypeDBSubnetGrp {
			found = it.Outcome == Blocked && len(it.Blockers) == 1 && it.Blockers[0].ID == "dev-bob-db"
		}
	}
	if !found {
		t.Errorf("the subnet group is not reported held by the database: %+v", rep.Remaining)
	}
}
