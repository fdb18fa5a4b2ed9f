// Package cloud is what envbench needs of an AWS account, as narrow
// interfaces with plain types and typed errors. The pipelines (teardown's
// sweep, sync, audit, drift) are written against these interfaces only; two
// packages implement them: envs/aws with aws-sdk-go-v2 against AWS or any
// AWS-compatible endpoint, and envs/fake, the simulated account of the demo
// and the tests. envs/cloud/cloudtest holds the one conformance suite both
// must pass.
//
// Each interface is the part of one AWS service the pipelines use, and no
// more. Calls take a context; errors a caller decides on are typed (see
// errors.go): NotFound, DependencyViolation, PreconditionFailed,
// AccessDenied, and Retryable for throttling, 5xx and timeouts.
package cloud

import (
	"context"
	"slices"
	"time"
)

// Target says which account to act in, and as whom: the region and,
// optionally, a role to assume. The session name is envbench-<run-id> for
// a run, so every CloudTrail event leads back to the run that caused it.
type Target struct {
	Region      string
	RoleARN     string // empty: act as the caller's own identity
	ExternalID  string // optional, for roles that require one
	SessionName string // envbench-<run-id>; required with RoleARN
}

// Connector opens an account. The real one reads the standard credential
// chain (profiles, SSO, environment variables, AWS_ENDPOINT_URL) and
// assumes the target's role; the simulated one picks the account that owns
// the role, as AWS does. Connect does no network I/O beyond what assuming
// the role needs.
type Connector interface {
	Connect(ctx context.Context, t Target) (*Account, error)
}

// Account is one account in one region, as one identity: every capability
// the pipelines use.
type Account struct {
	// ID is the 12-digit account id; Caller the identity calls are made as.
	ID     string
	Caller Caller

	Identity  Identity
	Tagging   Tagging
	Network   Network
	Databases Databases
	Keys      Keys
	Secrets   Secrets
	DNS       DNS
	Objects   Objects
	Trail     Trail

	// SubnetGroups and Containers are optional: nil where an
	// implementation has none. Teardown's sweep reports a resource it has
	// no way to delete as remaining, saying so.
	SubnetGroups SubnetGroups
	Containers   Containers
}

// Caller is an identity as STS describes it.
type Caller struct {
	Account string // 123456789012
	ARN     string // arn:aws:sts::123456789012:assumed-role/envbench-qa/envbench-20261201T101500Z-3f9a1c
	UserID  string
}

// Identity is STS.
type Identity interface {
	// CallerIdentity is GetCallerIdentity.
	CallerIdentity(ctx context.Context) (Caller, error)
	// AssumeRole checks that the caller may assume t's role and returns the
	// identity it would act as; Connect uses the same call to open an
	// account.
	AssumeRole(ctx context.Context, t Target) (Caller, error)
}

// TaggedResource is a resource the Resource Groups Tagging API returns.
type TaggedResource struct {
	ARN  string
	Tags map[string]string
}

// Tagging is the Resource Groups Tagging API, over every resource type.
type Tagging interface {
	// ResourcesByTag returns every resource of the account and region that
	// carries key=value, all pages read.
	ResourcesByTag(ctx context.Context, key, value string) ([]TaggedResource, error)
	// TagResources adds tags to resources named by ARN.
	TagResources(ctx context.Context, arns []string, tags map[string]string) error
}

// VPC is an EC2 VPC.
type VPC struct {
	ID   string
	ARN  string
	CIDR string
	Tags map[string]string
}

// Subnet is an EC2 subnet.
type Subnet struct {
	ID               string
	ARN              string
	VPCID            string
	CIDR             string
	AvailabilityZone string
	Tags             map[string]string
}

// Rule is one ingress or egress rule of a security group. Protocol -1 is
// all traffic, its ports 0.
type Rule struct {
	Protocol string // tcp, udp, icmp or -1
	FromPort int
	ToPort   int
	CIDRs    []string
}

// Same reports whether r and o are the same rule: protocol, ports and
// CIDR blocks in order.
func (r Rule) Same(o Rule) bool {
	return r.Protocol == o.Protocol && r.FromPort == o.FromPort && r.ToPort == o.ToPort && slices.Equal(r.CIDRs, o.CIDRs)
}

