package simprovider

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/envbench/envbench/envs/fake"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Setup is how Terraform finds the simulated provider for a workspace.
type Setup struct {
	// ConfigFile is envbench's own Terraform CLI configuration, given to
	// Terraform as TF_CLI_CONFIG_FILE (never the user's ~/.terraformrc).
	ConfigFile string
	// Mirror is the filesystem mirror's directory.
	Mirror string
	// Binary is the executable served as the provider, and Digest its
	// sha256.
	Binary, Digest string
	// Hash is the package's hash as Terraform records it in
	// .terraform.lock.hcl (h1:...).
	Hash string
	// Env is what Terraform's environment needs: TF_CLI_CONFIG_FILE, the
	// simulation's database (DatabaseEnv) and DigestEnv.
	Env map[string]string
}

// DigestEnv names the environment variable that carries the served
// binary's sha256 to Terraform's environment, so that init's fingerprint
// (envs/tf) changes when the binary does.
const DigestEnv = "ENVBENCH_SIM_PROVIDER"

// ExecutableName is the file name Terraform runs in the mirror.
const ExecutableName = "terraform-provider-aws_v" + Version

// DatabasePath is where a workspace keeps the simulated account.
func DatabasePath(root string) string {
	return filepath.Join(root, fake.WorkspaceDB)
}

// Install lays out the filesystem mirror under root/.envbench/providers
// (HOST/envbench/aws/VERSION/OS_ARCH/terraform-provider-aws_vVERSION, a
// symlink to binary) and writes envbench's CLI configuration
// (root/.envbench/terraform.rc): the mirror for Source, direct downloads
// for every other provider. Nothing is downloaded. Both are rewritten only
// when they change. binary is the executable that serves the provider
// when Terraform starts it (the envbench binary, os.Executable).
func Install(root, binary string) (*Setup, error) {
	binary, err := filepath.Abs(binary)
	if err != nil {
		return nil, fmt.Errorf("install the simulated aws provider: %w", err)
	}
	state := filepath.Join(root, ".envbench")
	mirror := filepath.Join(state, "providers")
	if err := os.MkdirAll(mirror, 0o700); err != nil {
		return nil, fmt.Errorf("install the simulated aws provider: %w", err)
	}
	digest, err := binaryDigest(filepath.Join(mirror, "digest"), binary)
	if err != nil {
		return nil, fmt.Errorf("install the simulated aws provider: read %s: %w", binary, err)
	}
	pkg := filepath.Join(mirror, Host, "envbench", "aws", Version, runtime.GOOS+"_"+runtime.GOARCH)
	if err := os.MkdirAll(pkg, 0o700); err != nil {
		return nil, fmt.Errorf("install the simulated aws provider: %w", err)
	}
	if err := linkTo(filepath.Join(pkg, ExecutableName), binary); err != nil {
		return nil, fmt.Errorf("install the simulated aws provider in %s: %w", pkg, err)
	}
	config := filepath.Join(state, "terraform.rc")
	if err := writeIfChanged(config, cliConfig(mirror, digest)); err != nil {
		return nil, fmt.Errorf("install the simulated aws provider: write %s: %w", config, err)
	}
	sum, _ := hex.DecodeString(digest)
	s := &Setup{ConfigFile: config, Mirror: mirror, Binary: binary, Digest: digest, Hash: packageHash(sum)}
	s.Env = map[string]string{
		"TF_CLI_CONFIG_FILE": config,
		DatabaseEnv:          DatabasePath(root),
		DigestEnv:            digest,
	}
	return s, nil
}

// cliConfig is envbench's Terraform CLI configuration.
func cliConfig(mirror, digest string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by envbench for the simulated AWS account; not the user's ~/.terraformrc.\n")
	fmt.Fprintf(&b, "# The provider %s is the envbench binary, sha256 %s.\n", Source, digest)
	b.WriteString("provider_installation {\n")
	fmt.Fprintf(&b, "  filesystem_mirror {\n    path    = %q\n    include = [%q]\n  }\n", filepath.ToSlash(mirror), Source)
	fmt.Fprintf(&b, "  direct {\n    exclude = [%q]\n  }\n", Host+"/*/*")
	b.WriteString("}\n")
	return []byte(b.String())
}

