package config

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// MaxOverlapPeers is how many of the environments an environment overlaps
// are named in its diagnostic; the rest are counted ("and 997 more"), so a
// workspace of many copies of one file reports one line per environment.
const MaxOverlapPeers = 3

// CIDRRange is one CIDR range an environment occupies: which input sets it
// and where.
type CIDRRange struct {
	Field  string // "inputs.vpc_cidr", "inputs.subnets[0]"
	Prefix netip.Prefix
	Pos    Position
}

// OverlapPeer is another environment whose range overlaps one of the
// environment's.
type OverlapPeer struct {
	Env *Environment
	// Range is the other environment's range; Against is the environment's
	// own range that it overlaps.
	Range, Against CIDRRange
}

// Overlap is what the cross-environment CIDR check found for one
// environment: the other environments of its account whose ranges overlap
// its own. Whether it is an error or a warning depends on which of them are
// deployed, which the catalog knows (ResolveOverlaps).
type Overlap struct {
	Env     *Environment
	Account string
	// First is the environment's first overlapping range in the file; its
	// diagnostic is placed there.
	First CIDRRange
	// Peers are the first MaxOverlapPeers overlapping environments by name.
	Peers []OverlapPeer
	// Count is how many other environments overlap it in all.
	Count int
}

// cidrUse is one CIDR range an environment occupies.
type cidrUse struct {
	env   *Environment
	index int // of env among its account's environments
	CIDRRange
}

// findOverlaps finds environments in the same account whose CIDR inputs
// overlap (two VPCs in one account with overlapping ranges cannot be peered
// or routed), one Overlap per environment that has any. Ranges of inputs
// marked shared are exempt. Prefixes either nest or are disjoint, so after
// sorting a stack holds the ranges that contain the current one; each pair
// is visited once, and what is kept per environment is bounded (a bit per
// other environment, MaxOverlapPeers names), so that a thousand copies of
// one file cost milliseconds, not a million diagnostics.
func findOverlaps(envs []*Environment, archetypes map[string]*Archetype) []Overlap {
	byAccount := map[string][]cidrUse{}
	members := map[string][]*Environment{}
	for _, e := range envs {
		a, ok := archetypes[e.Archetype]
		// An environment with problems of its own cannot be deployed until
		// they are fixed: it must not make valid environments invalid.
		if !ok || e.Account == "" || e.root == nil || e.hasOwnProblems() {
			continue
		}
		uses := e.cidrs(a, len(members[e.Account]))
		if len(uses) == 0 {
			continue
		}
		members[e.Account] = append(members[e.Account], e)
		byAccount[e.Account] = append(byAccount[e.Account], uses...)
	}
	var out []Overlap
	for account, uses := range byAccount {
		n := len(members[account])
		found := make([]*overlapAcc, n)
		record := func(own, other cidrUse) {
			acc := found[own.index]
			if acc == nil {
				acc = &overlapAcc{Overlap: Overlap{Env: own.env, Account: account, First: own.CIDRRange}, seen: make([]uint64, (n+63)/64)}
				found[own.index] = acc
			}
			acc.add(own, other)
		}
		slices.SortFunc(uses, func(a, b cidrUse) int {
			return cmp.Or(a.Prefix.Addr().Compare(b.Prefix.Addr()), cmp.Compare(a.Prefix.Bits(), b.Prefix.Bits()), cmp.Compare(a.env.Name, b.env.Name))
		})
		var stack []cidrUse
		for _, u := range uses {
			for len(stack) > 0 && !stack[len(stack)-1].Prefix.Contains(u.Prefix.Addr()) {
				stack = stack[:len(stack)-1]
			}
			for _, outer := range stack {
				if outer.env != u.env {
					record(u, outer)
					record(outer, u)
				}
			}
			stack = append(stack, u)
		}
		for _, acc := range found {
			if acc != nil {
				out = append(out, acc.Overlap)
			}
		}
	}
	slices.SortFunc(out, func(a, b Overlap) int { return strings.Compare(a.Env.Name, b.Env.Name) })
	return out
}

// overlapAcc gathers one environment's overlaps.
type overlapAcc struct {
	Overlap
	seen []uint64 // bit i: the account's environment i was counted
}

