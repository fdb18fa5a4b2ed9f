package pipeline

import (
	"fmt"
	"io"

	"github.com/envbench/envbench/envs/sweep"
)

// WriteSweepReport writes what a teardown's sweep removed, what remains
// and what holds it (the blocker and who created it), and what it left
// alone: the same lines for envbench teardown and the TUI's run screen.
// Nothing is written when the run stopped before the sweep.
func WriteSweepReport(w io.Writer, res *TeardownResult) {
	if res == nil || res.Swept == nil {
		return
	}
	rep := res.Swept
	fmt.Fprintf(w, "Sweep of %s in %s %s: %d removed, %d remain, %d skipped\n", res.Env, rep.Account, rep.Region, len(rep.Removed), len(rep.Remaining), len(rep.Skipped))
	for _, group := range []struct {
		label string
		items []sweep.Item
	}{{"removed", rep.Removed}, {"remains", rep.Remaining}, {"skipped", rep.Skipped}} {
		for _, it := range group.items {
			fmt.Fprintf(w, "  %-7s %s %s\n", group.label, it.Type, it.Explain())
		}
	}
	if rep.Clean() {
		fmt.Fprintf(w, "%s is torn down: nothing tagged %s=%s remains\n", res.Env, sweep.TagKey, res.Env)
	}
}
