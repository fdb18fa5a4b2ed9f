package fake

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/envbench/envbench/config"
)

// Seed is what a simulated AWS starts with, declared in a YAML file of the
// demo workspace: accounts, their roles and resources, the people who
// sign in through SSO, and CloudTrail history. See testdata/seed.yaml.
type Seed struct {
	// Region is where resources are made and history recorded unless an
	// account or event says otherwise.
	Region string `yaml:"region"`
	// Identity is the ARN of who calls are made as when no role is
	// assumed (DefaultIdentity when empty).
	Identity string        `yaml:"identity"`
	Accounts []SeedAccount `yaml:"accounts"`
	People   []SeedPerson  `yaml:"people"`
	History  []SeedEvent   `yaml:"history"`
	// Apply names the environments that seeding a new simulation applies
	// with Terraform (pipeline.PrepareSimulation), so that their state and
	// the account agree from the start.
	Apply []string `yaml:"apply"`

	file                   string
	applyPos               []config.Position
	regionPos, identityPos config.Position
}

// SeedAccount is one account with its roles and resources.
type SeedAccount struct {
	ID        string          `yaml:"id"`
	Name      string          `yaml:"name"`
	Region    string          `yaml:"region"`
	Roles     []SeedRole      `yaml:"roles"`
	Resources SeedResources   `yaml:"resources"`
	Pos       config.Position `yaml:"-"`
}

// SeedRole is a role of the account; trusted_by lists who may assume it
// (account ids, role or user ARNs, "*"; empty: anyone).
type SeedRole struct {
	Name       string          `yaml:"name"`
	TrustedBy  []string        `yaml:"trusted_by"`
	ExternalID string          `yaml:"external_id"`
	Pos        config.Position `yaml:"-"`
}

// SeedPerson is someone who signs in through SSO: in each of their
// accounts (all when none are listed) they act as the SSO role, with
// their email as the session name, as AWS IAM Identity Center does.
type SeedPerson struct {
	Name     string          `yaml:"name"`
	Email    string          `yaml:"email"`
	SSORole  string          `yaml:"sso_role"` // AWSReservedSSO_<permission set>_<suffix>
	Accounts []string        `yaml:"accounts"`
	Pos      config.Position `yaml:"-"`
}

// SeedResources are the resources an account starts with. Resources
// refer to one another by their seed names (a subnet's vpc, a database's
// subnet group and key).
type SeedResources struct {
	VPCs         []SeedVPC         `yaml:"vpcs"`
	SubnetGroups []SeedSubnetGroup `yaml:"db_subnet_groups"`
	Keys         []SeedKey         `yaml:"kms_keys"`
	Databases    []SeedDatabase    `yaml:"db_instances"`
	Snapshots    []SeedSnapshot    `yaml:"db_snapshots"`
	Zones        []SeedZone        `yaml:"dns_zones"`
	Secrets      []SeedSecret      `yaml:"secrets"`
	Buckets      []SeedBucket      `yaml:"buckets"`
	Clusters     []SeedCluster     `yaml:"ecs_clusters"`
}

// SeedVPC is a VPC with its subnets and security groups.
type SeedVPC struct {
	Name           string              `yaml:"name"` // also its Name tag
	CIDR           string              `yaml:"cidr"`
	Tags           map[string]string   `yaml:"tags"`
	Subnets        []SeedSubnet        `yaml:"subnets"`
	SecurityGroups []SeedSecurityGroup `yaml:"security_groups"`
	// By, when set, is the email of a person of the seed who made the
	// VPC (not what is declared in it) by hand in the console: it is
	// created through their SSO role, and CloudTrail records them as its
	// creator.
	By string `yaml:"by"`
	// NetworkInterfaces are interfaces made by hand (a debugging
	// instance's, left behind): they hold their subnet and groups.
	NetworkInterfaces []SeedInterface `yaml:"network_interfaces"`
	Pos               config.Position `yaml:"-"`
}

// SeedInterface is a network interface in a seed subnet, with seed
// security groups.
type SeedInterface struct {
	Subnet         string            `yaml:"subnet"`
	SecurityGroups []string          `yaml:"security_groups"`
	Description    string            `yaml:"description"`
	Tags           map[string]string `yaml:"tags"`
	// By, when set, is the email of a person of the seed who made it by
	// hand in the console: it is created through their SSO role, and
	// CloudTrail records them as its creator.
	By  string          `yaml:"by"`
	Pos config.Position `yaml:"-"`
}

