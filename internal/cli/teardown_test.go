package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/internal/testkit"
	"github.com/envbench/envbench/pipeline"
)

// TestTeardownCommandUsage: what is refused before anything runs, and
// with which exit code.
func TestTeardownCommandUsage(t *testing.T) {
	root := copyWorkspace(t, "demo")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"teardown", "dev-bob"}, ExitUsage, "--confirm dev-bob is required to destroy dev-bob (or --dry-run"},
		{[]string{"teardown", "dev-bob", "--confirm", "dev-alice"}, ExitUsage, "--confirm dev-alice does not name this environment (expected dev-bob)"},
		{[]string{"teardown"}, ExitUsage, "needs one environment name: envbench teardown ENV --confirm ENV"},
		{[]string{"teardown", "production", "--confirm", "production"}, ExitFailure, "protected: a protected environment is never torn down or swept"},
		{[]string{"teardown", "production", "--dry-run"}, ExitFailure, "protected"},
		{[]string{"reap", "--dry-run", "--yes"}, ExitUsage, "contradict"},
		{[]string{"reap", "extra"}, ExitUsage, "takes no arguments"},
	}
	for _, tc := range cases {
		r := envbench(t, root, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("envbench %v: exit %d, stderr %q; want exit %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
	// Nothing ran: no journal, no lock, no simulation prepared.
	for _, p := range []string{pipeline.RunsDir(root, "production"), pipeline.RunsDir(root, "dev-bob"), pipeline.LockPath(root, "production"), filepath.Join(root, ".envbench", "sim")} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s exists: %v", p, err)
		}
	}
}

// TestTeardownAndReapCommands applies the demo's dev-bob with the real
// terraform, lists it with reap and a dry run, and tears it down: the
// report names what holds the group the sweep could not delete.
func TestTeardownAndReapCommands(t *testing.T) {
	testkit.Terraform(t)
	root := copyWorkspace(t, "demo")
	// dev-alice made today does not expire whatever the day the test
	// runs; dev-bob (2026-10-01, ttl 14d) has.
	alice := strings.Replace(readWorkspaceFile(t, root, "envs/dev-alice.yaml"), "created: 2026-11-16", "created: "+time.Now().Format("2006-01-02"), 1)
	testkit.WriteFile(t, root, "envs/dev-alice.yaml", alice)
	plan := envbench(t, root, "plan", "dev-bob")
	if plan.code != 0 {
		t.Fatalf("plan: exit %d\n%s", plan.code, plan.stderr)
	}
	if r := envbench(t, root, "apply", "dev-bob", "--plan", savedPlan(t, plan)); r.code != 0 {
		t.Fatalf("apply: exit %d\n%s", r.code, r.stderr)
	}

	r := envbench(t, root, "reap", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "Expired sandboxes (1):\n  dev-bob  bob@acme.example  expired ") || strings.Contains(r.stdout, "dev-alice") {
		t.Errorf("reap --dry-run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := envbench(t, root, "reap"); r.code != ExitUsage || !strings.Contains(r.stderr, "--yes is required to tear down the 1 sandbox(es) listed") || !strings.Contains(r.stdout, "dev-bob") {
		t.Errorf("reap without --yes: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = envbench(t, root, "teardown", "dev-bob", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "Destroy plan of dev-bob: ") || !strings.Contains(r.stdout, "(bob-search-es) will be deleted; held by eni-") ||
		!strings.Contains(r.stdout, "Dry run: nothing was destroyed") {
		t.Errorf("teardown --dry-run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = envbench(t, root, "teardown", "dev-bob", "--confirm", "dev-bob")
	if r.code != ExitFailure {
		t.Fatalf("teardown: exit %d, want 1 for the leftover\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"  remains AWS::EC2::SecurityGroup sg-", "(bob-search-es) is held by eni-", "(created by dana@acme.example via AWSReservedSSO_AdministratorAccess_5f1d2c3b4a697887 in the console at "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the report lacks %q:\n%s", want, r.stdout)
		}
	}
	// One line per step event, on stderr.
	for _, want := range []string{"run ", "  destroy-plan - aws_vpc.this", "  confirm confirmed: dev-bob", "  destroy ✓ aws_vpc.this", "  destroy ", "  sweep-plan 1 resource(s) tagged envbench:env=dev-bob", "  sweep   100% sg-", "  report  failed", "1 resource(s) remain tagged envbench:env=dev-bob"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the progress lacks %q:\n%s", want, r.stderr)
		}
	}
}

func readWorkspaceFile(t *testing.T, root, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
