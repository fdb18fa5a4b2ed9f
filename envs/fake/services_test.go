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

func TestDependencyViolations(t *testing.T) {
	s, clk := testSim(t)
	ctx := context.Background()
	a := connect(t, s, "333333333333")
	vpc := must[cloud.VPC](t)(a.CreateVPC(ctx, "10.100.0.0/20", map[string]string{"envbench:env": "dev-alice"}))
	if !strings.HasPrefix(vpc.ARN, "arn:aws:ec2:eu-west-1:333333333333:vpc/vpc-") {
		t.Errorf("VPC ARN %s", vpc.ARN)
	}
	sa := must[cloud.Subnet](t)(a.CreateSubnet(ctx, vpc.ID, "10.100.0.0/24", "eu-west-1a", nil))
	sb := must[cloud.Subnet](t)(a.CreateSubnet(ctx, vpc.ID, "10.100.1.0/24", "eu-west-1b", nil))
	sg := must[cloud.SecurityGroup](t)(a.CreateSecurityGroup(ctx, vpc.ID, "orders", "the service", nil))
	eni := must[cloud.NetworkInterface](t)(a.CreateNetworkInterface(ctx, sa.ID, []string{sg.ID}, "left over", nil))

	for _, c := range []struct {
		name  string
		cidr  string
		code  string
		vpcID string
	}{
		{"overlap", "10.100.0.128/25", "InvalidSubnet.Conflict", vpc.ID},
		{"outside", "10.200.0.0/24", "InvalidSubnet.Range", vpc.ID},
		{"no vpc", "10.100.2.0/24", "InvalidVpcID.NotFound", "vpc-0000"},
	} {
		if _, err := a.CreateSubnet(ctx, c.vpcID, c.cidr, "", nil); err == nil || !strings.Contains(err.Error(), c.code) {
			t.Errorf("subnet %s: %v, want %s", c.name, err, c.code)
		}
	}

	blocked := func(err error, resource string, by ...string) {
		t.Helper()
		var dv *cloud.DependencyViolationError
		if !errors.As(err, &dv) || !errors.Is(err, cloud.ErrDependencyViolation) {
			t.Fatalf("delete %s: %v, want a DependencyViolation", resource, err)
		}
		if dv.Resource != resource || !slices.Equal(dv.BlockedBy, by) || !strings.Contains(err.Error(), "DependencyViolation") && !strings.Contains(err.Error(), "InvalidDBSubnetGroupStateFault") {
			t.Errorf("delete %s: %+v, want blocked by %v", resource, dv, by)
		}
	}
	blocked(a.DeleteSecurityGroup(ctx, sg.ID), sg.ID, eni.ID)
	blocked(a.DeleteSubnet(ctx, sa.ID), sa.ID, eni.ID)
	blocked(a.DeleteVPC(ctx, vpc.ID), vpc.ID, sa.ID, sb.ID, sg.ID)

	// A database's interface holds its subnet until the database goes.
	must[DBSubnetGroup](t)(a.CreateDBSubnetGroup(ctx, "orders", "orders db", []string{sb.ID, sa.ID}, nil))
	if _, err := a.CreateDBSubnetGroup(ctx, "one-zone", "x", []string{sa.ID}, nil); err == nil || !strings.Contains(err.Error(), "DBSubnetGroupDoesNotCoverEnoughAZs") {
		t.Errorf("a one-zone subnet group: %v", err)
	}
	in := newDB("orders")
	in.SubnetGroup = "orders"
	must[cloud.DBInstance](t)(a.CreateInstance(ctx, in))
	enis := must[[]cloud.NetworkInterface](t)(a.NetworkInterfaces(ctx, vpc.ID))
	if len(enis) != 2 || enis[1].Status != "in-use" || enis[1].SubnetID != sb.ID {
		t.Fatalf("interfaces %+v", enis)
	}
	blocked(a.DeleteSubnet(ctx, sb.ID), sb.ID, enis[1].ID)
	if err := a.DeleteNetworkInterface(ctx, enis[1].ID); err == nil {
		t.Error("the database's interface deletes")
	}
	blocked(a.DeleteDBSubnetGroup(ctx, "orders"), "orders", "orders")
	clk.Advance(time.Minute)
	if err := a.DeleteInstance(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	// Now in dependency order everything goes.
	for _, step := range []func() error{
		func() error { return a.DeleteDBSubnetGroup(ctx, "orders") },
		func() error { return a.DeleteNetworkInterface(ctx, eni.ID) },
		func() error { return a.DeleteSecurityGroup(ctx, sg.ID) },
		func() error { return a.DeleteSubnet(ctx, sa.ID) },
		func() error { return a.DeleteSubnet(ctx, sb.ID) },
		func() error { return a.DeleteVPC(ctx, vpc.ID) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	var nf *cloud.NotFoundError
	if err := a.DeleteVPC(ctx, vpc.ID); !errors.As(err, &nf) {
		t.Errorf("deleting a deleted VPC: %v", err)
	}
}

func TestIngressRules(t *testing.T) {
	s, _ := testSim(t)
	ctx := context.Background()
	a := connect(t, s, "222222222222")
	vpc := must[cloud.VPC](t)(a.CreateVPC(ctx, "10.10.0.0/16", nil))
	sg := must[cloud.SecurityGroup](t)(a.CreateSecurityGroup(ctx, vpc.ID, "db", "database", nil))
	rule := cloud.Rule{Protocol: "tcp", FromPort: 5432, ToPort: 5432, CIDRs: []string{"10.10.0.0/16"}}
	if err := a.AuthorizeIngress(ctx, sg.ID, rule); err != nil {
		t.Fatal(err)
	}
	if err := a.AuthorizeIngress(ctx, sg.ID, rule); err == nil || !strings.Contains(err.Error(), "InvalidPermission.Duplicate") {
		t.Errorf("a duplicate rule: %v", err)
	}
	if err := a.AuthorizeIngress(ctx, sg.ID, cloud.Rule{Protocol: "tcp", FromPort: 10, ToPort: 5}); err == nil {
		t.Error("an inverted port range is accepted")
	}
	if _, err := a.CreateSecurityGroup(ctx, vpc.ID, "db", "again", nil); err == nil || !strings.Contains(err.Error(), "InvalidGroup.Duplicate") {
		t.Errorf("a duplicate group name: %v", err)
	}
	got := must[cloud.SecurityGroup](t)(a.SecurityGroup(ctx, sg.ID))
	if len(got.Ingress) != 1 || !got.Ingress[0].Same(rule) {
		t.Errorf("ingress %+v", got.Ingress)
	}
	if err := a.RevokeIngress(ctx, sg.ID, rule); err != nil {
		t.Fatal(err)
	}
	if got = must[cloud.SecurityGroup](t)(a.SecurityGroup(ctx, sg.ID)); len(got.Ingress) != 0 {
		t.Errorf("after revoke: %+v", got.Ingress)
	}
}

// TestEgressRules: a new group allows all traffic out, as on AWS; its
// egress is the account's, changed and recorded in CloudTrail as ingress
// is, and an egress revoked to nothing stays empty.
func TestEgressRules(t *testing.T) {
	s, _ := testSim(t)
	ctx := context.Background()
	a := connect(t, s, "222222222222")
	vpc := must[cloud.VPC](t)(a.CreateVPC(ctx, "10.10.0.0/16", nil))
	sg := must[cloud.SecurityGroup](t)(a.CreateSecurityGroup(ctx, vpc.ID, "app", "the app", nil))
	all := cloud.Rule{Protocol: "-1", CIDRs: []string{"0.0.0.0/0"}}
	egress := func() []cloud.Rule {
		t.Helper()
		return must[cloud.SecurityGroup](t)(a.SecurityGroup(ctx, sg.ID)).Egress
	}
	if got := egress(); len(got) != 1 || !got[0].Same(all) || len(sg.Egress) != 1 {
		t.Errorf("a new group's egress %+v (created with %+v), want all traffic out", got, sg.Egress)
	}
	if err := a.AuthorizeEgress(ctx, sg.ID, all); err == nil || !strings.Contains(err.Error(), "InvalidPermission.Duplicate") {
		t.Errorf("the default rule again: %v", err)
	}
	https := cloud.Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: []string{"0.0.0.0/0"}}
	if err := a.RevokeEgress(ctx, sg.ID, all); err != nil {
		t.Fatal(err)
	}
	if got := egress(); got == nil || len(got) != 0 {
		t.Errorf("egress revoked to nothing reads %#v, want empty", got)
	}
	if err := a.RevokeEgress(ctx, sg.ID, all); err == nil || !strings.Contains(err.Error(), "InvalidPermission.NotFound") {
		t.Errorf("revoking a revoked rule: %v", err)
	}
	if err := a.AuthorizeEgress(ctx, sg.ID, https); err != nil {
		t.Fatal(err)
	}
	if got := egress(); len(got) != 1 || !got[0].Same(https) {
		t.Errorf("egress %+v, want only %+v", got, https)
	}
	if got := must[cloud.SecurityGroup](t)(a.SecurityGroup(ctx, sg.ID)).Ingress; len(got) != 0 {
		t.Errorf("an egress rule reached ingress: %+v", got)
	}
	ev := must[[]RecordedEvent](t)(s.Events(ctx, EventFilter{Name: "AuthorizeSecurityGroupEgress"}))
	// Newest first: the rule authorized, then the duplicate refused.
	if len(ev) != 2 || !strings.Contains(ev[0].Record, `"fromPort":443`) || !strings.Contains(ev[0].Record, sg.ID) || !strings.Contains(ev[1].Record, `"errorCode":"InvalidPermission.Duplicate"`) {
		t.Errorf("AuthorizeSecurityGroupEgress events %+v", ev)
	}
	if ev := must[[]RecordedEvent](t)(s.Events(ctx, EventFilter{Name: "RevokeSecurityGroupEgress"})); len(ev) != 2 || !strings.Contains(ev[0].Record, `"errorCode":"InvalidPermission.NotFound"`) {
		t.Errorf("RevokeSecurityGroupEgress events, newest first, the failed one with its error: %+v", ev)
	}

	// A group stored before egress was kept reads with AWS's default.
	if _, err := s.db.Exec(`UPDATE resources SET attrs = json_remove(attrs, '$.egress') WHERE id = ?`, sg.ID); err != nil {
		t.Fatal(err)
	}
	if got := egress(); len(got) != 1 || !got[0].Same(all) {
		t.Errorf("a group stored without egress reads %+v, want all traffic out", got)
	}
}

func TestDNSChangesAndZones(t *testing.T) {
	s, clk := testSim(t)
	ctx := context.Background()
	a := connect(t, s, "222222222222")
	vpc := must[cloud.VPC](t)(a.CreateVPC(ctx, "10.10.0.0/16", nil))
	if _, err := a.CreateZone(ctx, "qa.acme.internal", true, "", nil); err == nil {
		t.Error("a private zone without a VPC is created")
	}
	z := must[cloud.Zone](t)(a.CreateZone(ctx, "qa.acme.internal", true, vpc.ID, map[string]string{"envbench:env": "qa"}))
	if z.Name != "qa.acme.internal." || !z.Private || !strings.HasPrefix(z.ID, "Z") {
		t.Errorf("zone %+v", z)
	}
	rec := cloud.Record{Name: "orders-db.qa.acme.internal", Type: "CNAME", TTL: 60, Values: []string{"orders-1.x.eu-west-1.rds.amazonaws.com"}}
	change := must[string](t)(a.UpsertRecord(ctx, z.ID, rec))
	if st := must[string](t)(a.ChangeStatus(ctx, change)); st != cloud.ChangePending {
		t.Errorf("fresh change %s, want PENDING", st)
	}
	clk.Advance(10 * time.Second)
	if st := must[string](t)(a.ChangeStatus(ctx, "/change/"+change)); st != cloud.ChangeInSync {
		t.Errorf("after the pace: %s, want INSYNC", st)
	}
	if _, err := a.UpsertRecord(ctx, z.ID, cloud.Record{Name: "x.example.com", Type: "A", TTL: 60, Values: []string{"10.0.0.1"}}); err == nil {
		t.Error("a record outside the zone is accepted")
	}
	got := must[cloud.Record](t)(a.Record(ctx, z.ID, "orders-db.qa.acme.internal.", "CNAME"))
	if got.Name != "orders-db.qa.acme.internal." || got.Values[0] != rec.Values[0] {
		t.Errorf("record %+v", got)
	}
	if len(must[[]cloud.Record](t)(a.Records(ctx, z.ID))) != 3 {
		t.Error("want NS, SOA and the CNAME")
	}
	var dv *cloud.DependencyViolationError
	if err := a.DeleteZone(ctx, z.ID); !errors.As(err, &dv) || !strings.Contains(err.Error(), "HostedZoneNotEmpty") {
		t.Errorf("deleting a zone with records: %v", err)
	}
	stale := rec
	stale.TTL = 300
	if _, err := a.DeleteRecord(ctx, z.ID, stale); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("deleting with other values: %v", err)
	}
	must[string](t)(a.DeleteRecord(ctx, z.ID, rec))
	if err := a.DeleteZone(ctx, z.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ChangeStatus(ctx, "C0000"); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("an unknown change: %v", err)
	}
}

func TestObjectsConditionalWrites(t *testing.T) {
	s, _ := testSim(t)
	ctx := context.Background()
	a, b := connect(t, s, "222222222222"), connect(t, s, "333333333333")
	if err := a.CreateBucket(ctx, "acme-envbench-state", map[string]string{"envbench:env": "qa"}); err != nil {
		t.Fatal(err)
	}
	if err := b.CreateBucket(ctx, "acme-envbench-state", nil); err == nil || !strings.Contains(err.Error(), "BucketAlreadyExists") {
		t.Errorf("another account takes the name: %v", err)
	}
	first := must[cloud.Object](t)(a.PutObject(ctx, "acme-envbench-state", "locks/qa.json", []byte(`{"holder":"run-1"}`), cloud.Condition{IfNoneMatch: "*"}))
	_, err := a.PutObject(ctx, "acme-envbench-state", "locks/qa.json", []byte(`{"holder":"run-2"}`), cloud.Condition{IfNoneMatch: "*"})
	if !errors.Is(err, cloud.ErrPreconditionFailed) {
		t.Fatalf("If-None-Match * on an existing key: %v", err)
	}
	if _, err := a.PutObject(ctx, "acme-envbench-state", "locks/qa.json", []byte("x"), cloud.Condition{IfMatch: `"stale"`}); !errors.Is(err, cloud.ErrPreconditionFailed) {
		t.Errorf("If-Match with a stale ETag: %v", err)
	}
	second := must[cloud.Object](t)(a.PutObject(ctx, "acme-envbench-state", "locks/qa.json", []byte(`{"holder":"run-3"}`), cloud.Condition{IfMatch: first.ETag}))
	body, obj, err := a.GetObject(ctx, "acme-envbench-state", "locks/qa.json")
	if err != nil || string(body) != `{"holder":"run-3"}` || obj.ETag != second.ETag || obj.Size != int64(len(body)) {
		t.Errorf("get: %q %+v %v", body, obj, err)
	}
	if _, _, err := a.GetObject(ctx, "acme-envbench-state", "nope"); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("a missing key: %v", err)
	}
	if _, _, err := b.GetObject(ctx, "acme-envbench-state", "locks/qa.json"); !errors.Is(err, cloud.ErrAccessDenied) {
		t.Errorf("another account reads: %v", err)
	}
	if got := must[[]cloud.Object](t)(a.ListObjects(ctx, "acme-envbench-state", "locks/")); len(got) != 1 {
		t.Errorf("list %+v", got)
	}
	if err := a.DeleteBucket(ctx, "acme-envbench-state"); !errors.Is(err, cloud.ErrDependencyViolation) {
		t.Errorf("deleting a full bucket: %v", err)
	}
	if err := a.PutBucketTags(ctx, "acme-envbench-state", map[string]string{"team": "qa"}); err != nil {
		t.Fatal(err)
	}
	if tags := must[map[string]string](t)(a.BucketTags(ctx, "acme-envbench-state")); len(tags) != 1 || tags["team"] != "qa" {
		t.Errorf("bucket tags %v", tags)
	}
	if err := a.DeleteObject(ctx, "acme-envbench-state", "locks/qa.json"); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteBucket(ctx, "acme-envbench-state"); err != nil {
		t.Fatal(err)
	}
}

