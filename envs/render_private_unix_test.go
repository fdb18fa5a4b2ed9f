//go:build unix

package envs

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestRenderMakesStateDirPrivate: the first render creates .envbench/
// owner-only whatever the umask, and tightens one made before; Terraform's
// state will live under it.
func TestRenderMakesStateDirPrivate(t *testing.T) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
	for _, existing := range []bool{false, true} {
		root := testWorkspace(t)
		if existing {
			if err := os.Mkdir(filepath.Join(root, ".envbench"), 0o777); err != nil {
				t.Fatal(err)
			}
		}
		c, e := openEnv(t, root, "qa")
		if _, err := Render(c.Workspace, e.Environment); err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(filepath.Join(root, ".envbench"))
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != 0o700 {
			t.Errorf("existing=%v: .envbench mode %04o after render, want 0700", existing, got)
		}
	}
}
