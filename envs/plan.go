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

	before, after, afterUnknown, beforeSensitive, afterSensitive json.RawMessage
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
func identifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case i > 0 && (r == '-' || r >= '0' && r <= '9'):
		default:
			return false
		}
	}
	return true
}

// rawPlan is the subset of the plan JSON envbench reads. planned_values,
// prior_state and configuration are skipped, not decoded.
type rawPlan struct {
	FormatVersion    *string                    `json:"format_version"`
	TerraformVersion string                     `json:"terraform_version"`
	ResourceChanges  []rawResourceChange        `json:"resource_changes"`
	ResourceDrift    []rawResourceChange        `json:"resource_drift"`
	OutputChanges    map[string]rawOutputChange `json:"output_changes"`
	Errored          bool                       `json:"errored"`
}

type rawResourceChange struct {
	Address         string    `json:"address"`
	PreviousAddress string    `json:"previous_address"`
	ModuleAddress   string    `json:"module_address"`
	Mode            string    `json:"mode"`
	Type            string    `json:"type"`
	Name            string    `json:"name"`
	ProviderName    string    `json:"provider_name"`
	Change          rawChange `json:"change"`
	ActionReason    string    `json:"action_reason"`
}

type rawChange struct {
	Actions         []string        `json:"actions"`
	Before          json.RawMessage `json:"before"`
	After           json.RawMessage `json:"after"`
	AfterUnknown    json.RawMessage `json:"after_unknown"`
	BeforeSensitive json.RawMessage `json:"before_sensitive"`
	AfterSensitive  json.RawMessage `json:"after_sensitive"`
	ReplacePaths    json.RawMessage `json:"replace_paths"`
	Importing       *struct {
		ID string `json:"id"`
	} `json:"importing"`
}

type rawOutputChange struct {
	Actions         []string        `json:"actions"`
	AfterSensitive  json.RawMessage `json:"after_sensitive"`
	BeforeSensitive json.RawMessage `json:"before_sensitive"`
}

// ErrNotAPlan is returned for JSON that is not a Terraform plan.
var ErrNotAPlan = errors.New("not a Terraform plan")

// DecodePlan reads `terraform show -json PLANFILE` output. Errors say where
// in the input (line:col) and what is wrong.
func DecodePlan(data []byte) (*Plan, error) {
	var raw rawPlan
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return nil, fmt.Errorf("%w: the input is empty", ErrNotAPlan)
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return nil, fmt.Errorf("%w: this is a saved plan file, which is binary; review its JSON: terraform show -json PLANFILE > plan.json", ErrNotAPlan)
	case trimmed[0] == '[':
		return nil, fmt.Errorf("%w: the input is a JSON array; want the object terraform show -json PLANFILE prints", ErrNotAPlan)
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, jsonError(data, err)
	}
	if raw.FormatVersion == nil {
		return nil, fmt.Errorf("%w: no format_version (make one with: terraform show -json PLANFILE > plan.json)", ErrNotAPlan)
	}
	if err := checkFormatVersion(*raw.FormatVersion); err != nil {
		return nil, err
	}
	p := &Plan{FormatVersion: *raw.FormatVersion, TerraformVersion: raw.TerraformVersion, Errored: raw.Errored}
	var err error
	if p.Changes, err = decodeChanges(raw.ResourceChanges, "resource_changes"); err != nil {
		return nil, err
	}
	if p.Drift, err = decodeChanges(raw.ResourceDrift, "resource_drift"); err != nil {
		return nil, err
	}
	for name, oc := range raw.OutputChanges {
		p.Outputs = append(p.Outputs, OutputChange{Name: name, Action: groupAction(oc.Actions, false, false), Sensitive: isTrue(oc.AfterSensitive) || isTrue(oc.BeforeSensitive)})
	}
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

func decodeChanges(raws []rawResourceChange, field string) ([]*Change, error) {
	out := make([]*Change, 0, len(raws))
	for i, r := range raws {
		if r.Address == "" {
			return nil, fmt.Errorf("%s[%d]: no address", field, i)
		}
		if len(r.Change.Actions) == 0 {
			return nil, fmt.Errorf("%s[%d] (%s): change.actions is empty", field, i, r.Address)
		}
		c := &Change{
			Address: r.Address, PreviousAddress: r.PreviousAddress, ModuleAddress: r.ModuleAddress,
			Mode: r.Mode, Type: r.Type, Name: r.Name, ProviderName: r.ProviderName,
			Actions: r.Change.Actions, ActionReason: r.ActionReason,
			before: r.Change.Before, after: r.Change.After, afterUnknown: r.Change.AfterUnknown,
			beforeSensitive: r.Change.BeforeSensitive, afterSensitive: r.Change.AfterSensitive,
		}
		if c.PreviousAddress == c.Address {
			c.PreviousAddress = ""
		}
		if r.Change.Importing != nil {
			c.Importing, c.ImportingID = true, r.Change.Importing.ID
		}
		if len(r.Change.ReplacePaths) > 0 && string(r.Change.ReplacePaths) != "null" {
			if err := decodeWithNumbers(r.Change.ReplacePaths, &c.ReplacePaths); err != nil {
				return nil, fmt.Errorf("%s[%d] (%s): change.replace_paths: want a list of paths: %v", field, i, r.Address, err)
			}
		}
		c.Action = groupAction(c.Actions, c.PreviousAddress != "", c.Importing)
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b *Change) int {
		return cmp.Or(cmp.Compare(slices.Index(ActionOrder, a.Action), slices.Index(ActionOrder, b.Action)), cmp.Compare(a.Address, b.Address))
	})
	return out, nil
}

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

func decodeWithNumbers(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}

func isTrue(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("true")) }

// jsonError adds the line and column to a JSON decoding error.
func jsonError(data []byte, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		line, col := lineCol(data, int(syntax.Offset)-1)
		if syntax.Offset >= int64(len(data)) {
			return fmt.Errorf("%d:%d: invalid JSON: the input ends in the middle of a value (a truncated file?)", line, col)
		}
		return fmt.Errorf("%d:%d: invalid JSON: %v", line, col, syntax)
	case errors.As(err, &typ):
		line, col := lineCol(data, int(typ.Offset)-1)
		field := typ.Field
		if field == "" {
			field = "the plan"
		}
		return fmt.Errorf("%d:%d: %s: want %s, got JSON %s", line, col, field, typ.Type, typ.Value)
	}
	return fmt.Errorf("invalid plan JSON: %w", err)
}

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(data []byte, offset int) (int, int) {
	offset = min(max(offset, 0), len(data))
	line := 1 + bytes.Count(data[:offset], []byte("\n"))
	col := offset - bytes.LastIndexByte(data[:offset], '\n')
	return line, col
}