// SeedSubnet is a subnet of a VPC.
type SeedSubnet struct {
	Name string            `yaml:"name"`
	CIDR string            `yaml:"cidr"`
	Zone string            `yaml:"zone"`
	Tags map[string]string `yaml:"tags"`
	// By, when set, is the email of a person of the seed who made it by
	// hand in the console: it is created through their SSO role, and
	// CloudTrail records them as its creator.
	By  string          `yaml:"by"`
	Pos config.Position `yaml:"-"`
}

// SeedSecurityGroup is a security group of a VPC.
type SeedSecurityGroup struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Ingress     []SeedRule        `yaml:"ingress"`
	Tags        map[string]string `yaml:"tags"`
	// By, when set, is the email of a person of the seed who made it by
	// hand in the console: it is created through their SSO role, and
	// CloudTrail records them as its creator.
	By  string          `yaml:"by"`
	Pos config.Position `yaml:"-"`
}

// SeedRule is an ingress rule.
type SeedRule struct {
	Protocol string          `yaml:"protocol"`
	From     int             `yaml:"from"`
	To       int             `yaml:"to"`
	CIDRs    []string        `yaml:"cidrs"`
	Pos      config.Position `yaml:"-"`
}

// SeedSubnetGroup is a DB subnet group of seed-named subnets.
type SeedSubnetGroup struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Subnets     []string          `yaml:"subnets"`
	Tags        map[string]string `yaml:"tags"`
	Pos         config.Position   `yaml:"-"`
}

// SeedKey is a customer managed KMS key, named by its alias.
type SeedKey struct {
	Alias       string            `yaml:"alias"` // alias/envbench-sync
	Description string            `yaml:"description"`
	Rotation    bool              `yaml:"rotation"`
	Grants      []SeedGrant       `yaml:"grants"`
	Tags        map[string]string `yaml:"tags"`
	Pos         config.Position   `yaml:"-"`
}

// SeedGrant lets another account (or principal) use a key.
type SeedGrant struct {
	Name       string          `yaml:"name"`
	Grantee    string          `yaml:"grantee"` // an account id or a principal ARN
	Operations []string        `yaml:"operations"`
	Pos        config.Position `yaml:"-"`
}

// SeedDatabase is an RDS instance, available from the start.
type SeedDatabase struct {
	ID                 string            `yaml:"id"`
	Class              string            `yaml:"class"`
	Engine             string            `yaml:"engine"`
	EngineVersion      string            `yaml:"engine_version"`
	Storage            int               `yaml:"storage_gb"`
	SubnetGroup        string            `yaml:"subnet_group"`
	Key                string            `yaml:"kms_key"` // a seed key's alias; empty: aws/rds
	Username           string            `yaml:"master_username"`
	DeletionProtection bool              `yaml:"deletion_protection"`
	Tags               map[string]string `yaml:"tags"`
	Pos                config.Position   `yaml:"-"`
}

// SeedSnapshot is a manual snapshot of a seed database.
type SeedSnapshot struct {
	ID       string            `yaml:"id"`
	Instance string            `yaml:"instance"`
	Tags     map[string]string `yaml:"tags"`
	Pos      config.Position   `yaml:"-"`
}

// SeedZone is a Route 53 zone with its records.
type SeedZone struct {
	Name    string            `yaml:"name"`
	Private bool              `yaml:"private"`
	VPC     string            `yaml:"vpc"` // a seed VPC's name, for a private zone
	Records []SeedRecord      `yaml:"records"`
	Tags    map[string]string `yaml:"tags"`
	Pos     config.Position   `yaml:"-"`
}

// SeedRecord is a record set. A value "db:ID" is the endpoint of the seed
// database ID.
type SeedRecord struct {
	Name   string          `yaml:"name"`
	Type   string          `yaml:"type"`
	TTL    int             `yaml:"ttl"`
	Values []string        `yaml:"values"`
	Pos    config.Position `yaml:"-"`
}

// SeedSecret is a Secrets Manager secret. Its value is demo data: a
// seed never holds a real secret.
type SeedSecret struct {
	Name  string            `yaml:"name"`
	Value string            `yaml:"value"`
	Tags  map[string]string `yaml:"tags"`
	Pos   config.Position   `yaml:"-"`
}

