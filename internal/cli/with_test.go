package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/sweep"
	"github.com/envbench/envbench/internal/testkit"
	"github.com/envbench/envbench/pipeline"
)

// TestWithCommandUsage: usage errors exit 2; a protected environment and
// a deployed one are refused with exit 1 before anything runs: no
// journal, no lock.
func TestWithCommandUsage(t *testing.T) {
	root := copyWorkspace(t, "demo")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"with", "dev-alice"}, "needs COMMAND after --: envbench with dev-alice --auto-approve -- COMMAND [ARGS...]"},
		{[]string{"with", "dev-alice", "--"}, "needs COMMAND after --"},
		{[]string{"with", "dev-alice", "true"}, "needs one environment name: envbench with ENV --auto-approve -- COMMAND"},
		{[]string{"with", "--", "true"}, "needs one environment name"},
		{[]string{"with", "dev-alice", "--confirm", "dev-bob", "--", "true"}, "--confirm dev-bob does not name this environment (expected dev-alice)"},
		{[]string{"with", "dev-alice", "--bogus", "--", "true"}, "flag provided but not defined: -bogus"},
		{[]string{"with", "nope", "--auto-approve", "--", "true"}, `unknown environment "nope"; the workspace has: dev-alice`},
	} {
		if r := envbench(t, root, tc.args...); r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("envbench %v: exit %d, stderr %q; want exit 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}

	// dev-alice deployed: its state holds one resource.
	testkit.WriteFile(t, root, ".envbench/work/dev-alice/terraform.tfstate",
		`{"version":4,"resources":[{"mode":"managed","type":"aws_vpc","name":"this","instances":[{"attributes":{"id":"vpc-1"}}]}]}`)
	for _, tc := range []struct {
		env  string
		want []string
	}{
		{"production", []string{"envbench with: production: protected: a protected environment is never torn down", "protected: true in envs/production.yaml"}},
		{"dev-alice", []string{"envbench with: dev-alice is already deployed: its Terraform state holds 1 resource(s), which with would destroy", "envbench teardown dev-alice --confirm dev-alice", "or use another environment"}},
	} {
		r := envbench(t, root, "with", tc.env, "--auto-approve", "--", "sh", "-c", "echo ran > ran")
		if r.code != ExitFailure {
			t.Errorf("with %s: exit %d, want 1\n%s", tc.env, r.code, r.stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("with %s: stderr lacks %q:\n%s", tc.env, w, r.stderr)
			}
		}
		for _, p := range []string{filepath.Join(root, ".envbench", "runs", tc.env), pipeline.LockPath(root, tc.env), filepath.Join(root, "ran")} {
			if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("with %s was refused, yet %s exists (%v)", tc.env, p, err)
			}
		}
	}
}

// TestWithCommandFailing: COMMAND sees the environment's name and outputs,
// fails with 7, and envbench exits 7 with scratch torn down: nothing
// tagged for it in its account, its state empty, no lock.
func TestWithCommandFailing(t *testing.T) {
	t.Parallel()
	testkit.Terraform(t)
	root := scratchWorkspace(t)
	r := envbench(t, root, "with", "scratch", "--auto-approve", "--", "sh", "-c",
		`test "$ENVBENCH_ENV" = scratch && test -n "$ENVBENCH_OUTPUT_DATABASE_IDENTIFIER" && test -s "$ENVBENCH_OUTPUTS" && echo "command saw $ENVBENCH_OUTPUT_DATABASE_IDENTIFIER" && exit 7`)
	if r.code != 7 {
		t.Fatalf("with: exit %d, want 7\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "command saw ") {
		t.Errorf("the command's stdout is not envbench's:\n%s", r.stdout)
	}
	for _, want := range []string{"review-gate", "  apply ", "  command exited with status 7", "  destroy ", "  sweep-plan ", "  outcome torn down; the command exited with status 7", "scratch is torn down (run "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("with's progress lacks %q:\n%s", want, r.stderr)
		}
	}
	assertTornDown(t, root, "scratch")
}

