package fake

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/envbench/envbench/envs/cloud"
)

type instanceAttrs struct {
	Class              string    `json:"class"`
	Engine             string    `json:"engine"`
	EngineVersion      string    `json:"engineVersion"`
	Storage            int       `json:"storage"`
	SubnetGroup        string    `json:"subnetGroup"`
	KMSKey             string    `json:"kmsKey"`
	DeletionProtection bool      `json:"deletionProtection"`
	MasterUsername     string    `json:"masterUsername"`
	Pending            string    `json:"pending"` // creating or modifying, until ReadyAt
	ReadyAt            time.Time `json:"readyAt"`
	Port               int       `json:"port"`
	FromSnapshot       string    `json:"fromSnapshot,omitempty"`
}

type snapshotAttrs struct {
	InstanceID    string    `json:"instance"`
	Class         string    `json:"class"`
	Engine        string    `json:"engine"`
	EngineVersion string    `json:"engineVersion"`
	Storage       int       `json:"storage"`
	Port          int       `json:"port"`
	KMSKey        string    `json:"kmsKey"`
	ReadyAt       time.Time `json:"readyAt"`
	SharedWith    []string  `json:"sharedWith"`
	Source        string    `json:"source,omitempty"` // the ARN a copy was made from
}

type subnetGroupAttrs struct {
	Description string   `json:"description"`
	Subnets     []string `json:"subnets"`
	VPCID       string   `json:"vpc"`
}

var rdsIDPattern = regexp.MustCompile(`^[a-zA-Z](?:[a-zA-Z0-9]|-(?:[a-zA-Z0-9]))*$`)

func checkRDSID(kind, id string) error {
	if len(id) == 0 || len(id) > 63 || !rdsIDPattern.MatchString(id) {
		return invalid("InvalidParameterValue", "The parameter %s is not a valid identifier: %q. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.", kind, id)
	}
	return nil
}

func (a *Account) rdsARN(kind, id string) string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:%s:%s", a.region, a.id, kind, id)
}

// progress is how far a transition of d that ends at ready has come.
func progress(now, ready time.Time, d time.Duration) int {
	if !now.Before(ready) || d <= 0 {
		return 100
	}
	p := int((d - ready.Sub(now)) * 100 / d)
	return max(0, min(99, p))
}

func (a *Account) instanceOf(r *row) (cloud.DBInstance, error) {
	var ia instanceAttrs
	if err := r.decode(&ia); err != nil {
		return cloud.DBInstance{}, err
	}
	d := cloud.DBInstance{
		ID: r.ID, ARN: r.ARN, Class: ia.Class, Engine: ia.Engine, EngineVersion: ia.EngineVersion,
		AllocatedStorage: ia.Storage, Status: cloud.StatusAvailable, Port: ia.Port, SubnetGroup: ia.SubnetGroup,
		Encrypted: true, KMSKeyID: ia.KMSKey, DeletionProtection: ia.DeletionProtection, Tags: r.Tags,
	}
	if a.sim.now().Before(ia.ReadyAt) {
		d.Status = ia.Pending
	}
	if d.Status != cloud.StatusCreating {
		sum := sha256.Sum256([]byte(r.Account + "/" + r.Region))
		d.Endpoint = fmt.Sprintf("%s.c%s.%s.rds.amazonaws.com", r.ID, hex.EncodeToString(sum[:6]), r.Region)
	}
	return d, nil
}

func (a *Account) snapshotOf(r *row) (cloud.DBSnapshot, error) {
	var sa snapshotAttrs
	if err := r.decode(&sa); err != nil {
		return cloud.DBSnapshot{}, err
	}
	now := a.sim.now()
	s := cloud.DBSnapshot{
		ID: r.ID, ARN: r.ARN, InstanceID: sa.InstanceID, Status: cloud.StatusAvailable, PercentProgress: 100,
		Encrypted: true, KMSKeyID: sa.KMSKey, Created: r.Created, SharedWith: slices.Clone(sa.SharedWith), Tags: r.Tags,
	}
	if now.Before(sa.ReadyAt) {
		s.Status = cloud.StatusCreating
		s.PercentProgress = progress(now, sa.ReadyAt, sa.ReadyAt.Sub(r.Created))
	}
	return s, nil
}

func (a *Account) instanceRow(tx *sql.Tx, id string) (*row, error) {
	r, err := getRow(tx, a.id, a.region, typeDBInstance, id)
	if err == nil && r == nil {
		err = notFound("DBInstanceNotFound", "DB instance", id)
	}
	return r, err
}

