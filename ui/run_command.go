package ui

import (
	"context"
	"fmt"

	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/run"
	"github.com/envbench/envbench/ui/screen"
)

// runPipelines are the pipelines `:run ENV PIPELINE` starts.
var runPipelines = []string{"plan"}

// parseRun reads the arguments of `:run ENV PIPELINE`.
func (m *Model) parseRun(args []string) (screen.Open, error) {
	if len(args) != 2 {
		return screen.Open{}, fmt.Errorf("run needs an environment and a pipeline: run ENV %v", runPipelines)
	}
	if _, ok := m.environment(args[0]); !ok {
		return screen.Open{}, fmt.Errorf("no environment named %q", args[0])
	}
	if args[1] != "plan" {
		return screen.Open{}, fmt.Errorf("run: no pipeline named %q; pipelines: %v", args[1], runPipelines)
	}
	return screen.Open{Kind: screen.KindRun, Env: args[0], Pipeline: args[1]}, nil
}

func openRun(m *Model, o screen.Open) (string, screen.Screen, error) {
	e, ok := m.environment(o.Env)
	switch {
	case !ok:
		return "", nil, fmt.Errorf("no environment named %q", o.Env)
	case o.Pipeline == "clone" || o.Pipeline == "teardown":
		// Until the run screen can ask for the review's approval and the
		// typed name, these run headless only: say how.
		how := "envbench clone " + o.Env + " --auto-approve"
		if o.Pipeline == "teardown" {
			how = "envbench teardown " + o.Env + " --confirm " + o.Env
		}
		return "", nil, fmt.Errorf("%s is not in the TUI yet; in a terminal: %s", o.Pipeline, how)
	case o.Pipeline != "plan":
		return "", nil, fmt.Errorf("run: no pipeline named %q; pipelines: %v", o.Pipeline, runPipelines)
	case m.ctx.Runner == nil:
		return "", nil, fmt.Errorf("running pipelines is not available here")
	}
	id := pipeline.NewRunID(m.ctx.Now())
	runner, c, env := m.ctx.Runner, m.ctx.Catalog, e.Name
	source := func(ctx context.Context, sink func(pipeline.Event)) error {
		_, err := runner.Plan(ctx, c, env, id, sink)
		return err
	}
	return "run " + o.Pipeline + " " + env, run.New(m.ctx, id, source), nil
}
