package fake

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs/cloud"
)

var offsetPattern = regexp.MustCompile(`^-(?:(\d+)d)?((?:\d+(?:\.\d+)?(?:h|m|s))*)$`)

// parseOffset reads an offset into the past: -72h, -3d, -2d4h30m.
func parseOffset(s string) (time.Duration, error) {
	m := offsetPattern.FindStringSubmatch(s)
	if m == nil || s == "-" {
		return 0, fmt.Errorf("%q is not an offset into the past such as -72h, -3d or -2d4h30m", s)
	}
	var d time.Duration
	if m[1] != "" {
		days, err := strconv.Atoi(m[1])
		if err != nil || days > 3650 {
			return 0, fmt.Errorf("%q: at most 3650 days", s)
		}
		d = time.Duration(days) * 24 * time.Hour
	}
	if m[2] != "" {
		rest, err := time.ParseDuration(m[2])
		if err != nil {
			return 0, fmt.Errorf("%q: %v", s, err)
		}
		d += rest
	}
	return -d, nil
}

var (
	// Compiled on first use (sync.OnceValue): bounded repetitions make these
	// cost up to milliseconds to compile, which every start of envbench, the
	// simulated provider's included, would otherwise pay in package init.
	roleNamePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=,.@-]{1,64}$`) })
	emailPattern    = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	// envNamePattern is config's rule for environment names.
	envNamePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,38}[a-z0-9]$|^[a-z]$`)
)

