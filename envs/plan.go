package envs

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Action is what a plan does to a resource, as the review groups it.
type Action string

// The actions, in the order the review shows them: the most destructive
// first.
const (
	ActionDelete  Action = "delete"
	ActionReplace Action = "replace"
	ActionUpdate  Action = "update"
	ActionCreate  Action = "create"
	ActionImport  Action = "import"
	ActionMove    Action = "move"
	ActionForget  Action = "forget"
	ActionRead    Action = "read"
	ActionNoOp    Action = "no-op"
	ActionOther   Action = "other" // an action this version of envbench does not know
)

// ActionOrder lists the actions in display order.
var ActionOrder = []Action{ActionDelete, ActionReplace, ActionUpdate, ActionCreate, ActionImport, ActionMove, ActionForget, ActionRead, ActionNoOp, ActionOther}

// Symbol is the one-character marker of an action.
func (a Action) Symbol() string {
	switch a {
	case ActionCreate:
		return "+"
	case ActionUpdate:
		return "~"
	case ActionDelete:
		return "-"
	case ActionReplace:
		return "±"
	case ActionRead:
		return "<"
	case ActionMove:
		return "→"
	case ActionImport:
		return "⇐"
	case ActionForget:
		return "∅"
	case ActionNoOp:
		return " "
	}
	return "?"
}

// Plan is a Terraform plan, decoded from `terraform show -json` output of
// format 0.1 (Terraform 0.14) through 1.x. Attribute values are kept raw
// and decoded only when a diff or the review needs them.
type Plan struct {
	FormatVersion    string
	TerraformVersion string
	Changes          []*Change // sorted by action (ActionOrder), then address
	Drift            []*Change // changes made outside Terraform since the last apply
	Outputs          []OutputChange
	Errored          bool // the plan stopped on an error and is incomplete
}

// Summary counts a plan's changes by action.
type Summary map[Action]int

// Summary counts the changes by action.
func (p *Plan) Summary() Summary {
	s := Summary{}
	for _, c := range p.Changes {
		s[c.Action]++
	}
	return s
}

// Total is the number of changes that do something (not no-op or read).
func (s Summary) Total() int {
	n := 0
	for a, count := range s {
		if a != ActionNoOp && a != ActionRead {
			n += count
		}
	}
	return n
}

// String is the one-line summary: "+3 ~1 -1 ±1".
func (s Summary) String() string {
	parts := []string{
		fmt.Sprintf("+%d", s[ActionCreate]),
		fmt.Sprintf("~%d", s[ActionUpdate]),
		fmt.Sprintf("-%d", s[ActionDelete]),
		fmt.Sprintf("±%d", s[ActionReplace]),
	}
	for _, a := range []Action{ActionImport, ActionMove, ActionForget} {
		if s[a] > 0 {
			parts = append(parts, fmt.Sprintf("%s%d %s", a.Symbol(), s[a], a))
		}
	}
	return strings.Join(parts, " ")
}

// Change is one resource's planned change.
type Change struct {
	Address         string
	PreviousAddress string // set when the resource moved
	ModuleAddress   string
	Mode            string // managed or data
	Type            string
	Name            string
	ProviderName    string
	Action          Action
	Actions         []string // as Terraform wrote them
	ActionReason    string   // why, e.g. replace_because_cannot_update
	ImportingID     string   // set when the change imports an existing object
	Importing       bool
	// ReplacePaths are the attribute paths that force replacement.
	ReplacePaths [][]any

	// The values, as slices of the plan JSON, decoded when needed.
	before, after, afterUnknown, beforeSensitive, afterSensitive, replacePaths []byte
}

// OutputChange is a planned change to a root module output.
type OutputChange struct {
	Name      string
	Action    Action
	Sensitive bool
}

// ForcingAttributes names the attributes that force a replacement, as
// dotted paths ("engine_version", "ebs_block_device[0].size").
func (c *Change) ForcingAttributes() []string {
	out := make([]string, 0, len(c.ReplacePaths))
	for _, p := range c.ReplacePaths {
		out = append(out, formatPath(p))
	}
	return out
}

