package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
)

// showPlanOptions are show-plan's flags.
type showPlanOptions struct {
	reviewOptions
	env string
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
stdin. Output captured through GitHub's setup-terraform wrapper (the
"[command]…" line before the JSON, "::debug::" lines after it) is
accepted: what was stripped is said on stderr.

Exit status: 0 when there is no high-risk finding, 3 when there is one,
1 on error (an unreadable or invalid file).`,
		nargs: 1,
		need:  "one plan JSON file: envbench show-plan FILE.json",
		bind: func(fs *flag.FlagSet) func(context.Context, *session) error {
			var o showPlanOptions
			fs.BoolVar(&o.json, "json", false, "print the reviewed plan as JSON")
			fs.StringVar(&o.env, "env", "", "review as a plan for environment `ENV` of the workspace")
			return func(ctx context.Context, s *session) error { return runShowPlan(ctx, s, o) }
		},
	}
}

func runShowPlan(_ context.Context, s *session, o showPlanOptions) error {
	file := s.args[0]
	data, err := readInput(file)
	if err != nil {
		return err
	}
	data, wrapper := envs.StripWrapper(data)
	if wrapper.Stripped() {
		fmt.Fprintf(s.stderr, "envbench show-plan: %s: %s\n", file, wrapper)
	}
	p, err := envs.DecodePlan(data)
	var positioned *envs.PlanError
	switch {
	case errors.As(err, &positioned): // LINE:COL: message
		return fmt.Errorf("%s:%w", file, err)
	case err != nil:
		return fmt.Errorf("%s: %w", file, err)
	}
	rules, rc, err := reviewSetup(s, o)
	if err != nil {
		return err
	}
	return printReview(s, o.reviewOptions, p, envs.Review(p, rules, rc), rc.Environment, rules)
}

// reviewSetup finds the rules for show-plan: the workspace's when there is
// one, and an environment's when --env names one.
func reviewSetup(s *session, o showPlanOptions) (envs.RiskRules, envs.ReviewContext, error) {
	if s.workspace == "" && o.env == "" {
		wd, _ := os.Getwd()
		if _, err := config.FindRoot(wd); err != nil {
			return envs.DefaultRiskRules(), envs.ReviewContext{}, nil
		}
	}
	c, err := s.catalog()
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

// notADirectory says, once, that name is a directory where a file (what)
// was wanted.
func notADirectory(f *os.File, name, what string) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.IsDir() {
		return fmt.Errorf("%s is a directory, not %s", name, what)
	}
	return nil
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
		if err := notADirectory(f, name, "a plan JSON file"); err != nil {
			return nil, err
		}
		r = f
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			buf.Grow(int(min(fi.Size(), maxPlanSize)) + bytes.MinRead) // one allocation, not a doubling series
		}
	}
	_, err := buf.ReadFrom(io.LimitReader(r, maxPlanSize+1))
	data := buf.Bytes()
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return nil, err // it names the file already
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > maxPlanSize {
		return nil, fmt.Errorf("%s is larger than %d MiB; is it a plan JSON file?", name, maxPlanSize>>20)
	}
	return data, nil
}
