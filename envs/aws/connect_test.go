package aws

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/envbench/envbench/envs/cloud"
)

// stsServer answers AssumeRole and GetCallerIdentity as STS does, and
// records the requests.
type stsServer struct {
	mu       sync.Mutex
	requests []url.Values
	auth     []string // each request's Authorization header
}

func (s *stsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, r.PostForm)
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	const ns = `xmlns="https://sts.amazonaws.com/doc/2011-06-15/"`
	switch r.PostForm.Get("Action") {
	case "AssumeRole":
		fmt.Fprintf(w, `<AssumeRoleResponse %s><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAROLEKEY</AccessKeyId><SecretAccessKey>role-secret</SecretAccessKey><SessionToken>role-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/envbench-qa/%s</Arn><AssumedRoleId>AROAQA:%s</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleResponse>`, ns, r.PostForm.Get("RoleSessionName"), r.PostForm.Get("RoleSessionName"))
	case "GetCallerIdentity":
		arn := "arn:aws:iam::999988887777:user/base"
		if strings.Contains(r.Header.Get("Authorization"), "ASIAROLEKEY") {
			arn = "arn:aws:sts::111122223333:assumed-role/envbench-qa/envbench-run-7"
		}
		fmt.Fprintf(w, `<GetCallerIdentityResponse %s><GetCallerIdentityResult><Arn>%s</Arn><UserId>AIDA</UserId><Account>%s</Account></GetCallerIdentityResult>
<ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></GetCallerIdentityResponse>`, ns, arn, accountOf(arn))
	default:
		http.Error(w, "unexpected action", http.StatusBadRequest)
	}
}

func (s *stsServer) actions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.requests {
		out = append(out, r.Get("Action"))
	}
	return out
}

func testConnector(endpoint string) *Connector {
	return &Connector{Endpoint: endpoint, Credentials: credentials.NewStaticCredentialsProvider("AKIABASEKEY", "base-secret", ""), MaxAttempts: 1}
}

// TestConnectAssumesRole: Connect assumes the target's role with its
// session name and external id, acts with the role's credentials, and
// assumes it once for many calls.
func TestConnectAssumesRole(t *testing.T) {
	srv := &stsServer{}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	target := cloud.Target{Region: "eu-west-1", RoleARN: "arn:aws:iam::111122223333:role/envbench-qa", ExternalID: "acme-qa", SessionName: "envbench-run-7"}
	acct, err := testConnector(hs.URL).Connect(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	if acct.ID != "111122223333" || !strings.HasSuffix(acct.Caller.ARN, "/envbench-run-7") {
		t.Errorf("opened %s as %s, want 111122223333 as the role's session", acct.ID, acct.Caller.ARN)
	}
	for range 3 {
		if _, err := acct.Identity.CallerIdentity(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(srv.actions(), ","); got != "AssumeRole,GetCallerIdentity,GetCallerIdentity,GetCallerIdentity,GetCallerIdentity" {
		t.Errorf("calls %s: want the role assumed once, then its credentials reused", got)
	}
	assume := srv.requests[0]
	if assume.Get("RoleArn") != target.RoleARN || assume.Get("RoleSessionName") != "envbench-run-7" || assume.Get("ExternalId") != "acme-qa" {
		t.Errorf("AssumeRole sent %v", assume)
	}
	if !strings.Contains(srv.auth[0], "AKIABASEKEY") || !strings.Contains(srv.auth[1], "ASIAROLEKEY") {
		t.Errorf("AssumeRole signed %q, later calls %q: want the base key, then the role's", srv.auth[0], srv.auth[1])
	}
}

// TestConnectWithoutRole acts as the chain's own identity.
func TestConnectWithoutRole(t *testing.T) {
	srv := &stsServer{}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	acct, err := testConnector(hs.URL).Connect(context.Background(), cloud.Target{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	if acct.ID != "999988887777" || strings.Join(srv.actions(), ",") != "GetCallerIdentity" {
		t.Errorf("opened %s with %v", acct.ID, srv.actions())
	}
}

// TestConfig: every client retries adaptively; S3 is path-style behind
// a custom endpoint.
func TestConfig(t *testing.T) {
	c := testConnector("http://127.0.0.1:1")
	cfg, err := c.config(context.Background(), cloud.Target{Region: "eu-central-1"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RetryMode != aws.RetryModeAdaptive || cfg.Region != "eu-central-1" || aws.ToString(cfg.BaseEndpoint) != "http://127.0.0.1:1" {
		t.Errorf("retry mode %q, region %q, endpoint %v", cfg.RetryMode, cfg.Region, aws.ToString(cfg.BaseEndpoint))
	}
	acct := newAccount(cfg)
	fill(acct, cfg, "123456789012")
	if !acct.Objects.(*objects).c.Options().UsePathStyle {
		t.Error("S3 is not path-style behind a custom endpoint")
	}
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:2")
	cfg, err = (&Connector{Credentials: c.Credentials}).config(context.Background(), cloud.Target{Region: "eu-central-1"})
	if err != nil || aws.ToString(cfg.BaseEndpoint) != "http://127.0.0.1:2" {
		t.Errorf("AWS_ENDPOINT_URL not honoured: %v, %v", aws.ToString(cfg.BaseEndpoint), err)
	}
}

// TestConfigWithoutRegion: with no region anywhere, Connect says where
// to give one.
func TestConfigWithoutRegion(t *testing.T) {
	dir := t.TempDir()
	for _, v := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"} {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_CONFIG_FILE", dir+"/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/credentials")
	_, err := testConnector("http://127.0.0.1:1").Connect(context.Background(), cloud.Target{})
	if err == nil || !strings.Contains(err.Error(), "no AWS region: set the environment's region, or AWS_REGION") {
		t.Errorf("Connect without a region: %v", err)
	}
}

// TestCheckTarget: a target is refused, before any call, with what is
// wrong with it.
func TestCheckTarget(t *testing.T) {
	role := "arn:aws:iam::111122223333:role/envbench-qa"
	cases := []struct {
		target cloud.Target
		want   string // empty: accepted
	}{
		{cloud.Target{Region: "us-east-1"}, ""},
		{cloud.Target{RoleARN: role, SessionName: "envbench-20261201T101500Z-3f9a1c"}, ""},
		{cloud.Target{RoleARN: role, SessionName: "envbench-run", ExternalID: "acme-qa"}, ""},
		{cloud.Target{RoleARN: role}, "needs a session name"},
		{cloud.Target{RoleARN: role, SessionName: "run-1"}, "must be envbench-<run-id>"},
		{cloud.Target{RoleARN: role, SessionName: "envbench-" + strings.Repeat("x", 60)}, "at most 64"},
		{cloud.Target{RoleARN: role, SessionName: "envbench-a b"}, "must be envbench-<run-id>"},
		{cloud.Target{RoleARN: "envbench-qa", SessionName: "envbench-run"}, "is not an IAM role ARN"},
		{cloud.Target{RoleARN: role, SessionName: "envbench-run", ExternalID: "x"}, "2 to 1224"},
		{cloud.Target{ExternalID: "acme-qa"}, "without a role"},
	}
	for _, c := range cases {
		err := checkTarget(c.target)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v refused: %v", c.target, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: error %v, want one saying %q", c.target, err, c.want)
		}
	}
	// Connect refuses before any call: nothing listens on the endpoint.
	if _, err := testConnector("http://127.0.0.1:1").Connect(context.Background(), cloud.Target{Region: "us-east-1", RoleARN: role}); err == nil || !strings.Contains(err.Error(), "session name") {
		t.Errorf("Connect with a role and no session name: %v", err)
	}
}
