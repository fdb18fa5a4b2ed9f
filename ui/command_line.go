package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/ui/screen"
)

// parseCommand reads a ":" line: a screen's name (or a prefix that names
// one screen only), then for an environment's screens the environment, and
// for "new" the archetype.
func (m *Model) parseCommand(line string) (screen.Open, error) {
	words := strings.Fields(line)
	if len(words) == 0 {
		return screen.Open{}, fmt.Errorf("type a screen's name: %s", strings.Join(kinds(m.screens), ", "))
	}
	kind, err := m.kindNamed(words[0])
	if err != nil {
		return screen.Open{}, err
	}
	if kind == screen.KindRun {
		return m.parseRun(words[1:])
	}
	if len(words) > 2 {
		return screen.Open{}, fmt.Errorf("%s takes at most one argument, got %q", kind, strings.Join(words[1:], " "))
	}
	o := screen.Open{Kind: kind}
	if len(words) == 2 {
		switch {
		case kind == screen.KindNewEnv:
			if !slices.Contains(m.archetypeNames(), words[1]) {
				return screen.Open{}, fmt.Errorf("no archetype named %q", words[1])
			}
			o.Archetype = words[1]
		case kind == screen.KindEnvironments || m.screens[kind].needsEnv:
			if _, ok := m.environment(words[1]); !ok {
				return screen.Open{}, fmt.Errorf("no environment named %q", words[1])
			}
			o.Env = words[1]
		default:
			return screen.Open{}, fmt.Errorf("%s takes no argument", kind)
		}
	} else if m.screens[kind].needsEnv {
		return screen.Open{}, fmt.Errorf("%s needs an environment: %s ENV", kind, kind)
	}
	return o, nil
}

// kindNamed finds the screen a word names, whole or as an unambiguous
// prefix.
func (m *Model) kindNamed(word string) (screen.Kind, error) {
	if _, ok := m.screens[screen.Kind(word)]; ok {
		return screen.Kind(word), nil
	}
	matches := withPrefix(kinds(m.screens), word)
	switch len(matches) {
	case 1:
		return screen.Kind(matches[0]), nil
	case 0:
		return "", fmt.Errorf("no screen named %q; screens: %s", word, strings.Join(kinds(m.screens), ", "))
	}
	return "", fmt.Errorf("%q could be %s", word, strings.Join(matches, " or "))
}

// complete completes the last word of a ":" line: a screen's name first,
// then an environment or an archetype. It returns the new line and, when
// more than one word fits, the candidates.
func (m *Model) complete(line string) (string, []string) {
	words := strings.Fields(line)
	trailing := line == "" || strings.HasSuffix(line, " ")
	var pool []string
	switch {
	case len(words) == 0 || (len(words) == 1 && !trailing):
		pool = kinds(m.screens)
	case len(words) == 1 || (len(words) == 2 && !trailing):
		kind, err := m.kindNamed(words[0])
		if err != nil {
			return line, nil
		}
		switch {
		case kind == screen.KindNewEnv:
			pool = m.archetypeNames()
		case kind == screen.KindEnvironments || m.screens[kind].needsEnv:
			pool = m.environmentNames()
		}
	default:
		return line, nil
	}
	partial := ""
	if !trailing {
		partial = words[len(words)-1]
	}
	matches := withPrefix(pool, partial)
	if len(matches) == 0 {
		return line, nil
	}
	head := strings.TrimSuffix(line, partial)
	if len(matches) == 1 {
		return head + matches[0] + " ", nil
	}
	return head + commonPrefix(matches), matches
}

func (m *Model) environmentNames() []string {
	if m.ctx.Catalog == nil {
		return nil
	}
	out := make([]string, 0, len(m.ctx.Catalog.Environments))
	for _, e := range m.ctx.Catalog.Environments {
		out = append(out, e.Name)
	}
	slices.Sort(out)
	return out
}

func (m *Model) archetypeNames() []string {
	if m.ctx.Catalog == nil {
		return nil
	}
	out := make([]string, 0, len(m.ctx.Catalog.Workspace.Archetypes))
	for _, a := range m.ctx.Catalog.Workspace.Archetypes {
		out = append(out, a.Name)
	}
	return out
}

func withPrefix(words []string, prefix string) []string {
	var out []string
	for _, w := range words {
		if strings.HasPrefix(w, prefix) {
			out = append(out, w)
		}
	}
	return out
}

func commonPrefix(words []string) string {
	p := words[0]
	for _, w := range words[1:] {
		for !strings.HasPrefix(w, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

// handleCommandKey handles a key while the ":" line is open.
func (m *Model) handleCommandKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.ctx.Keys
	switch {
	case key.Matches(msg, k.Force), key.Matches(msg, k.Back):
		m.command.Close()
		return nil
	case key.Matches(msg, k.CommandComplete):
		line, candidates := m.complete(m.command.Value())
		m.command.SetValue(line)
		m.command.Hint = strings.Join(candidates, " ")
		m.sizeCommandLine()
		return nil
	case key.Matches(msg, k.CommandRun):
		line := m.command.Value()
		m.command.Close()
		o, err := m.parseCommand(line)
		if err != nil {
			m.setFlash(err.Error(), true)
			return nil
		}
		cmd, err := m.open(o)
		if err != nil {
			m.setFlash(err.Error(), true)
		}
		return cmd
	}
	m.command.Hint = ""
	m.sizeCommandLine()
	return m.command.Update(msg)
}

// sizeCommandLine leaves room after the typed text for the completion's
// candidates.
func (m *Model) sizeCommandLine() {
	w := m.width
	if m.command.Hint != "" {
		w = min(w, len(m.command.Value())+3)
	}
	m.command.SetWidth(w)
}
