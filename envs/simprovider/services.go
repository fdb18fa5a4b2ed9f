package simprovider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/envbench/envbench/envs/fake"
)

type kmsKeyModel struct {
	ID                   types.String `tfsdk:"id"`
	ARN                  types.String `tfsdk:"arn"`
	KeyID                types.String `tfsdk:"key_id"`
	Description          types.String `tfsdk:"description"`
	EnableKeyRotation    types.Bool   `tfsdk:"enable_key_rotation"`
	DeletionWindowInDays types.Int64  `tfsdk:"deletion_window_in_days"`
	Tags                 types.Map    `tfsdk:"tags"`
	TagsAll              types.Map    `tfsdk:"tags_all"`
}

func kmsKeyResource() resource.Resource {
	return &res[kmsKeyModel]{spec: spec[kmsKeyModel]{
		typeName: "aws_kms_key",
		schema: schema.Schema{
			Description: "A customer managed KMS key of the simulated account.",
			Attributes: tagsAttributes(map[string]schema.Attribute{
				"id":                      idAttribute(),
				"arn":                     computedString(),
				"key_id":                  computedString(),
				"description":             optionalComputedString(false),
				"enable_key_rotation":     schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false)},
				"deletion_window_in_days": schema.Int64Attribute{Optional: true},
			}),
		},
		tags: func(m *kmsKeyModel) (*types.Map, *types.Map) { return &m.Tags, &m.TagsAll },
		arn:  func(m *kmsKeyModel) string { return m.ARN.ValueString() },
		create: func(ctx context.Context, c *client, m *kmsKeyModel, tags map[string]string) error {
			k, err := c.account.CreateKey(ctx, m.Description.ValueString(), tags)
			if err != nil {
				return err
			}
			m.ID = types.StringValue(k.ID)
			if m.EnableKeyRotation.ValueBool() {
				return c.account.SetKeyRotation(ctx, k.ID, true)
			}
			return nil
		},
		read: func(ctx context.Context, c *client, m *kmsKeyModel) (map[string]string, error) {
			k, err := c.account.Key(ctx, m.ID.ValueString())
			if err != nil {
				return nil, err
			}
			if k.State == "PendingDeletion" {
				return nil, fmt.Errorf("key %s is pending deletion: %w", k.ID, errGone)
			}
			s, err := c.account.KeySettings(ctx, k.ID)
			if err != nil {
				return nil, err
			}
			m.ARN, m.KeyID = types.StringValue(k.ARN), types.StringValue(k.ID)
			m.Description, m.EnableKeyRotation = types.StringValue(s.Description), types.BoolValue(s.Rotation)
			return k.Tags, nil
		},
		update: func(ctx context.Context, c *client, old, m *kmsKeyModel) error {
			id := old.ID.ValueString()
			if d := m.Description.ValueString(); !m.Description.IsUnknown() && d != old.Description.ValueString() {
				if err := c.account.UpdateKeyDescription(ctx, id, d); err != nil {
					return err
				}
			}
			if r := m.EnableKeyRotation.ValueBool(); r != old.EnableKeyRotation.ValueBool() {
				return c.account.SetKeyRotation(ctx, id, r)
			}
			return nil
		},
		remove: func(ctx context.Context, c *client, m *kmsKeyModel) error {
			days := 30
			if !m.DeletionWindowInDays.IsNull() {
				days = int(m.DeletionWindowInDays.ValueInt64())
			}
			return c.account.ScheduleKeyDeletion(ctx, m.ID.ValueString(), days)
		},
	}}
}

type s3BucketModel struct {
	ID                       types.String `tfsdk:"id"`
	ARN                      types.String `tfsdk:"arn"`
	Bucket                   types.String `tfsdk:"bucket"`
	BucketDomainName         types.String `tfsdk:"bucket_domain_name"`
	BucketRegionalDomainName types.String `tfsdk:"bucket_regional_domain_name"`
	Region                   types.String `tfsdk:"region"`
	ForceDestroy             types.Bool   `tfsdk:"force_destroy"`
	Tags                     types.Map    `tfsdk:"tags"`
	TagsAll                  types.Map    `tfsdk:"tags_all"`
}

