package envs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// planJSON builds a plan document of a format version from resource changes.
func planJSON(version string, changes ...string) []byte {
	return []byte(`{"format_version":"` + version + `","terraform_version":"1.5.7","resource_changes":[` + strings.Join(changes, ",") + `]}`)
}

func TestDecodePlanGroupsActions(t *testing.T) {
	data := planJSON("1.2",
		`{"address":"aws_s3_bucket.b","type":"aws_s3_bucket","mode":"managed","change":{"actions":["create"],"before":null,"after":{"bucket":"b"}}}`,
		`{"address":"aws_db_instance.db","type":"aws_db_instance","mode":"managed","change":{"actions":["delete","create"],"before":{"engine_version":"15"},"after":{"engine_version":"16"},"replace_paths":[["engine_version"]]},"action_reason":"replace_because_cannot_update"}`,
		`{"address":"aws_instance.new","previous_address":"aws_instance.old","type":"aws_instance","mode":"managed","change":{"actions":["no-op"],"before":{},"after":{}}}`,
		`{"address":"aws_iam_role.r","type":"aws_iam_role","mode":"managed","change":{"actions":["no-op"],"before":{},"after":{},"importing":{"id":"r"}}}`,
		`{"address":"aws_sqs_queue.q","type":"aws_sqs_queue","mode":"managed","change":{"actions":["delete"],"before":{"name":"q"},"after":null}}`,
		`{"address":"aws_sns_topic.t","type":"aws_sns_topic","mode":"managed","change":{"actions":["update"],"before":{"name":"t"},"after":{"name":"u"}}}`,
		`{"address":"data.aws_ami.a","type":"aws_ami","mode":"data","change":{"actions":["read"],"before":null,"after":{}}}`,
		`{"address":"aws_vpc.v","type":"aws_vpc","mode":"managed","change":{"actions":["no-op"],"before":{},"after":{}}}`,
		`{"address":"aws_eip.e","type":"aws_eip","mode":"managed","change":{"actions":["forget"],"before":{},"after":null}}`,
		`{"address":"aws_x.y","type":"aws_x","mode":"managed","change":{"actions":["create","frobnicate"],"before":null,"after":{}}}`,
	)
	p, err := DecodePlan(data)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p.Changes {
		got = append(got, string(c.Action)+" "+c.Address)
	}
	want := []string{
		"delete aws_sqs_queue.q", "replace aws_db_instance.db", "update aws_sns_topic.t", "create aws_s3_bucket.b",
		"import aws_iam_role.r", "move aws_instance.new", "forget aws_eip.e", "read data.aws_ami.a", "no-op aws_vpc.v", "other aws_x.y",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	db := p.Changes[1]
	if f := db.ForcingAttributes(); len(f) != 1 || f[0] != "engine_version" || db.ActionReason != "replace_because_cannot_update" {
		t.Errorf("replace details: %v %q", f, db.ActionReason)
	}
	if s := p.Summary(); s.Total() != 8 || s.String() != "+1 ~1 -1 ±1 ⇐1 import →1 move ∅1 forget" {
		t.Errorf("summary %q total %d", s.String(), s.Total())
	}
}

// TestDecodePlanFormatVersions reads the shape of each format version from
// Terraform 0.14 (0.1) to 1.5+ (1.2).
func TestDecodePlanFormatVersions(t *testing.T) {
	change := map[string]string{
		"0.1": `{"address":"a.b","type":"a","mode":"managed","change":{"actions":["update"],"before":{"x":1},"after":{"x":2},"after_unknown":{}}}`,
		"0.2": `{"address":"a.b","type":"a","mode":"managed","change":{"actions":["update"],"before":{"x":1},"after":{"x":2},"after_unknown":{},"before_sensitive":{},"after_sensitive":{}}}`,
		"1.0": `{"address":"a.b","type":"a","mode":"managed","change":{"actions":["update"],"before":{"x":1},"after":{"x":2},"after_unknown":{},"before_sensitive":false,"after_sensitive":false}}`,
		"1.1": `{"address":"a.b","previous_address":"a.old","type":"a","mode":"managed","change":{"actions":["update"],"before":{"x":1},"after":{"x":2},"after_unknown":{},"before_sensitive":{},"after_sensitive":{},"replace_paths":[]}}`,
		"1.2": `{"address":"a.b","type":"a","mode":"managed","change":{"actions":["update"],"before":{"x":1},"after":{"x":2},"after_unknown":{},"before_sensitive":{},"after_sensitive":{},"importing":{"id":"i-1"},"generated_config":""}}`,
	}
	for version, c := range change {
		p, err := DecodePlan(planJSON(version, c))
		if err != nil {
			t.Errorf("format %s: %v", version, err)
			continue
		}
		diffs, _, err := p.Changes[0].Diff(DiffOptions{})
		if err != nil || len(diffs) != 1 || diffs[0].Path != "x" || diffs[0].Before != "1" || diffs[0].After != "2" {
			t.Errorf("format %s: diff %+v %v", version, diffs, err)
		}
	}
}

func TestDecodePlanErrors(t *testing.T) {
	cases := map[string]struct{ input, want string }{
		"empty":             {"", "the input is empty"},
		"saved plan":        {"PK\x03\x04\x14\x00binary", "this is a saved plan file, which is binary"},
		"array":             {"[1, 2]", "the input is a JSON array"},
		"not json":          {"plan: yes\n", "1:1: invalid JSON"},
		"truncated":         {"{\n  \"format_version\": \"1.2\",\n  \"resource_changes\": [\n", "ends in the middle of a value"},
		"not a plan":        {`{"values": {}}`, "no format_version"},
		"future format":     {`{"format_version": "2.0"}`, "plan format 2.0 is newer than envbench reads"},
		"bad version":       {`{"format_version": "one"}`, `format_version "one" is not a version`},
		"wrong type":        {"{\"format_version\": \"1.2\",\n \"resource_changes\": [{\"address\": 7}]}", "2:35: resource_changes.address: want string, got JSON number"},
		"no address":        {`{"format_version": "1.2", "resource_changes": [{"change": {"actions": ["create"]}}]}`, "resource_changes[0]: no address"},
		"no actions":        {`{"format_version": "1.2", "resource_changes": [{"address": "a.b", "change": {}}]}`, "resource_changes[0] (a.b): change.actions is empty"},
		"trailing data":     {`{"format_version": "1.2"} {}`, "1:27: invalid JSON: invalid character '{' after top-level value"},
		"bad replace paths": {`{"format_version": "1.2", "resource_changes": [{"address": "a.b", "change": {"actions": ["update"], "replace_paths": {"x": 1}}}]}`, "change.replace_paths: want a list of paths"},
	}
	for name, tc := range cases {
		_, err := DecodePlan([]byte(tc.input))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", name, err, tc.want)
		}
	}
}

