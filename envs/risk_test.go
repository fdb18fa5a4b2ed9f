package envs

import (
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/config"
)

func review(t *testing.T, rules RiskRules, rc ReviewContext, changes ...string) []Finding {
	t.Helper()
	p, err := DecodePlan(planJSON("1.2", changes...))
	if err != nil {
		t.Fatal(err)
	}
	return Review(p, rules, rc)
}

func has(findings []Finding, sev Severity, rule, address, attr, msg string) bool {
	for _, f := range findings {
		if f.Severity == sev && f.Rule == rule && f.Address == address && f.Attribute == attr && strings.Contains(f.Message, msg) {
			return true
		}
	}
	return false
}

// TestRiskRules checks each rule on a plan that triggers it, and that the
// rule is what makes the finding (each case fails without its check).
func TestRiskRules(t *testing.T) {
	db := func(actions, before, after string, extra string) string {
		return `{"address":"aws_db_instance.orders","type":"aws_db_instance","mode":"managed","change":{"actions":` + actions + `,"before":` + before + `,"after":` + after + extra + `}}`
	}
	cases := []struct {
		name     string
		rules    RiskRules
		rc       ReviewContext
		changes  []string
		severity Severity
		rule     string
		address  string
		attr     string
		message  string
	}{
		{"destroy of a stateful type", DefaultRiskRules(), ReviewContext{}, []string{db(`["delete"]`, `{"id":"x"}`, `null`, "")},
			SeverityHigh, RuleStatefulDestroy, "aws_db_instance.orders", "", "destroys aws_db_instance.orders, which holds data (stateful type aws_db_instance)"},
		{"replace of a stateful type names the forcing attribute", DefaultRiskRules(), ReviewContext{}, []string{db(`["delete","create"]`, `{"engine_version":"15"}`, `{"engine_version":"16"}`, `,"replace_paths":[["engine_version"]]`)},
			SeverityHigh, RuleStatefulReplace, "aws_db_instance.orders", "engine_version", "engine_version forces a new one"},
		{"stateful by address (terraform_data standing for a database)", DefaultRiskRules().With(config.RiskRules{StatefulAddresses: []string{"terraform_data.database"}}), ReviewContext{},
			[]string{`{"address":"terraform_data.database","type":"terraform_data","mode":"managed","change":{"actions":["delete","create"],"before":{"input":{}},"after":{"input":{}},"replace_paths":[["triggers_replace"]]}}`},
			SeverityHigh, RuleStatefulReplace, "terraform_data.database", "triggers_replace", "stateful address terraform_data.database"},
		{"stateful by address glob with instance keys", DefaultRiskRules().With(config.RiskRules{StatefulAddresses: []string{"module.data.*.store"}}), ReviewContext{},
			[]string{`{"address":"module.data[\"eu\"].terraform_data.store[0]","type":"terraform_data","mode":"managed","change":{"actions":["delete"],"before":{},"after":null}}`},
			SeverityHigh, RuleStatefulDestroy, `module.data["eu"].terraform_data.store[0]`, "", "stateful address module.data.*.store"},
		{"stateful by added type glob", DefaultRiskRules().With(config.RiskRules{StatefulTypes: []string{"acme_*"}}), ReviewContext{},
			[]string{`{"address":"acme_vault.v","type":"acme_vault","mode":"managed","change":{"actions":["delete"],"before":{},"after":null}}`},
			SeverityHigh, RuleStatefulDestroy, "acme_vault.v", "", "stateful type acme_*"},
		{"a tainted replace says so", DefaultRiskRules(), ReviewContext{}, []string{`{"address":"aws_db_instance.orders","type":"aws_db_instance","mode":"managed","change":{"actions":["delete","create"],"before":{"id":"x"},"after":{}},"action_reason":"replace_because_tainted"}`},
			SeverityHigh, RuleStatefulReplace, "aws_db_instance.orders", "", "it is tainted (an earlier apply failed or was interrupted"},
		{"destroy of anything else", DefaultRiskRules(), ReviewContext{}, []string{`{"address":"aws_security_group.sg","type":"aws_security_group","mode":"managed","change":{"actions":["delete"],"before":{},"after":null}}`},
			SeverityMedium, RuleDestroy, "aws_security_group.sg", "", "destroys aws_security_group.sg"},
		{"replace of anything else", DefaultRiskRules(), ReviewContext{}, []string{`{"address":"aws_instance.web","type":"aws_instance","mode":"managed","change":{"actions":["create","delete"],"before":{"ami":"a"},"after":{"ami":"b"},"replace_paths":[["ami"]]}}`},
			SeverityMedium, RuleReplace, "aws_instance.web", "ami", "replaces aws_instance.web: ami forces a new one"},
		{"numeric growth of 10x, nested", DefaultRiskRules(), ReviewContext{}, []string{`{"address":"terraform_data.database","type":"terraform_data","mode":"managed","change":{"actions":["update"],"before":{"input":{"allocated_storage":100}},"after":{"input":{"allocated_storage":1000}}}}`},
			SeverityHigh, RuleNumericJump, "terraform_data.database", "input.allocated_storage", "input.allocated_storage grows from 100 to 1000 (10x)"},
		{"numeric shrink of 10x", DefaultRiskRules(), ReviewContext{}, []string{db(`["update"]`, `{"allocated_storage":500}`, `{"allocated_storage":20}`, "")},
			SeverityHigh, RuleNumericJump, "aws_db_instance.orders", "allocated_storage", "shrinks from 500 to 20 (25x smaller)"},
		{"numeric growth with a workspace factor", DefaultRiskRules().With(config.RiskRules{GrowthFactor: 3}), ReviewContext{}, []string{db(`["update"]`, `{"iops":1000}`, `{"iops":3000}`, "")},
			SeverityHigh, RuleNumericJump, "aws_db_instance.orders", "iops", "(3x)"},
		{"change count over the threshold", DefaultRiskRules().With(config.RiskRules{MaxChanges: 1}), ReviewContext{},
			[]string{`{"address":"a.x","type":"a","mode":"managed","change":{"actions":["create"],"before":null,"after":{}}}`, `{"address":"a.y","type":"a","mode":"managed","change":{"actions":["create"],"before":null,"after":{}}}`},
			SeverityMedium, RuleChangeCount, "", "", "the plan changes 2 resources, more than 1"},
		{"changes to an expired environment", DefaultRiskRules(), ReviewContext{Environment: "dev-bob", ExpiredFor: 35 * 24 * time.Hour},
			[]string{`{"address":"a.x","type":"a","mode":"managed","change":{"actions":["create"],"before":null,"after":{}}}`},
			SeverityMedium, RuleExpired, "", "", "dev-bob expired 5w ago: tear it down rather than change it"},
		{"changes to a protected environment", DefaultRiskRules(), ReviewContext{Environment: "production", Protected: true},
			[]string{`{"address":"a.x","type":"a","mode":"managed","change":{"actions":["update"],"before":{"n":"a"},"after":{"n":"b"}}}`},
			SeverityHigh, RuleProtected, "", "", "production is protected: this plan changes 1 resource(s)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			findings := review(t, tc.rules, tc.rc, tc.changes...)
			if !has(findings, tc.severity, tc.rule, tc.address, tc.attr, tc.message) {
				t.Errorf("no %s %s finding on %q (%q) with %q; got %+v", tc.severity, tc.rule, tc.address, tc.attr, tc.message, findings)
			}
		})
	}
}

