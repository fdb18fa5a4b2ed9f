package sweep

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/envbench/envbench/envs/cloud"
)

// maxBlockerLookups bounds the CloudTrail lookups for one blocked item's
// holders (LookupEvents allows 2 requests a second).
const maxBlockerLookups = 5

// Execute deletes the planned items of s in order, telling report each
// item once its outcome is known, and returns what was removed, what
// remains (with why) and what was skipped. Just before it starts, it
// lists what is tagged for the environment again: an item no longer
// tagged for it is skipped, and nothing else is ever deleted (a hosted
// zone's records and a bucket's objects go with their tagged zone or
// bucket). A retryable error is retried under sw.Retry; a
// DependencyViolation makes the item Blocked, naming what holds it and
// who created that, from acct's CloudTrail. The error is for the sweep
// itself failing (the listing, a cancelled ctx): the report then holds
// what was done so far.
func (sw Sweeper) Execute(ctx context.Context, acct *cloud.Account, s *Sweep, report func(Item)) (*Report, error) {
	if report == nil {
		report = func(Item) {}
	}
	rep := &Report{Env: s.Env, Account: s.Account, Region: s.Region}
	if acct == nil || acct.Tagging == nil {
		return rep, fmt.Errorf("sweep %s: no account to sweep", s.Env)
	}
	if acct.ID != s.Account {
		return rep, fmt.Errorf("sweep %s: the sweep was planned in account %s, not %s", s.Env, s.Account, acct.ID)
	}
	var tagged []cloud.TaggedResource
	if _, err := sw.try(ctx, func() error {
		var err error
		tagged, err = acct.Tagging.ResourcesByTag(ctx, TagKey, s.Env)
		return err
	}); err != nil {
		return rep, fmt.Errorf("sweep %s: list what is tagged %s=%s: %w", s.Env, TagKey, s.Env, err)
	}
	creators := map[string]*Creator{} // by id: a holder of several items is looked up once
	still := map[string]bool{}
	for _, tr := range tagged {
		if tr.Tags[TagKey] == s.Env {
			still[tr.ARN] = true
		}
	}
	for i := range s.Items {
		it := &s.Items[i]
		if it.Outcome == Planned {
			if err := ctx.Err(); err != nil {
				return rep, fmt.Errorf("sweep %s: %w", s.Env, err)
			}
			if !still[it.ARN] {
				it.Outcome, it.Reason = Skipped, fmt.Sprintf("no longer tagged %s=%s: left alone", TagKey, s.Env)
			} else {
				sw.delete(ctx, acct, it, creators)
			}
		}
		switch it.Outcome {
		case Deleted, Scheduled:
			rep.Removed = append(rep.Removed, *it)
		case Skipped:
			rep.Skipped = append(rep.Skipped, *it)
		default:
			rep.Remaining = append(rep.Remaining, *it)
		}
		report(*it)
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("sweep %s: %w", s.Env, err)
		}
	}
	return rep, nil
}

// delete deletes one item and sets its outcome; creators caches the
// CloudTrail lookups of who made what.
func (sw Sweeper) delete(ctx context.Context, acct *cloud.Account, it *Item, creators map[string]*Creator) {
	creator := func(id string) *Creator {
		if c, ok := creators[id]; ok {
			return c
		}
		c := sw.creator(ctx, acct.Trail, id)
		creators[id] = c
		return c
	}
	attempts, err := sw.deleteByType(ctx, acct, it)
	it.Attempts += attempts
	var dv *cloud.DependencyViolationError
	switch {
	case err == nil:
		if it.Outcome == Planned {
			it.Outcome = Deleted
		}
	case errors.Is(err, cloud.ErrNotFound):
		it.Outcome, it.Reason = Deleted, "already gone"
	case errors.As(err, &dv):
		it.Outcome, it.Reason = Blocked, err.Error()
		for i, id := range dv.BlockedBy {
			b := Blocker{ID: id}
			if i < maxBlockerLookups {
				b.Creator = creator(id)
			}
			it.Blockers = append(it.Blockers, b)
		}
		for _, id := range it.HeldBy {
			if !containsBlocker(it.Blockers, id) {
				it.Blockers = append(it.Blockers, Blocker{ID: id, Creator: creator(id)})
			}
		}
		ref := it.ID
		if it.Type == TypeKey || it.Type == TypeSecret {
			ref = it.ARN
		}
		it.Creator = creator(ref)
	default:
		it.Outcome, it.Reason = Failed, err.Error()
	}
}

func containsBlocker(bs []Blocker, id string) bool {
	for _, b := range bs {
		if b.ID == id {
			return true
		}
	}
	return false
}

