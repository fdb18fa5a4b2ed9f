package snapshots_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/envbench/envbench/ui/theme"
)

// fillSandbox fills the first page of the new sandbox form: name, owner,
// account and ttl, keeping the default region and no role.
const fillSandbox = "fill-sandbox"

var sizes = []struct{ w, h int }{{80, 24}, {120, 40}}

// demoState is the demo workspace with qa deployed and one broken
// environment, as the snapshots show it.
func demoState(t *testing.T) string {
	t.Helper()
	root := copyDemo(t)
	writeFile(t, root, ".envbench/work/qa/terraform.tfstate", `{"resources":[{"mode":"managed","instances":[{},{},{},{},{},{},{},{}]}]}`)
	writeFile(t, root, "envs/scratch.yaml", "archetype: sandbox\naccount: \"333333333333\"\nowner: erin\ninputs:\n  vpc_cidr: 10.100.32.0/24\n  db_storage_gb: 2000\n  colour: blue\n")
	return root
}

// screenCase is one golden screen: a workspace, keys typed from the
// environments screen, and the name of the golden files.
type screenCase struct {
	name    string
	palette theme.Palette
	setup   func(t *testing.T) string
	keys    []string
}

func screenCases() []screenCase {
	return append(environmentScreenCases(), []screenCase{
		{name: "environments"},
		{name: "environments_selected_production", keys: []string{"jjj"}},
		{name: "environments_role_checked", keys: []string{"jjj", "c"}},
		{name: "environments_broken", keys: []string{"G"}},
		{name: "environments_filter", keys: []string{"/", "dev"}},
		{name: "environments_filter_applied", keys: []string{"/", "service", "enter"}},
		{name: "environments_no_match", keys: []string{"/", "zzz"}},
		{name: "environments_no_color", palette: theme.PlainPalette()},
		{name: "environments_overlap_warning", keys: []string{"jjjj"}, setup: func(t *testing.T) string {
			root := demoState(t) // qa is deployed: a new qa-next overlapping it carries the error
			writeFile(t, root, "envs/qa-next.yaml", "archetype: service-platform\naccount: \"222222222222\"\ninputs:\n  vpc_cidr: 10.10.128.0/17\n  private_zone: qa-next.acme.internal\n")
			return root
		}},
		{name: "environments_empty", setup: func(t *testing.T) string {
			root := copyDemo(t)
			entries, _ := os.ReadDir(filepath.Join(root, "envs"))
			for _, e := range entries {
				os.Remove(filepath.Join(root, "envs", e.Name()))
			}
			return root
		}},
		{name: "archetypes", keys: []string{"a"}},
		{name: "archetypes_sandbox", keys: []string{"a", "j"}},
		{name: "help", keys: []string{"?"}},
		{name: "new_environment_picker", keys: []string{"n"}},
		{name: "new_environment_form", keys: []string{"a", "n"}},
		{name: "new_environment_field_error", keys: []string{"a", "n", "=Dev Carol", "enter"}},
		{name: "new_environment_inputs", keys: []string{"a", "n", fillSandbox}},
		{name: "new_environment_input_error", keys: []string{"a", "n", fillSandbox, "=10.100.64.0/20", "enter", "enter", "=500"}},
		{name: "new_environment_overlap", keys: []string{"a", "n", fillSandbox, "=10.100.4.0/24", "enter"}},
		{name: "new_environment_rejected", keys: []string{"a", "n", "=dev-carol", "enter", "enter", "=carol", "enter", "=333333333333", "enter", "enter",
			"=arn:aws:iam::444444444444:role/envbench-sandbox", "enter", "=7d", "enter", "enter", "=10.100.64.0/20", "enter", "enter", "enter", "enter"}},
		{name: "new_environment_confirm", keys: []string{"a", "n", fillSandbox, "=10.100.64.0/20", "enter", "enter", "enter", "enter"}},
	}...)
}

// goldenName names the golden files of a case at a size.
func goldenName(name string, w, h int) string { return fmt.Sprintf("%s_%dx%d", name, w, h) }

// TestScreens draws every case at every size, in parallel.
func TestScreens(t *testing.T) {
	for _, tc := range screenCases() {
		for _, size := range sizes {
			name := goldenName(tc.name, size.w, size.h)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				setup := demoState
				if tc.setup != nil {
					setup = tc.setup
				}
				palette := tc.palette
				if palette.Name == "" {
					palette = theme.DefaultPalette()
				}
				d := newDriver(t, openCatalog(t, setup(t)), palette, size.w, size.h)
				d.keys(tc.keys...)
				d.golden(name)
			})
		}
	}
}

// TestNewEnvironmentIsWritten completes the form with valid values and
// checks the file and the list it returns to.
func TestNewEnvironmentIsWritten(t *testing.T) {
	t.Parallel()
	root := demoState(t)
	d := newDriver(t, openCatalog(t, root), theme.DefaultPalette(), 120, 40)
	d.keys("a", "n", fillSandbox, "=10.100.64.0/20", "enter", "enter", "enter", "enter")
	if _, err := os.Stat(filepath.Join(root, "envs", "dev-carol.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("envs/dev-carol.yaml exists before the confirmation (stat: %v)", err)
	}
	d.keys("enter")
	data, err := os.ReadFile(filepath.Join(root, "envs", "dev-carol.yaml"))
	if err != nil {
		t.Fatalf("the form did not write the environment: %v\n%s", err, d.view(0))
	}
	want := "archetype: sandbox\naccount: \"333333333333\"\nowner: carol\ncreated: 2026-11-21T12:00:00Z\nttl: 7d\ninputs:\n  vpc_cidr: 10.100.64.0/20\n"
	if string(data) != want {
		t.Errorf("envs/dev-carol.yaml =\n%s\nwant\n%s", data, want)
	}
	d.golden("new_environment_written_120x40")
}

// TestGoldenFilesAreAllUsed fails on golden files no test draws.
func TestGoldenFilesAreAllUsed(t *testing.T) {
	want := map[string]bool{}
	for _, tc := range screenCases() {
		for _, size := range sizes {
			want[goldenName(tc.name, size.w, size.h)] = true
		}
	}
	want["new_environment_written_120x40"] = true
	for _, size := range sizes {
		want[goldenName("environments_preparing", size.w, size.h)] = true
	}
	for _, name := range append(planScreenNames, runScreenNames...) {
		for _, size := range sizes {
			want[goldenName(name, size.w, size.h)] = true
		}
	}
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		base := strings.TrimSuffix(strings.TrimSuffix(e.Name(), ".txt"), ".ansi")
		if !want[base] {
			t.Errorf("testdata/%s is not drawn by any test; delete it", e.Name())
		}
	}
}
