package simprovider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/envbench/envbench/envs/cloud"
)

type zoneVPCModel struct {
	VPCID     types.String `tfsdk:"vpc_id"`
	VPCRegion types.String `tfsdk:"vpc_region"`
}

type route53ZoneModel struct {
	ID           types.String   `tfsdk:"id"`
	ARN          types.String   `tfsdk:"arn"`
	ZoneID       types.String   `tfsdk:"zone_id"`
	Name         types.String   `tfsdk:"name"`
	Comment      types.String   `tfsdk:"comment"`
	ForceDestroy types.Bool     `tfsdk:"force_destroy"`
	NameServers  types.List     `tfsdk:"name_servers"`
	VPC          []zoneVPCModel `tfsdk:"vpc"`
	Tags         types.Map      `tfsdk:"tags"`
	TagsAll      types.Map      `tfsdk:"tags_all"`
}

func route53ZoneResource() resource.Resource {
	return &res[route53ZoneModel]{spec: spec[route53ZoneModel]{
		typeName: "aws_route53_zone",
		schema: schema.Schema{
			Description: "A Route 53 hosted zone of the simulated account; private with a vpc block (one VPC).",
			Attributes: tagsAttributes(map[string]schema.Attribute{
				"id":            idAttribute(),
				"arn":           computedString(),
				"zone_id":       computedString(),
				"name":          schema.StringAttribute{Required: true, PlanModifiers: requiresReplace()},
				"comment":       schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("Managed by Terraform")},
				"force_destroy": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false)},
				"name_servers":  schema.ListAttribute{Computed: true, ElementType: types.StringType, PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown()}},
			}),
			Blocks: map[string]schema.Block{
				"vpc": schema.ListNestedBlock{
					Description:   "The VPC a private zone is attached to.",
					PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
					NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
						"vpc_id":     schema.StringAttribute{Required: true},
						"vpc_region": optionalComputedString(false),
					}},
				},
			},
		},
		tags: func(m *route53ZoneModel) (*types.Map, *types.Map) { return &m.Tags, &m.TagsAll },
		arn:  func(m *route53ZoneModel) string { return m.ARN.ValueString() },
		create: func(ctx context.Context, c *client, m *route53ZoneModel, tags map[string]string) error {
			if len(m.VPC) > 1 {
				return fmt.Errorf("zone %s: the simulated Route 53 attaches a private zone to one VPC; got %d vpc blocks", m.Name.ValueString(), len(m.VPC))
			}
			vpc := ""
			if len(m.VPC) == 1 {
				vpc = m.VPC[0].VPCID.ValueString()
			}
			z, err := c.account.CreateZone(ctx, m.Name.ValueString(), vpc != "", vpc, tags)
			m.ID = types.StringValue(z.ID)
			return err
		},
		read: func(ctx context.Context, c *client, m *route53ZoneModel) (map[string]string, error) {
			z, err := c.account.Zone(ctx, m.ID.ValueString())
			if err != nil {
				return nil, err
			}
			m.ZoneID, m.ARN = types.StringValue(z.ID), types.StringValue("arn:aws:route53:::hostedzone/"+z.ID)
			if name := strings.TrimSuffix(z.Name, "."); !strings.EqualFold(name, strings.TrimSuffix(m.Name.ValueString(), ".")) {
				m.Name = types.StringValue(name)
			}
			n := int(z.ID[len(z.ID)-1]) % 4
			m.NameServers = listValue([]string{
				fmt.Sprintf("ns-%d.awsdns-%02d.com", 100+n, n), fmt.Sprintf("ns-%d.awsdns-%02d.net", 600+n, n),
				fmt.Sprintf("ns-%d.awsdns-%02d.org", 1100+n, n), fmt.Sprintf("ns-%d.awsdns-%02d.co.uk", 1600+n, n),
			})
			for i := range m.VPC {
				if m.VPC[i].VPCRegion.IsNull() || m.VPC[i].VPCRegion.IsUnknown() {
					m.VPC[i].VPCRegion = types.StringValue(c.account.Region())
				}
			}
			return z.Tags, nil
		},
		update: func(context.Context, *client, *route53ZoneModel, *route53ZoneModel) error { return nil }, // comment and force_destroy live in state
		remove: func(ctx context.Context, c *client, m *route53ZoneModel) error {
			id := m.ID.ValueString()
			if m.ForceDestroy.ValueBool() {
				recs, err := c.account.Records(ctx, id)
				if err != nil {
					return err
				}
				apex := strings.TrimSuffix(m.Name.ValueString(), ".") + "."
				for _, r := range recs {
					if r.Name == apex && (r.Type == "SOA" || r.Type == "NS") {
						continue
					}
					if _, err := c.account.DeleteRecord(ctx, id, r); err != nil {
						return err
					}
				}
			}
			return c.account.DeleteZone(ctx, id)
		},
	}}
}

