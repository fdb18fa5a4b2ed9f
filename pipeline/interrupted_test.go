package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
	"github.com/envbench/envbench/internal/testkit"
)

// fakeTerraform makes runs use the stand-in terraform and returns the log
// of its invocations.
func fakeTerraform(t *testing.T) (Options, string) {
	t.Helper()
	log := filepath.Join(t.TempDir(), "args.log")
	t.Setenv("FAKE_TF_LOG", log)
	return Options{Binary: testkit.FakeTerraform()}, log
}

// message returns the message a step finished (or failed) with.
func (r *recorder) message(s Step) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if e.Step == s && (e.Kind == StepFinished || e.Kind == StepFailed) {
			return e.Message
		}
	}
	return ""
}

// writeState stands for the state Terraform wrote while applying: the
// resource sits in it as created.
func writeState(t *testing.T, root, env string) {
	t.Helper()
	state := `{"version":4,"resources":[{"mode":"managed","type":"terraform_data","name":"db","instances":[{"attributes":{"id":"abc"}}]}]}`
	if err := os.WriteFile(filepath.Join(envs.WorkDir(root, env), "terraform.tfstate"), []byte(state), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestInterruptedApplyIsRecordedAndWarned drives an apply that is cut short
// mid-resource, then a run that finds its dead lock: the apply's result
// says what finished and what was in flight, the environment shows "apply
// interrupted", the next plan takes the lock over saying whose it was and
// warns about the resource that was being applied, and a later successful
// apply clears it all.
func TestInterruptedApplyIsRecordedAndWarned(t *testing.T) {
	opts, _ := fakeTerraform(t)
	fifo := filepath.Join(t.TempDir(), "release")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	root := demo(t)
	ctx := context.Background()
	planned, err := Plan(ctx, open(t, root), "qa", "", opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if planned.Interrupted != nil {
		t.Fatalf("no apply was interrupted yet: %+v", planned.Interrupted)
	}

	// The apply stops inside its first resource; the run is cancelled there.
	t.Setenv("FAKE_TF_APPLY_FIFO", fifo)
	applyCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := envs.WorkDir(root, "qa")
	var recorded *tf.ApplyRecord
	res, err := Apply(applyCtx, open(t, root), "qa", planned.PlanFile, "", opts, func(e Event) {
		if e.TF != nil && e.TF.Type == tf.EventApplyStart {
			recorded, _ = tf.ReadApplyRecord(work)
			writeState(t, root, "qa")
			cancel()
		}
	})
	if !errors.Is(err, tf.ErrCancelled) {
		t.Fatalf("apply cut short: %v", err)
	}
	if res == nil || !res.Interrupted || strings.Join(res.InFlight, ",") != "terraform_data.db" || len(res.Completed) != 0 {
		t.Fatalf("the result must say what was in flight: %+v", res)
	}
	if got, want := res.InterruptedMessage(), "apply interrupted; finished: none; in flight: terraform_data.db; run a new plan"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if recorded == nil || recorded.RunID != res.RunID || recorded.Operation != "apply" {
		t.Errorf("the record must exist while the apply runs: %+v", recorded)
	}
	info, err := os.Stat(tf.ApplyRecordPath(work))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the record of the interrupted apply must stay, owner-only: %v", err)
	}
	if e, _ := open(t, root).Lookup("qa"); e.Status != envs.StatusApplyInterrupted {
		t.Errorf("status %q, want %q", e.Status, envs.StatusApplyInterrupted)
	}

	// The run was killed rather than cancelled: its lock stayed behind.
	stale := `{"user":"bob","host":"` + hostname() + `","pid":2147483646,"run_id":"` + res.RunID + `","operation":"apply","since":"2026-11-20T10:00:00Z"}`
	if err := os.WriteFile(LockPath(root, "qa"), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAKE_TF_APPLY_FIFO", "")
	rec := &recorder{}
	again, err := Plan(ctx, open(t, root), "qa", "", opts, rec.sink)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rec.message(StepLock), "took over the lock of a dead apply run "+res.RunID+" (since 2026-11-20T10:00:00Z)"; got != want {
		t.Errorf("lock step: %q, want %q", got, want)
	}
	if again.Interrupted == nil || !again.HighRisk {
		t.Fatalf("the next plan must carry the interruption: %+v", again)
	}
	f := again.Findings[0]
	if f.Rule != RuleInterruptedApply || f.Severity != envs.SeverityHigh || f.Address != "terraform_data.db" || !strings.Contains(f.Message, "state may not match") || !strings.Contains(f.Message, res.RunID) {
		t.Errorf("finding %+v", f)
	}
	if _, err := Apply(ctx, open(t, root), "qa", again.PlanFile, "", opts, nil); !errors.Is(err, ErrConfirmationNeeded) {
		t.Errorf("applying over an interrupted apply needs the name typed: %v", err)
	}
	if _, err := Apply(ctx, open(t, root), "qa", again.PlanFile, "qa", opts, nil); err != nil {
		t.Fatal(err)
	}
	if tf.ApplyInterrupted(work) {
		t.Error("a successful apply must clear the record")
	}
	if e, _ := open(t, root).Lookup("qa"); e.Status != envs.StatusDeployed {
		t.Errorf("after a successful apply: %q", e.Status)
	}
}

// TestFailedApplyLeavesNoRecord: an apply that Terraform ended by itself,
// with an error, leaves its state to say what it did.
func TestFailedApplyLeavesNoRecord(t *testing.T) {
	opts, _ := fakeTerraform(t)
	root := demo(t)
	ctx := context.Background()
	planned, err := Plan(ctx, open(t, root), "qa", "", opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAKE_TF_FAIL", "apply")
	res, err := Apply(ctx, open(t, root), "qa", planned.PlanFile, "", opts, nil)
	if err == nil || res.Interrupted {
		t.Fatalf("failed apply: %v %+v", err, res)
	}
	if tf.ApplyInterrupted(envs.WorkDir(root, "qa")) {
		t.Error("a failed apply is not an interrupted one")
	}
}

// TestLockTakeoverSaysWhoseLock: taking a dead run's lock says which run.
func TestLockTakeoverSaysWhoseLock(t *testing.T) {
	root := t.TempDir()
	path := LockPath(root, "qa")
	os.MkdirAll(filepath.Dir(path), 0o700)
	stale := `{"user":"bob","host":"` + hostname() + `","pid":2147483646,"run_id":"old","operation":"apply","since":"2026-11-20T10:00:00Z"}`
	os.WriteFile(path, []byte(stale), 0o600)
	l, err := acquire(root, "qa", "new", "plan", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if dead, ok := l.TookOver(); !ok || dead.RunID != "old" || dead.Operation != "apply" {
		t.Errorf("TookOver = %+v %v", dead, ok)
	}
	if got := l.Message(); got != "took over the lock of a dead apply run old (since 2026-11-20T10:00:00Z)" {
		t.Errorf("message %q", got)
	}
	l2, err := acquire(root, "prod", "x", "plan", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Release()
	if l2.Message() != "locked" {
		t.Errorf("a free lock: %q", l2.Message())
	}
}

// TestInitIsSkippedWhenNothingItReadsChanged: the second plan skips init and
// says why; a changed lock file or terraform block runs it again, a changed
// resource does not.
func TestInitIsSkippedWhenNothingItReadsChanged(t *testing.T) {
	opts, log := fakeTerraform(t)
	root := demo(t)
	ctx := context.Background()
	inits := func() int {
		data, _ := os.ReadFile(log)
		n := 0
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "init ") {
				n++
			}
		}
		return n
	}
	plan := func() string {
		t.Helper()
		rec := &recorder{}
		if _, err := Plan(ctx, open(t, root), "dev-alice", "", opts, rec.sink); err != nil {
			t.Fatal(err)
		}
		return rec.message(StepInit)
	}
	main := filepath.Join(root, "archetypes", "sandbox", "main.tf")
	edit := func(old, new string) {
		t.Helper()
		data, _ := os.ReadFile(main)
		if !strings.Contains(string(data), old) {
			t.Fatalf("main.tf lacks %q", old)
		}
		os.WriteFile(main, []byte(strings.Replace(string(data), old, new, 1)), 0o644)
	}
	lockFile := filepath.Join(envs.WorkDir(root, "dev-alice"), ".terraform.lock.hcl")
	steps := []struct {
		change func()
		ran    bool
		reason string
	}{
		{func() {}, true, "first init of this work directory"},
		{func() {}, false, "init skipped: the lock file, backend, required providers, modules and terraform binary are unchanged since the last init"},
		{func() { edit("cidr_block = var.vpc_cidr", "cidr_block = var.vpc_cidr # edited") }, false, "init skipped"},
		{func() { os.WriteFile(lockFile, []byte("# providers\n"), 0o644) }, true, "the dependency lock file changed since the last init"},
		{func() { edit(`required_version = ">= 1.5"`, `required_version = ">= 1.6"`) }, true, "main.tf's terraform and module blocks changed since the last init"},
		{func() {}, false, "init skipped"},
	}
	for i, s := range steps {
		s.change()
		before := inits()
		msg := plan()
		if ran := inits() > before; ran != s.ran {
			t.Errorf("plan %d: init ran %v, want %v (%s)", i, ran, s.ran, msg)
		}
		if !strings.Contains(msg, s.reason) {
			t.Errorf("plan %d: init step says %q, want %q", i, msg, s.reason)
		}
	}
}

// TestFailedPlanLeavesNoEmptyPlanFile: the owner-only file made before
// Terraform writes the plan goes when Terraform fails first.
func TestFailedPlanLeavesNoEmptyPlanFile(t *testing.T) {
	opts, _ := fakeTerraform(t)
	t.Setenv("FAKE_TF_FAIL", "plan")
	root := demo(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	out := filepath.Join(dir, "qa.tfplan")
	if _, err := Plan(context.Background(), open(t, root), "qa", out, opts, nil); err == nil {
		t.Fatal("the plan must fail")
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed plan left %s: %v", out, err)
	}
}

// TestCancelledApplyWithTerraform cancels a real terraform apply of the
// demo's sandbox when its first resource starts: the apply stops, the
// environment shows "apply interrupted", and the next plan says so.
func TestCancelledApplyWithTerraform(t *testing.T) {
	terraform(t)
	root := demo(t)
	ctx := context.Background()
	planned, err := Plan(ctx, open(t, root), "dev-alice", "", Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	applyCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	res, err := Apply(applyCtx, open(t, root), "dev-alice", planned.PlanFile, "", Options{}, func(e Event) {
		if e.TF != nil && e.TF.Type == tf.EventApplyStart {
			cancel()
		}
	})
	if !errors.Is(err, tf.ErrCancelled) || res == nil || !res.Interrupted {
		t.Fatalf("apply cancelled at its first resource: %v %+v", err, res)
	}
	if !strings.HasPrefix(res.InterruptedMessage(), "apply interrupted; finished: ") {
		t.Errorf("message %q", res.InterruptedMessage())
	}
	if e, _ := open(t, root).Lookup("dev-alice"); e.Status != envs.StatusApplyInterrupted {
		t.Errorf("status %q", e.Status)
	}
	again, err := Plan(ctx, open(t, root), "dev-alice", "", Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Interrupted == nil || again.Findings[0].Rule != RuleInterruptedApply || !again.HighRisk {
		t.Errorf("the next plan must warn: %+v", again.Findings)
	}
}
