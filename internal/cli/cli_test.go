package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/envbench/envbench/envs/simprovider"
	"github.com/envbench/envbench/internal/testkit"
)

// binary is envbench built once for the subprocess tests.
var binary string

// moduleRoot is the repository's root, where the examples are.
var moduleRoot = filepath.Join("..", "..")

func TestMain(m *testing.M) {
	// Commands run in this process prepare the demo's simulation with the
	// real terraform, which starts this test binary as the simulated aws
	// provider.
	simprovider.ServeIfPlugin()
	dir, err := os.MkdirTemp("", "envbench-cli")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "envbench")
	build := exec.Command("go", "build", "-o", binary, "github.com/envbench/envbench")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build envbench:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// envbench runs the binary in dir with args.
func envbench(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, stdout.String(), stderr.String()}
}

// copyWorkspace copies an example workspace (without its local state) into
// a temporary directory.
func copyWorkspace(t testing.TB, example string) string { return testkit.CopyExample(t, example) }

func write(t *testing.T, root, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(name)), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

var examples = []string{"demo", "aws"}

func TestValidateExamples(t *testing.T) {
	for _, ex := range examples {
		t.Run(ex, func(t *testing.T) {
			r := envbench(t, ".", "--workspace", filepath.Join(moduleRoot, "examples", ex), "validate")
			if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "is valid") {
				t.Fatalf("validate examples/%s: exit %d\nstdout:\n%s\nstderr:\n%s", ex, r.code, r.stdout, r.stderr)
			}
		})
	}
}

func TestValidateBrokenCopies(t *testing.T) {
	for _, ex := range examples {
		t.Run(ex, func(t *testing.T) {
			root := copyWorkspace(t, ex)
			write(t, root, "envs/qa.yaml", "archetype: service-platform\naccount: \"222222222222\"\nregoin: eu-west-1\ninputs:\n  vpc_cidr: 10.10.0.0/16\n  private_zone: qa.acme.internal\n")
			write(t, root, "envs/qa2.yaml", "archetype: service-platform\naccount: \"222222222222\"\ninputs:\n  vpc_cidr: 10.20.0.0/16\n  private_zone: qa2.acme.internal\n")
			write(t, root, "envs/scratch.yaml", "archetype: nope\naccount: 42\n")
			r := envbench(t, root, "validate")
			if r.code != 1 {
				t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
			}
			for _, want := range []string{
				"envs/qa.yaml:3:1: regoin: unknown field; allowed:",
				"envs/qa2.yaml:4:13: inputs.vpc_cidr: 10.20.0.0/16 overlaps 10.20.0.0/16 of environment load-test",
				"envs/load-test.yaml:",
				"envs/scratch.yaml:1:12: archetype: unknown archetype \"nope\"",
				"envs/scratch.yaml:2:10: account: \"42\" is not an AWS account id",
			} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("validate output lacks %q:\n%s", want, r.stdout)
				}
			}
			for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
				if parts := strings.SplitN(line, ":", 4); len(parts) < 4 {
					t.Errorf("line is not file:line:col: message: %q", line)
				}
			}
		})
	}
}

func TestListJSON(t *testing.T) {
	for _, ex := range examples {
		t.Run(ex, func(t *testing.T) {
			root := copyWorkspace(t, ex)
			write(t, root, "envs/broken.yaml", "archetype: service-platform\n")
			r := envbench(t, root, "list", "--json")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var rows []map[string]any
			if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, r.stdout)
			}
			byName := map[string]map[string]any{}
			for _, row := range rows {
				byName[row["name"].(string)] = row
				for _, field := range []string{"archetype", "account", "region", "protected", "owner", "expired", "status", "errors"} {
					if _, ok := row[field]; !ok {
						t.Errorf("%s lacks %q", row["name"], field)
					}
				}
			}
			for _, name := range []string{"production", "qa", "load-test", "sales-demo", "dev-alice", "dev-bob", "broken"} {
				if byName[name] == nil {
					t.Errorf("list lacks %s", name)
				}
			}
			if p := byName["production"]; p != nil && p["protected"] != true {
				t.Error("production must be protected")
			}
			if b := byName["dev-bob"]; b != nil && (b["expired"] != true || b["expires"] == nil) {
				t.Errorf("dev-bob must be expired: %v", b)
			}
			if b := byName["broken"]; b != nil && (b["status"] != "invalid" || len(b["errors"].([]any)) == 0) {
				t.Errorf("broken must be invalid with errors: %v", b)
			}
		})
	}
}

