package aws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/envbench/envbench/envs/cloud"
)

// ref names what a call acted on, for the error that says it does not
// exist or is still in use.
type ref struct {
	Type string // VPC, DB snapshot...
	ID   string
	// In is what holds the resource (an object's bucket), for the error
	// that says the holder does not exist.
	In *ref
}

// notFoundTypes are the types of resource NotFound codes name. A code may
// name another resource than the one acted on: an interface created with
// a group that does not exist.
var notFoundTypes = map[string]string{
	"InvalidVpcID.NotFound": "VPC", "InvalidSubnetID.NotFound": "subnet",
	"InvalidGroup.NotFound": "security group", "InvalidNetworkInterfaceID.NotFound": "network interface",
	"DBInstanceNotFound": "DB instance", "DBInstanceNotFoundFault": "DB instance",
	"DBSnapshotNotFound": "DB snapshot", "DBSnapshotNotFoundFault": "DB snapshot",
	"DBSubnetGroupNotFoundFault": "DB subnet group", "NoSuchBucket": "S3 bucket", "NoSuchKey": "S3 object",
	"NoSuchHostedZone": "hosted zone", "NoSuchChange": "Route 53 change",
}

// Error codes by the kind callers decide on. Codes ending in .NotFound,
// NotFound or NotFoundFault are NotFound too.
var (
	notFoundCodes = set(
		"NoSuchKey", "NoSuchBucket", "NoSuchHostedZone", "NoSuchChange",
		"NoSuchEntity", "ResourceNotFoundException", "NotFoundException",
		"NotFound", "DBSnapshotNotFound", "DBInstanceNotFound",
		// ECS: a service already deleted stays INACTIVE for a while, and
		// deleting it again is ServiceNotActiveException.
		"ServiceNotFoundException", "ServiceNotActiveException", "ClusterNotFoundException",
	)
	preconditionCodes = set("PreconditionFailed")
	invalidCodes      = set(
		"InvalidParameterValue", "InvalidParameterCombination", "InvalidParameter",
		"InvalidParameterException", "InvalidRequestException", "ValidationError",
		"ValidationException", "InvalidDBInstanceState", "InvalidDBInstanceStateFault",
		"InvalidDBSnapshotState", "InvalidDBSnapshotStateFault", "KMSKeyNotAccessibleFault",
		"DBInstanceAlreadyExists", "DBSnapshotAlreadyExists", "BucketAlreadyExists",
		"BucketAlreadyOwnedByYou", "BucketNotEmpty", "HostedZoneNotEmpty",
		"ResourceExistsException", "InvalidGroup.Duplicate", "InvalidPermission.Duplicate",
		"InvalidChangeBatch", "InvalidInput", "InvalidArgument", "InvalidBucketName",
		"MalformedPolicyDocumentException", "KMSInvalidStateException",
		"DisabledException", "InvalidStateException", "LimitExceededException",
		"InvalidArnException", "InvalidLookupAttributesException",
		"InvalidTimeRangeException", "InvalidMaxResultsException", "InvalidNextTokenException",
	)
	accessDeniedCodes = set(
		"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
		"AuthFailure", "UnrecognizedClientException", "InvalidClientTokenId",
		"ExpiredToken", "ExpiredTokenException", "SignatureDoesNotMatch",
		"InvalidAccessKeyId", "AuthorizationError",
	)
	throttlingCodes = set(
		"Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded",
		"RequestThrottled", "RequestThrottledException", "TooManyRequestsException",
		"SlowDown", "PriorRequestNotComplete", "ProvisionedThroughputExceededException",
		"BandwidthLimitExceeded", "EC2ThrottledException",
	)
	serverCodes = set(
		"InternalError", "InternalFailure", "InternalServerError", "InternalServiceError",
		"InternalServiceErrorException", "ServiceUnavailable", "ServiceUnavailableException",
		"Unavailable", "RequestTimeout", "RequestTimeoutException",
	)
)

func set(codes ...string) map[string]bool {
	m := make(map[string]bool, len(codes))
	for _, c := range codes {
		m[c] = true
	}
	return m
}

// namedMissing finds the name in AWS's words for what does not exist:
// "DBSubnetGroup qa-db not found.", "The key 'k-1' does not exist".
var namedMissing = regexp.MustCompile(`'?([A-Za-z0-9][\w:/.@+=-]*)'? (?:not found|does not exist)`)

// ec2ID finds the ids of EC2 resources in an error message.
var ec2ID = regexp.MustCompile(`\b(?:sg|eni|subnet|vpc|igw|eigw|nat|rtb|acl|vpce|pcx|tgw-attach|i)-[0-9a-f]+\b`)

