package fake

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/envbench/envbench/envs/cloud"
)

// clockTicker moves the simulation's clock on by d and fires at once: a
// wait on it takes no wall time.
type clockTicker struct{ c *clock }

func (t clockTicker) After(d time.Duration) <-chan time.Time {
	t.c.Advance(d)
	ch := make(chan time.Time, 1)
	ch <- t.c.Now()
	return ch
}

// TestWaitWithPercentProgress: cloud.WaitInstance and cloud.WaitSnapshot
// poll the simulated account until available, telling each progress read;
// a snapshot that goes away ends the wait with NotFound.
func TestWaitWithPercentProgress(t *testing.T) {
	s, clk := testSim(t)
	ctx := context.Background()
	prod := connect(t, s, "111111111111")
	must[cloud.DBInstance](t)(prod.CreateInstance(ctx, newDB("orders")))
	var statuses []string
	in, err := cloud.WaitInstance(ctx, prod, "orders", 15*time.Second, clockTicker{clk}, func(d cloud.DBInstance) { statuses = append(statuses, d.Status) })
	if err != nil || in.Status != cloud.StatusAvailable || in.Endpoint == "" {
		t.Fatalf("wait for the instance: %+v, %v", in, err)
	}
	if len(statuses) < 2 || statuses[0] != cloud.StatusCreating {
		t.Errorf("statuses told: %v", statuses)
	}

	must[cloud.DBSnapshot](t)(prod.CreateSnapshot(ctx, "orders", "orders-1", nil))
	var progress []int
	snap, err := cloud.WaitSnapshot(ctx, prod, "orders-1", 5*time.Second, clockTicker{clk}, func(s cloud.DBSnapshot) { progress = append(progress, s.PercentProgress) })
	if err != nil || snap.Status != cloud.StatusAvailable {
		t.Fatalf("wait for the snapshot: %+v, %v", snap, err)
	}
	if len(progress) < 3 || progress[len(progress)-1] != 100 || !slices.IsSorted(progress) || progress[0] == 100 {
		t.Errorf("progress told: %v, want it rising to 100", progress)
	}

	if _, err := cloud.WaitSnapshot(ctx, prod, "nope", time.Second, clockTicker{clk}, nil); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("waiting for a missing snapshot: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	must[cloud.DBSnapshot](t)(prod.CreateSnapshot(ctx, "orders", "orders-2", nil))
	cancel()
	if _, err := cloud.WaitSnapshot(cancelled, prod, "orders-2", time.Second, cloud.RealTime{}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled wait: %v", err)
	}
}