// snapshotRow finds a snapshot by identifier in this account, or by ARN
// in this account or shared with it. Another account's snapshot that is
// not shared with this one does not exist for it, as on AWS.
func (a *Account) snapshotRow(tx *sql.Tx, ref string) (*row, error) {
	if strings.HasPrefix(ref, "arn:") {
		r, err := rowByARN(tx, ref)
		if err != nil {
			return nil, err
		}
		if r != nil && r.Type == typeDBSnapshot && r.Region == a.region {
			if r.Account == a.id {
				return r, nil
			}
			var sa snapshotAttrs
			if err := r.decode(&sa); err != nil {
				return nil, err
			}
			if slices.Contains(sa.SharedWith, a.id) {
				return r, nil
			}
		}
		return nil, notFound("DBSnapshotNotFound", "DB snapshot", ref)
	}
	r, err := getRow(tx, a.id, a.region, typeDBSnapshot, ref)
	if err == nil && r == nil {
		err = notFound("DBSnapshotNotFound", "DB snapshot", ref)
	}
	return r, err
}

func instanceResponse(d cloud.DBInstance) map[string]any {
	return map[string]any{
		"dBInstanceIdentifier": d.ID, "dBInstanceArn": d.ARN, "dBInstanceClass": d.Class, "engine": d.Engine,
		"engineVersion": d.EngineVersion, "dBInstanceStatus": d.Status, "allocatedStorage": d.AllocatedStorage,
		"storageEncrypted": d.Encrypted, "kmsKeyId": d.KMSKeyID, "deletionProtection": d.DeletionProtection,
		"dBSubnetGroup": map[string]any{"dBSubnetGroupName": d.SubnetGroup}, "masterUsername": nil,
	}
}

func snapshotResponse(s cloud.DBSnapshot) map[string]any {
	return map[string]any{
		"dBSnapshotIdentifier": s.ID, "dBSnapshotArn": s.ARN, "dBInstanceIdentifier": s.InstanceID,
		"status": s.Status, "percentProgress": s.PercentProgress, "encrypted": s.Encrypted, "kmsKeyId": s.KMSKeyID,
		"snapshotType": "manual", "snapshotCreateTime": fmtTime(s.Created),
	}
}

func rdsTags(tags map[string]string) []any {
	out := []any{}
	for _, k := range sortedKeys(tags) {
		out = append(out, map[string]any{"key": k, "value": tags[k]})
	}
	return out
}

func checkPassword(p string) error {
	if len(p) < 8 || len(p) > 128 || strings.ContainsAny(p, "/@\" ") {
		return invalid("InvalidParameterValue", "The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '\"', ' ' may be used, 8 to 128 of them.")
	}
	for _, c := range p {
		if c < 0x21 || c > 0x7e {
			return invalid("InvalidParameterValue", "The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '\"', ' ' may be used, 8 to 128 of them.")
		}
	}
	return nil
}

// instanceKey resolves the key a new instance or copy is encrypted
// with: the account's aws/rds key when ref is empty; the key must be one
// this account may use.
func (a *Account) usableKey(tx *sql.Tx, ref string) (*row, error) {
	if ref == "" {
		ref = rdsDefaultAlias
	}
	k, err := a.resolveKey(tx, ref)
	if err != nil {
		return nil, apiError("KMSKeyNotAccessibleFault", cloud.ErrInvalidParameter, "The specified KMS key %s does not exist, is not enabled or you do not have permissions to access it.", ref)
	}
	why, err := usable(tx, k, a.id)
	if err != nil {
		return nil, err
	}
	if why != "" {
		return nil, apiError("KMSKeyNotAccessibleFault", cloud.ErrAccessDenied, "The specified KMS key %s does not exist, is not enabled or you do not have permissions to access it: %s.", k.ARN, why)
	}
	return k, nil
}

// subnetGroupENI makes the network interface a database holds in the
// first subnet of its group, as RDS does: it keeps the subnet from being
// deleted until the database is.
func (a *Account) subnetGroupENI(tx *sql.Tx, group, instanceID string) error {
	if group == "" {
		return nil
	}
	g, err := getRow(tx, a.id, a.region, typeSubnetGroup, group)
	if err != nil {
		return err
	}
	if g == nil {
		return notFound("DBSubnetGroupNotFoundFault", "DB subnet group", group)
	}
	var ga subnetGroupAttrs
	if err := g.decode(&ga); err != nil {
		return err
	}
	if len(ga.Subnets) == 0 {
		return nil
	}
	_, err = a.createENI(tx, ga.Subnets[0], nil, "RDSNetworkInterface", "amazon-rds:"+instanceID, nil)
	return err
}

func (a *Account) dropInstanceENIs(tx *sql.Tx, instanceID string) error {
	return a.dropENIs(tx, "amazon-rds:"+instanceID, 0)
}

