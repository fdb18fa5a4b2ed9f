package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/pipeline"
)

// reapOptions are reap's flags.
type reapOptions struct {
	dryRun bool
	yes    bool
}

func reapCommand() command {
	return command{
		name:    "reap",
		summary: "list the expired sandboxes and tear them down (--yes)",
		help: `Lists every environment whose ttl has passed and that is not protected,
with its owner and how long ago it expired, then tears each down as
'envbench teardown ENV --confirm ENV' would: one run each, with its own
lock and journal, one after the other; a failed teardown does not stop
the others.

The listing is the confirmation: with --dry-run, reap lists and stops;
without --dry-run it needs --yes to tear anything down, and without --yes
it lists and exits 2, touching nothing. Progress is one line per step
event on stderr; the listing and each teardown's report go to stdout.

Exit status: 0 when every expired sandbox is torn down with nothing left
(or none expired, or --dry-run listed them); 1 when a teardown failed or
left something tagged for its environment; 2 for a usage error, --yes
missing included.`,
		bind: func(fs *flag.FlagSet) func(context.Context, *session) error {
			var o reapOptions
			fs.BoolVar(&o.dryRun, "dry-run", false, "list the expired sandboxes; tear nothing down")
			fs.BoolVar(&o.yes, "yes", false, "tear down every sandbox listed, without asking")
			return func(ctx context.Context, s *session) error { return runReap(ctx, s, o) }
		},
	}
}

func runReap(ctx context.Context, s *session, o reapOptions) error {
	if o.dryRun && o.yes {
		return usageError{"--dry-run and --yes contradict each other: choose one"}
	}
	c, err := s.catalog()
	if err != nil {
		return err
	}
	expired := pipeline.Expired(c)
	printExpired(s.stdout, c, expired)
	switch {
	case len(expired) == 0 || o.dryRun:
		return nil
	case !o.yes:
		return usageError{fmt.Sprintf("--yes is required to tear down the %d sandbox(es) listed (or --dry-run to only list them)", len(expired))}
	}
	if err := prepareSimulation(ctx, s, c); err != nil {
		return err
	}
	progress := newProgress(s)
	res, err := pipeline.Reap(ctx, c, pipeline.ReapOptions{}, progress.event)
	progress.done()
	if res != nil {
		for _, t := range res.Teardowns {
			printTeardown(s.stdout, t)
		}
		fmt.Fprintf(s.stdout, "Reaped %d of %d expired sandbox(es)\n", len(res.Teardowns)-len(res.Failed), len(res.Expired))
	}
	return err
}

// printExpired lists the sandboxes reap tears down.
func printExpired(w io.Writer, c *envs.Catalog, expired []*envs.Environment) {
	if len(expired) == 0 {
		fmt.Fprintln(w, "No expired sandboxes.")
		return
	}
	fmt.Fprintf(w, "Expired sandboxes (%d):\n", len(expired))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, e := range expired {
		owner := e.Owner
		if owner == "" {
			owner = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", e.Name, owner, e.ExpiryText(c.Now), e.Status)
	}
	tw.Flush()
}
