package run

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/screen"
)

// askingJob asks a once and reports what it was answered.
type askingJob struct {
	a     pipeline.Approval
	typed string
	err   error
}

func (j *askingJob) run(ctx context.Context, ask pipeline.Approver, sink func(pipeline.Event)) (Result, error) {
	sink(pipeline.Event{Seq: 1, Kind: pipeline.RunStarted, RunID: "r1", Env: j.a.Env, Pipeline: j.a.Pipeline})
	sink(pipeline.Event{Seq: 2, Kind: pipeline.StepStarted, Step: pipeline.StepGate})
	j.typed, j.err = ask(ctx, j.a)
	return Result{}, j.err
}

// pump delivers the run's messages until until says stop, or the run ends.
func pump(t *testing.T, m *Model, until func(tea.Msg) bool) tea.Msg {
	t.Helper()
	for {
		msg := m.feed.next(m.id)()
		m.Update(msg)
		if until(msg) {
			return msg
		}
		if _, ok := msg.(DoneMsg); ok {
			t.Fatalf("the run ended before %T", msg)
		}
	}
}

func isAsk(msg tea.Msg) bool  { _, ok := msg.(AskMsg); return ok }
func isDone(msg tea.Msg) bool { _, ok := msg.(DoneMsg); return ok }

func keyOf(code rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: code} }

