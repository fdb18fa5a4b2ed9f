package plan

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/ui/components"
	"github.com/envbench/envbench/ui/theme"
)

var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// headerHeight is the lines above the body: title, summary, and the risk
// banner when there are findings.
func (s *Screen) headerHeight() int {
	h := 2
	if s.result != nil && len(s.result.Findings) > 0 {
		h += 2
	}
	return h
}

// bodyHeight is the lines the list or text gets.
func (s *Screen) bodyHeight() int {
	return max(s.height-s.headerHeight()-1, 1)
}

func (s *Screen) clampOffset() {
	h := s.bodyHeight()
	if s.cursor < s.offset {
		s.offset = s.cursor
	}
	if s.cursor >= s.offset+h {
		s.offset = s.cursor - h + 1
	}
	s.offset = max(min(s.offset, len(s.shown)-h), 0)
	// Keep a group's header in view above its first change.
	if s.offset > 0 && s.offset == s.cursor && s.shown[s.offset-1].header {
		s.offset--
	}
}

// View draws the header, the risk banner, the body and the status line.
func (s *Screen) View() string {
	if s.width <= 0 || s.height <= 0 {
		return ""
	}
	lines := []string{s.titleLine(), s.summaryLine()}
	if s.result != nil && len(s.result.Findings) > 0 {
		lines = append(lines, s.banner()...)
	}
	if s.mode == modeText {
		lines = append(lines, s.textView()...)
	} else {
		lines = append(lines, s.listView()...)
	}
	for len(lines) < s.height-1 {
		lines = append(lines, "")
	}
	lines = append(lines[:s.height-1], s.statusLine())
	for i, l := range lines {
		if ansi.StringWidth(l) > s.width {
			lines[i] = ansi.Truncate(l, s.width, "…")
		}
	}
	return strings.Join(lines[:min(len(lines), s.height)], "\n")
}

func (s *Screen) titleLine() string {
	st := &s.ctx.Styles
	t := st.Title.Render("Plan " + s.env)
	if s.protected {
		t += " " + st.Badge.Render(" PROTECTED ")
	}
	if s.terraform != "" {
		t += " " + st.Faint.Render(s.terraform)
	}
	return t + "  " + s.stateText()
}

// stateText says where the run is.
func (s *Screen) stateText() string {
	st := &s.ctx.Styles
	spin := spinner[s.frame%len(spinner)]
	switch s.phase {
	case phasePlanning:
		if s.cancelling {
			return st.Warn.Render(spin + " cancelling: waiting for Terraform to exit…")
		}
		text := spin + " " + s.step
		if s.refreshed > 0 {
			text += fmt.Sprintf(" · %d refreshed", s.refreshed)
		}
		return st.Info.Render(text)
	case phaseReviewed, phaseConfirm:
		if !s.result.HasChanges {
			return st.OK.Render("no changes: the infrastructure matches the configuration")
		}
		return st.OK.Render("reviewed") + st.Subtle.Render(" · a to apply")
	case phasePlanFailed:
		return st.Error.Render(strings.ToLower(s.failureTitle("plan")))
	case phaseApplying:
		done, total := s.applyCounts()
		if s.cancelling {
			return st.Warn.Render(spin + " cancelling: waiting for Terraform to exit…")
		}
		return st.Info.Render(fmt.Sprintf("%s applying %d/%d %s", spin, done, total, progressBar(done, total, 12)))
	case phaseApplied:
		text := "applied"
		if a := s.applied; a != nil && a.Summary != nil {
			text = fmt.Sprintf("applied: %d added, %d changed, %d destroyed in %s", a.Summary.Add, a.Summary.Change, a.Summary.Remove, a.Elapsed.Round(100*time.Millisecond))
		}
		return st.OK.Render(text)
	case phaseApplyFailed:
		return st.Error.Render(strings.ToLower(s.failureTitle("apply")))
	}
	return ""
}

func (s *Screen) applyCounts() (int, int) {
	total := 0
	if s.result != nil {
		// Moves, imports and forgets change no resource: no apply events.
		sum := s.result.Plan.Summary()
		total = sum[envs.ActionCreate] + sum[envs.ActionUpdate] + sum[envs.ActionDelete] + sum[envs.ActionReplace]
	}
	done := 0
	for _, a := range s.applying {
		if a.state == "done" {
			done++
		}
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
	counts := map[envs.Action]int{}
	for _, r := range s.rows {
		if r.header {
			counts[r.action] = r.count
		}
	}
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
	var filters []string
	if s.actionFilter != "" {
		filters = append(filters, "action "+string(s.actionFilter))
	}
	if f := s.filter.Value(); f != "" {
		filters = append(filters, fmt.Sprintf("%q", f))
	}
	if len(filters) > 0 {
		line += st.Accent.Render("  filtered: " + strings.Join(filters, ", "))
	}
	return line
}

// banner is the risk banner: the count and the most serious finding.
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
	first := "! " + head + st.Subtle.Render("  (! lists them)")
	return []string{style.Render(first), style.Render("  " + f[0].Message)}
}

// listView draws the rows that fit, only those.
func (s *Screen) listView() []string {
	st := &s.ctx.Styles
	h := s.bodyHeight()
	if len(s.shown) == 0 {
		switch {
		case s.phase == phasePlanning:
			return []string{st.Subtle.Render("Waiting for Terraform's first planned change…")}
		case len(s.rows) > 0:
			return []string{st.Subtle.Render("No change matches the filter; esc clears it.")}
		}
		return []string{st.Subtle.Render("No changes.")}
	}
	end := min(s.offset+h, len(s.shown))
	out := make([]string, 0, end-s.offset)
	for i := s.offset; i < end; i++ {
		out = append(out, s.rowLine(s.shown[i], i == s.cursor))
	}
	return out
}

