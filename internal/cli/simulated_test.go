package cli

import (
	"os"

	"github.com/envbench/envbench/envs/simprovider"
)

// The simulated RDS is immediate for the envbench processes these tests
// start (they inherit the environment): no apply waits for a database.
func init() { os.Setenv(simprovider.PaceEnv, "instant") }
