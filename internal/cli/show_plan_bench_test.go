package cli

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/envbench/envbench/internal/testkit"
)

var updateGolden = flag.Bool("update-show-plan", false, "rewrite the golden files of show-plan's output")

// TestShowPlanGeneratedGolden pins show-plan's whole output, text and
// --json, for a small generated plan shaped like real AWS plans: the
// performance work on the plan model must not change a byte of it.
func TestShowPlanGeneratedGolden(t *testing.T) {
	plan := filepath.Join(t.TempDir(), "generated.json")
	if err := os.WriteFile(plan, testkit.GeneratePlan(120, 7), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"show-plan-generated.txt", []string{"show-plan", plan}},
		{"show-plan-generated.json", []string{"show-plan", "--json", plan}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := ExitCode(Run(context.Background(), tc.args, Env{Stdout: &stdout, Stderr: &stderr})); code != ExitHighRisk {
				t.Fatalf("exit %d, want %d (the generated plan destroys databases)\n%s", code, ExitHighRisk, stderr.String())
			}
			path := filepath.Join("testdata", tc.golden)
			if *updateGolden {
				if err := os.WriteFile(path, stdout.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (write it with -update-show-plan)", err)
			}
			if !bytes.Equal(stdout.Bytes(), want) {
				got := filepath.Join(t.TempDir(), tc.golden)
				_ = os.WriteFile(got, stdout.Bytes(), 0o644)
				t.Errorf("show-plan output differs from %s; got it in %s (diff them)", path, got)
			}
		})
	}
}

// BenchmarkShowPlanCommand runs the whole show-plan command on a generated
// plan of 10,000 changes shaped like real AWS plans: read, decode, model,
// review, report and write the output (to io.Discard), as text and as
// JSON. Target: at most 150 ms and 120 MB allocated per run.
func BenchmarkShowPlanCommand(b *testing.B) {
	for _, size := range []int{10_000} {
		plan := filepath.Join(b.TempDir(), "plan.json")
		data := testkit.GeneratePlan(size, 1)
		if err := os.WriteFile(plan, data, 0o644); err != nil {
			b.Fatal(err)
		}
		for _, mode := range []struct {
			name string
			args []string
		}{
			{"text", []string{"show-plan", plan}},
			{"json", []string{"show-plan", "--json", plan}},
		} {
			b.Run(mode.name, func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					if code := ExitCode(Run(context.Background(), mode.args, Env{Stdout: io.Discard, Stderr: io.Discard})); code != ExitHighRisk {
						b.Fatalf("exit %d", code)
					}
				}
			})
		}
	}
}
