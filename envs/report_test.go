package envs

import (
	"bytes"
	"encoding/json"
	"reflect"
	"runtime"
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

// TestParallelReviewAndReportKeepOrder: on a plan large enough to be split
// among workers, the findings and the change reports are those of one
// sequential pass, in the same order.
func TestParallelReviewAndReportKeepOrder(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	p, err := DecodePlan(testkit.GeneratePlan(4*minChangesPerWorker+77, 5))
	if err != nil {
		t.Fatal(err)
	}
	rules := DefaultRiskRules()
	want := newReviewer(rules).changes(p.Changes)
	if got := reviewChanges(p.Changes, rules); !reflect.DeepEqual(got, want) {
		t.Errorf("parallel review: %d findings, sequential %d, or in another order", len(got), len(want))
	}
	opts := DiffOptions{SecretNames: DefaultSecretNames}
	got, err := changeReports(p.Changes, opts)
	if err != nil {
		t.Fatal(err)
	}
	seq := make([]ChangeReport, len(p.Changes))
	if err := reportRun(p.Changes, seq, newDiffer(opts, nil)); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, seq) {
		t.Error("parallel change reports differ from a sequential pass")
	}
}

// TestReportWriteJSONEscapesAsEncoder: the hand-written encoding of
// changes and findings escapes and omits exactly as the Encoder does.
func TestReportWriteJSONEscapesAsEncoder(t *testing.T) {
	odd := "a\"b\\c\n\t\r\b\f\x01<&>\u2028\u2029é\xff😀"
	r := &Report{Summary: Summary{ActionUpdate: 1}, Findings: []Finding{{Severity: Severity("odd" + odd), Rule: odd, Message: odd}, {Severity: SeverityLow, Rule: "r", Address: odd, Attribute: odd, Message: "m"}},
		Changes: []ChangeReport{
			{Address: odd, Action: Action(odd), Actions: []string{odd, ""}, PreviousAddress: odd, Reason: odd, ImportingID: odd, ForcesReplacement: []string{odd}, ReplaceReason: odd,
				Attributes: []AttrDiff{{Path: odd, Kind: DiffKind(odd), Before: odd, After: odd, Unknown: true, Sensitive: true, ForcesReplacement: true}, {Path: "p", Kind: DiffAdded}}, Unchanged: 3},
			{Address: "nil parts"},
			{Address: "empty parts", Actions: []string{}, ForcesReplacement: []string{}, Attributes: []AttrDiff{}},
		},
		Drift: []ChangeReport{}}
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
		t.Errorf("WriteJSON differs from the Encoder:\n%s\nwant:\n%s", got.String(), want.String())
	}
}

// TestAppendQuoteJSONEveryByte: quoting, eight bytes at a time where it
// can, escapes every byte at every place of a word as encoding/json does,
// with and without HTML escaping.
func TestAppendQuoteJSONEveryByte(t *testing.T) {
	for c := range 256 {
		for at := range 19 {
			s := []byte("abcdefghijklmnopqrs")
			s[at] = byte(c)
			want, _ := json.Marshal(string(s))
			if got := appendQuoteJSON(nil, s, true); !bytes.Equal(got, want) {
				t.Fatalf("byte %#x at %d: %s, want %s", c, at, got, want)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(string(s))
			if got := appendQuoteJSON(nil, string(s), false); !bytes.Equal(got, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))) {
				t.Fatalf("byte %#x at %d without HTML escaping: %s, want %s", c, at, got, buf.Bytes())
			}
		}
	}
}
