package config

import (
	"strings"
	"testing"
	"time"
)

const hookArchHead = "description: a web stack\ninputs:\n  vpc_cidr: {type: cidr, required: true}\nhooks:\n"

// TestHookDiagnostics: every mistake in hooks: is reported at its place.
func TestHookDiagnostics(t *testing.T) {
	arch := func(hooks string) map[string]string {
		return map[string]string{"archetypes/web/archetype.yaml": hookArchHead + hooks, "archetypes/web/check.sh": "#!/bin/sh\n"}
	}
	const file = "archetypes/web/archetype.yaml"
	cases := []struct {
		name    string
		hooks   string
		line    int
		col     int
		field   string
		message string
	}{
		{"unknown phase", "  post_apply: []\n", 5, 3, "hooks.post_apply", "unknown field; allowed: post_deploy, pre_deploy"},
		{"phase not a list", "  pre_deploy: {name: x}\n", 5, 15, "hooks.pre_deploy", "want a list of hooks"},
		{"unknown hook key", "  pre_deploy:\n    - {name: a, run: [true], shell: sh}\n", 6, 30, "hooks.pre_deploy[0].shell", "unknown field; allowed: name, retries, run, timeout"},
		{"missing name", "  pre_deploy:\n    - {run: [true]}\n", 6, 7, "hooks.pre_deploy[0].name", "a hook needs a name"},
		{"bad name", "  pre_deploy:\n    - {name: Check_DB, run: [true]}\n", 6, 14, "hooks.pre_deploy[0].name", `hook name "Check_DB" must be`},
		{"missing run", "  post_deploy:\n    - {name: a}\n", 6, 7, "hooks.post_deploy[0].run", "a hook needs run"},
		{"empty run", "  post_deploy:\n    - {name: a, run: []}\n", 6, 22, "hooks.post_deploy[0].run", "run is empty"},
		{"run as a shell string", "  post_deploy:\n    - {name: a, run: ./check.sh --x}\n", 6, 22, "hooks.post_deploy[0].run", "want a list of strings"},
		{"empty program", "  post_deploy:\n    - {name: a, run: ['', x]}\n", 6, 22, "hooks.post_deploy[0].run", "program is empty"},
		{"program outside the archetype", "  post_deploy:\n    - {name: a, run: [../x.sh]}\n", 6, 22, "hooks.post_deploy[0].run", "outside the archetype's directory"},
		{"program not a file", "  post_deploy:\n    - {name: a, run: [./nope.sh]}\n", 6, 22, "hooks.post_deploy[0].run", "the program ./nope.sh is not a file of archetype web"},
		{"bad timeout", "  post_deploy:\n    - {name: a, run: [true], timeout: soon}\n", 6, 39, "hooks.post_deploy[0].timeout", `want a positive duration such as 30s or 5m, got "soon"`},
		{"negative timeout", "  post_deploy:\n    - {name: a, run: [true], timeout: -1s}\n", 6, 39, "hooks.post_deploy[0].timeout", "want a positive duration"},
		{"retries not whole", "  post_deploy:\n    - {name: a, run: [true], retries: 1.5}\n", 6, 39, "hooks.post_deploy[0].retries", "want a whole number from 0 to 10"},
		{"retries too many", "  post_deploy:\n    - {name: a, run: [true], retries: 11}\n", 6, 39, "hooks.post_deploy[0].retries", "want a whole number from 0 to 10"},
		{"duplicate name across phases", "  pre_deploy:\n    - {name: a, run: [true]}\n  post_deploy:\n    - {name: a, run: [true]}\n", 8, 14, "hooks.post_deploy[0].name", "duplicate hook name; first used on line 6"},
		{"hook not a mapping", "  pre_deploy:\n    - true\n", 6, 7, "hooks.pre_deploy[0]", "want a mapping"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ws := load(t, arch(tc.hooks))
			diags := ws.Diagnostics()
			for _, d := range diags {
				if d.File != file || d.Field != tc.field || !strings.Contains(d.Message, tc.message) {
					continue
				}
				if d.Line != tc.line || d.Col != tc.col {
					t.Errorf("found the problem at %d:%d, want %d:%d: %s", d.Line, d.Col, tc.line, tc.col, d)
				}
				return
			}
			t.Errorf("no diagnostic for field %q containing %q; got:\n%v", tc.field, tc.message, diags)
		})
	}
}

// TestHooksDecode: valid hooks land in Archetype.Hooks with their defaults.
func TestHooksDecode(t *testing.T) {
	ws := load(t, map[string]string{
		"archetypes/web/archetype.yaml": hookArchHead + "  pre_deploy:\n    - {name: lint, run: [true, --x]}\n  post_deploy:\n    - {name: check, run: [./check.sh, a], timeout: 30s, retries: 2}\n",
		"archetypes/web/check.sh":       "#!/bin/sh\n",
	})
	if d := ws.Diagnostics(); len(d) > 0 {
		t.Fatalf("diagnostics: %v", d)
	}
	a, _ := ws.Archetype("web")
	pre, post := a.Hooks.Phase(PreDeploy), a.Hooks.Phase(PostDeploy)
	if len(pre) != 1 || pre[0].Name != "lint" || pre[0].Timeout != DefaultHookTimeout || pre[0].Retries != 0 {
		t.Fatalf("pre_deploy: %+v", pre)
	}
	if len(post) != 1 || post[0].Name != "check" || post[0].Timeout != 30*time.Second || post[0].Retries != 2 {
		t.Fatalf("post_deploy: %+v", post)
	}
	if got := strings.Join(post[0].Argv("/ws/archetypes/web"), " "); got != "/ws/archetypes/web/check.sh a" {
		t.Errorf("Argv = %q", got)
	}
	if got := strings.Join(pre[0].Argv("/ws/archetypes/web"), " "); got != "true --x" {
		t.Errorf("Argv of a PATH program = %q", got)
	}
}
