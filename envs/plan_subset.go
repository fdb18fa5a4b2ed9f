package envs

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// PlanExtra is a change of a fresh plan that the approved plan does not
// cover, with why. Reason names attribute paths, never values, so it can be
// shown and journaled even when the value is sensitive.
type PlanExtra struct {
	Address string `json:"address"`
	Action  Action `json:"action"`
	// Approved is the approved plan's action at the address, empty when
	// the approved plan does not change it.
	Approved Action `json:"approved,omitempty"`
	Reason   string `json:"reason"`
}

// String is "+ aws_s3_bucket.b: not in the approved plan".
func (x PlanExtra) String() string {
	return x.Action.Symbol() + " " + x.Address + ": " + x.Reason
}

// covers says which fresh actions an approved action allows at the same
// address once part of the approved plan has been applied:
//   - a create may come back as a create (nothing happened), an update (the
//     object was created and partly configured) or a replace (the create
//     failed and left a tainted object, which this run made);
//   - a replace may come back as a replace, a create (the old object is
//     gone), a delete (the new object exists, a deposed one is left) or an
//     update;
//   - an action envbench does not know (ActionOther) is never covered;
//   - every other action only as itself.
var covers = map[Action][]Action{
	ActionCreate:  {ActionCreate, ActionUpdate, ActionReplace},
	ActionReplace: {ActionReplace, ActionCreate, ActionDelete, ActionUpdate},
	ActionUpdate:  {ActionUpdate},
	ActionDelete:  {ActionDelete},
	ActionImport:  {ActionImport, ActionUpdate},
	ActionMove:    {ActionMove},
	ActionForget:  {ActionForget},
}

// PlanSubset compares a fresh plan, made after an apply of approved failed
// part way, with approved. It returns the fresh plan's changes that approved
// does not cover; none means the fresh plan only finishes what was approved
// and can be applied without another review. A fresh change is covered when
// approved changes the same address with an action that allows it (see
// covers: a delete approved does not hold is never covered), and every
// attribute the fresh change sets is set to the same value by approved, or
// left by approved to be known after apply. A value the fresh plan knows
// only after apply where approved knew it is not covered. No-op and read
// changes are ignored. An error means a change's values could not be read.
func PlanSubset(approved, fresh *Plan) ([]PlanExtra, error) {
	byAddress := map[string][]*Change{}
	for _, c := range approved.Changes {
		byAddress[c.Address] = append(byAddress[c.Address], c)
	}
	var extra []PlanExtra
	for _, f := range fresh.Changes {
		if f.Action == ActionNoOp || f.Action == ActionRead {
			continue
		}
		reason, approvedAction, err := covered(byAddress[f.Address], f)
		if err != nil {
			return nil, fmt.Errorf("compare %s with the approved plan: %w", f.Address, err)
		}
		if reason != "" {
			extra = append(extra, PlanExtra{Address: f.Address, Action: f.Action, Approved: approvedAction, Reason: reason})
		}
	}
	return extra, nil
}

// covered returns why none of the approved changes at an address covers f,
// or "" when one does, and the approved action it compared with.
func covered(approved []*Change, f *Change) (string, Action, error) {
	var reason string
	var last Action
	for _, a := range approved {
		if a.Action == ActionNoOp || a.Action == ActionRead {
			continue
		}
		last = a.Action
		if !allows(a.Action, f.Action) {
			reason = fmt.Sprintf("%s where the approved plan would %s", f.Action, a.Action)
			continue
		}
		if f.Action == ActionDelete || f.Action == ActionForget {
			return "", a.Action, nil
		}
		path, err := attributesCovered(a, f)
		if err != nil {
			return "", a.Action, err
		}
		if path == "" {
			return "", a.Action, nil
		}
		reason = "attribute " + path + " differs from the approved plan"
	}
	if last == "" {
		return "not in the approved plan", "", nil
	}
	return reason, last, nil
}

func allows(approved, fresh Action) bool {
	for _, a := range covers[approved] {
		if a == fresh {
			return true
		}
	}
	return false
}

// attributesCovered returns the first attribute path at which f's after
// values are not covered by a's, or "" when all are.
func attributesCovered(a, f *Change) (string, error) {
	aAfter, err := decodeOptional(a.after)
	if err != nil {
		return "", fmt.Errorf("approved change.after: %w", err)
	}
	aUnknown, err := decodeOptional(a.afterUnknown)
	if err != nil {
		return "", fmt.Errorf("approved change.after_unknown: %w", err)
	}
	fAfter, err := decodeOptional(f.after)
	if err != nil {
		return "", fmt.Errorf("change.after: %w", err)
	}
	fUnknown, err := decodeOptional(f.afterUnknown)
	if err != nil {
		return "", fmt.Errorf("change.after_unknown: %w", err)
	}
	var path []any
	if subsetValue(aAfter, aUnknown, fAfter, fUnknown, &path) {
		return "", nil
	}
	if len(path) == 0 {
		return "(the whole object)", nil
	}
	return formatPath(path), nil
}

func decodeOptional(raw []byte) (any, error) {
	if bytesNull(raw) {
		return nil, nil
	}
	return decodeValue(raw, nil)
}

// subsetValue reports whether the fresh value f (with its unknown mirror
// fu) is covered by the approved value a (mirror au). Objects are covered
// key by key (a key the approved plan sets and the fresh one leaves out
// is fine; one the fresh plan sets to null is compared); lists compare element by element and must have the same
// length. On false, path is where.
func subsetValue(a, au, f, fu any, path *[]any) bool {
	if fu == true {
		return au == true
	}
	if au == true {
		return true
	}
	switch fv := f.(type) {
	case map[string]any:
		av, ok := a.(map[string]any)
		if !ok {
			return false
		}
		keys := make([]string, 0, len(fv)+len(mirrorMap(fu)))
		seen := map[string]bool{}
		for k := range fv {
			keys = append(keys, k)
			seen[k] = true
		}
		for k := range mirrorMap(fu) {
			if !seen[k] {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			fk, present := fv[k]
			fuk := mirrorMap(fu)[k]
			if !present && fuk == nil {
				continue
			}
			*path = append(*path, k)
			if !subsetValue(av[k], mirrorMap(au)[k], fk, fuk, path) {
				return false
			}
			*path = (*path)[:len(*path)-1]
		}
		return true
	case []any:
		av, ok := a.([]any)
		if !ok || len(av) != len(fv) {
			return false
		}
		for i := range fv {
			*path = append(*path, json.Number(strconv.Itoa(i)))
			if !subsetValue(av[i], mirrorIndex(au, i), fv[i], mirrorIndex(fu, i), path) {
				return false
			}
			*path = (*path)[:len(*path)-1]
		}
		return true
	case json.Number:
		an, ok := a.(json.Number)
		if !ok {
			return false
		}
		if an == fv {
			return true
		}
		x, errX := strconv.ParseFloat(string(an), 64)
		y, errY := strconv.ParseFloat(string(fv), 64)
		return errX == nil && errY == nil && x == y
	default:
		return a == f
	}
}

func mirrorMap(m any) map[string]any {
	v, _ := m.(map[string]any)
	return v
}

func mirrorIndex(m any, i int) any {
	if l, ok := m.([]any); ok && i < len(l) {
		return l[i]
	}
	return nil
}
