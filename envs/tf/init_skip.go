package tf

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// initRecordFile keeps, in Terraform's own .terraform/ directory, what the
// last successful init depended on: removing .terraform/ forgets it too.
const initRecordFile = "envbench-init.json"

// SimulatedProviderEnv is the environment variable that carries the
// sha256 of the binary serving the simulated aws provider
// (envs/simprovider.DigestEnv): init depends on it.
const SimulatedProviderEnv = "ENVBENCH_SIM_PROVIDER"

// InitResult says whether InitIfNeeded ran terraform init, and why.
type InitResult struct {
	Ran    bool
	Reason string // "first init of this work directory", "skipped: ...", "... changed since the last init"
}

// InitIfNeeded runs terraform init unless nothing init depends on changed
// since the last successful init of this work directory: the dependency lock
// file, the terraform{} blocks (backend, required providers) and module
// blocks (sources, versions) of the configuration, the Terraform binary, and
// the environment that tells Terraform where providers and its data live.
func (r *Runner) InitIfNeeded(ctx context.Context, sink func(Event)) (InitResult, error) {
	before, err := r.initInputs()
	if err != nil {
		return InitResult{}, fmt.Errorf("terraform init: %w", err)
	}
	why := "first init of this work directory"
	if last, ok := readInitRecord(r.dir); ok {
		changed := changedInputs(last, before)
		if len(changed) == 0 {
			return InitResult{Reason: "skipped: the lock file, backend, required providers, modules and terraform binary are unchanged since the last init"}, nil
		}
		why = strings.Join(changed, ", ") + " changed since the last init"
	}
	if err := r.Init(ctx, sink); err != nil {
		return InitResult{Ran: true, Reason: why}, err
	}
	// Init may write the lock file: record what it depends on now.
	after, err := r.initInputs()
	if err == nil {
		err = writeInitRecord(r.dir, after)
	}
	if err != nil {
		return InitResult{Ran: true, Reason: why}, fmt.Errorf("terraform init: record what it depended on: %w", err)
	}
	return InitResult{Ran: true, Reason: why}, nil
}

// ForgetInit makes the next InitIfNeeded run init: a command failed in a
// way init would mend (a module or provider missing).
func (r *Runner) ForgetInit() {
	_ = os.Remove(filepath.Join(r.dir, ".terraform", initRecordFile))
}

// initInputs is initInputs of the runner's directory, and the session
// name init gives the backend, when it gives one: each run of a workspace
// whose S3 backend assumes a role inits.
func (r *Runner) initInputs() (map[string]string, error) {
	in, err := initInputs(r.dir, r.binary, r.version, r.env)
	if err != nil {
		return nil, err
	}
	s, err := findBackendSession(r.dir, r.session)
	if err != nil {
		return nil, err
	}
	if s != nil {
		in["the backend's session name"] = r.session
	}
	return in, nil
}

