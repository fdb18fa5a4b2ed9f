package fake

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/envbench/envbench/envs/cloud"
)

// TestTwoSimsOnOneFile: two Sims on one file, used at once from many
// goroutines, lose no write: every bucket object and every event is
// there, and read-modify-write (tags, ingress rules) keeps every change.
func TestTwoSimsOnOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aws.db")
	c := newClock()
	var sims []*Sim
	for range 2 {
		s, err := Open(path, Options{Clock: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		sims = append(sims, s)
	}
	ctx := context.Background()
	first := must[*Account](t)(sims[0].Account(ctx, cloud.Target{}))
	if err := first.CreateBucket(ctx, "shared-state", nil); err != nil {
		t.Fatal(err)
	}
	vpc := must[cloud.VPC](t)(first.CreateVPC(ctx, "10.0.0.0/16", nil))
	sg := must[cloud.SecurityGroup](t)(first.CreateSecurityGroup(ctx, vpc.ID, "web", "web", nil))
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := sims[w%2].Account(ctx, cloud.Target{})
			if err != nil {
				errs <- err
				return
			}
			for i := range each {
				if _, err := a.PutObject(ctx, "shared-state", fmt.Sprintf("w%d/%d", w, i), []byte("x"), cloud.Condition{IfNoneMatch: "*"}); err != nil {
					errs <- err
				}
				if err := a.AuthorizeIngress(ctx, sg.ID, cloud.Rule{Protocol: "tcp", FromPort: 1000 + w*each + i, ToPort: 1000 + w*each + i, CIDRs: []string{"10.0.0.0/8"}}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if objs := must[[]cloud.Object](t)(first.ListObjects(ctx, "shared-state", "")); len(objs) != workers*each {
		t.Errorf("%d objects, want %d", len(objs), workers*each)
	}
	if got := must[cloud.SecurityGroup](t)(first.SecurityGroup(ctx, sg.ID)); len(got.Ingress) != workers*each {
		t.Errorf("%d rules, want %d: a read-modify-write lost changes", len(got.Ingress), workers*each)
	}
	if ev := must[[]RecordedEvent](t)(sims[1].Events(ctx, EventFilter{Name: "AuthorizeSecurityGroupIngress"})); len(ev) != workers*each {
		t.Errorf("%d events, want %d", len(ev), workers*each)
	}
}

// TestSecondProcess re-runs the test binary as a second process that
// writes to the same file while this one does: both see all the writes.
func TestSecondProcess(t *testing.T) {
	if path := os.Getenv("ENVBENCH_FAKE_CHILD_DB"); path != "" {
		s, err := Open(path, Options{})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		a, err := s.Account(context.Background(), cloud.Target{})
		if err == nil {
			for i := range 25 {
				if _, err = a.PutObject(context.Background(), "shared-state", fmt.Sprintf("child/%d", i), []byte("x"), cloud.Condition{IfNoneMatch: "*"}); err != nil {
					break
				}
			}
		}
		s.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "aws.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	a := must[*Account](t)(s.Account(ctx, cloud.Target{}))
	if err := a.CreateBucket(ctx, "shared-state", nil); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSecondProcess$")
	cmd.Env = append(os.Environ(), "ENVBENCH_FAKE_CHILD_DB="+path)
	out := make(chan []byte, 1)
	cmdErr := make(chan error, 1)
	go func() {
		b, err := cmd.CombinedOutput()
		out <- b
		cmdErr <- err
	}()
	for i := range 25 {
		if _, err := a.PutObject(ctx, "shared-state", fmt.Sprintf("parent/%d", i), []byte("x"), cloud.Condition{IfNoneMatch: "*"}); err != nil {
			t.Error(err)
		}
	}
	if b, err := <-out, <-cmdErr; err != nil {
		t.Fatalf("the second process: %v\n%s", err, b)
	}
	if objs := must[[]cloud.Object](t)(a.ListObjects(ctx, "shared-state", "")); len(objs) != 50 {
		t.Errorf("%d objects, want 50 from two processes", len(objs))
	}
}
