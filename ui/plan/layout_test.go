package plan

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/keys"
)

// productionReplace replaces a database whose storage grows tenfold.
const productionReplace = `{"address":"aws_db_instance.orders","type":"aws_db_instance","mode":"managed","change":{"actions":["delete","create"],` +
	`"before":{"allocated_storage":500},"after":{"allocated_storage":5000},"replace_paths":[["engine"]]},"action_reason":"replace_because_cannot_update"}`

// joined is the view with its lines joined by spaces and runs of spaces
// squeezed, so that a wrapped text reads whole.
func joined(s *Screen) string {
	return strings.Join(strings.Fields(view(s)), " ")
}

// TestBannerShowsWholeFindingsMostSeriousFirst: the data-loss finding
// comes first; at 120x40 all three fit, at 80x24 the first is whole and the
// banner says how many more there are. No line is cut.
func TestBannerShowsWholeFindingsMostSeriousFirst(t *testing.T) {
	res := reviewed(t, true, productionReplace)
	if len(res.Findings) != 3 {
		t.Fatalf("want 3 findings, got %+v", res.Findings)
	}
	s, _ := newScreen(t, true)
	s.Init()
	s.Update(PlanDoneMsg{RunID: s.RunID(), Result: res})

	s.SetSize(120, 38)
	v := joined(s)
	first := strings.Index(v, "replaces aws_db_instance.orders, which holds data")
	jump := strings.Index(v, "allocated_storage grows from 500 to 5000 (10x)")
	protected := strings.Index(v, "qa is protected: this plan changes 1 resource(s)")
	if first < 0 || jump < 0 || protected < 0 || first > jump || jump > protected {
		t.Errorf("at 120x40 the three findings, data loss first:\n%s", view(s))
	}

	s.SetSize(80, 22)
	v = joined(s)
	for _, f := range res.Findings[:1] {
		if !strings.Contains(v, f.Message) {
			t.Errorf("at 80x24 the first finding is whole: %q\n%s", f.Message, view(s))
		}
	}
	if !strings.Contains(v, "more: ! lists them") {
		t.Errorf("at 80x24 the banner says findings are left out:\n%s", view(s))
	}
	if strings.Contains(view(s), "…") {
		t.Errorf("nothing in the banner is cut:\n%s", view(s))
	}
}

// TestResultsAndPromptsWrap: the applied summary and the name prompt wrap
// at 80 columns and narrower, never cut.
func TestResultsAndPromptsWrap(t *testing.T) {
	s, r := newScreen(t, true)
	s.env = "production"
	s.Init()
	s.Update(PlanDoneMsg{RunID: s.RunID(), Result: reviewed(t, true, updateTopic)})
	s.SetSize(60, 22)
	s.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
	v := joined(s)
	if !strings.Contains(v, "production is protected. Type production to apply: >") || strings.Contains(view(s), "…") {
		t.Errorf("the prompt is whole:\n%s", view(s))
	}
	for _, ch := range "production" {
		s.Update(tea.KeyPressMsg{Code: ch, Text: string(ch)})
	}
	_, cmd := s.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	runApply(t, s, cmd)
	if r.confirm != "production" {
		t.Fatalf("apply confirmed with %q", r.confirm)
	}
	s.Update(ApplyDoneMsg{RunID: s.RunID(), Result: &pipeline.ApplyResult{Summary: &tf.ChangeSummary{Add: 4}, Elapsed: 1234 * time.Millisecond}})
	s.SetSize(80, 22)
	if v := joined(s); !strings.Contains(v, "applied: 4 added, 0 changed, 0 destroyed in 1.2s") || strings.Contains(view(s), "…") {
		t.Errorf("the result is whole at 80 columns:\n%s", view(s))
	}
	for _, l := range strings.Split(view(s), "\n") {
		if w := ansi.StringWidth(l); w > 80 {
			t.Errorf("a line is %d columns wide: %q", w, l)
		}
	}
}

