package envs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/internal/testkit"
)

var overlapNow = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

// generateOverlapping writes a workspace of n copies of one sandbox file:
// every environment overlaps every other.
func generateOverlapping(tb testing.TB, n int) string {
	tb.Helper()
	root := generateWorkspace(tb, 1, 0)
	for i := range n {
		testkit.WriteFile(tb, root, fmt.Sprintf("envs/sandbox-%04d.yaml", i),
			"archetype: arch-00\naccount: \"100000000000\"\nowner: team\ninputs:\n  vpc_cidr: 10.0.0.0/24\n  subnets: [10.0.0.0/26]\n")
	}
	return root
}

// listJSON is what `envbench list --json` prints.
func listJSON(tb testing.TB, c *Catalog, w io.Writer) {
	tb.Helper()
	rows := make([]Listing, len(c.Environments))
	for i, e := range c.Environments {
		rows[i] = e.Listing()
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rows); err != nil {
		tb.Fatal(err)
	}
}

// deploy writes a local state holding one resource, as an apply leaves it.
func deploy(tb testing.TB, root, env string) {
	tb.Helper()
	testkit.WriteFile(tb, root, ".envbench/work/"+env+"/terraform.tfstate",
		`{"version": 4, "resources": [{"mode": "managed", "type": "terraform_data", "name": "x", "instances": [{}]}]}`)
}

func TestOverlapIsTheFaultOfTheEnvironmentNotDeployed(t *testing.T) {
	env := func(cidr string) string {
		return "archetype: arch-00\naccount: \"100000000000\"\ninputs:\n  vpc_cidr: " + cidr + "\n"
	}
	cases := []struct {
		name     string
		deployed []string
		invalid  []string // carry the overlap as an error
		warned   []string // keep working, with a warning
	}{
		{"a new environment beside a deployed one", []string{"dev-alice"}, []string{"dev-bob"}, []string{"dev-alice"}},
		{"two new environments", nil, []string{"dev-alice", "dev-bob"}, nil},
		{"two deployed environments", []string{"dev-alice", "dev-bob"}, nil, []string{"dev-alice", "dev-bob"}},
		// Its resources are in the state though its last apply was cut
		// short: it is deployed, and it most needs a new plan.
		{"a new environment beside one whose apply was interrupted", []string{"dev-alice", "interrupted:dev-alice"}, []string{"dev-bob"}, []string{"dev-alice"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := generateWorkspace(t, 1, 0)
			testkit.WriteFile(t, root, "envs/dev-alice.yaml", env("10.1.0.0/16"))
			testkit.WriteFile(t, root, "envs/dev-bob.yaml", env("10.1.4.0/24"))
			testkit.WriteFile(t, root, "envs/dev-carol.yaml", env("10.2.0.0/16"))
			interrupted := map[string]bool{}
			for _, name := range tc.deployed {
				if env, ok := strings.CutPrefix(name, "interrupted:"); ok {
					testkit.WriteFile(t, root, ".envbench/work/"+env+"/.envbench-apply.json", `{"run_id": "r1", "operation": "apply", "in_flight": ["terraform_data.x"]}`)
					interrupted[env] = true
					continue
				}
				deploy(t, root, name)
			}
			c, err := Open(root, overlapNow)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range tc.invalid {
				e, _ := c.Environment(name)
				if e.Valid() || e.Status != StatusInvalid || len(e.Diags) != 1 || !strings.Contains(e.Diags[0].Message, "overlaps") {
					t.Errorf("%s: status %s, errors %v; want the overlap as its error", name, e.Status, e.Diags)
				}
			}
			for _, name := range tc.warned {
				e, _ := c.Environment(name)
				want := StatusDeployed
				if interrupted[name] {
					want = StatusApplyInterrupted
				}
				if !e.Valid() || e.Status != want || len(e.Warnings) != 1 || e.Warnings[0].Severity != config.SeverityWarning {
					t.Errorf("%s: status %s, errors %v, warnings %v; want it deployed and plannable, with a warning", name, e.Status, e.Diags, e.Warnings)
				}
				if got := e.Listing().Warnings; len(got) != 1 {
					t.Errorf("%s: list shows warnings %v", name, got)
				}
			}
			if carol, _ := c.Environment("dev-carol"); !carol.Valid() || len(carol.Warnings) != 0 {
				t.Errorf("dev-carol overlaps nothing: %v %v", carol.Diags, carol.Warnings)
			}
			var out bytes.Buffer
			listJSON(t, c, &out)
			if !strings.Contains(out.String(), `"warnings": []`) {
				t.Error("list --json prints an empty warnings list for environments without any")
			}
		})
	}
}

