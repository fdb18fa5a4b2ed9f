package plan

import (
	"cmp"
	"slices"
	"strings"

	"github.com/envbench/envbench/envs"
)

// row is one line of the change list: an action group's header or a change.
type row struct {
	header  bool
	action  envs.Action
	count   int    // a header's number of changes
	address string // a change's address
	note    string // moved from, forces replacement...
	change  *envs.Change
	report  *envs.ChangeReport // the change's diff, as the review computed it
	risk    envs.Severity      // the worst finding on this resource
}

// item is a change before grouping.
type item struct {
	action  envs.Action
	address string
	note    string
	change  *envs.Change
	report  *envs.ChangeReport
	risk    envs.Severity
}

// groupRows sorts items by action then address and puts a header before
// each action's group.
func groupRows(items []item) []row {
	slices.SortStableFunc(items, func(a, b item) int {
		return cmp.Or(cmp.Compare(slices.Index(envs.ActionOrder, a.action), slices.Index(envs.ActionOrder, b.action)), envs.CompareAddresses(a.address, b.address))
	})
	rows := make([]row, 0, len(items)+len(envs.ActionOrder))
	for i := 0; i < len(items); {
		j := i
		for j < len(items) && items[j].action == items[i].action {
			j++
		}
		rows = append(rows, row{header: true, action: items[i].action, count: j - i})
		for _, it := range items[i:j] {
			rows = append(rows, row{action: it.action, address: it.address, note: it.note, change: it.change, report: it.report, risk: it.risk})
		}
		i = j
	}
	return rows
}

// reviewedItems are the plan's changes with their notes, their diffs from
// the report and their worst finding.
func reviewedItems(p *envs.Plan, report *envs.Report, findings []envs.Finding) []item {
	worst := map[string]envs.Severity{}
	for _, f := range findings {
		if f.Address != "" && f.Severity.Rank() > worst[f.Address].Rank() {
			worst[f.Address] = f.Severity
		}
	}
	reports := map[string]*envs.ChangeReport{}
	if report != nil {
		for i := range report.Changes {
			reports[report.Changes[i].Address] = &report.Changes[i]
		}
	}
	items := make([]item, 0, len(p.Changes))
	for _, c := range p.Changes {
		items = append(items, item{action: c.Action, address: c.Address, note: strings.Join(envs.ChangeNotes(c), "; "),
			change: c, report: reports[c.Address], risk: worst[c.Address]})
	}
	return items
}

// filterRows keeps the changes that match the text and action filters, and
// the headers of groups that keep a change (with their counts updated).
func filterRows(rows []row, text string, action envs.Action) []row {
	text = strings.ToLower(text)
	if text == "" && action == "" {
		return rows
	}
	out := make([]row, 0, len(rows))
	header := -1
	for _, r := range rows {
		if r.header {
			header = -1
			if action == "" || r.action == action {
				out = append(out, row{header: true, action: r.action})
				header = len(out) - 1
			}
			continue
		}
		if header < 0 || (text != "" && !strings.Contains(strings.ToLower(r.address), text)) {
			continue
		}
		out = append(out, r)
		out[header].count++
	}
	// Drop headers left without changes.
	kept := out[:0]
	for _, r := range out {
		if !r.header || r.count > 0 {
			kept = append(kept, r)
		}
	}
	return kept
}

// actionsPresent lists the actions the rows hold, in display order.
func actionsPresent(rows []row) []envs.Action {
	var out []envs.Action
	for _, r := range rows {
		if r.header {
			out = append(out, r.action)
		}
	}
	return out
}
