// Package simprovider is the Terraform provider of the simulated AWS
// account (envs/fake), served by the envbench binary itself. Its local name
// is aws, under envbench's own source address (Source), and it covers a
// schema-compatible subset of the real AWS provider: the resource types the
// demo needs, with their real attribute names and computed values (id,
// arn, endpoint, tags_all), and the provider's region, allowed_account_ids,
// assume_role and default_tags.
//
// The provider opens the simulation's database named by the environment
// variable DatabaseEnv and acts through fake.Sim's Account, as the assumed
// role's session: every call is recorded in the simulated CloudTrail.
// Refresh reads the account, so a change made outside Terraform shows as
// drift, and destroy deletes for real.
//
// Terraform finds it through a CLI configuration of envbench's own
// (Install): a filesystem mirror whose one package is a symlink to the
// envbench binary.
package simprovider

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/fake"
)

const (
	// Host is the registry host of the provider's source address; no
	// registry answers there: Terraform installs the provider from the
	// filesystem mirror that Install lays out.
	Host = "envbench.local"
	// Source is the provider's source address, for required_providers:
	// aws = { source = "envbench.local/envbench/aws" }.
	Source = Host + "/envbench/aws"
	// Version is the provider's version in the mirror.
	Version = "0.1.0"

	// DatabaseEnv names the environment variable that holds the path of
	// the simulation's database (.envbench/sim/aws.db).
	DatabaseEnv = "ENVBENCH_SIM_DB"
	// PaceEnv, when "instant", makes the simulation's transitions
	// immediate (tests); otherwise the provider waits at fake's
	// DefaultPace, as it would wait for AWS.
	PaceEnv = "ENVBENCH_SIM_PACE"
)

// Serve serves the provider to the Terraform that started this process,
// until Terraform stops it.
func Serve(ctx context.Context) error {
	return providerserver.Serve(ctx, New, providerserver.ServeOpts{Address: Source})
}

// IsPluginStart reports whether this process was started by Terraform as
// the provider plugin: Terraform sets TF_PLUGIN_MAGIC_COOKIE, and runs the
// mirror's file, named terraform-provider-aws_v<version>.
func IsPluginStart(argv0 string, getenv func(string) string) bool {
	if getenv("TF_PLUGIN_MAGIC_COOKIE") != "" {
		return true
	}
	base := argv0
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	return strings.HasPrefix(base, "terraform-provider-aws_v")
}

// New returns the provider.
func New() provider.Provider { return &awsProvider{getenv: os.Getenv} }

type awsProvider struct {
	getenv func(string) string
	// open opens the simulation; nil means fake.Open (tests replace it).
	open func(path string, opts fake.Options) (*fake.Sim, error)
}

var _ provider.Provider = (*awsProvider)(nil)

type providerModel struct {
	Region            types.String      `tfsdk:"region"`
	AllowedAccountIDs types.Set         `tfsdk:"allowed_account_ids"`
	AssumeRole        []assumeRoleModel `tfsdk:"assume_role"`
	DefaultTags       []defaultTags     `tfsdk:"default_tags"`
}

type assumeRoleModel struct {
	RoleARN     types.String `tfsdk:"role_arn"`
	SessionName types.String `tfsdk:"session_name"`
	ExternalID  types.String `tfsdk:"external_id"`
}

type defaultTags struct {
	Tags types.Map `tfsdk:"tags"`
}

func (p *awsProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "aws"
	resp.Version = Version
}

func (p *awsProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "The simulated AWS account of envbench (envs/fake): a schema-compatible subset of hashicorp/aws.",
		Attributes: map[string]schema.Attribute{
			"region":              schema.StringAttribute{Optional: true, Description: "The region to act in."},
			"allowed_account_ids": schema.SetAttribute{Optional: true, ElementType: types.StringType, Description: "Fail unless the credentials resolve to one of these accounts."},
		},
		Blocks: map[string]schema.Block{
			"assume_role": schema.ListNestedBlock{
				Description: "The role to assume; the session is recorded in the simulated CloudTrail.",
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"role_arn":     schema.StringAttribute{Optional: true},
					"session_name": schema.StringAttribute{Optional: true},
					"external_id":  schema.StringAttribute{Optional: true},
				}},
			},
			"default_tags": schema.ListNestedBlock{
				Description: "Tags added to every resource that takes tags.",
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"tags": schema.MapAttribute{Optional: true, ElementType: types.StringType},
				}},
			},
		},
	}
}

