package envs

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/envbench/envbench/config"
)

// Severity ranks a finding. High findings make `show-plan` exit 3 and make
// apply ask for the environment's name.
type Severity string

// The severities, most serious first.
const (
	SeverityHigh   Severity = "high"
	SeverityMedium Severity = "medium"
	SeverityLow    Severity = "low"
)

// Finding is one thing the risk review wants a reviewer to see: which
// resource and attribute, and why.
type Finding struct {
	Severity  Severity `json:"severity"`
	Rule      string   `json:"rule"`
	Address   string   `json:"address,omitempty"`
	Attribute string   `json:"attribute,omitempty"`
	Message   string   `json:"message"`
}

// The rules' names, as findings carry them.
const (
	RuleStatefulDestroy = "stateful-destroy"
	RuleStatefulReplace = "stateful-replace"
	RuleDestroy         = "destroy"
	RuleReplace         = "replace"
	RuleNumericJump     = "numeric-jump"
	RuleChangeCount     = "change-count"
	RuleProtected       = "protected-environment"
	RuleIncomplete      = "incomplete-plan"
	RuleDrift           = "drift"
	RuleExpired         = "expired-environment"
)

// DefaultStatefulTypes are AWS resource types whose destroy or replace
// loses data or breaks what depends on them: databases, buckets, volumes,
// file systems, DNS zones, keys, queues and streams.
var DefaultStatefulTypes = []string{
	"aws_db_instance", "aws_rds_cluster", "aws_rds_global_cluster", "aws_db_cluster_snapshot", "aws_db_snapshot",
	"aws_dynamodb_table", "aws_dynamodb_global_table",
	"aws_s3_bucket", "aws_s3_directory_bucket", "aws_glacier_vault",
	"aws_ebs_volume", "aws_efs_file_system", "aws_fsx_*",
	"aws_route53_zone",
	"aws_kms_key", "aws_kms_external_key", "aws_secretsmanager_secret",
	"aws_elasticache_cluster", "aws_elasticache_replication_group", "aws_elasticache_serverless_cache", "aws_memorydb_cluster",
	"aws_redshift_cluster", "aws_redshiftserverless_namespace",
	"aws_docdb_cluster", "aws_neptune_cluster", "aws_opensearch_domain", "aws_elasticsearch_domain",
	"aws_msk_cluster", "aws_kinesis_stream", "aws_sqs_queue",
	"aws_backup_vault", "aws_ecr_repository", "aws_cloudwatch_log_group",
	"aws_keyspaces_table", "aws_timestreamwrite_table", "aws_qldb_ledger",
}

// RiskRules are the risk review's rules: built-in defaults extended by the
// workspace and the environment's archetype.
type RiskRules struct {
	StatefulTypes     []string `json:"stateful_types"`
	StatefulAddresses []string `json:"stateful_addresses"`
	GrowthFactor      float64  `json:"growth_factor"`
	MaxChanges        int      `json:"max_changes"`
	// SecretNames masks attributes by name in diffs; nil means
	// DefaultSecretNames.
	SecretNames *regexp.Regexp `json:"-"`
}

// DefaultRiskRules are the built-in rules.
func DefaultRiskRules() RiskRules {
	return RiskRules{StatefulTypes: slices.Clone(DefaultStatefulTypes), GrowthFactor: 10, MaxChanges: 50}
}

// With extends the rules with a workspace's or archetype's: patterns are
// added, thresholds that are set replace.
func (r RiskRules) With(c config.RiskRules) RiskRules {
	r.StatefulTypes = append(slices.Clip(r.StatefulTypes), c.StatefulTypes...)
	r.StatefulAddresses = append(slices.Clip(r.StatefulAddresses), c.StatefulAddresses...)
	if c.GrowthFactor > 0 {
		r.GrowthFactor = c.GrowthFactor
	}
	if c.MaxChanges > 0 {
		r.MaxChanges = c.MaxChanges
	}
	return r
}

// RulesFor returns the rules for an environment: the defaults, the
// workspace's, then its archetype's. env may be nil (a plan reviewed outside
// any environment).
func RulesFor(ws *config.Workspace, env *config.Environment) RiskRules {
	r := DefaultRiskRules()
	if ws == nil {
		return r
	}
	r = r.With(ws.Settings.Risk)
	if env != nil {
		if a, ok := ws.Archetype(env.Archetype); ok {
			// An archetype may only tighten the workspace's thresholds
			// (config refuses a looser one; this holds even if unchecked).
			wsRules := r
			r = r.With(a.Risk)
			r.GrowthFactor, r.MaxChanges = min(r.GrowthFactor, wsRules.GrowthFactor), min(r.MaxChanges, wsRules.MaxChanges)
		}
	}
	return r
}

