package config

import (
	"fmt"
	"math"
	"path"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// HookPhase names when a hook runs in a clone.
type HookPhase string

const (
	// PreDeploy hooks run after validation, before the module is rendered.
	PreDeploy HookPhase = "pre_deploy"
	// PostDeploy hooks run after apply, once the outputs file is written.
	PostDeploy HookPhase = "post_deploy"
)

// DefaultHookTimeout bounds one attempt of a hook that sets no timeout.
const DefaultHookTimeout = 5 * time.Minute

// maxHookRetries bounds a hook's retries.
const maxHookRetries = 10

// Hook is one command an archetype runs around a deploy.
type Hook struct {
	Name string
	// Run is the command as argv, never a shell string. A first element
	// holding a slash but not starting with one is a path relative to the
	// archetype's directory; otherwise it is looked up in PATH.
	Run []string
	// Timeout bounds one attempt; DefaultHookTimeout when not set.
	Timeout time.Duration
	// Retries is how many more attempts a failing hook gets.
	Retries int
	Pos     Position

	runPos   Position // of run, when its program is a path in the archetype
	runField string
}

// Hooks are an archetype's hooks by phase, each list in declaration order.
type Hooks struct {
	PreDeploy  []Hook
	PostDeploy []Hook
}

// Phase returns the hooks of one phase.
func (h Hooks) Phase(p HookPhase) []Hook {
	switch p {
	case PreDeploy:
		return h.PreDeploy
	case PostDeploy:
		return h.PostDeploy
	}
	return nil
}

// Argv is the hook's command with its program resolved: a relative path
// with a slash is joined to archetypeDir (absolute, or relative to the
// workspace root as Archetype.Dir is, joined by the caller).
func (h Hook) Argv(archetypeDir string) []string {
	argv := slices.Clone(h.Run)
	if len(argv) > 0 && strings.Contains(argv[0], "/") && !strings.HasPrefix(argv[0], "/") {
		argv[0] = path.Join(archetypeDir, argv[0])
	}
	return argv
}

// decodeHooks decodes a `hooks:` mapping of archetype.yaml.
func (d *decoder) decodeHooks(n *yaml.Node, p string, a *Archetype) {
	names := map[string]int{}
	list := func(dst *[]Hook) fieldFunc {
		return func(v *yaml.Node, p string) {
			v = d.resolve(v)
			if v == nil {
				return
			}
			if v.Kind != yaml.SequenceNode {
				d.errorf(v, p, "want a list of hooks ({name, run, timeout, retries}), got %s", describe(v))
				return
			}
			for i, item := range v.Content {
				if h, ok := d.hook(item, fmt.Sprintf("%s[%d]", p, i), a, names); ok {
					*dst = append(*dst, h)
				}
			}
		}
	}
	d.object(n, p, map[string]fieldFunc{
		string(PreDeploy):  list(&a.Hooks.PreDeploy),
		string(PostDeploy): list(&a.Hooks.PostDeploy),
	})
}

// hook decodes one hook; names holds the line of each hook name seen so far
// in either phase.
func (d *decoder) hook(n *yaml.Node, p string, a *Archetype, names map[string]int) (Hook, bool) {
	n = d.resolve(n)
	if n == nil {
		return Hook{}, false
	}
	h := Hook{Timeout: DefaultHookTimeout, Pos: Position{n.Line, n.Column}}
	start := len(d.diags)
	var nameNode, runNode *yaml.Node
	d.object(n, p, map[string]fieldFunc{
		"name": func(v *yaml.Node, p string) {
			nameNode = v
			h.Name, _ = d.str(v, p)
		},
		"run": func(v *yaml.Node, p string) {
			runNode = d.resolve(v)
			h.Run, _ = d.strings(v, p)
		},
		"timeout": func(v *yaml.Node, p string) {
			s, ok := d.str(v, p)
			if !ok {
				return
			}
			t, err := time.ParseDuration(s)
			if err != nil || t <= 0 {
				d.errorf(v, p, "want a positive duration such as 30s or 5m, got %q", s)
				return
			}
			h.Timeout = t
		},
		"retries": func(v *yaml.Node, p string) {
			f, ok := d.number(v, p)
			if !ok {
				return
			}
			if f != math.Trunc(f) || f < 0 || f > maxHookRetries {
				d.errorf(v, p, "want a whole number from 0 to %d, got %s", maxHookRetries, v.Value)
				return
			}
			h.Retries = int(f)
		},
	})
	if n.Kind != yaml.MappingNode {
		return Hook{}, false
	}
	switch {
	case nameNode == nil:
		d.errorf(n, join(p, "name"), "a hook needs a name")
	case h.Name != "":
		if err := checkName("hook", h.Name); err != nil {
			d.errorf(nameNode, join(p, "name"), "%v", err)
		} else if line, dup := names[h.Name]; dup {
			d.errorf(nameNode, join(p, "name"), "duplicate hook name; first used on line %d", line)
		} else {
			names[h.Name] = nameNode.Line
		}
	}
	switch {
	case runNode == nil:
		d.errorf(n, join(p, "run"), "a hook needs run: the command as a list, e.g. [./check.sh, --quick]")
	case runNode.Kind == yaml.SequenceNode && len(h.Run) == 0:
		d.errorf(runNode, join(p, "run"), "run is empty; give the command as a list, e.g. [./check.sh]")
	case len(h.Run) > 0 && h.Run[0] == "":
		d.errorf(runNode, join(p, "run"), "the command's program is empty")
	case len(h.Run) > 0 && strings.Contains(h.Run[0], "/") && !strings.HasPrefix(h.Run[0], "/"):
		rel := path.Clean(h.Run[0])
		if rel == ".." || strings.HasPrefix(rel, "../") {
			d.errorf(runNode, join(p, "run"), "the program %s is outside the archetype's directory", h.Run[0])
		}
		h.runPos = Position{runNode.Line, runNode.Column}
		h.runField = join(p, "run")
	}
	return h, len(d.diags) == start
}

// checkHookFiles diagnoses hooks whose program is a path in the archetype's
// directory that is not one of its files. It runs once Files is known.
func (a *Archetype) checkHookFiles() Diagnostics {
	var diags Diagnostics
	for _, h := range slices.Concat(a.Hooks.PreDeploy, a.Hooks.PostDeploy) {
		if h.runField == "" {
			continue
		}
		if rel := path.Clean(h.Run[0]); !slices.Contains(a.Files, rel) {
			diags = append(diags, Diagnostic{File: a.File, Line: h.runPos.Line, Col: h.runPos.Col, Field: h.runField,
				Message: fmt.Sprintf("the program %s is not a file of archetype %s", h.Run[0], a.Name)})
		}
	}
	return diags
}