// packageHash is Terraform's h1: hash of an unpacked package whose one
// file is the executable with the given sha256 (golang.org/x/mod's
// dirhash.Hash1, which Terraform uses).
func packageHash(fileSum []byte) string {
	summary := fmt.Sprintf("%x  %s\n", fileSum, ExecutableName)
	h := sha256.Sum256([]byte(summary))
	return "h1:" + base64.StdEncoding.EncodeToString(h[:])
}

// RefreshLock removes the simulated provider's entry from a work
// directory's .terraform.lock.hcl when it does not record the hash of the
// binary served now (a rebuilt envbench), so that the next terraform init
// records the new one instead of refusing the package. It reports whether
// it changed the file.
func RefreshLock(workDir string, s *Setup) (bool, error) {
	name := filepath.Join(workDir, ".terraform.lock.hcl")
	data, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("refresh the lock of the simulated aws provider: %w", err)
	}
	out, changed := dropStaleEntry(data, s.Hash)
	if !changed {
		return false, nil
	}
	if err := writeIfChanged(name, out); err != nil {
		return false, fmt.Errorf("refresh the lock of the simulated aws provider: %w", err)
	}
	return true, nil
}

// dropStaleEntry removes the provider "Source" block unless it holds hash.
func dropStaleEntry(lock []byte, hash string) ([]byte, bool) {
	header := []byte(fmt.Sprintf("provider %q {", Host+"/envbench/aws"))
	start := bytes.Index(lock, header)
	if start < 0 {
		return lock, false
	}
	end := bytes.Index(lock[start:], []byte("\n}\n"))
	if end < 0 {
		return lock, false
	}
	end += start + len("\n}\n")
	if bytes.Contains(lock[start:end], []byte(`"`+hash+`"`)) {
		return lock, false
	}
	out := append([]byte{}, lock[:start]...)
	rest := lock[end:]
	if bytes.HasSuffix(out, []byte("\n\n")) && bytes.HasPrefix(rest, []byte("\n")) {
		rest = rest[1:]
	}
	return append(out, rest...), true
}

// linkTo makes name a symlink to target, replacing any other file there.
func linkTo(name, target string) error {
	if cur, err := os.Readlink(name); err == nil && cur == target {
		return nil
	}
	// A name of its own for the new link: runs on two environments install
	// at once, and rename replaces atomically whoever comes second.
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.%x.tmp", name, b)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func writeIfChanged(name string, data []byte) error {
	if cur, err := os.ReadFile(name); err == nil && bytes.Equal(cur, data) {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), filepath.Base(name)+".*.tmp")
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
	return os.Rename(tmp.Name(), name)
}

// binaryDigest is the sha256 of binary, kept in cache with the binary's
// path, size and modification time: hashing the whole binary on every run
// would cost more than Terraform's plan of a small configuration.
func binaryDigest(cache, binary string) (string, error) {
	info, err := os.Stat(binary)
	if err != nil {
		return "", err
	}
	key := fmt.Sprintf("%s\n%d\n%d\n", binary, info.Size(), info.ModTime().UnixNano())
	if data, err := os.ReadFile(cache); err == nil {
		if rest, ok := strings.CutPrefix(string(data), key); ok && len(strings.TrimSpace(rest)) == sha256.Size*2 {
			return strings.TrimSpace(rest), nil
		}
	}
	digest, err := fileSHA256(binary)
	if err != nil {
		return "", err
	}
	// A cache that cannot be written only costs the next run a hash.
	_ = writeIfChanged(cache, []byte(key+digest+"\n"))
	return digest, nil
}

func fileSHA256(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ServeIfPlugin serves the provider and exits when this process was
// started by Terraform as the plugin; otherwise it returns at once. Test
// binaries whose tests run Terraform on the simulated provider call it
// first in TestMain, as main does.
//
// Started with ReattachEnv set (by Start), it serves every Terraform
// command of a run instead, until its standard input ends.
func ServeIfPlugin() {
	if os.Getenv(ReattachEnv) == "1" {
		if err := serveReattach(os.Stdin, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "simulated aws provider:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if !IsPluginStart(os.Args[0], os.Getenv) {
		return
	}
	quietLogs(os.Getenv, os.Setenv)
	if err := Serve(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "simulated aws provider:", err)
		os.Exit(1)
	}
	os.Exit(0)
}
