package simprovider

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/fake"
	"github.com/envbench/envbench/internal/testkit"
)

func TestMain(m *testing.M) {
	ServeIfPlugin() // Terraform runs this test binary as the provider
	os.Exit(m.Run())
}

const (
	sandboxAccount = "333333333333"
	sandboxRole    = "arn:aws:iam::333333333333:role/envbench-sandbox"
)

// workspace is a Terraform root module on the simulated provider, its
// account with the sandbox role, and the environment Terraform runs in.
type workspace struct {
	t    *testing.T
	bin  string
	dir  string
	root string
	env  []string
	sim  *fake.Sim
	// setup is Install's result.
	setup *Setup
}

func newWorkspace(t *testing.T, tf string) *workspace {
	t.Helper()
	bin := testkit.Terraform(t)
	root := t.TempDir()
	sim, err := fake.Open(DatabasePath(root), fake.Options{Pace: &fake.Pace{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	if err := sim.CreateRole(fake.Role{ARN: sandboxRole}); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Install(root, exe)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "work")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	w := &workspace{t: t, bin: bin, dir: dir, root: root, sim: sim, setup: s}
	w.write(tf)
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "TF_") {
			continue
		}
		w.env = append(w.env, kv)
	}
	for k, v := range s.Env {
		w.env = append(w.env, k+"="+v)
	}
	w.env = append(w.env, PaceEnv+"=instant", "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	return w
}

func (w *workspace) write(tf string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, "main.tf"), []byte(tf), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// terraform runs terraform and returns its stdout; it fails the test
// unless the exit code is one of ok (default 0).
func (w *workspace) terraform(args []string, ok ...int) string {
	w.t.Helper()
	cmd := exec.Command(w.bin, args...)
	cmd.Dir, cmd.Env = w.dir, w.env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	code := 0
	if ee, isExit := err.(*exec.ExitError); isExit {
		code = ee.ExitCode()
	} else if err != nil {
		w.t.Fatalf("terraform %v: %v", args, err)
	}
	if len(ok) == 0 {
		ok = []int{0}
	}
	if !slices.Contains(ok, code) {
		w.t.Fatalf("terraform %v: exit %d\n%s\n%s", args, code, out, stderr.String())
	}
	return string(out)
}

func (w *workspace) account(session string) *fake.Account {
	w.t.Helper()
	a, err := w.sim.Account(context.Background(), cloud.Target{Region: "eu-west-1", RoleARN: sandboxRole, SessionName: session})
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

func (w *workspace) tagged(env string) []string {
	w.t.Helper()
	rs, err := w.account("envbench-test").ResourcesByTag(context.Background(), "envbench:env", env)
	if err != nil {
		w.t.Fatal(err)
	}
	var arns []string
	for _, r := range rs {
		arns = append(arns, r.ARN)
	}
	slices.Sort(arns)
	return arns
}

const sandboxTF = `
terraform {
  required_providers {
    aws = { source = "envbench.local/envbench/aws" }
  }
}

provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["333333333333"]
  assume_role {
    role_arn     = "arn:aws:iam::333333333333:role/envbench-sandbox"
    session_name = "envbench-run-1"
  }
  default_tags {
    tags = { "envbench:env" = "dev-alice" }
  }
}

resource "aws_vpc" "this" {
  cidr_block = "10.100.0.0/20"
  tags       = { Name = "dev-alice" }
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.this.id
  cidr_block        = "10.100.0.0/22"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.this.id
  cidr_block        = "10.100.4.0/22"
  availability_zone = "eu-west-1b"
}

resource "aws_security_group" "db" {
  name   = "dev-alice-db"
  vpc_id = aws_vpc.this.id
}

resource "aws_db_subnet_group" "db" {
  name       = "dev-alice"
  subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]
}

resource "aws_db_instance" "db" {
  identifier                  = "dev-alice-db"
  engine                      = "postgres"
  engine_version              = "16.4"
  instance_class              = "db.t4g.micro"
  allocated_storage           = 20
  storage_encrypted           = true
  username                    = "orders_admin"
  manage_master_user_password = true
  db_subnet_group_name        = aws_db_subnet_group.db.name
  vpc_security_group_ids      = [aws_security_group.db.id]
  skip_final_snapshot         = true
}

resource "aws_route53_zone" "private" {
  name = "dev-alice.acme.internal"
  vpc {
    vpc_id = aws_vpc.this.id
  }
}

resource "aws_route53_record" "db" {
  zone_id = aws_route53_zone.private.zone_id
  name    = "orders-db.dev-alice.acme.internal"
  type    = "CNAME"
  ttl     = 60
  records = [aws_db_instance.db.address]
}

resource "aws_kms_key" "k" {
  description             = "dev-alice key"
  enable_key_rotation     = true
  deletion_window_in_days = 7
}

resource "aws_s3_bucket" "b" {
  bucket = "dev-alice-artifacts"
}

resource "aws_ecs_cluster" "c" {
  name = "dev-alice"
}

resource "aws_ecs_service" "s" {
  name            = "orders"
  cluster         = aws_ecs_cluster.c.id
  task_definition = "dev-alice-orders:1"
  desired_count   = 1
  network_configuration {
    subnets         = [aws_subnet.a.id, aws_subnet.b.id]
    security_groups = [aws_security_group.db.id]
  }
}

output "endpoint" {
  value = aws_db_instance.db.endpoint
}
`

// planJSON is a saved plan as terraform show -json prints it.
type planJSON struct {
	ResourceDrift []struct {
		Address string `json:"address"`
		Change  struct {
			Actions []string       `json:"actions"`
			After   map[string]any `json:"after"`
		} `json:"change"`
	} `json:"resource_drift"`
	ResourceChanges []struct {
		Address string `json:"address"`
		Type    string `json:"type"`
		Change  struct {
			Actions []string       `json:"actions"`
			After   map[string]any `json:"after"`
		} `json:"change"`
	} `json:"resource_changes"`
}

func (w *workspace) show(plan string) planJSON {
	w.t.Helper()
	var p planJSON
	if err := json.Unmarshal([]byte(w.terraform([]string{"show", "-json", plan})), &p); err != nil {
		w.t.Fatal(err)
	}
	return p
}

// TestTerraformLifecycle applies a configuration of every resource type
// with the real terraform, finds exactly its resources by their tag,
// shows a change made outside Terraform as drift, and destroys them all.
func TestTerraformLifecycle(t *testing.T) {
	w := newWorkspace(t, sandboxTF)
	w.terraform([]string{"init", "-input=false", "-no-color"})
	lock, err := os.ReadFile(filepath.Join(w.dir, ".terraform.lock.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(lock), `provider "envbench.local/envbench/aws"`) || !strings.Contains(string(lock), w.setup.Hash) {
		t.Fatalf("the lock file records no simulated provider with hash %s:\n%s", w.setup.Hash, lock)
	}
	// The lock entry is current: RefreshLock leaves it.
	if changed, err := RefreshLock(w.dir, w.setup); err != nil || changed {
		t.Fatalf("RefreshLock of a current entry = %v, %v; want it unchanged", changed, err)
	}

	w.terraform([]string{"plan", "-input=false", "-no-color", "-out=create.tfplan"}, 0)
	p := w.show("create.tfplan")
	if len(p.ResourceChanges) != 12 {
		t.Fatalf("planned %d changes, want 12", len(p.ResourceChanges))
	}
	for _, rc := range p.ResourceChanges {
		if rc.Type == "aws_vpc" {
			want := map[string]any{"envbench:env": "dev-alice", "Name": "dev-alice"}
			if got, _ := rc.Change.After["tags_all"].(map[string]any); !mapsEqual(got, want) {
				t.Errorf("planned tags_all of the VPC = %v, want %v", rc.Change.After["tags_all"], want)
			}
		}
	}
	w.terraform([]string{"apply", "-input=false", "-no-color", "create.tfplan"})

	// Everything taggable carries the environment's tag; nothing else does.
	arns := w.tagged("dev-alice")
	if len(arns) != 11 { // every resource but the record, which takes no tags
		t.Errorf("tagged resources = %d:\n%s", len(arns), strings.Join(arns, "\n"))
	}
	// Every call was made as the session the provider block names.
	created, err := w.sim.Events(context.Background(), fake.EventFilter{Account: sandboxAccount, Name: "CreateDBInstance"})
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != 1 || created[0].Username != "envbench-run-1" {
		t.Errorf("CreateDBInstance events = %+v, want one by session envbench-run-1", created)
	}
	endpoint := strings.TrimSpace(w.terraform([]string{"output", "-raw", "endpoint"}))
	if !strings.HasPrefix(endpoint, "dev-alice-db.") || !strings.HasSuffix(endpoint, ".rds.amazonaws.com:5432") {
		t.Errorf("endpoint = %q", endpoint)
	}

	// No changes right after apply.
	w.terraform([]string{"plan", "-input=false", "-no-color", "-detailed-exitcode"}, 0)

	// A change made outside Terraform, by a named person, is drift.
	a := w.account("ann@acme.example")
	if _, err := a.ModifyInstance(context.Background(), "dev-alice-db", "db.r6g.large", ""); err != nil {
		t.Fatal(err)
	}
	w.terraform([]string{"plan", "-refresh-only", "-input=false", "-no-color", "-out=drift.tfplan"}, 0)
	drift := w.show("drift.tfplan")
	found := false
	for _, d := range drift.ResourceDrift {
		if d.Address == "aws_db_instance.db" && d.Change.After["instance_class"] == "db.r6g.large" {
			found = true
		}
	}
	if !found {
		t.Errorf("the refresh-only plan shows no drift of aws_db_instance.db's instance_class: %+v", drift.ResourceDrift)
	}

	w.terraform([]string{"destroy", "-auto-approve", "-input=false", "-no-color"})
	// As on AWS, a key scheduled for deletion stays until its window ends.
	for _, arn := range w.tagged("dev-alice") {
		if k, err := a.Key(context.Background(), arn); err != nil || k.State != "PendingDeletion" {
			t.Errorf("after destroy, still tagged dev-alice: %s (%+v, %v)", arn, k, err)
		}
	}
}

func mapsEqual(got map[string]any, want map[string]any) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// TestAllowedAccountIDs: a role that resolves to another account fails
// before anything is planned, as with the real provider.
func TestAllowedAccountIDs(t *testing.T) {
	w := newWorkspace(t, strings.Replace(sandboxTF, `allowed_account_ids = ["333333333333"]`, `allowed_account_ids = ["111111111111"]`, 1))
	w.terraform([]string{"init", "-input=false", "-no-color"})
	cmd := exec.Command(w.bin, "plan", "-input=false", "-no-color")
	cmd.Dir, cmd.Env = w.dir, w.env
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "Invalid account") || !strings.Contains(string(out), "account 333333333333") {
		t.Errorf("plan against another account: %v\n%s", err, out)
	}
}

// stateValue is an attribute of a resource in the workspace's state.
func (w *workspace) stateValue(address, name string) string {
	w.t.Helper()
	var st struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string         `json:"address"`
					Values  map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(w.terraform([]string{"show", "-json"})), &st); err != nil {
		w.t.Fatal(err)
	}
	for _, r := range st.Values.RootModule.Resources {
		if r.Address == address {
			if v, ok := r.Values[name].(string); ok {
				return v
			}
		}
	}
	w.t.Fatalf("no %s.%s in the state", address, name)
	return ""
}

// TestSimOpenPortIsDrift: each change the sim console makes outside
// Terraform (open a port, resize a database, delete a DNS record) shows as
// drift in a refresh-only plan with the real terraform.
func TestSimOpenPortIsDrift(t *testing.T) {
	w := newWorkspace(t, sandboxTF)
	w.terraform([]string{"init", "-input=false", "-no-color"})
	w.terraform([]string{"apply", "-auto-approve", "-input=false", "-no-color"})
	w.terraform([]string{"plan", "-input=false", "-no-color", "-detailed-exitcode"}, 0)

	ctx := context.Background()
	a := w.account("dana@acme.example")
	rule := cloud.Rule{Protocol: "tcp", FromPort: 22, ToPort: 22, CIDRs: []string{"0.0.0.0/0"}}
	if err := a.AuthorizeIngress(ctx, w.stateValue("aws_security_group.db", "id"), rule); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ModifyInstance(ctx, "dev-alice-db", "db.r6g.large", ""); err != nil {
		t.Fatal(err)
	}
	zone := w.stateValue("aws_route53_zone.private", "zone_id")
	rec, err := a.Record(ctx, zone, "orders-db.dev-alice.acme.internal", "CNAME")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.DeleteRecord(ctx, zone, rec); err != nil {
		t.Fatal(err)
	}

	w.terraform([]string{"plan", "-refresh-only", "-input=false", "-no-color", "-out=drift.tfplan"}, 0)
	drift := map[string]map[string]any{}
	deleted := map[string]bool{}
	for _, d := range w.show("drift.tfplan").ResourceDrift {
		drift[d.Address] = d.Change.After
		deleted[d.Address] = slices.Contains(d.Change.Actions, "delete")
	}
	for _, tc := range []struct {
		change, address string
		check           func(after map[string]any) bool
	}{
		{"open a port", "aws_security_group.db", func(after map[string]any) bool {
			in, _ := after["ingress"].([]any)
			if len(in) != 1 {
				return false
			}
			r, _ := in[0].(map[string]any)
			return r["protocol"] == "tcp" && r["from_port"] == 22.0 && r["to_port"] == 22.0
		}},
		{"resize a database", "aws_db_instance.db", func(after map[string]any) bool { return after["instance_class"] == "db.r6g.large" }},
		{"delete a DNS record", "aws_route53_record.db", func(map[string]any) bool { return deleted["aws_route53_record.db"] }},
	} {
		after, ok := drift[tc.address]
		if !ok || !tc.check(after) {
			t.Errorf("%s: the refresh-only plan shows no drift of %s (got %v)", tc.change, tc.address, after)
		}
	}

	// As with AWS's provider, rules left out of the configuration are not
	// managed; declared (as blocks), Terraform makes the account's rules
	// exactly those: the opened port is closed.
	w.write(strings.Replace(sandboxTF, "vpc_id = aws_vpc.this.id\n}\n\nresource \"aws_db_subnet_group\"",
		"vpc_id = aws_vpc.this.id\n  ingress {\n    protocol    = \"tcp\"\n    from_port   = 5432\n    to_port     = 5432\n    cidr_blocks = [\"10.0.0.0/16\"]\n  }\n}\n\nresource \"aws_db_subnet_group\"", 1))
	w.terraform([]string{"apply", "-auto-approve", "-input=false", "-no-color"})
	g, err := a.SecurityGroup(ctx, w.stateValue("aws_security_group.db", "id"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (cloud.Rule{Protocol: "tcp", FromPort: 5432, ToPort: 5432, CIDRs: []string{"10.0.0.0/16"}}); len(g.Ingress) != 1 || !g.Ingress[0].Same(want) {
		t.Errorf("after apply, the group's ingress is %+v, want only %+v", g.Ingress, want)
	}
	w.terraform([]string{"plan", "-input=false", "-no-color", "-detailed-exitcode"}, 0)
}

// TestSecurityGroupEgress: a group's egress is the account's. Left out of
// the configuration, a new group keeps AWS's default (all traffic out)
// and plans no change; a rule added outside Terraform is drift in a
// refresh-only plan; declared, the account's egress is made exactly the
// declared rules, on a new group and on one that exists, with no change
// planned after.
func TestSecurityGroupEgress(t *testing.T) {
	header := sandboxTF[:strings.Index(sandboxTF, `resource "aws_vpc"`)]
	config := func(egress string) string {
		return header + `
resource "aws_vpc" "this" {
  cidr_block = "10.100.0.0/20"
}

resource "aws_security_group" "app" {
  name   = "dev-alice-app"
  vpc_id = aws_vpc.this.id` + egress + `
}

resource "aws_security_group" "locked" {
  name   = "dev-alice-locked"
  vpc_id = aws_vpc.this.id
  egress {
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["10.100.0.0/20"]
  }
}
`
	}
	w := newWorkspace(t, config(""))
	w.terraform([]string{"init", "-input=false", "-no-color"})
	w.terraform([]string{"apply", "-auto-approve", "-input=false", "-no-color"})
	w.terraform([]string{"plan", "-input=false", "-no-color", "-detailed-exitcode"}, 0)

	ctx := context.Background()
	a := w.account("dana@acme.example")
	egressOf := func(address string) []cloud.Rule {
		t.Helper()
		g, err := a.SecurityGroup(ctx, w.stateValue(address, "id"))
		if err != nil {
			t.Fatal(err)
		}
		return g.Egress
	}
	all := cloud.Rule{Protocol: "-1", CIDRs: []string{"0.0.0.0/0"}}
	https := cloud.Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: []string{"10.100.0.0/20"}}
	if got := egressOf("aws_security_group.app"); len(got) != 1 || !got[0].Same(all) {
		t.Errorf("a group without egress in its configuration has egress %+v, want AWS's default %+v", got, all)
	}
	if got := egressOf("aws_security_group.locked"); len(got) != 1 || !got[0].Same(https) {
		t.Errorf("a new group with declared egress has %+v, want only %+v", got, https)
	}

	smtp := cloud.Rule{Protocol: "tcp", FromPort: 25, ToPort: 25, CIDRs: []string{"0.0.0.0/0"}}
	if err := a.AuthorizeEgress(ctx, w.stateValue("aws_security_group.app", "id"), smtp); err != nil {
		t.Fatal(err)
	}
	w.terraform([]string{"plan", "-refresh-only", "-input=false", "-no-color", "-out=drift.tfplan"})
	var drifted []string
	for _, d := range w.show("drift.tfplan").ResourceDrift {
		drifted = append(drifted, d.Address)
		out, _ := d.Change.After["egress"].([]any)
		ports := map[float64]bool{}
		for _, r := range out {
			r, _ := r.(map[string]any)
			p, _ := r["from_port"].(float64)
			ports[p] = true
		}
		if d.Address == "aws_security_group.app" && (len(out) != 2 || !ports[25] || !ports[0]) {
			t.Errorf("the drift of the opened egress: %v", out)
		}
	}
	if !slices.Equal(drifted, []string{"aws_security_group.app"}) {
		t.Errorf("drifted %v, want only aws_security_group.app", drifted)
	}

	// Declared on the existing group, the egress is made exactly that:
	// the default and the hand-made rule both go.
	w.write(config("\n  egress {\n    protocol    = \"tcp\"\n    from_port   = 443\n    to_port     = 443\n    cidr_blocks = [\"10.100.0.0/20\"]\n  }"))
	w.terraform([]string{"apply", "-auto-approve", "-input=false", "-no-color"})
	if got := egressOf("aws_security_group.app"); len(got) != 1 || !got[0].Same(https) {
		t.Errorf("after apply, the group's egress is %+v, want only %+v", got, https)
	}
	w.terraform([]string{"plan", "-input=false", "-no-color", "-detailed-exitcode"}, 0)

	// egress = [] is none at all.
	w.write(config("\n  egress = []"))
	w.terraform([]string{"apply", "-auto-approve", "-input=false", "-no-color"})
	if got := egressOf("aws_security_group.app"); len(got) != 0 {
		t.Errorf("egress = [] leaves %+v", got)
	}
	w.terraform([]string{"plan", "-input=false", "-no-color", "-detailed-exitcode"}, 0)
}
