package config

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// InputType is the type of an archetype input.
type InputType string

// The input types an archetype may declare.
const (
	TypeString InputType = "string"
	TypeNumber InputType = "number"
	TypeBool   InputType = "bool"
	TypeCIDR   InputType = "cidr"
	TypeEnum   InputType = "enum"
	TypeList   InputType = "list"
	TypeMap    InputType = "map"
)

var inputTypes = []InputType{TypeString, TypeNumber, TypeBool, TypeCIDR, TypeEnum, TypeList, TypeMap}

// listItemTypes are the element types a list input may declare with items.
var listItemTypes = []InputType{TypeString, TypeNumber, TypeBool, TypeCIDR}

// Input is one typed input an archetype declares. Values are checked against
// it the same way wherever they come from: an environment file, the new
// environment form, a default.
type Input struct {
	Name        string
	Type        InputType
	Items       InputType // element type of a list; string unless set
	Required    bool
	Default     any // nil when there is none; typed as Value documents
	Description string
	Pattern     *regexp.Regexp
	Min, Max    *float64
	Values      []string // allowed values of an enum
	// Shared marks a CIDR input whose ranges other environments in the same
	// account may overlap (an allow-list, not a range the environment owns).
	Shared bool
	Pos    Position
}

// Value is an input value decoded and checked against its Input:
// string (string, cidr, enum), json.Number (number), bool, []any (list) or
// map[string]any with string values (map). json.Number keeps the number
// exactly as written.

// HasDefault reports whether the input declares a default.
func (in Input) HasDefault() bool { return in.Default != nil }

// TypeLabel is the type as shown to users: "list(cidr)", "enum", "number".
func (in Input) TypeLabel() string {
	if in.Type == TypeList {
		return "list(" + string(in.itemType()) + ")"
	}
	return string(in.Type)
}

func (in Input) itemType() InputType {
	if in.Items == "" {
		return TypeString
	}
	return in.Items
}

// Constraints describes the input's validation rules in a few words, for
// help text and error messages.
func (in Input) Constraints() string {
	var parts []string
	if in.Pattern != nil {
		parts = append(parts, "matches "+in.Pattern.String())
	}
	if in.Min != nil {
		parts = append(parts, "≥ "+formatNumber(*in.Min))
	}
	if in.Max != nil {
		parts = append(parts, "≤ "+formatNumber(*in.Max))
	}
	if len(in.Values) > 0 {
		parts = append(parts, "one of "+strings.Join(in.Values, ", "))
	}
	return strings.Join(parts, "; ")
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// checkNode decodes and checks a value for this input from YAML. It records
// diagnostics on d and returns the value, or nil when it is not valid.
func (in Input) checkNode(d *decoder, n *yaml.Node, path string) any {
	n = d.resolve(n)
	if n == nil {
		return nil
	}
	switch in.Type {
	case TypeList:
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, path, "want a list of %s, got %s", in.itemType(), describe(n))
			return nil
		}
		item := Input{Type: in.itemType(), Pattern: in.Pattern, Min: in.Min, Max: in.Max, Shared: in.Shared}
		out := make([]any, 0, len(n.Content))
		ok := true
		for i, c := range n.Content {
			v := item.checkNode(d, c, fmt.Sprintf("%s[%d]", path, i))
			ok = ok && v != nil
			out = append(out, v)
		}
		if !ok {
			return nil
		}
		return out
	case TypeMap:
		if n.Kind != yaml.MappingNode {
			d.errorf(n, path, "want a mapping of strings, got %s", describe(n))
			return nil
		}
		out := make(map[string]any, len(n.Content)/2)
		ok := true
		d.pairs(n, path, func(_, v *yaml.Node, key string) {
			if v.Kind != yaml.ScalarNode || isNull(v) {
				d.errorf(v, join(path, key), "want a string value, got %s", describe(v))
				ok = false
				return
			}
			out[key] = v.Value
		})
		if !ok {
			return nil
		}
		return out
	}
	v, err := in.scalar(n)
	if err != nil {
		d.errorf(n, path, "%v", err)
		return nil
	}
	return v
}

// scalar checks a scalar node against a scalar input type.
func (in Input) scalar(n *yaml.Node) (any, error) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		return nil, fmt.Errorf("want %s, got %s", in.want(), describe(n))
	}
	switch in.Type {
	case TypeNumber:
		f, err := scalarNumber(n)
		if err != nil {
			return nil, err
		}
		return in.numberValue(f, strings.ReplaceAll(n.Value, "_", ""))
	case TypeBool:
		if n.Tag != "!!bool" {
			return nil, fmt.Errorf("want true or false, got %s", describe(n))
		}
		return in.CheckText(strings.ToLower(n.Value))
	}
	return in.CheckText(n.Value)
}

