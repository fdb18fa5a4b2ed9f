package envs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/envbench/envbench/config"
)

// manifestFile lists the files the last render wrote into a work directory,
// so the next render can remove those that no longer come from the
// archetype without touching anything Terraform keeps there.
const manifestFile = ".envbench-rendered"

// WorkDir returns the directory an environment renders into.
func WorkDir(root, env string) string {
	return filepath.Join(root, ".envbench", "work", env)
}

// RenderResult says what a render did.
type RenderResult struct {
	Dir       string
	Written   []string // files whose content changed, relative to Dir
	Unchanged []string
	Removed   []string // files of an earlier render that are gone from the archetype
}

// Render renders an environment into its work directory: the archetype's
// files, its templates executed with strict missing-key errors, the inputs as
// envbench.auto.tfvars.json and envbench.tf with the environment's context
// (name, account, region, role to assume, default tags). Rendering is
// deterministic and only rewrites files whose content changed, so unchanged
// files keep their modification times. Each file is written atomically.
func Render(ws *config.Workspace, env *config.Environment) (RenderResult, error) {
	if !env.Valid() {
		return RenderResult{}, fmt.Errorf("render %s: the environment has errors:\n%w", env.Name, env.Diags)
	}
	a, ok := ws.Archetype(env.Archetype)
	if !ok {
		return RenderResult{}, fmt.Errorf("render %s: unknown archetype %q", env.Name, env.Archetype)
	}
	files, err := renderFiles(ws.Root, a, env)
	if err != nil {
		return RenderResult{}, fmt.Errorf("render %s: %w", env.Name, err)
	}
	dir := WorkDir(ws.Root, env.Name)
	res := RenderResult{Dir: dir}
	if err := PrivateStateDir(ws.Root); err != nil {
		return res, fmt.Errorf("render %s: %w", env.Name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, fmt.Errorf("render %s: %w", env.Name, err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		changed, err := writeIfChanged(filepath.Join(dir, filepath.FromSlash(name)), files[name])
		if err != nil {
			return res, fmt.Errorf("render %s: %w", env.Name, err)
		}
		if changed {
			res.Written = append(res.Written, name)
		} else {
			res.Unchanged = append(res.Unchanged, name)
		}
	}
	previous, _ := readManifest(dir)
	for _, name := range previous {
		if _, still := files[name]; still {
			continue
		}
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(name))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return res, fmt.Errorf("render %s: remove stale %s: %w", env.Name, name, err)
		}
		res.Removed = append(res.Removed, name)
	}
	manifest := []byte(strings.Join(names, "\n") + "\n")
	if _, err := writeIfChanged(filepath.Join(dir, manifestFile), manifest); err != nil {
		return res, fmt.Errorf("render %s: %w", env.Name, err)
	}
	return res, nil
}

// Fingerprint is a digest of everything rendering would write for the
// environment now: its files, templates, inputs and context. A saved plan
// records it, and apply refuses the plan once the configuration it was
// made from has changed.
func Fingerprint(ws *config.Workspace, env *config.Environment) (string, error) {
	a, ok := ws.Archetype(env.Archetype)
	if !ok {
		return "", fmt.Errorf("unknown archetype %q", env.Archetype)
	}
	files, err := renderFiles(ws.Root, a, env)
	if err != nil {
		return "", err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	h := sha256.New()
	for _, name := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(files[name]))
		h.Write(files[name])
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// SourceFile names, for a file of the environment's work directory as
// Terraform's diagnostics cite it ("main.tf"), the file the user edits: the
// archetype's file, or the template or environment file it was rendered
// from (whose lines may differ).
func SourceFile(ws *config.Workspace, env *config.Environment, rendered string) string {
	if rendered == "" || filepath.IsAbs(rendered) {
		return rendered
	}
	rendered = filepath.ToSlash(filepath.Clean(rendered))
	work := ".envbench/work/" + env.Name + "/" + rendered
	if rendered == config.ContextFile || rendered == config.VarsFile {
		return work + " (written by envbench from " + env.File + ")"
	}
	a, ok := ws.Archetype(env.Archetype)
	if !ok {
		return rendered
	}
	if slices.Contains(a.Files, rendered) {
		return a.Dir + "/" + rendered
	}
	if slices.Contains(a.Files, rendered+config.TemplateSuffix) {
		return work + " (rendered from " + a.Dir + "/" + rendered + config.TemplateSuffix + ")"
	}
	return rendered
}

// renderFiles computes every file of the work directory in memory.
func renderFiles(root string, a *config.Archetype, env *config.Environment) (map[string][]byte, error) {
	files := make(map[string][]byte, len(a.Files)+2)
	for _, name := range a.Files {
		if strings.HasSuffix(name, config.TemplateSuffix) {
			out, err := a.ExecuteTemplate(name, env)
			if err != nil {
				return nil, fmt.Errorf("template %s/%s: %w", a.Dir, name, err)
			}
			files[strings.TrimSuffix(name, config.TemplateSuffix)] = out
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(a.Dir), filepath.FromSlash(name)))
		if err != nil {
			return nil, fmt.Errorf("read archetype file: %w", err)
		}
		files[name] = data
	}
	vars, err := varsFile(env.Values(a))
	if err != nil {
		return nil, err
	}
	files[config.VarsFile] = vars
	files[config.ContextFile] = contextFile(env)
	return files, nil
}

