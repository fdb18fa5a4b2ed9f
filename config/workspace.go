package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Workspace is a loaded workspace: its settings, archetypes and environments
// with every problem found in them. A workspace with problems still loads:
// each broken file carries its own diagnostics.
type Workspace struct {
	Root          string
	Settings      Settings
	SettingsDiags Diagnostics
	Archetypes    []*Archetype   // sorted by name
	Environments  []*Environment // sorted by name

	fsys           fs.FS
	now            time.Time // what the checks were made against
	loaded         time.Time // when, by the machine's clock
	overlaps       []Overlap
	archetypeDiags map[string]Diagnostics
	// Problems that belong to no single file (a name clash between files).
	otherDiags Diagnostics
}

// ErrNoWorkspace is returned when no envbench.yaml is found.
var ErrNoWorkspace = errors.New("no envbench.yaml found")

// FindRoot walks up from dir to the nearest directory holding envbench.yaml,
// as git finds .git.
func FindRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, SettingsFile)); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%w in %s or any parent directory; create one or pass --workspace DIR", ErrNoWorkspace, abs)
		}
	}
}

// Load reads and validates the workspace rooted at root as of now. The
// error is only for a workspace that cannot be read at all (no
// envbench.yaml, an unreadable directory); problems in its files are
// diagnostics.
func Load(root string) (*Workspace, error) { return LoadAt(root, time.Now()) }

// LoadAt is Load with the time the checks that depend on it (a creation
// date in the future) are made against.
//
// Files are read through the workspace directory only: a symbolic link
// that leads outside it is a problem of its own, never followed, and a file
// that is not a regular file (a named pipe, a device) is refused before it
// is read.
func LoadAt(root string, now time.Time) (*Workspace, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	wfs, err := openWorkspaceFS(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w in %s", ErrNoWorkspace, abs)
		}
		return nil, fmt.Errorf("open workspace %s: %w", abs, err)
	}
	defer wfs.Close()
	return LoadFSAt(wfs, abs, now)
}

// LoadFS is Load reading the workspace's files from fsys; root is recorded as
// the workspace's directory on disk, where rendering writes and where a
// relative terraform.binary is looked for.
func LoadFS(fsys fs.FS, root string) (*Workspace, error) {
	return LoadFSAt(fsys, root, time.Now())
}

// LoadFSAt is LoadFS as of now.
func LoadFSAt(fsys fs.FS, root string, now time.Time) (*Workspace, error) {
	data, err := readBounded(fsys, SettingsFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w in %s", ErrNoWorkspace, root)
		}
		return nil, fmt.Errorf("read workspace settings %s: %w", SettingsFile, err)
	}
	ws := &Workspace{Root: root, fsys: fsys, now: now, loaded: time.Now(), archetypeDiags: map[string]Diagnostics{}}
	ws.Settings, ws.SettingsDiags = decodeSettings(SettingsFile, data)
	ws.SettingsDiags = append(ws.SettingsDiags, checkTerraformBinary(root, ws.Settings)...)
	if err := ws.loadArchetypes(); err != nil {
		return nil, err
	}
	if err := ws.loadEnvironments(); err != nil {
		return nil, err
	}
	for _, e := range ws.Environments {
		e.checkCreated(now)
		ws.checkEnvironment(e)
	}
	ws.overlaps = findOverlaps(ws.Environments, ws.archetypeMap())
	for _, o := range ws.overlaps {
		o.Env.setOverlap(o.diagnostic(), false)
	}
	for _, e := range ws.Environments {
		e.Diags = e.Diags.Sort()
	}
	return ws, nil
}

// Diagnostics returns every problem in the workspace, sorted.
func (ws *Workspace) Diagnostics() Diagnostics {
	all := slices.Clone(ws.SettingsDiags)
	for _, ds := range ws.archetypeDiags {
		all = append(all, ds...)
	}
	for _, e := range ws.Environments {
		all = append(all, e.Diags...)
	}
	all = append(all, ws.otherDiags...)
	return all.Sort()
}

// ArchetypeDiagnostics returns the problems of one archetype's files.
func (ws *Workspace) ArchetypeDiagnostics(name string) Diagnostics {
	return ws.archetypeDiags[name]
}

// Archetype returns the named archetype.
func (ws *Workspace) Archetype(name string) (*Archetype, bool) {
	i, ok := slices.BinarySearchFunc(ws.Archetypes, name, func(a *Archetype, n string) int { return strings.Compare(a.Name, n) })
	if !ok {
		return nil, false
	}
	return ws.Archetypes[i], true
}

