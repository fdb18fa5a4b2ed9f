package cloudtest

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/envbench/envbench/envs/cloud"
)

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

func (s *suite) identity(t *testing.T) {
	ctx := context.Background()
	c, err := s.primary.Identity.CallerIdentity(ctx)
	must(t, err, "caller identity")
	if !accountID.MatchString(c.Account) || c.Account != s.primary.ID || c.ARN == "" {
		t.Errorf("caller %+v of account %q: want a 12-digit account, the account's id, an ARN", c, s.primary.ID)
	}
	if s.primary.Caller.Account != c.Account || s.primary.Caller.ARN != c.ARN {
		t.Errorf("Connect's caller %+v, CallerIdentity's %+v", s.primary.Caller, c)
	}
	if r := s.b.Primary; r.RoleARN != "" && !strings.Contains(c.ARN, r.SessionName) {
		t.Errorf("caller %s does not carry the session name %s", c.ARN, r.SessionName)
	}

	t.Run("AssumeRole", func(t *testing.T) {
		s.needPeer(t)
		if s.b.Peer.RoleARN == "" {
			t.Skip("the peer account is not opened through a role")
		}
		got, err := s.primary.Identity.AssumeRole(ctx, s.b.Peer)
		must(t, err, "assume the peer's role")
		if got.Account != s.peer.ID || !strings.Contains(got.ARN, s.b.Peer.SessionName) {
			t.Errorf("assumed %+v, want account %s and session %s", got, s.peer.ID, s.b.Peer.SessionName)
		}
	})

	t.Run("TargetChecked", func(t *testing.T) {
		bad := s.b.Primary
		bad.RoleARN, bad.SessionName = "arn:aws:iam::"+s.primary.ID+":role/envbench-check", ""
		if _, err := s.b.Connector.Connect(ctx, bad); err == nil {
			t.Error("a role without a session name was accepted")
		}
		if _, err := s.primary.Identity.AssumeRole(ctx, cloud.Target{Region: bad.Region}); err == nil {
			t.Error("AssumeRole without a role was accepted")
		}
	})
}

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

	got, err := s.primary.Tagging.ResourcesByTag(ctx, envTag, tags[envTag])
	must(t, err, "resources by tag")
	byARN := map[string]map[string]string{}
	for _, r := range got {
		byARN[r.ARN] = r.Tags
	}
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
		got, err := s.primary.Tagging.ResourcesByTag(ctx, "envbench:owner", extra["envbench:owner"])
		must(t, err, "resources by the added tag")
		var arns []string
		for _, r := range got {
			arns = append(arns, r.ARN)
			hasTags(t, r.Tags, tags, r.ARN)
		}
		if !containsAll(arns, vpc.ARN, key.ARN) || len(arns) != 2 {
			t.Errorf("found by the added tag: %v, want exactly %s and %s", arns, vpc.ARN, key.ARN)
		}
	})
}
