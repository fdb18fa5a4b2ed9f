package plan

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/ui/theme"
)

var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// View draws the header, the risk banner, the body and the status line.
// Every offset was clamped in Update; the header and the status line wrap,
// so a result or a prompt is never cut.
func (s *Screen) View() string {
	if s.width <= 0 || s.height <= 0 {
		return ""
	}
	header, status := s.headerLines(), s.statusLines()
	var body []string
	if s.mode == modeText {
		body = s.text.view(&s.ctx.Styles)
	} else {
		body = s.listView()
	}
	bodyHeight := max(s.height-len(header)-len(status), 0)
	body = body[:min(len(body), bodyHeight)]
	for len(body) < bodyHeight {
		body = append(body, "")
	}
	if len(status) > s.height {
		status = status[len(status)-s.height:]
	}
	header = header[:min(len(header), s.height-len(status))]
	lines := append(append(header, body...), status...)
	for i, l := range lines {
		if ansi.StringWidth(l) > s.width {
			lines[i] = ansi.Truncate(l, s.width, "…")
		}
	}
	return strings.Join(lines, "\n")
}

// wrap wraps plain text to the width and styles each line; continuation
// lines are indented by indent.
func wrap(style lipgloss.Style, text string, width int, indent string) []string {
	lines := strings.Split(ansi.Wrap(text, max(width-len(indent), 10), ""), "\n")
	for i, l := range lines {
		if i > 0 {
			l = indent + l
		}
		lines[i] = style.Render(l)
	}
	return lines
}

// headerLines are the lines above the body: the title and where the run
// is, what the plan acts on, the summary, and the risk banner.
func (s *Screen) headerLines() []string {
	lines := s.titleLines()
	lines = append(lines, s.targetLines()...)
	lines = append(lines, s.summaryLine())
	if s.result != nil && len(s.result.Findings) > 0 {
		lines = append(lines, s.banner()...)
	}
	return lines
}

// titleLines are the title and the run's state, on one line when they fit;
// else the state wraps below the title.
func (s *Screen) titleLines() []string {
	st := &s.ctx.Styles
	t := st.Title.Render("Plan " + s.env)
	if s.protected {
		t += " " + st.Badge.Render(" PROTECTED ")
	}
	if s.terraform != "" {
		t += " " + st.Faint.Render(s.terraform)
	}
	style, state := s.stateText()
	if ansi.StringWidth(t)+2+ansi.StringWidth(state) <= s.width {
		if rest, ok := strings.CutPrefix(state, "reviewed"); ok && s.phase != phasePlanning {
			return []string{t + "  " + style.Render("reviewed") + st.Subtle.Render(rest)}
		}
		return []string{t + "  " + style.Render(state)}
	}
	return append([]string{t}, wrap(style, state, s.width, "  ")...)
}

// targetLines name what the plan acts on: the account, the region and the
// role assumed.
func (s *Screen) targetLines() []string {
	t := s.target
	if t.account == "" && t.region == "" {
		return nil
	}
	role := "no role: the ambient credentials"
	if t.role != "" {
		role = "role " + roleName(t.role, t.account)
	}
	var parts []string
	if t.account != "" {
		parts = append(parts, "account "+t.account)
	}
	if t.region != "" {
		parts = append(parts, "region "+t.region)
	}
	return wrap(s.ctx.Styles.Subtle, strings.Join(append(parts, role), " · "), s.width, "  ")
}

// roleName shortens a role's ARN to its name when the role is in the
// environment's account, which the header already names.
func roleName(arn, account string) string {
	prefix := "arn:aws:iam::" + account + ":role/"
	if name, ok := strings.CutPrefix(arn, prefix); ok && account != "" && name != "" {
		return name
	}
	return arn
}

// stateText says where the run is, with its style.
func (s *Screen) stateText() (lipgloss.Style, string) {
	st := &s.ctx.Styles
	spin := spinner[s.frame%len(spinner)]
	switch s.phase {
	case phasePlanning:
		if s.cancelling {
			return st.Warn, spin + " cancelling: waiting for Terraform to exit…"
		}
		text := spin + " " + s.step
		if s.refreshed > 0 {
			text += fmt.Sprintf(" · %d refreshed", s.refreshed)
		}
		return st.Info, text
	case phaseReviewed, phaseConfirm:
		if !s.result.HasChanges {
			return st.OK, "no changes: the infrastructure matches the configuration"
		}
		return st.OK, "reviewed · a to apply"
	case phasePlanFailed:
		return st.Error, strings.ToLower(s.failureTitle("plan"))
	case phaseApplying:
		done, total := s.applyCounts()
		if s.cancelling {
			return st.Warn, spin + " cancelling: waiting for Terraform to exit…"
		}
		return st.Info, fmt.Sprintf("%s applying %d/%d %s", spin, done, total, progressBar(done, total, 12))
	case phaseApplied:
		text := "applied"
		if a := s.applied; a != nil && a.Summary != nil {
			text = fmt.Sprintf("applied: %d added, %d changed, %d destroyed in %s", a.Summary.Add, a.Summary.Change, a.Summary.Remove, a.Elapsed.Round(100*time.Millisecond))
		}
		return st.OK, text
	case phaseApplyFailed:
		return st.Error, strings.ToLower(s.failureTitle("apply"))
	}
	return st.Subtle, ""
}

