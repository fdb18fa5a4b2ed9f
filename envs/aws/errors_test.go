package aws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/envbench/envbench/envs/cloud"
)

// sdkError builds an error as the SDK returns it: an operation error
// around an HTTP response error around the API error.
func sdkError(service, op string, status int, code, msg string) error {
	var inner error = &smithy.GenericAPIError{Code: code, Message: msg}
	if code == "" {
		inner = errors.New("unexpected response")
	}
	return &smithy.OperationError{ServiceID: service, OperationName: op, Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: inner},
		RequestID:     "req-1",
	}}
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

var _ net.Error = timeoutError{}

// TestClassify: real AWS error codes and statuses become the kinds callers
// decide on; everything else stays a plain API error.
func TestClassify(t *testing.T) {
	kinds := []error{cloud.ErrNotFound, cloud.ErrDependencyViolation, cloud.ErrPreconditionFailed, cloud.ErrInvalidParameter, cloud.ErrAccessDenied, cloud.ErrRetryable}
	cases := []struct {
		service, op string
		ref         ref
		err         error
		kind        error
		text        string // the error's text contains it
	}{
		{"rds", "DescribeDBSnapshots", snapshotRef("orders-1"), sdkError("RDS", "DescribeDBSnapshots", 404, "DBSnapshotNotFound", "DBSnapshot orders-1 not found."), cloud.ErrNotFound, "DB snapshot orders-1 not found"},
		{"rds", "DeleteDBSnapshot", snapshotRef("orders-1"), sdkError("RDS", "DeleteDBSnapshot", 404, "DBSnapshotNotFoundFault", "not found"), cloud.ErrNotFound, "orders-1"},
		{"rds", "DescribeDBInstances", instanceRef("orders"), sdkError("RDS", "DescribeDBInstances", 404, "DBInstanceNotFound", "DBInstance orders not found."), cloud.ErrNotFound, "DB instance orders not found"},
		{"ec2", "DeleteVpc", ref{Type: "VPC", ID: "vpc-1"}, sdkError("EC2", "DeleteVpc", 400, "InvalidVpcID.NotFound", "The vpc ID 'vpc-1' does not exist"), cloud.ErrNotFound, "VPC vpc-1 not found"},
		{"ec2", "DeleteSecurityGroup", ref{Type: "security group", ID: "sg-1"}, sdkError("EC2", "DeleteSecurityGroup", 400, "InvalidGroup.NotFound", "The security group 'sg-1' does not exist"), cloud.ErrNotFound, "sg-1"},
		{"s3", "GetObject", objectRef("b", "k"), sdkError("S3", "GetObject", 404, "NoSuchKey", "The specified key does not exist."), cloud.ErrNotFound, "s3://b/k"},
		{"s3", "GetObject", objectRef("b", "k"), sdkError("S3", "GetObject", 404, "NoSuchBucket", "The specified bucket does not exist"), cloud.ErrNotFound, "s3 GetObject: S3 bucket b not found"},
		{"ec2", "CreateNetworkInterface", ref{Type: "subnet", ID: "subnet-1"}, sdkError("EC2", "CreateNetworkInterface", 400, "InvalidGroup.NotFound", "The security group 'sg-9' does not exist"), cloud.ErrNotFound, "ec2 CreateNetworkInterface: security group sg-9 not found"},
		{"rds", "RestoreDBInstanceFromDBSnapshot", snapshotRef("s-1"), sdkError("RDS", "RestoreDBInstanceFromDBSnapshot", 404, "DBSubnetGroupNotFoundFault", "DBSubnetGroup qa-db not found."), cloud.ErrNotFound, "rds RestoreDBInstanceFromDBSnapshot: DB subnet group qa-db not found"},
		{"s3", "DeleteBucket", bucketRef("b"), sdkError("S3", "DeleteBucket", 404, "NoSuchBucket", "The specified bucket does not exist"), cloud.ErrNotFound, "S3 bucket b not found"},
		{"s3", "HeadObject", objectRef("b", "k"), sdkError("S3", "HeadObject", 404, "", ""), cloud.ErrNotFound, "s3://b/k"},
		{"route53", "ListResourceRecordSets", zoneRef("Z1"), sdkError("Route 53", "ListResourceRecordSets", 404, "NoSuchHostedZone", "No hosted zone found with ID: Z1"), cloud.ErrNotFound, "hosted zone Z1 not found"},
		{"secretsmanager", "GetSecretValue", secretRef("qa/db"), sdkError("Secrets Manager", "GetSecretValue", 400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret."), cloud.ErrNotFound, "secret qa/db not found"},
		{"kms", "DescribeKey", keyRef("k-1"), sdkError("KMS", "DescribeKey", 400, "NotFoundException", "Key 'k-1' does not exist"), cloud.ErrNotFound, "KMS key k-1 not found"},
		{"ec2", "DeleteSecurityGroup", ref{Type: "security group", ID: "sg-123"}, sdkError("EC2", "DeleteSecurityGroup", 400, "DependencyViolation", "resource sg-123 has a dependent object"), cloud.ErrDependencyViolation, "sg-123 is still in use (resource sg-123 has a dependent object)"},
		{"ec2", "DeleteSecurityGroup", ref{Type: "security group", ID: "sg-1"}, sdkError("EC2", "DeleteSecurityGroup", 400, "DependencyViolation", "resource sg-1 has a dependent object: eni-0a1b"), cloud.ErrDependencyViolation, "sg-1 is still in use by eni-0a1b"},
		{"ec2", "DeleteVpc", ref{Type: "VPC", ID: "vpc-1"}, sdkError("EC2", "DeleteVpc", 400, "DependencyViolation", "The vpc 'vpc-1' has dependencies and cannot be deleted."), cloud.ErrDependencyViolation, "vpc-1 is still in use (The vpc"},
		{"s3", "PutObject", objectRef("b", "k"), sdkError("S3", "PutObject", 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold"), cloud.ErrPreconditionFailed, "s3 PutObject: PreconditionFailed"},
		{"s3", "PutObject", objectRef("b", "k"), sdkError("S3", "PutObject", 412, "", ""), cloud.ErrPreconditionFailed, "s3 PutObject"},
		{"rds", "ModifyDBSnapshotAttribute", snapshotRef("s"), sdkError("RDS", "ModifyDBSnapshotAttribute", 400, "InvalidParameterValue", "The snapshot is encrypted with the default KMS key"), cloud.ErrInvalidParameter, "default KMS key"},
		{"rds", "DeleteDBInstance", instanceRef("prod"), sdkError("RDS", "DeleteDBInstance", 400, "InvalidParameterCombination", "Cannot delete protected DB Instance"), cloud.ErrInvalidParameter, "protected"},
		{"rds", "CreateDBSnapshot", instanceRef("orders"), sdkError("RDS", "CreateDBSnapshot", 400, "InvalidDBInstanceState", "Instance orders is not currently in the available state"), cloud.ErrInvalidParameter, "InvalidDBInstanceState"},
		{"s3", "GetObject", objectRef("b", "k"), sdkError("S3", "GetObject", 403, "AccessDenied", "Access Denied"), cloud.ErrAccessDenied, "AccessDenied"},
		{"kms", "CreateGrant", keyRef("k"), sdkError("KMS", "CreateGrant", 400, "AccessDeniedException", "not authorized"), cloud.ErrAccessDenied, "AccessDeniedException"},
		{"ec2", "DescribeVpcs", ref{Type: "VPC", ID: ""}, sdkError("EC2", "DescribeVpcs", 403, "UnauthorizedOperation", "You are not authorized"), cloud.ErrAccessDenied, "UnauthorizedOperation"},
		{"rds", "DescribeDBInstances", instanceRef(""), sdkError("RDS", "DescribeDBInstances", 400, "Throttling", "Rate exceeded"), cloud.ErrRetryable, "throttled; retryable"},
		{"cloudtrail", "LookupEvents", ref{}, sdkError("CloudTrail", "LookupEvents", 400, "ThrottlingException", "Rate exceeded"), cloud.ErrRetryable, "throttled"},
		{"ec2", "DescribeSubnets", ref{}, sdkError("EC2", "DescribeSubnets", 503, "RequestLimitExceeded", "Request limit exceeded."), cloud.ErrRetryable, "throttled"},
		{"s3", "PutObject", objectRef("b", "k"), sdkError("S3", "PutObject", 503, "SlowDown", "Please reduce your request rate."), cloud.ErrRetryable, "throttled"},
		{"s3", "PutObject", objectRef("b", "k"), sdkError("S3", "PutObject", 409, "ConditionalRequestConflict", "conflict"), cloud.ErrRetryable, "retryable"},
		{"s3", "PutObject", objectRef("b", "k"), sdkError("S3", "PutObject", 429, "", ""), cloud.ErrRetryable, "throttled"},
		{"kms", "DescribeKey", keyRef("k"), sdkError("KMS", "DescribeKey", 500, "KMSInternalException", "internal"), cloud.ErrRetryable, "server error"},
		{"rds", "CreateDBInstance", instanceRef("x"), sdkError("RDS", "CreateDBInstance", 500, "InternalFailure", "oops"), cloud.ErrRetryable, "server error"},
		{"s3", "GetObject", objectRef("b", "k"), sdkError("S3", "GetObject", 503, "ServiceUnavailable", "Service Unavailable"), cloud.ErrRetryable, "server error"},
		{"s3", "GetObject", objectRef("b", "k"), sdkError("S3", "GetObject", 502, "", ""), cloud.ErrRetryable, "server error"},
		{"rds", "DescribeDBInstances", instanceRef(""), &smithy.OperationError{ServiceID: "RDS", OperationName: "DescribeDBInstances", Err: context.DeadlineExceeded}, cloud.ErrRetryable, "timeout"},
		{"rds", "DescribeDBInstances", instanceRef(""), &smithy.OperationError{ServiceID: "RDS", OperationName: "DescribeDBInstances", Err: &smithyhttp.RequestSendError{Err: timeoutError{}}}, cloud.ErrRetryable, "timeout"},
		{"rds", "DescribeDBInstances", instanceRef(""), &smithy.OperationError{ServiceID: "RDS", OperationName: "DescribeDBInstances", Err: &smithyhttp.RequestSendError{Err: errors.New("connection refused")}}, cloud.ErrRetryable, "connection failed"},
		{"rds", "DescribeDBInstances", instanceRef(""), &smithy.OperationError{ServiceID: "RDS", OperationName: "DescribeDBInstances", Err: context.Canceled}, nil, "context canceled"},
		{"s3", "PutObject", objectRef("b", "k"), sdkError("S3", "PutObject", 400, "EntityTooLarge", "too large"), nil, "s3 PutObject: EntityTooLarge: too large"},
	}
	for _, c := range cases {
		name := c.op + "/" + c.text
		if apiErr := (smithy.APIError)(nil); errors.As(c.err, &apiErr) {
			name = c.op + "/" + apiErr.ErrorCode()
		}
		t.Run(name, func(t *testing.T) {
			got := classify(c.service, c.op, c.ref, c.err)
			if got == nil {
				t.Fatal("nil error")
			}
			wrapped := fmt.Errorf("sweep qa: %w", got)
			for _, k := range kinds {
				if is, want := errors.Is(wrapped, k), k == c.kind; is != want {
					t.Errorf("errors.Is(%v) = %v, want %v (error: %v)", k, is, want, got)
				}
			}
			if !strings.Contains(got.Error(), c.text) {
				t.Errorf("error %q does not say %q", got, c.text)
			}
		})
	}
	if classify("s3", "PutObject", ref{}, nil) != nil {
		t.Error("classify(nil) must be nil")
	}
}

// TestClassifyDependencyViolation: the ids AWS names are in BlockedBy,
// the resource itself is not.
func TestClassifyDependencyViolation(t *testing.T) {
	err := classify("ec2", "DeleteSecurityGroup", ref{Type: "security group", ID: "sg-0abc"},
		sdkError("EC2", "DeleteSecurityGroup", 400, "DependencyViolation", "resource sg-0abc has a dependent object eni-1234 and eni-1234, sg-0def"))
	var dv *cloud.DependencyViolationError
	if !errors.As(err, &dv) {
		t.Fatalf("not a DependencyViolationError: %v", err)
	}
	if dv.Resource != "sg-0abc" || strings.Join(dv.BlockedBy, ",") != "eni-1234,sg-0def" {
		t.Errorf("resource %q blocked by %v, want sg-0abc blocked by [eni-1234 sg-0def]", dv.Resource, dv.BlockedBy)
	}
}

// TestClassifyRedactsSecrets: a value the request carried never reaches
// the error, even when AWS's message echoes it.
func TestClassifyRedactsSecrets(t *testing.T) {
	const password = "hunter2-Secret!"
	err := classify("rds", "CreateDBInstance", instanceRef("orders"),
		sdkError("RDS", "CreateDBInstance", 400, "InvalidParameterValue", "The parameter MasterUserPassword "+password+" is not a valid password"), password)
	if strings.Contains(err.Error(), password) {
		t.Fatalf("the password reached the error: %v", err)
	}
	if !errors.Is(err, cloud.ErrInvalidParameter) || !strings.Contains(err.Error(), "MasterUserPassword *** is not") {
		t.Errorf("error %v", err)
	}
}

// FuzzClassify: whatever code, message and status AWS answers with,
// classify returns an error, and never the secret the request carried.
func FuzzClassify(f *testing.F) {
	f.Add("DependencyViolation", "resource sg-1 has a dependent object eni-2", 400)
	f.Add("DBSubnetGroupNotFoundFault", "DBSubnetGroup qa not found.", 404)
	f.Add("", "", 503)
	f.Add("InvalidGroup.NotFound", "The security group 'sg-9' does not exist", 400)
	const secret = "s3cr3t-value"
	f.Fuzz(func(t *testing.T, code, msg string, status int) {
		err := classify("ec2", "DeleteSecurityGroup", objectRef("b", "k"), sdkError("EC2", "DeleteSecurityGroup", status, code, msg+secret), secret)
		if err == nil {
			t.Fatal("nil error")
		}
		if strings.Contains(err.Error(), secret) && !strings.Contains(code, secret) {
			t.Errorf("the secret reached %q", err)
		}
	})
}
