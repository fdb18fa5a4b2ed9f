package envs

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
)

// DiffKind says how an attribute changes.
type DiffKind string

// The kinds of attribute change.
const (
	DiffAdded     DiffKind = "+"
	DiffRemoved   DiffKind = "-"
	DiffChanged   DiffKind = "~"
	DiffUnchanged DiffKind = " "
)

// Masked is shown in place of a sensitive value.
const Masked = "(sensitive value)"

// Unknown is shown for a value Terraform only learns when it applies.
const Unknown = "(known after apply)"

// AttrDiff is one attribute of a change, flattened to a path such as
// input.tags.Name or ingress[0].cidr_blocks[1].
type AttrDiff struct {
	Path   string   `json:"path"`
	Kind   DiffKind `json:"action"`
	Before string   `json:"before,omitempty"` // rendered; Masked when sensitive
	After  string   `json:"after,omitempty"`  // rendered; Unknown or Masked where so
	// Unknown: the value after is known only after apply.
	Unknown bool `json:"unknown,omitempty"`
	// Sensitive: the value is masked, because Terraform marks it sensitive
	// or because its name says it is a secret.
	Sensitive bool `json:"sensitive,omitempty"`
	// ForcesReplacement: changing this attribute replaces the resource.
	ForcesReplacement bool `json:"forces_replacement,omitempty"`
}

// DefaultSecretNames matches attribute names whose values are masked even
// when the plan does not mark them sensitive (plans before format 0.2 mark
// nothing).
var DefaultSecretNames = regexp.MustCompile(`(?i)(password|passwd|passphrase|secret|token|private_?key|api_?key|access_?key|session_?key|credential|connection_?string|client_?key)`)

// DiffOptions tunes Diff.
type DiffOptions struct {
	// SecretNames overrides DefaultSecretNames.
	SecretNames *regexp.Regexp
	// Unchanged includes unchanged attributes (for context).
	Unchanged bool
}

// diffValues are a change's values, decoded on demand.
type diffValues struct {
	before, after, unknown, beforeSensitive, afterSensitive any
	hasBefore, hasAfter                                     bool
}

// values decodes the change's values; keys interns object keys across the
// changes of one plan (nil: none shared).
func (c *Change) values(keys map[string]string) (diffValues, error) {
	var v diffValues
	decode := func(raw []byte, dst *any, what string) (bool, error) {
		if bytesNull(raw) {
			return false, nil
		}
		var err error
		if *dst, err = decodeValue(raw, keys); err != nil {
			return false, fmt.Errorf("%s: change.%s: %w", c.Address, what, err)
		}
		return true, nil
	}
	var err error
	if v.hasBefore, err = decode(c.before, &v.before, "before"); err != nil {
		return v, err
	}
	if v.hasAfter, err = decode(c.after, &v.after, "after"); err != nil {
		return v, err
	}
	if _, err = decode(c.afterUnknown, &v.unknown, "after_unknown"); err != nil {
		return v, err
	}
	if _, err = decode(c.beforeSensitive, &v.beforeSensitive, "before_sensitive"); err != nil {
		return v, err
	}
	if _, err = decode(c.afterSensitive, &v.afterSensitive, "after_sensitive"); err != nil {
		return v, err
	}
	return v, nil
}

// Diff computes the change's attribute-level diff: nested objects, lists
// and maps flattened to paths, values Terraform learns only on apply shown
// as (known after apply), sensitive values masked. It also returns how many
// unchanged attributes it left out.
func (c *Change) Diff(opts DiffOptions) ([]AttrDiff, int, error) {
	return c.diff(opts, secretCache{}, nil)
}

// diff is Diff with a secret-name cache and interned keys shared across
// changes.
func (c *Change) diff(opts DiffOptions, secrets secretCache, keys map[string]string) ([]AttrDiff, int, error) {
	v, err := c.values(keys)
	if err != nil {
		return nil, 0, err
	}
	w := &differ{opts: opts, replace: c.ReplacePaths, secrets: secrets}
	if w.opts.SecretNames == nil {
		w.opts.SecretNames = DefaultSecretNames
	}
	w.walk(nil, v.before, v.after, v.hasBefore, v.hasAfter, v.unknown, v.beforeSensitive, v.afterSensitive, false)
	return w.out, w.unchanged, nil
}

type differ struct {
	opts      DiffOptions
	secrets   secretCache
	replace   [][]any
	out       []AttrDiff
	unchanged int
}

// child indexes a mirror structure (after_unknown, *_sensitive): true
// covers everything below it.
func child(mirror any, step any) any {
	switch m := mirror.(type) {
	case bool:
		return m
	case map[string]any:
		if k, ok := step.(string); ok {
			return m[k]
		}
	case []any:
		if i, ok := step.(int); ok && i < len(m) {
			return m[i]
		}
	}
	return nil
}

