package fake

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/envbench/envbench/envs/cloud"
)

type keyAttrs struct {
	Description string    `json:"description"`
	Managed     bool      `json:"managed"`
	State       string    `json:"state"`
	Aliases     []string  `json:"aliases,omitempty"`
	Rotation    bool      `json:"rotation"`
	DeletionAt  time.Time `json:"deletionAt"`
}

type grantAttrs struct {
	Grantee    string   `json:"grantee"`
	Operations []string `json:"operations"`
	Name       string   `json:"name"`
}

// rdsDefaultAlias is the alias of the account's AWS managed key for RDS.
const rdsDefaultAlias = "alias/aws/rds"

func keyOf(r *row) (cloud.Key, error) {
	var ka keyAttrs
	err := r.decode(&ka)
	return cloud.Key{ID: r.ID, ARN: r.ARN, Description: ka.Description, Managed: ka.Managed, State: ka.State, Tags: r.Tags}, err
}

func (a *Account) newKey(tx *sql.Tx, ka keyAttrs, tags map[string]string) (*row, error) {
	id, err := uuid(tx)
	if err != nil {
		return nil, err
	}
	r := &row{Account: a.id, Region: a.region, Type: typeKey, ID: id, ARN: fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", a.region, a.id, id), Created: a.sim.now(), Tags: cloneTags(tags)}
	ka.State = "Enabled"
	return r, putRow(tx, r, ka)
}

// resolveKey finds a key by id, ARN (of any account) or alias of this
// account. The account's alias/aws/rds key is created on first use, as on
// AWS.
func (a *Account) resolveKey(tx *sql.Tx, ref string) (*row, error) {
	switch {
	case strings.HasPrefix(ref, "arn:aws:kms:"):
		if i := strings.Index(ref, ":alias/"); i >= 0 {
			return a.resolveKey(tx, ref[i+1:])
		}
		r, err := rowByARN(tx, ref)
		if err == nil && (r == nil || r.Type != typeKey) {
			return nil, notFound("NotFoundException", "KMS key", ref)
		}
		return r, err
	case strings.HasPrefix(ref, "alias/"):
		rows, err := listRows(tx, a.id, a.region, typeKey, "")
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			var ka keyAttrs
			if err := r.decode(&ka); err != nil {
				return nil, err
			}
			if slices.Contains(ka.Aliases, ref) {
				return r, nil
			}
		}
		if ref == rdsDefaultAlias {
			return a.newKey(tx, keyAttrs{Description: "Default key that protects my RDS database volumes when no other key is defined", Managed: true, Aliases: []string{rdsDefaultAlias}}, nil)
		}
		return nil, notFound("NotFoundException", "KMS alias", ref)
	}
	r, err := getRow(tx, a.id, a.region, typeKey, ref)
	if err == nil && r == nil {
		err = notFound("NotFoundException", "KMS key", ref)
	}
	return r, err
}

// usable reports why account may not use the key (empty when it may):
// its own enabled key, or another account's customer managed key with a
// grant to the account or one of its principals.
func usable(tx *sql.Tx, key *row, account string) (string, error) {
	var ka keyAttrs
	if err := key.decode(&ka); err != nil {
		return "", err
	}
	if ka.State != "Enabled" {
		return fmt.Sprintf("the key %s is %s", key.ARN, ka.State), nil
	}
	if key.Account == account {
		return "", nil
	}
	if ka.Managed {
		return fmt.Sprintf("the key %s is an AWS managed key of account %s, which other accounts cannot use", key.ARN, key.Account), nil
	}
	grants, err := listRows(tx, key.Account, key.Region, typeGrant, key.ID)
	if err != nil {
		return "", err
	}
	for _, g := range grants {
		var ga grantAttrs
		if err := g.decode(&ga); err != nil {
			return "", err
		}
		if ga.Grantee == fmt.Sprintf(rootARNTemplate, account) || strings.HasPrefix(ga.Grantee, "arn:aws:iam::"+account+":") {
			return "", nil
		}
	}
	return fmt.Sprintf("account %s has no grant on the key %s", account, key.ARN), nil
}

