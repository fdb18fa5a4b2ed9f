package plan

import (
	"os"
	"testing"

	"github.com/envbench/envbench/envs/simprovider"
)

// TestMain serves the simulated aws provider when a run of these tests on
// a simulated workspace starts this test binary as its provider (envbench
// itself does so in main).
func TestMain(m *testing.M) {
	simprovider.ServeIfPlugin()
	os.Exit(m.Run())
}
