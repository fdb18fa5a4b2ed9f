package pipeline

import (
	"context"
	"fmt"
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
		refs = refs[:limit]
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
	return out, nil
}
