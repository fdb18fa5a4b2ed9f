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