// Environment returns the named environment.
func (ws *Workspace) Environment(name string) (*Environment, bool) {
	i, ok := slices.BinarySearchFunc(ws.Environments, name, func(e *Environment, n string) int { return strings.Compare(e.Name, n) })
	if !ok {
		return nil, false
	}
	return ws.Environments[i], true
}

func (ws *Workspace) archetypeMap() map[string]*Archetype {
	m := make(map[string]*Archetype, len(ws.Archetypes))
	for _, a := range ws.Archetypes {
		m[a.Name] = a
	}
	return m
}

func (ws *Workspace) loadArchetypes() error {
	entries, err := fs.ReadDir(ws.fsys, "archetypes")
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read archetypes: %w", err)
	}
	for _, entry := range entries {
		if !entry.IsDir() || strings.HasPrefix(entry.Name(), ".") {
			continue
		}
		name := entry.Name()
		dir := "archetypes/" + name
		data, err := readBounded(ws.fsys, dir+"/"+ArchetypeFile)
		if errors.Is(err, fs.ErrNotExist) {
			ws.archetypeDiags[name] = Diagnostics{{File: dir, Message: "not an archetype: no " + ArchetypeFile + " (add one, or move the directory out of archetypes/)"}}
			continue
		}
		if err != nil {
			ws.Archetypes = append(ws.Archetypes, &Archetype{Name: name, Dir: dir, File: dir + "/" + ArchetypeFile})
			ws.archetypeDiags[name] = Diagnostics{{File: dir + "/" + ArchetypeFile, Message: err.Error()}}
			continue
		}
		a, diags := decodeArchetype(name, dir, data)
		diags = append(diags, a.Risk.checkTightens(a.File, ws.Settings.Risk)...)
		diags = append(diags, a.loadFiles(ws.fsys)...)
		diags = append(diags, a.checkHookFiles()...)
		ws.Archetypes = append(ws.Archetypes, a)
		ws.archetypeDiags[name] = diags.Sort()
	}
	return nil
}

// loadFiles lists the archetype's module files and parses its templates.
func (a *Archetype) loadFiles(fsys fs.FS) Diagnostics {
	var diags Diagnostics
	base := a.Dir
	err := fs.WalkDir(fsys, base, func(p string, entry fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if entry.IsDir() {
			if p != base && (strings.HasPrefix(entry.Name(), ".") || entry.Name() == "node_modules") {
				return fs.SkipDir
			}
			return nil
		}
		rel := strings.TrimPrefix(p, base+"/")
		if rel == ArchetypeFile || !entry.Type().IsRegular() {
			return nil
		}
		if rel == ContextFile || rel == VarsFile || strings.TrimSuffix(rel, TemplateSuffix) == ContextFile {
			diags = append(diags, Diagnostic{File: a.Dir + "/" + rel, Message: "file name is reserved: rendering writes " + ContextFile + " and " + VarsFile})
			return nil
		}
		if strings.HasPrefix(path.Base(rel), "terraform.tfstate") {
			diags = append(diags, Diagnostic{File: a.Dir + "/" + rel, Message: "Terraform state does not belong in an archetype; remove it"})
			return nil
		}
		a.Files = append(a.Files, rel)
		if strings.HasSuffix(rel, TemplateSuffix) {
			text, err := readBounded(fsys, p)
			if err != nil {
				diags = append(diags, Diagnostic{File: a.Dir + "/" + rel, Message: err.Error()})
				return nil
			}
			a.parseTemplate(rel, string(text), &diags)
		}
		return nil
	})
	if err != nil {
		diags = append(diags, Diagnostic{File: a.Dir, Message: "read archetype files: " + err.Error()})
	}
	if !slices.ContainsFunc(a.Files, func(f string) bool {
		return strings.HasSuffix(f, ".tf") || strings.HasSuffix(f, ".tf"+TemplateSuffix) || strings.HasSuffix(f, ".tf.json")
	}) {
		diags = append(diags, Diagnostic{File: a.File, Message: "archetype has no Terraform files (*.tf or *.tf.tmpl)"})
	}
	slices.Sort(a.Files)
	return diags
}

