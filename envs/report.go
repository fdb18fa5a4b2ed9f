package envs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
)

// Report is a reviewed plan as `show-plan --json` and `plan --json` print it:
// grouped changes with their attribute diffs, and the risk findings.
// Sensitive values are masked in it like everywhere else.
type Report struct {
	FormatVersion    string         `json:"format_version"`
	TerraformVersion string         `json:"terraform_version"`
	Environment      string         `json:"environment,omitempty"`
	Summary          map[Action]int `json:"summary"`
	HighRisk         bool           `json:"high_risk"`
	Incomplete       bool           `json:"incomplete"`
	Findings         []Finding      `json:"findings"`
	Changes          []ChangeReport `json:"changes"`
	Drift            []ChangeReport `json:"drift"`
	Outputs          []OutputChange `json:"outputs"`
}

// ChangeReport is one resource's change in a Report.
type ChangeReport struct {
	Address           string     `json:"address"`
	Action            Action     `json:"action"`
	Actions           []string   `json:"terraform_actions"`
	PreviousAddress   string     `json:"previous_address,omitempty"`
	Reason            string     `json:"reason,omitempty"`
	ImportingID       string     `json:"importing_id,omitempty"`
	ForcesReplacement []string   `json:"forces_replacement,omitempty"`
	ReplaceReason     string     `json:"replace_reason,omitempty"` // for replacements: why, in words
	Attributes        []AttrDiff `json:"attributes"`
	Unchanged         int        `json:"unchanged_attributes"`
}

