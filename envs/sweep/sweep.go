// Package sweep is teardown's last pass over an environment's account:
// everything still tagged envbench:env=<name> in the environment's
// account and region, found through the Resource Groups Tagging API
// (envs/cloud's Tagging), typed by its ARN, put in dependency order (a
// table of ranks by type, plus the real edges found: the security groups
// an interface uses, a subnet's VPC, a DB instance's subnet group and
// key), listed first as a dry run (Plan), then deleted in that order
// (Execute). What will not delete is reported with what holds it, and who
// created the holder, from the account's CloudTrail.
//
// The sweep deletes only what carries the environment's tag, and only in
// the account it was given; it never decides whether an environment may
// be swept (a protected one may not: that is the caller's to refuse). It
// prints nothing: it returns plain types, and tells each item's outcome
// to a callback.
package sweep

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/envbench/envbench/envs/cloud"
)

// TagKey is the tag every resource of an environment carries, with the
// environment's name as its value.
const TagKey = "envbench:env"

// Outcome is what became of an item.
type Outcome string

// The outcomes of an item.
const (
	// Planned: listed, not acted on yet.
	Planned Outcome = "planned"
	// Deleted: gone (Reason says "already gone" when it was before the
	// sweep came to it).
	Deleted Outcome = "deleted"
	// Scheduled: a KMS key scheduled for deletion, as KMS allows no more.
	Scheduled Outcome = "scheduled"
	// Blocked: it would not delete because something holds it; Blockers
	// say what, and who made them.
	Blocked Outcome = "blocked"
	// Failed: its deletion failed otherwise (Reason says how), or the
	// sweep has no way to delete its type.
	Failed Outcome = "failed"
	// Skipped: left alone on purpose (no longer tagged for the
	// environment, in another account or region, a key already pending
	// deletion).
	Skipped Outcome = "skipped"
)

// Item is one resource of the sweep.
type Item struct {
	ARN    string
	Type   string // one of the Type constants, or SERVICE:KIND for a type the sweep cannot delete
	ID     string // what its service names it by: sg-0abc, qa-orders
	Parent string // an ECS service's cluster
	Name   string // its Name tag, if any
	Rank   int
	Tags   map[string]string
	// HeldBy lists what Plan found holding the item that the sweep will
	// not delete (not tagged for the environment): a hand-made interface
	// in a tagged security group.
	HeldBy []string

	Outcome Outcome
	// Reason says why an item remains or was skipped, or how it went.
	Reason string
	// Blockers are what held a Blocked item, when known.
	Blockers []Blocker
	// Creator is who created the item, when it is Blocked and CloudTrail
	// still has the event.
	Creator *Creator
	// Attempts counts the attempts of its deletion (retries of throttled
	// calls included).
	Attempts int
}

// Label is the item's id, with its Name tag when it has one: sg-0abc (bob-debug).
func (it Item) Label() string {
	id := it.ID
	if it.Type == TypeSecret {
		if a, err := ParseARN(it.ARN); err == nil {
			id = strings.TrimPrefix(a.Resource, "secret:")
		}
	}
	if id == "" {
		id = it.ARN
	}
	if it.Name != "" && it.Name != id {
		return id + " (" + it.Name + ")"
	}
	return id
}

