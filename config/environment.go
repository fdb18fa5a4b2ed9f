package config

import (
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// Environment is one envs/<name>.yaml: an instance of an archetype in an
// account and region. Its name is its file name.
type Environment struct {
	Name        string
	File        string // relative to the workspace root
	Archetype   string
	Description string
	Account     string
	Region      string
	Role        string // IAM role ARN to assume; empty uses ambient credentials
	Protected   bool
	Owner       string
	TTL         time.Duration // zero when the environment does not expire
	TTLText     string        // the ttl as written, e.g. "7d"
	Created     time.Time     // zero when not given
	// Inputs holds the values the file sets, checked against the archetype;
	// Values adds the archetype's defaults.
	Inputs map[string]any
	// Diags are this environment's problems, including those found across
	// files (an unknown archetype, an overlapping CIDR). Any of them blocks
	// planning.
	Diags Diagnostics
	// Warnings are reported beside the problems but block nothing (a
	// deployed environment that a new one overlaps).
	Warnings Diagnostics

	overlap *Diagnostic         // the overlap diagnostic in Diags or Warnings, if any
	pos     map[string]Position // field path → position of its value
	inputs  []inputNode         // inputs as written, checked once archetypes are known
	// createdText is created as written; createdDateOnly says it is a date
	// without a time.
	createdText     string
	createdDateOnly bool
	root            *yaml.Node
}

type inputNode struct {
	key, value *yaml.Node
}

// Valid reports whether the environment has no problems.
func (e *Environment) Valid() bool { return len(e.Diags) == 0 }

// Expiry returns when the environment expires: created plus ttl. ok is false
// when it has no ttl or no creation time.
func (e *Environment) Expiry() (t time.Time, ok bool) {
	if e.TTL == 0 || e.Created.IsZero() {
		return time.Time{}, false
	}
	return e.Created.Add(e.TTL), true
}

// Position returns where a field (such as "account" or "inputs.vpc_cidr")
// is set in the file.
func (e *Environment) Position(field string) (Position, bool) {
	p, ok := e.pos[field]
	return p, ok
}

// Values returns the environment's inputs with the archetype's defaults for
// those it does not set.
func (e *Environment) Values(a *Archetype) map[string]any {
	out := make(map[string]any, len(a.Inputs))
	for _, in := range a.Inputs {
		if in.HasDefault() {
			out[in.Name] = in.Default
		}
	}
	maps.Copy(out, e.Inputs)
	return out
}

// TemplateData is what an archetype's templates see for this environment:
// .Name, .Archetype, .Account, .Region, .Role, .Owner, .Protected and
// .Inputs (with defaults applied).
func (e *Environment) TemplateData(a *Archetype) map[string]any {
	return map[string]any{
		"Name":      e.Name,
		"Archetype": e.Archetype,
		"Account":   e.Account,
		"Region":    e.Region,
		"Role":      e.Role,
		"Owner":     e.Owner,
		"Protected": e.Protected,
		"Inputs":    e.Values(a),
	}
}

var (
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
	// Compiled on first use (sync.OnceValue): bounded repetitions make these
	// cost up to milliseconds to compile, which every start of envbench, the
	// simulated provider's included, would otherwise pay in package init.
	rolePattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:iam::([0-9]{12}):role/[A-Za-z0-9+=,.@_/-]{1,512}$`)
	})
	ttlPattern = regexp.MustCompile(`^([0-9]+)([dw])$`)
)

// ParseTTL reads a time to live: a Go duration ("36h", "90m") or a whole
// number of days or weeks ("7d", "2w").
func ParseTTL(s string) (time.Duration, error) {
	var d time.Duration
	if m := ttlPattern.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n > 3650 {
			return 0, fmt.Errorf("ttl %q is too long; at most 3650d", s)
		}
		d = time.Duration(n) * 24 * time.Hour
		if m[2] == "w" {
			d *= 7
		}
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("ttl %q is not a duration; want a form such as 8h, 7d or 2w", s)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("ttl %q must be positive", s)
	}
	return d, nil
}

// parseCreated reads a creation time: an RFC 3339 timestamp or a date.
func parseCreated(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date; want 2006-01-02 or an RFC 3339 time such as 2006-01-02T15:04:05Z", s)
}

// decodeEnvironment decodes one environment file. Inputs are checked later,
// against the archetype, by checkInputs.
func decodeEnvironment(name, file string, data []byte, settings Settings) *Environment {
	d := &decoder{file: file}
	e := &Environment{Name: name, File: file, pos: map[string]Position{}}
	if err := checkName("environment", name); err != nil {
		d.errorf(nil, "", "%v (rename the file)", err)
	}
	root := d.parseDocument(data)
	if root == nil {
		e.Diags = d.diags
		return e
	}
	e.root = root
	at := func(v *yaml.Node, p string) { e.pos[p] = Position{v.Line, v.Column} }
	str := func(dst *string) fieldFunc {
		return func(v *yaml.Node, p string) {
			at(v, p)
			*dst, _ = d.str(v, p)
		}
	}
	d.object(root, "", map[string]fieldFunc{
		"archetype":   str(&e.Archetype),
		"description": str(&e.Description),
		"owner":       str(&e.Owner),
		"account": func(v *yaml.Node, p string) {
			at(v, p)
			if s, ok := d.str(v, p); ok {
				e.Account = s
				if !accountPattern.MatchString(s) {
					d.errorf(v, p, "%q is not an AWS account id; want 12 digits (quote it to keep leading zeros)", s)
				}
			}
		},
		"region": func(v *yaml.Node, p string) {
			at(v, p)
			if s, ok := d.str(v, p); ok {
				e.Region = s
				if err := checkRegion(s); err != nil {
					d.errorf(v, p, "%v", err)
				}
			}
		},
		"role": func(v *yaml.Node, p string) {
			at(v, p)
			if s, ok := d.str(v, p); ok {
				e.Role = s
				if !rolePattern().MatchString(s) {
					d.errorf(v, p, "%q is not an IAM role ARN; want arn:aws:iam::<account>:role/<name>", s)
				}
			}
		},
		"protected": func(v *yaml.Node, p string) {
			at(v, p)
			e.Protected, _ = d.boolean(v, p)
		},
		"ttl": func(v *yaml.Node, p string) {
			at(v, p)
			if s, ok := d.str(v, p); ok {
				e.TTLText = s
				ttl, err := ParseTTL(s)
				if err != nil {
					d.errorf(v, p, "%v", err)
				}
				e.TTL = ttl
			}
		},
		"created": func(v *yaml.Node, p string) {
			at(v, p)
			if s, ok := d.str(v, p); ok {
				t, err := parseCreated(s)
				if err != nil {
					d.errorf(v, p, "%v", err)
				}
				e.Created = t
				e.createdText = s
				_, dateErr := time.Parse(time.DateOnly, s)
				e.createdDateOnly = dateErr == nil
			}
		},
		"inputs": func(v *yaml.Node, p string) {
			at(v, p)
			v = d.resolve(v)
			if v == nil {
				return
			}
			if v.Kind != yaml.MappingNode {
				d.errorf(v, p, "want a mapping of input names to values, got %s", describe(v))
				return
			}
			d.pairs(v, p, func(k, val *yaml.Node, _ string) {
				at(val, join(p, k.Value))
				e.inputs = append(e.inputs, inputNode{k, val})
			})
		},
	})
	if root.Kind == yaml.MappingNode {
		e.checkRequiredFields(d, root, settings)
	}
	e.Diags = d.diags
	return e
}

func (e *Environment) checkRequiredFields(d *decoder, root *yaml.Node, settings Settings) {
	if _, ok := e.pos["archetype"]; !ok {
		d.errorf(root, "archetype", "missing; name the archetype this environment is stamped from")
	}
	if _, ok := e.pos["account"]; !ok {
		d.errorf(root, "account", "missing; give the 12-digit AWS account id")
	}
	if _, ok := e.pos["region"]; !ok {
		if settings.DefaultRegion == "" {
			d.errorf(root, "region", "missing; set region here or defaults.region in envbench.yaml")
		}
		e.Region = settings.DefaultRegion
	}
	if m := rolePattern().FindStringSubmatch(e.Role); m != nil && accountPattern.MatchString(e.Account) && m[2] != e.Account {
		d.errorf(nodeAt(e.pos["role"]), "role", "role is in account %s but the environment is in account %s", m[2], e.Account)
	}
	if e.Protected && e.TTL > 0 {
		d.errorf(nodeAt(e.pos["ttl"]), "ttl", "a protected environment never expires; remove ttl or protected")
	}
	if e.TTL > 0 && e.Created.IsZero() {
		if _, ok := e.pos["created"]; !ok {
			d.errorf(nodeAt(e.pos["ttl"]), "ttl", "needs created: (the date the environment was created) to compute its expiry")
		}
	}
}

// maxClockSkew is how far in the future a creation time may be, for clocks
// that disagree a little.
const maxClockSkew = 5 * time.Minute

// checkCreated refuses a creation time in the future: an environment
// created tomorrow would count its ttl from tomorrow, and one created in
// 2099 would never expire. A date without a time is midnight UTC, which is
// already "today" in time zones up to UTC+14; that much is allowed for it.
func (e *Environment) checkCreated(now time.Time) {
	p, ok := e.pos["created"]
	if !ok || e.Created.IsZero() || now.IsZero() {
		return
	}
	skew := maxClockSkew
	if e.createdDateOnly {
		skew += 14 * time.Hour
	}
	if e.Created.After(now.Add(skew)) {
		e.Diags = append(e.Diags, Diagnostic{File: e.File, Line: p.Line, Col: p.Col, Field: "created",
			Message: fmt.Sprintf("%s is in the future (it is now %s); give the time the environment was created", e.createdText, now.UTC().Format(time.RFC3339))})
	}
}

// keyNode returns the key node of a top-level field of a mapping, or nil.
func keyNode(root *yaml.Node, name string) *yaml.Node {
	if root == nil || root.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == name {
			return root.Content[i]
		}
	}
	return nil
}

// nodeAt makes a positioned node for errorf from a recorded position.
func nodeAt(p Position) *yaml.Node { return &yaml.Node{Line: p.Line, Column: p.Col} }

// checkInputs checks the environment's inputs against its archetype: unknown
// inputs, values of the wrong type or out of range, missing required ones.
func (e *Environment) checkInputs(a *Archetype) {
	d := &decoder{file: e.File}
	e.Inputs = make(map[string]any, len(e.inputs))
	for _, n := range e.inputs {
		path := "inputs." + n.key.Value
		in, ok := a.Input(n.key.Value)
		if !ok {
			d.errorf(n.key, path, "archetype %s has no input %q; %s", a.Name, n.key.Value, inputNames(a))
			continue
		}
		if isNull(n.value) {
			continue
		}
		if v := in.checkNode(d, n.value, path); v != nil {
			e.Inputs[in.Name] = v
		}
	}
	for _, in := range a.Inputs {
		if !in.Required {
			continue
		}
		if _, set := e.Inputs[in.Name]; set || e.inputSet(in.Name) {
			continue
		}
		where := e.root
		if k := keyNode(e.root, "inputs"); k != nil {
			where = k
		}
		d.errorf(where, "inputs."+in.Name, "%s", MissingInput(in))
	}
	e.Diags = append(e.Diags, d.diags...)
}

// inputSet reports whether the file sets the input at all, valid or not.
func (e *Environment) inputSet(name string) bool {
	for _, n := range e.inputs {
		if n.key.Value == name && !isNull(n.value) {
			return true
		}
	}
	return false
}

func inputNames(a *Archetype) string {
	if len(a.Inputs) == 0 {
		return "it takes no inputs"
	}
	names := make([]string, len(a.Inputs))
	for i, in := range a.Inputs {
		names[i] = in.Name
	}
	return "it takes: " + strings.Join(names, ", ")
}

// checkTemplates executes the archetype's templates for this environment so
// that a reference to a missing key is reported before anything renders.
func (e *Environment) checkTemplates(a *Archetype) {
	for _, name := range a.Templates() {
		if _, ok := a.templates[name]; !ok {
			continue // did not parse; reported on the archetype
		}
		if _, err := a.ExecuteTemplate(name, e); err != nil {
			e.Diags = append(e.Diags, templateDiagnostic(a.Dir+"/"+name, err, "rendering for environment "+e.Name+": "))
		}
	}
}
