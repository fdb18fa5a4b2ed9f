package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/sweep"
	"github.com/envbench/envbench/pipeline"
)

// teardownOptions are teardown's flags.
type teardownOptions struct {
	confirm string
	dryRun  bool
}

// teardownExitHelp is the exit status part of teardown's and reap's help.
const teardownExitHelp = `Exit status: 0 when nothing tagged for the environment remains (a dry run:
when it listed); 1 when something remains (the report says what, and what
holds it) or the teardown failed; 1 too for a protected environment,
refused before anything runs (no lock, no journal, nothing planned);
2 for a usage error, such as a missing or wrong --confirm.`

func teardownCommand() command {
	return command{
		name:    "teardown",
		args:    "ENV",
		summary: "destroy ENV and sweep what is left tagged for it (--confirm ENV)",
		help: `Tears ENV down, as one run with its own lock and journal: renders it, runs
terraform init, plans the destruction (each resource is listed as it is
planned) and reviews it, checks --confirm, applies that destroy plan
(retried on throttling, 5xx and state-lock contention, then as a plain
terraform destroy), and sweeps: everything still tagged envbench:env=ENV
in the environment's account and region is listed, then deleted in
dependency order (services before clusters, databases before their subnet
groups, network interfaces before security groups, subnets and VPCs;
KMS keys are scheduled for deletion). For anything that will not delete,
the report says what holds it (the network interface behind a
DependencyViolation) and who created that, from the account's CloudTrail.

Progress is one line per step event on stderr; the report (removed,
remaining with why, skipped) goes to stdout. --dry-run stops after the
destroy plan and the sweep's listing, and needs no --confirm. A protected
environment is never torn down.

` + teardownExitHelp,
		nargs: 1,
		need:  "one environment name: envbench teardown ENV --confirm ENV",
		bind: func(fs *flag.FlagSet) func(context.Context, *session) error {
			var o teardownOptions
			fs.StringVar(&o.confirm, "confirm", "", "the environment's `NAME`, typed to confirm its destruction")
			fs.BoolVar(&o.dryRun, "dry-run", false, "plan the destruction and list the sweep; destroy nothing")
			return func(ctx context.Context, s *session) error { return runTeardown(ctx, s, o) }
		},
	}
}

func runTeardown(ctx context.Context, s *session, o teardownOptions) error {
	name := s.args[0]
	switch {
	case !o.dryRun && o.confirm == "":
		return usageError{"--confirm " + name + " is required to destroy " + name + " (or --dry-run to see what would go)"}
	case o.confirm != "" && o.confirm != name:
		return usageError{fmt.Sprintf("--confirm %s does not name this environment (expected %s)", o.confirm, name)}
	}
	c, err := s.catalog()
	if err != nil {
		return err
	}
	if err := knownEnv(c, name); err != nil {
		return err
	}
	if e, err := c.Lookup(name); err == nil && e.Protected {
		// Refused before anything runs, the simulation's preparation
		// included.
		_, err := pipeline.Teardown(ctx, c, name, pipeline.TeardownOptions{Confirm: o.confirm, DryRun: o.dryRun}, nil)
		return err
	}
	if err := prepareSimulation(ctx, s, c); err != nil {
		return err
	}
	progress := newProgress(s)
	res, err := pipeline.Teardown(ctx, c, name, pipeline.TeardownOptions{Confirm: o.confirm, DryRun: o.dryRun}, progress.event)
	progress.done()
	if res != nil {
		printTeardown(s.stdout, res)
	}
	if errors.Is(err, pipeline.ErrLeftovers) {
		// The report said it on stdout.
		fmt.Fprintf(s.stderr, "envbench teardown: %d resource(s) remain tagged %s=%s; remove what holds them and run envbench teardown %s --confirm %s again\n",
			len(res.Swept.Remaining), sweep.TagKey, name, name, name)
		return &ExitError{Code: ExitFailure}
	}
	return err
}

// printTeardown writes a teardown's outcome: the destroy plan's summary,
// then the sweep's listing (dry run) or its report.
func printTeardown(w io.Writer, res *pipeline.TeardownResult) {
	if res.Plan != nil {
		fmt.Fprintf(w, "Destroy plan of %s: %s\n", res.Env, res.Plan.Summary())
		for _, ch := range res.Plan.Changes {
			if ch.Action == envs.ActionDelete {
				fmt.Fprintf(w, "  - %s\n", ch.Address)
			}
		}
	}
	if res.DryRun {
		if res.Sweep != nil {
			fmt.Fprintf(w, "Tagged %s=%s in %s %s: %d, of which the sweep would delete %d beyond Terraform's state:\n",
				sweep.TagKey, res.Env, res.Sweep.Account, res.Sweep.Region, len(res.Sweep.Items), len(res.Leftovers))
			for _, it := range res.Leftovers {
				fmt.Fprintf(w, "  %s %s\n", it.Type, it.Explain())
			}
			fmt.Fprintf(w, "Dry run: nothing was destroyed. Tear it down with: envbench teardown %s --confirm %s\n", res.Env, res.Env)
		}
		return
	}
	pipeline.WriteSweepReport(w, res)
}
