// Package fake is the simulated AWS of the demo and the tests: many
// accounts, each with its own resources, reached by assuming a role as on
// AWS; RDS, EC2, KMS, Secrets Manager, Route 53, S3, ECS and the Resource
// Groups Tagging API with the semantics the pipelines depend on (paced
// creating → available, snapshots shared with one account only, the
// default aws/rds key that cannot be shared, DependencyViolation, deletion
// protection, conditional writes); a CloudTrail of its own (every call
// recorded as AWS records it, LookupEvents with its limits, trail files);
// and faults on demand.
//
// Everything lives in one SQLite database file (.envbench/sim/aws.db) in
// WAL mode, so the TUI, headless runs and the provider processes Terraform
// starts use the same accounts at once. Statuses that change with time
// are computed on read from the creation time, the pace and the injected
// clock: nothing runs in the background.
package fake

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// Pace is how long things take in the simulation, from their creation (or
// modification) to their next status. Zero durations are immediate.
type Pace struct {
	Instance  time.Duration // RDS instance: creating → available (also restores)
	Snapshot  time.Duration // RDS snapshot: creating → available (also copies)
	Modify    time.Duration // RDS instance: modifying → available
	DNSChange time.Duration // Route 53 change: PENDING → INSYNC
}

// DefaultPace is the pace of the demo: about as slow as AWS, shortened.
func DefaultPace() Pace {
	return Pace{Instance: 60 * time.Second, Snapshot: 30 * time.Second, Modify: 20 * time.Second, DNSChange: 10 * time.Second}
}

// Options configure a Sim.
type Options struct {
	// Clock is the simulation's time; nil means time.Now.
	Clock func() time.Time
	// Pace sets how long transitions take; nil means DefaultPace, a zero
	// Pace makes everything immediate.
	Pace *Pace
	// Rand draws the faults' chances, in [0, 1); nil means math/rand/v2.
	// Tests pass a deterministic source.
	Rand func() float64
	// Identity is the caller's identity when no role is assumed, an ARN
	// such as arn:aws:sts::999999999999:assumed-role/AWSReservedSSO_Admin_1a2b/ann@acme.example
	// or arn:aws:iam::999999999999:user/ann. Empty: the identity stored in
	// the database by a seed, else DefaultIdentity.
	Identity string
	// Region is used when a Target names none; empty means eu-west-1.
	Region string
	// Retries makes the Sim's callers retry as AWS's SDKs do: a call that
	// fails with an error marked retryable (a throttle, a 5xx) is made
	// again, up to Retries more times, after a backoff that doubles from
	// RetryDelay (50ms when zero) to at most 2s. Every attempt is recorded
	// in CloudTrail, as on AWS. Zero: no retries, the caller decides (the
	// pipelines' own retry policies do).
	Retries    int
	RetryDelay time.Duration
}

// DefaultIdentity is the caller when neither Options nor the seed name
// one: an SSO user in the organization's management account.
const DefaultIdentity = "arn:aws:sts::999999999999:assumed-role/AWSReservedSSO_AdministratorAccess_5f1d2c3b4a697887/developer@acme.example"

// Sim is the simulated AWS, every account of it, in one database file. A
// Sim is safe for concurrent use, and several Sims (in one process or
// many) may use the same file at once.
type Sim struct {
	db     *sql.DB
	path   string
	now    func() time.Time
	pace   Pace
	region string
	ident  string

	randMu sync.Mutex
	rand   func() float64

	retries    int
	retryDelay time.Duration
}

