package cloud

import (
	"errors"
	"fmt"
	"testing"
)

// TestErrorKinds: each typed error matches its kind through wrapping, and
// only its kind.
func TestErrorKinds(t *testing.T) {
	kinds := []error{ErrNotFound, ErrDependencyViolation, ErrPreconditionFailed, ErrInvalidParameter, ErrAccessDenied, ErrRetryable}
	cases := []struct {
		name string
		err  error
		kind error
		text string
	}{
		{"not found", &NotFoundError{Type: "DB snapshot", ID: "orders-1"}, ErrNotFound, "DB snapshot orders-1 not found"},
		{"dependency", &DependencyViolationError{Resource: "sg-1", BlockedBy: []string{"eni-1", "eni-2"}}, ErrDependencyViolation, "sg-1 is still in use by eni-1, eni-2"},
		{"api", &APIError{Service: "rds", Operation: "ModifyDBSnapshotAttribute", Code: "InvalidParameterValue", Message: "default key", Kind: ErrInvalidParameter}, ErrInvalidParameter, "rds ModifyDBSnapshotAttribute: InvalidParameterValue: default key"},
		{"api without kind", &APIError{Service: "s3", Operation: "PutObject", Code: "Weird"}, nil, "s3 PutObject: Weird"},
		{"retryable", Retryable("throttled", &APIError{Service: "cloudtrail", Operation: "LookupEvents", Code: "ThrottlingException"}), ErrRetryable, "cloudtrail LookupEvents: ThrottlingException (throttled; retryable)"},
	}
	for _, c := range cases {
		wrapped := fmt.Errorf("sweep qa: %w", c.err)
		if c.err.Error() != c.text {
			t.Errorf("%s: text %q, want %q", c.name, c.err.Error(), c.text)
		}
		for _, k := range kinds {
			if got, want := errors.Is(wrapped, k), k == c.kind; got != want {
				t.Errorf("%s: errors.Is(%v) = %v, want %v", c.name, k, got, want)
			}
		}
	}
	if Retryable("x", nil) != nil {
		t.Error("Retryable(nil) must stay nil")
	}
	if !IsRetryable(fmt.Errorf("x: %w", Retryable("timeout", errors.New("deadline")))) || IsRetryable(ErrNotFound) {
		t.Error("IsRetryable reads the mark, and only it")
	}
}
