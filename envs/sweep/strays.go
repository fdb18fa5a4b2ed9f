package sweep

import (
	"context"

	"github.com/envbench/envbench/envs/cloud"
)

// Strays lists what a run made that Terraform never recorded: the
// resources tagged envbench:env=env in acct that CloudTrail says were
// created by session (the run's "envbench-<run-id>") and that known (the
// state's resources) does not claim. That is what a Terraform killed
// between a create call and writing its state leaves. The result is
// ordered for Execute, like Plan's.
func (sw Sweeper) Strays(ctx context.Context, acct *cloud.Account, env, region, session string, known func(Item) bool) (*Sweep, error) {
	s, err := sw.Plan(ctx, acct, env, region)
	if err != nil {
		return nil, err
	}
	var kept []Item
	for _, it := range s.Items {
		if known(it) || it.Outcome != Planned {
			continue
		}
		c := sw.creator(ctx, acct.Trail, it.ID)
		if c == nil || c.Who != session {
			continue
		}
		it.Creator = c
		kept = append(kept, it)
	}
	s.Items = kept
	return s, nil
}
