package envs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fsnotify/fsnotify"
)

// Watch reports changes to the files a workspace is loaded from: its
// envbench.yaml, envs/ and every archetype's folder. Each change sends on
// the returned channel without blocking, so a burst of changes (an editor's
// save writes, renames and chmods) collapses into one or two signals; the
// receiver reloads the workspace. Archetype folders created later are
// watched from then on. Nothing under .envbench/ is watched, so rendering
// and runs never signal. The channel is closed when ctx is cancelled or the
// watcher fails.
func Watch(ctx context.Context, root string) (<-chan struct{}, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch workspace %s: %w", root, err)
	}
	dirs := []string{root, filepath.Join(root, "envs"), filepath.Join(root, "archetypes")}
	if entries, err := os.ReadDir(filepath.Join(root, "archetypes")); err == nil {
		for _, e := range entries {
			if e.IsDir() {
				dirs = append(dirs, filepath.Join(root, "archetypes", e.Name()))
			}
		}
	}
	for _, d := range dirs {
		if err := w.Add(d); err != nil && !errors.Is(err, os.ErrNotExist) {
			w.Close()
			return nil, fmt.Errorf("watch %s: %w", d, err)
		}
	}
	changes := make(chan struct{}, 1)
	go func() {
		defer close(changes)
		defer w.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if !workspaceChange(root, ev, w) {
					continue
				}
				select {
				case changes <- struct{}{}:
				default: // a signal is already pending
				}
			case _, ok := <-w.Errors:
				if !ok {
					return
				}
			}
		}
	}()
	return changes, nil
}

// workspaceChange reports whether ev touches a file the workspace is loaded
// from, and starts watching folders that appear where archetypes and
// environments live.
func workspaceChange(root string, ev fsnotify.Event, w *fsnotify.Watcher) bool {
	dir, base := filepath.Dir(ev.Name), filepath.Base(ev.Name)
	if dir == root {
		switch base {
		case "envbench.yaml":
			return true
		case "envs", "archetypes":
			if ev.Has(fsnotify.Create) {
				_ = w.Add(ev.Name)
			}
			return true
		}
		return false // .envbench/ and anything else at the top
	}
	if dir == filepath.Join(root, "archetypes") && ev.Has(fsnotify.Create) {
		if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
			_ = w.Add(ev.Name)
		}
	}
	return true
}
