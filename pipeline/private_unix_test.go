//go:build unix

package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// permissiveUmask sets the process umask to 0 for the test: modes must not
// depend on it.
func permissiveUmask(t *testing.T) {
	t.Helper()
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
}

func mode(t *testing.T, name string) os.FileMode {
	t.Helper()
	info, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

// TestEverythingUnderEnvbenchIsOwnerOnly: with a umask of 0, a plan and an
// apply with the real terraform leave .envbench/ and the plans owner-only,
// and an existing .envbench/ that others could read is tightened.
func TestEverythingUnderEnvbenchIsOwnerOnly(t *testing.T) {
	terraform(t)
	permissiveUmask(t)
	root := demo(t)
	if err := os.MkdirAll(filepath.Join(root, ".envbench", "plans"), 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(root, ".envbench"), 0o755)
	os.Chmod(filepath.Join(root, ".envbench", "plans"), 0o777)
	ctx := context.Background()
	res, err := Plan(ctx, open(t, root), "dev-alice", "", Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{
		filepath.Join(root, ".envbench"):          0o700,
		filepath.Join(root, ".envbench", "plans"): 0o700,
		filepath.Dir(res.PlanFile):                0o700,
		res.PlanFile:                              0o600,
		ticketPath(res.PlanFile):                  0o600,
		latestPath(root, "dev-alice"):             0o600,
		filepath.Dir(LockPath(root, "dev-alice")): 0o700,
	} {
		if got := mode(t, name); got != want {
			t.Errorf("%s: mode %04o, want %04o", name, got, want)
		}
	}

	// --out FILE, even in a directory others can list: owner-only too.
	outDir := filepath.Join(t.TempDir(), "shared")
	os.Mkdir(outDir, 0o755)
	out := filepath.Join(outDir, "out.tfplan")
	res, err = Plan(ctx, open(t, root), "dev-alice", out, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := mode(t, out); got != 0o600 {
		t.Errorf("--out plan: mode %04o, want 0600", got)
	}
	if _, err := Apply(ctx, open(t, root), "dev-alice", res.PlanFile, "", Options{}, nil); err != nil {
		t.Fatal(err)
	}
	// Terraform writes its state with the umask's mode; no one else can
	// reach it through .envbench/.
	if got := mode(t, filepath.Join(root, ".envbench")); got != 0o700 {
		t.Errorf(".envbench after apply: mode %04o", got)
	}
	if got := mode(t, filepath.Join(root, ".envbench", "work", "dev-alice", "terraform.tfstate")); got != 0o600 {
		t.Errorf("state after apply: mode %04o, want 0600", got)
	}
}

// TestPlanRefusesAnOutFileOthersCanRead: --out FILE is refused, before
// anything runs, when FILE exists and others can read it, with the file and
// the fix named.
func TestPlanRefusesAnOutFileOthersCanRead(t *testing.T) {
	permissiveUmask(t)
	root := demo(t)
	private := filepath.Join(t.TempDir(), "private")
	os.Mkdir(private, 0o700)
	readable := filepath.Join(private, "old.tfplan")
	os.WriteFile(readable, []byte("x"), 0o644)
	for _, c := range []struct{ file, fix string }{
		{readable, "chmod 600 " + readable},
	} {
		rec := &recorder{}
		_, err := Plan(context.Background(), openCatalog(t, root), "qa", c.file, Options{Binary: "/nonexistent/terraform"}, rec.sink)
		if !errors.Is(err, ErrNotPrivate) || !strings.Contains(err.Error(), c.file) || !strings.Contains(err.Error(), c.fix) {
			t.Errorf("plan --out %s: %v", c.file, err)
		}
		if rec.steps() != "" {
			t.Errorf("nothing runs before the refusal: %s", rec.steps())
		}
	}
	if got := mode(t, readable); got != 0o644 {
		t.Errorf("a refused plan file must be left as it was, mode %04o", got)
	}
}
