package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/pipeline"
)

// planOptions are plan's flags.
type planOptions struct {
	reviewOptions
	out string
}

func planCommand() command {
	return command{
		name:    "plan",
		args:    "ENV",
		summary: "render, plan and review ENV; save the plan for apply",
		help: `Renders ENV, runs terraform init and plan, and reviews the plan: changes
grouped by action with attribute diffs, and the risk findings (destroy or
replace of stateful resources, tenfold numeric jumps, large change counts,
changes to a protected environment). Progress streams to stderr while
Terraform plans; the review goes to stdout.

The plan is saved (by default under .envbench/plans/ENV/) for
'envbench apply ENV --plan FILE', which applies exactly that plan.

Exit status: 0 when the review has no high-risk finding, 3 when it has one,
1 on error.`,
		nargs: 1,
		need:  "one environment name: envbench plan ENV",
		bind: func(fs *flag.FlagSet) func(context.Context, *session) error {
			var o planOptions
			fs.StringVar(&o.out, "out", "", "save the plan to `FILE` instead of .envbench/plans/ENV/RUN.tfplan")
			fs.BoolVar(&o.json, "json", false, "print the reviewed plan as JSON")
			return func(ctx context.Context, s *session) error { return runPlan(ctx, s, o) }
		},
	}
}

func runPlan(ctx context.Context, s *session, o planOptions) error {
	c, err := s.catalog()
	if err != nil {
		return err
	}
	name := s.args[0]
	if err := knownEnv(c, name); err != nil {
		return err
	}
	if err := prepareSimulation(ctx, s, c); err != nil {
		return err
	}
	progress := newProgress(s)
	res, err := pipeline.Plan(ctx, c, name, o.out, pipeline.Options{}, progress.event)
	progress.done()
	if err != nil {
		return err
	}
	var reviewed error
	if res.Report != nil { // built by the run, with the environment's rules
		reviewed = printReport(s, o.reviewOptions, res.Report)
	} else {
		e, _ := c.Lookup(name)
		reviewed = printReview(s, o.reviewOptions, res.Plan, res.Findings, name, envs.RulesFor(c.Workspace, e.Environment))
	}
	if ExitCode(reviewed) == ExitFailure {
		return reviewed
	}
	fmt.Fprintf(s.stderr, "\nSaved plan: %s\nApply it with: envbench apply %s --plan %s", res.PlanFile, name, shellQuote(res.PlanFile))
	if res.NeedsConfirmation() {
		fmt.Fprintf(s.stderr, " --confirm %s", name)
	}
	fmt.Fprintln(s.stderr)
	return reviewed
}
