// Package cli holds envbench's headless commands (validate, list, render,
// plan, show-plan, apply, clone, with, resume, teardown, reap, runs, unlock, version, and sim with
// subcommands of its own):
// their flags, argument checks, progress and review printing, and exit
// codes. Each command lives in a file of its own with its own options; Run
// parses the command line and dispatches. main only wires it to the
// process (signals, stdout, the TUI).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
)

// Exit codes. They are part of the interface scripts rely on.
const (
	ExitOK       = 0
	ExitFailure  = 1
	ExitUsage    = 2
	ExitHighRisk = 3
)

// ExitError is a failure that carries the process's exit code. Run has
// already reported it on stderr when it returns one; Err is nil when the
// command said all there was to say itself (validate's problems, a
// high-risk review).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode is the process exit code for what Run returned: 0 for nil, the
// code an ExitError carries, else 1.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	return ExitFailure
}

// Build says which envbench this is; the release build sets it.
type Build struct {
	Version, Commit, Date string
}

// Env is what Run works with: where output goes, how the TUI opens, and
// the interrupt handler that must know when Terraform runs.
type Env struct {
	Stdout, Stderr io.Writer
	// TUI opens the TUI on a catalog; Run calls it when no command is
	// given. Nil means there is no TUI (tests).
	TUI func(ctx context.Context, c *envs.Catalog, stderr io.Writer) error
	// Build is printed by the version command.
	Build Build
	// Interrupts, when set, is told while Terraform may run, so that an
	// interrupt waits for it then and exits at once otherwise.
	Interrupts *Interrupts
}

// usageError is a misuse of the command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// session is what a command runs with: the global options, its positional
// arguments and its outputs.
type session struct {
	workspace      string
	args           []string
	stdout, stderr io.Writer
	interrupts     *Interrupts
	build          Build
	// command is what follows "--" for a command that takes one (with).
	command []string
	// rawStdout and rawStderr are Env's writers as given: for a program
	// envbench starts, which should see the terminal itself.
	rawStdout, rawStderr io.Writer
}

// catalog finds and loads the workspace: --workspace, else the nearest
// directory holding envbench.yaml.
func (s *session) catalog() (*envs.Catalog, error) {
	root := s.workspace
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

// command is one subcommand: its usage line, a one-line summary, the long
// help, how many positional arguments it takes, and what it does. bind
// declares the command's own flags on fs, into options of its own, and
// returns the function that runs it.
type command struct {
	name    string
	args    string
	summary string
	help    string
	nargs   int    // the number of positional arguments; -n: at most n
	need    string // what to say when they are not nargs
	bind    func(fs *flag.FlagSet) func(ctx context.Context, s *session) error
	// dashed: what follows the first "--" is a command line of its own
	// (session.command), taken as it is; the flags and positional
	// arguments come before it.
	dashed bool
	// sub, when set, runs a command with subcommands of its own (sim): it
	// takes the arguments after the command's name as they are, and
	// reports its errors itself.
	sub func(ctx context.Context, s *session, args []string) error
}

func commands() []command {
	return []command{
		validateCommand(),
		listCommand(),
		renderCommand(),
		planCommand(),
		showPlanCommand(),
		applyCommand(),
		cloneCommand(),
		withCommand(),
		resumeCommand(),
		teardownCommand(),
		reapCommand(),
		runsCommand(),
		unlockCommand(),
		versionCommand(),
		simCommand(),
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
	fmt.Fprintf(w, globalUsage, b.String(), ", 3 high-risk plan ("+strings.Join(highRiskCommands(), ", ")+")")
}

// highRiskCommands are the commands that exit 3 on a high-risk plan: those
// whose help says so.
func highRiskCommands() []string {
	var names []string
	for _, c := range commands() {
		if strings.Contains(c.help, "3 when") {
			names = append(names, c.name)
		}
	}
	return names
}

// Run parses args (without the program name) and runs the command they
// name, or the TUI when they name none. It returns nil on success, else an
// error whose exit code ExitCode gives; the error has been reported on
// env.Stderr already.
func Run(ctx context.Context, args []string, env Env) error {
	stdout, stderr := newQuietWriter(env.Stdout), newQuietWriter(env.Stderr)
	s := &session{stdout: stdout, stderr: stderr, interrupts: env.Interrupts, build: env.Build, rawStdout: env.Stdout, rawStderr: env.Stderr}
	global := flag.NewFlagSet("envbench", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	global.StringVar(&s.workspace, "workspace", "", "")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printGlobalUsage(stdout)
			return nil
		}
		fmt.Fprintf(stderr, "envbench: %v\nRun 'envbench --help' for usage.\n", err)
		return &ExitError{Code: ExitUsage, Err: err}
	}
	rest := global.Args()
	if len(rest) == 0 {
		return runTUI(ctx, s, env.TUI)
	}
	name := rest[0]
	if name == "help" {
		if len(rest) > 1 {
			return Run(ctx, []string{rest[1], "--help"}, env)
		}
		printGlobalUsage(stdout)
		return nil
	}
	i := slices.IndexFunc(commands(), func(c command) bool { return c.name == name })
	if i < 0 {
		fmt.Fprintf(stderr, "envbench: unknown command %q\nRun 'envbench --help' for the commands.\n", name)
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("unknown command %q", name)}
	}
	c := commands()[i]
	if c.sub != nil {
		return c.sub(ctx, s, rest[1:])
	}
	fs := flag.NewFlagSet("envbench "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&s.workspace, "workspace", s.workspace, "the workspace root")
	runCommand := c.bind(fs)
	own := rest[1:]
	if c.dashed {
		if i := slices.Index(own, "--"); i >= 0 {
			own, s.command = own[:i], own[i+1:]
		}
	}
	positional, err := parseInterspersed(fs, own)
	if errors.Is(err, flag.ErrHelp) {
		printCommandUsage(stdout, c, fs)
		return nil
	}
	if err != nil {
		fmt.Fprintf(stderr, "envbench %s: %v\nRun 'envbench %s --help' for usage.\n", c.name, err, c.name)
		return &ExitError{Code: ExitUsage, Err: err}
	}
	s.args = positional
	if err := checkArgs(c, positional); err != nil {
		return report(stderr, c.name, err)
	}
	return report(stderr, c.name, runCommand(ctx, s))
}

