package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles writes a workspace of files (path → content) under a temp dir.
func writeFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// baseFiles is a small valid workspace the cases below break one way each.
func baseFiles() map[string]string {
	return map[string]string{
		"envbench.yaml": "name: test\ncloud: simulated\ndefaults:\n  region: eu-west-1\n",
		"archetypes/web/archetype.yaml": `description: a web stack
inputs:
  vpc_cidr:
    type: cidr
    required: true
  size:
    type: enum
    values: [small, large]
    default: small
  disk_gb:
    type: number
    min: 20
    max: 1000
    default: 100
  public:
    type: bool
    default: false
  zone:
    type: string
    pattern: '^[a-z.]+$'
    default: web.internal
  subnets:
    type: list
    items: cidr
    default: []
  allowed:
    type: list
    items: cidr
    shared: true
    default: []
  tags:
    type: map
    default: {}
`,
		"archetypes/web/main.tf":         "resource \"terraform_data\" \"x\" {}\n",
		"archetypes/web/backend.tf.tmpl": "# {{ .Name }} in {{ .Region }}\n",
		"envs/qa.yaml": `archetype: web
account: "222222222222"
inputs:
  vpc_cidr: 10.1.0.0/16
`,
		"envs/prod.yaml": `archetype: web
account: "111111111111"
protected: true
inputs:
  vpc_cidr: 10.1.0.0/16
`,
	}
}

func load(t *testing.T, override map[string]string) *Workspace {
	t.Helper()
	files := baseFiles()
	for k, v := range override {
		if v == "" {
			delete(files, k)
			continue
		}
		files[k] = v
	}
	ws, err := Load(writeFiles(t, files))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return ws
}

func TestBaseWorkspaceIsValid(t *testing.T) {
	ws := load(t, nil)
	if diags := ws.Diagnostics(); len(diags) > 0 {
		t.Fatalf("base workspace has problems:\n%v", diags)
	}
	if len(ws.Environments) != 2 || len(ws.Archetypes) != 1 {
		t.Fatalf("got %d environments, %d archetypes", len(ws.Environments), len(ws.Archetypes))
	}
	qa, _ := ws.Environment("qa")
	if qa.Region != "eu-west-1" {
		t.Errorf("default region not applied: %q", qa.Region)
	}
}