// dropENIs deletes the interfaces a service made for requester, but the
// first keep of them.
func (a *Account) dropENIs(tx *sql.Tx, requester string, keep int) error {
	rows, err := listRows(tx, a.id, a.region, typeENI, "")
	if err != nil {
		return err
	}
	for _, r := range rows {
		var ea eniAttrs
		if err := r.decode(&ea); err != nil {
			return err
		}
		if ea.Requester == requester {
			if keep > 0 {
				keep--
				continue
			}
			if err := deleteRow(tx, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// CreateInstance implements cloud.Databases: the instance is creating
// for the pace's Instance duration, then available. The master password
// is checked as AWS does and never stored or recorded.
func (a *Account) CreateInstance(ctx context.Context, in cloud.NewDBInstance) (cloud.DBInstance, error) {
	var d cloud.DBInstance
	o := op{service: "rds", name: "CreateDBInstance", params: map[string]any{
		"dBInstanceIdentifier": in.ID, "dBInstanceClass": in.Class, "engine": in.Engine, "engineVersion": in.EngineVersion,
		"allocatedStorage": in.AllocatedStorage, "dBSubnetGroupName": in.SubnetGroup, "masterUsername": in.MasterUsername,
		"masterUserPassword": Hidden, "kmsKeyId": in.KMSKeyID, "storageEncrypted": true, "deletionProtection": in.DeletionProtection,
		"tags": rdsTags(in.Tags),
	}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		if err := checkRDSID("DBInstanceIdentifier", in.ID); err != nil {
			return result{}, err
		}
		if !strings.HasPrefix(in.Class, "db.") {
			return result{}, invalid("InvalidParameterValue", "Invalid DB Instance class: %s", in.Class)
		}
		port := 5432
		switch in.Engine {
		case "postgres", "aurora-postgresql":
		case "mysql", "mariadb":
			port = 3306
		default:
			return result{}, invalid("InvalidParameterValue", "Invalid DB engine: %s", in.Engine)
		}
		if in.AllocatedStorage < 20 || in.AllocatedStorage > 65536 {
			return result{}, invalid("InvalidParameterValue", "Invalid storage size for engine name %s and storage type gp3: %d", in.Engine, in.AllocatedStorage)
		}
		if in.MasterUsername == "" {
			return result{}, invalid("InvalidParameterValue", "The parameter MasterUsername must be provided and must not be blank.")
		}
		if err := checkPassword(in.MasterPassword); err != nil {
			return result{}, err
		}
		if old, err := getRow(tx, a.id, a.region, typeDBInstance, in.ID); err != nil || old != nil {
			if err == nil {
				err = apiError("DBInstanceAlreadyExists", nil, "DB instance already exists")
			}
			return result{}, err
		}
		key, err := a.usableKey(tx, in.KMSKeyID)
		if err != nil {
			return result{}, err
		}
		if err := a.subnetGroupENI(tx, in.SubnetGroup, in.ID); err != nil {
			return result{}, err
		}
		now := a.sim.now()
		version := in.EngineVersion
		if version == "" {
			version = "16.4"
			if port == 3306 {
				version = "8.0.39"
			}
		}
		r := &row{Account: a.id, Region: a.region, Type: typeDBInstance, ID: in.ID, ARN: a.rdsARN("db", in.ID), Created: now, Tags: cloneTags(in.Tags)}
		ia := instanceAttrs{Class: in.Class, Engine: in.Engine, EngineVersion: version, Storage: in.AllocatedStorage, SubnetGroup: in.SubnetGroup,
			KMSKey: key.ARN, DeletionProtection: in.DeletionProtection, MasterUsername: in.MasterUsername,
			Pending: cloud.StatusCreating, ReadyAt: now.Add(a.sim.pace.Instance), Port: port}
		if err := putRow(tx, r, ia); err != nil {
			return result{}, err
		}
		d, err = a.instanceOf(r)
		return result{response: instanceResponse(d), resources: []eventResource{{Type: typeDBInstance, Name: in.ID, ARN: r.ARN}}}, err
	})
	return d, err
}

// Instance implements cloud.Databases.
func (a *Account) Instance(ctx context.Context, id string) (cloud.DBInstance, error) {
	o := op{service: "rds", name: "DescribeDBInstances", readOnly: true, params: map[string]any{"dBInstanceIdentifier": id}}
	return one(a, ctx, o, func(tx *sql.Tx) (*row, error) { return a.instanceRow(tx, id) }, a.instanceOf)
}

// Instances implements cloud.Databases.
func (a *Account) Instances(ctx context.Context) ([]cloud.DBInstance, error) {
	return list(a, ctx, op{service: "rds", name: "DescribeDBInstances", readOnly: true}, typeDBInstance, "", a.instanceOf)
}

// InstanceChanges are the changes ModifyInstanceSettings makes; nil and
// empty fields are left as they are.
type InstanceChanges struct {
	Class              string
	AllocatedStorage   int
	DeletionProtection *bool
	MasterPassword     string
}

// ModifyInstance implements cloud.Databases.
func (a *Account) ModifyInstance(ctx context.Context, id, class, masterPassword string) (cloud.DBInstance, error) {
	return a.ModifyInstanceSettings(ctx, id, InstanceChanges{Class: class, MasterPassword: masterPassword})
}

// ModifyInstanceSettings is ModifyDBInstance, applied at once: the class,
// the storage (which may only grow), deletion protection and the master
// password. A change of class or storage leaves the instance modifying
// for the pace's Modify duration. The instance must be available.
func (a *Account) ModifyInstanceSettings(ctx context.Context, id string, c InstanceChanges) (cloud.DBInstance, error) {
	var d cloud.DBInstance
	params := map[string]any{"dBInstanceIdentifier": id, "applyImmediately": true}
	if c.Class != "" {
		params["dBInstanceClass"] = c.Class
	}
	if c.AllocatedStorage != 0 {
		params["allocatedStorage"] = c.AllocatedStorage
	}
	if c.DeletionProtection != nil {
		params["deletionProtection"] = *c.DeletionProtection
	}
	if c.MasterPassword != "" {
		params["masterUserPassword"] = Hidden
	}
	o := op{service: "rds", name: "ModifyDBInstance", params: params}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := a.instanceRow(tx, id)
		if err != nil {
			return result{}, err
		}
		var ia instanceAttrs
		if err := r.decode(&ia); err != nil {
			return result{}, err
		}
		now := a.sim.now()
		if now.Before(ia.ReadyAt) {
			return result{}, invalid("InvalidDBInstanceState", "Database instance is not in available state (it is %s).", ia.Pending)
		}
		if c.Class != "" && !strings.HasPrefix(c.Class, "db.") {
			return result{}, invalid("InvalidParameterValue", "Invalid DB Instance class: %s", c.Class)
		}
		if c.AllocatedStorage != 0 && c.AllocatedStorage < ia.Storage {
			return result{}, invalid("InvalidParameterCombination", "Invalid storage size: %d GiB is less than the current allocated storage of %d GiB; storage can only grow.", c.AllocatedStorage, ia.Storage)
		}
		if c.AllocatedStorage > 65536 {
			return result{}, invalid("InvalidParameterValue", "Invalid storage size: %d", c.AllocatedStorage)
		}
		if c.MasterPassword != "" {
			if err := checkPassword(c.MasterPassword); err != nil {
				return result{}, err
			}
		}
		resized := c.Class != "" && c.Class != ia.Class || c.AllocatedStorage != 0 && c.AllocatedStorage != ia.Storage
		if c.Class != "" {
			ia.Class = c.Class
		}
		if c.AllocatedStorage != 0 {
			ia.Storage = c.AllocatedStorage
		}
		if c.DeletionProtection != nil {
			ia.DeletionProtection = *c.DeletionProtection
		}
		if resized {
			ia.Pending, ia.ReadyAt = cloud.StatusModifying, now.Add(a.sim.pace.Modify)
		}
		r.Changed = now
		if err := putRow(tx, r, ia); err != nil {
			return result{}, err
		}
		d, err = a.instanceOf(r)
		return result{response: instanceResponse(d), resources: []eventResource{{Type: typeDBInstance, Name: id, ARN: r.ARN}}}, err
	})
	return d, err
}

// DeleteInstance implements cloud.Databases. Deletion protection holds:
// the call fails with InvalidParameterCombination, as on AWS.
func (a *Account) DeleteInstance(ctx context.Context, id string) error {
	o := op{service: "rds", name: "DeleteDBInstance", params: map[string]any{"dBInstanceIdentifier": id, "skipFinalSnapshot": true}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := a.instanceRow(tx, id)
		if err != nil {
			return result{}, err
		}
		var ia instanceAttrs
		if err := r.decode(&ia); err != nil {
			return result{}, err
		}
		if ia.DeletionProtection {
			return result{}, invalid("InvalidParameterCombination", "Cannot delete protected DB Instance, please disable deletion protection and try again.")
		}
		if err := a.dropInstanceENIs(tx, id); err != nil {
			return result{}, err
		}
		d, err := a.instanceOf(r)
		if err != nil {
			return result{}, err
		}
		d.Status = cloud.StatusDeleting
		return result{response: instanceResponse(d), resources: []eventResource{{Type: typeDBInstance, Name: id, ARN: r.ARN}}}, deleteRow(tx, r)
	})
}