// DefaultEgress is the rule AWS gives every new security group of a VPC:
// all traffic out, anywhere.
func DefaultEgress() []Rule {
	return []Rule{{Protocol: "-1", CIDRs: []string{"0.0.0.0/0"}}}
}

// SecurityGroup is an EC2 security group.
type SecurityGroup struct {
	ID      string
	ARN     string
	VPCID   string
	Name    string
	Ingress []Rule
	// Egress starts as AWS's default for a group of a VPC: protocol -1 to
	// 0.0.0.0/0.
	Egress []Rule
	Tags   map[string]string
}

// NetworkInterface is an EC2 elastic network interface.
type NetworkInterface struct {
	ID             string
	SubnetID       string
	VPCID          string
	SecurityGroups []string
	Description    string
	Status         string // available, in-use
	Tags           map[string]string
}

// Network is the part of EC2 that the demo's networks use: enough to
// create them in tests and the simulation, and for teardown to delete in
// dependency order and say what blocks a deletion. Deleting a VPC that
// still has subnets or security groups, a subnet or security group that a
// network interface still uses, fails with a *DependencyViolationError.
type Network interface {
	CreateVPC(ctx context.Context, cidr string, tags map[string]string) (VPC, error)
	CreateSubnet(ctx context.Context, vpcID, cidr, zone string, tags map[string]string) (Subnet, error)
	CreateSecurityGroup(ctx context.Context, vpcID, name, description string, tags map[string]string) (SecurityGroup, error)
	AuthorizeIngress(ctx context.Context, groupID string, r Rule) error
	CreateNetworkInterface(ctx context.Context, subnetID string, groups []string, description string, tags map[string]string) (NetworkInterface, error)

	VPCs(ctx context.Context) ([]VPC, error)
	Subnets(ctx context.Context, vpcID string) ([]Subnet, error)
	SecurityGroups(ctx context.Context, vpcID string) ([]SecurityGroup, error)
	// NetworkInterfaces lists the interfaces in a VPC.
	NetworkInterfaces(ctx context.Context, vpcID string) ([]NetworkInterface, error)

	DeleteVPC(ctx context.Context, id string) error
	DeleteSubnet(ctx context.Context, id string) error
	DeleteSecurityGroup(ctx context.Context, id string) error
	DeleteNetworkInterface(ctx context.Context, id string) error
}

// The states of RDS instances and snapshots that envbench acts on.
const (
	StatusCreating  = "creating"
	StatusAvailable = "available"
	StatusModifying = "modifying"
	StatusDeleting  = "deleting"
)

// DBInstance is an RDS instance.
type DBInstance struct {
	ID                 string // the DB instance identifier
	ARN                string
	Class              string // db.t3.medium
	Engine             string // postgres
	EngineVersion      string
	AllocatedStorage   int // GiB
	Status             string
	Endpoint           string // host; empty until available
	Port               int
	SubnetGroup        string
	Encrypted          bool
	KMSKeyID           string // ARN of the key, when encrypted
	DeletionProtection bool
	Tags               map[string]string
}

// DBSnapshot is an RDS manual or automated snapshot.
type DBSnapshot struct {
	ID              string // the snapshot identifier
	ARN             string
	InstanceID      string
	Status          string
	PercentProgress int
	Encrypted       bool
	KMSKeyID        string
	Created         time.Time
	// SharedWith are the accounts the snapshot is shared with (its restore
	// attribute).
	SharedWith []string
	Tags       map[string]string
}

// NewDBInstance is what CreateInstance needs.
type NewDBInstance struct {
	ID                 string
	Class              string
	Engine             string
	EngineVersion      string
	AllocatedStorage   int
	SubnetGroup        string
	MasterUsername     string
	MasterPassword     string // never logged, journaled or recorded in CloudTrail's requestParameters
	KMSKeyID           string // empty: the account's default aws/rds key
	DeletionProtection bool
	Tags               map[string]string
}

// Restore is what RestoreInstance needs.
type Restore struct {
	// Snapshot is the identifier of a snapshot of this account, or the ARN
	// of one shared with it.
	Snapshot    string
	InstanceID  string
	Class       string
	SubnetGroup string
	Tags        map[string]string
}