func (in Input) want() string {
	switch in.Type {
	case TypeNumber:
		return "a number"
	case TypeBool:
		return "true or false"
	case TypeCIDR:
		return "a CIDR range such as 10.0.0.0/16"
	case TypeEnum:
		return "one of " + strings.Join(in.Values, ", ")
	}
	return "a string"
}

// CheckText parses and checks the text form of a scalar value (what a user
// types into a form) and returns the typed value. For list inputs the text is
// a comma-separated list; for map inputs, comma-separated key=value pairs.
func (in Input) CheckText(text string) (any, error) {
	switch in.Type {
	case TypeString:
		if in.Pattern != nil && !in.Pattern.MatchString(text) {
			return nil, fmt.Errorf("%q does not match the pattern %s", text, in.Pattern)
		}
		return text, nil
	case TypeNumber:
		text = strings.TrimSpace(text)
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || !jsonNumber.MatchString(text) {
			return nil, fmt.Errorf("want a number, got %q", text)
		}
		return in.numberValue(f, text)
	case TypeBool:
		switch text {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("want true or false, got %q", text)
	case TypeCIDR:
		v, err := checkCIDR(text)
		if err == nil && !in.Shared {
			if p, _ := netip.ParsePrefix(text); p.Bits() == 0 {
				return nil, fmt.Errorf("%s is every address; an environment's range must be a part of the network (mark the input shared: true if it is an allow-list)", text)
			}
		}
		return v, err
	case TypeEnum:
		if !slices.Contains(in.Values, text) {
			return nil, fmt.Errorf("%q is not allowed; want one of %s", text, strings.Join(in.Values, ", "))
		}
		return text, nil
	case TypeList:
		item := Input{Type: in.itemType(), Pattern: in.Pattern, Min: in.Min, Max: in.Max, Shared: in.Shared}
		out := []any{}
		for _, part := range splitList(text) {
			v, err := item.CheckText(part)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case TypeMap:
		out := map[string]any{}
		for _, part := range splitList(text) {
			k, v, ok := strings.Cut(part, "=")
			k = strings.TrimSpace(k)
			if !ok || k == "" {
				return nil, fmt.Errorf("want key=value, got %q", part)
			}
			if _, dup := out[k]; dup {
				return nil, fmt.Errorf("key %q is given twice", k)
			}
			out[k] = strings.TrimSpace(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown input type %q", in.Type)
}

// jsonNumber matches the number literals JSON (and so Terraform's tfvars
// files) accept.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// numberValue checks f against min and max and returns it as a json.Number,
// keeping the literal as written when it is already a JSON number.
func (in Input) numberValue(f float64, literal string) (any, error) {
	if in.Min != nil && f < *in.Min {
		return nil, fmt.Errorf("%s is below the minimum %s", literal, formatNumber(*in.Min))
	}
	if in.Max != nil && f > *in.Max {
		return nil, fmt.Errorf("%s is above the maximum %s", literal, formatNumber(*in.Max))
	}
	if !jsonNumber.MatchString(literal) {
		literal = formatNumber(f)
	}
	return json.Number(literal), nil
}

func splitList(text string) []string {
	var out []string
	for _, part := range strings.Split(text, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// checkCIDR accepts a canonical IPv4 or IPv6 prefix. A prefix with host bits
// set is refused with the canonical form suggested, since AWS and Terraform
// treat such ranges differently.
func checkCIDR(text string) (any, error) {
	p, err := netip.ParsePrefix(text)
	if err != nil {
		return nil, fmt.Errorf("%q is not a CIDR range; want the form 10.0.0.0/16", text)
	}
	if m := p.Masked(); m != p {
		return nil, fmt.Errorf("%s has host bits set; did you mean %s?", text, m)
	}
	return text, nil
}

// FormatText renders a typed value the way CheckText reads it back.
func (in Input) FormatText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case []any:
		parts := make([]string, len(v))
		for i, item := range v {
			parts[i] = fmt.Sprint(item)
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + fmt.Sprint(v[k])
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}

// varsJSON encodes input values as JSON, as the tfvars file holds them.
func varsJSON(values map[string]any) ([]byte, error) { return json.Marshal(values) }
