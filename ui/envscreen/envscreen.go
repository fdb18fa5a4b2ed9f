// Package envscreen is the environment screen: one environment's overview,
// its runs (newest first, from the journal) and its outputs, in tabs, with
// the keys that plan, clone, tear down and resume it.
package envscreen

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/components"
	"github.com/envbench/envbench/ui/screen"
)

// Tab is one of the screen's tabs.
type Tab int

// The tabs, in the order tab visits them.
const (
	TabOverview Tab = iota
	TabRuns
	TabOutputs
)

var tabNames = []string{"Overview", "Runs", "Outputs"}

// Screen is the environment screen of one environment.
type Screen struct {
	ctx    *screen.Context
	env    string
	tab    Tab
	width  int
	height int

	loaded     bool
	runs       []pipeline.RunSummary
	runsErr    error
	lock       pipeline.Holder
	locked     bool
	outputs    envs.Outputs
	outputsErr error // os.ErrNotExist: not cloned yet
	cursor     int   // selected run
}

// loadedMsg carries what the journal, the lock and the outputs file say
// about env.
type loadedMsg struct {
	env        string
	runs       []pipeline.RunSummary
	runsErr    error
	lock       pipeline.Holder
	locked     bool
	outputs    envs.Outputs
	outputsErr error
}

var _ screen.Screen = (*Screen)(nil)

// New returns the screen of environment env.
func New(ctx *screen.Context, env string) *Screen {
	return &Screen{ctx: ctx, env: env}
}

// Env names the screen's environment.
func (s *Screen) Env() string { return s.env }

// Tab returns the tab shown.
func (s *Screen) Tab() Tab { return s.tab }

// Init reads the environment's runs, lock and outputs off the UI goroutine.
func (s *Screen) Init() tea.Cmd { return s.load() }

func (s *Screen) load() tea.Cmd {
	hist, env := s.ctx.History, s.env
	root := ""
	if s.ctx.Catalog != nil {
		root = s.ctx.Catalog.Root
	}
	base := s.ctx.Base
	if base == nil {
		base = context.Background()
	}
	return func() tea.Msg {
		msg := loadedMsg{env: env}
		if hist != nil {
			msg.runs, msg.runsErr = hist.Runs(base, env)
			msg.lock, msg.locked, _ = hist.Lock(base, env)
		}
		if root == "" {
			msg.outputsErr = os.ErrNotExist
		} else {
			msg.outputs, msg.outputsErr = envs.ReadOutputs(envs.OutputsPath(root, env))
		}
		return msg
	}
}

// Bindings are the keys this screen handles.
func (s *Screen) Bindings() []key.Binding {
	k := s.ctx.Keys
	b := []key.Binding{k.NextTab, k.Plan, k.Clone, k.Teardown}
	if _, ok := s.interrupted(); ok {
		b = append(b, k.Resume)
	}
	if s.tab == TabRuns {
		b = append(b, k.Open, k.Up, k.Down)
	}
	return b
}

// SetSize gives the screen its space.
func (s *Screen) SetSize(width, height int) { s.width, s.height = width, height }

// Update handles keys and the loaded data; a catalog reload or a finished
// run reads the data again.
func (s *Screen) Update(msg tea.Msg) (screen.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.env != s.env {
			return s, nil
		}
		s.loaded = true
		s.runs, s.runsErr = msg.runs, msg.runsErr
		s.lock, s.locked = msg.lock, msg.locked
		s.outputs, s.outputsErr = msg.outputs, msg.outputsErr
		s.cursor = min(s.cursor, max(len(s.runs)-1, 0))
		return s, nil
	case screen.CatalogMsg:
		return s, s.load()
	case screen.RunEndedMsg:
		if msg.Env == s.env {
			return s, s.load()
		}
	case tea.KeyPressMsg:
		return s, s.handleKey(msg)
	}
	return s, nil
}

func (s *Screen) environment() (*envs.Environment, bool) {
	if s.ctx.Catalog == nil {
		return nil, false
	}
	return s.ctx.Catalog.Environment(s.env)
}

