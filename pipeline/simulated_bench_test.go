package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/internal/testkit"
)

// BenchmarkPlanServicePlatform compares envbench's plan run of the demo's
// qa (service-platform) on the simulated aws provider with the same run on
// the demo's former terraform_data archetype (target: at most 1.5 times).
// Both are second plans: rendered and initialized by a first one. The
// provider is the envbench binary built from main, as users run it (not
// this test binary, which links less and so starts faster). On a shared,
// noisy machine the two timings come from different moments; "alternating"
// plans each once per iteration and reports their ratio (sim/tfdata),
// which the load then affects alike.
func BenchmarkPlanServicePlatform(b *testing.B) {
	testkit.Terraform(b)
	ctx := context.Background()
	opts := Options{ProviderBinary: testkit.BuildEnvbench(b)}
	catalogs := map[string]*envs.Catalog{}
	for _, variant := range []string{"simulated-provider", "terraform_data"} {
		root := testkit.CopyExample(b, "demo")
		if variant == "terraform_data" {
			arch := filepath.Join(root, "archetypes", "service-platform")
			for _, f := range []string{"database.tf", "dns.tf", "network.tf", "outputs.tf", "providers.tf", "security.tf", "service.tf", "versions.tf"} {
				if err := os.Remove(filepath.Join(arch, f)); err != nil {
					b.Fatal(err)
				}
			}
			for _, f := range []string{"main.tf", "outputs.tf"} {
				data, err := os.ReadFile(filepath.Join("testdata", "terraform-data-service-platform", f))
				if err != nil {
					b.Fatal(err)
				}
				testkit.WriteFile(b, arch, f, string(data))
			}
		}
		c, err := envs.Open(root, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Plan(ctx, c, "qa", "", opts, nil); err != nil {
			b.Fatal(err)
		}
		catalogs[variant] = c
		b.Run(variant, func(b *testing.B) {
			for b.Loop() {
				if _, err := Plan(ctx, c, "qa", "", opts, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("alternating", func(b *testing.B) {
		var took [2]time.Duration
		for b.Loop() {
			for i, variant := range []string{"simulated-provider", "terraform_data"} {
				start := time.Now()
				if _, err := Plan(ctx, catalogs[variant], "qa", "", opts, nil); err != nil {
					b.Fatal(err)
				}
				took[i] += time.Since(start)
			}
		}
		b.ReportMetric(float64(took[0])/float64(took[1]), "sim/tfdata")
	})
}
