package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/fake"
	"github.com/envbench/envbench/internal/testkit"
)

// demoWithProduction copies the demo with a seed that makes production's
// resources directly, as if production were applied, so that console
// changes have something to act on without running Terraform.
func demoWithProduction(t *testing.T) string {
	t.Helper()
	root := copyWorkspace(t, "demo")
	data, err := os.ReadFile(filepath.Join("..", "..", "envs", "fake", "testdata", "seed-production.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, root, fake.WorkspaceSeed, string(data))
	return root
}

// runIn runs the command line in-process against the workspace at root.
func runIn(t *testing.T, root string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), append([]string{"--workspace", root}, args...), Env{Stdout: &stdout, Stderr: &stderr})
	return result{ExitCode(err), stdout.String(), stderr.String()}
}

// openDemoSim opens the simulation the sim commands left in root.
func openDemoSim(t *testing.T, root string) *fake.Sim {
	t.Helper()
	s, err := fake.Open(filepath.Join(root, fake.WorkspaceDB), fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func productionDB(t *testing.T, s *fake.Sim) cloud.DBInstance {
	t.Helper()
	ctx := context.Background()
	a, err := s.Account(ctx, cloud.Target{RoleARN: "arn:aws:iam::111111111111:role/envbench-deployer", SessionName: "envbench-test"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := a.Instance(ctx, "production-orders")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSimRefusesRealWorkspace: sim commands never act on a workspace
// whose cloud is aws, and say why.
func TestSimRefusesRealWorkspace(t *testing.T) {
	root := copyWorkspace(t, "aws")
	for _, args := range [][]string{{"sim", "events"}, {"sim", "reset"}, {"sim", "faults", "clear"}} {
		r := runIn(t, root, args...)
		if r.code != ExitFailure || !strings.Contains(r.stderr, "is not simulated") || !strings.Contains(r.stderr, "cloud: simulated") {
			t.Errorf("%v on examples/aws: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

// TestSimUsage: every misuse exits 2 and says what is wrong.
func TestSimUsage(t *testing.T) {
	root := demoWithProduction(t)
	// A change that names no one is refused before anything is opened.
	for _, args := range [][]string{
		{"sim", "console", "delete-record", "--env", "production", "--name", "x"},
		{"sim", "console", "open-port", "--as", "dana@acme.example", "--port", "22"},
		{"sim", "faults", "set", "--service", "rds", "--kind", "flaky"},
	} {
		if r := runIn(t, root, args...); r.code != ExitUsage {
			t.Errorf("%q: exit %d", args, r.code)
		}
	}
	if _, err := os.Stat(filepath.Join(root, fake.WorkspaceDB)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a usage error opened the simulation: %v", err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sim"}, "needs a subcommand: reset, console, faults, events"},
		{[]string{"sim", "frob"}, `unknown subcommand "frob"`},
		{[]string{"sim", "faults"}, "sim faults needs one of: set, list, clear"},
		{[]string{"sim", "console", "--as", "x"}, "sim console needs one of: resize-db, open-port, delete-record"},
		{[]string{"sim", "events", "extra"}, `takes no arguments, got "extra"`},
		{[]string{"sim", "events", "--since", "yesterday"}, `--since "yesterday"`},
		{[]string{"sim", "events", "--limit", "-1"}, "--limit -1"},
		{[]string{"sim", "events", "--frob"}, "flag provided but not defined: -frob"},
		{[]string{"sim", "faults", "set", "--kind", "throttle"}, "needs --service"},
		{[]string{"sim", "faults", "set", "--service", "dynamodb", "--kind", "throttle"}, `--service "dynamodb"`},
		{[]string{"sim", "faults", "set", "--service", "rds", "--kind", "flaky"}, `--kind "flaky"`},
		{[]string{"sim", "faults", "set", "--service", "rds", "--kind", "throttle", "--rate", "1.5"}, "--rate 1.5"},
		{[]string{"sim", "faults", "set", "--service", "rds", "--kind", "throttle", "--rate", "lots"}, "invalid value"},
		{[]string{"sim", "faults", "set", "--service", "rds", "--kind", "latency"}, "needs --latency"},
		{[]string{"sim", "faults", "set", "--service", "rds", "--operation", "drop table", "--kind", "throttle"}, `operation "drop table" is not one of the simulated rds`},
		{[]string{"sim", "faults", "set", "--service", "rds", "--operation", "CreateDBSnapshots", "--kind", "throttle"}, `closest: CreateDBSnapshot`},
		{[]string{"sim", "faults", "set", "--service", "ec2", "--operation", "CreateDBSnapshot", "--kind", "throttle"}, `operation "CreateDBSnapshot" is not one of the simulated ec2`},
		{[]string{"sim", "console", "resize-db", "--env", "production", "--class", "db.r6g.large"}, "needs --as EMAIL"},
		{[]string{"sim", "console", "resize-db", "--as", "dana@acme.example", "--class", "db.r6g.large"}, "needs --env ENV"},
		{[]string{"sim", "console", "resize-db", "--as", "dana@acme.example", "--env", "production", "--class", "huge"}, `--class "huge"`},
		{[]string{"sim", "console", "open-port", "--as", "dana@acme.example", "--env", "production", "--port", "70000"}, "--port between 1 and 65535"},
		{[]string{"sim", "console", "open-port", "--as", "dana@acme.example", "--env", "production", "--port", "22", "--cidr", "10.0.0.1/8"}, `--cidr "10.0.0.1/8"`},
		{[]string{"sim", "console", "open-port", "--as", "dana@acme.example", "--env", "production", "--port", "22"}, "several security groups: production-orders-db, production-orders; choose one with --group"},
		{[]string{"sim", "console", "delete-record", "--as", "dana@acme.example", "--env", "production"}, "needs --name NAME"},
	} {
		r := runIn(t, root, tc.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "--help' for usage") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// TestSimHelp: sim and each subcommand document themselves.
func TestSimHelp(t *testing.T) {
	root := demoWithProduction(t)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"sim", "--help"}, []string{"sim console resize-db", "sim faults set", "sim events", "sim reset"}},
		{[]string{"sim", "faults", "--help"}, []string{"sim faults list"}},
		{[]string{"sim", "events", "--help"}, []string{"Usage: envbench sim events [flags]", "--env ENV", "--session NAME", "--json"}},
		{[]string{"sim", "console", "open-port", "-h"}, []string{"--port PORT", "--cidr CIDR", "--as EMAIL"}},
		{[]string{"help", "sim"}, []string{"Subcommands:"}},
		{[]string{"--help"}, []string{"sim SUBCOMMAND [flags]"}},
	} {
		r := runIn(t, root, tc.args...)
		if r.code != 0 {
			t.Errorf("%q: exit %d, stderr %q", tc.args, r.code, r.stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("%q: help lacks %q:\n%s", tc.args, w, r.stdout)
			}
		}
	}
}

// TestSimConsoleChanges: console changes are made as the person named,
// change the simulated account, and are listed by sim events with its
// filters; a person without access to the account is refused.
func TestSimConsoleChanges(t *testing.T) {
	root := demoWithProduction(t)
	for _, args := range [][]string{
		{"sim", "console", "resize-db", "--as", "dana@acme.example", "--env", "production", "--class", "db.r6g.large"},
		{"sim", "console", "open-port", "--as", "dana@acme.example", "--env", "production", "--port", "5432", "--group", "production-orders-db"},
		{"sim", "console", "delete-record", "--as", "ravi@acme.example", "--env", "production", "--name", "orders-db.prod.acme.internal."},
	} {
		if r := runIn(t, root, args...); r.code != 0 || !strings.Contains(r.stdout, "in the simulated CloudTrail") {
			t.Fatalf("%q: exit %d\nstdout %s\nstderr %s", args, r.code, r.stdout, r.stderr)
		}
	}
	if r := runIn(t, root, "sim", "console", "resize-db", "--as", "alice@acme.example", "--env", "production", "--class", "db.t3.micro"); r.code != ExitFailure || !strings.Contains(r.stderr, "no SSO access to account 111111111111") {
		t.Errorf("alice in production: exit %d, %q", r.code, r.stderr)
	}
	if r := runIn(t, root, "sim", "console", "resize-db", "--as", "dana@acme.example", "--env", "qa", "--class", "db.t3.micro"); r.code != ExitFailure || !strings.Contains(r.stderr, "environment qa has no database in account 222222222222") {
		t.Errorf("qa before any apply: exit %d, %q", r.code, r.stderr)
	}
	s := openDemoSim(t, root)
	if d := productionDB(t, s); d.Class != "db.r6g.large" {
		t.Errorf("production's class after resize-db: %s", d.Class)
	}

	events := func(args ...string) []eventJSON {
		t.Helper()
		r := runIn(t, root, append([]string{"sim", "events", "--json"}, args...)...)
		if r.code != 0 {
			t.Fatalf("sim events %q: exit %d, %s", args, r.code, r.stderr)
		}
		var out []eventJSON
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("sim events %q: %v\n%s", args, err, r.stdout)
		}
		return out
	}
	got := events("--user", "dana@acme.example", "--since", "1h", "--env", "production")
	if len(got) < 2 || got[0].Name != "AuthorizeSecurityGroupIngress" || got[0].Session != "dana@acme.example" {
		t.Fatalf("dana's events of the last hour, newest first: %+v", got)
	}
	for _, e := range got {
		if e.User != "dana@acme.example" {
			t.Errorf("--user dana: an event by %s", e.User)
		}
	}
	mod := events("--name", "ModifyDBInstance", "--env", "production")
	if len(mod) < 2 || mod[0].User != "dana@acme.example" || mod[0].Resources[0].Name != "production-orders" || mod[1].User != "ravi@acme.example" {
		t.Errorf("ModifyDBInstance on production: %+v", mod)
	}
	// A resource deleted since, untagged now, is still production's by
	// its name.
	if err := s.RecordEvent(context.Background(), fake.Event{Account: "111111111111", Identity: "arn:aws:sts::111111111111:assumed-role/envbench-deployer/envbench-20261130T101500Z-1a2b3c",
		Time: time.Now().Add(-time.Hour), Service: "rds", Name: "DeleteDBInstance",
		Resources: []fake.EventResource{{Type: "AWS::RDS::DBInstance", Name: "production-orders-old", ARN: "arn:aws:rds:eu-west-1:111111111111:db:production-orders-old"}}}); err != nil {
		t.Fatal(err)
	}
	if del := events("--env", "production", "--name", "DeleteDBInstance"); len(del) != 1 || del[0].Session != "envbench-20261130T101500Z-1a2b3c" || del[0].User != "envbench-deployer" {
		t.Errorf("a deleted resource of production: %+v", del)
	}
	if del := events("--env", "qa", "--name", "DeleteDBInstance"); len(del) != 0 {
		t.Errorf("production's deleted database in qa's events: %+v", del)
	}
	for _, e := range events("--env", "production") {
		if e.Account != "111111111111" {
			t.Errorf("--env production: an event of account %s", e.Account)
		}
	}
	for _, e := range events("--session", "envbench-seed", "--limit", "3") {
		if e.Session != "envbench-seed" || e.Role == "" {
			t.Errorf("--session envbench-seed: %+v", e)
		}
	}
	if n := len(events("--limit", "3")); n != 3 {
		t.Errorf("--limit 3: %d events", n)
	}
	// No secret of the seed's history or databases is printed.
	for _, args := range [][]string{{"sim", "events", "--json"}, {"sim", "events"}} {
		r := runIn(t, root, args...)
		for _, secret := range []string{"not-recorded", "Seed-"} {
			if strings.Contains(r.stdout, secret) {
				t.Errorf("%q prints a secret (%s)", args, secret)
			}
		}
	}
	text := runIn(t, root, "sim", "events", "--env", "production", "--limit", "1")
	if !strings.HasPrefix(text.stdout, "TIME") || !strings.Contains(text.stdout, "ravi@acme.example") || !strings.Contains(text.stdout, "route53 ChangeResourceRecordSets") {
		t.Errorf("the newest event of production as text:\n%s", text.stdout)
	}
}

// TestSimFaults sets, lists and clears faults, which reach the
// simulation every process uses.
func TestSimFaults(t *testing.T) {
	root := demoWithProduction(t)
	if r := runIn(t, root, "sim", "faults", "list"); r.code != 0 || r.stdout != "no faults set\n" {
		t.Fatalf("no faults: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	for _, args := range [][]string{
		{"sim", "faults", "set", "--service", "rds", "--operation", "*", "--kind", "throttle", "--rate", "0.3"},
		{"sim", "faults", "set", "--service", "route53", "--kind", "latency", "--latency", "2s", "--rate", "1"},
	} {
		if r := runIn(t, root, args...); r.code != 0 || !strings.HasPrefix(r.stdout, "fault set: ") {
			t.Fatalf("%q: exit %d, %q %q", args, r.code, r.stdout, r.stderr)
		}
	}
	r := runIn(t, root, "sim", "faults", "list", "--json")
	var got []faultJSON
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != 2 {
		t.Fatalf("faults as JSON: %v\n%s", err, r.stdout)
	}
	if got[0] != (faultJSON{Service: "rds", Operation: "*", Kind: "throttle", Rate: 0.3}) || got[1] != (faultJSON{Service: "route53", Operation: "*", Kind: "latency", Rate: 1, Latency: "2s"}) {
		t.Errorf("faults: %+v", got)
	}
	s := openDemoSim(t, root)
	if fs, err := s.Faults(); err != nil || len(fs) != 2 {
		t.Errorf("faults in the simulation: %+v, %v", fs, err)
	}
	if r := runIn(t, root, "sim", "faults", "clear"); r.code != 0 || r.stdout != "cleared 2 faults\n" {
		t.Errorf("clear: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := runIn(t, root, "sim", "faults", "list", "--json"); strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("faults after clear: %q", r.stdout)
	}
}

// TestSimReset throws changes away and seeds again; a broken seed is
// reported where it is broken and leaves the simulation as it was.
func TestSimReset(t *testing.T) {
	root := demoWithProduction(t)
	if r := runIn(t, root, "sim", "console", "resize-db", "--as", "dana@acme.example", "--env", "production", "--class", "db.t3.large"); r.code != 0 {
		t.Fatalf("resize: %s", r.stderr)
	}
	write(t, root, "sim/seed.yaml", "accounts:\n  - id: 12\n")
	if r := runIn(t, root, "sim", "reset"); r.code != ExitFailure || !strings.Contains(r.stderr, filepath.Join(root, "sim", "seed.yaml")+":2:") {
		t.Errorf("reset with a broken seed: exit %d, %q", r.code, r.stderr)
	}
	if d := productionDB(t, openDemoSim(t, root)); d.Class != "db.t3.large" {
		t.Errorf("after a refused reset: %s", d.Class)
	}
	seed, err := os.ReadFile(filepath.Join(moduleRoot, "envs", "fake", "testdata", "seed-production.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, root, "sim/seed.yaml", string(seed))
	r := runIn(t, root, "sim", "reset")
	if r.code != 0 || !strings.Contains(r.stdout, "from sim/seed.yaml: 3 accounts") {
		t.Fatalf("reset: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	if d := productionDB(t, openDemoSim(t, root)); d.Class != "db.r6g.xlarge" {
		t.Errorf("after reset: %s, want the seed's db.r6g.xlarge", d.Class)
	}
}

// TestSimResetAppliesProduction: the demo's first sim command applies
// production with Terraform (its seed's apply: list), and sim reset
// throws a console change and production's state away and applies it
// again, so that the database is back at its configured class and the
// state names it.
func TestSimResetAppliesProduction(t *testing.T) {
	testkit.Terraform(t)
	root := copyWorkspace(t, "demo")
	if r := runIn(t, root, "sim", "console", "resize-db", "--as", "dana@acme.example", "--env", "production", "--class", "db.r6g.large"); r.code != 0 ||
		!strings.Contains(r.stderr, "simulated AWS: applied production with Terraform") {
		t.Fatalf("the first sim command: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	if d := productionDB(t, openDemoSim(t, root)); d.Class != "db.r6g.large" {
		t.Fatalf("production's class after resize-db: %s", d.Class)
	}
	r := runIn(t, root, "sim", "reset")
	if r.code != 0 || !strings.Contains(r.stderr, "applied production") {
		t.Fatalf("reset: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	if d := productionDB(t, openDemoSim(t, root)); d.Class != "db.r6g.xlarge" {
		t.Errorf("after reset: %s, want production's db.r6g.xlarge", d.Class)
	}
	state, err := os.ReadFile(filepath.Join(root, ".envbench", "work", "production", "terraform.tfstate"))
	if err != nil || !strings.Contains(string(state), `"db.r6g.xlarge"`) {
		t.Errorf("production's state after reset: %v", err)
	}
	if r := runIn(t, root, "sim", "events", "--limit", "1"); strings.Contains(r.stderr, "applied production") {
		t.Errorf("a later command applies production again: %q", r.stderr)
	}
}

// TestTwoFirstCommandsApplyProductionOnce starts two envbench processes
// at once on a new demo simulation: one applies production, the other
// waits for it and applies nothing.
func TestTwoFirstCommandsApplyProductionOnce(t *testing.T) {
	testkit.Terraform(t)
	root := copyWorkspace(t, "demo")
	type outcome struct {
		stderr string
		err    error
	}
	results := make(chan outcome, 2)
	for range 2 {
		go func() {
			cmd := exec.Command(binary, "sim", "events", "--limit", "1")
			cmd.Dir = root
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			results <- outcome{stderr.String(), err}
		}()
	}
	applied := 0
	for range 2 {
		r := <-results
		if r.err != nil {
			t.Fatalf("sim events: %v\n%s", r.err, r.stderr)
		}
		applied += strings.Count(r.stderr, "applied production")
	}
	if applied != 1 {
		t.Errorf("production applied by %d of the two first commands, want 1", applied)
	}
}

// TestSimTrailWritesTrailFiles: sim trail writes the simulated CloudTrail
// as gzip trail files in CloudTrail's layout; a file as DIR is refused.
func TestSimTrailWritesTrailFiles(t *testing.T) {
	root := demoWithProduction(t)
	dir := t.TempDir()
	r := runIn(t, root, "sim", "trail", dir)
	if r.code != 0 || !strings.Contains(r.stdout, "trail file(s) under "+filepath.Join(dir, "AWSLogs")) {
		t.Fatalf("sim trail: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	files, err := filepath.Glob(filepath.Join(dir, "AWSLogs", "111111111111", "CloudTrail", "eu-west-1", "*", "*", "*", "111111111111_CloudTrail_eu-west-1_*.json.gz"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no trail files of production's account: %v", err)
	}
	if r := runIn(t, root, "sim", "trail", files[0]); r.code != ExitFailure || !strings.Contains(r.stderr, "is not a directory") {
		t.Errorf("sim trail FILE: exit %d, %q", r.code, r.stderr)
	}
	if r := runIn(t, root, "sim", "console", "frob"); r.code != ExitUsage || !strings.Contains(r.stderr, `sim console has no "frob"; want one of: resize-db, open-port, delete-record`) {
		t.Errorf("sim console frob: exit %d, %q", r.code, r.stderr)
	}
}

// TestSimMessagesSayWhatToDo: a negative latency and an unknown person
// are named as such, with what would do.
func TestSimMessagesSayWhatToDo(t *testing.T) {
	root := demoWithProduction(t)
	if r := runIn(t, root, "sim", "faults", "set", "--service", "rds", "--kind", "latency", "--latency", "-5s", "--rate", "1"); r.code != ExitUsage || !strings.Contains(r.stderr, "--latency -5s: a wait is positive") {
		t.Errorf("negative latency: exit %d, %q", r.code, r.stderr)
	}
	r := runIn(t, root, "sim", "console", "resize-db", "--as", "nobody@acme.example", "--env", "production", "--class", "db.t3.large")
	if r.code != ExitFailure || !strings.Contains(r.stderr, "no such person in the seed (sim/seed.yaml's people: dana@acme.example") {
		t.Errorf("unknown person: exit %d, %q", r.code, r.stderr)
	}
}