func TestRiskRulesQuietOnSafePlans(t *testing.T) {
	findings := review(t, DefaultRiskRules(), ReviewContext{Environment: "qa"},
		`{"address":"aws_db_instance.orders","type":"aws_db_instance","mode":"managed","change":{"actions":["update"],"before":{"allocated_storage":100,"password":"a","tags":{"n":"1"}},"after":{"allocated_storage":200,"password":"b","tags":{"n":"2"}}}}`,
		`{"address":"aws_s3_bucket.b","type":"aws_s3_bucket","mode":"managed","change":{"actions":["create"],"before":null,"after":{"size":1}}}`,
		`{"address":"data.aws_db_instance.d","type":"aws_db_instance","mode":"data","change":{"actions":["read"],"before":null,"after":{}}}`,
		`{"address":"aws_db_instance.c","type":"aws_db_instance","mode":"managed","change":{"actions":["update"],"before":{"max":0,"secret_count":1},"after":{"max":50,"secret_count":1000}}}`,
	)
	if len(findings) > 0 {
		t.Errorf("a 2x growth, a create, a data read, growth from 0 and a secret's number raise nothing; got %+v", findings)
	}
	if HighRisk(findings) {
		t.Error("no high risk expected")
	}
}

func TestFindingsAreOrderedBySeverity(t *testing.T) {
	findings := review(t, DefaultRiskRules(), ReviewContext{},
		`{"address":"aws_security_group.sg","type":"aws_security_group","mode":"managed","change":{"actions":["delete"],"before":{},"after":null}}`,
		`{"address":"aws_s3_bucket.b","type":"aws_s3_bucket","mode":"managed","change":{"actions":["delete"],"before":{},"after":null}}`,
	)
	if len(findings) != 2 || findings[0].Severity != SeverityHigh || findings[1].Severity != SeverityMedium {
		t.Errorf("findings %+v", findings)
	}
	if !HighRisk(findings) || len(FindingsFor(findings, "aws_s3_bucket.b")) != 1 {
		t.Error("HighRisk / FindingsFor")
	}
}

