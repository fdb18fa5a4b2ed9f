package pipeline

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/tf"
)

// RetryPolicy says how often a step is tried and how long the engine waits
// between attempts: exponential backoff with jitter, within a deadline.
// Only errors Retryable accepts are tried again.
type RetryPolicy struct {
	Attempts   int           // at least 1; 1 means no retry (the zero value means 1)
	FirstDelay time.Duration // the wait after the first failed attempt, before jitter
	MaxDelay   time.Duration // no wait is longer; 0: no cap
	Multiplier float64       // growth per attempt, e.g. 2; below 1 means 1
	// Jitter, 0..1: the wait is drawn uniformly in [d*(1-Jitter),
	// d*(1+Jitter)], then capped at MaxDelay.
	Jitter float64
	// Deadline: no attempt starts after this much time since the step's
	// first attempt; 0 = none.
	Deadline time.Duration
}

// NoRetry is one attempt.
var NoRetry = RetryPolicy{Attempts: 1}

// TransientRetry is the policy for steps that are safe to run again and
// talk to AWS or Terraform: five attempts, 2s doubling to at most 30s with
// 20% jitter, none starting after five minutes.
var TransientRetry = RetryPolicy{Attempts: 5, FirstDelay: 2 * time.Second, MaxDelay: 30 * time.Second, Multiplier: 2, Jitter: 0.2, Deadline: 5 * time.Minute}

// attempts is the most attempts the policy allows, at least 1.
func (p RetryPolicy) attempts() int {
	if p.Attempts < 1 {
		return 1
	}
	return p.Attempts
}

// Wait is the wait after failed attempt n (1-based), for a random draw r in
// [0,1): FirstDelay*Multiplier^(n-1), capped at MaxDelay, spread by Jitter
// around that and capped at MaxDelay again. It is never negative.
func (p RetryPolicy) Wait(n int, r float64) time.Duration {
	if n < 1 {
		n = 1
	}
	mult := p.Multiplier
	if mult < 1 || math.IsNaN(mult) {
		mult = 1
	}
	d := float64(p.FirstDelay) * math.Pow(mult, float64(n-1))
	limit := float64(math.MaxInt64 / 2)
	if p.MaxDelay > 0 {
		limit = float64(p.MaxDelay)
	}
	d = math.Min(d, limit)
	j := math.Min(math.Max(p.Jitter, 0), 1)
	r = math.Min(math.Max(r, 0), 1)
	d *= 1 - j + 2*j*r
	d = math.Min(d, limit)
	if d < 0 || math.IsNaN(d) {
		return 0
	}
	return time.Duration(d)
}

// AttemptTimeoutError is an attempt that ran out of its step's Timeout.
// It is retryable: the next attempt gets the whole timeout again.
type AttemptTimeoutError struct {
	Step    Step
	Lane    string
	Timeout time.Duration
	Err     error // what the attempt returned when its time ran out
}

func (e *AttemptTimeoutError) Error() string {
	what := string(e.Step)
	if e.Lane != "" {
		what += " " + e.Lane
	}
	return fmt.Sprintf("%s: timed out after %s: %v", what, e.Timeout, e.Err)
}

// Unwrap returns what the attempt returned.
func (e *AttemptTimeoutError) Unwrap() error { return e.Err }

// Retryable reports whether err is transient and worth another attempt:
// errors marked retryable by envs/cloud (throttling, 5xx, timeouts), a
// Terraform error whose Retryable() is true (state-lock contention), a lost
// race for an environment's lock (ErrLockRace), or an attempt that ran out
// of its step's Timeout, or a hook that failed (HookError). This is the one place that decides; anything else
// fails the step at once.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	if cloud.IsRetryable(err) || errors.Is(err, ErrLockRace) {
		return true
	}
	var timeout *AttemptTimeoutError
	if errors.As(err, &timeout) {
		return true
	}
	var hook *HookError
	if errors.As(err, &hook) {
		return true
	}
	var tfErr *tf.Error
	return errors.As(err, &tfErr) && tfErr.Retryable()
}
