package aws

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	tg "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	tgtypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"

	"github.com/envbench/envbench/envs/cloud"
)

// tagging is cloud.Tagging on the Resource Groups Tagging API.
type tagging struct{ c *tg.Client }

var _ cloud.Tagging = (*tagging)(nil)

func (g *tagging) ResourcesByTag(ctx context.Context, key, value string) ([]cloud.TaggedResource, error) {
	if key == "" {
		return nil, fmt.Errorf("resources by tag: empty tag key")
	}
	p := tg.NewGetResourcesPaginator(g.c, &tg.GetResourcesInput{
		TagFilters: []tgtypes.TagFilter{{Key: aws.String(key), Values: []string{value}}},
	})
	var out []cloud.TaggedResource
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("resources tagged %s=%s: %w", key, value, classify("tagging", "GetResources", ref{Type: "tag", ID: key}, err))
		}
		for _, m := range page.ResourceTagMappingList {
			tags := make(map[string]string, len(m.Tags))
			for _, t := range m.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			out = append(out, cloud.TaggedResource{ARN: aws.ToString(m.ResourceARN), Tags: tags})
		}
	}
	return out, nil
}

// tagBatch is how many ARNs TagResources takes in one call.
const tagBatch = 20

func (g *tagging) TagResources(ctx context.Context, arns []string, tags map[string]string) error {
	if len(tags) == 0 || len(arns) == 0 {
		return nil
	}
	for start := 0; start < len(arns); start += tagBatch {
		batch := arns[start:min(start+tagBatch, len(arns))]
		out, err := g.c.TagResources(ctx, &tg.TagResourcesInput{ResourceARNList: batch, Tags: tags})
		if err != nil {
			return fmt.Errorf("tag %d resources: %w", len(batch), classify("tagging", "TagResources", ref{Type: "resource", ID: batch[0]}, err))
		}
		if len(out.FailedResourcesMap) > 0 {
			var failed []string
			for arn, info := range out.FailedResourcesMap {
				failed = append(failed, fmt.Sprintf("%s (%s: %s)", arn, info.ErrorCode, aws.ToString(info.ErrorMessage)))
			}
			sort.Strings(failed)
			return fmt.Errorf("tagging TagResources: %d of %d resources not tagged: %s", len(failed), len(batch), strings.Join(failed, "; "))
		}
	}
	return nil
}
