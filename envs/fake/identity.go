package fake

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/envbench/envbench/envs/cloud"
)

// identity is who calls are made as, with what CloudTrail's userIdentity
// needs.
type identity struct {
	Type        string // AssumedRole, IAMUser, Root
	ARN         string // the caller's ARN (sts assumed-role ARN for a role)
	Account     string
	PrincipalID string
	AccessKeyID string
	UserName    string // IAMUser
	// For AssumedRole:
	RoleARN, RoleName, RoleID string
	Session                   string
	SessionCreated            time.Time
}

// username is what LookupEvents' Username matches: the session name of
// an assumed role, the user name of a user.
func (i identity) username() string {
	switch i.Type {
	case "AssumedRole":
		return i.Session
	case "Root":
		return "root"
	}
	return i.UserName
}

func (i identity) caller() cloud.Caller {
	return cloud.Caller{Account: i.Account, ARN: i.ARN, UserID: i.PrincipalID}
}

// stableID is an AWS-shaped unique id (AROA..., AIDA..., ASIA...) derived
// from what it identifies.
func stableID(prefix, of string) string {
	sum := sha256.Sum256([]byte(of))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := []byte(prefix)
	for i := 0; len(b) < 20; i++ {
		b = append(b, alphabet[sum[i]%32])
	}
	return string(b)
}

var (
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
	// Compiled on first use (sync.OnceValue): bounded repetitions make these
	// cost up to milliseconds to compile, which every start of envbench, the
	// simulated provider's included, would otherwise pay in package init.
	roleARNPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws:iam::([0-9]{12}):role/((?:[\w+=,.@-]+/)*)([\w+=,.@-]{1,64})$`)
	})
	userARNPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^arn:aws:iam::([0-9]{12}):user/([\w+=,.@-]{1,64})$`) })
	assumedPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws:sts::([0-9]{12}):assumed-role/([\w+=,.@-]{1,64})/([\w+=,.@-]{2,64})$`)
	})
	sessionPattern  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=,.@-]{2,64}$`) })
	regionPattern   = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]$`)
	rootARNTemplate = "arn:aws:iam::%s:root"
)

// parseIdentity reads an identity from its ARN: an assumed role, a user
// or an account's root.
func parseIdentity(arn string, at time.Time) (identity, error) {
	if m := assumedPattern().FindStringSubmatch(arn); m != nil {
		role := "arn:aws:iam::" + m[1] + ":role/" + m[2]
		if strings.HasPrefix(m[2], "AWSReservedSSO_") {
			role = "arn:aws:iam::" + m[1] + ":role/aws-reserved/sso.amazonaws.com/" + m[2]
		}
		id := identity{Type: "AssumedRole", ARN: arn, Account: m[1], RoleARN: role, RoleName: m[2], RoleID: stableID("AROA", role), Session: m[3], SessionCreated: at}
		id.PrincipalID = id.RoleID + ":" + id.Session
		id.AccessKeyID = stableID("ASIA", arn)
		return id, nil
	}
	if m := userARNPattern().FindStringSubmatch(arn); m != nil {
		return identity{Type: "IAMUser", ARN: arn, Account: m[1], UserName: m[2], PrincipalID: stableID("AIDA", arn), AccessKeyID: stableID("AKIA", arn)}, nil
	}
	if strings.HasPrefix(arn, "arn:aws:iam::") && strings.HasSuffix(arn, ":root") {
		acct := strings.TrimSuffix(strings.TrimPrefix(arn, "arn:aws:iam::"), ":root")
		if accountPattern.MatchString(acct) {
			return identity{Type: "Root", ARN: arn, Account: acct, PrincipalID: acct, AccessKeyID: stableID("AKIA", arn)}, nil
		}
	}
	return identity{}, fmt.Errorf("identity %q is not the ARN of an assumed role (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), a user (arn:aws:iam::ACCOUNT:user/NAME) or a root (arn:aws:iam::ACCOUNT:root)", arn)
}

// Account is one simulated account in one region, as one identity. It
// implements every interface of cloud.Account, and adds what Terraform's
// simulated provider and `envbench sim console` need beyond them.
type Account struct {
	sim    *Sim
	id     string
	region string
	ident  identity
	// userAgent and sourceIP, when set, are what CloudTrail records of the
	// caller's client (the console's, for a person's changes by hand).
	userAgent, sourceIP string
}

// ID is the account's 12-digit id.
func (a *Account) ID() string { return a.id }

// Region is the account's region.
func (a *Account) Region() string { return a.region }

// Cloud returns the account as cloud's interfaces.
func (a *Account) Cloud() *cloud.Account {
	return &cloud.Account{
		ID: a.id, Caller: a.ident.caller(),
		Identity: a, Tagging: a, Network: a, Databases: a, Keys: a, Secrets: a, DNS: a, Objects: a, Trail: a,
		SubnetGroups: a, Containers: a,
	}
}

var _ interface {
	cloud.Identity
	cloud.Tagging
	cloud.Network
	cloud.Databases
	cloud.Keys
	cloud.Secrets
	cloud.DNS
	cloud.Objects
	cloud.Trail
} = (*Account)(nil)

var _ cloud.Connector = (*Sim)(nil)

// Connect implements cloud.Connector: with a role, the account that owns
// the role, acting as the assumed role; without, the simulation's default
// identity in its own account.
func (s *Sim) Connect(ctx context.Context, t cloud.Target) (*cloud.Account, error) {
	a, err := s.Account(ctx, t)
	if err != nil {
		return nil, err
	}
	return a.Cloud(), nil
}

// Account is Connect returning the simulation's own account type.
func (s *Sim) Account(ctx context.Context, t cloud.Target) (*Account, error) {
	base, err := s.defaultIdentity(ctx)
	if err != nil {
		return nil, err
	}
	region := t.Region
	if region == "" {
		region = s.region
	}
	if !regionPattern.MatchString(region) {
		return nil, fmt.Errorf("connect to simulated AWS: region %q is not a region name such as eu-west-1", region)
	}
	a := &Account{sim: s, id: base.Account, region: region, ident: base}
	if t.RoleARN == "" {
		return a, nil
	}
	if _, err := a.AssumeRole(ctx, t); err != nil {
		return nil, fmt.Errorf("connect to simulated AWS: %w", err)
	}
	id, err := parseIdentity(assumedARN(t.RoleARN, t.SessionName), s.now())
	if err != nil {
		return nil, err
	}
	m := roleARNPattern().FindStringSubmatch(t.RoleARN)
	id.RoleARN, id.RoleName, id.RoleID = t.RoleARN, m[3], stableID("AROA", t.RoleARN)
	id.PrincipalID = id.RoleID + ":" + id.Session
	return &Account{sim: s, id: id.Account, region: region, ident: id}, nil
}

// assumedARN is the sts ARN of a session of a role (only the role's last
// path element names it, as on AWS).
func assumedARN(roleARN, session string) string {
	m := roleARNPattern().FindStringSubmatch(roleARN)
	if m == nil {
		return ""
	}
	return "arn:aws:sts::" + m[1] + ":assumed-role/" + m[3] + "/" + session
}

func (s *Sim) defaultIdentity(ctx context.Context) (identity, error) {
	arn := s.ident
	if arn == "" {
		if err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'identity'`).Scan(&arn); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return identity{}, fmt.Errorf("read the default identity: %w", err)
		}
	}
	if arn == "" {
		arn = DefaultIdentity
	}
	id, err := parseIdentity(arn, s.now().Add(-time.Hour))
	if err != nil {
		return identity{}, fmt.Errorf("default identity: %w", err)
	}
	return id, nil
}

