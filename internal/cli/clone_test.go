package cli

import (
	"strings"
	"testing"

	"github.com/envbench/envbench/internal/testkit"
)

// TestCloneCommand clones the demo's dev-alice with the real terraform:
// refused with exit 3 without approval (nothing applied), then cloned with
// --auto-approve, its outputs printed; usage errors exit 2.
func TestCloneCommand(t *testing.T) {
	root := copyWorkspace(t, "demo")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"clone"}, "needs one environment name: envbench clone ENV --auto-approve"},
		{[]string{"clone", "dev-alice", "--confirm", "dev-bob"}, "--confirm dev-bob does not name this environment (expected dev-alice)"},
		{[]string{"clone", "dev-alice", "--bogus"}, "flag provided but not defined: -bogus"},
	} {
		if r := envbench(t, root, tc.args...); r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("envbench %v: exit %d, stderr %q; want exit 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	testkit.Terraform(t)
	r := envbench(t, root, "clone", "dev-alice")
	if r.code != ExitHighRisk || !strings.Contains(r.stderr, "give --auto-approve or --confirm dev-alice") {
		t.Fatalf("clone without approval: exit %d\n%s", r.code, r.stderr)
	}
	r = envbench(t, root, "clone", "dev-alice", "--auto-approve")
	if r.code != 0 {
		t.Fatalf("clone: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"Cloned dev-alice (run ", " added, 0 changed, 0 destroyed.", "Outputs (", "database_identifier = "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("clone's stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, want := range []string{"validate", "review-gate", "apply", "outputs", "post-deploy hook check-database"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("clone's progress lacks step %q:\n%s", want, r.stderr)
		}
	}

	// resume: a finished run has nothing to resume; an unknown id is a
	// usage error.
	id, _, _ := strings.Cut(strings.TrimPrefix(r.stdout, "Cloned dev-alice (run "), ")")
	if res := envbench(t, root, "resume", id); res.code != 0 || !strings.Contains(res.stdout, "clone run "+id+" of dev-alice had already succeeded") {
		t.Errorf("resume %s: exit %d\n%s%s", id, res.code, res.stdout, res.stderr)
	}
	if res := envbench(t, root, "resume", "20200101T000000Z-000000"); res.code != ExitUsage || !strings.Contains(res.stderr, "no run with that id: 20200101T000000Z-000000") {
		t.Errorf("resume of an unknown run: exit %d\n%s", res.code, res.stderr)
	}
	if res := envbench(t, root, "resume"); res.code != ExitUsage || !strings.Contains(res.stderr, "one run id") {
		t.Errorf("resume without an id: exit %d\n%s", res.code, res.stderr)
	}
}
