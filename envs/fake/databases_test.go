package fake

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/envs/cloud"
)

func newDB(id string) cloud.NewDBInstance {
	return cloud.NewDBInstance{ID: id, Class: "db.t4g.micro", Engine: "postgres", AllocatedStorage: 20, MasterUsername: "orders", MasterPassword: "s3cret-Pa55word"}
}

func TestInstanceAndSnapshotPace(t *testing.T) {
	s, clk := testSim(t)
	ctx := context.Background()
	prod := connect(t, s, "111111111111")
	d := must[cloud.DBInstance](t)(prod.CreateInstance(ctx, newDB("orders")))
	if d.Status != cloud.StatusCreating || d.Endpoint != "" {
		t.Fatalf("new instance: %s at %q, want creating without an endpoint", d.Status, d.Endpoint)
	}
	if _, err := prod.CreateSnapshot(ctx, "orders", "orders-early", nil); !errors.Is(err, cloud.ErrInvalidParameter) || !strings.Contains(err.Error(), "InvalidDBInstanceState") {
		t.Errorf("snapshot of a creating instance: %v", err)
	}
	clk.Advance(59 * time.Second)
	if d = must[cloud.DBInstance](t)(prod.Instance(ctx, "orders")); d.Status != cloud.StatusCreating {
		t.Errorf("after 59s: %s, want creating", d.Status)
	}
	clk.Advance(time.Second)
	d = must[cloud.DBInstance](t)(prod.Instance(ctx, "orders"))
	if d.Status != cloud.StatusAvailable || !strings.HasPrefix(d.Endpoint, "orders.c") || !strings.HasSuffix(d.Endpoint, ".eu-west-1.rds.amazonaws.com") || d.Port != 5432 {
		t.Errorf("after 60s: %+v, want available with an endpoint", d)
	}
	if !d.Encrypted || !strings.HasPrefix(d.KMSKeyID, "arn:aws:kms:eu-west-1:111111111111:key/") {
		t.Errorf("instance key %q, want the account's aws/rds key", d.KMSKeyID)
	}
	k := must[cloud.Key](t)(prod.Key(ctx, "alias/aws/rds"))
	if k.ARN != d.KMSKeyID || !k.Managed {
		t.Errorf("alias/aws/rds is %+v, the instance uses %s", k, d.KMSKeyID)
	}

	snap := must[cloud.DBSnapshot](t)(prod.CreateSnapshot(ctx, "orders", "orders-1", map[string]string{"envbench:run": "r1"}))
	steps := []struct {
		after   time.Duration
		status  string
		percent int
	}{{0, cloud.StatusCreating, 0}, {15 * time.Second, cloud.StatusCreating, 50}, {14 * time.Second, cloud.StatusCreating, 96}, {time.Second, cloud.StatusAvailable, 100}}
	for _, st := range steps {
		clk.Advance(st.after)
		snap = must[cloud.DBSnapshot](t)(prod.Snapshot(ctx, "orders-1"))
		if snap.Status != st.status || snap.PercentProgress != st.percent {
			t.Errorf("snapshot: %s %d%%, want %s %d%%", snap.Status, snap.PercentProgress, st.status, st.percent)
		}
	}
	if snap.KMSKeyID != d.KMSKeyID || snap.InstanceID != "orders" || snap.Tags["envbench:run"] != "r1" {
		t.Errorf("snapshot %+v", snap)
	}
}

