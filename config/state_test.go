package config

import (
	"strings"
	"testing"
)

func TestStateSetting(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       StateLocation
		problem    string // in the diagnostic; empty: none
		line, col  int
	}{
		{"absent is local", "name: x\n", StateLocation{}, "", 0, 0},
		{"bucket and prefix", "state: s3://acme-state/team/envbench/\n", StateLocation{Bucket: "acme-state", Prefix: "team/envbench"}, "", 0, 0},
		{"bucket only", "state: s3://acme-state\n", StateLocation{Bucket: "acme-state"}, "", 0, 0},
		{"bad scheme", "name: x\nstate: gs://acme/p\n", StateLocation{}, `scheme "gs" is not supported`, 2, 8},
		{"no scheme", "state: acme/p\n", StateLocation{}, "want s3://bucket/prefix", 1, 8},
		{"no bucket", "state: s3:///p\n", StateLocation{}, "no bucket", 1, 8},
		{"bad bucket", "state: s3://Acme_State/p\n", StateLocation{}, "is not an S3 bucket name", 1, 8},
		{"dot dot prefix", "state: s3://acme-state/a/../b\n", StateLocation{}, "empty, . or .. part", 1, 8},
		{"not a string", "state: [1]\n", StateLocation{}, "state", 1, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, diags := decodeSettings(SettingsFile, []byte(tt.yaml))
			if tt.problem == "" {
				if len(diags) != 0 {
					t.Fatalf("diagnostics: %v", diags)
				}
				if s.State != tt.want {
					t.Errorf("state %+v, want %+v", s.State, tt.want)
				}
				return
			}
			if len(diags) != 1 || !strings.Contains(diags[0].Error(), tt.problem) || diags[0].Line != tt.line || diags[0].Col != tt.col {
				t.Fatalf("diagnostics %v, want one at %d:%d saying %q", diags, tt.line, tt.col, tt.problem)
			}
			if s.State.Shared() {
				t.Errorf("a bad state is shared: %+v", s.State)
			}
		})
	}
}

func TestStateLocationString(t *testing.T) {
	for _, raw := range []string{"s3://acme-state", "s3://acme-state/a/b"} {
		l, err := ParseStateLocation(raw)
		if err != nil || l.String() != raw {
			t.Errorf("%s: %v %v", raw, l, err)
		}
	}
	if (StateLocation{}).String() != "local" {
		t.Error("zero is not local")
	}
}
