// Command envbench is a terminal workbench for the lifecycle of cloud
// environments built with Terraform on AWS. With no command it opens the
// TUI; every action also exists as a headless command. main.go holds the
// flags and subcommands and wires the packages together; the logic lives in
// config, envs, pipeline and ui.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
)

// Set by the release build (see .goreleaser.yml).
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

// Exit codes. They are part of the interface scripts rely on.
const (
	exitOK       = 0
	exitError    = 1
	exitUsage    = 2
	exitHighRisk = 3
)

func main() {
	ctx, stop := interruptible(os.Stderr)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// interruptible returns a context cancelled by the first interrupt,
// termination or hang-up: Terraform is then interrupted and awaited, so it
// exits cleanly and releases its state lock. A second signal stops waiting.
func interruptible(stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		if _, ok := <-signals; !ok {
			return
		}
		cancel()
		fmt.Fprintln(stderr, "\nenvbench: interrupting; waiting for Terraform to exit cleanly (interrupt again to stop waiting, which may leave its state locked)")
		if _, ok := <-signals; ok {
			fmt.Fprintln(stderr, "envbench: stopped without waiting for Terraform")
			os.Exit(130)
		}
	}()
	return ctx, func() {
		signal.Stop(signals)
		close(signals)
		cancel()
	}
}

// command is one subcommand: its usage line, a one-line summary, the long
// help and what it does.
type command struct {
	name    string
	args    string
	summary string
	help    string
	flags   func(fs *flag.FlagSet, o *options)
	run     func(ctx context.Context, o *options) int
}

// options are what the flags of the chosen command set.
type options struct {
	workspace string
	json      bool
	out       string
	env       string
	planFile  string
	confirm   string
	args      []string
	stdout    io.Writer
	stderr    io.Writer
}

// usageError is a misuse of the command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func commands() []command {
	return []command{
		validateCommand(),
		listCommand(),
		renderCommand(),
		planCommand(),
		showPlanCommand(),
		applyCommand(),
		versionCommand(),
	}
}

const globalUsage = `envbench - a workbench for cloud environments built with Terraform on AWS

Usage:
  envbench [--workspace DIR]             open the TUI
  envbench [--workspace DIR] COMMAND [flags] [args]

Commands:
%s
Global flags:
  --workspace DIR   the workspace root (default: the nearest directory holding
                    envbench.yaml, searching up from the current directory)
  -h, --help        help for envbench or a command

Exit codes: 0 success, 1 failure, 2 usage error%s.
Run 'envbench COMMAND --help' for a command's flags.
`

func printGlobalUsage(w io.Writer) {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s %s\t%s\n", c.name, c.args, c.summary)
	}
	tw.Flush()
	extra := ""
	if slices.ContainsFunc(commands(), func(c command) bool { return c.name == "show-plan" }) {
		extra = ", 3 high-risk plan (show-plan)"
	}
	fmt.Fprintf(w, globalUsage, b.String(), extra)
}

// run parses args and runs the command; it returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o := &options{stdout: stdout, stderr: stderr}
	global := flag.NewFlagSet("envbench", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	global.StringVar(&o.workspace, "workspace", "", "")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printGlobalUsage(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "envbench: %v\nRun 'envbench --help' for usage.\n", err)
		return exitUsage
	}
	rest := global.Args()
	if len(rest) == 0 {
		return runTUI(ctx, o)
	}
	name := rest[0]
	if name == "help" {
		if len(rest) > 1 {
			return run(ctx, []string{rest[1], "--help"}, stdout, stderr)
		}
		printGlobalUsage(stdout)
		return exitOK
	}
	i := slices.IndexFunc(commands(), func(c command) bool { return c.name == name })
	if i < 0 {
		fmt.Fprintf(stderr, "envbench: unknown command %q\nRun 'envbench --help' for the commands.\n", name)
		return exitUsage
	}
	c := commands()[i]
	fs := flag.NewFlagSet("envbench "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.workspace, "workspace", o.workspace, "the workspace root")
	if c.flags != nil {
		c.flags(fs, o)
	}
	positional, err := parseInterspersed(fs, rest[1:])
	if errors.Is(err, flag.ErrHelp) {
		printCommandUsage(stdout, c, fs)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "envbench %s: %v\nRun 'envbench %s --help' for usage.\n", c.name, err, c.name)
		return exitUsage
	}
	o.args = positional
	code := c.run(ctx, o)
	return code
}

// parseInterspersed parses flags that may come before, between or after the
// positional arguments, as users type them ("render qa --workspace x").
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func printCommandUsage(w io.Writer, c command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: envbench %s", c.name)
	fmt.Fprintf(w, " [flags]")
	if c.args != "" {
		fmt.Fprintf(w, " %s", c.args)
	}
	fmt.Fprintf(w, "\n\n%s\n", strings.TrimSpace(c.help))
	fmt.Fprintln(w, "\nFlags:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		if name != "" {
			name = " " + name
		}
		fmt.Fprintf(tw, "  --%s%s\t%s\n", f.Name, name, usage)
	})
	fmt.Fprintf(tw, "  -h, --help\tthis help\n")
	tw.Flush()
}

// wantArgs checks the number of positional arguments.
func wantArgs(o *options, c string, n int, what string) error {
	if len(o.args) != n {
		if n == 0 {
			return usageError{fmt.Sprintf("takes no arguments, got %q", strings.Join(o.args, " "))}
		}
		return usageError{"needs " + what}
	}
	return nil
}

// fail prints err and returns its exit code: 2 for usage errors, else 1.
func fail(o *options, c string, err error) int {
	fmt.Fprintf(o.stderr, "envbench %s: %v\n", c, err)
	var u usageError
	if errors.As(err, &u) {
		fmt.Fprintf(o.stderr, "Run 'envbench %s --help' for usage.\n", c)
		return exitUsage
	}
	return exitError
}

func versionCommand() command {
	return command{
		name:    "version",
		summary: "print the version, commit and build date",
		help:    "Prints envbench's version, the commit it was built from and the build date.",
		run: func(_ context.Context, o *options) int {
			if err := wantArgs(o, "version", 0, ""); err != nil {
				return fail(o, "version", err)
			}
			v := version
			if v == "dev" {
				if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
					v = info.Main.Version
				}
			}
			fmt.Fprintf(o.stdout, "envbench %s (commit %s, built %s)\n", v, commit, date)
			return exitOK
		},
	}
}