func s3BucketResource() resource.Resource {
	return &res[s3BucketModel]{spec: spec[s3BucketModel]{
		typeName: "aws_s3_bucket",
		schema: schema.Schema{
			Description: "An S3 bucket of the simulated account.",
			Attributes: tagsAttributes(map[string]schema.Attribute{
				"id":                          idAttribute(),
				"arn":                         computedString(),
				"bucket":                      optionalComputedString(true),
				"bucket_domain_name":          computedString(),
				"bucket_regional_domain_name": computedString(),
				"region":                      computedString(),
				"force_destroy":               schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false)},
			}),
		},
		tags: func(m *s3BucketModel) (*types.Map, *types.Map) { return &m.Tags, &m.TagsAll },
		arn:  func(m *s3BucketModel) string { return m.ARN.ValueString() },
		create: func(ctx context.Context, c *client, m *s3BucketModel, tags map[string]string) error {
			name := orDefault(m.Bucket, "terraform-"+uniqueSuffix())
			if err := c.account.CreateBucket(ctx, name, tags); err != nil {
				return err
			}
			m.ID = types.StringValue(name)
			return nil
		},
		read: func(ctx context.Context, c *client, m *s3BucketModel) (map[string]string, error) {
			name := m.ID.ValueString()
			tags, err := c.account.BucketTags(ctx, name)
			if err != nil {
				return nil, err
			}
			m.Bucket, m.ARN = types.StringValue(name), types.StringValue("arn:aws:s3:::"+name)
			m.BucketDomainName = types.StringValue(name + ".s3.amazonaws.com")
			m.BucketRegionalDomainName = types.StringValue(name + ".s3." + c.account.Region() + ".amazonaws.com")
			m.Region = types.StringValue(c.account.Region())
			return tags, nil
		},
		update: func(context.Context, *client, *s3BucketModel, *s3BucketModel) error { return nil }, // force_destroy lives in state
		remove: func(ctx context.Context, c *client, m *s3BucketModel) error {
			name := m.ID.ValueString()
			if m.ForceDestroy.ValueBool() {
				objs, err := c.account.ListObjects(ctx, name, "")
				if err != nil {
					return err
				}
				for _, o := range objs {
					if err := c.account.DeleteObject(ctx, name, o.Key); err != nil {
						return err
					}
				}
			}
			return c.account.DeleteBucket(ctx, name)
		},
	}}
}

type ecsClusterModel struct {
	ID      types.String `tfsdk:"id"`
	ARN     types.String `tfsdk:"arn"`
	Name    types.String `tfsdk:"name"`
	Tags    types.Map    `tfsdk:"tags"`
	TagsAll types.Map    `tfsdk:"tags_all"`
}

func ecsClusterResource() resource.Resource {
	return &res[ecsClusterModel]{spec: spec[ecsClusterModel]{
		typeName: "aws_ecs_cluster",
		schema: schema.Schema{
			Description: "An ECS cluster of the simulated account.",
			Attributes: tagsAttributes(map[string]schema.Attribute{
				"id":   idAttribute(),
				"arn":  computedString(),
				"name": schema.StringAttribute{Required: true, PlanModifiers: requiresReplace()},
			}),
		},
		tags: func(m *ecsClusterModel) (*types.Map, *types.Map) { return &m.Tags, &m.TagsAll },
		arn:  func(m *ecsClusterModel) string { return m.ARN.ValueString() },
		create: func(ctx context.Context, c *client, m *ecsClusterModel, tags map[string]string) error {
			cl, err := c.account.CreateCluster(ctx, m.Name.ValueString(), tags)
			m.ID = types.StringValue(cl.ARN)
			return err
		},
		read: func(ctx context.Context, c *client, m *ecsClusterModel) (map[string]string, error) {
			cl, err := c.account.Cluster(ctx, clusterName(m.ID.ValueString()))
			if err != nil {
				return nil, err
			}
			if cl.Status != "ACTIVE" {
				return nil, fmt.Errorf("cluster %s is %s: %w", cl.Name, cl.Status, errGone)
			}
			m.ID, m.ARN, m.Name = types.StringValue(cl.ARN), types.StringValue(cl.ARN), types.StringValue(cl.Name)
			return cl.Tags, nil
		},
		remove: func(ctx context.Context, c *client, m *ecsClusterModel) error {
			return c.account.DeleteCluster(ctx, m.Name.ValueString())
		},
	}}
}

// clusterName is the name in a cluster's ARN (…:cluster/NAME), or the
// argument when it is a name.
func clusterName(ref string) string {
	if i := strings.LastIndex(ref, ":cluster/"); i >= 0 {
		return ref[i+len(":cluster/"):]
	}
	return ref
}

type networkConfigurationModel struct {
	Subnets        types.Set  `tfsdk:"subnets"`
	SecurityGroups types.Set  `tfsdk:"security_groups"`
	AssignPublicIP types.Bool `tfsdk:"assign_public_ip"`
}

