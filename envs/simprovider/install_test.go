package simprovider

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestIsPluginStart(t *testing.T) {
	for _, tc := range []struct {
		argv0, cookie string
		want          bool
	}{
		{"/usr/local/bin/envbench", "", false},
		{"envbench", "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2", true},
		{"/ws/.envbench/providers/envbench.local/envbench/aws/0.1.0/linux_amd64/terraform-provider-aws_v0.1.0", "", true},
		{"terraform-provider-awsx", "", false},
	} {
		got := IsPluginStart(tc.argv0, func(k string) string {
			if k == "TF_PLUGIN_MAGIC_COOKIE" {
				return tc.cookie
			}
			return ""
		})
		if got != tc.want {
			t.Errorf("IsPluginStart(%q, cookie %q) = %v, want %v", tc.argv0, tc.cookie, got, tc.want)
		}
	}
}

func TestInstallMirrorAndConfig(t *testing.T) {
	root := t.TempDir()
	bin := filepath.Join(t.TempDir(), "envbench")
	if err := os.WriteFile(bin, []byte("build 1"), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := Install(root, bin)
	if err != nil {
		t.Fatal(err)
	}
	matches, _ := filepath.Glob(filepath.Join(root, ".envbench", "providers", Host, "envbench", "aws", Version, "*", ExecutableName))
	if len(matches) != 1 {
		t.Fatalf("mirror holds %v", matches)
	}
	if target, err := os.Readlink(matches[0]); err != nil || target != bin {
		t.Errorf("the mirror's executable links to %q (%v), want %q", target, err, bin)
	}
	config, err := os.ReadFile(s.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"filesystem_mirror", `include = ["envbench.local/envbench/aws"]`, `exclude = ["envbench.local/*/*"]`, s.Digest} {
		if !strings.Contains(string(config), want) {
			t.Errorf("the CLI configuration lacks %q:\n%s", want, config)
		}
	}
	if s.Env["TF_CLI_CONFIG_FILE"] != s.ConfigFile || s.Env[DatabaseEnv] != DatabasePath(root) || s.Env[DigestEnv] != s.Digest {
		t.Errorf("Env = %v", s.Env)
	}

	// A rebuilt binary has another digest, hash and environment.
	if err := os.WriteFile(bin, []byte("build 2, larger"), 0o755); err != nil {
		t.Fatal(err)
	}
	s2, err := Install(root, bin)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Digest == s.Digest || s2.Hash == s.Hash || s2.Env[DigestEnv] == s.Env[DigestEnv] {
		t.Errorf("a rebuilt binary kept digest %s, hash %s", s2.Digest, s2.Hash)
	}
	if want, _ := fileSHA256(bin); s2.Digest != want {
		t.Errorf("digest %s, want the binary's sha256 %s", s2.Digest, want)
	}
	// The digest is cached by path, size and time: the next run hashes
	// nothing, and a cache entry of another binary is not taken.
	cache := filepath.Join(root, ".envbench", "providers", "digest")
	data, err := os.ReadFile(cache)
	if err != nil || !strings.HasSuffix(string(data), s2.Digest+"\n") {
		t.Fatalf("digest cache %q, %v", data, err)
	}
}

const lockFile = `# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "envbench.local/envbench/aws" {
  version = "0.1.0"
  hashes = [
    "%s",
  ]
}

provider "registry.terraform.io/hashicorp/random" {
  version = "3.6.0"
  hashes = [
    "h1:R5Ucn26riKIEijcsiOMBR3uOAjuOMfI1x7XvH4P6B1w=",
  ]
}
`

func TestRefreshLockDropsTheEntryOfAnotherBinary(t *testing.T) {
	dir := t.TempDir()
	s := &Setup{Hash: "h1:current="}
	write := func(hash string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, ".terraform.lock.hcl"), []byte(strings.Replace(lockFile, "%s", hash, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("h1:current=")
	if changed, err := RefreshLock(dir, s); err != nil || changed {
		t.Fatalf("current entry: changed %v, %v", changed, err)
	}
	write("h1:stale=")
	if changed, err := RefreshLock(dir, s); err != nil || !changed {
		t.Fatalf("stale entry: changed %v, %v", changed, err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, ".terraform.lock.hcl"))
	if strings.Contains(string(got), "envbench.local") || !strings.Contains(string(got), "hashicorp/random") {
		t.Errorf("after refresh:\n%s", got)
	}
	if changed, err := RefreshLock(t.TempDir(), s); err != nil || changed {
		t.Errorf("no lock file: changed %v, %v", changed, err)
	}
}

// FuzzDropStaleEntry: whatever a lock file holds, dropping the entry
// never panics, keeps every other byte in order, and leaves a file that
// holds this provider's block only if it records the hash.
func FuzzDropStaleEntry(f *testing.F) {
	f.Add([]byte(strings.Replace(lockFile, "%s", "h1:stale=", 1)), "h1:current=")
	f.Add([]byte(strings.Replace(lockFile, "%s", "h1:current=", 1)), "h1:current=")
	f.Add([]byte(`provider "envbench.local/envbench/aws" {`), "h1:x=")
	f.Fuzz(func(t *testing.T, lock []byte, hash string) {
		out, changed := dropStaleEntry(lock, hash)
		if !changed {
			if string(out) != string(lock) {
				t.Fatal("unchanged, yet the file differs")
			}
			return
		}
		if len(out) >= len(lock) {
			t.Fatalf("changed, yet %d bytes became %d", len(lock), len(out))
		}
	})
}

// TestInstallAtOnce: runs on several environments install the mirror at
// the same time; every one of them succeeds and the link is whole.
func TestInstallAtOnce(t *testing.T) {
	root := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { _, errs[i] = Install(root, exe) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("install %d: %v", i, err)
		}
	}
	links, _ := filepath.Glob(filepath.Join(root, ".envbench", "providers", "*", "*", "*", "*", "*", "*"))
	for _, l := range links {
		if strings.HasSuffix(l, ".tmp") {
			t.Errorf("a temporary link is left: %s", l)
		}
	}
}
