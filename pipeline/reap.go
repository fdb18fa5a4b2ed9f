package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/cloud"
)

// ReapOptions configure a reap.
type ReapOptions struct {
	Options
	// DryRun only lists the expired sandboxes.
	DryRun bool
	// Connector opens the accounts for the sweeps; nil: the workspace's
	// own (see TeardownOptions).
	Connector cloud.Connector
	// DestroyRetry is each teardown's destroy policy; zero: TransientRetry.
	DestroyRetry RetryPolicy
	// Ask, when set, is asked once before anything is torn down, with the
	// expired sandboxes as Targets; it must answer ReapConfirm.
	Ask Approver
}

// ReapConfirm is what a person types to approve a reap.
const ReapConfirm = "reap"

// ReapResult is what a reap found and did.
type ReapResult struct {
	// Expired are the environments whose ttl has passed and that are not
	// protected, by name: what the reap tears down (or would).
	Expired []*envs.Environment
	// Teardowns are the teardowns run, in the order of Expired; none in a
	// dry run.
	Teardowns []*TeardownResult
	// Failed says, by environment, why its teardown did not finish clean.
	Failed map[string]error
}

// Expired lists the environments reap tears down: valid, past their ttl
// as of the catalog's time, and not protected.
func Expired(c *envs.Catalog) []*envs.Environment {
	var out []*envs.Environment
	for _, e := range c.Environments {
		if e.Expired && !e.Protected && e.Valid() {
			out = append(out, e)
		}
	}
	return out
}

// Reap tears down every expired sandbox (Expired), one teardown run each,
// so that each has its own journal and lock, confirmed by its own name:
// the listing is the confirmation, which the caller obtains before it
// calls Reap. A failed teardown does not stop the others; the error then
// names every environment that did not finish clean.
func Reap(ctx context.Context, c *envs.Catalog, opts ReapOptions, sink func(Event)) (*ReapResult, error) {
	res := &ReapResult{Expired: Expired(c), Failed: map[string]error{}}
	if opts.DryRun || len(res.Expired) == 0 {
		return res, nil
	}
	if opts.Ask != nil {
		a := Approval{Env: ReapConfirm, Pipeline: "reap", NeedsName: true}
		for _, e := range res.Expired {
			a.Targets = append(a.Targets, e.Name)
		}
		if _, err := approve(ctx, opts.Ask, a); err != nil {
			return res, err
		}
	}
	var failed []string
	for _, e := range res.Expired {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("reap: %w", err)
		}
		o := TeardownOptions{Options: opts.Options, Confirm: e.Name, Connector: opts.Connector, DestroyRetry: opts.DestroyRetry}
		o.RunID = ""
		t, err := Teardown(ctx, c, e.Name, o, sink)
		if t != nil {
			res.Teardowns = append(res.Teardowns, t)
		}
		if err != nil {
			res.Failed[e.Name] = err
			failed = append(failed, e.Name)
		}
	}
	if len(failed) > 0 {
		var msgs []string
		for _, name := range failed {
			msgs = append(msgs, name+": "+res.Failed[name].Error())
		}
		return res, fmt.Errorf("reap: %d of %d teardown(s) did not finish clean:\n%s", len(failed), len(res.Expired), strings.Join(msgs, "\n"))
	}
	return res, nil
}