func (s *Screen) rowLine(r row, selected bool) string {
	st := &s.ctx.Styles
	if r.header {
		return actionStyle(st, r.action).Bold(true).Render(fmt.Sprintf("%s %s (%d)", r.action.Symbol(), r.action, r.count))
	}
	marker := " "
	switch r.risk {
	case envs.SeverityHigh:
		marker = "!"
	case envs.SeverityMedium:
		marker = "•"
	}
	status := s.applyText(r.address)
	statusWidth := ansi.StringWidth(status)
	avail := max(s.width-6-statusWidth, 10)
	text := r.address
	if r.note != "" {
		text += "  " + r.note
	}
	text = components.Fit(text, avail)
	if selected {
		plain := fmt.Sprintf(" %s %s %s", marker, r.action.Symbol(), text)
		return st.Selected.Render(components.Fit(plain, s.width-statusWidth-1)) + " " + status
	}
	addr := components.Fit(r.address, min(ansi.StringWidth(r.address), avail))
	rest := ""
	if w := ansi.StringWidth(addr); w < avail {
		rest = st.Faint.Render(components.Fit(strings.TrimPrefix(text, addr), avail-w))
	}
	m := marker
	switch r.risk {
	case envs.SeverityHigh:
		m = st.Error.Render(marker)
	case envs.SeverityMedium:
		m = st.Warn.Render(marker)
	}
	return " " + m + " " + actionStyle(st, r.action).Render(r.action.Symbol()) + " " + addr + rest + " " + status
}

// applyText is a resource's apply progress: ✓ 2s, ⠋ 5s, ✗ 3s or · waiting.
func (s *Screen) applyText(address string) string {
	if s.applying == nil {
		return ""
	}
	st := &s.ctx.Styles
	a := s.applying[address]
	if a == nil {
		return st.Faint.Render("·")
	}
	elapsed := a.elapsed
	switch a.state {
	case "running":
		if since := s.ctx.Now().Sub(a.started); since > elapsed {
			elapsed = since
		}
		return st.Info.Render(spinner[s.frame%len(spinner)] + " " + elapsed.Round(time.Second).String())
	case "failed":
		return st.Error.Render("✗ " + elapsed.Round(time.Second).String())
	}
	return st.OK.Render("✓ " + elapsed.Round(time.Second).String())
}

// textView draws the text body: a diff, the findings or an error.
func (s *Screen) textView() []string {
	st := &s.ctx.Styles
	h := s.bodyHeight() - 1
	var wrapped []string
	for _, l := range s.textLines {
		wrapped = append(wrapped, strings.Split(ansi.Wrap(l, max(s.width-2, 10), " /.,"), "\n")...)
	}
	s.textOffset = min(s.textOffset, max(len(wrapped)-h, 0))
	end := min(s.textOffset+h, len(wrapped))
	out := []string{st.Title.Render(s.textTitle) + st.Faint.Render(fmt.Sprintf("  %d-%d of %d", min(s.textOffset+1, end), end, len(wrapped)))}
	for _, l := range wrapped[s.textOffset:end] {
		out = append(out, " "+l)
	}
	return out
}

// diffLines renders a change's attribute diff with its findings above it.
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
	if c.PreviousAddress != "" {
		out = append(out, st.Subtle.Render("moved from "+c.PreviousAddress))
	}
	if c.ActionReason != "" {
		out = append(out, st.Subtle.Render("reason: "+strings.ReplaceAll(c.ActionReason, "_", " ")))
	}
	if len(out) > 0 {
		out = append(out, "")
	}
	diffs, unchanged, err := c.Diff(envs.DiffOptions{})
	if err != nil {
		return append(out, st.Error.Render(err.Error()))
	}
	for _, d := range diffs {
		out = append(out, diffLine(st, d))
	}
	if len(diffs) == 0 {
		out = append(out, st.Subtle.Render("no attribute changes"))
	}
	if unchanged > 0 && c.Action != envs.ActionCreate && c.Action != envs.ActionDelete {
		out = append(out, st.Faint.Render(unchangedText(unchanged)))
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

// statusLine is the bottom line: the filter, the confirmation, or a hint.
func (s *Screen) statusLine() string {
	st := &s.ctx.Styles
	switch {
	case s.hint != "":
		return st.Warn.Render(s.hint)
	case s.filter.Editing():
		return s.filter.View()
	case s.phase == phaseConfirm && s.needsTypedName():
		if s.confirmErr != "" {
			return st.Error.Render(s.confirmErr)
		}
		return st.FlashError.Render(fmt.Sprintf("%s. Type %s to apply: ", s.confirmReason(), s.env)) + s.confirm.View()
	case s.phase == phaseConfirm:
		return st.Warn.Render(fmt.Sprintf("Apply %d change(s) to %s? y/n", s.result.Plan.Summary().Total(), s.env))
	case s.phase == phasePlanning || s.phase == phaseApplying:
		return st.Faint.Render("ctrl+c interrupts Terraform and waits for it to exit cleanly")
	}
	if r, ok := s.selected(); ok && s.mode == modeList {
		return st.Faint.Render(string(r.action) + " " + r.address)
	}
	return ""
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
