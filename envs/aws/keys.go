package aws

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/envbench/envbench/envs/cloud"
)

// keys is cloud.Keys on KMS.
type keys struct{ c *kms.Client }

var _ cloud.Keys = (*keys)(nil)

func keyRef(id string) ref { return ref{Type: "KMS key", ID: id} }

func key(m *kmstypes.KeyMetadata, tags map[string]string) cloud.Key {
	return cloud.Key{
		ID: aws.ToString(m.KeyId), ARN: aws.ToString(m.Arn), Description: aws.ToString(m.Description),
		Managed: m.KeyManager == kmstypes.KeyManagerTypeAws, State: string(m.KeyState), Tags: tags,
	}
}

func (k *keys) CreateKey(ctx context.Context, description string, tags map[string]string) (cloud.Key, error) {
	in := &kms.CreateKeyInput{Description: aws.String(description)}
	for _, name := range sortedKeys(tags) {
		in.Tags = append(in.Tags, kmstypes.Tag{TagKey: aws.String(name), TagValue: aws.String(tags[name])})
	}
	out, err := k.c.CreateKey(ctx, in)
	if err != nil {
		return cloud.Key{}, fmt.Errorf("create KMS key %q: %w", description, classify("kms", "CreateKey", keyRef(description), err))
	}
	return key(out.KeyMetadata, copyTags(tags)), nil
}

// Key describes a key; a customer managed key's tags are read too.
func (k *keys) Key(ctx context.Context, id string) (cloud.Key, error) {
	out, err := k.c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	if err != nil {
		return cloud.Key{}, fmt.Errorf("describe KMS key %s: %w", id, classify("kms", "DescribeKey", keyRef(id), err))
	}
	tags := map[string]string{}
	if out.KeyMetadata.KeyManager != kmstypes.KeyManagerTypeAws {
		p := kms.NewListResourceTagsPaginator(k.c, &kms.ListResourceTagsInput{KeyId: out.KeyMetadata.KeyId})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return cloud.Key{}, fmt.Errorf("read the tags of KMS key %s: %w", id, classify("kms", "ListResourceTags", keyRef(id), err))
			}
			for _, t := range page.Tags {
				tags[aws.ToString(t.TagKey)] = aws.ToString(t.TagValue)
			}
		}
	}
	return key(out.KeyMetadata, tags), nil
}

func (k *keys) CreateGrant(ctx context.Context, keyID, grantee, name string, operations []string) (cloud.Grant, error) {
	in := &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String(grantee)}
	if name != "" {
		in.Name = aws.String(name)
	}
	for _, op := range operations {
		in.Operations = append(in.Operations, kmstypes.GrantOperation(op))
	}
	out, err := k.c.CreateGrant(ctx, in)
	if err != nil {
		return cloud.Grant{}, fmt.Errorf("grant %s use of KMS key %s: %w", grantee, keyID, classify("kms", "CreateGrant", keyRef(keyID), err))
	}
	return cloud.Grant{ID: aws.ToString(out.GrantId), KeyID: keyID, Grantee: grantee, Operations: append([]string(nil), operations...), Name: name}, nil
}

func (k *keys) Grants(ctx context.Context, keyID string) ([]cloud.Grant, error) {
	var out []cloud.Grant
	p := kms.NewListGrantsPaginator(k.c, &kms.ListGrantsInput{KeyId: aws.String(keyID)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the grants of KMS key %s: %w", keyID, classify("kms", "ListGrants", keyRef(keyID), err))
		}
		for _, g := range page.Grants {
			grant := cloud.Grant{ID: aws.ToString(g.GrantId), KeyID: aws.ToString(g.KeyId), Grantee: aws.ToString(g.GranteePrincipal), Name: aws.ToString(g.Name)}
			for _, op := range g.Operations {
				grant.Operations = append(grant.Operations, string(op))
			}
			out = append(out, grant)
		}
	}
	return out, nil
}

func (k *keys) RevokeGrant(ctx context.Context, keyID, grantID string) error {
	_, err := k.c.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: aws.String(keyID), GrantId: aws.String(grantID)})
	if err != nil {
		return fmt.Errorf("revoke grant %s of KMS key %s: %w", grantID, keyID, classify("kms", "RevokeGrant", ref{Type: "KMS grant", ID: grantID}, err))
	}
	return nil
}

func (k *keys) ScheduleKeyDeletion(ctx context.Context, keyID string, days int) error {
	if days < 7 || days > 30 {
		return fmt.Errorf("schedule deletion of KMS key %s: %d days is outside KMS's 7 to 30", keyID, days)
	}
	_, err := k.c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyID), PendingWindowInDays: aws.Int32(int32(days))})
	if err != nil {
		return fmt.Errorf("schedule deletion of KMS key %s: %w", keyID, classify("kms", "ScheduleKeyDeletion", keyRef(keyID), err))
	}
	return nil
}
