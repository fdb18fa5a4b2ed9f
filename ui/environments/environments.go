// Package environments is the environments screen: every environment of the
// workspace in a filterable table with a detail pane for the selected one.
// Broken environments are rows too, with their errors in the detail pane.
package environments

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/components"
	"github.com/envbench/envbench/ui/envscreen"
	"github.com/envbench/envbench/ui/screen"
	"github.com/envbench/envbench/ui/theme"
)

// Columns of the table, in order.
const (
	colName = iota
	colArchetype
	colAccount
	colRegion
	colProtected
	colOwner
	colExpires
	colStatus
	colLastRun // only while some environment has a run
)

// wideLayout is the width from which the detail pane sits beside the table;
// below it the table takes the whole width, with every column of `list`
// from about 100 columns.
const wideLayout = 150

// Screen is the environments screen.
type Screen struct {
	ctx          *screen.Context
	table        *components.Table
	filter       components.FilterInput
	envs         []*envs.Environment
	detailFocus  bool
	detailOffset int
	detailLen    int // lines of the detail pane when last drawn
	width        int
	height       int
	roles        map[string]RoleCheck           // by environment name
	columns      []components.Column            // without the last-run column
	lastRuns     map[string]pipeline.RunSummary // each environment's newest run
}

// lastRunsMsg carries every environment's newest run, read from the
// journals.
type lastRunsMsg struct {
	runs map[string]pipeline.RunSummary
	err  error
}

// RoleCheck is what a check of an environment's role found: still
// checking, the identity the role gives, or why it cannot be assumed.
type RoleCheck struct {
	Role     string // the role checked, which the environment may since have changed
	Checking bool
	Caller   cloud.Caller
	Err      error
}

// roleCheckedMsg is the answer of a role check, for environment env.
type roleCheckedMsg struct {
	env   string
	check RoleCheck
}

var _ screen.Screen = (*Screen)(nil)
var _ screen.InputCapturer = (*Screen)(nil)

// New returns the environments screen for the context's catalog.
func New(ctx *screen.Context) *Screen {
	s := &Screen{ctx: ctx, filter: components.NewFilterInput(&ctx.Styles), roles: map[string]RoleCheck{}}
	s.columns = []components.Column{
		{Title: "NAME", Min: 10, Max: 24},
		{Title: "ARCHETYPE", Min: 12, Max: 20, Priority: 4},
		{Title: "ACCOUNT", Min: 12, Max: 12, Priority: 2},
		{Title: "REGION", Min: 9, Max: 14, Priority: 1},
		{Title: "PROT", Min: 4, Max: 4, Priority: 6},
		{Title: "OWNER", Min: 12, Max: 24, Priority: 3},
		{Title: "EXPIRES", Min: 14, Max: 16, Priority: 5},
		{Title: "STATUS", Min: 8, Max: 17},
	}
	s.table = components.NewTable(&ctx.Styles, s.columns...)
	s.table.CellStyle = s.cellStyle
	s.load("")
	return s
}

// Init reads every environment's last run; the catalog is already loaded.
func (s *Screen) Init() tea.Cmd { return s.readLastRuns() }

// readLastRuns reads every environment's newest run off the UI goroutine.
func (s *Screen) readLastRuns() tea.Cmd {
	h := s.ctx.History
	if h == nil {
		return nil
	}
	base := s.ctx.Base
	if base == nil {
		base = context.Background()
	}
	return func() tea.Msg {
		runs, err := h.Runs(base, "")
		if err != nil {
			return lastRunsMsg{err: err}
		}
		last := map[string]pipeline.RunSummary{}
		for _, r := range runs { // newest first
			if _, ok := last[r.Env]; !ok {
				last[r.Env] = r
			}
		}
		return lastRunsMsg{runs: last}
	}
}

// LastRunText says when an environment's last run started, what it was and
// how it ended: "2m ago clone ✓", "10m ago apply interrupted — R resumes".
func LastRunText(r pipeline.RunSummary, now time.Time) string {
	how := string(r.Status)
	switch r.Status {
	case pipeline.RunSucceeded:
		how = "✓"
	case pipeline.RunFailed:
		how = "✗ failed"
	case pipeline.RunNeedsReview:
		how = "needs review"
	case pipeline.RunInterrupted:
		how = "interrupted — R resumes"
	}
	return envscreen.Ago(r.Started, now) + " " + r.Pipeline + " " + how
}

