package envs

// The map-based diff and numeric-jump walk that the value-tree code
// replaced, kept as the oracle the tests compare the new code with.

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
)

// refValues are a change's values, decoded on demand.
type refValues struct {
	before, after, unknown, beforeSensitive, afterSensitive any
	hasBefore, hasAfter                                     bool
}

// values decodes the change's values; keys interns object keys across the
// changes of one plan (nil: none shared).
func refChangeValues(c *Change, keys map[string]string) (refValues, error) {
	var v refValues
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
	decodeMirror := func(raw []byte, dst *any, what string) (bool, error) {
		if markNothing(raw) {
			return false, nil
		}
		return decode(raw, dst, what)
	}
	var err error
	if v.hasBefore, err = decode(c.before, &v.before, "before"); err != nil {
		return v, err
	}
	if v.hasAfter, err = decode(c.after, &v.after, "after"); err != nil {
		return v, err
	}
	if _, err = decodeMirror(c.afterUnknown, &v.unknown, "after_unknown"); err != nil {
		return v, err
	}
	if _, err = decodeMirror(c.beforeSensitive, &v.beforeSensitive, "before_sensitive"); err != nil {
		return v, err
	}
	if _, err = decodeMirror(c.afterSensitive, &v.afterSensitive, "after_sensitive"); err != nil {
		return v, err
	}
	return v, nil
}

// diff is Diff with a secret-name cache and interned keys shared across
// changes.
func refDiff(c *Change, opts DiffOptions, secrets secretCache, keys map[string]string) ([]AttrDiff, int, error) {
	v, err := refChangeValues(c, keys)
	if err != nil {
		return nil, 0, err
	}
	w := &refDiffer{opts: opts, replace: c.ReplacePaths, secrets: secrets}
	if w.opts.SecretNames == nil {
		w.opts.SecretNames = DefaultSecretNames
	}
	w.walk(v.before, v.after, v.hasBefore, v.hasAfter, v.unknown, v.beforeSensitive, v.afterSensitive, false)
	return w.out, w.unchanged, nil
}

type refDiffer struct {
	opts      DiffOptions
	secrets   secretCache
	replace   [][]any
	out       []AttrDiff
	unchanged int
	path      []refStep // where the walk is
	text      []byte    // room to format a path in
}

// step is one step of a path: an object key, or a list index when index is
// not negative.
type refStep struct {
	key   string
	index int
}

// into walks a child: the path is extended for the call and restored.
func (w *refDiffer) into(s refStep, b, a any, hasB, hasA bool, unknown, bSens, aSens any, secret bool) {
	w.path = append(w.path, s)
	w.walk(b, a, hasB, hasA, unknown, bSens, aSens, secret)
	w.path = w.path[:len(w.path)-1]
}

func refKey(k string) refStep { return refStep{key: k, index: -1} }
func refIndex(i int) refStep  { return refStep{index: i} }

// pathText formats the current path as formatPath does: a.b[0]["c d"].
func (w *refDiffer) pathText() string {
	b := w.text[:0]
	for _, s := range w.path {
		switch {
		case s.index >= 0:
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(s.index), 10)
			b = append(b, ']')
		case !identifier(s.key):
			b = append(b, '[')
			b = strconv.AppendQuote(b, s.key)
			b = append(b, ']')
		default:
			if len(b) > 0 {
				b = append(b, '.')
			}
			b = append(b, s.key...)
		}
	}
	w.text = b
	return string(b)
}

// lastKey is the nearest object key of the current path.
func (w *refDiffer) lastKey() (string, bool) {
	for i := len(w.path) - 1; i >= 0; i-- {
		if w.path[i].index < 0 {
			return w.path[i].key, true
		}
	}
	return "", false
}

