package fake

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Where a workspace keeps its simulation: the database under its local
// state, and the seed it starts from, declared by the workspace itself.
const (
	WorkspaceDB   = ".envbench/sim/aws.db"
	WorkspaceSeed = "sim/seed.yaml"
)

// OpenWorkspace opens the simulation of the workspace at root
// (root/.envbench/sim/aws.db), seeding it from seedPath on first use: when
// the database is new or was never seeded. A new simulation is seeded in
// a file of its own and linked into place once complete, so processes
// opening the workspace at once (the TUI, a headless command, Terraform's
// provider) never see it half-seeded nor seed it twice. A simulation
// seeded before is opened as it is, without reading the seed again, so
// changes made since (applies, `envbench sim console`) stay. A seedPath
// that does not exist leaves a new simulation empty; a seed that does not
// load is an error naming its file, line and column.
func OpenWorkspace(ctx context.Context, root, seedPath string, opts Options) (*Sim, error) {
	path := filepath.Join(root, WorkspaceDB)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := seedNew(ctx, path, seedPath, opts); err != nil {
			return nil, err
		}
	}
	s, err := Open(path, opts)
	if err != nil {
		return nil, err
	}
	seeded, err := s.Seeded(ctx)
	if err == nil && !seeded {
		// Made before its workspace had a seed: seeded where it is.
		err = s.seedFrom(ctx, seedPath)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// seedNew seeds a new simulation in a temporary file beside path and
// links it to path, unless another process got there first. Without a
// seed it does nothing: Open makes the empty simulation.
func seedNew(ctx context.Context, path, seedPath string, opts Options) error {
	seed, err := loadSeedIfAny(seedPath)
	if err != nil || seed == nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("seed simulated AWS: %w", err)
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".seeding-*")
	if err != nil {
		return fmt.Errorf("seed simulated AWS: %w", err)
	}
	tmp := f.Name()
	f.Close()
	defer func() {
		for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
			os.Remove(p)
		}
	}()
	s, err := Open(tmp, opts)
	if err != nil {
		return err
	}
	if err := s.seedWith(ctx, seed); err != nil {
		s.Close()
		return err
	}
	// Everything into the database file itself before it is linked: the
	// write-ahead log stays behind with the temporary name.
	if _, err := s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		s.Close()
		return fmt.Errorf("seed simulated AWS: %w", err)
	}
	if err := s.Close(); err != nil {
		return fmt.Errorf("seed simulated AWS: %w", err)
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("seed simulated AWS: %w", err)
	}
	return nil
}

// ResetWorkspace throws the workspace's simulation away and seeds a new
// one from seedPath: every account, resource, fault and CloudTrail event
// made since the seed is gone. Processes that still have the old
// simulation open keep the old file until they open it again.
func ResetWorkspace(ctx context.Context, root, seedPath string, opts Options) (*Sim, error) {
	// The seed is checked before anything is removed: a broken seed must
	// not leave the workspace without its simulation.
	if _, err := loadSeedIfAny(seedPath); err != nil {
		return nil, err
	}
	db := filepath.Join(root, WorkspaceDB)
	for _, p := range []string{db, db + "-wal", db + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("reset simulated AWS: %w", err)
		}
	}
	return OpenWorkspace(ctx, root, seedPath, opts)
}

// Seeded reports whether a seed was applied to the simulation.
func (s *Sim) Seeded(ctx context.Context) (bool, error) {
	var digest string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'seed'`).Scan(&digest)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the simulation's seed: %w", err)
	}
	return digest != "", nil
}

func (s *Sim) seedFrom(ctx context.Context, seedPath string) error {
	seed, err := loadSeedIfAny(seedPath)
	if err != nil || seed == nil {
		return err
	}
	return s.seedWith(ctx, seed)
}

// seedWith applies seed and records the environments it leaves for
// Terraform to apply (PendingApplies).
func (s *Sim) seedWith(ctx context.Context, seed *Seed) error {
	if err := s.Apply(ctx, seed); err != nil {
		return fmt.Errorf("seed simulated AWS: %w", err)
	}
	if len(seed.Apply) == 0 {
		return nil
	}
	list, err := json.Marshal(seed.Apply)
	if err != nil {
		return fmt.Errorf("seed simulated AWS: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('apply_pending', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, string(list)); err != nil {
		return fmt.Errorf("seed simulated AWS: record what to apply: %w", err)
	}
	return nil
}

// PendingApplies are the environments the seed asks to apply (its
// `apply:` list) that no one has applied yet since the simulation was
// seeded; none once FinishApplies was called, whatever the outcome.
func (s *Sim) PendingApplies(ctx context.Context) ([]string, error) {
	var raw string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'apply_pending'`).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && raw == "") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the simulation's environments to apply: %w", err)
	}
	var out []string
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("read the simulation's environments to apply: %w", err)
	}
	return out, nil
}

// FinishApplies marks the seed's environments as handled: applied, or
// failed with the reason given (kept for ApplyFailure). They are not
// applied again until the simulation is reset.
func (s *Sim) FinishApplies(ctx context.Context, failure string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mark the seed's environments applied: %w", err)
	}
	defer tx.Rollback()
	if err := s.setMeta(tx, "apply_pending", ""); err != nil {
		return fmt.Errorf("mark the seed's environments applied: %w", err)
	}
	if err := s.setMeta(tx, "apply_failure", failure); err != nil {
		return fmt.Errorf("mark the seed's environments applied: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mark the seed's environments applied: %w", err)
	}
	return nil
}

// ApplyFailure is why applying the seed's environments failed; empty
// when it did not (or has not run).
func (s *Sim) ApplyFailure(ctx context.Context) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'apply_failure'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the simulation's apply failure: %w", err)
	}
	return v, nil
}

// loadSeedIfAny loads the seed at path; nil when there is no such file.
func loadSeedIfAny(path string) (*Seed, error) {
	if path == "" {
		return nil, nil
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	seed, err := LoadSeed(path)
	if err != nil {
		return nil, fmt.Errorf("seed simulated AWS: %w", err)
	}
	return seed, nil
}

// TaggedNames lists the ids and ARNs of an account's resources, in every
// region, that carry the tag key=value. It reads the simulation directly:
// no call is made, and none is recorded in CloudTrail (`envbench sim
// events --env` uses it to find an environment's events).
func (s *Sim) TaggedNames(ctx context.Context, account, key, value string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+rowColumns+` FROM resources WHERE account = ? ORDER BY type, id`, account)
	if err != nil {
		return nil, fmt.Errorf("list resources of %s tagged %s=%s: %w", account, key, value, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, fmt.Errorf("list resources of %s tagged %s=%s: %w", account, key, value, err)
		}
		if v, ok := r.Tags[key]; ok && v == value {
			out = append(out, r.ID, r.ARN)
		}
	}
	return out, rows.Err()
}