// SeedBucket is an S3 bucket.
type SeedBucket struct {
	Name string            `yaml:"name"`
	Tags map[string]string `yaml:"tags"`
	Pos  config.Position   `yaml:"-"`
}

// SeedCluster is an ECS cluster with its services.
type SeedCluster struct {
	Name     string            `yaml:"name"`
	Services []SeedService     `yaml:"services"`
	Tags     map[string]string `yaml:"tags"`
	Pos      config.Position   `yaml:"-"`
}

// SeedService is an ECS service; subnets and security groups by seed name.
type SeedService struct {
	Name           string            `yaml:"name"`
	TaskDefinition string            `yaml:"task_definition"`
	DesiredCount   int               `yaml:"desired_count"`
	Subnets        []string          `yaml:"subnets"`
	SecurityGroups []string          `yaml:"security_groups"`
	Tags           map[string]string `yaml:"tags"`
	Pos            config.Position   `yaml:"-"`
}

// SeedEvent is a CloudTrail event of the past.
type SeedEvent struct {
	// Who is a person's email (acting through their SSO role), or an
	// identity ARN (an assumed role's session, a user).
	Who     string `yaml:"who"`
	Account string `yaml:"account"`
	Region  string `yaml:"region"`
	// At is an offset from the time the seed is applied: -72h, -3d4h.
	At        string              `yaml:"at"`
	Service   string              `yaml:"service"` // rds, ec2...
	Call      string              `yaml:"call"`    // ModifyDBInstance
	ReadOnly  bool                `yaml:"read_only"`
	Request   map[string]any      `yaml:"request"`
	Response  map[string]any      `yaml:"response"`
	Resources []SeedEventResource `yaml:"resources"`
	ErrorCode string              `yaml:"error_code"`
	ErrorMsg  string              `yaml:"error_message"`
	SourceIP  string              `yaml:"source_ip"`
	UserAgent string              `yaml:"user_agent"`
	Pos       config.Position     `yaml:"-"`
}

// SeedEventResource is a resource an event names.
type SeedEventResource struct {
	Type string          `yaml:"type"`
	Name string          `yaml:"name"`
	ARN  string          `yaml:"arn"`
	Pos  config.Position `yaml:"-"`
}

const (
	maxSeedSize  = 4 << 20
	maxSeedNodes = 200000
)

// LoadSeed reads and checks a seed file. Every problem is reported, as
// file:line:col: field: message, in one config.Diagnostics.
func LoadSeed(path string) (*Seed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load seed: %w", err)
	}
	return ParseSeed(path, data)
}

// ParseSeed is LoadSeed on data read from file.
func ParseSeed(file string, data []byte) (*Seed, error) {
	d := &seedDecoder{file: file}
	s := &Seed{file: file}
	if len(data) > maxSeedSize {
		d.errorf(nil, "", "file is %d bytes; a seed is limited to %d", len(data), maxSeedSize)
		return nil, d.diags
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errorf(nil, "", "file is empty")
		} else {
			d.yamlError(err)
		}
		return nil, d.diags
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		d.errorf(nil, "", "file is empty")
		return nil, d.diags
	}
	d.decode(doc.Content[0], reflect.ValueOf(s).Elem(), "")
	s.applyPos = listPositions(doc.Content[0], "apply")
	s.regionPos = valuePosition(doc.Content[0], "region")
	s.identityPos = valuePosition(doc.Content[0], "identity")
	if len(d.diags) == 0 {
		d.check(s)
	}
	if len(d.diags) > 0 {
		return nil, d.diags.Sort()
	}
	return s, nil
}

type seedDecoder struct {
	file  string
	diags config.Diagnostics
	nodes int
}

func (d *seedDecoder) errorf(n *yaml.Node, field, format string, args ...any) {
	diag := config.Diagnostic{File: d.file, Field: field, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		diag.Line, diag.Col = n.Line, n.Column
	}
	d.diags = append(d.diags, diag)
}

func (d *seedDecoder) at(p config.Position, field, format string, args ...any) {
	d.diags = append(d.diags, config.Diagnostic{File: d.file, Line: p.Line, Col: p.Col, Field: field, Message: fmt.Sprintf(format, args...)})
}