func diffOf(t *testing.T, change string) []AttrDiff {
	t.Helper()
	p, err := DecodePlan(planJSON("1.2", change))
	if err != nil {
		t.Fatal(err)
	}
	diffs, _, err := p.Changes[0].Diff(DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return diffs
}

func lines(diffs []AttrDiff) string {
	var out []string
	for _, d := range diffs {
		line := string(d.Kind) + " " + d.Path + ": " + d.Before + " → " + d.After
		if d.ForcesReplacement {
			line += " (forces replacement)"
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

func TestDiffNestedObjectsListsAndMaps(t *testing.T) {
	got := lines(diffOf(t, `{"address":"aws_instance.web","type":"aws_instance","mode":"managed","change":{"actions":["delete","create"],
		"before":{"ami":"ami-1","tags":{"Name":"web","Old":"x"},"ebs":[{"size":100,"type":"gp2"}],"sgs":["sg-a","sg-b"],"id":"i-1","n":null},
		"after":{"ami":"ami-2","tags":{"Name":"web","New":"y"},"ebs":[{"size":200,"type":"gp2"}],"sgs":["sg-0","sg-a","sg-b"]},
		"after_unknown":{"id":true,"tags":{},"ebs":[{}],"sgs":[false,false,false]},
		"replace_paths":[["ami"]]}}`))
	want := strings.Join([]string{
		`~ ami: "ami-1" → "ami-2" (forces replacement)`,
		`~ ebs[0].size: 100 → 200`,
		`~ id: "i-1" → (known after apply)`,
		`+ sgs[0]:  → "sg-0"`,
		`+ tags.New:  → "y"`,
		`- tags.Old: "x" → `,
	}, "\n")
	if got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
}

func TestDiffCreateShowsEveryAttribute(t *testing.T) {
	got := lines(diffOf(t, `{"address":"a.b","type":"a","mode":"managed","change":{"actions":["create"],"before":null,
		"after":{"name":"x","tags":{},"rules":[{"port":443}],"nothing":null},"after_unknown":{"id":true,"arn":true}}}`))
	want := strings.Join([]string{
		`+ arn:  → (known after apply)`,
		`+ id:  → (known after apply)`,
		`+ name:  → "x"`,
		`+ rules[0].port:  → 443`,
		`+ tags:  → {}`,
	}, "\n")
	if got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
}

// A resource whose whole value is an empty object has no attribute to
// show: no row with an empty path ("+ : {}").
func TestDiffEmptyResourceHasNoRows(t *testing.T) {
	for _, change := range []string{
		`{"actions":["create"],"before":null,"after":{},"after_unknown":{}}`,
		`{"actions":["delete"],"before":{},"after":null}`,
		`{"actions":["update"],"before":{},"after":{}}`,
	} {
		got := lines(diffOf(t, `{"address":"terraform_data.x","type":"terraform_data","mode":"managed","change":`+change+`}`))
		if got != "" {
			t.Errorf("%s: diff:\n%s\nwant no rows", change, got)
		}
	}
}

func TestDiffMasksSensitiveValues(t *testing.T) {
	diffs := diffOf(t, `{"address":"aws_db_instance.db","type":"aws_db_instance","mode":"managed","change":{"actions":["update"],
		"before":{"password":"hunter2-old","conn":{"uri":"postgres://u:topsecret@h/db"},"tags":{"api_token":"tok-123"},"size":1},
		"after":{"password":"hunter2-new","conn":{"uri":"postgres://u:topsecret2@h/db"},"tags":{"api_token":"tok-456"},"size":2},
		"before_sensitive":{"conn":{"uri":true}},"after_sensitive":{"conn":true}}}`)
	text := lines(diffs)
	for _, secret := range []string{"hunter2", "topsecret", "tok-"} {
		if strings.Contains(text, secret) {
			t.Errorf("diff shows a secret (%s):\n%s", secret, text)
		}
	}
	want := strings.Join([]string{
		"~ conn: (sensitive value) → (sensitive value)",
		"~ password: (sensitive value) → (sensitive value)",
		"~ size: 1 → 2",
		"~ tags.api_token: (sensitive value) → (sensitive value)",
	}, "\n")
	if text != want {
		t.Errorf("diff:\n%s\nwant:\n%s", text, want)
	}
	// Booleans and numbers are never secrets by name alone.
	if got := lines(diffOf(t, `{"address":"a.b","type":"a","mode":"managed","change":{"actions":["update"],"before":{"get_password_data":false,"token_ttl":60},"after":{"get_password_data":true,"token_ttl":120}}}`)); got != "~ get_password_data: false → true\n~ token_ttl: 60 → 120" {
		t.Errorf("flags and numbers named like secrets: %s", got)
	}
	// An unknown value whose before was secret stays masked.
	d := diffOf(t, `{"address":"a.b","type":"a","mode":"managed","change":{"actions":["update"],"before":{"secret_string":"s3cr3t"},"after":{},"after_unknown":{"secret_string":true}}}`)
	if strings.Contains(lines(d), "s3cr3t") {
		t.Errorf("unknown-after diff shows the old secret: %s", lines(d))
	}
}

func TestDiffUnchangedCount(t *testing.T) {
	p, _ := DecodePlan(planJSON("1.2", `{"address":"a.b","type":"a","mode":"managed","change":{"actions":["update"],"before":{"a":1,"b":2,"c":{"d":3}},"after":{"a":1,"b":5,"c":{"d":3}}}}`))
	diffs, unchanged, err := p.Changes[0].Diff(DiffOptions{})
	if err != nil || len(diffs) != 1 || unchanged != 2 {
		t.Errorf("diffs %v unchanged %d err %v", diffs, unchanged, err)
	}
	all, _, _ := p.Changes[0].Diff(DiffOptions{Unchanged: true})
	if len(all) != 3 {
		t.Errorf("with unchanged: %v", all)
	}
}

// fixturePlans are the real plans of ../shared/fixtures/plans; the test
// skips when they are absent.
func fixturePlans(t *testing.T) map[string][]byte {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "fixtures", "plans")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Skipf("real-world fixtures not found at %s: %v", dir, err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = data
		}
	}
	return out
}

// TestFixturePlansConform: every resource change of the real plans is in
// the model with its action, and no secret value is shown.
func TestFixturePlansConform(t *testing.T) {
	for name, data := range fixturePlans(t) {
		t.Run(name, func(t *testing.T) {
			p, err := DecodePlan(data)
			if err != nil {
				t.Fatal(err)
			}
			var raw struct {
				ResourceChanges []struct {
					Address string `json:"address"`
					Change  struct {
						Actions         []string `json:"actions"`
						Before          any      `json:"before"`
						After           any      `json:"after"`
						BeforeSensitive any      `json:"before_sensitive"`
						AfterSensitive  any      `json:"after_sensitive"`
					} `json:"change"`
				} `json:"resource_changes"`
			}
			if err := json.Unmarshal(data, &raw); err != nil {
				t.Fatal(err)
			}
			if len(p.Changes) != len(raw.ResourceChanges) {
				t.Fatalf("%d changes in the model, %d in the file", len(p.Changes), len(raw.ResourceChanges))
			}
			byAddr := map[string]*Change{}
			for _, c := range p.Changes {
				byAddr[c.Address] = c
			}
			var secrets []string
			for _, rc := range raw.ResourceChanges {
				c := byAddr[rc.Address]
				if c == nil {
					t.Errorf("%s missing from the model", rc.Address)
					continue
				}
				if want := fixtureActions[strings.Join(rc.Change.Actions, ",")]; c.Action != want {
					t.Errorf("%s: action %s, want %s (%v)", rc.Address, c.Action, want, rc.Change.Actions)
				}
				secrets = append(secrets, secretValues(rc.Change.Before)...)
				secrets = append(secrets, secretValues(rc.Change.After)...)
				secrets = append(secrets, sensitiveStrings(rc.Change.Before, rc.Change.BeforeSensitive, false)...)
				secrets = append(secrets, sensitiveStrings(rc.Change.After, rc.Change.AfterSensitive, false)...)
			}
			var shown strings.Builder
			for _, c := range p.Changes {
				diffs, _, err := c.Diff(DiffOptions{Unchanged: true})
				if err != nil {
					t.Fatalf("%s: %v", c.Address, err)
				}
				shown.WriteString(lines(diffs))
			}
			for _, f := range Review(p, DefaultRiskRules(), ReviewContext{}) {
				shown.WriteString(f.Message)
			}
			for _, s := range secrets {
				if strings.Contains(shown.String(), s) {
					t.Errorf("a secret value is shown: %q", s)
				}
			}
			t.Logf("%d changes, %d secret values checked", len(p.Changes), len(secrets))
		})
	}
}

// fixtureActions is how Terraform's action lists read, written out apart
// from the code under test.
var fixtureActions = map[string]Action{
	"create": ActionCreate, "update": ActionUpdate, "delete": ActionDelete, "no-op": ActionNoOp, "read": ActionRead,
	"delete,create": ActionReplace, "create,delete": ActionReplace,
}

// secretValues collects the non-empty string values of attributes whose
// names say they are secrets.
func secretValues(v any) []string {
	var out []string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, item := range v {
				walk(k, item)
			}
		case []any:
			for _, item := range v {
				walk(key, item)
			}
		case string:
			if v != "" && len(v) > 3 && DefaultSecretNames.MatchString(key) {
				out = append(out, v)
			}
		}
	}
	walk("", v)
	return out
}

