package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"gopkg.in/yaml.v3"
)

// ArchetypeFile is the file that makes a directory under archetypes/ an
// archetype.
const ArchetypeFile = "archetype.yaml"

// TemplateSuffix marks a file rendered with text/template; the rendered file
// drops the suffix.
const TemplateSuffix = ".tmpl"

// ContextFile is the file rendering adds to every work directory; an
// archetype may not ship a file of that name.
const ContextFile = "envbench.tf"

// VarsFile is the file rendering writes the inputs to.
const VarsFile = "envbench.auto.tfvars.json"

// Archetype is a blueprint for a kind of environment: one Terraform root
// module with typed inputs.
type Archetype struct {
	Name        string
	Dir         string // relative to the workspace root
	File        string // the archetype.yaml path, relative to the root
	Description string
	Inputs      []Input // in declaration order
	// Risk extends the workspace's risk rules for this archetype's
	// environments.
	Risk RiskRules
	// Hooks are the commands a clone runs before and after deploying.
	Hooks Hooks
	// Files are the module's files relative to Dir, sorted, without
	// archetype.yaml. Templates are among them, with their suffix.
	Files     []string
	templates map[string]*template.Template
}

// Input returns the named input.
func (a *Archetype) Input(name string) (Input, bool) {
	i := slices.IndexFunc(a.Inputs, func(in Input) bool { return in.Name == name })
	if i < 0 {
		return Input{}, false
	}
	return a.Inputs[i], true
}

// Templates lists the archetype's template files, sorted.
func (a *Archetype) Templates() []string {
	var out []string
	for _, f := range a.Files {
		if strings.HasSuffix(f, TemplateSuffix) {
			out = append(out, f)
		}
	}
	return out
}

// ExecuteTemplate renders one of the archetype's templates (named by its
// path relative to Dir) for an environment.
func (a *Archetype) ExecuteTemplate(name string, env *Environment) ([]byte, error) {
	t, ok := a.templates[name]
	if !ok {
		return nil, fmt.Errorf("archetype %s has no template %s", a.Name, name)
	}
	b := &limitedBuffer{limit: maxTemplateOutput}
	if err := t.Execute(b, env.TemplateData(a)); err != nil {
		return nil, err
	}
	return b.buf.Bytes(), nil
}

// maxTemplateOutput bounds what one template may render, so a runaway range
// is an error instead of exhausting memory.
const maxTemplateOutput = 8 << 20

type limitedBuffer struct {
	buf   bytes.Buffer
	limit int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if l.buf.Len()+len(p) > l.limit {
		return 0, fmt.Errorf("template output exceeds %d MiB", l.limit>>20)
	}
	return l.buf.Write(p)
}

var (
	namePattern  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,38}[a-z0-9]$|^[a-z]$`)
	inputPattern = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_-]*$`)
)

func checkName(kind, name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("%s name %q must be 1 to 40 lowercase letters, digits and dashes, starting with a letter and not ending with a dash", kind, name)
	}
	return nil
}

// templateFuncs are the functions templates may call. They only format
// values; templates never reach outside their data.
var templateFuncs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"join": func(sep string, v []any) string {
		parts := make([]string, len(v))
		for i, item := range v {
			parts[i] = fmt.Sprint(item)
		}
		return strings.Join(parts, sep)
	},
}

// parseTemplate parses one template file of the archetype, recording a
// diagnostic when it does not parse.
func (a *Archetype) parseTemplate(name, text string, diags *Diagnostics) {
	file := a.Dir + "/" + name
	t, err := template.New(name).Option("missingkey=error").Funcs(templateFuncs).Parse(text)
	if err != nil {
		*diags = append(*diags, templateDiagnostic(file, err, ""))
		return
	}
	if a.templates == nil {
		a.templates = map[string]*template.Template{}
	}
	a.templates[name] = t
}

var templateErrorPos = regexp.MustCompile(`^template: [^:]*:(\d+)(?::(\d+))?: (.*)$`)

// templateDiagnostic turns a text/template error into a diagnostic at the
// template's line and column.
func templateDiagnostic(file string, err error, prefix string) Diagnostic {
	d := Diagnostic{File: file, Message: prefix + err.Error()}
	if m := templateErrorPos.FindStringSubmatch(err.Error()); m != nil {
		fmt.Sscan(m[1], &d.Line)
		if m[2] != "" {
			fmt.Sscan(m[2], &d.Col)
		}
		msg := m[3]
		if i := strings.Index(msg, ": "); strings.HasPrefix(msg, "executing ") && i > 0 {
			msg = msg[i+2:]
		}
		d.Message = prefix + msg
	}
	return d
}

func decodeArchetype(name, dir string, data []byte) (*Archetype, Diagnostics) {
	file := dir + "/" + ArchetypeFile
	d := &decoder{file: file}
	a := &Archetype{Name: name, Dir: dir, File: file}
	if err := checkName("archetype", name); err != nil {
		d.errorf(nil, "", "%v", err)
	}
	root := d.parseDocument(data)
	if root == nil {
		return a, d.diags
	}
	d.object(root, "", map[string]fieldFunc{
		"description": func(v *yaml.Node, p string) { a.Description, _ = d.str(v, p) },
		"risk":        func(v *yaml.Node, p string) { d.decodeRisk(v, p, &a.Risk) },
		"hooks":       func(v *yaml.Node, p string) { d.decodeHooks(v, p, a) },
		"inputs": func(v *yaml.Node, p string) {
			v = d.resolve(v)
			if v == nil {
				return
			}
			if v.Kind != yaml.MappingNode {
				d.errorf(v, p, "want a mapping of input names to definitions, got %s", describe(v))
				return
			}
			d.pairs(v, p, func(k, def *yaml.Node, key string) {
				if in, ok := d.inputDefinition(k, def, join(p, key)); ok {
					a.Inputs = append(a.Inputs, in)
				}
			})
		},
	})
	return a, d.diags
}

