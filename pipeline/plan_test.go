package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
	"github.com/envbench/envbench/internal/testkit"
)

// terraform returns the terraform binary, or skips.
func terraform(t *testing.T) string { return testkit.Terraform(t) }

// demo copies examples/demo into a temporary workspace.
func demo(t *testing.T) string { return testkit.CopyExample(t, "demo") }

// openCatalog is open, for tests where open names something else.
func openCatalog(t *testing.T, root string) *envs.Catalog { return open(t, root) }

func open(t *testing.T, root string) *envs.Catalog {
	t.Helper()
	c, err := envs.Open(root, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// recorder collects a run's events.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) sink(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) steps() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		// The run's own events (run-started, run-finished) are left out:
		// these are the steps.
		if e.Kind != Terraform && e.Kind != RunStarted && e.Kind != RunFinished {
			out = append(out, string(e.Step)+":"+string(e.Kind))
		}
	}
	return strings.Join(out, " ")
}

func (r *recorder) count(typ tf.EventType) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e.TF != nil && e.TF.Type == typ {
			n++
		}
	}
	return n
}

// TestPlanAndApplyProtectedEnvironment runs the demo's production through
// a plan run and an apply run with the real terraform.
func TestPlanAndApplyProtectedEnvironment(t *testing.T) {
	terraform(t)
	root := demo(t)
	c := open(t, root)
	ctx := context.Background()
	rec := &recorder{}
	res, err := Plan(ctx, c, "production", "", Options{}, rec.sink)
	if err != nil {
		t.Fatal(err)
	}
	want := "lock:step-started lock:step-finished render:step-started render:step-finished init:step-started init:step-finished plan:step-started plan:step-finished show:step-started show:step-finished review:step-started review:step-finished"
	if got := rec.steps(); got != want {
		t.Errorf("steps:\n%s\nwant:\n%s", got, want)
	}
	if rec.count(tf.EventPlannedChange) != 12 || res.Plan.Summary()[envs.ActionCreate] != 12 || !res.HasChanges {
		t.Errorf("planned %d changes, summary %v", rec.count(tf.EventPlannedChange), res.Plan.Summary())
	}
	if !res.Protected || !res.HighRisk || !res.NeedsConfirmation() || res.Findings[0].Rule != envs.RuleProtected {
		t.Errorf("production's plan must need confirmation: %+v", res.Findings)
	}
	if res.Report == nil || len(res.Report.Changes) != 12 || res.Report.Environment != "production" {
		t.Errorf("the result must carry the review's report, for the TUI to draw from: %+v", res.Report)
	}
	if _, held := readLock(root, "production"); held {
		t.Error("the plan run must release its lock")
	}
	if !strings.HasPrefix(res.PlanFile, filepath.Join(root, ".envbench", "plans", "production")) {
		t.Errorf("plan file %s", res.PlanFile)
	}

	_, err = Apply(ctx, c, "production", res.PlanFile, "", Options{}, nil)
	if !errors.Is(err, ErrConfirmationNeeded) || !strings.Contains(err.Error(), "production is protected") || !strings.Contains(err.Error(), "--confirm production") {
		t.Fatalf("apply without confirmation: %v", err)
	}
	_, err = Apply(ctx, c, "production", res.PlanFile, "prod", Options{}, nil)
	if !errors.Is(err, ErrConfirmationNeeded) {
		t.Fatalf("apply with the wrong name: %v", err)
	}
	rec = &recorder{}
	applied, err := Apply(ctx, c, "production", res.PlanFile, "production", Options{}, rec.sink)
	if err != nil {
		t.Fatal(err)
	}
	if applied.Summary == nil || applied.Summary.Add != 12 || rec.count(tf.EventApplyComplete) != 12 {
		t.Errorf("apply summary %+v, %d completes", applied.Summary, rec.count(tf.EventApplyComplete))
	}
	if _, err := Apply(ctx, c, "production", res.PlanFile, "production", Options{}, nil); !errors.Is(err, ErrWrongPlan) {
		t.Errorf("a plan applies once; a second apply: %v", err)
	}
	after := open(t, root)
	if e, _ := after.Lookup("production"); e.Status != envs.StatusDeployed || e.Resources != 12 {
		t.Errorf("after apply production is %s with %d resources", e.Status, e.Resources)
	}
}