func (w *differ) walk(path []any, b, a any, hasB, hasA bool, unknown, bSens, aSens any, secret bool) {
	if k, ok := lastKey(path); ok && w.secrets.match(w.opts.SecretNames, k) {
		secret = true
	}
	if b == nil {
		hasB = false
	}
	if a == nil {
		hasA = false
	}
	if unknown == true {
		d := AttrDiff{Path: formatPath(toPathSteps(path)), Unknown: true, After: Unknown, Kind: DiffAdded, ForcesReplacement: w.forces(path)}
		if hasB {
			hidden := secret || anyTrue(bSens)
			d.Kind, d.Before, d.Sensitive = DiffChanged, w.render(b, hidden), hidden
		}
		w.out = append(w.out, d)
		return
	}
	// A name says secret only of text: true/false and numbers named like
	// get_password_data or token_ttl are not secrets.
	if bSens == true || aSens == true || (secret && !(plainScalar(b) && plainScalar(a))) {
		w.masked(path, b, a, hasB, hasA)
		return
	}
	bm, bIsMap := b.(map[string]any)
	am, aIsMap := a.(map[string]any)
	switch {
	case bIsMap && aIsMap, bIsMap && !hasA, aIsMap && !hasB:
		keys := make([]string, 0, len(bm)+len(am))
		for k := range bm {
			keys = append(keys, k)
		}
		for k := range am {
			if _, dup := bm[k]; !dup {
				keys = append(keys, k)
			}
		}
		if um, ok := unknown.(map[string]any); ok {
			for k, u := range um {
				_, inB := bm[k]
				_, inA := am[k]
				if u == true && !inB && !inA {
					keys = append(keys, k)
				}
			}
		}
		slices.Sort(keys)
		if len(keys) == 0 {
			w.leaf(path, b, a, hasB, hasA, bSens, aSens)
			return
		}
		for _, k := range keys {
			bv, inB := bm[k]
			av, inA := am[k]
			w.walk(appendStep(path, k), bv, av, inB && hasB, inA && hasA, child(unknown, k), child(bSens, k), child(aSens, k), secret)
		}
		return
	}
	bl, bIsList := b.([]any)
	al, aIsList := a.([]any)
	switch {
	case bIsList && aIsList && scalars(bl) && scalars(al) && !anyTrue(unknown):
		w.listLCS(path, bl, al, bSens, aSens)
		return
	case bIsList && aIsList, bIsList && !hasA, aIsList && !hasB:
		n := max(len(bl), len(al))
		if n == 0 {
			w.leaf(path, b, a, hasB, hasA, bSens, aSens)
			return
		}
		for i := 0; i < n; i++ {
			var bv, av any
			inB, inA := i < len(bl), i < len(al)
			if inB {
				bv = bl[i]
			}
			if inA {
				av = al[i]
			}
			w.walk(appendStep(path, i), bv, av, inB && hasB, inA && hasA, child(unknown, i), child(bSens, i), child(aSens, i), secret)
		}
		return
	}
	w.leaf(path, b, a, hasB, hasA, bSens, aSens)
}

// leaf compares two values that are not walked into further. A value shown
// whole is masked when anything inside it is marked sensitive.
func (w *differ) leaf(path []any, b, a any, hasB, hasA bool, bSens, aSens any) {
	d := AttrDiff{Path: formatPath(toPathSteps(path)), ForcesReplacement: w.forces(path)}
	before := func() string { return w.render(b, anyTrue(bSens)) }
	after := func() string { return w.render(a, anyTrue(aSens)) }
	d.Sensitive = anyTrue(bSens) || anyTrue(aSens)
	switch {
	case !hasB && !hasA:
		return
	case !hasB:
		d.Kind, d.After, d.Sensitive = DiffAdded, after(), anyTrue(aSens)
	case !hasA:
		d.Kind, d.Before, d.Sensitive = DiffRemoved, before(), anyTrue(bSens)
	case reflect.DeepEqual(a, b):
		w.unchanged++
		if !w.opts.Unchanged {
			return
		}
		d.Kind, d.Before, d.After = DiffUnchanged, before(), after()
	default:
		d.Kind, d.Before, d.After = DiffChanged, before(), after()
		// Show a changed value whole only when neither side is marked.
		if d.Sensitive {
			d.Before, d.After = Masked, Masked
		}
	}
	if d.Sensitive && d.Kind == DiffUnchanged {
		d.Before, d.After = Masked, Masked
	}
	w.out = append(w.out, d)
}

// masked records a sensitive value: whether it changed, never what it is.
func (w *differ) masked(path []any, b, a any, hasB, hasA bool) {
	d := AttrDiff{Path: formatPath(toPathSteps(path)), Sensitive: true, ForcesReplacement: w.forces(path)}
	switch {
	case !hasB && !hasA:
		return
	case !hasB:
		d.Kind, d.After = DiffAdded, Masked
	case !hasA:
		d.Kind, d.Before = DiffRemoved, Masked
	case reflect.DeepEqual(a, b):
		w.unchanged++
		if !w.opts.Unchanged {
			return
		}
		d.Kind, d.Before, d.After = DiffUnchanged, Masked, Masked
	default:
		d.Kind, d.Before, d.After = DiffChanged, Masked, Masked
	}
	w.out = append(w.out, d)
}

