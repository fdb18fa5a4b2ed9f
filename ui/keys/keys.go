// Package keys holds the TUI's key bindings as data. Help, the footer and
// the ? screen are generated from the same bindings the screens match on.
package keys

import "charm.land/bubbles/v2/key"

// KeyMap is every binding of the TUI. Screens pick the ones they use and
// return them from Bindings for help.
type KeyMap struct {
	// Global, handled by the root model.
	Quit  key.Binding
	Help  key.Binding
	Back  key.Binding
	Force key.Binding // ctrl+c
	// The ":" command line, which opens any screen by name.
	Command         key.Binding
	CommandComplete key.Binding
	CommandRun      key.Binding

	// Lists.
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
	Filter   key.Binding
	// While the filter line has the keyboard.
	FilterApply key.Binding
	FilterClear key.Binding
	Open        key.Binding
	Tab         key.Binding

	// Environments and archetypes.
	NewEnv     key.Binding
	Archetypes key.Binding
	Reload     key.Binding
	Plan       key.Binding
	// OpenEnv opens the selected environment's screen.
	OpenEnv key.Binding
	// Clone, Teardown and Resume start runs from an environment.
	Clone    key.Binding
	Teardown key.Binding
	Resume   key.Binding
	// NextTab moves between an environment screen's tabs.
	NextTab key.Binding
	// CheckRole assumes the selected environment's role, on demand.
	CheckRole key.Binding

	// The plan screen.
	Expand       key.Binding
	ActionFilter key.Binding
	Findings     key.Binding
	Apply        key.Binding
	Replan       key.Binding
	Cancel       key.Binding
	Yes          key.Binding
	No           key.Binding
	// Confirm applies once the environment's name is typed.
	Confirm key.Binding
	// Leave, asked on quitting while runs are under way, leaves them to
	// resume later: each stops after the step in flight.
	Leave key.Binding
}

// DefaultKeyMap returns envbench's bindings.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Quit:  b([]string{"q"}, "q", "quit"),
		Help:  b([]string{"?"}, "?", "help"),
		Back:  b([]string{"esc"}, "esc", "back"),
		Force: b([]string{"ctrl+c"}, "ctrl+c", "cancel / quit"),

		Command:         b([]string{":"}, ":", "open a screen by name"),
		CommandComplete: b([]string{"tab"}, "tab", "complete"),
		CommandRun:      b([]string{"enter"}, "enter", "open"),

		Up:       b([]string{"up", "k"}, "↑/k", "up"),
		Down:     b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:   b([]string{"pgup", "ctrl+b"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown", "ctrl+f", "space"}, "pgdn", "page down"),
		Top:      b([]string{"home", "g"}, "g", "first"),
		Bottom:   b([]string{"end", "G"}, "G", "last"),
		Filter:   b([]string{"/"}, "/", "filter"),

		FilterApply: b([]string{"enter"}, "enter", "keep filter"),
		FilterClear: b([]string{"esc"}, "esc", "clear filter"),
		Open:        b([]string{"enter"}, "enter", "open"),
		Tab:         b([]string{"tab"}, "tab", "switch pane"),

		NewEnv:     b([]string{"n"}, "n", "new environment"),
		Archetypes: b([]string{"a"}, "a", "archetypes"),
		Reload:     b([]string{"r"}, "r", "reload"),
		Plan:       b([]string{"p"}, "p", "plan"),
		OpenEnv:    b([]string{"enter"}, "enter", "open"),
		Clone:      b([]string{"C"}, "C", "clone"),
		Teardown:   b([]string{"T"}, "T", "teardown"),
		Resume:     b([]string{"R"}, "R", "resume"),
		NextTab:    b([]string{"tab"}, "tab", "next tab"),
		CheckRole:  b([]string{"c"}, "c", "check role"),

		Expand:       b([]string{"enter"}, "enter", "diff"),
		ActionFilter: b([]string{"f"}, "f", "filter by action"),
		Findings:     b([]string{"!"}, "!", "risk findings"),
		Apply:        b([]string{"a"}, "a", "apply"),
		Replan:       b([]string{"p"}, "p", "plan again"),
		Cancel:       b([]string{"ctrl+c"}, "ctrl+c", "cancel terraform"),
		Yes:          b([]string{"y", "Y"}, "y", "yes"),
		No:           b([]string{"n", "N", "esc"}, "n", "no"),
		Confirm:      b([]string{"enter"}, "enter", "apply"),
		Leave:        b([]string{"l", "L"}, "l", "leave to resume later"),
	}
}

// Navigation returns the list movement bindings, for help.
func (k KeyMap) Navigation() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
}

// Global returns the bindings the root model handles, for help.
func (k KeyMap) Global() []key.Binding {
	return []key.Binding{k.Command, k.Help, k.Back, k.Quit, k.Force}
}
