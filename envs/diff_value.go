package envs

import (
	"bytes"
	"errors"
	"unicode/utf8"
)

// valueKind is the JSON type of a value in a valueTree.
type valueKind uint8

const (
	kindNull valueKind = iota
	kindFalse
	kindTrue
	kindNumber
	kindString
	kindObject
	kindArray
)

// valueNode is one value of a valueTree. Object members are in key order,
// each key once (the last one wins, as when decoding into a map); the
// children of a container are nodes[first : first+n]. A node holds no
// pointer, so that the collector need not look into the tree: its key and
// text are offsets into one of the tree's sources.
type valueNode struct {
	keyLo, keyHi int32 // the member's key, decoded, when the node is in an object
	// lo and hi locate a number's literal, or a string: its JSON text,
	// quotes included, when plain, else its decoded text.
	lo, hi      int32
	first, n    int32
	kind        valueKind
	keySrc, src uint8 // 0: the tree's decoded text, i: its i-th raw value
	plain       bool  // a string written as quoteJSON writes it, with no escape
	marks       bool  // true, or a container with true somewhere inside (a mirror's marks)
}

// composite reports whether the node is an object or an array.
func (n *valueNode) composite() bool { return n.kind == kindObject || n.kind == kindArray }

// valueTree holds the decoded values of one change, flat, so that the
// diff and the review walk them without a map or an allocation per value.
// Text stays in the raw JSON; only strings with escapes are decoded, into
// dec. A tree is reused from change to change (reset).
type valueTree struct {
	nodes []valueNode
	stack []valueNode // the members of the containers being read
	raws  [][]byte    // the raw values read, sources 1 to len(raws)
	dec   []byte      // decoded strings, source 0
}

// bytes is text of a source.
func (t *valueTree) bytes(src uint8, lo, hi int32) []byte {
	if src == 0 {
		return t.dec[lo:hi]
	}
	return t.raws[src-1][lo:hi]
}

// key is the key of member i.
func (t *valueTree) key(i int32) []byte {
	n := &t.nodes[i]
	return t.bytes(n.keySrc, n.keyLo, n.keyHi)
}

// text is the text of node i: a number's literal, a string's JSON text
// when plain, else its decoded text.
func (t *valueTree) text(i int32) []byte {
	n := &t.nodes[i]
	return t.bytes(n.src, n.lo, n.hi)
}

// str is the decoded text of string node i.
func (t *valueTree) str(i int32) []byte {
	n := &t.nodes[i]
	if n.plain {
		return t.bytes(n.src, n.lo+1, n.hi-1)
	}
	return t.bytes(n.src, n.lo, n.hi)
}

// Node references in a tree: an index into nodes, or one of these.
const (
	absent    int32 = -1 // no value, or null
	markedAll int32 = -2 // a mirror's true: everything below is marked
)

func (t *valueTree) reset() {
	clear(t.raws) // let go of the last change's values
	t.nodes, t.stack, t.raws, t.dec = t.nodes[:0], t.stack[:0], t.raws[:0], t.dec[:0]
}

// parse decodes raw into the tree and returns its root: absent for an
// empty or null value.
func (t *valueTree) parse(raw []byte) (int32, error) {
	if bytesNull(raw) {
		return absent, nil
	}
	if len(t.raws) == 255 {
		return absent, errors.New("too many values in one tree")
	}
	t.raws = append(t.raws, raw)
	p := &jsonParser{data: raw}
	root, err := t.value(p, uint8(len(t.raws)))
	if err != nil {
		return absent, err
	}
	if p.peek() != 0 {
		return absent, p.syntax("after top-level value")
	}
	if root.kind == kindNull {
		return absent, nil
	}
	t.nodes = append(t.nodes, root)
	return int32(len(t.nodes) - 1), nil
}

// parseMirror decodes an after_unknown or *_sensitive mirror and returns
// its root as the walks read it (mirror).
func (t *valueTree) parseMirror(raw []byte) (int32, error) {
	if markNothing(raw) {
		return absent, nil
	}
	root, err := t.parse(raw)
	if err != nil {
		return absent, err
	}
	return t.mirror(root), nil
}

// value reads one value of source src; a container's members are placed
// in nodes, the value itself is for the caller to place.
func (t *valueTree) value(p *jsonParser, src uint8) (valueNode, error) {
	switch c := p.peek(); {
	case c == '{':
		return t.object(p, src)
	case c == '[':
		return t.array(p, src)
	case c == '"':
		n := valueNode{kind: kindString}
		var err error
		n.src, n.lo, n.hi, n.plain, err = t.string(p, src)
		return n, err
	case c == 't':
		return valueNode{kind: kindTrue, marks: true}, p.literal("true")
	case c == 'f':
		return valueNode{kind: kindFalse}, p.literal("false")
	case c == 'n':
		return valueNode{kind: kindNull}, p.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		start := p.pos
		err := p.skipNumber()
		return valueNode{kind: kindNumber, src: src, lo: int32(start), hi: int32(p.pos)}, err
	}
	return valueNode{}, p.syntax("looking for beginning of value")
}