func (a *Account) newSnapshot(tx *sql.Tx, id string, sa snapshotAttrs, tags map[string]string) (*row, error) {
	if err := checkRDSID("DBSnapshotIdentifier", id); err != nil {
		return nil, err
	}
	if old, err := getRow(tx, a.id, a.region, typeDBSnapshot, id); err != nil || old != nil {
		if err == nil {
			err = apiError("DBSnapshotAlreadyExists", nil, "Cannot create the snapshot because a snapshot with the identifier %s already exists.", id)
		}
		return nil, err
	}
	now := a.sim.now()
	sa.ReadyAt = now.Add(a.sim.pace.Snapshot)
	sa.SharedWith = nil
	r := &row{Account: a.id, Region: a.region, Type: typeDBSnapshot, ID: id, ARN: a.rdsARN("snapshot", id), Parent: sa.InstanceID, Created: now, Tags: cloneTags(tags)}
	return r, putRow(tx, r, sa)
}

// CreateSnapshot implements cloud.Databases: the instance must be
// available; the snapshot is creating for the pace's Snapshot duration,
// encrypted with the instance's key.
func (a *Account) CreateSnapshot(ctx context.Context, instanceID, snapshotID string, tags map[string]string) (cloud.DBSnapshot, error) {
	var s cloud.DBSnapshot
	o := op{service: "rds", name: "CreateDBSnapshot", params: map[string]any{"dBInstanceIdentifier": instanceID, "dBSnapshotIdentifier": snapshotID, "tags": rdsTags(tags)}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		ir, err := a.instanceRow(tx, instanceID)
		if err != nil {
			return result{}, err
		}
		var ia instanceAttrs
		if err := ir.decode(&ia); err != nil {
			return result{}, err
		}
		if a.sim.now().Before(ia.ReadyAt) {
			return result{}, invalid("InvalidDBInstanceState", "Cannot create a snapshot because the database instance %s is not currently in the available state.", instanceID)
		}
		r, err := a.newSnapshot(tx, snapshotID, snapshotAttrs{InstanceID: instanceID, Class: ia.Class, Engine: ia.Engine, EngineVersion: ia.EngineVersion, Storage: ia.Storage, Port: ia.Port, KMSKey: ia.KMSKey}, tags)
		if err != nil {
			return result{}, err
		}
		s, err = a.snapshotOf(r)
		return result{response: snapshotResponse(s), resources: []eventResource{{Type: typeDBSnapshot, Name: snapshotID, ARN: r.ARN}, {Type: typeDBInstance, Name: instanceID, ARN: ir.ARN}}}, err
	})
	return s, err
}

