package envs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Output is one Terraform output of an environment, as `terraform output
// -json` gives it: its value and type as JSON, and whether Terraform marks
// it sensitive.
type Output struct {
	Value     json.RawMessage `json:"value"`
	Type      json.RawMessage `json:"type,omitempty"`
	Sensitive bool            `json:"sensitive"`
}

// Outputs are an environment's outputs by name. The outputs file holds them
// in `terraform output -json`'s shape; sensitive values are in it too (it is
// owner-only under .envbench/), so that hooks and `envbench with` can use
// them, but they never go further: ForJournal gives references instead.
type Outputs map[string]Output

// OutputsPath is where a clone records an environment's outputs:
// .envbench/outputs/<env>.json under the workspace root. Hooks find it in
// ENVBENCH_OUTPUTS.
func OutputsPath(root, env string) string {
	return filepath.Join(root, ".envbench", "outputs", env+".json")
}

// OutputRefPrefix starts the journal's reference to a sensitive output:
// "outputs-file:PATH#NAME".
const OutputRefPrefix = "outputs-file:"

var outputName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// maxOutputsFile bounds what ReadOutputs reads: outputs are small, and a
// file far larger is not one envbench wrote.
const maxOutputsFile = 16 << 20

// DecodeOutputs reads outputs in `terraform output -json`'s shape. file
// names the source in errors. Every output must have a name Terraform
// accepts and a value.
func DecodeOutputs(data []byte, file string) (Outputs, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var outs Outputs
	if err := dec.Decode(&outs); err != nil {
		return nil, fmt.Errorf("%s: not an outputs file (the JSON of `terraform output -json`): %w", file, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: unexpected data after the outputs object", file)
	}
	if outs == nil {
		outs = Outputs{}
	}
	for _, name := range outs.Names() {
		if !outputName.MatchString(name) {
			return nil, fmt.Errorf("%s: output %q: not a Terraform output name", file, name)
		}
		if len(outs[name].Value) == 0 {
			return nil, fmt.Errorf("%s: output %q has no value", file, name)
		}
		if !json.Valid(outs[name].Value) {
			return nil, fmt.Errorf("%s: output %q: value is not JSON", file, name)
		}
	}
	return outs, nil
}

// ReadOutputs reads an outputs file. A missing file is an error that
// errors.Is(err, fs.ErrNotExist) recognises: the environment has not been
// cloned, or its outputs were removed by its teardown.
func ReadOutputs(path string) (Outputs, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read outputs: %w", err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, maxOutputsFile+1)); err != nil {
		return nil, fmt.Errorf("read outputs %s: %w", path, err)
	}
	if buf.Len() > maxOutputsFile {
		return nil, fmt.Errorf("read outputs %s: larger than %d MiB", path, maxOutputsFile>>20)
	}
	return DecodeOutputs(buf.Bytes(), path)
}

// WriteOutputs writes outs to path atomically, owner-only (it may hold
// sensitive values), creating its directory.
func WriteOutputs(path string, outs Outputs) error {
	if outs == nil {
		outs = Outputs{}
	}
	data, err := json.MarshalIndent(outs, "", "  ")
	if err != nil {
		return fmt.Errorf("write outputs %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write outputs: %w", err)
	}
	if err := WriteFileAtomic(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write outputs %s: %w", path, err)
	}
	return nil
}

// Names lists the outputs' names, sorted.
func (o Outputs) Names() []string {
	names := make([]string, 0, len(o))
	for name := range o {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Text is the output's value as a command would want it: a string without
// its quotes, anything else as compact JSON.
func (o Output) Text() string {
	var s string
	if json.Unmarshal(o.Value, &s) == nil {
		return s
	}
	var buf bytes.Buffer
	if json.Compact(&buf, o.Value) != nil {
		return string(o.Value)
	}
	return buf.String()
}

// Display is the output's value for a screen or a log: Text, or
// "(sensitive)" for a sensitive output.
func (o Output) Display() string {
	if o.Sensitive {
		return "(sensitive)"
	}
	return o.Text()
}

// EnvName is the environment variable that carries output name to a
// command: ENVBENCH_OUTPUT_<NAME>, upper-cased, dashes as underscores.
func EnvName(name string) string {
	return "ENVBENCH_OUTPUT_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// Environ gives every output as NAME=value for a command's environment
// (EnvName, Text), sorted by name; sensitive ones included, since the
// command is what they are for.
func (o Outputs) Environ() []string {
	env := make([]string, 0, len(o))
	for _, name := range o.Names() {
		env = append(env, EnvName(name)+"="+o[name].Text())
	}
	return env
}

// ForJournal gives the outputs as a journal may hold them: a non-sensitive
// output's Text, and for a sensitive one a reference to where it is,
// "outputs-file:PATH#NAME", never its value.
func (o Outputs) ForJournal(path string) map[string]string {
	out := make(map[string]string, len(o))
	for name, v := range o {
		if v.Sensitive {
			out[name] = OutputRefPrefix + path + "#" + name
			continue
		}
		out[name] = v.Text()
	}
	return out
}
