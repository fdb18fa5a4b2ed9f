package envs

import (
	"bytes"
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
// children of a container are nodes[first : first+n].
type valueNode struct {
	key []byte // the member's key, decoded, when the node is in an object
	// text is a number's literal, or a string: its JSON text, quotes
	// included, when plain, else its decoded text.
	text     []byte
	first, n int32
	kind     valueKind
	plain    bool // a string written as quoteJSON writes it, with no escape
	marks    bool // true, or a container with true somewhere inside (a mirror's marks)
}

// str is a string node's decoded text.
func (n *valueNode) str() []byte {
	if n.plain {
		return n.text[1 : len(n.text)-1]
	}
	return n.text
}

// composite reports whether the node is an object or an array.
func (n *valueNode) composite() bool { return n.kind == kindObject || n.kind == kindArray }

// valueTree holds the decoded values of one change, flat, so that the
// diff and the review walk them without a map or an allocation per value.
// Text points into the raw JSON; only strings with escapes are copied.
// A tree is reused from change to change (reset).
type valueTree struct {
	nodes []valueNode
	stack []valueNode // the members of the containers being read
}

// Node references in a tree: an index into nodes, or one of these.
const (
	absent    int32 = -1 // no value, or null
	markedAll int32 = -2 // a mirror's true: everything below is marked
)

func (t *valueTree) reset() { t.nodes, t.stack = t.nodes[:0], t.stack[:0] }

// parse decodes raw into the tree and returns its root: absent for an
// empty or null value.
func (t *valueTree) parse(raw []byte) (int32, error) {
	if bytesNull(raw) {
		return absent, nil
	}
	p := &jsonParser{data: raw}
	root, err := t.value(p)
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

// value reads one value; a container's members are placed in nodes, the
// value itself is for the caller to place.
func (t *valueTree) value(p *jsonParser) (valueNode, error) {
	switch c := p.peek(); {
	case c == '{':
		return t.object(p)
	case c == '[':
		return t.array(p)
	case c == '"':
		text, plain, err := t.str(p)
		return valueNode{kind: kindString, text: text, plain: plain}, err
	case c == 't':
		return valueNode{kind: kindTrue, marks: true}, p.literal("true")
	case c == 'f':
		return valueNode{kind: kindFalse}, p.literal("false")
	case c == 'n':
		return valueNode{kind: kindNull}, p.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		start := p.pos
		err := p.skipNumber()
		return valueNode{kind: kindNumber, text: p.data[start:p.pos]}, err
	}
	return valueNode{}, p.syntax("looking for beginning of value")
}

func (t *valueTree) object(p *jsonParser) (valueNode, error) {
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
		key, plain, err := t.str(p)
		if err != nil {
			return valueNode{}, err
		}
		if plain {
			key = key[1 : len(key)-1]
		}
		if p.peek() != ':' {
			return valueNode{}, p.syntax("after object key")
		}
		p.pos++
		if p.peek() == 0 {
			return valueNode{}, p.syntax("looking for beginning of value")
		}
		v, err := t.value(p)
		if err != nil {
			return valueNode{}, err
		}
		v.key = key
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

func (t *valueTree) array(p *jsonParser) (valueNode, error) {
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
		v, err := t.value(p)
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
		members = sortMembers(members)
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
func sortMembers(m []valueNode) []valueNode {
	sorted := true
	for i := 1; i < len(m); i++ {
		if bytes.Compare(m[i-1].key, m[i].key) >= 0 {
			sorted = false
			break
		}
	}
	if sorted {
		return m
	}
	for i := 1; i < len(m); i++ { // insertion sort: stable, and objects are small
		for j := i; j > 0 && bytes.Compare(m[j-1].key, m[j].key) > 0; j-- {
			m[j-1], m[j] = m[j], m[j-1]
		}
	}
	out := m[:0]
	for i := range m {
		if i+1 < len(m) && bytes.Equal(m[i].key, m[i+1].key) {
			continue // a later member has the same key
		}
		out = append(out, m[i])
	}
	return out
}

// str reads a string: its JSON text, quotes included, when it is plain
// (what quoteJSON writes for it), else its decoded text.
func (t *valueTree) str(p *jsonParser) ([]byte, bool, error) {
	start := p.pos
	d := p.data
	i := start + 1
	for ; i < len(d); i++ {
		c := d[i]
		if c == '"' {
			p.pos = i + 1
			return d[start : i+1], true, nil
		}
		if c < 0x20 || c >= utf8.RuneSelf || c == '\\' || c == '<' || c == '>' || c == '&' {
			break
		}
	}
	// No escape and valid UTF-8: the text is the input's.
	for j := i; j < len(d); j++ {
		c := d[j]
		if c == '"' {
			if utf8.Valid(d[start+1 : j]) {
				p.pos = j + 1
				return d[start+1 : j], false, nil
			}
			break
		}
		if c < 0x20 || c == '\\' {
			break
		}
	}
	s, err := p.str()
	return []byte(s), false, err
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
		switch c := bytes.Compare(t.nodes[mid].key, k); {
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
		return bytes.Equal(t.nodes[a].text, t.nodes[b].text)
	case kindString:
		return bytes.Equal(t.nodes[a].str(), t.nodes[b].str())
	case kindObject, kindArray:
		na, nb := &t.nodes[a], &t.nodes[b]
		if na.n != nb.n {
			return false
		}
		for i := int32(0); i < na.n; i++ {
			ca, cb := na.first+i, nb.first+i
			if ka == kindObject && !bytes.Equal(t.nodes[ca].key, t.nodes[cb].key) {
				return false
			}
			if !t.equal(ca, cb) {
				return false
			}
		}
	}
	return true
}

// scalars reports whether array node i holds no object or array.
func (t *valueTree) scalars(i int32) bool {
	n := &t.nodes[i]
	for c := n.first; c < n.first+n.n; c++ {
		if t.nodes[c].composite() {
			return false
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
		return append(dst, n.text...)
	case kindString:
		if n.plain {
			return append(dst, n.text...)
		}
		return appendQuoteJSON(dst, n.text, true)
	case kindObject:
		dst = append(dst, '{')
		for c := n.first; c < n.first+n.n; c++ {
			if c > n.first {
				dst = append(dst, ',')
			}
			dst = appendQuoteJSON(dst, t.nodes[c].key, true)
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