// Snapshot implements cloud.Databases.
func (a *Account) Snapshot(ctx context.Context, id string) (cloud.DBSnapshot, error) {
	o := op{service: "rds", name: "DescribeDBSnapshots", readOnly: true, params: map[string]any{"dBSnapshotIdentifier": id}}
	return one(a, ctx, o, func(tx *sql.Tx) (*row, error) { return a.snapshotRow(tx, id) }, a.snapshotOf)
}

// Snapshots implements cloud.Databases.
func (a *Account) Snapshots(ctx context.Context, instanceID string) ([]cloud.DBSnapshot, error) {
	params := map[string]any{"snapshotType": "manual"}
	if instanceID != "" {
		params["dBInstanceIdentifier"] = instanceID
	}
	return list(a, ctx, op{service: "rds", name: "DescribeDBSnapshots", readOnly: true, params: params}, typeDBSnapshot, instanceID, a.snapshotOf)
}

// SharedSnapshots implements cloud.Databases: the snapshots of other
// accounts shared with this one, and only with this one they are shared
// with.
func (a *Account) SharedSnapshots(ctx context.Context) ([]cloud.DBSnapshot, error) {
	var out []cloud.DBSnapshot
	o := op{service: "rds", name: "DescribeDBSnapshots", readOnly: true, params: map[string]any{"snapshotType": "shared", "includeShared": true}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		rows, err := tx.Query(`SELECT `+rowColumns+` FROM resources WHERE type = ? AND region = ? AND account != ? ORDER BY created, rowid`, typeDBSnapshot, a.region, a.id)
		if err != nil {
			return result{}, err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRow(rows)
			if err != nil {
				return result{}, err
			}
			var sa snapshotAttrs
			if err := r.decode(&sa); err != nil {
				return result{}, err
			}
			if slices.Contains(sa.SharedWith, a.id) {
				s, err := a.snapshotOf(r)
				if err != nil {
					return result{}, err
				}
				out = append(out, s)
			}
		}
		return result{}, rows.Err()
	})
	return out, err
}

// CopySnapshot implements cloud.Databases. The source (an identifier of
// this account, or the ARN of a snapshot shared with it) must be
// available and its key usable by this account; kmsKeyID (required for
// a shared snapshot) must be this account's key or one granted to it.
func (a *Account) CopySnapshot(ctx context.Context, source, targetID, kmsKeyID string, tags map[string]string) (cloud.DBSnapshot, error) {
	var s cloud.DBSnapshot
	o := op{service: "rds", name: "CopyDBSnapshot", params: map[string]any{"sourceDBSnapshotIdentifier": source, "targetDBSnapshotIdentifier": targetID, "kmsKeyId": kmsKeyID, "tags": rdsTags(tags)}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		src, err := a.snapshotRow(tx, source)
		if err != nil {
			return result{}, err
		}
		var sa snapshotAttrs
		if err := src.decode(&sa); err != nil {
			return result{}, err
		}
		if a.sim.now().Before(sa.ReadyAt) {
			return result{}, invalid("InvalidDBSnapshotState", "Snapshot %s is not in available state.", source)
		}
		srcKey, err := rowByARN(tx, sa.KMSKey)
		if err != nil {
			return result{}, err
		}
		if srcKey == nil {
			return result{}, apiError("KMSKeyNotAccessibleFault", cloud.ErrInvalidParameter, "The key %s of snapshot %s no longer exists.", sa.KMSKey, source)
		}
		if why, err := usable(tx, srcKey, a.id); err != nil || why != "" {
			if err == nil {
				err = apiError("KMSKeyNotAccessibleFault", cloud.ErrAccessDenied, "The source snapshot KMS key [%s] does not exist, is not enabled or you do not have permissions to access it: %s.", sa.KMSKey, why)
			}
			return result{}, err
		}
		key := srcKey
		if kmsKeyID != "" {
			if key, err = a.usableKey(tx, kmsKeyID); err != nil {
				return result{}, err
			}
		} else if src.Account != a.id {
			return result{}, invalid("InvalidParameterValue", "KmsKeyId is required to copy the encrypted snapshot %s shared by account %s.", source, src.Account)
		}
		sa.KMSKey, sa.Source = key.ARN, src.ARN
		r, err := a.newSnapshot(tx, targetID, sa, tags)
		if err != nil {
			return result{}, err
		}
		s, err = a.snapshotOf(r)
		return result{response: snapshotResponse(s), resources: []eventResource{{Type: typeDBSnapshot, Name: targetID, ARN: r.ARN}, {Type: typeDBSnapshot, Name: src.ID, ARN: src.ARN}}}, err
	})
	return s, err
}

