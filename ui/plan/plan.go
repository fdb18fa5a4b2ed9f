// Package plan is the plan screen: it streams an environment's plan while
// Terraform plans (the first change is on screen before Terraform is done),
// then shows the reviewed plan grouped by action with risk markers, expands
// a change into its attribute diff, and applies exactly the reviewed plan
// after confirmation, with per-resource progress.
package plan

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/components"
	"github.com/envbench/envbench/ui/screen"
)

type phase int

const (
	phasePlanning phase = iota
	phaseReviewed
	phasePlanFailed
	phaseConfirm
	phaseApplying
	phaseApplied
	phaseApplyFailed
)

// mode is what the body shows.
type mode int

const (
	modeList mode = iota
	modeText      // an attribute diff, the findings, an error
)

// PlanDoneMsg is the outcome of a plan run.
type PlanDoneMsg struct {
	RunID  string
	Result *pipeline.PlanResult
	Err    error
}

// ApplyDoneMsg is the outcome of an apply run.
type ApplyDoneMsg struct {
	RunID  string
	Result *pipeline.ApplyResult
	Err    error
}

type tickMsg struct{ runID string }

// applyStatus is one resource's progress during an apply.
type applyStatus struct {
	state   string // running, done, failed
	started time.Time
	elapsed time.Duration
}

// Screen is the plan screen for one environment.
type Screen struct {
	ctx       *screen.Context
	env       string
	protected bool

	runID      string
	stream     *stream
	phase      phase
	step       string // what the run is doing now
	terraform  string
	refreshed  int
	started    time.Time
	cancel     context.CancelFunc
	cancelling bool
	frame      int

	streamed map[string]item // planned changes as they arrive
	warnings []tf.Diagnostic // Terraform's warnings during the run
	result   *pipeline.PlanResult
	err      error

	rows         []row // every row
	shown        []row // rows after the filters
	cursor       int   // index into shown
	moved        bool  // the user moved the cursor: keep it on its change
	offset       int
	filter       components.FilterInput
	actionFilter envs.Action

	mode       mode
	textTitle  string
	textLines  []string
	textOffset int

	confirm    textinput.Model
	confirmErr string
	hint       string // shown in the status line until the next key
	applying   map[string]*applyStatus
	applied    *pipeline.ApplyResult
	applyStart time.Time

	width, height int
}

var (
	_ screen.Screen        = (*Screen)(nil)
	_ screen.Worker        = (*Screen)(nil)
	_ screen.Backer        = (*Screen)(nil)
	_ screen.InputCapturer = (*Screen)(nil)
)

// New returns the plan screen for an environment; Init starts the plan.
func New(ctx *screen.Context, env string) *Screen {
	s := &Screen{ctx: ctx, env: env, filter: components.NewFilterInput(&ctx.Styles)}
	if ctx.Catalog != nil {
		if e, ok := ctx.Catalog.Environment(env); ok {
			s.protected = e.Protected
		}
	}
	s.confirm = components.NewTextInput(&ctx.Styles)
	s.confirm.Prompt = "> "
	s.confirm.CharLimit = 64
	return s
}

// RunID is the id of the screen's current run, which its messages carry.
func (s *Screen) RunID() string { return s.runID }

// Init starts the plan.
func (s *Screen) Init() tea.Cmd { return s.startPlan() }

// startPlan begins a plan run: the run in one command, its events in
// another that waits for them.
func (s *Screen) startPlan() tea.Cmd {
	s.reset()
	s.runID = pipeline.NewRunID(s.ctx.Now())
	s.phase, s.step, s.started = phasePlanning, "starting", s.ctx.Now()
	ctx, cancel, done := s.ctx.StartRun()
	s.cancel = cancel
	st := newStream(s.runID)
	s.stream = st
	runner, catalog, env, id := s.ctx.Runner, s.ctx.Catalog, s.env, s.runID
	run := func() tea.Msg {
		defer done()
		defer cancel()
		res, err := runner.Plan(ctx, catalog, env, id, st.push)
		st.finish(PlanDoneMsg{RunID: id, Result: res, Err: err})
		return nil
	}
	return tea.Batch(run, st.next(), s.tick())
}

