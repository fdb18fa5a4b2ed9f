package aws

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/envbench/envbench/envs/cloud"
)

// databases is cloud.Databases on RDS.
type databases struct {
	c   *rds.Client
	loc location
}

var (
	_ cloud.Databases    = (*databases)(nil)
	_ cloud.SubnetGroups = (*databases)(nil)
)

var (
	instanceRef = func(id string) ref { return ref{Type: "DB instance", ID: id} }
	snapshotRef = func(id string) ref { return ref{Type: "DB snapshot", ID: id} }
)

func rdsTags(tags map[string]string) []rdstypes.Tag {
	var out []rdstypes.Tag
	for _, k := range sortedKeys(tags) {
		out = append(out, rdstypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}

func fromRDSTags(tags []rdstypes.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func instance(i rdstypes.DBInstance) cloud.DBInstance {
	db := cloud.DBInstance{
		ID: aws.ToString(i.DBInstanceIdentifier), ARN: aws.ToString(i.DBInstanceArn),
		Class: aws.ToString(i.DBInstanceClass), Engine: aws.ToString(i.Engine), EngineVersion: aws.ToString(i.EngineVersion),
		AllocatedStorage: int(aws.ToInt32(i.AllocatedStorage)), Status: aws.ToString(i.DBInstanceStatus),
		Encrypted: aws.ToBool(i.StorageEncrypted), KMSKeyID: aws.ToString(i.KmsKeyId),
		DeletionProtection: aws.ToBool(i.DeletionProtection), Tags: fromRDSTags(i.TagList),
	}
	if i.Endpoint != nil {
		db.Endpoint, db.Port = aws.ToString(i.Endpoint.Address), int(aws.ToInt32(i.Endpoint.Port))
	}
	if i.DBSubnetGroup != nil {
		db.SubnetGroup = aws.ToString(i.DBSubnetGroup.DBSubnetGroupName)
	}
	return db
}

// snapshot converts an RDS snapshot. A snapshot that is available is
// complete: when the response leaves its progress out (moto's do), it is
// 100%.
func snapshot(s rdstypes.DBSnapshot) cloud.DBSnapshot {
	snap := cloud.DBSnapshot{
		ID: aws.ToString(s.DBSnapshotIdentifier), ARN: aws.ToString(s.DBSnapshotArn),
		InstanceID: aws.ToString(s.DBInstanceIdentifier), Status: aws.ToString(s.Status),
		PercentProgress: int(aws.ToInt32(s.PercentProgress)), Encrypted: aws.ToBool(s.Encrypted),
		KMSKeyID: aws.ToString(s.KmsKeyId), Created: aws.ToTime(s.SnapshotCreateTime), Tags: fromRDSTags(s.TagList),
	}
	if s.PercentProgress == nil && snap.Status == cloud.StatusAvailable {
		snap.PercentProgress = 100
	}
	return snap
}

func (d *databases) CreateInstance(ctx context.Context, in cloud.NewDBInstance) (cloud.DBInstance, error) {
	req := &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String(in.ID), DBInstanceClass: aws.String(in.Class), Engine: aws.String(in.Engine),
		AllocatedStorage: aws.Int32(int32(in.AllocatedStorage)), MasterUsername: aws.String(in.MasterUsername),
		MasterUserPassword: aws.String(in.MasterPassword), StorageEncrypted: aws.Bool(true),
		DeletionProtection: aws.Bool(in.DeletionProtection), Tags: rdsTags(in.Tags),
	}
	if in.EngineVersion != "" {
		req.EngineVersion = aws.String(in.EngineVersion)
	}
	if in.SubnetGroup != "" {
		req.DBSubnetGroupName = aws.String(in.SubnetGroup)
	}
	if in.KMSKeyID != "" {
		req.KmsKeyId = aws.String(in.KMSKeyID)
	}
	out, err := d.c.CreateDBInstance(ctx, req)
	if err != nil {
		return cloud.DBInstance{}, fmt.Errorf("create DB instance %s: %w", in.ID, classify("rds", "CreateDBInstance", instanceRef(in.ID), err, in.MasterPassword))
	}
	return instance(*out.DBInstance), nil
}

func (d *databases) Instance(ctx context.Context, id string) (cloud.DBInstance, error) {
	out, err := d.c.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	if err != nil {
		return cloud.DBInstance{}, fmt.Errorf("describe DB instance %s: %w", id, classify("rds", "DescribeDBInstances", instanceRef(id), err))
	}
	if len(out.DBInstances) == 0 {
		return cloud.DBInstance{}, fmt.Errorf("rds DescribeDBInstances: %w", &cloud.NotFoundError{Type: "DB instance", ID: id})
	}
	return instance(out.DBInstances[0]), nil
}

func (d *databases) Instances(ctx context.Context) ([]cloud.DBInstance, error) {
	var out []cloud.DBInstance
	p := rds.NewDescribeDBInstancesPaginator(d.c, &rds.DescribeDBInstancesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list DB instances: %w", classify("rds", "DescribeDBInstances", instanceRef(""), err))
		}
		for _, i := range page.DBInstances {
			out = append(out, instance(i))
		}
	}
	return out, nil
}

func (d *databases) ModifyInstance(ctx context.Context, id, class, masterPassword string) (cloud.DBInstance, error) {
	if class == "" && masterPassword == "" {
		return d.Instance(ctx, id)
	}
	req := &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String(id), ApplyImmediately: aws.Bool(true)}
	if class != "" {
		req.DBInstanceClass = aws.String(class)
	}
	if masterPassword != "" {
		req.MasterUserPassword = aws.String(masterPassword)
	}
	out, err := d.c.ModifyDBInstance(ctx, req)
	if err != nil {
		return cloud.DBInstance{}, fmt.Errorf("modify DB instance %s: %w", id, classify("rds", "ModifyDBInstance", instanceRef(id), err, masterPassword))
	}
	return instance(*out.DBInstance), nil
}