// CapturingInput reports whether the filter has the keyboard.
func (s *Screen) CapturingInput() bool { return s.filter.Editing() }

// Bindings are the keys this screen handles.
func (s *Screen) Bindings() []key.Binding {
	k := s.ctx.Keys
	if s.filter.Editing() {
		return []key.Binding{k.FilterApply, k.FilterClear, k.Up, k.Down}
	}
	b := []key.Binding{k.OpenEnv, k.Plan}
	if e := s.selected(); e != nil && s.lastRuns[e.Name].Status == pipeline.RunInterrupted {
		b = append(b, k.Resume)
	}
	return append(b, k.NewEnv, k.Archetypes, k.Filter, k.Tab, k.Reload, k.CheckRole, k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom)
}

// SetSize lays the table and the detail pane out.
func (s *Screen) SetSize(width, height int) {
	s.width, s.height = width, height
	tw, th := s.tableSize()
	s.table.SetSize(tw, th)
	s.filter.SetWidth(tw)
}

func (s *Screen) tableSize() (int, int) {
	h := s.height - 1 // title line
	if s.filter.Active() {
		h--
	}
	if s.width >= wideLayout {
		return s.width - s.detailWidth() - 1, h
	}
	return s.width, max(h-s.detailHeight()-1, 2)
}

func (s *Screen) detailWidth() int {
	if s.width >= wideLayout {
		return min(56, s.width*2/5)
	}
	return s.width
}

// detailHeight is the detail pane's height: the whole height beside the
// table, else at least a third of it below the table, and all that the
// table's rows leave.
func (s *Screen) detailHeight() int {
	h := s.height - 1
	if s.width >= wideLayout {
		return h
	}
	if s.filter.Active() {
		h--
	}
	rows := max(s.table.Len(), 1) + 1
	return max(h-rows-1, s.height/3, 5)
}

// load rebuilds the rows from the context's catalog, selecting name if
// given.
func (s *Screen) load(selectName string) {
	c := s.ctx.Catalog
	s.envs = nil
	if c != nil {
		s.envs = c.Environments
	}
	now := s.ctx.Now()
	rows := make([][]string, len(s.envs))
	for i, e := range s.envs {
		prot := ""
		if e.Protected {
			prot = "yes"
		}
		rows[i] = []string{e.Name, e.Archetype, e.Account, e.Region, prot, e.Owner, e.ExpiryText(now), string(e.Status)}
		if len(s.lastRuns) > 0 {
			text := ""
			if r, ok := s.lastRuns[e.Name]; ok {
				text = LastRunText(r, now)
			}
			rows[i] = append(rows[i], text)
		}
	}
	s.table.Columns = s.columns
	if len(s.lastRuns) > 0 {
		s.table.Columns = append(slices.Clip(s.columns), components.Column{Title: "LAST RUN", Min: 14, Max: 38, Priority: 7})
	}
	s.table.SetRows(rows)
	if selectName != "" {
		if i := slices.IndexFunc(s.envs, func(e *envs.Environment) bool { return e.Name == selectName }); i >= 0 {
			s.table.Select(i)
		}
	}
	s.detailOffset = 0
}

func (s *Screen) cellStyle(row, col int) (lipgloss.Style, bool) {
	e := s.envs[row]
	st := &s.ctx.Styles
	switch col {
	case colName:
		if !e.Valid() {
			return st.Error, true
		}
	case colProtected:
		return st.Warn, e.Protected
	case colExpires:
		return st.Warn, e.Expired
	case colStatus:
		return statusStyle(st, e.Status)
	case colLastRun:
		r, ok := s.lastRuns[e.Name]
		switch {
		case !ok:
		case r.Status == pipeline.RunInterrupted || r.Status == pipeline.RunNeedsReview:
			return st.Warn, true
		case r.Status == pipeline.RunFailed:
			return st.Error, true
		}
	case colAccount, colRegion:
		return st.Subtle, true
	}
	return lipgloss.Style{}, false
}

// selected returns the selected environment, or nil.
func (s *Screen) selected() *envs.Environment {
	if i := s.table.Selected(); i >= 0 {
		return s.envs[i]
	}
	return nil
}

