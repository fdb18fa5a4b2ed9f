package plan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/internal/testkit"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/keys"
	"github.com/envbench/envbench/ui/screen"
	"github.com/envbench/envbench/ui/theme"
)

// catalogRunner records the catalog each run was given.
type catalogRunner struct {
	mu       sync.Mutex
	plans    []*envs.Catalog
	applies  []*envs.Catalog
	planning func() *pipeline.PlanResult
}

func (r *catalogRunner) Plan(_ context.Context, c *envs.Catalog, _, _ string, _ func(pipeline.Event)) (*pipeline.PlanResult, error) {
	r.mu.Lock()
	r.plans = append(r.plans, c)
	r.mu.Unlock()
	return r.planning(), nil
}

func (r *catalogRunner) Apply(_ context.Context, c *envs.Catalog, _ string, _ *pipeline.PlanResult, _, _ string, _ func(pipeline.Event)) (*pipeline.ApplyResult, error) {
	r.mu.Lock()
	r.applies = append(r.applies, c)
	r.mu.Unlock()
	return &pipeline.ApplyResult{}, nil
}

func storage(t *testing.T, c *envs.Catalog) any {
	t.Helper()
	e, ok := c.Environment("qa")
	if !ok {
		t.Fatal("qa is not in the catalog")
	}
	return e.Inputs["db_storage_gb"]
}

// TestEveryPlanReadsTheFilesOnDisk: editing qa.yaml and pressing p plans
// the edited configuration, not the one loaded when the TUI started; the
// header follows the file too.
func TestEveryPlanReadsTheFilesOnDisk(t *testing.T) {
	root := testkit.CopyExample(t, "demo")
	c, err := envs.Open(root, now)
	if err != nil {
		t.Fatal(err)
	}
	original, err := os.ReadFile(filepath.Join(root, "envs", "qa.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	edit := func(gb int, account string) {
		t.Helper()
		text := strings.Replace(string(original), "db_storage_gb: 100", fmt.Sprint("db_storage_gb: ", gb), 1)
		text = strings.ReplaceAll(text, "222222222222", account)
		testkit.WriteFile(t, root, "envs/qa.yaml", text)
	}
	r := &catalogRunner{}
	ctx := &screen.Context{Catalog: c, Styles: theme.NewStyles(theme.PlainPalette(), true), Keys: keys.DefaultKeyMap(), Now: func() time.Time { return now }, Runner: r}
	s := New(ctx, "qa")
	s.SetSize(100, 30)
	r.planning = func() *pipeline.PlanResult { return reviewed(t, false, updateTopic) }
	p := &program{t: t, s: s, msgs: make(chan tea.Msg, 64)}

	edit(200, "444444444444")
	p.run(s.Init())
	p.until("the first plan is reviewed", func() bool { return s.phase == phaseReviewed })
	edit(300, "555555555555")
	p.run(func() tea.Cmd { _, cmd := s.Update(tea.KeyPressMsg{Code: 'p', Text: "p"}); return cmd }())
	p.until("the second plan is reviewed", func() bool { return s.phase == phaseReviewed && len(r.plans) == 2 })

	if got := storage(t, r.plans[0]); fmt.Sprint(got) != "200" {
		t.Errorf("the first plan used db_storage_gb %v, want the file's 200", got)
	}
	if got := storage(t, r.plans[1]); fmt.Sprint(got) != "300" {
		t.Errorf("plan again used db_storage_gb %v, want the edited file's 300", got)
	}
	if v := view(s); !strings.Contains(v, "account 555555555555") {
		t.Errorf("the header names the account in the file:\n%s", v)
	}
	if got := storage(t, ctx.Catalog); fmt.Sprint(got) != "100" {
		t.Errorf("the shared catalog is not changed from a run's goroutine; got %v", got)
	}
}

// TestUnloadableWorkspaceFailsThePlan: a workspace that no longer loads
// fails the plan with the loader's error, not a plan of the old files.
func TestUnloadableWorkspaceFailsThePlan(t *testing.T) {
	root := testkit.CopyExample(t, "demo")
	c, err := envs.Open(root, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(root, "envbench.yaml")); err != nil {
		t.Fatal(err)
	}
	r := &catalogRunner{planning: func() *pipeline.PlanResult { return reviewed(t, false, updateTopic) }}
	ctx := &screen.Context{Catalog: c, Styles: theme.NewStyles(theme.PlainPalette(), true), Keys: keys.DefaultKeyMap(), Now: func() time.Time { return now }, Runner: r}
	s := New(ctx, "qa")
	s.SetSize(100, 30)
	p := &program{t: t, s: s, msgs: make(chan tea.Msg, 64)}
	p.run(s.Init())
	p.until("the plan ends", func() bool { return s.phase != phasePlanning })
	v := view(s)
	if s.phase != phasePlanFailed || !strings.Contains(v, "reload the workspace "+root+" from disk") || len(r.plans) != 0 {
		t.Errorf("phase %d, %d plan(s) run:\n%s", s.phase, len(r.plans), v)
	}
}

func (*catalogRunner) Clone(context.Context, *envs.Catalog, string, string, pipeline.Approver, func(pipeline.Event)) (*pipeline.CloneResult, error) {
	return nil, errors.New("no clone in this test")
}

func (*catalogRunner) Teardown(context.Context, *envs.Catalog, string, string, pipeline.Approver, func(pipeline.Event)) (*pipeline.TeardownResult, error) {
	return nil, errors.New("no teardown in this test")
}

func (*catalogRunner) Resume(context.Context, *envs.Catalog, string, pipeline.Approver, func(pipeline.Event)) error {
	return errors.New("no resume in this test")
}

func (*catalogRunner) Reap(context.Context, *envs.Catalog, pipeline.Approver, func(pipeline.Event)) (*pipeline.ReapResult, error) {
	return nil, errors.New("no reap in this test")
}
