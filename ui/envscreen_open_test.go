package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"testing"

	"github.com/envbench/envbench/ui/envscreen"
	"github.com/envbench/envbench/ui/plan"
	"github.com/envbench/envbench/ui/run"
	"github.com/envbench/envbench/ui/screen"
)

// typeKeys is press, but also delivers what typed letters ask for (press
// delivers only the commands of enter, tab and esc).
func typeKeys(m *Model, keys ...string) {
	for _, k := range keys {
		if k == "enter" || k == "tab" || k == "esc" {
			press(m, k)
			continue
		}
		for _, r := range k {
			_, cmd := m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
			deliver(m, cmd)
		}
	}
}

// TestListOpensEnvironmentScreen: enter on the list opens the environment
// screen, p still plans, and :env NAME opens it by name.
func TestListOpensEnvironmentScreen(t *testing.T) {
	cases := []struct {
		keys []string
		want func(screen.Screen) bool
		env  string
	}{
		{[]string{"enter"}, is[*envscreen.Screen], "dev-alice"},
		{[]string{"j", "enter"}, is[*envscreen.Screen], "dev-bob"},
		{[]string{"p"}, is[*plan.Screen], ""},
		{[]string{":", "env qa", "enter"}, is[*envscreen.Screen], "qa"},
	}
	for _, c := range cases {
		m, _ := demoModel(t)
		if c.keys[0] == ":" {
			press(m, c.keys...) // the command line's cursor blinks: do not wait on it
		} else {
			typeKeys(m, c.keys...)
		}
		if !c.want(m.Top()) {
			t.Fatalf("%v opened %T", c.keys, m.Top())
		}
		if es, ok := m.Top().(*envscreen.Screen); ok && es.Env() != c.env {
			t.Errorf("%v opened the screen of %q, want %q", c.keys, es.Env(), c.env)
		}
	}
}

// TestOpenUnregisteredKind: the run screen may not be registered yet; C on
// the environment screen then says so in the footer. With a registry entry
// for runs (a fake), the same key opens it with the environment and the
// pipeline.
func TestOpenUnregisteredKind(t *testing.T) {
	m, _ := demoModel(t)
	delete(m.screens, screen.KindRun)
	typeKeys(m, "enter", "C")
	if got := footer(m); !strings.Contains(got, `no screen named "run"`) {
		t.Errorf("footer %q, want it to say there is no run screen", got)
	}
	if !is[*envscreen.Screen](m.Top()) {
		t.Errorf("top is %T, want the environment screen still", m.Top())
	}

	m, _ = demoModel(t)
	var got screen.Open
	m.screens[screen.KindRun] = opener{needsEnv: true, open: func(m *Model, o screen.Open) (string, screen.Screen, error) {
		got = o
		return "run", envscreen.New(m.ctx, o.Env), nil
	}}
	typeKeys(m, "enter", "C")
	if want := (screen.Open{Kind: screen.KindRun, Env: "dev-alice", Pipeline: "clone"}); got != want {
		t.Errorf("opened %#v, want %#v", got, want)
	}
}

// TestCloneAndTeardownOpenTheRunScreen: C and T on the environment
// screen, and :run ENV clone|teardown, open the run screen, titled for the
// run; a protected environment's teardown is refused before anything opens.
func TestCloneAndTeardownOpenTheRunScreen(t *testing.T) {
	for _, c := range []struct {
		keys  []string
		title string
	}{
		{[]string{"enter", "C"}, "run clone dev-alice"},
		{[]string{"enter", "T"}, "run teardown dev-alice"},
		{[]string{":", "run dev-bob teardown", "enter"}, "run teardown dev-bob"},
		{[]string{":", "run dev-alice clone", "enter"}, "run clone dev-alice"},
	} {
		m, _ := demoModel(t)
		if c.keys[0] == ":" {
			press(m, c.keys...)
		} else {
			typeKeys(m, c.keys...)
		}
		if !is[*run.Model](m.Top()) || m.stack[len(m.stack)-1].title != c.title {
			t.Errorf("%v: top %T %q, want the run screen %q (footer %q)", c.keys, m.Top(), m.stack[len(m.stack)-1].title, c.title, footer(m))
		}
	}
	m, _ := demoModel(t)
	press(m, ":", "run production teardown", "enter")
	if got := footer(m); is[*run.Model](m.Top()) || !strings.Contains(got, "production is protected: it is never torn down") {
		t.Errorf("teardown of production: top %T, footer %q", m.Top(), got)
	}
}