// deleteByType makes the calls that delete one item, each retried; it
// returns the attempts made.
func (sw Sweeper) deleteByType(ctx context.Context, acct *cloud.Account, it *Item) (int, error) {
	n := 0
	call := func(fn func() error) error {
		k, err := sw.try(ctx, fn)
		n += k
		return err
	}
	wrap := func(err error) error {
		if err == nil {
			return nil
		}
		return fmt.Errorf("delete %s %s: %w", it.Type, it.ID, err)
	}
	switch it.Type {
	case TypeInterface:
		return n, wrap(call(func() error { return acct.Network.DeleteNetworkInterface(ctx, it.ID) }))
	case TypeSecurityGrp:
		return n, wrap(call(func() error { return acct.Network.DeleteSecurityGroup(ctx, it.ID) }))
	case TypeSubnet:
		return n, wrap(call(func() error { return acct.Network.DeleteSubnet(ctx, it.ID) }))
	case TypeVPC:
		return n, wrap(call(func() error { return acct.Network.DeleteVPC(ctx, it.ID) }))
	case TypeDBInstance:
		if err := call(func() error { return acct.Databases.DeleteInstance(ctx, it.ID) }); err != nil {
			return n, wrap(err)
		}
		return n, wrap(sw.waitGone(ctx, acct.Databases, it.ID))
	case TypeDBSnapshot:
		return n, wrap(call(func() error { return acct.Databases.DeleteSnapshot(ctx, it.ID) }))
	case TypeDBSubnetGrp:
		return n, wrap(call(func() error { return acct.SubnetGroups.DeleteDBSubnetGroup(ctx, it.ID) }))
	case TypeSecret:
		return n, wrap(call(func() error { return acct.Secrets.DeleteSecret(ctx, it.ARN) }))
	case TypeECSService:
		return n, wrap(call(func() error { return acct.Containers.DeleteService(ctx, it.Parent, it.ID) }))
	case TypeECSCluster:
		return n, wrap(call(func() error { return acct.Containers.DeleteCluster(ctx, it.ID) }))
	case TypeZone:
		var records []cloud.Record
		var zone cloud.Zone
		if err := call(func() error {
			zones, err := acct.DNS.Zones(ctx)
			for _, z := range zones {
				if z.ID == it.ID {
					zone = z
				}
			}
			return err
		}); err != nil {
			return n, wrap(err)
		}
		if err := call(func() error {
			var err error
			records, err = acct.DNS.Records(ctx, it.ID)
			return err
		}); err != nil {
			return n, wrap(err)
		}
		for _, r := range records {
			if r.Name == zone.Name && (r.Type == "SOA" || r.Type == "NS") {
				continue
			}
			if err := call(func() error { _, err := acct.DNS.DeleteRecord(ctx, it.ID, r); return err }); err != nil && !errors.Is(err, cloud.ErrNotFound) {
				return n, wrap(fmt.Errorf("delete record %s %s: %w", r.Name, r.Type, err))
			}
		}
		return n, wrap(call(func() error { return acct.DNS.DeleteZone(ctx, it.ID) }))
	case TypeBucket:
		var objects []cloud.Object
		if err := call(func() error {
			var err error
			objects, err = acct.Objects.ListObjects(ctx, it.ID, "")
			return err
		}); err != nil {
			return n, wrap(err)
		}
		for _, o := range objects {
			if err := call(func() error { return acct.Objects.DeleteObject(ctx, it.ID, o.Key) }); err != nil && !errors.Is(err, cloud.ErrNotFound) {
				return n, wrap(fmt.Errorf("delete object %s: %w", o.Key, err))
			}
		}
		return n, wrap(call(func() error { return acct.Objects.DeleteBucket(ctx, it.ID) }))
	case TypeKey:
		var key cloud.Key
		if err := call(func() error {
			var err error
			key, err = acct.Keys.Key(ctx, it.ID)
			return err
		}); err != nil {
			return n, wrap(err)
		}
		switch {
		case key.Managed:
			it.Outcome, it.Reason = Skipped, "an AWS managed key: AWS deletes it"
			return n, nil
		case key.State == "PendingDeletion":
			it.Outcome, it.Reason = Skipped, "already pending deletion"
			return n, nil
		}
		days := sw.KeyDeletionDays
		if days == 0 {
			days = 7
		}
		if err := call(func() error { return acct.Keys.ScheduleKeyDeletion(ctx, it.ID, days) }); err != nil {
			return n, wrap(err)
		}
		it.Outcome, it.Reason = Scheduled, fmt.Sprintf("deleted by KMS in %d days", days)
		return n, nil
	}
	return n, fmt.Errorf("the sweep has no way to delete a %s", it.Type)
}

// waitGone waits until a deleted DB instance no longer exists, so that
// its subnet group and key can go.
func (sw Sweeper) waitGone(ctx context.Context, db cloud.Databases, id string) error {
	poll := sw.DatabasePoll
	if poll <= 0 {
		poll = 15 * time.Second
	}
	limit := sw.DatabaseWait
	if limit <= 0 {
		limit = 30 * time.Minute
	}
	for waited := time.Duration(0); ; waited += poll {
		_, err := db.Instance(ctx, id)
		switch {
		case errors.Is(err, cloud.ErrNotFound):
			return nil
		case err != nil && !cloud.IsRetryable(err):
			return fmt.Errorf("wait for DB instance %s to go: %w", id, err)
		}
		if waited >= limit {
			return fmt.Errorf("DB instance %s is still there %v after its deletion", id, limit)
		}
		if err := sw.sleep(ctx, poll); err != nil {
			return err
		}
	}
}

// try runs fn, again after a wait while it fails with a retryable error,
// up to the policy's attempts; it returns the attempts made and the last
// error.
func (sw Sweeper) try(ctx context.Context, fn func() error) (int, error) {
	p := sw.Retry
	if p.Attempts <= 0 {
		p = DefaultRetry
	}
	delay := p.FirstDelay
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || !cloud.IsRetryable(err) || attempt >= p.Attempts {
			return attempt, err
		}
		if err := sw.sleep(ctx, delay); err != nil {
			return attempt, err
		}
		delay = min(2*delay, p.MaxDelay)
		if delay <= 0 {
			delay = p.MaxDelay
		}
	}
}

func (sw Sweeper) sleep(ctx context.Context, d time.Duration) error {
	if sw.Sleep != nil {
		return sw.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
