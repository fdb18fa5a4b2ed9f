package envs

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/envbench/envbench/config"
)

// CreateEnvironment validates a draft exactly as `envbench validate` would
// validate the file it becomes and, only when it has no problems, writes
// envs/<name>.yaml. It never overwrites an existing file. It returns the
// draft's problems (and writes nothing) when there are any.
func CreateEnvironment(ws *config.Workspace, d config.Draft) (string, config.Diagnostics, error) {
	data, err := d.YAML()
	if err != nil {
		return "", nil, fmt.Errorf("create environment %s: %w", d.Name, err)
	}
	if _, diags := ws.CheckCandidate(d.Name, data); len(diags) > 0 {
		return "", diags, nil
	}
	dir := filepath.Join(ws.Root, "envs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, fmt.Errorf("create environment %s: %w", d.Name, err)
	}
	name := filepath.Join(dir, d.Name+".yaml")
	if err := CreateFileExclusive(name, data, 0o644); err != nil {
		return "", nil, fmt.Errorf("create environment %s: %w", d.Name, err)
	}
	return name, nil, nil
}