// applyCounts are the resources the apply finished and the ones it acts on.
func (s *Screen) applyCounts() (int, int) {
	total := 0
	if s.result != nil {
		for a, n := range s.result.Plan.Summary() {
			if changesResources(a) {
				total += n
			}
		}
	}
	done := 0
	if s.progress != nil {
		done = s.progress.done()
	}
	return done, max(total, done)
}

func progressBar(done, total, width int) string {
	if total == 0 {
		return ""
	}
	filled := done * width / total
	return strings.Repeat("█", filled) + strings.Repeat("░", width-filled)
}

// summaryLine is the live summary: +add ~change -destroy ±replace.
func (s *Screen) summaryLine() string {
	st := &s.ctx.Styles
	counts := s.list.counts()
	parts := []string{
		actionStyle(st, envs.ActionCreate).Render(fmt.Sprintf("+%d add", counts[envs.ActionCreate])),
		actionStyle(st, envs.ActionUpdate).Render(fmt.Sprintf("~%d change", counts[envs.ActionUpdate])),
		actionStyle(st, envs.ActionDelete).Render(fmt.Sprintf("-%d destroy", counts[envs.ActionDelete])),
		actionStyle(st, envs.ActionReplace).Render(fmt.Sprintf("±%d replace", counts[envs.ActionReplace])),
	}
	for _, a := range []envs.Action{envs.ActionImport, envs.ActionMove, envs.ActionForget, envs.ActionRead} {
		if counts[a] > 0 {
			parts = append(parts, st.Subtle.Render(fmt.Sprintf("%s%d %s", a.Symbol(), counts[a], a)))
		}
	}
	line := strings.Join(parts, "  ")
	if n := len(s.warnings); n > 0 {
		line += st.Warn.Render(fmt.Sprintf("  ⚠ %d warning(s) from Terraform (!)", n))
	}
	if f := s.list.filterText(); f != "" {
		line += st.Accent.Render("  filtered: " + f)
	}
	return line
}

// banner is the risk banner: the count, then as many whole findings, most
// serious first, as a quarter of the screen holds (the first always). Over
// a text (a diff, the findings) it is the count alone: the text has room.
func (s *Screen) banner() []string {
	st := &s.ctx.Styles
	f := s.result.Findings
	high := 0
	for _, x := range f {
		if x.Severity == envs.SeverityHigh {
			high++
		}
	}
	style, head := st.Warn, fmt.Sprintf("%d finding(s)", len(f))
	if high > 0 {
		style, head = st.FlashError, fmt.Sprintf("HIGH RISK: %d of %d finding(s) high", high, len(f))
	}
	budget := max(s.height/4, 1)
	var body []string
	shown := 0
	for i, x := range f {
		if s.mode == modeText {
			break
		}
		lines := wrap(style, "  "+x.Message, s.width, "    ")
		if i > 0 && len(body)+len(lines) > budget {
			break
		}
		body = append(body, lines...)
		shown++
	}
	more := "  (! lists them)"
	if hidden := len(f) - shown; hidden > 0 && s.mode == modeList {
		more = fmt.Sprintf("  (%d more: ! lists them)", hidden)
	}
	return append([]string{style.Render("! " + head + st.Subtle.Render(more))}, body...)
}

// listView draws the rows in view, or says why there are none.
func (s *Screen) listView() []string {
	st := &s.ctx.Styles
	if len(s.list.shown) == 0 {
		switch {
		case len(s.list.rows) > 0:
			return wrap(st.Subtle, fmt.Sprintf("No change matches the filter (%s); esc clears it.", s.list.filterText()), s.width, "")
		case s.phase == phasePlanning:
			return []string{st.Subtle.Render("Waiting for Terraform's first planned change…")}
		}
		return []string{st.Subtle.Render("No changes.")}
	}
	now := s.ctx.Now()
	return s.list.view(st, s.width, func(r row) string {
		if s.progress == nil {
			return ""
		}
		return s.progress.text(st, r, now, s.frame)
	})
}

