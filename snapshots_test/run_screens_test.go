package snapshots_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/sweep"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui"
	"github.com/envbench/envbench/ui/run"
	"github.com/envbench/envbench/ui/theme"
)

const runID = "20261121T115500Z-a1b2"

// openRun pushes a run screen whose run never starts: the cases play its
// messages themselves.
func openRun(t *testing.T, d *driver, title string) {
	t.Helper()
	m := d.model.(*ui.Model)
	m.Context().Runner = idleRunner{}
	d.sendOnly(pushMsg(title, run.NewJob(m.Context(), runID, func(_ context.Context, _ pipeline.Approver, _ func(pipeline.Event)) (run.Result, error) {
		return run.Result{}, nil
	})))
}

// runEvents are a run's events from its start, each step finished a few
// seconds after the one before, then the last one started.
func runEvents(env, kind string, done []pipeline.Step, current pipeline.Step, lines ...string) []pipeline.Event {
	at := Now.Add(-2 * time.Minute)
	events := []pipeline.Event{{Kind: pipeline.RunStarted, RunID: runID, Env: env, Pipeline: kind, Time: at}}
	for _, s := range done {
		events = append(events,
			pipeline.Event{Kind: pipeline.StepStarted, Step: s, Attempt: 1, Attempts: 1, Time: at},
			pipeline.Event{Kind: pipeline.StepFinished, Step: s, Time: at.Add(3 * time.Second)})
		at = at.Add(3 * time.Second)
	}
	events = append(events, pipeline.Event{Kind: pipeline.StepStarted, Step: current, Attempt: 1, Attempts: 1, Time: at})
	for _, l := range lines {
		events = append(events, pipeline.Event{Kind: pipeline.Log, Step: current, Message: l, Time: at})
	}
	for i := range events {
		events[i].Seq = int64(i + 1)
	}
	return events
}

func destroyPlan() *envs.Plan {
	p := &envs.Plan{}
	for _, addr := range []string{"aws_vpc.this", "aws_subnet.this[0]", "aws_security_group.search", "aws_opensearch_domain.search"} {
		p.Changes = append(p.Changes, &envs.Change{Address: addr, Action: envs.ActionDelete})
	}
	return p
}

func blockedGroup() sweep.Item {
	return sweep.Item{Type: sweep.TypeSecurityGrp, ID: "sg-0b0b", Name: "bob-search-es", Outcome: sweep.Blocked,
		Blockers: []sweep.Blocker{{ID: "eni-0d4a", Creator: &sweep.Creator{Who: "dana@acme.example", Via: "AWSReservedSSO_AdministratorAccess_5f1d", Console: true, At: Now.Add(-72 * time.Hour)}}},
		Creator:  &sweep.Creator{Who: "bob@acme.example", Via: "AWSReservedSSO_SandboxDeveloper_9f8e", Console: true, At: Now.Add(-96 * time.Hour)}}
}

var teardownSteps = []pipeline.Step{pipeline.StepLock, pipeline.StepRender, pipeline.StepInit, pipeline.StepDestroyPlan}