// Update handles keys, mouse wheel and reloaded catalogs.
func (s *Screen) Update(msg tea.Msg) (screen.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case screen.CatalogMsg:
		name := msg.Select
		if name == "" {
			if e := s.selected(); e != nil {
				name = e.Name
			}
		}
		s.load(name)
		s.SetSize(s.width, s.height)
		return s, s.readLastRuns()
	case screen.RunEndedMsg:
		return s, s.readLastRuns()
	case lastRunsMsg:
		if msg.err != nil {
			return s, screen.Flash("read the runs: "+msg.err.Error(), true)
		}
		s.lastRuns = msg.runs
		name := ""
		if e := s.selected(); e != nil {
			name = e.Name
		}
		s.load(name)
		s.SetSize(s.width, s.height)
	case roleCheckedMsg:
		s.roles[msg.env] = msg.check
	case tea.MouseWheelMsg:
		s.scroll(msg)
	case tea.KeyPressMsg:
		if s.filter.Editing() {
			return s, s.editFilter(msg)
		}
		return s, s.handleKey(msg)
	}
	return s, nil
}

func (s *Screen) scroll(msg tea.MouseWheelMsg) {
	delta := 1
	if msg.Button == tea.MouseWheelUp {
		delta = -1
	}
	if s.detailFocus {
		s.detailOffset = min(max(s.detailOffset+delta, 0), max(s.detailLen-s.detailHeight(), 0))
		return
	}
	s.move(delta)
}

func (s *Screen) move(delta int) {
	s.table.Move(delta)
	s.detailOffset = 0
}

// editFilter feeds a key to the filter line.
func (s *Screen) editFilter(msg tea.KeyPressMsg) tea.Cmd {
	k := s.ctx.Keys
	switch {
	case key.Matches(msg, k.FilterApply):
		s.filter.Stop()
		s.SetSize(s.width, s.height)
		return nil
	case key.Matches(msg, k.FilterClear):
		s.filter.Clear()
		s.table.SetFilter("")
		s.SetSize(s.width, s.height)
		return nil
	case msg.String() == "up":
		s.move(-1)
		return nil
	case msg.String() == "down":
		s.move(1)
		return nil
	}
	changed, cmd := s.filter.Update(msg)
	if changed {
		s.table.SetFilter(s.filter.Value())
		s.detailOffset = 0
	}
	return cmd
}

// handleKey acts on a key while the table has the keyboard.
func (s *Screen) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.ctx.Keys
	if s.detailFocus {
		last := max(s.detailLen-s.detailHeight(), 0)
		switch {
		case key.Matches(msg, k.Up):
			s.detailOffset = max(s.detailOffset-1, 0)
			return nil
		case key.Matches(msg, k.Down):
			s.detailOffset = min(s.detailOffset+1, last)
			return nil
		case key.Matches(msg, k.PageUp):
			s.detailOffset = max(s.detailOffset-s.detailHeight(), 0)
			return nil
		case key.Matches(msg, k.PageDown):
			s.detailOffset = min(s.detailOffset+s.detailHeight(), last)
			return nil
		}
	}
	switch {
	case key.Matches(msg, k.Up):
		s.move(-1)
	case key.Matches(msg, k.Down):
		s.move(1)
	case key.Matches(msg, k.PageUp):
		s.move(-s.table.Page())
	case key.Matches(msg, k.PageDown):
		s.move(s.table.Page())
	case key.Matches(msg, k.Top):
		s.table.Home()
		s.detailOffset = 0
	case key.Matches(msg, k.Bottom):
		s.table.End()
		s.detailOffset = 0
	case key.Matches(msg, k.Tab):
		s.detailFocus = !s.detailFocus
	case key.Matches(msg, k.Filter):
		cmd := s.filter.Start()
		s.SetSize(s.width, s.height)
		return cmd
	case key.Matches(msg, k.Back):
		if s.filter.Active() {
			s.filter.Clear()
			s.table.SetFilter("")
			s.SetSize(s.width, s.height)
		}
	case key.Matches(msg, k.Reload):
		return func() tea.Msg { return screen.ReloadMsg{} }
	case key.Matches(msg, k.NewEnv):
		return s.openNewEnvironment()
	case key.Matches(msg, k.Archetypes):
		return screen.Open{Kind: screen.KindArchetypes}.Cmd()
	case key.Matches(msg, k.OpenEnv):
		if e := s.selected(); e != nil {
			return screen.Open{Kind: screen.KindEnv, Env: e.Name}.Cmd()
		}
	case key.Matches(msg, k.Plan):
		return s.openPlan()
	case key.Matches(msg, k.CheckRole):
		return s.checkRole()
	case key.Matches(msg, k.Resume):
		return s.resume()
	}
	return nil
}

