package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/envbench/envbench/envs/tf"
	"github.com/envbench/envbench/pipeline"
)

// applyOptions are apply's flags.
type applyOptions struct {
	planFile string
	confirm  string
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
exit cleanly, so no state lock is left behind; envbench then says which
resources completed and which had started without finishing: the
environment may be partly changed, and needs a new plan.

Exit status: 0 when applied, 1 otherwise.`,
		nargs: 1,
		need:  "one environment name: envbench apply ENV --plan FILE",
		bind: func(fs *flag.FlagSet) func(context.Context, *session) error {
			var o applyOptions
			fs.StringVar(&o.planFile, "plan", "", "the saved plan `FILE` to apply (from envbench plan)")
			fs.StringVar(&o.confirm, "confirm", "", "the environment's `NAME`, to apply a high-risk plan or to a protected environment")
			return func(ctx context.Context, s *session) error { return runApply(ctx, s, o) }
		},
	}
}

func runApply(ctx context.Context, s *session, o applyOptions) error {
	name := s.args[0]
	if o.planFile == "" {
		return usageError{"--plan FILE is required: apply applies a reviewed plan; make one with envbench plan " + name}
	}
	if err := checkPlanFile(o.planFile); err != nil {
		return err
	}
	c, err := s.catalog()
	if err != nil {
		return err
	}
	if err := knownEnv(c, name); err != nil {
		return err
	}
	progress := newProgress(s)
	res, err := pipeline.Apply(ctx, c, name, o.planFile, o.confirm, pipeline.Options{}, progress.event)
	progress.done()
	if err != nil && interrupted(ctx, err) {
		progress.interrupted(name)
	}
	if errors.Is(err, pipeline.ErrConfirmationNeeded) && o.confirm != "" && o.confirm != name {
		return fmt.Errorf("--confirm %s does not name this environment (expected %s): %w", o.confirm, name, err)
	}
	if err != nil {
		return err
	}
	sum := res.Summary
	if sum == nil {
		sum = &tf.ChangeSummary{}
	}
	fmt.Fprintf(s.stdout, "Applied %s: %d added, %d changed, %d destroyed in %s\n", res.Env, sum.Add, sum.Change, sum.Remove, res.Elapsed.Round(100*time.Millisecond))
	return nil
}

// checkPlanFile refuses a directory given as --plan, before anything is
// locked. A missing file is left to apply, which says what to do.
func checkPlanFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return nil
	}
	defer f.Close()
	if err := notADirectory(f, name, "a saved plan file"); err != nil {
		return fmt.Errorf("--plan %w (envbench plan prints the file to apply)", err)
	}
	return nil
}

// interrupted reports whether a run's error comes from its cancellation:
// an interrupt, not a failure of Terraform's own.
func interrupted(ctx context.Context, err error) bool {
	var tfErr *tf.Error
	return ctx.Err() != nil || errors.As(err, &tfErr) && tfErr.Cancelled
}