// Databases is the part of RDS that sync and teardown use. Instances and
// snapshots move from creating to available; callers wait with
// WaitInstance and WaitSnapshot (PercentProgress reports a snapshot's
// progress).
// Sharing a snapshot encrypted with the account's default aws/rds key
// fails with an error matching ErrInvalidParameter, as on AWS: copy it
// under a customer managed key first. Deleting an instance with deletion
// protection fails with an error matching ErrInvalidParameter.
type Databases interface {
	CreateInstance(ctx context.Context, in NewDBInstance) (DBInstance, error)
	Instance(ctx context.Context, id string) (DBInstance, error)
	Instances(ctx context.Context) ([]DBInstance, error)
	// ModifyInstance changes the class (applied at once) and/or the
	// master password; empty values are left as they are.
	ModifyInstance(ctx context.Context, id, class, masterPassword string) (DBInstance, error)
	// DeleteInstance deletes without a final snapshot.
	DeleteInstance(ctx context.Context, id string) error

	CreateSnapshot(ctx context.Context, instanceID, snapshotID string, tags map[string]string) (DBSnapshot, error)
	// Snapshot describes a snapshot of this account by identifier, or one
	// shared with it by ARN.
	Snapshot(ctx context.Context, id string) (DBSnapshot, error)
	// Snapshots lists this account's manual snapshots of an instance (all
	// instances when instanceID is empty).
	Snapshots(ctx context.Context, instanceID string) ([]DBSnapshot, error)
	// SharedSnapshots lists the snapshots other accounts share with this
	// one.
	SharedSnapshots(ctx context.Context) ([]DBSnapshot, error)
	// CopySnapshot copies a snapshot (an identifier of this account, or
	// the ARN of a shared one) to a new identifier, encrypted with kmsKeyID.
	CopySnapshot(ctx context.Context, source, targetID, kmsKeyID string, tags map[string]string) (DBSnapshot, error)
	// ShareSnapshot lets account restore or copy the snapshot.
	ShareSnapshot(ctx context.Context, id, account string) error
	DeleteSnapshot(ctx context.Context, id string) error
	RestoreInstance(ctx context.Context, r Restore) (DBInstance, error)
}

// SubnetGroups is the part of RDS's DB subnet groups that teardown's
// sweep uses. Deleting a group an instance still uses fails with a
// *DependencyViolationError naming the instance (or, on AWS, with an error
// matching ErrInvalidParameter).
type SubnetGroups interface {
	DeleteDBSubnetGroup(ctx context.Context, name string) error
}

// Containers is the part of ECS that teardown's sweep uses. Deleting a
// cluster that still has services fails with a *DependencyViolationError
// naming them.
type Containers interface {
	// DeleteService deletes a service of a cluster, forcing its desired
	// count to zero.
	DeleteService(ctx context.Context, cluster, name string) error
	DeleteCluster(ctx context.Context, name string) error
}

// Key is a KMS key.
type Key struct {
	ID          string
	ARN         string
	Description string
	// Managed is true for AWS managed keys such as aws/rds.
	Managed bool
	State   string // Enabled, PendingDeletion
	Tags    map[string]string
}

// Grant is a KMS grant.
type Grant struct {
	ID         string
	KeyID      string
	Grantee    string // principal ARN, or an account's root ARN
	Operations []string
	Name       string
}

// Keys is the part of KMS that sync uses: a customer managed key shared
// with the target account through a grant.
type Keys interface {
	CreateKey(ctx context.Context, description string, tags map[string]string) (Key, error)
	// Key describes a key by id, ARN or alias (alias/aws/rds).
	Key(ctx context.Context, id string) (Key, error)
	CreateGrant(ctx context.Context, keyID, grantee, name string, operations []string) (Grant, error)
	Grants(ctx context.Context, keyID string) ([]Grant, error)
	RevokeGrant(ctx context.Context, keyID, grantID string) error
	// ScheduleKeyDeletion schedules deletion after days (7 to 30).
	ScheduleKeyDeletion(ctx context.Context, keyID string, days int) error
}

// Secret is a Secrets Manager secret, without its value.
type Secret struct {
	ARN  string
	Name string
	Tags map[string]string
}

