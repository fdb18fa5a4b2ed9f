package tf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBackendSessionOf(t *testing.T) {
	for _, tc := range []struct {
		name, src, flag string
	}{
		{"assume_role object", `terraform {
  backend "s3" {
    bucket = "acme-tfstate"
    key    = "envbench/qa/terraform.tfstate"
    assume_role = {
      role_arn     = "arn:aws:iam::111111111111:role/envbench"
      session_name = "envbench-qa"
      external_id  = "acme"
    }
  }
}
`, `assume_role={
  external_id  = "acme"
  role_arn     = "arn:aws:iam::111111111111:role/envbench"
  session_name = "envbench-run-7"
}`},
		{"assume_role without a session name", `terraform {
  backend "s3" {
    bucket      = "b"
    assume_role = { role_arn = "arn:aws:iam::1:role/r" }
  }
}
`, `assume_role={
  role_arn     = "arn:aws:iam::1:role/r"
  session_name = "envbench-run-7"
}`},
		{"the older top-level role_arn", `terraform {
  backend "s3" {
    bucket   = "b"
    role_arn = "arn:aws:iam::1:role/r"
  }
}
`, `session_name=envbench-run-7`},
		{"no role", `terraform {
  backend "s3" {
    bucket = "b"
  }
}
`, ""},
		{"another backend", `terraform {
  backend "local" {
    path = "x"
  }
}
`, ""},
		{"a role outside the backend", `provider "aws" {
  assume_role {
    role_arn = "arn:aws:iam::1:role/r"
  }
}
terraform {
  required_version = ">= 1.6"
}
`, ""},
		{"a file Terraform refuses", `terraform { backend "s3" { assume_role = { role_arn = `, ""},
		{"a reference Terraform refuses", `terraform {
  backend "s3" {
    assume_role = var.role
  }
}
`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := backendSessionOf([]byte(tc.src), "backend.tf", "envbench-run-7")
			got := ""
			if s != nil {
				got = s.flag
			}
			if got != tc.flag {
				t.Errorf("flag:\n%s\nwant:\n%s", got, tc.flag)
			}
		})
	}
}

func TestFindBackendSessionWithoutName(t *testing.T) {
	dir := t.TempDir()
	src := "terraform {\n  backend \"s3\" {\n    role_arn = \"arn:aws:iam::1:role/r\"\n  }\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "backend.tf"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := findBackendSession(dir, ""); s != nil || err != nil {
		t.Errorf("no session name: %+v, %v; want nothing given", s, err)
	}
	if s, err := findBackendSession(dir, "envbench-r"); s == nil || err != nil {
		t.Errorf("with a session name: %+v, %v", s, err)
	}
}

// TestKeepsState: init reconfigures only when the backend's state stays
// where the last init left it.
func TestKeepsState(t *testing.T) {
	s := &backendSession{location: map[string]string{"bucket": "b", "key": "k"}}
	for _, tc := range []struct {
		name, tfstate string
		want          bool
	}{
		{"same bucket and key", `{"backend":{"type":"s3","config":{"bucket":"b","key":"k","workspace_key_prefix":null,"region":"eu-west-1"}}}`, true},
		{"another bucket", `{"backend":{"type":"s3","config":{"bucket":"other","key":"k"}}}`, false},
		{"another key", `{"backend":{"type":"s3","config":{"bucket":"b","key":"k2"}}}`, false},
		{"a workspace prefix", `{"backend":{"type":"s3","config":{"bucket":"b","key":"k","workspace_key_prefix":"p"}}}`, false},
		{"another backend", `{"backend":{"type":"local","config":{"path":"x"}}}`, false},
		{"no backend", `{"version":3}`, false},
		{"not JSON", `{`, false},
		{"a bucket that is not a string", `{"backend":{"type":"s3","config":{"bucket":7,"key":"k"}}}`, false},
		{"no init yet", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.tfstate != "" {
				os.MkdirAll(filepath.Join(dir, ".terraform"), 0o755)
				if err := os.WriteFile(filepath.Join(dir, ".terraform", "terraform.tfstate"), []byte(tc.tfstate), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if got := s.keepsState(dir); got != tc.want {
				t.Errorf("keepsState = %v, want %v", got, tc.want)
			}
			if tc.name == "another bucket" {
				if got := s.moved(dir); got != `bucket "other" → "b"` {
					t.Errorf("moved = %q", got)
				}
			}
			if tc.name == "a workspace prefix" {
				if got := s.moved(dir); got != `workspace_key_prefix "p" → unset` {
					t.Errorf("moved = %q", got)
				}
			}
			if tc.want && s.moved(dir) != "" {
				t.Errorf("moved = %q for a state that stays", s.moved(dir))
			}
		})
	}
}

// FuzzBackendSession: whatever the .tf text, finding the backend's
// session neither panics nor gives a flag without the session name.
func FuzzBackendSession(f *testing.F) {
	f.Add([]byte("terraform {\n  backend \"s3\" {\n    assume_role = { role_arn = \"arn:aws:iam::1:role/r\", tags = { a = \"b\" } }\n  }\n}\n"))
	f.Add([]byte("terraform {\n  backend \"s3\" {\n    role_arn = \"arn\"\n  }\n}\n"))
	f.Add([]byte("terraform { backend \"s3\" { assume_role = {} } }"))
	f.Add([]byte("terraform { backend \"s3\" { assume_role = null } }"))
	f.Fuzz(func(t *testing.T, src []byte) {
		s := backendSessionOf(src, "backend.tf", "envbench-fuzz")
		if s != nil && !strings.Contains(s.flag, "envbench-fuzz") {
			t.Fatalf("flag %q does not name the session", s.flag)
		}
	})
}
