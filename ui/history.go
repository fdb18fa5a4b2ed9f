package ui

import (
	"context"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/screen"
)

// WorkspaceHistory reads runs and locks where the workspace's runs keep
// them: its local journals and locks (.envbench/runs, .envbench/locks),
// or in team mode (state: s3://…) the shared ones, so a run started in CI
// shows in the TUI on a laptop. The stores are opened on first use.
type WorkspaceHistory struct {
	stores *pipeline.Engine
}

// NewWorkspaceHistory is the history of c's workspace.
func NewWorkspaceHistory(c *envs.Catalog) WorkspaceHistory {
	return WorkspaceHistory{stores: pipeline.NewEngine(c, pipeline.Options{}, nil)}
}

var _ screen.History = WorkspaceHistory{}

// Runs summarizes env's runs (every environment's when env is ""), newest
// first; a run whose process is gone reads as interrupted.
func (h WorkspaceHistory) Runs(ctx context.Context, env string) ([]pipeline.RunSummary, error) {
	return pipeline.RecentRuns(ctx, h.stores.Journal, h.stores.Locks, env, 0)
}

// Lock returns who holds env's lock.
func (h WorkspaceHistory) Lock(ctx context.Context, env string) (pipeline.Holder, bool, error) {
	return h.stores.Locks.Read(ctx, env)
}