// inputDefinition decodes one input of archetype.yaml.
func (d *decoder) inputDefinition(k, n *yaml.Node, path string) (Input, bool) {
	in := Input{Name: k.Value, Pos: Position{k.Line, k.Column}}
	start := len(d.diags)
	if !inputPattern.MatchString(in.Name) {
		d.errorf(k, path, "input name must be a Terraform identifier (letters, digits, _ and -, not starting with a digit)")
	} else if strings.HasPrefix(in.Name, "envbench") {
		d.errorf(k, path, "input names starting with envbench are reserved")
	}
	nodes := map[string]*yaml.Node{}
	keep := func(v *yaml.Node, p string) { nodes[p[len(path)+1:]] = v }
	d.object(n, path, map[string]fieldFunc{
		"type": keep, "items": keep, "required": keep, "default": keep, "description": keep,
		"pattern": keep, "min": keep, "max": keep, "values": keep, "shared": keep,
	})
	if n = d.resolve(n); n == nil || n.Kind != yaml.MappingNode {
		return in, false
	}
	typ, ok := nodes["type"]
	if !ok {
		d.errorf(n, path, "missing type; want one of %s", typeList(inputTypes))
		return in, false
	}
	if t, ok := d.str(typ, path+".type"); ok {
		in.Type = InputType(t)
		if !slices.Contains(inputTypes, in.Type) {
			d.errorf(typ, path+".type", "unknown type %q; want one of %s", t, typeList(inputTypes))
			return in, false
		}
	}
	if v, ok := nodes["items"]; ok {
		if t, ok := d.str(v, path+".items"); ok {
			switch {
			case in.Type != TypeList:
				d.errorf(v, path+".items", "items applies to list inputs only")
			case !slices.Contains(listItemTypes, InputType(t)):
				d.errorf(v, path+".items", "unknown item type %q; want one of %s", t, typeList(listItemTypes))
			default:
				in.Items = InputType(t)
			}
		}
	}
	if v, ok := nodes["required"]; ok {
		in.Required, _ = d.boolean(v, path+".required")
	}
	if v, ok := nodes["description"]; ok {
		in.Description, _ = d.str(v, path+".description")
	}
	elem := in.Type
	if in.Type == TypeList {
		elem = in.itemType()
	}
	if v, ok := nodes["pattern"]; ok {
		if s, ok := d.str(v, path+".pattern"); ok {
			re, err := regexp.Compile(s)
			switch {
			case elem != TypeString:
				d.errorf(v, path+".pattern", "pattern applies to string inputs (and lists of strings) only")
			case err != nil:
				d.errorf(v, path+".pattern", "invalid regular expression: %v", err)
			default:
				in.Pattern = re
			}
		}
	}
	for _, bound := range []struct {
		key string
		dst **float64
	}{{"min", &in.Min}, {"max", &in.Max}} {
		v, ok := nodes[bound.key]
		if !ok {
			continue
		}
		if f, ok := d.number(v, path+"."+bound.key); ok {
			if elem != TypeNumber {
				d.errorf(v, path+"."+bound.key, "%s applies to number inputs (and lists of numbers) only", bound.key)
				continue
			}
			*bound.dst = &f
		}
	}
	if in.Min != nil && in.Max != nil && *in.Min > *in.Max {
		d.errorf(nodes["min"], path+".min", "min %s is above max %s", formatNumber(*in.Min), formatNumber(*in.Max))
	}
	if v, ok := nodes["values"]; ok {
		if vals, ok := d.strings(v, path+".values"); ok {
			if in.Type != TypeEnum {
				d.errorf(v, path+".values", "values applies to enum inputs only")
			}
			in.Values = vals
			for i, val := range vals {
				if slices.Index(vals, val) != i {
					d.errorf(v.Content[i], fmt.Sprintf("%s.values[%d]", path, i), "%q is listed twice", val)
				}
			}
		}
	}
	if v, ok := nodes["shared"]; ok {
		if shared, ok := d.boolean(v, path+".shared"); ok {
			if elem != TypeCIDR {
				d.errorf(v, path+".shared", "shared applies to cidr inputs (and lists of cidr) only")
			}
			in.Shared = shared
		}
	}
	if in.Type == TypeEnum && len(in.Values) == 0 {
		d.errorf(n, path, "an enum input needs values: the list of allowed values")
	}
	if v, ok := nodes["default"]; ok && len(d.diags) == start {
		if in.Required {
			d.errorf(v, path+".default", "a required input cannot have a default; drop one of them")
		}
		in.Default = in.checkNode(d, v, path+".default")
	}
	return in, len(d.diags) == start
}

func typeList(ts []InputType) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = string(t)
	}
	return strings.Join(parts, ", ")
}
