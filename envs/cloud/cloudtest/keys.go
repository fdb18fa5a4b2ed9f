package cloudtest

import (
	"context"
	"testing"

	"github.com/envbench/envbench/envs/cloud"
)

func (s *suite) keys(t *testing.T) {
	ctx := context.Background()
	k := s.primary.Keys
	key, err := k.CreateKey(ctx, "conformance keys", s.tags)
	must(t, err, "create a key")
	if key.ID == "" || key.ARN == "" || key.Managed {
		t.Errorf("created %+v: want a customer managed key with an id and an ARN", key)
	}
	for _, by := range []string{key.ID, key.ARN} {
		got, err := k.Key(ctx, by)
		must(t, err, "describe the key by "+by)
		if got.ID != key.ID || got.ARN != key.ARN || got.Description != "conformance keys" || got.Managed || got.State != "Enabled" {
			t.Errorf("described %+v, want %+v enabled", got, key)
		}
		hasTags(t, got.Tags, s.tags, "key")
	}
	t.Run("ManagedAlias", func(t *testing.T) {
		rdsKey, err := k.Key(ctx, "alias/aws/rds")
		must(t, err, "describe alias/aws/rds")
		if rdsKey.ARN == "" {
			t.Errorf("alias/aws/rds is %+v, want a key with an ARN", rdsKey)
		}
		s.gap(t, ManagedKeyAlias, "alias/aws/rds is described as a customer managed key")
		if !rdsKey.Managed {
			t.Errorf("alias/aws/rds is %+v, want an AWS managed key", rdsKey)
		}
	})

	grantee := "arn:aws:iam::" + s.peerID() + ":root"
	ops := []string{"Decrypt", "DescribeKey", "CreateGrant"}
	grant, err := k.CreateGrant(ctx, key.ID, grantee, s.name("grant"), ops)
	must(t, err, "create a grant")
	grants, err := k.Grants(ctx, key.ID)
	must(t, err, "list grants")
	var got *cloud.Grant
	for i := range grants {
		if grants[i].ID == grant.ID {
			got = &grants[i]
		}
	}
	if got == nil {
		t.Fatalf("grant %s not listed in %+v", grant.ID, grants)
	}
	if got.Grantee != grantee || got.Name != s.name("grant") || !containsAll(got.Operations, ops...) || len(got.Operations) != len(ops) {
		t.Errorf("listed grant %+v, want %s allowed %v", *got, grantee, ops)
	}
	must(t, k.RevokeGrant(ctx, key.ID, grant.ID), "revoke the grant")
	wantKind(t, k.RevokeGrant(ctx, key.ID, "0000000000000000000000000000000000000000000000000000000000000000"), cloud.ErrNotFound, "revoke a missing grant")
	grants, err = k.Grants(ctx, key.ID)
	must(t, err, "list grants after revoking")
	for _, g := range grants {
		if g.ID == grant.ID {
			t.Errorf("revoked grant %s still listed", grant.ID)
		}
	}

	if err := k.ScheduleKeyDeletion(ctx, key.ID, 3); err == nil {
		t.Error("a deletion 3 days out was accepted: KMS allows 7 to 30")
	}
	must(t, k.ScheduleKeyDeletion(ctx, key.ID, 7), "schedule the key's deletion")
	if got, err := k.Key(ctx, key.ID); err != nil || got.State != "PendingDeletion" {
		t.Errorf("key after scheduling its deletion: %+v, %v; want PendingDeletion", got, err)
	}

	missing := "0b8e6d5c-4a3b-4c2d-9e1f-" + "123456789abc"
	_, err = k.Key(ctx, missing)
	wantKind(t, err, cloud.ErrNotFound, "describe a missing key")
	wantKind(t, k.ScheduleKeyDeletion(ctx, missing, 7), cloud.ErrNotFound, "schedule the deletion of a missing key")
	t.Run("GrantsOfMissingKey", func(t *testing.T) {
		s.gap(t, GrantsOfMissingKey, "grants of a missing key are not NotFound")
		_, err := k.CreateGrant(ctx, missing, grantee, s.name("grant-missing"), ops)
		wantKind(t, err, cloud.ErrNotFound, "grant a missing key")
		_, err = k.Grants(ctx, missing)
		wantKind(t, err, cloud.ErrNotFound, "list the grants of a missing key")
	})
}

func (s *suite) secrets(t *testing.T) {
	ctx := context.Background()
	sm := s.primary.Secrets
	name := s.name("db/master")
	v1, v2 := "first-"+s.prefix+"-value", "second-"+s.prefix+"-value"
	var errs []error
	check := func(err error) error { errs = append(errs, err); return err }
	t.Cleanup(func() {
		for _, err := range errs {
			noSecret(t, err, v1, v2)
		}
	})

	sec, err := sm.PutSecret(ctx, name, v1, s.tags)
	must(t, check(err), "create a secret")
	if sec.Name != name || sec.ARN == "" {
		t.Errorf("created %+v, want %s with an ARN", sec, name)
	}
	got, err := sm.SecretValue(ctx, name)
	must(t, check(err), "read the secret")
	if got != v1 {
		t.Error("the secret does not hold the value put")
	}
	again, err := sm.PutSecret(ctx, name, v2, nil)
	must(t, check(err), "put a new value")
	if again.ARN != sec.ARN {
		t.Errorf("a new value made another secret: %s, was %s", again.ARN, sec.ARN)
	}
	got, err = sm.SecretValue(ctx, name)
	must(t, check(err), "read the new value")
	if got != v2 {
		t.Error("the secret does not hold the new value")
	}
	must(t, check(sm.DeleteSecret(ctx, name)), "delete the secret")
	_, err = sm.SecretValue(ctx, name)
	wantKind(t, check(err), cloud.ErrNotFound, "read a deleted secret")
	t.Run("DeleteMissing", func(t *testing.T) {
		s.gap(t, MissingSecretDelete, "deleting a missing secret succeeds")
		wantKind(t, check(sm.DeleteSecret(ctx, name)), cloud.ErrNotFound, "delete a deleted secret")
	})
	_, err = sm.PutSecret(ctx, "bad name with spaces?!", v1, nil)
	if check(err) == nil {
		_ = sm.DeleteSecret(ctx, "bad name with spaces?!")
	}
}
