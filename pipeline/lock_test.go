package pipeline

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// acquire takes env's lock in root for a run of operation, as the engine
// does.
func acquire(root, env, runID, operation string, now time.Time) (*Lock, error) {
	return LocalLocks{Root: root}.acquire(env, CurrentHolder(runID, operation, now))
}

// readLock returns who holds env's lock in root.
func readLock(root, env string) (Holder, bool) {
	h, ok, err := LocalLocks{Root: root}.Read(context.Background(), env)
	return h, ok && err == nil
}

func TestLockIsExclusive(t *testing.T) {
	root := t.TempDir()
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	a, err := acquire(root, "qa", "run-a", "plan", now)
	if err != nil {
		t.Fatal(err)
	}
	_, err = acquire(root, "qa", "run-b", "apply", now)
	var locked *LockedError
	if !errors.As(err, &locked) || !errors.Is(err, ErrLocked) || locked.Holder.RunID != "run-a" || locked.Holder.Operation != "plan" {
		t.Fatalf("second acquire: %v", err)
	}
	if !strings.Contains(err.Error(), "qa is locked by") || !strings.Contains(err.Error(), "plan run run-a") {
		t.Errorf("message %q should name the holder", err)
	}
	if h, ok := readLock(root, "qa"); !ok || h.RunID != "run-a" {
		t.Errorf("ReadLock = %+v %v", h, ok)
	}
	if _, err := acquire(root, "prod", "run-c", "plan", now); err != nil {
		t.Errorf("another environment must lock independently: %v", err)
	}
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	b, err := acquire(root, "qa", "run-b", "apply", now)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	// Releasing a lock that is no longer ours leaves the new holder's alone.
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	if h, ok := readLock(root, "qa"); !ok || h.RunID != "run-b" {
		t.Errorf("an old lock's release removed the new holder's lock: %+v %v", h, ok)
	}
	b.Release()
}

func TestStaleLockIsTakenOver(t *testing.T) {
	root := t.TempDir()
	path := LockPath(root, "qa")
	os.MkdirAll(strings.TrimSuffix(path, "/qa.json"), 0o755)
	// A pid that cannot be running: above the kernel's pid limit.
	stale := `{"user":"bob","host":"` + hostname() + `","pid":2147483646,"run_id":"old","operation":"apply","since":"2026-11-20T10:00:00Z"}`
	if err := os.WriteFile(path, []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := acquire(root, "qa", "new", "plan", time.Now())
	if err != nil {
		t.Fatalf("a dead holder's lock must be taken over: %v", err)
	}
	l.Release()

	other := `{"user":"bob","host":"another-host","pid":1,"run_id":"remote","operation":"apply","since":"2026-11-20T10:00:00Z"}`
	os.WriteFile(path, []byte(other), 0o644)
	if _, err := acquire(root, "qa", "new", "plan", time.Now()); !errors.Is(err, ErrLocked) {
		t.Errorf("a lock from another host is never taken over: %v", err)
	}
}

func TestStaleTakeoverIsGuarded(t *testing.T) {
	root := t.TempDir()
	path := LockPath(root, "qa")
	os.MkdirAll(strings.TrimSuffix(path, "/qa.json"), 0o755)
	stale := `{"user":"bob","host":"` + hostname() + `","pid":2147483646,"run_id":"old","operation":"apply","since":"2026-11-20T10:00:00Z"}`
	os.WriteFile(path, []byte(stale), 0o644)
	// Another run is taking the stale lock over right now.
	os.WriteFile(path+".takeover", []byte("1\n"), 0o644)
	if _, err := acquire(root, "qa", "new", "plan", time.Now()); !errors.Is(err, ErrLockRace) || errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "taking over a stale lock") {
		t.Fatalf("a takeover in progress must stop a second one: %v", err)
	}
	// A guard left by a run that died is itself taken over after a minute.
	if _, err := acquire(root, "qa", "new", "plan", time.Now().Add(2*time.Minute)); err == nil {
		t.Fatal("the first attempt after a dead guard clears it and reports")
	}
	l, err := acquire(root, "qa", "new", "plan", time.Now())
	if err != nil {
		t.Fatalf("once the dead guard is gone the stale lock is taken over: %v", err)
	}
	l.Release()
}
