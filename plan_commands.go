package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
	"github.com/envbench/envbench/pipeline"
)

func planCommand() command {
	return command{
		name:    "plan",
		args:    "ENV",
		summary: "render, plan and review ENV; save the plan for apply",
		help: `Renders ENV, runs terraform init and plan, and reviews the plan: changes
grouped by action with attribute diffs, and the risk findings (destroy or
replace of stateful resources, tenfold numeric jumps, large change counts,
changes to a protected environment). Progress streams to stderr while
Terraform plans; the review goes to stdout.

The plan is saved (by default under .envbench/plans/ENV/) for
'envbench apply ENV --plan FILE', which applies exactly that plan.

Exit status: 0 when the review has no high-risk finding, 3 when it has one,
1 on error.`,
		flags: func(fs *flag.FlagSet, o *options) {
			fs.StringVar(&o.out, "out", "", "save the plan to `FILE` instead of .envbench/plans/ENV/RUN.tfplan")
			fs.BoolVar(&o.json, "json", false, "print the reviewed plan as JSON")
		},
		run: func(ctx context.Context, o *options) int {
			if err := wantArgs(o, "plan", 1, "one environment name: envbench plan ENV"); err != nil {
				return fail(o, "plan", err)
			}
			c, err := openCatalog(o)
			if err != nil {
				return fail(o, "plan", err)
			}
			name := o.args[0]
			progress := newProgress(o.stderr)
			res, err := pipeline.Plan(ctx, c, name, o.out, pipeline.Options{}, progress.event)
			progress.done()
			if err != nil {
				return fail(o, "plan", err)
			}
			e, _ := c.Lookup(name)
			code := printReview(o, res.Plan, res.Findings, name, envs.RulesFor(c.Workspace, e.Environment))
			if code == exitError {
				return code
			}
			fmt.Fprintf(o.stderr, "\nSaved plan: %s\nApply it with: envbench apply %s --plan %s", res.PlanFile, name, shellQuote(res.PlanFile))
			if res.NeedsConfirmation() {
				fmt.Fprintf(o.stderr, " --confirm %s", name)
			}
			fmt.Fprintln(o.stderr)
			return code
		},
	}
}

func showPlanCommand() command {
	return command{
		name:    "show-plan",
		args:    "FILE.json",
		summary: "review a plan JSON file: grouped changes, attribute diffs, risks",
		help: `Reviews a plan in JSON, as 'terraform show -json PLANFILE' writes it
(format 0.1 to 1.x, Terraform 0.14 and later): changes grouped by action,
attribute-level diffs with sensitive values masked, and the risk findings.
Inside a workspace, its risk rules apply; --env applies an environment's
(its archetype's rules, and whether it is protected). FILE may be - for
stdin.

Exit status: 0 when there is no high-risk finding, 3 when there is one,
1 on error (an unreadable or invalid file).`,
		flags: func(fs *flag.FlagSet, o *options) {
			fs.BoolVar(&o.json, "json", false, "print the reviewed plan as JSON")
			fs.StringVar(&o.env, "env", "", "review as a plan for environment `ENV` of the workspace")
		},
		run: func(_ context.Context, o *options) int {
			if err := wantArgs(o, "show-plan", 1, "one plan JSON file: envbench show-plan FILE.json"); err != nil {
				return fail(o, "show-plan", err)
			}
			data, err := readInput(o.args[0])
			if err != nil {
				return fail(o, "show-plan", err)
			}
			p, err := envs.DecodePlan(data)
			var positioned *envs.PlanError
			switch {
			case errors.As(err, &positioned): // LINE:COL: message
				return fail(o, "show-plan", fmt.Errorf("%s:%w", o.args[0], err))
			case err != nil:
				return fail(o, "show-plan", fmt.Errorf("%s: %w", o.args[0], err))
			}
			rules, rc, err := reviewSetup(o)
			if err != nil {
				return fail(o, "show-plan", err)
			}
			return printReview(o, p, envs.Review(p, rules, rc), rc.Environment, rules)
		},
	}
}

// reviewSetup finds the rules for show-plan: the workspace's when there is
// one, and an environment's when --env names one.
func reviewSetup(o *options) (envs.RiskRules, envs.ReviewContext, error) {
	if o.workspace == "" && o.env == "" {
		wd, _ := os.Getwd()
		if _, err := config.FindRoot(wd); err != nil {
			return envs.DefaultRiskRules(), envs.ReviewContext{}, nil
		}
	}
	c, err := openCatalog(o)
	if err != nil {
		return envs.RiskRules{}, envs.ReviewContext{}, err
	}
	if o.env == "" {
		return envs.RulesFor(c.Workspace, nil), envs.ReviewContext{}, nil
	}
	e, err := c.Lookup(o.env)
	if err != nil {
		return envs.RiskRules{}, envs.ReviewContext{}, err
	}
	return envs.RulesFor(c.Workspace, e.Environment), envs.ReviewContextOf(e, c.Now), nil
}

