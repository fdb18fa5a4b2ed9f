package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// find returns the first diagnostic of file whose field is field.
func find(ds Diagnostics, file, field string) (Diagnostic, bool) {
	for _, d := range ds {
		if d.File == file && d.Field == field {
			return d, true
		}
	}
	return Diagnostic{}, false
}

func TestArchetypeRiskRulesOnlyTighten(t *testing.T) {
	const arch = "archetypes/web/archetype.yaml"
	base := baseFiles()[arch]
	cases := []struct {
		name      string
		settings  string // risk: block of envbench.yaml, "" for none
		archetype string // risk: block of the archetype
		field     string // "" when valid
		line, col int
		message   string
	}{
		{"looser factor than the built-in", "", "risk:\n  growth_factor: 20\n", "risk.growth_factor", 1, 0, "20 loosens the built-in growth factor 10; an archetype may only tighten the review: set at most 10"},
		{"looser factor than the workspace", "risk:\n  growth_factor: 5\n", "risk:\n  growth_factor: 8\n", "risk.growth_factor", 1, 0, "8 loosens the workspace's growth factor 5 (envbench.yaml:7:18)"},
		{"looser count than the built-in", "", "risk:\n  max_changes: 51\n", "risk.max_changes", 1, 0, "51 loosens the built-in max_changes 50"},
		{"looser count than the workspace", "risk:\n  max_changes: 10\n", "risk:\n  max_changes: 11\n", "risk.max_changes", 1, 0, "11 loosens the workspace's max_changes 10 (envbench.yaml:7:16)"},
		{"tighter factor and count", "risk:\n  growth_factor: 20\n  max_changes: 100\n", "risk:\n  growth_factor: 15\n  max_changes: 100\n  stateful_types: [acme_vault]\n", "", 0, 0, ""},
		{"same as the built-in", "", "risk:\n  growth_factor: 10\n  max_changes: 50\n", "", 0, 0, ""},
		{"the workspace may loosen the built-in", "risk:\n  growth_factor: 100\n  max_changes: 500\n", "", "", 0, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			settings := baseFiles()["envbench.yaml"] + "# risk\n" + tc.settings
			ws := load(t, map[string]string{"envbench.yaml": settings, arch: base + tc.archetype})
			diags := ws.Diagnostics()
			if tc.field == "" {
				if len(diags) > 0 {
					t.Fatalf("unexpected problems:\n%v", diags)
				}
				return
			}
			d, ok := find(diags, arch, tc.field)
			if !ok {
				t.Fatalf("no problem on %s; got:\n%v", tc.field, diags)
			}
			// The risk block is appended after the base's lines.
			wantLine := strings.Count(base, "\n") + 2
			if d.Line != wantLine || d.Col == 0 || !strings.Contains(d.Message, tc.message) {
				t.Errorf("got %s\nwant line %d and %q", d, wantLine, tc.message)
			}
			if qa, _ := ws.Environment("qa"); qa.Valid() {
				t.Error("an environment of the archetype is not plannable while its archetype loosens the review")
			}
		})
	}
}

func TestCreatedInTheFutureIsRefused(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	env := func(created string) string {
		return "archetype: web\naccount: \"333333333333\"\ncreated: " + created + "\nttl: 7d\ninputs: {vpc_cidr: 10.9.0.0/16}\n"
	}
	cases := []struct {
		created string
		refused bool
	}{
		{"2026-11-21T11:00:00Z", false},
		{"2026-11-21T12:04:00Z", false}, // within the clock skew
		{"2026-11-21T12:10:00Z", true},
		{"2026-11-21T14:00:00+02:00", false}, // noon UTC
		{"2026-11-22", false},                // already today east of UTC
		{"2026-11-23", true},
		{"2099-01-01", true},
	}
	for _, tc := range cases {
		t.Run(tc.created, func(t *testing.T) {
			files := baseFiles()
			files["envs/dev.yaml"] = env(tc.created)
			ws, err := LoadAt(writeFiles(t, files), now)
			if err != nil {
				t.Fatal(err)
			}
			d, found := find(ws.Diagnostics(), "envs/dev.yaml", "created")
			if found != tc.refused {
				t.Fatalf("refused = %v, want %v: %v", found, tc.refused, ws.Diagnostics())
			}
			if found && (d.Line != 3 || d.Col != 10 || !strings.Contains(d.Message, tc.created+" is in the future (it is now 2026-11-21T12:00:00Z)")) {
				t.Errorf("got %s", d)
			}
			if _, diags := ws.CheckCandidate("new", []byte(env(tc.created))); tc.refused != strings.Contains(diags.Error(), "is in the future") {
				t.Errorf("a new environment's file is checked the same way: %v", diags)
			}
		})
	}
}