// ReviewContext is what the review knows of the environment a plan is for.
type ReviewContext struct {
	Environment string // empty when the plan is reviewed on its own
	Protected   bool
	// ExpiredFor is how long ago the environment's ttl ran out; zero when
	// it has not.
	ExpiredFor time.Duration
}

// ReviewContextOf is the review context of a catalog environment.
func ReviewContextOf(e *Environment, now time.Time) ReviewContext {
	rc := ReviewContext{Environment: e.Name, Protected: e.Protected}
	if e.Expired {
		rc.ExpiredFor = max(now.Sub(e.Expiry), time.Second)
	}
	return rc
}

// Review runs the risk rules over a plan. Findings come in CompareFindings'
// order (most severe first, data loss first), then in the plan's order.
func Review(p *Plan, rules RiskRules, rc ReviewContext) []Finding {
	var out []Finding
	add := func(f Finding) { out = append(out, f) }
	if p.Errored {
		add(Finding{Severity: SeverityHigh, Rule: RuleIncomplete, Message: "the plan is incomplete: Terraform stopped on an error; do not apply it"})
	}
	summary := p.Summary()
	if rc.Protected && summary.Total() > 0 {
		add(Finding{Severity: SeverityHigh, Rule: RuleProtected,
			Message: fmt.Sprintf("%s is protected: this plan changes %d resource(s); applying it needs the environment's name typed", cmp.Or(rc.Environment, "the environment"), summary.Total())})
	}
	if rc.ExpiredFor > 0 && summary.Total() > summary[ActionDelete] { // tearing down is what it needs
		add(Finding{Severity: SeverityMedium, Rule: RuleExpired,
			Message: fmt.Sprintf("%s expired %s ago: tear it down rather than change it, or extend its ttl", cmp.Or(rc.Environment, "the environment"), Ago(rc.ExpiredFor))})
	}
	if rules.MaxChanges > 0 && summary.Total() > rules.MaxChanges {
		add(Finding{Severity: SeverityMedium, Rule: RuleChangeCount,
			Message: fmt.Sprintf("the plan changes %d resources, more than %d: review it in parts or check for an unintended mass change", summary.Total(), rules.MaxChanges)})
	}
	out = append(out, reviewChanges(p.Changes, rules)...)
	if len(p.Drift) > 0 {
		add(Finding{Severity: SeverityLow, Rule: RuleDrift,
			Message: fmt.Sprintf("%d resource(s) changed outside Terraform since the last apply; this plan undoes those changes", len(p.Drift))})
	}
	slices.SortStableFunc(out, CompareFindings)
	return out
}

// reviewChanges runs the rules on each change, in parallel on large plans
// (a reviewer per worker, each on a contiguous run of changes), and returns
// the findings in the changes' order.
func reviewChanges(changes []*Change, rules RiskRules) []Finding {
	workers := min(runtime.GOMAXPROCS(0), len(changes)/minChangesPerWorker)
	if workers <= 1 {
		return newReviewer(rules).changes(changes)
	}
	parts := make([][]Finding, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := len(changes)*w/workers, len(changes)*(w+1)/workers
		wg.Go(func() { parts[w] = newReviewer(rules).changes(changes[lo:hi]) })
	}
	wg.Wait()
	return slices.Concat(parts...)
}

func (rv *reviewer) changes(changes []*Change) []Finding {
	var out []Finding
	for _, c := range changes {
		out = append(out, rv.change(c)...)
	}
	return out
}

// Rank orders severities: 3 for high, 2 for medium, 1 for low and 0 for
// anything else, so that a higher rank is more serious.
func (s Severity) Rank() int {
	switch s {
	case SeverityHigh:
		return 3
	case SeverityMedium:
		return 2
	case SeverityLow:
		return 1
	}
	return 0
}

// LosesData reports whether the finding is about data being lost: a
// stateful resource destroyed or replaced.
func (f Finding) LosesData() bool {
	return f.Rule == RuleStatefulDestroy || f.Rule == RuleStatefulReplace
}

// HighRisk reports whether any finding is high.
func HighRisk(findings []Finding) bool {
	return slices.ContainsFunc(findings, func(f Finding) bool { return f.Severity == SeverityHigh })
}