func TestRunScreens(t *testing.T) {
	cases := []struct {
		name string
		play func(t *testing.T, d *driver, c *envs.Catalog)
	}{
		{"run_clone_approval", func(t *testing.T, d *driver, c *envs.Catalog) {
			openRun(t, d, "run clone qa")
			d.sendOnly(run.EventsMsg{RunID: runID, Events: runEvents("qa", "clone",
				[]pipeline.Step{pipeline.StepLock, pipeline.StepValidate, pipeline.StepRender, pipeline.StepInit, pipeline.StepPlan, pipeline.StepShow, pipeline.StepReview},
				pipeline.StepGate)})
			p := reviewedPlan(t, c, "qa", riskyPlan)
			d.sendOnly(run.NewAskMsg(runID, pipeline.Approval{Env: "qa", Pipeline: "clone", RunID: runID, Plan: p.Plan, Findings: p.Findings, NeedsName: p.NeedsConfirmation()}))
			d.keysOnly("qa")
		}},
		{"run_teardown_confirm", func(t *testing.T, d *driver, c *envs.Catalog) {
			openRun(t, d, "run teardown dev-bob")
			d.sendOnly(run.EventsMsg{RunID: runID, Events: runEvents("dev-bob", "teardown", teardownSteps, pipeline.StepConfirm)})
			scratch := sweep.Item{Type: sweep.TypeBucket, ID: "bob-search-scratch", Outcome: sweep.Planned}
			group := blockedGroup()
			group.Outcome, group.HeldBy = sweep.Planned, []string{"eni-0d4a"}
			d.sendOnly(run.NewAskMsg(runID, pipeline.Approval{Env: "dev-bob", Pipeline: "teardown", RunID: runID, Plan: destroyPlan(), NeedsName: true,
				Sweep:     &sweep.Sweep{Env: "dev-bob", Account: "222222222222", Region: "eu-west-1", Items: []sweep.Item{scratch, group}},
				Leftovers: []sweep.Item{scratch}}))
		}},
		{"run_teardown_report", func(t *testing.T, d *driver, c *envs.Catalog) {
			openRun(t, d, "run teardown dev-bob")
			done := append(teardownSteps, pipeline.StepConfirm, pipeline.StepDestroy, pipeline.StepSweepPlan, pipeline.StepSweep)
			events := runEvents("dev-bob", "teardown", done, pipeline.StepReport,
				"removed AWS::S3::Bucket bob-search-scratch deleted", "remains AWS::EC2::SecurityGroup "+blockedGroup().Explain())
			last := events[len(events)-1]
			events = append(events, pipeline.Event{Seq: last.Seq + 1, Kind: pipeline.StepFailed, Step: pipeline.StepReport, Message: "resources remain", Time: Now.Add(-time.Minute)},
				pipeline.Event{Seq: last.Seq + 2, Kind: pipeline.RunFinished, Status: pipeline.RunFailed, Time: Now.Add(-time.Minute)})
			d.sendOnly(run.EventsMsg{RunID: runID, Events: events})
			res := &pipeline.TeardownResult{RunID: runID, Env: "dev-bob", Swept: &sweep.Report{Env: "dev-bob", Account: "222222222222", Region: "eu-west-1",
				Removed:   []sweep.Item{{Type: sweep.TypeBucket, ID: "bob-search-scratch", Outcome: sweep.Deleted}},
				Remaining: []sweep.Item{blockedGroup()}}}
			err := fmt.Errorf("teardown dev-bob: %w: 1 resource(s) still tagged envbench:env=dev-bob", pipeline.ErrLeftovers)
			d.sendOnly(run.DoneMsg{RunID: runID, Err: err, Result: run.Result{Teardown: res}})
		}},
		{"run_failed", func(t *testing.T, d *driver, c *envs.Catalog) {
			openRun(t, d, "run clone dev-alice")
			events := runEvents("dev-alice", "clone", []pipeline.Step{pipeline.StepLock, pipeline.StepValidate, pipeline.StepRender, pipeline.StepInit}, pipeline.StepPlan,
				"aws_vpc.this: Refreshing state...", "Error: creating EC2 VPC: RequestLimitExceeded")
			last := events[len(events)-1]
			events = append(events, pipeline.Event{Seq: last.Seq + 1, Kind: pipeline.StepFailed, Step: pipeline.StepPlan, Message: "terraform plan: RequestLimitExceeded", Time: Now.Add(-time.Minute)},
				pipeline.Event{Seq: last.Seq + 2, Kind: pipeline.RunFinished, Status: pipeline.RunFailed, Time: Now.Add(-time.Minute)})
			d.sendOnly(run.EventsMsg{RunID: runID, Events: events})
			d.sendOnly(run.DoneMsg{RunID: runID, Err: fmt.Errorf("step plan: terraform plan: RequestLimitExceeded (throttled; retryable)")})
		}},
		{"run_log", func(t *testing.T, d *driver, c *envs.Catalog) {
			m := d.model.(*ui.Model)
			path := pipeline.RunLogPath(c.Root, "dev-alice", runID)
			logs := run.NewLogScreen(m.Context(), runID, path)
			d.sendOnly(pushMsg("log "+runID, logs))
			var lines []string
			for i := range 60 {
				lines = append(lines, fmt.Sprintf("%s apply: aws_subnet.this[%d]: Creation complete after %ds", Now.Add(time.Duration(i)*time.Second).Format(time.RFC3339), i, i%7+1))
			}
			d.sendOnly(run.LogLoadedMsg{Path: path, Lines: lines})
			d.keysOnly("k", "k", "k")
		}},
	}
	for _, tc := range cases {
		for _, size := range sizes {
			name := goldenName(tc.name, size.w, size.h)
			t.Run(name, func(t *testing.T) {
				c := openCatalog(t, copyDemo(t))
				d := newDriver(t, c, theme.DefaultPalette(), size.w, size.h)
				tc.play(t, d, c)
				if strings.Contains(d.view(0), "hunter") {
					t.Fatal("a secret reached the screen")
				}
				d.golden(name)
			})
		}
	}
}

// runScreenNames are TestRunScreens' cases, for the unused-golden check.
var runScreenNames = []string{"run_clone_approval", "run_teardown_confirm", "run_teardown_report", "run_failed", "run_log"}