func (s *Screen) reset() {
	s.streamed, s.result, s.err, s.warnings = map[string]item{}, nil, nil, nil
	s.rows, s.shown, s.cursor, s.offset, s.moved = nil, nil, 0, 0, false
	s.mode, s.refreshed, s.cancelling, s.terraform = modeList, 0, false, ""
	s.applying, s.applied, s.confirmErr = nil, nil, ""
}

// tick animates the spinner and the elapsed times while a run is going.
func (s *Screen) tick() tea.Cmd {
	id := s.runID
	return tea.Tick(100*time.Millisecond, func(time.Time) tea.Msg { return tickMsg{runID: id} })
}

// Busy says what runs, for the root model's quit question.
func (s *Screen) Busy() string {
	switch s.phase {
	case phasePlanning:
		return "terraform plan on " + s.env
	case phaseApplying:
		return "terraform apply on " + s.env
	}
	return ""
}

// Cancel interrupts the run; the screen stays busy until Terraform exits.
func (s *Screen) Cancel() {
	if s.cancel != nil && s.Busy() != "" {
		s.cancelling = true
		s.cancel()
	}
}

// CapturingInput is true while the filter or the confirmation has the
// keyboard.
func (s *Screen) CapturingInput() bool {
	return s.filter.Editing() || (s.phase == phaseConfirm && s.needsTypedName())
}

// Back closes the innermost level: a text view, a confirmation, a filter.
// While Terraform runs the screen stays: leaving it would leave the run
// unwatched, and quitting would then kill Terraform mid-run.
func (s *Screen) Back() bool {
	switch {
	case s.Busy() != "":
		s.hint = "Terraform is running: ctrl+c interrupts it; esc goes back once it has stopped"
		return true
	case s.phase == phaseConfirm:
		s.phase = phaseReviewed
		return true
	case s.mode == modeText:
		s.mode = modeList
		return true
	case s.filter.Active() || s.actionFilter != "":
		s.filter.Clear()
		s.actionFilter = ""
		s.refilter()
		return true
	}
	return false
}

// Bindings are the keys the screen offers in its current state.
func (s *Screen) Bindings() []key.Binding {
	k := s.ctx.Keys
	switch {
	case s.filter.Editing():
		return []key.Binding{k.FilterApply, k.FilterClear}
	case s.phase == phaseConfirm:
		if s.needsTypedName() {
			return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")), k.Back}
		}
		return []key.Binding{k.Yes, k.No}
	case s.mode == modeText:
		return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Back}
	}
	var b []key.Binding
	if s.Busy() != "" {
		b = append(b, k.Cancel)
	}
	if s.phase == phaseReviewed && s.result != nil && s.result.HasChanges {
		b = append(b, k.Apply)
	}
	if s.result != nil {
		b = append(b, k.Expand)
		if len(s.result.Findings) > 0 || len(s.warnings) > 0 {
			b = append(b, k.Findings)
		}
	}
	b = append(b, k.Filter, k.ActionFilter)
	if s.Busy() == "" {
		b = append(b, k.Replan)
	}
	return append(b, k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom)
}

// SetSize sets the screen's size.
func (s *Screen) SetSize(width, height int) {
	s.width, s.height = width, height
	s.filter.SetWidth(width)
	s.confirm.SetWidth(min(max(width-50, 10), 40))
	s.clampOffset()
}

// Update routes the run's messages (by run id) and the keys.
func (s *Screen) Update(msg tea.Msg) (screen.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case EventsMsg:
		if msg.RunID != s.runID {
			return s, nil
		}
		s.events(msg.Events)
		return s, s.stream.next()
	case PlanDoneMsg:
		if msg.RunID == s.runID {
			s.planDone(msg)
		}
		return s, nil
	case ApplyDoneMsg:
		if msg.RunID == s.runID {
			return s, s.applyDone(msg)
		}
		return s, nil
	case tickMsg:
		if msg.runID == s.runID && s.Busy() != "" {
			s.frame++
			return s, s.tick()
		}
		return s, nil
	case tea.MouseWheelMsg:
		if msg.Button == tea.MouseWheelUp {
			s.scroll(-1)
		} else {
			s.scroll(1)
		}
		return s, nil
	case tea.KeyPressMsg:
		return s, s.key(msg)
	}
	return s, nil
}

