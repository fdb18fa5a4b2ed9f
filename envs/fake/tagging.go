package fake

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/envbench/envbench/envs/cloud"
)

// ResourcesByTag implements cloud.Tagging (GetResources) over every
// resource type of the account: those of its region and its global ones
// (hosted zones, buckets).
func (a *Account) ResourcesByTag(ctx context.Context, key, value string) ([]cloud.TaggedResource, error) {
	var out []cloud.TaggedResource
	o := op{service: "tagging", name: "GetResources", readOnly: true, params: map[string]any{"tagFilters": []any{map[string]any{"key": key, "values": []any{value}}}}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		rows, err := tx.Query(`SELECT `+rowColumns+` FROM resources WHERE account = ? AND region IN (?, ?) AND arn != '' AND json_extract(tags, '$.' || json_quote(?)) = ? ORDER BY arn`,
			a.id, a.region, globalRegion, key, value)
		if err != nil {
			return result{}, err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRow(rows)
			if err != nil {
				return result{}, err
			}
			out = append(out, cloud.TaggedResource{ARN: r.ARN, Tags: r.Tags})
		}
		return result{}, rows.Err()
	})
	return out, err
}

// taggable finds a resource of this account by ARN for a tag change.
func (a *Account) taggable(tx *sql.Tx, arn string) (*row, error) {
	r, err := rowByARN(tx, arn)
	if err != nil {
		return nil, err
	}
	if r == nil || r.Account != a.id || (r.Region != a.region && r.Region != globalRegion) {
		return nil, notFound("InvalidParameterException", "resource", arn)
	}
	return r, nil
}

// TagResources implements cloud.Tagging: adds or replaces tags, on every
// resource or on none.
func (a *Account) TagResources(ctx context.Context, arns []string, tags map[string]string) error {
	o := op{service: "tagging", name: "TagResources", params: map[string]any{"resourceARNList": anyStrings(arns), "tags": anyMap(tags)}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		if err := checkTags(tags); err != nil {
			return result{}, err
		}
		var res []eventResource
		for _, arn := range arns {
			r, err := a.taggable(tx, arn)
			if err != nil {
				return result{}, err
			}
			for k, v := range tags {
				r.Tags[k] = v
			}
			if len(r.Tags) > 50 {
				return result{}, invalid("InvalidParameterException", "%s would carry %d tags; at most 50 are allowed", arn, len(r.Tags))
			}
			if err := setTags(tx, r); err != nil {
				return result{}, err
			}
			res = append(res, eventResource{Type: r.Type, Name: r.ID, ARN: r.ARN})
		}
		return result{response: map[string]any{"failedResourcesMap": map[string]any{}}, resources: res}, nil
	})
}

// UntagResources removes tag keys from resources named by ARN.
func (a *Account) UntagResources(ctx context.Context, arns []string, keys []string) error {
	o := op{service: "tagging", name: "UntagResources", params: map[string]any{"resourceARNList": anyStrings(arns), "tagKeys": anyStrings(keys)}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		var res []eventResource
		for _, arn := range arns {
			r, err := a.taggable(tx, arn)
			if err != nil {
				return result{}, err
			}
			for _, k := range keys {
				delete(r.Tags, k)
			}
			if err := setTags(tx, r); err != nil {
				return result{}, err
			}
			res = append(res, eventResource{Type: r.Type, Name: r.ID, ARN: r.ARN})
		}
		return result{response: map[string]any{"failedResourcesMap": map[string]any{}}, resources: res}, nil
	})
}

// Tags reads the tags of one resource of this account by ARN.
func (a *Account) Tags(ctx context.Context, arn string) (map[string]string, error) {
	var tags map[string]string
	o := op{service: "tagging", name: "GetResources", readOnly: true, params: map[string]any{"resourceARNList": []any{arn}}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := a.taggable(tx, arn)
		if err != nil {
			return result{}, err
		}
		tags = cloneTags(r.Tags)
		return result{}, nil
	})
	return tags, err
}

func checkTags(tags map[string]string) error {
	for k, v := range tags {
		if k == "" || len(k) > 128 || len(v) > 256 {
			return invalid("InvalidParameterException", "tag %q=%q: keys are 1 to 128 characters, values at most 256", k, v)
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return invalid("InvalidParameterException", "tag %q: the aws: prefix is reserved for AWS", k)
		}
	}
	return nil
}

func anyMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// serviceTagCall is the call each service records when a resource's tags
// change through it rather than through the Resource Groups Tagging API.
func serviceTagCall(r *row) (service, add, remove string) {
	switch {
	case strings.HasPrefix(r.ARN, "arn:aws:ec2:"):
		return "ec2", "CreateTags", "DeleteTags"
	case strings.HasPrefix(r.ARN, "arn:aws:rds:"):
		return "rds", "AddTagsToResource", "RemoveTagsFromResource"
	case strings.HasPrefix(r.ARN, "arn:aws:kms:"):
		return "kms", "TagResource", "UntagResource"
	case strings.HasPrefix(r.ARN, "arn:aws:secretsmanager:"):
		return "secretsmanager", "TagResource", "UntagResource"
	case strings.HasPrefix(r.ARN, "arn:aws:route53:"):
		return "route53", "ChangeTagsForResource", "ChangeTagsForResource"
	case strings.HasPrefix(r.ARN, "arn:aws:ecs:"):
		return "ecs", "TagResource", "UntagResource"
	case strings.HasPrefix(r.ARN, "arn:aws:s3:"):
		return "s3", "PutBucketTagging", "PutBucketTagging"
	}
	return "tagging", "TagResources", "UntagResources"
}

// SetTags makes a resource's tags exactly tags, as Terraform's provider
// does on update: one call of the resource's own service for the keys
// added or changed (ec2 CreateTags, rds AddTagsToResource...) and one for
// the keys removed, each recorded in CloudTrail.
func (a *Account) SetTags(ctx context.Context, arn string, tags map[string]string) error {
	if err := checkTags(tags); err != nil {
		return fmt.Errorf("set tags of %s: %w", arn, err)
	}
	var cur *row
	if err := a.sim.write(ctx, func(tx *sql.Tx) error {
		var err error
		cur, err = a.taggable(tx, arn)
		return err
	}); err != nil {
		return fmt.Errorf("set tags of %s: %w", arn, err)
	}
	service, addCall, removeCall := serviceTagCall(cur)
	changed := map[string]string{}
	for k, v := range tags {
		if old, ok := cur.Tags[k]; !ok || old != v {
			changed[k] = v
		}
	}
	var removed []string
	for _, k := range sortedKeys(cur.Tags) {
		if _, ok := tags[k]; !ok {
			removed = append(removed, k)
		}
	}
	change := func(call string, params map[string]any, apply func(map[string]string)) error {
		o := op{service: service, name: call, params: params}
		return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
			r, err := a.taggable(tx, arn)
			if err != nil {
				return result{}, err
			}
			apply(r.Tags)
			return result{resources: []eventResource{{Type: r.Type, Name: r.ID, ARN: r.ARN}}}, setTags(tx, r)
		})
	}
	if len(changed) > 0 {
		params := map[string]any{"resourceArn": arn, "tags": tagList(changed)}
		if err := change(addCall, params, func(t map[string]string) {
			for k, v := range changed {
				t[k] = v
			}
		}); err != nil {
			return err
		}
	}
	if len(removed) > 0 {
		params := map[string]any{"resourceArn": arn, "tagKeys": anyStrings(removed)}
		if err := change(removeCall, params, func(t map[string]string) {
			for _, k := range removed {
				delete(t, k)
			}
		}); err != nil {
			return err
		}
	}
	return nil
}