var yamlLineError = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (d *seedDecoder) yamlError(err error) {
	msg := err.Error()
	if m := yamlLineError.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		d.diags = append(d.diags, config.Diagnostic{File: d.file, Line: line, Col: 1, Message: "invalid YAML: " + m[2]})
		return
	}
	d.diags = append(d.diags, config.Diagnostic{File: d.file, Message: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")})
}

var positionType = reflect.TypeOf(config.Position{})

// listPositions are the positions of the items of the list under key in
// the mapping n; none when there is no such list.
func listPositions(n *yaml.Node, key string) []config.Position {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		list := n.Content[i+1]
		if list.Kind == yaml.AliasNode && list.Alias != nil {
			list = list.Alias
		}
		if n.Content[i].Value != key || list.Kind != yaml.SequenceNode {
			continue
		}
		var out []config.Position
		for _, item := range list.Content {
			out = append(out, config.Position{Line: item.Line, Col: item.Column})
		}
		return out
	}
	return nil
}

// valuePosition is the position of the value under key in the mapping n;
// the zero Position when there is none.
func valuePosition(n *yaml.Node, key string) config.Position {
	if n == nil || n.Kind != yaml.MappingNode {
		return config.Position{}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			v := n.Content[i+1]
			return config.Position{Line: v.Line, Col: v.Column}
		}
	}
	return config.Position{}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	if n.Tag == "!!null" {
		return "null"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:40] + "…"
	}
	return fmt.Sprintf("%q", v)
}

// decode fills v from n strictly: unknown keys, wrong kinds and bad
// scalars are reported at their position.
func (d *seedDecoder) decode(n *yaml.Node, v reflect.Value, path string) {
	for depth := 0; n != nil && n.Kind == yaml.AliasNode; depth++ {
		if depth > 100 {
			d.errorf(n, path, "alias chain is too long")
			return
		}
		n = n.Alias
	}
	if n == nil {
		return
	}
	d.nodes++
	if d.nodes == maxSeedNodes {
		d.errorf(n, path, "document expands to more than %d nodes (aliases count each time they are used)", maxSeedNodes)
	}
	if d.nodes >= maxSeedNodes {
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			d.errorf(n, path, "want a mapping, not %s", kindName(n))
			return
		}
		t := v.Type()
		fields := map[string]int{}
		var names []string
		for i := range t.NumField() {
			tag := t.Field(i).Tag.Get("yaml")
			if t.Field(i).Type == positionType && t.Field(i).IsExported() {
				v.Field(i).Set(reflect.ValueOf(config.Position{Line: n.Line, Col: n.Column}))
				continue
			}
			if tag == "" || tag == "-" || !t.Field(i).IsExported() {
				continue
			}
			fields[tag] = i
			names = append(names, tag)
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			idx, ok := fields[k.Value]
			if !ok {
				d.errorf(k, join(path, k.Value), "unknown field; allowed: %s", strings.Join(names, ", "))
				continue
			}
			if seen[k.Value] {
				d.errorf(k, join(path, k.Value), "field given twice")
				continue
			}
			seen[k.Value] = true
			d.decode(val, v.Field(idx), join(path, k.Value))
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, path, "want a list, not %s", kindName(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.errorf(n, path, "want a mapping, not %s", kindName(n))
			return
		}
		m := reflect.MakeMap(v.Type())
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				d.errorf(k, path, "a key must be a plain string")
				continue
			}
			elem := reflect.New(v.Type().Elem()).Elem()
			if v.Type().Elem().Kind() == reflect.Interface {
				var x any
				if err := val.Decode(&x); err != nil {
					d.errorf(val, join(path, k.Value), "%v", cleanYAMLError(err))
					continue
				}
				if x != nil {
					elem.Set(reflect.ValueOf(x))
				}
			} else {
				d.decode(val, elem, join(path, k.Value))
			}
			m.SetMapIndex(reflect.ValueOf(k.Value), elem)
		}
		v.Set(m)
	default:
		if n.Kind != yaml.ScalarNode {
			d.errorf(n, path, "want a single value, not %s", kindName(n))
			return
		}
		if err := n.Decode(v.Addr().Interface()); err != nil {
			d.errorf(n, path, "want %s, not %s", scalarKind(v.Kind()), kindName(n))
		}
	}
}

func scalarKind(k reflect.Kind) string {
	switch k {
	case reflect.Int:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	}
	return "a string"
}

func cleanYAMLError(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}
