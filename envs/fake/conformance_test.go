package fake

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/cloud/cloudtest"
)

// TestConformance runs envs/cloud's one conformance suite against the
// simulated account, with no gaps declared: the simulation behaves as AWS
// does wherever the suite looks. Paced states move on through the test
// clock, never by sleeping.
func TestConformance(t *testing.T) {
	s, c := testSim(t)
	if err := s.CreateRole(Role{ARN: "arn:aws:iam::222222222222:role/envbench-peer", ExternalID: "envbench-peer"}); err != nil {
		t.Fatal(err)
	}
	cloudtest.Run(t, cloudtest.Backend{
		Connector: s,
		Primary:   cloud.Target{Region: "eu-west-1", RoleARN: "arn:aws:iam::111111111111:role/envbench-deployer", SessionName: "envbench-conformance-primary"},
		Peer:      cloud.Target{Region: "eu-west-1", RoleARN: "arn:aws:iam::222222222222:role/envbench-peer", SessionName: "envbench-conformance-peer", ExternalID: "envbench-peer"},
		Await:     clockAwait(c, 5*time.Second, time.Hour),
	})
}

// clockAwait is the suite's Await on the test clock: between checks the
// clock moves by step, up to bound of simulated time.
func clockAwait(c *clock, step, bound time.Duration) cloudtest.Await {
	return func(ctx context.Context, what string, done func(ctx context.Context) (bool, error)) error {
		for waited := time.Duration(0); ; waited += step {
			ok, err := done(ctx)
			if err != nil {
				return fmt.Errorf("wait for %s: %w", what, err)
			}
			if ok {
				return nil
			}
			if waited >= bound {
				return fmt.Errorf("wait for %s: not done after %s of simulated time", what, bound)
			}
			c.Advance(step)
		}
	}
}
