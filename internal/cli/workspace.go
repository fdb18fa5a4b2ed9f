package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/envbench/envbench/envs"
)

func validateCommand() command {
	return command{
		name:    "validate",
		summary: "check the workspace; one file:line:col line per problem",
		help: `Checks envbench.yaml, every archetype and every environment: strict
field names and types, typed inputs, templates, and checks across
environments (overlapping CIDRs in one account). Prints one
"file:line:col: field: message" line per problem, and one
"file:line:col: warning: field: message" line per warning: a deployed
environment that a new one overlaps keeps working, and the new one
carries the error.

Exit status: 0 when the workspace is valid (warnings or not), 1 when it
has problems.`,
		bind: func(*flag.FlagSet) func(context.Context, *session) error { return runValidate },
	}
}

func runValidate(_ context.Context, s *session) error {
	c, err := s.catalog()
	if err != nil {
		return err
	}
	diags := c.Diagnostics()
	for _, d := range append(slices.Clone(diags), c.Warnings()...).Sort() {
		fmt.Fprintln(s.stdout, d)
	}
	if len(diags) > 0 {
		fmt.Fprintf(s.stderr, "%d problem(s) in %s\n", len(diags), c.Root)
		return &ExitError{Code: ExitFailure}
	}
	warned := ""
	if n := len(c.Warnings()); n > 0 {
		warned = fmt.Sprintf(", %d warning(s)", n)
	}
	fmt.Fprintf(s.stderr, "workspace %s is valid: %d archetype(s), %d environment(s)%s\n", c.Root, len(c.Archetypes), len(c.Environments), warned)
	return nil
}

// listOptions are list's flags.
type listOptions struct {
	json bool
}

func listCommand() command {
	return command{
		name:    "list",
		summary: "list environments with archetype, account, owner, expiry and status",
		help: `Lists every environment with its archetype, account, region, whether it
is protected, its owner, expiry and status, and its errors if it has any.
Broken environments are listed too.

With --json, prints a JSON array of objects with the fields name,
archetype, account, region, protected, owner, ttl, expires (RFC 3339),
expired, status, resources, errors (file, line, column, field, message)
and warnings (the same fields, with severity "warning").`,
		bind: func(fs *flag.FlagSet) func(context.Context, *session) error {
			var o listOptions
			fs.BoolVar(&o.json, "json", false, "print a JSON array")
			return func(ctx context.Context, s *session) error { return runList(ctx, s, o) }
		},
	}
}

func runList(_ context.Context, s *session, o listOptions) error {
	c, err := s.catalog()
	if err != nil {
		return err
	}
	rows := make([]envs.Listing, len(c.Environments))
	for i, e := range c.Environments {
		rows[i] = e.Listing()
	}
	if o.json {
		enc := json.NewEncoder(s.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(s.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tARCHETYPE\tACCOUNT\tREGION\tPROTECTED\tOWNER\tEXPIRES\tSTATUS")
	for _, e := range c.Environments {
		prot := ""
		if e.Protected {
			prot = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Name, dash(e.Archetype), dash(e.Account), dash(e.Region), dash(prot), dash(e.Owner), dash(e.ExpiryText(c.Now)), e.Status)
	}
	tw.Flush()
	for _, e := range c.Environments {
		for _, d := range append(slices.Clone(e.Diags), e.Warnings...) {
			fmt.Fprintf(s.stdout, "  %s: %s\n", e.Name, d)
		}
	}
	return nil
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func renderCommand() command {
	return command{
		name:    "render",
		args:    "ENV",
		summary: "render ENV into .envbench/work/ENV and print the directory",
		help: `Renders the environment into .envbench/work/ENV: the archetype's files,
its *.tf.tmpl templates, the inputs as envbench.auto.tfvars.json and
envbench.tf with the environment's context (local.envbench: region, role
to assume, default tags). Only files whose content changed are rewritten.
Prints the work directory.`,
		nargs: 1,
		need:  "one environment name: envbench render ENV",
		bind:  func(*flag.FlagSet) func(context.Context, *session) error { return runRender },
	}
}

func runRender(_ context.Context, s *session) error {
	c, err := s.catalog()
	if err != nil {
		return err
	}
	if err := knownEnv(c, s.args[0]); err != nil {
		return err
	}
	e, err := c.Lookup(s.args[0])
	if err != nil {
		return err
	}
	res, err := envs.Render(c.Workspace, e.Environment)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stderr, "rendered %s: %d file(s) written, %d unchanged, %d removed\n", e.Name, len(res.Written), len(res.Unchanged), len(res.Removed))
	fmt.Fprintln(s.stdout, res.Dir)
	return nil
}
