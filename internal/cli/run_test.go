package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunReturnsItsExitCode: Run reports on stderr and returns an error
// carrying the exit code, without a process around it.
func TestRunReturnsItsExitCode(t *testing.T) {
	demo := filepath.Join(moduleRoot, "examples", "demo")
	cases := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"--workspace", demo, "validate"}, ExitOK, "is valid"},
		{[]string{"frob"}, ExitUsage, `unknown command "frob"`},
		{[]string{"--workspace", demo, "render", "nope"}, ExitUsage, `envbench render: unknown environment "nope"`},
		{[]string{"show-plan", writePlan(t, riskyPlan)}, ExitHighRisk, ""},
	}
	for _, tc := range cases {
		var stdout, stderr bytes.Buffer
		err := Run(context.Background(), tc.args, Env{Stdout: &stdout, Stderr: &stderr})
		if got := ExitCode(err); got != tc.code || !strings.Contains(stderr.String(), tc.stderr) {
			t.Errorf("Run %q: exit %d (%v), stderr %q; want %d and %q", tc.args, got, err, stderr.String(), tc.code, tc.stderr)
		}
		if tc.code == ExitOK && err != nil {
			t.Errorf("Run %q: %v, want nil", tc.args, err)
		}
	}
}
