package run

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/sweep"
	"github.com/envbench/envbench/pipeline"
)

// request is one approval a run waits for: the pipeline's goroutine blocks
// until the screen sends on reply (buffered, so the screen never blocks)
// or the run's context is done.
type request struct {
	approval pipeline.Approval
	reply    chan answer
}

type answer struct {
	typed string
	err   error
}

// AskMsg says the run waits for an approval.
type AskMsg struct {
	RunID string
	req   *request
}

// Approval returns what the run asks to approve.
func (m AskMsg) Approval() pipeline.Approval { return m.req.approval }

// approver returns the run's Approver: it hands the request to the screen
// through the feed and waits for the answer or for ctx.
func (f *feed) approver() pipeline.Approver {
	return func(ctx context.Context, a pipeline.Approval) (string, error) {
		req := &request{approval: a, reply: make(chan answer, 1)}
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			return "", ErrScreenClosed
		}
		f.asks = append(f.asks, req)
		f.mu.Unlock()
		f.signal()
		select {
		case ans := <-req.reply:
			return ans.typed, ans.err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

// ErrScreenClosed answers an approval asked after its run screen was
// closed: the run stops there, resumable (R on the environment screen).
var ErrScreenClosed = errors.New("the run screen was closed, so no one could approve; resume the run to answer")

// close refuses every approval asked from now on, and those not yet shown.
func (f *feed) close() {
	f.mu.Lock()
	f.closed = true
	asks := f.asks
	f.asks = nil
	f.mu.Unlock()
	for _, req := range asks {
		req.reply <- answer{err: ErrScreenClosed}
	}
}

// ApprovalLines draws what a run asks to approve, in at most height rows
// of width cells, without the answer line: for a clone, the plan's counts
// and its findings, most severe first; for a teardown, the destroy plan's
// counts and what the sweep deletes beyond Terraform's state.
func ApprovalLines(a pipeline.Approval, width, height int) []string {
	title := "approve the plan of " + a.Env
	switch a.Pipeline {
	case "teardown":
		title = "destroy " + a.Env
	case "reap":
		title = "reap the expired sandboxes"
	}
	lines := []string{rule(title, width)}
	switch {
	case a.Pipeline == "reap":
		lines = append(lines, fmt.Sprintf("%d expired, each torn down in turn (destroy, then the sweep):", len(a.Targets)))
	case a.Plan != nil && a.Pipeline == "teardown":
		lines = append(lines, "destroy plan: "+a.Plan.Summary().String())
	case a.Plan != nil:
		lines = append(lines, "plan: "+a.Plan.Summary().String())
	default:
		lines = append(lines, "the plan was reviewed before this retry; the apply reviews it again")
	}
	findings := slices.Clone(a.Findings)
	slices.SortStableFunc(findings, envs.CompareFindings)
	var body []string
	for _, t := range a.Targets {
		body = append(body, "  "+t)
	}
	if len(findings) > 0 {
		lines = append(lines, fmt.Sprintf("%d finding(s), most severe first:", len(findings)))
		for _, f := range findings {
			body = append(body, FindingLine(f))
		}
	} else if a.Plan != nil && a.Pipeline != "reap" {
		lines = append(lines, "no risk findings")
	}
	if a.Sweep != nil {
		body = append(body, fmt.Sprintf("tagged %s=%s in %s %s: %d, %d beyond Terraform's state (the sweep's):",
			sweep.TagKey, a.Env, a.Sweep.Account, a.Sweep.Region, len(a.Sweep.Items), len(a.Leftovers)))
		for _, it := range a.Leftovers {
			body = append(body, "  "+it.Type+" "+it.Explain())
		}
	}
	var wrapped []string
	for _, l := range body {
		wrapped = append(wrapped, wrap(l, width)...)
	}
	body = wrapped
	room := max(height-len(lines), 0)
	if len(body) > room {
		cut := len(body) - room + 1
		body = append(body[:max(room-1, 0)], fmt.Sprintf("… and %d more", cut))
		if room == 0 {
			body = nil
		}
	}
	lines = append(lines, body...)
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, width, "…")
	}
	return lines
}

// FindingLine is one risk finding: severity, message, where.
func FindingLine(f envs.Finding) string {
	s := fmt.Sprintf("  %-6s %s", strings.ToUpper(string(f.Severity)), f.Message)
	if f.Address != "" && !strings.Contains(f.Message, f.Address) {
		s += " (" + f.Address + ")"
	}
	return s
}

// AnswerHint is the line that says how to answer a.
func AnswerHint(a pipeline.Approval) string {
	verb := "apply"
	switch a.Pipeline {
	case "teardown":
		verb = "destroy"
	case "reap":
		verb = "tear them down"
	}
	if a.NeedsName {
		return "type " + a.Env + " to " + verb + " · enter confirm · esc decline"
	}
	return "y " + verb + " · n decline"
}

func rule(title string, width int) string {
	return ansi.Truncate("── "+title+" "+strings.Repeat("─", max(width, 0)), width, "")
}

// ReportLines draws a teardown's sweep report (pipeline.WriteSweepReport)
// in at most height rows: what was removed, what remains and what holds
// it, the remaining first when they do not all fit.
func ReportLines(res *pipeline.TeardownResult, width, height int) []string {
	var b strings.Builder
	pipeline.WriteSweepReport(&b, res)
	body := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	lines := []string{rule("sweep report", width)}
	if len(body) > 0 {
		lines = append(lines, body[0])
		body = body[1:]
	}
	// What remains matters most: it goes first when space is short.
	slices.SortStableFunc(body, func(a, b string) int {
		return boolRank(strings.HasPrefix(strings.TrimSpace(a), "remains")) - boolRank(strings.HasPrefix(strings.TrimSpace(b), "remains"))
	})
	// Wrapped, not cut: the blocker and who made it are at the end.
	var wrapped []string
	for _, l := range body {
		wrapped = append(wrapped, wrap(l, width)...)
	}
	body = wrapped
	room := max(height-len(lines), 0)
	if len(body) > room {
		more := len(body) - max(room-1, 0)
		body = append(body[:max(room-1, 0)], fmt.Sprintf("… and %d more line(s) (L: the full log)", more))
		if room == 0 {
			body = nil
		}
	}
	lines = append(lines, body...)
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, width, "…")
	}
	return lines
}

func boolRank(b bool) int {
	if b {
		return 0
	}
	return 1
}

// NewAskMsg returns the message of a run asking for a, for tests that play
// a run's messages themselves: its answer goes nowhere.
func NewAskMsg(runID string, a pipeline.Approval) AskMsg {
	return AskMsg{RunID: runID, req: &request{approval: a, reply: make(chan answer, 1)}}
}

// wrap breaks line into rows of width cells, the rows after the first
// indented under it.
func wrap(line string, width int) []string {
	const indent = "      "
	if width <= len(indent)+10 || ansi.StringWidth(line) <= width {
		return []string{line}
	}
	rows := strings.Split(ansi.Wrap(line, width, " "), "\n")
	out := rows[:1]
	if len(rows) > 1 {
		rest := strings.Join(rows[1:], " ")
		for _, r := range strings.Split(ansi.Wrap(rest, width-len(indent), " "), "\n") {
			out = append(out, indent+r)
		}
	}
	return out
}
