package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/internal/testkit"
	"github.com/envbench/envbench/pipeline"
)

// TestResumeAnswersAGateTheTUIWaitedOn: a clone and a teardown that the
// TUI started, stopped while they waited for an answer, have no approval
// in their journal. envbench resume says how to give one, refuses one
// that does not fit the run, and with --confirm (or --auto-approve for the
// clone) finishes them.
func TestResumeAnswersAGateTheTUIWaitedOn(t *testing.T) {
	testkit.Terraform(t)
	root := copyWorkspace(t, "demo")
	// Production is not needed here: the simulation need not apply it.
	seed, err := os.ReadFile(filepath.Join(root, "sim", "seed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, root, "sim/seed.yaml", strings.Replace(string(seed), "\napply: [production]\n", "\n", 1))
	c, err := envs.Open(root, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	opts := pipeline.Options{ProviderBinary: binary}
	// The person quits the TUI at the question: the run is cancelled.
	quit := func(ctx context.Context) (pipeline.Approver, context.Context) {
		ctx, cancel := context.WithCancel(ctx)
		t.Cleanup(cancel)
		return func(ctx context.Context, _ pipeline.Approval) (string, error) {
			cancel()
			return "", ctx.Err()
		}, ctx
	}

	for _, flag := range []string{"--auto-approve", "--confirm"} {
		ask, ctx := quit(context.Background())
		res, err := pipeline.Clone(ctx, c, "dev-alice", pipeline.CloneOptions{Options: opts, Ask: ask}, nil)
		if !errors.Is(err, context.Canceled) || res == nil || res.RunID == "" {
			t.Fatalf("a clone whose question was not answered: %v (%+v)", err, res)
		}
		r := envbench(t, root, "resume", res.RunID)
		if r.code != 1 || !strings.Contains(r.stderr, "give --auto-approve or --confirm dev-alice") {
			t.Fatalf("resume without an approval: exit %d\n%s", r.code, r.stderr)
		}
		for _, bad := range [][]string{{"--confirm", "dev-bob"}} {
			if r := envbench(t, root, append([]string{"resume", res.RunID}, bad...)...); r.code != 2 || !strings.Contains(r.stderr, "--confirm dev-bob does not name run "+res.RunID+"'s environment (expected dev-alice)") {
				t.Errorf("resume %v: exit %d\n%s", bad, r.code, r.stderr)
			}
		}
		args := []string{"resume", res.RunID, flag}
		if flag == "--confirm" {
			args = append(args, "dev-alice")
		}
		if r = envbench(t, root, args...); r.code != 0 || !strings.Contains(r.stdout, "clone run "+res.RunID+" of dev-alice resumed and finished") {
			t.Fatalf("resume %v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(envs.OutputsPath(root, "dev-alice")); err != nil {
			t.Errorf("the resumed clone recorded no outputs: %v", err)
		}

		ask, ctx = quit(context.Background())
		td, err := pipeline.Teardown(ctx, c, "dev-alice", pipeline.TeardownOptions{Options: opts, Ask: ask}, nil)
		if !errors.Is(err, context.Canceled) || td == nil || td.RunID == "" {
			t.Fatalf("a teardown whose confirmation was not typed: %v (%+v)", err, td)
		}
		if r := envbench(t, root, "resume", td.RunID, "--auto-approve"); r.code != 2 || !strings.Contains(r.stderr, "--auto-approve answers a clone's review gate; run "+td.RunID+" is a teardown run") {
			t.Errorf("resume a teardown --auto-approve: exit %d\n%s", r.code, r.stderr)
		}
		if r := envbench(t, root, "resume", td.RunID); r.code != 1 || !strings.Contains(r.stderr, "--confirm dev-alice") {
			t.Fatalf("resume a teardown without its confirmation: exit %d\n%s", r.code, r.stderr)
		}
		// Confirmed, the teardown destroys what Terraform made; the demo's
		// seed leaves a hand-made interface holding alice's hand-made
		// leftovers, which the sweep names and leaves (exit 1).
		if r := envbench(t, root, "resume", td.RunID, "--confirm", "dev-alice"); !strings.Contains(r.stderr, "confirmed: dev-alice") || !strings.Contains(r.stderr, "8 resource(s) destroyed") || !strings.Contains(r.stderr, "held by eni-") {
			t.Fatalf("resume a teardown --confirm: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	}

	plan := envbench(t, root, "plan", "dev-bob")
	id := planRunLine(t, plan)
	if r := envbench(t, root, "resume", id, "--confirm", "dev-bob"); r.code != 2 || !strings.Contains(r.stderr, "--confirm answers a clone's review gate or a teardown's confirmation; run "+id+" is a plan run") {
		t.Errorf("resume a plan run --confirm: exit %d\n%s", r.code, r.stderr)
	}
}

// planRunLine is the id of the run a plan's progress names first.
func planRunLine(t *testing.T, r result) string {
	t.Helper()
	for _, line := range strings.Split(r.stderr, "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[0] == "run" && f[2] == "on" {
			return f[1]
		}
	}
	t.Fatalf("no run named: exit %d\n%s", r.code, r.stderr)
	return ""
}