// TestWithTeardownFailureWins: dev-alice's account holds a group that a
// network interface made by hand keeps; COMMAND passes, but the teardown
// leaves resources, so envbench exits 1 and names them.
func TestWithTeardownFailureWins(t *testing.T) {
	t.Parallel()
	testkit.Terraform(t)
	root := copyWorkspace(t, "demo")
	r := envbench(t, root, "with", "dev-alice", "--auto-approve", "--", "true")
	if r.code != ExitFailure {
		t.Fatalf("with: exit %d, want 1\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"envbench with: 3 resource(s) remain tagged envbench:env=dev-alice:", "(alice-debug-ssh) is held by eni-", "the command had exited with status 0", "envbench resume "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("with's stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

// scratchWorkspace is the demo with scratch, a sandbox that nothing made
// by hand in its account holds.
func scratchWorkspace(t *testing.T) string {
	t.Helper()
	root := copyWorkspace(t, "demo")
	alice := readWorkspaceFile(t, root, "envs/dev-alice.yaml")
	scratch := strings.NewReplacer("10.100.0.0/20", "10.130.0.0/20", "created: 2026-11-16", "created: "+time.Now().Format("2006-01-02")).Replace(alice)
	testkit.WriteFile(t, root, "envs/scratch.yaml", scratch)
	return root
}

// TestWithCommandPassing: without approval, exit 3 and nothing applied;
// then COMMAND exits 0, so does envbench, and nothing of scratch remains.
func TestWithCommandPassing(t *testing.T) {
	t.Parallel()
	testkit.Terraform(t)
	root := scratchWorkspace(t)
	// Without approval: exit 3, nothing applied, nothing left.
	r := envbench(t, root, "with", "scratch", "--", "true")
	if r.code != ExitHighRisk || !strings.Contains(r.stderr, "give --auto-approve or --confirm scratch") || !strings.Contains(r.stderr, "Nothing was applied; nothing is left to tear down.") {
		t.Fatalf("with without approval: exit %d, want 3\n%s", r.code, r.stderr)
	}
	if plans, _ := filepath.Glob(filepath.Join(root, ".envbench", "plans", "scratch", "*.tfplan*")); len(plans) > 0 {
		t.Errorf("the refused run left its plan: %v", plans)
	}
	assertTornDown(t, root, "scratch")

	r = envbench(t, root, "with", "scratch", "--auto-approve", "--", "true")
	if r.code != 0 {
		t.Fatalf("with: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	assertTornDown(t, root, "scratch")
}

// TestWithResumesTeardownAfterSIGKILL kills envbench while COMMAND runs;
// envbench resume then tears scratch down without running COMMAND again,
// and exits 1: the command's outcome is unknown.
func TestWithResumesTeardownAfterSIGKILL(t *testing.T) {
	t.Parallel()
	testkit.Terraform(t)
	root := scratchWorkspace(t)
	dir := t.TempDir()
	count, started := filepath.Join(dir, "count"), filepath.Join(dir, "started")
	cmd := exec.Command(binary, "with", "scratch", "--auto-approve", "--", "sh", "-c",
		`echo run >> "$COUNT"; echo "$ENVBENCH_RUN_ID $$" > "$STARTED.tmp"; mv "$STARTED.tmp" "$STARTED"; exec sleep 600`)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "COUNT="+count, "STARTED="+started)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })
	data := waitForFile(t, started, 5*time.Minute, exited, &stderr)
	runID, pid, _ := strings.Cut(strings.TrimSpace(string(data)), " ")
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// The command, in a process group of its own, outlives envbench, and
	// holds its stderr open.
	if n, err := strconv.Atoi(pid); err == nil {
		syscall.Kill(-n, syscall.SIGKILL)
	}
	<-exited

	r := envbench(t, root, "resume", runID)
	if r.code != ExitFailure || !strings.Contains(r.stderr, "scratch is torn down, but the command's outcome is unknown") {
		t.Fatalf("resume %s: exit %d, want 1 for the unknown outcome\n%s%s\nfirst process:\n%s", runID, r.code, r.stdout, r.stderr, stderr.String())
	}
	if !strings.Contains(r.stderr, "  destroy ") || strings.Contains(r.stderr, "  command ") {
		t.Errorf("resume's progress should destroy, and not run the command:\n%s", r.stderr)
	}
	if got, err := os.ReadFile(count); err != nil || string(got) != "run\n" {
		t.Errorf("the command ran %q times (%v), want once", got, err)
	}
	assertTornDown(t, root, "scratch")
	if res := envbench(t, root, "resume", runID); res.code != 0 || !strings.Contains(res.stdout, "had already succeeded") {
		t.Errorf("resume again: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// waitForFile polls for path until it exists, the deadline passes, or
// the process exits (exited closed).
func waitForFile(t *testing.T, path string, limit time.Duration, exited <-chan struct{}, stderr *bytes.Buffer) []byte {
	t.Helper()
	deadline := time.After(limit)
	for {
		if data, err := os.ReadFile(path); err == nil {
			return data
		}
		select {
		case <-exited:
			t.Fatalf("envbench exited before the command started:\n%s", stderr.String())
		case <-deadline:
			t.Fatalf("the command did not start within %s", limit)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// assertTornDown checks that nothing tagged for env remains in its
// simulated account, that its state holds nothing and its lock is gone.
func assertTornDown(t *testing.T, root, env string) {
	t.Helper()
	c, err := envs.Open(root, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.Lookup(env)
	if err != nil {
		t.Fatal(err)
	}
	if e.Resources != 0 {
		t.Errorf("%s's state holds %d resource(s) (status %s)", env, e.Resources, e.Status)
	}
	acct, err := openDemoSim(t, root).Connect(context.Background(), cloud.Target{Region: e.Region, RoleARN: e.Role, SessionName: "test"})
	if err != nil {
		t.Fatal(err)
	}
	left, err := acct.Tagging.ResourcesByTag(context.Background(), sweep.TagKey, env)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("%d resource(s) still tagged %s=%s: %v", len(left), sweep.TagKey, env, left)
	}
	if _, err := os.Stat(pipeline.LockPath(root, env)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s's lock is left: %v", env, err)
	}
}

// TestWithSIGTERMDefersTheShutdown: a SIGTERM while COMMAND runs is passed
// to it, envbench waits for it to exit, says how to finish and exits 143
// with scratch still up; envbench resume tears it down and exits with
// COMMAND's status.
func TestWithSIGTERMDefersTheShutdown(t *testing.T) {
	t.Parallel()
	testkit.Terraform(t)
	root := scratchWorkspace(t)
	dir := t.TempDir()
	log, started := filepath.Join(dir, "log"), filepath.Join(dir, "started")
	cmd := exec.Command(binary, "with", "scratch", "--auto-approve", "--", "sh", "-c",
		`trap 'echo got-term >> "$LOG"; exit 42' TERM; echo "$ENVBENCH_RUN_ID $$" > "$STARTED.tmp"; mv "$STARTED.tmp" "$STARTED"; while :; do sleep 0.1; done`)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "LOG="+log, "STARTED="+started)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	data := waitForFile(t, started, 5*time.Minute, exited, &stderr)
	runID, pid, _ := strings.Cut(strings.TrimSpace(string(data)), " ")
	t.Cleanup(func() {
		if n, err := strconv.Atoi(pid); err == nil {
			syscall.Kill(-n, syscall.SIGKILL)
		}
		cmd.Process.Kill()
		<-exited
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(5 * time.Minute):
		t.Fatalf("envbench did not stop after SIGTERM:\n%s", stderr.String())
	}
	if got := cmd.ProcessState.ExitCode(); got != 143 {
		t.Errorf("exit %d after SIGTERM, want 143\n%s", got, stderr.String())
	}
	for _, want := range []string{
		"envbench: terminated: passed to the command; stopping once it exits; then `envbench resume " + runID + "` tears scratch down",
		"envbench with: stopped; scratch is not torn down yet: envbench resume " + runID + " tears it down",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if got, err := os.ReadFile(log); err != nil || string(got) != "got-term\n" {
		t.Errorf("the command's log is %q (%v), want it to have had SIGTERM once", got, err)
	}
	if strings.Contains(stderr.String(), "  destroy ") {
		t.Errorf("envbench went on to the teardown after SIGTERM:\n%s", stderr.String())
	}

	r := envbench(t, root, "resume", runID)
	if r.code != 42 || !strings.Contains(r.stdout, "scratch is torn down; the command had exited with status 42") {
		t.Fatalf("resume %s: exit %d, want the command's 42\n%s%s", runID, r.code, r.stdout, r.stderr)
	}
	assertTornDown(t, root, "scratch")
}

// TestWithCloneFailingIsTornDown: the apply fails part way (the ECS
// service cannot be created), so COMMAND does not run, what the apply
// made is torn down, and envbench exits 1 with the clone's error.
func TestWithCloneFailingIsTornDown(t *testing.T) {
	t.Parallel()
	testkit.Terraform(t)
	root := scratchWorkspace(t)
	if r := envbench(t, root, "sim", "faults", "set", "--service", "ecs", "--operation", "CreateService", "--kind", "server-error"); r.code != 0 {
		t.Fatalf("sim faults set: exit %d\n%s", r.code, r.stderr)
	}
	ran := filepath.Join(t.TempDir(), "ran")
	r := envbench(t, root, "with", "scratch", "--auto-approve", "--", "sh", "-c", `echo ran > "$1"`, "sh", ran)
	if r.code != ExitFailure {
		t.Fatalf("with: exit %d, want 1\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"  apply   failed: ", "; the environment is torn down next", "  command not run: the clone failed at apply", "  outcome failed", "the clone failed at apply, and what it made is torn down: "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("with's stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if _, err := os.Stat(ran); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the command ran after the clone failed (%v)", err)
	}
	if !regexp.MustCompile(`  destroy [1-9][0-9]* resource\(s\) destroyed`).MatchString(r.stderr) {
		t.Errorf("the teardown destroyed nothing the failed apply made:\n%s", r.stderr)
	}
	assertTornDown(t, root, "scratch")
}
