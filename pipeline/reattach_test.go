package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// countingProvider is a stand-in envbench binary that records the pid of
// every start in a file, then runs this test binary (which serves the
// provider, see TestMain) in its place.
func countingProvider(t *testing.T) (binary string, starts func() []int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "starts")
	binary = filepath.Join(dir, "envbench")
	script := fmt.Sprintf("#!/bin/sh\necho $$ >> '%s'\nexec '%s' \"$@\"\n", log, exe)
	if err := os.WriteFile(binary, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return binary, func() []int {
		t.Helper()
		data, err := os.ReadFile(log)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		var pids []int
		for _, f := range strings.Fields(string(data)) {
			pid, err := strconv.Atoi(f)
			if err != nil {
				t.Fatalf("starts file: %v", err)
			}
			pids = append(pids, pid)
		}
		return pids
	}
}

// alive reports whether a process with this pid still exists.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// TestSimulatedPlanStartsTheProviderOnce: the plan run's terraform plan
// and show reattach to one provider server, which is gone when the run
// has ended; run by hand from the mirror, Terraform would start the
// provider for each of its phases.
func TestSimulatedPlanStartsTheProviderOnce(t *testing.T) {
	terraform(t)
	ctx := context.Background()
	root := demo(t)
	binary, starts := countingProvider(t)
	c := open(t, root)
	opts := Options{ProviderBinary: binary}
	for i := range 2 { // the first plan inits, the second skips init
		before := len(starts())
		res, err := Plan(ctx, c, "qa", "", opts, nil)
		if err != nil {
			t.Fatalf("plan %d: %v", i+1, err)
		}
		if !res.HasChanges || res.Plan == nil || len(res.Plan.Changes) == 0 {
			t.Fatalf("plan %d: no changes planned for a new qa", i+1)
		}
		pids := starts()[before:]
		if len(pids) != 1 {
			t.Errorf("plan %d started the provider %d times (pids %v), want once", i+1, len(pids), pids)
		}
		for _, pid := range pids {
			if alive(pid) {
				t.Errorf("plan %d: the provider (pid %d) still runs after the run ended", i+1, pid)
			}
		}
	}
}

// TestSimulatedPlansOnTwoEnvironmentsAtOnce: each run has its own
// provider server, and both plans succeed.
func TestSimulatedPlansOnTwoEnvironmentsAtOnce(t *testing.T) {
	terraform(t)
	ctx := context.Background()
	root := demo(t)
	binary, starts := countingProvider(t)
	c := open(t, root)
	opts := Options{ProviderBinary: binary}
	names := []string{"qa", "load-test"}
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = Plan(ctx, c, name, "", opts, nil)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("plan %s: %v", names[i], err)
		}
	}
	pids := starts()
	if len(pids) != len(names) {
		t.Errorf("two runs started the provider %d times (pids %v), want once each", len(pids), pids)
	}
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("the provider (pid %d) still runs after its run ended", pid)
		}
	}
}

// TestSimulatedCloneStartsTheProviderOnce: a clone's plan and apply use
// one provider server, stopped when the run ends.
func TestSimulatedCloneStartsTheProviderOnce(t *testing.T) {
	terraform(t)
	ctx := context.Background()
	root := demo(t)
	binary, starts := countingProvider(t)
	c := open(t, root)
	res, err := Clone(ctx, c, "dev-alice", CloneOptions{Options: Options{ProviderBinary: binary}, AutoApprove: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Apply == nil || res.Apply.Summary == nil || res.Apply.Summary.Add == 0 {
		t.Fatalf("the clone applied nothing: %+v", res.Apply)
	}
	pids := starts()
	if len(pids) != 1 {
		t.Errorf("the clone started the provider %d times (pids %v), want once", len(pids), pids)
	}
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("the provider (pid %d) still runs after the clone ended", pid)
		}
	}
}