// maxPlanSize bounds a plan JSON file: a plan of 100,000 resources is well
// under it, and /dev/zero does not exhaust memory.
const maxPlanSize = 256 << 20

// readInput reads a plan file, or stdin for "-", up to maxPlanSize.
func readInput(name string) ([]byte, error) {
	r := io.Reader(os.Stdin)
	var buf bytes.Buffer
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			buf.Grow(int(min(fi.Size(), maxPlanSize)) + bytes.MinRead) // one allocation, not a doubling series
		}
	}
	_, err := buf.ReadFrom(io.LimitReader(r, maxPlanSize+1))
	data := buf.Bytes()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > maxPlanSize {
		return nil, fmt.Errorf("%s is larger than %d MiB; is it a plan JSON file?", name, maxPlanSize>>20)
	}
	return data, nil
}

func applyCommand() command {
	return command{
		name:    "apply",
		args:    "ENV",
		summary: "apply a reviewed plan of ENV (--plan FILE), exactly",
		help: `Applies the plan in FILE, made by 'envbench plan ENV', and nothing else:
envbench checks that FILE is the reviewed plan of ENV, unchanged since,
and reviews it again. A high-risk plan, or any plan for a protected
environment, needs --confirm with the environment's name. Per-resource
progress streams to stderr with elapsed times; Terraform's diagnostics are
shown whole when it fails. Ctrl-C interrupts Terraform and waits for it to
exit cleanly, so no state lock is left behind.

Exit status: 0 when applied, 1 otherwise.`,
		flags: func(fs *flag.FlagSet, o *options) {
			fs.StringVar(&o.planFile, "plan", "", "the saved plan `FILE` to apply (from envbench plan)")
			fs.StringVar(&o.confirm, "confirm", "", "the environment's `NAME`, to apply a high-risk plan or to a protected environment")
		},
		run: func(ctx context.Context, o *options) int {
			if err := wantArgs(o, "apply", 1, "one environment name: envbench apply ENV --plan FILE"); err != nil {
				return fail(o, "apply", err)
			}
			if o.planFile == "" {
				return fail(o, "apply", usageError{"--plan FILE is required: apply applies a reviewed plan; make one with envbench plan " + o.args[0]})
			}
			c, err := openCatalog(o)
			if err != nil {
				return fail(o, "apply", err)
			}
			progress := newProgress(o.stderr)
			res, err := pipeline.Apply(ctx, c, o.args[0], o.planFile, o.confirm, pipeline.Options{}, progress.event)
			progress.done()
			if err != nil {
				return fail(o, "apply", err)
			}
			s := res.Summary
			if s == nil {
				s = &tf.ChangeSummary{}
			}
			fmt.Fprintf(o.stdout, "Applied %s: %d added, %d changed, %d destroyed in %s\n", res.Env, s.Add, s.Change, s.Remove, res.Elapsed.Round(100*time.Millisecond))
			return exitOK
		},
	}
}

// progress prints a run's events to stderr as they come: steps, planned
// changes, and per-resource apply progress with elapsed times.
type progress struct {
	mu sync.Mutex
	w  io.Writer
}

func newProgress(w io.Writer) *progress { return &progress{w: w} }

func (p *progress) event(e pipeline.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e.Kind {
	case pipeline.StepStarted:
		if e.Step == pipeline.StepLock {
			fmt.Fprintf(p.w, "run %s on %s\n", e.RunID, e.Env)
		}
	case pipeline.StepFinished:
		fmt.Fprintf(p.w, "  %-7s %s\n", e.Step, e.Message)
	case pipeline.StepFailed:
		fmt.Fprintf(p.w, "  %-7s failed\n", e.Step)
	case pipeline.Terraform:
		p.terraform(e.Step, e.TF)
	}
}

func (p *progress) terraform(step pipeline.Step, e *tf.Event) {
	switch e.Type {
	case tf.EventPlannedChange:
		if step == pipeline.StepPlan {
			fmt.Fprintf(p.w, "  %-7s %s %s\n", "plan", actionSymbol(e.Action), e.Resource)
		}
	case tf.EventApplyStart:
		fmt.Fprintf(p.w, "  %-7s %s %s…\n", "apply", actionSymbol(e.Action), e.Resource)
	case tf.EventApplyProgress:
		fmt.Fprintf(p.w, "  %-7s   %s still %s after %s\n", "apply", e.Resource, e.Action, e.Elapsed)
	case tf.EventApplyComplete:
		fmt.Fprintf(p.w, "  %-7s ✓ %s (%s)\n", "apply", e.Resource, e.Elapsed)
	case tf.EventApplyErrored:
		fmt.Fprintf(p.w, "  %-7s ✗ %s failed after %s\n", "apply", e.Resource, e.Elapsed)
	case tf.EventDiagnostic:
		if e.Diagnostic != nil && e.Diagnostic.Severity == "warning" {
			fmt.Fprintf(p.w, "%s\n", indent(e.Diagnostic.String(), "  "))
		}
	}
}

