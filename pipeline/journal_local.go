package pipeline

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/envbench/envbench/envs"
)

// LocalJournal keeps run journals in the workspace:
// .envbench/runs/<env>/<run-id>.jsonl, one JSON event a line, in
// owner-only directories (0700) and files (0600).
type LocalJournal struct {
	Root string // the workspace
	// NoSync skips the fsync after each record: for benchmarks that measure
	// the engine without the disk. A journal that does not sync may lose
	// its last records in a crash.
	NoSync bool
}

var _ Journal = LocalJournal{}

// RunsDir is where an environment's run journals and logs live.
func RunsDir(root, env string) string {
	return filepath.Join(root, ".envbench", "runs", env)
}

// JournalPath is the file of a run's local journal.
func JournalPath(root, env, runID string) string {
	return filepath.Join(RunsDir(root, env), runID+".jsonl")
}

// RunLogPath is the file of a run's log: Terraform's events and Log lines,
// one text line each, beside the run's local journal.
func RunLogPath(root, env, runID string) string {
	return filepath.Join(RunsDir(root, env), runID+".log")
}

// checkName refuses an environment or run name that is not one plain path
// element: the journal's files are named by them.
func checkName(what, name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`+"\x00") {
		return fmt.Errorf("%s %q: not a valid name", what, name)
	}
	return nil
}

// privateRunsDir makes root's .envbench/ and env's runs directory,
// owner-only.
func privateRunsDir(root, env string) (string, error) {
	if err := envs.PrivateStateDir(root); err != nil {
		return "", err
	}
	dir := RunsDir(root, env)
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return "", err
		}
		if err := os.Chmod(d, 0o700); err != nil {
			return "", fmt.Errorf("make %s owner-only: %w", d, err)
		}
	}
	return dir, nil
}

// Writer opens the run's journal for appending. A torn last line, left by
// a crash in the middle of a write, is cut off first, so that the records
// appended after it are whole lines.
func (j LocalJournal) Writer(ctx context.Context, env, runID string) (JournalWriter, error) {
	if err := checkName("environment", env); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := checkName("run", runID); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if _, err := privateRunsDir(j.Root, env); err != nil {
		return nil, fmt.Errorf("journal of run %s: %w", runID, err)
	}
	path := JournalPath(j.Root, env, runID)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal of run %s: %w", runID, err)
	}
	if err := repairTail(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	return &localWriter{f: f, path: path, sync: !j.NoSync}, nil
}

// repairTail leaves f positioned at its end, with its last line whole: a
// last line that does not parse (torn) is cut off, and a whole record
// missing only its newline gets it.
func repairTail(f *os.File) error {
	data, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	if len(data) > 0 {
		trimmed := bytes.TrimRight(data, "\n")
		start := bytes.LastIndexByte(trimmed, '\n') + 1
		last := trimmed[start:]
		var e Event
		switch {
		case len(bytes.TrimSpace(last)) == 0:
		case json.Unmarshal(last, &e) != nil:
			if err := f.Truncate(int64(start)); err != nil {
				return err
			}
		case data[len(data)-1] != '\n':
			if _, err := f.Write([]byte{'\n'}); err != nil {
				return err
			}
		}
	}
	_, err = f.Seek(0, io.SeekEnd)
	return err
}

type localWriter struct {
	mu      sync.Mutex // orders writes
	f       *os.File
	path    string
	sync    bool
	buf     []byte
	written int64 // records written

	syncMu  sync.Mutex // one fsync at a time
	durable atomic.Int64
}

var _ groupWriter = (*localWriter)(nil)

// Append writes e as one line, in one write, and syncs it to disk.
func (w *localWriter) Append(ctx context.Context, e Event) error {
	n, err := w.write(e)
	if err != nil {
		return err
	}
	return w.syncTo(n)
}

// write writes e as one line, in one write, without syncing it, and
// returns its number for syncTo.
func (w *localWriter) write(e Event) (int64, error) {
	data, err := json.Marshal(e)
	if err != nil {
		return 0, fmt.Errorf("journal %s: encode event %d: %w", w.path, e.Seq, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(append(w.buf[:0], data...), '\n')
	if _, err := w.f.Write(w.buf); err != nil {
		return 0, fmt.Errorf("journal %s: %w", w.path, err)
	}
	w.written++
	return w.written, nil
}

// syncTo returns when record n and those before it are on disk. Records
// written while another fsync runs share the next one (group commit).
func (w *localWriter) syncTo(n int64) error {
	if !w.sync || w.durable.Load() >= n {
		return nil
	}
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	if w.durable.Load() >= n {
		return nil // synced by another record's fsync while this one waited
	}
	w.mu.Lock()
	target := w.written
	w.mu.Unlock()
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("journal %s: sync: %w", w.path, err)
	}
	w.durable.Store(target)
	return nil
}

func (w *localWriter) Close() error { return w.f.Close() }

// Read returns the run's events in Seq order. A last line that does not
// parse is a torn write and is dropped; a bad line anywhere else is an
// error naming the file and line.
func (j LocalJournal) Read(ctx context.Context, env, runID string) ([]Event, error) {
	if err := checkName("environment", env); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := checkName("run", runID); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	path := JournalPath(j.Root, env, runID)
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("run %s of %s: %w: no journal at %s", runID, env, ErrNoRun, path)
		}
		return nil, fmt.Errorf("journal of run %s: %w", runID, err)
	}
	return decodeJournal(path, data)
}

// ErrNoRun is returned when a run has no journal.
var ErrNoRun = errors.New("no such run")

// decodeJournal parses JSON lines, tolerating a torn last line only.
func decodeJournal(path string, data []byte) ([]Event, error) {
	lines := bytes.Split(data, []byte{'\n'})
	last := len(lines) - 1
	for last >= 0 && len(bytes.TrimSpace(lines[last])) == 0 {
		last--
	}
	events := make([]Event, 0, last+1)
	for i := 0; i <= last; i++ {
		line := lines[i]
		if len(bytes.TrimSpace(line)) == 0 {
			return nil, fmt.Errorf("journal %s:%d: empty line", path, i+1)
		}
		var e Event
		if err := json.Unmarshal(line, &e); err != nil {
			if i == last {
				break // torn by a crash mid-write
			}
			return nil, fmt.Errorf("journal %s:%d: %w", path, i+1, err)
		}
		events = append(events, e)
	}
	slices.SortStableFunc(events, func(a, b Event) int { return cmp.Compare(a.Seq, b.Seq) })
	return events, nil
}

// Runs lists the runs of env, or of every environment when env is "",
// newest first (run ids sort by their start time).
func (j LocalJournal) Runs(ctx context.Context, env string) ([]RunRef, error) {
	var dirs []string
	if env != "" {
		if err := checkName("environment", env); err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		dirs = []string{env}
	} else {
		entries, err := os.ReadDir(filepath.Join(j.Root, ".envbench", "runs"))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		for _, e := range entries {
			if e.IsDir() {
				dirs = append(dirs, e.Name())
			}
		}
	}
	var refs []RunRef
	for _, d := range dirs {
		entries, err := os.ReadDir(RunsDir(j.Root, d))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("list runs of %s: %w", d, err)
		}
		for _, e := range entries {
			if id, ok := strings.CutSuffix(e.Name(), ".jsonl"); ok && e.Type().IsRegular() {
				refs = append(refs, RunRef{Env: d, RunID: id})
			}
		}
	}
	slices.SortFunc(refs, func(a, b RunRef) int {
		if c := strings.Compare(b.RunID, a.RunID); c != 0 {
			return c
		}
		return strings.Compare(a.Env, b.Env)
	})
	return refs, nil
}

// LocalLogs opens run logs at RunLogPath under root, owner-only, appended
// to by every process that runs the run.
func LocalLogs(root string) func(env, runID string) (io.WriteCloser, error) {
	return func(env, runID string) (io.WriteCloser, error) {
		if err := checkName("environment", env); err != nil {
			return nil, fmt.Errorf("run log: %w", err)
		}
		if err := checkName("run", runID); err != nil {
			return nil, fmt.Errorf("run log: %w", err)
		}
		if _, err := privateRunsDir(root, env); err != nil {
			return nil, fmt.Errorf("run log of %s: %w", runID, err)
		}
		f, err := os.OpenFile(RunLogPath(root, env, runID), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("run log of %s: %w", runID, err)
		}
		return f, nil
	}
}
