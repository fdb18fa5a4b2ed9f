package plan

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/ui/components"
	"github.com/envbench/envbench/ui/keys"
	"github.com/envbench/envbench/ui/theme"
)

// decision is a confirmation's answer so far.
type decision int

const (
	undecided decision = iota
	accepted
	declined
)

// confirmation asks before an apply: y/n, or the environment's name typed
// when the plan is high risk or the environment protected. Every key it
// acts on comes from the KeyMap.
type confirmation struct {
	open  bool
	typed bool // the environment's name must be typed
	env   string
	input textinput.Model
	err   string
}

func newConfirmation(styles *theme.Styles) confirmation {
	in := components.NewTextInput(styles)
	in.Prompt = "> "
	in.CharLimit = 64
	return confirmation{input: in}
}

// start opens the confirmation for env.
func (c *confirmation) start(env string, typed bool) tea.Cmd {
	c.open, c.typed, c.env, c.err = true, typed, env, ""
	if !typed {
		return nil
	}
	c.input.SetValue("")
	return c.input.Focus()
}

// close closes it without an answer.
func (c *confirmation) close() {
	c.open, c.err = false, ""
	c.input.Blur()
}

// capturing is true while typed text goes to the confirmation.
func (c *confirmation) capturing() bool { return c.open && c.typed }

// setWidth sizes the name's input to the columns left beside its prompt.
func (c *confirmation) setWidth(avail int) { c.input.SetWidth(min(max(avail-3, 10), 40)) }

// update handles a key; once the answer is given the confirmation closes.
func (c *confirmation) update(k *keys.KeyMap, msg tea.KeyPressMsg) (decision, tea.Cmd) {
	if !c.typed {
		switch {
		case key.Matches(msg, k.Yes):
			c.close()
			return accepted, nil
		case key.Matches(msg, k.No):
			c.close()
			return declined, nil
		}
		return undecided, nil
	}
	c.err = ""
	switch {
	case key.Matches(msg, k.Confirm):
		if strings.TrimSpace(c.input.Value()) != c.env {
			c.err = fmt.Sprintf("%q is not %s; type the environment's name to apply, esc to go back", c.input.Value(), c.env)
			return undecided, nil
		}
		c.close()
		return accepted, nil
	case key.Matches(msg, k.Back):
		c.close()
		return declined, nil
	}
	var cmd tea.Cmd
	c.input, cmd = c.input.Update(msg)
	return undecided, cmd
}

// bindings are the keys the confirmation offers.
func (c *confirmation) bindings(k *keys.KeyMap) []key.Binding {
	if c.typed {
		return []key.Binding{k.Confirm, k.Back}
	}
	return []key.Binding{k.Yes, k.No}
}