// HighCount is the number of high findings, the protected environment's
// included: the count every report of a review gives.
func HighCount(findings []Finding) int {
	n := 0
	for _, f := range findings {
		if f.Severity == SeverityHigh {
			n++
		}
	}
	return n
}

// FindingsFor returns the findings about one resource.
func FindingsFor(findings []Finding, address string) []Finding {
	var out []Finding
	for _, f := range findings {
		if f.Address == address {
			out = append(out, f)
		}
	}
	return out
}

// reviewer holds the rules compiled for one review: exact patterns in maps,
// globs split once, and the secret-name cache shared by every change.
type reviewer struct {
	rules      RiskRules
	exactTypes map[string]string
	typeGlobs  []pattern
	addrGlobs  []pattern
	secrets    secretCache
	tree       valueTree // the values of the change under review
	path       []step    // where the numeric-jump walk is
	out        []Finding // the walk's findings
}

type pattern struct {
	text  string
	parts []string
}

func compile(p string) pattern { return pattern{text: p, parts: strings.Split(p, "*")} }

func newReviewer(rules RiskRules) *reviewer {
	rv := &reviewer{rules: rules, exactTypes: map[string]string{}}
	for _, p := range rules.StatefulTypes {
		if strings.Contains(p, "*") {
			rv.typeGlobs = append(rv.typeGlobs, compile(p))
		} else {
			rv.exactTypes[p] = p
		}
	}
	for _, p := range rules.StatefulAddresses {
		rv.addrGlobs = append(rv.addrGlobs, compile(p))
	}
	if rv.rules.SecretNames == nil {
		rv.rules.SecretNames = DefaultSecretNames
	}
	return rv
}

func (rv *reviewer) change(c *Change) []Finding {
	var out []Finding
	stateful, why := rv.stateful(c)
	switch c.Action {
	case ActionDelete:
		if stateful {
			out = append(out, Finding{Severity: SeverityHigh, Rule: RuleStatefulDestroy, Address: c.Address,
				Message: fmt.Sprintf("destroys %s, which holds data (%s); what it holds is lost unless backed up", c.Address, why)})
		} else {
			out = append(out, Finding{Severity: SeverityMedium, Rule: RuleDestroy, Address: c.Address,
				Message: "destroys " + c.Address})
		}
	case ActionReplace:
		forcing := c.ForcingAttributes()
		because := ReplaceReason(c)
		attr := strings.Join(forcing, ", ")
		if stateful {
			out = append(out, Finding{Severity: SeverityHigh, Rule: RuleStatefulReplace, Address: c.Address, Attribute: attr,
				Message: fmt.Sprintf("replaces %s, which holds data (%s): %s; the old one is destroyed with what it holds", c.Address, why, because)})
		} else {
			out = append(out, Finding{Severity: SeverityMedium, Rule: RuleReplace, Address: c.Address, Attribute: attr,
				Message: fmt.Sprintf("replaces %s: %s", c.Address, because)})
		}
	}
	if c.Action == ActionUpdate || c.Action == ActionReplace {
		out = append(out, rv.numericJumps(c)...)
	}
	return out
}

// ReplaceReason says why a change replaces its resource: the attributes
// that force it, or Terraform's action reason.
func ReplaceReason(c *Change) string {
	switch c.ActionReason {
	case "replace_because_tainted":
		return "it is tainted (an earlier apply failed or was interrupted while creating it)"
	case "replace_by_request":
		return "a replacement was requested (-replace)"
	case "replace_by_triggers":
		return "replace_triggered_by changed"
	}
	if forcing := c.ForcingAttributes(); len(forcing) > 0 {
		return strings.Join(forcing, ", ") + " forces a new one"
	}
	return "Terraform cannot update it in place"
}

// stateful reports whether a resource holds state, and which rule says so.
func (rv *reviewer) stateful(c *Change) (bool, string) {
	if c.Mode == "data" {
		return false, ""
	}
	if p, ok := rv.exactTypes[c.Type]; ok {
		return true, "stateful type " + p
	}
	for _, p := range rv.typeGlobs {
		if p.match(c.Type) {
			return true, "stateful type " + p.text
		}
	}
	if len(rv.addrGlobs) == 0 {
		return false, ""
	}
	bare := stripKeys(c.Address)
	for _, p := range rv.addrGlobs {
		if p.match(c.Address) || p.match(bare) {
			return true, "stateful address " + p.text
		}
	}
	return false, ""
}

