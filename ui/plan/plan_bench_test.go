package plan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/keys"
	"github.com/envbench/envbench/ui/screen"
	"github.com/envbench/envbench/ui/theme"
)

// bigPlan is a reviewed plan of n changes.
func bigPlan(b *testing.B, n int) *pipeline.PlanResult {
	var buf bytes.Buffer
	buf.WriteString(`{"format_version":"1.2","terraform_version":"1.5.7","resource_changes":[`)
	actions := []string{`["create"]`, `["update"]`, `["delete"]`, `["delete","create"]`}
	for i := 0; i < n; i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `{"address":"module.svc[%d].aws_instance.web[%d]","type":"aws_instance","mode":"managed","change":{"actions":%s,"before":{"size":%d},"after":{"size":%d}}}`, i/100, i%100, actions[i%4], 1+i%7, 2+i%7)
	}
	buf.WriteString(`]}`)
	p, err := envs.DecodePlan(buf.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	findings := envs.Review(p, envs.DefaultRiskRules(), envs.ReviewContext{Environment: "qa"})
	return &pipeline.PlanResult{Env: "qa", Plan: p, Findings: findings, HighRisk: envs.HighRisk(findings), HasChanges: true}
}

func benchScreen(runner screen.Runner) *Screen {
	ctx := &screen.Context{Styles: theme.NewStyles(theme.DefaultPalette(), true), Keys: keys.DefaultKeyMap(), Now: time.Now, Runner: runner}
	s := New(ctx, "qa")
	s.SetSize(160, 50)
	return s
}

// BenchmarkPlanScreenKeypress: one key on the plan screen with 10,000
// changes, and the frame it draws (target: at most 10 ms).
func BenchmarkPlanScreenKeypress(b *testing.B) {
	s := benchScreen(nil)
	s.runID = "bench"
	s.Update(PlanDoneMsg{RunID: "bench", Result: bigPlan(b, 10_000)})
	if len(s.list.shown) < 10_000 {
		b.Fatalf("%d rows", len(s.list.shown))
	}
	keys := []tea.KeyPressMsg{{Code: 'j', Text: "j"}, {Code: 'j', Text: "j"}, {Code: 'k', Text: "k"}}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s.Update(keys[i%3])
		_ = s.View()
	}
}

// BenchmarkPlanScreenFilterKeypress: typing a filter character over 10,000
// changes.
func BenchmarkPlanScreenFilterKeypress(b *testing.B) {
	s := benchScreen(nil)
	s.runID = "bench"
	s.Update(PlanDoneMsg{RunID: "bench", Result: bigPlan(b, 10_000)})
	s.Update(tea.KeyPressMsg{Code: '/', Text: "/"})
	keys := []tea.KeyPressMsg{{Code: '7', Text: "7"}, {Code: tea.KeyBackspace}}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s.Update(keys[i%2])
		_ = s.View()
	}
}

// handOff is a runner that hands its sink to the benchmark and waits.
type handOff struct{ sinks chan func(pipeline.Event) }

func (h handOff) Plan(ctx context.Context, _ *envs.Catalog, _, _ string, sink func(pipeline.Event)) (*pipeline.PlanResult, error) {
	h.sinks <- sink
	<-ctx.Done()
	return nil, ctx.Err()
}

func (h handOff) Apply(context.Context, *envs.Catalog, string, *pipeline.PlanResult, string, string, func(pipeline.Event)) (*pipeline.ApplyResult, error) {
	return nil, nil
}

// BenchmarkPlannedChangeToScreen: from a planned_change line as Terraform
// prints it to the frame that shows the change: parse, the run's sink, the
// stream, the screen's update and its view (target: at most 50 ms; the
// program adds at most one frame, 16.7 ms at 60 fps).
func BenchmarkPlannedChangeToScreen(b *testing.B) {
	h := handOff{sinks: make(chan func(pipeline.Event), 1)}
	s := benchScreen(h)
	batch := s.Init()().(tea.BatchMsg)
	go batch[0]() // the run: hands over its sink, then waits
	sink := <-h.sinks
	next := batch[1]
	defer s.Cancel()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		addr := fmt.Sprintf("aws_instance.web[%d]", i)
		line := `{"@level":"info","@message":"` + addr + `: Plan to create","@module":"terraform.ui","@timestamp":"2026-11-21T10:00:00Z","change":{"resource":{"addr":"` + addr + `","resource_type":"aws_instance"},"action":"create"},"type":"planned_change"}`
		e, err := tf.ParseEvent([]byte(line))
		if err != nil {
			b.Fatal(err)
		}
		sink(pipeline.Event{Kind: pipeline.Terraform, Step: pipeline.StepPlan, TF: &e})
		msg := next()
		_, next = s.Update(msg)
		if i < 40 && !strings.Contains(s.View(), addr) {
			b.Fatalf("%s is not on screen", addr)
		}
		_ = s.View()
	}
}

func (handOff) Clone(context.Context, *envs.Catalog, string, string, pipeline.Approver, func(pipeline.Event)) (*pipeline.CloneResult, error) {
	return nil, errors.New("no clone in this test")
}

func (handOff) Teardown(context.Context, *envs.Catalog, string, string, pipeline.Approver, func(pipeline.Event)) (*pipeline.TeardownResult, error) {
	return nil, errors.New("no teardown in this test")
}

func (handOff) Resume(context.Context, *envs.Catalog, string, pipeline.Approver, func(pipeline.Event)) error {
	return errors.New("no resume in this test")
}

func (handOff) Reap(context.Context, *envs.Catalog, pipeline.Approver, func(pipeline.Event)) (*pipeline.ReapResult, error) {
	return nil, errors.New("no reap in this test")
}
