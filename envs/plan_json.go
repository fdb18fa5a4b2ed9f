package envs

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// PlanError is a problem at a place in plan JSON: its Error text is
// "LINE:COL: message", so a caller that knows the file's name prefixes it
// as "FILE:LINE:COL: message".
type PlanError struct {
	Line, Column int    // 1-based
	Message      string // what is wrong, without the position
	// Err is what kind of problem it is: ErrInvalidJSON for a syntax error,
	// ErrNotAPlan for valid JSON that is not a plan's.
	Err error
}

// Error is "LINE:COL: message".
func (e *PlanError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Message) }

// Unwrap returns the kind of problem (ErrInvalidJSON or ErrNotAPlan).
func (e *PlanError) Unwrap() error { return e.Err }

// ErrInvalidJSON is the kind of a PlanError for input that is not JSON.
var ErrInvalidJSON = errors.New("invalid JSON")

// jsonParser reads JSON from data in one pass, without reflection: values
// become the types encoding/json gives with UseNumber (map[string]any,
// []any, string, json.Number, bool, nil), and raw values are sub-slices of
// data, not copies.
type jsonParser struct {
	data []byte
	pos  int
	keys map[string]string // object keys seen, so repeated ones share memory
	// scratch is room to check strings with escapes in.
	scratch []byte
}

// errAt is a PlanError at offset.
func (p *jsonParser) errAt(offset int, kind error, format string, args ...any) error {
	line, col := lineCol(p.data, offset)
	return &PlanError{Line: line, Column: col, Message: fmt.Sprintf(format, args...), Err: kind}
}

// syntax is the syntax error at the current position: the character there
// is not what JSON allows, or the input ends.
func (p *jsonParser) syntax(context string) error {
	if p.pos >= len(p.data) {
		// At the last character, as encoding/json placed it.
		return p.errAt(len(p.data)-1, ErrInvalidJSON, "invalid JSON: the input ends in the middle of a value (a truncated file?)")
	}
	return p.errAt(p.pos, ErrInvalidJSON, "invalid JSON: invalid character %s %s", quoteChar(p.data[p.pos]), context)
}

// quoteChar formats a byte as encoding/json's syntax errors do.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

// typeError says that the value at offset is of the wrong JSON type.
func (p *jsonParser) typeError(offset int, field, want string) error {
	return p.errAt(offset, ErrNotAPlan, "%s: want %s, got JSON %s", field, want, kindAt(p.data, offset))
}

// kindAt names the JSON type of the value starting at offset.
func kindAt(data []byte, offset int) string {
	if offset >= len(data) {
		return "nothing"
	}
	switch c := data[offset]; {
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == '"':
		return "string"
	case c == 't' || c == 'f':
		return "bool"
	case c == 'n':
		return "null"
	}
	return "number"
}

func (p *jsonParser) ws() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// peek skips white space and returns the next byte, or 0 at the end.
func (p *jsonParser) peek() byte {
	p.ws()
	if p.pos < len(p.data) {
		return p.data[p.pos]
	}
	return 0
}

// object reads an object, calling field for each key with the parser at the
// start of its value; field must consume the value.
func (p *jsonParser) object(field func(key string, start int) error) error {
	if p.peek() != '{' {
		return p.syntax("looking for beginning of object")
	}
	p.pos++
	if p.peek() == '}' {
		p.pos++
		return nil
	}
	for {
		if p.peek() != '"' {
			return p.syntax("looking for beginning of object key string")
		}
		key, err := p.key()
		if err != nil {
			return err
		}
		if p.peek() != ':' {
			return p.syntax("after object key")
		}
		p.pos++
		start := p.pos
		if p.peek() == 0 {
			return p.syntax("looking for beginning of value")
		}
		_ = start
		if err := field(key, p.pos); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return nil
		default:
			return p.syntax("after object key:value pair")
		}
	}
}

// array reads an array, calling elem for each element with the parser at
// its start; elem must consume it.
func (p *jsonParser) array(elem func(i, start int) error) error {
	if p.peek() != '[' {
		return p.syntax("looking for beginning of array")
	}
	p.pos++
	if p.peek() == ']' {
		p.pos++
		return nil
	}
	for i := 0; ; i++ {
		if p.peek() == 0 {
			return p.syntax("looking for beginning of value")
		}
		if err := elem(i, p.pos); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return nil
		default:
			return p.syntax("after array element")
		}
	}
}