// events applies a batch of the run's events.
func (s *Screen) events(events []pipeline.Event) {
	changed := false
	for _, e := range events {
		switch e.Kind {
		case pipeline.StepStarted:
			s.step = e.Message
			if e.Step == pipeline.StepInit {
				s.terraform = e.Terraform
			}
		case pipeline.StepFailed:
			s.step = string(e.Step) + " failed"
		case pipeline.Terraform:
			changed = s.terraformEvent(e) || changed
		}
	}
	if changed && s.result == nil {
		items := make([]item, 0, len(s.streamed))
		for _, it := range s.streamed {
			items = append(items, it)
		}
		s.setRows(groupRows(items))
	}
}

// terraformEvent applies one Terraform event; it reports whether the list of
// streamed changes changed.
func (s *Screen) terraformEvent(pe pipeline.Event) bool {
	e := pe.TF
	switch e.Type {
	case tf.EventRefreshComplete:
		s.refreshed++
	case tf.EventDiagnostic:
		if e.Diagnostic != nil && e.Diagnostic.Severity == "warning" {
			s.warnings = append(s.warnings, *e.Diagnostic)
		}
	case tf.EventPlannedChange:
		if pe.Step == pipeline.StepPlan {
			s.streamed[e.Resource] = item{action: streamedAction(e.Action), address: e.Resource}
			return true
		}
	case tf.EventApplyStart:
		if s.applying != nil {
			s.applying[e.Resource] = &applyStatus{state: "running", started: s.ctx.Now()}
		}
	case tf.EventApplyProgress:
		if st := s.applying[e.Resource]; st != nil {
			st.elapsed = e.Elapsed
		}
	case tf.EventApplyComplete, tf.EventApplyErrored:
		if s.applying == nil {
			return false
		}
		st := s.applying[e.Resource]
		if st == nil {
			st = &applyStatus{started: s.ctx.Now()}
			s.applying[e.Resource] = st
		}
		st.elapsed = e.Elapsed
		st.state = "done"
		if e.Type == tf.EventApplyErrored {
			st.state = "failed"
		}
	}
	return false
}

// planDone shows the reviewed plan, or the error.
func (s *Screen) planDone(msg PlanDoneMsg) {
	s.cancel = nil
	if msg.Err != nil {
		s.phase, s.err = phasePlanFailed, msg.Err
		s.showText(s.failureTitle("Plan"), errorLines(msg.Err))
		return
	}
	s.phase, s.result = phaseReviewed, msg.Result
	s.terraform = msg.Result.Terraform
	s.setRows(groupRows(reviewedItems(msg.Result.Plan, msg.Result.Findings)))
}

func (s *Screen) failureTitle(what string) string {
	if errors.Is(s.err, context.Canceled) || s.cancelling {
		return what + " cancelled"
	}
	return what + " failed"
}

func errorLines(err error) []string {
	return strings.Split(err.Error(), "\n")
}

// setRows replaces the rows, keeping the cursor on the same change once
// the user has moved it, else on the first change.
func (s *Screen) setRows(rows []row) {
	current := ""
	if r, ok := s.selected(); ok && s.moved {
		current = r.address
	}
	if !s.moved {
		s.cursor, s.offset = 0, 0
	}
	s.rows = rows
	s.refilter()
	if current != "" {
		for i, r := range s.shown {
			if !r.header && r.address == current {
				s.cursor = i
				break
			}
		}
	}
	s.fixCursor(1)
}

func (s *Screen) refilter() {
	s.shown = filterRows(s.rows, s.filter.Value(), s.actionFilter)
	s.cursor = min(s.cursor, max(len(s.shown)-1, 0))
	s.fixCursor(1)
}

// fixCursor moves the cursor off headers, in direction dir.
func (s *Screen) fixCursor(dir int) {
	if len(s.shown) == 0 {
		s.cursor = 0
		return
	}
	for i := s.cursor; i >= 0 && i < len(s.shown); i += dir {
		if !s.shown[i].header {
			s.cursor = i
			s.clampOffset()
			return
		}
	}
	if dir > 0 {
		s.fixCursor(-1)
	}
	s.clampOffset()
}