// TestValidationRules breaks the base workspace one way per case and checks
// the diagnostic: file, position, field and message.
func TestValidationRules(t *testing.T) {
	env := func(body string) map[string]string { return map[string]string{"envs/qa.yaml": body} }
	arch := func(inputs string) map[string]string {
		return map[string]string{"archetypes/web/archetype.yaml": "inputs:\n" + inputs}
	}
	const qaHead = "archetype: web\naccount: \"222222222222\"\n"
	cases := []struct {
		name     string
		override map[string]string
		file     string
		line     int // 0: do not check
		col      int
		field    string
		message  string // substring
	}{
		// envbench.yaml
		{"settings unknown key", map[string]string{"envbench.yaml": "name: x\nclouds: aws\n"}, "envbench.yaml", 2, 1, "clouds", "unknown field; allowed: cloud, defaults, description, name, risk, state, terraform"},
		{"settings wrong type", map[string]string{"envbench.yaml": "name: [a, b]\n"}, "envbench.yaml", 1, 7, "name", "want a string, got a list"},
		{"settings unknown cloud", map[string]string{"envbench.yaml": "cloud: gcp\n"}, "envbench.yaml", 1, 8, "cloud", `unknown cloud "gcp"; want aws or simulated`},
		{"settings bad default region", map[string]string{"envbench.yaml": "defaults:\n  region: Europe\n"}, "envbench.yaml", 2, 11, "defaults.region", "not an AWS region name"},
		{"settings nested unknown key", map[string]string{"envbench.yaml": "terraform:\n  bin: tofu\n"}, "envbench.yaml", 2, 3, "terraform.bin", "unknown field; allowed: binary"},
		{"settings empty", map[string]string{"envbench.yaml": "# nothing\n"}, "envbench.yaml", 0, 0, "", "file is empty"},
		{"settings syntax error", map[string]string{"envbench.yaml": "name: x\n  bad: [\n"}, "envbench.yaml", 2, 1, "", "invalid YAML"},
		{"settings two documents", map[string]string{"envbench.yaml": "name: x\n---\nname: y\n"}, "envbench.yaml", 0, 0, "", "more than one YAML document"},
		{"settings not a mapping", map[string]string{"envbench.yaml": "- a\n"}, "envbench.yaml", 1, 1, "", "want a mapping"},
		{"risk unknown key", map[string]string{"envbench.yaml": "risk:\n  stateful: [x]\n"}, "envbench.yaml", 2, 3, "risk.stateful", "unknown field; allowed: growth_factor, max_changes, stateful_addresses, stateful_types"},
		{"risk growth factor too small", map[string]string{"envbench.yaml": "risk:\n  growth_factor: 1\n"}, "envbench.yaml", 2, 18, "risk.growth_factor", "must be above 1"},
		{"risk max changes not whole", map[string]string{"envbench.yaml": "risk:\n  max_changes: 2.5\n"}, "envbench.yaml", 2, 16, "risk.max_changes", "whole number"},
		{"risk pattern with a space", map[string]string{"archetypes/web/archetype.yaml": "risk:\n  stateful_addresses: [\"a b\"]\n"}, "archetypes/web/archetype.yaml", 2, 24, "risk.stateful_addresses", "is not a pattern"},
		{"risk types not a list", map[string]string{"archetypes/web/archetype.yaml": "risk:\n  stateful_types: aws_x\n"}, "archetypes/web/archetype.yaml", 2, 19, "risk.stateful_types", "want a list of strings"},
		{"duplicate key", map[string]string{"envbench.yaml": "name: a\nname: b\n"}, "envbench.yaml", 2, 1, "name", "duplicate key; first set on line 1"},
		{"merge key", map[string]string{"envbench.yaml": "x: &d {name: a}\n<<: *d\n"}, "envbench.yaml", 0, 0, "", "merge keys (<<) are not supported"},

		// archetype.yaml
		{"archetype unknown key", map[string]string{"archetypes/web/archetype.yaml": "descripton: x\n"}, "archetypes/web/archetype.yaml", 1, 1, "descripton", "unknown field; allowed: description, hooks, inputs, risk"},
		{"archetype inputs not a mapping", map[string]string{"archetypes/web/archetype.yaml": "inputs: [a]\n"}, "archetypes/web/archetype.yaml", 1, 9, "inputs", "want a mapping of input names"},
		{"input missing type", arch("  a:\n    required: true\n"), "archetypes/web/archetype.yaml", 3, 5, "inputs.a", "missing type; want one of string, number, bool, cidr, enum, list, map"},
		{"input unknown type", arch("  a:\n    type: int\n"), "archetypes/web/archetype.yaml", 3, 11, "inputs.a.type", `unknown type "int"`},
		{"input unknown field", arch("  a:\n    type: string\n    requried: true\n"), "archetypes/web/archetype.yaml", 4, 5, "inputs.a.requried", "unknown field"},
		{"input bad name", arch("  9lives:\n    type: string\n"), "archetypes/web/archetype.yaml", 2, 3, "inputs.9lives", "Terraform identifier"},
		{"input reserved name", arch("  envbench_env:\n    type: string\n"), "archetypes/web/archetype.yaml", 2, 3, "inputs.envbench_env", "reserved"},
		{"items on non-list", arch("  a:\n    type: string\n    items: cidr\n"), "archetypes/web/archetype.yaml", 4, 12, "inputs.a.items", "items applies to list inputs only"},
		{"unknown item type", arch("  a:\n    type: list\n    items: enum\n"), "archetypes/web/archetype.yaml", 4, 12, "inputs.a.items", `unknown item type "enum"`},
		{"required not bool", arch("  a:\n    type: string\n    required: yes\n"), "archetypes/web/archetype.yaml", 4, 15, "inputs.a.required", `want true or false, got "yes"`},
		{"pattern on number", arch("  a:\n    type: number\n    pattern: x\n"), "archetypes/web/archetype.yaml", 4, 14, "inputs.a.pattern", "pattern applies to string inputs"},
		{"invalid pattern", arch("  a:\n    type: string\n    pattern: '(['\n"), "archetypes/web/archetype.yaml", 4, 14, "inputs.a.pattern", "invalid regular expression"},
		{"min on string", arch("  a:\n    type: string\n    min: 1\n"), "archetypes/web/archetype.yaml", 4, 10, "inputs.a.min", "min applies to number inputs"},
		{"min above max", arch("  a:\n    type: number\n    min: 10\n    max: 5\n"), "archetypes/web/archetype.yaml", 4, 10, "inputs.a.min", "min 10 is above max 5"},
		{"values on string", arch("  a:\n    type: string\n    values: [x]\n"), "archetypes/web/archetype.yaml", 4, 13, "inputs.a.values", "values applies to enum inputs only"},
		{"enum without values", arch("  a:\n    type: enum\n"), "archetypes/web/archetype.yaml", 3, 5, "inputs.a", "an enum input needs values"},
		{"enum duplicate value", arch("  a:\n    type: enum\n    values: [x, y, x]\n"), "archetypes/web/archetype.yaml", 4, 20, "inputs.a.values[2]", `"x" is listed twice`},
		{"shared on string", arch("  a:\n    type: string\n    shared: true\n"), "archetypes/web/archetype.yaml", 4, 13, "inputs.a.shared", "shared applies to cidr inputs"},
		{"default of wrong type", arch("  a:\n    type: number\n    default: lots\n"), "archetypes/web/archetype.yaml", 4, 14, "inputs.a.default", `want a number, got "lots"`},
		{"default out of range", arch("  a:\n    type: number\n    max: 5\n    default: 6\n"), "archetypes/web/archetype.yaml", 5, 14, "inputs.a.default", "6 is above the maximum 5"},
		{"required with default", arch("  a:\n    type: string\n    required: true\n    default: x\n"), "archetypes/web/archetype.yaml", 5, 14, "inputs.a.default", "a required input cannot have a default"},
		{"template syntax error", map[string]string{"archetypes/web/backend.tf.tmpl": "{{ .Name }\n"}, "archetypes/web/backend.tf.tmpl", 1, 0, "", "unexpected"},
		{"archetype without terraform", map[string]string{"archetypes/web/main.tf": "", "archetypes/web/backend.tf.tmpl": "", "archetypes/web/README.md": "x"}, "archetypes/web/archetype.yaml", 0, 0, "", "no Terraform files"},
		{"reserved file name", map[string]string{"archetypes/web/envbench.tf": "locals {}\n"}, "archetypes/web/envbench.tf", 0, 0, "", "file name is reserved"},
		{"state in archetype", map[string]string{"archetypes/web/terraform.tfstate": "{}"}, "archetypes/web/terraform.tfstate", 0, 0, "", "Terraform state does not belong"},
		{"directory without archetype.yaml", map[string]string{"archetypes/api/main.tf": "x"}, "archetypes/api", 0, 0, "", "not an archetype: no archetype.yaml"},
		{"invalid archetype name", map[string]string{"archetypes/Web_2/archetype.yaml": "description: x\n", "archetypes/Web_2/main.tf": "x"}, "archetypes/Web_2/archetype.yaml", 0, 0, "", `archetype name "Web_2" must be`},

		// envs/<name>.yaml
		{"env unknown key", env(qaHead + "regoin: eu-west-1\ninputs: {vpc_cidr: 10.1.0.0/16}\n"), "envs/qa.yaml", 3, 1, "regoin", "unknown field; allowed: account, archetype, created, description, inputs, owner, protected, region, role, ttl"},
		{"env missing archetype", env("account: \"222222222222\"\n"), "envs/qa.yaml", 1, 1, "archetype", "missing; name the archetype"},
		{"env missing account", env("archetype: web\ninputs: {vpc_cidr: 10.1.0.0/16}\n"), "envs/qa.yaml", 1, 1, "account", "missing; give the 12-digit AWS account id"},
		{"env missing region", map[string]string{"envbench.yaml": "name: x\n"}, "envs/qa.yaml", 1, 1, "region", "missing; set region here or defaults.region"},
		{"env bad account", env("archetype: web\naccount: 12345\ninputs: {vpc_cidr: 10.1.0.0/16}\n"), "envs/qa.yaml", 2, 10, "account", `"12345" is not an AWS account id`},
		{"env bad region", env(qaHead + "region: mars-1\ninputs: {vpc_cidr: 10.1.0.0/16}\n"), "envs/qa.yaml", 3, 9, "region", `"mars-1" is not an AWS region name`},
		{"env bad role", env(qaHead + "role: deployer\ninputs: {vpc_cidr: 10.1.0.0/16}\n"), "envs/qa.yaml", 3, 7, "role", "is not an IAM role ARN"},
		{"env role in other account", env(qaHead + "role: arn:aws:iam::333333333333:role/x\ninputs: {vpc_cidr: 10.1.0.0/16}\n"), "envs/qa.yaml", 3, 7, "role", "role is in account 333333333333 but the environment is in account 222222222222"},
		{"env protected not bool", env(qaHead + "protected: yes\ninputs: {vpc_cidr: 10.1.0.0/16}\n"), "envs/qa.yaml", 3, 12, "protected", `want true or false, got "yes"`},
		{"env bad ttl", env(qaHead + "created: 2026-01-01\nttl: forever\ninputs: {vpc_cidr: 10.1.0.0/16}\n"), "envs/qa.yaml", 4, 6, "ttl", `ttl "forever" is not a duration`},
		{"env negative ttl", env(qaHead + "created: 2026-01-01\nttl: -5h\ninputs: {vpc_cidr: 10.1.0.0/16}\n"), "envs/qa.yaml", 4, 6, "ttl", "must be positive"},
		{"env ttl without created", env(qaHead + "ttl: 7d\ninputs: {vpc_cidr: 10.1.0.0/16}\n"), "envs/qa.yaml", 3, 6, "ttl", "needs created:"},
		{"env bad created", env(qaHead + "created: yesterday\nttl: 7d\ninputs: {vpc_cidr: 10.1.0.0/16}\n"), "envs/qa.yaml", 3, 10, "created", `"yesterday" is not a date`},
		{"env protected with ttl", env(qaHead + "protected: true\ncreated: 2026-01-01\nttl: 7d\ninputs: {vpc_cidr: 10.1.0.0/16}\n"), "envs/qa.yaml", 5, 6, "ttl", "a protected environment never expires"},
		{"env inputs not a mapping", env(qaHead + "inputs: [10.1.0.0/16]\n"), "envs/qa.yaml", 3, 9, "inputs", "want a mapping of input names to values"},
		{"env unknown archetype", env("archetype: api\naccount: \"222222222222\"\n"), "envs/qa.yaml", 1, 12, "archetype", `unknown archetype "api"; the workspace has: web`},
		{"env of a broken archetype", map[string]string{"archetypes/web/archetype.yaml": "inputs: 3\n"}, "envs/qa.yaml", 1, 12, "archetype", "archetype web has errors; fix archetypes/web/archetype.yaml first"},
		{"env unknown input", env(qaHead + "inputs:\n  vpc_cidr: 10.1.0.0/16\n  sise: large\n"), "envs/qa.yaml", 5, 3, "inputs.sise", `archetype web has no input "sise"; it takes: vpc_cidr, size`},
		{"env missing required input", env(qaHead + "inputs:\n  size: large\n"), "envs/qa.yaml", 3, 1, "inputs.vpc_cidr", "missing required input (cidr)"},
		{"env missing required input, no inputs", env(qaHead), "envs/qa.yaml", 1, 1, "inputs.vpc_cidr", "missing required input"},
		{"env invalid cidr", env(qaHead + "inputs:\n  vpc_cidr: 10.1.0.0/33\n"), "envs/qa.yaml", 4, 13, "inputs.vpc_cidr", `"10.1.0.0/33" is not a CIDR range`},
		{"env cidr host bits", env(qaHead + "inputs:\n  vpc_cidr: 10.1.2.3/16\n"), "envs/qa.yaml", 4, 13, "inputs.vpc_cidr", "has host bits set; did you mean 10.1.0.0/16?"},
		{"env cidr of every address", env(qaHead + "inputs:\n  vpc_cidr: 0.0.0.0/0\n"), "envs/qa.yaml", 4, 13, "inputs.vpc_cidr", "0.0.0.0/0 is every address"},
		{"env invalid enum", env(qaHead + "inputs:\n  vpc_cidr: 10.1.0.0/16\n  size: huge\n"), "envs/qa.yaml", 5, 9, "inputs.size", `"huge" is not allowed; want one of small, large`},
		{"env number as string", env(qaHead + "inputs:\n  vpc_cidr: 10.1.0.0/16\n  disk_gb: \"100\"\n"), "envs/qa.yaml", 5, 12, "inputs.disk_gb", `want a number, got "100"`},
		{"env number above max", env(qaHead + "inputs:\n  vpc_cidr: 10.1.0.0/16\n  disk_gb: 10000\n"), "envs/qa.yaml", 5, 12, "inputs.disk_gb", "10000 is above the maximum 1000"},
		{"env number below min", env(qaHead + "inputs:\n  vpc_cidr: 10.1.0.0/16\n  disk_gb: 10\n"), "envs/qa.yaml", 5, 12, "inputs.disk_gb", "10 is below the minimum 20"},
		{"env bool as string", env(qaHead + "inputs:\n  vpc_cidr: 10.1.0.0/16\n  public: \"true\"\n"), "envs/qa.yaml", 5, 11, "inputs.public", `want true or false, got "true"`},
		{"env pattern mismatch", env(qaHead + "inputs:\n  vpc_cidr: 10.1.0.0/16\n  zone: Web_Internal\n"), "envs/qa.yaml", 5, 9, "inputs.zone", `"Web_Internal" does not match the pattern`},
		{"env list item invalid", env(qaHead + "inputs:\n  vpc_cidr: 10.1.0.0/16\n  subnets: [10.1.0.0/24, nope]\n"), "envs/qa.yaml", 5, 26, "inputs.subnets[1]", `"nope" is not a CIDR range`},
		{"env list given a string", env(qaHead + "inputs:\n  vpc_cidr: 10.1.0.0/16\n  subnets: 10.1.0.0/24\n"), "envs/qa.yaml", 5, 12, "inputs.subnets", "want a list of cidr"},
		{"env map given a list", env(qaHead + "inputs:\n  vpc_cidr: 10.1.0.0/16\n  tags: [a]\n"), "envs/qa.yaml", 5, 9, "inputs.tags", "want a mapping of strings"},
		{"env map with nested value", env(qaHead + "inputs:\n  vpc_cidr: 10.1.0.0/16\n  tags: {a: {b: c}}\n"), "envs/qa.yaml", 5, 13, "inputs.tags.a", "want a string value"},
		{"env string given a list", env(qaHead + "inputs:\n  vpc_cidr: [10.1.0.0/16]\n"), "envs/qa.yaml", 4, 13, "inputs.vpc_cidr", "want a CIDR range such as 10.0.0.0/16, got a list"},
		{"env invalid name", map[string]string{"envs/QA_1.yaml": qaHead + "inputs: {vpc_cidr: 10.9.0.0/16}\n"}, "envs/QA_1.yaml", 0, 0, "", `environment name "QA_1" must be`},
		{"env defined twice", map[string]string{"envs/qa.yml": qaHead + "inputs: {vpc_cidr: 10.9.0.0/16}\n"}, "envs/qa.yml", 1, 1, "", "environment qa is also defined by envs/qa.yaml"},
		{"env defined twice marks the environment", map[string]string{"envs/qa.yml": qaHead + "inputs: {vpc_cidr: 10.9.0.0/16}\n"}, "envs/qa.yaml", 1, 1, "", "environment qa is also defined by envs/qa.yml"},
		{"env template missing key", map[string]string{"archetypes/web/backend.tf.tmpl": "x\n{{ .Inputs.nope }}\n"}, "archetypes/web/backend.tf.tmpl", 2, 10, "", `rendering for environment prod: map has no entry for key "nope"`},
		{"env template missing top-level key", map[string]string{"archetypes/web/backend.tf.tmpl": "{{ .Acount }}\n"}, "archetypes/web/backend.tf.tmpl", 1, 3, "", `map has no entry for key "Acount"`},

		// across environments
		{"overlapping cidrs in one account", map[string]string{"envs/dev.yaml": qaHead + "inputs:\n  vpc_cidr: 10.1.128.0/17\n"}, "envs/dev.yaml", 4, 13, "inputs.vpc_cidr", "10.1.128.0/17 overlaps 10.1.0.0/16 of environment qa (envs/qa.yaml:4:13) in account 222222222222"},
		{"overlap reported on the other environment too", map[string]string{"envs/dev.yaml": qaHead + "inputs:\n  vpc_cidr: 10.1.128.0/17\n"}, "envs/qa.yaml", 4, 13, "inputs.vpc_cidr", "10.1.0.0/16 overlaps 10.1.128.0/17 of environment dev (envs/dev.yaml:4:13)"},
		{"overlap through a list input", map[string]string{"envs/dev.yaml": qaHead + "inputs:\n  vpc_cidr: 10.2.0.0/16\n  subnets: [10.1.3.0/24]\n"}, "envs/dev.yaml", 5, 12, "inputs.subnets[0]", "10.1.3.0/24 overlaps 10.1.0.0/16 of environment qa"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ws := load(t, tc.override)
			diags := ws.Diagnostics()
			for _, d := range diags {
				if d.File != tc.file || !strings.Contains(d.Message, tc.message) || d.Field != tc.field {
					continue
				}
				if tc.line != 0 && (d.Line != tc.line || (tc.col != 0 && d.Col != tc.col)) {
					t.Errorf("found the problem at %d:%d, want %d:%d: %s", d.Line, d.Col, tc.line, tc.col, d)
				}
				return
			}
			t.Errorf("no diagnostic in %s for field %q containing %q; got:\n%v", tc.file, tc.field, tc.message, diags)
		})
	}
}

