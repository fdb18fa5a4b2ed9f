package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/pipeline"
)

// runsOptions are runs' flags.
type runsOptions struct {
	json  bool
	limit int
}

func runsCommand() command {
	return command{
		name:    "runs",
		args:    "[ENV]",
		summary: "list recent runs, of every environment or of ENV",
		help: `Lists the runs of ENV, or of every environment, newest first, from the
run journal: local files under .envbench/runs/ by default, or the bucket of
envbench.yaml's state: s3://bucket/prefix in team mode, so that a run
started in CI is seen from a laptop while it runs.

Each run shows its environment, id, kind (plan, apply, teardown...),
status (running, succeeded, failed, interrupted...), when it started and
ended, the step it reached and how it ended.

--json prints an array of objects with the keys env, run_id, kind, status,
started, ended (RFC 3339, UTC; ended absent while a run has not ended),
step and message (absent when empty).

Exit status: 0 when the runs are listed (none included); 1 when the
journal cannot be read; 2 for a usage error or an unknown ENV.`,
		nargs: -1,
		need:  "at most one environment",
		bind: func(fs *flag.FlagSet) func(context.Context, *session) error {
			var o runsOptions
			fs.BoolVar(&o.json, "json", false, "print the runs as JSON")
			fs.IntVar(&o.limit, "limit", 50, "list at most this many runs (0: all)")
			return func(ctx context.Context, s *session) error { return runRuns(ctx, s, o) }
		},
	}
}

// runJSON is one run as `envbench runs --json` prints it.
type runJSON struct {
	Env     string     `json:"env"`
	RunID   string     `json:"run_id"`
	Kind    string     `json:"kind"`
	Status  string     `json:"status"`
	Started time.Time  `json:"started"`
	Ended   *time.Time `json:"ended,omitempty"`
	Step    string     `json:"step"`
	Message string     `json:"message,omitempty"`
	// By is who started the run (user@host), ResumedBy who resumed it when
	// that was someone else.
	By        string `json:"by,omitempty"`
	ResumedBy string `json:"resumed_by,omitempty"`
}

func runRuns(ctx context.Context, s *session, o runsOptions) error {
	if o.limit < 0 {
		return usageError{fmt.Sprintf("--limit %d: want 0 (all) or more", o.limit)}
	}
	c, err := s.catalog()
	if err != nil {
		return err
	}
	env := ""
	if len(s.args) == 1 {
		env = s.args[0]
		if err := knownEnv(c, env); err != nil {
			return err
		}
	}
	st, err := pipeline.OpenStores(ctx, c, pipeline.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	runs, err := pipeline.RecentRuns(ctx, st.Journal, st.Locks, env, o.limit)
	if err != nil {
		return err
	}
	if o.json {
		return writeRunsJSON(s.stdout, runs)
	}
	writeRunsText(s.stdout, runs)
	return nil
}

// knownEnv is a usage error (exit 2) unless c has an environment named
// env: checked before anything runs, the simulation's preparation
// included. The message lists the workspace's environments.
func knownEnv(c *envs.Catalog, env string) error {
	if _, err := c.Lookup(env); err != nil {
		return usageError{fmt.Sprintf("%v (in %s; see envbench list)", err, c.Root)}
	}
	return nil
}

func writeRunsJSON(w io.Writer, runs []pipeline.RunSummary) error {
	out := make([]runJSON, 0, len(runs))
	for _, r := range runs {
		j := runJSON{Env: r.Env, RunID: r.RunID, Kind: r.Pipeline, Status: string(r.Status), Started: r.Started.UTC(), Step: string(r.Step), Message: r.Message, By: r.By, ResumedBy: r.ResumedBy}
		if !r.Ended.IsZero() {
			ended := r.Ended.UTC()
			j.Ended = &ended
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeRunsText(w io.Writer, runs []pipeline.RunSummary) {
	if len(runs) == 0 {
		fmt.Fprintln(w, "No runs")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ENV\tRUN\tKIND\tWHO\tSTATUS\tSTARTED\tENDED\tSTEP\tMESSAGE")
	for _, r := range runs {
		ended := "-"
		if !r.Ended.IsZero() {
			ended = r.Ended.UTC().Format(time.RFC3339)
		}
		who := dash(r.By)
		if r.ResumedBy != "" {
			who += ", resumed by " + r.ResumedBy
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Env, r.RunID, r.Pipeline, who, r.Status, r.Started.UTC().Format(time.RFC3339), ended, dash(string(r.Step)), brief(r.Message))
	}
	tw.Flush()
}

// briefLen is how much of a run's message the table shows; --json has it
// whole.
const briefLen = 100

// brief is a message's first line, cut to briefLen with an ellipsis.
func brief(msg string) string {
	line, _, more := strings.Cut(msg, "\n")
	if r := []rune(line); len(r) > briefLen {
		line, more = string(r[:briefLen-1]), true
	}
	if more {
		line += "…"
	}
	return line
}
