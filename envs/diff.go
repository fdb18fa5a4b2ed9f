package envs

import (
	"bytes"
	"encoding/json"
	"fmt"
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

// differ computes attribute diffs, change after change: its buffers are
// reused, so one differ serves one goroutine.
type differ struct {
	opts      DiffOptions
	secrets   secretCache
	tree      valueTree
	replace   [][]any
	pending   []pendingDiff
	unchanged int
	path      []step // where the walk is
	text      []byte // the rows' text, made one string per change
	// lcs, dels, adds and pairs are listLCS's, reused.
	lcs        []int32
	dels, adds []int32
	pairs      []pair
}

// pendingDiff is an AttrDiff whose texts are spans of differ.text.
type pendingDiff struct {
	path, before, after span
	kind                DiffKind
	unknown, sensitive  bool
	forces              bool
}

// span is text[lo:hi] of a differ, or one of the constant texts.
type span struct{ lo, hi int32 }

var (
	spanMasked  = span{-1, -1}
	spanUnknown = span{-2, -2}
)

func newDiffer(opts DiffOptions, secrets secretCache) *differ {
	if opts.SecretNames == nil {
		opts.SecretNames = DefaultSecretNames
	}
	return &differ{opts: opts, secrets: secrets}
}

// markNothing is how most mirrors read: an empty object, an empty list or
// false mark nothing, which the walk reads the same as no mirror.
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
	return newDiffer(opts, secretCache{}).diff(c, nil)
}

// changeValues are the roots of a change's values in a valueTree.
type changeValues struct {
	before, after, unknown, beforeSensitive, afterSensitive int32
}

// values decodes the change's values into t, which is reset first.
func (c *Change) values(t *valueTree) (changeValues, error) {
	t.reset()
	v := changeValues{absent, absent, absent, absent, absent}
	var err error
	if v.before, err = t.parse(c.before); err != nil {
		return v, fmt.Errorf("%s: change.before: %w", c.Address, err)
	}
	if v.after, err = t.parse(c.after); err != nil {
		return v, fmt.Errorf("%s: change.after: %w", c.Address, err)
	}
	if v.unknown, err = t.parseMirror(c.afterUnknown); err != nil {
		return v, fmt.Errorf("%s: change.after_unknown: %w", c.Address, err)
	}
	if v.beforeSensitive, err = t.parseMirror(c.beforeSensitive); err != nil {
		return v, fmt.Errorf("%s: change.before_sensitive: %w", c.Address, err)
	}
	if v.afterSensitive, err = t.parseMirror(c.afterSensitive); err != nil {
		return v, fmt.Errorf("%s: change.after_sensitive: %w", c.Address, err)
	}
	return v, nil
}

// diff appends the change's attribute diffs to out and returns it with the
// number of unchanged attributes left out.
func (w *differ) diff(c *Change, out []AttrDiff) ([]AttrDiff, int, error) {
	v, err := c.values(&w.tree)
	if err != nil {
		return out, 0, err
	}
	w.replace, w.pending, w.unchanged, w.path, w.text = c.ReplacePaths, w.pending[:0], 0, w.path[:0], w.text[:0]
	w.walk(v.before, v.after, v.unknown, v.beforeSensitive, v.afterSensitive, false)
	if len(w.pending) == 0 {
		return out, w.unchanged, nil
	}
	text := string(w.text)
	at := func(s span) string {
		switch s {
		case spanMasked:
			return Masked
		case spanUnknown:
			return Unknown
		}
		return text[s.lo:s.hi]
	}
	out = slices.Grow(out, len(w.pending))
	for _, d := range w.pending {
		out = append(out, AttrDiff{Path: at(d.path), Kind: d.kind, Before: at(d.before), After: at(d.after),
			Unknown: d.unknown, Sensitive: d.sensitive, ForcesReplacement: d.forces})
	}
	return out, w.unchanged, nil
}

// step is one step of a path: an object key, or a list index when index is
// not negative.
type step struct {
	key   []byte
	index int
}

// into walks a child: the path is extended for the call and restored.
func (w *differ) into(s step, b, a, unknown, bSens, aSens int32, secret bool) {
	w.path = append(w.path, s)
	w.walk(b, a, unknown, bSens, aSens, secret)
	w.path = w.path[:len(w.path)-1]
}

func key(k []byte) step { return step{key: k, index: -1} }
func index(i int) step  { return step{index: i} }

// appendPath formats a path as formatPath does: a.b[0]["c d"].
func appendPath(b []byte, path []step) []byte {
	start := len(b)
	for _, s := range path {
		switch {
		case s.index >= 0:
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(s.index), 10)
			b = append(b, ']')
		case !identifier(s.key):
			b = append(b, '[')
			b = strconv.AppendQuote(b, string(s.key))
			b = append(b, ']')
		default:
			if len(b) > start {
				b = append(b, '.')
			}
			b = append(b, s.key...)
		}
	}
	return b
}