func TestGlobAndStripKeys(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"aws_fsx_*", "aws_fsx_lustre_file_system", true},
		{"aws_fsx_*", "aws_efs_file_system", false},
		{"module.*.aws_db_instance.this", "module.db.module.x.aws_db_instance.this", true},
		{"*.database", "terraform_data.database", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"exact", "exact", true},
	} {
		if got := glob(tc.pattern, tc.s); got != tc.want {
			t.Errorf("glob(%q, %q) = %v", tc.pattern, tc.s, got)
		}
	}
	if got := stripKeys(`module.a["x.[y]"].b.c[0]`); got != "module.a.b.c" {
		t.Errorf("stripKeys = %q", got)
	}
}

func TestRulesFor(t *testing.T) {
	ws, err := config.Load("../examples/demo")
	if err != nil {
		t.Fatal(err)
	}
	env, _ := ws.Environment("qa")
	rules := RulesFor(ws, env)
	// The demo is on aws_* resources: the built-in rules apply, without
	// address rules.
	stateful, why := newReviewer(rules).stateful(&Change{Address: "aws_db_instance.orders", Type: "aws_db_instance", Mode: "managed"})
	if !stateful || !strings.Contains(why, "aws_db_instance") || len(rules.StatefulAddresses) != 0 {
		t.Errorf("the demo's rules must mark aws_db_instance.orders stateful by its type; got %v %q (rules %+v)", stateful, why, rules)
	}
}

// TestFindingsOrderDataLossFirst: high before medium before low, stable
// within a severity, and among the highs the ones that lose data first,
// even when the plan names them later.
func TestFindingsOrderDataLossFirst(t *testing.T) {
	findings := review(t, DefaultRiskRules(), ReviewContext{Environment: "production", Protected: true},
		`{"address":"aws_instance.web","type":"aws_instance","mode":"managed","change":{"actions":["delete","create"],"before":{"size":10},"after":{"size":100}}}`,
		`{"address":"aws_s3_bucket.b","type":"aws_s3_bucket","mode":"managed","change":{"actions":["delete","create"],"before":{"x":1},"after":{"x":2}}}`,
		`{"address":"aws_security_group.sg","type":"aws_security_group","mode":"managed","change":{"actions":["delete"],"before":{},"after":null}}`,
		`{"address":"aws_db_instance.z","type":"aws_db_instance","mode":"managed","change":{"actions":["delete"],"before":{},"after":null}}`,
	)
	var got []string
	for _, f := range findings {
		got = append(got, string(f.Severity)+" "+f.Rule+" "+f.Address)
	}
	want := []string{
		"high stateful-destroy aws_db_instance.z",
		"high stateful-replace aws_s3_bucket.b",
		"high numeric-jump aws_instance.web", // a likely typo next
		"high protected-environment ",
		"medium destroy aws_security_group.sg",
		"medium replace aws_instance.web",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, tc := range []struct {
		s    Severity
		rank int
	}{{SeverityHigh, 3}, {SeverityMedium, 2}, {SeverityLow, 1}, {"other", 0}} {
		if tc.s.Rank() != tc.rank {
			t.Errorf("%s.Rank() = %d, want %d", tc.s, tc.s.Rank(), tc.rank)
		}
	}
}
