package aws

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/envbench/envbench/envs/cloud"
)

// identity is cloud.Identity on STS.
type identity struct{ c *sts.Client }

var _ cloud.Identity = (*identity)(nil)

func (i *identity) CallerIdentity(ctx context.Context) (cloud.Caller, error) {
	out, err := i.c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return cloud.Caller{}, classify("sts", "GetCallerIdentity", ref{Type: "caller"}, err)
	}
	return cloud.Caller{
		Account: aws.ToString(out.Account),
		ARN:     aws.ToString(out.Arn),
		UserID:  aws.ToString(out.UserId),
	}, nil
}

// AssumeRole assumes t's role as the account's identity and returns who
// that makes the caller. The credentials it gets are dropped at once.
func (i *identity) AssumeRole(ctx context.Context, t cloud.Target) (cloud.Caller, error) {
	if t.RoleARN == "" {
		return cloud.Caller{}, fmt.Errorf("assume role: the target names no role")
	}
	if err := checkTarget(t); err != nil {
		return cloud.Caller{}, fmt.Errorf("assume role: %w", err)
	}
	in := &sts.AssumeRoleInput{RoleArn: aws.String(t.RoleARN), RoleSessionName: aws.String(t.SessionName)}
	if t.ExternalID != "" {
		in.ExternalId = aws.String(t.ExternalID)
	}
	out, err := i.c.AssumeRole(ctx, in)
	if err != nil {
		return cloud.Caller{}, classify("sts", "AssumeRole", ref{Type: "role", ID: t.RoleARN}, err)
	}
	if out.AssumedRoleUser == nil {
		return cloud.Caller{}, fmt.Errorf("sts AssumeRole %s: the response names no assumed role", t.RoleARN)
	}
	arn := aws.ToString(out.AssumedRoleUser.Arn)
	return cloud.Caller{Account: accountOf(arn), ARN: arn, UserID: aws.ToString(out.AssumedRoleUser.AssumedRoleId)}, nil
}

// accountOf returns the account field of an ARN.
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}
