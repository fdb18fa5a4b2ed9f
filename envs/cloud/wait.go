package cloud

import (
	"context"
	"fmt"
	"time"
)

// Ticker paces a wait: After returns a channel that fires after d. Runs
// pass time.After; tests pass a clock they move by hand, so no test
// sleeps.
type Ticker interface {
	After(d time.Duration) <-chan time.Time
}

// RealTime is the Ticker of the wall clock.
type RealTime struct{}

// After is time.After.
func (RealTime) After(d time.Duration) <-chan time.Time { return time.After(d) }

// WaitSnapshot polls a snapshot every interval until it is available,
// telling progress each PercentProgress it reads, and returns it. It stops
// with an error when the snapshot fails (a status other than creating or
// available), when ctx ends, or on an error from Snapshot that is not
// retryable; a retryable one (a throttle) is polled through.
func WaitSnapshot(ctx context.Context, db Databases, id string, interval time.Duration, t Ticker, progress func(DBSnapshot)) (DBSnapshot, error) {
	for {
		s, err := db.Snapshot(ctx, id)
		switch {
		case err != nil && !IsRetryable(err):
			return s, fmt.Errorf("wait for snapshot %s: %w", id, err)
		case err == nil && progress != nil:
			progress(s)
		}
		if err == nil {
			switch s.Status {
			case StatusAvailable:
				return s, nil
			case StatusCreating, "copying", "pending":
			default:
				return s, fmt.Errorf("wait for snapshot %s: it is %s, not becoming available", id, s.Status)
			}
		}
		select {
		case <-ctx.Done():
			return s, fmt.Errorf("wait for snapshot %s: %w", id, ctx.Err())
		case <-t.After(interval):
		}
	}
}

// WaitInstance polls an instance every interval until it is available and
// returns it, as WaitSnapshot does for snapshots; progress is told the
// instance's status each time it is read.
func WaitInstance(ctx context.Context, db Databases, id string, interval time.Duration, t Ticker, progress func(DBInstance)) (DBInstance, error) {
	for {
		in, err := db.Instance(ctx, id)
		switch {
		case err != nil && !IsRetryable(err):
			return in, fmt.Errorf("wait for DB instance %s: %w", id, err)
		case err == nil && progress != nil:
			progress(in)
		}
		if err == nil {
			switch in.Status {
			case StatusAvailable:
				return in, nil
			case StatusCreating, StatusModifying, "backing-up", "configuring-enhanced-monitoring", "rebooting", "resetting-master-credentials", "storage-optimization", "upgrading":
			default:
				return in, fmt.Errorf("wait for DB instance %s: it is %s, not becoming available", id, in.Status)
			}
		}
		select {
		case <-ctx.Done():
			return in, fmt.Errorf("wait for DB instance %s: %w", id, ctx.Err())
		case <-t.After(interval):
		}
	}
}