// TestNoFalsePositives: what the rules must accept.
func TestNoFalsePositives(t *testing.T) {
	const qaHead = "archetype: web\naccount: \"222222222222\"\n"
	cases := map[string]map[string]string{
		"same cidr in another account":    {"envs/dev.yaml": "archetype: web\naccount: \"333333333333\"\ninputs: {vpc_cidr: 10.1.0.0/16}\n"},
		"adjacent cidrs in one account":   {"envs/dev.yaml": qaHead + "inputs: {vpc_cidr: 10.2.0.0/16}\n"},
		"shared ranges may overlap":       {"envs/dev.yaml": qaHead + "inputs: {vpc_cidr: 10.2.0.0/16, allowed: [10.1.0.0/24]}\n"},
		"a shared allow-list may be open": {"envs/dev.yaml": qaHead + "inputs: {vpc_cidr: 10.2.0.0/16, allowed: [0.0.0.0/0, \"::/0\"]}\n"},
		"unquoted account id":             {"envs/dev.yaml": "archetype: web\naccount: 333333333333\ninputs: {vpc_cidr: 10.1.0.0/16}\n"},
		"ttl in weeks with created time":  {"envs/dev.yaml": "archetype: web\naccount: \"333333333333\"\ncreated: 2026-01-01T10:00:00Z\nttl: 2w\ninputs: {vpc_cidr: 10.1.0.0/16}\n"},
		"null input takes the default":    {"envs/dev.yaml": "archetype: web\naccount: \"333333333333\"\ninputs: {vpc_cidr: 10.1.0.0/16, size: ~}\n"},
		"aliases":                         {"envs/dev.yaml": "archetype: web\naccount: \"333333333333\"\ninputs: {vpc_cidr: &c 10.5.0.0/16, subnets: [*c]}\n"},
		"role in the same account":        {"envs/dev.yaml": "archetype: web\naccount: \"333333333333\"\nrole: arn:aws:iam::333333333333:role/path/deployer\ninputs: {vpc_cidr: 10.1.0.0/16}\n"},
		"ipv6 range":                      {"envs/dev.yaml": qaHead + "inputs: {vpc_cidr: \"2001:db8::/56\"}\n"},
		"number with exponent and float":  {"envs/dev.yaml": qaHead + "inputs: {vpc_cidr: 10.2.0.0/16, disk_gb: 2.5e2}\n"},
		"map of scalar values":            {"envs/dev.yaml": qaHead + "inputs: {vpc_cidr: 10.2.0.0/16, tags: {team: qa, cost: 12}}\n"},
	}
	for name, override := range cases {
		t.Run(name, func(t *testing.T) {
			if diags := load(t, override).Diagnostics(); len(diags) > 0 {
				t.Errorf("unexpected problems:\n%v", diags)
			}
		})
	}
}

