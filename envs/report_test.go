package envs

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/envbench/envbench/internal/testkit"
)

// TestReportWriteJSONMatchesEncoder: WriteJSON writes the bytes an indented
// json.Encoder writes, for a realistic plan and for empty and nil parts.
func TestReportWriteJSONMatchesEncoder(t *testing.T) {
	p, err := DecodePlan(testkit.GeneratePlan(300, 3))
	if err != nil {
		t.Fatal(err)
	}
	full, err := NewReport(p, Review(p, DefaultRiskRules(), ReviewContext{Environment: "qa"}), "qa <&>", DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	empty, err := NewReport(&Plan{FormatVersion: "1.2"}, nil, "", DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*Report{"generated": full, "empty": empty, "nil parts": {Summary: Summary{}}} {
		var want, got bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
		if err := r.WriteJSON(&got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("%s: WriteJSON differs from the Encoder:\n%s\nwant:\n%s", name, clip(got.String()), clip(want.String()))
		}
	}
}

func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}
