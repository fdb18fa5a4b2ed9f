package fake

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"sync"

	"github.com/envbench/envbench/envs/cloud"
)

type secretAttrs struct {
	Value   string `json:"value"`
	Version int    `json:"version"`
}

// Compiled on first use (sync.OnceValue): bounded repetitions make these
// cost up to milliseconds to compile, which every start of envbench, the
// simulated provider's included, would otherwise pay in package init.
var secretNamePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,512}$`) })

// PutSecret implements cloud.Secrets: CreateSecret when the name is new,
// PutSecretValue otherwise. The value is stored in the simulation and
// never recorded.
func (a *Account) PutSecret(ctx context.Context, name, value string, tags map[string]string) (cloud.Secret, error) {
	var s cloud.Secret
	var exists bool
	err := a.sim.write(ctx, func(tx *sql.Tx) error {
		r, err := getRow(tx, a.id, a.region, typeSecret, name)
		exists = r != nil
		return err
	})
	if err != nil {
		return s, fmt.Errorf("secretsmanager PutSecret: %w", err)
	}
	o := op{service: "secretsmanager", name: "CreateSecret", params: map[string]any{"name": name, "secretString": Hidden, "tags": rdsTags(tags)}}
	if exists {
		o = op{service: "secretsmanager", name: "PutSecretValue", params: map[string]any{"secretId": name, "secretString": Hidden}}
	}
	err = a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		if !secretNamePattern().MatchString(name) {
			return result{}, invalid("InvalidParameterException", "Invalid name: a secret's name is 1 to 512 of A-Z a-z 0-9 /_+=.@-")
		}
		if value == "" {
			return result{}, invalid("InvalidParameterException", "You must provide a value for SecretString.")
		}
		r, err := getRow(tx, a.id, a.region, typeSecret, name)
		if err != nil {
			return result{}, err
		}
		var sa secretAttrs
		if r == nil {
			h, err := token(tx, 6)
			if err != nil {
				return result{}, err
			}
			r = &row{Account: a.id, Region: a.region, Type: typeSecret, ID: name, ARN: fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", a.region, a.id, name, h), Created: a.sim.now(), Tags: cloneTags(tags)}
		} else if err := r.decode(&sa); err != nil {
			return result{}, err
		}
		sa.Value = value
		sa.Version++
		r.Changed = a.sim.now()
		if err := putRow(tx, r, sa); err != nil {
			return result{}, err
		}
		s = cloud.Secret{ARN: r.ARN, Name: name, Tags: r.Tags}
		versionID, err := uuid(tx)
		if err != nil {
			return result{}, err
		}
		return result{response: map[string]any{"arn": r.ARN, "name": name, "versionId": versionID}, resources: []eventResource{{Type: typeSecret, Name: name, ARN: r.ARN}}}, nil
	})
	return s, err
}

// SecretValue implements cloud.Secrets (GetSecretValue; CloudTrail
// records no response for it).
func (a *Account) SecretValue(ctx context.Context, name string) (string, error) {
	var v string
	o := op{service: "secretsmanager", name: "GetSecretValue", readOnly: true, params: map[string]any{"secretId": name}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := a.secretRow(tx, name)
		if err != nil {
			return result{}, err
		}
		var sa secretAttrs
		if err := r.decode(&sa); err != nil {
			return result{}, err
		}
		v = sa.Value
		return result{resources: []eventResource{{Type: typeSecret, Name: r.ID, ARN: r.ARN}}}, nil
	})
	return v, err
}

func (a *Account) secretRow(tx *sql.Tx, ref string) (*row, error) {
	r, err := getRow(tx, a.id, a.region, typeSecret, ref)
	if err == nil && r == nil {
		r, err = rowByARN(tx, ref)
		if r != nil && (r.Type != typeSecret || r.Account != a.id) {
			r = nil
		}
	}
	if err == nil && r == nil {
		err = notFound("ResourceNotFoundException", "secret", ref)
	}
	return r, err
}

// DeleteSecret implements cloud.Secrets, without a recovery window.
func (a *Account) DeleteSecret(ctx context.Context, name string) error {
	o := op{service: "secretsmanager", name: "DeleteSecret", params: map[string]any{"secretId": name, "forceDeleteWithoutRecovery": true}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := a.secretRow(tx, name)
		if err != nil {
			return result{}, err
		}
		return result{response: map[string]any{"arn": r.ARN, "name": r.ID, "deletionDate": fmtTime(a.sim.now())}, resources: []eventResource{{Type: typeSecret, Name: r.ID, ARN: r.ARN}}}, deleteRow(tx, r)
	})
}
