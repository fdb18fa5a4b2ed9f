package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/envbench/envbench/envs/cloud"
)

// S3Journal keeps run journals in a bucket (team mode): each event is one
// object, <prefix>/runs/<env>/<run-id>/<seq, 12 digits>.json, written with
// If-None-Match: * so that a record is never overwritten, and listing a
// run's prefix gives its records in order.
type S3Journal struct {
	Objects cloud.Objects
	Bucket  string
	Prefix  string // without slashes at either end; empty is the bucket's root
}

var _ Journal = S3Journal{}

func (j S3Journal) runsPrefix() string {
	if j.Prefix == "" {
		return "runs/"
	}
	return j.Prefix + "/runs/"
}

// RecordKey is where an S3Journal keeps record seq of a run.
func (j S3Journal) RecordKey(env, runID string, seq int64) string {
	return fmt.Sprintf("%s%s/%s/%012d.json", j.runsPrefix(), env, runID, seq)
}

func (j S3Journal) where() string { return "s3://" + path.Join(j.Bucket, j.Prefix) }

// Writer opens a run's journal for appending. Nothing is written until the
// first Append.
func (j S3Journal) Writer(ctx context.Context, env, runID string) (JournalWriter, error) {
	if err := checkName("environment", env); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := checkName("run", runID); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return &s3Writer{j: j, env: env, runID: runID}, nil
}

type s3Writer struct {
	j          S3Journal
	env, runID string
}

// Append writes e as its own object; a record with e's Seq already there is
// an error, never an overwrite.
func (w *s3Writer) Append(ctx context.Context, e Event) error {
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("journal %s: encode event %d: %w", w.j.where(), e.Seq, err)
	}
	key := w.j.RecordKey(w.env, w.runID, e.Seq)
	if _, err := w.j.Objects.PutObject(ctx, w.j.Bucket, key, append(data, '\n'), cloud.Condition{IfNoneMatch: "*"}); err != nil {
		if errors.Is(err, cloud.ErrPreconditionFailed) {
			return fmt.Errorf("journal of run %s: record %d is already in s3://%s/%s", w.runID, e.Seq, w.j.Bucket, key)
		}
		return fmt.Errorf("journal of run %s: append record %d to s3://%s/%s: %w", w.runID, e.Seq, w.j.Bucket, key, err)
	}
	return nil
}

func (w *s3Writer) Close() error { return nil }

// Read returns the run's events in Seq order. A last record that is gone
// (listed, then not found) or does not parse is a torn write and is
// dropped; a bad record anywhere else is an error naming its key.
func (j S3Journal) Read(ctx context.Context, env, runID string) ([]Event, error) {
	if err := checkName("environment", env); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := checkName("run", runID); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	prefix := j.runsPrefix() + env + "/" + runID + "/"
	objs, err := j.Objects.ListObjects(ctx, j.Bucket, prefix)
	if err != nil {
		return nil, fmt.Errorf("journal of run %s: list s3://%s/%s: %w", runID, j.Bucket, prefix, err)
	}
	keys := make([]string, 0, len(objs))
	for _, o := range objs {
		if strings.HasSuffix(o.Key, ".json") && !strings.Contains(o.Key[len(prefix):], "/") {
			keys = append(keys, o.Key)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("run %s of %s: %w: no journal under s3://%s/%s", runID, env, ErrNoRun, j.Bucket, prefix)
	}
	slices.Sort(keys)
	events := make([]Event, 0, len(keys))
	for i, key := range keys {
		last := i == len(keys)-1
		body, _, err := j.Objects.GetObject(ctx, j.Bucket, key)
		if err != nil {
			if last && errors.Is(err, cloud.ErrNotFound) {
				break
			}
			return nil, fmt.Errorf("journal of run %s: read s3://%s/%s: %w", runID, j.Bucket, key, err)
		}
		var e Event
		if err := json.Unmarshal(body, &e); err != nil {
			if last {
				break
			}
			return nil, fmt.Errorf("journal s3://%s/%s: %w", j.Bucket, key, err)
		}
		events = append(events, e)
	}
	slices.SortStableFunc(events, func(a, b Event) int { return int(a.Seq - b.Seq) })
	return events, nil
}

// Runs lists the runs of env, or of every environment when env is "",
// newest first (run ids sort by their start time).
func (j S3Journal) Runs(ctx context.Context, env string) ([]RunRef, error) {
	prefix := j.runsPrefix()
	if env != "" {
		if err := checkName("environment", env); err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		prefix += env + "/"
	}
	objs, err := j.Objects.ListObjects(ctx, j.Bucket, prefix)
	if err != nil {
		return nil, fmt.Errorf("list runs in s3://%s/%s: %w", j.Bucket, prefix, err)
	}
	seen := map[RunRef]bool{}
	var refs []RunRef
	for _, o := range objs {
		parts := strings.Split(strings.TrimPrefix(o.Key, j.runsPrefix()), "/")
		if len(parts) != 3 || checkName("environment", parts[0]) != nil || checkName("run", parts[1]) != nil {
			continue
		}
		if _, err := strconv.ParseInt(strings.TrimSuffix(parts[2], ".json"), 10, 64); err != nil {
			continue
		}
		r := RunRef{Env: parts[0], RunID: parts[1]}
		if !seen[r] {
			seen[r] = true
			refs = append(refs, r)
		}
	}
	slices.SortFunc(refs, func(a, b RunRef) int {
		if c := strings.Compare(b.RunID, a.RunID); c != 0 {
			return c
		}
		return strings.Compare(a.Env, b.Env)
	})
	return refs, nil
}