// diffLines renders a change's attribute diff, as the review's report has
// it, with its findings and notes above it.
func (s *Screen) diffLines(r row) []string {
	st := &s.ctx.Styles
	var out []string
	if s.result != nil {
		for _, f := range envs.FindingsFor(s.result.Findings, r.address) {
			style := st.Warn
			if f.Severity == envs.SeverityHigh {
				style = st.Error
			}
			out = append(out, style.Render("! "+f.Message))
		}
	}
	c := r.change
	for _, n := range envs.ChangeNotes(c) {
		out = append(out, st.Subtle.Render(n))
	}
	if len(out) > 0 {
		out = append(out, "")
	}
	if r.report == nil {
		return append(out, st.Error.Render("no attribute diff: the review's report does not have this change"))
	}
	for _, d := range r.report.Attributes {
		out = append(out, diffLine(st, d))
	}
	if len(r.report.Attributes) == 0 {
		out = append(out, st.Subtle.Render("no attribute changes"))
	}
	if n := r.report.Unchanged; n > 0 && c.Action != envs.ActionCreate && c.Action != envs.ActionDelete {
		out = append(out, st.Faint.Render(unchangedText(n)))
	}
	return out
}

func diffLine(st *theme.Styles, d envs.AttrDiff) string {
	var style lipgloss.Style
	var value string
	switch d.Kind {
	case envs.DiffAdded:
		style, value = st.OK, d.After
	case envs.DiffRemoved:
		style, value = st.Error, d.Before
	default:
		style, value = st.Warn, d.Before+" → "+d.After
	}
	line := style.Render(string(d.Kind)+" "+d.Path) + ": "
	if d.Sensitive || d.Unknown {
		line += st.Subtle.Render(value)
	} else {
		line += value
	}
	if d.ForcesReplacement {
		line += st.Error.Render("  # forces replacement")
	}
	return line
}

// statusLines are the bottom lines: the filter, the confirmation, a hint,
// or the selected change; wrapped, never cut.
func (s *Screen) statusLines() []string {
	st := &s.ctx.Styles
	w := s.width
	switch {
	case s.hint != "":
		return wrap(st.Warn, s.hint, w, "")
	case s.filter.Editing():
		return []string{s.filter.View()}
	case s.phase == phaseConfirm && s.confirm.typed:
		if s.confirm.err != "" {
			return wrap(st.Error, s.confirm.err, w, "")
		}
		prompt := s.confirmPrompt()
		input := s.confirm.input.View()
		if ansi.StringWidth(prompt)+ansi.StringWidth(input) <= w {
			return []string{st.FlashError.Render(prompt) + input}
		}
		lines := wrap(st.FlashError, strings.TrimSpace(prompt), w, "")
		if last := len(lines) - 1; ansi.StringWidth(lines[last])+1+ansi.StringWidth(input) <= w {
			lines[last] += st.FlashError.Render(" ") + input
			return lines
		}
		return append(lines, input)
	case s.phase == phaseConfirm:
		return wrap(st.Warn, fmt.Sprintf("Apply %d change(s) to %s? y/n", s.result.Plan.Summary().Total(), s.env), w, "")
	case s.phase == phasePlanning || s.phase == phaseApplying:
		return wrap(st.Faint, "ctrl+c interrupts Terraform and waits for it to exit cleanly", w, "")
	}
	if r, ok := s.list.selected(); ok && s.mode == modeList {
		return wrap(st.Faint, string(r.action)+" "+r.address, w, "")
	}
	return []string{""}
}

// confirmPrompt asks for the environment's name.
func (s *Screen) confirmPrompt() string {
	return fmt.Sprintf("%s. Type %s to apply: ", s.confirmReason(), s.env)
}

// confirmReason says why the name must be typed.
func (s *Screen) confirmReason() string {
	var why []string
	if s.protected {
		why = append(why, s.env+" is protected")
	}
	high := 0
	for _, f := range s.result.Findings {
		if f.Severity == envs.SeverityHigh && f.Rule != envs.RuleProtected {
			high++
		}
	}
	if high > 0 {
		why = append(why, "the plan is high risk")
	}
	switch {
	case len(why) == 0:
		return "Confirm"
	case !s.protected:
		return "The plan is high risk"
	}
	return strings.Join(why, " and ")
}

// actionStyle colours an action.
func actionStyle(st *theme.Styles, a envs.Action) lipgloss.Style {
	switch a {
	case envs.ActionCreate, envs.ActionImport:
		return st.OK
	case envs.ActionUpdate, envs.ActionMove:
		return st.Warn
	case envs.ActionDelete, envs.ActionReplace, envs.ActionForget:
		return st.Error
	}
	return st.Subtle
}

// unchangedText says how many unchanged attributes a diff leaves out.
func unchangedText(n int) string {
	if n == 1 {
		return "(1 unchanged attribute hidden)"
	}
	return fmt.Sprintf("(%d unchanged attributes hidden)", n)
}