func (t *valueTree) object(p *jsonParser, src uint8) (valueNode, error) {
	p.pos++ // {
	mark := len(t.stack)
	if p.peek() == '}' {
		p.pos++
		return valueNode{kind: kindObject, first: int32(len(t.nodes))}, nil
	}
	for {
		if p.peek() != '"' {
			return valueNode{}, p.syntax("looking for beginning of object key string")
		}
		keySrc, keyLo, keyHi, plain, err := t.string(p, src)
		if err != nil {
			return valueNode{}, err
		}
		if plain {
			keyLo, keyHi = keyLo+1, keyHi-1
		}
		if p.peek() != ':' {
			return valueNode{}, p.syntax("after object key")
		}
		p.pos++
		if p.peek() == 0 {
			return valueNode{}, p.syntax("looking for beginning of value")
		}
		v, err := t.value(p, src)
		if err != nil {
			return valueNode{}, err
		}
		v.keySrc, v.keyLo, v.keyHi = keySrc, keyLo, keyHi
		t.stack = append(t.stack, v)
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return t.place(kindObject, mark), nil
		default:
			return valueNode{}, p.syntax("after object key:value pair")
		}
	}
}

func (t *valueTree) array(p *jsonParser, src uint8) (valueNode, error) {
	p.pos++ // [
	mark := len(t.stack)
	if p.peek() == ']' {
		p.pos++
		return valueNode{kind: kindArray, first: int32(len(t.nodes))}, nil
	}
	for {
		if p.peek() == 0 {
			return valueNode{}, p.syntax("looking for beginning of value")
		}
		v, err := t.value(p, src)
		if err != nil {
			return valueNode{}, err
		}
		t.stack = append(t.stack, v)
		switch p.peek() {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return t.place(kindArray, mark), nil
		default:
			return valueNode{}, p.syntax("after array element")
		}
	}
}

// place moves the members read since mark into nodes, an object's in key
// order with each key once, and returns their container.
func (t *valueTree) place(kind valueKind, mark int) valueNode {
	members := t.stack[mark:]
	if kind == kindObject {
		members = t.sortMembers(members)
	}
	c := valueNode{kind: kind, first: int32(len(t.nodes)), n: int32(len(members))}
	for i := range members {
		c.marks = c.marks || members[i].marks
	}
	t.nodes = append(t.nodes, members...)
	t.stack = t.stack[:mark]
	return c
}

// sortMembers orders an object's members by key (Terraform writes them in
// order already) and keeps the last of members with the same key.
func (t *valueTree) sortMembers(m []valueNode) []valueNode {
	key := func(n *valueNode) []byte { return t.bytes(n.keySrc, n.keyLo, n.keyHi) }
	sorted := true
	for i := 1; i < len(m); i++ {
		if bytes.Compare(key(&m[i-1]), key(&m[i])) >= 0 {
			sorted = false
			break
		}
	}
	if sorted {
		return m
	}
	for i := 1; i < len(m); i++ { // insertion sort: stable, and objects are small
		for j := i; j > 0 && bytes.Compare(key(&m[j-1]), key(&m[j])) > 0; j-- {
			m[j-1], m[j] = m[j], m[j-1]
		}
	}
	out := m[:0]
	for i := range m {
		if i+1 < len(m) && bytes.Equal(key(&m[i]), key(&m[i+1])) {
			continue // a later member has the same key
		}
		out = append(out, m[i])
	}
	return out
}

// string reads a string of source src and says where its text is: its
// JSON text, quotes included, when it is plain (what quoteJSON writes for
// it), else its decoded text, in the input when it has no escape and in
// dec (source 0) otherwise.
func (t *valueTree) string(p *jsonParser, src uint8) (uint8, int32, int32, bool, error) {
	start := p.pos
	d := p.data
	i := start + 1
	for ; i < len(d); i++ {
		c := d[i]
		if c == '"' {
			p.pos = i + 1
			return src, int32(start), int32(i + 1), true, nil
		}
		if c < 0x20 || c >= utf8.RuneSelf || c == '\\' || c == '<' || c == '>' || c == '&' {
			break
		}
	}
	for j := i; j < len(d); j++ {
		c := d[j]
		if c == '"' {
			if utf8.Valid(d[start+1 : j]) {
				p.pos = j + 1
				return src, int32(start + 1), int32(j), false, nil
			}
			break
		}
		if c < 0x20 || c == '\\' {
			break
		}
	}
	lo := len(t.dec)
	var err error
	t.dec, err = p.appendStr(t.dec)
	return 0, int32(lo), int32(len(t.dec)), false, err
}

