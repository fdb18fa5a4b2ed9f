package run

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/ui/screen"
)

// LogScreen pages through a run's full log file (pipeline.RunLogPath),
// read in a tea.Cmd and read again every second, so that it keeps up while
// the run still writes; at the end it follows the new lines.
type LogScreen struct {
	ctx    *screen.Context
	runID  string
	path   string
	shown  string // path, relative to the workspace when inside it
	lines  []string
	err    error
	loaded bool
	// top is the first line shown; follow keeps the last lines in view.
	top    int
	follow bool
	width  int
	height int
}

var _ screen.Screen = (*LogScreen)(nil)

// LogLoadedMsg carries the log file's lines.
type LogLoadedMsg struct {
	Path  string
	Lines []string
	Err   error
}

// LogTickMsg reads the log file again.
type LogTickMsg struct{ Path string }

var (
	keyLogUp     = key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "scroll up"))
	keyLogDown   = key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "scroll down"))
	keyLogPgUp   = key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup", "page up"))
	keyLogPgDown = key.NewBinding(key.WithKeys("pgdown", "f", " "), key.WithHelp("pgdn", "page down"))
	keyLogTop    = key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top"))
	keyLogEnd    = key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "follow"))
)

// NewLogScreen returns a pager over the log file at path of run runID.
func NewLogScreen(ctx *screen.Context, runID, path string) *LogScreen {
	shown := path
	if ctx.Catalog != nil && ctx.Catalog.Workspace != nil {
		if rel, err := filepath.Rel(ctx.Catalog.Root, path); err == nil && !strings.HasPrefix(rel, "..") {
			shown = rel
		}
	}
	return &LogScreen{ctx: ctx, runID: runID, path: path, shown: shown, follow: true, width: 80, height: 24}
}

// Init reads the file.
func (s *LogScreen) Init() tea.Cmd { return s.read() }

func (s *LogScreen) read() tea.Cmd {
	path := s.path
	return func() tea.Msg {
		data, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				err = errors.New("no log yet: the run has written nothing to it")
			} else {
				err = fmt.Errorf("read the run's log: %w", err)
			}
			return LogLoadedMsg{Path: path, Err: err}
		}
		text := strings.TrimSuffix(string(data), "\n")
		var lines []string
		if text != "" {
			lines = strings.Split(text, "\n")
		}
		return LogLoadedMsg{Path: path, Lines: lines}
	}
}

func (s *LogScreen) tick() tea.Cmd {
	path := s.path
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return LogTickMsg{Path: path} })
}

// Update handles the file's contents, the reload tick and the keys.
func (s *LogScreen) Update(msg tea.Msg) (screen.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case LogLoadedMsg:
		if msg.Path != s.path {
			return s, nil
		}
		first := !s.loaded
		s.loaded, s.err = true, msg.Err
		if msg.Err == nil {
			s.lines = msg.Lines
		}
		s.clamp()
		if first {
			return s, s.tick()
		}
	case LogTickMsg:
		if msg.Path == s.path {
			return s, tea.Batch(s.read(), s.tick())
		}
	case tea.KeyPressMsg:
		s.key(msg)
	}
	return s, nil
}

func (s *LogScreen) rows() int { return max(s.height-1, 1) }

func (s *LogScreen) key(msg tea.KeyPressMsg) {
	switch {
	case key.Matches(msg, keyLogUp):
		s.scroll(-1)
	case key.Matches(msg, keyLogDown):
		s.scroll(1)
	case key.Matches(msg, keyLogPgUp):
		s.scroll(-s.rows())
	case key.Matches(msg, keyLogPgDown):
		s.scroll(s.rows())
	case key.Matches(msg, keyLogTop):
		s.top, s.follow = 0, false
		s.clamp()
	case key.Matches(msg, keyLogEnd):
		s.follow = true
		s.clamp()
	}
}

func (s *LogScreen) scroll(delta int) {
	if s.follow {
		s.top = s.last()
	}
	s.top += delta
	s.follow = s.top >= s.last()
	s.clamp()
}

func (s *LogScreen) last() int { return max(len(s.lines)-s.rows(), 0) }

func (s *LogScreen) clamp() {
	if s.follow {
		s.top = s.last()
	}
	s.top = min(max(s.top, 0), s.last())
}

// View draws a title line and the visible lines.
func (s *LogScreen) View() string {
	out := make([]string, 0, s.height)
	var status string
	switch {
	case s.err != nil:
		status = s.err.Error()
	case !s.loaded:
		status = "reading…"
	case len(s.lines) > 0:
		status = fmt.Sprintf("lines %d-%d of %d", s.top+1, min(s.top+s.rows(), len(s.lines)), len(s.lines))
		if s.follow {
			status += " (following)"
		}
	default:
		status = "empty"
	}
	title := fmt.Sprintf("log of run %s: %s  %s", s.runID, status, s.shown)
	out = append(out, ansi.Truncate(title, s.width, "…"))
	end := min(s.top+s.rows(), len(s.lines))
	for _, l := range s.lines[s.top:end] {
		out = append(out, ansi.Truncate(l, s.width, "…"))
	}
	for len(out) < s.height {
		out = append(out, "")
	}
	return strings.Join(out[:max(s.height, 1)], "\n")
}

// SetSize sets the pager's size.
func (s *LogScreen) SetSize(width, height int) {
	s.width, s.height = width, max(height, 2)
	s.clamp()
}

// Bindings are the pager's keys.
func (s *LogScreen) Bindings() []key.Binding {
	return []key.Binding{keyLogUp, keyLogDown, keyLogPgUp, keyLogPgDown, keyLogTop, keyLogEnd}
}
