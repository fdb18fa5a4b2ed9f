// Package theme builds the TUI's styles from a palette and the terminal's
// background. Styles are values handed to screens, never globals.
package theme

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Palette is the set of colours the TUI uses. A nil colour means "the
// terminal's default".
type Palette struct {
	Name string
	// Each field is a pair: the colour on a light background, then on a
	// dark one.
	Accent, Subtle, Faint, Border [2]color.Color
	OK, Warn, Error, Info         [2]color.Color
	SelectedFg, SelectedBg        [2]color.Color
	HeaderFg, HeaderBg            [2]color.Color
	Plain                         bool // no colour at all: NO_COLOR
	// StaticCursor keeps text cursors from blinking, so that no blink timer
	// runs: the golden-screen tests set it to stay bound by CPU.
	StaticCursor bool
}

// DefaultPalette is envbench's colour palette.
func DefaultPalette() Palette {
	c := lipgloss.Color
	return Palette{
		Name:       "default",
		Accent:     [2]color.Color{c("#5A3FC0"), c("#A78BFA")},
		Subtle:     [2]color.Color{c("#5C6370"), c("#9CA3AF")},
		Faint:      [2]color.Color{c("#8A8F98"), c("#6B7280")},
		Border:     [2]color.Color{c("#C5C8CE"), c("#3F4451")},
		OK:         [2]color.Color{c("#1F7A3A"), c("#4ADE80")},
		Warn:       [2]color.Color{c("#9A5B00"), c("#FBBF24")},
		Error:      [2]color.Color{c("#B42318"), c("#F87171")},
		Info:       [2]color.Color{c("#1D5FA8"), c("#60A5FA")},
		SelectedFg: [2]color.Color{c("#FFFFFF"), c("#FFFFFF")},
		SelectedBg: [2]color.Color{c("#5A3FC0"), c("#5B21B6")},
		HeaderFg:   [2]color.Color{c("#FFFFFF"), c("#F5F3FF")},
		HeaderBg:   [2]color.Color{c("#4C1D95"), c("#3B1A78")},
	}
}

// PlainPalette has no colours: selection and emphasis use reverse video and
// bold, so the TUI stays usable when NO_COLOR is set.
func PlainPalette() Palette { return Palette{Name: "plain", Plain: true} }

// Styles are the built styles every screen draws with.
type Styles struct {
	Palette Palette
	IsDark  bool

	App        lipgloss.Style
	Header     lipgloss.Style // the top bar
	HeaderNote lipgloss.Style // the cloud note in the top bar
	Crumb      lipgloss.Style
	Footer     lipgloss.Style
	HelpKey    lipgloss.Style
	HelpDesc   lipgloss.Style
	Title      lipgloss.Style // a pane's title
	Label      lipgloss.Style // a field name in a detail pane
	Text       lipgloss.Style
	Subtle     lipgloss.Style
	Faint      lipgloss.Style
	Accent     lipgloss.Style
	OK         lipgloss.Style
	Warn       lipgloss.Style
	Error      lipgloss.Style
	Info       lipgloss.Style
	Badge      lipgloss.Style // a short tag such as PROTECTED
	TableHead  lipgloss.Style
	Selected   lipgloss.Style // the selected row
	Pane       lipgloss.Style // a bordered pane
	Divider    lipgloss.Style
	Flash      lipgloss.Style
	FlashError lipgloss.Style
}

// NewStyles builds the styles for a palette on a light or dark background.
func NewStyles(p Palette, isDark bool) Styles {
	pick := func(pair [2]color.Color) color.Color {
		if p.Plain {
			return nil
		}
		if isDark {
			return pair[1]
		}
		return pair[0]
	}
	fg := func(pair [2]color.Color) lipgloss.Style {
		s := lipgloss.NewStyle()
		if c := pick(pair); c != nil {
			s = s.Foreground(c)
		}
		return s
	}
	s := Styles{Palette: p, IsDark: isDark}
	s.App = lipgloss.NewStyle()
	s.Text = lipgloss.NewStyle()
	s.Subtle = fg(p.Subtle)
	s.Faint = fg(p.Faint)
	s.Accent = fg(p.Accent).Bold(true)
	s.OK = fg(p.OK)
	s.Warn = fg(p.Warn)
	s.Error = fg(p.Error)
	s.Info = fg(p.Info)
	s.Title = fg(p.Accent).Bold(true)
	s.Label = fg(p.Subtle)
	s.Crumb = fg(p.Subtle)
	s.HelpKey = fg(p.Accent).Bold(true)
	s.HelpDesc = fg(p.Subtle)
	s.Footer = lipgloss.NewStyle()
	s.Divider = fg(p.Border)
	s.TableHead = fg(p.Subtle).Bold(true)
	s.Flash = fg(p.OK)
	s.FlashError = fg(p.Error).Bold(true)
	s.Pane = lipgloss.NewStyle().Border(lipgloss.RoundedBorder())
	if c := pick(p.Border); c != nil {
		s.Pane = s.Pane.BorderForeground(c)
	}
	s.Header = lipgloss.NewStyle().Bold(true)
	s.HeaderNote = lipgloss.NewStyle()
	s.Selected = lipgloss.NewStyle().Bold(true)
	s.Badge = lipgloss.NewStyle().Bold(true)
	if p.Plain {
		s.Header = s.Header.Reverse(true)
		s.HeaderNote = s.HeaderNote.Reverse(true)
		s.Selected = s.Selected.Reverse(true)
		s.Badge = s.Badge.Reverse(true)
		return s
	}
	s.Header = s.Header.Foreground(pick(p.HeaderFg)).Background(pick(p.HeaderBg))
	s.HeaderNote = s.HeaderNote.Foreground(pick(p.HeaderFg)).Background(pick(p.HeaderBg)).Italic(true)
	s.Selected = s.Selected.Foreground(pick(p.SelectedFg)).Background(pick(p.SelectedBg))
	s.Badge = s.Badge.Foreground(pick(p.SelectedFg)).Background(pick(p.Warn))
	return s
}