func (d *databases) DeleteInstance(ctx context.Context, id string) error {
	_, err := d.c.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(id), SkipFinalSnapshot: aws.Bool(true)})
	if err != nil {
		return fmt.Errorf("delete DB instance %s: %w", id, classify("rds", "DeleteDBInstance", instanceRef(id), err))
	}
	return nil
}

// DeleteDBSubnetGroup implements cloud.SubnetGroups.
func (d *databases) DeleteDBSubnetGroup(ctx context.Context, name string) error {
	_, err := d.c.DeleteDBSubnetGroup(ctx, &rds.DeleteDBSubnetGroupInput{DBSubnetGroupName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("delete DB subnet group %s: %w", name, classify("rds", "DeleteDBSubnetGroup", ref{Type: "DB subnet group", ID: name}, err))
	}
	return nil
}

func (d *databases) CreateSnapshot(ctx context.Context, instanceID, snapshotID string, tags map[string]string) (cloud.DBSnapshot, error) {
	out, err := d.c.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{
		DBInstanceIdentifier: aws.String(instanceID), DBSnapshotIdentifier: aws.String(snapshotID), Tags: rdsTags(tags),
	})
	if err != nil {
		// A missing instance is what a NotFound here means.
		return cloud.DBSnapshot{}, fmt.Errorf("snapshot DB instance %s as %s: %w", instanceID, snapshotID, classify("rds", "CreateDBSnapshot", instanceRef(instanceID), err))
	}
	return snapshot(*out.DBSnapshot), nil
}

// own reports whether id names a snapshot of this account: an identifier,
// or an ARN with this account's id.
func (d *databases) own(id string) bool {
	return !strings.HasPrefix(id, "arn:") || accountOf(id) == d.loc.account
}

func (d *databases) Snapshot(ctx context.Context, id string) (cloud.DBSnapshot, error) {
	in := &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String(id)}
	if !d.own(id) {
		in.IncludeShared = aws.Bool(true)
	}
	out, err := d.c.DescribeDBSnapshots(ctx, in)
	if err != nil {
		return cloud.DBSnapshot{}, fmt.Errorf("describe DB snapshot %s: %w", id, classify("rds", "DescribeDBSnapshots", snapshotRef(id), err))
	}
	if len(out.DBSnapshots) == 0 {
		return cloud.DBSnapshot{}, fmt.Errorf("rds DescribeDBSnapshots: %w", &cloud.NotFoundError{Type: "DB snapshot", ID: id})
	}
	s := snapshot(out.DBSnapshots[0])
	if d.own(id) {
		if s.SharedWith, err = d.sharedWith(ctx, s.ID); err != nil {
			return cloud.DBSnapshot{}, err
		}
	}
	return s, nil
}

// sharedWith reads a snapshot's restore attribute: the accounts it is
// shared with.
func (d *databases) sharedWith(ctx context.Context, id string) ([]string, error) {
	out, err := d.c.DescribeDBSnapshotAttributes(ctx, &rds.DescribeDBSnapshotAttributesInput{DBSnapshotIdentifier: aws.String(id)})
	if err != nil {
		return nil, fmt.Errorf("read who DB snapshot %s is shared with: %w", id, classify("rds", "DescribeDBSnapshotAttributes", snapshotRef(id), err))
	}
	if out.DBSnapshotAttributesResult == nil {
		return nil, nil
	}
	var accounts []string
	for _, a := range out.DBSnapshotAttributesResult.DBSnapshotAttributes {
		if aws.ToString(a.AttributeName) == "restore" {
			accounts = append(accounts, a.AttributeValues...)
		}
	}
	return accounts, nil
}

