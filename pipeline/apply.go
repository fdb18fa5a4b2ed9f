package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
)

// ApplyResult is what an apply did.
type ApplyResult struct {
	RunID string
	// PlanRunID is the run that made the applied plan. The plan carries its
	// run id, so the AWS sessions Terraform opens while applying it are
	// named envbench-<PlanRunID>: that is where CloudTrail leads.
	PlanRunID string
	Env       string
	Summary   *tf.ChangeSummary // Terraform's count of what it did
	Elapsed   time.Duration
	// Completed are the resources Terraform finished changing.
	Completed []string
	// InFlight are the resources being changed when the apply was cut
	// short; Interrupted says it was (cancelled, or Terraform died). The
	// environment then shows "apply interrupted" until an apply succeeds.
	InFlight    []string
	Interrupted bool
}

// Apply applies a saved, reviewed plan to its environment, and nothing else:
// the plan file must be the one a plan run of this environment reviewed,
// unchanged since. A high-risk plan, or any plan for a protected
// environment, needs confirm to be the environment's name. It takes the
// environment's lock and streams Terraform's per-resource events to sink.
func Apply(ctx context.Context, c *envs.Catalog, name, planFile, confirm string, opts Options, sink func(Event)) (*ApplyResult, error) {
	r := newRunner(name, opts, sink)
	e, err := env(c, name)
	if err != nil {
		return nil, err
	}
	r.source = func(f string) string { return envs.SourceFile(c.Workspace, e.Environment, f) }
	if planFile, err = filepath.Abs(planFile); err != nil {
		return nil, err
	}
	var lock *Lock
	if err := r.step(StepLock, "locking "+name, func() (string, error) {
		if lock, err = (LocalLocks{Root: c.Root}).acquire(name, CurrentHolder(r.id, "apply", r.opts.now())); err != nil {
			return "", err
		}
		return lock.Message(), nil
	}); err != nil {
		return nil, err
	}
	defer lock.Release()

	var t ticket
	var run *tf.Runner
	var private string // the verified copy that is shown and applied
	defer func() {
		if private != "" {
			os.Remove(private)
		}
	}()
	if err := r.step(StepVerify, "checking the plan is the reviewed one", func() (string, error) {
		if t, err = readTicket(planFile); err != nil {
			return "", err
		}
		if t.Env != name {
			return "", fmt.Errorf("%w: %s was planned for %s, not %s", ErrWrongPlan, planFile, t.Env, name)
		}
		if latest, err := os.ReadFile(latestPath(c.Root, name)); err != nil || strings.TrimSpace(string(latest)) != t.RunID {
			return "", fmt.Errorf("%w: %s is not %s's newest plan; a later plan superseded it (plan again, or apply the newest)", ErrWrongPlan, planFile, name)
		}
		if t.WorkDir != envs.WorkDir(c.Root, name) {
			return "", fmt.Errorf("%w: %s was made in %s, not in this workspace", ErrWrongPlan, planFile, t.WorkDir)
		}
		config, err := envs.Fingerprint(c.Workspace, e.Environment)
		if err != nil {
			return "", err
		}
		if config != t.Config {
			return "", fmt.Errorf("%w: %s's configuration (its file, archetype or inputs) changed since %s was planned; plan again", ErrWrongPlan, name, filepath.Base(planFile))
		}
		// Show and apply a private copy, so the file cannot change between
		// this check and Terraform reading it.
		if private, err = privateCopy(planFile); err != nil {
			return "", err
		}
		digest, err := fileDigest(private)
		if err != nil {
			return "", fmt.Errorf("read plan file: %w", err)
		}
		if digest != t.Digest {
			return "", fmt.Errorf("%w: %s changed since it was reviewed; plan again", ErrWrongPlan, planFile)
		}
		if run, err = newTerraform(ctx, c, t.WorkDir, r.id, opts); err != nil {
			return "", err
		}
		r.mu.Lock()
		r.terraform = terraformName(run)
		r.mu.Unlock()
		// Review again what is in the file now, with today's rules.
		data, err := run.Show(ctx, private)
		if err != nil {
			return "", err
		}
		p, err := envs.DecodePlan(data)
		if err != nil {
			return "", fmt.Errorf("terraform show -json: %w", err)
		}
		findings := envs.Review(p, envs.RulesFor(c.Workspace, e.Environment), envs.ReviewContextOf(e, c.Now))
		interrupted, err := tf.ReadApplyRecord(t.WorkDir)
		if err != nil {
			return "", err
		}
		findings = append(interruptedFindings(interrupted), findings...)
		if why := confirmationReasons(name, e.Protected, findings); len(why) > 0 && confirm != name {
			return "", fmt.Errorf("%w: %s; confirm by giving the environment's name (--confirm %s)", ErrConfirmationNeeded, strings.Join(why, " and "), name)
		}
		return fmt.Sprintf("%s, planned by run %s (AWS sessions envbench-%s)", p.Summary(), t.RunID, t.RunID), nil
	}); err != nil {
		return nil, err
	}

	res := &ApplyResult{RunID: r.id, PlanRunID: t.RunID, Env: name}
	start := time.Now()
	sinkTF := r.terraformSink()
	if err := r.step(StepApply, "terraform apply "+filepath.Base(planFile), func() (string, error) {
		// What is being applied is on record while it is: a run that dies
		// leaves the record, and the environment shows "apply interrupted".
		journal, err := tf.StartApplyJournal(t.WorkDir, r.id, "apply", r.opts.now())
		if err != nil {
			return "", err
		}
		err = run.Apply(ctx, private, func(ev tf.Event) {
			if ev.Summary != nil {
				res.Summary = ev.Summary
			}
			journal.Observe(ev)
			sinkTF(ev)
		})
		res.Elapsed = time.Since(start)
		privateState(t.WorkDir)
		rec := journal.Record()
		res.Completed, res.InFlight = rec.Completed, rec.InFlight
		// Terraform's state says what an apply that ended by itself did;
		// one that was cut short, or died mid-resource, may not.
		if err == nil || !errors.Is(err, tf.ErrCancelled) && len(rec.InFlight) == 0 {
			if clearErr := journal.Finish(); clearErr != nil && err == nil {
				return "", clearErr
			}
		} else {
			res.Interrupted = true
		}
		if err != nil {
			return "", r.sourced(err)
		}
		return "applied", nil
	}); err != nil {
		return res, err
	}
	// A saved plan applies once: it goes, with its ticket and the pointer to
	// it. It also held every planned value.
	_ = os.Remove(ticketPath(planFile))
	_ = os.Remove(planFile)
	_ = os.Remove(latestPath(c.Root, name))
	return res, nil
}

