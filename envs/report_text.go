package envs

import (
	"cmp"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// WriteReportText writes a report as text, as `show-plan` and `plan` print
// it: the summary, the findings, then the changes grouped by action with
// their attribute diffs, the drift and the changed outputs. Values are
// masked as in the report.
func WriteReportText(w io.Writer, r *Report) {
	writeTextHead(w, r)
	groups := map[Action][]int{}
	for i := range r.Changes {
		groups[r.Changes[i].Action] = append(groups[r.Changes[i].Action], i)
	}
	var b []byte
	for _, a := range ActionOrder {
		group := groups[a]
		if len(group) == 0 {
			continue
		}
		b = appendGroupHeader(b[:0], a, len(group))
		for _, i := range group {
			if a == ActionNoOp {
				b = appendNoOpText(b, r.Changes[i].Address)
			} else {
				b = appendChangeText(b, &r.Changes[i])
			}
			w.Write(b)
			b = b[:0]
		}
	}
	if len(r.Drift) > 0 {
		fmt.Fprintf(w, "\nChanged outside Terraform (%d)\n", len(r.Drift))
		for i := range r.Drift {
			w.Write(appendChangeText(b[:0], &r.Drift[i]))
		}
	}
	writeTextOutputs(w, r)
}

// writeTextHead writes the summary line and the findings.
func writeTextHead(w io.Writer, r *Report) {
	summary := Summary(r.Summary)
	title := "Plan"
	if r.Environment != "" {
		title += " for " + r.Environment
	}
	fmt.Fprintf(w, "%s: %s (%d to change; Terraform %s, plan format %s)\n", title, summary, summary.Total(), cmp.Or(r.TerraformVersion, "version unknown"), r.FormatVersion)
	if r.Incomplete {
		fmt.Fprintln(w, "INCOMPLETE: Terraform stopped on an error while planning.")
	}
	if len(r.Findings) > 0 {
		if high := HighCount(r.Findings); high > 0 {
			fmt.Fprintf(w, "\nHIGH RISK: %d of %d finding(s) high\n", high, len(r.Findings))
		} else {
			fmt.Fprintf(w, "\nFindings (%d)\n", len(r.Findings))
		}
		var b []byte
		for _, f := range r.Findings {
			b = append(b[:0], "  "...)
			b = append(b, f.Severity...)
			for n := utf8.RuneCountInString(string(f.Severity)); n < 6; n++ { // %-6s
				b = append(b, ' ')
			}
			b = append(b, ' ')
			b = append(b, f.Message...)
			w.Write(append(b, '\n'))
		}
	}
}

// writeTextOutputs writes the outputs that change.
func writeTextOutputs(w io.Writer, r *Report) {
	header := false
	for _, out := range r.Outputs {
		if out.Action == ActionNoOp {
			continue
		}
		if !header {
			fmt.Fprintf(w, "\nOutputs\n")
			header = true
		}
		fmt.Fprintf(w, "  %s %s\n", out.Action.Symbol(), out.Name)
	}
}

// appendGroupHeader appends the line that opens the changes of an action.
func appendGroupHeader(b []byte, a Action, n int) []byte {
	b = append(b, '\n')
	b = append(b, a.Symbol()...)
	b = append(b, ' ')
	b = append(b, a...)
	b = append(b, " ("...)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, ")\n"...)
}

// appendNoOpText appends a change that does nothing: its address alone.
func appendNoOpText(b []byte, address string) []byte {
	b = append(b, "    "...)
	b = append(b, address...)
	return append(b, '\n')
}

// appendChangeText appends a change with its attribute diffs.
func appendChangeText(b []byte, c *ChangeReport) []byte {
	b = append(b, "  "...)
	b = append(b, c.Action.Symbol()...)
	b = append(b, ' ')
	b = append(b, c.Address...)
	notes := 0
	note := func(parts ...string) {
		if notes == 0 {
			b = append(b, "  ("...)
		} else {
			b = append(b, "; "...)
		}
		notes++
		for _, p := range parts {
			b = append(b, p...)
		}
	}
	if c.PreviousAddress != "" {
		note("moved from ", c.PreviousAddress)
	}
	if c.ImportingID != "" {
		note("importing ", c.ImportingID)
	}
	if c.Action == ActionReplace {
		note("replaced because ", c.ReplaceReason)
	}
	if notes > 0 {
		b = append(b, ')')
	}
	b = append(b, '\n')
	for i := range c.Attributes {
		d := &c.Attributes[i]
		b = append(b, "      "...)
		b = append(b, d.Kind...)
		b = append(b, ' ')
		b = append(b, d.Path...)
		b = append(b, ": "...)
		switch d.Kind {
		case DiffAdded:
			b = append(b, d.After...)
		case DiffRemoved:
			b = append(b, d.Before...)
		default:
			b = append(b, d.Before...)
			b = append(b, " → "...)
			b = append(b, d.After...)
		}
		if d.ForcesReplacement {
			b = append(b, "  # forces replacement"...)
		}
		b = append(b, '\n')
	}
	if c.Unchanged > 0 && c.Action != ActionCreate && c.Action != ActionDelete {
		if c.Unchanged == 1 {
			b = append(b, "      (1 unchanged attribute hidden)\n"...)
		} else {
			b = append(b, "      ("...)
			b = strconv.AppendInt(b, int64(c.Unchanged), 10)
			b = append(b, " unchanged attributes hidden)\n"...)
		}
	}
	return b
}
