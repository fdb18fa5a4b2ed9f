package fake

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs/cloud"
)

func TestApplyExampleSeed(t *testing.T) {
	seed, err := LoadSeed("testdata/seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := newClock()
	s, err := Open(filepath.Join(t.TempDir(), "aws.db"), Options{Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Apply(ctx, seed); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(ctx, seed); err != nil {
		t.Fatalf("applying the same seed again: %v", err)
	}
	prod, err := s.Connect(ctx, cloud.Target{Region: "eu-west-1", RoleARN: "arn:aws:iam::111111111111:role/envbench-deployer", SessionName: "envbench-check"})
	if err != nil {
		t.Fatal(err)
	}
	db, err := prod.Databases.Instance(ctx, "production-orders")
	if err != nil || db.Status != cloud.StatusAvailable || db.Class != "db.r6g.xlarge" || !db.DeletionProtection {
		t.Fatalf("production-orders: %+v, %v", db, err)
	}
	if snap, err := prod.Databases.Snapshot(ctx, "production-orders-nightly"); err != nil || snap.Status != cloud.StatusAvailable {
		t.Errorf("the nightly snapshot: %+v, %v", snap, err)
	}
	zones, _ := prod.DNS.Zones(ctx)
	if len(zones) != 1 {
		t.Fatalf("zones %+v", zones)
	}
	records, _ := prod.DNS.Records(ctx, zones[0].ID)
	found := false
	for _, r := range records {
		if r.Name == "orders-db.prod.acme.internal." && r.Values[0] == db.Endpoint {
			found = true
		}
	}
	if !found {
		t.Errorf("no record points at %s: %+v", db.Endpoint, records)
	}
	tagged, _ := prod.Tagging.ResourcesByTag(ctx, "envbench:env", "production")
	if len(tagged) < 12 {
		t.Errorf("%d resources tagged for production", len(tagged))
	}
	if err := prod.Databases.DeleteInstance(ctx, "production-orders"); !errors.Is(err, cloud.ErrInvalidParameter) {
		t.Errorf("deleting production's database: %v", err)
	}
	key, err := prod.Keys.Key(ctx, "alias/envbench-sync")
	if err != nil || key.Managed {
		t.Fatalf("the sync key: %+v, %v", key, err)
	}
	if grants, _ := prod.Keys.Grants(ctx, key.ID); len(grants) != 1 || grants[0].Grantee != "arn:aws:iam::222222222222:root" {
		t.Errorf("grants %+v", grants)
	}

	// History by people through SSO, dated from the clock.
	events, err := s.Events(ctx, EventFilter{Username: "ravi@acme.example"})
	if err != nil || len(events) != 3 {
		t.Fatalf("ravi's events: %d, %v", len(events), err)
	}
	last := events[0]
	if last.Account != "222222222222" || !last.Time.Equal(c.Now().Add(-6*time.Hour)) || !strings.Contains(last.Record, `"arn":"arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_PowerUserAccess_0a1b2c3d4e5f6789/ravi@acme.example"`) ||
		!strings.Contains(last.Record, `"errorCode":"DBInstanceNotFound"`) {
		t.Errorf("ravi's last event: %+v", last)
	}
	if strings.Contains(events[1].Record, "not-recorded") || !strings.Contains(events[1].Record, Hidden) {
		t.Errorf("the seed's password is recorded: %s", events[1].Record)
	}
	if !strings.Contains(events[0].Record, `"arn":"arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PowerUserAccess_0a1b2c3d4e5f6789"`) {
		t.Errorf("the session issuer is not the SSO role: %s", events[0].Record)
	}

	// A person acts through their SSO role, where they have access.
	alice, err := s.Person(ctx, "alice@acme.example", "333333333333", "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	if alice.ident.ARN != "arn:aws:sts::333333333333:assumed-role/AWSReservedSSO_SandboxDeveloper_9f8e7d6c5b4a3210/alice@acme.example" {
		t.Errorf("alice acts as %s", alice.ident.ARN)
	}
	if _, err := s.Person(ctx, "alice@acme.example", "111111111111", "eu-west-1"); err == nil {
		t.Error("alice reaches production")
	}
	if _, err := s.Person(ctx, "nobody@acme.example", "111111111111", "eu-west-1"); err == nil {
		t.Error("a stranger connects")
	}
	left, _ := alice.ResourcesByTag(ctx, "envbench:env", "dev-alice")
	if len(left) != 4 {
		t.Errorf("alice's leftovers: %+v", left)
	}
	for _, r := range left {
		if strings.Contains(r.ARN, ":security-group/") {
			var dv *cloud.DependencyViolationError
			if err := alice.DeleteSecurityGroup(ctx, r.ARN[strings.LastIndex(r.ARN, "/")+1:]); !errors.As(err, &dv) || len(dv.BlockedBy) != 1 || !strings.HasPrefix(dv.BlockedBy[0], "eni-") {
				t.Errorf("the leftover group: %v, want held by the hand-made interface", err)
			}
		}
	}

	other, err := ParseSeed("other.yaml", []byte("accounts: [{id: \"444444444444\", name: x}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(ctx, other); err == nil {
		t.Error("a second, different seed is applied over the first")
	}
}

func TestSeedErrorsArePositioned(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown field", "accounts:\n  - id: \"111111111111\"\n    colour: blue\n", []string{"seed.yaml:3:5: accounts[0].colour: unknown field; allowed: id, name, region, roles, resources"}},
		{"wrong kind", "accounts: yes\n", []string{"seed.yaml:1:11: accounts: want a list, not \"yes\""}},
		{"bad number", "accounts:\n  - id: \"111111111111\"\n    roles: [{name: r}]\n    resources:\n      db_instances:\n        - {id: x, storage_gb: lots}\n", []string{"seed.yaml:6:31: accounts[0].resources.db_instances[0].storage_gb: want a whole number, not \"lots\""}},
		{"unquoted id", "accounts:\n  - id: 0111\n", []string{"seed.yaml:2:5: accounts[0].id: \"0111\" is not a 12-digit account id"}},
		{"bad reference", "accounts:\n  - id: \"111111111111\"\n    roles: [{name: r}]\n    resources:\n      db_instances:\n        - {id: x, subnet_group: nope}\n",
			[]string{"seed.yaml:6:11: accounts[0].resources.db_instances[0].subnet_group: no DB subnet group named \"nope\" in this account"}},
		{"bad offset", "accounts: [{id: \"111111111111\"}]\nhistory:\n  - {who: \"arn:aws:iam::111111111111:user/x\", account: \"111111111111\", at: 72h, service: rds, call: X}\n",
			[]string{"seed.yaml:3:5: history[0].at: \"72h\" is not an offset into the past"}},
		{"unknown person", "accounts: [{id: \"111111111111\"}]\nhistory:\n  - {who: bob, account: \"111111111111\", at: -1h, service: rds, call: X}\n",
			[]string{"seed.yaml:3:5: history[0].who: \"bob\" is neither the email"}},
		{"no role for resources", "accounts:\n  - id: \"111111111111\"\n    resources: {buckets: [{name: b1b}]}\n", []string{"seed.yaml:2:5: accounts[0].roles: an account with resources needs a role"}},
		{"apply a bad name", "apply:\n  - production\n  - Prod_1\n", []string{"seed.yaml:3:5: apply[1]: \"Prod_1\" is not an environment name"}},
		{"apply twice", "apply: [production, production]\n", []string{"seed.yaml:1:21: apply[1]: environment \"production\" is listed twice"}},
		{"apply not a list", "apply: production\n", []string{"seed.yaml:1:8: apply: want a list, not \"production\""}},
		{"made by a stranger", "accounts:\n  - id: \"111111111111\"\n    roles: [{name: r}]\n    resources:\n      vpcs:\n        - name: v\n          cidr: 10.0.0.0/16\n          security_groups:\n            - {name: g, by: eve@acme.example}\n",
			[]string{"seed.yaml:9:15: accounts[0].resources.vpcs[0].security_groups[0].by: \"eve@acme.example\" is not the email of someone under people"}},
		{"made without access", "accounts:\n  - id: \"111111111111\"\n    roles: [{name: r}]\n    resources:\n      vpcs: [{name: v, cidr: 10.0.0.0/16, by: ann@acme.example}]\n  - id: \"222222222222\"\npeople:\n  - {name: Ann, email: ann@acme.example, sso_role: AWSReservedSSO_Dev_1a2b, accounts: [\"222222222222\"]}\n",
			[]string{"seed.yaml:5:14: accounts[0].resources.vpcs[0].by: ann@acme.example has no SSO access to account 111111111111"}},
		{"syntax", "accounts: [\n", []string{"seed.yaml:1:1: invalid YAML"}},
		{"empty", "", []string{"seed.yaml: file is empty"}},
		{"two problems", "region: mars\naccounts:\n  - id: x\n", []string{"seed.yaml:1:9: region:", "seed.yaml:3:5: accounts[0].id"}},
		{"bad region", "accounts: [{id: \"111111111111\"}]\nregion: Europe/Paris\n", []string{"seed.yaml:2:9: region: \"Europe/Paris\" is not a region name"}},
		{"bad identity", "identity: arn:aws:iam::12:user/x\n", []string{"seed.yaml:1:11: identity: "}},
		{"identity not an ARN", "region: eu-west-1\nidentity:\n  nobody\n", []string{"seed.yaml:3:3: identity: "}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseSeed("seed.yaml", []byte(c.yaml))
			var diags config.Diagnostics
			if !errors.As(err, &diags) {
				t.Fatalf("error %v is not config.Diagnostics", err)
			}
			if len(diags) != len(c.want) {
				t.Errorf("%d problems, want %d:\n%v", len(diags), len(c.want), err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("errors\n%v\nlack %q", err, w)
				}
			}
		})
	}
	if _, err := LoadSeed(filepath.Join(t.TempDir(), "none.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

// handMadeSeed has a security group and the interface that holds it made
// by hand, by two people.
const handMadeSeed = `accounts:
  - id: "333333333333"
    roles: [{name: envbench-sandbox}]
    resources:
      vpcs:
        - name: debug
          cidr: 10.9.0.0/16
          by: bob@acme.example
          subnets: [{name: debug-a, cidr: 10.9.0.0/24, by: bob@acme.example}]
          security_groups:
            - {name: debug-ssh, by: bob@acme.example, tags: {envbench:env: dev-bob}, ingress: [{protocol: tcp, from: 22, to: 22, cidrs: [203.0.113.0/24]}]}
          network_interfaces:
            - {subnet: debug-a, security_groups: [debug-ssh], description: debug box, by: dana@acme.example}
people:
  - {name: Bob, email: bob@acme.example, sso_role: AWSReservedSSO_SandboxDeveloper_9f8e, accounts: ["333333333333"]}
  - {name: Dana, email: dana@acme.example, sso_role: AWSReservedSSO_AdministratorAccess_5f1d}
`

func TestSeedResourcesMadeByHand(t *testing.T) {
	seed, err := ParseSeed("seed.yaml", []byte(handMadeSeed))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(filepath.Join(t.TempDir(), "aws.db"), Options{Clock: newClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Apply(ctx, seed); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"CreateVpc":                     "AWSReservedSSO_SandboxDeveloper_9f8e/bob@acme.example",
		"CreateSubnet":                  "AWSReservedSSO_SandboxDeveloper_9f8e/bob@acme.example",
		"CreateSecurityGroup":           "AWSReservedSSO_SandboxDeveloper_9f8e/bob@acme.example",
		"AuthorizeSecurityGroupIngress": "AWSReservedSSO_SandboxDeveloper_9f8e/bob@acme.example",
		"CreateNetworkInterface":        "AWSReservedSSO_AdministratorAccess_5f1d/dana@acme.example",
	}
	for name, who := range want {
		events, err := s.Events(ctx, EventFilter{Name: name})
		if err != nil || len(events) != 1 {
			t.Fatalf("%s: %d events, %v", name, len(events), err)
		}
		if !strings.Contains(events[0].Record, `"arn":"arn:aws:sts::333333333333:assumed-role/`+who+`"`) || !strings.Contains(events[0].Record, ConsoleUserAgent) {
			t.Errorf("%s is not recorded as made by %s in the console: %s", name, who, events[0].Record)
		}
	}
}

func TestParseOffset(t *testing.T) {
	for in, want := range map[string]time.Duration{"-72h": -72 * time.Hour, "-3d": -72 * time.Hour, "-2d4h30m": -(52*time.Hour + 30*time.Minute), "-90s": -90 * time.Second} {
		if got, err := parseOffset(in); err != nil || got != want {
			t.Errorf("%s: %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-", "72h", "+1h", "-1y", "-99999d"} {
		if _, err := parseOffset(bad); err == nil {
			t.Errorf("%q is accepted", bad)
		}
	}
}

func FuzzLoadSeed(f *testing.F) {
	if data, err := os.ReadFile("testdata/seed.yaml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("accounts: [{id: \"111111111111\", roles: [{name: r}], resources: {vpcs: [{name: v, cidr: 10.0.0.0/16}]}}]\n"))
	f.Add([]byte(handMadeSeed))
	f.Add([]byte("a: &a [*a, *a]\nhistory: [{request: {x: *a}}]\n"))
	f.Add([]byte("history: [{request: {.inf: .nan, 1: [2]}}]\n"))
	f.Add([]byte("x: &l [production, qa]\napply: *l\n"))
	f.Add([]byte("region: Europe/Paris\nidentity: arn:aws:iam::12:user/x\n"))
	f.Add([]byte("r: &r eu-west-1\nregion: *r\nidentity: [a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		seed, err := ParseSeed("seed.yaml", data)
		if err != nil {
			var diags config.Diagnostics
			if !errors.As(err, &diags) || len(diags) == 0 {
				t.Fatalf("error %v is not positioned diagnostics", err)
			}
			for _, d := range diags {
				if !strings.HasPrefix(d.String(), "seed.yaml") || d.Message == "" {
					t.Fatalf("diagnostic %q", d)
				}
			}
			return
		}
		if seed == nil {
			t.Fatal("no seed and no error")
		}
	})
}