func TestTerraformBinaryMustExistAndBeExecutable(t *testing.T) {
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "tf-on-path"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	cases := []struct {
		binary  string
		message string // "" when accepted
	}{
		{"./nope", "./nope does not exist"},
		{"tools/tf-plain", "tools/tf-plain is not executable"},
		{"./tools", "./tools is not a regular file"},
		{"./tools/tf", ""},
		{"tf-on-path", ""},
		{"tf-elsewhere", `"tf-elsewhere" is not found on PATH`},
	}
	for _, tc := range cases {
		t.Run(tc.binary, func(t *testing.T) {
			files := baseFiles()
			files["envbench.yaml"] = "name: test\nterraform:\n  binary: " + tc.binary + "\ndefaults: {region: eu-west-1}\n"
			root := writeFiles(t, files)
			for name, mode := range map[string]os.FileMode{"tf": 0o755, "tf-plain": 0o644} {
				if err := os.WriteFile(filepath.Join(root, "tools", name), nil, mode); err != nil {
					if err := os.MkdirAll(filepath.Join(root, "tools"), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(root, "tools", name), nil, mode); err != nil {
						t.Fatal(err)
					}
				}
			}
			ws, err := Load(root)
			if err != nil {
				t.Fatal(err)
			}
			d, found := find(ws.Diagnostics(), "envbench.yaml", "terraform.binary")
			if tc.message == "" {
				if found {
					t.Fatalf("unexpected problem: %s", d)
				}
				return
			}
			if !found || d.Line != 3 || d.Col != 11 || !strings.Contains(d.Message, tc.message) {
				t.Fatalf("got %v, want envbench.yaml:3:11 with %q", ws.Diagnostics(), tc.message)
			}
		})
	}
}

// loadPromptly loads root and fails the test instead of hanging when the
// load blocks.
func loadPromptly(t *testing.T, root string) (*Workspace, error) {
	t.Helper()
	type result struct {
		ws  *Workspace
		err error
	}
	done := make(chan result, 1)
	go func() {
		ws, err := Load(root)
		done <- result{ws, err}
	}()
	select {
	case r := <-done:
		return r.ws, r.err
	case <-time.After(20 * time.Second):
		t.Fatal("loading the workspace blocked")
		return nil, nil
	}
}

