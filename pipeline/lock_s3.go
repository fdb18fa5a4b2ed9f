package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/envbench/envbench/envs/cloud"
)

// S3Locks keeps environments' locks in a bucket (team mode), as
// <prefix>/locks/<env>.json, taken with a conditional write
// (If-None-Match: *) so that two operators on two machines cannot run on
// one environment at once.
//
// A lock is stale, and taken over, when its holder is known to be gone:
// its process no longer runs on this host, or its run's journal (Journal,
// when set) records the run's end. A holder on another host whose run has
// not ended is never presumed dead: `envbench unlock ENV --force` breaks
// such a lock. A takeover replaces the stale object with If-Match on its
// ETag, so of two runs taking over one lock exactly one wins.
type S3Locks struct {
	Objects cloud.Objects
	Bucket  string
	Prefix  string
	// Journal, when set, tells a finished run's leftover lock.
	Journal Journal
}

var _ Locker = S3Locks{}

// LockKey is where an S3Locks keeps env's lock.
func (l S3Locks) LockKey(env string) string {
	if l.Prefix == "" {
		return "locks/" + env + ".json"
	}
	return l.Prefix + "/locks/" + env + ".json"
}

func (l S3Locks) url(env string) string { return "s3://" + l.Bucket + "/" + l.LockKey(env) }

// s3Lock is one run's hold on an environment, taken by S3Locks.
type s3Lock struct {
	l        S3Locks
	env      string
	holder   Holder
	tookOver *Holder
}

var _ Held = (*s3Lock)(nil)

// Acquire takes env's lock for h: a *LockedError naming the holder when a
// live run holds it, a *LockRaceError when another run won a takeover.
func (l S3Locks) Acquire(ctx context.Context, env string, h Holder) (Held, error) {
	if err := checkName("environment", env); err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	data, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return nil, err
	}
	key := l.LockKey(env)
	_, err = l.Objects.PutObject(ctx, l.Bucket, key, append(data, '\n'), cloud.Condition{IfNoneMatch: "*"})
	if err == nil {
		return &s3Lock{l: l, env: env, holder: h}, nil
	}
	if !errors.Is(err, cloud.ErrPreconditionFailed) {
		return nil, fmt.Errorf("lock %s: write %s: %w", env, l.url(env), err)
	}
	other, etag, found, err := l.get(ctx, env)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %s exists but cannot be read (%v); `envbench unlock %s --force` if no run holds it", env, l.url(env), err, env)
	}
	if !found {
		return nil, &LockRaceError{Env: env, Reason: "the lock was released while it was checked"}
	}
	if !l.stale(ctx, env, other) {
		return nil, &LockedError{Env: env, Holder: other, Path: l.url(env)}
	}
	if _, err := l.Objects.PutObject(ctx, l.Bucket, key, append(data, '\n'), cloud.Condition{IfMatch: etag}); err != nil {
		if errors.Is(err, cloud.ErrPreconditionFailed) || errors.Is(err, cloud.ErrNotFound) {
			return nil, &LockRaceError{Env: env, Reason: "another run is taking over a stale lock"}
		}
		return nil, fmt.Errorf("lock %s: take over %s: %w", env, l.url(env), err)
	}
	return &s3Lock{l: l, env: env, holder: h, tookOver: &other}, nil
}

// stale reports whether env's holder h is known to be gone: its process
// gone from this host, or its run's journal ending with RunFinished.
func (l S3Locks) stale(ctx context.Context, env string, h Holder) bool {
	if holderDead(h) {
		return true
	}
	if l.Journal == nil || h.RunID == "" {
		return false
	}
	events, err := l.Journal.Read(ctx, env, h.RunID)
	if err != nil || len(events) == 0 {
		return false
	}
	return Summarize(events, nil).Status != RunRunning
}

func (l S3Locks) get(ctx context.Context, env string) (h Holder, etag string, found bool, err error) {
	body, obj, err := l.Objects.GetObject(ctx, l.Bucket, l.LockKey(env))
	if errors.Is(err, cloud.ErrNotFound) {
		return Holder{}, "", false, nil
	}
	if err != nil {
		return Holder{}, "", false, err
	}
	if err := json.Unmarshal(body, &h); err != nil {
		return Holder{}, obj.ETag, true, fmt.Errorf("decode %s: %w", l.url(env), err)
	}
	return h, obj.ETag, true, nil
}

// Read returns who holds env's lock, if anyone does.
func (l S3Locks) Read(ctx context.Context, env string) (Holder, bool, error) {
	if err := checkName("environment", env); err != nil {
		return Holder{}, false, fmt.Errorf("lock: %w", err)
	}
	h, _, found, err := l.get(ctx, env)
	if err != nil {
		return Holder{}, false, fmt.Errorf("lock %s: %w", env, err)
	}
	return h, found, nil
}

// Break removes env's lock whoever holds it, and returns who held it. An
// unreadable lock is removed too.
func (l S3Locks) Break(ctx context.Context, env string) (Holder, bool, error) {
	if err := checkName("environment", env); err != nil {
		return Holder{}, false, fmt.Errorf("break lock: %w", err)
	}
	h, _, found, err := l.get(ctx, env)
	if !found && err == nil {
		return Holder{}, false, nil
	}
	if err := l.Objects.DeleteObject(ctx, l.Bucket, l.LockKey(env)); err != nil && !errors.Is(err, cloud.ErrNotFound) {
		return h, true, fmt.Errorf("break lock %s: delete %s: %w", env, l.url(env), err)
	}
	return h, true, nil
}

// Release gives the lock back if it is still this run's.
func (s *s3Lock) Release() error {
	current, _, found, err := s.l.get(context.Background(), s.env)
	if err != nil {
		return fmt.Errorf("release lock %s: %w", s.env, err)
	}
	if !found || current.RunID != s.holder.RunID || current.PID != s.holder.PID || current.Host != s.holder.Host {
		return nil
	}
	if err := s.l.Objects.DeleteObject(context.Background(), s.l.Bucket, s.l.LockKey(s.env)); err != nil && !errors.Is(err, cloud.ErrNotFound) {
		return fmt.Errorf("release lock %s: %w", s.env, err)
	}
	return nil
}

// Holder is who this lock says holds the environment.
func (s *s3Lock) Holder() Holder { return s.holder }

// Message is what the lock step reports: "locked", or whose finished or
// dead run's lock was taken over.
func (s *s3Lock) Message() string {
	if s.tookOver == nil {
		return "locked"
	}
	d := s.tookOver
	return fmt.Sprintf("took over the stale lock of %s run %s by %s@%s (since %s)", d.Operation, d.RunID, d.User, d.Host, d.Since.UTC().Format(time.RFC3339))
}