// SetDefaultIdentity stores the identity of callers that assume no role,
// for every process using the simulation (Options.Identity overrides it).
func (s *Sim) SetDefaultIdentity(arn string) error {
	if _, err := parseIdentity(arn, time.Time{}); err != nil {
		return fmt.Errorf("set default identity: %w", err)
	}
	return s.write(context.Background(), func(tx *sql.Tx) error { return s.setMeta(tx, "identity", arn) })
}

// Role is an IAM role of the simulation that callers may assume.
type Role struct {
	ARN string
	// TrustedBy are who may assume it: account ids (any identity of the
	// account), role ARNs (any session of the role), user ARNs, or "*".
	// Empty means anyone.
	TrustedBy []string
	// ExternalID, when set, must be given to assume the role.
	ExternalID string
}

// CreateRole declares a role (or replaces the trust of an existing one).
// Its account is created when it is new.
func (s *Sim) CreateRole(r Role) error {
	m := roleARNPattern().FindStringSubmatch(r.ARN)
	if m == nil {
		return fmt.Errorf("create role: %q is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)", r.ARN)
	}
	for _, p := range r.TrustedBy {
		if p != "*" && !accountPattern.MatchString(p) && !roleARNPattern().MatchString(p) && !userARNPattern().MatchString(p) {
			return fmt.Errorf("create role %s: trusted principal %q is not an account id, a role or user ARN, or *", r.ARN, p)
		}
	}
	trust, _ := json.Marshal(r.TrustedBy)
	return s.write(context.Background(), func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO accounts (id, name) VALUES (?, ?) ON CONFLICT DO NOTHING`, m[1], m[1]); err != nil {
			return fmt.Errorf("create role %s: %w", r.ARN, err)
		}
		_, err := tx.Exec(`INSERT INTO roles (arn, account, name, role_id, trust, external_id) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (arn) DO UPDATE SET trust = excluded.trust, external_id = excluded.external_id`, r.ARN, m[1], m[3], stableID("AROA", r.ARN), string(trust), r.ExternalID)
		if err != nil {
			return fmt.Errorf("create role %s: %w", r.ARN, err)
		}
		return nil
	})
}

// CreateAccount declares an account and its name.
func (s *Sim) CreateAccount(id, name string) error {
	if !accountPattern.MatchString(id) {
		return fmt.Errorf("create account: %q is not a 12-digit account id", id)
	}
	return s.write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO accounts (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name`, id, name)
		if err != nil {
			return fmt.Errorf("create account %s: %w", id, err)
		}
		return nil
	})
}

