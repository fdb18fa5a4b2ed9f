package envs

import (
	"strings"
	"testing"
)

// FuzzDecodePlan decodes arbitrary plan JSON. Nothing may panic; a plan that
// decodes must diff and review, and a sensitive attribute must never show a
// value.
func FuzzDecodePlan(f *testing.F) {
	f.Add(generatePlan(3))
	f.Add(planJSON("0.1", `{"address":"a.b","type":"aws_db_instance","mode":"managed","change":{"actions":["update"],"before":{"password":"p","n":1,"l":[1,2]},"after":{"password":"q","n":10,"l":[2,1,3]}}}`))
	f.Add(planJSON("1.2", `{"address":"a.b","previous_address":"a.c","type":"t","mode":"managed","change":{"actions":["delete","create"],"before":{"x":{"y":[{"z":1}]}},"after":{"x":{"y":[{"z":2}]}},"after_unknown":{"x":{"y":[{"z":true}]}},"before_sensitive":{"x":true},"after_sensitive":{"x":{"y":[true]}},"replace_paths":[["x","y",0,"z"]],"importing":{"id":"i"}}}`))
	f.Add([]byte(`{"format_version":"1.0","resource_drift":[{"address":"a.b","change":{"actions":["update"],"before":1,"after":"s","after_unknown":[true]}}],"output_changes":{"o":{"actions":["create"],"after_sensitive":true}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodePlan(data)
		if err != nil {
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("empty error message")
			}
			return
		}
		for _, c := range append(append([]*Change{}, p.Changes...), p.Drift...) {
			diffs, _, err := c.Diff(DiffOptions{Unchanged: true})
			if err != nil {
				continue
			}
			for _, d := range diffs {
				if d.Sensitive && (d.Before != "" && d.Before != Masked || d.After != "" && d.After != Masked && d.After != Unknown) {
					t.Fatalf("%s %s: sensitive value shown: %q → %q", c.Address, d.Path, d.Before, d.After)
				}
			}
		}
		_ = Review(p, DefaultRiskRules(), ReviewContext{Environment: "x", Protected: true})
	})
}
