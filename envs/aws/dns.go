package aws

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/envbench/envbench/envs/cloud"
)

// dns is cloud.DNS on Route 53.
type dns struct {
	c   *route53.Client
	loc location
}

var _ cloud.DNS = (*dns)(nil)

func zoneRef(id string) ref { return ref{Type: "hosted zone", ID: id} }

// bareID strips Route 53's /hostedzone/ or /change/ prefix.
func bareID(id string) string { return id[strings.LastIndex(id, "/")+1:] }

func fqdn(name string) string {
	if strings.HasSuffix(name, ".") {
		return name
	}
	return name + "."
}

func (d *dns) CreateZone(ctx context.Context, name string, private bool, vpcID string, tags map[string]string) (cloud.Zone, error) {
	if private && vpcID == "" {
		return cloud.Zone{}, fmt.Errorf("create hosted zone %s: a private zone needs a VPC", name)
	}
	callerRef := make([]byte, 12)
	if _, err := rand.Read(callerRef); err != nil {
		return cloud.Zone{}, fmt.Errorf("create hosted zone %s: caller reference: %w", name, err)
	}
	in := &route53.CreateHostedZoneInput{
		Name: aws.String(fqdn(name)), CallerReference: aws.String("envbench-" + hex.EncodeToString(callerRef)),
		HostedZoneConfig: &r53types.HostedZoneConfig{PrivateZone: private, Comment: aws.String("envbench")},
	}
	if private {
		in.VPC = &r53types.VPC{VPCId: aws.String(vpcID), VPCRegion: r53types.VPCRegion(d.loc.region)}
	}
	out, err := d.c.CreateHostedZone(ctx, in)
	if err != nil {
		return cloud.Zone{}, fmt.Errorf("create hosted zone %s: %w", name, classify("route53", "CreateHostedZone", zoneRef(name), err))
	}
	z := cloud.Zone{ID: bareID(aws.ToString(out.HostedZone.Id)), Name: aws.ToString(out.HostedZone.Name), Private: private, Tags: copyTags(tags)}
	if len(tags) > 0 {
		change := &route53.ChangeTagsForResourceInput{ResourceType: r53types.TagResourceTypeHostedzone, ResourceId: aws.String(z.ID)}
		for _, k := range sortedKeys(tags) {
			change.AddTags = append(change.AddTags, r53types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
		}
		if _, err := d.c.ChangeTagsForResource(ctx, change); err != nil {
			return z, fmt.Errorf("tag hosted zone %s (%s): %w", z.Name, z.ID, classify("route53", "ChangeTagsForResource", zoneRef(z.ID), err))
		}
	}
	return z, nil
}

// tagBatchRoute53 is how many zones ListTagsForResources takes in one call.
const tagBatchRoute53 = 10

func (d *dns) Zones(ctx context.Context) ([]cloud.Zone, error) {
	var zones []cloud.Zone
	p := route53.NewListHostedZonesPaginator(d.c, &route53.ListHostedZonesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list hosted zones: %w", classify("route53", "ListHostedZones", zoneRef(""), err))
		}
		for _, z := range page.HostedZones {
			zone := cloud.Zone{ID: bareID(aws.ToString(z.Id)), Name: aws.ToString(z.Name), Tags: map[string]string{}}
			if z.Config != nil {
				zone.Private = z.Config.PrivateZone
			}
			zones = append(zones, zone)
		}
	}
	byID := make(map[string]*cloud.Zone, len(zones))
	for i := range zones {
		byID[zones[i].ID] = &zones[i]
	}
	for start := 0; start < len(zones); start += tagBatchRoute53 {
		var ids []string
		for _, z := range zones[start:min(start+tagBatchRoute53, len(zones))] {
			ids = append(ids, z.ID)
		}
		out, err := d.c.ListTagsForResources(ctx, &route53.ListTagsForResourcesInput{ResourceType: r53types.TagResourceTypeHostedzone, ResourceIds: ids})
		if err != nil {
			return nil, fmt.Errorf("read the tags of hosted zones: %w", classify("route53", "ListTagsForResources", zoneRef(ids[0]), err))
		}
		for _, set := range out.ResourceTagSets {
			if z := byID[bareID(aws.ToString(set.ResourceId))]; z != nil {
				for _, t := range set.Tags {
					z.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
				}
			}
		}
	}
	return zones, nil
}

func (d *dns) Records(ctx context.Context, zoneID string) ([]cloud.Record, error) {
	var out []cloud.Record
	p := route53.NewListResourceRecordSetsPaginator(d.c, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zoneID)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the records of hosted zone %s: %w", zoneID, classify("route53", "ListResourceRecordSets", zoneRef(zoneID), err))
		}
		for _, rs := range page.ResourceRecordSets {
			r := cloud.Record{Name: aws.ToString(rs.Name), Type: string(rs.Type), TTL: int(aws.ToInt64(rs.TTL))}
			for _, v := range rs.ResourceRecords {
				r.Values = append(r.Values, aws.ToString(v.Value))
			}
			out = append(out, r)
		}
	}
	return out, nil
}

func (d *dns) change(ctx context.Context, zoneID string, action r53types.ChangeAction, r cloud.Record) (string, error) {
	set := &r53types.ResourceRecordSet{Name: aws.String(fqdn(r.Name)), Type: r53types.RRType(r.Type), TTL: aws.Int64(int64(r.TTL))}
	for _, v := range r.Values {
		set.ResourceRecords = append(set.ResourceRecords, r53types.ResourceRecord{Value: aws.String(v)})
	}
	out, err := d.c.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(zoneID),
		ChangeBatch:  &r53types.ChangeBatch{Changes: []r53types.Change{{Action: action, ResourceRecordSet: set}}},
	})
	if err != nil {
		return "", fmt.Errorf("%s %s record %s in hosted zone %s: %w", strings.ToLower(string(action)), r.Type, r.Name, zoneID,
			classify("route53", "ChangeResourceRecordSets", zoneRef(zoneID), err))
	}
	return bareID(aws.ToString(out.ChangeInfo.Id)), nil
}

func (d *dns) UpsertRecord(ctx context.Context, zoneID string, r cloud.Record) (string, error) {
	return d.change(ctx, zoneID, r53types.ChangeActionUpsert, r)
}

func (d *dns) DeleteRecord(ctx context.Context, zoneID string, r cloud.Record) (string, error) {
	return d.change(ctx, zoneID, r53types.ChangeActionDelete, r)
}

func (d *dns) ChangeStatus(ctx context.Context, changeID string) (string, error) {
	out, err := d.c.GetChange(ctx, &route53.GetChangeInput{Id: aws.String(changeID)})
	if err != nil {
		return "", fmt.Errorf("read Route 53 change %s: %w", changeID, classify("route53", "GetChange", ref{Type: "Route 53 change", ID: changeID}, err))
	}
	return string(out.ChangeInfo.Status), nil
}

func (d *dns) DeleteZone(ctx context.Context, zoneID string) error {
	_, err := d.c.DeleteHostedZone(ctx, &route53.DeleteHostedZoneInput{Id: aws.String(zoneID)})
	if err != nil {
		return fmt.Errorf("delete hosted zone %s: %w", zoneID, classify("route53", "DeleteHostedZone", zoneRef(zoneID), err))
	}
	return nil
}