type route53RecordModel struct {
	ID      types.String `tfsdk:"id"`
	ZoneID  types.String `tfsdk:"zone_id"`
	Name    types.String `tfsdk:"name"`
	Type    types.String `tfsdk:"type"`
	TTL     types.Int64  `tfsdk:"ttl"`
	Records types.Set    `tfsdk:"records"`
	FQDN    types.String `tfsdk:"fqdn"`
}

func (m *route53RecordModel) record(ctx context.Context) (cloud.Record, error) {
	values, err := stringsOf(ctx, m.Records)
	return cloud.Record{Name: strings.TrimSuffix(m.Name.ValueString(), ".") + ".", Type: m.Type.ValueString(), TTL: int(m.TTL.ValueInt64()), Values: values}, err
}

func route53RecordResource() resource.Resource {
	return &res[route53RecordModel]{spec: spec[route53RecordModel]{
		typeName: "aws_route53_record",
		schema: schema.Schema{
			Description: "A Route 53 record set of the simulated account, with plain values.",
			Attributes: map[string]schema.Attribute{
				"id":      idAttribute(),
				"fqdn":    computedString(),
				"zone_id": schema.StringAttribute{Required: true, PlanModifiers: requiresReplace()},
				"name":    schema.StringAttribute{Required: true, PlanModifiers: requiresReplace()},
				"type":    schema.StringAttribute{Required: true},
				"ttl":     schema.Int64Attribute{Optional: true},
				"records": schema.SetAttribute{Optional: true, ElementType: types.StringType},
			},
		},
		create: func(ctx context.Context, c *client, m *route53RecordModel, _ map[string]string) error {
			rec, err := m.record(ctx)
			if err != nil {
				return err
			}
			if err := c.changeRecord(ctx, m.ZoneID.ValueString(), rec, false); err != nil {
				return err
			}
			m.ID = types.StringValue(m.ZoneID.ValueString() + "_" + strings.TrimSuffix(rec.Name, ".") + "_" + rec.Type)
			return nil
		},
		read: func(ctx context.Context, c *client, m *route53RecordModel) (map[string]string, error) {
			want, err := m.record(ctx)
			if err != nil {
				return nil, err
			}
			rec, err := c.account.Record(ctx, m.ZoneID.ValueString(), want.Name, want.Type)
			if err != nil {
				return nil, err
			}
			m.FQDN = types.StringValue(strings.TrimSuffix(rec.Name, "."))
			m.TTL, m.Records = types.Int64Value(int64(rec.TTL)), setValue(rec.Values)
			return nil, nil
		},
		update: func(ctx context.Context, c *client, old, m *route53RecordModel) error {
			rec, err := m.record(ctx)
			if err != nil {
				return err
			}
			if m.Type.ValueString() != old.Type.ValueString() {
				prev, err := old.record(ctx)
				if err != nil {
					return err
				}
				if err := c.changeRecord(ctx, old.ZoneID.ValueString(), prev, true); err != nil {
					return err
				}
				m.ID = types.StringValue(m.ZoneID.ValueString() + "_" + strings.TrimSuffix(rec.Name, ".") + "_" + rec.Type)
			}
			return c.changeRecord(ctx, m.ZoneID.ValueString(), rec, false)
		},
		remove: func(ctx context.Context, c *client, m *route53RecordModel) error {
			rec, err := m.record(ctx)
			if err != nil {
				return err
			}
			return c.changeRecord(ctx, m.ZoneID.ValueString(), rec, true)
		},
	}}
}

// changeRecord upserts or deletes a record and waits until the change is
// in sync, as the real provider does.
func (c *client) changeRecord(ctx context.Context, zoneID string, rec cloud.Record, remove bool) error {
	change := c.account.UpsertRecord
	if remove {
		change = c.account.DeleteRecord
	}
	id, err := change(ctx, zoneID, rec)
	if err != nil {
		return err
	}
	return c.waitFor(ctx, "wait for Route 53 change "+id, 30*time.Minute, func() (bool, error) {
		s, err := c.account.ChangeStatus(ctx, id)
		return s == cloud.ChangeInSync, err
	})
}
