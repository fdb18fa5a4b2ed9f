// Package testkit holds what envbench's tests share: copies of the example
// workspaces to run against, and small file helpers. Tests only.
package testkit

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// moduleRoot is the repository root, found from this file's place.
func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// CopyExample copies examples/<name> (without its local state in
// .envbench/) into a temporary directory and returns it.
func CopyExample(tb testing.TB, name string) string {
	tb.Helper()
	src := filepath.Join(moduleRoot(), "examples", name)
	dst := tb.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if d.Name() == ".envbench" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644|info.Mode().Perm()&0o111)
	})
	if err != nil {
		tb.Fatal(err)
	}
	return dst
}

// WriteFile writes content to name under root, making directories.
func WriteFile(tb testing.TB, root, name, content string) {
	tb.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// FakeTerraform is the path of the stand-in terraform the adapter tests
// drive (envs/tf/testdata/fake-terraform).
func FakeTerraform() string {
	return filepath.Join(moduleRoot(), "envs", "tf", "testdata", "fake-terraform")
}

// Terraform returns the terraform (or tofu) binary on PATH, or skips the
// test: `make test` installs Terraform first (make tools).
func Terraform(tb testing.TB) string {
	tb.Helper()
	for _, name := range []string{"terraform", "tofu"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	tb.Skip("no terraform or tofu on PATH (make test installs Terraform first)")
	return ""
}

// BuildEnvbench builds the envbench binary (the module's main package)
// into a temporary directory and returns its path: what Terraform starts
// as the simulated aws provider for users, with everything main links.
func BuildEnvbench(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "envbench")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = moduleRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("build envbench: %v\n%s", err, out)
	}
	return bin
}
