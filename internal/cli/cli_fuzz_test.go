package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzCommandLine runs the command line with arbitrary arguments against a
// copy of the demo workspace. It must never panic, and must exit with one
// of the documented codes. Commands that run Terraform (plan, apply,
// teardown, reap) and the TUI (no command) are left out.
func FuzzCommandLine(f *testing.F) {
	for _, seed := range []string{
		"validate", "list\x00--json", "render\x00qa", "render", "render\x00qa\x00--workspace", "list\x00--workspace\x00",
		"show-plan\x00--env\x00qa\x00/dev/null", "version\x00--help", "help\x00list", "list\x00--json=maybe", "list\x00--\x00x", "frob",
		"runs", "runs\x00qa\x00--json", "runs\x00--limit\x00-1", "unlock\x00qa", "unlock\x00qa\x00--force", "unlock",
	} {
		f.Add(seed)
	}
	root := copyWorkspace(f, "demo")
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, "\x00")
		if slices.ContainsFunc(args, func(a string) bool {
			// plan, apply, teardown and reap run Terraform; devices and stdin
			// read without end; sim has a fuzz target of its own
			// (FuzzSimCommandLine).
			return a == "plan" || a == "apply" || a == "clone" || a == "with" || a == "resume" || a == "teardown" || a == "reap" || a == "sim" || a == "-" || strings.HasPrefix(a, "/dev") || strings.HasPrefix(a, "/proc") || strings.HasPrefix(a, "/sys")
		}) {
			return
		}
		if args[0] == "" || strings.HasPrefix(args[0], "-") {
			return // global flags only would open the TUI
		}
		code := ExitCode(Run(context.Background(), append([]string{"--workspace", root}, args...), Env{Stdout: io.Discard, Stderr: io.Discard}))
		if code < 0 || code > 3 {
			t.Fatalf("exit code %d for %q", code, args)
		}
	})
}

// FuzzWithCommandLine parses `envbench with`'s own arguments, whatever
// they are, with no COMMAND after them (so nothing is cloned): the flags,
// the environment and the "--" that starts COMMAND. It must never panic,
// and must refuse with a usage error (exit 2) or another failure, never
// run anything.
func FuzzWithCommandLine(f *testing.F) {
	for _, seed := range []string{
		"dev-alice", "dev-alice\x00--", "dev-alice\x00--auto-approve\x00--", "--confirm\x00qa\x00qa\x00--",
		"qa\x00--confirm=dev-bob\x00--", "nope\x00--auto-approve\x00--", "--\x00--", "qa\x00--auto-approve=maybe", "--help",
	} {
		f.Add(seed)
	}
	root := copyWorkspace(f, "demo")
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, "\x00")
		if i := slices.Index(args, "--"); i >= 0 {
			args = args[:i+1] // COMMAND never given
		}
		if slices.ContainsFunc(args, func(a string) bool {
			return a == "-" || strings.HasPrefix(a, "/dev") || strings.HasPrefix(a, "/proc") || strings.HasPrefix(a, "/sys")
		}) {
			return
		}
		var stderr strings.Builder
		code := ExitCode(Run(context.Background(), append([]string{"--workspace", root, "with"}, args...), Env{Stdout: io.Discard, Stderr: &stderr}))
		if code != ExitUsage && code != ExitOK {
			t.Fatalf("exit code %d for with %q (a with without COMMAND is a usage error, or --help):\n%s", code, args, stderr.String())
		}
		if _, err := os.Stat(filepath.Join(root, ".envbench", "runs")); err == nil {
			t.Fatalf("with %q started a run", args)
		}
	})
}
