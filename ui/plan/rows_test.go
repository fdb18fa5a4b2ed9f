package plan

import (
	"slices"
	"testing"

	"github.com/envbench/envbench/envs"
)

// TestRowsInReadingOrder: the plan screen orders addresses as the CLI does,
// r[2] before r[10], within each action's group.
func TestRowsInReadingOrder(t *testing.T) {
	var items []item
	for _, a := range []string{"r[10]", "r[2]", "module.m[10].x", "module.m[2].x", "r[100]", "r[1000]"} {
		items = append(items, item{action: envs.ActionCreate, address: a})
	}
	var got []string
	for _, r := range groupRows(items) {
		if !r.header {
			got = append(got, r.address)
		}
	}
	want := []string{"module.m[2].x", "module.m[10].x", "r[2]", "r[10]", "r[100]", "r[1000]"}
	if !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
}
