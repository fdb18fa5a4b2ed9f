package simprovider

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestStartServesUntilStopped(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(context.Background(), exe, map[string]string{DatabaseEnv: filepath.Join(t.TempDir(), "aws.db")})
	if err != nil {
		t.Fatal(err)
	}
	var providers map[string]struct {
		Protocol        string
		ProtocolVersion int
		Addr            struct{ Network, String string }
	}
	if err := json.Unmarshal([]byte(s.Reattach()), &providers); err != nil {
		t.Fatalf("Reattach is not JSON: %v: %s", err, s.Reattach())
	}
	p, ok := providers[Source]
	if !ok || p.Protocol != "grpc" || p.ProtocolVersion != 6 || p.Addr.String == "" {
		t.Errorf("Reattach = %s, want %s served over grpc, protocol 6, at an address", s.Reattach(), Source)
	}
	if err := syscall.Kill(s.Pid(), 0); err != nil {
		t.Fatalf("the server (pid %d) is not running: %v", s.Pid(), err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := syscall.Kill(s.Pid(), 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("after Stop, the server (pid %d) still exists: %v", s.Pid(), err)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("a second Stop: %v", err)
	}
}

func TestStartFailures(t *testing.T) {
	dir := t.TempDir()
	script := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, binary string
		want         []string
	}{
		{"exits", script("exits", "echo 'no database here' >&2; exit 3"), []string{"exits", "exited before saying where it serves", "no database here"}},
		{"prints something else", script("chatty", "echo hello; cat >/dev/null"), []string{"chatty", `printed "hello"`, "TF_REATTACH_PROVIDERS"}},
		{"names another provider", script("other", `echo '{"registry.terraform.io/hashicorp/aws":{"Addr":{"Network":"unix","String":"/x"}}}'; cat >/dev/null`), []string{"gives no address for " + Source}},
		{"missing", filepath.Join(dir, "missing"), []string{"missing", "no such file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Start(context.Background(), tc.binary, nil)
			if err == nil {
				s.Stop()
				t.Fatal("Start succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestServerEnv(t *testing.T) {
	got := serverEnv([]string{"HOME=/h", "TF_LOG=trace", "TF_LOG_PROVIDER=debug", "TF_PLUGIN_MAGIC_COOKIE=x", DatabaseEnv + "=/old", ReattachEnv + "=0"},
		map[string]string{DatabaseEnv: "/new"})
	want := map[string]bool{"HOME=/h": true, DatabaseEnv + "=/new": true, ReattachEnv + "=1": true,
		"TF_LOG_SDK=off": true, "TF_LOG_SDK_PROTO=off": true, "TF_LOG_SDK_FRAMEWORK=off": true, "TF_LOG_PROVIDER=off": true}
	if len(got) != len(want) {
		t.Fatalf("serverEnv = %v, want %v", got, want)
	}
	for _, kv := range got {
		if !want[kv] {
			t.Errorf("serverEnv has %q; want only %v", kv, want)
		}
	}
}

func TestQuietLogs(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want map[string]string
	}{
		{map[string]string{}, map[string]string{"TF_LOG_SDK": "off", "TF_LOG_SDK_PROTO": "off", "TF_LOG_SDK_FRAMEWORK": "off", "TF_LOG_PROVIDER": "off"}},
		{map[string]string{"TF_LOG_SDK_PROTO": "debug"}, map[string]string{"TF_LOG_SDK": "off", "TF_LOG_SDK_PROTO": "debug", "TF_LOG_SDK_FRAMEWORK": "off", "TF_LOG_PROVIDER": "off"}},
		{map[string]string{"TF_LOG": "trace"}, map[string]string{"TF_LOG": "trace"}},
		{map[string]string{"TF_LOG_PROVIDER": "info"}, map[string]string{"TF_LOG_PROVIDER": "info"}},
	} {
		env := maps.Clone(tc.env)
		quietLogs(func(k string) string { return env[k] }, func(k, v string) error { env[k] = v; return nil })
		if !maps.Equal(env, tc.want) {
			t.Errorf("quietLogs with %v: %v, want %v", tc.env, env, tc.want)
		}
	}
}

// TestStartRefusesInsideAServer: a binary started to serve that runs
// something else (a test binary without ServeIfPlugin, running its tests
// again) cannot start itself over and over.
func TestStartRefusesInsideAServer(t *testing.T) {
	t.Setenv(ReattachEnv, "1")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(context.Background(), exe, nil)
	if err == nil {
		s.Stop()
		t.Fatal("Start succeeded inside a server")
	}
	if !strings.Contains(err.Error(), "ServeIfPlugin") {
		t.Errorf("error %q does not say what to fix", err)
	}
}