// TestBrokenEnvironmentDoesNotBlockOthers: a file with problems of its own
// takes no part in the overlap check, so it cannot make a deployed
// environment unplannable.
func TestBrokenEnvironmentDoesNotBlockOthers(t *testing.T) {
	ws := load(t, map[string]string{"envs/draft.yaml": "archetype: web\naccount: \"222222222222\"\nownr: me\ninputs: {vpc_cidr: 10.1.0.0/16}\n"})
	if qa, _ := ws.Environment("qa"); !qa.Valid() {
		t.Errorf("qa must stay valid beside a broken file with its range: %v", qa.Diags)
	}
	if d, _ := ws.Environment("draft"); d.Valid() {
		t.Error("the broken file keeps its own problem")
	}
}

// TestAllErrorsAtOnce: loading reports every problem, and a broken
// environment never hides the others.
func TestAllErrorsAtOnce(t *testing.T) {
	ws := load(t, map[string]string{
		"envbench.yaml":    "name: x\ncloud: gcp\ndefaults: {region: eu-west-1}\n",
		"envs/broken.yaml": "archetype: web\naccount: 1\ninputs: {vpc_cidr: bad, size: huge}\n",
		"envs/syntax.yaml": "archetype: web\n  : [\n",
	})
	diags := ws.Diagnostics()
	files := map[string]int{}
	for _, d := range diags {
		files[d.File]++
	}
	if files["envbench.yaml"] != 1 || files["envs/broken.yaml"] != 3 || files["envs/syntax.yaml"] != 1 {
		t.Errorf("problems per file = %v, want envbench.yaml 1, envs/broken.yaml 3, envs/syntax.yaml 1:\n%v", files, diags)
	}
	if len(ws.Environments) != 4 {
		t.Fatalf("want all 4 environments listed, broken ones included; got %d", len(ws.Environments))
	}
	for _, name := range []string{"qa", "prod"} {
		if e, _ := ws.Environment(name); !e.Valid() {
			t.Errorf("%s should stay valid beside broken environments: %v", name, e.Diags)
		}
	}
	if e, _ := ws.Environment("broken"); e.Valid() {
		t.Error("broken should carry its problems")
	}
}

