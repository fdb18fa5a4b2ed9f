package envs

import (
	"cmp"
	"slices"
	"strings"
)

// ruleOrder ranks rules within a severity: what loses data first, then what
// is likely a typo, then the rest.
var ruleOrder = []string{RuleStatefulDestroy, RuleStatefulReplace, RuleIncomplete, RuleNumericJump}

func ruleRank(rule string) int {
	if i := slices.Index(ruleOrder, rule); i >= 0 {
		return i
	}
	return len(ruleOrder)
}

// CompareFindings orders findings most serious first: by severity, then
// data loss before typos before the rest. It is the order Review returns
// and every screen and report shows.
func CompareFindings(a, b Finding) int {
	return cmp.Or(cmp.Compare(b.Severity.Rank(), a.Severity.Rank()), cmp.Compare(ruleRank(a.Rule), ruleRank(b.Rule)))
}

// StreamedAction maps the action of Terraform's streamed planned_change
// event ("create", "noop", ...) to the review's.
func StreamedAction(a string) Action {
	switch a {
	case "replace":
		return ActionReplace
	case "noop":
		return ActionNoOp
	case "move":
		return ActionMove
	case "import":
		return ActionImport
	case "create", "update", "delete", "read", "forget":
		return groupAction([]string{a}, false, false)
	}
	return ActionOther
}

// ChangeNotes are the notes a change's review shows beside it: where it
// moved from, what it imports, and why it is replaced (ReplaceReason) or
// otherwise why Terraform plans it. The change list joins them; the diff
// shows one a line.
func ChangeNotes(c *Change) []string {
	var notes []string
	if c.PreviousAddress != "" {
		notes = append(notes, "moved from "+c.PreviousAddress)
	}
	if c.ImportingID != "" {
		notes = append(notes, "import "+c.ImportingID)
	}
	switch {
	case c.Action == ActionReplace:
		notes = append(notes, "because "+ReplaceReason(c))
	case c.ActionReason != "":
		reason := c.ActionReason // delete_because_no_resource_config
		if _, after, ok := strings.Cut(reason, "because_"); ok {
			reason = after
		}
		notes = append(notes, "because "+strings.ReplaceAll(reason, "_", " "))
	}
	return notes
}
