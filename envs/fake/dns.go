package fake

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/envbench/envbench/envs/cloud"
)

type zoneAttrs struct {
	Name    string `json:"name"`
	Private bool   `json:"private"`
	VPCID   string `json:"vpc,omitempty"`
	Comment string `json:"comment,omitempty"`
}

type changeAttrs struct {
	InSyncAt time.Time `json:"inSyncAt"`
}

// Route 53 is global: its resources are kept in globalRegion and its
// events recorded in us-east-1.

func fqdn(name string) string {
	name = strings.ToLower(name)
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

func zoneOf(r *row) (cloud.Zone, error) {
	var za zoneAttrs
	err := r.decode(&za)
	return cloud.Zone{ID: r.ID, Name: za.Name, Private: za.Private, Tags: r.Tags}, err
}

func recordID(name, typ string) string { return fqdn(name) + " " + strings.ToUpper(typ) }

func (a *Account) zoneRow(tx *sql.Tx, id string) (*row, error) {
	id = strings.TrimPrefix(id, "/hostedzone/")
	r, err := getRow(tx, a.id, globalRegion, typeZone, id)
	if err == nil && r == nil {
		err = notFound("NoSuchHostedZone", "hosted zone", id)
	}
	return r, err
}

// newChange records a change that is PENDING for the pace's DNSChange
// duration, then INSYNC.
func (a *Account) newChange(tx *sql.Tx) (string, map[string]any, error) {
	h, err := upperToken(tx, 13)
	if err != nil {
		return "", nil, err
	}
	id := "C" + h
	now := a.sim.now()
	r := &row{Account: a.id, Region: globalRegion, Type: typeChange, ID: id, Created: now}
	if err := putRow(tx, r, changeAttrs{InSyncAt: now.Add(a.sim.pace.DNSChange)}); err != nil {
		return "", nil, err
	}
	status := cloud.ChangePending
	if a.sim.pace.DNSChange <= 0 {
		status = cloud.ChangeInSync
	}
	return id, map[string]any{"id": "/change/" + id, "status": status, "submittedAt": fmtTime(now)}, nil
}

func (a *Account) putRecord(tx *sql.Tx, zone *row, rec cloud.Record) error {
	rec.Name, rec.Type = fqdn(rec.Name), strings.ToUpper(rec.Type)
	r := &row{Account: a.id, Region: globalRegion, Type: typeRecord, ID: zone.ID + "/" + recordID(rec.Name, rec.Type), Parent: zone.ID, Created: a.sim.now()}
	if old, err := getRow(tx, r.Account, r.Region, r.Type, r.ID); err != nil {
		return err
	} else if old != nil {
		r.Created = old.Created
		r.Changed = a.sim.now()
	}
	return putRow(tx, r, rec)
}

// CreateZone implements cloud.DNS. A private zone needs a VPC; the zone
// starts with its SOA and NS records, as on AWS.
func (a *Account) CreateZone(ctx context.Context, name string, private bool, vpcID string, tags map[string]string) (cloud.Zone, error) {
	var z cloud.Zone
	ref, err := a.sim.callerReference()
	if err != nil {
		return z, err
	}
	params := map[string]any{"name": name, "callerReference": ref, "hostedZoneConfig": map[string]any{"privateZone": private}}
	if vpcID != "" {
		params["vPC"] = map[string]any{"vPCRegion": a.region, "vPCId": vpcID}
	}
	o := op{service: "route53", name: "CreateHostedZone", params: params}
	err = a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		if len(name) == 0 || len(name) > 1024 || strings.Contains(strings.Trim(name, "."), "..") || strings.ContainsAny(name, " /\\") {
			return result{}, invalid("InvalidDomainName", "%q is not a domain name.", name)
		}
		if private {
			if vpcID == "" {
				return result{}, invalid("InvalidInput", "A private hosted zone needs a VPC.")
			}
			if _, err := a.vpcRow(tx, vpcID); err != nil {
				return result{}, invalid("InvalidVPCId", "The VPC %s does not exist in %s.", vpcID, a.region)
			}
		}
		h, err := upperToken(tx, 19)
		if err != nil {
			return result{}, err
		}
		id := "Z" + h
		r := &row{Account: a.id, Region: globalRegion, Type: typeZone, ID: id, ARN: "arn:aws:route53:::hostedzone/" + id, Created: a.sim.now(), Tags: cloneTags(tags)}
		if err := putRow(tx, r, zoneAttrs{Name: fqdn(name), Private: private, VPCID: vpcID}); err != nil {
			return result{}, err
		}
		ns := []string{"ns-1.awsdns-01.org.", "ns-2.awsdns-02.co.uk.", "ns-3.awsdns-03.com.", "ns-4.awsdns-04.net."}
		if err := a.putRecord(tx, r, cloud.Record{Name: name, Type: "NS", TTL: 172800, Values: ns}); err != nil {
			return result{}, err
		}
		if err := a.putRecord(tx, r, cloud.Record{Name: name, Type: "SOA", TTL: 900, Values: []string{ns[0] + " awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"}}); err != nil {
			return result{}, err
		}
		_, change, err := a.newChange(tx)
		if err != nil {
			return result{}, err
		}
		z, err = zoneOf(r)
		return result{
			response:  map[string]any{"hostedZone": map[string]any{"id": "/hostedzone/" + id, "name": fqdn(name), "config": map[string]any{"privateZone": private}}, "changeInfo": change},
			resources: []eventResource{{Type: typeZone, Name: id, ARN: r.ARN}},
		}, err
	})
	return z, err
}