// formatPath renders a JSON path (keys and indices) as a.b[0].c.
func formatPath(p []any) string {
	var b strings.Builder
	for _, step := range p {
		switch s := step.(type) {
		case string:
			if !identifier(s) {
				b.WriteString("[" + strconv.Quote(s) + "]")
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s)
		case json.Number:
			b.WriteString("[" + s.String() + "]")
		case float64:
			b.WriteString("[" + strconv.FormatFloat(s, 'f', -1, 64) + "]")
		default:
			fmt.Fprintf(&b, "[%v]", s)
		}
	}
	return b.String()
}

// identifier reports whether a key can be written after a dot.
func identifier[T string | []byte](s T) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch r := s[i]; {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case i > 0 && (r == '-' || r >= '0' && r <= '9'):
		default:
			return false
		}
	}
	return true
}

// ErrNotAPlan is returned for JSON that is not a Terraform plan.
var ErrNotAPlan = errors.New("not a Terraform plan")

// DecodePlan reads `terraform show -json PLANFILE` output. Errors say where
// in the input and what is wrong: a *PlanError ("LINE:COL: message") for
// anything at a place in the input, ErrNotAPlan for input that is no plan
// at all. The plan keeps attribute values as slices of data, so data must
// not be changed afterwards.
//
// It reads data in one pass: planned_values, prior_state, configuration
// and the other parts envbench does not use are checked but not decoded.
func DecodePlan(data []byte) (*Plan, error) {
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return nil, fmt.Errorf("%w: the input is empty", ErrNotAPlan)
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return nil, fmt.Errorf("%w: this is a saved plan file, which is binary; review its JSON: terraform show -json PLANFILE > plan.json", ErrNotAPlan)
	case trimmed[0] == '[':
		return nil, fmt.Errorf("%w: the input is a JSON array; want the object terraform show -json PLANFILE prints", ErrNotAPlan)
	}
	d := &planDecoder{jsonParser: jsonParser{data: data, keys: map[string]string{}}}
	p, formatVersion, err := d.plan()
	if err != nil {
		return nil, err
	}
	if d.peek() != 0 {
		return nil, d.syntax("after top-level value")
	}
	if formatVersion == nil {
		return nil, fmt.Errorf("%w: no format_version (make one with: terraform show -json PLANFILE > plan.json)", ErrNotAPlan)
	}
	if err := checkFormatVersion(*formatVersion); err != nil {
		return nil, err
	}
	p.FormatVersion = *formatVersion
	sortChanges(p.Changes)
	sortChanges(p.Drift)
	slices.SortFunc(p.Outputs, func(a, b OutputChange) int { return cmp.Compare(a.Name, b.Name) })
	return p, nil
}

func checkFormatVersion(v string) error {
	major, _, ok := strings.Cut(v, ".")
	if !ok {
		return fmt.Errorf("format_version %q is not a version such as 1.2", v)
	}
	switch major {
	case "0", "1":
		return nil
	}
	return fmt.Errorf("plan format %s is newer than envbench reads (0.1 to 1.x); upgrade envbench", v)
}

// planDecoder reads the parts of the plan JSON envbench uses.
type planDecoder struct {
	jsonParser
}