func TestDiffListPairsReplacedElements(t *testing.T) {
	got := lines(diffOf(t, `{"address":"a.b","type":"a","mode":"managed","change":{"actions":["delete","create"],"before":{"t":["16"],"l":["a","b","c","d"]},"after":{"t":["17"],"l":["a","x","c","d","e"]},"replace_paths":[["t"]]}}`))
	want := strings.Join([]string{
		`~ l[1]: "b" → "x"`,
		`+ l[4]:  → "e"`,
		`~ t[0]: "16" → "17" (forces replacement)`,
	}, "\n")
	if got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
}

// TestDiffListOfObjectsAlignsElements: a list of objects, as plan JSON
// writes a set of rules, is aligned by whole elements as a list of
// scalars is: a rule removed reads as that rule removed, not as the next
// one changing into its place; a rule changed in place still reads
// attribute by attribute, and a list inside it is aligned too.
func TestDiffListOfObjectsAlignsElements(t *testing.T) {
	got := lines(diffOf(t, `{"address":"aws_security_group.service","type":"aws_security_group","mode":"managed","change":{"actions":["update"],
		"before":{"ingress":[{"cidr_blocks":["0.0.0.0/0"],"from_port":22,"protocol":"tcp","to_port":22},{"cidr_blocks":["203.0.113.0/24"],"from_port":443,"protocol":"tcp","to_port":443}],
		          "egress":[{"cidr_blocks":["10.0.0.0/8","10.1.0.0/16"],"from_port":0,"protocol":"-1","to_port":0},{"cidr_blocks":["0.0.0.0/0"],"from_port":443,"protocol":"tcp","to_port":443}]},
		"after":{"ingress":[{"cidr_blocks":["203.0.113.0/24"],"from_port":443,"protocol":"tcp","to_port":443}],
		         "egress":[{"cidr_blocks":["10.9.0.0/16","10.0.0.0/8","10.1.0.0/16"],"from_port":0,"protocol":"-1","to_port":1},{"cidr_blocks":["0.0.0.0/0"],"from_port":443,"protocol":"tcp","to_port":443}]},
		"after_unknown":{}}}`))
	want := strings.Join([]string{
		`+ egress[0].cidr_blocks[0]:  → "10.9.0.0/16"`,
		`~ egress[0].to_port: 0 → 1`,
		`- ingress[0].cidr_blocks[0]: "0.0.0.0/0" → `,
		`- ingress[0].from_port: 22 → `,
		`- ingress[0].protocol: "tcp" → `,
		`- ingress[0].to_port: 22 → `,
	}, "\n")
	if got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
}