// Explain says in one line what became of the item: "sg-0abc is held by
// eni-0def (created by dana@acme.example via AWSReservedSSO_Admin_1a2b at
// 2026-11-28 14:02)".
func (it Item) Explain() string {
	switch it.Outcome {
	case Blocked:
		if len(it.Blockers) == 0 {
			return it.Label() + " is still in use: " + it.Reason
		}
		var held []string
		for _, b := range it.Blockers {
			held = append(held, b.String())
		}
		s := it.Label() + " is held by " + strings.Join(held, ", ")
		if it.Creator != nil {
			s += "; it was created by " + it.Creator.String()
		}
		return s
	case Deleted:
		if it.Reason != "" {
			return it.Label() + " deleted (" + it.Reason + ")"
		}
		return it.Label() + " deleted"
	case Planned:
		s := it.Label() + " will be deleted"
		switch {
		case it.Type == TypeKey:
			s = it.Label() + " will be scheduled for deletion"
		case it.Reason != "":
			s = it.Label() + ": " + it.Reason
		}
		if len(it.HeldBy) > 0 {
			s += "; held by " + strings.Join(it.HeldBy, ", ") + ", which the sweep leaves"
		}
		return s
	}
	if it.Reason != "" {
		return it.Label() + " " + string(it.Outcome) + ": " + it.Reason
	}
	return it.Label() + " " + string(it.Outcome)
}

// Blocker is what holds an item that would not delete.
type Blocker struct {
	ID string // eni-0def
	// Creator is who created it, from CloudTrail; nil when CloudTrail has
	// no such event (older than its 90 days, or made by AWS itself).
	Creator *Creator
}

// String is "eni-0def (created by ...)", or the bare id.
func (b Blocker) String() string {
	if b.Creator == nil {
		return b.ID
	}
	return b.ID + " (created by " + b.Creator.String() + ")"
}

// Sweep is what Plan found, in deletion order: the dry run, and the input
// of Execute.
type Sweep struct {
	Env, Account, Region string
	// Items are in deletion order.
	Items []Item
	// Edges are the dependencies found between items.
	Edges []Edge
}

// Pending counts the items Execute will act on.
func (s *Sweep) Pending() int {
	n := 0
	for _, it := range s.Items {
		if it.Outcome == Planned {
			n++
		}
	}
	return n
}

// Report is what a sweep removed, what remains and why, and what it left
// alone on purpose.
type Report struct {
	Env, Account, Region string
	Removed              []Item // Deleted and Scheduled
	Remaining            []Item // Blocked and Failed
	Skipped              []Item
}

// Clean reports whether nothing tagged for the environment remains.
func (r *Report) Clean() bool { return len(r.Remaining) == 0 }

// Retry is how the sweep retries a call that failed with a retryable
// error (cloud.IsRetryable: throttling, a 5xx, a timeout): Attempts in
// all, waiting FirstDelay, then twice as long each time, up to MaxDelay.
type Retry struct {
	Attempts   int
	FirstDelay time.Duration
	MaxDelay   time.Duration
}

// DefaultRetry is the sweep's retry policy.
var DefaultRetry = Retry{Attempts: 5, FirstDelay: time.Second, MaxDelay: 20 * time.Second}

// Sweeper plans and executes sweeps. The zero value uses DefaultRetry and
// the wall clock.
type Sweeper struct {
	Retry Retry // zero Attempts: DefaultRetry
	// Sleep waits d or until ctx ends (then returning ctx's error); nil: a
	// timer. Tests pass their clock's.
	Sleep func(ctx context.Context, d time.Duration) error
	// KeyDeletionDays is the waiting period of a KMS key's deletion, 7 to
	// 30; zero: 7.
	KeyDeletionDays int
	// DatabasePoll is how often Execute checks that a deleted DB instance
	// is gone before it deletes what the instance used; zero: 15s.
	DatabasePoll time.Duration
	// DatabaseWait bounds that wait; zero: 30 minutes.
	DatabaseWait time.Duration
}

// Plan is Sweeper{}.Plan.
func Plan(ctx context.Context, acct *cloud.Account, env, region string) (*Sweep, error) {
	return Sweeper{}.Plan(ctx, acct, env, region)
}

// Execute is Sweeper{}.Execute.
func Execute(ctx context.Context, acct *cloud.Account, s *Sweep, report func(Item)) (*Report, error) {
	return Sweeper{}.Execute(ctx, acct, s, report)
}