// ShareSnapshot implements cloud.Databases (ModifyDBSnapshotAttribute,
// restore). A snapshot under the account's default aws/rds key cannot be
// shared: InvalidParameterValue, as on AWS.
func (a *Account) ShareSnapshot(ctx context.Context, id, account string) error {
	o := op{service: "rds", name: "ModifyDBSnapshotAttribute", params: map[string]any{"dBSnapshotIdentifier": id, "attributeName": "restore", "valuesToAdd": []any{account}}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		if !accountPattern.MatchString(account) && account != "all" {
			return result{}, invalid("InvalidParameterValue", "%q is not a valid AWS account id.", account)
		}
		r, err := a.snapshotRow(tx, id)
		if err != nil {
			return result{}, err
		}
		if r.Account != a.id {
			return result{}, notFound("DBSnapshotNotFound", "DB snapshot", id)
		}
		var sa snapshotAttrs
		if err := r.decode(&sa); err != nil {
			return result{}, err
		}
		if a.sim.now().Before(sa.ReadyAt) {
			return result{}, invalid("InvalidDBSnapshotState", "Snapshot %s is not in available state.", id)
		}
		key, err := rowByARN(tx, sa.KMSKey)
		if err != nil {
			return result{}, err
		}
		if key == nil || isManaged(key) {
			return result{}, invalid("InvalidParameterValue", "Manual snapshots encrypted with the default KMS key (aws/rds) cannot be shared. Copy the snapshot under a customer managed key, then share the copy.")
		}
		if account == "all" {
			return result{}, invalid("InvalidParameterValue", "Encrypted snapshots cannot be made public.")
		}
		if !slices.Contains(sa.SharedWith, account) {
			sa.SharedWith = append(sa.SharedWith, account)
		}
		r.Changed = a.sim.now()
		return result{
			response:  map[string]any{"dBSnapshotAttributesResult": map[string]any{"dBSnapshotIdentifier": id, "dBSnapshotAttributes": []any{map[string]any{"attributeName": "restore", "attributeValues": anyStrings(sa.SharedWith)}}}},
			resources: []eventResource{{Type: typeDBSnapshot, Name: id, ARN: r.ARN}},
		}, putRow(tx, r, sa)
	})
}

// DeleteSnapshot implements cloud.Databases.
func (a *Account) DeleteSnapshot(ctx context.Context, id string) error {
	o := op{service: "rds", name: "DeleteDBSnapshot", params: map[string]any{"dBSnapshotIdentifier": id}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := getRow(tx, a.id, a.region, typeDBSnapshot, id)
		if err != nil {
			return result{}, err
		}
		if r == nil {
			return result{}, notFound("DBSnapshotNotFound", "DB snapshot", id)
		}
		s, err := a.snapshotOf(r)
		if err != nil {
			return result{}, err
		}
		if s.Status != cloud.StatusAvailable {
			return result{}, invalid("InvalidDBSnapshotState", "Snapshot %s is not in available state.", id)
		}
		s.Status = cloud.StatusDeleting
		return result{response: snapshotResponse(s), resources: []eventResource{{Type: typeDBSnapshot, Name: id, ARN: r.ARN}}}, deleteRow(tx, r)
	})
}