func (s *Sim) callerReference() (string, error) {
	return fmt.Sprintf("envbench-%d", s.now().UnixNano()), nil
}

// Zones implements cloud.DNS.
func (a *Account) Zones(ctx context.Context) ([]cloud.Zone, error) {
	var out []cloud.Zone
	err := a.do(ctx, op{service: "route53", name: "ListHostedZones", readOnly: true}, func(tx *sql.Tx) (result, error) {
		rows, err := listRows(tx, a.id, globalRegion, typeZone, "")
		if err != nil {
			return result{}, err
		}
		for _, r := range rows {
			z, err := zoneOf(r)
			if err != nil {
				return result{}, err
			}
			out = append(out, z)
		}
		return result{}, nil
	})
	return out, err
}

// Zone describes one hosted zone (GetHostedZone).
func (a *Account) Zone(ctx context.Context, id string) (cloud.Zone, error) {
	o := op{service: "route53", name: "GetHostedZone", readOnly: true, params: map[string]any{"id": id}}
	return one(a, ctx, o, func(tx *sql.Tx) (*row, error) { return a.zoneRow(tx, id) }, zoneOf)
}

// Records implements cloud.DNS.
func (a *Account) Records(ctx context.Context, zoneID string) ([]cloud.Record, error) {
	var out []cloud.Record
	o := op{service: "route53", name: "ListResourceRecordSets", readOnly: true, params: map[string]any{"hostedZoneId": zoneID}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		z, err := a.zoneRow(tx, zoneID)
		if err != nil {
			return result{}, err
		}
		rows, err := listRows(tx, a.id, globalRegion, typeRecord, z.ID)
		if err != nil {
			return result{}, err
		}
		for _, r := range rows {
			var rec cloud.Record
			if err := r.decode(&rec); err != nil {
				return result{}, err
			}
			out = append(out, rec)
		}
		slices.SortFunc(out, func(x, y cloud.Record) int {
			return strings.Compare(x.Name+" "+x.Type, y.Name+" "+y.Type)
		})
		return result{resources: []eventResource{{Type: typeZone, Name: z.ID, ARN: z.ARN}}}, nil
	})
	return out, err
}

