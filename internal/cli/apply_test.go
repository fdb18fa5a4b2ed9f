package cli

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/internal/testkit"
)

// fakeWorkspace is a copy of the demo whose Terraform is the stand-in in
// testdata/fake-terraform.
func fakeWorkspace(t *testing.T) string {
	t.Helper()
	root := copyWorkspace(t, "demo")
	fake, err := filepath.Abs(filepath.Join("testdata", "fake-terraform"))
	if err != nil {
		t.Fatal(err)
	}
	settings, err := os.ReadFile(filepath.Join(root, "envbench.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	testkit.WriteFile(t, root, "envbench.yaml", string(settings)+"terraform:\n  binary: "+fake+"\n")
	// The stand-in is not to apply the seed's production on first use.
	seed, err := os.ReadFile(filepath.Join(root, "sim", "seed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	testkit.WriteFile(t, root, "sim/seed.yaml", strings.Replace(string(seed), "\napply: [production]\n", "\n", 1))
	return root
}

// envbenchWith runs the binary in dir with extra environment variables.
func envbenchWith(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, stdout.String(), stderr.String()}
}

// savedPlan is the plan file a plan command's stderr names.
func savedPlan(t *testing.T, r result) string {
	t.Helper()
	m := planFileLine.FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("plan names no saved plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	return m[1]
}

// TestApplyWrongConfirmation: a wrong --confirm says which name was
// expected, and apply counts high-risk findings as the plan's review does.
func TestApplyWrongConfirmation(t *testing.T) {
	root := fakeWorkspace(t)
	env := []string{"FAKE_TF_SHOW=" + writePlan(t, riskyPlan)}
	r := envbenchWith(t, root, env, "plan", "production")
	if r.code != 3 {
		t.Fatalf("plan production: exit %d, want 3\n%s%s", r.code, r.stdout, r.stderr)
	}
	listed := regexp.MustCompile(`HIGH RISK: (\d+) of \d+ finding\(s\) high`).FindStringSubmatch(r.stdout)
	if listed == nil {
		t.Fatalf("plan production lists no high-risk count:\n%s", r.stdout)
	}
	plan := savedPlan(t, r)

	r = envbenchWith(t, root, env, "apply", "production", "--plan", plan, "--confirm", "qa")
	if r.code != 1 {
		t.Fatalf("apply --confirm qa: exit %d, want 1\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "--confirm qa does not name this environment (expected production)") {
		t.Errorf("apply --confirm qa does not say production was expected:\n%s", r.stderr)
	}
	if want := "the plan has " + listed[1] + " high-risk finding(s)"; !strings.Contains(r.stderr, want) {
		t.Errorf("plan listed %s high-risk findings; apply should say %q:\n%s", listed[1], want, r.stderr)
	}
	if _, err := os.Stat(plan); err != nil {
		t.Errorf("a refused apply must keep the plan: %v", err)
	}
}

// TestApplyOutlivesAClosedPipe: with stdout and stderr closed pipes
// (envbench apply | head), envbench neither dies of SIGPIPE nor cuts
// Terraform short: the apply runs to completion and exits 0.
func TestApplyOutlivesAClosedPipe(t *testing.T) {
	root := fakeWorkspace(t)
	state := filepath.Join(t.TempDir(), "state")
	env := []string{"FAKE_TF_STATE=" + state}
	plan := savedPlan(t, envbenchWith(t, root, env, "plan", "qa"))

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // nobody reads: every write is a broken pipe
	defer w.Close()
	cmd := exec.Command(binary, "apply", "qa", "--plan", plan)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = w, w
	err = cmd.Run()
	if err != nil {
		t.Fatalf("apply with a closed stdout and stderr: %v (%s)", err, cmd.ProcessState)
	}
	if data, err := os.ReadFile(state); err != nil || string(data) != "applied\n" {
		t.Errorf("Terraform did not apply to the end: %q %v", data, err)
	}
	if _, err := os.Stat(plan); !os.IsNotExist(err) {
		t.Errorf("an applied plan is removed; stat: %v", err)
	}
}

// TestInterruptedApplySaysWhatHappened: an apply interrupted while
// Terraform holds a resource waits for Terraform, then says the apply was
// interrupted, what completed, what had started, and that a new plan is
// needed; the exit status is not 0.
func TestInterruptedApplySaysWhatHappened(t *testing.T) {
	root := fakeWorkspace(t)
	state := filepath.Join(t.TempDir(), "state")
	env := []string{
		"FAKE_TF_RESOURCES=terraform_data.network terraform_data.database terraform_data.service",
		"FAKE_TF_HOLD=terraform_data.database",
		"FAKE_TF_STATE=" + state,
	}
	plan := savedPlan(t, envbenchWith(t, root, env, "plan", "qa"))

	cmd := exec.Command(binary, "apply", "qa", "--plan", plan)
	cmd.Dir = root
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A guard against a hung test, not a synchronization.
	guard := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer guard.Stop()
	var seen strings.Builder
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		seen.WriteString(lines.Text() + "\n")
		if strings.Contains(lines.Text(), "+ terraform_data.database…") {
			break // Terraform now holds the database mid-apply
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	for lines.Scan() {
		seen.WriteString(lines.Text() + "\n")
	}
	err = cmd.Wait()
	out := seen.String()
	if cmd.ProcessState.ExitCode() == 0 || err == nil {
		t.Errorf("an interrupted apply exited 0:\n%s", out)
	}
	for _, want := range []string{
		"waiting for Terraform to exit cleanly",
		"apply interrupted\n",
		"  completed (1):\n    terraform_data.network\n",
		"  started, not finished (1):\n    terraform_data.database\n",
		"the environment may be partly changed; run `envbench plan qa` for a new plan\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "    terraform_data.service") {
		t.Errorf("a resource that never started is listed:\n%s", out)
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Errorf("the stand-in finished its apply: %v", err)
	}
}