func TestTaggingEveryType(t *testing.T) {
	s, clk := testSim(t)
	ctx := context.Background()
	a := connect(t, s, "222222222222")
	tags := map[string]string{"envbench:env": "qa"}
	vpc := must[cloud.VPC](t)(a.CreateVPC(ctx, "10.10.0.0/16", tags))
	sa := must[cloud.Subnet](t)(a.CreateSubnet(ctx, vpc.ID, "10.10.0.0/24", "eu-west-1a", tags))
	sb := must[cloud.Subnet](t)(a.CreateSubnet(ctx, vpc.ID, "10.10.1.0/24", "eu-west-1b", tags))
	sg := must[cloud.SecurityGroup](t)(a.CreateSecurityGroup(ctx, vpc.ID, "db", "db", tags))
	grp := must[DBSubnetGroup](t)(a.CreateDBSubnetGroup(ctx, "orders", "db", []string{sa.ID, sb.ID}, tags))
	in := newDB("orders-qa")
	in.Tags, in.SubnetGroup = tags, "orders"
	db := must[cloud.DBInstance](t)(a.CreateInstance(ctx, in))
	clk.Advance(time.Minute)
	snap := must[cloud.DBSnapshot](t)(a.CreateSnapshot(ctx, "orders-qa", "orders-qa-1", tags))
	key := must[cloud.Key](t)(a.CreateKey(ctx, "qa", tags))
	secret := must[cloud.Secret](t)(a.PutSecret(ctx, "qa/orders/master", "pw-1234567", tags))
	zone := must[cloud.Zone](t)(a.CreateZone(ctx, "qa.acme.internal", true, vpc.ID, tags))
	if err := a.CreateBucket(ctx, "acme-qa-assets", tags); err != nil {
		t.Fatal(err)
	}
	cluster := must[ECSCluster](t)(a.CreateCluster(ctx, "qa", tags))
	svc := must[ECSService](t)(a.CreateService(ctx, NewECSService{Cluster: "qa", Name: "orders", TaskDefinition: "orders:3", DesiredCount: 2, Subnets: []string{sa.ID}, SecurityGroups: []string{sg.ID}, Tags: tags}))
	// Another environment's resource is not returned.
	must[cloud.VPC](t)(a.CreateVPC(ctx, "10.30.0.0/16", map[string]string{"envbench:env": "sales-demo"}))

	want := []string{vpc.ARN, sa.ARN, sb.ARN, sg.ARN, grp.ARN, db.ARN, snap.ARN, key.ARN, secret.ARN, "arn:aws:route53:::hostedzone/" + zone.ID, "arn:aws:s3:::acme-qa-assets", cluster.ARN, svc.ARN}
	slices.Sort(want)
	var got []string
	for _, r := range must[[]cloud.TaggedResource](t)(a.ResourcesByTag(ctx, "envbench:env", "qa")) {
		got = append(got, r.ARN)
	}
	if !slices.Equal(got, want) {
		t.Errorf("tagged:\n got %v\nwant %v", got, want)
	}
	for _, arn := range []string{
		"arn:aws:ec2:eu-west-1:222222222222:vpc/", "arn:aws:ec2:eu-west-1:222222222222:subnet/subnet-", "arn:aws:ec2:eu-west-1:222222222222:security-group/sg-",
		"arn:aws:rds:eu-west-1:222222222222:subgrp:orders", "arn:aws:rds:eu-west-1:222222222222:db:orders-qa", "arn:aws:rds:eu-west-1:222222222222:snapshot:orders-qa-1",
		"arn:aws:kms:eu-west-1:222222222222:key/", "arn:aws:secretsmanager:eu-west-1:222222222222:secret:qa/orders/master-",
		"arn:aws:ecs:eu-west-1:222222222222:cluster/qa", "arn:aws:ecs:eu-west-1:222222222222:service/qa/orders",
	} {
		if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, arn) }) {
			t.Errorf("no ARN shaped %s…", arn)
		}
	}
	if err := a.TagResources(ctx, []string{db.ARN, zone2ARN(zone)}, map[string]string{"owner": "qa-team"}); err != nil {
		t.Fatal(err)
	}
	if tg := must[map[string]string](t)(a.Tags(ctx, db.ARN)); tg["owner"] != "qa-team" || tg["envbench:env"] != "qa" {
		t.Errorf("tags %v", tg)
	}
	if err := a.UntagResources(ctx, []string{db.ARN}, []string{"owner"}); err != nil {
		t.Fatal(err)
	}
	if tg := must[map[string]string](t)(a.Tags(ctx, db.ARN)); tg["owner"] != "" {
		t.Errorf("after untag %v", tg)
	}
	if err := a.TagResources(ctx, []string{"arn:aws:ec2:eu-west-1:222222222222:vpc/vpc-none"}, map[string]string{"x": "y"}); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("tagging a missing resource: %v", err)
	}
	if err := a.TagResources(ctx, []string{db.ARN}, map[string]string{"aws:x": "y"}); err == nil {
		t.Error("an aws: tag is accepted")
	}
	other := connect(t, s, "333333333333")
	if got := must[[]cloud.TaggedResource](t)(other.ResourcesByTag(ctx, "envbench:env", "qa")); len(got) != 0 {
		t.Errorf("another account sees %v", got)
	}
}

