package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/fake"
	"github.com/envbench/envbench/envs/simprovider"
	"github.com/envbench/envbench/envs/tf"
)

// SimulationReport is what preparing a simulated workspace did.
type SimulationReport struct {
	// Applied are the environments of the seed's `apply:` list this call
	// applied; none when the simulation was prepared before.
	Applied []string
	// Failure says why applying them failed, once: only the call that
	// tried reports it. The simulation stays usable, and `envbench sim
	// reset` tries again.
	Failure error
}

// preparingKey marks the context of the runs that prepare a simulation.
type preparingKey struct{}

func preparing(ctx context.Context) bool { return ctx.Value(preparingKey{}) != nil }

// PendingSimulation are the environments that preparing the workspace's
// simulation would apply now: none for a workspace that is not simulated
// or whose simulation was prepared. It opens (and so seeds) the
// simulation; the TUI uses it to say what it is preparing.
func PendingSimulation(ctx context.Context, c *envs.Catalog) ([]string, error) {
	if c.Settings.Cloud != config.CloudSimulated {
		return nil, nil
	}
	sim, err := fake.OpenWorkspace(ctx, c.Root, filepath.Join(c.Root, fake.WorkspaceSeed), fake.Options{})
	if err != nil {
		return nil, fmt.Errorf("prepare simulated AWS: %w", err)
	}
	defer sim.Close()
	return sim.PendingApplies(ctx)
}

// PrepareSimulation seeds the simulated workspace's simulation if it is
// new and applies the environments its seed lists under `apply:` with
// this package's Plan and Apply (confirmed with each environment's name),
// at the simulation's instant pace, then marks them done so that no one
// applies them again. Two processes preparing at once are serialized by a
// lock file beside the simulation (.envbench/sim/prepare.lock): the second
// waits and finds nothing left to do. It does nothing for a workspace that
// is not simulated, nor inside the runs it starts. The error is for a
// simulation that cannot be opened; a failed apply is the report's
// Failure, said by this call only.
func PrepareSimulation(ctx context.Context, c *envs.Catalog, opts Options) (SimulationReport, error) {
	if c.Settings.Cloud != config.CloudSimulated || preparing(ctx) {
		return SimulationReport{}, nil
	}
	unlock, err := lockSimulation(ctx, c.Root)
	if err != nil {
		return SimulationReport{}, err
	}
	defer unlock()
	return prepareLocked(ctx, c, opts)
}

// waitingForSimulation, for tests, is called when a run starts to wait for
// the simulation's preparation.
var waitingForSimulation func()

// awaitSimulation is every workspace run's Engine.Before: while another
// process, or the TUI in the background, is preparing the workspace's
// simulation (it holds the lock PrepareSimulation takes), it waits for
// that to finish before the run takes its environment's lock, so that a
// run never meets the lock of the preparation's own apply of the same
// environment. It prepares nothing itself: the commands and the TUI do,
// and runs inside the preparation pass straight through.
func awaitSimulation(ctx context.Context, c *envs.Catalog) error {
	if c.Settings.Cloud != config.CloudSimulated || preparing(ctx) {
		return nil
	}
	f, err := os.OpenFile(simulationLockPath(c.Root), os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil // never prepared: nothing to wait for
	}
	if err != nil {
		return fmt.Errorf("simulated AWS: %w", err)
	}
	free, err := tryLockFile(f)
	f.Close()
	if err != nil || free {
		return err
	}
	if waitingForSimulation != nil {
		waitingForSimulation()
	}
	unlock, err := lockSimulation(ctx, c.Root)
	if err != nil {
		return err
	}
	unlock()
	return nil
}

