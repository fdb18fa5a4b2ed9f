package snapshots_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui"
	"github.com/envbench/envbench/ui/plan"
	"github.com/envbench/envbench/ui/theme"
)

// The plans the plan screen shows in its snapshots, as `terraform show
// -json` would write them for the demo.
const (
	quietPlan = `{"format_version":"1.2","terraform_version":"1.5.7","resource_changes":[
{"address":"aws_vpc.this","mode":"managed","type":"aws_vpc","name":"this","change":{"actions":["create"],"before":null,"after":{"cidr_block":"10.100.0.0/20","tags_all":{"envbench:env":"dev-alice"}},"after_unknown":{"id":true,"arn":true}}},
{"address":"aws_subnet.this[0]","mode":"managed","type":"aws_subnet","name":"this","index":0,"change":{"actions":["create"],"before":null,"after":{"cidr_block":"10.100.0.0/22"},"after_unknown":{"id":true,"arn":true,"vpc_id":true}}},
{"address":"aws_db_instance.database[0]","mode":"managed","type":"aws_db_instance","name":"database","index":0,"change":{"actions":["create"],"before":null,"after":{"allocated_storage":20,"engine":"postgres","identifier":"dev-alice-db"},"after_unknown":{"id":true,"arn":true,"endpoint":true}}},
{"address":"aws_ecs_service.app","mode":"managed","type":"aws_ecs_service","name":"app","change":{"actions":["create"],"before":null,"after":{"desired_count":1,"tags":{"Image":"ghcr.io/acme/orders:payments-migration"}},"after_unknown":{"id":true,"arn":true}}}]}`

	riskyPlan = `{"format_version":"1.2","terraform_version":"1.5.7","resource_changes":[
{"address":"aws_db_instance.orders","mode":"managed","type":"aws_db_instance","name":"orders","change":{"actions":["delete","create"],
 "before":{"id":"db-4B7B9D00","identifier":"qa-orders","allocated_storage":100,"engine_version":"16.4","password":"hunter2","tags_all":{"envbench:env":"qa"}},
 "after":{"identifier":"qa-orders","allocated_storage":1000,"engine_version":"17.1","password":"hunter3","tags_all":{"envbench:env":"qa"}},
 "after_unknown":{"id":true,"endpoint":true},"before_sensitive":{"password":true},"after_sensitive":{"password":true},"replace_paths":[["engine_version"]]},"action_reason":"replace_because_cannot_update"},
{"address":"aws_route53_record.database","mode":"managed","type":"aws_route53_record","name":"database","change":{"actions":["update"],
 "before":{"id":"Z0QA_orders-db.qa.acme.internal_CNAME","name":"orders-db.qa.acme.internal","records":["qa-orders.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com"],"ttl":60},
 "after":{"id":"Z0QA_orders-db.qa.acme.internal_CNAME","name":"orders-db.qa.acme.internal","records":[null],"ttl":60},"after_unknown":{"records":[true]}}},
{"address":"aws_ecs_service.orders","mode":"managed","type":"aws_ecs_service","name":"orders","change":{"actions":["update"],
 "before":{"id":"arn:aws:ecs:eu-west-1:222222222222:service/qa/orders","desired_count":2,"tags":{"Image":"ghcr.io/acme/orders:1.42.0"}},"after":{"id":"arn:aws:ecs:eu-west-1:222222222222:service/qa/orders","desired_count":2,"tags":{"Image":"ghcr.io/acme/orders:1.43.0"}},"after_unknown":{}}},
{"address":"aws_security_group.legacy_queue","mode":"managed","type":"aws_security_group","name":"legacy_queue","change":{"actions":["delete"],"before":{"id":"sg-9a1b","name":"qa-orders-legacy"},"after":null}},
{"address":"aws_vpc.this","mode":"managed","type":"aws_vpc","name":"this","change":{"actions":["no-op"],"before":{"id":"vpc-1852ea72"},"after":{"id":"vpc-1852ea72"}}}]}`

	// productionPlan is issue 7's plan on production: the database is
	// replaced and its storage typed as 5000 instead of 500.
	productionPlan = `{"format_version":"1.2","terraform_version":"1.5.7","resource_changes":[
{"address":"aws_db_instance.orders","mode":"managed","type":"aws_db_instance","name":"orders","change":{"actions":["delete","create"],
 "before":{"id":"db-4B7B9D00","identifier":"production-orders","allocated_storage":500,"engine_version":"16.4"},
 "after":{"identifier":"production-orders","allocated_storage":5000,"engine_version":"17.1"},
 "after_unknown":{"id":true,"endpoint":true},"replace_paths":[["engine_version"]]},"action_reason":"replace_because_cannot_update"},
{"address":"aws_vpc.this","mode":"managed","type":"aws_vpc","name":"this","change":{"actions":["no-op"],"before":{"id":"vpc-1852ea72"},"after":{"id":"vpc-1852ea72"}}}]}`
)