type ecsServiceModel struct {
	ID                   types.String                `tfsdk:"id"`
	ARN                  types.String                `tfsdk:"arn"`
	Name                 types.String                `tfsdk:"name"`
	Cluster              types.String                `tfsdk:"cluster"`
	TaskDefinition       types.String                `tfsdk:"task_definition"`
	DesiredCount         types.Int64                 `tfsdk:"desired_count"`
	LaunchType           types.String                `tfsdk:"launch_type"`
	PropagateTags        types.String                `tfsdk:"propagate_tags"`
	NetworkConfiguration []networkConfigurationModel `tfsdk:"network_configuration"`
	Tags                 types.Map                   `tfsdk:"tags"`
	TagsAll              types.Map                   `tfsdk:"tags_all"`
}

func ecsServiceResource() resource.Resource {
	return &res[ecsServiceModel]{spec: spec[ecsServiceModel]{
		typeName: "aws_ecs_service",
		schema: schema.Schema{
			Description: "An ECS service of the simulated account, its tasks on Fargate in the given subnets.",
			Attributes: tagsAttributes(map[string]schema.Attribute{
				"id":              idAttribute(),
				"arn":             computedString(),
				"name":            schema.StringAttribute{Required: true, PlanModifiers: requiresReplace()},
				"cluster":         optionalComputedString(true),
				"task_definition": schema.StringAttribute{Optional: true},
				"desired_count":   schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(0)},
				"launch_type":     schema.StringAttribute{Optional: true, Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace(), stringplanmodifier.UseStateForUnknown()}},
				"propagate_tags":  schema.StringAttribute{Optional: true},
			}),
			Blocks: map[string]schema.Block{
				"network_configuration": schema.ListNestedBlock{
					NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
						"subnets":          schema.SetAttribute{Required: true, ElementType: types.StringType},
						"security_groups":  schema.SetAttribute{Optional: true, ElementType: types.StringType},
						"assign_public_ip": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false)},
					}},
				},
			},
		},
		tags: func(m *ecsServiceModel) (*types.Map, *types.Map) { return &m.Tags, &m.TagsAll },
		arn:  func(m *ecsServiceModel) string { return m.ARN.ValueString() },
		create: func(ctx context.Context, c *client, m *ecsServiceModel, tags map[string]string) error {
			in := fake.NewECSService{Cluster: clusterName(orDefault(m.Cluster, "default")), Name: m.Name.ValueString(),
				TaskDefinition: m.TaskDefinition.ValueString(), DesiredCount: int(m.DesiredCount.ValueInt64()), Tags: tags}
			if len(m.NetworkConfiguration) > 0 {
				var err error
				if in.Subnets, err = stringsOf(ctx, m.NetworkConfiguration[0].Subnets); err != nil {
					return err
				}
				if in.SecurityGroups, err = stringsOf(ctx, m.NetworkConfiguration[0].SecurityGroups); err != nil {
					return err
				}
			}
			s, err := c.account.CreateService(ctx, in)
			m.ID, m.Cluster = types.StringValue(s.ARN), types.StringValue(orDefault(m.Cluster, "default"))
			return err
		},
		read: func(ctx context.Context, c *client, m *ecsServiceModel) (map[string]string, error) {
			s, err := c.account.Service(ctx, clusterName(m.Cluster.ValueString()), m.Name.ValueString())
			if err != nil {
				return nil, err
			}
			if s.Status != "ACTIVE" {
				return nil, fmt.Errorf("service %s is %s: %w", s.Name, s.Status, errGone)
			}
			m.ID, m.ARN = types.StringValue(s.ARN), types.StringValue(s.ARN)
			m.TaskDefinition, m.DesiredCount = types.StringValue(s.TaskDefinition), types.Int64Value(int64(s.DesiredCount))
			m.LaunchType = types.StringValue("FARGATE")
			if len(m.NetworkConfiguration) > 0 {
				m.NetworkConfiguration[0].Subnets = setValue(s.Subnets)
				if len(s.SecurityGroups) > 0 || !m.NetworkConfiguration[0].SecurityGroups.IsNull() {
					m.NetworkConfiguration[0].SecurityGroups = setValue(s.SecurityGroups)
				}
			}
			return s.Tags, nil
		},
		update: func(ctx context.Context, c *client, old, m *ecsServiceModel) error {
			_, err := c.account.UpdateService(ctx, clusterName(old.Cluster.ValueString()), old.Name.ValueString(), int(m.DesiredCount.ValueInt64()), m.TaskDefinition.ValueString())
			return err
		},
		remove: func(ctx context.Context, c *client, m *ecsServiceModel) error {
			return c.account.DeleteService(ctx, clusterName(m.Cluster.ValueString()), m.Name.ValueString())
		},
	}}
}