func TestNamedPipesDoNotBlock(t *testing.T) {
	for _, name := range []string{"envs/pipe.yaml", "envbench.yaml", "archetypes/web/archetype.yaml"} {
		t.Run(name, func(t *testing.T) {
			files := baseFiles()
			delete(files, name)
			root := writeFiles(t, files)
			if err := syscall.Mkfifo(filepath.Join(root, filepath.FromSlash(name)), 0o644); err != nil {
				t.Skip("no named pipes here:", err)
			}
			ws, err := loadPromptly(t, root)
			const want = "not a regular file (a named pipe)"
			if name == SettingsFile {
				if err == nil || !strings.Contains(err.Error(), "envbench.yaml: "+want) {
					t.Fatalf("err = %v, want it to name envbench.yaml and say %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msgs := ws.Diagnostics().Error(); !strings.Contains(msgs, name+": "+want) {
				t.Errorf("diagnostics lack %q:\n%s", name+": "+want, msgs)
			}
		})
	}
}

func TestSymlinksMustStayInsideTheWorkspace(t *testing.T) {
	const secret = "root:x:0:0:hunter2-not-for-the-screen"
	outside := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(outside, []byte(secret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := func(t *testing.T, root, name, target string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(name))
		os.Remove(p)
		if err := os.Symlink(target, p); err != nil {
			t.Skip("no symbolic links here:", err)
		}
	}
	noLeak := func(t *testing.T, text string) {
		t.Helper()
		for _, leak := range []string{"hunter2", "root:x", outside, filepath.Dir(outside)} {
			if strings.Contains(text, leak) {
				t.Errorf("the output shows %q of the link's target:\n%s", leak, text)
			}
		}
	}
	const escape = "is a symbolic link that leads outside the workspace"

	t.Run("environment", func(t *testing.T) {
		root := writeFiles(t, baseFiles())
		link(t, root, "envs/evil.yaml", outside)
		rel, err := filepath.Rel(filepath.Join(root, "envs"), outside)
		if err != nil {
			t.Fatal(err)
		}
		link(t, root, "envs/sneaky.yaml", rel)
		ws, err := loadPromptly(t, root)
		if err != nil {
			t.Fatal(err)
		}
		msgs := ws.Diagnostics().Error()
		for _, name := range []string{"envs/evil.yaml", "envs/sneaky.yaml"} {
			if !strings.Contains(msgs, name+": "+escape) {
				t.Errorf("no problem for %s:\n%s", name, msgs)
			}
		}
		noLeak(t, msgs)
		if qa, _ := ws.Environment("qa"); !qa.Valid() {
			t.Errorf("qa stays valid: %v", qa.Diags)
		}
	})
	t.Run("settings", func(t *testing.T) {
		root := writeFiles(t, baseFiles())
		link(t, root, SettingsFile, outside)
		_, err := loadPromptly(t, root)
		if err == nil || !strings.Contains(err.Error(), "envbench.yaml: "+escape) {
			t.Fatalf("err = %v", err)
		}
		noLeak(t, err.Error())
	})
	t.Run("archetype", func(t *testing.T) {
		root := writeFiles(t, baseFiles())
		link(t, root, "archetypes/web/archetype.yaml", outside)
		ws, err := loadPromptly(t, root)
		if err != nil {
			t.Fatal(err)
		}
		msgs := ws.Diagnostics().Error()
		if !strings.Contains(msgs, "archetypes/web/archetype.yaml: "+escape) {
			t.Errorf("no problem for the archetype:\n%s", msgs)
		}
		noLeak(t, msgs)
	})
	t.Run("inside the workspace keep working", func(t *testing.T) {
		files := baseFiles()
		files["shared/dev.yaml"] = "archetype: web\naccount: \"333333333333\"\ninputs: {vpc_cidr: 10.9.0.0/16}\n"
		files["shared/abs.yaml"] = "archetype: web\naccount: \"333333333333\"\ninputs: {vpc_cidr: 10.8.0.0/16}\n"
		files["shared/settings.yaml"] = files[SettingsFile]
		files["shared/web.yaml"] = files["archetypes/web/archetype.yaml"]
		root := writeFiles(t, files)
		link(t, root, "envs/dev.yaml", "../shared/dev.yaml")
		link(t, root, "envs/abs.yaml", filepath.Join(root, "shared", "abs.yaml"))
		link(t, root, SettingsFile, "shared/settings.yaml")
		link(t, root, "archetypes/web/archetype.yaml", "../../shared/web.yaml")
		ws, err := loadPromptly(t, root)
		if err != nil {
			t.Fatal(err)
		}
		if diags := ws.Diagnostics(); len(diags) > 0 {
			t.Fatalf("links inside the workspace must work:\n%v", diags)
		}
		for _, name := range []string{"dev", "abs"} {
			if e, ok := ws.Environment(name); !ok || e.Account != "333333333333" {
				t.Errorf("environment %s was not read through its link", name)
			}
		}
	})
}

// copies writes n copies of one environment file into the base workspace,
// all in qa's account with qa's range.
func copies(n int) map[string]string {
	files := baseFiles()
	for i := range n {
		files[fmt.Sprintf("envs/copy-%02d.yaml", i)] = files["envs/qa.yaml"]
	}
	return files
}

func TestOverlapsAreOneLinePerEnvironment(t *testing.T) {
	ws, err := Load(writeFiles(t, copies(31)))
	if err != nil {
		t.Fatal(err)
	}
	diags := ws.Diagnostics()
	if len(diags) != 32 {
		t.Fatalf("got %d lines for 32 overlapping environments, want one each:\n%v", len(diags), diags)
	}
	d, _ := find(diags, "envs/copy-05.yaml", "inputs.vpc_cidr")
	want := "10.1.0.0/16 overlaps 10.1.0.0/16 of environment copy-00 (envs/copy-00.yaml:4:13), 10.1.0.0/16 of environment copy-01 (envs/copy-01.yaml:4:13), 10.1.0.0/16 of environment copy-02 (envs/copy-02.yaml:4:13) and 28 more in account 222222222222"
	if d.Line != 4 || d.Col != 13 || !strings.HasPrefix(d.Message, want) {
		t.Errorf("got  %s\nwant envs/copy-05.yaml:4:13: inputs.vpc_cidr: %s", d, want)
	}
	overlaps := ws.Overlaps()
	if len(overlaps) != 32 {
		t.Fatalf("got %d overlaps, want 32", len(overlaps))
	}
	qa := overlaps[31]
	if qa.Env.Name != "qa" || qa.Count != 31 || len(qa.Peers) != MaxOverlapPeers || qa.Peers[0].Env.Name != "copy-00" ||
		qa.First.Field != "inputs.vpc_cidr" || qa.First.Prefix.String() != "10.1.0.0/16" || qa.Peers[2].Range.Pos != (Position{4, 13}) {
		t.Errorf("qa's overlap = %+v", qa)
	}
}

func TestOverlapNamesTheOwnRangeOfEachPeer(t *testing.T) {
	files := baseFiles()
	files["envs/dev.yaml"] = "archetype: web\naccount: \"222222222222\"\ninputs:\n  vpc_cidr: 10.2.0.0/16\n  subnets: [10.1.3.0/24]\n"
	files["envs/dew.yaml"] = "archetype: web\naccount: \"222222222222\"\ninputs: {vpc_cidr: 10.2.128.0/17}\n"
	ws, err := Load(writeFiles(t, files))
	if err != nil {
		t.Fatal(err)
	}
	d, ok := find(ws.Diagnostics(), "envs/dev.yaml", "inputs.vpc_cidr")
	want := "10.2.0.0/16 overlaps 10.2.128.0/17 of environment dew (envs/dew.yaml:3:20), 10.1.0.0/16 of environment qa (envs/qa.yaml:4:13, against inputs.subnets[0] 10.1.3.0/24) in account"
	if !ok || d.Line != 4 || !strings.HasPrefix(d.Message, want) {
		t.Errorf("got %v\nwant envs/dev.yaml:4:13 %s", ws.Diagnostics(), want)
	}
}

func TestResolveOverlapsByDeployment(t *testing.T) {
	files := baseFiles()
	files["envs/dev.yaml"] = "archetype: web\naccount: \"222222222222\"\ninputs: {vpc_cidr: 10.1.128.0/17}\n"
	files["envs/ops.yaml"] = "archetype: web\naccount: \"222222222222\"\ninputs: {vpc_cidr: 10.1.0.0/24}\n"
	ws, err := Load(writeFiles(t, files))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"qa", "dev", "ops"} {
		if e, _ := ws.Environment(name); e.Valid() {
			t.Errorf("without knowing what is deployed, %s carries its overlap as an error", name)
		}
	}
	deployed := map[string]bool{"qa": true, "ops": true}
	for range 2 { // resolving again gives the same answer
		ws.ResolveOverlaps(func(e *Environment) bool { return deployed[e.Name] })
	}
	for _, name := range []string{"qa", "ops"} {
		e, _ := ws.Environment(name)
		if !e.Valid() || len(e.Warnings) != 1 || e.Warnings[0].Severity != SeverityWarning {
			t.Errorf("deployed %s keeps working with one warning: diags %v, warnings %v", name, e.Diags, e.Warnings)
		}
	}
	dev, _ := ws.Environment("dev")
	if dev.Valid() || len(dev.Diags) != 1 || len(dev.Warnings) != 0 {
		t.Errorf("new dev carries the error: diags %v, warnings %v", dev.Diags, dev.Warnings)
	}
	if got := ws.Warnings()[0].String(); !strings.HasPrefix(got, "envs/ops.yaml:3:20: warning: inputs.vpc_cidr: 10.1.0.0/24 overlaps") {
		t.Errorf("warning line = %s", got)
	}
	if len(ws.Diagnostics()) != 1 {
		t.Errorf("only dev's error fails validation: %v", ws.Diagnostics())
	}
	// A new file beside them is checked against them all, deployed or not.
	if _, diags := ws.CheckCandidate("new", []byte("archetype: web\naccount: \"222222222222\"\ninputs: {vpc_cidr: 10.1.0.0/28}\n")); !strings.Contains(diags.Error(), "10.1.0.0/28 overlaps 10.1.0.0/24 of environment ops (envs/ops.yaml:3:20), 10.1.0.0/16 of environment qa") {
		t.Errorf("candidate: %v", diags)
	}
}