// AccountInfo is an account of the simulation.
type AccountInfo struct {
	ID, Name string
}

// Accounts lists the accounts, by id.
func (s *Sim) Accounts() ([]AccountInfo, error) {
	rows, err := s.db.Query(`SELECT id, name FROM accounts ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	var out []AccountInfo
	for rows.Next() {
		var a AccountInfo
		if err := rows.Scan(&a.ID, &a.Name); err != nil {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// trusts reports whether a role's trust list admits the caller.
func trusts(trust []string, caller identity) bool {
	if len(trust) == 0 {
		return true
	}
	for _, p := range trust {
		switch p {
		case "*", caller.Account, caller.ARN:
			return true
		}
		if m := roleARNPattern().FindStringSubmatch(p); m != nil && caller.Type == "AssumedRole" && m[1] == caller.Account && m[3] == caller.RoleName {
			return true
		}
	}
	return false
}

// CallerIdentity implements cloud.Identity (sts GetCallerIdentity).
func (a *Account) CallerIdentity(ctx context.Context) (cloud.Caller, error) {
	o := op{service: "sts", name: "GetCallerIdentity", readOnly: true}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		return result{}, nil
	})
	if err != nil {
		return cloud.Caller{}, err
	}
	return a.ident.caller(), nil
}

// AssumeRole implements cloud.Identity: the role must exist in the
// simulation and trust the caller, or the call fails with AccessDenied
// as on AWS.
func (a *Account) AssumeRole(ctx context.Context, t cloud.Target) (cloud.Caller, error) {
	m := roleARNPattern().FindStringSubmatch(t.RoleARN)
	if m == nil {
		return cloud.Caller{}, fmt.Errorf("assume role: %q is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)", t.RoleARN)
	}
	if !sessionPattern().MatchString(t.SessionName) {
		return cloud.Caller{}, fmt.Errorf("assume role %s: session name %q must be 2 to 64 characters of letters, digits and +=,.@-_", t.RoleARN, t.SessionName)
	}
	o := op{service: "sts", name: "AssumeRole", readOnly: true, params: map[string]any{"roleArn": t.RoleARN, "roleSessionName": t.SessionName}}
	if t.ExternalID != "" {
		o.params["externalId"] = t.ExternalID
	}
	sessionARN := assumedARN(t.RoleARN, t.SessionName)
	// AWS records AssumeRole in the account of the role.
	target := *a
	target.id = m[1]
	err := target.do(ctx, o, func(tx *sql.Tx) (result, error) {
		var trustJSON, externalID string
		err := tx.QueryRow(`SELECT trust, external_id FROM roles WHERE arn = ?`, t.RoleARN).Scan(&trustJSON, &externalID)
		denied := apiError("AccessDenied", cloud.ErrAccessDenied,
			"User: %s is not authorized to perform: sts:AssumeRole on resource: %s", a.ident.ARN, t.RoleARN)
		if errors.Is(err, sql.ErrNoRows) {
			return result{}, denied
		}
		if err != nil {
			return result{}, err
		}
		var trust []string
		if err := json.Unmarshal([]byte(trustJSON), &trust); err != nil {
			return result{}, fmt.Errorf("read trust of %s: %w", t.RoleARN, err)
		}
		if !trusts(trust, a.ident) || externalID != "" && externalID != t.ExternalID {
			return result{}, denied
		}
		return result{
			response: map[string]any{
				"credentials":     map[string]any{"accessKeyId": stableID("ASIA", sessionARN), "sessionToken": "HIDDEN_DUE_TO_SECURITY_REASONS", "expiration": fmtTime(a.sim.now().Add(time.Hour))},
				"assumedRoleUser": map[string]any{"assumedRoleId": stableID("AROA", t.RoleARN) + ":" + t.SessionName, "arn": sessionARN},
			},
			resources: []eventResource{{Type: "AWS::IAM::Role", Name: t.RoleARN, ARN: t.RoleARN}},
		}, nil
	})
	if err != nil {
		return cloud.Caller{}, err
	}
	return cloud.Caller{Account: m[1], ARN: sessionARN, UserID: stableID("AROA", t.RoleARN) + ":" + t.SessionName}, nil
}