func isManaged(key *row) bool {
	var ka keyAttrs
	return key.decode(&ka) == nil && ka.Managed
}

// CreateKey implements cloud.Keys: a customer managed symmetric key.
func (a *Account) CreateKey(ctx context.Context, description string, tags map[string]string) (cloud.Key, error) {
	var k cloud.Key
	o := op{service: "kms", name: "CreateKey", params: map[string]any{"description": description, "keyUsage": "ENCRYPT_DECRYPT", "keySpec": "SYMMETRIC_DEFAULT", "tags": kmsTags(tags)}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := a.newKey(tx, keyAttrs{Description: description}, tags)
		if err != nil {
			return result{}, err
		}
		k, err = keyOf(r)
		return result{
			response:  map[string]any{"keyMetadata": map[string]any{"aWSAccountId": a.id, "keyId": r.ID, "arn": r.ARN, "creationDate": fmtTime(r.Created), "enabled": true, "description": description, "keyUsage": "ENCRYPT_DECRYPT", "keyState": "Enabled", "origin": "AWS_KMS", "keyManager": "CUSTOMER"}},
			resources: []eventResource{{Type: typeKey, Name: r.ARN, ARN: r.ARN}},
		}, err
	})
	return k, err
}

func kmsTags(tags map[string]string) []any {
	out := []any{}
	for _, k := range sortedKeys(tags) {
		out = append(out, map[string]any{"tagKey": k, "tagValue": tags[k]})
	}
	return out
}

// Key implements cloud.Keys. Another account's key is described when
// this account may use it.
func (a *Account) Key(ctx context.Context, id string) (cloud.Key, error) {
	var k cloud.Key
	o := op{service: "kms", name: "DescribeKey", readOnly: true, params: map[string]any{"keyId": id}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := a.resolveKey(tx, id)
		if err != nil {
			return result{}, err
		}
		if r.Account != a.id {
			why, err := usable(tx, r, a.id)
			if err != nil {
				return result{}, err
			}
			if why != "" {
				return result{}, apiError("AccessDeniedException", cloud.ErrAccessDenied, "User: %s is not authorized to perform: kms:DescribeKey on resource: %s (%s)", a.ident.ARN, r.ARN, why)
			}
		}
		k, err = keyOf(r)
		return result{resources: []eventResource{{Type: typeKey, Name: r.ARN, ARN: r.ARN}}}, err
	})
	return k, err
}

// ownKey resolves a key of this account for a change to it.
func (a *Account) ownKey(tx *sql.Tx, id string) (*row, keyAttrs, error) {
	var ka keyAttrs
	r, err := a.resolveKey(tx, id)
	if err != nil {
		return nil, ka, err
	}
	if r.Account != a.id {
		return nil, ka, apiError("AccessDeniedException", cloud.ErrAccessDenied, "User: %s is not authorized to change the key %s of account %s", a.ident.ARN, r.ARN, r.Account)
	}
	return r, ka, r.decode(&ka)
}

