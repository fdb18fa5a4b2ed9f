package pipeline

import (
	"context"
	"time"
)

// Clock is the engine's time: what it stamps events with, measures retry
// deadlines by and waits between attempts with. Tests inject one
// (pipelinetest.NewClock) so that no test sleeps.
type Clock interface {
	Now() time.Time
	// Sleep waits d, or returns ctx.Err() when ctx is done first.
	Sleep(ctx context.Context, d time.Duration) error
}

// SystemClock is the wall clock.
func SystemClock() Clock { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