// varsFile encodes the inputs as a tfvars JSON file with sorted keys.
func varsFile(values map[string]any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(values); err != nil {
		return nil, fmt.Errorf("encode inputs: %w", err)
	}
	return b.Bytes(), nil
}

// DefaultTags are the tags every resource of the environment carries through
// the provider's default tags; teardown's sweep finds leftovers by them.
func DefaultTags(env string) map[string]string {
	return map[string]string{"envbench:env": env}
}

// RunIDVariable is the input variable envbench.tf declares for the run id;
// plans and destroys give it (-var), saved plans carry it to apply.
const RunIDVariable = "envbench_run_id"

// contextFile is envbench.tf: a local value the archetype's provider
// configuration reads (local.envbench.region, .role_arn, .default_tags).
func contextFile(env *config.Environment) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by envbench for environment %s; rewritten on every render.\n", env.Name)
	b.WriteString("# Archetypes read it as local.envbench (region, role_arn, default_tags...).\n")
	b.WriteString("locals {\n  envbench = {\n")
	field := func(k, v string) { fmt.Fprintf(&b, "    %-13s= %s\n", k, v) }
	field("env", hclString(env.Name))
	field("archetype", hclString(env.Archetype))
	field("account_id", hclString(env.Account))
	field("region", hclString(env.Region))
	if env.Role == "" {
		field("role_arn", "null")
	} else {
		field("role_arn", hclString(env.Role))
	}
	// The run id comes from the run (-var), so that every session leads
	// back to it while the rendered files stay the same from run to run.
	field("session_name", `"envbench-${var.envbench_run_id}"`)
	field("owner", hclString(env.Owner))
	field("protected", fmt.Sprint(env.Protected))
	b.WriteString("    default_tags = {\n")
	tags := DefaultTags(env.Name)
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "      %s = %s\n", hclString(k), hclString(tags[k]))
	}
	b.WriteString("    }\n  }\n}\n")
	b.WriteString("\n# The id of the run that plans, given by envbench (-var); it names the\n# run's AWS sessions envbench-<run-id>.\n")
	fmt.Fprintf(&b, "variable %q {\n  type = string\n}\n", RunIDVariable)
	return []byte(b.String())
}

// hclString quotes s as an HCL string literal in which ${ and %{ are
// literal text, not template sequences.
func hclString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	q := strings.TrimSuffix(b.String(), "\n")
	q = strings.ReplaceAll(q, "${", "$${")
	return strings.ReplaceAll(q, "%{", "%%{")
}

// writeIfChanged writes data to name atomically (a temporary file renamed
// over it) unless name already holds exactly data.
func writeIfChanged(name string, data []byte) (bool, error) {
	if old, err := os.ReadFile(name); err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return false, err
	}
	return true, WriteFileAtomic(name, data, 0o644)
}

// WriteFileAtomic writes data to a temporary file in name's directory, syncs
// it and renames it over name, so a reader sees the old file or the new one,
// never a half-written one.
func WriteFileAtomic(name string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

func readManifest(dir string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, line := range strings.Split(string(data), "\n") {
		// Only plain relative paths: a tampered manifest must not make a
		// render delete files outside the work directory.
		if line != "" && !strings.HasPrefix(line, "/") && !slices.Contains(strings.Split(line, "/"), "..") && path.Clean(line) == line {
			names = append(names, line)
		}
	}
	return names, nil
}

// ErrExists is returned when creating a file that already exists.
var ErrExists = errors.New("already exists")

// CreateFileExclusive writes data to name only if name does not exist yet,
// atomically: a concurrent creator of the same file makes one of the two
// fail with ErrExists, and no reader ever sees a partial file.
func CreateFileExclusive(name string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), name); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s %w", name, ErrExists)
		}
		return err
	}
	return nil
}

// PrivateStateDir creates root's .envbench/ owner-only (0700), or tightens
// it if it exists: everything envbench and Terraform keep under it (state,
// saved plans, locks, run records) is then private whatever the umask and
// whatever mode each file gets.
func PrivateStateDir(root string) error {
	dir := filepath.Join(root, ".envbench")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("make %s owner-only: %w", dir, err)
	}
	return nil
}
