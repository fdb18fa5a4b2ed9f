package envs

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/config"
)

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func testWorkspace(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"envbench.yaml": "name: t\ndefaults: {region: eu-west-1}\n",
		"archetypes/web/archetype.yaml": `inputs:
  vpc_cidr: {type: cidr, required: true}
  disk_gb: {type: number, default: 100}
  zones: {type: list, default: [a, b]}
  tags: {type: map, default: {team: web}}
`,
		"archetypes/web/main.tf":               "variable \"vpc_cidr\" {}\n",
		"archetypes/web/modules/net/main.tf":   "# module\n",
		"archetypes/web/backend.tf.tmpl":       "# {{ .Name }} {{ .Inputs.vpc_cidr }} {{ json .Inputs.zones }}\n",
		"archetypes/web/.terraform/ignored.tf": "ignored",
		"envs/qa.yaml": `archetype: web
account: "222222222222"
role: arn:aws:iam::222222222222:role/deploy
owner: "qa ${team} %{x}"
inputs:
  vpc_cidr: 10.1.0.0/16
  disk_gb: 250
`,
	})
	return root
}

func openEnv(t *testing.T, root, name string) (*Catalog, *Environment) {
	t.Helper()
	c, err := Open(root, time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Diagnostics(); len(d) > 0 {
		t.Fatalf("workspace has problems: %v", d)
	}
	e, err := c.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return c, e
}

func TestRenderWritesTheWorkDirectory(t *testing.T) {
	root := testWorkspace(t)
	c, e := openEnv(t, root, "qa")
	res, err := Render(c.Workspace, e.Environment)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"backend.tf", "envbench.auto.tfvars.json", "envbench.tf", "main.tf", "modules/net/main.tf"}
	if strings.Join(res.Written, ",") != strings.Join(want, ",") {
		t.Errorf("written = %v, want %v", res.Written, want)
	}
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join(res.Dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	if got := read("backend.tf"); got != "# qa 10.1.0.0/16 [\"a\",\"b\"]\n" {
		t.Errorf("template rendered to %q", got)
	}
	var vars map[string]any
	if err := json.Unmarshal([]byte(read(config.VarsFile)), &vars); err != nil {
		t.Fatal(err)
	}
	if vars["disk_gb"] != 250.0 || vars["vpc_cidr"] != "10.1.0.0/16" || vars["tags"].(map[string]any)["team"] != "web" {
		t.Errorf("tfvars = %v: want set values and defaults", vars)
	}
	ctx := read(config.ContextFile)
	for _, want := range []string{
		`region       = "eu-west-1"`,
		`role_arn     = "arn:aws:iam::222222222222:role/deploy"`,
		`"envbench:env" = "qa"`,
		`owner        = "qa $${team} %%{x}"`, // template sequences escaped
		`session_name = "envbench-${var.envbench_run_id}"`,
		`variable "envbench_run_id" {`,
	} {
		if !strings.Contains(ctx, want) {
			t.Errorf("envbench.tf lacks %q:\n%s", want, ctx)
		}
	}
	if _, err := os.Stat(filepath.Join(res.Dir, "ignored.tf")); err == nil {
		t.Error("hidden directories of the archetype must not be copied")
	}
}

func TestRenderIsIdempotent(t *testing.T) {
	root := testWorkspace(t)
	c, e := openEnv(t, root, "qa")
	first, err := Render(c.Workspace, e.Environment)
	if err != nil {
		t.Fatal(err)
	}
	snapshot := func() map[string]string {
		out := map[string]string{}
		filepath.WalkDir(first.Dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			info, _ := d.Info()
			data, _ := os.ReadFile(p)
			out[p] = info.ModTime().String() + "\x00" + string(data)
			return nil
		})
		return out
	}
	// Age every file so a rewrite would show in its modification time.
	old := time.Now().Add(-time.Hour)
	filepath.WalkDir(first.Dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			os.Chtimes(p, old, old)
		}
		return err
	})
	before := snapshot()
	second, err := Render(c.Workspace, e.Environment)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Written) != 0 || len(second.Removed) != 0 {
		t.Errorf("second render wrote %v and removed %v; want nothing", second.Written, second.Removed)
	}
	after := snapshot()
	for p, v := range before {
		if after[p] != v {
			t.Errorf("%s changed (content or modification time) on a second render", p)
		}
	}
	if len(after) != len(before) {
		t.Errorf("file count changed: %d → %d", len(before), len(after))
	}
}

