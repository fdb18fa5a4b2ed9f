package tf

import (
	"context"
	"errors"
	"strings"
)

// Kind classifies a failed Terraform command, so callers decide on it
// without reading its text.
type Kind string

// The kinds of Terraform failure.
const (
	// KindOther is any failure not classified below: configuration errors,
	// a plan that does not validate...
	KindOther Kind = "other"
	// KindStateLocked: Terraform could not acquire the state lock, held by
	// another Terraform. Retryable: the holder usually finishes.
	KindStateLocked Kind = "state-locked"
	// KindCancelled: the run was interrupted and Terraform stopped.
	KindCancelled Kind = "cancelled"
	// KindProvider: a provider (plugin) failed: to install, to start, to
	// configure, or while it changed a resource.
	KindProvider Kind = "provider"
	// KindNeedsInit: the work directory needs terraform init again (a
	// module, a provider or the backend is not installed as configured).
	KindNeedsInit Kind = "needs-init"
	// KindThrottled: the cloud API throttled the provider or failed on its
	// side (5xx) after the provider's own retries. Retryable: the same
	// command usually goes through a little later.
	KindThrottled Kind = "throttled"
)

// Sentinels matched by errors.Is on an *Error of that kind.
var (
	ErrStateLocked = errors.New("terraform state locked")
	ErrCancelled   = errors.New("terraform cancelled")
	ErrProvider    = errors.New("terraform provider failed")
	ErrNeedsInit   = errors.New("terraform needs init")
	ErrThrottled   = errors.New("terraform throttled by the cloud")
)

// throttled are what a provider's diagnostic says when the cloud API
// throttled it or failed on its side: envbench's simulated provider
// reports envs/cloud's retryable errors ("(throttled; retryable)"), the
// AWS provider the API's error codes.
var throttled = []string{
	"(throttled; retryable)",
	"(server error; retryable)",
	"requestlimitexceeded",
	"throttlingexception",
	"api error throttling",
	"toomanyrequestsexception",
	"slowdown: please reduce your request rate",
}

// needsInit are the summaries of Terraform's errors that init mends.
var needsInit = []string{
	"module not installed",
	"inconsistent dependency lock file",
	"backend initialization required",
	"required plugins are not installed",
	"missing required provider",
	"module source has changed",
	"module version requirements have changed",
}

// Is matches the sentinel of the error's kind.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrStateLocked:
		return e.Kind == KindStateLocked
	case ErrCancelled:
		return e.Kind == KindCancelled
	case ErrProvider:
		return e.Kind == KindProvider
	case ErrThrottled:
		return e.Kind == KindThrottled
	case ErrNeedsInit:
		return e.Kind == KindNeedsInit
	}
	return false
}

// Retryable reports whether trying the same command again may succeed
// without changing anything: the state lock was held by another run, or
// the cloud throttled the provider.
func (e *Error) Retryable() bool { return e.Kind == KindStateLocked || e.Kind == KindThrottled }

// classify is the one place a failure's kind is read from what Terraform
// reported: its error diagnostics, the command's error (its stderr) and
// whether the run was cancelled.
func classify(ctxErr error, diags []Diagnostic, err error) Kind {
	if ctxErr != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return KindCancelled
	}
	var texts []string
	for _, d := range diags {
		if d.Severity == "" || d.Severity == "error" {
			texts = append(texts, d.Summary+"\n"+d.Detail)
		}
	}
	if err != nil {
		texts = append(texts, err.Error())
	}
	// Order matters: a lock error's detail may name the provider of the
	// backend; an interrupt's diagnostics may mention providers stopping.
	for _, t := range texts {
		l := strings.ToLower(t)
		if strings.Contains(l, "error acquiring the state lock") || strings.Contains(l, "state lock") && strings.Contains(l, "lock info") {
			return KindStateLocked
		}
	}
	for _, t := range texts {
		l := strings.ToLower(t)
		if strings.Contains(l, "operation cancelled") || strings.Contains(l, "execution halted") || strings.Contains(l, "interrupt received") {
			return KindCancelled
		}
	}
	for _, t := range texts {
		l := strings.ToLower(t)
		for _, s := range needsInit {
			if strings.Contains(l, s) {
				return KindNeedsInit
			}
		}
	}
	for _, t := range texts {
		l := strings.ToLower(t)
		for _, s := range throttled {
			if strings.Contains(l, s) {
				return KindThrottled
			}
		}
	}
	for _, t := range texts {
		l := strings.ToLower(t)
		if strings.Contains(l, "provider") || strings.Contains(l, "plugin") {
			return KindProvider
		}
	}
	return KindOther
}