// sensitiveStrings collects the strings a sensitivity mirror marks in a
// value: what must never be shown.
func sensitiveStrings(v, mirror any, marked bool) []string {
	if mirror == true {
		marked = true
	}
	var out []string
	switch v := v.(type) {
	case map[string]any:
		m, _ := mirror.(map[string]any)
		for k, item := range v {
			var sub any
			if m != nil {
				sub = m[k]
			}
			out = append(out, sensitiveStrings(item, sub, marked)...)
		}
	case []any:
		l, _ := mirror.([]any)
		for i, item := range v {
			var sub any
			if i < len(l) {
				sub = l[i]
			}
			out = append(out, sensitiveStrings(item, sub, marked)...)
		}
	case string:
		if marked && v != "" {
			out = append(out, v)
		}
	}
	return out
}

// TestDiffNeverShowsMarkedValues: values under a sensitivity mark stay
// hidden however the change is shaped.
func TestDiffNeverShowsMarkedValues(t *testing.T) {
	cases := map[string]string{
		"unknown after, nested sensitive before": `{"address":"aws_lambda_function.f","type":"aws_lambda_function","mode":"managed","change":{"actions":["update"],
			"before":{"environment":{"variables":{"DB_URL":"postgres://u:HUNTER2@db/x"}}},"after":{},"after_unknown":{"environment":true},
			"before_sensitive":{"environment":{"variables":{"DB_URL":true}}},"after_sensitive":{}}}`,
		"object removed to null": `{"address":"a.b","type":"a","mode":"managed","change":{"actions":["update"],
			"before":{"config":{"value":"S3CR3T-VALUE"}},"after":{"config":null},"before_sensitive":{"config":{"value":true}},"after_sensitive":{}}}`,
		"list removed to null": `{"address":"a.b","type":"a","mode":"managed","change":{"actions":["update"],
			"before":{"list":["PUBLIC","TOPSECRET1"]},"after":{"list":null},"before_sensitive":{"list":[false,true]},"after_sensitive":{}}}`,
		"object added from null": `{"address":"a.b","type":"a","mode":"managed","change":{"actions":["update"],
			"before":{"config":null},"after":{"config":{"value":"NEW-SECRET"}},"before_sensitive":{},"after_sensitive":{"config":{"value":true}}}}`,
		"type changes from object to string": `{"address":"a.b","type":"a","mode":"managed","change":{"actions":["update"],
			"before":{"x":{"k":"OLD-SECRET"}},"after":{"x":"plain"},"before_sensitive":{"x":{"k":true}},"after_sensitive":{}}}`,
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			var raw struct {
				Change struct{ Before, After, BeforeSensitive, AfterSensitive any } `json:"change"`
			}
			if err := json.Unmarshal([]byte(strings.NewReplacer("before_sensitive", "BeforeSensitive", "after_sensitive", "AfterSensitive").Replace(change)), &raw); err != nil {
				t.Fatal(err)
			}
			secrets := append(sensitiveStrings(raw.Change.Before, raw.Change.BeforeSensitive, false), sensitiveStrings(raw.Change.After, raw.Change.AfterSensitive, false)...)
			if len(secrets) == 0 {
				t.Fatal("the case marks nothing")
			}
			p, err := DecodePlan(planJSON("1.2", change))
			if err != nil {
				t.Fatal(err)
			}
			diffs, _, err := p.Changes[0].Diff(DiffOptions{Unchanged: true})
			if err != nil {
				t.Fatal(err)
			}
			report, _ := json.Marshal(diffs)
			for _, s := range secrets {
				if strings.Contains(string(report), s) {
					t.Errorf("%q is shown: %s", s, report)
				}
			}
		})
	}
}

