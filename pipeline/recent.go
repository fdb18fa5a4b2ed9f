package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// RecentRuns summarizes the runs of env, or of every environment when env
// is "", newest first, at most limit of them (all when limit <= 0). A run
// with no end recorded reads as running while l's lock names it
// (LockAlive), interrupted otherwise. A run whose journal cannot be read
// is an error naming it.
func RecentRuns(ctx context.Context, j Journal, l Locker, env string, limit int) ([]RunSummary, error) {
	refs, err := j.Runs(ctx, env)
	if err != nil {
		return nil, err
	}
	if limit > 0 && len(refs) > limit {
		// Run ids name their start to the second: keep the runs that
		// started in the same second as the last one kept, and let their
		// start times order them below.
		n := limit
		for n < len(refs) && sameSecond(refs[n].RunID, refs[limit-1].RunID) {
			n++
		}
		refs = refs[:n]
	}
	var alive func(RunSummary) bool
	if l != nil {
		alive = LockAlive(ctx, l)
	}
	out := make([]RunSummary, 0, len(refs))
	for _, r := range refs {
		events, err := j.Read(ctx, r.Env, r.RunID)
		if err != nil {
			return nil, fmt.Errorf("summarize run %s of %s: %w", r.RunID, r.Env, err)
		}
		if len(events) == 0 {
			continue
		}
		s := Summarize(events, alive)
		s.Env, s.RunID = r.Env, r.RunID
		out = append(out, s)
	}
	// Newest first by when they started: two runs of one second (a plan
	// and the apply right after it) in their order, not their ids'.
	slices.SortStableFunc(out, func(a, b RunSummary) int {
		if c := b.Started.Compare(a.Started); c != 0 {
			return c
		}
		return cmp.Compare(b.RunID, a.RunID)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// sameSecond reports whether two run ids name the same second of start
// (NewRunID: 20261121T104203Z-3f9a1c).
func sameSecond(a, b string) bool {
	sa, _, _ := strings.Cut(a, "-")
	sb, _, _ := strings.Cut(b, "-")
	return sa == sb
}
