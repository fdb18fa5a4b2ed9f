package simprovider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/envbench/envbench/envs/cloud"
)

// spec is one resource type: its schema and what its CRUD does in the
// simulated account. M is the type's model, with tfsdk tags matching the
// schema.
type spec[M any] struct {
	typeName string
	schema   schema.Schema
	// tags returns the model's tags and tags_all; nil for a type that
	// takes no tags.
	tags func(m *M) (tags, all *types.Map)
	// arn is the resource's ARN, for changing its tags.
	arn func(m *M) string
	// create makes the resource from the planned m with the given tags
	// (default tags merged), setting m's id.
	create func(ctx context.Context, c *client, m *M, tags map[string]string) error
	// read fills m's attributes from the account and returns its tags; an
	// error matching cloud.ErrNotFound means the resource is gone.
	read func(ctx context.Context, c *client, m *M) (map[string]string, error)
	// update changes what differs between old and m, tags aside; nil when
	// every argument but the tags forces a replacement.
	update func(ctx context.Context, c *client, old, m *M) error
	// remove deletes the resource.
	remove func(ctx context.Context, c *client, m *M) error
}

// res is a resource type of the provider, built from a spec.
type res[M any] struct {
	spec   spec[M]
	client *client
}

var (
	_ resource.ResourceWithConfigure  = (*res[struct{}])(nil)
	_ resource.ResourceWithModifyPlan = (*res[struct{}])(nil)
)

func (r *res[M]) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = r.spec.typeName
}

func (r *res[M]) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = r.spec.schema
}

func (r *res[M]) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if req.ProviderData == nil {
		return // validation, before the provider is configured
	}
	c, ok := req.ProviderData.(*client)
	if !ok {
		resp.Diagnostics.AddError("Unexpected provider data", fmt.Sprintf("%s: got %T", r.spec.typeName, req.ProviderData))
		return
	}
	r.client = c
}

func (r *res[M]) ready(diags *diag.Diagnostics) bool {
	if r.client == nil {
		diags.AddError("Provider not configured", r.spec.typeName+": the simulated aws provider was not configured.")
		return false
	}
	return true
}

// ModifyPlan plans tags_all as the real provider does: the default tags
// merged with the resource's own.
func (r *res[M]) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.spec.tags == nil || req.Plan.Raw.IsNull() || r.client == nil {
		return
	}
	var m M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	tags, _ := r.spec.tags(&m)
	if tags.IsUnknown() || !allKnown(tags.Elements()) {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("tags_all"), types.MapUnknown(types.StringType))...)
		return
	}
	want, d := r.merged(ctx, *tags)
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("tags_all"), mapValue(want))...)
}

