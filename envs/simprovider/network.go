package simprovider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/envbench/envbench/envs/cloud"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

type vpcModel struct {
	ID                 types.String `tfsdk:"id"`
	ARN                types.String `tfsdk:"arn"`
	CIDRBlock          types.String `tfsdk:"cidr_block"`
	EnableDNSSupport   types.Bool   `tfsdk:"enable_dns_support"`
	EnableDNSHostnames types.Bool   `tfsdk:"enable_dns_hostnames"`
	OwnerID            types.String `tfsdk:"owner_id"`
	Tags               types.Map    `tfsdk:"tags"`
	TagsAll            types.Map    `tfsdk:"tags_all"`
}

func vpcResource() resource.Resource {
	return &res[vpcModel]{spec: spec[vpcModel]{
		typeName: "aws_vpc",
		schema: schema.Schema{
			Description: "An EC2 VPC of the simulated account.",
			Attributes: tagsAttributes(map[string]schema.Attribute{
				"id":                   idAttribute(),
				"arn":                  computedString(),
				"owner_id":             computedString(),
				"cidr_block":           schema.StringAttribute{Optional: true, Computed: true, PlanModifiers: requiresReplace()},
				"enable_dns_support":   schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true)},
				"enable_dns_hostnames": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false)},
			}),
		},
		tags: func(m *vpcModel) (*types.Map, *types.Map) { return &m.Tags, &m.TagsAll },
		arn:  func(m *vpcModel) string { return m.ARN.ValueString() },
		create: func(ctx context.Context, c *client, m *vpcModel, tags map[string]string) error {
			v, err := c.account.CreateVPC(ctx, orDefault(m.CIDRBlock, "10.0.0.0/16"), tags)
			m.ID = types.StringValue(v.ID)
			return err
		},
		read: func(ctx context.Context, c *client, m *vpcModel) (map[string]string, error) {
			v, err := c.account.VPC(ctx, m.ID.ValueString())
			if err != nil {
				return nil, err
			}
			m.ARN, m.CIDRBlock, m.OwnerID = types.StringValue(v.ARN), types.StringValue(v.CIDR), types.StringValue(c.account.ID())
			return v.Tags, nil
		},
		update: func(context.Context, *client, *vpcModel, *vpcModel) error { return nil }, // the DNS settings live in state only
		remove: func(ctx context.Context, c *client, m *vpcModel) error {
			return c.account.DeleteVPC(ctx, m.ID.ValueString())
		},
	}}
}

type subnetModel struct {
	ID               types.String `tfsdk:"id"`
	ARN              types.String `tfsdk:"arn"`
	VPCID            types.String `tfsdk:"vpc_id"`
	CIDRBlock        types.String `tfsdk:"cidr_block"`
	AvailabilityZone types.String `tfsdk:"availability_zone"`
	OwnerID          types.String `tfsdk:"owner_id"`
	Tags             types.Map    `tfsdk:"tags"`
	TagsAll          types.Map    `tfsdk:"tags_all"`
}

func subnetResource() resource.Resource {
	return &res[subnetModel]{spec: spec[subnetModel]{
		typeName: "aws_subnet",
		schema: schema.Schema{
			Description: "An EC2 subnet of the simulated account.",
			Attributes: tagsAttributes(map[string]schema.Attribute{
				"id":                idAttribute(),
				"arn":               computedString(),
				"owner_id":          computedString(),
				"vpc_id":            schema.StringAttribute{Required: true, PlanModifiers: requiresReplace()},
				"cidr_block":        schema.StringAttribute{Optional: true, PlanModifiers: requiresReplace()},
				"availability_zone": schema.StringAttribute{Optional: true, Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace(), stringplanmodifier.UseStateForUnknown()}},
			}),
		},
		tags: func(m *subnetModel) (*types.Map, *types.Map) { return &m.Tags, &m.TagsAll },
		arn:  func(m *subnetModel) string { return m.ARN.ValueString() },
		create: func(ctx context.Context, c *client, m *subnetModel, tags map[string]string) error {
			s, err := c.account.CreateSubnet(ctx, m.VPCID.ValueString(), m.CIDRBlock.ValueString(), orDefault(m.AvailabilityZone, c.account.Region()+"a"), tags)
			m.ID = types.StringValue(s.ID)
			return err
		},
		read: func(ctx context.Context, c *client, m *subnetModel) (map[string]string, error) {
			s, err := c.account.Subnet(ctx, m.ID.ValueString())
			if err != nil {
				return nil, err
			}
			m.ARN, m.VPCID, m.CIDRBlock = types.StringValue(s.ARN), types.StringValue(s.VPCID), types.StringValue(s.CIDR)
			m.AvailabilityZone, m.OwnerID = types.StringValue(s.AvailabilityZone), types.StringValue(c.account.ID())
			return s.Tags, nil
		},
		remove: func(ctx context.Context, c *client, m *subnetModel) error {
			return c.account.DeleteSubnet(ctx, m.ID.ValueString())
		},
	}}
}

