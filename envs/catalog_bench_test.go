package envs

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/internal/testkit"
)

// generateWorkspace writes a workspace of nArchetypes archetypes and nEnvs
// environments spread over 10 accounts, each with its own CIDR.
func generateWorkspace(tb testing.TB, nArchetypes, nEnvs int) string {
	tb.Helper()
	root := tb.TempDir()
	write := func(name, content string) { testkit.WriteFile(tb, root, name, content) }
	write("envbench.yaml", "name: generated\ncloud: simulated\ndefaults:\n  region: eu-west-1\n")
	for a := 0; a < nArchetypes; a++ {
		dir := fmt.Sprintf("archetypes/arch-%02d/", a)
		write(dir+"archetype.yaml", `description: generated
inputs:
  vpc_cidr: {type: cidr, required: true, description: the range}
  size: {type: enum, values: [small, medium, large], default: small}
  disk_gb: {type: number, min: 20, max: 16384, default: 100}
  multi_az: {type: bool, default: false}
  zone: {type: string, pattern: '^[a-z0-9.-]+$', default: app.internal}
  subnets: {type: list, items: cidr, default: []}
  tags: {type: map, default: {}}
`)
		write(dir+"main.tf", "resource \"terraform_data\" \"x\" {\n  input = var.size\n}\n")
		write(dir+"backend.tf.tmpl", "# {{ .Name }} {{ .Account }} {{ .Region }} {{ .Inputs.size }}\n")
	}
	for i := 0; i < nEnvs; i++ {
		account := fmt.Sprintf("%012d", 100000000000+i%10)
		var b strings.Builder
		fmt.Fprintf(&b, "archetype: arch-%02d\naccount: \"%s\"\nowner: team-%d\n", i%nArchetypes, account, i%7)
		if i%3 == 0 {
			b.WriteString("created: 2026-11-01\nttl: 30d\n")
		}
		fmt.Fprintf(&b, "inputs:\n  vpc_cidr: 10.%d.%d.0/24\n  size: medium\n  disk_gb: %d\n  subnets: [10.%d.%d.0/26]\n", i/256, i%256, 20+i, i/256, i%256)
		write(fmt.Sprintf("envs/env-%04d.yaml", i), b.String())
	}
	return root
}

// BenchmarkLoadWorkspace: load and validate 1,000 environments and 50
// archetypes (target: at most 300 ms).
func BenchmarkLoadWorkspace(b *testing.B) {
	root := generateWorkspace(b, 50, 1000)
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for b.Loop() {
		c, err := Open(root, now)
		if err != nil {
			b.Fatal(err)
		}
		if d := c.Diagnostics(); len(d) > 0 {
			b.Fatalf("generated workspace has problems: %v", d[0])
		}
	}
}

// BenchmarkListJSON: what `envbench list --json` does on the same workspace
// (target: at most 300 ms).
func BenchmarkListJSON(b *testing.B) {
	root := generateWorkspace(b, 50, 1000)
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for b.Loop() {
		c, err := Open(root, now)
		if err != nil {
			b.Fatal(err)
		}
		rows := make([]Listing, len(c.Environments))
		for i, e := range c.Environments {
			rows[i] = e.Listing()
		}
		if err := json.NewEncoder(io.Discard).Encode(rows); err != nil {
			b.Fatal(err)
		}
	}
}