func zone2ARN(z cloud.Zone) string { return "arn:aws:route53:::hostedzone/" + z.ID }

func TestECSAndKeys(t *testing.T) {
	s, _ := testSim(t)
	ctx := context.Background()
	a := connect(t, s, "222222222222")
	must[ECSCluster](t)(a.CreateCluster(ctx, "qa", nil))
	if _, err := a.CreateService(ctx, NewECSService{Cluster: "nope", Name: "orders", TaskDefinition: "orders:1"}); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("a service in a missing cluster: %v", err)
	}
	must[ECSService](t)(a.CreateService(ctx, NewECSService{Cluster: "qa", Name: "orders", TaskDefinition: "orders:1", DesiredCount: 1}))
	svc := must[ECSService](t)(a.UpdateService(ctx, "qa", "orders", 3, "orders:2"))
	if svc.DesiredCount != 3 || svc.TaskDefinition != "orders:2" {
		t.Errorf("updated %+v", svc)
	}
	if err := a.DeleteCluster(ctx, "qa"); !errors.Is(err, cloud.ErrDependencyViolation) {
		t.Errorf("deleting a cluster with services: %v", err)
	}
	if err := a.DeleteService(ctx, "qa", "orders"); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteCluster(ctx, "qa"); err != nil {
		t.Fatal(err)
	}

	k := must[cloud.Key](t)(a.CreateKey(ctx, "first", nil))
	if err := a.UpdateKeyDescription(ctx, k.ID, "second"); err != nil {
		t.Fatal(err)
	}
	if err := a.SetKeyRotation(ctx, k.ARN, true); err != nil {
		t.Fatal(err)
	}
	if ks := must[KeySettings](t)(a.KeySettings(ctx, k.ID)); ks != (KeySettings{Description: "second", Rotation: true}) {
		t.Errorf("settings %+v", ks)
	}
	for _, days := range []int{6, 31} {
		if err := a.ScheduleKeyDeletion(ctx, k.ID, days); !errors.Is(err, cloud.ErrInvalidParameter) {
			t.Errorf("%d days: %v", days, err)
		}
	}
	if err := a.ScheduleKeyDeletion(ctx, k.ID, 7); err != nil {
		t.Fatal(err)
	}
	if got := must[cloud.Key](t)(a.Key(ctx, k.ID)); got.State != "PendingDeletion" {
		t.Errorf("state %s", got.State)
	}
	if err := a.ScheduleKeyDeletion(ctx, "alias/aws/rds", 7); !errors.Is(err, cloud.ErrInvalidParameter) {
		t.Errorf("deleting aws/rds: %v", err)
	}
	if _, err := a.Key(ctx, "alias/none"); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("a missing alias: %v", err)
	}
}

