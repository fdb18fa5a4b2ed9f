package pipeline

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestPlanRunIsJournaledAndResumable: a plan run halted after init leaves
// a journal that says so; resumed through Builder it skips render and init
// and reviews a plan that then applies.
func TestPlanRunIsJournaledAndResumable(t *testing.T) {
	opts, _ := fakeTerraform(t)
	root := demo(t)
	ctx := context.Background()
	halt := make(chan struct{})
	halting := opts
	halting.Halt = halt
	halting.RunID = "20261202T080000Z-abcdef"
	_, err := Plan(ctx, open(t, root), "qa", "", halting, func(e Event) {
		if e.Kind == StepStarted && e.Step == StepInit {
			close(halt) // init finishes; plan does not start
		}
	})
	if !errors.Is(err, ErrHalted) {
		t.Fatalf("halted plan: %v", err)
	}
	j := LocalJournal{Root: root}
	events, err := j.Read(ctx, "qa", halting.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(events); got != "run-started lock:step-started lock:step-finished render:step-started render:step-finished init:step-started init:step-finished run-finished" {
		t.Errorf("journal of the halted plan: %s", got)
	}
	if sum := Summarize(events, nil); sum.Status != RunInterrupted || sum.Pipeline != "plan" || !strings.Contains(sum.Message, "envbench resume "+halting.RunID) {
		t.Errorf("summary %+v", sum)
	}
	for _, e := range events {
		if e.Kind == StepStarted && e.Step == StepInit && (e.Terraform == "" || !strings.Contains(e.Message, e.Terraform)) {
			t.Errorf("init's start must name the terraform it runs: %+v", e)
		}
	}

	c := open(t, root)
	rec := &recorder{}
	run, err := NewEngine(c, opts, rec.sink).Resume(ctx, "qa", halting.RunID, Builder(c, opts))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status() != RunSucceeded {
		t.Fatalf("resumed: %s", run.Status())
	}
	if got := rec.steps(); got != "lock:step-started lock:step-finished render:step-skipped init:step-skipped plan:step-started plan:step-finished show:step-started show:step-finished review:step-started review:step-finished" {
		t.Errorf("resumed steps: %s", got)
	}
	planFile := DefaultPlanFile(root, "qa", halting.RunID)
	if latest, _ := os.ReadFile(latestPath(root, "qa")); strings.TrimSpace(string(latest)) != halting.RunID {
		t.Errorf("the resumed plan must be the newest: %q", latest)
	}
	if _, err := Apply(ctx, open(t, root), "qa", planFile, "", opts, nil); err != nil {
		t.Fatalf("the resumed run's plan applies: %v", err)
	}
}

// TestPlanUsesTheGivenStores: Options' journal is where the run's events
// go.
func TestPlanUsesTheGivenStores(t *testing.T) {
	opts, _ := fakeTerraform(t)
	root := demo(t)
	elsewhere := t.TempDir()
	opts.Journal = LocalJournal{Root: elsewhere}
	opts.RunID = "20261202T080000Z-000001"
	if _, err := Plan(context.Background(), open(t, root), "qa", "", opts, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(JournalPath(elsewhere, "qa", opts.RunID)); err != nil {
		t.Errorf("the given journal: %v", err)
	}
	if _, err := os.Stat(JournalPath(root, "qa", opts.RunID)); !os.IsNotExist(err) {
		t.Errorf("the workspace's own journal must not be written: %v", err)
	}
	if _, err := os.Stat(RunLogPath(root, "qa", opts.RunID)); err != nil {
		t.Errorf("the run log stays in the workspace: %v", err)
	}
}
