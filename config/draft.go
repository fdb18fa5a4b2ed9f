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
	if !rolePattern.MatchString(s) {
		return fmt.Errorf("%q is not an IAM role ARN; want arn:aws:iam::<account>:role/<name>", s)
	}
	return nil
}