// check validates what the types cannot: ids, references between
// resources, offsets, identities.
func (d *seedDecoder) check(s *Seed) {
	if s.Region != "" && !regionPattern.MatchString(s.Region) {
		d.at(s.regionPos, "region", "%q is not a region name such as eu-west-1", s.Region)
	}
	if s.Identity != "" {
		if _, err := parseIdentity(s.Identity, time.Time{}); err != nil {
			d.at(s.identityPos, "identity", "%v", err)
		}
	}
	applied := map[string]bool{}
	for i, name := range s.Apply {
		var p config.Position
		if i < len(s.applyPos) {
			p = s.applyPos[i]
		}
		field := fmt.Sprintf("apply[%d]", i)
		switch {
		case !envNamePattern.MatchString(name):
			d.at(p, field, "%q is not an environment name (1 to 40 lowercase letters, digits and dashes, as envs/NAME.yaml)", name)
		case applied[name]:
			d.at(p, field, "environment %q is listed twice", name)
		}
		applied[name] = true
	}
	people := map[string]SeedPerson{}
	for _, p := range s.People {
		people[p.Email] = p
	}
	accounts := map[string]bool{}
	for i, a := range s.Accounts {
		path := fmt.Sprintf("accounts[%d]", i)
		if !accountPattern.MatchString(a.ID) {
			d.at(a.Pos, path+".id", "%q is not a 12-digit account id (quote it: \"111111111111\")", a.ID)
		} else if accounts[a.ID] {
			d.at(a.Pos, path+".id", "account %s is declared twice", a.ID)
		}
		accounts[a.ID] = true
		if a.Region != "" && !regionPattern.MatchString(a.Region) {
			d.at(a.Pos, path+".region", "%q is not a region name such as eu-west-1", a.Region)
		}
		for j, r := range a.Roles {
			rp := fmt.Sprintf("%s.roles[%d]", path, j)
			if !roleNamePattern().MatchString(r.Name) {
				d.at(r.Pos, rp+".name", "%q is not a role name (1 to 64 of letters, digits and +=,.@-_)", r.Name)
			}
			for _, p := range r.TrustedBy {
				if p != "*" && !accountPattern.MatchString(p) && !roleARNPattern().MatchString(p) && !userARNPattern().MatchString(p) {
					d.at(r.Pos, rp+".trusted_by", "%q is not an account id, a role or user ARN, or *", p)
				}
			}
		}
		if len(a.Roles) == 0 && a.Resources.count() > 0 {
			d.at(a.Pos, path+".roles", "an account with resources needs a role: its first role makes them")
		}
		d.checkResources(path+".resources", a.Resources, func(p config.Position, field, email string) {
			if email == "" {
				return
			}
			switch person, ok := people[email]; {
			case !ok:
				d.at(p, field, "%q is not the email of someone under people", email)
			case len(person.Accounts) > 0 && !contains(person.Accounts, a.ID):
				d.at(p, field, "%s has no SSO access to account %s", email, a.ID)
			}
		})
	}
	for i, p := range s.People {
		path := fmt.Sprintf("people[%d]", i)
		if !emailPattern.MatchString(p.Email) {
			d.at(p.Pos, path+".email", "%q is not an email address", p.Email)
		}
		if !strings.HasPrefix(p.SSORole, "AWSReservedSSO_") || !roleNamePattern().MatchString(p.SSORole) {
			d.at(p.Pos, path+".sso_role", "%q is not an SSO role name (AWSReservedSSO_<permission set>_<suffix>)", p.SSORole)
		}
		for _, acct := range p.Accounts {
			if !accounts[acct] {
				d.at(p.Pos, path+".accounts", "account %q is not declared under accounts", acct)
			}
		}
	}
	for i, e := range s.History {
		path := fmt.Sprintf("history[%d]", i)
		if p, ok := people[e.Who]; ok {
			if len(p.Accounts) > 0 && !contains(p.Accounts, e.Account) {
				d.at(e.Pos, path+".who", "%s has no SSO access to account %s", e.Who, e.Account)
			}
		} else if _, err := parseIdentity(e.Who, time.Time{}); err != nil {
			d.at(e.Pos, path+".who", "%q is neither the email of someone under people nor an identity ARN", e.Who)
		}
		if !accounts[e.Account] {
			d.at(e.Pos, path+".account", "account %q is not declared under accounts", e.Account)
		}
		if e.Region != "" && !regionPattern.MatchString(e.Region) {
			d.at(e.Pos, path+".region", "%q is not a region name such as eu-west-1", e.Region)
		}
		if _, err := parseOffset(e.At); err != nil {
			d.at(e.Pos, path+".at", "%v", err)
		}
		if e.Service == "" || e.Call == "" {
			d.at(e.Pos, path, "service and call are required (rds, ModifyDBInstance)")
		}
		for _, m := range []map[string]any{e.Request, e.Response} {
			if _, err := json.Marshal(m); err != nil {
				d.at(e.Pos, path, "request and response must be plain JSON-like values: %v", err)
			}
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func subnetNames(v SeedVPC) []string {
	var out []string
	for _, s := range v.Subnets {
		out = append(out, s.Name)
	}
	return out
}

func (r SeedResources) count() int {
	return len(r.VPCs) + len(r.SubnetGroups) + len(r.Keys) + len(r.Databases) + len(r.Snapshots) + len(r.Zones) + len(r.Secrets) + len(r.Buckets) + len(r.Clusters)
}

// checkResources checks an account's resources; by checks the person a
// resource made by hand names.
func (d *seedDecoder) checkResources(path string, r SeedResources, by func(p config.Position, field, email string)) {
	names := func(kind string) func(p config.Position, field, name string) {
		seen := map[string]bool{}
		return func(p config.Position, field, name string) {
			if name == "" {
				d.at(p, field, "a %s needs a name", kind)
			} else if seen[name] {
				d.at(p, field, "%s %q is declared twice", kind, name)
			}
			seen[name] = true
		}
	}
	vpcName, subnetName, sgName := names("VPC"), names("subnet"), names("security group")
	subnets, groups, vpcs := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, v := range r.VPCs {
		p := fmt.Sprintf("%s.vpcs[%d]", path, i)
		vpcName(v.Pos, p+".name", v.Name)
		vpcs[v.Name] = true
		by(v.Pos, p+".by", v.By)
		if _, err := netip.ParsePrefix(v.CIDR); err != nil {
			d.at(v.Pos, p+".cidr", "%q is not a CIDR block", v.CIDR)
		}
		for j, s := range v.Subnets {
			sp := fmt.Sprintf("%s.subnets[%d]", p, j)
			subnetName(s.Pos, sp+".name", s.Name)
			by(s.Pos, sp+".by", s.By)
			subnets[s.Name] = true
			if _, err := netip.ParsePrefix(s.CIDR); err != nil {
				d.at(s.Pos, sp+".cidr", "%q is not a CIDR block", s.CIDR)
			}
		}
		local := map[string]bool{}
		for j, g := range v.SecurityGroups {
			gp := fmt.Sprintf("%s.security_groups[%d]", p, j)
			sgName(g.Pos, gp+".name", g.Name)
			by(g.Pos, gp+".by", g.By)
			groups[g.Name] = true
			local[g.Name] = true
		}
		for j, n := range v.NetworkInterfaces {
			np := fmt.Sprintf("%s.network_interfaces[%d]", p, j)
			by(n.Pos, np+".by", n.By)
			if !contains(subnetNames(v), n.Subnet) {
				d.at(n.Pos, np+".subnet", "no subnet named %q in VPC %s", n.Subnet, v.Name)
			}
			for _, g := range n.SecurityGroups {
				if !local[g] {
					d.at(n.Pos, np+".security_groups", "no security group named %q in VPC %s", g, v.Name)
				}
			}
		}
	}
	ref := func(p config.Position, field, kind, name string, known map[string]bool) {
		if !known[name] {
			d.at(p, field, "no %s named %q in this account", kind, name)
		}
	}
	sgNames, keyNames, dbNames := map[string]bool{}, map[string]bool{}, map[string]bool{}
	groupName := names("DB subnet group")
	for i, g := range r.SubnetGroups {
		p := fmt.Sprintf("%s.db_subnet_groups[%d]", path, i)
		groupName(g.Pos, p+".name", g.Name)
		sgNames[g.Name] = true
		for _, s := range g.Subnets {
			ref(g.Pos, p+".subnets", "subnet", s, subnets)
		}
	}
	keyName := names("KMS key")
	for i, k := range r.Keys {
		p := fmt.Sprintf("%s.kms_keys[%d]", path, i)
		keyName(k.Pos, p+".alias", k.Alias)
		if !strings.HasPrefix(k.Alias, "alias/") || strings.HasPrefix(k.Alias, "alias/aws/") {
			d.at(k.Pos, p+".alias", "%q: a key's alias starts with alias/ and not alias/aws/", k.Alias)
		}
		keyNames[k.Alias] = true
		for j, g := range k.Grants {
			if !accountPattern.MatchString(g.Grantee) && !strings.HasPrefix(g.Grantee, "arn:aws:iam::") {
				d.at(g.Pos, fmt.Sprintf("%s.grants[%d].grantee", p, j), "%q is not an account id or a principal ARN", g.Grantee)
			}
		}
	}
	dbName := names("DB instance")
	for i, db := range r.Databases {
		p := fmt.Sprintf("%s.db_instances[%d]", path, i)
		dbName(db.Pos, p+".id", db.ID)
		dbNames[db.ID] = true
		if db.SubnetGroup != "" {
			ref(db.Pos, p+".subnet_group", "DB subnet group", db.SubnetGroup, sgNames)
		}
		if db.Key != "" {
			ref(db.Pos, p+".kms_key", "KMS key", db.Key, keyNames)
		}
	}
	for i, s := range r.Snapshots {
		ref(s.Pos, fmt.Sprintf("%s.db_snapshots[%d].instance", path, i), "DB instance", s.Instance, dbNames)
	}
	zoneName := names("DNS zone")
	for i, z := range r.Zones {
		p := fmt.Sprintf("%s.dns_zones[%d]", path, i)
		zoneName(z.Pos, p+".name", z.Name)
		if z.VPC != "" {
			ref(z.Pos, p+".vpc", "VPC", z.VPC, vpcs)
		}
		for j, rec := range z.Records {
			for _, v := range rec.Values {
				if id, ok := strings.CutPrefix(v, "db:"); ok {
					ref(rec.Pos, fmt.Sprintf("%s.records[%d].values", p, j), "DB instance", id, dbNames)
				}
			}
		}
	}
	for i, c := range r.Clusters {
		for j, svc := range c.Services {
			p := fmt.Sprintf("%s.ecs_clusters[%d].services[%d]", path, i, j)
			for _, s := range svc.Subnets {
				ref(svc.Pos, p+".subnets", "subnet", s, subnets)
			}
			for _, g := range svc.SecurityGroups {
				ref(svc.Pos, p+".security_groups", "security group", g, groups)
			}
		}
	}
}

// Apply creates what the seed declares, as AWS calls recorded in
// CloudTrail, and records its history. It is idempotent: applying the
// same seed again does nothing. Databases and snapshots are available
// from the start.
func (s *Sim) Apply(ctx context.Context, seed *Seed) error {
	body, err := json.Marshal(seed)
	if err != nil {
		return fmt.Errorf("apply seed %s: %w", seed.file, err)
	}
	sum := sha256.Sum256(body)
	digest := hex.EncodeToString(sum[:])
	var applied string
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'seed'`).Scan(&applied); err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("apply seed %s: %w", seed.file, err)
	}
	if applied == digest {
		return nil
	}
	if applied != "" {
		return fmt.Errorf("apply seed %s: the simulation at %s was seeded from another seed; remove the file to start again", seed.file, s.path)
	}
	at := func(p config.Position, what string, err error) error {
		return fmt.Errorf("%s:%d:%d: %s: %w", seed.file, p.Line, max(p.Col, 1), what, err)
	}
	if seed.Identity != "" {
		if err := s.SetDefaultIdentity(seed.Identity); err != nil {
			return fmt.Errorf("apply seed %s: %w", seed.file, err)
		}
	}
	region := seed.Region
	if region == "" {
		region = s.region
	}
	for _, a := range seed.Accounts {
		if err := s.CreateAccount(a.ID, a.Name); err != nil {
			return at(a.Pos, "account", err)
		}
		for _, r := range a.Roles {
			if err := s.CreateRole(Role{ARN: "arn:aws:iam::" + a.ID + ":role/" + r.Name, TrustedBy: r.TrustedBy, ExternalID: r.ExternalID}); err != nil {
				return at(r.Pos, "role "+r.Name, err)
			}
		}
	}
	for _, p := range seed.People {
		for _, a := range seed.Accounts {
			if len(p.Accounts) == 0 || contains(p.Accounts, a.ID) {
				if err := s.CreateRole(Role{ARN: "arn:aws:iam::" + a.ID + ":role/aws-reserved/sso.amazonaws.com/" + p.SSORole}); err != nil {
					return at(p.Pos, "SSO role of "+p.Email, err)
				}
			}
		}
	}
	people, _ := json.Marshal(seed.People)
	if err := s.write(ctx, func(tx *sql.Tx) error { return s.setMeta(tx, "people", string(people)) }); err != nil {
		return fmt.Errorf("apply seed %s: %w", seed.file, err)
	}
	for _, a := range seed.Accounts {
		if a.Resources.count() == 0 {
			continue
		}
		r := a.Region
		if r == "" {
			r = region
		}
		id, err := parseIdentity(assumedARN("arn:aws:iam::"+a.ID+":role/"+a.Roles[0].Name, "envbench-seed"), s.now())
		if err != nil {
			return at(a.Pos, "account", err)
		}
		acct := &Account{sim: s, id: a.ID, region: r, ident: id}
		if err := acct.applyResources(ctx, a.Resources, at); err != nil {
			return err
		}
	}
	now := s.now()
	for _, e := range seed.History {
		who := e.Who
		if p, ok := personByEmail(seed.People, e.Who); ok {
			who = "arn:aws:sts::" + e.Account + ":assumed-role/" + p.SSORole + "/" + p.Email
		}
		off, _ := parseOffset(e.At)
		ev := Event{Account: e.Account, Region: e.Region, Identity: who, Time: now.Add(off), Service: e.Service, Name: e.Call, ReadOnly: e.ReadOnly,
			RequestParameters: e.Request, ResponseElements: e.Response, ErrorCode: e.ErrorCode, ErrorMessage: e.ErrorMsg,
			SourceIPAddress: e.SourceIP, UserAgent: e.UserAgent}
		if ev.Region == "" {
			ev.Region = region
		}
		for _, r := range e.Resources {
			ev.Resources = append(ev.Resources, EventResource{Type: r.Type, Name: r.Name, ARN: r.ARN})
		}
		if err := s.RecordEvent(ctx, ev); err != nil {
			return at(e.Pos, "history", err)
		}
	}
	return s.write(ctx, func(tx *sql.Tx) error { return s.setMeta(tx, "seed", digest) })
}

func personByEmail(people []SeedPerson, email string) (SeedPerson, bool) {
	for _, p := range people {
		if p.Email == email {
			return p, true
		}
	}
	return SeedPerson{}, false
}

// settle makes a database or snapshot available at once.
func (a *Account) settle(ctx context.Context, typ, id string) error {
	return a.sim.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE resources SET attrs = json_set(attrs, '$.readyAt', '0001-01-01T00:00:00Z') WHERE account = ? AND region = ? AND type = ? AND id = ?`, a.id, a.region, typ, id)
		return err
	})
}

