package ui

import (
	"context"
	"fmt"

	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/screen"
)

// LocalHistory reads runs from the workspace's local journals and locks
// (.envbench/runs and .envbench/locks under Root).
type LocalHistory struct {
	Root string
}

var _ screen.History = LocalHistory{}

// Runs summarizes env's runs (every environment's when env is ""), newest
// first; a run whose process is gone reads as interrupted.
func (h LocalHistory) Runs(ctx context.Context, env string) ([]pipeline.RunSummary, error) {
	j := pipeline.LocalJournal{Root: h.Root}
	refs, err := j.Runs(ctx, env)
	if err != nil {
		return nil, err
	}
	alive := pipeline.LockAlive(ctx, pipeline.LocalLocks{Root: h.Root})
	out := make([]pipeline.RunSummary, 0, len(refs))
	for _, r := range refs {
		events, err := j.Read(ctx, r.Env, r.RunID)
		if err != nil {
			return nil, fmt.Errorf("read run %s of %s: %w", r.RunID, r.Env, err)
		}
		if len(events) == 0 {
			continue
		}
		out = append(out, pipeline.Summarize(events, alive))
	}
	return out, nil
}

// Lock returns who holds env's local lock.
func (h LocalHistory) Lock(ctx context.Context, env string) (pipeline.Holder, bool, error) {
	return pipeline.LocalLocks{Root: h.Root}.Read(ctx, env)
}