// ResetSimulation throws the workspace's simulation away with
// fake.ResetWorkspace, and with it the Terraform state of the
// environments its seed applies (terraform.tfstate, its backup and the
// apply record of their work directories), which would otherwise name
// resources that no longer exist; then prepares it again
// (PrepareSimulation), so that their state and the account agree.
func ResetSimulation(ctx context.Context, c *envs.Catalog, opts Options) (SimulationReport, error) {
	if c.Settings.Cloud != config.CloudSimulated {
		return SimulationReport{}, fmt.Errorf("reset simulated AWS: workspace %s is not simulated", c.Root)
	}
	unlock, err := lockSimulation(ctx, c.Root)
	if err != nil {
		return SimulationReport{}, err
	}
	defer unlock()
	sim, err := fake.ResetWorkspace(ctx, c.Root, filepath.Join(c.Root, fake.WorkspaceSeed), fake.Options{})
	if err != nil {
		return SimulationReport{}, err
	}
	pending, err := sim.PendingApplies(ctx)
	sim.Close()
	if err != nil {
		return SimulationReport{}, err
	}
	for _, name := range pending {
		dir := envs.WorkDir(c.Root, name)
		for _, f := range []string{filepath.Join(dir, "terraform.tfstate"), filepath.Join(dir, "terraform.tfstate.backup"), tf.ApplyRecordPath(dir)} {
			if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
				return SimulationReport{}, fmt.Errorf("reset simulated AWS: remove %s's state: %w", name, err)
			}
		}
	}
	return prepareLocked(ctx, c, opts)
}

func prepareLocked(ctx context.Context, c *envs.Catalog, opts Options) (SimulationReport, error) {
	sim, err := fake.OpenWorkspace(ctx, c.Root, filepath.Join(c.Root, fake.WorkspaceSeed), fake.Options{})
	if err != nil {
		return SimulationReport{}, fmt.Errorf("prepare simulated AWS: %w", err)
	}
	defer sim.Close()
	pending, err := sim.PendingApplies(ctx)
	if err != nil || len(pending) == 0 {
		return SimulationReport{}, err
	}
	ctx = context.WithValue(ctx, preparingKey{}, true)
	var rep SimulationReport
	for _, name := range pending {
		if err := applySeeded(ctx, c, name, opts); err != nil {
			rep.Failure = fmt.Errorf("prepare simulated AWS: apply %s (listed under apply: in %s): %w", name, fake.WorkspaceSeed, err)
			break
		}
		rep.Applied = append(rep.Applied, name)
	}
	failure := ""
	if rep.Failure != nil {
		failure = rep.Failure.Error()
	}
	if err := sim.FinishApplies(ctx, failure); err != nil {
		return rep, err
	}
	return rep, nil
}

// applySeeded plans and applies one environment of the seed, confirmed
// with its name.
func applySeeded(ctx context.Context, c *envs.Catalog, name string, opts Options) error {
	opts.RunID = ""
	res, err := Plan(ctx, c, name, "", opts, nil)
	if err != nil {
		return err
	}
	if _, err := Apply(ctx, c, name, res.PlanFile, name, opts, nil); err != nil {
		return err
	}
	return nil
}

// simulatedEnv is Terraform's environment for a run on the simulated
// provider: the runs that prepare a simulation run at its instant pace,
// whatever the caller's ENVBENCH_SIM_PACE.
func simulatedEnv(ctx context.Context, env map[string]string) map[string]string {
	if !preparing(ctx) {
		return env
	}
	out := maps.Clone(env)
	if out == nil {
		out = map[string]string{}
	}
	out[simprovider.PaceEnv] = "instant"
	return out
}

// simulationLockPath is the lock file that serializes the preparations of
// a workspace's simulation.
func simulationLockPath(root string) string {
	return filepath.Join(filepath.Dir(filepath.Join(root, fake.WorkspaceDB)), "prepare.lock")
}

// lockSimulation takes the workspace's simulation lock, waiting for it
// until ctx is done.
func lockSimulation(ctx context.Context, root string) (func(), error) {
	dir := filepath.Dir(filepath.Join(root, fake.WorkspaceDB))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("prepare simulated AWS: %w", err)
	}
	name := simulationLockPath(root)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("prepare simulated AWS: %w", err)
	}
	locked := make(chan error, 1)
	go func() { locked <- lockFile(f) }()
	select {
	case err := <-locked:
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("prepare simulated AWS: lock %s: %w", name, err)
		}
		return func() { f.Close() }, nil
	case <-ctx.Done():
		// Given up: whenever the lock comes, let it go at once.
		go func() {
			<-locked
			f.Close()
		}()
		return nil, fmt.Errorf("prepare simulated AWS: waiting for %s: %w", name, ctx.Err())
	}
}