func TestListTable(t *testing.T) {
	root := copyWorkspace(t, "demo")
	write(t, root, "envs/broken.yaml", "archetype: service-platform\n")
	r := envbench(t, root, "list")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"NAME", "ARCHETYPE", "ACCOUNT", "REGION", "PROTECTED", "OWNER", "EXPIRES", "STATUS", "production", "expired", "broken: envs/broken.yaml:1:1: account: missing"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("list lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestRender(t *testing.T) {
	for _, ex := range examples {
		t.Run(ex, func(t *testing.T) {
			root := copyWorkspace(t, ex)
			r := envbench(t, filepath.Join(root, "envs"), "render", "qa") // found by walking up
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			dir := strings.TrimSpace(r.stdout)
			if dir != filepath.Join(root, ".envbench", "work", "qa") {
				t.Errorf("printed %q", dir)
			}
			for _, f := range []string{"envbench.tf", "envbench.auto.tfvars.json", "backend.tf"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("work dir lacks %s", f)
				}
			}
			again := envbench(t, root, "render", "qa")
			if !strings.Contains(again.stderr, "0 file(s) written") {
				t.Errorf("second render should write nothing: %s", again.stderr)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	demo := filepath.Join(moduleRoot, "examples", "demo")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"--workspace", demo, "render"}, 2, "needs one environment name"},
		{[]string{"--workspace", demo, "render", "a", "b"}, 2, "needs one environment name"},
		{[]string{"--workspace", demo, "validate", "extra"}, 2, "takes no arguments"},
		{[]string{"list", "--jsn"}, 2, "flag provided but not defined: -jsn"},
		{[]string{"--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"--workspace", demo, "render", "nope"}, 2, `unknown environment "nope"; the workspace has: dev-alice, dev-bob, load-test`},
		{[]string{"--workspace", "/nonexistent/ws", "validate"}, 1, "no envbench.yaml found"},
	}
	for _, tc := range cases {
		r := envbench(t, ".", tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("envbench %v: exit %d, stderr %q; want exit %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
}

func TestNoWorkspaceFound(t *testing.T) {
	r := envbench(t, t.TempDir(), "list")
	if r.code != 1 || !strings.Contains(r.stderr, "no envbench.yaml found") || !strings.Contains(r.stderr, "--workspace") {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, c := range commands() {
		for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {"help", c.name}} {
			r := envbench(t, ".", args...)
			if r.code != 0 || !strings.Contains(r.stdout, "Usage: envbench "+c.name) {
				t.Errorf("envbench %v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
			}
		}
	}
	r := envbench(t, ".", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "Commands:") || !strings.Contains(r.stdout, "Exit codes:") {
		t.Errorf("envbench --help: exit %d\n%s", r.code, r.stdout)
	}
	for _, c := range commands() {
		if !strings.Contains(r.stdout, "\n  "+c.name+" ") {
			t.Errorf("envbench --help does not list %s:\n%s", c.name, r.stdout)
		}
	}
}

// TestHelpNamesEveryHighRiskCommand: plan exits 3 on a high-risk plan, as
// show-plan does, and the top-level help says so.
func TestHelpNamesEveryHighRiskCommand(t *testing.T) {
	r := envbench(t, ".", "--help")
	if want := "3 high-risk plan (plan, show-plan)"; !strings.Contains(r.stdout, want) {
		t.Errorf("envbench --help lacks %q:\n%s", want, r.stdout)
	}
}

func TestVersion(t *testing.T) {
	r := envbench(t, ".", "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "envbench ") || !strings.Contains(r.stdout, "commit") {
		t.Errorf("version: exit %d %q", r.code, r.stdout)
	}
}
