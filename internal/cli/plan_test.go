package cli

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/envbench/envbench/internal/testkit"
)

// A plan in which the database grows tenfold and the DNS zone is replaced.
const riskyPlan = `{"format_version":"1.2","terraform_version":"1.5.7","resource_changes":[
{"address":"terraform_data.database","mode":"managed","type":"terraform_data","name":"database","change":{"actions":["update"],
 "before":{"input":{"allocated_storage":100,"master_password":"s3cr3t-old"}},"after":{"input":{"allocated_storage":1000,"master_password":"s3cr3t-new"}},
 "after_unknown":{"output":true},"before_sensitive":{},"after_sensitive":{}}},
{"address":"terraform_data.private_zone","mode":"managed","type":"terraform_data","name":"private_zone","change":{"actions":["delete","create"],
 "before":{"input":{"name":"qa.acme.internal"}},"after":{"input":{"name":"qa2.acme.internal"}},"replace_paths":[["triggers_replace"]]}}]}`

func writePlan(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestShowPlan(t *testing.T) {
	plan := writePlan(t, riskyPlan)
	outside := t.TempDir()

	r := envbench(t, outside, "show-plan", plan)
	if r.code != 3 {
		t.Fatalf("a tenfold growth is high risk: exit %d, want 3\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"Plan: +0 ~1 -0 ±1",
		"HIGH RISK",
		"high   input.allocated_storage grows from 100 to 1000 (10x) on terraform_data.database",
		"medium replaces terraform_data.private_zone: triggers_replace forces a new one",
		"± terraform_data.private_zone  (replaced because triggers_replace forces a new one)",
		`~ input.name: "qa.acme.internal" → "qa2.acme.internal"`,
		"~ input.master_password: (sensitive value) → (sensitive value)",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("show-plan output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "s3cr3t") {
		t.Error("show-plan printed a secret")
	}

	// In the demo workspace, with --env, the environment's rules apply: the
	// built-in ones, as the demo is on aws_* types and names no addresses.
	r = envbench(t, ".", "--workspace", filepath.Join(moduleRoot, "examples", "demo"), "show-plan", "--env", "qa", plan)
	if r.code != 3 || strings.Contains(r.stdout, "stateful address") || !strings.Contains(r.stdout, "Plan for qa") {
		t.Errorf("show-plan --env qa: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = envbench(t, outside, "show-plan", "--json", plan)
	var report struct {
		HighRisk bool `json:"high_risk"`
		Findings []struct {
			Severity, Rule, Address, Attribute string
		} `json:"findings"`
		Changes []struct {
			Address    string `json:"address"`
			Action     string `json:"action"`
			Attributes []struct {
				Path      string `json:"path"`
				Sensitive bool   `json:"sensitive"`
			} `json:"attributes"`
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil {
		t.Fatalf("--json: %v\n%s", err, r.stdout)
	}
	if r.code != 3 || !report.HighRisk || len(report.Changes) != 2 || report.Changes[0].Action != "replace" || report.Findings[0].Attribute != "input.allocated_storage" {
		t.Errorf("--json report: exit %d %+v", r.code, report)
	}
	if strings.Contains(r.stdout, "s3cr3t") {
		t.Error("show-plan --json printed a secret")
	}
}

func TestShowPlanQuietPlanExitsZero(t *testing.T) {
	plan := writePlan(t, `{"format_version":"0.1","terraform_version":"0.14.11","resource_changes":[{"address":"aws_sns_topic.t","mode":"managed","type":"aws_sns_topic","name":"t","change":{"actions":["create"],"before":null,"after":{"name":"t"}}}]}`)
	r := envbench(t, t.TempDir(), "show-plan", plan)
	if r.code != 0 || !strings.Contains(r.stdout, `+ name: "t"`) {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestShowPlanBadInput(t *testing.T) {
	cases := []struct{ content, want string }{
		{"{\n  \"format_version\": \"1.2\",\n  \"resource_changes\": [}\n", "plan.json:3:24: invalid JSON"},
		{`{"values":{}}`, "plan.json: not a Terraform plan: no format_version"},
		{`{"format_version":"3.0"}`, "plan format 3.0 is newer than envbench reads"},
	}
	for _, tc := range cases {
		r := envbench(t, t.TempDir(), "show-plan", writePlan(t, tc.content))
		if r.code != 1 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("show-plan of %q: exit %d, stderr %q; want 1 and %q", tc.content, r.code, r.stderr, tc.want)
		}
	}
	if r := envbench(t, t.TempDir(), "show-plan", "/nonexistent/plan.json"); r.code != 1 || !strings.Contains(r.stderr, "no such file") {
		t.Errorf("missing file: exit %d %q", r.code, r.stderr)
	}
	if r := envbench(t, t.TempDir(), "show-plan"); r.code != 2 {
		t.Errorf("no file: exit %d", r.code)
	}
}

func TestShowPlanFixtures(t *testing.T) {
	dir, _ := filepath.Abs(filepath.Join(moduleRoot, "..", "shared", "fixtures", "plans"))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Skipf("real-world fixtures not found at %s", dir)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		r := envbench(t, t.TempDir(), "show-plan", filepath.Join(dir, e.Name()))
		if r.code != 0 && r.code != 3 {
			t.Errorf("%s: exit %d %s", e.Name(), r.code, r.stderr)
		}
		if strings.Contains(r.stdout, "YourPwdShouldBeLongAndSecure") {
			t.Errorf("%s: a password from the plan was printed", e.Name())
		}
	}
}

var planFileLine = regexp.MustCompile(`Saved plan: (\S+)`)

// TestPlanAndApplyHeadless runs plan and apply against a copy of the demo
// with the real terraform.
func TestPlanAndApplyHeadless(t *testing.T) {
	testkit.Terraform(t)
	root := copyWorkspace(t, "demo")

	r := envbench(t, root, "plan", "dev-alice")
	if r.code != 0 {
		t.Fatalf("plan dev-alice: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"simulated AWS: applied production with Terraform", "plan    + aws_db_instance.database[0]", "review  0 finding(s)", "Apply it with: envbench apply dev-alice --plan"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("plan progress lacks %q:\n%s", want, r.stderr)
		}
	}
	m := planFileLine.FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatal("no saved plan named")
	}
	r = envbench(t, root, "apply", "dev-alice", "--plan", m[1])
	if r.code != 0 || !strings.Contains(r.stdout, "Applied dev-alice: 8 added, 0 changed, 0 destroyed") || !strings.Contains(r.stderr, "✓ aws_db_instance.database[0] (") {
		t.Fatalf("apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// Production, applied on first use, has changes to plan once its
	// database is resized by hand.
	if r = envbench(t, root, "sim", "console", "resize-db", "--as", "dana@acme.example", "--env", "production", "--class", "db.r6g.large"); r.code != 0 {
		t.Fatalf("resize production's database: exit %d\n%s", r.code, r.stderr)
	}
	r = envbench(t, root, "plan", "production", "--json", "--out", filepath.Join(root, "prod.tfplan"))
	if r.code != 3 || !strings.Contains(r.stdout, `"rule": "protected-environment"`) {
		t.Fatalf("plan production: exit %d, want 3\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = envbench(t, root, "apply", "production", "--plan", filepath.Join(root, "prod.tfplan"))
	if r.code != 1 || !strings.Contains(r.stderr, "production is protected") || !strings.Contains(r.stderr, "--confirm production") {
		t.Errorf("apply production without --confirm: exit %d\n%s", r.code, r.stderr)
	}
	if r = envbench(t, root, "apply", "production"); r.code != 2 || !strings.Contains(r.stderr, "--plan FILE is required") {
		t.Errorf("apply without --plan: exit %d %s", r.code, r.stderr)
	}
	// An unknown environment is a usage error, found before anything
	// runs: the simulation of a fresh workspace is not even seeded.
	fresh := copyWorkspace(t, "demo")
	for _, args := range [][]string{{"plan", "nope"}, {"apply", "nope", "--plan", filepath.Join(root, "prod.tfplan")}, {"clone", "nope", "--auto-approve"}, {"teardown", "nope", "--confirm", "nope"}, {"render", "nope"}} {
		r := envbench(t, fresh, args...)
		if r.code != 2 || !strings.Contains(r.stderr, `unknown environment "nope"; the workspace has: dev-alice, dev-bob`) {
			t.Errorf("%v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(fresh, ".envbench", "sim")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an unknown environment's command touched the simulation: %v", err)
	}
}

// TestShowPlanHidesMarkedValues: values a plan marks sensitive never reach
// the text or the JSON, whatever shape the change takes.
func TestShowPlanHidesMarkedValues(t *testing.T) {
	plan := writePlan(t, `{"format_version":"1.2","terraform_version":"1.5.7","resource_changes":[
{"address":"aws_lambda_function.f","mode":"managed","type":"aws_lambda_function","name":"f","change":{"actions":["update"],
 "before":{"environment":{"variables":{"DB_URL":"postgres://u:HUNTER2@db/x"}},"config":{"v":"S3CR3T-VALUE"}},
 "after":{"config":null},"after_unknown":{"environment":true},
 "before_sensitive":{"environment":{"variables":{"DB_URL":true}},"config":{"v":true}},"after_sensitive":{}}}]}`)
	for _, args := range [][]string{{"show-plan", plan}, {"show-plan", "--json", plan}} {
		r := envbench(t, t.TempDir(), args...)
		if r.code != 0 || strings.Contains(r.stdout, "HUNTER2") || strings.Contains(r.stdout, "S3CR3T") {
			t.Errorf("envbench %v: exit %d\n%s", args, r.code, r.stdout)
		}
	}
}

// TestDirectoryAsPlanIsNamedOnce: a directory given as a plan says so,
// naming it once.
func TestDirectoryAsPlanIsNamedOnce(t *testing.T) {
	dir := t.TempDir()
	demo := filepath.Join(moduleRoot, "examples", "demo")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"show-plan", dir}, "envbench show-plan: " + dir + " is a directory, not a plan JSON file\n"},
		{[]string{"--workspace", demo, "apply", "qa", "--plan", dir}, "envbench apply: --plan " + dir + " is a directory, not a saved plan file (envbench plan prints the file to apply)\n"},
	}
	for _, tc := range cases {
		r := envbench(t, t.TempDir(), tc.args...)
		if r.code != 1 || r.stderr != tc.want || strings.Count(r.stderr, dir) != 1 {
			t.Errorf("envbench %q: exit %d, stderr %q; want 1 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// TestShowPlanAcceptsSetupTerraformWrapper: the output of GitHub's
// setup-terraform wrapper is reviewed like the bare JSON, and stderr says
// what was stripped.
func TestShowPlanAcceptsSetupTerraformWrapper(t *testing.T) {
	bare := envbench(t, t.TempDir(), "show-plan", writePlan(t, riskyPlan))
	wrapped := "[command]/home/runner/work/_temp/5e1f/terraform-bin show -json plan.tfplan\n" + strings.ReplaceAll(riskyPlan, "\n", "") + "\n" +
		"::debug::Terraform exited with code 0.\n::debug::stdout: {}%0A\n::debug::stderr: \n::debug::exitcode: 0\n"
	file := writePlan(t, wrapped)
	r := envbench(t, t.TempDir(), "show-plan", file)
	if r.code != bare.code || r.stdout != bare.stdout {
		t.Fatalf("wrapped plan: exit %d, want %d\n%s%s", r.code, bare.code, r.stdout, r.stderr)
	}
	want := "envbench show-plan: " + file + ": stripped GitHub setup-terraform wrapper output: 1 [command] line(s) before the JSON and 4 workflow line(s) after it (::debug::, ::set-output, stdout/stderr/exitcode)\n"
	if r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
}