func typeText(m *Model, s string) {
	for _, r := range s {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func startJob(t *testing.T, ctx *screen.Context, job Job) (*Model, *sync.WaitGroup) {
	t.Helper()
	var runs sync.WaitGroup
	ctx.Runs = &runs
	if ctx.Now == nil {
		ctx.Now = func() time.Time { return t0 }
	}
	m := NewJob(ctx, "r1", job)
	m.SetSize(80, 24)
	_ = m.Init()
	go m.begin()
	return m, &runs
}

func TestApprovalAnswers(t *testing.T) {
	plan := &envs.Plan{Changes: []*envs.Change{{Address: "aws_vpc.main", Action: envs.ActionCreate}}}
	findings := []envs.Finding{
		{Severity: envs.SeverityLow, Rule: envs.RuleChangeCount, Message: "a low one"},
		{Severity: envs.SeverityHigh, Rule: envs.RuleStatefulDestroy, Message: "the high one"},
	}
	for _, c := range []struct {
		name      string
		needsName bool
		keys      func(m *Model)
		hint      string
		typed     string
		err       error
	}{
		{"y approves", false, func(m *Model) { m.Update(press("y")) }, "y apply · n decline", pipeline.ApprovalYes, nil},
		{"n declines", false, func(m *Model) { m.Update(press("n")) }, "y apply · n decline", "", pipeline.ErrDeclined},
		{"the typed name", true, func(m *Model) { typeText(m, "dev-alice"); m.Update(keyOf(tea.KeyEnter)) }, "type dev-alice to apply", "dev-alice", nil},
		{"a wrong name goes to the pipeline as typed", true, func(m *Model) { typeText(m, "dev-bob"); m.Update(keyOf(tea.KeyEnter)) }, "type dev-alice to apply", "dev-bob", nil},
		{"esc declines", true, func(m *Model) { typeText(m, "dev"); m.Update(keyOf(tea.KeyEscape)) }, "type dev-alice to apply", "", pipeline.ErrDeclined},
	} {
		t.Run(c.name, func(t *testing.T) {
			job := &askingJob{a: pipeline.Approval{Env: "dev-alice", Pipeline: "clone", Plan: plan, Findings: findings, NeedsName: c.needsName}}
			m, runs := startJob(t, &screen.Context{}, job.run)
			pump(t, m, isAsk)
			v := m.View()
			if !m.CapturingInput() || !strings.Contains(v, c.hint) || !strings.Contains(v, "plan: +1 ~0 -0 ±0") {
				t.Fatalf("the approval panel:\n%s", v)
			}
			if hi, lo := strings.Index(v, "the high one"), strings.Index(v, "a low one"); hi < 0 || lo < hi {
				t.Errorf("findings not most severe first:\n%s", v)
			}
			c.keys(m)
			if m.CapturingInput() {
				t.Error("the panel is still open after the answer")
			}
			pump(t, m, isDone)
			runs.Wait()
			if job.typed != c.typed || !errors.Is(job.err, c.err) || (c.err == nil) != (job.err == nil) {
				t.Errorf("answered %q, %v; want %q, %v", job.typed, job.err, c.typed, c.err)
			}
		})
	}
}

// TestApprovalUnblocksOnCancel: a run waiting for an approval nobody gives
// ends with its context's error once the run is cancelled (x, or the
// TUI quitting through the base context).
func TestApprovalUnblocksOnCancel(t *testing.T) {
	for _, how := range []string{"cancel", "base"} {
		t.Run(how, func(t *testing.T) {
			base, stop := context.WithCancel(context.Background())
			defer stop()
			job := &askingJob{a: pipeline.Approval{Env: "dev-bob", Pipeline: "teardown", NeedsName: true}}
			m, runs := startJob(t, &screen.Context{Base: base}, job.run)
			pump(t, m, isAsk)
			if how == "cancel" {
				m.Cancel()
			} else {
				stop()
			}
			msg := pump(t, m, isDone)
			runs.Wait()
			if !errors.Is(job.err, context.Canceled) || !errors.Is(msg.(DoneMsg).Err, context.Canceled) {
				t.Errorf("ask returned %v, the run %v", job.err, msg.(DoneMsg).Err)
			}
			if m.CapturingInput() || m.Busy() != "" {
				t.Error("the ended run still asks or is busy")
			}
		})
	}
}

// resumeRunner records the runs it was asked to resume.
type resumeRunner struct {
	screen.Runner
	mu      sync.Mutex
	resumed []string
}

func (r *resumeRunner) Resume(_ context.Context, _ *envs.Catalog, runID string, _ pipeline.Approver, sink func(pipeline.Event)) error {
	r.mu.Lock()
	r.resumed = append(r.resumed, runID)
	r.mu.Unlock()
	sink(pipeline.Event{Seq: 4, Kind: pipeline.RunStarted, RunID: runID, Env: "dev-alice", Pipeline: "clone"})
	sink(pipeline.Event{Seq: 5, Kind: pipeline.StepStarted, Step: pipeline.StepApply})
	sink(pipeline.Event{Seq: 6, Kind: pipeline.StepFinished, Step: pipeline.StepApply})
	sink(pipeline.Event{Seq: 7, Kind: pipeline.RunFinished, Status: pipeline.RunSucceeded})
	return nil
}

func TestRetryResumesTheRun(t *testing.T) {
	runner := &resumeRunner{}
	failed := errors.New("apply: throttled")
	job := func(_ context.Context, _ pipeline.Approver, sink func(pipeline.Event)) (Result, error) {
		sink(pipeline.Event{Seq: 1, Kind: pipeline.RunStarted, RunID: "r1", Env: "dev-alice", Pipeline: "clone"})
		sink(pipeline.Event{Seq: 2, Kind: pipeline.StepStarted, Step: pipeline.StepApply})
		sink(pipeline.Event{Seq: 3, Kind: pipeline.StepFailed, Step: pipeline.StepApply, Message: failed.Error()})
		return Result{}, failed
	}
	m, runs := startJob(t, &screen.Context{Runner: runner, Catalog: &envs.Catalog{Workspace: &config.Workspace{Root: t.TempDir()}}}, job)
	pump(t, m, isDone)
	if !strings.Contains(m.View(), "run ended: apply: throttled") || !hasHelp(m, "R") {
		t.Fatalf("the failed run does not offer R:\n%s", m.View())
	}
	m.Update(press("R"))
	if m.Busy() == "" {
		t.Fatal("R did not start the resumed run")
	}
	go m.begin()
	pump(t, m, isDone)
	runs.Wait()
	if len(runner.resumed) != 1 || runner.resumed[0] != "r1" {
		t.Fatalf("resumed %v, want r1", runner.resumed)
	}
	if st := m.state.step(pipeline.StepApply); st.Status != StatusDone || m.state.LastSeq != 7 || m.state.Status != pipeline.RunSucceeded {
		t.Errorf("after the resume: apply %s, seq %d, run %s", st.Status, m.state.LastSeq, m.state.Status)
	}
	if hasHelp(m, "R") {
		t.Error("a succeeded run still offers R")
	}
}

func hasHelp(m *Model, k string) bool {
	for _, b := range m.Bindings() {
		if b.Help().Key == k {
			return true
		}
	}
	return false
}

// TestFullLogPages: L pushes the pager over the run's log file, which is
// read again on its tick and follows the new lines.
func TestFullLogPages(t *testing.T) {
	root := t.TempDir()
	job := func(_ context.Context, _ pipeline.Approver, sink func(pipeline.Event)) (Result, error) {
		sink(pipeline.Event{Seq: 1, Kind: pipeline.RunStarted, RunID: "r1", Env: "dev-alice", Pipeline: "clone"})
		return Result{}, nil
	}
	m, runs := startJob(t, &screen.Context{Catalog: &envs.Catalog{Workspace: &config.Workspace{Root: root}}}, job)
	pump(t, m, isDone)
	runs.Wait()
	path := pipeline.RunLogPath(root, "dev-alice", "r1")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("line one\nline two\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := m.key(press("L"))
	push, ok := cmd().(screen.PushMsg)
	if !ok {
		t.Fatalf("L: %T, want a push", cmd())
	}
	logs := push.Screen.(*LogScreen)
	logs.SetSize(80, 10)
	logs.Update(logs.Init()())
	if v := logs.View(); !strings.Contains(v, "line two") || !strings.Contains(v, "lines 1-2 of 2") {
		t.Fatalf("the pager:\n%s", v)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		f.WriteString("more output\n")
	}
	f.WriteString("the last line\n")
	f.Close()
	logs.Update(logs.read()()) // what the tick reads
	if v := logs.View(); !strings.Contains(v, "the last line") || !strings.Contains(v, "of 23 (following)") {
		t.Fatalf("the pager did not follow:\n%s", v)
	}
	logs.Update(press("g"))
	if v := logs.View(); !strings.Contains(v, "line one") || strings.Contains(v, "following") {
		t.Fatalf("g did not go to the top:\n%s", v)
	}
}

// TestRunEndSaysSo: the end of a run tells the screens that show runs
// (screen.RunEndedMsg) and reloads the workspace, whose status comes from
// the state.
func TestRunEndSaysSo(t *testing.T) {
	m := NewJob(&screen.Context{}, "r1", nil)
	m.Update(EventsMsg{RunID: "r1", Events: []pipeline.Event{{Seq: 1, Kind: pipeline.RunStarted, RunID: "r1", Env: "dev-bob", Pipeline: "teardown"}}})
	_, cmd := m.Update(DoneMsg{RunID: "r1"})
	if cmd == nil {
		t.Fatal("no command at the run's end")
	}
	var ended, reload bool
	for _, c := range cmd().(tea.BatchMsg) {
		switch msg := c().(type) {
		case screen.RunEndedMsg:
			ended = msg == screen.RunEndedMsg{Env: "dev-bob", RunID: "r1"}
		case screen.ReloadMsg:
			reload = true
		}
	}
	if !ended || !reload {
		t.Errorf("run ended sent %v, reload %v", ended, reload)
	}
}

// TestClosedScreenRefusesApprovals: a run whose screen was popped before
// it asked is refused at once, as a declined approval, not left waiting.
func TestClosedScreenRefusesApprovals(t *testing.T) {
	job := &askingJob{a: pipeline.Approval{Env: "dev-alice", Pipeline: "clone"}}
	m := NewJob(&screen.Context{}, "r1", job.run)
	_ = m.Init()
	m.Close()
	m.begin()
	if !errors.Is(job.err, ErrScreenClosed) {
		t.Fatalf("ask after close: %v", job.err)
	}

	// Asked (queued or shown), then closed.
	job = &askingJob{a: pipeline.Approval{Env: "dev-alice", Pipeline: "clone"}}
	m, runs := startJob(t, &screen.Context{}, job.run)
	for {
		m.feed.mu.Lock()
		n := len(m.feed.asks)
		m.feed.mu.Unlock()
		if n > 0 || m.asking != nil {
			break
		}
		m.Update(m.feed.next(m.id)())
	}
	m.Close()
	runs.Wait()
	if !errors.Is(job.err, ErrScreenClosed) {
		t.Fatalf("ask pending at close: %v", job.err)
	}
}

// TestEndedErrorWraps: the error a run ended with is wrapped under the
// steps, at most three rows, the view still the screen's height.
func TestEndedErrorWraps(t *testing.T) {
	for _, c := range []struct {
		name, msg string
		rows      int
		cut       bool
	}{
		{"short", "apply: throttled", 1, false},
		{"two rows", "teardown dev-bob: resources remain: 1 resource(s) still tagged envbench:env=dev-bob", 2, false},
		{"cut", strings.Repeat("the database is still in use by another session; ", 8), endedRows, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			failed := errors.New(c.msg)
			job := func(_ context.Context, _ pipeline.Approver, sink func(pipeline.Event)) (Result, error) {
				sink(pipeline.Event{Seq: 1, Kind: pipeline.RunStarted, RunID: "r1", Env: "dev-alice", Pipeline: "clone"})
				sink(pipeline.Event{Seq: 2, Kind: pipeline.StepFailed, Step: pipeline.StepApply, Message: c.msg})
				return Result{}, failed
			}
			m, _ := startJob(t, &screen.Context{Catalog: &envs.Catalog{Workspace: &config.Workspace{Root: t.TempDir()}}}, job)
			pump(t, m, isDone)
			view := m.View()
			lines := strings.Split(view, "\n")
			if len(lines) != 24 {
				t.Errorf("the view is %d rows, want 24:\n%s", len(lines), view)
			}
			at := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "run ended: ") })
			if at < 0 || len(lines)-at != c.rows {
				t.Fatalf("want the error on the last %d rows:\n%s", c.rows, view)
			}
			for _, l := range lines[at:] {
				if ansi.StringWidth(l) > 80 {
					t.Errorf("row wider than the screen: %q", l)
				}
			}
			if got := strings.HasSuffix(lines[len(lines)-1], "… (L: the log)"); got != c.cut {
				t.Errorf("last row %q: cut %v, want %v", lines[len(lines)-1], got, c.cut)
			}
		})
	}
}
