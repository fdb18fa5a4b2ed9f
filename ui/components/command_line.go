package components

import (
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/ui/theme"
)

// CommandLine is the ":" line at the bottom of the screen: the user types a
// command, tab completes it, enter runs it, esc closes the line. What the
// commands mean, and what completes, is the owner's business.
type CommandLine struct {
	input  textinput.Model
	active bool
	// Hint is shown after the input: the candidates of the last completion.
	Hint string
}

// NewCommandLine returns a closed command line.
func NewCommandLine(styles *theme.Styles) CommandLine {
	in := NewTextInput(styles)
	in.Prompt = ":"
	in.CharLimit = 200
	st := in.Styles()
	st.Focused.Prompt = styles.Accent
	in.SetStyles(st)
	return CommandLine{input: in}
}

// Active reports whether the line is open and has the keyboard.
func (c *CommandLine) Active() bool { return c.active }

// Open opens an empty line.
func (c *CommandLine) Open() tea.Cmd {
	c.active, c.Hint = true, ""
	c.input.SetValue("")
	return c.input.Focus()
}

// Close closes the line.
func (c *CommandLine) Close() {
	c.active, c.Hint = false, ""
	c.input.Blur()
}

// Value is the text typed so far.
func (c *CommandLine) Value() string { return c.input.Value() }

// SetValue replaces the text, with the cursor at its end.
func (c *CommandLine) SetValue(s string) {
	c.input.SetValue(s)
	c.input.CursorEnd()
}

// SetWidth sets the width of the line.
func (c *CommandLine) SetWidth(w int) { c.input.SetWidth(max(w-2, 1)) }

// Update passes a key to the text input.
func (c *CommandLine) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	c.input, cmd = c.input.Update(msg)
	return cmd
}

// View draws the line.
func (c *CommandLine) View() string { return c.input.View() }
