package config

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"
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
	// The checks against the workspace's rules, the clock and the disk.
	f.Add([]byte("risk: {growth_factor: 5, max_changes: 10}\n"), []byte("risk: {growth_factor: 8, max_changes: 1000}\ninputs: {c: {type: cidr, default: 10.0.0.0/8}}\n"), []byte("archetype: web\naccount: \"111111111111\"\ncreated: 2999-01-01\nttl: 1d\n"), []byte("x"))
	f.Add([]byte("state: s3://acme-state/envbench\n"), []byte(""), []byte("archetype: web\naccount: \"111111111111\"\n"), []byte(""))
	f.Add([]byte("state: gs://x/y\n"), []byte(""), []byte(""), []byte(""))
	f.Add([]byte("state: s3:///p\nstate: [1]\n"), []byte(""), []byte(""), []byte(""))
	f.Add([]byte("terraform: {binary: ./nope}\ndefaults: {region: eu-west-1}\n"), []byte("inputs: {c: {type: list, items: cidr, default: [10.0.0.0/16, 10.0.1.0/24]}}\n"), []byte("archetype: web\naccount: \"111111111111\"\ncreated: 2026-11-21T12:04:59Z\n"), []byte(""))
	f.Add([]byte("terraform: {binary: \"\\x00\"}\nrisk: {growth_factor: 1e308}\n"), []byte("risk: {growth_factor: 1.0000001}\n"), []byte("archetype: web\naccount: \"111111111111\"\ncreated: 2026-11-22\ninputs: {c: 10.0.0.0/8}\n"), []byte(""))
	// Hooks: a program path checked against the archetype's files, names
	// shared across phases, durations and retry counts.
	f.Add([]byte("name: x\n"), []byte("hooks:\n  pre_deploy: [{name: a, run: [./main.tf], timeout: 1s, retries: 2}]\n  post_deploy: [{name: a, run: [../x]}, {run: []}, true]\n"), []byte("archetype: web\naccount: \"111111111111\"\n"), []byte(""))
	f.Add([]byte("name: x\n"), []byte("hooks: {post_deploy: [{name: b, run: ['', x], timeout: -5m, retries: 1e9}], other: 1}\n"), []byte("archetype: web\naccount: \"111111111111\"\n"), []byte(""))
	f.Fuzz(func(t *testing.T, settings, archetype, env, tmpl []byte) {
		fsys := fstest.MapFS{
			"envbench.yaml":                  {Data: settings},
			"archetypes/web/archetype.yaml":  {Data: archetype},
			"archetypes/web/main.tf":         {Data: []byte("resource \"terraform_data\" \"x\" {}\n")},
			"archetypes/web/backend.tf.tmpl": {Data: tmpl},
			"envs/qa.yaml":                   {Data: env},
			"envs/prod.yaml":                 {Data: env},
			"envs/pipe.yaml":                 {Mode: fs.ModeNamedPipe},
		}
		ws, err := LoadFSAt(fsys, "/fuzz", time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatalf("LoadFS: %v", err)
		}
		if pipe, ok := ws.Environment("pipe"); !ok || pipe.Valid() {
			t.Fatal("a named pipe is listed as an environment with a problem")
		}
		for _, d := range append(ws.Diagnostics(), ws.Warnings()...) {
			if d.File == "" || strings.TrimSpace(d.Message) == "" {
				t.Fatalf("diagnostic without file or message: %#v", d)
			}
		}
		// Both environments hold the same file: if they overlap, both are
		// new and both carry the error, on one line each.
		for _, o := range ws.Overlaps() {
			if o.Env.Valid() || o.Count != 1 || len(o.Peers) != 1 {
				t.Fatalf("overlap of %s: valid %v, count %d, peers %d", o.Env.Name, o.Env.Valid(), o.Count, len(o.Peers))
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