// Plan lists everything tagged envbench:env=env in acct (whose region is
// region), types each resource by its ARN, finds the dependencies between
// them (and what untagged holds them), and orders them for deletion. It
// deletes nothing. Items of a type the sweep cannot delete are Failed
// from the start, saying so; items in another account or region (which
// the Tagging API should never return) are Skipped.
func (sw Sweeper) Plan(ctx context.Context, acct *cloud.Account, env, region string) (*Sweep, error) {
	if env == "" {
		return nil, errors.New("sweep: no environment name")
	}
	if acct == nil || acct.Tagging == nil {
		return nil, fmt.Errorf("sweep %s: no account to sweep", env)
	}
	s := &Sweep{Env: env, Account: acct.ID, Region: region}
	var tagged []cloud.TaggedResource
	if _, err := sw.try(ctx, func() error {
		var err error
		tagged, err = acct.Tagging.ResourcesByTag(ctx, TagKey, env)
		return err
	}); err != nil {
		return nil, fmt.Errorf("sweep %s: list what is tagged %s=%s: %w", env, TagKey, env, err)
	}
	for _, tr := range tagged {
		s.Items = append(s.Items, newItem(tr, env, acct.ID, region))
	}
	edges, err := sw.dependencies(ctx, acct, s)
	if err != nil {
		return nil, fmt.Errorf("sweep %s: %w", env, err)
	}
	s.Edges = edges
	s.Items = order(s.Items, edges)
	return s, nil
}

func newItem(tr cloud.TaggedResource, env, account, region string) Item {
	it := Item{ARN: tr.ARN, Tags: maps.Clone(tr.Tags), Name: tr.Tags["Name"], Outcome: Planned}
	a, err := ParseARN(tr.ARN)
	if err != nil {
		it.Type, it.Rank, it.Outcome, it.Reason = unknownTypeLabel, unknownRank, Failed, err.Error()
		return it
	}
	it.Type, it.ID, it.Parent, it.Rank = a.TypeLabel(), a.ID, a.Parent, rankOf(a.Type)
	switch {
	case tr.Tags[TagKey] != env:
		it.Outcome, it.Reason = Skipped, fmt.Sprintf("not tagged %s=%s", TagKey, env)
	case a.Account != "" && a.Account != account:
		it.Outcome, it.Reason = Skipped, "in account "+a.Account+", not "+account
	case a.Region != "" && region != "" && a.Region != region:
		it.Outcome, it.Reason = Skipped, "in region "+a.Region+", not "+region
	case a.Type == "":
		it.Outcome, it.Reason = Failed, "the sweep has no way to delete a "+it.Type+"; delete it by hand"
	}
	return it
}