func (ws *Workspace) loadEnvironments() error {
	entries, err := fs.ReadDir(ws.fsys, "envs")
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read environments: %w", err)
	}
	seen := map[string]string{}
	for _, entry := range entries {
		ext := path.Ext(entry.Name())
		if entry.IsDir() || (ext != ".yaml" && ext != ".yml") || strings.HasPrefix(entry.Name(), ".") {
			continue
		}
		name := strings.TrimSuffix(entry.Name(), ext)
		file := "envs/" + entry.Name()
		if other, dup := seen[name]; dup {
			// Both files are wrong until one goes: the environment is invalid.
			ws.otherDiags = append(ws.otherDiags, Diagnostic{File: file, Line: 1, Col: 1, Message: fmt.Sprintf("environment %s is also defined by %s; keep one file", name, other)})
			for _, e := range ws.Environments {
				if e.Name == name {
					e.Diags = append(e.Diags, Diagnostic{File: other, Line: 1, Col: 1, Message: fmt.Sprintf("environment %s is also defined by %s; keep one file", name, file)})
				}
			}
			continue
		}
		seen[name] = file
		data, err := readBounded(ws.fsys, file)
		if err != nil {
			e := &Environment{Name: name, File: file, Diags: Diagnostics{{File: file, Message: err.Error()}}}
			ws.Environments = append(ws.Environments, e)
			continue
		}
		ws.Environments = append(ws.Environments, decodeEnvironment(name, file, data, ws.Settings))
	}
	slices.SortFunc(ws.Environments, func(a, b *Environment) int { return strings.Compare(a.Name, b.Name) })
	return nil
}

// checkEnvironment runs the checks that need the environment's archetype.
func (ws *Workspace) checkEnvironment(e *Environment) {
	if e.root == nil || e.Archetype == "" {
		return
	}
	a, ok := ws.Archetype(e.Archetype)
	if !ok {
		p := e.pos["archetype"]
		e.Diags = append(e.Diags, Diagnostic{File: e.File, Line: p.Line, Col: p.Col, Field: "archetype",
			Message: fmt.Sprintf("unknown archetype %q; the workspace has: %s", e.Archetype, ws.archetypeNames())})
		return
	}
	if len(ws.archetypeDiags[a.Name]) > 0 {
		p := e.pos["archetype"]
		e.Diags = append(e.Diags, Diagnostic{File: e.File, Line: p.Line, Col: p.Col, Field: "archetype",
			Message: fmt.Sprintf("archetype %s has errors; fix %s first", a.Name, a.File)})
		return
	}
	e.checkInputs(a)
	if len(e.Diags) == 0 {
		e.checkTemplates(a)
	}
}

func (ws *Workspace) archetypeNames() string {
	if len(ws.Archetypes) == 0 {
		return "none (add one under archetypes/)"
	}
	names := make([]string, len(ws.Archetypes))
	for i, a := range ws.Archetypes {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}

// CheckCandidate validates the text of a would-be envs/<name>.yaml against
// the workspace exactly as Load would, without writing it: its own fields,
// its inputs against the archetype, its templates and its CIDRs against the
// other environments. It returns the candidate's problems and the decoded
// environment.
func (ws *Workspace) CheckCandidate(name string, data []byte) (*Environment, Diagnostics) {
	file := "envs/" + name + ".yaml"
	e := decodeEnvironment(name, file, data, ws.Settings)
	if _, exists := ws.Environment(name); exists {
		e.Diags = append(e.Diags, Diagnostic{File: file, Message: "environment " + name + " already exists; choose another name"})
	}
	// A workspace stays loaded while the TUI runs: the candidate is checked
	// against the load's now, moved on by the time since.
	e.checkCreated(ws.now.Add(time.Since(ws.loaded)))
	ws.checkEnvironment(e)
	others := slices.DeleteFunc(slices.Clone(ws.Environments), func(o *Environment) bool { return o.Name == name })
	// The candidate is not deployed: any overlap is its error.
	for _, o := range findOverlaps(append(others, e), ws.archetypeMap()) {
		if o.Env == e {
			e.Diags = append(e.Diags, o.diagnostic())
		}
	}
	e.Diags = e.Diags.Sort()
	return e, e.Diags
}

// Warnings returns every warning in the workspace, sorted: problems that
// are reported but block nothing.
func (ws *Workspace) Warnings() Diagnostics {
	var all Diagnostics
	for _, e := range ws.Environments {
		all = append(all, e.Warnings...)
	}
	return all.Sort()
}
