// Package aws implements envs/cloud with aws-sdk-go-v2, against AWS or any
// endpoint compatible with it (moto, LocalStack).
//
// Credentials come from the SDK's standard chain: environment variables,
// shared config and credentials files with their profiles, SSO, and the
// instance or task role; AWS_ENDPOINT_URL (and the per-service
// AWS_ENDPOINT_URL_<SERVICE>) is honoured. Every client uses the adaptive
// retry mode. A Target with a RoleARN is opened by assuming the role
// through STS, with the target's external id and its session name
// (envbench-<run-id>, so that CloudTrail ties each call to its run), and
// the role's credentials are cached and refreshed before they expire.
//
// Errors are classified in one place (classify, in errors.go) into the
// kinds of envs/cloud. Nothing in this package waits or sleeps: waiting
// for a state is the caller's.
package aws

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	tgschemas "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/schemas"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"

	"github.com/envbench/envbench/envs/cloud"
)

// Connector opens AWS accounts with the standard credential chain. The
// zero value is ready to use and reads everything from the environment
// and the shared config files.
type Connector struct {
	// Profile is the shared config profile to use; empty: AWS_PROFILE, or
	// the default profile.
	Profile string
	// Endpoint, when set, is the endpoint of every service (an
	// AWS-compatible server such as moto). Empty: AWS_ENDPOINT_URL, or
	// AWS's own endpoints. With either, S3 is addressed path-style.
	Endpoint string
	// Credentials, when set, replaces the credential chain as the identity
	// roles are assumed from.
	Credentials aws.CredentialsProvider
	// MaxAttempts bounds the SDK's attempts per call; zero: its default.
	MaxAttempts int
	// HTTPClient, when set, sends the requests.
	HTTPClient aws.HTTPClient
}

var _ cloud.Connector = (*Connector)(nil)

var (
	roleARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$`)
	// Compiled on first use (sync.OnceValue): bounded repetitions make these
	// cost up to milliseconds to compile, which every start of envbench, the
	// simulated provider's included, would otherwise pay in package init.
	sessionNamePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^envbench-[\w+=,.@-]{1,55}$`) })
	externalIDPattern  = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
)

// Connect opens the account t names: with t.RoleARN, as that role, else as
// the chain's own identity. Its only network call is STS's
// GetCallerIdentity (after AssumeRole when there is a role), which gives
// the account's id and checks that the credentials work.
func (c *Connector) Connect(ctx context.Context, t cloud.Target) (*cloud.Account, error) {
	if err := checkTarget(t); err != nil {
		return nil, err
	}
	cfg, err := c.config(ctx, t)
	if err != nil {
		return nil, err
	}
	acct := newAccount(cfg)
	caller, err := acct.Identity.CallerIdentity(ctx)
	if err != nil {
		if t.RoleARN != "" {
			return nil, fmt.Errorf("connect to %s as %s (session %s): %w", cfg.Region, t.RoleARN, t.SessionName, err)
		}
		return nil, fmt.Errorf("connect to %s: %w", cfg.Region, err)
	}
	acct.ID, acct.Caller = caller.Account, caller
	fill(acct, cfg, caller.Account)
	return acct, nil
}

// checkTarget says what is wrong with a target before any call is made.
func checkTarget(t cloud.Target) error {
	if t.RoleARN == "" {
		if t.ExternalID != "" {
			return fmt.Errorf("target: external id given without a role to assume")
		}
		return nil
	}
	if !roleARNPattern.MatchString(t.RoleARN) {
		return fmt.Errorf("target: role %q is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)", t.RoleARN)
	}
	if t.SessionName == "" {
		return fmt.Errorf("target: role %s needs a session name (envbench-<run-id>)", t.RoleARN)
	}
	if !sessionNamePattern().MatchString(t.SessionName) {
		return fmt.Errorf("target: session name %q must be envbench-<run-id>, at most 64 characters of letters, digits and +=,.@_-", t.SessionName)
	}
	if t.ExternalID != "" && (len(t.ExternalID) < 2 || len(t.ExternalID) > 1224 || !externalIDPattern.MatchString(t.ExternalID)) {
		return fmt.Errorf("target: the external id for role %s must be 2 to 1224 characters of letters, digits and +=,.@:/-", t.RoleARN)
	}
	return nil
}

// config loads the SDK configuration for t: the chain, the adaptive retry
// mode, the endpoint, and the role's cached credentials.
func (c *Connector) config(ctx context.Context, t cloud.Target) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRetryMode(aws.RetryModeAdaptive),
		// The SDK would log to stderr, under the TUI; its errors say enough.
		config.WithLogger(logging.Nop{}),
		// Checksums are validated where an operation requires them: objects
		// envbench writes are small and read back whole.
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
	}
	if t.Region != "" {
		opts = append(opts, config.WithRegion(t.Region))
	}
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	if c.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(c.Credentials))
	}
	if c.Endpoint != "" {
		opts = append(opts, config.WithBaseEndpoint(c.Endpoint))
	}
	if c.MaxAttempts > 0 {
		opts = append(opts, config.WithRetryMaxAttempts(c.MaxAttempts))
	}
	if c.HTTPClient != nil {
		opts = append(opts, config.WithHTTPClient(c.HTTPClient))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration (profile %q): %w", c.Profile, err)
	}
	if cfg.Region == "" {
		return aws.Config{}, fmt.Errorf("no AWS region: set the environment's region, or AWS_REGION, or region in the profile")
	}
	if t.RoleARN != "" {
		provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), t.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = t.SessionName
			if t.ExternalID != "" {
				o.ExternalID = aws.String(t.ExternalID)
			}
		})
		cfg.Credentials = aws.NewCredentialsCache(provider)
	}
	return cfg, nil
}

// newAccount builds the account's identity, enough to ask STS who it is.
func newAccount(cfg aws.Config) *cloud.Account {
	return &cloud.Account{Identity: &identity{c: sts.NewFromConfig(cfg)}}
}

// fill adds every other capability, once the account's id is known.
func fill(a *cloud.Account, cfg aws.Config, accountID string) {
	loc := location{region: cfg.Region, account: accountID, partition: partition(cfg.Region)}
	pathStyle := cfg.BaseEndpoint != nil
	// AWS serves the Tagging API in AWS JSON 1.1 and in RPC v2 CBOR, which
	// the SDK prefers; AWS-compatible servers (moto) speak only JSON.
	a.Tagging = &tagging{c: resourcegroupstaggingapi.NewFromConfig(cfg, func(o *resourcegroupstaggingapi.Options) {
		o.Protocol = awsjson.New11(tgschemas.ResourceGroupsTaggingAPI_20170126)
	})}
	a.Network = &network{c: ec2.NewFromConfig(cfg), loc: loc}
	db := &databases{c: rds.NewFromConfig(cfg), loc: loc}
	a.Databases, a.SubnetGroups = db, db
	a.Keys = &keys{c: kms.NewFromConfig(cfg)}
	a.Secrets = &secrets{c: secretsmanager.NewFromConfig(cfg)}
	a.DNS = &dns{c: route53.NewFromConfig(cfg), loc: loc}
	a.Objects = &objects{c: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = pathStyle }), loc: loc}
	a.Trail = &trail{c: cloudtrail.NewFromConfig(cfg)}
	a.Containers = &containers{c: ecs.NewFromConfig(cfg)}
}

// location is where an account's resources live, to build their ARNs.
type location struct {
	region, account, partition string
}

func (l location) arn(service, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", l.partition, service, l.region, l.account, resource)
}

func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}