// mirror is how the walks read a mirror node: markedAll for true, the node
// for a container, absent for anything else (false marks nothing).
func (t *valueTree) mirror(i int32) int32 {
	if i < 0 {
		return i
	}
	switch t.nodes[i].kind {
	case kindTrue:
		return markedAll
	case kindObject, kindArray:
		return i
	}
	return absent
}

// ref is a value as the walks read it: absent for null.
func (t *valueTree) ref(i int32) int32 {
	if i >= 0 && t.nodes[i].kind == kindNull {
		return absent
	}
	return i
}

// member finds the member of object node i with key k (a node index, or
// absent).
func (t *valueTree) member(i int32, k []byte) int32 {
	n := &t.nodes[i]
	lo, hi := n.first, n.first+n.n
	for lo < hi {
		mid := int32(uint32(lo+hi) >> 1)
		switch c := bytes.Compare(t.key(mid), k); {
		case c == 0:
			return mid
		case c < 0:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return absent
}

// childKey is the mirror below mirror m at key k.
func (t *valueTree) childKey(m int32, k []byte) int32 {
	if m < 0 {
		return m
	}
	if t.nodes[m].kind != kindObject {
		return absent
	}
	if c := t.member(m, k); c >= 0 {
		return t.mirror(c)
	}
	return absent
}

// childIndex is the mirror below mirror m at index i.
func (t *valueTree) childIndex(m int32, i int) int32 {
	if m < 0 {
		return m
	}
	n := &t.nodes[m]
	if n.kind != kindArray || i >= int(n.n) {
		return absent
	}
	return t.mirror(n.first + int32(i))
}

// marks reports whether mirror m marks anything.
func (t *valueTree) marks(m int32) bool {
	return m == markedAll || m >= 0 && t.nodes[m].marks
}

// kind is the kind of value i: kindNull when absent.
func (t *valueTree) kind(i int32) valueKind {
	if i < 0 {
		return kindNull
	}
	return t.nodes[i].kind
}

// equal reports whether two values are the same, as the decoded values
// compare: numbers by their text, strings by their decoded text, objects
// by their members whatever their order.
func (t *valueTree) equal(a, b int32) bool {
	ka, kb := t.kind(a), t.kind(b)
	if ka != kb {
		return false
	}
	switch ka {
	case kindNumber:
		return bytes.Equal(t.text(a), t.text(b))
	case kindString:
		return bytes.Equal(t.str(a), t.str(b))
	case kindObject, kindArray:
		na, nb := &t.nodes[a], &t.nodes[b]
		if na.n != nb.n {
			return false
		}
		for i := int32(0); i < na.n; i++ {
			ca, cb := na.first+i, nb.first+i
			if ka == kindObject && !bytes.Equal(t.key(ca), t.key(cb)) {
				return false
			}
			if !t.equal(ca, cb) {
				return false
			}
		}
	}
	return true
}

// appendCompact writes value i as json.Marshal writes the decoded value:
// compact, keys in order, HTML characters escaped.
func (t *valueTree) appendCompact(dst []byte, i int32) []byte {
	if i < 0 {
		return append(dst, "null"...)
	}
	n := &t.nodes[i]
	switch n.kind {
	case kindNull:
		return append(dst, "null"...)
	case kindTrue:
		return append(dst, "true"...)
	case kindFalse:
		return append(dst, "false"...)
	case kindNumber:
		return append(dst, t.text(i)...)
	case kindString:
		if n.plain {
			return append(dst, t.text(i)...)
		}
		return appendQuoteJSON(dst, t.text(i), true)
	case kindObject:
		dst = append(dst, '{')
		for c := n.first; c < n.first+n.n; c++ {
			if c > n.first {
				dst = append(dst, ',')
			}
			dst = appendQuoteJSON(dst, t.key(c), true)
			dst = append(dst, ':')
			dst = t.appendCompact(dst, c)
		}
		return append(dst, '}')
	}
	dst = append(dst, '[')
	for c := n.first; c < n.first+n.n; c++ {
		if c > n.first {
			dst = append(dst, ',')
		}
		dst = t.appendCompact(dst, c)
	}
	return append(dst, ']')
}
