// Package plan is the plan screen: it streams an environment's plan while
// Terraform plans (the first change is on screen before Terraform is done),
// then shows the reviewed plan grouped by action with risk markers, expands
// a change into its attribute diff, and applies exactly the reviewed plan
// after confirmation, with per-resource progress.
//
// The screen composes four parts, each in its own file: the change list
// (list.go), the text viewport for diffs, findings and errors (text.go),
// the confirmation (confirm.go) and the apply's progress (progress.go).
// Every plan and apply reloads the workspace from disk first, so what runs
// is the configuration as it is in the files.
package plan

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

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
	// Catalog is the workspace as the run loaded it from disk; nil when it
	// could not be loaded (Err says why) or the screen has no workspace.
	Catalog *envs.Catalog
}

// ApplyDoneMsg is the outcome of an apply run.
type ApplyDoneMsg struct {
	RunID  string
	Result *pipeline.ApplyResult
	Err    error
}

type tickMsg struct{ runID string }

// target is what a plan acts on: the environment's account, region and the
// role assumed.
type target struct {
	account, region, role string
}

// Screen is the plan screen for one environment.
type Screen struct {
	ctx       *screen.Context
	env       string
	protected bool
	target    target

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

	list    list
	filter  components.FilterInput
	mode    mode
	text    textView
	confirm confirmation
	hint    string // shown in the status line until the next key

	progress *progress // the apply's, once one started
	applied  *pipeline.ApplyResult

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
	s := &Screen{ctx: ctx, env: env, filter: components.NewFilterInput(&ctx.Styles), confirm: newConfirmation(&ctx.Styles)}
	s.setTarget(ctx.Catalog)
	return s
}

// setTarget takes the environment's settings from a catalog.
func (s *Screen) setTarget(c *envs.Catalog) {
	if c == nil {
		return
	}
	if e, ok := c.Environment(s.env); ok {
		s.protected = e.Protected
		s.target = target{account: e.Account, region: e.Region, role: e.Role}
	}
}

// RunID is the id of the screen's current run, which its messages carry.
func (s *Screen) RunID() string { return s.runID }

// Init starts the plan.
func (s *Screen) Init() tea.Cmd { return s.startPlan() }

func (s *Screen) reset() {
	s.streamed, s.result, s.err, s.warnings = map[string]item{}, nil, nil, nil
	s.list.reset()
	s.mode, s.refreshed, s.cancelling, s.terraform = modeList, 0, false, ""
	s.progress, s.applied = nil, nil
	s.confirm.close()
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
	return s.filter.Editing() || (s.phase == phaseConfirm && s.confirm.capturing())
}

// Back closes the innermost level: a confirmation, a text view, a filter.
// With nothing to close while Terraform runs, the screen stays: leaving it
// would leave the run unwatched, and quitting would then kill Terraform
// mid-run.
func (s *Screen) Back() bool {
	defer s.relayout()
	switch {
	case s.phase == phaseConfirm:
		s.confirm.close()
		s.phase = phaseReviewed
		return true
	case s.mode == modeText:
		s.mode = modeList
		return true
	case s.filter.Active() || s.list.actionFilter != "":
		s.filter.Clear()
		s.list.setFilters("", "")
		return true
	case s.Busy() != "":
		s.hint = "Terraform is running: ctrl+c interrupts it; esc goes back once it has stopped"
		return true
	}
	return false
}

