package envs

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/envbench/envbench/internal/testkit"
)

// TestWatchSignalsWorkspaceChanges: an edited environment, envbench.yaml, a
// new archetype folder and a file written into it each signal.
func TestWatchSignalsWorkspaceChanges(t *testing.T) {
	root := testkit.CopyExample(t, "demo")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes, err := Watch(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	newArchetype := filepath.Join(root, "archetypes", "extra")
	steps := []struct {
		name  string
		touch func() error
	}{
		{"edit envs/qa.yaml", func() error { return appendTo(filepath.Join(root, "envs", "qa.yaml"), "\n") }},
		{"edit envbench.yaml", func() error { return appendTo(filepath.Join(root, "envbench.yaml"), "\n") }},
		{"create an archetype folder", func() error { return os.Mkdir(newArchetype, 0o755) }},
		{"write into the new archetype", func() error {
			return os.WriteFile(filepath.Join(newArchetype, "main.tf"), []byte("# new\n"), 0o644)
		}},
	}
	for _, s := range steps {
		drain(changes)
		if err := s.touch(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		select {
		case _, ok := <-changes:
			if !ok {
				t.Fatalf("%s: the watcher stopped", s.name)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no change signalled", s.name)
		}
	}
	cancel()
	for range changes { // closed once the watcher has stopped
	}
}

// TestWorkspaceChange: what counts as a change of the workspace's files.
// Rendering and runs write under .envbench/; the list must not reload for
// them.
func TestWorkspaceChange(t *testing.T) {
	root := t.TempDir()
	w, err := fsnotify.NewWatcher()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cases := []struct {
		name string
		op   fsnotify.Op
		want bool
	}{
		{"envbench.yaml", fsnotify.Write, true},
		{"envs/qa.yaml", fsnotify.Write, true},
		{"envs/new.yaml", fsnotify.Create, true},
		{"envs/old.yaml", fsnotify.Remove, true},
		{"archetypes/sandbox/main.tf", fsnotify.Write, true},
		{"archetypes/sandbox/archetype.yaml", fsnotify.Rename, true},
		{"envs", fsnotify.Create, true},
		{".envbench", fsnotify.Create, false},
		{"README.md", fsnotify.Write, false},
		{".git", fsnotify.Write, false},
	}
	for _, c := range cases {
		ev := fsnotify.Event{Name: filepath.Join(root, filepath.FromSlash(c.name)), Op: c.op}
		if got := workspaceChange(root, ev, w); got != c.want {
			t.Errorf("%s %s: change = %v, want %v", c.op, c.name, got, c.want)
		}
	}
}

func drain(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

func appendTo(name, text string) error {
	f, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
