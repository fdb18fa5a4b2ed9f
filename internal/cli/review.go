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
	report, err := envs.NewReport(p, findings, environment, envs.DiffOptions{SecretNames: rules.SecretNames})
	if err != nil {
		return reviewFailed(s, err)
	}
	if o.json {
		if err := report.WriteJSON(s.stdout); err != nil {
			return reviewFailed(s, err)
		}
	} else {
		out := bufio.NewWriterSize(s.stdout, 64<<10) // one write per 64 KiB, not per line
		envs.WriteReportText(out, report)
		if err := out.Flush(); err != nil {
			return reviewFailed(s, err)
		}
	}
	if report.HighRisk {
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