func (d *databases) Snapshots(ctx context.Context, instanceID string) ([]cloud.DBSnapshot, error) {
	in := &rds.DescribeDBSnapshotsInput{SnapshotType: aws.String("manual")}
	if instanceID != "" {
		in.DBInstanceIdentifier = aws.String(instanceID)
	}
	list, err := d.listSnapshots(ctx, in, instanceID)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].SharedWith, err = d.sharedWith(ctx, list[i].ID); err != nil {
			return nil, err
		}
	}
	return list, nil
}

func (d *databases) SharedSnapshots(ctx context.Context) ([]cloud.DBSnapshot, error) {
	return d.listSnapshots(ctx, &rds.DescribeDBSnapshotsInput{SnapshotType: aws.String("shared"), IncludeShared: aws.Bool(true)}, "")
}

func (d *databases) listSnapshots(ctx context.Context, in *rds.DescribeDBSnapshotsInput, instanceID string) ([]cloud.DBSnapshot, error) {
	var out []cloud.DBSnapshot
	p := rds.NewDescribeDBSnapshotsPaginator(d.c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s DB snapshots: %w", aws.ToString(in.SnapshotType), classify("rds", "DescribeDBSnapshots", instanceRef(instanceID), err))
		}
		for _, s := range page.DBSnapshots {
			out = append(out, snapshot(s))
		}
	}
	return out, nil
}

func (d *databases) CopySnapshot(ctx context.Context, source, targetID, kmsKeyID string, tags map[string]string) (cloud.DBSnapshot, error) {
	in := &rds.CopyDBSnapshotInput{
		SourceDBSnapshotIdentifier: aws.String(source), TargetDBSnapshotIdentifier: aws.String(targetID), Tags: rdsTags(tags),
	}
	if kmsKeyID != "" {
		in.KmsKeyId = aws.String(kmsKeyID)
	}
	out, err := d.c.CopyDBSnapshot(ctx, in)
	if err != nil {
		return cloud.DBSnapshot{}, fmt.Errorf("copy DB snapshot %s to %s: %w", source, targetID, classify("rds", "CopyDBSnapshot", snapshotRef(source), err))
	}
	return snapshot(*out.DBSnapshot), nil
}

func (d *databases) ShareSnapshot(ctx context.Context, id, account string) error {
	_, err := d.c.ModifyDBSnapshotAttribute(ctx, &rds.ModifyDBSnapshotAttributeInput{
		DBSnapshotIdentifier: aws.String(id), AttributeName: aws.String("restore"), ValuesToAdd: []string{account},
	})
	if err != nil {
		return fmt.Errorf("share DB snapshot %s with %s: %w", id, account, classify("rds", "ModifyDBSnapshotAttribute", snapshotRef(id), err))
	}
	return nil
}

func (d *databases) DeleteSnapshot(ctx context.Context, id string) error {
	_, err := d.c.DeleteDBSnapshot(ctx, &rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: aws.String(id)})
	if err != nil {
		return fmt.Errorf("delete DB snapshot %s: %w", id, classify("rds", "DeleteDBSnapshot", snapshotRef(id), err))
	}
	return nil
}

func (d *databases) RestoreInstance(ctx context.Context, r cloud.Restore) (cloud.DBInstance, error) {
	in := &rds.RestoreDBInstanceFromDBSnapshotInput{
		DBSnapshotIdentifier: aws.String(r.Snapshot), DBInstanceIdentifier: aws.String(r.InstanceID), Tags: rdsTags(r.Tags),
	}
	if r.Class != "" {
		in.DBInstanceClass = aws.String(r.Class)
	}
	if r.SubnetGroup != "" {
		in.DBSubnetGroupName = aws.String(r.SubnetGroup)
	}
	out, err := d.c.RestoreDBInstanceFromDBSnapshot(ctx, in)
	if err != nil {
		return cloud.DBInstance{}, fmt.Errorf("restore DB instance %s from %s: %w", r.InstanceID, r.Snapshot, classify("rds", "RestoreDBInstanceFromDBSnapshot", snapshotRef(r.Snapshot), err))
	}
	return instance(*out.DBInstance), nil
}
