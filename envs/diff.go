package envs

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"unicode/utf8"
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

// markNothing is how most mirrors read: an empty object, an empty list or
// false mark nothing, which the walk reads the same as no mirror (nil).
func markNothing(raw []byte) bool {
	switch string(raw) {
	case "{}", "[]", "false":
		return true
	}
	return false
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
	w.walk(v.before, v.after, v.hasBefore, v.hasAfter, v.unknown, v.beforeSensitive, v.afterSensitive, false)
	return w.out, w.unchanged, nil
}

type differ struct {
	opts      DiffOptions
	secrets   secretCache
	replace   [][]any
	out       []AttrDiff
	unchanged int
	path      []step // where the walk is
	text      []byte // room to format a path in
}

// step is one step of a path: an object key, or a list index when index is
// not negative.
type step struct {
	key   string
	index int
}

// into walks a child: the path is extended for the call and restored.
func (w *differ) into(s step, b, a any, hasB, hasA bool, unknown, bSens, aSens any, secret bool) {
	w.path = append(w.path, s)
	w.walk(b, a, hasB, hasA, unknown, bSens, aSens, secret)
	w.path = w.path[:len(w.path)-1]
}

func key(k string) step { return step{key: k, index: -1} }
func index(i int) step  { return step{index: i} }

// pathText formats the current path as formatPath does: a.b[0]["c d"].
func (w *differ) pathText() string {
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
func (w *differ) lastKey() (string, bool) {
	for i := len(w.path) - 1; i >= 0; i-- {
		if w.path[i].index < 0 {
			return w.path[i].key, true
		}
	}
	return "", false
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

func (w *differ) walk(b, a any, hasB, hasA bool, unknown, bSens, aSens any, secret bool) {
	if k, ok := w.lastKey(); ok && w.secrets.match(w.opts.SecretNames, k) {
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
			hidden := secret || anyTrue(bSens)
			d.Kind, d.Before, d.Sensitive = DiffChanged, w.render(b, hidden), hidden
		}
		w.out = append(w.out, d)
		return
	}
	// A name says secret only of text: true/false and numbers named like
	// get_password_data or token_ttl are not secrets.
	bm, bIsMap := b.(map[string]any)
	am, aIsMap := a.(map[string]any)
	if bSens == true || aSens == true || (secret && !(plainScalar(b) && plainScalar(a))) {
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
			if len(w.path) == 0 && (bSens == true || aSens == true) {
				return // a whole resource marked sensitive, with no attributes
			}
			w.leaf(b, a, hasB, hasA, bSens, aSens)
			return
		}
		for _, k := range keys {
			bv, inB := bm[k]
			av, inA := am[k]
			w.into(key(k), bv, av, inB && hasB, inA && hasA, child(unknown, k), child(bSens, k), child(aSens, k), secret)
		}
		return
	}
	bl, bIsList := b.([]any)
	al, aIsList := a.([]any)
	switch {
	case bIsList && aIsList && scalars(bl) && scalars(al) && !anyTrue(unknown):
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
			w.into(index(i), bv, av, inB && hasB, inA && hasA, child(unknown, i), child(bSens, i), child(aSens, i), secret)
		}
		return
	}
	w.leaf(b, a, hasB, hasA, bSens, aSens)
}

// leaf compares two values that are not walked into further. A value shown
// whole is masked when anything inside it is marked sensitive.
func (w *differ) leaf(b, a any, hasB, hasA bool, bSens, aSens any) {
	if !hasB && !hasA {
		return
	}
	if hasB && hasA && !w.opts.Unchanged && equal(a, b) {
		w.unchanged++
		return
	}
	d := AttrDiff{Path: w.pathText(), ForcesReplacement: w.forces()}
	before := func() string { return w.render(b, anyTrue(bSens)) }
	after := func() string { return w.render(a, anyTrue(aSens)) }
	d.Sensitive = anyTrue(bSens) || anyTrue(aSens)
	switch {
	case !hasB:
		d.Kind, d.After, d.Sensitive = DiffAdded, after(), anyTrue(aSens)
	case !hasA:
		d.Kind, d.Before, d.Sensitive = DiffRemoved, before(), anyTrue(bSens)
	case equal(a, b):
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
func (w *differ) masked(b, a any, hasB, hasA bool) {
	if !hasB && !hasA {
		return
	}
	if hasB && hasA && !w.opts.Unchanged && equal(a, b) {
		w.unchanged++
		return
	}
	d := AttrDiff{Path: w.pathText(), Sensitive: true, ForcesReplacement: w.forces()}
	switch {
	case !hasB:
		d.Kind, d.After = DiffAdded, Masked
	case !hasA:
		d.Kind, d.Before = DiffRemoved, Masked
	case equal(a, b):
		w.unchanged++
		d.Kind, d.Before, d.After = DiffUnchanged, Masked, Masked
	default:
		d.Kind, d.Before, d.After = DiffChanged, Masked, Masked
	}
	w.out = append(w.out, d)
}

// listLCS diffs two lists of scalars as sequences, so an element inserted at
// the front shows as one addition, not as every element changing.
func (w *differ) listLCS(b, a []any, bSens, aSens any) {
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
			w.into(index(i), bv, av, i < n, i < m, nil, child(bSens, i), child(aSens, i), false)
		}
		return
	}
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if equal(b[i], a[j]) {
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
				w.into(index(adds[x]), b[dels[x]], a[adds[x]], true, true, nil, child(bSens, dels[x]), child(aSens, adds[x]), false)
			case x < len(dels):
				w.into(index(dels[x]), b[dels[x]], nil, true, false, nil, child(bSens, dels[x]), nil, false)
			default:
				w.into(index(adds[x]), nil, a[adds[x]], false, true, nil, nil, child(aSens, adds[x]), false)
			}
		}
		dels, adds = dels[:0], adds[:0]
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && equal(b[i], a[j]):
			flush()
			w.into(index(j), b[i], a[j], true, true, nil, child(bSens, i), child(aSens, j), false)
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
func (w *differ) forces() bool {
	for _, rp := range w.replace {
		if len(rp) <= len(w.path) && samePrefixSteps(rp, w.path) {
			return true
		}
	}
	return false
}

// samePrefixSteps is samePrefix for a walk's steps.
func samePrefixSteps(prefix []any, path []step) bool {
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

// equal reports whether two decoded values are the same, as
// reflect.DeepEqual does for them, without reflection.
func equal(a, b any) bool {
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
			if !ok || !equal(v, bv) {
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
			if !equal(a[i], bl[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
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

// quoteJSON quotes a string exactly as json.Marshal does (HTML characters
// escaped, invalid UTF-8 replaced), without its reflection.
func quoteJSON(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return string(appendQuoteJSON(make([]byte, 0, len(s)+8), s))
		}
	}
	return "\"" + s + "\""
}

func appendQuoteJSON(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
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