// pathText writes the current path into the text.
func (w *differ) pathText() span {
	lo := len(w.text)
	w.text = appendPath(w.text, w.path)
	return span{int32(lo), int32(len(w.text))}
}

// lastKey is the nearest object key of a path.
func lastKey(path []step) ([]byte, bool) {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i].index < 0 {
			return path[i].key, true
		}
	}
	return nil, false
}

// walk diffs value b (before) against a (after); absent is no value.
// unknown, bSens and aSens are the mirrors at the same place.
func (w *differ) walk(b, a, unknown, bSens, aSens int32, secret bool) {
	t := &w.tree
	if k, ok := lastKey(w.path); ok && w.secrets.match(w.opts.SecretNames, k) {
		secret = true
	}
	hasB, hasA := b >= 0, a >= 0
	if unknown == markedAll {
		d := pendingDiff{path: w.pathText(), unknown: true, after: spanUnknown, kind: DiffAdded, forces: w.forces()}
		if hasB {
			hidden := secret || t.marks(bSens)
			d.kind, d.before, d.sensitive = DiffChanged, w.render(b, hidden), hidden
		}
		w.pending = append(w.pending, d)
		return
	}
	kb, ka := t.kind(b), t.kind(a)
	bIsMap, aIsMap := kb == kindObject, ka == kindObject
	// A name says secret only of text: true/false and numbers named like
	// get_password_data or token_ttl are not secrets.
	if bSens == markedAll || aSens == markedAll || (secret && !(plainScalar(kb) && plainScalar(ka))) {
		// A whole resource marked sensitive is shown attribute by
		// attribute, each masked (the marks cover every child), so that
		// no row has an empty path.
		if len(w.path) > 0 || !(bIsMap || aIsMap) {
			w.masked(b, a)
			return
		}
	}
	switch {
	case bIsMap && aIsMap, bIsMap && !hasA, aIsMap && !hasB:
		w.members(b, a, unknown, bSens, aSens, secret)
		return
	}
	bIsList, aIsList := kb == kindArray, ka == kindArray
	switch {
	case bIsList && aIsList && !t.marks(unknown):
		w.listLCS(b, a, bSens, aSens)
		return
	case bIsList && aIsList, bIsList && !hasA, aIsList && !hasB:
		var bn, an int32
		if hasB {
			bn = t.nodes[b].n
		}
		if hasA {
			an = t.nodes[a].n
		}
		n := max(bn, an)
		if n == 0 {
			w.leaf(b, a, bSens, aSens)
			return
		}
		for i := int32(0); i < n; i++ {
			bv, av := absent, absent
			if i < bn {
				bv = t.ref(t.nodes[b].first + i)
			}
			if i < an {
				av = t.ref(t.nodes[a].first + i)
			}
			w.into(index(int(i)), bv, av, t.childIndex(unknown, int(i)), t.childIndex(bSens, int(i)), t.childIndex(aSens, int(i)), secret)
		}
		return
	}
	w.leaf(b, a, bSens, aSens)
}

// members walks the members of objects b and a in key order, and the
// attributes only after_unknown names.
func (w *differ) members(b, a, unknown, bSens, aSens int32, secret bool) {
	t := &w.tree
	var bi, bEnd, ai, aEnd, ui, uEnd int32
	if b >= 0 {
		bi, bEnd = t.nodes[b].first, t.nodes[b].first+t.nodes[b].n
	}
	if a >= 0 {
		ai, aEnd = t.nodes[a].first, t.nodes[a].first+t.nodes[a].n
	}
	if unknown >= 0 && t.nodes[unknown].kind == kindObject {
		ui, uEnd = t.nodes[unknown].first, t.nodes[unknown].first+t.nodes[unknown].n
	}
	walked := false
	for {
		for ui < uEnd && t.nodes[ui].kind != kindTrue {
			ui++
		}
		var k []byte
		found := false
		for _, next := range [3]struct{ i, end int32 }{{bi, bEnd}, {ai, aEnd}, {ui, uEnd}} {
			if next.i < next.end && (!found || bytes.Compare(t.key(next.i), k) < 0) {
				k, found = t.key(next.i), true
			}
		}
		if !found {
			break
		}
		bv, av := absent, absent
		if bi < bEnd && bytes.Equal(t.key(bi), k) {
			bv = t.ref(bi)
			bi++
		}
		if ai < aEnd && bytes.Equal(t.key(ai), k) {
			av = t.ref(ai)
			ai++
		}
		if ui < uEnd && bytes.Equal(t.key(ui), k) {
			ui++
		}
		walked = true
		w.into(key(k), bv, av, t.childKey(unknown, k), t.childKey(bSens, k), t.childKey(aSens, k), secret)
	}
	if !walked {
		if len(w.path) == 0 {
			return // a resource with no attributes ({}), sensitive or not
		}
		w.leaf(b, a, bSens, aSens)
	}
}

