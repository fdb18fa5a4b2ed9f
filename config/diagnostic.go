// Package config loads and validates an envbench workspace: envbench.yaml,
// archetypes/<name>/archetype.yaml and envs/<name>.yaml. Decoding is strict:
// every problem is reported as a Diagnostic that names the file, line,
// column and field, says what is wrong and what is allowed. Loading reports
// all problems at once; one broken file never hides the others.
package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Diagnostic is one problem found in a workspace file.
type Diagnostic struct {
	// File is the path of the file, relative to the workspace root, with
	// forward slashes.
	File string `json:"file"`
	// Line and Col are 1-based; 0 means the position is unknown.
	Line int `json:"line"`
	Col  int `json:"column"`
	// Field is the dotted path of the offending field ("inputs.vpc_cidr"),
	// empty when the problem concerns the whole file.
	Field string `json:"field,omitempty"`
	// Message says what is wrong and, where it helps, what is allowed.
	Message string `json:"message"`
	// Severity is empty for an error, SeverityWarning for a warning: a
	// problem reported that blocks nothing.
	Severity Severity `json:"severity,omitempty"`
}

// Severity says whether a diagnostic blocks: errors (the zero value) do,
// warnings do not.
type Severity string

// SeverityWarning marks a diagnostic that does not fail validation.
const SeverityWarning Severity = "warning"

// String formats the diagnostic as "file:line:col: field: message", the form
// editors and CI annotators understand; a warning reads "file:line:col:
// warning: field: message".
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.File)
	if d.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", d.Line, max(d.Col, 1))
	}
	b.WriteString(": ")
	if d.Severity != "" {
		b.WriteString(string(d.Severity))
		b.WriteString(": ")
	}
	if d.Field != "" {
		b.WriteString(d.Field)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// Error implements error so a single diagnostic can travel as one.
func (d Diagnostic) Error() string { return d.String() }

// Diagnostics is a list of problems, usually sorted with Sort.
type Diagnostics []Diagnostic

// Error joins the diagnostics one per line.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Err returns the diagnostics as an error, or nil when there are none.
func (ds Diagnostics) Err() error {
	if len(ds) == 0 {
		return nil
	}
	return ds
}

// Sort orders the diagnostics by file, line, column and message, and drops
// exact duplicates.
func (ds Diagnostics) Sort() Diagnostics {
	slices.SortFunc(ds, compareDiagnostics)
	return slices.Compact(ds)
}

func compareDiagnostics(a, b Diagnostic) int {
	return cmp.Or(
		cmp.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Col, b.Col),
		cmp.Compare(a.Field, b.Field),
		cmp.Compare(a.Message, b.Message),
		cmp.Compare(a.Severity, b.Severity),
	)
}

// Position is a 1-based line and column in a file.
type Position struct {
	Line int `json:"line"`
	Col  int `json:"column"`
}
