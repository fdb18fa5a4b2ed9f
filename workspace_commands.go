package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/ui"
	"github.com/envbench/envbench/ui/theme"
)

// openCatalog finds and loads the workspace the options name.
func openCatalog(o *options) (*envs.Catalog, error) {
	root := o.workspace
	if root == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		if root, err = config.FindRoot(wd); err != nil {
			return nil, err
		}
	}
	return envs.Open(root, time.Now())
}

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
		run: func(_ context.Context, o *options) int {
			if err := wantArgs(o, "validate", 0, ""); err != nil {
				return fail(o, "validate", err)
			}
			c, err := openCatalog(o)
			if err != nil {
				return fail(o, "validate", err)
			}
			diags := c.Diagnostics()
			for _, d := range append(slices.Clone(diags), c.Warnings()...).Sort() {
				fmt.Fprintln(o.stdout, d)
			}
			if len(diags) > 0 {
				fmt.Fprintf(o.stderr, "%d problem(s) in %s\n", len(diags), c.Root)
				return exitError
			}
			warned := ""
			if n := len(c.Warnings()); n > 0 {
				warned = fmt.Sprintf(", %d warning(s)", n)
			}
			fmt.Fprintf(o.stderr, "workspace %s is valid: %d archetype(s), %d environment(s)%s\n", c.Root, len(c.Archetypes), len(c.Environments), warned)
			return exitOK
		},
	}
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
		flags: func(fs *flag.FlagSet, o *options) {
			fs.BoolVar(&o.json, "json", false, "print a JSON array")
		},
		run: func(_ context.Context, o *options) int {
			if err := wantArgs(o, "list", 0, ""); err != nil {
				return fail(o, "list", err)
			}
			c, err := openCatalog(o)
			if err != nil {
				return fail(o, "list", err)
			}
			rows := make([]envs.Listing, len(c.Environments))
			for i, e := range c.Environments {
				rows[i] = e.Listing()
			}
			if o.json {
				enc := json.NewEncoder(o.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rows); err != nil {
					return fail(o, "list", err)
				}
				return exitOK
			}
			tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
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
					fmt.Fprintf(o.stdout, "  %s: %s\n", e.Name, d)
				}
			}
			return exitOK
		},
	}
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
		run: func(_ context.Context, o *options) int {
			if err := wantArgs(o, "render", 1, "one environment name: envbench render ENV"); err != nil {
				return fail(o, "render", err)
			}
			c, err := openCatalog(o)
			if err != nil {
				return fail(o, "render", err)
			}
			e, err := c.Lookup(o.args[0])
			if err != nil {
				return fail(o, "render", err)
			}
			res, err := envs.Render(c.Workspace, e.Environment)
			if err != nil {
				return fail(o, "render", err)
			}
			fmt.Fprintf(o.stderr, "rendered %s: %d file(s) written, %d unchanged, %d removed\n", e.Name, len(res.Written), len(res.Unchanged), len(res.Removed))
			fmt.Fprintln(o.stdout, res.Dir)
			return exitOK
		},
	}
}

func runTUI(ctx context.Context, o *options) int {
	c, err := openCatalog(o)
	if err != nil {
		fmt.Fprintf(o.stderr, "envbench: %v\n", err)
		return exitError
	}
	palette := theme.DefaultPalette()
	if os.Getenv("NO_COLOR") != "" {
		palette = theme.PlainPalette()
	}
	if err := ui.Run(ctx, ui.Options{Catalog: c, Palette: palette}, o.stderr); err != nil {
		fmt.Fprintf(o.stderr, "envbench: %v\n", err)
		return exitError
	}
	return exitOK
}