// Open opens (creating when needed) the simulation stored at path. The
// directory is created 0700 and the file 0600.
func Open(path string, opts Options) (*Sim, error) {
	if path == "" {
		return nil, errors.New("open simulated AWS: no database path")
	}
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		// A directory made here is the simulation's own: owner only. One
		// that exists is left as it is.
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open simulated AWS: create %s: %w", dir, err)
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open simulated AWS: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open simulated AWS: %w", err)
	}
	f.Close()
	if err := os.Chmod(path, 0o600); err != nil {
		return nil, fmt.Errorf("open simulated AWS: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open simulated AWS %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	s := &Sim{db: db, path: path, now: opts.Clock, region: opts.Region, ident: opts.Identity, rand: opts.Rand,
		retries: opts.Retries, retryDelay: cmp.Or(opts.RetryDelay, 50*time.Millisecond)}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.Pace == nil {
		s.pace = DefaultPace()
	} else {
		s.pace = *opts.Pace
	}
	if s.region == "" {
		s.region = "eu-west-1"
	}
	if s.rand == nil {
		s.rand = rand.Float64
	}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open simulated AWS %s: %w", path, err)
	}
	return s, nil
}

// Close closes the database.
func (s *Sim) Close() error { return s.db.Close() }

// Path is the database file.
func (s *Sim) Path() string { return s.path }

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS roles (
	arn TEXT PRIMARY KEY, account TEXT NOT NULL, name TEXT NOT NULL,
	role_id TEXT NOT NULL, trust TEXT NOT NULL, external_id TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS resources (
	account TEXT NOT NULL, region TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
	arn TEXT NOT NULL, parent TEXT NOT NULL, created INTEGER NOT NULL, changed INTEGER NOT NULL,
	attrs TEXT NOT NULL, tags TEXT NOT NULL,
	PRIMARY KEY (account, region, type, id));
CREATE INDEX IF NOT EXISTS resources_arn ON resources (arn);
CREATE INDEX IF NOT EXISTS resources_parent ON resources (account, region, type, parent);
CREATE TABLE IF NOT EXISTS objects (
	bucket TEXT NOT NULL, key TEXT NOT NULL, body BLOB NOT NULL, etag TEXT NOT NULL,
	PRIMARY KEY (bucket, key));
CREATE TABLE IF NOT EXISTS faults (
	service TEXT NOT NULL, operation TEXT NOT NULL, kind TEXT NOT NULL,
	rate REAL NOT NULL, latency INTEGER NOT NULL,
	PRIMARY KEY (service, operation, kind));
CREATE TABLE IF NOT EXISTS lookups (account TEXT NOT NULL, region TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS lookups_at ON lookups (account, region, at);
CREATE TABLE IF NOT EXISTS events (
	seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
	at INTEGER NOT NULL, name TEXT NOT NULL, source TEXT NOT NULL, username TEXT NOT NULL,
	read_only INTEGER NOT NULL, management INTEGER NOT NULL, resources TEXT NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_time ON events (account, region, management, at, seq);
CREATE INDEX IF NOT EXISTS events_at ON events (at);
CREATE INDEX IF NOT EXISTS events_name ON events (account, region, name, at, seq);
CREATE INDEX IF NOT EXISTS events_user ON events (account, region, username, at, seq);
CREATE INDEX IF NOT EXISTS events_source ON events (account, region, source, at, seq);
CREATE INDEX IF NOT EXISTS events_id ON events (id);
CREATE TABLE IF NOT EXISTS event_resources (
	seq INTEGER NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
	type TEXT NOT NULL, name TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS event_resources_name ON event_resources (account, region, name, at, seq);
CREATE INDEX IF NOT EXISTS event_resources_type ON event_resources (account, region, type, at, seq);
`

func (s *Sim) migrate() error {
	return s.write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(schema)
		return err
	})
}

// write runs fn in a transaction that holds the database's write lock
// from its start (BEGIN IMMEDIATE), so read-modify-write is atomic across
// processes.
func (s *Sim) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (s *Sim) random() float64 {
	s.randMu.Lock()
	defer s.randMu.Unlock()
	return s.rand()
}

func (s *Sim) setMeta(tx *sql.Tx, key, value string) error {
	_, err := tx.Exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}