// Record reads one record set by name and type.
func (a *Account) Record(ctx context.Context, zoneID, name, typ string) (cloud.Record, error) {
	var rec cloud.Record
	o := op{service: "route53", name: "ListResourceRecordSets", readOnly: true, params: map[string]any{"hostedZoneId": zoneID, "startRecordName": name, "startRecordType": typ, "maxItems": "1"}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		z, err := a.zoneRow(tx, zoneID)
		if err != nil {
			return result{}, err
		}
		r, err := getRow(tx, a.id, globalRegion, typeRecord, z.ID+"/"+recordID(name, typ))
		if err != nil {
			return result{}, err
		}
		if r == nil {
			return result{}, notFound("InvalidChangeBatch", "record set", recordID(name, typ))
		}
		return result{resources: []eventResource{{Type: typeZone, Name: z.ID, ARN: z.ARN}}}, r.decode(&rec)
	})
	return rec, err
}

func changeParams(zoneID, action string, r cloud.Record) map[string]any {
	values := []any{}
	for _, v := range r.Values {
		values = append(values, map[string]any{"value": v})
	}
	return map[string]any{"hostedZoneId": zoneID, "changeBatch": map[string]any{"changes": []any{map[string]any{
		"action": action, "resourceRecordSet": map[string]any{"name": r.Name, "type": r.Type, "tTL": r.TTL, "resourceRecords": values}}}}}
}

// checkRecord checks a record set against its zone.
func checkRecord(zoneName string, r cloud.Record) error {
	name := fqdn(r.Name)
	if name != zoneName && !strings.HasSuffix(name, "."+zoneName) {
		return invalid("InvalidChangeBatch", "RRSet with DNS name %s is not permitted in zone %s", name, zoneName)
	}
	switch strings.ToUpper(r.Type) {
	case "A", "AAAA", "CNAME", "TXT", "MX", "NS", "SRV", "PTR", "CAA", "SOA":
	default:
		return invalid("InvalidChangeBatch", "Invalid record type %q", r.Type)
	}
	if len(r.Values) == 0 {
		return invalid("InvalidChangeBatch", "a record set needs at least one value")
	}
	if strings.EqualFold(r.Type, "CNAME") && (len(r.Values) != 1 || name == zoneName) {
		return invalid("InvalidChangeBatch", "RRSet of type CNAME with DNS name %s is not permitted: one value, and not at the zone's apex", name)
	}
	if r.TTL < 0 || r.TTL > 2147483647 {
		return invalid("InvalidChangeBatch", "invalid TTL %d", r.TTL)
	}
	return nil
}

// UpsertRecord implements cloud.DNS.
func (a *Account) UpsertRecord(ctx context.Context, zoneID string, r cloud.Record) (string, error) {
	return a.changeRecord(ctx, zoneID, "UPSERT", r)
}

// DeleteRecord implements cloud.DNS: the record must exist with these
// values, as Route 53 requires.
func (a *Account) DeleteRecord(ctx context.Context, zoneID string, r cloud.Record) (string, error) {
	return a.changeRecord(ctx, zoneID, "DELETE", r)
}

