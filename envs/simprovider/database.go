package simprovider

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/fake"
)

// uniqueSuffix is what Terraform's provider appends to generated names.
func uniqueSuffix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand never fails
	return time.Now().UTC().Format("20060102150405") + hex.EncodeToString(b)[:10]
}

type dbSubnetGroupModel struct {
	ID          types.String `tfsdk:"id"`
	ARN         types.String `tfsdk:"arn"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	SubnetIDs   types.Set    `tfsdk:"subnet_ids"`
	VPCID       types.String `tfsdk:"vpc_id"`
	Tags        types.Map    `tfsdk:"tags"`
	TagsAll     types.Map    `tfsdk:"tags_all"`
}

func dbSubnetGroupResource() resource.Resource {
	return &res[dbSubnetGroupModel]{spec: spec[dbSubnetGroupModel]{
		typeName: "aws_db_subnet_group",
		schema: schema.Schema{
			Description: "An RDS DB subnet group of the simulated account.",
			Attributes: tagsAttributes(map[string]schema.Attribute{
				"id":          idAttribute(),
				"arn":         computedString(),
				"vpc_id":      computedString(),
				"name":        schema.StringAttribute{Optional: true, Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace(), stringplanmodifier.UseStateForUnknown()}},
				"description": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("Managed by Terraform")},
				"subnet_ids":  schema.SetAttribute{Required: true, ElementType: types.StringType},
			}),
		},
		tags: func(m *dbSubnetGroupModel) (*types.Map, *types.Map) { return &m.Tags, &m.TagsAll },
		arn:  func(m *dbSubnetGroupModel) string { return m.ARN.ValueString() },
		create: func(ctx context.Context, c *client, m *dbSubnetGroupModel, tags map[string]string) error {
			subnets, err := stringsOf(ctx, m.SubnetIDs)
			if err != nil {
				return err
			}
			name := orDefault(m.Name, "terraform-"+uniqueSuffix())
			g, err := c.account.CreateDBSubnetGroup(ctx, name, m.Description.ValueString(), subnets, tags)
			m.ID = types.StringValue(g.Name)
			return err
		},
		read: func(ctx context.Context, c *client, m *dbSubnetGroupModel) (map[string]string, error) {
			g, err := c.account.DBSubnetGroup(ctx, m.ID.ValueString())
			if err != nil {
				return nil, err
			}
			m.ARN, m.Name, m.Description, m.VPCID = types.StringValue(g.ARN), types.StringValue(g.Name), types.StringValue(g.Description), types.StringValue(g.VPCID)
			m.SubnetIDs = setValue(g.SubnetIDs)
			return g.Tags, nil
		},
		update: func(ctx context.Context, c *client, old, m *dbSubnetGroupModel) error {
			subnets, err := stringsOf(ctx, m.SubnetIDs)
			if err != nil {
				return err
			}
			_, err = c.account.ModifyDBSubnetGroup(ctx, old.ID.ValueString(), m.Description.ValueString(), subnets)
			return err
		},
		remove: func(ctx context.Context, c *client, m *dbSubnetGroupModel) error {
			return c.account.DeleteDBSubnetGroup(ctx, m.ID.ValueString())
		},
	}}
}

type dbInstanceModel struct {
	ID                       types.String `tfsdk:"id"`
	ARN                      types.String `tfsdk:"arn"`
	ResourceID               types.String `tfsdk:"resource_id"`
	Identifier               types.String `tfsdk:"identifier"`
	Engine                   types.String `tfsdk:"engine"`
	EngineVersion            types.String `tfsdk:"engine_version"`
	EngineVersionActual      types.String `tfsdk:"engine_version_actual"`
	InstanceClass            types.String `tfsdk:"instance_class"`
	AllocatedStorage         types.Int64  `tfsdk:"allocated_storage"`
	StorageType              types.String `tfsdk:"storage_type"`
	StorageEncrypted         types.Bool   `tfsdk:"storage_encrypted"`
	KMSKeyID                 types.String `tfsdk:"kms_key_id"`
	MultiAZ                  types.Bool   `tfsdk:"multi_az"`
	DBName                   types.String `tfsdk:"db_name"`
	Username                 types.String `tfsdk:"username"`
	Password                 types.String `tfsdk:"password"`
	ManageMasterUserPassword types.Bool   `tfsdk:"manage_master_user_password"`
	DBSubnetGroupName        types.String `tfsdk:"db_subnet_group_name"`
	VPCSecurityGroupIDs      types.Set    `tfsdk:"vpc_security_group_ids"`
	PubliclyAccessible       types.Bool   `tfsdk:"publicly_accessible"`
	ApplyImmediately         types.Bool   `tfsdk:"apply_immediately"`
	DeletionProtection       types.Bool   `tfsdk:"deletion_protection"`
	SkipFinalSnapshot        types.Bool   `tfsdk:"skip_final_snapshot"`
	FinalSnapshotIdentifier  types.String `tfsdk:"final_snapshot_identifier"`
	Endpoint                 types.String `tfsdk:"endpoint"`
	Address                  types.String `tfsdk:"address"`
	Port                     types.Int64  `tfsdk:"port"`
	Status                   types.String `tfsdk:"status"`
	Tags                     types.Map    `tfsdk:"tags"`
	TagsAll                  types.Map    `tfsdk:"tags_all"`
}

func optionalComputedString(replace bool) schema.StringAttribute {
	mods := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	if replace {
		mods = append(mods, stringplanmodifier.RequiresReplace())
	}
	return schema.StringAttribute{Optional: true, Computed: true, PlanModifiers: mods}
}

// majorVersionChange replaces an instance when the major engine version
// changes: the simulated RDS upgrades no engine in place.
func majorVersionChange(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	if req.StateValue.IsNull() || req.PlanValue.IsUnknown() || req.PlanValue.IsNull() {
		return
	}
	major := func(v string) string { return strings.SplitN(v, ".", 2)[0] }
	resp.RequiresReplace = major(req.StateValue.ValueString()) != major(req.PlanValue.ValueString())
}

func dbInstanceResource() resource.Resource {
	return &res[dbInstanceModel]{spec: spec[dbInstanceModel]{
		typeName: "aws_db_instance",
		schema: schema.Schema{
			Description: "An RDS DB instance of the simulated account. Creating one waits until it is available.",
			Attributes: tagsAttributes(map[string]schema.Attribute{
				"id":                          idAttribute(),
				"arn":                         computedString(),
				"resource_id":                 computedString(),
				"identifier":                  optionalComputedString(true),
				"engine":                      optionalComputedString(true),
				"engine_version":              schema.StringAttribute{Optional: true, Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplaceIf(majorVersionChange, "A new major version replaces the instance.", "A new major version replaces the instance.")}},
				"engine_version_actual":       computedString(),
				"instance_class":              schema.StringAttribute{Required: true},
				"allocated_storage":           schema.Int64Attribute{Optional: true, Computed: true, PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}},
				"storage_type":                optionalComputedString(false),
				"storage_encrypted":           schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false)},
				"kms_key_id":                  optionalComputedString(true),
				"multi_az":                    schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false)},
				"db_name":                     optionalComputedString(true),
				"username":                    optionalComputedString(true),
				"password":                    schema.StringAttribute{Optional: true, Sensitive: true},
				"manage_master_user_password": schema.BoolAttribute{Optional: true},
				"db_subnet_group_name":        optionalComputedString(false),
				"vpc_security_group_ids":      schema.SetAttribute{Optional: true, Computed: true, ElementType: types.StringType, PlanModifiers: []planmodifier.Set{setplanmodifier.UseStateForUnknown()}},
				"publicly_accessible":         schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false)},
				"apply_immediately":           schema.BoolAttribute{Optional: true},
				"deletion_protection":         schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false)},
				"skip_final_snapshot":         schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false)},
				"final_snapshot_identifier":   schema.StringAttribute{Optional: true},
				"endpoint":                    computedString(),
				"address":                     computedString(),
				"port":                        schema.Int64Attribute{Optional: true, Computed: true, PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}},
				"status":                      computedString(),
			}),
		},
		tags: func(m *dbInstanceModel) (*types.Map, *types.Map) { return &m.Tags, &m.TagsAll },
		arn:  func(m *dbInstanceModel) string { return m.ARN.ValueString() },
		create: func(ctx context.Context, c *client, m *dbInstanceModel, tags map[string]string) error {
			id := orDefault(m.Identifier, "terraform-"+uniqueSuffix())
			password := m.Password.ValueString()
			if password == "" {
				if !m.ManageMasterUserPassword.ValueBool() {
					return errors.New("password: one of password or manage_master_user_password must be set")
				}
				b := make([]byte, 18)
				_, _ = rand.Read(b)
				password = "P" + hex.EncodeToString(b) // RDS keeps it; it never reaches state
			}
			kms := m.KMSKeyID.ValueString()
			if kms == "" && m.StorageEncrypted.ValueBool() {
				kms = "alias/aws/rds"
			}
			_, err := c.account.CreateInstance(ctx, cloud.NewDBInstance{
				ID: id, Class: m.InstanceClass.ValueString(), Engine: orDefault(m.Engine, "postgres"),
				EngineVersion: m.EngineVersion.ValueString(), AllocatedStorage: int(m.AllocatedStorage.ValueInt64()),
				SubnetGroup: m.DBSubnetGroupName.ValueString(), MasterUsername: m.Username.ValueString(), MasterPassword: password,
				KMSKeyID: kms, DeletionProtection: m.DeletionProtection.ValueBool(), Tags: tags,
			})
			if err != nil {
				return err
			}
			m.Identifier = types.StringValue(id)
			return c.waitAvailable(ctx, id)
		},
		read: func(ctx context.Context, c *client, m *dbInstanceModel) (map[string]string, error) {
			d, err := c.account.Instance(ctx, m.Identifier.ValueString())
			if err != nil {
				return nil, err
			}
			if d.Status == cloud.StatusDeleting {
				return nil, fmt.Errorf("%s is being deleted: %w", d.ID, cloud.ErrNotFound)
			}
			rid := resourceID(d.ARN)
			m.ID, m.ResourceID, m.ARN = types.StringValue(rid), types.StringValue(rid), types.StringValue(d.ARN)
			m.Engine, m.InstanceClass = types.StringValue(d.Engine), types.StringValue(d.Class)
			m.EngineVersionActual = types.StringValue(d.EngineVersion)
			// A version given as its major ("16") stands for whichever minor
			// version RDS runs, as on AWS.
			if cur := m.EngineVersion.ValueString(); m.EngineVersion.IsNull() || m.EngineVersion.IsUnknown() || !strings.HasPrefix(d.EngineVersion, cur+".") {
				m.EngineVersion = types.StringValue(d.EngineVersion)
			}
			m.AllocatedStorage = types.Int64Value(int64(d.AllocatedStorage))
			m.StorageEncrypted, m.KMSKeyID = types.BoolValue(d.Encrypted), types.StringValue(d.KMSKeyID)
			m.DBSubnetGroupName = types.StringValue(d.SubnetGroup)
			m.DeletionProtection = types.BoolValue(d.DeletionProtection)
			m.Address, m.Port, m.Status = types.StringValue(d.Endpoint), types.Int64Value(int64(d.Port)), types.StringValue(d.Status)
			m.Endpoint = types.StringValue(fmt.Sprintf("%s:%d", d.Endpoint, d.Port))
			if m.StorageType.IsNull() || m.StorageType.IsUnknown() {
				m.StorageType = types.StringValue("gp3")
			}
			if m.DBName.IsUnknown() {
				m.DBName = types.StringNull()
			}
			if m.Username.IsUnknown() {
				m.Username = types.StringNull()
			}
			if m.VPCSecurityGroupIDs.IsUnknown() {
				m.VPCSecurityGroupIDs = setValue(nil)
			}
			return d.Tags, nil
		},
		update: func(ctx context.Context, c *client, old, m *dbInstanceModel) error {
			id := old.Identifier.ValueString()
			if !m.EngineVersion.IsUnknown() && m.EngineVersion.ValueString() != old.EngineVersion.ValueString() {
				return fmt.Errorf("%s: engine_version %s → %s: the simulated RDS upgrades no engine in place (a new major version replaces the instance)", id, old.EngineVersion.ValueString(), m.EngineVersion.ValueString())
			}
			var ch fake.InstanceChanges
			if v := m.InstanceClass.ValueString(); v != old.InstanceClass.ValueString() {
				ch.Class = v
			}
			if v := m.AllocatedStorage.ValueInt64(); !m.AllocatedStorage.IsUnknown() && v != old.AllocatedStorage.ValueInt64() {
				ch.AllocatedStorage = int(v)
			}
			if v := m.DeletionProtection.ValueBool(); v != old.DeletionProtection.ValueBool() {
				ch.DeletionProtection = &v
			}
			if v := m.Password.ValueString(); v != "" && v != old.Password.ValueString() {
				ch.MasterPassword = v
			}
			if ch == (fake.InstanceChanges{}) {
				return nil
			}
			if _, err := c.account.ModifyInstanceSettings(ctx, id, ch); err != nil {
				return err
			}
			return c.waitAvailable(ctx, id)
		},
		remove: func(ctx context.Context, c *client, m *dbInstanceModel) error {
			id := m.Identifier.ValueString()
			if !m.SkipFinalSnapshot.ValueBool() {
				final := m.FinalSnapshotIdentifier.ValueString()
				if final == "" {
					return fmt.Errorf("%s: final_snapshot_identifier is required when skip_final_snapshot is false", id)
				}
				if _, err := c.account.CreateSnapshot(ctx, id, final, nil); err != nil {
					return fmt.Errorf("%s: final snapshot %s: %w", id, final, err)
				}
			}
			return c.account.DeleteInstance(ctx, id)
		},
	}}
}

// waitAvailable waits until an instance is available, as the real
// provider does after creating or modifying one.
func (c *client) waitAvailable(ctx context.Context, id string) error {
	return c.waitFor(ctx, "wait for DB instance "+id+" to be available", 2*time.Hour, func() (bool, error) {
		d, err := c.account.Instance(ctx, id)
		return err == nil && d.Status == cloud.StatusAvailable, err
	})
}

// resourceID is a DbiResourceId (db-ABCD...), stable for an instance ARN.
func resourceID(arn string) string {
	sum := sha256.Sum256([]byte(arn))
	return "db-" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:16])[:26]
}