func allKnown(elems map[string]attr.Value) bool {
	for _, v := range elems {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}

// merged is the default tags with the resource's tags over them.
func (r *res[M]) merged(ctx context.Context, tags types.Map) (map[string]string, diag.Diagnostics) {
	out := maps.Clone(r.client.defaultTags)
	if out == nil {
		out = map[string]string{}
	}
	own := map[string]string{}
	d := tags.ElementsAs(ctx, &own, false)
	maps.Copy(out, own)
	return out, d
}

// load reads m from the account; gone reports a resource that no longer
// exists.
func (r *res[M]) load(ctx context.Context, m *M, diags *diag.Diagnostics) (gone bool) {
	actual, err := r.spec.read(ctx, r.client, m)
	if errors.Is(err, cloud.ErrNotFound) {
		return true
	}
	if err != nil {
		diags.AddError("Read "+r.spec.typeName, err.Error())
		return false
	}
	if r.spec.tags == nil {
		return false
	}
	tags, all := r.spec.tags(m)
	prior := map[string]string{}
	diags.Append(tags.ElementsAs(ctx, &prior, false)...)
	*all = mapValue(actual)
	own := map[string]string{}
	for k, v := range actual {
		if dv, ok := r.client.defaultTags[k]; ok && dv == v {
			if _, mine := prior[k]; !mine {
				continue
			}
		}
		own[k] = v
	}
	if len(own) == 0 && tags.IsNull() {
		return false
	}
	*tags = mapValue(own)
	return false
}

func (r *res[M]) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if !r.ready(&resp.Diagnostics) {
		return
	}
	var m M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var tags map[string]string
	if r.spec.tags != nil {
		t, _ := r.spec.tags(&m)
		var d diag.Diagnostics
		tags, d = r.merged(ctx, *t)
		resp.Diagnostics.Append(d...)
	}
	if err := r.spec.create(ctx, r.client, &m, tags); err != nil {
		resp.Diagnostics.AddError("Create "+r.spec.typeName, err.Error())
		return
	}
	if r.load(ctx, &m, &resp.Diagnostics) {
		resp.Diagnostics.AddError("Create "+r.spec.typeName, "the resource was created but is not found when read back")
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *res[M]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if !r.ready(&resp.Diagnostics) {
		return
	}
	var m M
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.load(ctx, &m, &resp.Diagnostics) {
		resp.State.RemoveResource(ctx)
		return
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *res[M]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if !r.ready(&resp.Diagnostics) {
		return
	}
	var old, m M
	resp.Diagnostics.Append(req.State.Get(ctx, &old)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.spec.update != nil {
		if err := r.spec.update(ctx, r.client, &old, &m); err != nil {
			resp.Diagnostics.AddError("Update "+r.spec.typeName, err.Error())
			return
		}
	}
	if r.spec.tags != nil {
		t, _ := r.spec.tags(&m)
		_, oldAll := r.spec.tags(&old)
		want, d := r.merged(ctx, *t)
		resp.Diagnostics.Append(d...)
		had := map[string]string{}
		resp.Diagnostics.Append(oldAll.ElementsAs(ctx, &had, false)...)
		if !maps.Equal(had, want) {
			arn := r.spec.arn(&old)
			if err := r.client.account.SetTags(ctx, arn, want); err != nil {
				resp.Diagnostics.AddError("Update "+r.spec.typeName, err.Error())
				return
			}
		}
	}
	if r.load(ctx, &m, &resp.Diagnostics) {
		resp.Diagnostics.AddError("Update "+r.spec.typeName, "the resource no longer exists")
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *res[M]) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if !r.ready(&resp.Diagnostics) {
		return
	}
	var m M
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.spec.remove(ctx, r.client, &m); err != nil && !errors.Is(err, cloud.ErrNotFound) {
		resp.Diagnostics.AddError("Delete "+r.spec.typeName, err.Error())
	}
}

// waitFor polls done until it reports true, the context ends or timeout
// passes.
func (c *client) waitFor(ctx context.Context, what string, timeout time.Duration, done func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := done()
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: still not done after %s", what, timeout)
		}
		t := time.NewTimer(c.wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-t.C:
		}
	}
}

// Schema building blocks shared by the types.

func idAttribute() schema.StringAttribute {
	return schema.StringAttribute{Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
}

func computedString() schema.StringAttribute {
	return schema.StringAttribute{Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
}

func tagsAttributes(attrs map[string]schema.Attribute) map[string]schema.Attribute {
	attrs["tags"] = schema.MapAttribute{Optional: true, ElementType: types.StringType, Description: "The resource's own tags."}
	attrs["tags_all"] = schema.MapAttribute{Computed: true, ElementType: types.StringType, Description: "Its tags with the provider's default_tags."}
	return attrs
}

func requiresReplace() []planmodifier.String {
	return []planmodifier.String{stringplanmodifier.RequiresReplace()}
}

// Value conversions.

func mapValue(m map[string]string) types.Map {
	elems := make(map[string]attr.Value, len(m))
	for k, v := range m {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

func setValue(ss []string) types.Set {
	elems := make([]attr.Value, 0, len(ss))
	for _, s := range ss {
		elems = append(elems, types.StringValue(s))
	}
	return types.SetValueMust(types.StringType, elems)
}

func listValue(ss []string) types.List {
	elems := make([]attr.Value, 0, len(ss))
	for _, s := range ss {
		elems = append(elems, types.StringValue(s))
	}
	return types.ListValueMust(types.StringType, elems)
}

func stringsOf(ctx context.Context, s types.Set) ([]string, error) {
	var out []string
	if s.IsNull() || s.IsUnknown() {
		return nil, nil
	}
	if d := s.ElementsAs(ctx, &out, false); d.HasError() {
		return nil, fmt.Errorf("%s", d.Errors()[0].Detail())
	}
	slices.Sort(out)
	return out, nil
}

// orDefault is v's string, or def when v is null or unknown.
func orDefault(v types.String, def string) string {
	if v.IsNull() || v.IsUnknown() {
		return def
	}
	return v.ValueString()
}

// errGone marks a resource that exists in a state that counts as deleted
// (a key pending deletion, an inactive service).
var errGone = cloud.ErrNotFound