// checkRole assumes the selected environment's role off the UI goroutine;
// the detail pane says "checking…" until the answer comes.
func (s *Screen) checkRole() tea.Cmd {
	e, c, open := s.selected(), s.ctx.Catalog, s.ctx.Cloud
	if e == nil || c == nil || open == nil {
		return nil
	}
	if r := s.roles[e.Name]; r.Checking {
		return nil
	}
	s.roles[e.Name] = RoleCheck{Role: e.Role, Checking: true}
	base := s.ctx.Base
	if base == nil {
		base = context.Background()
	}
	now := s.ctx.Now()
	return func() tea.Msg {
		caller, err := screen.CheckRole(base, open, c, e, now)
		return roleCheckedMsg{env: e.Name, check: RoleCheck{Role: e.Role, Caller: caller, Err: err}}
	}
}

// resume opens the selected environment's last run when it was
// interrupted.
func (s *Screen) resume() tea.Cmd {
	e := s.selected()
	if e == nil {
		return nil
	}
	if r, ok := s.lastRuns[e.Name]; ok && r.Status == pipeline.RunInterrupted {
		return screen.Open{Kind: screen.KindRun, Env: e.Name, RunID: r.RunID, Resume: true}.Cmd()
	}
	return screen.Flash("no interrupted run of "+e.Name+" to resume", false)
}

// openPlan opens the plan screen for the selected environment.
func (s *Screen) openPlan() tea.Cmd {
	e := s.selected()
	if e == nil {
		return nil
	}
	return screen.Open{Kind: screen.KindPlan, Env: e.Name}.Cmd()
}

// openNewEnvironment opens the new-environment form, suggesting the
// selected environment's archetype.
func (s *Screen) openNewEnvironment() tea.Cmd {
	o := screen.Open{Kind: screen.KindNewEnv}
	if e := s.selected(); e != nil {
		o.Env = e.Name
	}
	return o.Cmd()
}

// View draws the title line, the table, the filter and the detail pane.
func (s *Screen) View() string {
	st := &s.ctx.Styles
	title := st.Title.Render("Environments") + " " + st.Subtle.Render(s.summary())
	tableView := s.table.View()
	if s.table.Total() == 0 {
		tableView = st.Subtle.Render("No environments yet. Press n to stamp one from an archetype.")
	} else if s.table.Len() == 0 {
		tableView = st.Subtle.Render("No environment matches the filter. esc clears it.")
	}
	tw, th := s.tableSize()
	left := lipgloss.NewStyle().Width(tw).Height(th).MaxHeight(th).Render(tableView)
	if s.filter.Active() {
		left += "\n" + s.filter.View()
	}
	detail := s.detailView()
	if s.width >= wideLayout {
		divider := st.Divider.Render(strings.TrimSuffix(strings.Repeat("│\n", max(s.height-1, 1)), "\n"))
		return title + "\n" + lipgloss.JoinHorizontal(lipgloss.Top, left, divider, detail)
	}
	rule := st.Divider.Render(strings.Repeat("─", max(s.width, 0)))
	return title + "\n" + left + "\n" + rule + "\n" + detail
}

func (s *Screen) summary() string {
	var expired, invalid, deployed int
	for _, e := range s.envs {
		switch {
		case !e.Valid():
			invalid++
		case e.Status == envs.StatusDeployed:
			deployed++
		}
		if e.Expired {
			expired++
		}
	}
	parts := []string{fmt.Sprintf("%d", len(s.envs))}
	if deployed > 0 {
		parts = append(parts, fmt.Sprintf("%d deployed", deployed))
	}
	if expired > 0 {
		parts = append(parts, fmt.Sprintf("%d expired", expired))
	}
	if invalid > 0 {
		parts = append(parts, fmt.Sprintf("%d invalid", invalid))
	}
	if f := s.table.Filter(); f != "" {
		parts = append(parts, fmt.Sprintf("%d match %q", s.table.Len(), f))
	}
	return strings.Join(parts, " · ")
}

// detailView draws the selected environment's details.
func (s *Screen) detailView() string {
	w, h := s.detailWidth(), s.detailHeight()
	e := s.selected()
	if e == nil {
		return ""
	}
	d := detail(s.ctx, e, max(w-1, 10), s.roles[e.Name])
	s.detailLen = d.Len()
	s.detailOffset = min(s.detailOffset, max(d.Len()-h, 0))
	return lipgloss.NewStyle().PaddingLeft(1).Width(w).Render(d.View(s.detailOffset, h))
}

