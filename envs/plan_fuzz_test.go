package envs

import (
	"fmt"
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
	f.Add(planJSON("1.2", `{"address":"a.b","type":"a","mode":"managed","change":{"actions":["update"],"before":{"c":{"v":"S3CR3T"},"l":["A","BBBB"]},"after":{"c":null,"l":null},"after_unknown":{"e":true},"before_sensitive":{"c":{"v":true},"l":[false,true]},"after_sensitive":{}}}`))
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
			v, err := refChangeValues(c, nil)
			if err != nil {
				continue
			}
			marked := append(sensitiveStrings(v.before, v.beforeSensitive, false), sensitiveStrings(v.after, v.afterSensitive, false)...)
			shownElsewhere := strings.Join(append(unmarkedText(v.before, v.beforeSensitive), unmarkedText(v.after, v.afterSensitive)...), "\x00")
			for _, d := range diffs {
				if d.Sensitive && (d.Before != "" && d.Before != Masked || d.After != "" && d.After != Masked && d.After != Unknown) {
					t.Fatalf("%s %s: sensitive value shown: %q → %q", c.Address, d.Path, d.Before, d.After)
				}
				for _, secret := range marked {
					if len(secret) >= 4 && !strings.Contains(shownElsewhere, secret) && (strings.Contains(d.Before, secret) || strings.Contains(d.After, secret)) {
						t.Fatalf("%s %s: the marked value %q is shown: %q → %q", c.Address, d.Path, secret, d.Before, d.After)
					}
				}
			}
		}
		_ = Review(p, DefaultRiskRules(), ReviewContext{Environment: "x", Protected: true})
	})
}

// unmarkedText collects the keys and the unmarked strings of a value: text
// that may legitimately be shown.
func unmarkedText(v, mirror any) []string {
	if mirror == true {
		return nil
	}
	var out []string
	switch v := v.(type) {
	case map[string]any:
		m, _ := mirror.(map[string]any)
		for k, item := range v {
			out = append(out, k)
			var sub any
			if m != nil {
				sub = m[k]
			}
			out = append(out, unmarkedText(item, sub)...)
		}
	case []any:
		l, _ := mirror.([]any)
		for i, item := range v {
			var sub any
			if i < len(l) {
				sub = l[i]
			}
			out = append(out, unmarkedText(item, sub)...)
		}
	case string:
		out = append(out, v)
	default:
		if v != nil {
			out = append(out, fmt.Sprint(v))
		}
	}
	return out
}
