package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/tf"
)

func TestRetryableClassifies(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", errors.New("boom"), false},
		{"throttled", cloud.Retryable("throttled", errors.New("Throttling")), true},
		{"5xx wrapped", fmt.Errorf("restore orders: %w", cloud.Retryable("server error", errors.New("503"))), true},
		{"api error of kind retryable", &cloud.APIError{Service: "rds", Operation: "CreateDBSnapshot", Code: "Throttling", Kind: cloud.ErrRetryable}, true},
		{"access denied", &cloud.APIError{Service: "rds", Code: "AccessDenied", Kind: cloud.ErrAccessDenied}, false},
		{"terraform state lock", fmt.Errorf("plan: %w", &tf.Error{Op: "plan", Kind: tf.KindStateLocked}), true},
		{"terraform config error", &tf.Error{Op: "plan", Kind: tf.KindOther}, false},
		{"terraform cancelled", &tf.Error{Op: "apply", Kind: tf.KindCancelled}, false},
		{"lock race", &LockRaceError{Env: "qa", Reason: "x"}, true},
		{"locked", &LockedError{Env: "qa"}, false},
		{"hook failed", fmt.Errorf("post-deploy: %w", &HookError{Hook: "check", ExitCode: 1}), true},
		{"attempt timeout", &AttemptTimeoutError{Step: StepPlan, Timeout: time.Second, Err: context.DeadlineExceeded}, true},
		{"the run's deadline", context.DeadlineExceeded, false},
		{"cancelled", context.Canceled, false},
	} {
		if got := Retryable(c.err); got != c.want {
			t.Errorf("%s: Retryable(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

func TestRetryPolicyWait(t *testing.T) {
	under1 := math.Nextafter(1, 0)
	p := TransientRetry // 2s doubling, at most 30s, 20% jitter
	for _, c := range []struct {
		name string
		p    RetryPolicy
		n    int
		r    float64
		want time.Duration
	}{
		{"first, low draw", p, 1, 0, 1600 * time.Millisecond},
		{"first, middle draw", p, 1, 0.5, 2 * time.Second},
		{"first, high draw", p, 1, under1, 2400 * time.Millisecond},
		{"third, low draw", p, 3, 0, 6400 * time.Millisecond},
		{"third, high draw", p, 3, under1, 9600 * time.Millisecond},
		{"capped, low draw", p, 5, 0, 24 * time.Second},
		{"capped, high draw", p, 5, under1, 30 * time.Second},
		{"far past the cap", p, 200, 0.5, 30 * time.Second},
		{"no jitter", RetryPolicy{FirstDelay: time.Second, Multiplier: 3}, 3, 0.9, 9 * time.Second},
		{"no multiplier is constant", RetryPolicy{FirstDelay: time.Second}, 4, 0.5, time.Second},
		{"no cap, huge n does not overflow", RetryPolicy{FirstDelay: time.Second, Multiplier: 2}, 10000, 0.5, time.Duration(math.MaxInt64 / 2)},
		{"zero attempt is the first", p, 0, 0.5, 2 * time.Second},
		{"full jitter, low draw", RetryPolicy{FirstDelay: time.Second, Jitter: 1}, 1, 0, 0},
	} {
		got := c.p.Wait(c.n, c.r)
		if diff := got - c.want; diff < -time.Microsecond || diff > time.Microsecond {
			t.Errorf("%s: Wait(%d, %v) = %s, want %s", c.name, c.n, c.r, got, c.want)
		}
	}
	// Every draw stays within the bounds, and never above MaxDelay.
	for n := 1; n <= 8; n++ {
		base := math.Min(float64(p.FirstDelay)*math.Pow(2, float64(n-1)), float64(p.MaxDelay))
		for _, r := range []float64{0, 0.1, 0.5, 0.9, under1} {
			w := float64(p.Wait(n, r))
			if w < base*0.8-1 || w > base*1.2+1 || w > float64(p.MaxDelay) {
				t.Errorf("Wait(%d, %v) = %v outside [%v, min(%v, max)]", n, r, time.Duration(w), time.Duration(base*0.8), time.Duration(base*1.2))
			}
		}
	}
}

func TestRetryPolicyAttempts(t *testing.T) {
	for _, c := range []struct {
		p    RetryPolicy
		want int
	}{{RetryPolicy{}, 1}, {NoRetry, 1}, {RetryPolicy{Attempts: -3}, 1}, {TransientRetry, 5}} {
		if got := c.p.attempts(); got != c.want {
			t.Errorf("%+v: %d attempts, want %d", c.p, got, c.want)
		}
	}
}
