package cloud

import (
	"errors"
	"fmt"
	"strings"
)

// The kinds of error callers decide on. Match them with errors.Is; the
// typed errors below carry the details and match their kind.
var (
	// ErrNotFound: the resource does not exist (any more).
	ErrNotFound = errors.New("not found")
	// ErrDependencyViolation: the resource is still used by others.
	ErrDependencyViolation = errors.New("dependency violation")
	// ErrPreconditionFailed: a conditional write's condition did not hold.
	ErrPreconditionFailed = errors.New("precondition failed")
	// ErrInvalidParameter: AWS refused the request as it stands (a default
	// key's snapshot shared, a protected instance deleted...). Retrying
	// the same request cannot help.
	ErrInvalidParameter = errors.New("invalid request")
	// ErrAccessDenied: the identity may not do this.
	ErrAccessDenied = errors.New("access denied")
	// ErrRetryable: throttling, a 5xx or a timeout. The same request may
	// succeed later.
	ErrRetryable = errors.New("retryable")
)

// APIError is an error an AWS API returned, with its code, after the
// service and operation it came from.
type APIError struct {
	Service   string // rds, ec2...
	Operation string // CreateDBSnapshot
	Code      string // DBSnapshotNotFound
	Message   string
	// Kind is one of the Err* values above, or nil when no caller decides
	// on this error.
	Kind error
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Code
	} else if e.Code != "" {
		msg = e.Code + ": " + msg
	}
	return fmt.Sprintf("%s %s: %s", e.Service, e.Operation, msg)
}

// Is matches the error's kind.
func (e *APIError) Is(target error) bool { return e.Kind != nil && target == e.Kind }

// NotFoundError says which resource does not exist.
type NotFoundError struct {
	Type string // DB snapshot, VPC...
	ID   string
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %s not found", e.Type, e.ID) }

// Is matches ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// DependencyViolationError says what holds a resource that would not
// delete: the network interface behind a security group, the subnets of a
// VPC.
type DependencyViolationError struct {
	Resource  string   // what was being deleted, by id
	BlockedBy []string // ids of what holds it, when known
	Message   string   // AWS's own words
}

func (e *DependencyViolationError) Error() string {
	s := e.Resource + " is still in use"
	if len(e.BlockedBy) > 0 {
		s += " by " + strings.Join(e.BlockedBy, ", ")
	}
	if e.Message != "" {
		s += " (" + e.Message + ")"
	}
	return s
}

// Is matches ErrDependencyViolation.
func (e *DependencyViolationError) Is(target error) bool { return target == ErrDependencyViolation }

// RetryableError marks an error the same request may overcome later:
// throttling, a 5xx, a timeout. Reason says which, for the run's log.
type RetryableError struct {
	Reason string // throttled, server error, timeout
	Err    error
}

func (e *RetryableError) Error() string { return e.Err.Error() + " (" + e.Reason + "; retryable)" }

// Unwrap returns the underlying error.
func (e *RetryableError) Unwrap() error { return e.Err }

// Is matches ErrRetryable.
func (e *RetryableError) Is(target error) bool { return target == ErrRetryable }

// Retryable marks err as retryable for reason. A nil err stays nil.
func Retryable(reason string, err error) error {
	if err == nil {
		return nil
	}
	return &RetryableError{Reason: reason, Err: err}
}

// IsRetryable reports whether err is marked retryable. This is the only
// place retryability is read; errors are marked where they are made.
func IsRetryable(err error) bool { return errors.Is(err, ErrRetryable) }
