// Package cloudtest is the one conformance suite of envs/cloud: every
// implementation (envs/aws against moto or any AWS-compatible endpoint,
// envs/fake) runs Run and must pass it. Where a backend falls short of
// AWS, it declares the gap, and the part of the suite that needs it skips
// with the gap's name; that part is then covered on the backends without
// the gap (the simulated account).
//
// StartMoto runs moto's server for a test, or skips it when moto_server
// is not installed.
package cloudtest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/envs/cloud"
)

// Gap names a way a backend falls short of AWS.
type Gap string

// The gaps the suite knows. A backend declares those it has.
const (
	// CrossAccountSnapshotByARN: another account cannot describe, copy or
	// restore from a snapshot shared with it by ARN (moto).
	CrossAccountSnapshotByARN Gap = "CrossAccountSnapshotByARN"
	// DefaultKeyShareRefused: a snapshot encrypted with the account's
	// default aws/rds key can be shared, where AWS refuses (moto).
	DefaultKeyShareRefused Gap = "DefaultKeyShareRefused"
	// InterfaceHoldsNetwork: a security group or subnet that a network
	// interface still uses deletes anyway, where AWS refuses with a
	// DependencyViolation (moto).
	InterfaceHoldsNetwork Gap = "InterfaceHoldsNetwork"
	// TrailEvents: LookupEvents does not return the events of the calls
	// made (moto records few and fails on LookupEvents).
	TrailEvents Gap = "TrailEvents"
	// ChangeNotFound: reading a Route 53 change that does not exist
	// succeeds, where AWS answers NoSuchChange (moto).
	ChangeNotFound Gap = "ChangeNotFound"
	// MissingSecretDelete: deleting a secret that does not exist is not
	// refused as NotFound.
	MissingSecretDelete Gap = "MissingSecretDelete"
	// ManagedKeyAlias: alias/aws/rds is not described as an AWS managed
	// key (moto calls it a customer's).
	ManagedKeyAlias Gap = "ManagedKeyAlias"
	// GrantsOfMissingKey: granting or listing the grants of a key that
	// does not exist is not NotFound (moto answers 500).
	GrantsOfMissingKey Gap = "GrantsOfMissingKey"
	// TagResourcesRefused: the Tagging API's TagResources does not tag
	// EC2 VPCs and KMS keys (moto: "Service not yet supported").
	TagResourcesRefused Gap = "TagResourcesRefused"
)

// Gaps is the set of gaps a backend declares.
type Gaps []Gap

// Has reports whether g is declared.
func (gs Gaps) Has(g Gap) bool {
	for _, x := range gs {
		if x == g {
			return true
		}
	}
	return false
}

// ParseGaps reads a comma-separated list of gap names, as
// ENVBENCH_TEST_AWS_GAPS holds them.
func ParseGaps(s string) (Gaps, error) {
	known := Gaps{CrossAccountSnapshotByARN, DefaultKeyShareRefused, InterfaceHoldsNetwork, TrailEvents, ChangeNotFound, MissingSecretDelete, ManagedKeyAlias, GrantsOfMissingKey, TagResourcesRefused}
	var gs Gaps
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !known.Has(Gap(name)) {
			return nil, fmt.Errorf("unknown conformance gap %q (known: %v)", name, known)
		}
		gs = append(gs, Gap(name))
	}
	return gs, nil
}

// Await waits until done reports true, letting time pass between calls:
// the simulated account advances its clock, a real backend polls. It
// returns done's error, or an error once its bound is reached.
type Await func(ctx context.Context, what string, done func(ctx context.Context) (bool, error)) error

// Poll is the Await of real backends: it calls done every interval until
// it reports true, for at most bound.
func Poll(interval, bound time.Duration) Await {
	return func(ctx context.Context, what string, done func(ctx context.Context) (bool, error)) error {
		ctx, cancel := context.WithTimeout(ctx, bound)
		defer cancel()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			ok, err := done(ctx)
			if err != nil {
				return fmt.Errorf("wait for %s: %w", what, err)
			}
			if ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("wait for %s: not done after %s", what, bound)
			case <-tick.C:
			}
		}
	}
}

