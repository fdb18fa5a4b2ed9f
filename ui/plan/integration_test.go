package plan

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
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

// program runs a screen's commands in goroutines and feeds their messages
// back, as bubbletea would, one at a time on the test's goroutine.
type program struct {
	t    *testing.T
	s    *Screen
	msgs chan tea.Msg
}

func (p *program) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		if batch, ok := msg.(tea.BatchMsg); ok {
			for _, c := range batch {
				p.run(c)
			}
			return
		}
		if msg != nil {
			p.msgs <- msg
		}
	}()
}

// until delivers messages until cond holds; the deadline only bounds a
// failing test.
func (p *program) until(what string, cond func() bool) {
	p.t.Helper()
	deadline := time.After(30 * time.Second)
	for !cond() {
		select {
		case msg := <-p.msgs:
			_, cmd := p.s.Update(msg)
			p.run(cmd)
		case <-deadline:
			p.t.Fatalf("timed out waiting until %s; screen:\n%s", what, view(p.s))
		}
	}
}

// TestFirstChangeShowsWhileTerraformPlans runs the plan screen on the real
// pipeline with a stand-in terraform that stops after its first planned
// change: the change must be on screen while Terraform still runs.
func TestFirstChangeShowsWhileTerraformPlans(t *testing.T) {
	root := testkit.CopyExample(t, "demo")
	fakeTF := testkit.FakeTerraform()
	settings, _ := os.ReadFile(filepath.Join(root, "envbench.yaml"))
	os.WriteFile(filepath.Join(root, "envbench.yaml"), append(settings, []byte("terraform:\n  binary: "+fakeTF+"\n")...), 0o644)
	fifo := filepath.Join(t.TempDir(), "release")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	t.Setenv("FAKE_TF_FIFO", fifo)
	t.Setenv("FAKE_TF_LOG", filepath.Join(t.TempDir(), "log"))

	c, err := envs.Open(root, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ctx := &screen.Context{Catalog: c, Styles: theme.NewStyles(theme.PlainPalette(), true), Keys: keys.DefaultKeyMap(), Now: time.Now, Runner: pipeline.Runner{}}
	s := New(ctx, "qa")
	s.SetSize(100, 30)
	p := &program{t: t, s: s, msgs: make(chan tea.Msg, 64)}
	p.run(s.Init())

	p.until("the first planned change is on screen", func() bool { return strings.Contains(view(s), "terraform_data.db") })
	if s.phase != phasePlanning || s.Busy() == "" {
		t.Fatalf("the change must show while Terraform still plans; phase %d", s.phase)
	}
	if !strings.Contains(view(s), "+1 add") {
		t.Errorf("the live summary must count it:\n%s", view(s))
	}
	release, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	release.WriteString("go\n")
	release.Close()
	p.until("the plan is reviewed", func() bool { return s.phase != phasePlanning })
	if s.phase != phaseReviewed || !strings.Contains(view(s), "reviewed") {
		t.Fatalf("after Terraform ends:\n%s", view(s))
	}
}
