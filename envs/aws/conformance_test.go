package aws

import (
	"os"
	"testing"
	"time"

	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/cloud/cloudtest"
)

// motoGaps are where moto 5 falls short of AWS; the suite covers them on
// the simulated account.
var motoGaps = cloudtest.Gaps{
	cloudtest.CrossAccountSnapshotByARN,
	cloudtest.DefaultKeyShareRefused,
	cloudtest.InterfaceHoldsNetwork,
	cloudtest.TrailEvents,
	cloudtest.ChangeNotFound,
	cloudtest.ManagedKeyAlias,
	cloudtest.GrantsOfMissingKey,
	cloudtest.TagResourcesRefused,
}

// TestConformanceMoto runs the conformance suite against moto's server.
// moto picks the account from the credentials: the static ones act in
// 123456789012, and a role assumed into another account id acts there,
// which gives the peer account.
func TestConformanceMoto(t *testing.T) {
	cloudtest.Run(t, cloudtest.Backend{
		Connector: motoConnector(t),
		Primary:   cloud.Target{Region: "us-east-1", RoleARN: "arn:aws:iam::123456789012:role/envbench-conformance", SessionName: "envbench-conformance-primary"},
		Peer:      cloud.Target{Region: "us-east-1", RoleARN: "arn:aws:iam::210987654321:role/envbench-conformance", SessionName: "envbench-conformance-peer", ExternalID: "envbench-peer"},
		Await:     cloudtest.Poll(50*time.Millisecond, 30*time.Second),
		Gaps:      motoGaps,
	})
}

// TestConformanceEndpoint runs the conformance suite against the
// AWS-compatible endpoint ENVBENCH_TEST_AWS_ENDPOINT, with the standard
// credential chain. ENVBENCH_TEST_AWS_REGION (default us-east-1),
// ENVBENCH_TEST_AWS_ROLE and ENVBENCH_TEST_AWS_PEER_ROLE (a role in a
// second account, for sharing) choose the accounts;
// ENVBENCH_TEST_AWS_GAPS lists the endpoint's gaps, comma-separated.
func TestConformanceEndpoint(t *testing.T) {
	endpoint := os.Getenv("ENVBENCH_TEST_AWS_ENDPOINT")
	if endpoint == "" {
		t.Skip("ENVBENCH_TEST_AWS_ENDPOINT is not set: no AWS-compatible endpoint to run the conformance suite against")
	}
	gaps, err := cloudtest.ParseGaps(os.Getenv("ENVBENCH_TEST_AWS_GAPS"))
	if err != nil {
		t.Fatalf("ENVBENCH_TEST_AWS_GAPS: %v", err)
	}
	region := os.Getenv("ENVBENCH_TEST_AWS_REGION")
	if region == "" {
		region = "us-east-1"
	}
	b := cloudtest.Backend{
		Connector: &Connector{Endpoint: endpoint},
		Primary:   cloud.Target{Region: region},
		Await:     cloudtest.Poll(5*time.Second, 30*time.Minute),
		Gaps:      gaps,
	}
	if role := os.Getenv("ENVBENCH_TEST_AWS_ROLE"); role != "" {
		b.Primary.RoleARN, b.Primary.SessionName = role, "envbench-conformance"
	}
	if role := os.Getenv("ENVBENCH_TEST_AWS_PEER_ROLE"); role != "" {
		b.Peer = cloud.Target{Region: region, RoleARN: role, SessionName: "envbench-conformance-peer"}
	}
	cloudtest.Run(t, b)
}