// classify turns what an SDK call returned into the error callers decide
// on: NotFound, DependencyViolation, PreconditionFailed, InvalidParameter,
// AccessDenied, or marked retryable (throttling, 5xx, timeouts). It is the
// one place envbench reads AWS error codes. secrets are values the request
// carried (passwords, secret strings): they are cut out of AWS's message
// in case it echoes them.
func classify(service, op string, r ref, err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	var apiErr smithy.APIError
	hasAPI := errors.As(err, &apiErr)
	status := 0
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) && respErr.ResponseError != nil && respErr.Response != nil {
		status = respErr.HTTPStatusCode()
	} else {
		var smithyResp *smithyhttp.ResponseError
		if errors.As(err, &smithyResp) && smithyResp.Response != nil {
			status = smithyResp.HTTPStatusCode()
		}
	}

	if !hasAPI {
		return classifyTransport(service, op, r, err, status)
	}
	code, msg := apiErr.ErrorCode(), redact(apiErr.ErrorMessage(), secrets)
	api := &cloud.APIError{Service: service, Operation: op, Code: code, Message: msg}
	switch {
	case isNotFound(code):
		return notFound(service, op, r, code, msg)
	case code == "DependencyViolation":
		return fmt.Errorf("%s %s: %w", service, op, &cloud.DependencyViolationError{
			Resource: r.ID, BlockedBy: idsIn(msg, r.ID), Message: msg,
		})
	case preconditionCodes[code] || status == 412:
		api.Kind = cloud.ErrPreconditionFailed
	case accessDeniedCodes[code]:
		api.Kind = cloud.ErrAccessDenied
	case code == "ConditionalRequestConflict":
		return cloud.Retryable("conflicting write in flight", api)
	case throttlingCodes[code] || status == 429:
		return cloud.Retryable("throttled", api)
	case serverCodes[code] || status >= 500:
		return cloud.Retryable("server error", api)
	case invalidCodes[code] || strings.HasPrefix(code, "Invalid"):
		api.Kind = cloud.ErrInvalidParameter
	}
	if api.Code == "" && status != 0 {
		api.Code = fmt.Sprintf("HTTP %d", status)
	}
	return api
}

// notFound says which resource does not exist: the one acted on, or the
// other one AWS's code names, by the id its message gives or the holder's.
func notFound(service, op string, r ref, code, msg string) error {
	nf := &cloud.NotFoundError{Type: r.Type, ID: r.ID}
	if typ, ok := notFoundTypes[code]; ok && typ != r.Type {
		nf.Type, nf.ID = typ, ""
		if ids := idsIn(msg, ""); len(ids) > 0 {
			nf.ID = ids[0]
		} else if r.In != nil && r.In.Type == typ {
			nf.ID = r.In.ID
		} else if m := namedMissing.FindStringSubmatch(msg); m != nil {
			nf.ID = m[1]
		} else {
			nf.ID = "(" + msg + ")"
		}
	}
	return fmt.Errorf("%s %s: %w", service, op, nf)
}

func isNotFound(code string) bool {
	return notFoundCodes[code] || strings.HasSuffix(code, ".NotFound") ||
		strings.HasSuffix(code, "NotFoundFault") || strings.HasSuffix(code, "NotFound")
}

// classifyTransport classifies an error that carries no API error code:
// timeouts, connections that failed, bare HTTP statuses.
func classifyTransport(service, op string, r ref, err error, status int) error {
	wrapped := fmt.Errorf("%s %s: %w", service, op, err)
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return wrapped
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return cloud.Retryable("timeout", wrapped)
	case status == 404:
		return fmt.Errorf("%s %s: %w", service, op, &cloud.NotFoundError{Type: r.Type, ID: r.ID})
	case status == 412:
		return &cloud.APIError{Service: service, Operation: op, Code: "HTTP 412", Message: "precondition failed", Kind: cloud.ErrPreconditionFailed}
	case status == 429:
		return cloud.Retryable("throttled", wrapped)
	case status >= 500:
		return cloud.Retryable("server error", wrapped)
	}
	var sendErr *smithyhttp.RequestSendError
	if errors.As(err, &sendErr) {
		return cloud.Retryable("connection failed", wrapped)
	}
	return wrapped
}

// idsIn returns the EC2 ids a message names, except self, in order and
// once each.
func idsIn(msg, self string) []string {
	var ids []string
	for _, id := range ec2ID.FindAllString(msg, -1) {
		if id != self && !contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func redact(msg string, secrets []string) string {
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "***")
		}
	}
	return msg
}