// key reads an object key, sharing the memory of keys seen before.
func (p *jsonParser) key() (string, error) {
	start := p.pos + 1
	for i := start; i < len(p.data); i++ {
		c := p.data[i]
		if c == '"' {
			p.pos = i + 1
			raw := p.data[start:i]
			if k, ok := p.keys[string(raw)]; ok {
				return k, nil
			}
			k := string(raw)
			if p.keys != nil {
				p.keys[k] = k
			}
			return k, nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
	}
	return p.str()
}

// str reads a string.
func (p *jsonParser) str() (string, error) {
	start := p.pos + 1
	for i := start; i < len(p.data); i++ {
		c := p.data[i]
		if c == '"' {
			p.pos = i + 1
			return string(p.data[start:i]), nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
	}
	b, err := p.appendStr(make([]byte, 0, 64))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// appendStr reads a string and appends its decoded text to b.
func (p *jsonParser) appendStr(b []byte) ([]byte, error) {
	start := p.pos + 1
	i := start
	for i < len(p.data) {
		c := p.data[i]
		if c == '"' {
			p.pos = i + 1
			return append(b, p.data[start:i]...), nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		i++
	}
	// The slow path: escapes, control characters, UTF-8.
	b = append(b, p.data[start:i]...)
	for i < len(p.data) {
		c := p.data[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return b, nil
		case c < 0x20:
			p.pos = i
			return b, p.syntax("in string literal")
		case c == '\\':
			if i+1 >= len(p.data) {
				p.pos = len(p.data)
				return b, p.syntax("")
			}
			switch e := p.data[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
				i += 2
			case 'b':
				b, i = append(b, '\b'), i+2
			case 'f':
				b, i = append(b, '\f'), i+2
			case 'n':
				b, i = append(b, '\n'), i+2
			case 'r':
				b, i = append(b, '\r'), i+2
			case 't':
				b, i = append(b, '\t'), i+2
			case 'u':
				r, n := p.hex4(i + 2)
				if n < 0 {
					p.pos = i + 2 + (-n - 1)
					return b, p.syntax("in \\u hexadecimal character escape")
				}
				i += 6
				if utf16.IsSurrogate(r) {
					r2, n2 := rune(-1), -1
					if i+1 < len(p.data) && p.data[i] == '\\' && p.data[i+1] == 'u' {
						r2, n2 = p.hex4(i + 2)
					}
					if dec := utf16.DecodeRune(r, r2); n2 >= 0 && dec != utf8.RuneError {
						r = dec
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				p.pos = i + 1
				return b, p.syntax("in string escape code")
			}
		case c < utf8.RuneSelf:
			j := i + 1
			for j < len(p.data) && p.data[j] >= 0x20 && p.data[j] < utf8.RuneSelf && p.data[j] != '"' && p.data[j] != '\\' {
				j++
			}
			b = append(b, p.data[i:j]...)
			i = j
		default:
			r, size := utf8.DecodeRune(p.data[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, p.data[i:i+size]...)
			}
			i += size
		}
	}
	p.pos = len(p.data)
	return b, p.syntax("")
}

// hex4 decodes the four hex digits at i; n is 4, or -(k+1) when the k-th
// is not a hex digit.
func (p *jsonParser) hex4(i int) (rune, int) {
	var r rune
	for k := 0; k < 4; k++ {
		if i+k >= len(p.data) {
			return 0, -(k + 1)
		}
		c := p.data[i+k]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, -(k + 1)
		}
		r = r<<4 | rune(c)
	}
	return r, 4
}

// number reads a number as JSON spells it.
func (p *jsonParser) number() (json.Number, error) {
	start := p.pos
	if err := p.skipNumber(); err != nil {
		return "", err
	}
	return json.Number(p.data[start:p.pos]), nil
}

// skipNumber reads a number without building it.
func (p *jsonParser) skipNumber() error {
	i := p.pos
	d := p.data
	if i < len(d) && d[i] == '-' {
		i++
	}
	digits := func() bool {
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i > j
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case !digits():
		p.pos = i
		return p.syntax("in numeric literal")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if !digits() {
			p.pos = i
			return p.syntax("after decimal point in numeric literal")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digits() {
			p.pos = i
			return p.syntax("in exponent of numeric literal")
		}
	}
	p.pos = i
	return nil
}

// literal reads true, false or null.
func (p *jsonParser) literal(word string) error {
	for k := 0; k < len(word); k++ {
		if p.pos+k >= len(p.data) || p.data[p.pos+k] != word[k] {
			p.pos += k
			return p.syntax("in literal " + word + " (expecting " + quoteChar(word[k]) + ")")
		}
	}
	p.pos += len(word)
	return nil
}

// value reads any value.
func (p *jsonParser) value() (any, error) {
	switch c := p.peek(); {
	case c == '{':
		m := map[string]any{}
		err := p.object(func(key string, _ int) error {
			v, err := p.value()
			m[key] = v
			return err
		})
		return m, err
	case c == '[':
		l := make([]any, 0, 4)
		err := p.array(func(int, int) error {
			v, err := p.value()
			l = append(l, v)
			return err
		})
		return l, err
	case c == '"':
		return p.str()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	return nil, p.syntax("looking for beginning of value")
}

// skip reads a value and returns its bytes, without decoding it.
func (p *jsonParser) skip() ([]byte, error) {
	p.ws()
	start := p.pos
	err := p.skipValue()
	return p.data[start:p.pos], err
}

// skipValue checks a value without building it, with the errors object,
// array and value give.
func (p *jsonParser) skipValue() error {
	switch c := p.peek(); {
	case c == '{':
		p.pos++
		if p.peek() == '}' {
			p.pos++
			return nil
		}
		for {
			if p.peek() != '"' {
				return p.syntax("looking for beginning of object key string")
			}
			if err := p.skipString(); err != nil {
				return err
			}
			if p.peek() != ':' {
				return p.syntax("after object key")
			}
			p.pos++
			if p.peek() == 0 {
				return p.syntax("looking for beginning of value")
			}
			if err := p.skipValue(); err != nil {
				return err
			}
			switch p.peek() {
			case ',':
				p.pos++
			case '}':
				p.pos++
				return nil
			default:
				return p.syntax("after object key:value pair")
			}
		}
	case c == '[':
		p.pos++
		if p.peek() == ']' {
			p.pos++
			return nil
		}
		for {
			if p.peek() == 0 {
				return p.syntax("looking for beginning of value")
			}
			if err := p.skipValue(); err != nil {
				return err
			}
			switch p.peek() {
			case ',':
				p.pos++
			case ']':
				p.pos++
				return nil
			default:
				return p.syntax("after array element")
			}
		}
	case c == '"':
		return p.skipString()
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return p.skipNumber()
	}
	return p.syntax("looking for beginning of value")
}

// skipString checks a string without building it.
func (p *jsonParser) skipString() error {
	for i := p.pos + 1; i < len(p.data); i++ {
		switch c := p.data[i]; {
		case c == '"':
			p.pos = i + 1
			return nil
		case c == '\\' || c < 0x20:
			var err error
			p.scratch, err = p.appendStr(p.scratch[:0])
			return err
		}
	}
	p.pos = len(p.data)
	return p.syntax("")
}

// stringField reads a string or null.
func (p *jsonParser) stringField(field string) (string, error) {
	switch p.peek() {
	case '"':
		return p.str()
	case 'n':
		return "", p.literal("null")
	}
	return "", p.wrongType(field, "string")
}

// boolField reads true, false or null.
func (p *jsonParser) boolField(field string) (bool, error) {
	switch p.peek() {
	case 't':
		return true, p.literal("true")
	case 'f':
		return false, p.literal("false")
	case 'n':
		return false, p.literal("null")
	}
	return false, p.wrongType(field, "bool")
}

// stringsField reads a list of strings or null.
func (p *jsonParser) stringsField(field string) ([]string, error) {
	switch p.peek() {
	case 'n':
		return nil, p.literal("null")
	case '[':
	default:
		return nil, p.wrongType(field, "array")
	}
	var out []string
	err := p.array(func(int, int) error {
		s, err := p.stringField(field)
		out = append(out, s)
		return err
	})
	return out, err
}

// wrongType is the error for a value of another type than the field's; a
// syntax error in that value comes first.
func (p *jsonParser) wrongType(field, want string) error {
	start := p.pos
	if _, err := p.skip(); err != nil {
		return err
	}
	return p.typeError(start, field, want)
}

// decodeValue decodes a raw value as encoding/json does with UseNumber;
// keys, when not nil, interns object keys across calls.
func decodeValue(raw []byte, keys map[string]string) (any, error) {
	p := &jsonParser{data: raw, keys: keys}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	if p.peek() != 0 {
		return nil, p.syntax("after top-level value")
	}
	return v, nil
}

// bytesNull reports whether a raw value is absent or null.
func bytesNull(raw []byte) bool {
	i, j := 0, len(raw)
	for i < j && isSpace(raw[i]) {
		i++
	}
	for j > i && isSpace(raw[j-1]) {
		j--
	}
	return i == j || string(raw[i:j]) == "null"
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