// Backend is what the suite runs against.
type Backend struct {
	// Connector opens the accounts.
	Connector cloud.Connector
	// Primary is the account most of the suite works in.
	Primary cloud.Target
	// Peer is a second account, which snapshots are shared with. The zero
	// Target skips the parts that need one.
	Peer cloud.Target
	// Await lets paced states (instances, snapshots, DNS changes) move on;
	// nil polls every 100ms for a minute.
	Await Await
	// Gaps are the ways the backend falls short of AWS.
	Gaps Gaps
}

// suite is one run of the conformance suite.
type suite struct {
	b       Backend
	primary *cloud.Account
	peer    *cloud.Account // nil without a peer
	prefix  string         // unique to the run: every name starts with it
	tags    map[string]string
}

// envTag is the tag envbench puts on everything an environment creates.
const envTag = "envbench:env"

// Run runs the conformance suite against b: every method of every
// interface of cloud.Account, with the errors callers decide on.
func Run(t *testing.T, b Backend) {
	t.Helper()
	if b.Await == nil {
		b.Await = Poll(100*time.Millisecond, time.Minute)
	}
	s := &suite{b: b, prefix: unique()}
	s.tags = map[string]string{envTag: s.prefix}
	ctx := context.Background()
	var err error
	if s.primary, err = b.Connector.Connect(ctx, b.Primary); err != nil {
		t.Fatalf("connect to the primary account: %v", err)
	}
	if b.Peer != (cloud.Target{}) {
		if s.peer, err = b.Connector.Connect(ctx, b.Peer); err != nil {
			t.Fatalf("connect to the peer account: %v", err)
		}
		if s.peer.ID == s.primary.ID {
			t.Fatalf("the peer target opens the primary account %s again: sharing needs another account", s.primary.ID)
		}
	}
	t.Run("Identity", s.identity)
	t.Run("Tagging", s.tagging)
	t.Run("Network", s.network)
	t.Run("Databases", s.databases)
	t.Run("Keys", s.keys)
	t.Run("Secrets", s.secrets)
	t.Run("DNS", s.dns)
	t.Run("Objects", s.objects)
	t.Run("Trail", s.trail)
}

// unique returns a name prefix of lowercase letters and digits that no
// other run uses: valid for RDS identifiers and S3 buckets.
func unique() string {
	return "ct" + strings.ToLower(rand.Text()[:8])
}

// name returns a resource name unique to the run.
func (s *suite) name(what string) string { return s.prefix + "-" + what }

// gap skips the rest of t when the backend declares g.
func (s *suite) gap(t *testing.T, g Gap, what string) {
	t.Helper()
	if s.b.Gaps.Has(g) {
		t.Skipf("gap %s: this backend falls short of AWS here (%s); covered on the simulated account", g, what)
	}
}

func (s *suite) needPeer(t *testing.T) {
	t.Helper()
	if s.peer == nil {
		t.Skip("no peer account: the backend gives no second account to share with")
	}
}

func (s *suite) await(t *testing.T, what string, done func(ctx context.Context) (bool, error)) {
	t.Helper()
	if err := s.b.Await(context.Background(), what, done); err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T, err error, doing string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", doing, err)
	}
}

// wantKind checks that err is of kind (errors.Is), as a caller decides.
func wantKind(t *testing.T, err, kind error, doing string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %v", doing, kind)
		return
	}
	if !errors.Is(err, kind) {
		t.Errorf("%s: error %q is not %v", doing, err, kind)
	}
}

// noSecret checks that no secret value is in err's text.
func noSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, v := range secrets {
		if strings.Contains(err.Error(), v) {
			t.Errorf("an error holds a secret value: %q", strings.ReplaceAll(err.Error(), v, "<SECRET>"))
		}
	}
}

// hasTags checks that got carries every tag of want.
func hasTags(t *testing.T, got, want map[string]string, what string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: tag %s = %q, want %q (tags %v)", what, k, got[k], v, got)
		}
	}
}

// containsAll reports whether list holds every item of want.
func containsAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, x := range list {
			if x == w {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