func (s *Screen) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.ctx.Keys
	switch {
	case key.Matches(msg, k.NextTab):
		s.tab = (s.tab + 1) % Tab(len(tabNames))
	case key.Matches(msg, k.Plan):
		return screen.Open{Kind: screen.KindPlan, Env: s.env}.Cmd()
	case key.Matches(msg, k.Clone):
		return screen.Open{Kind: screen.KindRun, Env: s.env, Pipeline: "clone"}.Cmd()
	case key.Matches(msg, k.Teardown):
		return s.teardown()
	case key.Matches(msg, k.Resume):
		if r, ok := s.interrupted(); ok {
			return screen.Open{Kind: screen.KindRun, Env: s.env, RunID: r.RunID, Resume: true}.Cmd()
		}
		return screen.Flash("no interrupted run of "+s.env+" to resume", false)
	case s.tab != TabRuns:
	case key.Matches(msg, k.Up):
		s.cursor = max(s.cursor-1, 0)
	case key.Matches(msg, k.Down):
		s.cursor = max(min(s.cursor+1, len(s.runs)-1), 0)
	case key.Matches(msg, k.Open):
		if s.cursor < len(s.runs) {
			return screen.Open{Kind: screen.KindRun, Env: s.env, RunID: s.runs[s.cursor].RunID}.Cmd()
		}
	}
	return nil
}

func (s *Screen) teardown() tea.Cmd {
	if e, ok := s.environment(); ok && e.Protected {
		return screen.Flash(s.env+" is protected: it is never torn down", true)
	}
	return screen.Open{Kind: screen.KindRun, Env: s.env, Pipeline: "teardown"}.Cmd()
}

// interrupted returns the latest run when it was interrupted, the run R
// resumes.
func (s *Screen) interrupted() (pipeline.RunSummary, bool) {
	return LatestInterrupted(s.runs)
}

// LatestInterrupted returns the newest of runs (newest first) when it was
// interrupted: the run a resume key resumes.
func LatestInterrupted(runs []pipeline.RunSummary) (pipeline.RunSummary, bool) {
	if len(runs) == 0 || runs[0].Status != pipeline.RunInterrupted {
		return pipeline.RunSummary{}, false
	}
	return runs[0], true
}

// View draws the title, the tab bar and the tab shown.
func (s *Screen) View() string {
	st := &s.ctx.Styles
	title := st.Title.Render(s.env)
	if e, ok := s.environment(); ok && e.Protected {
		title += " " + st.Badge.Render(" PROTECTED ")
	}
	tabs := make([]string, len(tabNames))
	for i, n := range tabNames {
		if Tab(i) == s.tab {
			tabs[i] = st.Title.Render("[" + n + "]")
		} else {
			tabs[i] = st.Subtle.Render(" " + n + " ")
		}
	}
	body := ""
	h := max(s.height-3, 0)
	switch s.tab {
	case TabOverview:
		body = s.overview().View(0, h)
	case TabRuns:
		body = s.runsView(h)
	case TabOutputs:
		body = s.outputsView().View(0, h)
	}
	return title + "\n" + strings.Join(tabs, " ") + "\n\n" + body
}

