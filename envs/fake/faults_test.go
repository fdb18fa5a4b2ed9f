package fake

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/envs/cloud"
)

// seeded is a deterministic random source for faults.
func seeded(seed uint64) func() float64 {
	r := rand.New(rand.NewPCG(seed, seed))
	return r.Float64
}

func TestFaults(t *testing.T) {
	c := newClock()
	path := filepath.Join(t.TempDir(), "aws.db")
	run := func() []bool {
		s, err := Open(path, Options{Clock: c.Now, Rand: seeded(7)})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		a := must[*Account](t)(s.Account(context.Background(), cloud.Target{}))
		var failed []bool
		for range 200 {
			_, err := a.Instances(context.Background())
			failed = append(failed, err != nil)
		}
		return failed
	}
	s, err := Open(path, Options{Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, bad := range []Fault{
		{Service: "rds", Operation: "*", Kind: "explode", Rate: 1},
		{Service: "rds", Operation: "*", Kind: FaultThrottle, Rate: 1.5},
		{Service: "", Operation: "*", Kind: FaultThrottle, Rate: 1},
		{Service: "rds", Operation: "*", Kind: FaultLatency, Rate: 1},
		{Service: "rds", Operation: "CreateDBSnapshots", Kind: FaultThrottle, Rate: 1},
		{Service: "dynamodb", Operation: "*", Kind: FaultThrottle, Rate: 1},
	} {
		if err := s.SetFault(bad); err == nil {
			t.Errorf("%+v is accepted", bad)
		}
	}
	if err := s.SetFault(Fault{Service: "rds", Operation: "DescribeDBInstances", Kind: FaultThrottle, Rate: 0.25}); err != nil {
		t.Fatal(err)
	}
	first, second := run(), run()
	n := 0
	for i := range first {
		if first[i] != second[i] {
			t.Fatalf("call %d: the same seed gives another outcome", i)
		}
		if first[i] {
			n++
		}
	}
	if n < 30 || n > 70 {
		t.Errorf("%d of 200 calls throttled at a rate of 0.25", n)
	}

	// Set in one Sim, seen by another; with AWS's codes, retryable,
	// recorded.
	a := must[*Account](t)(s.Account(context.Background(), cloud.Target{}))
	cases := []struct {
		fault Fault
		call  func() error
		code  string
	}{
		{Fault{Service: "rds", Operation: "*", Kind: FaultThrottle, Rate: 1}, func() error { _, err := a.Instances(context.Background()); return err }, "Throttling"},
		{Fault{Service: "kms", Operation: "CreateKey", Kind: FaultThrottle, Rate: 1}, func() error { _, err := a.CreateKey(context.Background(), "k", nil); return err }, "ThrottlingException"},
		{Fault{Service: "ec2", Operation: "*", Kind: FaultServerError, Rate: 1}, func() error { _, err := a.VPCs(context.Background()); return err }, "InternalError"},
		{Fault{Service: "s3", Operation: "*", Kind: FaultServerError, Rate: 1}, func() error { return a.CreateBucket(context.Background(), "bucket-x", nil) }, "ServiceUnavailable"},
		{Fault{Service: "*", Operation: "*", Kind: FaultThrottle, Rate: 1}, func() error { _, err := a.Zones(context.Background()); return err }, "Throttling"},
	}
	for _, c := range cases {
		if err := s.ClearFaults(); err != nil {
			t.Fatal(err)
		}
		if err := s.SetFault(c.fault); err != nil {
			t.Fatal(err)
		}
		err := c.call()
		var ae *cloud.APIError
		if !cloud.IsRetryable(err) || !errors.As(err, &ae) || ae.Code != c.code {
			t.Errorf("%+v: %v, want a retryable %s", c.fault, err, c.code)
			continue
		}
		ev := must[[]RecordedEvent](t)(s.Events(context.Background(), EventFilter{Limit: 1}))
		if len(ev) != 1 || !strings.Contains(ev[0].Record, `"errorCode":"`+c.code+`"`) {
			t.Errorf("%+v: recorded as %v", c.fault, ev)
		}
	}
	if err := s.ClearFaults(); err != nil {
		t.Fatal(err)
	}
	if fs := must[[]Fault](t)(s.Faults()); len(fs) != 0 {
		t.Errorf("after clear: %v", fs)
	}
	if _, err := a.CreateKey(context.Background(), "k", nil); err != nil {
		t.Errorf("no fault, still failing: %v", err)
	}
}

func TestLatencyWaitsOnTheContext(t *testing.T) {
	s, _ := testSim(t)
	if err := s.SetFault(Fault{Service: "rds", Operation: "*", Kind: FaultLatency, Rate: 1, Latency: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if fs := must[[]Fault](t)(s.Faults()); len(fs) != 1 || fs[0].Latency != time.Hour {
		t.Fatalf("faults %+v", fs)
	}
	a := must[*Account](t)(s.Account(context.Background(), cloud.Target{}))
	// The hour is waited on the context: its deadline ends the call.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := a.Instances(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a slow call past its deadline: %v", err)
	}
}

// TestClientRetries: a Sim opened with Retries retries throttled calls as
// an SDK does, each attempt in CloudTrail; without Retries the caller sees
// the throttle; errors that are not retryable are never retried.
func TestClientRetries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aws.db")
	ctx := context.Background()
	setup, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer setup.Close()
	if err := setup.SetFault(Fault{Service: "rds", Operation: "DescribeDBInstances", Kind: FaultThrottle, Rate: 0.5}); err != nil {
		t.Fatal(err)
	}
	// Draws: throttled, throttled, through.
	draws := []float64{0.1, 0.2, 0.9}
	next := func() float64 { d := draws[0]; draws = append(draws[1:], 0.9); return d }
	s, err := Open(path, Options{Rand: next, Retries: 5, RetryDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a := must[*Account](t)(s.Account(ctx, cloud.Target{}))
	if _, err := a.Instances(ctx); err != nil {
		t.Fatalf("with retries, a throttled read must go through: %v", err)
	}
	events := must[[]RecordedEvent](t)(s.Events(ctx, EventFilter{Name: "DescribeDBInstances"}))
	var codes []string
	for _, e := range events {
		var rec struct {
			ErrorCode string `json:"errorCode"`
		}
		if err := json.Unmarshal([]byte(e.Record), &rec); err != nil {
			t.Fatal(err)
		}
		codes = append(codes, rec.ErrorCode)
	}
	if len(codes) != 3 || codes[0] != "" || codes[1] == "" || codes[2] == "" {
		t.Errorf("CloudTrail, newest first: %q; want the success after two throttles", codes)
	}

	draws = []float64{0.1}
	plain := must[*Sim](t)(Open(path, Options{Rand: next}))
	defer plain.Close()
	b := must[*Account](t)(plain.Account(ctx, cloud.Target{}))
	if _, err := b.Instances(ctx); !cloud.IsRetryable(err) {
		t.Errorf("without retries the caller sees the throttle, got %v", err)
	}
	if _, err := a.Instance(ctx, "nope"); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("a missing instance: %v", err)
	}
}