// leaf compares two values that are not walked into further. A value shown
// whole is masked when anything inside it is marked sensitive.
func (w *differ) leaf(b, a, bSens, aSens int32) {
	t := &w.tree
	hasB, hasA := b >= 0, a >= 0
	if !hasB && !hasA {
		return
	}
	if hasB && hasA && !w.opts.Unchanged && t.equal(a, b) {
		w.unchanged++
		return
	}
	d := pendingDiff{path: w.pathText(), forces: w.forces()}
	bMarked, aMarked := t.marks(bSens), t.marks(aSens)
	d.sensitive = bMarked || aMarked
	switch {
	case !hasB:
		d.kind, d.after, d.sensitive = DiffAdded, w.render(a, aMarked), aMarked
	case !hasA:
		d.kind, d.before, d.sensitive = DiffRemoved, w.render(b, bMarked), bMarked
	case d.sensitive:
		// Show a changed value whole only when neither side is marked.
		d.kind, d.before, d.after = DiffChanged, spanMasked, spanMasked
		if t.equal(a, b) {
			w.unchanged++
			d.kind = DiffUnchanged
		}
	case t.equal(a, b):
		w.unchanged++
		d.kind, d.before, d.after = DiffUnchanged, w.render(b, false), w.render(a, false)
	default:
		d.kind, d.before, d.after = DiffChanged, w.render(b, false), w.render(a, false)
	}
	w.pending = append(w.pending, d)
}

// masked records a sensitive value: whether it changed, never what it is.
func (w *differ) masked(b, a int32) {
	t := &w.tree
	hasB, hasA := b >= 0, a >= 0
	if !hasB && !hasA {
		return
	}
	if hasB && hasA && !w.opts.Unchanged && t.equal(a, b) {
		w.unchanged++
		return
	}
	d := pendingDiff{path: w.pathText(), sensitive: true, forces: w.forces()}
	switch {
	case !hasB:
		d.kind, d.after = DiffAdded, spanMasked
	case !hasA:
		d.kind, d.before = DiffRemoved, spanMasked
	case t.equal(a, b):
		w.unchanged++
		d.kind, d.before, d.after = DiffUnchanged, spanMasked, spanMasked
	default:
		d.kind, d.before, d.after = DiffChanged, spanMasked, spanMasked
	}
	w.pending = append(w.pending, d)
}

// listLCS diffs two lists as sequences of whole elements, so an element
// inserted at the front shows as one addition, not as every element
// changing, and a rule removed from a set of rules (which plan JSON writes
// as a list, in an order of its own) as that rule removed, not as the
// others shifting into its place.
//
// The alignment is made first, into w.pairs, and walked after: walking an
// element may align a list inside it, which reuses w.lcs, w.dels and
// w.adds and stacks its own pairs above this list's.
func (w *differ) listLCS(b, a, bSens, aSens int32) {
	t := &w.tree
	bFirst, aFirst := t.nodes[b].first, t.nodes[a].first
	n, m := int(t.nodes[b].n), int(t.nodes[a].n)
	bAt := func(i int) int32 { return t.ref(bFirst + int32(i)) }
	aAt := func(j int) int32 { return t.ref(aFirst + int32(j)) }
	base := len(w.pairs)
	if n*m > 1_000_000 { // too large to align: compare by position
		for i := 0; i < max(n, m); i++ {
			p := pair{b: -1, a: -1}
			if i < n {
				p.b = int32(i)
			}
			if i < m {
				p.a = int32(i)
			}
			w.pairs = append(w.pairs, p)
		}
	} else {
		w.align(n, m, bAt, aAt)
	}
	for k := base; k < len(w.pairs); k++ {
		p := w.pairs[k]
		// The path names the element after, or before when it is gone.
		at := p.a
		if at < 0 {
			at = p.b
		}
		bv, av, bs, as := absent, absent, absent, absent
		if p.b >= 0 {
			bv, bs = bAt(int(p.b)), t.childIndex(bSens, int(p.b))
		}
		if p.a >= 0 {
			av, as = aAt(int(p.a)), t.childIndex(aSens, int(p.a))
		}
		w.into(index(int(at)), bv, av, absent, bs, as, false)
	}
	w.pairs = w.pairs[:base]
}

// pair is one step of a list's alignment: the indexes of an element
// before and after, -1 where it has none.
type pair struct{ b, a int32 }

