package tf

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fake prepares the fake terraform and returns a runner on it and the path
// of its argument log.
func fake(t *testing.T, env map[string]string) (*Runner, string) {
	t.Helper()
	bin, err := filepath.Abs("testdata/fake-terraform")
	if err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(t.TempDir(), "args.log")
	t.Setenv("FAKE_TF_LOG", log)
	t.Setenv("TF_VAR_leak", "from-the-shell")
	for k, v := range env {
		t.Setenv(k, v)
	}
	r, err := New(context.Background(), t.TempDir(), Options{Binary: bin, PluginCacheDir: filepath.Join(t.TempDir(), "cache")})
	if err != nil {
		t.Fatal(err)
	}
	return r, log
}

func calls(t *testing.T, log string) []string {
	t.Helper()
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

// TestCommandLines checks the arguments envbench gives Terraform for each
// operation, without a real Terraform.
func TestCommandLines(t *testing.T) {
	r, log := fake(t, nil)
	ctx := context.Background()
	if r.Version() != "1.5.7" {
		t.Errorf("version %q", r.Version())
	}
	planFile := filepath.Join(r.Dir(), "x.tfplan")
	if err := r.Init(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if changes, err := r.Plan(ctx, planFile, nil); err != nil || !changes {
		t.Fatalf("plan: %v %v", changes, err)
	}
	if _, err := r.PlanDestroy(ctx, planFile, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Show(ctx, planFile); err != nil {
		t.Fatal(err)
	}
	if err := r.Apply(ctx, planFile, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Destroy(ctx, nil); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"init -no-color -input=false -backend=true -get=true -upgrade=false",
		"plan -no-color -input=false -detailed-exitcode -lock-timeout=10s -out=" + planFile + " -lock=true -parallelism=10 -refresh=true -json",
		"plan -no-color -input=false -detailed-exitcode -lock-timeout=10s -out=" + planFile + " -destroy -lock=true -parallelism=10 -refresh=true -json",
		"show -json -no-color " + planFile,
		"apply -no-color -auto-approve -input=false -lock=true -parallelism=10 -refresh=true -json " + planFile,
		"destroy -no-color -auto-approve -input=false -lock-timeout=10s -lock=true -parallelism=10 -refresh=true -json",
	}
	var got []string
	for _, c := range calls(t, log) {
		if strings.HasPrefix(c, "version") {
			continue
		}
		args, env, _ := strings.Cut(c, " | ")
		if !strings.Contains(env, "TF_VAR_leak=unset") || strings.Contains(env, "TF_PLUGIN_CACHE_DIR=unset") {
			t.Errorf("%s: environment %s: TF_VAR_* from the shell must not reach Terraform; the plugin cache must", args, env)
		}
		got = append(got, args)
	}
	for i, w := range want {
		if i >= len(got) {
			t.Errorf("missing call %q", w)
			continue
		}
		for _, flag := range strings.Fields(w) {
			if !strings.Contains(" "+got[i]+" ", " "+flag+" ") {
				t.Errorf("call %d = %q lacks %q", i, got[i], flag)
			}
		}
	}
}

// TestPlanStreamsBeforeTerraformExits: the first planned change reaches the
// sink while Terraform is still running.
func TestPlanStreamsBeforeTerraformExits(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "release")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	r, _ := fake(t, map[string]string{"FAKE_TF_FIFO": fifo})
	events := make(chan Event, 16)
	done := make(chan error, 1)
	go func() {
		_, err := r.Plan(context.Background(), filepath.Join(r.Dir(), "p"), func(e Event) { events <- e })
		done <- err
	}()
	var first Event
	for first.Type != EventPlannedChange {
		select {
		case first = <-events:
		case err := <-done:
			t.Fatalf("plan ended (%v) before any planned change arrived", err)
		}
	}
	if first.Resource != "terraform_data.db" || first.Action != "create" {
		t.Errorf("planned change %+v", first)
	}
	select {
	case err := <-done:
		t.Fatalf("terraform exited (%v) although it was held", err)
	default:
	}
	f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("go\n")
	f.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var summary *ChangeSummary
	for len(events) > 0 {
		if e := <-events; e.Summary != nil {
			summary = e.Summary
		}
	}
	if summary == nil || summary.Add != 1 || summary.Operation != "plan" {
		t.Errorf("change summary %+v", summary)
	}
}

func TestApplyEvents(t *testing.T) {
	r, _ := fake(t, nil)
	var got []Event
	if err := r.Apply(context.Background(), "p", func(e Event) { got = append(got, e) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("%d events", len(got))
	}
	if got[0].Type != EventApplyStart || got[1].Type != EventApplyProgress || got[1].Elapsed != 10*time.Second ||
		got[2].Type != EventApplyComplete || got[2].Elapsed != 12*time.Second || got[2].IDValue != "abc" {
		t.Errorf("events %+v", got)
	}
}

// TestDiagnosticsReachTheError: a failing command's error carries
// Terraform's diagnostics whole.
func TestDiagnosticsReachTheError(t *testing.T) {
	r, _ := fake(t, map[string]string{"FAKE_TF_FAIL": "plan"})
	var diag *Diagnostic
	_, err := r.Plan(context.Background(), "p", func(e Event) {
		if e.Diagnostic != nil {
			diag = e.Diagnostic
		}
	})
	var tfErr *Error
	if !errors.As(err, &tfErr) || tfErr.Op != "plan" || len(tfErr.Diagnostics) != 1 {
		t.Fatalf("error %v", err)
	}
	want := "terraform plan failed\nError: Unsupported argument (main.tf:12:3)\n  sise = 3\nAn argument named \"sise\" is not expected here."
	if err.Error() != want {
		t.Errorf("error:\n%s\nwant:\n%s", err, want)
	}
	if diag == nil || diag.Line != 12 || diag.Filename != "main.tf" {
		t.Errorf("diagnostic event %+v", diag)
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", dir)
	if _, err := Find(""); !errors.Is(err, ErrNoBinary) || !strings.Contains(err.Error(), "make tools") {
		t.Errorf("no binary: %v", err)
	}
	tofu := filepath.Join(dir, "tofu")
	os.WriteFile(tofu, []byte("#!/bin/sh\n"), 0o755)
	if got, err := Find(""); err != nil || got != tofu {
		t.Errorf("tofu fallback: %q %v", got, err)
	}
	tfBin := filepath.Join(dir, "terraform")
	os.WriteFile(tfBin, []byte("#!/bin/sh\n"), 0o755)
	if got, _ := Find(""); got != tfBin {
		t.Errorf("terraform first: %q", got)
	}
	if got, _ := Find("tofu"); got != tofu {
		t.Errorf("configured: %q", got)
	}
	if _, err := Find("nope"); err == nil || !strings.Contains(err.Error(), "terraform.binary") {
		t.Errorf("configured missing: %v", err)
	}
}

// TestOutputIsTerraformsJSON: Output runs `terraform output -json` and gives
// its outputs back in that shape, sensitive flag included.
func TestOutputIsTerraformsJSON(t *testing.T) {
	r, log := fake(t, nil)
	data, err := r.Output(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var outs map[string]struct {
		Sensitive bool
		Value     string
	}
	if err := json.Unmarshal(data, &outs); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	if outs["endpoint"].Value != "db.internal:5432" || outs["endpoint"].Sensitive || !outs["password"].Sensitive {
		t.Errorf("outputs %s", data)
	}
	if c := calls(t, log); len(c) == 0 || !strings.HasPrefix(c[len(c)-1], "output -no-color -json |") {
		t.Errorf("calls %q", c)
	}
}

// TestOutputFailureSaysWhat: a failing `terraform output` is an error
// naming the operation.
func TestOutputFailureSaysWhat(t *testing.T) {
	r, _ := fake(t, map[string]string{"FAKE_TF_FAIL": "output"})
	if _, err := r.Output(context.Background()); err == nil || !strings.Contains(err.Error(), "output") {
		t.Errorf("err %v", err)
	}
}

// TestReattach: plan, apply, destroy and show attach to the running
// provider; init installs from the mirror, without it.
func TestReattach(t *testing.T) {
	r, log := fake(t, nil)
	ctx := context.Background()
	if err := r.Reattach(`not json`); err == nil || !strings.Contains(err.Error(), "TF_REATTACH_PROVIDERS") {
		t.Errorf("Reattach of a value that is not JSON: %v", err)
	}
	if err := r.Reattach(`{}`); err == nil {
		t.Error("Reattach of no providers succeeded")
	}
	providers := `{"envbench.local/envbench/aws":{"Protocol":"grpc","ProtocolVersion":6,"Pid":42,"Test":true,"Addr":{"Network":"unix","String":"/tmp/plugin1"}}}`
	if err := r.Reattach(providers); err != nil {
		t.Fatal(err)
	}
	planFile := filepath.Join(r.Dir(), "x.tfplan")
	if err := r.Init(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Plan(ctx, planFile, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.PlanDestroy(ctx, planFile, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Show(ctx, planFile); err != nil {
		t.Fatal(err)
	}
	if err := r.Apply(ctx, planFile, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Destroy(ctx, nil); err != nil {
		t.Fatal(err)
	}
	var want any
	if err := json.Unmarshal([]byte(providers), &want); err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(want)
	seen := map[string]int{}
	for _, c := range calls(t, log) {
		args, env, _ := strings.Cut(c, " | ")
		cmd, _, _ := strings.Cut(args, " ")
		_, value, _ := strings.Cut(env, "TF_REATTACH_PROVIDERS=")
		switch cmd {
		case "version":
			continue
		case "init":
			if value != "unset" {
				t.Errorf("init got TF_REATTACH_PROVIDERS=%s; it must install from the mirror", value)
			}
		default:
			var got any
			if err := json.Unmarshal([]byte(value), &got); err != nil {
				t.Errorf("%s: TF_REATTACH_PROVIDERS=%s: %v", cmd, value, err)
				continue
			}
			if gotJSON, _ := json.Marshal(got); string(gotJSON) != string(wantJSON) {
				t.Errorf("%s: TF_REATTACH_PROVIDERS=%s, want %s", cmd, value, providers)
			}
		}
		seen[cmd]++
	}
	if seen["init"] != 1 || seen["plan"] != 2 || seen["show"] != 1 || seen["apply"] != 1 || seen["destroy"] != 1 {
		t.Errorf("commands run: %v", seen)
	}
}
