package ui

import (
	"context"
	"fmt"
	"time"

	"github.com/envbench/envbench/envs"

	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/run"
	"github.com/envbench/envbench/ui/screen"
)

// runPipelines are the pipelines `:run ENV PIPELINE` starts; reap takes no
// environment (`:run reap`).
var runPipelines = []string{"plan", "clone", "teardown", "reap"}

// parseRun reads the arguments of `:run ENV PIPELINE` and `:run reap`.
func (m *Model) parseRun(args []string) (screen.Open, error) {
	if len(args) == 1 && args[0] == "reap" {
		return screen.Open{Kind: screen.KindRun, Pipeline: "reap"}, nil
	}
	if len(args) != 2 {
		return screen.Open{}, fmt.Errorf("run needs an environment and a pipeline: run ENV %v, or run reap", runPipelines[:3])
	}
	if _, ok := m.environment(args[0]); !ok {
		return screen.Open{}, fmt.Errorf("no environment named %q", args[0])
	}
	switch args[1] {
	case "plan", "clone", "teardown":
	default:
		return screen.Open{}, fmt.Errorf("run: no pipeline named %q; pipelines: %v", args[1], runPipelines)
	}
	return screen.Open{Kind: screen.KindRun, Env: args[0], Pipeline: args[1]}, nil
}

// openRun opens the run screen: a new run of o.Pipeline, or with no
// pipeline the run o.RunID resumed.
func openRun(m *Model, o screen.Open) (string, screen.Screen, error) {
	if m.ctx.Runner == nil {
		return "", nil, fmt.Errorf("running pipelines is not available here")
	}
	runner, c := m.ctx.Runner, m.ctx.Catalog
	if o.Pipeline == "reap" {
		expired := pipeline.Expired(c)
		if len(expired) == 0 {
			return "", nil, fmt.Errorf("reap: no sandbox has passed its ttl; nothing to tear down")
		}
		id := "reap-" + pipeline.NewRunID(m.ctx.Now())
		return "reap", run.NewJob(m.ctx, id, func(ctx context.Context, ask pipeline.Approver, sink func(pipeline.Event)) (run.Result, error) {
			res, err := runner.Reap(ctx, c, ask, sink)
			var last run.Result
			if res != nil && len(res.Teardowns) > 0 {
				last.Teardown = res.Teardowns[len(res.Teardowns)-1]
			}
			return last, err
		}), nil
	}
	e, ok := m.environment(o.Env)
	if !ok {
		return "", nil, fmt.Errorf("no environment named %q", o.Env)
	}
	env := e.Name
	var job run.Job
	id := pipeline.NewRunID(m.ctx.Now())
	switch o.Pipeline {
	case "":
		if o.RunID == "" {
			return "", nil, fmt.Errorf("run: name a pipeline (%v) or a run to resume", runPipelines)
		}
		id = o.RunID
		if !o.Resume {
			return "run " + id, run.NewJob(m.ctx, id, followRun(c, env, id)), nil
		}
		job = func(ctx context.Context, ask pipeline.Approver, sink func(pipeline.Event)) (run.Result, error) {
			return run.Result{}, runner.Resume(ctx, c, id, ask, sink)
		}
		return "resume " + env, run.NewJob(m.ctx, id, job), nil
	case "plan":
		job = func(ctx context.Context, _ pipeline.Approver, sink func(pipeline.Event)) (run.Result, error) {
			_, err := runner.Plan(ctx, c, env, id, sink)
			return run.Result{}, err
		}
	case "clone":
		if !e.Valid() {
			return "", nil, fmt.Errorf("%s has %d problem(s); fix them before cloning (see the detail pane)", env, len(e.Diags))
		}
		job = func(ctx context.Context, ask pipeline.Approver, sink func(pipeline.Event)) (run.Result, error) {
			_, err := runner.Clone(ctx, c, env, id, ask, sink)
			return run.Result{}, err
		}
	case "teardown":
		if e.Protected {
			return "", nil, fmt.Errorf("%s is protected: it is never torn down (protected: true in %s)", env, e.File)
		}
		job = func(ctx context.Context, ask pipeline.Approver, sink func(pipeline.Event)) (run.Result, error) {
			res, err := runner.Teardown(ctx, c, env, id, ask, sink)
			return run.Result{Teardown: res}, err
		}
	default:
		return "", nil, fmt.Errorf("run: no pipeline named %q; pipelines: %v", o.Pipeline, runPipelines)
	}
	return "run " + o.Pipeline + " " + env, run.NewJob(m.ctx, id, job), nil
}

// followEvery is how often a run another process runs is read again.
const followEvery = time.Second

// followRun shows a run from its journal (pipeline.Follow): as it stood,
// or as it goes on when another process, or another machine in team
// mode, runs it. A run that did not succeed ends the screen with how it
// ended; R then resumes it here.
func followRun(c *envs.Catalog, env, id string) run.Job {
	return func(ctx context.Context, _ pipeline.Approver, sink func(pipeline.Event)) (run.Result, error) {
		sum, err := pipeline.Follow(ctx, c, env, id, pipeline.Options{}, followEvery, sink)
		switch {
		case err != nil:
			return run.Result{}, err
		case sum.Status == pipeline.RunSucceeded:
			return run.Result{}, nil
		case sum.Message != "":
			return run.Result{}, fmt.Errorf("%s: %s", sum.Status, sum.Message)
		}
		return run.Result{}, fmt.Errorf("%s", sum.Status)
	}
}
