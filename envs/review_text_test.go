package envs

import (
	"slices"
	"testing"
)

// TestDataLossFindingsComeFirst: among high findings, the replace of a
// database comes before the typo and the protected environment, whatever
// order the rules ran in.
func TestDataLossFindingsComeFirst(t *testing.T) {
	findings := review(t, RiskRules{StatefulAddresses: []string{"terraform_data.database"}, GrowthFactor: 10}, ReviewContext{Environment: "production", Protected: true},
		`{"address":"terraform_data.database","type":"terraform_data","mode":"managed","change":{"actions":["delete","create"],"before":{"input":{"allocated_storage":500}},"after":{"input":{"allocated_storage":5000}},"replace_paths":[["triggers_replace"]]}}`)
	var rules []string
	for _, f := range findings {
		rules = append(rules, f.Rule)
	}
	if want := []string{RuleStatefulReplace, RuleNumericJump, RuleProtected}; !slices.Equal(rules, want) {
		t.Errorf("rules in order %v, want %v", rules, want)
	}
}

func TestSeverityRank(t *testing.T) {
	if !(SeverityHigh.Rank() > SeverityMedium.Rank() && SeverityMedium.Rank() > SeverityLow.Rank() && SeverityLow.Rank() > Severity("").Rank()) {
		t.Error("high, medium, low, then none")
	}
}

// TestChangeNotes: one text for why a change happens, for the list and the
// diff alike.
func TestChangeNotes(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Change
		want []string
	}{
		{"replace by a forcing attribute", Change{Action: ActionReplace, ActionReason: "replace_because_cannot_update", ReplacePaths: [][]any{{"triggers_replace"}}},
			[]string{"because triggers_replace forces a new one"}},
		{"tainted", Change{Action: ActionReplace, ActionReason: "replace_because_tainted"},
			[]string{"because it is tainted (an earlier apply failed or was interrupted while creating it)"}},
		{"delete with a reason", Change{Action: ActionDelete, ActionReason: "delete_because_no_resource_config"},
			[]string{"because no resource config"}},
		{"moved and imported", Change{Action: ActionImport, PreviousAddress: "a.old", ImportingID: "i-1"},
			[]string{"moved from a.old", "import i-1"}},
		{"plain update", Change{Action: ActionUpdate}, nil},
	} {
		if got := ChangeNotes(&tc.c); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestStreamedAction(t *testing.T) {
	for in, want := range map[string]Action{"create": ActionCreate, "update": ActionUpdate, "delete": ActionDelete, "replace": ActionReplace,
		"read": ActionRead, "noop": ActionNoOp, "move": ActionMove, "import": ActionImport, "forget": ActionForget, "something-new": ActionOther} {
		if got := StreamedAction(in); got != want {
			t.Errorf("StreamedAction(%q) = %s, want %s", in, got, want)
		}
	}
}
