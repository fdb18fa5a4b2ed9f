package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
	"slices"
	"strings"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/ui/archetypes"
	"github.com/envbench/envbench/ui/envscreen"
	"github.com/envbench/envbench/ui/newenv"
	"github.com/envbench/envbench/ui/plan"
	"github.com/envbench/envbench/ui/screen"
)

// opener builds the screen an Open asks for, with its breadcrumb title, or
// says why it cannot be opened.
type opener struct {
	// needsEnv: the screen is about one environment, named by Open.Env.
	needsEnv bool
	open     func(m *Model, o screen.Open) (string, screen.Screen, error)
}

// registry is every kind of screen the root model can open.
func registry() map[screen.Kind]opener {
	return map[screen.Kind]opener{
		screen.KindEnvironments: {}, // the bottom of the stack
		screen.KindArchetypes: {open: func(m *Model, _ screen.Open) (string, screen.Screen, error) {
			return "archetypes", archetypes.New(m.ctx), nil
		}},
		screen.KindPlan: {needsEnv: true, open: openPlan},
		screen.KindRun:  {needsEnv: true, open: openRun},
		screen.KindEnv:  {needsEnv: true, open: openEnv},
		screen.KindNewEnv: {open: func(m *Model, o screen.Open) (string, screen.Screen, error) {
			if o.Archetype != "" {
				s, err := newenv.New(m.ctx, o.Archetype)
				return "new environment", s, err
			}
			suggested := ""
			if e, ok := m.environment(o.Env); ok {
				suggested = e.Archetype
			}
			s, err := newenv.Pick(m.ctx, suggested)
			return "new environment", s, err
		}},
		screen.KindHelp: {open: func(m *Model, _ screen.Open) (string, screen.Screen, error) {
			return "help", m.helpScreen(), nil
		}},
	}
}

func openPlan(m *Model, o screen.Open) (string, screen.Screen, error) {
	e, ok := m.environment(o.Env)
	switch {
	case !ok:
		return "", nil, fmt.Errorf("no environment named %q", o.Env)
	case !e.Valid():
		return "", nil, fmt.Errorf("%s has %d problem(s); fix them before planning (see the detail pane)", e.Name, len(e.Diags))
	case m.ctx.Runner == nil:
		return "", nil, fmt.Errorf("planning is not available here")
	}
	return "plan " + e.Name, plan.New(m.ctx, e.Name), nil
}

func openEnv(m *Model, o screen.Open) (string, screen.Screen, error) {
	if _, ok := m.environment(o.Env); !ok {
		return "", nil, fmt.Errorf("no environment named %q", o.Env)
	}
	return o.Env, envscreen.New(m.ctx, o.Env), nil
}

func (m *Model) environment(name string) (*envs.Environment, bool) {
	if m.ctx.Catalog == nil || name == "" {
		return nil, false
	}
	return m.ctx.Catalog.Environment(name)
}

// kinds returns the names of the screens that can be opened, sorted.
func kinds(r map[screen.Kind]opener) []string {
	out := make([]string, 0, len(r))
	for k := range r {
		out = append(out, string(k))
	}
	slices.Sort(out)
	return out
}

// open opens the screen o asks for: the environments screen by going back
// to it, any other by pushing it. A screen that cannot be opened says why
// in the footer.
func (m *Model) open(o screen.Open) (tea.Cmd, error) {
	op, ok := m.screens[o.Kind]
	if !ok {
		return nil, fmt.Errorf("no screen named %q; screens: %s", o.Kind, strings.Join(kinds(m.screens), ", "))
	}
	// A reap is the one run of no environment.
	if op.needsEnv && o.Env == "" && !(o.Kind == screen.KindRun && o.Pipeline == "reap") {
		return nil, fmt.Errorf("%s needs an environment: %s ENV", o.Kind, o.Kind)
	}
	if op.open == nil { // the environments screen, at the bottom
		if o.Env == "" {
			m.drop(m.stack[1:])
			m.stack = m.stack[:1]
			return nil, nil
		}
		if _, ok := m.environment(o.Env); !ok {
			return nil, fmt.Errorf("no environment named %q", o.Env)
		}
		m.drop(m.stack[1:])
		m.stack = m.stack[:1]
		s, cmd := m.stack[0].screen.Update(screen.CatalogMsg{Catalog: m.ctx.Catalog, Select: o.Env})
		m.stack[0].screen = s
		return cmd, nil
	}
	title, s, err := op.open(m, o)
	if err != nil {
		return nil, err
	}
	return m.push(title, s), nil
}

// closeScreens tells the screens leaving the stack that implement
// screen.Closer.
func closeScreens(entries []entry) {
	for _, e := range entries {
		if c, ok := e.screen.(screen.Closer); ok {
			c.Close()
		}
	}
}