// listLCS diffs two lists of scalars as sequences, so an element inserted at
// the front shows as one addition, not as every element changing.
func (w *differ) listLCS(path []any, b, a []any, bSens, aSens any) {
	n, m := len(b), len(a)
	if n*m > 1_000_000 { // too large to align: compare by position
		for i := 0; i < max(n, m); i++ {
			var bv, av any
			if i < n {
				bv = b[i]
			}
			if i < m {
				av = a[i]
			}
			w.walk(appendStep(path, i), bv, av, i < n, i < m, nil, child(bSens, i), child(aSens, i), false)
		}
		return
	}
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if reflect.DeepEqual(b[i], a[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	// Walk the alignment; between two matches, pair removed and added
	// elements into changes, so ["16"] → ["17"] reads as one change.
	var dels, adds []int
	flush := func() {
		for x := 0; x < max(len(dels), len(adds)); x++ {
			switch {
			case x < len(dels) && x < len(adds):
				w.walk(appendStep(path, adds[x]), b[dels[x]], a[adds[x]], true, true, nil, child(bSens, dels[x]), child(aSens, adds[x]), false)
			case x < len(dels):
				w.walk(appendStep(path, dels[x]), b[dels[x]], nil, true, false, nil, child(bSens, dels[x]), nil, false)
			default:
				w.walk(appendStep(path, adds[x]), nil, a[adds[x]], false, true, nil, nil, child(aSens, adds[x]), false)
			}
		}
		dels, adds = dels[:0], adds[:0]
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && reflect.DeepEqual(b[i], a[j]):
			flush()
			w.walk(appendStep(path, j), b[i], a[j], true, true, nil, child(bSens, i), child(aSens, j), false)
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			adds = append(adds, j)
			j++
		default:
			dels = append(dels, i)
			i++
		}
	}
	flush()
}

// secretCache remembers which attribute names are secrets: plans repeat the
// same few names thousands of times, and the pattern is the costly part.
type secretCache map[string]bool

func (c *secretCache) match(names *regexp.Regexp, key string) bool {
	if *c == nil {
		*c = secretCache{}
	}
	secret, ok := (*c)[key]
	if !ok {
		secret = names.MatchString(key)
		(*c)[key] = secret
	}
	return secret
}

// plainScalar reports whether v is a boolean, a number or null.
func plainScalar(v any) bool {
	switch v.(type) {
	case nil, bool, json.Number:
		return true
	}
	return false
}

// anyTrue reports whether a mirror structure marks anything.
func anyTrue(mirror any) bool {
	switch m := mirror.(type) {
	case bool:
		return m
	case map[string]any:
		for _, v := range m {
			if anyTrue(v) {
				return true
			}
		}
	case []any:
		for _, v := range m {
			if anyTrue(v) {
				return true
			}
		}
	}
	return false
}

func scalars(l []any) bool {
	for _, v := range l {
		switch v.(type) {
		case map[string]any, []any:
			return false
		}
	}
	return true
}

// forces reports whether the path lies under a path that forces
// replacement.
func (w *differ) forces(path []any) bool {
	for _, rp := range w.replace {
		if len(rp) <= len(path) && samePrefix(rp, path) {
			return true
		}
	}
	return false
}

func samePrefix(prefix, path []any) bool {
	for i, step := range prefix {
		switch s := step.(type) {
		case string:
			if path[i] != s {
				return false
			}
		case json.Number:
			idx, ok := path[i].(int)
			if !ok || s.String() != fmt.Sprint(idx) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func lastKey(path []any) (string, bool) {
	for i := len(path) - 1; i >= 0; i-- {
		if k, ok := path[i].(string); ok {
			return k, true
		}
	}
	return "", false
}

// toPathSteps converts walk steps (string keys, int indices) for formatPath.
func toPathSteps(path []any) []any {
	out := make([]any, len(path))
	for i, s := range path {
		if n, ok := s.(int); ok {
			out[i] = json.Number(fmt.Sprint(n))
			continue
		}
		out[i] = s
	}
	return out
}

// render formats a value for display: strings quoted, composites compact.
func (w *differ) render(v any, sensitive bool) string {
	if sensitive {
		return Masked
	}
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		b, _ := json.Marshal(v)
		return string(b)
	case json.Number:
		return v.String()
	case bool:
		return fmt.Sprint(v)
	}
	if w.containsSecretKey(v) {
		return Masked
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// containsSecretKey reports whether a composite value holds a key whose name
// says it is a secret; such values are never shown whole.
func (w *differ) containsSecretKey(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for k, item := range v {
			if w.secrets.match(w.opts.SecretNames, k) || w.containsSecretKey(item) {
				return true
			}
		}
	case []any:
		for _, item := range v {
			if w.containsSecretKey(item) {
				return true
			}
		}
	}
	return false
}

// appendStep extends a path without sharing the caller's backing array.
func appendStep(path []any, step any) []any {
	return append(path[:len(path):len(path)], step)
}