// child indexes a mirror structure (after_unknown, *_sensitive): true
// covers everything below it.
func refChild(mirror any, step any) any {
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

func (w *refDiffer) walk(b, a any, hasB, hasA bool, unknown, bSens, aSens any, secret bool) {
	if k, ok := w.lastKey(); ok && w.secrets.match(w.opts.SecretNames, []byte(k)) {
		secret = true
	}
	if b == nil {
		hasB = false
	}
	if a == nil {
		hasA = false
	}
	if unknown == true {
		d := AttrDiff{Path: w.pathText(), Unknown: true, After: Unknown, Kind: DiffAdded, ForcesReplacement: w.forces()}
		if hasB {
			hidden := secret || refAnyTrue(bSens)
			d.Kind, d.Before, d.Sensitive = DiffChanged, w.render(b, hidden), hidden
		}
		w.out = append(w.out, d)
		return
	}
	// A name says secret only of text: true/false and numbers named like
	// get_password_data or token_ttl are not secrets.
	bm, bIsMap := b.(map[string]any)
	am, aIsMap := a.(map[string]any)
	if bSens == true || aSens == true || (secret && !(refPlainScalar(b) && refPlainScalar(a))) {
		// A whole resource marked sensitive is shown attribute by
		// attribute, each masked (the marks cover every child), so that
		// no row has an empty path.
		if len(w.path) > 0 || !(bIsMap || aIsMap) {
			w.masked(b, a, hasB, hasA)
			return
		}
	}
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
			if len(w.path) == 0 {
				return // a resource with no attributes ({}), sensitive or not
			}
			w.leaf(b, a, hasB, hasA, bSens, aSens)
			return
		}
		for _, k := range keys {
			bv, inB := bm[k]
			av, inA := am[k]
			w.into(refKey(k), bv, av, inB && hasB, inA && hasA, refChild(unknown, k), refChild(bSens, k), refChild(aSens, k), secret)
		}
		return
	}
	bl, bIsList := b.([]any)
	al, aIsList := a.([]any)
	switch {
	case bIsList && aIsList && !refAnyTrue(unknown):
		w.listLCS(bl, al, bSens, aSens)
		return
	case bIsList && aIsList, bIsList && !hasA, aIsList && !hasB:
		n := max(len(bl), len(al))
		if n == 0 {
			w.leaf(b, a, hasB, hasA, bSens, aSens)
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
			w.into(refIndex(i), bv, av, inB && hasB, inA && hasA, refChild(unknown, i), refChild(bSens, i), refChild(aSens, i), secret)
		}
		return
	}
	w.leaf(b, a, hasB, hasA, bSens, aSens)
}

// leaf compares two values that are not walked into further. A value shown
// whole is masked when anything inside it is marked sensitive.
func (w *refDiffer) leaf(b, a any, hasB, hasA bool, bSens, aSens any) {
	if !hasB && !hasA {
		return
	}
	if hasB && hasA && !w.opts.Unchanged && refEqual(a, b) {
		w.unchanged++
		return
	}
	d := AttrDiff{Path: w.pathText(), ForcesReplacement: w.forces()}
	before := func() string { return w.render(b, refAnyTrue(bSens)) }
	after := func() string { return w.render(a, refAnyTrue(aSens)) }
	d.Sensitive = refAnyTrue(bSens) || refAnyTrue(aSens)
	switch {
	case !hasB:
		d.Kind, d.After, d.Sensitive = DiffAdded, after(), refAnyTrue(aSens)
	case !hasA:
		d.Kind, d.Before, d.Sensitive = DiffRemoved, before(), refAnyTrue(bSens)
	case refEqual(a, b):
		w.unchanged++
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
func (w *refDiffer) masked(b, a any, hasB, hasA bool) {
	if !hasB && !hasA {
		return
	}
	if hasB && hasA && !w.opts.Unchanged && refEqual(a, b) {
		w.unchanged++
		return
	}
	d := AttrDiff{Path: w.pathText(), Sensitive: true, ForcesReplacement: w.forces()}
	switch {
	case !hasB:
		d.Kind, d.After = DiffAdded, Masked
	case !hasA:
		d.Kind, d.Before = DiffRemoved, Masked
	case refEqual(a, b):
		w.unchanged++
		d.Kind, d.Before, d.After = DiffUnchanged, Masked, Masked
	default:
		d.Kind, d.Before, d.After = DiffChanged, Masked, Masked
	}
	w.out = append(w.out, d)
}

// listLCS diffs two lists as sequences of whole elements, so an element
// inserted at the front shows as one addition, not as every element
// changing.
func (w *refDiffer) listLCS(b, a []any, bSens, aSens any) {
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
			w.into(refIndex(i), bv, av, i < n, i < m, nil, refChild(bSens, i), refChild(aSens, i), false)
		}
		return
	}
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if refEqual(b[i], a[j]) {
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
				w.into(refIndex(adds[x]), b[dels[x]], a[adds[x]], true, true, nil, refChild(bSens, dels[x]), refChild(aSens, adds[x]), false)
			case x < len(dels):
				w.into(refIndex(dels[x]), b[dels[x]], nil, true, false, nil, refChild(bSens, dels[x]), nil, false)
			default:
				w.into(refIndex(adds[x]), nil, a[adds[x]], false, true, nil, nil, refChild(aSens, adds[x]), false)
			}
		}
		dels, adds = dels[:0], adds[:0]
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && refEqual(b[i], a[j]):
			flush()
			w.into(refIndex(j), b[i], a[j], true, true, nil, refChild(bSens, i), refChild(aSens, j), false)
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

// plainScalar reports whether v is a boolean, a number or null.
func refPlainScalar(v any) bool {
	switch v.(type) {
	case nil, bool, json.Number:
		return true
	}
	return false
}

