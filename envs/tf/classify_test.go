package tf

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestClassify: Terraform's own diagnostic texts, as it prints them, give
// the failure its kind.
func TestClassify(t *testing.T) {
	exit1 := errors.New("exit status 1")
	lockDetail := "Error message: resource temporarily unavailable\nLock Info:\n  ID:        2d6f9a0e-5f33-8f41-a9a8-8a4c7f1f0b2e\n  Path:      terraform.tfstate\n  Operation: OperationTypeApply\n  Who:       bob@build-7\n  Version:   1.5.7\n  Created:   2026-11-21 10:00:00.000000000 +0000 UTC\n  Info:      \n\n\nTerraform acquires a state lock to protect the state from being written\nby multiple users at the same time. Please resolve the issue above and try\nagain. For most commands, you can disable locking with the \"-lock=false\"\nflag, but this is not recommended."
	cases := []struct {
		name   string
		ctxErr error
		diags  []Diagnostic
		err    error
		want   Kind
	}{
		{"state lock", nil, []Diagnostic{{Severity: "error", Summary: "Error acquiring the state lock", Detail: lockDetail}}, exit1, KindStateLocked},
		{"state lock on stderr (init is not JSON)", nil, nil, fmt.Errorf("exit status 1\n\nError: Error acquiring the state lock\n\n%s", lockDetail), KindStateLocked},
		{"context cancelled", context.Canceled, nil, errors.New("signal: interrupt"), KindCancelled},
		{"cancelled error from terraform-exec", nil, nil, fmt.Errorf("terraform apply: %w", context.Canceled), KindCancelled},
		{"execution halted", nil, []Diagnostic{{Severity: "error", Summary: "execution halted"}}, exit1, KindCancelled},
		{"provider registry", nil, []Diagnostic{{Severity: "error", Summary: "Failed to query available provider packages", Detail: "Could not retrieve the list of available versions for provider hashicorp/aws: could not connect to registry.terraform.io: dial tcp: lookup registry.terraform.io: no such host"}}, exit1, KindProvider},
		{"provider configuration", nil, []Diagnostic{{Severity: "error", Summary: "configuring Terraform AWS Provider: no valid credential sources for Terraform AWS Provider found.", Detail: "Please see https://registry.terraform.io/providers/hashicorp/aws\nfor more information about providing credentials."}}, exit1, KindProvider},
		{"plugin crash", nil, []Diagnostic{{Severity: "error", Summary: "Plugin did not respond", Address: "aws_db_instance.db", Detail: "The plugin encountered an error, and failed to respond to the plugin.(*GRPCProvider).ApplyResourceChange call. The plugin logs may contain more details."}}, exit1, KindProvider},
		{"lock file inconsistent", nil, []Diagnostic{{Severity: "error", Summary: "Inconsistent dependency lock file", Detail: "The following dependency selections recorded in the lock file are inconsistent with the current configuration:\n  - provider registry.terraform.io/hashicorp/aws: required by this configuration but no version is selected\n\nTo make the initial dependency selections that will initialize the dependency lock file, run:\n  terraform init"}}, exit1, KindNeedsInit},
		{"module not installed", nil, []Diagnostic{{Severity: "error", Summary: "Module not installed", Filename: "main.tf", Line: 3, Detail: "This module is not yet installed. Run \"terraform init\" to install all modules required by this configuration."}}, exit1, KindNeedsInit},
		{"backend", nil, []Diagnostic{{Severity: "error", Summary: "Backend initialization required, please run \"terraform init\"", Detail: "Reason: Initial configuration of the requested backend \"s3\""}}, exit1, KindNeedsInit},
		{"simulated provider throttled", nil, []Diagnostic{{Severity: "error", Summary: "Delete sim_security_group", Address: "sim_security_group.web", Detail: "ec2 DeleteSecurityGroup: RequestLimitExceeded: Rate exceeded (throttled; retryable)"}}, exit1, KindThrottled},
		{"simulated provider 5xx", nil, []Diagnostic{{Severity: "error", Summary: "Delete sim_db_instance", Detail: "rds DeleteDBInstance: InternalError: We encountered an internal error. Please try again. (server error; retryable)"}}, exit1, KindThrottled},
		{"AWS provider throttled", nil, []Diagnostic{{Severity: "error", Summary: "deleting EC2 Security Group (sg-0a1b)", Detail: "operation error EC2: DeleteSecurityGroup, exceeded maximum number of attempts, 25, https response error StatusCode: 503, RequestID: 1f2e, api error RequestLimitExceeded: Request limit exceeded."}}, exit1, KindThrottled},
		{"AWS provider Throttling code", nil, []Diagnostic{{Severity: "error", Summary: "deleting RDS DB Instance (db)", Detail: "operation error RDS: DeleteDBInstance, api error Throttling: Rate exceeded"}}, exit1, KindThrottled},
		{"a state lock outranks a throttle", nil, []Diagnostic{{Severity: "error", Summary: "Error acquiring the state lock", Detail: "api error Throttling: Rate exceeded\nLock Info:\n  ID: 1"}}, exit1, KindStateLocked},
		{"a provider error that is not a throttle", nil, []Diagnostic{{Severity: "error", Summary: "Delete sim_vpc", Detail: "sim provider: vpc-1 is still in use by subnet-1"}}, exit1, KindProvider},
		{"configuration error", nil, []Diagnostic{{Severity: "error", Summary: "Unsupported argument", Detail: "An argument named \"sise\" is not expected here."}}, exit1, KindOther},
		{"a warning about providers does not count", nil, []Diagnostic{{Severity: "warning", Summary: "Provider development overrides are in effect"}, {Severity: "error", Summary: "Invalid reference"}}, exit1, KindOther},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := classify(c.ctxErr, c.diags, c.err); got != c.want {
				t.Errorf("kind %q, want %q", got, c.want)
			}
		})
	}
}

// TestErrorKindsMatch: an *Error matches its kind's sentinel, and only it.
func TestErrorKindsMatch(t *testing.T) {
	err := fmt.Errorf("plan qa: %w", &Error{Op: "plan", Kind: KindStateLocked})
	if !errors.Is(err, ErrStateLocked) || errors.Is(err, ErrCancelled) || errors.Is(err, ErrProvider) {
		t.Error("a state-locked error matches ErrStateLocked only")
	}
	var e *Error
	if !errors.As(err, &e) || !e.Retryable() {
		t.Error("a state-locked error is retryable")
	}
	if !strings.Contains(err.Error(), "wait for it to finish and try again") {
		t.Errorf("a state-locked error says what to do: %q", err)
	}
	if th := (&Error{Kind: KindThrottled}); !th.Retryable() || !errors.Is(th, ErrThrottled) || errors.Is(th, ErrProvider) {
		t.Error("a throttled error is retryable and matches ErrThrottled only")
	}
	if (&Error{Kind: KindProvider}).Retryable() {
		t.Error("a provider error is not retryable")
	}
}

// TestDiagnosticsGiveTheRunnersErrorItsKind: a failing command's error is
// classified from what the (stand-in) Terraform printed.
func TestDiagnosticsGiveTheRunnersErrorItsKind(t *testing.T) {
	r, _ := fake(t, map[string]string{"FAKE_TF_FAIL": "plan"})
	_, err := r.Plan(context.Background(), t.TempDir()+"/p", nil)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindOther || e.Cancelled {
		t.Fatalf("plan with a configuration error: %#v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = r.Show(ctx, t.TempDir()+"/p")
	if !errors.Is(err, ErrCancelled) {
		t.Errorf("show of a cancelled run: %v", err)
	}
}
