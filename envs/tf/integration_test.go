package tf_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
	"github.com/envbench/envbench/internal/testkit"
)

// terraform returns the terraform binary, or skips.
func terraform(t *testing.T) string { return testkit.Terraform(t) }

// sandbox is a copy of examples/demo with one sandbox environment, rendered.
type sandbox struct {
	t    *testing.T
	root string
	dir  string
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	root := testkit.CopyExample(t, "demo")
	if err := os.RemoveAll(filepath.Join(root, "envs")); err != nil {
		t.Fatal(err)
	}
	// The adapter's tests drive terraform_data resources, with a
	// provisioner to interrupt: no provider at all.
	main, err := os.ReadFile(filepath.Join("testdata", "terraform-data-sandbox", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "archetypes", "sandbox", "main.tf"), main, 0o644); err != nil {
		t.Fatal(err)
	}
	s := &sandbox{t: t, root: root}
	s.setStorage(20)
	return s
}

// setStorage writes the environment with a database of gb and renders it.
func (s *sandbox) setStorage(gb int) {
	s.t.Helper()
	os.MkdirAll(filepath.Join(s.root, "envs"), 0o755)
	env := "archetype: sandbox\naccount: \"333333333333\"\nowner: test\ninputs:\n  vpc_cidr: 10.100.0.0/20\n  db_storage_gb: " + strconv.Itoa(gb) + "\n"
	if err := os.WriteFile(filepath.Join(s.root, "envs", "dev-test.yaml"), []byte(env), 0o644); err != nil {
		s.t.Fatal(err)
	}
	c, err := envs.Open(s.root, time.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	e, err := c.Lookup("dev-test")
	if err != nil {
		s.t.Fatal(err)
	}
	res, err := envs.Render(c.Workspace, e.Environment)
	if err != nil {
		s.t.Fatal(err)
	}
	s.dir = res.Dir
}

func (s *sandbox) runner(ctx context.Context, bin string) *tf.Runner {
	s.t.Helper()
	r, err := tf.New(ctx, s.dir, tf.Options{Binary: bin, PluginCacheDir: filepath.Join(s.root, ".envbench", "plugin-cache"),
		Vars: map[string]string{envs.RunIDVariable: "test-run"}})
	if err != nil {
		s.t.Fatal(err)
	}
	return r
}

// plan plans and decodes the saved plan.
func (s *sandbox) plan(ctx context.Context, r *tf.Runner) (string, *envs.Plan, []tf.Event) {
	s.t.Helper()
	planFile := filepath.Join(s.dir, "test.tfplan")
	var events []tf.Event
	if _, err := r.Plan(ctx, planFile, func(e tf.Event) { events = append(events, e) }); err != nil {
		s.t.Fatal(err)
	}
	data, err := r.Show(ctx, planFile)
	if err != nil {
		s.t.Fatal(err)
	}
	p, err := envs.DecodePlan(data)
	if err != nil {
		s.t.Fatal(err)
	}
	return planFile, p, events
}

func actions(p *envs.Plan) map[string]envs.Action {
	out := map[string]envs.Action{}
	for _, c := range p.Changes {
		out[c.Address] = c.Action
	}
	return out
}

func (s *sandbox) lockLeft() bool {
	_, err := os.Stat(filepath.Join(s.dir, ".terraform.tfstate.lock.info"))
	return err == nil
}

// TestTerraformLifecycle: plan, apply, update and destroy the sandbox
// archetype with the real terraform binary.
func TestTerraformLifecycle(t *testing.T) {
	bin := terraform(t)
	ctx := context.Background()
	s := newSandbox(t)
	r := s.runner(ctx, bin)
	if err := r.Init(ctx, nil); err != nil {
		t.Fatal(err)
	}

	planFile, p, events := s.plan(ctx, r)
	planned := 0
	for _, e := range events {
		if e.Type == tf.EventPlannedChange {
			planned++
		}
	}
	if got := actions(p); planned != 4 || len(got) != 4 || got["terraform_data.database[0]"] != envs.ActionCreate {
		t.Fatalf("first plan: %d planned_change events, changes %v", planned, got)
	}
	var completed []string
	if err := r.Apply(ctx, planFile, func(e tf.Event) {
		if e.Type == tf.EventApplyComplete {
			completed = append(completed, e.Resource)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if len(completed) != 4 {
		t.Errorf("apply completed %v", completed)
	}

	s.setStorage(40)
	planFile, p, _ = s.plan(ctx, r)
	if got := actions(p); got["terraform_data.database[0]"] != envs.ActionUpdate || p.Summary().Total() != 1 {
		t.Fatalf("update plan: %v", got)
	}
	diffs, _, err := p.Changes[0].Diff(envs.DiffOptions{})
	if err != nil || !strings.Contains(diffsText(diffs), "input.allocated_storage: 20 → 40") {
		t.Errorf("update diff: %v %v", diffsText(diffs), err)
	}
	if err := r.Apply(ctx, planFile, nil); err != nil {
		t.Fatal(err)
	}

	var destroyed []string
	if err := r.Destroy(ctx, func(e tf.Event) {
		if e.Type == tf.EventApplyComplete && e.Action == "delete" {
			destroyed = append(destroyed, e.Resource)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if len(destroyed) != 4 {
		t.Errorf("destroyed %v", destroyed)
	}
	if s.lockLeft() {
		t.Error("a state lock was left behind")
	}
}

func diffsText(diffs []envs.AttrDiff) string {
	var b strings.Builder
	for _, d := range diffs {
		b.WriteString(d.Path + ": " + d.Before + " → " + d.After + "\n")
	}
	return b.String()
}

// TestCancelMidApply interrupts an apply while the database is being
// created: Terraform must exit cleanly, release its state lock, and a
// second apply must work.
func TestCancelMidApply(t *testing.T) {
	bin := terraform(t)
	s := newSandbox(t)
	r := s.runner(context.Background(), bin)
	if err := r.Init(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	planFile, _, _ := s.plan(context.Background(), r)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- r.Apply(ctx, planFile, func(e tf.Event) {
			if e.Type == tf.EventProvisionStart && e.Resource == "terraform_data.database[0]" {
				close(started)
			}
		})
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("apply ended (%v) before the database started", err)
	}
	cancel()
	err := <-done
	var tfErr *tf.Error
	if !errors.As(err, &tfErr) || !tfErr.Cancelled {
		t.Fatalf("cancelled apply returned %v", err)
	}
	if s.lockLeft() {
		t.Fatal("cancelling left the state lock behind")
	}

	bg := context.Background()
	planFile, p, _ := s.plan(bg, r)
	if p.Summary().Total() == 0 {
		t.Fatal("after a cancelled apply the database is still to create")
	}
	if err := r.Apply(bg, planFile, nil); err != nil {
		t.Fatalf("second apply: %v", err)
	}
	_, p, _ = s.plan(bg, r)
	if n := p.Summary().Total(); n != 0 {
		t.Errorf("after the second apply, %d changes remain", n)
	}
}