func (a *Account) changeRecord(ctx context.Context, zoneID, action string, rec cloud.Record) (string, error) {
	var changeID string
	o := op{service: "route53", name: "ChangeResourceRecordSets", params: changeParams(zoneID, action, rec)}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		z, err := a.zoneRow(tx, zoneID)
		if err != nil {
			return result{}, err
		}
		var za zoneAttrs
		if err := z.decode(&za); err != nil {
			return result{}, err
		}
		if err := checkRecord(za.Name, rec); err != nil {
			return result{}, err
		}
		key := z.ID + "/" + recordID(rec.Name, rec.Type)
		old, err := getRow(tx, a.id, globalRegion, typeRecord, key)
		if err != nil {
			return result{}, err
		}
		switch action {
		case "DELETE":
			var cur cloud.Record
			if old != nil {
				if err := old.decode(&cur); err != nil {
					return result{}, err
				}
			}
			if old == nil || cur.TTL != rec.TTL || !slices.Equal(cur.Values, rec.Values) {
				return result{}, &codedError{Code: "InvalidChangeBatch", Err: &cloud.NotFoundError{Type: "record set", ID: fmt.Sprintf("%s with TTL %d and values %v", recordID(rec.Name, rec.Type), rec.TTL, rec.Values)}}
			}
			if strings.EqualFold(rec.Type, "SOA") || strings.EqualFold(rec.Type, "NS") && fqdn(rec.Name) == za.Name {
				return result{}, invalid("InvalidChangeBatch", "A HostedZone must contain at least one NS record and one SOA record for the zone itself.")
			}
			if err := deleteRow(tx, old); err != nil {
				return result{}, err
			}
		default:
			rec.Name, rec.Type = fqdn(rec.Name), strings.ToUpper(rec.Type)
			if err := a.putRecord(tx, z, rec); err != nil {
				return result{}, err
			}
		}
		id, change, err := a.newChange(tx)
		changeID = id
		return result{response: map[string]any{"changeInfo": change}, resources: []eventResource{{Type: typeZone, Name: z.ID, ARN: z.ARN}}}, err
	})
	return changeID, err
}

// ChangeStatus implements cloud.DNS: PENDING until the pace's DNSChange
// duration has passed, then INSYNC.
func (a *Account) ChangeStatus(ctx context.Context, changeID string) (string, error) {
	var status string
	changeID = strings.TrimPrefix(changeID, "/change/")
	o := op{service: "route53", name: "GetChange", readOnly: true, params: map[string]any{"id": changeID}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := getRow(tx, a.id, globalRegion, typeChange, changeID)
		if err != nil {
			return result{}, err
		}
		if r == nil {
			return result{}, notFound("NoSuchChange", "change", changeID)
		}
		var ca changeAttrs
		if err := r.decode(&ca); err != nil {
			return result{}, err
		}
		status = cloud.ChangePending
		if !a.sim.now().Before(ca.InSyncAt) {
			status = cloud.ChangeInSync
		}
		return result{response: map[string]any{"changeInfo": map[string]any{"id": "/change/" + changeID, "status": status}}}, nil
	})
	return status, err
}

// DeleteZone implements cloud.DNS: a zone with records other than its
// own SOA and NS fails with HostedZoneNotEmpty.
func (a *Account) DeleteZone(ctx context.Context, zoneID string) error {
	o := op{service: "route53", name: "DeleteHostedZone", params: map[string]any{"id": zoneID}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		z, err := a.zoneRow(tx, zoneID)
		if err != nil {
			return result{}, err
		}
		var za zoneAttrs
		if err := z.decode(&za); err != nil {
			return result{}, err
		}
		rows, err := listRows(tx, a.id, globalRegion, typeRecord, z.ID)
		if err != nil {
			return result{}, err
		}
		var held []string
		for _, r := range rows {
			var rec cloud.Record
			if err := r.decode(&rec); err != nil {
				return result{}, err
			}
			if rec.Name == za.Name && (rec.Type == "SOA" || rec.Type == "NS") {
				continue
			}
			held = append(held, recordID(rec.Name, rec.Type))
		}
		if len(held) > 0 {
			return result{}, &codedError{Code: "HostedZoneNotEmpty", Err: &cloud.DependencyViolationError{Resource: z.ID, BlockedBy: held, Message: "The specified hosted zone contains non-required resource record sets and so cannot be deleted."}}
		}
		for _, r := range rows {
			if err := deleteRow(tx, r); err != nil {
				return result{}, err
			}
		}
		_, change, err := a.newChange(tx)
		if err != nil {
			return result{}, err
		}
		return result{response: map[string]any{"changeInfo": change}, resources: []eventResource{{Type: typeZone, Name: z.ID, ARN: z.ARN}}}, deleteRow(tx, z)
	})
}
