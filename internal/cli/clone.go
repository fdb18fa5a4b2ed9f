package cli

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/envbench/envbench/pipeline"
)

// cloneOptions are clone's flags.
type cloneOptions struct {
	autoApprove bool
	confirm     string
}

func cloneCommand() command {
	return command{
		name:    "clone",
		args:    "ENV",
		summary: "bring ENV up: plan, review, apply, record its outputs (--auto-approve)",
		help: `Clones ENV, as one run with its own lock and journal: validates it, runs
its archetype's pre-deploy hooks, renders it, runs terraform init and plan
(each change listed as it is planned), reviews the plan, applies exactly
that plan once approved, records its outputs in .envbench/outputs/ENV.json
(sensitive ones journaled as references only), then runs the post-deploy
hooks, which read them. Init and plan are retried on throttling, 5xx and
state-lock contention; a hook is retried per its retries.

Approval: --auto-approve applies a plan whose review finds no high risk.
A high-risk plan, or any plan of a protected environment, is applied
only with --confirm ENV; --auto-approve alone is refused.

Progress is one line per step event on stderr; the outputs go to stdout.

Exit status: 0 cloned; 1 a step failed (the message names it); 2 usage
error; 3 the plan was not approved (high risk or protected without
--confirm ENV, or neither flag given): nothing was applied.`,
		nargs: 1,
		need:  "one environment name: envbench clone ENV --auto-approve",
		bind: func(fs *flag.FlagSet) func(context.Context, *session) error {
			var o cloneOptions
			fs.BoolVar(&o.autoApprove, "auto-approve", false, "apply the reviewed plan unless its review finds high risk")
			fs.StringVar(&o.confirm, "confirm", "", "the environment's `NAME`, typed to apply a high-risk plan or a protected environment's")
			return func(ctx context.Context, s *session) error { return runClone(ctx, s, o) }
		},
	}
}

func runClone(ctx context.Context, s *session, o cloneOptions) error {
	name := s.args[0]
	if o.confirm != "" && o.confirm != name {
		return usageError{fmt.Sprintf("--confirm %s does not name this environment (expected %s)", o.confirm, name)}
	}
	c, err := s.catalog()
	if err != nil {
		return err
	}
	if err := knownEnv(c, name); err != nil {
		return err
	}
	if err := prepareSimulation(ctx, s, c); err != nil {
		return err
	}
	progress := newProgress(s)
	res, err := pipeline.Clone(ctx, c, name, pipeline.CloneOptions{AutoApprove: o.autoApprove, Confirm: o.confirm}, progress.event)
	progress.done()
	if pipeline.NeedsApproval(err) {
		fmt.Fprintf(s.stderr, "envbench clone: %v\n", err)
		return &ExitError{Code: ExitHighRisk}
	}
	if err != nil {
		return err
	}
	printClone(s.stdout, res)
	return nil
}

// printClone writes the outputs a clone recorded, sensitive ones masked.
func printClone(w io.Writer, res *pipeline.CloneResult) {
	fmt.Fprintf(w, "Cloned %s (run %s).", res.Env, res.RunID)
	if res.Apply != nil && res.Apply.Summary != nil {
		sum := res.Apply.Summary
		fmt.Fprintf(w, " %d added, %d changed, %d destroyed.", sum.Add, sum.Change, sum.Remove)
	}
	fmt.Fprintln(w)
	if len(res.Outputs) == 0 {
		return
	}
	fmt.Fprintf(w, "Outputs (%s):\n", res.OutputsFile)
	for _, n := range res.Outputs.Names() {
		fmt.Fprintf(w, "  %s = %s\n", n, res.Outputs[n].Display())
	}
}