func TestSecrets(t *testing.T) {
	s, _ := testSim(t)
	ctx := context.Background()
	a := connect(t, s, "222222222222")
	first := must[cloud.Secret](t)(a.PutSecret(ctx, "qa/orders/master", "first-value-1", nil))
	second := must[cloud.Secret](t)(a.PutSecret(ctx, "qa/orders/master", "second-value-2", nil))
	if first.ARN != second.ARN || !strings.HasPrefix(first.ARN, "arn:aws:secretsmanager:eu-west-1:222222222222:secret:qa/orders/master-") {
		t.Errorf("ARNs %s %s", first.ARN, second.ARN)
	}
	if v := must[string](t)(a.SecretValue(ctx, first.ARN)); v != "second-value-2" {
		t.Errorf("value %q", v)
	}
	if err := a.DeleteSecret(ctx, "qa/orders/master"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SecretValue(ctx, "qa/orders/master"); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("a deleted secret: %v", err)
	}
}

func TestSetTagsRecordsTheServicesCall(t *testing.T) {
	s, _ := testSim(t)
	ctx := context.Background()
	a := connect(t, s, "222222222222")
	vpc := must[cloud.VPC](t)(a.CreateVPC(ctx, "10.10.0.0/16", map[string]string{"envbench:env": "qa", "old": "x"}))
	db := must[cloud.DBInstance](t)(a.CreateInstance(ctx, newDB("orders")))
	if err := a.SetTags(ctx, vpc.ARN, map[string]string{"envbench:env": "qa", "team": "qa"}); err != nil {
		t.Fatal(err)
	}
	if err := a.SetTags(ctx, db.ARN, map[string]string{"team": "qa"}); err != nil {
		t.Fatal(err)
	}
	if got := must[map[string]string](t)(a.Tags(ctx, vpc.ARN)); len(got) != 2 || got["team"] != "qa" || got["old"] != "" {
		t.Errorf("vpc tags %v", got)
	}
	var names []string
	for _, e := range must[[]RecordedEvent](t)(s.Events(ctx, EventFilter{Account: "222222222222", Limit: 4})) {
		names = append(names, e.Source+" "+e.Name)
	}
	want := []string{"tagging.amazonaws.com GetResources", "rds.amazonaws.com AddTagsToResource", "ec2.amazonaws.com DeleteTags", "ec2.amazonaws.com CreateTags"}
	if !slices.Equal(names, want) {
		t.Errorf("events %v, want %v", names, want)
	}
	if err := a.SetTags(ctx, "arn:aws:ec2:eu-west-1:222222222222:vpc/vpc-none", nil); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("a missing resource: %v", err)
	}
}

