package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"time"

	"github.com/envbench/envbench/envs"
)

// ErrLocked is returned when another run holds an environment.
var ErrLocked = errors.New("environment is locked")

// ErrLockRace is returned when two runs reached for the same lock at the
// same moment (both found it free, or both found it stale): nobody holds it
// for sure, and trying again settles it.
var ErrLockRace = errors.New("lock contended")

// LockRaceError says which race a lock attempt lost.
type LockRaceError struct {
	Env    string
	Reason string // what happened, e.g. "another run is taking over a stale lock"
}

func (e *LockRaceError) Error() string {
	return fmt.Sprintf("lock %s: %s; try again", e.Env, e.Reason)
}

// Unwrap makes a LockRaceError match ErrLockRace.
func (e *LockRaceError) Unwrap() error { return ErrLockRace }

// Holder describes who holds an environment's lock.
type Holder struct {
	User      string    `json:"user"`
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	RunID     string    `json:"run_id"`
	Operation string    `json:"operation"`
	Since     time.Time `json:"since"`
}

func (h Holder) String() string {
	return fmt.Sprintf("%s@%s (pid %d, %s run %s) since %s", h.User, h.Host, h.PID, h.Operation, h.RunID, h.Since.Local().Format("2006-01-02 15:04:05"))
}

// LockedError says who holds the lock.
type LockedError struct {
	Env    string
	Holder Holder
	Path   string
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s is locked by %s; wait for that run to finish, or, if its process is gone, remove %s", e.Env, e.Holder, e.Path)
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// LocalLocks keeps environments' locks as files in the workspace,
// .envbench/locks/<env>.json: one run per environment at a time, across
// TUI sessions and headless commands on this machine. A lock left by a
// process that no longer runs on this host is taken over.
type LocalLocks struct {
	Root string // the workspace
}

var _ Locker = LocalLocks{}

// Lock is one run's hold on an environment, taken by LocalLocks.
type Lock struct {
	path   string
	holder Holder
	// tookOver is the dead run whose lock this one replaced, if any.
	tookOver *Holder
}

var _ Held = (*Lock)(nil)

// LockPath is where an environment's lock lives.
func LockPath(root, env string) string {
	return filepath.Join(root, ".envbench", "locks", env+".json")
}

// CurrentHolder is this process as the holder of a lock for a run of
// operation (plan, apply...), from now.
func CurrentHolder(runID, operation string, now time.Time) Holder {
	return Holder{User: currentUser(), Host: hostname(), PID: os.Getpid(), RunID: runID, Operation: operation, Since: now.UTC()}
}

// Acquire takes env's lock for h. A lock left by a process that no longer
// runs on this host is taken over (the Lock's TookOver then says whose it
// was); any other held lock is a *LockedError naming its holder, and a lost
// race with another run taking the lock a *LockRaceError (retryable). It
// makes the workspace's .envbench/ owner-only first (see
// envs.PrivateStateDir).
func (l LocalLocks) Acquire(ctx context.Context, env string, h Holder) (Held, error) {
	lock, err := l.acquire(env, h)
	if err != nil {
		return nil, err
	}
	return lock, nil
}

func (l LocalLocks) acquire(env string, h Holder) (*Lock, error) {
	if err := checkName("environment", env); err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	path := LockPath(l.Root, env)
	if err := envs.PrivateStateDir(l.Root); err != nil {
		return nil, fmt.Errorf("lock %s: %w", env, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock %s: %w", env, err)
	}
	data, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return nil, err
	}
	now := h.Since
	var tookOver *Holder
	for attempt := 0; attempt < 2; attempt++ {
		err = envs.CreateFileExclusive(path, append(data, '\n'), 0o600)
		if err == nil {
			return &Lock{path: path, holder: h, tookOver: tookOver}, nil
		}
		if !errors.Is(err, envs.ErrExists) {
			return nil, fmt.Errorf("lock %s: %w", env, err)
		}
		other, readErr := readHolder(path)
		if readErr != nil {
			return nil, fmt.Errorf("lock %s: %s exists but cannot be read (%v); remove it if no run holds %s", env, path, readErr, env)
		}
		if !holderDead(other) {
			return nil, &LockedError{Env: env, Holder: other, Path: path}
		}
		// The holder died on this host: the lock is stale.
		if reason, err := removeStale(path, other, now); err != nil {
			return nil, fmt.Errorf("lock %s: %w", env, err)
		} else if reason != "" {
			return nil, &LockRaceError{Env: env, Reason: reason}
		}
		tookOver = &other
	}
	return nil, &LockRaceError{Env: env, Reason: "another run took it at the same moment"}
}

// holderDead reports whether a lock's holder is known to be gone: a
// process of this host that no longer runs. A holder on another host is
// never known to be dead.
func holderDead(h Holder) bool {
	return h.Host == hostname() && !processAlive(h.PID)
}

// Read returns who holds env's lock, if anyone does.
func (l LocalLocks) Read(ctx context.Context, env string) (Holder, bool, error) {
	if err := checkName("environment", env); err != nil {
		return Holder{}, false, fmt.Errorf("lock: %w", err)
	}
	h, err := readHolder(LockPath(l.Root, env))
	if errors.Is(err, os.ErrNotExist) {
		return Holder{}, false, nil
	}
	if err != nil {
		return Holder{}, false, fmt.Errorf("lock %s: read %s: %w", env, LockPath(l.Root, env), err)
	}
	return h, true, nil
}

// Break removes env's lock whoever holds it, and returns who held it.
func (l LocalLocks) Break(ctx context.Context, env string) (Holder, bool, error) {
	h, held, err := l.Read(ctx, env)
	if err != nil {
		// An unreadable lock is still removed: that is what breaking is for.
		h, held = Holder{}, true
	}
	if err := os.Remove(LockPath(l.Root, env)); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Holder{}, false, nil
		}
		return h, held, fmt.Errorf("break lock %s: %w", env, err)
	}
	return h, held, nil
}