func withName(tags map[string]string, name string) map[string]string {
	out := cloneTags(tags)
	if _, ok := out["Name"]; !ok && name != "" {
		out["Name"] = name
	}
	return out
}

func (a *Account) applyResources(ctx context.Context, r SeedResources, at func(config.Position, string, error) error) error {
	keys := map[string]cloud.Key{}
	for _, k := range r.Keys {
		key, err := a.CreateKey(ctx, k.Description, k.Tags)
		if err != nil {
			return at(k.Pos, "kms key "+k.Alias, err)
		}
		if err := a.CreateAlias(ctx, k.Alias, key.ID); err != nil {
			return at(k.Pos, "kms key "+k.Alias, err)
		}
		if k.Rotation {
			if err := a.SetKeyRotation(ctx, key.ID, true); err != nil {
				return at(k.Pos, "kms key "+k.Alias, err)
			}
		}
		for _, g := range k.Grants {
			grantee := g.Grantee
			if accountPattern.MatchString(grantee) {
				grantee = fmt.Sprintf(rootARNTemplate, grantee)
			}
			ops := g.Operations
			if len(ops) == 0 {
				ops = []string{"Decrypt", "DescribeKey", "CreateGrant", "ReEncryptFrom"}
			}
			if _, err := a.CreateGrant(ctx, key.ID, grantee, g.Name, ops); err != nil {
				return at(g.Pos, "grant on "+k.Alias, err)
			}
		}
		keys[k.Alias] = key
	}
	// as is who makes a resource: the seed's role, or a person by hand.
	as := func(p config.Position, what, email string) (*Account, error) {
		if email == "" {
			return a, nil
		}
		person, err := a.sim.Person(ctx, email, a.id, a.region)
		if err != nil {
			return nil, at(p, what, err)
		}
		return person, nil
	}
	subnets, groups, vpcs := map[string]string{}, map[string]string{}, map[string]string{}
	for _, v := range r.VPCs {
		maker, err := as(v.Pos, "vpc "+v.Name, v.By)
		if err != nil {
			return err
		}
		vpc, err := maker.CreateVPC(ctx, v.CIDR, withName(v.Tags, v.Name))
		if err != nil {
			return at(v.Pos, "vpc "+v.Name, err)
		}
		vpcs[v.Name] = vpc.ID
		for _, sn := range v.Subnets {
			maker, err := as(sn.Pos, "subnet "+sn.Name, sn.By)
			if err != nil {
				return err
			}
			got, err := maker.CreateSubnet(ctx, vpc.ID, sn.CIDR, sn.Zone, withName(sn.Tags, sn.Name))
			if err != nil {
				return at(sn.Pos, "subnet "+sn.Name, err)
			}
			subnets[sn.Name] = got.ID
		}
		for _, g := range v.SecurityGroups {
			maker, err := as(g.Pos, "security group "+g.Name, g.By)
			if err != nil {
				return err
			}
			got, err := maker.CreateSecurityGroup(ctx, vpc.ID, g.Name, g.Description, g.Tags)
			if err != nil {
				return at(g.Pos, "security group "+g.Name, err)
			}
			groups[g.Name] = got.ID
			for _, rule := range g.Ingress {
				if err := maker.AuthorizeIngress(ctx, got.ID, cloud.Rule{Protocol: rule.Protocol, FromPort: rule.From, ToPort: rule.To, CIDRs: rule.CIDRs}); err != nil {
					return at(rule.Pos, "ingress of "+g.Name, err)
				}
			}
		}
		for _, n := range v.NetworkInterfaces {
			var ids []string
			for _, g := range n.SecurityGroups {
				ids = append(ids, groups[g])
			}
			maker, err := as(n.Pos, "network interface in "+n.Subnet, n.By)
			if err != nil {
				return err
			}
			if _, err := maker.CreateNetworkInterface(ctx, subnets[n.Subnet], ids, n.Description, n.Tags); err != nil {
				return at(n.Pos, "network interface in "+n.Subnet, err)
			}
		}
	}
	for _, g := range r.SubnetGroups {
		var ids []string
		for _, s := range g.Subnets {
			ids = append(ids, subnets[s])
		}
		if _, err := a.CreateDBSubnetGroup(ctx, g.Name, g.Description, ids, g.Tags); err != nil {
			return at(g.Pos, "DB subnet group "+g.Name, err)
		}
	}
	endpoints := map[string]string{}
	for _, db := range r.Databases {
		pw, err := a.sim.seedPassword()
		if err != nil {
			return at(db.Pos, "DB instance "+db.ID, err)
		}
		user := db.Username
		if user == "" {
			user = "postgres"
		}
		in := cloud.NewDBInstance{ID: db.ID, Class: db.Class, Engine: db.Engine, EngineVersion: db.EngineVersion, AllocatedStorage: db.Storage,
			SubnetGroup: db.SubnetGroup, MasterUsername: user, MasterPassword: pw, DeletionProtection: db.DeletionProtection, Tags: db.Tags}
		if db.Key != "" {
			in.KMSKeyID = keys[db.Key].ARN
		}
		if _, err := a.CreateInstance(ctx, in); err != nil {
			return at(db.Pos, "DB instance "+db.ID, err)
		}
		if err := a.settle(ctx, typeDBInstance, db.ID); err != nil {
			return at(db.Pos, "DB instance "+db.ID, err)
		}
		got, err := a.Instance(ctx, db.ID)
		if err != nil {
			return at(db.Pos, "DB instance "+db.ID, err)
		}
		endpoints[db.ID] = got.Endpoint
	}
	for _, sn := range r.Snapshots {
		if _, err := a.CreateSnapshot(ctx, sn.Instance, sn.ID, sn.Tags); err != nil {
			return at(sn.Pos, "DB snapshot "+sn.ID, err)
		}
		if err := a.settle(ctx, typeDBSnapshot, sn.ID); err != nil {
			return at(sn.Pos, "DB snapshot "+sn.ID, err)
		}
	}
	for _, z := range r.Zones {
		zone, err := a.CreateZone(ctx, z.Name, z.Private, vpcs[z.VPC], z.Tags)
		if err != nil {
			return at(z.Pos, "DNS zone "+z.Name, err)
		}
		for _, rec := range z.Records {
			values := make([]string, len(rec.Values))
			for i, v := range rec.Values {
				if id, ok := strings.CutPrefix(v, "db:"); ok {
					v = endpoints[id]
				}
				values[i] = v
			}
			ttl := rec.TTL
			if ttl == 0 {
				ttl = 300
			}
			if _, err := a.UpsertRecord(ctx, zone.ID, cloud.Record{Name: rec.Name, Type: rec.Type, TTL: ttl, Values: values}); err != nil {
				return at(rec.Pos, "record "+rec.Name, err)
			}
		}
	}
	for _, sec := range r.Secrets {
		if _, err := a.PutSecret(ctx, sec.Name, sec.Value, sec.Tags); err != nil {
			return at(sec.Pos, "secret "+sec.Name, err)
		}
	}
	for _, b := range r.Buckets {
		if err := a.CreateBucket(ctx, b.Name, b.Tags); err != nil {
			return at(b.Pos, "bucket "+b.Name, err)
		}
	}
	for _, c := range r.Clusters {
		if _, err := a.CreateCluster(ctx, c.Name, c.Tags); err != nil {
			return at(c.Pos, "ECS cluster "+c.Name, err)
		}
		for _, svc := range c.Services {
			ns := NewECSService{Cluster: c.Name, Name: svc.Name, TaskDefinition: svc.TaskDefinition, DesiredCount: svc.DesiredCount, Tags: svc.Tags}
			for _, s := range svc.Subnets {
				ns.Subnets = append(ns.Subnets, subnets[s])
			}
			for _, g := range svc.SecurityGroups {
				ns.SecurityGroups = append(ns.SecurityGroups, groups[g])
			}
			if _, err := a.CreateService(ctx, ns); err != nil {
				return at(svc.Pos, "ECS service "+svc.Name, err)
			}
		}
	}
	return nil
}