// anyTrue reports whether a mirror structure marks anything.
func refAnyTrue(mirror any) bool {
	switch m := mirror.(type) {
	case bool:
		return m
	case map[string]any:
		for _, v := range m {
			if refAnyTrue(v) {
				return true
			}
		}
	case []any:
		for _, v := range m {
			if refAnyTrue(v) {
				return true
			}
		}
	}
	return false
}

// equal reports whether two decoded values are the same, as
// reflect.DeepEqual does for them, without reflection.
func refEqual(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case string:
		bs, ok := b.(string)
		return ok && a == bs
	case json.Number:
		bn, ok := b.(json.Number)
		return ok && a == bn
	case bool:
		bb, ok := b.(bool)
		return ok && a == bb
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) || (a == nil) != (bm == nil) {
			return false
		}
		for k, v := range a {
			bv, ok := bm[k]
			if !ok || !refEqual(v, bv) {
				return false
			}
		}
		return true
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) || (a == nil) != (bl == nil) {
			return false
		}
		for i := range a {
			if !refEqual(a[i], bl[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func refLastKey(path []any) (string, bool) {
	for i := len(path) - 1; i >= 0; i-- {
		if k, ok := path[i].(string); ok {
			return k, true
		}
	}
	return "", false
}

// toPathSteps converts walk steps (string keys, int indices) for formatPath.
func refToPathSteps(path []any) []any {
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
func (w *refDiffer) render(v any, sensitive bool) string {
	if sensitive {
		return Masked
	}
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return quoteJSON(v)
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
func (w *refDiffer) containsSecretKey(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for k, item := range v {
			if w.secrets.match(w.opts.SecretNames, []byte(k)) || w.containsSecretKey(item) {
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
func refAppendStep(path []any, step any) []any {
	return append(path[:len(path):len(path)], step)
}

func (w *refDiffer) forces() bool {
	for _, rp := range w.replace {
		if len(rp) <= len(w.path) && refSamePrefix(rp, w.path) {
			return true
		}
	}
	return false
}

func refSamePrefix(prefix []any, path []refStep) bool {
	for i, s := range prefix {
		switch s := s.(type) {
		case string:
			if path[i].index >= 0 || path[i].key != s {
				return false
			}
		case json.Number:
			if path[i].index < 0 || s.String() != strconv.Itoa(path[i].index) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// numericJumps finds numeric attributes that grow or shrink by the growth
// factor or more: the fat-fingered 100 → 1000 GB.
func refNumericJumps(c *Change, rules RiskRules) []Finding {
	if rules.SecretNames == nil {
		rules.SecretNames = DefaultSecretNames
	}
	if rules.GrowthFactor <= 1 {
		return nil
	}
	v, err := refChangeValues(c, nil)
	if err != nil || !v.hasBefore || !v.hasAfter {
		return nil
	}
	secret := rules.SecretNames
	var out []Finding
	secrets := &secretCache{}
	var walk func(path []any, b, a, bSens, aSens any)
	walk = func(path []any, b, a, bSens, aSens any) {
		if bSens == true || aSens == true {
			return
		}
		if k, ok := refLastKey(path); ok && secrets.match(secret, []byte(k)) {
			return
		}
		switch bv := b.(type) {
		case map[string]any:
			am, ok := a.(map[string]any)
			if !ok {
				return
			}
			keys := make([]string, 0, len(bv))
			for k := range bv {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if av, ok := am[k]; ok {
					walk(refAppendStep(path, k), bv[k], av, refChild(bSens, k), refChild(aSens, k))
				}
			}
		case []any:
			al, ok := a.([]any)
			if !ok || len(al) != len(bv) {
				return
			}
			for i := range bv {
				walk(refAppendStep(path, i), bv[i], al[i], refChild(bSens, i), refChild(aSens, i))
			}
		case json.Number:
			an, ok := a.(json.Number)
			if !ok {
				return
			}
			before, err1 := bv.Float64()
			after, err2 := an.Float64()
			if err1 != nil || err2 != nil || before == 0 || after == 0 || (before < 0) != (after < 0) {
				return
			}
			ratio := after / before
			attr := formatPath(refToPathSteps(path))
			switch {
			case ratio >= rules.GrowthFactor:
				out = append(out, Finding{Severity: SeverityHigh, Rule: RuleNumericJump, Address: c.Address, Attribute: attr,
					Message: fmt.Sprintf("%s grows from %s to %s (%sx) on %s; check for a typo", attr, bv, an, ratioText(ratio), c.Address)})
			case ratio <= 1/rules.GrowthFactor:
				out = append(out, Finding{Severity: SeverityHigh, Rule: RuleNumericJump, Address: c.Address, Attribute: attr,
					Message: fmt.Sprintf("%s shrinks from %s to %s (%sx smaller) on %s; check for a typo", attr, bv, an, ratioText(1/ratio), c.Address)})
			}
		}
	}
	walk(nil, v.before, v.after, v.beforeSensitive, v.afterSensitive)
	return out
}