func TestListJSONOfAThousandOverlappingCopiesStaysSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 1,000 environment files")
	}
	c, err := Open(generateOverlapping(t, 1000), overlapNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range c.Environments {
		if len(e.Diags) != 1 || !strings.Contains(e.Diags[0].Message, "and 996 more") {
			t.Fatalf("%s: want one overlap line naming three and counting 996 more, got %d: %v", e.Name, len(e.Diags), e.Diags[0])
		}
	}
	var out bytes.Buffer
	listJSON(t, c, &out)
	const limit = 3 << 20
	if out.Len() > limit {
		t.Errorf("list --json printed %d bytes for 1,000 overlapping environments; the bound is %d", out.Len(), limit)
	}
	t.Logf("list --json: %d bytes", out.Len())
}

// BenchmarkListJSONOverlapping: `envbench list --json` on 1,000 copies of
// one sandbox file, every one overlapping every other (target: at most
// 300 ms and 3 MB).
func BenchmarkListJSONOverlapping(b *testing.B) {
	root := generateOverlapping(b, 1000)
	var size int
	for b.Loop() {
		c, err := Open(root, overlapNow)
		if err != nil {
			b.Fatal(err)
		}
		var out bytes.Buffer
		listJSON(b, c, &out)
		size = out.Len()
	}
	b.ReportMetric(float64(size), "bytes/list")
}

func TestDefaultRiskThresholdsAgreeWithConfig(t *testing.T) {
	r := DefaultRiskRules()
	if r.GrowthFactor != config.DefaultGrowthFactor || r.MaxChanges != config.DefaultMaxChanges {
		t.Errorf("built-in thresholds %v and %d differ from config's %v and %d, against which archetypes are checked",
			r.GrowthFactor, r.MaxChanges, config.DefaultGrowthFactor, config.DefaultMaxChanges)
	}
}

func TestArchetypeRiskRulesNeverLoosenTheWorkspaces(t *testing.T) {
	root := generateWorkspace(t, 1, 1)
	testkit.WriteFile(t, root, "envbench.yaml", "name: generated\ncloud: simulated\ndefaults:\n  region: eu-west-1\nrisk:\n  growth_factor: 4\n  max_changes: 20\n")
	testkit.WriteFile(t, root, "archetypes/arch-00/archetype.yaml", "description: loose\nrisk:\n  growth_factor: 40\n  max_changes: 10\n  stateful_types: [acme_vault]\ninputs:\n  vpc_cidr: {type: cidr, required: true}\n  size: {type: string, default: small}\n  disk_gb: {type: number, default: 1}\n  subnets: {type: list, items: cidr, default: []}\n")
	ws, err := config.LoadAt(root, overlapNow)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := ws.Environment("env-0000")
	if e.Valid() {
		t.Error("the environment of an archetype that loosens the review is not plannable")
	}
	r := RulesFor(ws, e)
	if r.GrowthFactor != 4 || r.MaxChanges != 10 || r.StatefulTypes[len(r.StatefulTypes)-1] != "acme_vault" {
		t.Errorf("rules = factor %v, max %d, types %v; want the tighter of each: 4, 10, acme_vault added", r.GrowthFactor, r.MaxChanges, r.StatefulTypes)
	}
}