// Bindings are the keys the screen offers in its current state.
func (s *Screen) Bindings() []key.Binding {
	k := &s.ctx.Keys
	switch {
	case s.filter.Editing():
		return []key.Binding{k.FilterApply, k.FilterClear}
	case s.phase == phaseConfirm:
		return s.confirm.bindings(k)
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
	s.relayout()
}

// relayout gives the list and the text the lines the header and the status
// line leave, and clamps their offsets to them.
func (s *Screen) relayout() {
	if s.phase == phaseConfirm && s.confirm.typed {
		s.confirm.setWidth(s.width - ansi.StringWidth(s.confirmPrompt()))
	}
	h := max(s.height-len(s.headerLines())-len(s.statusLines()), 1)
	s.list.setHeight(h)
	s.text.setSize(s.width, h)
}

// sawOutcome records that the run's outcome reached the screen, so drain
// does not take it in twice.
func (s *Screen) sawOutcome() {
	if s.stream != nil {
		s.stream.outcomeSeen()
	}
}

// bodyHeight is the lines the list gets.
func (s *Screen) bodyHeight() int { return s.list.height }

// Update routes the run's messages (by run id) and the keys.
func (s *Screen) Update(msg tea.Msg) (screen.Screen, tea.Cmd) {
	cmd := s.update(msg)
	s.relayout()
	return s, cmd
}

func (s *Screen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case EventsMsg:
		if msg.RunID != s.runID {
			return nil
		}
		s.events(msg.Events)
		if s.stream == nil {
			return nil // events a test hands in
		}
		s.stream.ack(msg)
		return s.stream.next()
	case PlanDoneMsg:
		if msg.RunID == s.runID {
			s.sawOutcome()
			s.planDone(msg)
		}
		return nil
	case ApplyDoneMsg:
		if msg.RunID == s.runID {
			s.sawOutcome()
			return s.applyDone(msg)
		}
		return nil
	case tickMsg:
		if msg.runID == s.runID && s.Busy() != "" {
			s.frame++
			return s.tick()
		}
		return nil
	case tea.MouseWheelMsg:
		delta := 1
		if msg.Button == tea.MouseWheelUp {
			delta = -1
		}
		if s.mode == modeText {
			s.text.scroll(delta)
		} else {
			s.list.move(delta)
		}
		return nil
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	return nil
}

func (s *Screen) failureTitle(what string) string {
	if s.interrupted() {
		return what + " cancelled"
	}
	return what + " failed"
}

// interrupted reports whether the last run ended because it was cancelled.
func (s *Screen) interrupted() bool {
	var tfErr *tf.Error
	return errors.Is(s.err, context.Canceled) || s.cancelling || (errors.As(s.err, &tfErr) && tfErr.Cancelled)
}

func errorLines(err error) []string {
	return strings.Split(err.Error(), "\n")
}

// key handles a key press: the filter, the confirmation and the text each
// take the keys while open, else the list.
func (s *Screen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := &s.ctx.Keys
	s.hint = ""
	switch {
	case key.Matches(msg, k.Cancel):
		s.Cancel()
		return nil
	case s.filter.Editing():
		return s.editFilter(msg)
	case s.phase == phaseConfirm:
		return s.confirmKey(msg)
	case s.mode == modeText:
		s.textKey(msg)
		return nil
	}
	return s.listKey(msg)
}

func (s *Screen) listKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &s.ctx.Keys
	switch {
	case key.Matches(msg, k.Up):
		s.list.move(-1)
	case key.Matches(msg, k.Down):
		s.list.move(1)
	case key.Matches(msg, k.PageUp):
		s.list.move(-s.bodyHeight())
	case key.Matches(msg, k.PageDown):
		s.list.move(s.bodyHeight())
	case key.Matches(msg, k.Top):
		s.list.top()
	case key.Matches(msg, k.Bottom):
		s.list.bottom()
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
	k := &s.ctx.Keys
	switch {
	case key.Matches(msg, k.FilterApply):
		s.filter.Stop()
		return nil
	case key.Matches(msg, k.FilterClear):
		s.filter.Clear()
		s.list.setFilters("", s.list.actionFilter)
		return nil
	}
	changed, cmd := s.filter.Update(msg)
	if changed {
		s.list.setFilters(s.filter.Value(), s.list.actionFilter)
	}
	return cmd
}

// cycleActionFilter steps the action filter through the actions present,
// then back to none.
func (s *Screen) cycleActionFilter() {
	actions := actionsPresent(s.list.rows)
	next := envs.Action("")
	for i, a := range actions {
		if a == s.list.actionFilter && i+1 < len(actions) {
			next = actions[i+1]
		}
	}
	if s.list.actionFilter == "" && len(actions) > 0 {
		next = actions[0]
	}
	s.list.setFilters(s.filter.Value(), next)
}

func (s *Screen) textKey(msg tea.KeyPressMsg) {
	k := &s.ctx.Keys
	if s.text.handle(k, func(b key.Binding) bool { return key.Matches(msg, b) }) {
		return
	}
	if key.Matches(msg, k.Expand) || key.Matches(msg, k.Back) {
		s.mode = modeList
	}
}

// showText switches the body to a scrollable text.
func (s *Screen) showText(title string, lines []string) {
	s.mode = modeText
	s.text.show(title, lines)
}

// expand shows the selected change's attribute diff.
func (s *Screen) expand() {
	r, ok := s.list.selected()
	if !ok {
		return
	}
	if r.change == nil {
		s.showText(r.address, []string{"The attribute diff is shown once the plan is complete and reviewed."})
		return
	}
	s.showText(r.action.Symbol()+" "+r.address, s.diffLines(r))
}

// showFindings lists the risk findings and Terraform's warnings, or says
// there are none.
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
	switch {
	case len(lines) > 0:
		s.showText(title, lines)
	case s.result == nil:
		s.hint = "no findings yet: the risk review runs once Terraform has planned"
	default:
		s.hint = "no findings: the risk review flagged nothing in this plan, and Terraform gave no warning"
	}
}

// askApply asks for confirmation before applying the reviewed plan.
func (s *Screen) askApply() tea.Cmd {
	if s.phase != phaseReviewed || s.result == nil || !s.result.HasChanges {
		return nil
	}
	s.phase, s.mode = phaseConfirm, modeList
	return s.confirm.start(s.env, s.result.NeedsConfirmation())
}

func (s *Screen) confirmKey(msg tea.KeyPressMsg) tea.Cmd {
	typed := s.confirm.typed
	answer, cmd := s.confirm.update(&s.ctx.Keys, msg)
	switch answer {
	case accepted:
		confirm := ""
		if typed {
			confirm = s.env
		}
		return s.startApply(confirm)
	case declined:
		s.phase = phaseReviewed
	}
	return cmd
}