// dependencies finds the edges between the sweep's items, and what the
// sweep will not delete that holds them (Item.HeldBy).
func (sw Sweeper) dependencies(ctx context.Context, acct *cloud.Account, s *Sweep) ([]Edge, error) {
	index := map[string]int{} // type + " " + id → item
	has := map[string]bool{}
	for i, it := range s.Items {
		if it.Outcome != Planned {
			continue
		}
		index[it.Type+" "+it.ID] = i
		has[it.Type] = true
		switch {
		case it.Type == TypeDBSubnetGrp && acct.SubnetGroups == nil,
			(it.Type == TypeECSCluster || it.Type == TypeECSService) && acct.Containers == nil:
			s.Items[i].Outcome, s.Items[i].Reason = Failed, "this account's API in envbench cannot delete a "+it.Type+"; delete it by hand"
		}
	}
	find := func(typ, id string) (int, bool) {
		i, ok := index[typ+" "+id]
		return i, ok
	}
	var edges []Edge
	edge := func(before, after int, why string) {
		edges = append(edges, Edge{Before: s.Items[before].ARN, After: s.Items[after].ARN, Why: why})
	}
	held := func(i int, by string) {
		if !slices.Contains(s.Items[i].HeldBy, by) {
			s.Items[i].HeldBy = append(s.Items[i].HeldBy, by)
		}
	}
	// ECS: a service before its cluster.
	for i, it := range s.Items {
		if it.Type == TypeECSService {
			if c, ok := find(TypeECSCluster, it.Parent); ok {
				edge(i, c, "the service runs in the cluster")
			}
		}
	}
	if has[TypeVPC] || has[TypeSubnet] || has[TypeSecurityGrp] || has[TypeInterface] {
		if acct.Network == nil {
			return nil, errors.New("no EC2 access to find what holds the network")
		}
		var enis []cloud.NetworkInterface
		var subnets []cloud.Subnet
		var groups []cloud.SecurityGroup
		if _, err := sw.try(ctx, func() error {
			var err error
			enis, err = acct.Network.NetworkInterfaces(ctx, "")
			return err
		}); err != nil {
			return nil, fmt.Errorf("list network interfaces: %w", err)
		}
		if _, err := sw.try(ctx, func() error {
			var err error
			subnets, err = acct.Network.Subnets(ctx, "")
			return err
		}); err != nil {
			return nil, fmt.Errorf("list subnets: %w", err)
		}
		if _, err := sw.try(ctx, func() error {
			var err error
			groups, err = acct.Network.SecurityGroups(ctx, "")
			return err
		}); err != nil {
			return nil, fmt.Errorf("list security groups: %w", err)
		}
		for _, n := range enis {
			ni, tagged := find(TypeInterface, n.ID)
			for _, g := range n.SecurityGroups {
				if gi, ok := find(TypeSecurityGrp, g); ok {
					if tagged {
						edge(ni, gi, "the interface uses the group")
					} else {
						held(gi, n.ID)
					}
				}
			}
			if si, ok := find(TypeSubnet, n.SubnetID); ok {
				if tagged {
					edge(ni, si, "the interface is in the subnet")
				} else {
					held(si, n.ID)
				}
			}
		}
		for _, sn := range subnets {
			si, tagged := find(TypeSubnet, sn.ID)
			if vi, ok := find(TypeVPC, sn.VPCID); ok {
				if tagged {
					edge(si, vi, "the subnet is in the VPC")
				} else {
					held(vi, sn.ID)
				}
			}
		}
		for _, g := range groups {
			gi, tagged := find(TypeSecurityGrp, g.ID)
			if tagged && s.Items[gi].Name == "" {
				s.Items[gi].Name = g.Name
			}
			if vi, ok := find(TypeVPC, g.VPCID); ok {
				if tagged {
					edge(gi, vi, "the group is in the VPC")
				} else if g.Name != "default" {
					held(vi, g.ID)
				}
			}
		}
	}
	if has[TypeDBInstance] || has[TypeDBSubnetGrp] || has[TypeKey] {
		if acct.Databases == nil {
			return nil, errors.New("no RDS access to find what uses the databases' groups and keys")
		}
		var instances []cloud.DBInstance
		if _, err := sw.try(ctx, func() error {
			var err error
			instances, err = acct.Databases.Instances(ctx)
			return err
		}); err != nil {
			return nil, fmt.Errorf("list DB instances: %w", err)
		}
		keys := map[string]int{} // key ARN or id → item
		for i, it := range s.Items {
			if it.Type == TypeKey && it.Outcome == Planned {
				keys[it.ARN], keys[it.ID] = i, i
			}
		}
		for _, db := range instances {
			di, tagged := find(TypeDBInstance, db.ID)
			if gi, ok := find(TypeDBSubnetGrp, db.SubnetGroup); ok && db.SubnetGroup != "" {
				if tagged {
					edge(di, gi, "the instance is in the subnet group")
				} else {
					held(gi, db.ID)
				}
			}
			if ki, ok := keys[db.KMSKeyID]; ok && db.KMSKeyID != "" {
				if tagged {
					edge(di, ki, "the instance is encrypted with the key")
				} else {
					held(ki, db.ID)
				}
			}
		}
	}
	return edges, nil
}