// TestDecodeValueMatchesEncodingJSON: the one-pass parser gives the values
// encoding/json gives (with UseNumber), escapes and odd UTF-8 included, and
// rejects what it rejects.
func TestDecodeValueMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{"a":1,"b":[true,false,null,"x"],"c":{"d":-0.5e+3,"e":{}},"f":[]}`,
		`"esc \" \\ \/ \b \f \n \r \t \u00e9 \u2028 \ud83d\ude00 \ud800 \udc00x \ud800\u0041"`,
		"\"raw é \xff\xfe bytes\"",
		`{"dup":1,"dup":2}`,
		` [ 1 , 2 ] `,
		`0`, `-0`, `1E5`, `12.25`,
	} {
		want, err := stdDecode([]byte(in))
		if err != nil {
			t.Fatalf("%q: encoding/json: %v", in, err)
		}
		got, err := decodeValue([]byte(in), map[string]string{})
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %#v, want %#v", in, got, want)
		}
	}
	for _, in := range []string{`{`, `{"a"}`, `{"a":}`, `[1,]`, `01`, `1.`, `-`, `1e`, `tru`, `"\x"`, "\"a\nb\"", `"\u12"`, `{"a":1}}`, `{1:2}`, `nul`} {
		if _, err := stdDecode([]byte(in)); err == nil {
			t.Fatalf("%q: encoding/json accepts it", in)
		}
		if v, err := decodeValue([]byte(in), nil); err == nil {
			t.Errorf("%q: accepted as %#v", in, v)
		} else if !errors.Is(err, ErrInvalidJSON) {
			t.Errorf("%q: error %v is not ErrInvalidJSON", in, err)
		}
	}
}

func stdDecode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data")
	}
	return v, nil
}

// TestDecodePlanErrorIsPositioned: errors at a place in the input are
// *PlanError with the line and column, whose text begins with them, so a
// caller prefixes the file's name without parsing the text.
func TestDecodePlanErrorIsPositioned(t *testing.T) {
	cases := []struct {
		input     string
		line, col int
		kind      error
		message   string
	}{
		{"{\n  \"format_version\": \"1.2\",\n  \"resource_changes\": [}\n", 3, 24, ErrInvalidJSON, "invalid JSON: invalid character '}' looking for beginning of value"},
		{"{\"format_version\": \"1.2\",\n \"resource_changes\": [{\"address\": 7}]}", 2, 35, ErrNotAPlan, "resource_changes.address: want string, got JSON number"},
		{"{\"format_version\": \"1.2\",\n \"resource_changes\": [\n  {\"change\": {\"actions\": [\"create\"]}}]}", 3, 3, ErrNotAPlan, "resource_changes[0]: no address"},
		{"{\"format_version\": \"1.2\"", 1, 24, ErrInvalidJSON, "invalid JSON: the input ends in the middle of a value (a truncated file?)"},
	}
	for _, tc := range cases {
		_, err := DecodePlan([]byte(tc.input))
		var pe *PlanError
		if !errors.As(err, &pe) {
			t.Errorf("%q: error %v (%T) is not a *PlanError", tc.input, err, err)
			continue
		}
		if pe.Line != tc.line || pe.Column != tc.col || pe.Message != tc.message || !errors.Is(err, tc.kind) {
			t.Errorf("%q: %d:%d %q (%v), want %d:%d %q (%v)", tc.input, pe.Line, pe.Column, pe.Message, pe.Err, tc.line, tc.col, tc.message, tc.kind)
		}
		if want := fmt.Sprintf("%d:%d: %s", tc.line, tc.col, tc.message); err.Error() != want {
			t.Errorf("text %q, want %q", err.Error(), want)
		}
	}
	// Errors that are not at a place in the input are not positioned.
	_, err := DecodePlan([]byte(`{"values": {}}`))
	var pe *PlanError
	if errors.As(err, &pe) || !errors.Is(err, ErrNotAPlan) {
		t.Errorf("no format_version: %v", err)
	}
}

func TestQuoteJSONMatchesMarshal(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "<a&b>", "\x00\x01\b\f\n\r\t\x1f", "é ü 日本", "bad \xff\xfe utf8", "\u2028\u2029", "\u007f"} {
		want, _ := json.Marshal(s)
		if got := quoteJSON(s); got != string(want) {
			t.Errorf("quoteJSON(%q) = %s, want %s", s, got, want)
		}
	}
}

// TestChangesInReadingOrder: instance keys that are numbers sort as
// numbers, in resources and modules, with count and with for_each; other
// keys keep text order.
func TestChangesInReadingOrder(t *testing.T) {
	addrs := []string{
		`aws_instance.r[10]`, `aws_instance.r[2]`, `aws_instance.r[1000]`, `aws_instance.r[100]`, `aws_instance.r[1]`,
		`module.x[10].aws_instance.r`, `module.x[2].aws_instance.r`, `module.x[2].aws_instance.r[10]`, `module.x[2].aws_instance.r[9]`,
		`aws_s3_bucket.b["10"]`, `aws_s3_bucket.b["9"]`, `aws_s3_bucket.b["b"]`, `aws_s3_bucket.b["a10"]`, `aws_s3_bucket.b["a9"]`,
		`module.m["x[10]"].a.b`, `module.m["x[9]"].a.b`, `aws_instance.r`,
	}
	var changes []string
	for _, a := range addrs {
		changes = append(changes, `{"address":`+strconv.Quote(a)+`,"type":"a","mode":"managed","change":{"actions":["create"],"before":null,"after":{}}}`)
	}
	p, err := DecodePlan(planJSON("1.2", changes...))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p.Changes {
		got = append(got, c.Address)
	}
	want := []string{
		`aws_instance.r`, `aws_instance.r[1]`, `aws_instance.r[2]`, `aws_instance.r[10]`, `aws_instance.r[100]`, `aws_instance.r[1000]`,
		`aws_s3_bucket.b["9"]`, `aws_s3_bucket.b["10"]`, `aws_s3_bucket.b["a10"]`, `aws_s3_bucket.b["a9"]`, `aws_s3_bucket.b["b"]`,
		`module.m["x[10]"].a.b`, `module.m["x[9]"].a.b`, // inside a string key: text
		`module.x[2].aws_instance.r`, `module.x[2].aws_instance.r[9]`, `module.x[2].aws_instance.r[10]`, `module.x[10].aws_instance.r`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("order:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{`r[007]`, `r[7]`, -1}, {`r[7]`, `r[007]`, 1}, {`r[2]`, `r[2]`, 0}, {`r["2"]`, `r[2]`, -1}, {`m["a\"[10]"]`, `m["a\"[9]"]`, -1},
	} {
		if got := CompareAddresses(tc.a, tc.b); got != tc.want {
			t.Errorf("CompareAddresses(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestDiffNamesSensitiveWholes: a value marked sensitive as a whole is
// shown under its attribute's name, never with an empty path: a whole
// resource attribute by attribute, a whole block, a whole list element.
func TestDiffNamesSensitiveWholes(t *testing.T) {
	cases := map[string]struct{ change, want string }{
		"whole resource, deleted": {`{"address":"a.b","type":"a","mode":"managed","change":{"actions":["delete"],"before":{"value":"S3CR3T","tags":{"n":"x"}},"after":null,"before_sensitive":true,"after_sensitive":false}}`,
			"- tags: (sensitive value) → \n- value: (sensitive value) → "},
		"whole resource, created": {`{"address":"a.b","type":"a","mode":"managed","change":{"actions":["create"],"before":null,"after":{"value":"S3CR3T","blk":[{"k":"v"}]},"after_unknown":{"id":true},"after_sensitive":true}}`,
			"+ blk:  → (sensitive value)\n+ id:  → (known after apply)\n+ value:  → (sensitive value)"},
		"whole resource, updated": {`{"address":"a.b","type":"a","mode":"managed","change":{"actions":["update"],"before":{"value":"S3CR3T","same":"x"},"after":{"value":"N3W","same":"x"},"before_sensitive":true,"after_sensitive":true}}`,
			"~ value: (sensitive value) → (sensitive value)"},
		"whole resource, no attributes": {`{"address":"a.b","type":"a","mode":"managed","change":{"actions":["create"],"before":null,"after":{},"after_sensitive":true}}`, ""},
		"whole block": {`{"address":"a.b","type":"a","mode":"managed","change":{"actions":["update"],"before":{"blk":[{"v":"S3CR3T"}]},"after":{"blk":[{"v":"N3W"}]},"before_sensitive":{"blk":true},"after_sensitive":{"blk":true}}}`,
			"~ blk: (sensitive value) → (sensitive value)"},
		"whole block in a list": {`{"address":"a.b","type":"a","mode":"managed","change":{"actions":["update"],"before":{"blk":[{"v":"S3CR3T"},{"v":"x"}]},"after":{"blk":[{"v":"N3W"},{"v":"y"}]},"before_sensitive":{"blk":[true,{}]},"after_sensitive":{"blk":[true,{}]}}}`,
			"~ blk[0]: (sensitive value) → (sensitive value)\n~ blk[1].v: \"x\" → \"y\""},
		"whole list element": {`{"address":"a.b","type":"a","mode":"managed","change":{"actions":["update"],"before":{"l":["a","S3CR3T"]},"after":{"l":["a"]},"before_sensitive":{"l":[false,true]},"after_sensitive":{"l":[false]}}}`,
			"- l[1]: (sensitive value) → "},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			diffs := diffOf(t, tc.change)
			if got := lines(diffs); got != tc.want {
				t.Errorf("diff:\n%s\nwant:\n%s", got, tc.want)
			}
			for _, d := range diffs {
				if d.Path == "" {
					t.Errorf("a row with an empty path: %+v", d)
				}
			}
		})
	}
}