// NewReport builds the report of a plan and its findings.
func NewReport(p *Plan, findings []Finding, environment string, opts DiffOptions) (*Report, error) {
	r := &Report{
		FormatVersion: p.FormatVersion, TerraformVersion: p.TerraformVersion, Environment: environment,
		Summary: p.Summary(), HighRisk: HighRisk(findings), Incomplete: p.Errored,
		Findings: findings, Outputs: p.Outputs,
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	if r.Outputs == nil {
		r.Outputs = []OutputChange{}
	}
	var err error
	if r.Changes, err = changeReports(p.Changes, opts); err != nil {
		return nil, err
	}
	if r.Drift, err = changeReports(p.Drift, opts); err != nil {
		return nil, err
	}
	return r, nil
}

// changeReports diffs the changes, in parallel on large plans: each worker
// takes a contiguous run of changes with a differ of its own, and the
// reports keep the changes' order.
func changeReports(changes []*Change, opts DiffOptions) ([]ChangeReport, error) {
	out := make([]ChangeReport, len(changes))
	workers := min(runtime.GOMAXPROCS(0), len(changes)/minChangesPerWorker)
	if workers <= 1 {
		return out, reportRun(changes, out, newDiffer(opts, nil))
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := len(changes)*w/workers, len(changes)*(w+1)/workers
		wg.Go(func() { errs[w] = reportRun(changes[lo:hi], out[lo:hi], newDiffer(opts, nil)) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err // the first change's error
		}
	}
	return out, nil
}

// minChangesPerWorker is the least work worth a goroutine of its own.
const minChangesPerWorker = 512

// reportRun fills out with the reports of changes.
func reportRun(changes []*Change, out []ChangeReport, w *differ) error {
	for i, c := range changes {
		if err := w.report(c, &out[i], nil); err != nil {
			return err
		}
	}
	return nil
}

// report fills r with the report of c; its attributes are appended to
// attrs (nil: a new slice of their own).
func (w *differ) report(c *Change, r *ChangeReport, attrs []AttrDiff) error {
	diffs, unchanged, err := w.diff(c, attrs)
	if err != nil {
		return err
	}
	if diffs == nil {
		diffs = []AttrDiff{}
	}
	*r = ChangeReport{
		Address: c.Address, Action: c.Action, Actions: c.Actions, PreviousAddress: c.PreviousAddress,
		Reason: c.ActionReason, ImportingID: c.ImportingID, ForcesReplacement: c.ForcingAttributes(),
		Attributes: diffs, Unchanged: unchanged,
	}
	if c.Action == ActionReplace {
		r.ReplaceReason = ReplaceReason(c)
	}
	return nil
}

// WriteJSON writes the report as JSON indented by two spaces, HTML
// characters unescaped: the bytes a json.Encoder with SetIndent("", "  ")
// and SetEscapeHTML(false) writes, newline included. It writes change by
// change through a buffer, each encoded by hand (appendChangeJSON),
// instead of building the whole document in memory twice (compact, then
// indented) as the Encoder does.
func (r *Report) WriteJSON(w io.Writer) error {
	jw := newJSONWriter(w)
	jw.head(r)
	jw.name("changes")
	jw.list(len(r.Changes), r.Changes == nil, func(b []byte, i int) []byte { return appendChangeJSON(b, &r.Changes[i]) })
	jw.name("drift")
	jw.list(len(r.Drift), r.Drift == nil, func(b []byte, i int) []byte { return appendChangeJSON(b, &r.Drift[i]) })
	return jw.tail(r)
}

// jsonWriter writes the fields of the top-level object of a report.
type jsonWriter struct {
	w     *bufio.Writer
	enc   *json.Encoder
	buf   bytes.Buffer
	first bool // a field has been written
	err   error
}

func newJSONWriter(w io.Writer) *jsonWriter {
	jw := &jsonWriter{w: bufio.NewWriterSize(w, 64<<10)}
	jw.enc = json.NewEncoder(&jw.buf)
	jw.enc.SetEscapeHTML(false)
	jw.w.WriteString("{")
	return jw
}

// head writes the fields before the changes.
func (jw *jsonWriter) head(r *Report) {
	jw.field("format_version", r.FormatVersion)
	jw.field("terraform_version", r.TerraformVersion)
	if r.Environment != "" {
		jw.field("environment", r.Environment)
	}
	jw.field("summary", r.Summary)
	jw.field("high_risk", r.HighRisk)
	jw.field("incomplete", r.Incomplete)
	jw.name("findings")
	switch {
	case r.Findings == nil:
		jw.w.WriteString("null")
	case len(r.Findings) == 0:
		jw.w.WriteString("[]")
	default:
		jw.w.WriteByte('[')
		var b []byte
		for i := range r.Findings {
			b = b[:0]
			if i > 0 {
				b = append(b, ',')
			}
			jw.w.Write(appendFindingJSON(b, &r.Findings[i]))
		}
		jw.w.WriteString("\n  ]")
	}
}

// appendFindingJSON appends a finding as an element of the report's
// findings, as the Encoder writes it.
func appendFindingJSON(b []byte, f *Finding) []byte {
	const field = "\n      "
	b = append(b, "\n    {"+field+`"severity": `...)
	b = appendQuoteJSON(b, string(f.Severity), false)
	b = append(b, ","+field+`"rule": `...)
	b = appendQuoteJSON(b, f.Rule, false)
	if f.Address != "" {
		b = append(b, ","+field+`"address": `...)
		b = appendQuoteJSON(b, f.Address, false)
	}
	if f.Attribute != "" {
		b = append(b, ","+field+`"attribute": `...)
		b = appendQuoteJSON(b, f.Attribute, false)
	}
	b = append(b, ","+field+`"message": `...)
	b = appendQuoteJSON(b, f.Message, false)
	return append(b, "\n    }"...)
}

// tail writes the fields after the drift, ends the document and flushes.
func (jw *jsonWriter) tail(r *Report) error {
	jw.field("outputs", r.Outputs)
	jw.w.WriteString("\n}\n")
	if jw.err != nil {
		return fmt.Errorf("write the report as JSON: %w", jw.err)
	}
	if err := jw.w.Flush(); err != nil {
		return fmt.Errorf("write the report as JSON: %w", err)
	}
	return nil
}

// value writes v as the Encoder would at an indentation of prefix.
func (jw *jsonWriter) value(v any, prefix string) {
	if jw.err != nil {
		return
	}
	jw.buf.Reset()
	jw.enc.SetIndent(prefix, "  ")
	if jw.err = jw.enc.Encode(v); jw.err != nil {
		return
	}
	jw.w.Write(bytes.TrimSuffix(jw.buf.Bytes(), []byte("\n")))
}

func (jw *jsonWriter) name(name string) {
	if jw.first {
		jw.w.WriteByte(',')
	}
	jw.first = true
	jw.w.WriteString("\n  ")
	jw.w.WriteString(quoteJSON(name))
	jw.w.WriteString(": ")
}

func (jw *jsonWriter) field(name string, v any) {
	jw.name(name)
	jw.value(v, "  ")
}

// list writes a list of n changes, null when isNil; elem appends the i-th
// change as appendChangeJSON does.
func (jw *jsonWriter) list(n int, isNil bool, elem func(b []byte, i int) []byte) {
	switch {
	case isNil:
		jw.w.WriteString("null")
		return
	case n == 0:
		jw.w.WriteString("[]")
		return
	}
	jw.w.WriteByte('[')
	var b []byte
	for i := range n {
		b = appendListElement(b[:0], i)
		b = elem(b, i)
		jw.w.Write(b)
	}
	jw.w.WriteString("\n  ]")
}

// appendListElement starts the i-th element of the changes or drift list.
func appendListElement(b []byte, i int) []byte {
	if i > 0 {
		b = append(b, ',')
	}
	return append(b, "\n    "...)
}

// appendChangeJSON appends a change as an Encoder with SetIndent("    ",
// "  ") and SetEscapeHTML(false) writes it, without the newline: an
// element of the report's changes or drift.
func appendChangeJSON(b []byte, c *ChangeReport) []byte {
	const (
		field = "\n      "
		elem  = "\n        "
	)
	b = append(b, "{"+field+`"address": `...)
	b = appendQuoteJSON(b, c.Address, false)
	b = append(b, ","+field+`"action": `...)
	b = appendQuoteJSON(b, string(c.Action), false)
	b = append(b, ","+field+`"terraform_actions": `...)
	b = appendStringsJSON(b, c.Actions, true, elem, "\n      ]")
	if c.PreviousAddress != "" {
		b = append(b, ","+field+`"previous_address": `...)
		b = appendQuoteJSON(b, c.PreviousAddress, false)
	}
	if c.Reason != "" {
		b = append(b, ","+field+`"reason": `...)
		b = appendQuoteJSON(b, c.Reason, false)
	}
	if c.ImportingID != "" {
		b = append(b, ","+field+`"importing_id": `...)
		b = appendQuoteJSON(b, c.ImportingID, false)
	}
	if len(c.ForcesReplacement) > 0 {
		b = append(b, ","+field+`"forces_replacement": `...)
		b = appendStringsJSON(b, c.ForcesReplacement, false, elem, "\n      ]")
	}
	if c.ReplaceReason != "" {
		b = append(b, ","+field+`"replace_reason": `...)
		b = appendQuoteJSON(b, c.ReplaceReason, false)
	}
	b = append(b, ","+field+`"attributes": `...)
	switch {
	case c.Attributes == nil:
		b = append(b, "null"...)
	case len(c.Attributes) == 0:
		b = append(b, "[]"...)
	default:
		b = append(b, '[')
		for i := range c.Attributes {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendAttrJSON(b, &c.Attributes[i])
		}
		b = append(b, "\n      ]"...)
	}
	b = append(b, ","+field+`"unchanged_attributes": `...)
	b = strconv.AppendInt(b, int64(c.Unchanged), 10)
	return append(b, "\n    }"...)
}

// appendAttrJSON appends an attribute diff as an element of a change's
// attributes.
func appendAttrJSON(b []byte, d *AttrDiff) []byte {
	const field = "\n          "
	b = append(b, "\n        {"+field+`"path": `...)
	b = appendQuoteJSON(b, d.Path, false)
	b = append(b, ","+field+`"action": `...)
	b = appendQuoteJSON(b, string(d.Kind), false)
	if d.Before != "" {
		b = append(b, ","+field+`"before": `...)
		b = appendQuoteJSON(b, d.Before, false)
	}
	if d.After != "" {
		b = append(b, ","+field+`"after": `...)
		b = appendQuoteJSON(b, d.After, false)
	}
	if d.Unknown {
		b = append(b, ","+field+`"unknown": true`...)
	}
	if d.Sensitive {
		b = append(b, ","+field+`"sensitive": true`...)
	}
	if d.ForcesReplacement {
		b = append(b, ","+field+`"forces_replacement": true`...)
	}
	return append(b, "\n        }"...)
}

// appendStringsJSON appends a list of strings, each after elem, closed by
// end; nil is null when nilIsNull (a slice without omitempty).
func appendStringsJSON(b []byte, list []string, nilIsNull bool, elem, end string) []byte {
	switch {
	case list == nil && nilIsNull:
		return append(b, "null"...)
	case len(list) == 0:
		return append(b, "[]"...)
	}
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, elem...)
		b = appendQuoteJSON(b, s, false)
	}
	return append(b, end...)
}