// plan reads the top-level object.
func (d *planDecoder) plan() (*Plan, *string, error) {
	p := &Plan{}
	var formatVersion *string
	switch c := d.peek(); c {
	case '{':
	case 'n':
		return p, nil, d.literal("null")
	default:
		if c == '"' || c == 't' || c == 'f' || c == '-' || c >= '0' && c <= '9' {
			return nil, nil, d.wrongType("the plan", "object")
		}
		return nil, nil, d.syntax("looking for beginning of value")
	}
	outputs := map[string]OutputChange{}
	err := d.object(func(key string, start int) error {
		var err error
		switch key {
		case "format_version":
			if d.peek() == 'n' {
				formatVersion = nil
				return d.literal("null")
			}
			var v string
			v, err = d.stringField("format_version")
			formatVersion = &v
		case "terraform_version":
			p.TerraformVersion, err = d.stringField("terraform_version")
		case "errored":
			p.Errored, err = d.boolField("errored")
		case "resource_changes":
			p.Changes, err = d.changes("resource_changes")
		case "resource_drift":
			p.Drift, err = d.changes("resource_drift")
		case "output_changes":
			err = d.outputs(outputs)
		default:
			_, err = d.skip()
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	p.Outputs = make([]OutputChange, 0, len(outputs))
	for _, oc := range outputs {
		p.Outputs = append(p.Outputs, oc)
	}
	if len(p.Outputs) == 0 {
		p.Outputs = nil
	}
	return p, formatVersion, nil
}

// changes reads resource_changes or resource_drift.
func (d *planDecoder) changes(field string) ([]*Change, error) {
	switch d.peek() {
	case 'n':
		return nil, d.literal("null")
	case '[':
	default:
		return nil, d.wrongType(field, "array")
	}
	if out, ok := d.changesInParts(field); ok {
		return out, nil
	}
	out := make([]*Change, 0, 64)
	err := d.array(func(i, start int) error {
		c, err := d.element(field, i, start)
		if err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// element reads the i-th change of a list, which starts at start.
func (d *planDecoder) element(field string, i, start int) (*Change, error) {
	c, err := d.change(field)
	if err != nil {
		return nil, err
	}
	if c.Address == "" {
		return nil, d.errAt(start, ErrNotAPlan, "%s[%d]: no address", field, i)
	}
	if len(c.Actions) == 0 {
		return nil, d.errAt(start, ErrNotAPlan, "%s[%d] (%s): change.actions is empty", field, i, c.Address)
	}
	if c.PreviousAddress == c.Address {
		c.PreviousAddress = ""
	}
	if len(c.replacePaths) > 0 && !bytesNull(c.replacePaths) {
		paths, err := replacePaths(c.replacePaths)
		if err != nil {
			return nil, d.errAt(start, ErrNotAPlan, "%s[%d] (%s): change.replace_paths: want a list of paths: %v", field, i, c.Address, err)
		}
		c.ReplacePaths = paths
	}
	c.replacePaths = nil
	c.Action = groupAction(c.Actions, c.PreviousAddress != "", c.Importing)
	return c, nil
}

// change reads one resource change.
func (d *planDecoder) change(field string) (*Change, error) {
	c := &Change{}
	switch d.peek() {
	case 'n':
		return c, d.literal("null")
	case '{':
	default:
		return nil, d.wrongType(field, "object")
	}
	err := d.object(func(key string, _ int) error {
		var err error
		switch key {
		case "address":
			c.Address, err = d.stringField(field + ".address")
		case "previous_address":
			c.PreviousAddress, err = d.stringField(field + ".previous_address")
		case "module_address":
			c.ModuleAddress, err = d.stringField(field + ".module_address")
		case "mode":
			c.Mode, err = d.stringField(field + ".mode")
		case "type":
			c.Type, err = d.stringField(field + ".type")
		case "name":
			c.Name, err = d.stringField(field + ".name")
		case "provider_name":
			c.ProviderName, err = d.stringField(field + ".provider_name")
		case "action_reason":
			c.ActionReason, err = d.stringField(field + ".action_reason")
		case "change":
			err = d.changeBody(field+".change", c)
		default:
			_, err = d.skip()
		}
		return err
	})
	return c, err
}

// changeBody reads a resource change's "change" object: its values stay
// raw, decoded when a diff or the review needs them.
func (d *planDecoder) changeBody(field string, c *Change) error {
	switch d.peek() {
	case 'n':
		return d.literal("null")
	case '{':
	default:
		return d.wrongType(field, "object")
	}
	return d.object(func(key string, _ int) error {
		var err error
		switch key {
		case "actions":
			c.Actions, err = d.stringsField(field + ".actions")
		case "before":
			c.before, err = d.skip()
		case "after":
			c.after, err = d.skip()
		case "after_unknown":
			c.afterUnknown, err = d.skip()
		case "before_sensitive":
			c.beforeSensitive, err = d.skip()
		case "after_sensitive":
			c.afterSensitive, err = d.skip()
		case "replace_paths":
			c.replacePaths, err = d.skip()
		case "importing":
			err = d.importing(field+".importing", c)
		default:
			_, err = d.skip()
		}
		return err
	})
}

// importing reads change.importing: {"id": "..."} when the change imports.
func (d *planDecoder) importing(field string, c *Change) error {
	switch d.peek() {
	case 'n':
		c.Importing, c.ImportingID = false, ""
		return d.literal("null")
	case '{':
	default:
		return d.wrongType(field, "object")
	}
	c.Importing = true
	return d.object(func(key string, _ int) error {
		if key == "id" {
			var err error
			c.ImportingID, err = d.stringField(field + ".id")
			return err
		}
		_, err := d.skip()
		return err
	})
}

// outputs reads output_changes.
func (d *planDecoder) outputs(into map[string]OutputChange) error {
	switch d.peek() {
	case 'n':
		return d.literal("null")
	case '{':
	default:
		return d.wrongType("output_changes", "object")
	}
	return d.object(func(name string, _ int) error {
		oc := OutputChange{Name: name}
		var actions []string
		var sensitive bool
		switch d.peek() {
		case 'n':
			if err := d.literal("null"); err != nil {
				return err
			}
		case '{':
			err := d.object(func(key string, _ int) error {
				var err error
				switch key {
				case "actions":
					actions, err = d.stringsField("output_changes.actions")
				case "after_sensitive", "before_sensitive":
					var raw []byte
					raw, err = d.skip()
					sensitive = sensitive || isTrue(raw)
				default:
					_, err = d.skip()
				}
				return err
			})
			if err != nil {
				return err
			}
		default:
			return d.wrongType("output_changes", "object")
		}
		oc.Action, oc.Sensitive = groupAction(actions, false, false), sensitive
		into[name] = oc
		return nil
	})
}

// replacePaths decodes change.replace_paths: a list of paths, each a list
// of keys and indices.
func replacePaths(raw []byte) ([][]any, error) {
	v, err := decodeValue(raw, nil)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("got JSON %s", kindAt(bytes.TrimSpace(raw), 0))
	}
	out := make([][]any, len(list))
	for i, item := range list {
		switch path := item.(type) {
		case nil:
		case []any:
			out[i] = path
		default:
			return nil, fmt.Errorf("path %d is not a list", i)
		}
	}
	return out, nil
}

// sortChanges orders changes by action (ActionOrder), then address as
// CompareAddresses orders them, keeping the order of changes with the same
// address (deposed objects). It groups by action first, in one pass, so
// that the sort compares only addresses. Comparing addresses is costly, so
// they are sorted by sort keys (appendSortKey) whose byte order is
// CompareAddresses' for addresses as Terraform writes them; a group with
// an address the keys may not order right is checked pair by pair after,
// and sorted again with CompareAddresses if need be.
func sortChanges(changes []*Change) {
	type entry struct {
		key []byte
		c   *Change
		i   int
	}
	sizes := make([]int, len(ActionOrder))
	groupOf := make([]uint8, len(changes))
	total := 0
	for i, c := range changes {
		g := actionIndex(c.Action)
		if g < 0 {
			g = len(ActionOrder) - 1
		}
		groupOf[i] = uint8(g)
		sizes[g]++
		total += len(c.Address) + 8
	}
	groups := make([][]entry, len(ActionOrder))
	for g := range groups {
		groups[g] = make([]entry, 0, sizes[g])
	}
	exact := make([]bool, len(ActionOrder))
	for g := range exact {
		exact[g] = true
	}
	keys := make([]byte, 0, total)
	for i, c := range changes {
		start := len(keys)
		var ok bool
		keys, ok = appendSortKey(keys, c.Address)
		g := groupOf[i]
		groups[g] = append(groups[g], entry{keys[start:len(keys):len(keys)], c, i})
		exact[g] = exact[g] && ok
	}
	byAddress := func(a, b entry) int { return cmp.Or(CompareAddresses(a.c.Address, b.c.Address), cmp.Compare(a.i, b.i)) }
	out := changes[:0]
	for gi, g := range groups {
		slices.SortFunc(g, func(a, b entry) int { return cmp.Or(bytes.Compare(a.key, b.key), cmp.Compare(a.i, b.i)) })
		for k := 1; !exact[gi] && k < len(g); k++ {
			if byAddress(g[k-1], g[k]) > 0 {
				slices.SortFunc(g, byAddress)
				break
			}
		}
		for _, e := range g {
			out = append(out, e.c)
		}
	}
}

// appendSortKey appends the sort key of an address: the address with each
// number instance key, [N] or ["N"], written as the count of its digits
// then the digits, so that r[9] comes before r[10] in byte order. It
// reports whether the key's order is CompareAddresses' for sure: every
// instance key is a number of at most 9 digits without leading zeros, or a
// quoted key that does not start with a digit.
func appendSortKey(b []byte, addr string) ([]byte, bool) {
	exact := true
	inString, escaped := false, false
	start := 0 // of the bytes not yet appended
	for i := 0; i < len(addr); i++ {
		c := addr[i]
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case c == '[' && !inString:
			digits, end, ok := numericKey(addr, i)
			if !ok {
				if i+1 >= len(addr) || addr[i+1] != '"' || i+2 < len(addr) && addr[i+2] >= '0' && addr[i+2] <= '9' {
					exact = false
				}
				continue
			}
			if len(digits) > 9 || len(digits) > 1 && digits[0] == '0' {
				exact = false
			}
			trimmed := strings.TrimLeft(digits, "0")
			quoted := addr[i+1] == '"'
			b = append(b, addr[start:i]...)
			b = append(b, '[')
			if quoted {
				b = append(b, '"')
			}
			b = append(b, byte('0'+min(len(trimmed), 9)))
			b = append(b, trimmed...)
			if quoted {
				b = append(b, '"')
			}
			b = append(b, ']')
			start, i = end, end-1
		}
	}
	return append(b, addr[start:]...), exact
}

// CompareAddresses orders resource addresses the way people read them:
// as text, except that instance keys that are numbers compare as numbers,
// so r[2] comes before r[10], module.x[2].r before module.x[10].r, and a
// for_each key such as ["9"] before ["10"]. Other string keys keep text
// order. It returns -1, 0 or +1, like strings.Compare.
func CompareAddresses(a, b string) int {
	// The bytes before the first difference are the same in a and b, so
	// the only instance key that can decide is the one around it: the
	// last '[' outside a quoted key before it, when both have a number key
	// of the same kind there. One pass finds the difference and that '['.
	n := min(len(a), len(b))
	inString, escaped := false, false
	bracket := -1 // the last '[' outside a quoted key
	i := 0
	for ; i < n && a[i] == b[i]; i++ {
		switch c := a[i]; {
		case escaped:
			escaped = false // the escaped character: no quote
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case c == '[' && !inString:
			bracket = i
		}
	}
	if bracket >= 0 {
		na, ea, okA := numericKey(a, bracket)
		nb, eb, okB := numericKey(b, bracket)
		if okA && okB && (a[bracket+1] == '"') == (b[bracket+1] == '"') && (ea > i || eb > i) { // both [N] or both ["N"], different
			return compareDigits(na, nb)
		}
	}
	if i < n {
		return cmp.Compare(a[i], b[i])
	}
	return cmp.Compare(len(a), len(b))
}

// numericKey reads an instance key at s[i] ('['): [123] or ["123"]. It
// returns the digits and the offset after the closing bracket.
func numericKey(s string, i int) (digits string, end int, ok bool) {
	j := i + 1
	quoted := j < len(s) && s[j] == '"'
	if quoted {
		j++
	}
	start := j
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == start {
		return "", 0, false
	}
	digits = s[start:j]
	if quoted {
		if j >= len(s) || s[j] != '"' {
			return "", 0, false
		}
		j++
	}
	if j >= len(s) || s[j] != ']' {
		return "", 0, false
	}
	return digits, j + 1, true
}

// compareDigits compares two runs of decimal digits by value, then as text
// (so that "007" and "7" still have an order).
func compareDigits(a, b string) int {
	ta, tb := strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	return cmp.Or(cmp.Compare(len(ta), len(tb)), strings.Compare(ta, tb), strings.Compare(a, b))
}

func actionIndex(a Action) int { return slices.Index(ActionOrder, a) }

// groupAction maps Terraform's action list to the review's action.
func groupAction(actions []string, moved, importing bool) Action {
	switch strings.Join(actions, ",") {
	case "create":
		return ActionCreate
	case "update":
		return ActionUpdate
	case "delete":
		return ActionDelete
	case "delete,create", "create,delete":
		return ActionReplace
	case "read":
		return ActionRead
	case "forget":
		return ActionForget
	case "no-op":
		switch {
		case importing:
			return ActionImport
		case moved:
			return ActionMove
		}
		return ActionNoOp
	}
	return ActionOther
}

func isTrue(raw []byte) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("true")) }

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(data []byte, offset int) (int, int) {
	offset = min(max(offset, 0), len(data))
	line := 1 + bytes.Count(data[:offset], []byte("\n"))
	col := offset - bytes.LastIndexByte(data[:offset], '\n')
	return line, col
}