type securityGroupModel struct {
	ID          types.String `tfsdk:"id"`
	ARN         types.String `tfsdk:"arn"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	VPCID       types.String `tfsdk:"vpc_id"`
	Ingress     types.Set    `tfsdk:"ingress"`
	Egress      types.Set    `tfsdk:"egress"`
	OwnerID     types.String `tfsdk:"owner_id"`
	Tags        types.Map    `tfsdk:"tags"`
	TagsAll     types.Map    `tfsdk:"tags_all"`
}

func securityGroupResource() resource.Resource {
	return &res[securityGroupModel]{spec: spec[securityGroupModel]{
		typeName: "aws_security_group",
		schema: schema.Schema{
			Description: "An EC2 security group of the simulated account. Its ingress and egress rules are the account's, read back on refresh: left out of the configuration, they are not managed (a new group keeps AWS's default egress, all traffic out); given, the account's rules are made exactly those.",
			Attributes: tagsAttributes(map[string]schema.Attribute{
				"id":          idAttribute(),
				"arn":         computedString(),
				"owner_id":    computedString(),
				"name":        schema.StringAttribute{Optional: true, Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace(), stringplanmodifier.UseStateForUnknown()}},
				"description": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("Managed by Terraform"), PlanModifiers: requiresReplace()},
				"vpc_id":      schema.StringAttribute{Optional: true, Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace(), stringplanmodifier.UseStateForUnknown()}},
				"ingress":     rulesAttribute(),
				"egress":      rulesAttribute(),
			}),
		},
		tags: func(m *securityGroupModel) (*types.Map, *types.Map) { return &m.Tags, &m.TagsAll },
		arn:  func(m *securityGroupModel) string { return m.ARN.ValueString() },
		create: func(ctx context.Context, c *client, m *securityGroupModel, tags map[string]string) error {
			name := orDefault(m.Name, "terraform-"+uniqueSuffix())
			g, err := c.account.CreateSecurityGroup(ctx, m.VPCID.ValueString(), name, m.Description.ValueString(), tags)
			m.ID = types.StringValue(g.ID)
			if err != nil {
				return err
			}
			return syncRules(ctx, c, g, m)
		},
		update: func(ctx context.Context, c *client, old, m *securityGroupModel) error {
			g, err := c.account.SecurityGroup(ctx, old.ID.ValueString())
			if err != nil {
				return err
			}
			return syncRules(ctx, c, g, m)
		},
		read: func(ctx context.Context, c *client, m *securityGroupModel) (map[string]string, error) {
			g, err := c.account.SecurityGroup(ctx, m.ID.ValueString())
			if err != nil {
				return nil, err
			}
			m.ARN, m.Name, m.VPCID = types.StringValue(g.ARN), types.StringValue(g.Name), types.StringValue(g.VPCID)
			if m.Ingress, err = rulesValue(ctx, g.Ingress); err != nil {
				return nil, err
			}
			if m.Egress, err = rulesValue(ctx, g.Egress); err != nil {
				return nil, err
			}
			m.OwnerID = types.StringValue(c.account.ID())
			return g.Tags, nil
		},
		remove: func(ctx context.Context, c *client, m *securityGroupModel) error {
			return c.account.DeleteSecurityGroup(ctx, m.ID.ValueString())
		},
	}}
}

// syncRules makes the group's ingress and egress the planned ones, each
// only when the plan knows it: a set left out of the configuration, or
// unknown until the group exists, is not managed, as with AWS's provider.
func syncRules(ctx context.Context, c *client, g cloud.SecurityGroup, m *securityGroupModel) error {
	for _, d := range []struct {
		planned           types.Set
		have              []cloud.Rule
		authorize, revoke func(context.Context, string, cloud.Rule) error
	}{
		{m.Ingress, g.Ingress, c.account.AuthorizeIngress, c.account.RevokeIngress},
		{m.Egress, g.Egress, c.account.AuthorizeEgress, c.account.RevokeEgress},
	} {
		if d.planned.IsNull() || d.planned.IsUnknown() {
			continue
		}
		want, err := rulesOf(ctx, d.planned)
		if err != nil {
			return err
		}
		for _, r := range d.have {
			if !slices.ContainsFunc(want, func(x cloud.Rule) bool { return x.Same(r) }) {
				if err := d.revoke(ctx, g.ID, r); err != nil {
					return err
				}
			}
		}
		for _, r := range want {
			if !slices.ContainsFunc(d.have, func(x cloud.Rule) bool { return x.Same(r) }) {
				if err := d.authorize(ctx, g.ID, r); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// ruleModel is one rule of a security group's ingress or egress.
type ruleModel struct {
	Protocol   types.String `tfsdk:"protocol"`
	FromPort   types.Int64  `tfsdk:"from_port"`
	ToPort     types.Int64  `tfsdk:"to_port"`
	CIDRBlocks []string     `tfsdk:"cidr_blocks"`
}

var ruleType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"protocol":    types.StringType,
	"from_port":   types.Int64Type,
	"to_port":     types.Int64Type,
	"cidr_blocks": types.ListType{ElemType: types.StringType},
}}

// rulesAttribute is a set of rules, as hashicorp/aws declares ingress and
// egress: an attribute of objects that a configuration may also write as
// blocks (ingress { ... }); left out, the rules are not managed.
func rulesAttribute() schema.SetAttribute {
	return schema.SetAttribute{
		ElementType: ruleType,
		Optional:    true, Computed: true,
		PlanModifiers: []planmodifier.Set{setplanmodifier.UseStateForUnknown()},
	}
}

// rulesOf are the rules of a planned ingress or egress; none when it is
// unknown or null.
func rulesOf(ctx context.Context, set types.Set) ([]cloud.Rule, error) {
	if set.IsNull() || set.IsUnknown() {
		return nil, nil
	}
	var ms []ruleModel
	if d := set.ElementsAs(ctx, &ms, false); d.HasError() {
		return nil, fmt.Errorf("read the rules: %s", diagText(d))
	}
	out := make([]cloud.Rule, 0, len(ms))
	for _, m := range ms {
		out = append(out, cloud.Rule{Protocol: m.Protocol.ValueString(), FromPort: int(m.FromPort.ValueInt64()), ToPort: int(m.ToPort.ValueInt64()), CIDRs: m.CIDRBlocks})
	}
	return out, nil
}

// rulesValue is the set of the account's rules.
func rulesValue(ctx context.Context, rules []cloud.Rule) (types.Set, error) {
	ms := make([]ruleModel, 0, len(rules))
	for _, r := range rules {
		ms = append(ms, ruleModel{Protocol: types.StringValue(r.Protocol), FromPort: types.Int64Value(int64(r.FromPort)), ToPort: types.Int64Value(int64(r.ToPort)), CIDRBlocks: r.CIDRs})
	}
	v, d := types.SetValueFrom(ctx, ruleType, ms)
	if d.HasError() {
		return v, fmt.Errorf("record the rules: %s", diagText(d))
	}
	return v, nil
}

func diagText(d diag.Diagnostics) string {
	var parts []string
	for _, e := range d.Errors() {
		parts = append(parts, e.Summary()+": "+e.Detail())
	}
	return strings.Join(parts, "; ")
}
