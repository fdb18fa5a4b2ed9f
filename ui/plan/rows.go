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
	risk    envs.Severity // the worst finding on this resource
}

// streamedAction maps the action of a planned_change event to the review's.
func streamedAction(a string) envs.Action {
	switch a {
	case "create":
		return envs.ActionCreate
	case "update":
		return envs.ActionUpdate
	case "delete":
		return envs.ActionDelete
	case "replace":
		return envs.ActionReplace
	case "read":
		return envs.ActionRead
	case "noop":
		return envs.ActionNoOp
	case "move":
		return envs.ActionMove
	case "import":
		return envs.ActionImport
	case "forget":
		return envs.ActionForget
	}
	return envs.ActionOther
}

// item is a change before grouping.
type item struct {
	action  envs.Action
	address string
	note    string
	change  *envs.Change
	risk    envs.Severity
}

// groupRows sorts items by action then address and puts a header before
// each action's group.
func groupRows(items []item) []row {
	slices.SortStableFunc(items, func(a, b item) int {
		return cmp.Or(cmp.Compare(slices.Index(envs.ActionOrder, a.action), slices.Index(envs.ActionOrder, b.action)), cmp.Compare(a.address, b.address))
	})
	rows := make([]row, 0, len(items)+len(envs.ActionOrder))
	for i := 0; i < len(items); {
		j := i
		for j < len(items) && items[j].action == items[i].action {
			j++
		}
		rows = append(rows, row{header: true, action: items[i].action, count: j - i})
		for _, it := range items[i:j] {
			rows = append(rows, row{action: it.action, address: it.address, note: it.note, change: it.change, risk: it.risk})
		}
		i = j
	}
	return rows
}

// reviewedItems are the plan's changes with their notes and risk.
func reviewedItems(p *envs.Plan, findings []envs.Finding) []item {
	worst := map[string]envs.Severity{}
	rank := map[envs.Severity]int{envs.SeverityHigh: 3, envs.SeverityMedium: 2, envs.SeverityLow: 1}
	for _, f := range findings {
		if f.Address != "" && rank[f.Severity] > rank[worst[f.Address]] {
			worst[f.Address] = f.Severity
		}
	}
	items := make([]item, 0, len(p.Changes))
	for _, c := range p.Changes {
		var notes []string
		if c.PreviousAddress != "" {
			notes = append(notes, "moved from "+c.PreviousAddress)
		}
		if c.ImportingID != "" {
			notes = append(notes, "import "+c.ImportingID)
		}
		if c.Action == envs.ActionReplace {
			notes = append(notes, "because "+envs.ReplaceReason(c))
		}
		items = append(items, item{action: c.Action, address: c.Address, note: strings.Join(notes, "; "), change: c, risk: worst[c.Address]})
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
