package envs

import (
	"bytes"
	"fmt"
	"strings"
)

// WrapperOutput says what StripWrapper removed from around a plan's JSON.
type WrapperOutput struct {
	Commands int // "[command]…" lines before the JSON
	Trailer  int // workflow lines after it (::debug::, ::set-output, stdout:, stderr:, exitcode:)
}

// Stripped reports whether anything was removed.
func (w WrapperOutput) Stripped() bool { return w.Commands+w.Trailer > 0 }

// String says, in one line, what was removed; never the lines themselves,
// which may repeat the plan's values.
func (w WrapperOutput) String() string {
	var parts []string
	if w.Commands > 0 {
		parts = append(parts, fmt.Sprintf("%d [command] line(s) before the JSON", w.Commands))
	}
	if w.Trailer > 0 {
		parts = append(parts, fmt.Sprintf("%d workflow line(s) after it (::debug::, ::set-output, stdout/stderr/exitcode)", w.Trailer))
	}
	return "stripped GitHub setup-terraform wrapper output: " + strings.Join(parts, " and ")
}

// StripWrapper removes what GitHub's setup-terraform wrapper prints around
// Terraform's output, as infracost accepts it: the "[command]/…/terraform-bin
// show -json plan.tfplan" lines before the JSON, and the workflow lines
// after it ("::debug::…", "::set-output name=…", "stdout: …", "stderr: …",
// "exitcode: …"). The lines before are blanked rather than removed, so that
// the JSON's lines and columns stay those of the file. Data that is not
// wrapped is returned unchanged, as is data that would be left empty.
func StripWrapper(data []byte) ([]byte, WrapperOutput) {
	var w WrapperOutput
	lines := bytes.SplitAfter(data, []byte("\n"))
	first := 0
	for ; first < len(lines); first++ {
		line := bytes.TrimSpace(lines[first])
		if len(line) == 0 {
			continue
		}
		if !bytes.HasPrefix(line, []byte("[command]")) {
			break
		}
		w.Commands++
	}
	last := len(lines) - 1
	for ; last >= first; last-- {
		line := bytes.TrimSpace(lines[last])
		if len(line) == 0 {
			continue
		}
		if !isWorkflowLine(line) {
			break
		}
		w.Trailer++
	}
	if !w.Stripped() || last < first {
		return data, WrapperOutput{}
	}
	out := make([]byte, 0, len(data))
	for _, line := range lines[:first] {
		if bytes.HasSuffix(line, []byte("\n")) {
			out = append(out, '\n')
		}
	}
	for _, line := range lines[first : last+1] {
		out = append(out, line...)
	}
	return out, w
}

// isWorkflowLine reports whether a trimmed line is one the wrapper prints
// after Terraform's output.
func isWorkflowLine(line []byte) bool {
	if bytes.HasPrefix(line, []byte("::")) {
		return true
	}
	for _, p := range []string{"stdout:", "stderr:", "exitcode:"} {
		if bytes.HasPrefix(line, []byte(p)) {
			return true
		}
	}
	return false
}
