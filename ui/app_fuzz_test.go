package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
	"github.com/envbench/envbench/internal/testkit"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/ui/theme"
)

// cannedRunner answers every plan with the same reviewed plan and every
// apply with success, without Terraform.
type cannedRunner struct{}

func (cannedRunner) Plan(_ context.Context, c *envs.Catalog, env, _ string, sink func(pipeline.Event)) (*pipeline.PlanResult, error) {
	sink(pipeline.Event{Kind: pipeline.Terraform, Step: pipeline.StepPlan, TF: &tf.Event{Type: tf.EventPlannedChange, Action: "create", Resource: "terraform_data.vpc"}})
	p, err := envs.DecodePlan([]byte(`{"format_version":"1.2","resource_changes":[
		{"address":"terraform_data.vpc","type":"terraform_data","mode":"managed","change":{"actions":["create"],"before":null,"after":{"input":{"cidr":"10.0.0.0/16"}}}},
		{"address":"terraform_data.database","type":"terraform_data","mode":"managed","change":{"actions":["delete","create"],"before":{"input":{"gb":10}},"after":{"input":{"gb":100}},"replace_paths":[["input"]]}}]}`))
	if err != nil {
		return nil, err
	}
	e, _ := c.Lookup(env)
	findings := envs.Review(p, envs.RulesFor(c.Workspace, e.Environment), envs.ReviewContext{Environment: env, Protected: e.Protected})
	return &pipeline.PlanResult{Env: env, Protected: e.Protected, Plan: p, Findings: findings, HighRisk: envs.HighRisk(findings), HasChanges: true, PlanFile: "/x"}, nil
}

func (cannedRunner) Apply(context.Context, *envs.Catalog, string, *pipeline.PlanResult, string, string, func(pipeline.Event)) (*pipeline.ApplyResult, error) {
	return &pipeline.ApplyResult{Summary: &tf.ChangeSummary{Add: 1}}, nil
}

// fuzzKeys are the keys the fuzzer presses, one byte choosing one.
var fuzzKeys = []tea.KeyPressMsg{
	{Code: 'j', Text: "j"}, {Code: 'k', Text: "k"}, {Code: 'g', Text: "g"}, {Code: 'G', Text: "G"},
	{Code: '/', Text: "/"}, {Code: 'a', Text: "a"}, {Code: 'n', Text: "n"}, {Code: '?', Text: "?"},
	{Code: 'r', Text: "r"}, {Code: 'x', Text: "x"}, {Code: '1', Text: "1"}, {Code: '.', Text: "."},
	{Code: tea.KeyEnter}, {Code: tea.KeyEscape}, {Code: tea.KeyTab}, {Code: tea.KeyTab, Mod: tea.ModShift},
	{Code: tea.KeyDown}, {Code: tea.KeyUp}, {Code: tea.KeyLeft}, {Code: tea.KeyRight},
	{Code: tea.KeyPgDown}, {Code: tea.KeyPgUp}, {Code: tea.KeyBackspace}, {Code: tea.KeySpace, Text: " "},
	{Code: 'q', Text: "q"}, {Code: 'y', Text: "y"}, {Code: 'c', Mod: tea.ModCtrl},
	{Code: 'p', Text: "p"}, {Code: 'f', Text: "f"}, {Code: '!', Text: "!"}, {Code: 'a', Text: "a"},
}

// FuzzTUI drives the TUI with arbitrary keys, pastes, mouse wheels and
// terminal sizes. Nothing may panic, and every frame must fit the terminal.
func FuzzTUI(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 200, 10, 5, 6, 12, 13, 7, 14})
	f.Add([]byte{201, 0, 0, 6, 12, 'a', 'b', 12, 13, 13, 5, 12})
	f.Add([]byte{202, 1, 1, 4, 9, 9, 12, 13, 3, 2, 16, 17})
	dir := testkit.CopyExample(f, "demo")
	catalog, err := envs.Open(dir, time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		m := New(Options{Catalog: catalog, Palette: theme.DefaultPalette(), Runner: cannedRunner{},
			Now: func() time.Time { return time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) }})
		results := make(chan tea.Msg, 256)
		var run func(cmd tea.Cmd)
		run = func(cmd tea.Cmd) {
			if cmd == nil {
				return
			}
			go func() {
				msg := cmd()
				if batch, ok := msg.(tea.BatchMsg); ok {
					for _, c := range batch {
						run(c)
					}
					return
				}
				select {
				case results <- msg:
				default:
				}
			}()
		}
		width, height := 80, 24
		update := func(msg tea.Msg) {
			if _, quit := msg.(tea.QuitMsg); quit {
				return
			}
			_, cmd := m.Update(msg)
			run(cmd)
		}
		update(tea.WindowSizeMsg{Width: width, Height: height})
		for i := 0; i < len(script); i++ {
			// Deliver whatever earlier commands have produced by now.
			for drained := false; !drained; {
				select {
				case msg := <-results:
					update(msg)
				default:
					drained = true
				}
			}
			b := script[i]
			switch {
			case b >= 200 && i+2 < len(script): // resize
				width, height = int(script[i+1])%250, int(script[i+2])%90
				i += 2
				update(tea.WindowSizeMsg{Width: width, Height: height})
			case b >= 180: // paste
				update(tea.PasteMsg{Content: strings.Repeat("ab-1.", int(b-179))})
			case b >= 170:
				update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
			case b >= 160:
				update(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
			default:
				update(fuzzKeys[int(b)%len(fuzzKeys)])
			}
			content := m.View().Content
			if width == 0 || height == 0 {
				continue
			}
			lines := strings.Split(content, "\n")
			if len(lines) != height {
				t.Fatalf("frame has %d lines for a terminal of %d", len(lines), height)
			}
			for n, line := range lines {
				if w := ansi.StringWidth(line); w > width {
					t.Fatalf("line %d is %d wide for a terminal of %d: %q", n, w, width, ansi.Strip(line))
				}
			}
		}
	})
}

func (cannedRunner) Clone(context.Context, *envs.Catalog, string, string, pipeline.Approver, func(pipeline.Event)) (*pipeline.CloneResult, error) {
	return nil, errors.New("no clone in this test")
}

func (cannedRunner) Teardown(context.Context, *envs.Catalog, string, string, pipeline.Approver, func(pipeline.Event)) (*pipeline.TeardownResult, error) {
	return nil, errors.New("no teardown in this test")
}

func (cannedRunner) Resume(context.Context, *envs.Catalog, string, pipeline.Approver, func(pipeline.Event)) error {
	return errors.New("no resume in this test")
}

func (cannedRunner) Reap(context.Context, *envs.Catalog, pipeline.Approver, func(pipeline.Event)) (*pipeline.ReapResult, error) {
	return nil, errors.New("no reap in this test")
}
