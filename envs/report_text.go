package envs

import (
	"cmp"
	"fmt"
	"io"
	"strings"
)

// WriteReportText writes a report as text, as `show-plan` and `plan` print
// it: the summary, the findings, then the changes grouped by action with
// their attribute diffs, the drift and the changed outputs. Values are
// masked as in the report.
func WriteReportText(w io.Writer, r *Report) {
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
		for _, f := range r.Findings {
			fmt.Fprintf(w, "  %-6s %s\n", f.Severity, f.Message)
		}
	}
	groups := map[Action][]ChangeReport{}
	for _, c := range r.Changes {
		groups[c.Action] = append(groups[c.Action], c)
	}
	for _, a := range ActionOrder {
		changes := groups[a]
		if len(changes) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s %s (%d)\n", a.Symbol(), a, len(changes))
		if a == ActionNoOp {
			for _, c := range changes {
				fmt.Fprintf(w, "    %s\n", c.Address)
			}
			continue
		}
		for _, c := range changes {
			writeChangeText(w, c)
		}
	}
	if len(r.Drift) > 0 {
		fmt.Fprintf(w, "\nChanged outside Terraform (%d)\n", len(r.Drift))
		for _, c := range r.Drift {
			writeChangeText(w, c)
		}
	}
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

func writeChangeText(w io.Writer, c ChangeReport) {
	line := "  " + c.Action.Symbol() + " " + c.Address
	var notes []string
	if c.PreviousAddress != "" {
		notes = append(notes, "moved from "+c.PreviousAddress)
	}
	if c.ImportingID != "" {
		notes = append(notes, "importing "+c.ImportingID)
	}
	if c.Action == ActionReplace {
		notes = append(notes, "replaced because "+c.ReplaceReason)
	}
	if len(notes) > 0 {
		line += "  (" + strings.Join(notes, "; ") + ")"
	}
	fmt.Fprintln(w, line)
	for _, d := range c.Attributes {
		fmt.Fprintf(w, "      %s %s: %s\n", d.Kind, d.Path, attrValueText(d))
	}
	if c.Unchanged > 0 && c.Action != ActionCreate && c.Action != ActionDelete {
		if c.Unchanged == 1 {
			fmt.Fprintln(w, "      (1 unchanged attribute hidden)")
		} else {
			fmt.Fprintf(w, "      (%d unchanged attributes hidden)\n", c.Unchanged)
		}
	}
}

func attrValueText(d AttrDiff) string {
	var s string
	switch d.Kind {
	case DiffAdded:
		s = d.After
	case DiffRemoved:
		s = d.Before
	default:
		s = d.Before + " → " + d.After
	}
	if d.ForcesReplacement {
		s += "  # forces replacement"
	}
	return s
}
