package components

import (
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/ui/theme"
)

// FilterInput is the "/" filter line lists share: editing it narrows the
// list as the user types; enter keeps the filter, esc clears it.
type FilterInput struct {
	input   textinput.Model
	editing bool
}

// NewFilterInput returns an idle filter.
func NewFilterInput(styles *theme.Styles) FilterInput {
	in := NewTextInput(styles)
	in.Prompt = "/"
	in.Placeholder = "filter"
	in.CharLimit = 200
	st := in.Styles()
	st.Focused.Prompt = styles.Accent
	st.Blurred.Prompt = styles.Subtle
	in.SetStyles(st)
	return FilterInput{input: in}
}

// Editing reports whether the filter has the keyboard.
func (f *FilterInput) Editing() bool { return f.editing }

// Value is the filter text.
func (f *FilterInput) Value() string { return f.input.Value() }

// Active reports whether the filter is shown: being edited or non-empty.
func (f *FilterInput) Active() bool { return f.editing || f.input.Value() != "" }

// Start gives the filter the keyboard.
func (f *FilterInput) Start() tea.Cmd {
	f.editing = true
	return f.input.Focus()
}

// Clear empties the filter and gives the keyboard back.
func (f *FilterInput) Clear() {
	f.input.SetValue("")
	f.Stop()
}

// Stop keeps the filter text and gives the keyboard back.
func (f *FilterInput) Stop() {
	f.editing = false
	f.input.Blur()
}

// SetWidth sets the width of the filter line.
func (f *FilterInput) SetWidth(w int) { f.input.SetWidth(max(w-2, 1)) }

// Update passes a message to the text input while editing; it reports
// whether the text changed.
func (f *FilterInput) Update(msg tea.Msg) (bool, tea.Cmd) {
	before := f.input.Value()
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(msg)
	return f.input.Value() != before, cmd
}

// View draws the filter line.
func (f *FilterInput) View() string { return f.input.View() }

// NewTextInput returns a text input whose cursor blinks unless the palette
// asks for a static one.
func NewTextInput(styles *theme.Styles) textinput.Model {
	in := textinput.New()
	if styles.Palette.StaticCursor {
		st := in.Styles()
		st.Cursor.Blink = false
		in.SetStyles(st)
	}
	return in
}
