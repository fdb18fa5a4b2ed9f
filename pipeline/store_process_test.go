package pipeline_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/fake"
	"github.com/envbench/envbench/pipeline"
)

// The lock helper: a second envbench taking qa's lock, as a re-exec of
// this test binary. It takes the lock when a line arrives on stdin, says
// "won" or "refused PID", and holds the lock until stdin closes.
const lockHelperEnv = "ENVBENCH_STORE_LOCK_HELPER"

// helperLocks opens the locker the helper's spec names: "local ROOT" or
// "sim DBPATH BUCKET".
func helperLocks(spec string) (pipeline.Locker, func(), error) {
	f := strings.Fields(spec)
	switch {
	case len(f) == 2 && f[0] == "local":
		return pipeline.LocalLocks{Root: f[1]}, func() {}, nil
	case len(f) == 3 && f[0] == "sim":
		s, err := fake.Open(f[1], fake.Options{})
		if err != nil {
			return nil, nil, err
		}
		a, err := s.Connect(context.Background(), cloud.Target{Region: "eu-west-1"})
		if err != nil {
			s.Close()
			return nil, nil, err
		}
		return pipeline.S3Locks{Objects: a.Objects, Bucket: f[2], Prefix: "team"}, func() { s.Close() }, nil
	}
	return nil, nil, fmt.Errorf("bad helper spec %q", spec)
}

func TestLockHelperProcess(t *testing.T) {
	spec := os.Getenv(lockHelperEnv)
	if spec == "" {
		t.Skip("the helper process of TestLockContentionAcrossProcesses")
	}
	locks, done, err := helperLocks(spec)
	if err != nil {
		fmt.Println("error", err)
		return
	}
	defer done()
	in := bufio.NewReader(os.Stdin)
	fmt.Println("ready")
	if _, err := in.ReadString('\n'); err != nil {
		return
	}
	held, err := locks.Acquire(context.Background(), "qa", pipeline.CurrentHolder(fmt.Sprintf("run-of-%d", os.Getpid()), "plan", time.Now()))
	var locked *pipeline.LockedError
	switch {
	case err == nil:
		fmt.Println("won")
		io.Copy(io.Discard, in)
		held.Release()
	case errors.As(err, &locked):
		fmt.Println("refused", locked.Holder.PID, locked.Holder.RunID)
	default:
		fmt.Println("error", err)
	}
}

func startLockHelper(t *testing.T, spec string) *pipeline.HelperProcess {
	t.Helper()
	h := pipeline.StartHelper(t, pipeline.HelperCommand("TestLockHelperProcess", lockHelperEnv+"="+spec))
	if line := h.Line(t); line != "ready" {
		t.Fatalf("helper: %q", line)
	}
	return h
}

// TestLockContentionAcrossProcesses: two processes take one environment's
// lock at once; exactly one wins, and the other is refused naming it.
func TestLockContentionAcrossProcesses(t *testing.T) {
	specs := map[string]func(t *testing.T) string{
		"local": func(t *testing.T) string { return "local " + t.TempDir() },
		"simulated S3": func(t *testing.T) string {
			db := filepath.Join(t.TempDir(), "sim", "aws.db")
			s, err := fake.Open(db, fake.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			a, err := s.Connect(context.Background(), cloud.Target{Region: "eu-west-1"})
			if err != nil {
				t.Fatal(err)
			}
			return "sim " + db + " " + bucketIn(t, a.Objects)
		},
	}
	for name, spec := range specs {
		t.Run(name, func(t *testing.T) {
			sp := spec(t)
			a, b := startLockHelper(t, sp), startLockHelper(t, sp)
			io.WriteString(a.Stdin, "go\n")
			io.WriteString(b.Stdin, "go\n")
			la, lb := a.Line(t), b.Line(t)
			won, refused, winner := la, lb, a
			if lb == "won" {
				won, refused, winner = lb, la, b
			}
			if won != "won" {
				t.Fatalf("nobody won: %q, %q", la, lb)
			}
			pid := strconv.Itoa(winner.Cmd.Process.Pid)
			if refused != "refused "+pid+" run-of-"+pid {
				t.Errorf("the loser says %q, want it refused naming pid %s", refused, pid)
			}
		})
	}
}