func TestServiceTasksHoldTheirGroups(t *testing.T) {
	s, _ := testSim(t)
	ctx := context.Background()
	a := connect(t, s, "222222222222")
	vpc := must[cloud.VPC](t)(a.CreateVPC(ctx, "10.10.0.0/16", nil))
	sn := must[cloud.Subnet](t)(a.CreateSubnet(ctx, vpc.ID, "10.10.0.0/24", "", nil))
	sg := must[cloud.SecurityGroup](t)(a.CreateSecurityGroup(ctx, vpc.ID, "orders", "service", nil))
	must[ECSCluster](t)(a.CreateCluster(ctx, "qa", nil))
	must[ECSService](t)(a.CreateService(ctx, NewECSService{Cluster: "qa", Name: "orders", TaskDefinition: "orders:1", DesiredCount: 2, Subnets: []string{sn.ID}, SecurityGroups: []string{sg.ID}}))
	count := func() int {
		t.Helper()
		return len(must[[]cloud.NetworkInterface](t)(a.NetworkInterfaces(ctx, vpc.ID)))
	}
	if n := count(); n != 2 {
		t.Fatalf("%d interfaces for 2 tasks", n)
	}
	var dv *cloud.DependencyViolationError
	if err := a.DeleteSecurityGroup(ctx, sg.ID); !errors.As(err, &dv) || len(dv.BlockedBy) != 2 {
		t.Errorf("deleting the running service's group: %v", err)
	}
	must[ECSService](t)(a.UpdateService(ctx, "qa", "orders", 1, ""))
	if n := count(); n != 1 {
		t.Errorf("%d interfaces for 1 task", n)
	}
	must[ECSService](t)(a.UpdateService(ctx, "qa", "orders", 3, ""))
	if n := count(); n != 3 {
		t.Errorf("%d interfaces for 3 tasks", n)
	}
	if err := a.DeleteService(ctx, "qa", "orders"); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Errorf("%d interfaces once the service is gone", n)
	}
	if err := a.DeleteSecurityGroup(ctx, sg.ID); err != nil {
		t.Error(err)
	}
}