func TestRenderRewritesOnlyWhatChangedAndRemovesStaleFiles(t *testing.T) {
	root := testWorkspace(t)
	c, e := openEnv(t, root, "qa")
	res, err := Render(c.Workspace, e.Environment)
	if err != nil {
		t.Fatal(err)
	}
	// Terraform's own files must survive every render.
	writeTree(t, res.Dir, map[string]string{"terraform.tfstate": "{}", ".terraform/providers/x": "x"})
	os.Remove(filepath.Join(root, "archetypes/web/modules/net/main.tf"))
	writeTree(t, root, map[string]string{"envs/qa.yaml": strings.Replace(mustRead(t, filepath.Join(root, "envs/qa.yaml")), "disk_gb: 250", "disk_gb: 300", 1)})
	c, e = openEnv(t, root, "qa")
	res, err = Render(c.Workspace, e.Environment)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Written, ",") != config.VarsFile {
		t.Errorf("written = %v, want only the tfvars", res.Written)
	}
	if strings.Join(res.Removed, ",") != "modules/net/main.tf" {
		t.Errorf("removed = %v, want the deleted module file", res.Removed)
	}
	for _, keep := range []string{"terraform.tfstate", ".terraform/providers/x"} {
		if _, err := os.Stat(filepath.Join(res.Dir, keep)); err != nil {
			t.Errorf("%s was lost: %v", keep, err)
		}
	}
}

func TestRenderIgnoresManifestEntriesOutsideTheWorkDirectory(t *testing.T) {
	root := testWorkspace(t)
	c, e := openEnv(t, root, "qa")
	res, err := Render(c.Workspace, e.Environment)
	if err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(root, "victim.txt")
	writeTree(t, root, map[string]string{"victim.txt": "keep me"})
	writeTree(t, res.Dir, map[string]string{manifestFile: "../../../victim.txt\n/etc/passwd\nmain.tf\n"})
	if _, err := Render(c.Workspace, e.Environment); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(victim); err != nil {
		t.Fatal("a tampered manifest made render delete a file outside the work directory")
	}
}

