package tf

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVarsReachPlanAndDestroy: the run id reaches plan and destroy as
// -var; apply takes it from the saved plan.
func TestVarsReachPlanAndDestroy(t *testing.T) {
	bin, err := filepath.Abs("testdata/fake-terraform")
	if err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(t.TempDir(), "args.log")
	t.Setenv("FAKE_TF_LOG", log)
	r, err := New(context.Background(), t.TempDir(), Options{Binary: bin, Vars: map[string]string{"envbench_run_id": "20261201T101500Z-3f9a1c"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	planFile := filepath.Join(r.Dir(), "x.tfplan")
	if _, err := r.Plan(ctx, planFile, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.PlanDestroy(ctx, planFile, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Apply(ctx, planFile, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Destroy(ctx, nil); err != nil {
		t.Fatal(err)
	}
	const flag = " -var envbench_run_id=20261201T101500Z-3f9a1c "
	seen := map[string]bool{}
	for _, c := range calls(t, log) {
		args, _, _ := strings.Cut(c, " | ")
		op := strings.Fields(args)[0]
		has := strings.Contains(" "+args+" ", flag)
		if op == "version" {
			continue
		}
		seen[op] = true
		if want := op != "apply"; has != want {
			t.Errorf("%s: -var given %v, want %v: %s", op, has, want, args)
		}
	}
	if !seen["plan"] || !seen["apply"] || !seen["destroy"] {
		t.Errorf("calls: %v", seen)
	}
}

// TestInitAgainWhenTheSimulatedProviderChanges: a rebuilt envbench binary
// is another provider package, so init runs again.
func TestInitAgainWhenTheSimulatedProviderChanges(t *testing.T) {
	bin, err := filepath.Abs("testdata/fake-terraform")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAKE_TF_LOG", filepath.Join(t.TempDir(), "args.log"))
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.tf"), []byte("terraform {}\n"), 0o644)
	ctx := context.Background()
	for i, tc := range []struct {
		digest string
		ran    bool
	}{{"aaaa", true}, {"aaaa", false}, {"bbbb", true}} {
		r, err := New(ctx, dir, Options{Binary: bin, Env: map[string]string{SimulatedProviderEnv: tc.digest}})
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.InitIfNeeded(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Ran != tc.ran {
			t.Errorf("init %d with provider %s: ran %v (%s), want %v", i, tc.digest, res.Ran, res.Reason, tc.ran)
		}
		if i == 2 && !strings.Contains(res.Reason, "simulated aws provider") {
			t.Errorf("reason %q names no simulated provider", res.Reason)
		}
	}
}
