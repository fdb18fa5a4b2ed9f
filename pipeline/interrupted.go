package pipeline

import (
	"fmt"
	"strings"
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
)

// RuleInterruptedApply is the review's rule for an environment whose last
// apply was cut short: the state may not match what was really created (a
// resource whose provisioner was cut off sits in the state as created, not
// tainted), so a plan may show too few changes.
const RuleInterruptedApply = "interrupted-apply"

// interruptedFindings are the high-risk findings a plan carries while an
// earlier apply's record says it was cut short: one for each resource being
// applied when it died, or one for the environment when none was.
func interruptedFindings(rec *tf.ApplyRecord) []envs.Finding {
	if rec == nil {
		return nil
	}
	when := fmt.Sprintf("the %s run %s (since %s) was cut short", rec.Operation, rec.RunID, rec.Since.UTC().Format(time.RFC3339))
	if len(rec.InFlight) == 0 {
		return []envs.Finding{{Severity: envs.SeverityHigh, Rule: RuleInterruptedApply,
			Message: when + "; the state may not match what was really created: check the resources it changed (" + listOrNone(rec.Completed) + ") before applying"}}
	}
	out := make([]envs.Finding, 0, len(rec.InFlight))
	for _, a := range rec.InFlight {
		out = append(out, envs.Finding{Severity: envs.SeverityHigh, Rule: RuleInterruptedApply, Address: a,
			Message: when + " while applying " + a + "; the state may not match what was really created (terraform taint " + a + " if it is not whole)"})
	}
	return out
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// InterruptedMessage says what an apply that was cut short did, for the
// user: "apply interrupted; finished: a, b; in flight: c; run a new plan".
// It is empty when the apply was not interrupted.
func (r *ApplyResult) InterruptedMessage() string {
	if r == nil || !r.Interrupted {
		return ""
	}
	return fmt.Sprintf("apply interrupted; finished: %s; in flight: %s; run a new plan", listOrNone(r.Completed), listOrNone(r.InFlight))
}
