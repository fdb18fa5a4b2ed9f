package cloudtest

import (
	"context"
	"testing"

	"github.com/envbench/envbench/envs/cloud"
)

func (s *suite) tagging(t *testing.T) {
	ctx := context.Background()
	tags := map[string]string{envTag: s.name("tagging")}
	vpc, err := s.primary.Network.CreateVPC(ctx, "10.91.0.0/16", tags)
	must(t, err, "create a VPC")
	t.Cleanup(func() { _ = s.primary.Network.DeleteVPC(context.Background(), vpc.ID) })
	key, err := s.primary.Keys.CreateKey(ctx, "conformance tagging", tags)
	must(t, err, "create a key")
	t.Cleanup(func() { _ = s.primary.Keys.ScheduleKeyDeletion(context.Background(), key.ID, 7) })
	if vpc.ARN == "" || key.ARN == "" {
		t.Fatalf("VPC ARN %q, key ARN %q: want both", vpc.ARN, key.ARN)
	}

	// The Tagging API may lag behind the services it reads.
	var got []cloud.TaggedResource
	byARN := map[string]map[string]string{}
	s.await(t, "the VPC and the key found by tag", func(ctx context.Context) (bool, error) {
		var err error
		got, err = s.primary.Tagging.ResourcesByTag(ctx, envTag, tags[envTag])
		clear(byARN)
		for _, r := range got {
			byARN[r.ARN] = r.Tags
		}
		return byARN[vpc.ARN] != nil && byARN[key.ARN] != nil, err
	})
	for _, arn := range []string{vpc.ARN, key.ARN} {
		if _, ok := byARN[arn]; !ok {
			t.Errorf("%s is tagged %s=%s but not found by tag (found %d: %v)", arn, envTag, tags[envTag], len(got), got)
		}
		hasTags(t, byARN[arn], tags, arn)
	}

	none, err := s.primary.Tagging.ResourcesByTag(ctx, envTag, s.name("nothing"))
	must(t, err, "resources by a tag nothing has")
	if len(none) != 0 {
		t.Errorf("a tag nothing carries found %v", none)
	}

	t.Run("TagResources", func(t *testing.T) {
		s.gap(t, TagResourcesRefused, "TagResources does not tag VPCs and keys")
		extra := map[string]string{"envbench:owner": s.name("owner")}
		must(t, s.primary.Tagging.TagResources(ctx, []string{vpc.ARN, key.ARN}, extra), "tag resources")
		var got []cloud.TaggedResource
		var arns []string
		s.await(t, "the VPC and the key found by the added tag", func(ctx context.Context) (bool, error) {
			var err error
			got, err = s.primary.Tagging.ResourcesByTag(ctx, "envbench:owner", extra["envbench:owner"])
			arns = arns[:0]
			for _, r := range got {
				arns = append(arns, r.ARN)
			}
			return containsAll(arns, vpc.ARN, key.ARN), err
		})
		for _, r := range got {
			hasTags(t, r.Tags, tags, r.ARN)
		}
		if !containsAll(arns, vpc.ARN, key.ARN) || len(arns) != 2 {
			t.Errorf("found by the added tag: %v, want exactly %s and %s", arns, vpc.ARN, key.ARN)
		}
	})
}