// RestoreInstance implements cloud.Databases: a new instance from a
// snapshot of this account or one shared with it, encrypted with the
// snapshot's key (which this account must be able to use), creating for
// the pace's Instance duration.
func (a *Account) RestoreInstance(ctx context.Context, rs cloud.Restore) (cloud.DBInstance, error) {
	var d cloud.DBInstance
	o := op{service: "rds", name: "RestoreDBInstanceFromDBSnapshot", params: map[string]any{"dBInstanceIdentifier": rs.InstanceID, "dBSnapshotIdentifier": rs.Snapshot, "dBInstanceClass": rs.Class, "dBSubnetGroupName": rs.SubnetGroup, "tags": rdsTags(rs.Tags)}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		if err := checkRDSID("DBInstanceIdentifier", rs.InstanceID); err != nil {
			return result{}, err
		}
		src, err := a.snapshotRow(tx, rs.Snapshot)
		if err != nil {
			return result{}, err
		}
		var sa snapshotAttrs
		if err := src.decode(&sa); err != nil {
			return result{}, err
		}
		if a.sim.now().Before(sa.ReadyAt) {
			return result{}, invalid("InvalidDBSnapshotState", "Snapshot %s is not in available state.", rs.Snapshot)
		}
		key, err := rowByARN(tx, sa.KMSKey)
		if err != nil {
			return result{}, err
		}
		if key == nil {
			return result{}, apiError("KMSKeyNotAccessibleFault", cloud.ErrInvalidParameter, "The key %s of snapshot %s no longer exists.", sa.KMSKey, rs.Snapshot)
		}
		if why, err := usable(tx, key, a.id); err != nil || why != "" {
			if err == nil {
				err = apiError("KMSKeyNotAccessibleFault", cloud.ErrAccessDenied, "The specified KMS key [%s] does not exist, is not enabled or you do not have permissions to access it: %s.", sa.KMSKey, why)
			}
			return result{}, err
		}
		if old, err := getRow(tx, a.id, a.region, typeDBInstance, rs.InstanceID); err != nil || old != nil {
			if err == nil {
				err = apiError("DBInstanceAlreadyExists", nil, "DB instance already exists")
			}
			return result{}, err
		}
		class := rs.Class
		if class == "" {
			class = sa.Class
		} else if !strings.HasPrefix(class, "db.") {
			return result{}, invalid("InvalidParameterValue", "Invalid DB Instance class: %s", class)
		}
		if err := a.subnetGroupENI(tx, rs.SubnetGroup, rs.InstanceID); err != nil {
			return result{}, err
		}
		now := a.sim.now()
		r := &row{Account: a.id, Region: a.region, Type: typeDBInstance, ID: rs.InstanceID, ARN: a.rdsARN("db", rs.InstanceID), Created: now, Tags: cloneTags(rs.Tags)}
		ia := instanceAttrs{Class: class, Engine: sa.Engine, EngineVersion: sa.EngineVersion, Storage: sa.Storage, SubnetGroup: rs.SubnetGroup,
			KMSKey: key.ARN, Pending: cloud.StatusCreating, ReadyAt: now.Add(a.sim.pace.Instance), Port: sa.Port, FromSnapshot: src.ARN}
		if err := putRow(tx, r, ia); err != nil {
			return result{}, err
		}
		d, err = a.instanceOf(r)
		return result{response: instanceResponse(d), resources: []eventResource{{Type: typeDBInstance, Name: rs.InstanceID, ARN: r.ARN}, {Type: typeDBSnapshot, Name: src.ID, ARN: src.ARN}}}, err
	})
	return d, err
}

// DBSubnetGroup is an RDS DB subnet group.
type DBSubnetGroup struct {
	Name        string
	ARN         string
	Description string
	VPCID       string
	SubnetIDs   []string
	Tags        map[string]string
}

func subnetGroupOf(r *row) (DBSubnetGroup, error) {
	var ga subnetGroupAttrs
	err := r.decode(&ga)
	return DBSubnetGroup{Name: r.ID, ARN: r.ARN, Description: ga.Description, VPCID: ga.VPCID, SubnetIDs: ga.Subnets, Tags: r.Tags}, err
}

// checkSubnetGroup checks that the subnets exist, in one VPC, covering
// two availability zones, as RDS requires.
func (a *Account) checkSubnetGroup(tx *sql.Tx, subnets []string) (string, error) {
	if len(subnets) == 0 {
		return "", invalid("InvalidParameterValue", "A DB subnet group needs at least one subnet.")
	}
	vpc := ""
	zones := map[string]bool{}
	for _, id := range subnets {
		r, err := getRow(tx, a.id, a.region, typeSubnet, id)
		if err != nil {
			return "", err
		}
		if r == nil {
			return "", invalid("InvalidSubnet", "Subnet %s does not exist.", id)
		}
		if vpc != "" && r.Parent != vpc {
			return "", invalid("InvalidParameterValue", "The subnets of a DB subnet group must be in one VPC: %s is in %s, not %s.", id, r.Parent, vpc)
		}
		vpc = r.Parent
		var sa subnetAttrs
		if err := r.decode(&sa); err != nil {
			return "", err
		}
		zones[sa.Zone] = true
	}
	if len(zones) < 2 {
		return "", invalid("DBSubnetGroupDoesNotCoverEnoughAZs", "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: %s. Add subnets to cover at least 2 AZs.", strings.Join(sortedKeys(zones), ", "))
	}
	return vpc, nil
}