func (s *Screen) selected() (row, bool) {
	if s.cursor < len(s.shown) && !s.shown[s.cursor].header {
		return s.shown[s.cursor], true
	}
	return row{}, false
}

func (s *Screen) move(delta int) {
	if len(s.shown) == 0 {
		return
	}
	s.moved = true
	dir := 1
	if delta < 0 {
		dir = -1
	}
	before := s.cursor
	s.cursor = min(max(s.cursor+delta, 0), len(s.shown)-1)
	s.fixCursor(dir)
	if s.shown[s.cursor].header { // no change that way: stay
		s.cursor = before
	}
	s.clampOffset()
}

func (s *Screen) scroll(delta int) {
	if s.mode == modeText {
		s.textOffset = max(s.textOffset+delta, 0)
		return
	}
	s.move(delta)
}

// key handles a key press.
func (s *Screen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := s.ctx.Keys
	s.hint = ""
	if key.Matches(msg, k.Cancel) {
		s.Cancel()
		return nil
	}
	if s.filter.Editing() {
		return s.editFilter(msg)
	}
	if s.phase == phaseConfirm {
		return s.confirmKey(msg)
	}
	if s.mode == modeText {
		s.textKey(msg)
		return nil
	}
	switch {
	case key.Matches(msg, k.Up):
		s.move(-1)
	case key.Matches(msg, k.Down):
		s.move(1)
	case key.Matches(msg, k.PageUp):
		s.move(-s.bodyHeight())
	case key.Matches(msg, k.PageDown):
		s.move(s.bodyHeight())
	case key.Matches(msg, k.Top):
		s.cursor = 0
		s.fixCursor(1)
	case key.Matches(msg, k.Bottom):
		s.cursor = max(len(s.shown)-1, 0)
		s.fixCursor(-1)
	case key.Matches(msg, k.Expand):
		s.expand()
	case key.Matches(msg, k.Findings):
		s.showFindings()
	case key.Matches(msg, k.Filter):
		return s.filter.Start()
	case key.Matches(msg, k.ActionFilter):
		s.cycleActionFilter()
	case key.Matches(msg, k.Apply):
		return s.askApply()
	case key.Matches(msg, k.Replan):
		if s.Busy() == "" {
			return s.startPlan()
		}
	}
	return nil
}

func (s *Screen) editFilter(msg tea.KeyPressMsg) tea.Cmd {
	k := s.ctx.Keys
	switch {
	case key.Matches(msg, k.FilterApply):
		s.filter.Stop()
		return nil
	case key.Matches(msg, k.FilterClear):
		s.filter.Clear()
		s.refilter()
		return nil
	}
	changed, cmd := s.filter.Update(msg)
	if changed {
		s.refilter()
	}
	return cmd
}

func (s *Screen) cycleActionFilter() {
	actions := actionsPresent(s.rows)
	if len(actions) == 0 {
		s.actionFilter = ""
		return
	}
	next := ""
	for i, a := range actions {
		if a == s.actionFilter && i+1 < len(actions) {
			next = string(actions[i+1])
		}
	}
	if s.actionFilter == "" {
		next = string(actions[0])
	}
	s.actionFilter = envs.Action(next)
	s.refilter()
}

func (s *Screen) textKey(msg tea.KeyPressMsg) {
	k := s.ctx.Keys
	switch {
	case key.Matches(msg, k.Up):
		s.textOffset = max(s.textOffset-1, 0)
	case key.Matches(msg, k.Down):
		s.textOffset++
	case key.Matches(msg, k.PageUp):
		s.textOffset = max(s.textOffset-s.bodyHeight(), 0)
	case key.Matches(msg, k.PageDown):
		s.textOffset += s.bodyHeight()
	case key.Matches(msg, k.Top):
		s.textOffset = 0
	case key.Matches(msg, k.Bottom):
		s.textOffset = math.MaxInt32 // the view clamps it to the last page
	case key.Matches(msg, k.Expand), key.Matches(msg, k.Back):
		s.mode = modeList
	}
}

