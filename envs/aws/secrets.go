package aws

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/envbench/envbench/envs/cloud"
)

// secrets is cloud.Secrets on Secrets Manager. A value is only ever a
// request's parameter: errors carry the secret's name, and AWS's messages
// are cut of it.
type secrets struct{ c *sm.Client }

var _ cloud.Secrets = (*secrets)(nil)

func secretRef(name string) ref { return ref{Type: "secret", ID: name} }

// PutSecret stores a new value in the secret, creating it with tags when
// it does not exist; tags given for an existing secret are added to it.
func (s *secrets) PutSecret(ctx context.Context, name, value string, tags map[string]string) (cloud.Secret, error) {
	out, err := s.c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(value)})
	if err == nil {
		if len(tags) > 0 {
			if _, err := s.c.TagResource(ctx, &sm.TagResourceInput{SecretId: aws.String(name), Tags: smTags(tags)}); err != nil {
				return cloud.Secret{}, fmt.Errorf("tag secret %s: %w", name, classify("secretsmanager", "TagResource", secretRef(name), err))
			}
		}
		return cloud.Secret{ARN: aws.ToString(out.ARN), Name: aws.ToString(out.Name), Tags: copyTags(tags)}, nil
	}
	if err = classify("secretsmanager", "PutSecretValue", secretRef(name), err, value); !errors.Is(err, cloud.ErrNotFound) {
		return cloud.Secret{}, fmt.Errorf("store a new value in secret %s: %w", name, err)
	}
	created, err := s.c.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value), Tags: smTags(tags)})
	if err != nil {
		return cloud.Secret{}, fmt.Errorf("create secret %s: %w", name, classify("secretsmanager", "CreateSecret", secretRef(name), err, value))
	}
	return cloud.Secret{ARN: aws.ToString(created.ARN), Name: aws.ToString(created.Name), Tags: copyTags(tags)}, nil
}

func smTags(tags map[string]string) []smtypes.Tag {
	var out []smtypes.Tag
	for _, k := range sortedKeys(tags) {
		out = append(out, smtypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}

func (s *secrets) SecretValue(ctx context.Context, name string) (string, error) {
	out, err := s.c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(name)})
	if err != nil {
		return "", fmt.Errorf("read secret %s: %w", name, classify("secretsmanager", "GetSecretValue", secretRef(name), err))
	}
	if out.SecretString == nil {
		return "", fmt.Errorf("read secret %s: it holds binary data, not a string", name)
	}
	return *out.SecretString, nil
}

// DeleteSecret deletes without a recovery window. A forced deletion of a
// secret that does not exist may succeed (moto's does), so the secret is
// described first: a missing one is NotFound, as everywhere else.
func (s *secrets) DeleteSecret(ctx context.Context, name string) error {
	if _, err := s.c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(name)}); err != nil {
		return fmt.Errorf("delete secret %s: %w", name, classify("secretsmanager", "DescribeSecret", secretRef(name), err))
	}
	_, err := s.c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String(name), ForceDeleteWithoutRecovery: aws.Bool(true)})
	if err != nil {
		return fmt.Errorf("delete secret %s: %w", name, classify("secretsmanager", "DeleteSecret", secretRef(name), err))
	}
	return nil
}