func TestRenderRefusesAnInvalidEnvironment(t *testing.T) {
	root := testWorkspace(t)
	writeTree(t, root, map[string]string{"envs/bad.yaml": "archetype: web\naccount: \"1\"\n"})
	c, err := Open(root, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e, _ := c.Lookup("bad")
	if _, err := Render(c.Workspace, e.Environment); err == nil || !strings.Contains(err.Error(), "envs/bad.yaml") {
		t.Errorf("render of an invalid environment: %v", err)
	}
	if _, err := os.Stat(WorkDir(root, "bad")); err == nil {
		t.Error("nothing may be written for an invalid environment")
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestStatusAndExpiry(t *testing.T) {
	root := testWorkspace(t)
	writeTree(t, root, map[string]string{
		"envs/old.yaml":                         "archetype: web\naccount: \"333333333333\"\ncreated: 2026-11-01\nttl: 7d\ninputs: {vpc_cidr: 10.2.0.0/16}\n",
		"envs/new.yaml":                         "archetype: web\naccount: \"333333333333\"\ncreated: 2026-11-20T12:00:00Z\nttl: 36h\ninputs: {vpc_cidr: 10.3.0.0/16}\n",
		"envs/bad.yaml":                         "archetype: nope\naccount: \"333333333333\"\n",
		"envs/dead.yaml":                        "archetype: web\naccount: \"333333333333\"\ninputs: {vpc_cidr: 10.4.0.0/16}\n",
		".envbench/work/qa/terraform.tfstate":   `{"resources":[{"mode":"managed","instances":[{},{}]},{"mode":"data","instances":[{}]}]}`,
		".envbench/work/dead/terraform.tfstate": `{"resources":[]}`,
		".envbench/work/new/main.tf":            "",
	})
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	c, err := Open(root, now)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		status    Status
		resources int
		expired   bool
		expiry    string
	}{
		{"qa", StatusDeployed, 2, false, ""},
		{"dead", StatusDestroyed, 0, false, ""},
		{"new", StatusRendered, 0, false, "in 24h"},
		{"old", StatusNew, 0, true, "expired 13d ago"},
		{"bad", StatusInvalid, 0, false, ""},
	}
	for _, tc := range cases {
		e, err := c.Lookup(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != tc.status || e.Resources != tc.resources || e.Expired != tc.expired || e.ExpiryText(now) != tc.expiry {
			t.Errorf("%s: status %s/%d expired %v %q; want %s/%d %v %q", tc.name, e.Status, e.Resources, e.Expired, e.ExpiryText(now), tc.status, tc.resources, tc.expired, tc.expiry)
		}
	}
	l := mustLookup(t, c, "old").Listing()
	if l.Expires == nil || !l.Expires.Equal(time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC)) || !l.Expired || l.TTL != "7d" {
		t.Errorf("listing of old = %+v", l)
	}
	if bad := mustLookup(t, c, "bad").Listing(); len(bad.Errors) == 0 {
		t.Error("the listing of a broken environment must carry its errors")
	}
	if _, err := c.Lookup("nope"); err == nil || !strings.Contains(err.Error(), "the workspace has: bad, dead, new, old, qa") {
		t.Errorf("Lookup of an unknown name: %v", err)
	}
}

func mustLookup(t *testing.T, c *Catalog, name string) *Environment {
	t.Helper()
	e, err := c.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestCreateEnvironment(t *testing.T) {
	root := testWorkspace(t)
	c, _ := openEnv(t, root, "qa")
	now := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC) // before the catalog's now: a future created is refused
	draft := config.Draft{
		Name: "dev-carol", Archetype: "web", Account: "333333333333", Owner: "carol", TTL: "7d", Created: now,
		Inputs: []config.DraftInput{
			{Name: "vpc_cidr", Value: "10.9.0.0/16"},
			{Name: "disk_gb", Value: json.Number("40")},
			{Name: "zones", Value: []any{"a"}},
			{Name: "tags", Value: map[string]any{"team": "x", "n": "1"}},
		},
	}
	path, problems, err := CreateEnvironment(c.Workspace, draft)
	if err != nil || len(problems) > 0 {
		t.Fatalf("CreateEnvironment: %v %v", err, problems)
	}
	c2, e := openEnv(t, root, "dev-carol")
	if e.Owner != "carol" || e.TTL != 7*24*time.Hour || !e.Created.Equal(now) {
		t.Errorf("created environment reads back as %+v", e.Environment)
	}
	if e.Inputs["disk_gb"] != json.Number("40") || e.Inputs["vpc_cidr"] != "10.9.0.0/16" {
		t.Errorf("inputs read back as %v", e.Inputs)
	}
	original := mustRead(t, path)

	// Overlapping range in the same account as qa: refused, nothing written.
	clash := draft
	clash.Name, clash.Account = "dev-dan", "222222222222"
	clash.Inputs = []config.DraftInput{{Name: "vpc_cidr", Value: "10.1.0.0/24"}}
	_, problems, err = CreateEnvironment(c2.Workspace, clash)
	if err != nil || len(problems) == 0 || !strings.Contains(problems.Error(), "overlaps 10.1.0.0/16 of environment qa") {
		t.Errorf("overlapping draft: err %v, problems %v", err, problems)
	}
	if _, err := os.Stat(filepath.Join(root, "envs/dev-dan.yaml")); err == nil {
		t.Error("an invalid draft was written")
	}

	// An existing environment is never overwritten.
	again := draft
	again.Owner = "mallory"
	_, problems, _ = CreateEnvironment(c2.Workspace, again)
	if len(problems) == 0 || mustRead(t, path) != original {
		t.Errorf("existing environment: problems %v; file must be unchanged", problems)
	}
}

func TestCreateFileExclusive(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.yaml")
	if err := CreateFileExclusive(p, []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CreateFileExclusive(p, []byte("b"), 0o644); err == nil {
		t.Fatal("second create must fail")
	}
	if got := mustRead(t, p); got != "a" {
		t.Errorf("file = %q", got)
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestAgo(t *testing.T) {
	cases := map[time.Duration]string{
		30 * time.Second:                      "30s",
		90 * time.Second:                      "2m",
		59 * time.Minute:                      "59m",
		5*time.Hour + 40*time.Minute:          "6h",
		71*time.Hour + 59*time.Minute:         "3d",
		13 * 24 * time.Hour:                   "13d",
		59*time.Second + 600*time.Millisecond: "1m",
		59*time.Minute + 50*time.Second:       "1h",
		47*time.Hour + 40*time.Minute:         "2d",
		5*7*24*time.Hour + 2*24*time.Hour:     "5w",
	}
	for d, want := range cases {
		if got := Ago(d); got != want {
			t.Errorf("Ago(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestSourceFile(t *testing.T) {
	root := testWorkspace(t)
	c, e := openEnv(t, root, "qa")
	cases := map[string]string{
		"main.tf":                   "archetypes/web/main.tf",
		"modules/net/main.tf":       "archetypes/web/modules/net/main.tf",
		"backend.tf":                ".envbench/work/qa/backend.tf (rendered from archetypes/web/backend.tf.tmpl)",
		"envbench.tf":               ".envbench/work/qa/envbench.tf (written by envbench from envs/qa.yaml)",
		"envbench.auto.tfvars.json": ".envbench/work/qa/envbench.auto.tfvars.json (written by envbench from envs/qa.yaml)",
		"other.tf":                  "other.tf",
		"":                          "",
	}
	for rendered, want := range cases {
		if got := SourceFile(c.Workspace, e.Environment, rendered); got != want {
			t.Errorf("SourceFile(%q) = %q, want %q", rendered, got, want)
		}
	}
}