// removeStale removes a dead holder's lock. Two runs may find the same lock
// stale: a guard file, created exclusively, lets one of them remove it, and
// that one removes it only if it is still the stale holder's, never a lock
// another run has just taken. A race lost is a reason, not an error.
func removeStale(path string, stale Holder, now time.Time) (race string, err error) {
	guard := path + ".takeover"
	if err := envs.CreateFileExclusive(guard, []byte(fmt.Sprintf("%d\n", os.Getpid())), 0o600); err != nil {
		if info, statErr := os.Stat(guard); statErr == nil && now.Sub(info.ModTime()) > time.Minute {
			os.Remove(guard) // left by a run that died while taking over
		}
		return "another run is taking over a stale lock", nil
	}
	defer os.Remove(guard)
	current, err := readHolder(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil || current != stale {
		return "the lock changed hands while it was checked", nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("remove stale lock: %w", err)
	}
	return "", nil
}

// Release gives the lock back, if it is still this run's.
func (l *Lock) Release() error {
	if l == nil {
		return nil
	}
	current, err := readHolder(l.path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	if current.RunID != l.holder.RunID || current.PID != l.holder.PID {
		return nil
	}
	return os.Remove(l.path)
}

// Holder is who this lock says holds the environment.
func (l *Lock) Holder() Holder { return l.holder }

// TookOver returns the run whose lock this one took over because its
// process had died, and whether there was one.
func (l *Lock) TookOver() (Holder, bool) {
	if l == nil || l.tookOver == nil {
		return Holder{}, false
	}
	return *l.tookOver, true
}

// Message is what the lock step reports: "locked", or which dead run's lock
// was taken over.
func (l *Lock) Message() string {
	dead, ok := l.TookOver()
	if !ok {
		return "locked"
	}
	return fmt.Sprintf("took over the lock of a dead %s run %s (since %s)", dead.Operation, dead.RunID, dead.Since.UTC().Format(time.RFC3339))
}

func readHolder(path string) (Holder, error) {
	var h Holder
	data, err := os.ReadFile(path)
	if err != nil {
		return h, err
	}
	err = json.Unmarshal(data, &h)
	return h, err
}

// operator is who runs this process, as a run's journal records it.
func operator() string { return currentUser() + "@" + hostname() }

func currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}