// align appends the alignment of before's n and after's m elements to
// w.pairs, by their longest common subsequence; between two matches,
// removed and added elements pair into changes, so ["16"] → ["17"] reads
// as one change.
func (w *differ) align(n, m int, bAt, aAt func(int) int32) {
	t := &w.tree
	cols := m + 1
	w.lcs = slices.Grow(w.lcs[:0], (n+1)*cols)[:(n+1)*cols]
	lcs := w.lcs
	clear(lcs[n*cols:])
	for i := n - 1; i >= 0; i-- {
		lcs[i*cols+m] = 0
		for j := m - 1; j >= 0; j-- {
			if t.equal(bAt(i), aAt(j)) {
				lcs[i*cols+j] = lcs[(i+1)*cols+j+1] + 1
			} else {
				lcs[i*cols+j] = max(lcs[(i+1)*cols+j], lcs[i*cols+j+1])
			}
		}
	}
	dels, adds := w.dels[:0], w.adds[:0]
	flush := func() {
		for x := 0; x < max(len(dels), len(adds)); x++ {
			p := pair{b: -1, a: -1}
			if x < len(dels) {
				p.b = dels[x]
			}
			if x < len(adds) {
				p.a = adds[x]
			}
			w.pairs = append(w.pairs, p)
		}
		dels, adds = dels[:0], adds[:0]
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && t.equal(bAt(i), aAt(j)):
			flush()
			w.pairs = append(w.pairs, pair{b: int32(i), a: int32(j)})
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i*cols+j+1] >= lcs[(i+1)*cols+j]):
			adds = append(adds, int32(j))
			j++
		default:
			dels = append(dels, int32(i))
			i++
		}
	}
	flush()
	w.dels, w.adds = dels, adds
}

// secretCache remembers which attribute names are secrets: plans repeat the
// same few names thousands of times, and the pattern is the costly part.
type secretCache map[string]bool

func (c *secretCache) match(names *regexp.Regexp, key []byte) bool {
	if *c == nil {
		*c = secretCache{}
	}
	secret, ok := (*c)[string(key)]
	if !ok {
		k := string(key)
		secret = names.MatchString(k)
		(*c)[k] = secret
	}
	return secret
}

// plainScalar reports whether a value of kind k is a boolean, a number or
// null.
func plainScalar(k valueKind) bool {
	switch k {
	case kindNull, kindFalse, kindTrue, kindNumber:
		return true
	}
	return false
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

// samePrefixSteps reports whether a replace path is a prefix of a walk's
// steps.
func samePrefixSteps(prefix []any, path []step) bool {
	for i, s := range prefix {
		switch s := s.(type) {
		case string:
			if path[i].index >= 0 || string(path[i].key) != s {
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

// render writes a value for display into the text: strings quoted,
// composites compact.
func (w *differ) render(v int32, sensitive bool) span {
	if sensitive {
		return spanMasked
	}
	t := &w.tree
	if v >= 0 && t.nodes[v].composite() && w.containsSecretKey(v) {
		return spanMasked
	}
	lo := len(w.text)
	w.text = t.appendCompact(w.text, v)
	return span{int32(lo), int32(len(w.text))}
}

// quoteJSON quotes a string exactly as json.Marshal does (HTML characters
// escaped, invalid UTF-8 replaced), without its reflection.
func quoteJSON(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return string(appendQuoteJSON(make([]byte, 0, len(s)+8), s, true))
		}
	}
	return "\"" + s + "\""
}

// appendQuoteJSON quotes s as encoding/json does: with html, <, > and &
// escaped too (json.Marshal), without them as an Encoder with
// SetEscapeHTML(false) writes.
func appendQuoteJSON[T string | []byte](dst []byte, s T, html bool) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	safe := &jsonSafe
	if html {
		safe = &jsonHTMLSafe
	}
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if safe[c] {
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
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
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

// jsonSafe and jsonHTMLSafe say which ASCII characters a JSON string
// holds as they are, without and with HTML escaping.
var jsonSafe, jsonHTMLSafe = func() (safe, htmlSafe [utf8.RuneSelf]bool) {
	for c := range utf8.RuneSelf {
		safe[c] = c >= 0x20 && c != '"' && c != '\\'
		htmlSafe[c] = safe[c] && c != '<' && c != '>' && c != '&'
	}
	return safe, htmlSafe
}()

// containsSecretKey reports whether a composite value holds a key whose name
// says it is a secret; such values are never shown whole.
func (w *differ) containsSecretKey(v int32) bool {
	t := &w.tree
	n := &t.nodes[v]
	for c := n.first; c < n.first+n.n; c++ {
		if n.kind == kindObject && w.secrets.match(w.opts.SecretNames, t.key(c)) {
			return true
		}
		if t.nodes[c].composite() && w.containsSecretKey(c) {
			return true
		}
	}
	return false
}