// initInputs digests everything init depends on, by name.
func initInputs(dir, binary, version string, env map[string]string) (map[string]string, error) {
	in := map[string]string{}
	info, err := os.Stat(binary)
	if err != nil {
		return nil, err
	}
	in["the terraform binary"] = fmt.Sprintf("%s %d %d %s", binary, info.Size(), info.ModTime().UnixNano(), version)
	var settings []string
	for _, k := range []string{"TF_PLUGIN_CACHE_DIR", "TF_CLI_CONFIG_FILE", "TF_DATA_DIR", "TF_WORKSPACE"} {
		settings = append(settings, k+"="+env[k])
	}
	in["Terraform's settings ("+strings.Join([]string{"TF_PLUGIN_CACHE_DIR", "TF_CLI_CONFIG_FILE", "TF_DATA_DIR", "TF_WORKSPACE"}, ", ")+")"] = digest([]byte(strings.Join(settings, "\n")))
	// The simulated provider is the envbench binary: a rebuilt one is
	// another package, which init must record in the lock file.
	if d := env[SimulatedProviderEnv]; d != "" {
		in["the simulated aws provider (the envbench binary)"] = d
	}
	lock, err := os.ReadFile(filepath.Join(dir, ".terraform.lock.hcl"))
	switch {
	case err == nil:
		in["the dependency lock file"] = digest(lock)
	case errors.Is(err, os.ErrNotExist):
		in["the dependency lock file"] = "absent"
	default:
		return nil, err
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		name := d.Name()
		if !strings.HasSuffix(name, ".tf") && !strings.HasSuffix(name, ".tf.json") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if strings.HasSuffix(name, ".tf") {
			data = initBlocks(data)
		}
		in[rel+"'s terraform and module blocks"] = digest(data)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}

// changedInputs names the inputs that differ, sorted.
func changedInputs(last, now map[string]string) []string {
	var changed []string
	for k, v := range now {
		if old, ok := last[k]; !ok || old != v {
			changed = append(changed, k)
		}
	}
	for k := range last {
		if _, ok := now[k]; !ok {
			changed = append(changed, k)
		}
	}
	slices.Sort(changed)
	return changed
}

func readInitRecord(dir string) (map[string]string, bool) {
	data, err := os.ReadFile(filepath.Join(dir, ".terraform", initRecordFile))
	if err != nil {
		return nil, false
	}
	var m map[string]string
	if json.Unmarshal(data, &m) != nil || len(m) == 0 {
		return nil, false
	}
	return m, true
}

func writeInitRecord(dir string, in map[string]string) error {
	data, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return err
	}
	d := filepath.Join(dir, ".terraform")
	if err := os.MkdirAll(d, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(d, initRecordFile+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(d, initRecordFile))
}

func digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// initBlocks returns the text of the top-level terraform and module blocks
// of a .tf file: what init reads (backend, required providers, module
// sources). It skips strings, heredocs and comments when matching braces;
// a file it cannot follow is returned whole, so a change is never missed.
func initBlocks(src []byte) []byte {
	var out bytes.Buffer
	depth, start := 0, -1
	header := 0 // where the current top-level item's text starts
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '#' || c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i+1 < len(src) && src[i+1] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := bytes.Index(src[i+2:], []byte("*/"))
			if end < 0 {
				return src
			}
			i += end + 3
		case c == '"':
			i = skipString(src, i)
			if i < 0 {
				return src
			}
		case c == '<' && i+1 < len(src) && src[i+1] == '<':
			i = skipHeredoc(src, i)
			if i < 0 {
				return src
			}
		case c == '{':
			if depth == 0 {
				word := strings.Fields(string(src[header:i]))
				if len(word) > 0 && (word[0] == "terraform" || word[0] == "module") {
					start = header
				}
			}
			depth++
		case c == '}':
			depth--
			if depth < 0 {
				return src
			}
			if depth == 0 {
				if start >= 0 {
					out.Write(bytes.TrimSpace(src[start : i+1]))
					out.WriteByte('\n')
				}
				start, header = -1, i+1
			}
		case c == '\n' && depth == 0:
			header = i + 1
		}
	}
	if depth != 0 {
		return src
	}
	return out.Bytes()
}

// skipString returns the index of the quote closing the string opened at
// i, following ${ } interpolations (which may hold strings); -1 if none.
func skipString(src []byte, i int) int {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case '"':
			return j
		case '\n':
			return -1
		case '$', '%':
			if j+1 < len(src) && src[j+1] == '{' {
				depth := 0
				for j++; j < len(src); j++ {
					if src[j] == '"' {
						if j = skipString(src, j); j < 0 {
							return -1
						}
						continue
					}
					if src[j] == '{' {
						depth++
					} else if src[j] == '}' {
						if depth--; depth == 0 {
							break
						}
					}
				}
			}
		}
	}
	return -1
}

// skipHeredoc returns the index of the last character of the heredoc opened
// at i (<<EOF or <<-EOF), or -1.
func skipHeredoc(src []byte, i int) int {
	j := i + 2
	if j < len(src) && src[j] == '-' {
		j++
	}
	k := j
	for k < len(src) && (src[k] == '_' || src[k] >= 'A' && src[k] <= 'Z' || src[k] >= 'a' && src[k] <= 'z' || src[k] >= '0' && src[k] <= '9') {
		k++
	}
	if k == j {
		return i + 1 // not a heredoc: a << operator
	}
	marker := string(src[j:k])
	lines := k
	for {
		nl := bytes.IndexByte(src[lines:], '\n')
		if nl < 0 {
			return -1
		}
		lines += nl + 1
		end := bytes.IndexByte(src[lines:], '\n')
		line := src[lines:]
		if end >= 0 {
			line = src[lines : lines+end]
		}
		if strings.TrimSpace(string(line)) == marker {
			return lines + len(line) - 1
		}
		if end < 0 {
			return -1
		}
	}
}