// CreateDBSubnetGroup creates a DB subnet group of subnets in one VPC and
// at least two availability zones.
func (a *Account) CreateDBSubnetGroup(ctx context.Context, name, description string, subnetIDs []string, tags map[string]string) (DBSubnetGroup, error) {
	var g DBSubnetGroup
	o := op{service: "rds", name: "CreateDBSubnetGroup", params: map[string]any{"dBSubnetGroupName": name, "dBSubnetGroupDescription": description, "subnetIds": anyStrings(subnetIDs), "tags": rdsTags(tags)}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		if name == "" || len(name) > 255 || strings.ToLower(name) != name || name == "default" {
			return result{}, invalid("InvalidParameterValue", "%q is not a valid DB subnet group name: lowercase letters, digits, periods, underscores, spaces and hyphens, not \"default\".", name)
		}
		if old, err := getRow(tx, a.id, a.region, typeSubnetGroup, name); err != nil || old != nil {
			if err == nil {
				err = apiError("DBSubnetGroupAlreadyExists", nil, "The DB subnet group '%s' already exists.", name)
			}
			return result{}, err
		}
		vpc, err := a.checkSubnetGroup(tx, subnetIDs)
		if err != nil {
			return result{}, err
		}
		r := &row{Account: a.id, Region: a.region, Type: typeSubnetGroup, ID: name, ARN: a.rdsARN("subgrp", name), Parent: vpc, Created: a.sim.now(), Tags: cloneTags(tags)}
		if err := putRow(tx, r, subnetGroupAttrs{Description: description, Subnets: slices.Clone(subnetIDs), VPCID: vpc}); err != nil {
			return result{}, err
		}
		g, err = subnetGroupOf(r)
		return result{response: map[string]any{"dBSubnetGroupName": name, "dBSubnetGroupArn": r.ARN, "vpcId": vpc, "subnetGroupStatus": "Complete"}, resources: []eventResource{{Type: typeSubnetGroup, Name: name, ARN: r.ARN}}}, err
	})
	return g, err
}

func (a *Account) subnetGroupRow(tx *sql.Tx, name string) (*row, error) {
	r, err := getRow(tx, a.id, a.region, typeSubnetGroup, name)
	if err == nil && r == nil {
		err = notFound("DBSubnetGroupNotFoundFault", "DB subnet group", name)
	}
	return r, err
}

// DBSubnetGroup describes a DB subnet group.
func (a *Account) DBSubnetGroup(ctx context.Context, name string) (DBSubnetGroup, error) {
	o := op{service: "rds", name: "DescribeDBSubnetGroups", readOnly: true, params: map[string]any{"dBSubnetGroupName": name}}
	return one(a, ctx, o, func(tx *sql.Tx) (*row, error) { return a.subnetGroupRow(tx, name) }, subnetGroupOf)
}

// ModifyDBSubnetGroup replaces a DB subnet group's description and
// subnets.
func (a *Account) ModifyDBSubnetGroup(ctx context.Context, name, description string, subnetIDs []string) (DBSubnetGroup, error) {
	var g DBSubnetGroup
	o := op{service: "rds", name: "ModifyDBSubnetGroup", params: map[string]any{"dBSubnetGroupName": name, "dBSubnetGroupDescription": description, "subnetIds": anyStrings(subnetIDs)}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := a.subnetGroupRow(tx, name)
		if err != nil {
			return result{}, err
		}
		vpc, err := a.checkSubnetGroup(tx, subnetIDs)
		if err != nil {
			return result{}, err
		}
		if vpc != r.Parent {
			return result{}, invalid("InvalidParameterValue", "The new subnets are in %s; the DB subnet group %s is in %s.", vpc, name, r.Parent)
		}
		r.Changed = a.sim.now()
		if err := putRow(tx, r, subnetGroupAttrs{Description: description, Subnets: slices.Clone(subnetIDs), VPCID: vpc}); err != nil {
			return result{}, err
		}
		g, err = subnetGroupOf(r)
		return result{resources: []eventResource{{Type: typeSubnetGroup, Name: name, ARN: r.ARN}}}, err
	})
	return g, err
}

// DeleteDBSubnetGroup deletes a DB subnet group no instance uses.
func (a *Account) DeleteDBSubnetGroup(ctx context.Context, name string) error {
	o := op{service: "rds", name: "DeleteDBSubnetGroup", params: map[string]any{"dBSubnetGroupName": name}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := a.subnetGroupRow(tx, name)
		if err != nil {
			return result{}, err
		}
		instances, err := listRows(tx, a.id, a.region, typeDBInstance, "")
		if err != nil {
			return result{}, err
		}
		for _, ir := range instances {
			var ia instanceAttrs
			if err := ir.decode(&ia); err != nil {
				return result{}, err
			}
			if ia.SubnetGroup == name {
				return result{}, &codedError{Code: "InvalidDBSubnetGroupStateFault", Err: &cloud.DependencyViolationError{Resource: name, BlockedBy: []string{ir.ID}, Message: "Cannot delete the subnet group '" + name + "' because at least one database instance: " + ir.ID + " is still using it."}}
			}
		}
		return result{resources: []eventResource{{Type: typeSubnetGroup, Name: name, ARN: r.ARN}}}, deleteRow(tx, r)
	})
}