// showText switches the body to a scrollable text.
func (s *Screen) showText(title string, lines []string) {
	s.mode, s.textTitle, s.textLines, s.textOffset = modeText, title, lines, 0
}

// expand shows the selected change's attribute diff.
func (s *Screen) expand() {
	r, ok := s.selected()
	if !ok {
		return
	}
	if r.change == nil {
		s.showText(r.address, []string{"The attribute diff is shown once the plan is complete and reviewed."})
		return
	}
	s.showText(r.action.Symbol()+" "+r.address, s.diffLines(r))
}

// showFindings lists the risk findings and Terraform's warnings.
func (s *Screen) showFindings() {
	var lines []string
	if s.result != nil {
		for _, f := range s.result.Findings {
			lines = append(lines, fmt.Sprintf("%-6s %s", f.Severity, f.Message))
		}
	}
	title := fmt.Sprintf("Risk findings (%d)", len(lines))
	if len(s.warnings) > 0 {
		title += fmt.Sprintf(" and Terraform's warnings (%d)", len(s.warnings))
		for _, w := range s.warnings {
			lines = append(lines, "")
			lines = append(lines, strings.Split(w.String(), "\n")...)
		}
	}
	if len(lines) > 0 {
		s.showText(title, lines)
	}
}

// needsTypedName reports whether applying needs the environment's name.
func (s *Screen) needsTypedName() bool {
	return s.result != nil && s.result.NeedsConfirmation()
}

// askApply asks for confirmation before applying the reviewed plan.
func (s *Screen) askApply() tea.Cmd {
	if s.phase != phaseReviewed || s.result == nil || !s.result.HasChanges {
		return nil
	}
	s.phase, s.confirmErr, s.mode = phaseConfirm, "", modeList
	if s.needsTypedName() {
		s.confirm.SetValue("")
		return s.confirm.Focus()
	}
	return nil
}

func (s *Screen) confirmKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.ctx.Keys
	if !s.needsTypedName() {
		switch {
		case key.Matches(msg, k.Yes):
			return s.startApply("")
		case key.Matches(msg, k.No):
			s.phase = phaseReviewed
		}
		return nil
	}
	s.confirmErr = ""
	switch msg.String() {
	case "enter":
		if strings.TrimSpace(s.confirm.Value()) != s.env {
			s.confirmErr = fmt.Sprintf("%q is not %s; type the environment's name to apply, esc to go back", s.confirm.Value(), s.env)
			return nil
		}
		s.confirm.Blur()
		return s.startApply(s.env)
	case "esc":
		s.confirm.Blur()
		s.phase = phaseReviewed
		return nil
	}
	var cmd tea.Cmd
	s.confirm, cmd = s.confirm.Update(msg)
	return cmd
}

// startApply applies the reviewed plan.
func (s *Screen) startApply(confirm string) tea.Cmd {
	s.runID = pipeline.NewRunID(s.ctx.Now())
	s.phase, s.step, s.applyStart, s.cancelling = phaseApplying, "starting apply", s.ctx.Now(), false
	s.applying = map[string]*applyStatus{}
	ctx, cancel, done := s.ctx.StartRun()
	s.cancel = cancel
	st := newStream(s.runID)
	s.stream = st
	runner, catalog, env, id, plan := s.ctx.Runner, s.ctx.Catalog, s.env, s.runID, s.result
	run := func() tea.Msg {
		defer done()
		defer cancel()
		res, err := runner.Apply(ctx, catalog, env, plan, confirm, id, st.push)
		st.finish(ApplyDoneMsg{RunID: id, Result: res, Err: err})
		return nil
	}
	return tea.Batch(run, st.next(), s.tick())
}

// applyDone shows the apply's outcome and reloads the workspace so the
// environments screen shows the new status.
func (s *Screen) applyDone(msg ApplyDoneMsg) tea.Cmd {
	s.cancel = nil
	s.applied = msg.Result
	if msg.Err != nil {
		s.phase, s.err = phaseApplyFailed, msg.Err
		s.showText(s.failureTitle("Apply"), errorLines(msg.Err))
	} else {
		s.phase = phaseApplied
	}
	return func() tea.Msg { return screen.ReloadMsg{Select: s.env} }
}
