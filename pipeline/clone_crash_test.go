//go:build unix

package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/fake"
	"github.com/envbench/envbench/envs/simprovider"
	"github.com/envbench/envbench/envs/sweep"
)

// The clone helper: a second envbench cloning dev-alice, as a re-exec of
// this test binary. With cloneHelperPause set to a step, it stops for good
// once that step's StepFinished reaches its Sink: the next step's
// StepStarted is then in the journal, and nothing of that step has run.
const (
	cloneHelperRoot  = "ENVBENCH_CLONE_HELPER_ROOT"
	cloneHelperRun   = "ENVBENCH_CLONE_HELPER_RUN"
	cloneHelperPause = "ENVBENCH_CLONE_HELPER_PAUSE"
)

// TestCloneHelperProcess is not a test: it is the process that
// TestCloneSurvivesSIGKILL kills.
func TestCloneHelperProcess(t *testing.T) {
	root := os.Getenv(cloneHelperRoot)
	if root == "" {
		t.Skip("the helper process of TestCloneSurvivesSIGKILL")
	}
	c, err := envs.Open(root, time.Now())
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	pause := Step(os.Getenv(cloneHelperPause))
	_, err = Clone(context.Background(), c, "dev-alice", CloneOptions{AutoApprove: true, Options: Options{RunID: os.Getenv(cloneHelperRun)}}, func(e Event) {
		if pause != "" && e.Kind == StepFinished && e.Step == pause && e.Lane == "" {
			io.Copy(io.Discard, os.Stdin) // until the parent kills this process
		}
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper: clone:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// TestCloneSurvivesSIGKILL: a process cloning the demo's sandbox with the
// real terraform on the simulated account is killed with SIGKILL (its
// whole process group: envbench, terraform and the provider) at every
// step boundary and in the middle of the apply, and the run is resumed
// here. The end state is an uninterrupted clone's: Terraform's state names
// the same resources, once each; the account holds exactly the resources
// the state names; the outputs are recorded; no lock remains.
func TestCloneSurvivesSIGKILL(t *testing.T) {
	terraform(t)
	ctx := context.Background()

	// The uninterrupted clone: what every resumed one must end with.
	ref := demo(t)
	before := envItems(t, ref)
	var rec recorder
	if _, err := Clone(ctx, open(t, ref), "dev-alice", CloneOptions{AutoApprove: true}, rec.sink); err != nil {
		t.Fatalf("uninterrupted clone: %v\n%s", err, rec.logs())
	}
	want := stateList(t, ref)
	checkAccountMatchesState(t, ref, before)
	steps := rec.startedSteps()
	if len(steps) < 10 || !slices.Contains(steps, StepApply) {
		t.Fatalf("the clone's steps: %v", steps)
	}

	type crash struct {
		name string
		// kill starts the helper on root and kills it where the case
		// says, returning once it is dead.
		kill func(t *testing.T, root, runID string)
		// resumed is what the resume's log must say, if anything.
		resumed string
	}
	var cases []crash
	for _, s := range steps[:len(steps)-1] {
		cases = append(cases, crash{"after " + string(s), func(t *testing.T, root, runID string) {
			killAfterStep(t, root, runID, s)
		}, ""})
	}
	cases = append(cases,
		crash{"mid-apply", killMidApply, "stray of the interrupted apply: AWS::RDS::DBInstance dev-alice-db: deleted"},
		// The last step's StepFinished is synced with the RunFinished
		// record, so no kill can be timed between them: what one would
		// leave is an uninterrupted run's journal without its last record.
		crash{"after " + string(steps[len(steps)-1]), func(t *testing.T, root, runID string) {
			h := startCloneHelper(t, root, runID, "")
			if err := h.Wait(); err != nil {
				t.Fatalf("the helper's clone: %v\n%s", err, h.Cmd.Stderr)
			}
			dropLastRecord(t, JournalPath(root, "dev-alice", runID), RunFinished)
		}, ""},
	)

	// Two at once: each is a clone and a resume with the real terraform.
	slots := make(chan struct{}, 2)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			slots <- struct{}{}
			defer func() { <-slots }()
			root := demo(t)
			before := envItems(t, root)
			runID := "crash-" + strings.ReplaceAll(tc.name, " ", "-")
			tc.kill(t, root, runID)

			var rec recorder
			if _, err := ResumeClone(ctx, open(t, root), "dev-alice", runID, Options{}, rec.sink); err != nil {
				t.Fatalf("resume: %v\n%s", err, rec.logs())
			}
			if !strings.Contains(rec.logs(), tc.resumed) {
				t.Errorf("the resume's log does not say %q:\n%s", tc.resumed, rec.logs())
			}
			events, err := LocalJournal{Root: root}.Read(ctx, "dev-alice", runID)
			if err != nil {
				t.Fatal(err)
			}
			if s := Summarize(events, nil); s.Status != RunSucceeded {
				t.Fatalf("the resumed run: %+v", s)
			}
			if got := stateList(t, root); !slices.Equal(got, want) {
				t.Errorf("terraform state list after resume:\n  %s\nwant an uninterrupted clone's:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
			checkAccountMatchesState(t, root, before)
			outs, err := envs.ReadOutputs(envs.OutputsPath(root, "dev-alice"))
			if err != nil || outs["database_identifier"].Text() == "" {
				t.Errorf("the outputs after resume: %v, %v", outs, err)
			}
			if h, held, err := (LocalLocks{Root: root}).Read(ctx, "dev-alice"); err != nil || held {
				t.Errorf("a lock remains: %+v, %v", h, err)
			}
		})
	}
}

// startCloneHelper starts the clone helper on root in a process group of
// its own, pausing after the step pause ("" for none).
func startCloneHelper(t *testing.T, root, runID string, pause Step) *HelperProcess {
	t.Helper()
	cmd := HelperCommand("TestCloneHelperProcess", cloneHelperRoot+"="+root, cloneHelperRun+"="+runID, cloneHelperPause+"="+string(pause))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stderr = &bytes.Buffer{}
	h := StartHelper(t, cmd)
	h.Discard()
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	return h
}

// killGroup kills the helper and everything it started (terraform, the
// provider it serves) with SIGKILL, and waits for the helper.
func killGroup(t *testing.T, h *HelperProcess) {
	t.Helper()
	if err := syscall.Kill(-h.Cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill the helper's process group: %v", err)
	}
	h.Wait()
}

// killAfterStep kills the helper once its journal holds step's
// StepFinished and a StepStarted after it: the helper is then paused in
// its Sink, before the next step's action.
func killAfterStep(t *testing.T, root, runID string, step Step) {
	t.Helper()
	h := startCloneHelper(t, root, runID, step)
	awaitJournal(t, h, root, runID, func(events []Event) bool {
		finished := slices.IndexFunc(events, func(e Event) bool { return e.Kind == StepFinished && e.Step == step && e.Lane == "" })
		return finished >= 0 && slices.ContainsFunc(events[finished:], func(e Event) bool { return e.Kind == StepStarted })
	})
	killGroup(t, h)
}

// killMidApply kills the helper between a create call and Terraform's
// state write: once Terraform reported a resource created and the
// database exists in the account, while the simulated RDS holds the
// provider's wait for it to be available. The database is then the run's
// stray: made by its session, in no state.
func killMidApply(t *testing.T, root, runID string) {
	t.Helper()
	sim, err := fake.Open(simprovider.DatabasePath(root), fake.Options{Pace: &fake.Pace{}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	if err := sim.SetFault(fake.Fault{Service: "rds", Operation: "DescribeDBInstances", Kind: fake.FaultLatency, Rate: 1, Latency: time.Hour}); err != nil {
		t.Fatal(err)
	}
	h := startCloneHelper(t, root, runID, "")
	acct := sandboxAccount(t, root, "alice@acme.example")
	logFile := RunLogPath(root, "dev-alice", runID)
	awaitJournal(t, h, root, runID, func([]Event) bool {
		data, _ := os.ReadFile(logFile)
		if !bytes.Contains(data, []byte(" "+string(StepApply)+" terraform apply_complete")) {
			return false
		}
		return slices.ContainsFunc(taggedWith(t, acct, "dev-alice"), func(arn string) bool { return strings.HasSuffix(arn, ":db:dev-alice-db") })
	})
	killGroup(t, h)
	if err := sim.ClearFaults(); err != nil {
		t.Fatal(err)
	}
	events, err := LocalJournal{Root: root}.Read(context.Background(), "dev-alice", runID)
	if err != nil {
		t.Fatal(err)
	}
	if s := Summarize(events, nil); s.Step != StepApply {
		t.Fatalf("killed mid-apply, the run reads as %+v", s)
	}
	if _, ok := stateInstanceIdentities(t, envs.WorkDir(root, "dev-alice"))["aws_db_instance.database[0]"]; ok {
		t.Fatal("the database is in the state before its wait ended")
	}
}

// awaitJournal polls the helper's run until done says so, failing the
// test if the run ends or a minute passes first.
func awaitJournal(t *testing.T, h *HelperProcess, root, runID string, done func([]Event) bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		events, _ := LocalJournal{Root: root}.Read(context.Background(), "dev-alice", runID)
		if done(events) {
			return
		}
		if slices.ContainsFunc(events, func(e Event) bool { return e.Kind == RunFinished || e.Kind == StepFailed }) {
			t.Fatalf("the helper's run ended before the kill: %s\n%s", kindsOf(events), h.Cmd.Stderr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no kill point in the helper's run within a minute: %s\n%s", kindsOf(events), h.Cmd.Stderr)
		}
	}
}

func kindsOf(events []Event) string {
	var out []string
	for _, e := range events {
		out = append(out, string(e.Step)+":"+string(e.Kind))
	}
	return strings.Join(out, " ")
}

// dropLastRecord removes a journal's last line, which must be a record of
// kind.
func dropLastRecord(t *testing.T, file string, kind EventKind) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")
	last := lines[len(lines)-1]
	var e Event
	if err := json.Unmarshal([]byte(last), &e); err != nil || e.Kind != kind {
		t.Fatalf("the last record of %s is %q (%v), not %s", file, last, err, kind)
	}
	if err := os.WriteFile(file, []byte(strings.Join(lines[:len(lines)-1], "")), 0o600); err != nil {
		t.Fatal(err)
	}
}

// stateList is `terraform state list` in dev-alice's work directory,
// sorted; the test fails if an address appears twice.
func stateList(t *testing.T, root string) []string {
	t.Helper()
	cmd := exec.Command(terraform(t), "state", "list")
	cmd.Dir = envs.WorkDir(root, "dev-alice")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("terraform state list in %s: %v", cmd.Dir, err)
	}
	addrs := strings.Fields(string(out))
	slices.Sort(addrs)
	for i := 1; i < len(addrs); i++ {
		if addrs[i] == addrs[i-1] {
			t.Errorf("%s is twice in the state", addrs[i])
		}
	}
	return addrs
}

// envItems is what the sweep lists tagged for dev-alice in its account.
func envItems(t *testing.T, root string) []sweep.Item {
	t.Helper()
	ctx := context.Background()
	c := open(t, root)
	e, err := env(c, "dev-alice")
	if err != nil {
		t.Fatal(err)
	}
	acct, closer, err := envAccount(ctx, c, e, "check", nil)
	if closer != nil {
		defer closer()
	}
	if err != nil {
		t.Fatal(err)
	}
	s, err := sweep.Sweeper{}.Plan(ctx, acct, "dev-alice", e.Region)
	if err != nil {
		t.Fatal(err)
	}
	return s.Items
}

// checkAccountMatchesState fails the test unless the account holds exactly
// the resources dev-alice's state names, besides what was tagged for it
// before (the seed's hand-made leftovers): every new tagged resource is a
// state's resource (by ARN or id), and every state's resource is in the
// account, once.
func checkAccountMatchesState(t *testing.T, root string, before []sweep.Item) {
	t.Helper()
	inState := stateInstanceIdentities(t, envs.WorkDir(root, "dev-alice"))
	found := map[string]int{}
	for _, it := range envItems(t, root) {
		if slices.ContainsFunc(before, func(b sweep.Item) bool { return b.ARN == it.ARN }) {
			continue
		}
		// By ARN first: an id can be a name that resources of two types
		// share (the ECS cluster and the DB subnet group are both
		// "dev-alice").
		addr := ""
		for _, key := range []string{it.ARN, it.ID} {
			for a, ids := range inState {
				if addr == "" && ids[key] {
					addr = a
				}
			}
		}
		if addr == "" {
			t.Errorf("the account holds %s %s, which the state does not name", it.Type, it.ARN)
			continue
		}
		found[addr]++
	}
	for addr := range inState {
		if found[addr] != 1 {
			t.Errorf("%s is %d time(s) in the account, want once", addr, found[addr])
		}
	}
}

// stateInstanceIdentities are the managed resource instances of a work directory's
// state, by address, with their ARN and id.
func stateInstanceIdentities(t *testing.T, dir string) map[string]map[string]bool {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		Resources []struct {
			Mode, Type, Name string
			Instances        []struct {
				IndexKey   any            `json:"index_key"`
				Attributes map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(data, &state); err != nil {
		t.Fatalf("read %s: %v", filepath.Join(dir, "terraform.tfstate"), err)
	}
	out := map[string]map[string]bool{}
	for _, r := range state.Resources {
		if r.Mode != "managed" {
			continue
		}
		for _, in := range r.Instances {
			addr := r.Type + "." + r.Name
			if in.IndexKey != nil {
				addr += fmt.Sprintf("[%v]", in.IndexKey)
			}
			ids := map[string]bool{}
			for _, k := range []string{"arn", "id"} {
				if v, ok := in.Attributes[k].(string); ok && v != "" {
					ids[v] = true
				}
			}
			out[addr] = ids
		}
	}
	return out
}
