package ui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/internal/testkit"
	"github.com/envbench/envbench/ui/theme"
)

// benchCatalog is a workspace of n environments over 5 archetypes.
func benchCatalog(tb testing.TB, n int) *envs.Catalog {
	tb.Helper()
	root := tb.TempDir()
	write := func(name, content string) { testkit.WriteFile(tb, root, name, content) }
	write("envbench.yaml", "name: bench\ncloud: simulated\ndefaults: {region: eu-west-1}\n")
	for a := 0; a < 5; a++ {
		write(fmt.Sprintf("archetypes/arch-%d/archetype.yaml", a), "inputs:\n  vpc_cidr: {type: cidr, required: true}\n  size: {type: enum, values: [s, m], default: s}\n")
		write(fmt.Sprintf("archetypes/arch-%d/main.tf", a), "")
	}
	for i := 0; i < n; i++ {
		write(fmt.Sprintf("envs/env-%04d.yaml", i), fmt.Sprintf("archetype: arch-%d\naccount: \"%012d\"\nowner: team-%d\ncreated: 2026-11-01\nttl: %dd\ninputs: {vpc_cidr: 10.%d.%d.0/24}\n", i%5, 100000000000+i%10, i%7, 1+i%60, i/256, i%256))
	}
	c, err := envs.Open(root, time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC))
	if err != nil {
		tb.Fatal(err)
	}
	if d := c.Diagnostics(); len(d) > 0 {
		tb.Fatal(d)
	}
	return c
}

// BenchmarkEnvironmentsKeypress: one key on the environments screen with
// 1,000 rows, and the frame it draws (target: at most 5 ms).
func BenchmarkEnvironmentsKeypress(b *testing.B) {
	for _, size := range []struct{ w, h int }{{80, 24}, {200, 60}} {
		b.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(b *testing.B) {
			m := New(Options{Catalog: benchCatalog(b, 1000), Palette: theme.DefaultPalette(), Now: func() time.Time { return time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC) }})
			m.Update(tea.WindowSizeMsg{Width: size.w, Height: size.h})
			keys := []tea.KeyPressMsg{{Code: 'j', Text: "j"}, {Code: 'k', Text: "k"}}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				m.Update(keys[i%2])
				_ = m.View()
			}
		})
	}
}

// BenchmarkEnvironmentsFilterKeypress: typing one character of a filter
// over 1,000 rows and drawing the frame.
func BenchmarkEnvironmentsFilterKeypress(b *testing.B) {
	m := New(Options{Catalog: benchCatalog(b, 1000), Palette: theme.DefaultPalette()})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(tea.KeyPressMsg{Code: '/', Text: "/"})
	keys := []tea.KeyPressMsg{{Code: '7', Text: "7"}, {Code: tea.KeyBackspace}}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m.Update(keys[i%2])
		_ = m.View()
	}
}