// reviewedPlan decodes a plan and reviews it with the demo's rules for env.
func reviewedPlan(t *testing.T, c *envs.Catalog, env, data string) *pipeline.PlanResult {
	t.Helper()
	p, err := envs.DecodePlan([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.Lookup(env)
	if err != nil {
		t.Fatal(err)
	}
	rules := envs.RulesFor(c.Workspace, e.Environment)
	findings := envs.Review(p, rules, envs.ReviewContext{Environment: env, Protected: e.Protected})
	report, err := envs.NewReport(p, findings, env, envs.DiffOptions{SecretNames: rules.SecretNames})
	if err != nil {
		t.Fatal(err)
	}
	return &pipeline.PlanResult{RunID: "run", Env: env, Protected: e.Protected, PlanFile: "/plans/" + env + ".tfplan", Plan: p,
		Findings: findings, HighRisk: envs.HighRisk(findings), HasChanges: p.Summary().Total() > 0, Terraform: "terraform 1.5.7", Report: report}
}

// idleRunner never runs: the snapshots play the runs' messages themselves.
type idleRunner struct{}

func (idleRunner) Plan(context.Context, *envs.Catalog, string, string, func(pipeline.Event)) (*pipeline.PlanResult, error) {
	return nil, errors.New("not in snapshots")
}

func (idleRunner) Apply(context.Context, *envs.Catalog, string, *pipeline.PlanResult, string, string, func(pipeline.Event)) (*pipeline.ApplyResult, error) {
	return nil, errors.New("not in snapshots")
}

// openPlan opens the plan screen of env without starting its run, and
// returns the screen.
func openPlan(t *testing.T, d *driver, env string) *plan.Screen {
	t.Helper()
	m := d.model.(*ui.Model)
	m.Context().Runner = idleRunner{}
	p := plan.New(m.Context(), env)
	d.sendOnly(pushMsg("plan "+env, p))
	return p
}

func step(s pipeline.Step, kind pipeline.EventKind, msg string) pipeline.Event {
	return pipeline.Event{Kind: kind, Step: s, Message: msg}
}

func tfEvent(s pipeline.Step, e tf.Event) pipeline.Event {
	return pipeline.Event{Kind: pipeline.Terraform, Step: s, TF: &e}
}

func planStarted() []pipeline.Event {
	return []pipeline.Event{
		step(pipeline.StepLock, pipeline.StepStarted, "locking"), step(pipeline.StepLock, pipeline.StepFinished, "locked"),
		step(pipeline.StepRender, pipeline.StepStarted, "rendering"), step(pipeline.StepRender, pipeline.StepFinished, "6 file(s) written"),
		{Kind: pipeline.StepStarted, Step: pipeline.StepInit, Message: "terraform init (terraform 1.5.7)", Terraform: "terraform 1.5.7"}, step(pipeline.StepInit, pipeline.StepFinished, "ready"),
		step(pipeline.StepPlan, pipeline.StepStarted, "terraform plan"),
	}
}

func TestPlanScreens(t *testing.T) {
	cases := []struct {
		name string
		play func(t *testing.T, d *driver, c *envs.Catalog)
	}{
		{"plan_streaming", func(t *testing.T, d *driver, c *envs.Catalog) {
			p := openPlan(t, d, "qa")
			events := append(planStarted(),
				tfEvent(pipeline.StepPlan, tf.Event{Type: tf.EventRefreshComplete, Resource: "aws_vpc.this"}),
				tfEvent(pipeline.StepPlan, tf.Event{Type: tf.EventPlannedChange, Action: "replace", Resource: "aws_db_instance.orders"}),
				tfEvent(pipeline.StepPlan, tf.Event{Type: tf.EventPlannedChange, Action: "update", Resource: "aws_route53_record.database"}),
				tfEvent(pipeline.StepPlan, tf.Event{Type: tf.EventPlannedChange, Action: "delete", Resource: "aws_security_group.legacy_queue"}))
			d.sendOnly(plan.EventsMsg{RunID: p.RunID(), Events: events})
		}},
		{"plan_complete", func(t *testing.T, d *driver, c *envs.Catalog) {
			p := openPlan(t, d, "dev-alice")
			d.sendOnly(plan.PlanDoneMsg{RunID: p.RunID(), Result: reviewedPlan(t, c, "dev-alice", quietPlan)})
		}},
		{"plan_risk_banner", func(t *testing.T, d *driver, c *envs.Catalog) {
			p := openPlan(t, d, "qa")
			d.sendOnly(plan.PlanDoneMsg{RunID: p.RunID(), Result: reviewedPlan(t, c, "qa", riskyPlan)})
		}},
		{"plan_risk_banner_production", func(t *testing.T, d *driver, c *envs.Catalog) {
			p := openPlan(t, d, "production")
			d.sendOnly(plan.PlanDoneMsg{RunID: p.RunID(), Result: reviewedPlan(t, c, "production", productionPlan)})
		}},
		{"plan_no_findings", func(t *testing.T, d *driver, c *envs.Catalog) {
			p := openPlan(t, d, "dev-alice")
			d.sendOnly(plan.PlanDoneMsg{RunID: p.RunID(), Result: reviewedPlan(t, c, "dev-alice", quietPlan)})
			d.keysOnly("!")
		}},
		{"plan_replan_empty_filter", func(t *testing.T, d *driver, c *envs.Catalog) {
			p := openPlan(t, d, "qa")
			d.sendOnly(plan.PlanDoneMsg{RunID: p.RunID(), Result: reviewedPlan(t, c, "qa", riskyPlan)})
			d.keysOnly("f", "p") // only deletes, then plan again: the new plan has none
			d.sendOnly(plan.PlanDoneMsg{RunID: p.RunID(), Result: reviewedPlan(t, c, "qa", quietPlan)})
		}},
		{"plan_findings", func(t *testing.T, d *driver, c *envs.Catalog) {
			p := openPlan(t, d, "qa")
			d.sendOnly(plan.PlanDoneMsg{RunID: p.RunID(), Result: reviewedPlan(t, c, "qa", riskyPlan)})
			d.keysOnly("!")
		}},
		{"plan_expanded_diff", func(t *testing.T, d *driver, c *envs.Catalog) {
			p := openPlan(t, d, "qa")
			d.sendOnly(plan.PlanDoneMsg{RunID: p.RunID(), Result: reviewedPlan(t, c, "qa", riskyPlan)})
			d.keysOnly("j", "enter") // the database: second change, under the replace group
		}},
		{"plan_confirm_protected", func(t *testing.T, d *driver, c *envs.Catalog) {
			p := openPlan(t, d, "production")
			d.sendOnly(plan.PlanDoneMsg{RunID: p.RunID(), Result: reviewedPlan(t, c, "production", quietPlan)})
			d.keysOnly("a", "prod")
		}},
		{"apply_in_progress", func(t *testing.T, d *driver, c *envs.Catalog) {
			p := openPlan(t, d, "dev-alice")
			d.sendOnly(plan.PlanDoneMsg{RunID: p.RunID(), Result: reviewedPlan(t, c, "dev-alice", quietPlan)})
			d.keysOnly("a", "y")
			d.sendOnly(plan.EventsMsg{RunID: p.RunID(), Events: []pipeline.Event{
				step(pipeline.StepApply, pipeline.StepStarted, "terraform apply"),
				tfEvent(pipeline.StepApply, tf.Event{Type: tf.EventApplyStart, Action: "create", Resource: "aws_vpc.this"}),
				tfEvent(pipeline.StepApply, tf.Event{Type: tf.EventApplyComplete, Action: "create", Resource: "aws_vpc.this", Elapsed: time.Second}),
				tfEvent(pipeline.StepApply, tf.Event{Type: tf.EventApplyStart, Action: "create", Resource: "aws_subnet.this[0]"}),
				tfEvent(pipeline.StepApply, tf.Event{Type: tf.EventApplyComplete, Action: "create", Resource: "aws_subnet.this[0]", Elapsed: 2 * time.Second}),
				tfEvent(pipeline.StepApply, tf.Event{Type: tf.EventApplyStart, Action: "create", Resource: "aws_db_instance.database[0]"}),
				tfEvent(pipeline.StepApply, tf.Event{Type: tf.EventApplyProgress, Action: "create", Resource: "aws_db_instance.database[0]", Elapsed: 40 * time.Second}),
			}})
		}},
		{"apply_done", func(t *testing.T, d *driver, c *envs.Catalog) {
			p := openPlan(t, d, "production")
			d.sendOnly(plan.PlanDoneMsg{RunID: p.RunID(), Result: reviewedPlan(t, c, "production", quietPlan)})
			d.keysOnly("a", "production", "enter")
			var events []pipeline.Event
			for i, addr := range []string{"aws_vpc.this", "aws_subnet.this[0]", "aws_db_instance.database[0]", "aws_ecs_service.app"} {
				events = append(events, tfEvent(pipeline.StepApply, tf.Event{Type: tf.EventApplyComplete, Action: "create", Resource: addr, Elapsed: time.Duration(i+1) * time.Second}))
			}
			d.sendOnly(plan.EventsMsg{RunID: p.RunID(), Events: events})
			d.sendOnly(plan.ApplyDoneMsg{RunID: p.RunID(), Result: &pipeline.ApplyResult{Env: "production",
				Summary: &tf.ChangeSummary{Add: 4}, Elapsed: 1234 * time.Millisecond}})
		}},
		{"apply_failed", func(t *testing.T, d *driver, c *envs.Catalog) {
			p := openPlan(t, d, "dev-alice")
			d.sendOnly(plan.PlanDoneMsg{RunID: p.RunID(), Result: reviewedPlan(t, c, "dev-alice", quietPlan)})
			d.keysOnly("a", "y")
			d.sendOnly(plan.EventsMsg{RunID: p.RunID(), Events: []pipeline.Event{
				tfEvent(pipeline.StepApply, tf.Event{Type: tf.EventApplyComplete, Action: "create", Resource: "aws_vpc.this", Elapsed: time.Second}),
				tfEvent(pipeline.StepApply, tf.Event{Type: tf.EventApplyErrored, Action: "create", Resource: "aws_db_instance.database[0]", Elapsed: 3 * time.Second}),
			}})
			err := &tf.Error{Op: "apply", Err: errors.New("exit status 1"), Diagnostics: []tf.Diagnostic{{
				Severity: "error", Summary: "creating RDS DB Instance (dev-alice-db): operation error RDS: CreateDBInstance, api error StorageQuotaExceeded", Address: "aws_db_instance.database[0]",
				Filename: "main.tf", Line: 76, Column: 1, Snippet: `resource "aws_db_instance" "database" {`,
				Detail: "The request would exceed the account's total storage quota.",
			}}}
			d.sendOnly(plan.ApplyDoneMsg{RunID: p.RunID(), Err: err})
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

// planScreenNames are TestPlanScreens' cases, for the unused-golden check.
var planScreenNames = []string{"plan_streaming", "plan_complete", "plan_risk_banner", "plan_risk_banner_production", "plan_no_findings", "plan_replan_empty_filter",
	"plan_findings", "plan_expanded_diff", "plan_confirm_protected", "apply_in_progress", "apply_done", "apply_failed"}

func (idleRunner) Clone(context.Context, *envs.Catalog, string, string, pipeline.Approver, func(pipeline.Event)) (*pipeline.CloneResult, error) {
	return nil, errors.New("no clone in this test")
}

func (idleRunner) Teardown(context.Context, *envs.Catalog, string, string, pipeline.Approver, func(pipeline.Event)) (*pipeline.TeardownResult, error) {
	return nil, errors.New("no teardown in this test")
}

func (idleRunner) Resume(context.Context, *envs.Catalog, string, pipeline.Approver, func(pipeline.Event)) error {
	return errors.New("no resume in this test")
}

func (idleRunner) Reap(context.Context, *envs.Catalog, pipeline.Approver, func(pipeline.Event)) (*pipeline.ReapResult, error) {
	return nil, errors.New("no reap in this test")
}
