package config

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
)

// cidrUse is one CIDR range an environment occupies.
type cidrUse struct {
	env    *Environment
	field  string
	prefix netip.Prefix
	pos    Position
}

// overlaps finds environments in the same account whose CIDR inputs overlap
// (two VPCs in one account with overlapping ranges cannot be peered or
// routed). Each overlap is reported on both environments. Ranges of inputs
// marked shared are exempt. It runs in O(n log n) per account: prefixes either
// nest or are disjoint, so after sorting a stack holds the ranges that contain
// the current one.
func overlaps(envs []*Environment, archetypes map[string]*Archetype) map[*Environment]Diagnostics {
	byAccount := map[string][]cidrUse{}
	for _, e := range envs {
		a, ok := archetypes[e.Archetype]
		// An environment with problems of its own cannot be deployed until
		// they are fixed: it must not make valid environments invalid.
		if !ok || e.Account == "" || e.root == nil || !e.Valid() {
			continue
		}
		byAccount[e.Account] = append(byAccount[e.Account], e.cidrs(a)...)
	}
	out := map[*Environment]Diagnostics{}
	for account, uses := range byAccount {
		slices.SortFunc(uses, func(a, b cidrUse) int {
			return cmp.Or(a.prefix.Addr().Compare(b.prefix.Addr()), cmp.Compare(a.prefix.Bits(), b.prefix.Bits()), cmp.Compare(a.env.Name, b.env.Name))
		})
		var stack []cidrUse
		reported := map[[2]*Environment]bool{}
		for _, u := range uses {
			for len(stack) > 0 && !stack[len(stack)-1].prefix.Contains(u.prefix.Addr()) {
				stack = stack[:len(stack)-1]
			}
			for _, outer := range stack {
				pair := [2]*Environment{outer.env, u.env}
				if pair[0].Name > pair[1].Name {
					pair[0], pair[1] = pair[1], pair[0]
				}
				if outer.env == u.env || reported[pair] {
					continue
				}
				reported[pair] = true
				out[u.env] = append(out[u.env], overlapDiagnostic(u, outer, account))
				out[outer.env] = append(out[outer.env], overlapDiagnostic(outer, u, account))
			}
			stack = append(stack, u)
		}
	}
	return out
}

func overlapDiagnostic(u, other cidrUse, account string) Diagnostic {
	return Diagnostic{
		File: u.env.File, Line: u.pos.Line, Col: u.pos.Col, Field: u.field,
		Message: fmt.Sprintf("%s overlaps %s of environment %s (%s:%d:%d) in account %s; give each environment its own range",
			u.prefix, other.prefix, other.env.Name, other.env.File, other.pos.Line, max(other.pos.Col, 1), account),
	}
}

// cidrs lists the ranges the environment occupies: its cidr and list(cidr)
// inputs, defaults included, except shared ones.
func (e *Environment) cidrs(a *Archetype) []cidrUse {
	var out []cidrUse
	values := e.Values(a)
	for _, in := range a.Inputs {
		if in.Shared || (in.Type != TypeCIDR && !(in.Type == TypeList && in.itemType() == TypeCIDR)) {
			continue
		}
		field := "inputs." + in.Name
		pos, set := e.pos[field]
		if !set {
			pos = Position{1, 1}
		}
		add := func(v any, field string) {
			s, _ := v.(string)
			if p, err := netip.ParsePrefix(s); err == nil {
				out = append(out, cidrUse{env: e, field: field, prefix: p.Masked(), pos: pos})
			}
		}
		switch v := values[in.Name].(type) {
		case string:
			add(v, field)
		case []any:
			for i, item := range v {
				add(item, fmt.Sprintf("%s[%d]", field, i))
			}
		}
	}
	return out
}
