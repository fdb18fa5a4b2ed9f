package pipeline_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/pipeline/storetest"
)

func TestS3LockOfFinishedRunTakenOver(t *testing.T) {
	ctx := context.Background()
	objs := simObjects(t)
	j := s3Journal(t, objs)
	l := pipeline.S3Locks{Objects: objs, Bucket: j.Bucket, Prefix: j.Prefix, Journal: j}
	ci := pipeline.CurrentHolder("20261201T100000Z-00000c", "apply", time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	ci.Host = "ci-runner-7"
	if _, err := l.Acquire(ctx, "qa", ci); err != nil {
		t.Fatal(err)
	}
	storetest.WriteRun(t, j, "qa", ci.RunID, 3, false)
	if _, err := l.Acquire(ctx, "qa", pipeline.CurrentHolder("run-2", "plan", time.Now())); !errors.Is(err, pipeline.ErrLocked) {
		t.Fatalf("a running run's lock: %v", err)
	}
	w, err := j.Writer(ctx, "qa", ci.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(ctx, pipeline.Event{Seq: 4, RunID: ci.RunID, Env: "qa", Kind: pipeline.RunFinished, Status: pipeline.RunFailed}); err != nil {
		t.Fatal(err)
	}
	held, err := l.Acquire(ctx, "qa", pipeline.CurrentHolder("run-2", "plan", time.Now()))
	if err != nil {
		t.Fatalf("a finished run's lock: %v", err)
	}
	if !strings.Contains(held.Message(), "ci-runner-7") {
		t.Errorf("message %q", held.Message())
	}
}

func TestOpenStores(t *testing.T) {
	ctx := context.Background()
	local := &envs.Catalog{Workspace: &config.Workspace{Root: t.TempDir()}}
	st, err := pipeline.OpenStores(ctx, local, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.Journal.(pipeline.LocalJournal); !ok {
		t.Errorf("local workspace journal %T", st.Journal)
	}
	if _, ok := st.Locks.(pipeline.LocalLocks); !ok {
		t.Errorf("local workspace locks %T", st.Locks)
	}
	team := &envs.Catalog{Workspace: &config.Workspace{Root: t.TempDir()}}
	team.Settings.Cloud = config.CloudSimulated
	team.Settings.DefaultRegion = "eu-west-1"
	team.Settings.State = config.StateLocation{Bucket: "acme-envbench-state", Prefix: "team"}
	st, err = pipeline.OpenStores(ctx, team, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sj, ok := st.Journal.(pipeline.S3Journal)
	if !ok || sj.Bucket != "acme-envbench-state" || sj.Prefix != "team" {
		t.Fatalf("team journal %#v", st.Journal)
	}
	if _, ok := st.Locks.(pipeline.S3Locks); !ok {
		t.Errorf("team locks %T", st.Locks)
	}
	storetest.WriteRun(t, st.Journal, "qa", "20261201T100000Z-aaaaaa", 2, true)
	again, err := pipeline.OpenStores(ctx, team, pipeline.Options{})
	if err != nil {
		t.Fatalf("open a second time (the bucket exists): %v", err)
	}
	defer again.Close()
	if refs, err := again.Journal.Runs(ctx, "qa"); err != nil || len(refs) != 1 {
		t.Errorf("a second opener sees %v %v", refs, err)
	}
}