// CreateGrant implements cloud.Keys. The grantee is a principal ARN or
// an account's root ARN (arn:aws:iam::222222222222:root).
func (a *Account) CreateGrant(ctx context.Context, keyID, grantee, name string, operations []string) (cloud.Grant, error) {
	var g cloud.Grant
	o := op{service: "kms", name: "CreateGrant", params: map[string]any{"keyId": keyID, "granteePrincipal": grantee, "name": name, "operations": anyStrings(operations)}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		if !strings.HasPrefix(grantee, "arn:aws:iam::") && !strings.HasPrefix(grantee, "arn:aws:sts::") {
			return result{}, invalid("ValidationException", "granteePrincipal %q is not a principal ARN", grantee)
		}
		if len(operations) == 0 {
			return result{}, invalid("ValidationException", "a grant needs at least one operation")
		}
		r, ka, err := a.ownKey(tx, keyID)
		if err != nil {
			return result{}, err
		}
		if ka.Managed {
			return result{}, invalid("ValidationException", "grants on the AWS managed key %s cannot be given to other accounts", r.ARN)
		}
		gid, err := token(tx, 64)
		if err != nil {
			return result{}, err
		}
		gr := &row{Account: a.id, Region: a.region, Type: typeGrant, ID: gid, Parent: r.ID, Created: a.sim.now()}
		if err := putRow(tx, gr, grantAttrs{Grantee: grantee, Operations: slices.Clone(operations), Name: name}); err != nil {
			return result{}, err
		}
		g = cloud.Grant{ID: gid, KeyID: r.ID, Grantee: grantee, Operations: slices.Clone(operations), Name: name}
		return result{response: map[string]any{"grantId": gid}, resources: []eventResource{{Type: typeKey, Name: r.ARN, ARN: r.ARN}}}, nil
	})
	return g, err
}

func anyStrings(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// Grants implements cloud.Keys.
func (a *Account) Grants(ctx context.Context, keyID string) ([]cloud.Grant, error) {
	var out []cloud.Grant
	o := op{service: "kms", name: "ListGrants", readOnly: true, params: map[string]any{"keyId": keyID}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, _, err := a.ownKey(tx, keyID)
		if err != nil {
			return result{}, err
		}
		rows, err := listRows(tx, a.id, a.region, typeGrant, r.ID)
		if err != nil {
			return result{}, err
		}
		for _, g := range rows {
			var ga grantAttrs
			if err := g.decode(&ga); err != nil {
				return result{}, err
			}
			out = append(out, cloud.Grant{ID: g.ID, KeyID: r.ID, Grantee: ga.Grantee, Operations: ga.Operations, Name: ga.Name})
		}
		return result{resources: []eventResource{{Type: typeKey, Name: r.ARN, ARN: r.ARN}}}, nil
	})
	return out, err
}

// RevokeGrant implements cloud.Keys.
func (a *Account) RevokeGrant(ctx context.Context, keyID, grantID string) error {
	o := op{service: "kms", name: "RevokeGrant", params: map[string]any{"keyId": keyID, "grantId": grantID}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, _, err := a.ownKey(tx, keyID)
		if err != nil {
			return result{}, err
		}
		g, err := getRow(tx, a.id, a.region, typeGrant, grantID)
		if err != nil {
			return result{}, err
		}
		if g == nil || g.Parent != r.ID {
			return result{}, notFound("NotFoundException", "KMS grant", grantID)
		}
		return result{resources: []eventResource{{Type: typeKey, Name: r.ARN, ARN: r.ARN}}}, deleteRow(tx, g)
	})
}

// ScheduleKeyDeletion implements cloud.Keys.
func (a *Account) ScheduleKeyDeletion(ctx context.Context, keyID string, days int) error {
	o := op{service: "kms", name: "ScheduleKeyDeletion", params: map[string]any{"keyId": keyID, "pendingWindowInDays": days}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		if days < 7 || days > 30 {
			return result{}, invalid("ValidationException", "1 validation error detected: Value '%d' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30", days)
		}
		r, ka, err := a.ownKey(tx, keyID)
		if err != nil {
			return result{}, err
		}
		if ka.Managed {
			return result{}, invalid("UnsupportedOperationException", "%s is an AWS managed key and cannot be scheduled for deletion", r.ARN)
		}
		if ka.State == "PendingDeletion" {
			return result{}, invalid("KMSInvalidStateException", "%s is pending deletion.", r.ARN)
		}
		ka.State = "PendingDeletion"
		ka.DeletionAt = a.sim.now().AddDate(0, 0, days)
		r.Changed = a.sim.now()
		return result{
			response:  map[string]any{"keyId": r.ARN, "deletionDate": fmtTime(ka.DeletionAt), "keyState": "PendingDeletion", "pendingWindowInDays": days},
			resources: []eventResource{{Type: typeKey, Name: r.ARN, ARN: r.ARN}},
		}, putRow(tx, r, ka)
	})
}

