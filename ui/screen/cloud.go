package screen

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/cloud"
)

// CloudOpener opens the accounts of a workspace for one check: the
// simulated AWS of a simulated workspace (opened, and seeded on first use,
// only when a check needs it), AWS itself otherwise. The function it
// returns releases what was opened; call it once the check is done.
type CloudOpener func(ctx context.Context, c *envs.Catalog) (cloud.Connector, func(), error)

// CheckTimeout bounds an identity or role check, so a check against an
// unreachable endpoint ends with an error the screen can show.
const CheckTimeout = 15 * time.Second

// RoleCheckSession is the session name a role check made at now assumes a
// role with, envbench-check-<time>: CloudTrail shows it as that check's.
func RoleCheckSession(now time.Time) string {
	return "envbench-check-" + now.UTC().Format("20060102T150405Z")
}

// CheckIdentity returns who the workspace's calls are made as when no role
// is assumed: STS's GetCallerIdentity in the workspace's default region.
func CheckIdentity(ctx context.Context, open CloudOpener, c *envs.Catalog) (cloud.Caller, error) {
	if open == nil || c == nil {
		return cloud.Caller{}, errors.New("check identity: no cloud to ask")
	}
	ctx, cancel := context.WithTimeout(ctx, CheckTimeout)
	defer cancel()
	conn, release, err := open(ctx, c)
	if err != nil {
		return cloud.Caller{}, fmt.Errorf("check identity: %w", err)
	}
	defer release()
	a, err := conn.Connect(ctx, cloud.Target{Region: c.Settings.DefaultRegion})
	if err != nil {
		return cloud.Caller{}, fmt.Errorf("check identity: %w", err)
	}
	caller, err := a.Identity.CallerIdentity(ctx)
	if err != nil {
		return cloud.Caller{}, fmt.Errorf("check identity: %w", err)
	}
	return caller, nil
}

// CheckRole assumes the environment's role as the workspace's identity and
// returns who that makes the caller; an environment without a role acts as
// the identity itself, which is returned.
func CheckRole(ctx context.Context, open CloudOpener, c *envs.Catalog, e *envs.Environment, now time.Time) (cloud.Caller, error) {
	if open == nil || c == nil {
		return cloud.Caller{}, errors.New("check role: no cloud to ask")
	}
	ctx, cancel := context.WithTimeout(ctx, CheckTimeout)
	defer cancel()
	conn, release, err := open(ctx, c)
	if err != nil {
		return cloud.Caller{}, fmt.Errorf("check role of %s: %w", e.Name, err)
	}
	defer release()
	a, err := conn.Connect(ctx, cloud.Target{Region: e.Region})
	if err != nil {
		return cloud.Caller{}, fmt.Errorf("check role of %s: %w", e.Name, err)
	}
	if e.Role == "" {
		return a.Identity.CallerIdentity(ctx)
	}
	caller, err := a.Identity.AssumeRole(ctx, cloud.Target{Region: e.Region, RoleARN: e.Role, SessionName: RoleCheckSession(now)})
	if err != nil {
		return cloud.Caller{}, fmt.Errorf("assume %s: %w", e.Role, err)
	}
	return caller, nil
}