func (p *progress) done() {}

func actionSymbol(action string) string {
	switch action {
	case "create":
		return "+"
	case "update":
		return "~"
	case "delete":
		return "-"
	case "replace":
		return "±"
	case "read":
		return "<"
	case "move":
		return "→"
	case "import":
		return "⇐"
	}
	return " "
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

func shellQuote(s string) string {
	if strings.ContainsAny(s, " '\"$`\\") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}

// printReview prints the reviewed plan, as text or JSON, and returns the
// exit code: 3 when there is a high-risk finding.
func printReview(o *options, p *envs.Plan, findings []envs.Finding, environment string, rules envs.RiskRules) int {
	report, err := envs.NewReport(p, findings, environment, envs.DiffOptions{SecretNames: rules.SecretNames})
	if err != nil {
		return fail(o, "review", err)
	}
	if o.json {
		if err := report.WriteJSON(o.stdout); err != nil {
			return fail(o, "review", err)
		}
	} else {
		out := bufio.NewWriterSize(o.stdout, 64<<10) // one write per 64 KiB, not per line
		writeReport(out, report)
		if err := out.Flush(); err != nil {
			return fail(o, "review", err)
		}
	}
	if report.HighRisk {
		return exitHighRisk
	}
	return exitOK
}

// writeReport prints a report as text: the summary, the findings, then the
// changes grouped by action with their attribute diffs.
func writeReport(w io.Writer, r *envs.Report) {
	summary := envs.Summary(r.Summary)
	title := "Plan"
	if r.Environment != "" {
		title += " for " + r.Environment
	}
	fmt.Fprintf(w, "%s: %s (%d to change; Terraform %s, plan format %s)\n", title, summary, summary.Total(), cmp.Or(r.TerraformVersion, "version unknown"), r.FormatVersion)
	if r.Incomplete {
		fmt.Fprintln(w, "INCOMPLETE: Terraform stopped on an error while planning.")
	}
	if len(r.Findings) > 0 {
		head := "Findings"
		if r.HighRisk {
			head = "HIGH RISK"
		}
		fmt.Fprintf(w, "\n%s (%d)\n", head, len(r.Findings))
		for _, f := range r.Findings {
			fmt.Fprintf(w, "  %-6s %s\n", f.Severity, f.Message)
		}
	}
	groups := map[envs.Action][]envs.ChangeReport{}
	for _, c := range r.Changes {
		groups[c.Action] = append(groups[c.Action], c)
	}
	for _, a := range envs.ActionOrder {
		changes := groups[a]
		if len(changes) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s %s (%d)\n", a.Symbol(), a, len(changes))
		if a == envs.ActionNoOp {
			for _, c := range changes {
				fmt.Fprintf(w, "    %s\n", c.Address)
			}
			continue
		}
		for _, c := range changes {
			writeChange(w, c)
		}
	}
	if len(r.Drift) > 0 {
		fmt.Fprintf(w, "\nChanged outside Terraform (%d)\n", len(r.Drift))
		for _, c := range r.Drift {
			writeChange(w, c)
		}
	}
	header := false
	for _, out := range r.Outputs {
		if out.Action == envs.ActionNoOp {
			continue
		}
		if !header {
			fmt.Fprintf(w, "\nOutputs\n")
			header = true
		}
		fmt.Fprintf(w, "  %s %s\n", out.Action.Symbol(), out.Name)
	}
}

func writeChange(w io.Writer, c envs.ChangeReport) {
	line := "  " + c.Action.Symbol() + " " + c.Address
	var notes []string
	if c.PreviousAddress != "" {
		notes = append(notes, "moved from "+c.PreviousAddress)
	}
	if c.ImportingID != "" {
		notes = append(notes, "importing "+c.ImportingID)
	}
	if c.Action == envs.ActionReplace {
		notes = append(notes, "replaced because "+c.ReplaceReason)
	}
	if len(notes) > 0 {
		line += "  (" + strings.Join(notes, "; ") + ")"
	}
	fmt.Fprintln(w, line)
	for _, d := range c.Attributes {
		fmt.Fprintf(w, "      %s %s: %s\n", d.Kind, d.Path, attrValue(d))
	}
	if c.Unchanged > 0 && c.Action != envs.ActionCreate && c.Action != envs.ActionDelete {
		if c.Unchanged == 1 {
			fmt.Fprintln(w, "      (1 unchanged attribute hidden)")
		} else {
			fmt.Fprintf(w, "      (%d unchanged attributes hidden)\n", c.Unchanged)
		}
	}
}

func attrValue(d envs.AttrDiff) string {
	var s string
	switch d.Kind {
	case envs.DiffAdded:
		s = d.After
	case envs.DiffRemoved:
		s = d.Before
	default:
		s = d.Before + " → " + d.After
	}
	if d.ForcesReplacement {
		s += "  # forces replacement"
	}
	return s
}