// TestApplyRefusesAnotherPlan: the plan file must be the reviewed plan of
// the environment applied, unchanged.
func TestApplyRefusesAnotherPlan(t *testing.T) {
	terraform(t)
	root := demo(t)
	c := open(t, root)
	ctx := context.Background()
	res, err := Plan(ctx, c, "dev-alice", "", Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(ctx, c, "dev-bob", res.PlanFile, "", Options{}, nil); !errors.Is(err, ErrWrongPlan) || !strings.Contains(err.Error(), "planned for dev-alice") {
		t.Errorf("apply to another environment: %v", err)
	}
	data, _ := os.ReadFile(res.PlanFile)
	os.WriteFile(res.PlanFile, append(data, 0), 0o644)
	if _, err := Apply(ctx, c, "dev-alice", res.PlanFile, "", Options{}, nil); !errors.Is(err, ErrWrongPlan) || !strings.Contains(err.Error(), "changed since it was reviewed") {
		t.Errorf("apply of a modified plan: %v", err)
	}
	stray := filepath.Join(t.TempDir(), "stray.tfplan")
	os.WriteFile(stray, data, 0o644)
	if _, err := Apply(ctx, c, "dev-alice", stray, "", Options{}, nil); !errors.Is(err, ErrWrongPlan) || !strings.Contains(err.Error(), "not made by envbench plan") {
		t.Errorf("apply of a plan envbench did not make: %v", err)
	}
}

func TestPlanRefusesWhileLockedAndInvalid(t *testing.T) {
	root := demo(t)
	c := open(t, root)
	l, err := acquire(root, "qa", "other", "apply", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	rec := &recorder{}
	if _, err := Plan(context.Background(), c, "qa", "", Options{}, rec.sink); !errors.Is(err, ErrLocked) {
		t.Errorf("plan of a locked environment: %v", err)
	}
	if rec.steps() != "lock:step-started lock:step-failed" {
		t.Errorf("steps %s", rec.steps())
	}
	os.WriteFile(filepath.Join(root, "envs", "broken.yaml"), []byte("archetype: sandbox\n"), 0o644)
	if _, err := Plan(context.Background(), open(t, root), "broken", "", Options{}, nil); err == nil || !strings.Contains(err.Error(), "broken has problems") {
		t.Errorf("plan of an invalid environment: %v", err)
	}
	if _, err := Plan(context.Background(), c, "nope", "", Options{}, nil); !errors.Is(err, envs.ErrUnknownEnvironment) {
		t.Errorf("plan of an unknown environment: %v", err)
	}
}

// TestApplyRefusesASupersededOrStalePlan: only the environment's newest
// plan applies, and only while its configuration is what was planned.
func TestApplyRefusesASupersededOrStalePlan(t *testing.T) {
	terraform(t)
	root := demo(t)
	ctx := context.Background()
	first, err := Plan(ctx, open(t, root), "dev-alice", "", Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Plan(ctx, open(t, root), "dev-alice", "", Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(first.PlanFile); !os.IsNotExist(err) {
		t.Error("a superseded plan must be pruned from the plan directory")
	}
	keptDir := t.TempDir()
	os.Chmod(keptDir, 0o700) // a plan goes only where others cannot read it
	kept := filepath.Join(keptDir, "kept.tfplan")
	third, err := Plan(ctx, open(t, root), "dev-alice", kept, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(ctx, open(t, root), "dev-alice", second.PlanFile, "", Options{}, nil); err == nil {
		t.Error("a superseded plan must not apply")
	}
	// Edit the environment after planning: the plan no longer matches it.
	file := filepath.Join(root, "envs", "dev-alice.yaml")
	data, _ := os.ReadFile(file)
	os.WriteFile(file, []byte(strings.Replace(string(data), "vpc_cidr: 10.100.0.0/20", "vpc_cidr: 10.100.0.0/21", 1)), 0o644)
	_, err = Apply(ctx, open(t, root), "dev-alice", third.PlanFile, "", Options{}, nil)
	if !errors.Is(err, ErrWrongPlan) || !strings.Contains(err.Error(), "configuration (its file, archetype or inputs) changed") {
		t.Errorf("apply after the configuration changed: %v", err)
	}
	os.WriteFile(file, data, 0o644)
	if _, err := Apply(ctx, open(t, root), "dev-alice", third.PlanFile, "", Options{}, nil); err != nil {
		t.Fatalf("the newest plan of an unchanged configuration applies: %v", err)
	}
	if _, err := os.Stat(third.PlanFile); !os.IsNotExist(err) {
		t.Error("an applied plan file must be removed: it holds every planned value")
	}
	info, err := os.Stat(filepath.Dir(second.PlanFile))
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("the plan directory must be owner-only: %v %v", info.Mode(), err)
	}
}

func TestRelativeTerraformBinaryIsTheWorkspaces(t *testing.T) {
	root := demo(t)
	settings, _ := os.ReadFile(filepath.Join(root, "envbench.yaml"))
	os.WriteFile(filepath.Join(root, "envbench.yaml"), append(settings, []byte("terraform:\n  binary: ./tools/terraform\n")...), 0o644)
	_, err := Plan(context.Background(), open(t, root), "qa", "", Options{}, nil)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(root, "tools", "terraform")) {
		t.Errorf("a relative terraform.binary must resolve in the workspace: %v", err)
	}
}

// TestDiagnosticsNameTheArchetypeFile: Terraform's errors point at the file
// the user edits, not at its rendered copy.
func TestDiagnosticsNameTheArchetypeFile(t *testing.T) {
	terraform(t)
	root := demo(t)
	main := filepath.Join(root, "archetypes", "sandbox", "main.tf")
	data, _ := os.ReadFile(main)
	os.WriteFile(main, append(data, []byte("\nresource \"terraform_data\" \"broken\" {\n  inptu = 1\n}\n")...), 0o644)
	rec := &recorder{}
	_, err := Plan(context.Background(), open(t, root), "dev-alice", "", Options{}, rec.sink)
	if err == nil || !strings.Contains(err.Error(), "(archetypes/sandbox/main.tf:") || !strings.Contains(err.Error(), "inptu") {
		t.Fatalf("plan of a broken archetype: %v", err)
	}
	found := false
	for _, e := range rec.events {
		if e.TF != nil && e.TF.Diagnostic != nil && e.TF.Diagnostic.Filename == "archetypes/sandbox/main.tf" {
			found = true
		}
	}
	if !found {
		t.Error("the diagnostic event must name the archetype's file too")
	}
}