// privateState makes Terraform's local state owner-only: Terraform writes
// it with the umask's mode, and it holds secrets. (.envbench/ is owner-only
// already; this keeps the state private if the work directory is copied.)
func privateState(workDir string) {
	for _, name := range []string{"terraform.tfstate", "terraform.tfstate.backup"} {
		_ = os.Chmod(filepath.Join(workDir, name), 0o600)
	}
}

// privateCopy copies a plan file to an owner-only file beside it.
func privateCopy(planFile string) (string, error) {
	src, err := os.Open(planFile)
	if err != nil {
		return "", fmt.Errorf("read plan file: %w", err)
	}
	defer src.Close()
	dst, err := os.CreateTemp(filepath.Dir(planFile), ".applying-*.tfplan")
	if err != nil {
		return "", fmt.Errorf("copy plan file: %w", err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		os.Remove(dst.Name())
		return "", fmt.Errorf("copy plan file: %w", err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(dst.Name())
		return "", err
	}
	return dst.Name(), nil
}

// confirmationReasons says why applying needs the environment's name typed;
// none when it does not.
func confirmationReasons(name string, protected bool, findings []envs.Finding) []string {
	var why []string
	if protected {
		why = append(why, name+" is protected")
	}
	// Counted as the plan's review counts them, so that the numbers agree.
	if high := envs.HighCount(findings); high > 0 {
		why = append(why, fmt.Sprintf("the plan has %d high-risk finding(s)", high))
	}
	return why
}

func readTicket(planFile string) (ticket, error) {
	var t ticket
	data, err := os.ReadFile(ticketPath(planFile))
	if err != nil {
		if os.IsNotExist(err) {
			if _, statErr := os.Stat(planFile); os.IsNotExist(statErr) {
				return t, fmt.Errorf("%w: %s does not exist: it was applied already, or a later plan superseded it; plan again", ErrWrongPlan, planFile)
			} else if statErr != nil {
				return t, fmt.Errorf("plan file %s: %w", planFile, statErr)
			}
			return t, fmt.Errorf("%w: %s was not made by envbench plan, or was already applied (no %s)", ErrWrongPlan, planFile, filepath.Base(ticketPath(planFile)))
		}
		return t, err
	}
	if err := json.Unmarshal(data, &t); err != nil {
		return t, fmt.Errorf("%s: %w", ticketPath(planFile), err)
	}
	return t, nil
}

// Runner runs plans and applies for the TUI: Plan and Apply of this
// package, with the run ids the TUI chose.
type Runner struct{}

// Plan runs Plan, saving the plan in the default place.
func (Runner) Plan(ctx context.Context, c *envs.Catalog, env, runID string, sink func(Event)) (*PlanResult, error) {
	return Plan(ctx, c, env, "", Options{RunID: runID}, sink)
}

// Apply runs Apply on the reviewed plan's file.
func (Runner) Apply(ctx context.Context, c *envs.Catalog, env string, plan *PlanResult, confirm, runID string, sink func(Event)) (*ApplyResult, error) {
	return Apply(ctx, c, env, plan.PlanFile, confirm, Options{RunID: runID}, sink)
}
