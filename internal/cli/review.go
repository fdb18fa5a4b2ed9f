package cli

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/envbench/envbench/envs"
)

// reviewOptions are the output flags of the commands that print a review.
type reviewOptions struct {
	json bool
}

// printReview prints the reviewed plan, as text or JSON, to stdout. A
// high-risk review returns an ExitError with code 3; a failure is reported
// here, as the review's, and returns one with code 1.
func printReview(s *session, o reviewOptions, p *envs.Plan, findings []envs.Finding, environment string, rules envs.RiskRules) error {
	opts := envs.DiffOptions{SecretNames: rules.SecretNames}
	write := envs.WriteReviewText
	if o.json {
		write = envs.WriteReviewJSON
	}
	if err := write(s.stdout, p, findings, environment, opts); err != nil {
		return reviewFailed(s, err)
	}
	if envs.HighRisk(findings) {
		return &ExitError{Code: ExitHighRisk}
	}
	return nil
}

// printReport prints a report the pipeline already built (a plan run's),
// as printReview would print its plan: the diff is not computed again.
func printReport(s *session, o reviewOptions, r *envs.Report) error {
	var err error
	if o.json {
		err = r.WriteJSON(s.stdout)
	} else {
		out := bufio.NewWriterSize(s.stdout, 64<<10)
		envs.WriteReportText(out, r)
		err = out.Flush()
	}
	if err != nil {
		return reviewFailed(s, err)
	}
	if r.HighRisk {
		return &ExitError{Code: ExitHighRisk}
	}
	return nil
}

func reviewFailed(s *session, err error) error {
	fmt.Fprintf(s.stderr, "envbench review: %v\n", err)
	return &ExitError{Code: ExitFailure}
}

func shellQuote(s string) string {
	if strings.ContainsAny(s, " '\"$`\\") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}