func TestDiagnosticString(t *testing.T) {
	d := Diagnostic{File: "envs/qa.yaml", Line: 4, Col: 13, Field: "inputs.vpc_cidr", Message: "bad"}
	if got, want := d.String(), "envs/qa.yaml:4:13: inputs.vpc_cidr: bad"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := (Diagnostic{File: "archetypes/x", Message: "m"}).String(), "archetypes/x: m"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFindRoot(t *testing.T) {
	root := writeFiles(t, map[string]string{"envbench.yaml": "name: x\n", "envs/deep/dir/.keep": ""})
	got, err := FindRoot(filepath.Join(root, "envs", "deep", "dir"))
	if err != nil || got != root {
		t.Errorf("FindRoot = %q, %v; want %q", got, err, root)
	}
	if _, err := FindRoot(t.TempDir()); err == nil || !strings.Contains(err.Error(), "--workspace") {
		t.Errorf("FindRoot without a workspace: %v", err)
	}
}

func TestLoadWithoutSettings(t *testing.T) {
	if _, err := Load(t.TempDir()); err == nil {
		t.Error("Load of a directory without envbench.yaml should fail")
	}
}

func TestAliasBombIsAnError(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 12; i++ {
		b.WriteString("a")
		b.WriteString(string(rune('0' + i%10)))
		b.WriteString(strings.Repeat("x", i))
		b.WriteString(": &a")
		b.WriteString(strings.Repeat("y", i))
		b.WriteString(" [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			if i == 1 {
				b.WriteString("*a0")
			} else {
				b.WriteString("*a" + strings.Repeat("y", i-1))
			}
		}
		b.WriteString("]\n")
	}
	ws := load(t, map[string]string{"archetypes/web/archetype.yaml": "inputs:\n  l:\n    type: list\n    default:\n" + indent(b.String(), "      ")})
	if len(ws.ArchetypeDiagnostics("web")) == 0 {
		t.Fatal("an alias bomb must be reported, not expanded")
	}
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i := range lines {
		lines[i] = prefix + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestFilesThatAreNotRegularOrTooLarge(t *testing.T) {
	root := writeFiles(t, baseFiles())
	if err := os.Symlink("/dev/zero", filepath.Join(root, "envs", "zero.yaml")); err != nil {
		t.Skip(err)
	}
	big := strings.Repeat("# padding\n", maxFileSize/10+1)
	if err := os.WriteFile(filepath.Join(root, "envs", "big.yaml"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	ws, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	msgs := ws.Diagnostics().Error()
	for _, want := range []string{"envs/zero.yaml: is a symbolic link that leads outside the workspace", "envs/big.yaml: file is 1048580 bytes; configuration files are limited to 1048576"} {
		if !strings.Contains(msgs, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, msgs)
		}
	}
	if qa, _ := ws.Environment("qa"); !qa.Valid() {
		t.Error("the other environments stay valid")
	}
}