func TestImmediatePace(t *testing.T) {
	s, err := Open(t.TempDir()+"/aws.db", Options{Pace: &Pace{}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a := must[*Account](t)(s.Account(context.Background(), cloud.Target{}))
	d := must[cloud.DBInstance](t)(a.CreateInstance(context.Background(), newDB("now")))
	if d.Status != cloud.StatusAvailable {
		t.Errorf("a zero pace: %s, want available at once", d.Status)
	}
}

// available makes an instance in a, waits for it, and snapshots it under
// key (empty: aws/rds, then the snapshot is copied under key).
func availableSnapshot(t *testing.T, a *Account, clk *clock, instance, snapshot string) cloud.DBSnapshot {
	t.Helper()
	ctx := context.Background()
	must[cloud.DBInstance](t)(a.CreateInstance(ctx, newDB(instance)))
	clk.Advance(time.Minute)
	must[cloud.DBSnapshot](t)(a.CreateSnapshot(ctx, instance, snapshot, nil))
	clk.Advance(time.Minute)
	return must[cloud.DBSnapshot](t)(a.Snapshot(ctx, snapshot))
}

func TestSnapshotSharing(t *testing.T) {
	s, clk := testSim(t)
	ctx := context.Background()
	prod, qa, sandbox := connect(t, s, "111111111111"), connect(t, s, "222222222222"), connect(t, s, "333333333333")
	snap := availableSnapshot(t, prod, clk, "orders", "orders-default")

	// The default key's snapshot cannot be shared, as on AWS.
	err := prod.ShareSnapshot(ctx, "orders-default", "222222222222")
	var ae *cloud.APIError
	if !errors.As(err, &ae) || ae.Code != "InvalidParameterValue" || !errors.Is(err, cloud.ErrInvalidParameter) || cloud.IsRetryable(err) {
		t.Fatalf("sharing a default-key snapshot: %v, want InvalidParameterValue", err)
	}

	// Copy under a customer managed key granted to qa, share the copy.
	key := must[cloud.Key](t)(prod.CreateKey(ctx, "envbench sync", nil))
	shared := must[cloud.DBSnapshot](t)(prod.CopySnapshot(ctx, snap.ID, "orders-shared", key.ARN, nil))
	if shared.Status != cloud.StatusCreating || shared.KMSKeyID != key.ARN {
		t.Errorf("copy: %+v", shared)
	}
	if err := prod.ShareSnapshot(ctx, "orders-shared", "222222222222"); !errors.Is(err, cloud.ErrInvalidParameter) {
		t.Errorf("sharing a creating snapshot: %v", err)
	}
	clk.Advance(30 * time.Second)
	if err := prod.ShareSnapshot(ctx, "orders-shared", "222222222222"); err != nil {
		t.Fatal(err)
	}
	shared = must[cloud.DBSnapshot](t)(prod.Snapshot(ctx, "orders-shared"))
	if !slices.Equal(shared.SharedWith, []string{"222222222222"}) {
		t.Errorf("shared with %v", shared.SharedWith)
	}

	// Visible to qa only.
	if got := must[[]cloud.DBSnapshot](t)(qa.SharedSnapshots(ctx)); len(got) != 1 || got[0].ARN != shared.ARN {
		t.Errorf("qa sees %+v", got)
	}
	if got := must[[]cloud.DBSnapshot](t)(sandbox.SharedSnapshots(ctx)); len(got) != 0 {
		t.Errorf("the sandbox account sees %+v", got)
	}
	if _, err := sandbox.Snapshot(ctx, shared.ARN); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("the sandbox account describes the snapshot: %v", err)
	}
	if _, err := qa.Snapshot(ctx, shared.ARN); err != nil {
		t.Errorf("qa describes the shared snapshot: %v", err)
	}
	var nf *cloud.NotFoundError
	if _, err := qa.Snapshot(ctx, "orders-shared"); !errors.As(err, &nf) {
		t.Errorf("qa describes prod's snapshot by bare id: %v", err)
	}

	// Without a grant qa cannot use the key, so it cannot copy.
	qaKey := must[cloud.Key](t)(qa.CreateKey(ctx, "qa data", nil))
	if _, err := qa.CopySnapshot(ctx, shared.ARN, "orders-qa", qaKey.ARN, nil); !errors.Is(err, cloud.ErrAccessDenied) || !strings.Contains(err.Error(), "KMSKeyNotAccessibleFault") {
		t.Fatalf("copy without a grant: %v", err)
	}
	if _, err := qa.CopySnapshot(ctx, shared.ARN, "orders-qa", "", nil); err == nil {
		t.Error("a copy of a shared encrypted snapshot without a key is accepted")
	}
	grant := must[cloud.Grant](t)(prod.CreateGrant(ctx, key.ID, "arn:aws:iam::222222222222:root", "envbench-qa", []string{"Decrypt", "DescribeKey", "CreateGrant"}))
	if gs := must[[]cloud.Grant](t)(prod.Grants(ctx, key.ID)); len(gs) != 1 || gs[0].ID != grant.ID {
		t.Errorf("grants %+v", gs)
	}
	// Re-encrypted under qa's own key.
	cp := must[cloud.DBSnapshot](t)(qa.CopySnapshot(ctx, shared.ARN, "orders-qa", qaKey.ARN, nil))
	if cp.KMSKeyID != qaKey.ARN || !strings.Contains(cp.ARN, ":222222222222:snapshot:orders-qa") {
		t.Errorf("copy in qa: %+v", cp)
	}
	if _, err := qa.RestoreInstance(ctx, cloud.Restore{Snapshot: "orders-qa", InstanceID: "orders-qa-1"}); !errors.Is(err, cloud.ErrInvalidParameter) {
		t.Errorf("restore from a creating snapshot: %v", err)
	}
	clk.Advance(30 * time.Second)
	d := must[cloud.DBInstance](t)(qa.RestoreInstance(ctx, cloud.Restore{Snapshot: "orders-qa", InstanceID: "orders-qa-1", Class: "db.t4g.small", Tags: map[string]string{"envbench:env": "qa"}}))
	if d.Status != cloud.StatusCreating || d.KMSKeyID != qaKey.ARN || d.Class != "db.t4g.small" || d.Engine != "postgres" {
		t.Errorf("restored: %+v", d)
	}
	// Restoring straight from the shared snapshot works too, with the grant.
	if _, err := qa.RestoreInstance(ctx, cloud.Restore{Snapshot: shared.ARN, InstanceID: "orders-qa-2"}); err != nil {
		t.Errorf("restore from the shared snapshot: %v", err)
	}
	// Once the grant is revoked, qa cannot.
	if err := prod.RevokeGrant(ctx, key.ID, grant.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := qa.RestoreInstance(ctx, cloud.Restore{Snapshot: shared.ARN, InstanceID: "orders-qa-3"}); !errors.Is(err, cloud.ErrAccessDenied) {
		t.Errorf("restore after the grant is revoked: %v", err)
	}
	// Another account's aws/rds key is never usable.
	prodDefault := must[cloud.Key](t)(prod.Key(ctx, "alias/aws/rds"))
	if _, err := qa.CopySnapshot(ctx, "orders-qa", "orders-qa-x", prodDefault.ARN, nil); !errors.Is(err, cloud.ErrAccessDenied) {
		t.Errorf("copy under another account's aws/rds: %v", err)
	}
}

func TestDeletionProtectionAndModify(t *testing.T) {
	s, clk := testSim(t)
	ctx := context.Background()
	prod := connect(t, s, "111111111111")
	in := newDB("orders")
	in.DeletionProtection = true
	must[cloud.DBInstance](t)(prod.CreateInstance(ctx, in))
	err := prod.DeleteInstance(ctx, "orders")
	if !errors.Is(err, cloud.ErrInvalidParameter) || !strings.Contains(err.Error(), "deletion protection") {
		t.Fatalf("deleting a protected instance: %v", err)
	}
	if _, err := prod.Instance(ctx, "orders"); err != nil {
		t.Fatalf("the protected instance is gone: %v", err)
	}
	if _, err := prod.ModifyInstance(ctx, "orders", "db.r6g.large", ""); !errors.Is(err, cloud.ErrInvalidParameter) {
		t.Errorf("modify while creating: %v", err)
	}
	clk.Advance(time.Minute)
	d := must[cloud.DBInstance](t)(prod.ModifyInstance(ctx, "orders", "db.r6g.large", "n3w-Pa55word"))
	if d.Class != "db.r6g.large" || d.Status != cloud.StatusModifying {
		t.Errorf("modified: %s %s", d.Class, d.Status)
	}
	clk.Advance(20 * time.Second)
	off := false
	if _, err := prod.ModifyInstanceSettings(ctx, "orders", InstanceChanges{AllocatedStorage: 10}); !errors.Is(err, cloud.ErrInvalidParameter) {
		t.Errorf("shrinking storage: %v", err)
	}
	d = must[cloud.DBInstance](t)(prod.ModifyInstanceSettings(ctx, "orders", InstanceChanges{DeletionProtection: &off}))
	if d.DeletionProtection || d.Status != cloud.StatusAvailable {
		t.Errorf("after turning protection off: %+v", d)
	}
	if err := prod.DeleteInstance(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	var nf *cloud.NotFoundError
	if _, err := prod.Instance(ctx, "orders"); !errors.As(err, &nf) || nf.ID != "orders" {
		t.Errorf("deleted instance: %v", err)
	}
}

func TestDatabaseValidation(t *testing.T) {
	s, _ := testSim(t)
	ctx := context.Background()
	prod := connect(t, s, "111111111111")
	cases := []struct {
		name   string
		change func(*cloud.NewDBInstance)
		code   string
	}{
		{"bad id", func(n *cloud.NewDBInstance) { n.ID = "1orders" }, "InvalidParameterValue"},
		{"double hyphen", func(n *cloud.NewDBInstance) { n.ID = "or--ders" }, "InvalidParameterValue"},
		{"bad class", func(n *cloud.NewDBInstance) { n.Class = "t3.micro" }, "InvalidParameterValue"},
		{"bad engine", func(n *cloud.NewDBInstance) { n.Engine = "oracle-ee" }, "InvalidParameterValue"},
		{"tiny storage", func(n *cloud.NewDBInstance) { n.AllocatedStorage = 5 }, "InvalidParameterValue"},
		{"short password", func(n *cloud.NewDBInstance) { n.MasterPassword = "short" }, "InvalidParameterValue"},
		{"password with @", func(n *cloud.NewDBInstance) { n.MasterPassword = "long@enough1" }, "InvalidParameterValue"},
		{"missing subnet group", func(n *cloud.NewDBInstance) { n.SubnetGroup = "nope" }, "DBSubnetGroupNotFoundFault"},
		{"missing key", func(n *cloud.NewDBInstance) { n.KMSKeyID = "alias/nope" }, "KMSKeyNotAccessibleFault"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := newDB("orders")
			c.change(&in)
			_, err := prod.CreateInstance(ctx, in)
			if err == nil || !strings.Contains(err.Error(), c.code) {
				t.Fatalf("error %v, want %s", err, c.code)
			}
			if strings.Contains(err.Error(), in.MasterPassword) {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
	must[cloud.DBInstance](t)(prod.CreateInstance(ctx, newDB("orders")))
	if _, err := prod.CreateInstance(ctx, newDB("orders")); err == nil || !strings.Contains(err.Error(), "DBInstanceAlreadyExists") {
		t.Errorf("duplicate: %v", err)
	}
}
