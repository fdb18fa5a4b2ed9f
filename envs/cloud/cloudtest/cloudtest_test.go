package cloudtest

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestParseGaps reads the names ENVBENCH_TEST_AWS_GAPS holds and refuses
// unknown ones.
func TestParseGaps(t *testing.T) {
	gs, err := ParseGaps(" TrailEvents, ChangeNotFound ,")
	if err != nil || !gs.Has(TrailEvents) || !gs.Has(ChangeNotFound) || gs.Has(DefaultKeyShareRefused) || len(gs) != 2 {
		t.Errorf("parsed %v, %v", gs, err)
	}
	if gs, err := ParseGaps(""); err != nil || len(gs) != 0 {
		t.Errorf("empty: %v, %v", gs, err)
	}
	if _, err := ParseGaps("TrailEvent"); err == nil || !strings.Contains(err.Error(), `"TrailEvent"`) {
		t.Errorf("a misspelt gap: %v", err)
	}
}

// TestPoll: Poll returns once done reports true, passes done's error on,
// and gives up at its bound.
func TestPoll(t *testing.T) {
	ctx := context.Background()
	calls := 0
	err := Poll(time.Millisecond, time.Minute)(ctx, "third call", func(context.Context) (bool, error) {
		calls++
		return calls == 3, nil
	})
	if err != nil || calls != 3 {
		t.Errorf("done on the third call: %v after %d calls", err, calls)
	}
	boom := errors.New("boom")
	err = Poll(time.Millisecond, time.Minute)(ctx, "failing", func(context.Context) (bool, error) { return false, boom })
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "wait for failing") {
		t.Errorf("a failing check: %v", err)
	}
	err = Poll(time.Millisecond, 5*time.Millisecond)(ctx, "never", func(context.Context) (bool, error) { return false, nil })
	if err == nil || !strings.Contains(err.Error(), "not done after 5ms") {
		t.Errorf("a check that never holds: %v", err)
	}
}

// TestStartMotoSkipsWithoutMoto: without moto_server on PATH the test
// that wants it is skipped, with a message.
func TestStartMotoSkipsWithoutMoto(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := LaunchMoto(t.TempDir()); !errors.Is(err, ErrNoMoto) {
		t.Fatalf("LaunchMoto without moto_server: %v", err)
	}
	skipped := false
	t.Run("wants moto", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		StartMoto(t)
		t.Error("StartMoto returned without moto_server")
	})
	if !skipped {
		t.Error("the test was not skipped")
	}
}

// TestLaunchMoto starts moto, which answers, and Stop ends it.
func TestLaunchMoto(t *testing.T) {
	var m *Moto
	t.Run("server", func(t *testing.T) {
		var err error
		if m, err = LaunchMoto(t.TempDir()); errors.Is(err, ErrNoMoto) {
			t.Skip(err)
		} else if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(m.Endpoint, "http://127.0.0.1:") {
			t.Errorf("endpoint %s", m.Endpoint)
		}
		m.Stop()
		if err := syscall.Kill(m.cmd.Process.Pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("moto's process after Stop: %v, want it gone", err)
		}
		m.Stop() // a second Stop returns
	})
}
