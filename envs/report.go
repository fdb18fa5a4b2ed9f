package envs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
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
	if opts.SecretNames == nil {
		opts.SecretNames = DefaultSecretNames
	}
	secrets, keys := secretCache{}, map[string]string{}
	var err error
	if r.Changes, err = changeReports(p.Changes, opts, secrets, keys); err != nil {
		return nil, err
	}
	if r.Drift, err = changeReports(p.Drift, opts, secrets, keys); err != nil {
		return nil, err
	}
	return r, nil
}

// changeReports diffs the changes, in parallel on large plans: each worker
// takes a contiguous run of changes with caches of its own, and the
// reports keep the changes' order.
func changeReports(changes []*Change, opts DiffOptions, secrets secretCache, keys map[string]string) ([]ChangeReport, error) {
	out := make([]ChangeReport, len(changes))
	workers := min(runtime.GOMAXPROCS(0), len(changes)/minChangesPerWorker)
	if workers <= 1 {
		return out, reportRun(changes, out, opts, secrets, keys)
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := len(changes)*w/workers, len(changes)*(w+1)/workers
		wg.Go(func() {
			if w == 0 {
				errs[w] = reportRun(changes[lo:hi], out[lo:hi], opts, secrets, keys)
				return
			}
			errs[w] = reportRun(changes[lo:hi], out[lo:hi], opts, secretCache{}, map[string]string{})
		})
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
func reportRun(changes []*Change, out []ChangeReport, opts DiffOptions, secrets secretCache, keys map[string]string) error {
	for i, c := range changes {
		diffs, unchanged, err := c.diff(opts, secrets, keys)
		if err != nil {
			return err
		}
		if diffs == nil {
			diffs = []AttrDiff{}
		}
		out[i] = ChangeReport{
			Address: c.Address, Action: c.Action, Actions: c.Actions, PreviousAddress: c.PreviousAddress,
			Reason: c.ActionReason, ImportingID: c.ImportingID, ForcesReplacement: c.ForcingAttributes(),
			Attributes: diffs, Unchanged: unchanged,
		}
		if c.Action == ActionReplace {
			out[i].ReplaceReason = ReplaceReason(c)
		}
	}
	return nil
}

// WriteJSON writes the report as JSON indented by two spaces, HTML
// characters unescaped: the bytes a json.Encoder with SetIndent("", "  ")
// and SetEscapeHTML(false) writes, newline included. It writes change by
// change through a buffer instead of building the whole document in
// memory twice (compact, then indented) as the Encoder does.
func (r *Report) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	jw := &jsonWriter{w: bw}
	jw.enc = json.NewEncoder(&jw.buf)
	jw.enc.SetEscapeHTML(false)
	bw.WriteString("{")
	jw.field("format_version", r.FormatVersion)
	jw.field("terraform_version", r.TerraformVersion)
	if r.Environment != "" {
		jw.field("environment", r.Environment)
	}
	jw.field("summary", r.Summary)
	jw.field("high_risk", r.HighRisk)
	jw.field("incomplete", r.Incomplete)
	jw.field("findings", r.Findings)
	jw.changes("changes", r.Changes)
	jw.changes("drift", r.Drift)
	jw.field("outputs", r.Outputs)
	bw.WriteString("\n}\n")
	if jw.err != nil {
		return fmt.Errorf("write the report as JSON: %w", jw.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write the report as JSON: %w", err)
	}
	return nil
}

// jsonWriter writes the fields of the top-level object of a report.
type jsonWriter struct {
	w     *bufio.Writer
	enc   *json.Encoder
	buf   bytes.Buffer
	first bool // a field has been written
	err   error
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

// changes writes a list of changes one element at a time.
func (jw *jsonWriter) changes(name string, changes []ChangeReport) {
	jw.name(name)
	switch {
	case changes == nil:
		jw.w.WriteString("null")
		return
	case len(changes) == 0:
		jw.w.WriteString("[]")
		return
	}
	jw.w.WriteByte('[')
	for i := range changes {
		if i > 0 {
			jw.w.WriteByte(',')
		}
		jw.w.WriteString("\n    ")
		jw.value(&changes[i], "    ")
	}
	jw.w.WriteString("\n  ]")
}