func (acc *overlapAcc) add(own, other cidrUse) {
	if comparePositions(own.Pos, acc.First.Pos) < 0 || (own.Pos == acc.First.Pos && own.Field < acc.First.Field) {
		acc.First = own.CIDRRange
	}
	word, bit := other.index/64, uint64(1)<<(other.index%64)
	if acc.seen[word]&bit != 0 {
		return
	}
	acc.seen[word] |= bit
	acc.Count++
	peer := OverlapPeer{Env: other.env, Range: other.CIDRRange, Against: own.CIDRRange}
	i, _ := slices.BinarySearchFunc(acc.Peers, other.env.Name, func(p OverlapPeer, name string) int { return strings.Compare(p.Env.Name, name) })
	if i >= MaxOverlapPeers {
		return
	}
	acc.Peers = slices.Insert(acc.Peers, i, peer)
	if len(acc.Peers) > MaxOverlapPeers {
		acc.Peers = acc.Peers[:MaxOverlapPeers]
	}
}

func comparePositions(a, b Position) int {
	return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
}

// diagnostic reports the overlap on one line, at the environment's first
// overlapping range: the first few environments by name, then how many
// more.
func (o Overlap) diagnostic() Diagnostic {
	var b strings.Builder
	fmt.Fprintf(&b, "%s overlaps ", o.First.Prefix)
	for i, p := range o.Peers {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s of environment %s (%s:%d:%d", p.Range.Prefix, p.Env.Name, p.Env.File, p.Range.Pos.Line, max(p.Range.Pos.Col, 1))
		if p.Against.Field != o.First.Field {
			fmt.Fprintf(&b, ", against %s %s", p.Against.Field, p.Against.Prefix)
		}
		b.WriteString(")")
	}
	if more := o.Count - len(o.Peers); more > 0 {
		fmt.Fprintf(&b, " and %d more", more)
	}
	fmt.Fprintf(&b, " in account %s; give each environment its own range", o.Account)
	return Diagnostic{File: o.Env.File, Line: o.First.Pos.Line, Col: o.First.Pos.Col, Field: o.First.Field, Message: b.String()}
}

// Overlaps returns the CIDR overlaps found between the workspace's
// environments, one per environment that has any, sorted by name.
func (ws *Workspace) Overlaps() []Overlap { return ws.overlaps }

// ResolveOverlaps decides, for each overlap, whether it is an error or a
// warning. The fault belongs to an environment that is not deployed yet: it
// carries the error and cannot be planned until it moves. A deployed
// environment keeps working and carries a warning. So two new environments
// both carry errors, and two deployed ones both keep working, with
// warnings. Load treats every environment as not deployed; the catalog,
// which reads local state, calls this with what it found. Calling it again
// replaces what an earlier call decided.
func (ws *Workspace) ResolveOverlaps(deployed func(*Environment) bool) {
	for _, o := range ws.overlaps {
		o.Env.setOverlap(o.diagnostic(), deployed(o.Env))
	}
}

// setOverlap records the environment's overlap diagnostic as an error or,
// for a deployed environment, a warning, replacing an earlier one.
func (e *Environment) setOverlap(d Diagnostic, warning bool) {
	if e.overlap != nil {
		old := *e.overlap
		e.Diags = slices.DeleteFunc(e.Diags, func(x Diagnostic) bool { return x == old })
		old.Severity = SeverityWarning
		e.Warnings = slices.DeleteFunc(e.Warnings, func(x Diagnostic) bool { return x == old })
	}
	stored := d
	e.overlap = &stored
	if warning {
		d.Severity = SeverityWarning
		e.Warnings = append(e.Warnings, d).Sort()
		return
	}
	e.Diags = append(e.Diags, d).Sort()
}

// hasOwnProblems reports whether the environment has problems other than
// an overlap with other environments.
func (e *Environment) hasOwnProblems() bool {
	for _, d := range e.Diags {
		if e.overlap == nil || d != *e.overlap {
			return true
		}
	}
	return false
}

// cidrs lists the ranges the environment occupies: its cidr and list(cidr)
// inputs, defaults included, except shared ones. index is the environment's
// number among its account's.
func (e *Environment) cidrs(a *Archetype, index int) []cidrUse {
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
				out = append(out, cidrUse{env: e, index: index, CIDRRange: CIDRRange{Field: field, Prefix: p.Masked(), Pos: pos}})
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