// checkArgs checks the number of positional arguments.
func checkArgs(c command, args []string) error {
	if len(args) == c.nargs || (c.nargs < 0 && len(args) <= -c.nargs) {
		return nil
	}
	if c.nargs == 0 {
		return usageError{fmt.Sprintf("takes no arguments, got %q", strings.Join(args, " "))}
	}
	return usageError{"needs " + c.need}
}

// report prints a command's error and returns it with its exit code: 2 for
// usage errors, the code of an ExitError, else 1.
func report(stderr io.Writer, name string, err error) error {
	if err == nil {
		return nil
	}
	var e *ExitError
	if errors.As(err, &e) && e.Err == nil {
		return err
	}
	fmt.Fprintf(stderr, "envbench %s: %v\n", name, err)
	var u usageError
	if errors.As(err, &u) {
		fmt.Fprintf(stderr, "Run 'envbench %s --help' for usage.\n", name)
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if e != nil {
		return err
	}
	return &ExitError{Code: ExitFailure, Err: err}
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

// runTUI opens the TUI on the workspace. Its runs may start Terraform at
// any time, so an interrupt always waits for Terraform while it is open.
func runTUI(ctx context.Context, s *session, tui func(context.Context, *envs.Catalog, io.Writer) error) error {
	if tui == nil {
		fmt.Fprintln(s.stderr, "envbench: no TUI in this build")
		return &ExitError{Code: ExitFailure, Err: errors.New("no TUI in this build")}
	}
	c, err := s.catalog()
	if err != nil {
		fmt.Fprintf(s.stderr, "envbench: %v\n", err)
		return &ExitError{Code: ExitFailure, Err: err}
	}
	s.interrupts.terraformMayRun(true)
	defer s.interrupts.terraformMayRun(false)
	if err := tui(ctx, c, s.stderr); err != nil {
		fmt.Fprintf(s.stderr, "envbench: %v\n", err)
		var exit *ExitError
		if errors.As(err, &exit) { // the TUI chose the status (an unfinished apply)
			return exit
		}
		return &ExitError{Code: ExitFailure, Err: err}
	}
	return nil
}