// client is what the resources act through: one account, as one session,
// and the provider's default tags.
type client struct {
	account     *fake.Account
	defaultTags map[string]string
	// wait is how long to sleep between polls of something that takes
	// time (an RDS instance being created).
	wait time.Duration
}

func (p *awsProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !req.ClientCapabilities.DeferralAllowed && unknownConfig(m) {
		resp.Diagnostics.AddError("Provider configuration not known",
			"The simulated aws provider needs region, assume_role and default_tags known before planning; they depend on values known only after apply.")
		return
	}
	target := cloud.Target{Region: m.Region.ValueString()}
	if len(m.AssumeRole) > 1 {
		resp.Diagnostics.AddError("Invalid assume_role", "At most one assume_role block is allowed.")
		return
	}
	if len(m.AssumeRole) == 1 {
		target.RoleARN = m.AssumeRole[0].RoleARN.ValueString()
		target.SessionName = m.AssumeRole[0].SessionName.ValueString()
		target.ExternalID = m.AssumeRole[0].ExternalID.ValueString()
		if target.SessionName == "" && target.RoleARN != "" {
			target.SessionName = "terraform"
		}
	}
	tags := map[string]string{}
	if len(m.DefaultTags) > 1 {
		resp.Diagnostics.AddError("Invalid default_tags", "At most one default_tags block is allowed.")
		return
	}
	if len(m.DefaultTags) == 1 {
		resp.Diagnostics.Append(m.DefaultTags[0].Tags.ElementsAs(ctx, &tags, false)...)
	}
	var allowed []string
	resp.Diagnostics.Append(m.AllowedAccountIDs.ElementsAs(ctx, &allowed, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	path := p.getenv(DatabaseEnv)
	if path == "" {
		resp.Diagnostics.AddError("Simulated AWS not configured",
			"The environment variable "+DatabaseEnv+" names no database: envbench sets it when it runs Terraform for a workspace whose cloud is simulated. Run this configuration through envbench (envbench plan ENV).")
		return
	}
	// Throttles and 5xx from `envbench sim faults` are retried, as the real
	// AWS provider's SDK retries them; each attempt shows in CloudTrail.
	opts := fake.Options{Retries: 10}
	wait := time.Second
	if p.getenv(PaceEnv) == "instant" {
		opts.Pace = &fake.Pace{}
		wait = 10 * time.Millisecond
	}
	open := p.open
	if open == nil {
		open = fake.Open
	}
	sim, err := open(path, opts)
	if err != nil {
		resp.Diagnostics.AddError("Cannot open the simulated AWS account", err.Error())
		return
	}
	account, err := sim.Account(ctx, target)
	if err != nil {
		resp.Diagnostics.AddError("Cannot connect to the simulated AWS account", fmt.Sprintf("region %q, role %q: %s", target.Region, target.RoleARN, err))
		return
	}
	if len(allowed) > 0 && !slices.Contains(allowed, account.ID()) {
		resp.Diagnostics.AddError("Invalid account",
			fmt.Sprintf("The credentials resolve to account %s, which is not in allowed_account_ids %v.", account.ID(), allowed))
		return
	}
	c := &client{account: account, defaultTags: tags, wait: wait}
	resp.ResourceData = c
	resp.DataSourceData = c
}

func unknownConfig(m providerModel) bool {
	if m.Region.IsUnknown() || m.AllowedAccountIDs.IsUnknown() {
		return true
	}
	for _, r := range m.AssumeRole {
		if r.RoleARN.IsUnknown() || r.SessionName.IsUnknown() || r.ExternalID.IsUnknown() {
			return true
		}
	}
	for _, t := range m.DefaultTags {
		if t.Tags.IsUnknown() {
			return true
		}
	}
	return false
}

func (p *awsProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		vpcResource, subnetResource, securityGroupResource,
		dbSubnetGroupResource, dbInstanceResource,
		route53ZoneResource, route53RecordResource,
		kmsKeyResource, s3BucketResource,
		ecsClusterResource, ecsServiceResource,
	}
}

func (p *awsProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }
