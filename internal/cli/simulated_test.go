package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/simprovider"
	"github.com/envbench/envbench/internal/testkit"
)

// The simulated RDS is immediate for the envbench processes these tests
// start (they inherit the environment): no apply waits for a database.
func init() { os.Setenv(simprovider.PaceEnv, "instant") }

// TestSimConsoleChangesShowAsDrift: what a person changes through
// envbench sim console, outside Terraform, a refresh-only plan of the
// real terraform shows as drift of the resources it changed: qa applied,
// then Ravi resizes its database, opens a port on its database's group
// and deletes its database's DNS name.
func TestSimConsoleChangesShowAsDrift(t *testing.T) {
	tfBinary := testkit.Terraform(t)
	root := copyWorkspace(t, "demo")
	r := envbench(t, root, "plan", "qa")
	if r.code != 0 {
		t.Fatalf("plan qa: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r = envbench(t, root, "apply", "qa", "--plan", savedPlan(t, r)); r.code != 0 {
		t.Fatalf("apply qa: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	dir := envs.WorkDir(root, "qa")
	refreshOnly := func(name string) map[string]driftChange {
		t.Helper()
		setup, err := simprovider.Install(root, binary)
		if err != nil {
			t.Fatal(err)
		}
		run := func(args ...string) []byte {
			t.Helper()
			cmd := exec.Command(tfBinary, args...)
			cmd.Dir = dir
			cmd.Env = os.Environ()
			for k, v := range setup.Env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("terraform %v: %v\n%s", args, err, out)
			}
			return out
		}
		out := filepath.Join(t.TempDir(), name+".tfplan")
		run("plan", "-refresh-only", "-input=false", "-no-color", "-var", "envbench_run_id="+name, "-out="+out)
		var plan struct {
			Drift []struct {
				Address string      `json:"address"`
				Change  driftChange `json:"change"`
			} `json:"resource_drift"`
		}
		if err := json.Unmarshal(run("show", "-json", out), &plan); err != nil {
			t.Fatal(err)
		}
		drift := map[string]driftChange{}
		for _, d := range plan.Drift {
			drift[d.Address] = d.Change
		}
		return drift
	}
	// Applied, the account and the state agree.
	if drift := refreshOnly("before"); len(drift) != 0 {
		t.Fatalf("drift before any console change: %+v", drift)
	}

	for _, args := range [][]string{
		{"sim", "console", "resize-db", "--as", "ravi@acme.example", "--env", "qa", "--class", "db.r6g.2xlarge"},
		{"sim", "console", "open-port", "--as", "ravi@acme.example", "--env", "qa", "--group", "qa-orders-db", "--port", "5432", "--cidr", "198.51.100.0/24"},
		{"sim", "console", "delete-record", "--as", "ravi@acme.example", "--env", "qa", "--name", "orders-db.qa.acme.internal"},
	} {
		if r := envbench(t, root, args...); r.code != 0 {
			t.Fatalf("%q: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}

	drift := refreshOnly("after")
	if db := drift["aws_db_instance.orders"]; !slices.Equal(db.Actions, []string{"update"}) || db.After["instance_class"] != "db.r6g.2xlarge" {
		t.Errorf("the resized database's drift: %+v", db)
	}
	sg := drift["aws_security_group.database"]
	rules, _ := json.Marshal(sg.After["ingress"])
	if !slices.Equal(sg.Actions, []string{"update"}) || !strings.Contains(string(rules), `"cidr_blocks":["198.51.100.0/24"]`) || !strings.Contains(string(rules), `"from_port":5432`) {
		t.Errorf("the opened port's drift: %+v", sg)
	}
	if rec := drift["aws_route53_record.database"]; !slices.Equal(rec.Actions, []string{"delete"}) {
		t.Errorf("the deleted record's drift: %+v", rec)
	}
	if len(drift) != 3 {
		t.Errorf("drift beyond the three console changes: %+v", drift)
	}
}

// driftChange is the change of one resource_drift entry of a plan's JSON.
type driftChange struct {
	Actions []string       `json:"actions"`
	After   map[string]any `json:"after"`
}
