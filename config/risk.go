package config

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// RiskRules are the risk review's rules as a workspace (envbench.yaml) or an
// archetype (archetype.yaml) writes them under `risk:`. They extend the
// built-in rules: patterns are added, thresholds replace.
type RiskRules struct {
	// StatefulTypes are resource types (globs with *) whose destroy or
	// replace loses data, added to the built-in list (aws_db_instance...).
	StatefulTypes []string
	// StatefulAddresses are resource address globs ("terraform_data.database",
	// "module.data.*"), matched with and without instance keys.
	StatefulAddresses []string
	// GrowthFactor flags numeric attributes that grow or shrink by at least
	// this factor; 0 keeps the default (10).
	GrowthFactor float64
	// MaxChanges flags plans that change more resources than this; 0 keeps
	// the default.
	MaxChanges int

	growthPos, maxPos Position // where the thresholds are set
}

// DefaultGrowthFactor and DefaultMaxChanges are the built-in thresholds of
// the risk review, in force where envbench.yaml sets none.
const (
	DefaultGrowthFactor = 10
	DefaultMaxChanges   = 50
)

// checkTightens refuses an archetype's thresholds that are looser than the
// workspace's (or, where the workspace sets none, the built-in ones): an
// archetype may only tighten the review, with a smaller growth factor or a
// lower change count. Stateful types and addresses can only be added, so
// they only tighten.
func (r RiskRules) checkTightens(file string, ws RiskRules) Diagnostics {
	var diags Diagnostics
	limit := func(value, wsValue, builtIn float64, wsPos, at Position, field, what string) {
		source := fmt.Sprintf("the built-in %s %s", what, formatNumber(builtIn))
		bound := builtIn
		if wsValue > 0 {
			bound = wsValue
			source = fmt.Sprintf("the workspace's %s %s (%s:%d:%d)", what, formatNumber(wsValue), SettingsFile, wsPos.Line, max(wsPos.Col, 1))
		}
		if value > bound {
			diags = append(diags, Diagnostic{File: file, Line: at.Line, Col: at.Col, Field: field,
				Message: fmt.Sprintf("%s loosens %s; an archetype may only tighten the review: set at most %s, or remove it", formatNumber(value), source, formatNumber(bound))})
		}
	}
	if r.GrowthFactor > 0 {
		limit(r.GrowthFactor, ws.GrowthFactor, DefaultGrowthFactor, ws.growthPos, r.growthPos, "risk.growth_factor", "growth factor")
	}
	if r.MaxChanges > 0 {
		limit(float64(r.MaxChanges), float64(ws.MaxChanges), DefaultMaxChanges, ws.maxPos, r.maxPos, "risk.max_changes", "max_changes")
	}
	return diags
}

// decodeRisk decodes a `risk:` mapping.
func (d *decoder) decodeRisk(n *yaml.Node, path string, r *RiskRules) {
	patterns := func(dst *[]string) fieldFunc {
		return func(v *yaml.Node, p string) {
			list, ok := d.strings(v, p)
			if !ok {
				return
			}
			for i, pat := range list {
				if strings.TrimSpace(pat) == "" || strings.ContainsAny(pat, " \t") {
					d.errorf(v.Content[i], p, "%q is not a pattern; want a resource type or address, with * as a wildcard", pat)
					continue
				}
				*dst = append(*dst, pat)
			}
		}
	}
	d.object(n, path, map[string]fieldFunc{
		"stateful_types":     patterns(&r.StatefulTypes),
		"stateful_addresses": patterns(&r.StatefulAddresses),
		"growth_factor": func(v *yaml.Node, p string) {
			if f, ok := d.number(v, p); ok {
				if f <= 1 {
					d.errorf(v, p, "growth factor %s must be above 1 (10 flags 100 → 1000)", formatNumber(f))
					return
				}
				r.GrowthFactor = f
				r.growthPos = Position{v.Line, v.Column}
			}
		},
		"max_changes": func(v *yaml.Node, p string) {
			if f, ok := d.number(v, p); ok {
				if f < 1 || f != float64(int(f)) {
					d.errorf(v, p, "max_changes must be a whole number of at least 1, got %s", formatNumber(f))
					return
				}
				r.MaxChanges = int(f)
				r.maxPos = Position{v.Line, v.Column}
			}
		},
	})
}
