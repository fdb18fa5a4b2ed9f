package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/envbench/envbench/internal/testkit"
)

// deployState is a local state holding one resource, as an apply leaves it.
const deployState = `{"version": 4, "resources": [{"mode": "managed", "type": "terraform_data", "name": "x", "instances": [{}]}]}`

func TestValidateOverlapsWithADeployedEnvironment(t *testing.T) {
	root := copyWorkspace(t, "demo")
	write(t, root, "envs/dev-carol.yaml", "archetype: sandbox\naccount: \"333333333333\"\ninputs:\n  vpc_cidr: 10.100.0.0/24\n")
	deploy := func(env string) { testkit.WriteFile(t, root, ".envbench/work/"+env+"/terraform.tfstate", deployState) }
	deploy("dev-alice")

	r := envbench(t, root, "validate")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1: the new environment carries the error\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"envs/dev-carol.yaml:4:13: inputs.vpc_cidr: 10.100.0.0/24 overlaps 10.100.0.0/20 of environment dev-alice (envs/dev-alice.yaml:9:13)",
		"envs/dev-alice.yaml:9:13: warning: inputs.vpc_cidr: 10.100.0.0/20 overlaps 10.100.0.0/24 of environment dev-carol",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("validate output lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "1 problem(s)") {
		t.Errorf("warnings are not counted as problems: %s", r.stderr)
	}

	r = envbench(t, root, "list", "--json")
	var rows []struct {
		Name     string            `json:"name"`
		Status   string            `json:"status"`
		Errors   []json.RawMessage `json:"errors"`
		Warnings []json.RawMessage `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("list --json: %v\n%s", err, r.stdout)
	}
	for _, row := range rows {
		switch row.Name {
		case "dev-alice":
			if row.Status != "deployed" || len(row.Errors) != 0 || len(row.Warnings) != 1 {
				t.Errorf("dev-alice: %+v; want deployed, no error, one warning", row)
			}
		case "dev-carol":
			if row.Status != "invalid" || len(row.Errors) != 1 || len(row.Warnings) != 0 {
				t.Errorf("dev-carol: %+v; want invalid with one error", row)
			}
		}
	}

	// Both deployed: both keep working, and validation passes.
	deploy("dev-carol")
	r = envbench(t, root, "validate")
	if r.code != 0 || strings.Count(r.stdout, ": warning: ") != 2 || !strings.Contains(r.stderr, "is valid") || !strings.Contains(r.stderr, "2 warning(s)") {
		t.Fatalf("exit %d, want 0 with two warnings\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestValidateChecksTheTerraformBinary(t *testing.T) {
	root := copyWorkspace(t, "demo")
	write(t, root, "envbench.yaml", "name: acme-demo\ncloud: simulated\nterraform:\n  binary: ./nope\ndefaults:\n  region: eu-west-1\n")
	r := envbench(t, root, "validate")
	if r.code != 1 || !strings.Contains(r.stdout, "envbench.yaml:4:11: terraform.binary: ./nope does not exist") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