// KeySettings are the attributes of a key beyond cloud.Key that
// Terraform's aws_kms_key manages.
type KeySettings struct {
	Description string
	Rotation    bool
}

// KeySettings reads a key's description and rotation (DescribeKey and
// GetKeyRotationStatus).
func (a *Account) KeySettings(ctx context.Context, keyID string) (KeySettings, error) {
	var ks KeySettings
	o := op{service: "kms", name: "GetKeyRotationStatus", readOnly: true, params: map[string]any{"keyId": keyID}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, ka, err := a.ownKey(tx, keyID)
		if err != nil {
			return result{}, err
		}
		ks = KeySettings{Description: ka.Description, Rotation: ka.Rotation}
		return result{response: map[string]any{"keyRotationEnabled": ka.Rotation}, resources: []eventResource{{Type: typeKey, Name: r.ARN, ARN: r.ARN}}}, nil
	})
	return ks, err
}

// UpdateKeyDescription changes a customer managed key's description.
func (a *Account) UpdateKeyDescription(ctx context.Context, keyID, description string) error {
	o := op{service: "kms", name: "UpdateKeyDescription", params: map[string]any{"keyId": keyID, "description": description}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, ka, err := a.ownKey(tx, keyID)
		if err != nil {
			return result{}, err
		}
		if ka.Managed {
			return result{}, invalid("UnsupportedOperationException", "%s is an AWS managed key", r.ARN)
		}
		ka.Description = description
		r.Changed = a.sim.now()
		return result{resources: []eventResource{{Type: typeKey, Name: r.ARN, ARN: r.ARN}}}, putRow(tx, r, ka)
	})
}

// SetKeyRotation enables or disables the yearly rotation of a customer
// managed key (EnableKeyRotation, DisableKeyRotation).
func (a *Account) SetKeyRotation(ctx context.Context, keyID string, enabled bool) error {
	name := "DisableKeyRotation"
	if enabled {
		name = "EnableKeyRotation"
	}
	o := op{service: "kms", name: name, params: map[string]any{"keyId": keyID}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, ka, err := a.ownKey(tx, keyID)
		if err != nil {
			return result{}, err
		}
		if ka.Managed {
			return result{}, invalid("UnsupportedOperationException", "%s is an AWS managed key, rotated by AWS", r.ARN)
		}
		ka.Rotation = enabled
		r.Changed = a.sim.now()
		return result{resources: []eventResource{{Type: typeKey, Name: r.ARN, ARN: r.ARN}}}, putRow(tx, r, ka)
	})
}

// CreateAlias names a customer managed key of this account
// (alias/envbench-sync); aliases under alias/aws/ are AWS's.
func (a *Account) CreateAlias(ctx context.Context, alias, keyID string) error {
	o := op{service: "kms", name: "CreateAlias", params: map[string]any{"aliasName": alias, "targetKeyId": keyID}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		if !strings.HasPrefix(alias, "alias/") || strings.HasPrefix(alias, "alias/aws/") || len(alias) > 256 {
			return result{}, invalid("ValidationException", "%q is not a valid alias: it starts with alias/ and not alias/aws/", alias)
		}
		if _, err := a.resolveKey(tx, alias); err == nil {
			return result{}, apiError("AlreadyExistsException", nil, "An alias with the name arn:aws:kms:%s:%s:%s already exists", a.region, a.id, alias)
		}
		r, ka, err := a.ownKey(tx, keyID)
		if err != nil {
			return result{}, err
		}
		ka.Aliases = append(ka.Aliases, alias)
		return result{resources: []eventResource{{Type: typeKey, Name: r.ARN, ARN: r.ARN}}}, putRow(tx, r, ka)
	})
}