func (s *Screen) overview() *components.Detail {
	st := &s.ctx.Styles
	d := components.NewDetail(st, max(s.width, 10))
	e, ok := s.environment()
	if !ok {
		d.Text("no environment named "+s.env+" in the workspace", st.Error)
		return d
	}
	if e.Description != "" {
		d.Text(e.Description, st.Subtle)
		d.Blank()
	}
	d.Field("archetype", e.Archetype, st.Text)
	d.Field("account", e.Account, st.Text)
	d.Field("region", e.Region, st.Text)
	d.Field("role", e.Role, st.Text)
	d.Field("owner", e.Owner, st.Text)
	if e.Expires {
		style := st.Text
		if e.Expired {
			style = st.Warn
		}
		d.Field("ttl", e.TTLText, st.Text)
		d.Field("expires", e.Expiry.UTC().Format("2006-01-02 15:04")+" UTC ("+e.ExpiryText(s.ctx.Now())+")", style)
	} else {
		d.Field("expires", "never", st.Text)
	}
	d.Field("protected", yesNo(e.Protected), st.Text)
	switch {
	case !s.loaded:
		d.Field("lock", "reading…", st.Subtle)
	case s.locked:
		d.Field("lock", s.lock.String(), st.Warn)
	default:
		d.Field("lock", "free", st.Text)
	}
	status := string(e.Status)
	if e.Resources > 0 {
		status += fmt.Sprintf(" · %d resources", e.Resources)
	}
	d.Field("status", status, st.Text)
	if r, ok := s.interrupted(); ok {
		d.Blank()
		d.Text(fmt.Sprintf("%s %s was interrupted at %s — R resumes it", r.Pipeline, r.RunID, stepText(r)), st.Warn)
	}
	if !e.Valid() {
		d.Blank()
		d.Text(fmt.Sprintf("%d problem(s):", len(e.Diags)), st.Error)
		for _, diag := range e.Diags {
			d.Text(diag.String(), st.Error)
		}
	}
	return d
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func stepText(r pipeline.RunSummary) string {
	if r.Step == "" {
		return "its start"
	}
	return string(r.Step)
}

// RunRow is one run as the Runs tab lists it: when it started (relative to
// now), its pipeline, how it ended and the step it stopped at.
func RunRow(r pipeline.RunSummary, now time.Time) []string {
	step := ""
	if r.Status != pipeline.RunSucceeded {
		step = string(r.Step)
	}
	return []string{Ago(r.Started, now), r.Pipeline, string(r.Status), step, r.RunID}
}

// Ago says how long before now t was, in its largest unit: "just now",
// "5m ago", "3h ago", "2d ago".
func Ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case t.IsZero():
		return "?"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd ago", int(d/(24*time.Hour)))
}

func (s *Screen) runsView(h int) string {
	st := &s.ctx.Styles
	switch {
	case !s.loaded:
		return st.Subtle.Render("reading the journal…")
	case s.runsErr != nil:
		return st.Error.Render("cannot read the runs: " + s.runsErr.Error())
	case len(s.runs) == 0:
		return st.Subtle.Render("No runs yet. C clones " + s.env + ", p plans it.")
	}
	cols := []components.Column{
		{Title: "WHEN", Min: 9, Max: 10},
		{Title: "KIND", Min: 8, Max: 10},
		{Title: "HOW", Min: 11, Max: 12},
		{Title: "STOPPED AT", Min: 10, Max: 12, Priority: 2},
		{Title: "RUN", Min: 16, Max: 40, Priority: 1},
	}
	t := components.NewTable(st, cols...)
	rows := make([][]string, len(s.runs))
	now := s.ctx.Now()
	for i, r := range s.runs {
		rows[i] = RunRow(r, now)
	}
	t.SetRows(rows)
	t.SetSize(s.width, h)
	t.Select(s.cursor)
	return t.View()
}

func (s *Screen) outputsView() *components.Detail {
	st := &s.ctx.Styles
	d := components.NewDetail(st, max(s.width, 10))
	switch {
	case !s.loaded:
		d.Text("reading the outputs…", st.Subtle)
		return d
	case errors.Is(s.outputsErr, os.ErrNotExist):
		d.Text("Not cloned yet: C clones "+s.env+" and records its outputs.", st.Subtle)
		return d
	case s.outputsErr != nil:
		d.Text(s.outputsErr.Error(), st.Error)
		return d
	case len(s.outputs) == 0:
		d.Text("The last clone recorded no outputs.", st.Subtle)
		return d
	}
	names := make([]string, 0, len(s.outputs))
	labels := 0
	for n := range s.outputs {
		names = append(names, n)
		labels = max(labels, len(n))
	}
	slices.Sort(names)
	d.LabelWidth = min(labels, max(s.width/2, 1))
	for _, n := range names {
		o := s.outputs[n]
		style := st.Text
		if o.Sensitive {
			style = st.Faint
		}
		d.Field(n, o.Display(), style)
	}
	return d
}
