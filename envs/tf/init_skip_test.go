package tf

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestInitBlocks: only the terraform and module blocks of a file count for
// init, whatever strings, heredocs and comments hold.
func TestInitBlocks(t *testing.T) {
	src := `# a comment with a { brace
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
  backend "s3" {
    key = "${var.env}/state"
  }
}

resource "terraform_data" "x" {
  input = "a } brace in a string, and ${upper("nested {")}"
  script = <<-EOT
    } not the end {
  EOT
}

// module "commented" { source = "./no" }
module "db" {
  source = "./modules/db"
}
/* terraform { backend "local" {} } */
`
	got := string(initBlocks([]byte(src)))
	for _, want := range []string{`aws = { source = "hashicorp/aws", version = "~> 5.0" }`, `key = "${var.env}/state"`, `source = "./modules/db"`} {
		if !strings.Contains(got, want) {
			t.Errorf("init blocks lack %q:\n%s", want, got)
		}
	}
	for _, not := range []string{"terraform_data", "not the end", "commented", `backend "local"`} {
		if strings.Contains(got, not) {
			t.Errorf("init blocks hold %q:\n%s", not, got)
		}
	}
	// A resource changes: the init blocks do not.
	edited := strings.Replace(src, `input = "a }`, `input = "b }`, 1)
	if string(initBlocks([]byte(edited))) != got {
		t.Error("a resource's change must not change the init blocks")
	}
	// A file it cannot follow counts whole.
	broken := "terraform {\n  backend \"s3\" {\n"
	if string(initBlocks([]byte(broken))) != broken {
		t.Error("an unbalanced file must count whole")
	}
}

// TestInitIfNeeded runs the stand-in terraform's init once, then skips it,
// and runs it again when the lock file changes or the record of the last
// init is forgotten.
func TestInitIfNeeded(t *testing.T) {
	r, log := fake(t, nil)
	os.WriteFile(filepath.Join(r.Dir(), "main.tf"), []byte("terraform {\n  required_version = \">= 1.5\"\n}\n"), 0o644)
	ctx := context.Background()
	want := []struct {
		ran    bool
		reason string
		before func()
	}{
		{true, "first init of this work directory", func() {}},
		{false, "skipped: ", func() {}},
		{true, "the dependency lock file changed since the last init", func() {
			os.WriteFile(filepath.Join(r.Dir(), ".terraform.lock.hcl"), []byte("# x\n"), 0o644)
		}},
		{true, "first init", r.ForgetInit},
		{false, "skipped: ", func() {}},
	}
	for i, w := range want {
		w.before()
		res, err := r.InitIfNeeded(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Ran != w.ran || !strings.Contains(res.Reason, w.reason) {
			t.Errorf("init %d: %+v, want ran=%v %q", i, res, w.ran, w.reason)
		}
	}
	n := 0
	for _, c := range calls(t, log) {
		if strings.HasPrefix(c, "init ") {
			n++
		}
	}
	if n != 3 {
		t.Errorf("terraform init ran %d times, want 3", n)
	}
}

// TestApplyJournal: the record follows the apply's events, owner-only, and
// goes when the apply finishes.
func TestApplyJournal(t *testing.T) {
	dir := t.TempDir()
	since := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	j, err := StartApplyJournal(dir, "run-1", "apply", since)
	if err != nil {
		t.Fatal(err)
	}
	if !ApplyInterrupted(dir) {
		t.Fatal("the record must exist as soon as the apply starts")
	}
	for _, e := range []Event{
		{Type: EventApplyStart, Resource: "a"}, {Type: EventApplyStart, Resource: "b"}, {Type: EventApplyStart, Resource: "c"},
		{Type: EventApplyProgress, Resource: "a"}, {Type: EventApplyComplete, Resource: "a"}, {Type: EventApplyErrored, Resource: "c"},
	} {
		j.Observe(e)
	}
	rec, err := ReadApplyRecord(dir)
	if err != nil || rec == nil {
		t.Fatal(err)
	}
	if rec.RunID != "run-1" || !rec.Since.Equal(since) || strings.Join(rec.InFlight, ",") != "b" || strings.Join(rec.Completed, ",") != "a" {
		t.Errorf("record %+v", rec)
	}
	info, _ := os.Stat(ApplyRecordPath(dir))
	if info.Mode().Perm() != 0o600 {
		t.Errorf("record mode %04o", info.Mode().Perm())
	}
	if err := j.Finish(); err != nil || ApplyInterrupted(dir) || j.Err() != nil {
		t.Errorf("finish: %v %v", err, j.Err())
	}
	if rec, err := ReadApplyRecord(dir); rec != nil || err != nil {
		t.Errorf("no record: %+v %v", rec, err)
	}
	os.WriteFile(ApplyRecordPath(dir), []byte("{"), 0o600)
	if _, err := ReadApplyRecord(dir); err == nil || !strings.Contains(err.Error(), ApplyRecordPath(dir)) {
		t.Errorf("a broken record names its file: %v", err)
	}
}

// FuzzInitBlocks: any .tf text is scanned without a panic, and what counts
// for init is the whole file or made of its lines.
func FuzzInitBlocks(f *testing.F) {
	f.Add("terraform {\n  backend \"s3\" {}\n}\nmodule \"m\" { source = \"./m\" }\n")
	f.Add("resource \"x\" \"y\" {\n  a = \"${\"}\"}\"\n  b = <<EOT\n}\nEOT\n}\n")
	f.Add("/* unterminated")
	f.Fuzz(func(t *testing.T, src string) {
		got := string(initBlocks([]byte(src)))
		if got == src {
			return
		}
		for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
			if !strings.Contains(src, strings.TrimSpace(line)) {
				t.Fatalf("init blocks hold %q, not in the file", line)
			}
		}
	})
}