// Secrets is Secrets Manager. Values never reach a log, a journal, the
// screen or a CloudTrail record.
type Secrets interface {
	// PutSecret creates the secret or stores a new value in it.
	PutSecret(ctx context.Context, name, value string, tags map[string]string) (Secret, error)
	SecretValue(ctx context.Context, name string) (string, error)
	// DeleteSecret deletes at once, without a recovery window.
	DeleteSecret(ctx context.Context, name string) error
}

// Zone is a Route 53 hosted zone.
type Zone struct {
	ID      string // the bare id, without /hostedzone/
	Name    string // with the trailing dot
	Private bool
	Tags    map[string]string
}

// Record is a Route 53 record set with plain values.
type Record struct {
	Name   string // with the trailing dot
	Type   string // A, CNAME, TXT...
	TTL    int
	Values []string
}

// The statuses of a Route 53 change.
const (
	ChangePending = "PENDING"
	ChangeInSync  = "INSYNC"
)

// DNS is the part of Route 53 that sync uses: repoint a record and wait
// until the change is in sync.
type DNS interface {
	CreateZone(ctx context.Context, name string, private bool, vpcID string, tags map[string]string) (Zone, error)
	Zones(ctx context.Context) ([]Zone, error)
	Records(ctx context.Context, zoneID string) ([]Record, error)
	// UpsertRecord creates or replaces a record and returns the change id.
	UpsertRecord(ctx context.Context, zoneID string, r Record) (string, error)
	// DeleteRecord deletes a record and returns the change id.
	DeleteRecord(ctx context.Context, zoneID string, r Record) (string, error)
	// ChangeStatus is PENDING or INSYNC.
	ChangeStatus(ctx context.Context, changeID string) (string, error)
	DeleteZone(ctx context.Context, zoneID string) error
}

// Object is an S3 object's metadata.
type Object struct {
	Key  string
	ETag string
	Size int64
}

// Condition makes a write conditional, as S3's If-None-Match and If-Match
// headers do. The zero value writes unconditionally.
type Condition struct {
	// IfNoneMatch "*" writes only when no object has the key.
	IfNoneMatch string
	// IfMatch writes only when the current object has this ETag.
	IfMatch string
}

// Objects is the part of S3 that journals and locks kept in a bucket use:
// objects with conditional writes. A write whose condition does not hold
// fails with an error matching ErrPreconditionFailed.
type Objects interface {
	CreateBucket(ctx context.Context, bucket string, tags map[string]string) error
	PutObject(ctx context.Context, bucket, key string, body []byte, c Condition) (Object, error)
	GetObject(ctx context.Context, bucket, key string) ([]byte, Object, error)
	ListObjects(ctx context.Context, bucket, prefix string) ([]Object, error)
	DeleteObject(ctx context.Context, bucket, key string) error
	// DeleteBucket deletes an empty bucket.
	DeleteBucket(ctx context.Context, bucket string) error
}

// LookupAttribute is one of CloudTrail's lookup attributes: EventName,
// Username, ResourceName, ResourceType, EventSource, ReadOnly, AccessKeyId
// or EventId.
type LookupAttribute struct {
	Key   string
	Value string
}

// Lookup is a LookupEvents request.
type Lookup struct {
	Start, End time.Time // zero: unbounded
	Attribute  *LookupAttribute
	MaxResults int    // at most 50; zero means 50
	NextToken  string // from the previous page
}

// TrailEvent is one event LookupEvents returns: its summary fields, and
// the whole record as CloudTrail's JSON (the shape of a trail file's
// Records entries).
type TrailEvent struct {
	ID       string
	Name     string // eventName
	Source   string // eventSource, e.g. rds.amazonaws.com
	Time     time.Time
	Username string
	ReadOnly bool
	// Resources are the resources the event names.
	Resources []TrailResource
	// Record is the CloudTrailEvent JSON.
	Record string
}

// TrailResource is a resource a CloudTrail event names.
type TrailResource struct {
	Type string // AWS::RDS::DBInstance
	Name string
}

// Trail is CloudTrail's LookupEvents: newest first, 50 events a page at
// most. AWS allows 2 requests a second per account and region; a faster
// caller gets a throttling error, marked retryable.
type Trail interface {
	LookupEvents(ctx context.Context, l Lookup) (events []TrailEvent, next string, err error)
}
