package cli

import (
	"context"
	"io"
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
