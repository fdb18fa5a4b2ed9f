package tf_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/envbench/envbench/envs/cloud/cloudtest"
	"github.com/envbench/envbench/envs/tf"
)

const s3Backend = `terraform {
  backend "s3" {
    bucket                      = "%BUCKET%"
    key                         = "envbench/qa/terraform.tfstate"
    region                      = "us-east-1"
    use_path_style              = true
    skip_credentials_validation = true
    skip_requesting_account_id  = true

    assume_role = {
      role_arn     = "arn:aws:iam::123456789012:role/envbench"
      session_name = "envbench-qa"
    }
  }
}

resource "terraform_data" "marker" {
  input = "qa"
}
`

// TestS3BackendSessionPerRun: against moto's S3 and STS, each run's init
// gives the S3 backend its own session name, envbench-<run-id>, never the
// one written in the block; a second run reconfigures without touching the
// state; a saved plan applies under the session of the run that made it;
// and a backend whose state moved is not reconfigured.
func TestS3BackendSessionPerRun(t *testing.T) {
	bin := terraform(t)
	endpoint := cloudtest.StartMoto(t)
	ctx := context.Background()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ENDPOINT_URL", endpoint)
	for _, b := range []string{"acme-tfstate", "acme-tfstate-moved"} {
		req, _ := http.NewRequest(http.MethodPut, endpoint+"/"+b, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	dir := t.TempDir()
	writeBackend := func(bucket string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(strings.ReplaceAll(s3Backend, "%BUCKET%", bucket)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeBackend("acme-tfstate")
	runner := func(id string) *tf.Runner {
		t.Helper()
		r, err := tf.New(ctx, dir, tf.Options{Binary: bin, SessionName: "envbench-" + id})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	r1 := runner("run-1")
	if res, err := r1.InitIfNeeded(ctx, nil); err != nil || !res.Ran {
		t.Fatalf("first init: %+v, %v", res, err)
	}
	plan1 := filepath.Join(dir, "run-1.tfplan")
	if changes, err := r1.Plan(ctx, plan1, nil); err != nil || !changes {
		t.Fatalf("run-1 plan: %v, %v", changes, err)
	}
	if got := slices.Compact(slices.Sorted(slices.Values(cloudtest.MotoSessions(t, endpoint)))); !slices.Equal(got, []string{"envbench-run-1"}) {
		t.Fatalf("after run-1's init and plan, moto's sessions are %q; want only envbench-run-1", got)
	}

	// The next run inits again (its session is new), reconfiguring.
	r2 := runner("run-2")
	res, err := r2.InitIfNeeded(ctx, nil)
	if err != nil {
		t.Fatalf("run-2 init: %v", err)
	}
	if !res.Ran || !strings.Contains(res.Reason, "session name") {
		t.Errorf("run-2 init: %+v; want it run because the backend's session name changed", res)
	}
	// run-1's saved plan applies under run-1's session.
	before := count(cloudtest.MotoSessions(t, endpoint), "envbench-run-2")
	if err := r2.Apply(ctx, plan1, nil); err != nil {
		t.Fatalf("apply run-1's plan: %v", err)
	}
	got := cloudtest.MotoSessions(t, endpoint)
	if count(got, "envbench-run-2") != before {
		t.Errorf("applying run-1's plan opened sessions named envbench-run-2: %q", got)
	}
	if slices.Contains(got, "envbench-qa") {
		t.Errorf("a session took the name written in the block: %q", got)
	}
	// The state stayed where it was: run-2 plans no changes.
	if changes, err := r2.Plan(ctx, filepath.Join(dir, "run-2.tfplan"), nil); err != nil || changes {
		t.Errorf("run-2 plan after the apply: changes %v, %v; want none", changes, err)
	}
	if res, err := r2.InitIfNeeded(ctx, nil); err != nil || res.Ran {
		t.Errorf("run-2's second init: %+v, %v; want it skipped", res, err)
	}

	// The state moved to another bucket: no -reconfigure, which would
	// start from an empty state; the error says what moved and what to do.
	writeBackend("acme-tfstate-moved")
	_, err = runner("run-3").InitIfNeeded(ctx, nil)
	if err == nil || !strings.Contains(err.Error(), `bucket "acme-tfstate" → "acme-tfstate-moved"`) || !strings.Contains(err.Error(), "init -migrate-state") {
		t.Errorf("init after the bucket changed: %v; want what moved and how to migrate", err)
	}
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}
