package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxFileSize bounds every YAML file a workspace holds; configuration this
// large is a mistake, and the bound keeps a hostile file from exhausting
// memory.
const maxFileSize = 1 << 20

// maxNodes bounds how many YAML nodes one file may expand to, counting each
// alias every time it is used, so that an alias bomb is an error rather than
// an exponential walk.
const maxNodes = 100_000

// decoder walks a parsed YAML document and records diagnostics against one
// file. Its methods never stop at the first problem.
type decoder struct {
	file  string
	diags Diagnostics
	nodes int
}

func (d *decoder) errorf(n *yaml.Node, field, format string, args ...any) {
	diag := Diagnostic{File: d.file, Field: field, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		diag.Line, diag.Col = n.Line, n.Column
	}
	d.diags = append(d.diags, diag)
}

// parseDocument parses data into its single document node. It returns nil
// (and records why) when the file is not usable YAML.
func (d *decoder) parseDocument(data []byte) *yaml.Node {
	if len(data) > maxFileSize {
		d.errorf(nil, "", "file is %d bytes; configuration files are limited to %d", len(data), maxFileSize)
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errorf(nil, "", "file is empty")
			return nil
		}
		d.yamlError(err)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.errorf(&extra, "", "file holds more than one YAML document; keep one per file")
	} else if !errors.Is(err, io.EOF) {
		d.yamlError(err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		d.errorf(nil, "", "file is empty")
		return nil
	}
	return doc.Content[0]
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a yaml.v3 syntax error into a diagnostic with its line.
func (d *decoder) yamlError(err error) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		d.diags = append(d.diags, Diagnostic{File: d.file, Line: line, Col: 1, Message: "invalid YAML: " + m[2]})
		return
	}
	d.diags = append(d.diags, Diagnostic{File: d.file, Message: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")})
}

// resolve follows aliases and charges the node budget. It returns nil once
// the budget is spent.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for depth := 0; n != nil && n.Kind == yaml.AliasNode; depth++ {
		if depth > 100 {
			d.errorf(n, "", "alias chain is too long")
			return nil
		}
		n = n.Alias
	}
	d.nodes++
	if d.nodes == maxNodes {
		d.errorf(n, "", "document expands to more than %d nodes (aliases count each time they are used)", maxNodes)
	}
	if d.nodes >= maxNodes {
		return nil
	}
	return n
}

// isNull reports whether n is an explicit null (`key:` or `key: ~`).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// fieldFunc decodes the value of one mapping key. path is the dotted field
// name used in diagnostics.
type fieldFunc func(v *yaml.Node, path string)

// object decodes a mapping whose keys are fixed: each known key is handed to
// its function, unknown and duplicate keys are diagnosed. Keys whose value is
// null are treated as absent.
func (d *decoder) object(n *yaml.Node, path string, fields map[string]fieldFunc) {
	n = d.resolve(n)
	if n == nil {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "want a mapping of %s, got %s", allowedKeys(fields), describe(n))
		return
	}
	d.pairs(n, path, func(k, v *yaml.Node, key string) {
		fn, ok := fields[key]
		if !ok {
			d.errorf(k, join(path, key), "unknown field; allowed: %s", allowedKeys(fields))
			return
		}
		if isNull(v) {
			return
		}
		fn(v, join(path, key))
	})
}

// pairs calls fn for each key of mapping n in document order, diagnosing
// non-scalar keys, duplicate keys and merge keys.
func (d *decoder) pairs(n *yaml.Node, path string, fn func(k, v *yaml.Node, key string)) {
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := d.resolve(n.Content[i]), d.resolve(n.Content[i+1])
		if k == nil || v == nil {
			return
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "mapping keys must be plain strings, got %s", describe(k))
			continue
		}
		if k.Tag == "!!merge" {
			d.errorf(k, path, "merge keys (<<) are not supported; write the fields out")
			continue
		}
		if line, dup := seen[k.Value]; dup {
			d.errorf(k, join(path, k.Value), "duplicate key; first set on line %d", line)
			continue
		}
		seen[k.Value] = k.Line
		fn(k, v, k.Value)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func allowedKeys(fields map[string]fieldFunc) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, ", ")
}

// describe names what a node is, for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "null"
		case "!!bool":
			return "boolean " + n.Value
		case "!!int", "!!float":
			return "number " + n.Value
		case "!!str":
			return strconv.Quote(truncate(n.Value, 40))
		}
		return n.Tag + " " + strconv.Quote(truncate(n.Value, 40))
	}
	return "an unsupported YAML node"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// str decodes a scalar as text. Numbers and booleans are accepted as their
// literal text (an account id written without quotes stays exact); lists and
// mappings are errors.
func (d *decoder) str(n *yaml.Node, path string) (string, bool) {
	n = d.resolve(n)
	if n == nil {
		return "", false
	}
	if n.Kind != yaml.ScalarNode || isNull(n) || n.Tag == "!!binary" {
		d.errorf(n, path, "want a string, got %s", describe(n))
		return "", false
	}
	return n.Value, true
}

// boolean decodes true or false; YAML 1.1 spellings such as "yes" are
// rejected because they mean different things to different tools.
func (d *decoder) boolean(n *yaml.Node, path string) (bool, bool) {
	n = d.resolve(n)
	if n == nil {
		return false, false
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		d.errorf(n, path, "want true or false, got %s", describe(n))
		return false, false
	}
	return n.Value == "true" || n.Value == "True" || n.Value == "TRUE", true
}

// number decodes an integer or decimal literal.
func (d *decoder) number(n *yaml.Node, path string) (float64, bool) {
	n = d.resolve(n)
	if n == nil {
		return 0, false
	}
	f, err := scalarNumber(n)
	if err != nil {
		d.errorf(n, path, "%v", err)
		return 0, false
	}
	return f, true
}

// scalarNumber parses a finite number from an !!int or !!float scalar.
func scalarNumber(n *yaml.Node) (float64, error) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		return 0, fmt.Errorf("want a number, got %s", describe(n))
	}
	text := strings.ReplaceAll(n.Value, "_", "")
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		i, ierr := strconv.ParseInt(text, 0, 64)
		if ierr != nil {
			return 0, fmt.Errorf("want a number, got %s", describe(n))
		}
		f = float64(i)
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("want a finite number, got %s", n.Value)
	}
	return f, nil
}

// strings decodes a list of strings.
func (d *decoder) strings(n *yaml.Node, path string) ([]string, bool) {
	n = d.resolve(n)
	if n == nil {
		return nil, false
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "want a list of strings, got %s", describe(n))
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	ok := true
	for i, item := range n.Content {
		s, good := d.str(item, fmt.Sprintf("%s[%d]", path, i))
		ok = ok && good
		out = append(out, s)
	}
	return out, ok
}
