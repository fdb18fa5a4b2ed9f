package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Draft is a new environment as the new-environment form fills it in. Its
// YAML is what envs/<name>.yaml will hold.
type Draft struct {
	Name        string
	Archetype   string
	Description string
	Account     string
	Region      string
	Role        string
	Owner       string
	TTL         string
	Protected   bool
	Created     time.Time
	// Inputs are the values set, in the archetype's order; unset inputs
	// take the archetype's default.
	Inputs []DraftInput
}

// DraftInput is one input value of a Draft, typed as Input.CheckText
// returns it.
type DraftInput struct {
	Name  string
	Value any
}

// YAML renders the draft as an environment file.
func (d Draft) YAML() ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	add := func(key string, value *yaml.Node) {
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, value)
	}
	str := func(key, value string) {
		if value != "" {
			add(key, stringNode(value))
		}
	}
	str("description", d.Description)
	str("archetype", d.Archetype)
	str("account", d.Account)
	str("region", d.Region)
	str("role", d.Role)
	if d.Protected {
		add("protected", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	}
	str("owner", d.Owner)
	if !d.Created.IsZero() {
		add("created", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!timestamp", Value: d.Created.UTC().Truncate(time.Second).Format(time.RFC3339)})
	}
	str("ttl", d.TTL)
	if len(d.Inputs) > 0 {
		inputs := &yaml.Node{Kind: yaml.MappingNode}
		for _, in := range d.Inputs {
			v, err := valueNode(in.Value)
			if err != nil {
				return nil, fmt.Errorf("input %s: %w", in.Name, err)
			}
			inputs.Content = append(inputs.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: in.Name}, v)
		}
		add("inputs", inputs)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// stringNode is a string scalar; the encoder quotes it when it would
// otherwise read back as a number, boolean or null.
func stringNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// valueNode encodes a typed input value.
func valueNode(v any) (*yaml.Node, error) {
	switch v := v.(type) {
	case string:
		return stringNode(v), nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(v)}, nil
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(string(v), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: string(v)}, nil
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, item := range v {
			c, err := valueNode(item)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, c)
		}
		return n, nil
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			c, err := valueNode(v[k])
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, stringNode(k), c)
		}
		return n, nil
	}
	return nil, fmt.Errorf("unsupported value %T", v)
}

// CheckEnvironmentName checks a would-be environment name.
func CheckEnvironmentName(name string) error { return checkName("environment", name) }

// CheckAccount checks an AWS account id.
func CheckAccount(s string) error {
	if !accountPattern.MatchString(s) {
		return fmt.Errorf("%q is not an AWS account id; want 12 digits", s)
	}
	return nil
}

// CheckRegion checks an AWS region name.
func CheckRegion(s string) error { return checkRegion(s) }

// CheckRole checks an IAM role ARN.
func CheckRole(s string) error {
	if !rolePattern().MatchString(s) {
		return fmt.Errorf("%q is not an IAM role ARN; want arn:aws:iam::<account>:role/<name>", s)
	}
	return nil
}

// MissingInput is the problem of a required input left unset, in the words
// validate uses for it.
func MissingInput(in Input) string {
	desc := in.TypeLabel()
	if in.Description != "" {
		desc += ": " + in.Description
	}
	return "missing required input (" + desc + ")"
}

// CheckNewEnvironmentName checks the name of a would-be environment: a valid
// name that no environment of the workspace has yet.
func (ws *Workspace) CheckNewEnvironmentName(name string) error {
	if err := CheckEnvironmentName(name); err != nil {
		return err
	}
	if _, exists := ws.Environment(name); exists {
		return fmt.Errorf("environment %s already exists; choose another name", name)
	}
	return nil
}

// CheckOverlap checks one CIDR (or list of CIDR) input of a would-be
// environment, with value as Input.CheckText returns it, against the ranges
// the workspace's other environments hold in account. It returns the
// overlaps validate would report on that input, none when the input is
// shared, not a CIDR or the account is not set.
func (ws *Workspace) CheckOverlap(name, account string, a *Archetype, in Input, value any) Diagnostics {
	if in.Shared || account == "" || (in.Type != TypeCIDR && !(in.Type == TypeList && in.itemType() == TypeCIDR)) {
		return nil
	}
	file := "envs/" + name + ".yaml"
	e := &Environment{
		Name: name, File: file, Archetype: a.Name, Account: account,
		Inputs: map[string]any{in.Name: value},
		pos:    map[string]Position{}, root: &yaml.Node{Kind: yaml.MappingNode},
	}
	others := slices.DeleteFunc(slices.Clone(ws.Environments), func(o *Environment) bool { return o.Name == name })
	archetypes := ws.archetypeMap()
	archetypes[a.Name] = a
	var out Diagnostics // e holds this input only: every overlap of e is on it
	for _, o := range findOverlaps(append(others, e), archetypes) {
		if o.Env == e {
			out = append(out, o.diagnostic())
		}
	}
	return out
}

// CheckFormText checks text typed into the new-environment form for an input
// the way validate checks the same text written as the input's value in an
// environment file, with the same messages, and returns the typed value. A
// list's text is its items separated by commas, each checked as an item of
// the list (a problem names the item as validate does: name[index]); a map's
// text is key=value pairs separated by commas.
func (in Input) CheckFormText(text string) (any, error) {
	switch in.Type {
	case TypeMap:
		return in.CheckText(text)
	case TypeList:
		item := Input{Type: in.itemType(), Pattern: in.Pattern, Min: in.Min, Max: in.Max, Shared: in.Shared}
		out := []any{}
		for i, part := range splitList(text) {
			v, err := item.scalar(textNode(part))
			if err != nil {
				return nil, fmt.Errorf("%s[%d]: %w", in.Name, i, err)
			}
			out = append(out, v)
		}
		return out, nil
	}
	return in.scalar(textNode(text))
}

// textNode is text as a plain value in a YAML file: its tag resolved as YAML
// resolves it (20 is a number, true a boolean). Text that would not read
// back as itself in plain form is a string.
func textNode(text string) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err == nil && len(doc.Content) == 1 {
		if n := doc.Content[0]; n.Kind == yaml.ScalarNode && n.Style == 0 && n.Value == text {
			return n
		}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: text}
}
