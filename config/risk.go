package config

import (
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
			}
		},
		"max_changes": func(v *yaml.Node, p string) {
			if f, ok := d.number(v, p); ok {
				if f < 1 || f != float64(int(f)) {
					d.errorf(v, p, "max_changes must be a whole number of at least 1, got %s", formatNumber(f))
					return
				}
				r.MaxChanges = int(f)
			}
		},
	})
}
