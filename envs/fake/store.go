package fake

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"
)

// The kinds of resources the simulation stores, with the CloudTrail
// resource type of each.
const (
	typeVPC         = "AWS::EC2::VPC"
	typeSubnet      = "AWS::EC2::Subnet"
	typeSG          = "AWS::EC2::SecurityGroup"
	typeENI         = "AWS::EC2::NetworkInterface"
	typeDBInstance  = "AWS::RDS::DBInstance"
	typeDBSnapshot  = "AWS::RDS::DBSnapshot"
	typeSubnetGroup = "AWS::RDS::DBSubnetGroup"
	typeKey         = "AWS::KMS::Key"
	typeGrant       = "AWS::KMS::Grant"
	typeSecret      = "AWS::SecretsManager::Secret"
	typeZone        = "AWS::Route53::HostedZone"
	typeRecord      = "AWS::Route53::RecordSet"
	typeChange      = "AWS::Route53::Change"
	typeBucket      = "AWS::S3::Bucket"
	typeCluster     = "AWS::ECS::Cluster"
	typeService     = "AWS::ECS::Service"
)

// globalRegion holds the resources of global services (Route 53, S3
// bucket names), which every region of an account sees.
const globalRegion = "global"

// row is one stored resource: the attributes are the JSON of a
// type-specific struct.
type row struct {
	Account, Region, Type, ID string
	ARN, Parent               string
	Created, Changed          time.Time
	Attrs                     []byte
	Tags                      map[string]string
}

func (r *row) decode(v any) error {
	if err := json.Unmarshal(r.Attrs, v); err != nil {
		return fmt.Errorf("read stored %s %s: %w", r.Type, r.ID, err)
	}
	return nil
}

const rowColumns = `account, region, type, id, arn, parent, created, changed, attrs, tags`

func scanRow(sc interface{ Scan(...any) error }) (*row, error) {
	var r row
	var created, changed int64
	var attrs, tags string
	if err := sc.Scan(&r.Account, &r.Region, &r.Type, &r.ID, &r.ARN, &r.Parent, &created, &changed, &attrs, &tags); err != nil {
		return nil, err
	}
	r.Created, r.Changed = time.Unix(0, created).UTC(), time.Unix(0, changed).UTC()
	r.Attrs = []byte(attrs)
	if err := json.Unmarshal([]byte(tags), &r.Tags); err != nil {
		return nil, fmt.Errorf("read tags of %s %s: %w", r.Type, r.ID, err)
	}
	if r.Tags == nil {
		r.Tags = map[string]string{}
	}
	return &r, nil
}

// put inserts or replaces r, with attrs marshalled from v.
func putRow(tx *sql.Tx, r *row, v any) error {
	attrs, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store %s %s: %w", r.Type, r.ID, err)
	}
	r.Attrs = attrs
	if r.Tags == nil {
		r.Tags = map[string]string{}
	}
	tags, _ := json.Marshal(r.Tags)
	if r.Changed.IsZero() {
		r.Changed = r.Created
	}
	_, err = tx.Exec(`INSERT INTO resources (`+rowColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account, region, type, id) DO UPDATE SET arn = excluded.arn, parent = excluded.parent,
		changed = excluded.changed, attrs = excluded.attrs, tags = excluded.tags`,
		r.Account, r.Region, r.Type, r.ID, r.ARN, r.Parent, r.Created.UnixNano(), r.Changed.UnixNano(), string(attrs), string(tags))
	if err != nil {
		return fmt.Errorf("store %s %s: %w", r.Type, r.ID, err)
	}
	return nil
}

func setTags(tx *sql.Tx, r *row) error {
	tags, _ := json.Marshal(r.Tags)
	_, err := tx.Exec(`UPDATE resources SET tags = ? WHERE account = ? AND region = ? AND type = ? AND id = ?`,
		string(tags), r.Account, r.Region, r.Type, r.ID)
	return err
}

// getRow reads one resource; nil when there is none.
func getRow(tx *sql.Tx, account, region, typ, id string) (*row, error) {
	r, err := scanRow(tx.QueryRow(`SELECT `+rowColumns+` FROM resources WHERE account = ? AND region = ? AND type = ? AND id = ?`, account, region, typ, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", typ, id, err)
	}
	return r, nil
}

// rowByARN reads the resource with that ARN, in any account.
func rowByARN(tx *sql.Tx, arn string) (*row, error) {
	r, err := scanRow(tx.QueryRow(`SELECT `+rowColumns+` FROM resources WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", arn, err)
	}
	return r, nil
}

// listRows lists the resources of a type, of one parent when parent is
// not empty, oldest first.
func listRows(tx *sql.Tx, account, region, typ, parent string) ([]*row, error) {
	q := `SELECT ` + rowColumns + ` FROM resources WHERE account = ? AND region = ? AND type = ?`
	args := []any{account, region, typ}
	if parent != "" {
		q += ` AND parent = ?`
		args = append(args, parent)
	}
	rows, err := tx.Query(q+` ORDER BY created, rowid`, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", typ, err)
	}
	defer rows.Close()
	var out []*row
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", typ, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func deleteRow(tx *sql.Tx, r *row) error {
	_, err := tx.Exec(`DELETE FROM resources WHERE account = ? AND region = ? AND type = ? AND id = ?`, r.Account, r.Region, r.Type, r.ID)
	if err != nil {
		return fmt.Errorf("delete %s %s: %w", r.Type, r.ID, err)
	}
	return nil
}

// nextSerial counts up a counter kept in the database: identifiers are
// derived from it, so a fresh simulation given the same calls makes the
// same identifiers (golden screens depend on that).
func nextSerial(tx *sql.Tx) (uint64, error) {
	var v string
	err := tx.QueryRow(`UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'serial' RETURNING value`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := tx.Exec(`INSERT INTO meta (key, value) VALUES ('serial', '1')`); err != nil {
			return 0, fmt.Errorf("count identifiers: %w", err)
		}
		return 1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("count identifiers: %w", err)
	}
	return strconv.ParseUint(v, 10, 64)
}

// token returns n lowercase hex digits unique to this call.
func token(tx *sql.Tx, n int) (string, error) {
	serial, err := nextSerial(tx)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte("envbench-sim/" + strconv.FormatUint(serial, 10)))
	h := hex.EncodeToString(sum[:])
	for len(h) < n {
		h += h
	}
	return h[:n], nil
}

// uuid returns a version-4-shaped UUID unique to this call.
func uuid(tx *sql.Tx) (string, error) {
	h, err := token(tx, 32)
	if err != nil {
		return "", err
	}
	return uuidOf(h), nil
}

func uuidOf(h string) string {
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// uuidPair returns two UUIDs from one serial: an event's and its
// request's.
func uuidPair(tx *sql.Tx) (string, string, error) {
	h, err := token(tx, 64)
	if err != nil {
		return "", "", err
	}
	return uuidOf(h[:32]), uuidOf(h[32:]), nil
}

// upperToken is n characters of [A-Z0-9], for Route 53 and trail file
// names.
func upperToken(tx *sql.Tx, n int) (string, error) {
	h, err := token(tx, n)
	if err != nil {
		return "", err
	}
	return strings.ToUpper(h), nil
}

func cloneTags(t map[string]string) map[string]string {
	out := make(map[string]string, len(t))
	maps.Copy(out, t)
	return out
}
