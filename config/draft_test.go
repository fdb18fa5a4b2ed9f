package config_test

import (
	"strings"
	"testing"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/internal/testkit"
)

// TestCheckFormTextSaysWhatValidateSays types values the way the form
// reads them and writes the same text into an environment file: the
// problems must read the same.
func TestCheckFormTextSaysWhatValidateSays(t *testing.T) {
	ws, err := config.Load(testkit.CopyExample(t, "demo"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := ws.Archetype("service-platform")
	base := "archetype: service-platform\naccount: \"222222222222\"\ninputs:\n  vpc_cidr: 10.99.0.0/16\n  private_zone: x.acme.internal\n"
	cases := []struct{ input, text, yaml, field string }{
		{"db_storage_gb", "lots", "lots", ""},
		{"db_storage_gb", "1e9", "1e9", ""},
		{"db_storage_gb", "12.5", "12.5", ""},
		{"db_storage_gb", "true", "true", ""},
		{"db_storage_gb", ".inf", ".inf", ""},
		{"service_desired_count", "-1", "-1", ""},
		{"db_engine_version", "sixteen", "sixteen", ""},
		{"allowed_cidrs", "203.0.113.0/24, 10.0.0.1/8", "[203.0.113.0/24, 10.0.0.1/8]", "[1]"},
		{"allowed_cidrs", "10.0.0.0/33", "[10.0.0.0/33]", "[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.input+"="+tc.text, func(t *testing.T) {
			in, ok := a.Input(tc.input)
			if !ok {
				t.Fatalf("no input %s", tc.input)
			}
			_, formErr := in.CheckFormText(tc.text)
			if formErr == nil {
				t.Fatalf("CheckFormText(%q) accepted it", tc.text)
			}
			_, diags := ws.CheckCandidate("x", []byte(base+"  "+tc.input+": "+tc.yaml+"\n"))
			field := "inputs." + tc.input + tc.field
			for _, d := range diags {
				if d.Field != field {
					continue
				}
				want := d.Message
				if tc.field != "" {
					want = tc.input + tc.field + ": " + want
				}
				if formErr.Error() != want {
					t.Errorf("form says %q, validate says %q", formErr, want)
				}
				return
			}
			t.Errorf("validate finds no problem with %s: %v", field, diags)
		})
	}
	if _, err := (config.Input{Type: config.TypeNumber}).CheckFormText("0x14"); err != nil {
		t.Errorf("0x14 is a number in a file: %v", err)
	}
	if v, err := (config.Input{Type: config.TypeString}).CheckFormText("123"); err != nil || v != "123" {
		t.Errorf("a string input keeps 123 as text: %v, %v", v, err)
	}
}

// TestCheckOverlap checks a would-be environment's range against the
// account's environments, and only that input's.
func TestCheckOverlap(t *testing.T) {
	ws, err := config.Load(testkit.CopyExample(t, "demo"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := ws.Archetype("sandbox")
	in, _ := a.Input("vpc_cidr")
	cases := []struct {
		account, cidr string
		want          string
	}{
		{"333333333333", "10.100.4.0/24", "overlaps 10.100.0.0/20 of environment dev-alice (envs/dev-alice.yaml:9:13) in account 333333333333"},
		{"333333333333", "10.100.0.0/16", "of environment dev-"},
		{"333333333333", "10.100.64.0/20", ""},
		{"444444444444", "10.100.4.0/24", ""},
		{"", "10.100.4.0/24", ""},
	}
	for _, tc := range cases {
		diags := ws.CheckOverlap("dev-carol", tc.account, a, in, tc.cidr)
		switch {
		case tc.want == "" && len(diags) > 0:
			t.Errorf("%s in %q: unexpected %v", tc.cidr, tc.account, diags)
		case tc.want != "" && (len(diags) == 0 || !strings.Contains(diags[0].Message, tc.want)):
			t.Errorf("%s in %q: got %v, want %q", tc.cidr, tc.account, diags, tc.want)
		}
		for _, d := range diags {
			if d.Field != "inputs.vpc_cidr" {
				t.Errorf("reported on %s, want inputs.vpc_cidr", d.Field)
			}
		}
	}
	shared, _ := ws.Archetype("service-platform")
	allowed, _ := shared.Input("allowed_cidrs")
	if diags := ws.CheckOverlap("x", "111111111111", shared, allowed, []any{"203.0.113.0/24"}); len(diags) > 0 {
		t.Errorf("a shared input overlaps: %v", diags)
	}
}