// stripKeys removes instance keys from an address: module.a["x"].b.c[0] →
// module.a.b.c.
func stripKeys(addr string) string {
	var b strings.Builder
	depth := 0
	inString := false
	for i := 0; i < len(addr); i++ {
		ch := addr[i]
		switch {
		case inString:
			if ch == '\\' {
				i++
			} else if ch == '"' {
				inString = false
			}
		case ch == '"' && depth > 0:
			inString = true
		case ch == '[':
			depth++
		case ch == ']':
			depth = max(depth-1, 0)
		case depth == 0:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// glob matches s against a pattern whose only wildcard is * (any run of
// characters, dots and brackets included).
func glob(p, s string) bool { return compile(p).match(s) }

func (p pattern) match(s string) bool {
	parts := p.parts
	if len(parts) == 1 {
		return p.text == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for i, part := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(s, part)
		}
		idx := strings.Index(s, part)
		if idx < 0 {
			return false
		}
		s = s[idx+len(part):]
	}
	return true
}

// numericJumps finds numeric attributes that grow or shrink by the growth
// factor or more: the fat-fingered 100 → 1000 GB.
func (rv *reviewer) numericJumps(c *Change) []Finding {
	if rv.rules.GrowthFactor <= 1 {
		return nil
	}
	v, err := c.values(&rv.tree)
	if err != nil || v.before < 0 || v.after < 0 {
		return nil
	}
	rv.out, rv.path = nil, rv.path[:0]
	rv.jumps(c, v.before, v.after, v.beforeSensitive, v.afterSensitive)
	return rv.out
}

// jumps walks before b and after a together, where both have a value of
// the same shape, past what is marked or named secret.
func (rv *reviewer) jumps(c *Change, b, a, bSens, aSens int32) {
	if bSens == markedAll || aSens == markedAll {
		return
	}
	if k, ok := lastKey(rv.path); ok && rv.secrets.match(rv.rules.SecretNames, k) {
		return
	}
	t := &rv.tree
	bn, an := &t.nodes[b], &t.nodes[a]
	switch bn.kind {
	case kindObject:
		if an.kind != kindObject {
			return
		}
		for i := bn.first; i < bn.first+bn.n; i++ {
			k := t.key(i)
			if j := t.member(a, k); j >= 0 {
				rv.path = append(rv.path, key(k))
				rv.jumps(c, i, j, t.childKey(bSens, k), t.childKey(aSens, k))
				rv.path = rv.path[:len(rv.path)-1]
			}
		}
	case kindArray:
		if an.kind != kindArray || an.n != bn.n {
			return
		}
		for i := int32(0); i < bn.n; i++ {
			rv.path = append(rv.path, index(int(i)))
			rv.jumps(c, bn.first+i, an.first+i, t.childIndex(bSens, int(i)), t.childIndex(aSens, int(i)))
			rv.path = rv.path[:len(rv.path)-1]
		}
	case kindNumber:
		if an.kind != kindNumber {
			return
		}
		bText, aText := t.text(b), t.text(a)
		before, err1 := strconv.ParseFloat(string(bText), 64)
		after, err2 := strconv.ParseFloat(string(aText), 64)
		if err1 != nil || err2 != nil || before == 0 || after == 0 || (before < 0) != (after < 0) {
			return
		}
		ratio := after / before
		growth := rv.rules.GrowthFactor
		switch {
		case ratio >= growth:
			attr := string(appendPath(nil, rv.path))
			rv.out = append(rv.out, Finding{Severity: SeverityHigh, Rule: RuleNumericJump, Address: c.Address, Attribute: attr,
				Message: fmt.Sprintf("%s grows from %s to %s (%sx) on %s; check for a typo", attr, bText, aText, ratioText(ratio), c.Address)})
		case ratio <= 1/growth:
			attr := string(appendPath(nil, rv.path))
			rv.out = append(rv.out, Finding{Severity: SeverityHigh, Rule: RuleNumericJump, Address: c.Address, Attribute: attr,
				Message: fmt.Sprintf("%s shrinks from %s to %s (%sx smaller) on %s; check for a typo", attr, bText, aText, ratioText(1/ratio), c.Address)})
		}
	}
}

func ratioText(r float64) string {
	if r == math.Trunc(r) {
		return fmt.Sprintf("%.0f", r)
	}
	return fmt.Sprintf("%.1f", r)
}