// TestHeaderNamesTheTarget: account, region and the role assumed.
func TestHeaderNamesTheTarget(t *testing.T) {
	s, _ := newScreen(t, false)
	s.target = target{account: "111111111111", region: "eu-west-1", role: "arn:aws:iam::111111111111:role/envbench-deployer"}
	s.Init()
	s.Update(PlanDoneMsg{RunID: s.RunID(), Result: reviewed(t, false, updateTopic)})
	if v := view(s); !strings.Contains(v, "account 111111111111 · region eu-west-1 · role envbench-deployer") {
		t.Errorf("header:\n%s", v)
	}
	s.target.role = "arn:aws:iam::999999999999:role/cross"
	s.Update(tea.KeyPressMsg{Code: 'j', Text: "j"})
	if v := view(s); !strings.Contains(v, "role arn:aws:iam::999999999999:role/cross") {
		t.Errorf("a role in another account is named whole:\n%s", v)
	}
	s.target.role = ""
	s.Update(tea.KeyPressMsg{Code: 'j', Text: "j"})
	if v := view(s); !strings.Contains(v, "no role: the ambient credentials") {
		t.Errorf("without a role:\n%s", v)
	}
}

// TestApplyMarksOnlyWhatItChanges: no-op rows get no pending marker.
func TestApplyMarksOnlyWhatItChanges(t *testing.T) {
	s, _ := newScreen(t, false)
	s.Init()
	noop := `{"address":"aws_vpc.main","type":"aws_vpc","mode":"managed","change":{"actions":["no-op"],"before":{"id":"v"},"after":{"id":"v"}}}`
	s.Update(PlanDoneMsg{RunID: s.RunID(), Result: reviewed(t, false, updateTopic, noop)})
	s.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
	s.Update(tea.KeyPressMsg{Code: 'y', Text: "y"})
	if s.Busy() == "" {
		t.Fatal("the apply did not start")
	}
	for _, l := range strings.Split(view(s), "\n") {
		l = strings.Join(strings.Fields(l), " ")
		switch {
		case strings.HasSuffix(l, "aws_sns_topic.t ·"):
		case strings.Contains(l, "aws_sns_topic.t") && !strings.HasPrefix(l, "update"):
			t.Errorf("the update waits with a marker: %q", l)
		case strings.Contains(l, "aws_vpc.main") && strings.HasSuffix(l, "·"):
			t.Errorf("a no-op row has a pending marker: %q", l)
		}
	}
}

// TestEmptyFilterAfterReplanSaysSo: an action filter that hides every
// change of the new plan says so, and esc clears it.
func TestEmptyFilterAfterReplanSaysSo(t *testing.T) {
	s, _ := newScreen(t, false)
	s.Init()
	s.Update(PlanDoneMsg{RunID: s.RunID(), Result: reviewed(t, false, deleteDB, updateTopic)})
	s.Update(tea.KeyPressMsg{Code: 'f', Text: "f"}) // delete
	s.Update(tea.KeyPressMsg{Code: 'p', Text: "p"})
	s.Update(EventsMsg{RunID: s.RunID(), Events: []pipeline.Event{planned(pipeline.StepPlan, "create", "aws_s3_bucket.logs")}})
	if v := view(s); !strings.Contains(v, "No change matches the filter (action delete); esc clears it.") {
		t.Errorf("while planning, the filter hides the streamed change and says so:\n%s", v)
	}
	if !s.Back() || s.list.actionFilter != "" || !strings.Contains(view(s), "aws_s3_bucket.logs") {
		t.Errorf("esc clears the filter, even while Terraform plans:\n%s", view(s))
	}
	s.Update(tea.KeyPressMsg{Code: 'f', Text: "f"}) // create: the only action
	s.Update(PlanDoneMsg{RunID: s.RunID(), Result: reviewed(t, false, updateTopic)})
	if v := view(s); !strings.Contains(v, "No change matches the filter (action create); esc clears it.") {
		t.Errorf("after the re-plan:\n%s", v)
	}
}

// TestNoFindingsSaysSo: ! with nothing to list answers.
func TestNoFindingsSaysSo(t *testing.T) {
	s, _ := newScreen(t, false)
	s.Init()
	s.Update(PlanDoneMsg{RunID: s.RunID(), Result: reviewed(t, false, updateTopic)})
	s.Update(tea.KeyPressMsg{Code: '!', Text: "!"})
	if v := joined(s); !strings.Contains(v, "no findings") {
		t.Errorf("! must say there are no findings:\n%s", view(s))
	}
}