// seedPassword is a master password for a seeded database: made here,
// used once, stored nowhere.
func (s *Sim) seedPassword() (string, error) {
	var h string
	err := s.write(context.Background(), func(tx *sql.Tx) error {
		var err error
		h, err = token(tx, 24)
		return err
	})
	return "Seed-" + h, err
}

// Person connects as someone of the seed, through their SSO role in the
// account (the session is their email), as `envbench sim console` does
// for changes made by hand: CloudTrail records them from the console
// (ConsoleUserAgent) and the office's address.
func (s *Sim) Person(ctx context.Context, email, account, region string) (*Account, error) {
	var raw string
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'people'`).Scan(&raw); err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("connect as %s: %w", email, err)
	}
	var people []SeedPerson
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &people); err != nil {
			return nil, fmt.Errorf("connect as %s: read people: %w", email, err)
		}
	}
	p, ok := personByEmail(people, email)
	if !ok {
		emails := make([]string, len(people))
		for i, q := range people {
			emails[i] = q.Email
		}
		return nil, fmt.Errorf("connect as %s: no such person in the seed (sim/seed.yaml's people: %s)", email, strings.Join(emails, ", "))
	}
	if len(p.Accounts) > 0 && !contains(p.Accounts, account) {
		return nil, fmt.Errorf("connect as %s: no SSO access to account %s", email, account)
	}
	if region == "" {
		region = s.region
	}
	if !regionPattern.MatchString(region) {
		return nil, fmt.Errorf("connect as %s: region %q is not a region name such as eu-west-1", email, region)
	}
	// Signing in through IAM Identity Center is not an sts:AssumeRole by
	// the simulation's default identity: the person holds the SSO role's
	// session from the start, and only their own calls are recorded.
	role := "arn:aws:iam::" + account + ":role/aws-reserved/sso.amazonaws.com/" + p.SSORole
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM roles WHERE arn = ?`, role).Scan(&n); err != nil {
		return nil, fmt.Errorf("connect as %s: %w", email, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("connect as %s: no SSO access to account %s (no role %s)", email, account, role)
	}
	id, err := parseIdentity(assumedARN(role, email), s.now().Add(-time.Hour))
	if err != nil {
		return nil, fmt.Errorf("connect as %s: %w", email, err)
	}
	return &Account{sim: s, id: account, region: region, ident: id, userAgent: ConsoleUserAgent, sourceIP: consoleSourceIP}, nil
}

// ConsoleUserAgent is the user agent CloudTrail records for the changes a
// person makes by hand (Person): the AWS console's, in a browser.
const ConsoleUserAgent = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0 AWS-Console"

// consoleSourceIP is the office address people's changes come from.
const consoleSourceIP = "203.0.113.41"
