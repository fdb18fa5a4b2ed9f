package config

import (
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzLoadWorkspace loads workspaces whose settings, archetype and
// environment files are arbitrary bytes. Loading must never panic, and every
// problem must name a file and say something.
func FuzzLoadWorkspace(f *testing.F) {
	base := baseFiles()
	f.Add([]byte(base["envbench.yaml"]), []byte(base["archetypes/web/archetype.yaml"]), []byte(base["envs/qa.yaml"]), []byte(base["archetypes/web/backend.tf.tmpl"]))
	f.Add([]byte("cloud: [\n"), []byte("inputs:\n  a: {type: list, items: cidr, default: [10.0.0.0/8]}\n"), []byte("archetype: web\naccount: 1\ninputs: {a: [x]}\n"), []byte("{{ .Inputs.a }}"))
	f.Add([]byte("name: &a x\nd: *a\n"), []byte("inputs: {n: {type: number, min: 1, max: 0x10, default: 1_0}}\n"), []byte("archetype: web\naccount: \"111111111111\"\ncreated: 2026-01-01\nttl: 9999999d\n"), []byte("{{ template \"x\" }}"))
	f.Add([]byte("defaults: {region: eu-west-1}\n"), []byte("inputs: {e: {type: enum, values: [a], default: a}, m: {type: map}}\n"), []byte("archetype: web\naccount: \"111111111111\"\ninputs: {e: b, m: {k: [v]}}\n"), []byte(""))
	f.Fuzz(func(t *testing.T, settings, archetype, env, tmpl []byte) {
		fsys := fstest.MapFS{
			"envbench.yaml":                  {Data: settings},
			"archetypes/web/archetype.yaml":  {Data: archetype},
			"archetypes/web/main.tf":         {Data: []byte("resource \"terraform_data\" \"x\" {}\n")},
			"archetypes/web/backend.tf.tmpl": {Data: tmpl},
			"envs/qa.yaml":                   {Data: env},
			"envs/prod.yaml":                 {Data: env},
		}
		ws, err := LoadFS(fsys, "/fuzz")
		if err != nil {
			t.Fatalf("LoadFS: %v", err)
		}
		for _, d := range ws.Diagnostics() {
			if d.File == "" || strings.TrimSpace(d.Message) == "" {
				t.Fatalf("diagnostic without file or message: %#v", d)
			}
		}
		for _, e := range ws.Environments {
			if !e.Valid() {
				continue
			}
			a, ok := ws.Archetype(e.Archetype)
			if !ok {
				t.Fatalf("valid environment %s with unknown archetype %q", e.Name, e.Archetype)
			}
			for name := range e.Inputs {
				if _, ok := a.Input(name); !ok {
					t.Fatalf("valid environment %s sets unknown input %q", e.Name, name)
				}
			}
			if _, err := varsJSON(e.Values(a)); err != nil {
				t.Fatalf("valid environment %s has values that do not encode: %v", e.Name, err)
			}
		}
	})
}
