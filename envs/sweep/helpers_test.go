package sweep

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/fake"
)

// clock is the tests' time: Sleep advances it at once and records the
// wait, so no test sleeps; the simulation reads the same time.
type clock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newClock() *clock { return &clock{t: time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.sleeps = append(c.sleeps, d)
	return nil
}

func (c *clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// world is a simulation seeded from YAML, on a test clock.
type world struct {
	sim   *fake.Sim
	clock *clock
}

func newWorld(t *testing.T, seedYAML string, opts fake.Options) *world {
	t.Helper()
	c := newClock()
	opts.Clock = c.Now
	zero := fake.Pace{}
	opts.Pace = &zero
	s, err := fake.Open(filepath.Join(t.TempDir(), "aws.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	seed, err := fake.ParseSeed("seed.yaml", []byte(seedYAML))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(context.Background(), seed); err != nil {
		t.Fatal(err)
	}
	return &world{sim: s, clock: c}
}

// account connects to an account through its role, as a run does.
func (w *world) account(t *testing.T, id, role string) *cloud.Account {
	t.Helper()
	a, err := w.sim.Connect(context.Background(), cloud.Target{Region: "eu-west-1", RoleARN: "arn:aws:iam::" + id + ":role/" + role, SessionName: "envbench-test-run"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (w *world) sweeper() Sweeper {
	return Sweeper{Sleep: w.clock.Sleep, DatabasePoll: time.Second}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