// Detail lays out everything known about an environment.
func Detail(ctx *screen.Context, e *envs.Environment, width int) *components.Detail {
	return detail(ctx, e, width, RoleCheck{})
}

// detail is Detail with what a check of the role found, shown under it.
func detail(ctx *screen.Context, e *envs.Environment, width int, role RoleCheck) *components.Detail {
	st := &ctx.Styles
	d := components.NewDetail(st, width)
	title := e.Name
	if e.Protected {
		title += " " + st.Badge.Render(" PROTECTED ")
	}
	d.Text(title, st.Title)
	if e.Description != "" {
		d.Text(e.Description, st.Subtle)
	}
	if !e.Valid() {
		d.Blank()
		d.Text(fmt.Sprintf("%d problem(s):", len(e.Diags)), st.Error)
		for _, diag := range e.Diags {
			d.Text(diag.String(), st.Error)
		}
	}
	if len(e.Warnings) > 0 {
		d.Blank()
		d.Text(fmt.Sprintf("%d warning(s):", len(e.Warnings)), st.Warn)
		for _, diag := range e.Warnings {
			d.Text(diag.String(), st.Warn)
		}
	}
	d.Blank()
	d.Field("archetype", e.Archetype, st.Text)
	d.Field("account", e.Account, st.Text)
	d.Field("region", e.Region, st.Text)
	d.Field("role", e.Role, st.Text)
	if text, style, ok := roleText(st, e, role); ok {
		d.Field("", text, style)
	}
	d.Field("owner", e.Owner, st.Text)
	if e.Expires {
		exp := e.Expiry.UTC().Format("2006-01-02 15:04") + " UTC (" + e.ExpiryText(ctx.Now()) + ")"
		style := st.Text
		if e.Expired {
			style = st.Warn
		}
		d.Field("expires", exp, style)
		d.Field("ttl", e.TTLText+" from "+e.Created.UTC().Format("2006-01-02"), st.Text)
	} else {
		d.Field("expires", "never", st.Text)
	}
	status := string(e.Status)
	if e.Resources > 0 {
		status += fmt.Sprintf(" · %d resources", e.Resources)
	}
	statusSt, _ := statusStyle(st, e.Status)
	d.Field("status", status, statusSt)
	d.Field("file", e.File, st.Subtle)
	if ctx.Catalog != nil && e.Valid() {
		if a, ok := ctx.Catalog.Archetype(e.Archetype); ok && len(a.Inputs) > 0 {
			d.Blank()
			d.Text("Inputs", st.Title)
			values := e.Values(a)
			labels := 0
			for _, in := range a.Inputs {
				labels = max(labels, len(in.Name))
			}
			d.LabelWidth = min(labels, width/2)
			for _, in := range a.Inputs {
				_, set := e.Inputs[in.Name]
				text := in.FormatText(values[in.Name])
				style := st.Text
				if !set {
					style = st.Faint
					if text == "" {
						text = "(unset)"
					} else {
						text += " (default)"
					}
				}
				d.Field(in.Name, text, style)
			}
		}
	}
	return d
}

// roleText says what a check of the environment's role found; nothing
// before a check, or when the role checked is no longer the
// environment's.
func roleText(st *theme.Styles, e *envs.Environment, r RoleCheck) (string, lipgloss.Style, bool) {
	switch {
	case r.Role != e.Role || !r.Checking && r.Err == nil && r.Caller.ARN == "":
		return "", lipgloss.Style{}, false
	case r.Checking:
		return "checking…", st.Subtle, true
	case r.Err != nil:
		return "fails: " + r.Err.Error(), st.Error, true
	case e.Role == "":
		return "no role: acts as " + r.Caller.ARN, st.OK, true
	}
	return "works (as " + r.Caller.ARN + ")", st.OK, true
}

// statusStyle colours a status.
func statusStyle(st *theme.Styles, status envs.Status) (lipgloss.Style, bool) {
	switch status {
	case envs.StatusInvalid:
		return st.Error, true
	case envs.StatusDeployed:
		return st.OK, true
	case envs.StatusApplyInterrupted: // the state may not match: plan again
		return st.Warn, true
	case envs.StatusNew, envs.StatusDestroyed:
		return st.Subtle, true
	}
	return st.Text, false
}