// TestReplaceReasonReadsTheSame: the list's note and the diff's line are
// the same words.
func TestReplaceReasonReadsTheSame(t *testing.T) {
	s, _ := newScreen(t, false)
	s.Init()
	s.Update(PlanDoneMsg{RunID: s.RunID(), Result: reviewed(t, false, productionReplace)})
	const reason = "because engine forces a new one"
	if !strings.Contains(view(s), reason) {
		t.Errorf("the list:\n%s", view(s))
	}
	s.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if v := view(s); !strings.Contains(v, " "+reason) || strings.Contains(v, "cannot update") {
		t.Errorf("the diff:\n%s", v)
	}
}

// TestDiffDrawsFromTheReport: the diff is the pipeline's report, masked
// with its secret-name rules, not a diff of its own.
func TestDiffDrawsFromTheReport(t *testing.T) {
	s, _ := newScreen(t, false)
	s.Init()
	res := reviewed(t, false, updateTopic)
	report, err := envs.NewReport(res.Plan, res.Findings, "qa", envs.DiffOptions{SecretNames: regexp.MustCompile(`^name$`)})
	if err != nil {
		t.Fatal(err)
	}
	res.Report = report
	s.Update(PlanDoneMsg{RunID: s.RunID(), Result: res})
	s.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if v := view(s); strings.Contains(v, `"b"`) || !strings.Contains(v, "~ name:") {
		t.Errorf("the configured rules mask name:\n%s", v)
	}
}

// TestConfirmationKeysComeFromTheKeyMap: rebinding yes, no, enter and esc
// changes what the confirmations answer to.
func TestConfirmationKeysComeFromTheKeyMap(t *testing.T) {
	s, _ := newScreen(t, false)
	k := keys.DefaultKeyMap()
	k.Yes.SetKeys("o")
	k.No.SetKeys("x")
	s.ctx.Keys = k
	s.Init()
	s.Update(PlanDoneMsg{RunID: s.RunID(), Result: reviewed(t, false, updateTopic)})
	s.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
	s.Update(tea.KeyPressMsg{Code: 'y', Text: "y"})
	if s.phase != phaseConfirm {
		t.Fatal("y is no longer yes")
	}
	s.Update(tea.KeyPressMsg{Code: 'x', Text: "x"})
	if s.phase != phaseReviewed {
		t.Fatal("x is no")
	}
	s.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
	if s.Update(tea.KeyPressMsg{Code: 'o', Text: "o"}); s.Busy() == "" {
		t.Fatal("o is yes")
	}

	s, _ = newScreen(t, true)
	k = keys.DefaultKeyMap()
	k.Confirm.SetKeys("tab")
	k.Back.SetKeys("ctrl+g")
	s.ctx.Keys = k
	s.Init()
	s.Update(PlanDoneMsg{RunID: s.RunID(), Result: reviewed(t, true, updateTopic)})
	s.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
	s.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	if s.phase != phaseConfirm {
		t.Fatal("esc is no longer back")
	}
	s.Update(tea.KeyPressMsg{Code: 'g', Mod: tea.ModCtrl})
	if s.phase != phaseReviewed {
		t.Fatal("ctrl+g is back")
	}
	s.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
	for _, ch := range "qa" {
		s.Update(tea.KeyPressMsg{Code: ch, Text: string(ch)})
	}
	if s.Update(tea.KeyPressMsg{Code: tea.KeyTab}); s.Busy() == "" {
		t.Fatal("tab confirms")
	}
}

// TestTextOffsetIsClampedInUpdate: scrolling past the end stops at the
// last page before anything is drawn.
func TestTextOffsetIsClampedInUpdate(t *testing.T) {
	s, _ := newScreen(t, false)
	s.Init()
	lines := make([]string, 100)
	for i := range lines {
		lines[i] = fmt.Sprint("line ", i)
	}
	s.Update(PlanDoneMsg{RunID: s.RunID(), Err: fmt.Errorf("%s", strings.Join(lines, "\n"))})
	for range 50 {
		s.Update(tea.KeyPressMsg{Code: tea.KeyPgDown})
	}
	if want := len(s.text.wrapped) - s.text.height; s.text.offset != want {
		t.Errorf("offset %d after paging past the end, want %d", s.text.offset, want)
	}
	s.Update(tea.KeyPressMsg{Code: 'G', Text: "G"})
	s.SetSize(100, 60)
	if want := len(s.text.wrapped) - s.text.height; s.text.offset != want {
		t.Errorf("offset %d after a resize, want %d", s.text.offset, want)
	}
}
