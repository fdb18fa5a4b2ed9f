package tf

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// applyRecordFile is the record of an apply under way, in the work
// directory beside the state it is changing.
const applyRecordFile = ".envbench-apply.json"

// ApplyRecord is what an apply (or destroy) was doing, kept up to date while
// it runs. It exists only while an apply runs or after one was cut short
// (killed, interrupted): then the state may not match what was really
// created, and InFlight names the resources that were being changed.
type ApplyRecord struct {
	RunID     string    `json:"run_id"`
	Operation string    `json:"operation"` // apply or destroy
	Since     time.Time `json:"since"`
	// InFlight are the resources Terraform started changing and had not
	// finished (apply_start seen, no apply_complete or apply_errored).
	InFlight []string `json:"in_flight"`
	// Completed are the resources Terraform finished changing.
	Completed []string `json:"completed"`
}

// ApplyRecordPath is where the record of an apply in workDir is kept.
func ApplyRecordPath(workDir string) string { return filepath.Join(workDir, applyRecordFile) }

// ReadApplyRecord returns the record of the apply last cut short in workDir,
// or nil when there is none.
func ReadApplyRecord(workDir string) (*ApplyRecord, error) {
	path := ApplyRecordPath(workDir)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the record of an interrupted apply: %w", err)
	}
	var rec ApplyRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("%s: not a record of an apply (%v); remove it once the state is checked", path, err)
	}
	return &rec, nil
}

// ApplyInterrupted reports whether an apply in workDir was cut short and no
// apply has succeeded since.
func ApplyInterrupted(workDir string) bool {
	_, err := os.Stat(ApplyRecordPath(workDir))
	return err == nil
}

// ApplyJournal keeps an ApplyRecord on disk while an apply runs: Start
// writes it, Observe updates it on each resource Terraform starts or
// finishes, Finish removes it when the apply ended by itself. A run that
// dies leaves it behind. The file is owner-only and replaced atomically, so
// a reader never sees half of it.
type ApplyJournal struct {
	mu   sync.Mutex
	path string
	rec  ApplyRecord
	err  error // the first write that failed
}

// StartApplyJournal records that an apply of runID starts in workDir.
func StartApplyJournal(workDir, runID, operation string, now time.Time) (*ApplyJournal, error) {
	j := &ApplyJournal{path: ApplyRecordPath(workDir), rec: ApplyRecord{RunID: runID, Operation: operation, Since: now.UTC(), InFlight: []string{}, Completed: []string{}}}
	if err := j.write(true); err != nil {
		return nil, fmt.Errorf("record the apply: %w", err)
	}
	return j, nil
}

// Observe updates the record with one of Terraform's events.
func (j *ApplyJournal) Observe(e Event) {
	if e.Resource == "" {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	switch e.Type {
	case EventApplyStart:
		if !slices.Contains(j.rec.InFlight, e.Resource) {
			j.rec.InFlight = append(j.rec.InFlight, e.Resource)
		}
	case EventApplyComplete:
		j.rec.InFlight = slices.DeleteFunc(j.rec.InFlight, func(a string) bool { return a == e.Resource })
		j.rec.Completed = append(j.rec.Completed, e.Resource)
	case EventApplyErrored:
		// Terraform knows of an errored resource: it is tainted in the state.
		j.rec.InFlight = slices.DeleteFunc(j.rec.InFlight, func(a string) bool { return a == e.Resource })
	default:
		return
	}
	if err := j.write(false); err != nil && j.err == nil {
		j.err = err
	}
}

// Record returns a copy of the record as it stands.
func (j *ApplyJournal) Record() ApplyRecord {
	j.mu.Lock()
	defer j.mu.Unlock()
	r := j.rec
	r.InFlight, r.Completed = slices.Clone(r.InFlight), slices.Clone(r.Completed)
	return r
}

// Err is the first update that could not be written, if any.
func (j *ApplyJournal) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// Finish removes the record: the apply ended and Terraform's state says
// what it did.
func (j *ApplyJournal) Finish() error {
	if err := os.Remove(j.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("clear the record of the apply: %w", err)
	}
	return nil
}

// write replaces the record atomically; sync makes it durable too (the
// first write), where updates only need to survive the process.
func (j *ApplyJournal) write(sync bool) error {
	data, err := json.MarshalIndent(j.rec, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(j.path), applyRecordFile+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if sync {
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), j.path)
}
