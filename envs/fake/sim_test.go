package fake

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/envbench/envbench/envs/cloud"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testSim opens a simulation in a temporary directory with the default
// pace, a test clock and the demo's roles.
func testSim(t *testing.T) (*Sim, *clock) {
	t.Helper()
	c := newClock()
	s, err := Open(filepath.Join(t.TempDir(), "sim", "aws.db"), Options{Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, r := range []Role{
		{ARN: "arn:aws:iam::111111111111:role/envbench-deployer"},
		{ARN: "arn:aws:iam::222222222222:role/envbench-deployer"},
		{ARN: "arn:aws:iam::333333333333:role/envbench-sandbox"},
	} {
		if err := s.CreateRole(r); err != nil {
			t.Fatal(err)
		}
	}
	return s, c
}

func connect(t *testing.T, s *Sim, account string) *Account {
	t.Helper()
	role := "arn:aws:iam::" + account + ":role/envbench-deployer"
	if account == "333333333333" {
		role = "arn:aws:iam::333333333333:role/envbench-sandbox"
	}
	a, err := s.Account(context.Background(), cloud.Target{Region: "eu-west-1", RoleARN: role, SessionName: "envbench-test-run"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestOpenPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".envbench", "sim")
	s, err := Open(filepath.Join(dir, "aws.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for path, want := range map[string]string{dir: "drwx------", filepath.Join(dir, "aws.db"): "-rw-------"} {
		fi, err := osStat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().String(); got != want {
			t.Errorf("%s: mode %s, want %s", path, got, want)
		}
	}
	if _, err := Open("", Options{}); err == nil {
		t.Error("an empty path opens")
	}
}

func TestConnectPicksAccountByRole(t *testing.T) {
	s, _ := testSim(t)
	ctx := context.Background()
	cases := []struct {
		name        string
		target      cloud.Target
		account     string
		arn         string
		errKind     error
		errContains string
	}{
		{"no role: default identity", cloud.Target{Region: "eu-west-1"}, "999999999999", DefaultIdentity, nil, ""},
		{"production role", cloud.Target{Region: "eu-west-1", RoleARN: "arn:aws:iam::111111111111:role/envbench-deployer", SessionName: "envbench-run-1"},
			"111111111111", "arn:aws:sts::111111111111:assumed-role/envbench-deployer/envbench-run-1", nil, ""},
		{"qa role", cloud.Target{Region: "eu-west-1", RoleARN: "arn:aws:iam::222222222222:role/envbench-deployer", SessionName: "envbench-run-2"},
			"222222222222", "arn:aws:sts::222222222222:assumed-role/envbench-deployer/envbench-run-2", nil, ""},
		{"unknown role", cloud.Target{Region: "eu-west-1", RoleARN: "arn:aws:iam::444444444444:role/nobody", SessionName: "envbench-run-3"},
			"", "", cloud.ErrAccessDenied, "is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::444444444444:role/nobody"},
		{"not an ARN", cloud.Target{Region: "eu-west-1", RoleARN: "envbench-deployer", SessionName: "x1"}, "", "", nil, "not a role ARN"},
		{"bad region", cloud.Target{Region: "Mars"}, "", "", nil, "region"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			acct, err := s.Connect(ctx, c.target)
			if c.errKind != nil || c.errContains != "" {
				if err == nil {
					t.Fatalf("connected as %s", acct.Caller.ARN)
				}
				if c.errKind != nil && !errors.Is(err, c.errKind) {
					t.Errorf("error %v is not %v", err, c.errKind)
				}
				if !containsString(err.Error(), c.errContains) {
					t.Errorf("error %q lacks %q", err, c.errContains)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if acct.ID != c.account || acct.Caller.ARN != c.arn {
				t.Errorf("account %s as %s, want %s as %s", acct.ID, acct.Caller.ARN, c.account, c.arn)
			}
			got, err := acct.Identity.CallerIdentity(ctx)
			if err != nil || got != acct.Caller {
				t.Errorf("CallerIdentity = %+v, %v; want %+v", got, err, acct.Caller)
			}
		})
	}
}

func TestRoleTrust(t *testing.T) {
	s, _ := testSim(t)
	ctx := context.Background()
	if err := s.CreateRole(Role{ARN: "arn:aws:iam::111111111111:role/break-glass", TrustedBy: []string{"arn:aws:iam::999999999999:role/AWSReservedSSO_Other_1234"}}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Connect(ctx, cloud.Target{Region: "eu-west-1", RoleARN: "arn:aws:iam::111111111111:role/break-glass", SessionName: "me@acme.example"})
	if !errors.Is(err, cloud.ErrAccessDenied) {
		t.Fatalf("a role that does not trust the caller: %v, want access denied", err)
	}
	if err := s.CreateRole(Role{ARN: "arn:aws:iam::111111111111:role/break-glass", TrustedBy: []string{"999999999999"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Connect(ctx, cloud.Target{Region: "eu-west-1", RoleARN: "arn:aws:iam::111111111111:role/break-glass", SessionName: "me@acme.example"}); err != nil {
		t.Fatalf("a role that trusts the caller's account: %v", err)
	}
	if err := s.CreateRole(Role{ARN: "arn:aws:iam::111111111111:role/partner", ExternalID: "acme-7f3a"}); err != nil {
		t.Fatal(err)
	}
	for id, ok := range map[string]bool{"": false, "wrong": false, "acme-7f3a": true} {
		_, err := s.Connect(ctx, cloud.Target{Region: "eu-west-1", RoleARN: "arn:aws:iam::111111111111:role/partner", ExternalID: id, SessionName: "envbench-x"})
		if ok != (err == nil) || !ok && !errors.Is(err, cloud.ErrAccessDenied) {
			t.Errorf("external id %q: %v", id, err)
		}
	}
	if err := s.CreateRole(Role{ARN: "arn:aws:iam::111111111111:role/x", TrustedBy: []string{"someone"}}); err == nil {
		t.Error("a trust list with a bad principal is accepted")
	}
}
