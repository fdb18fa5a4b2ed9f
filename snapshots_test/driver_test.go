// Package snapshots_test holds the golden screen tests: every screen at
// 80x24 and 120x40, drawn with a fixed palette, colour profile, background
// and clock. Run `make snapshots` (go test ./snapshots_test -update) to
// rewrite the golden files, and review them like code.
package snapshots_test

import (
	"bytes"
	"flag"
	"image/color"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/internal/testkit"
	"github.com/envbench/envbench/ui"
	"github.com/envbench/envbench/ui/screen"
	"github.com/envbench/envbench/ui/theme"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// Now is the fixed clock every snapshot is drawn at.
var Now = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// driver runs the root model synchronously: it delivers a message, runs the
// commands Update returns and delivers their messages in a fixed order, so a
// screen looks the same on every run. Text cursors do not blink
// (Palette.StaticCursor): no command waits on a timer, and the suite is
// bound by CPU.
type driver struct {
	t     *testing.T
	model tea.Model
}

func newDriver(t *testing.T, c *envs.Catalog, palette theme.Palette, width, height int) *driver {
	t.Helper()
	palette.StaticCursor = true // no blink timers: the suite is bound by CPU
	d := &driver{t: t, model: ui.New(ui.Options{Catalog: c, Palette: palette, Now: func() time.Time { return Now }})}
	d.exec(d.model.Init())
	d.send(tea.WindowSizeMsg{Width: width, Height: height})
	d.send(tea.BackgroundColorMsg{Color: color.Black})
	return d
}

// send delivers one message and everything it causes.
func (d *driver) send(msg tea.Msg) { d.deliver(msg) }

// sendOnly delivers one message and drops the commands it returns: for
// screens whose commands would start a run, the test plays the run's
// messages itself.
func (d *driver) sendOnly(msgs ...tea.Msg) {
	for _, msg := range msgs {
		d.model, _ = d.model.Update(msg)
	}
}

// keysOnly types keys like keys, dropping the commands they return.
func (d *driver) keysOnly(keys ...string) {
	for _, k := range keys {
		switch k {
		case "enter":
			d.sendOnly(tea.KeyPressMsg{Code: tea.KeyEnter})
		case "esc":
			d.sendOnly(tea.KeyPressMsg{Code: tea.KeyEscape})
		default:
			for _, r := range k {
				d.sendOnly(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
		}
	}
}

// keys types each key in turn: "enter", "esc", "tab", "down", "ctrl+c",
// "=text" pastes text in one message, anything else is typed character by
// character.
func (d *driver) keys(keys ...string) {
	for _, k := range keys {
		switch k {
		case "enter":
			d.send(tea.KeyPressMsg{Code: tea.KeyEnter})
		case "esc":
			d.send(tea.KeyPressMsg{Code: tea.KeyEscape})
		case "tab":
			d.send(tea.KeyPressMsg{Code: tea.KeyTab})
		case "down":
			d.send(tea.KeyPressMsg{Code: tea.KeyDown})
		case "up":
			d.send(tea.KeyPressMsg{Code: tea.KeyUp})
		case "backspace":
			d.send(tea.KeyPressMsg{Code: tea.KeyBackspace})
		case "ctrl+c":
			d.send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
		case "fill-sandbox":
			d.keys("=dev-carol", "enter", "enter", "=carol", "enter", "=333333333333", "enter", "enter", "enter", "=7d", "enter", "enter")
		default:
			if strings.HasPrefix(k, "=") {
				d.send(tea.PasteMsg{Content: k[1:]})
				continue
			}
			for _, r := range k {
				d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
		}
	}
}

func (d *driver) deliver(msg tea.Msg) {
	switch m := msg.(type) {
	case nil:
		return
	case tea.BatchMsg:
		for _, r := range d.runAll(m) {
			d.deliver(r)
		}
		return
	}
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
		for i := 0; i < v.Len(); i++ { // tea.Sequence: one after the other
			d.exec(v.Index(i).Interface().(tea.Cmd))
		}
		return
	}
	if t := reflect.TypeOf(msg); strings.HasPrefix(t.PkgPath(), "charm.land/bubbles/v2/cursor") {
		return // a blinking cursor left somewhere: it stays as it was first drawn
	}
	var cmd tea.Cmd
	d.model, cmd = d.model.Update(msg)
	d.exec(cmd)
}

func (d *driver) exec(cmd tea.Cmd) {
	if cmd != nil {
		d.deliver(d.runAll([]tea.Cmd{cmd})[0])
	}
}

// runAll runs commands concurrently (timers run out together) and returns
// their messages in the commands' order.
func (d *driver) runAll(cmds []tea.Cmd) []tea.Msg {
	out := make([]tea.Msg, len(cmds))
	var wg sync.WaitGroup
	for i, cmd := range cmds {
		if cmd == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = cmd()
		}()
	}
	wg.Wait()
	return out
}

// view is the screen as the terminal would show it at a fixed profile.
func (d *driver) view(profile colorprofile.Profile) string {
	var b bytes.Buffer
	w := &colorprofile.Writer{Forward: &b, Profile: profile}
	if _, err := w.WriteString(d.model.View().Content); err != nil {
		d.t.Fatal(err)
	}
	return b.String()
}

// golden compares the screen with testdata/<name>.txt (plain text, for
// review) and testdata/<name>.ansi (256 colours, the exact styling).
func (d *driver) golden(name string) {
	d.t.Helper()
	for ext, profile := range map[string]colorprofile.Profile{".txt": colorprofile.NoTTY, ".ansi": colorprofile.ANSI256} {
		got := d.view(profile) + "\n"
		path := filepath.Join("testdata", name+ext)
		usedMu.Lock()
		used[path] = true
		usedMu.Unlock()
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				d.t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				d.t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			d.t.Fatalf("%v (run make snapshots to create it)", err)
		}
		if got != string(want) {
			d.t.Errorf("%s differs from the golden file; run make snapshots and review the diff.\ngot:\n%s", path, got)
		}
	}
}

// used records the golden files the tests read, so that stale ones fail.
var (
	used   = map[string]bool{}
	usedMu sync.Mutex
)

// copyDemo copies examples/demo, without local state, into a temporary
// workspace.
func copyDemo(t *testing.T) string { return testkit.CopyExample(t, "demo") }

func writeFile(t *testing.T, root, name, content string) { testkit.WriteFile(t, root, name, content) }

func openCatalog(t *testing.T, root string) *envs.Catalog {
	t.Helper()
	c, err := envs.Open(root, Now)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pushMsg is the message that pushes a screen.
func pushMsg(title string, s screen.Screen) tea.Msg { return screen.PushMsg{Title: title, Screen: s} }
