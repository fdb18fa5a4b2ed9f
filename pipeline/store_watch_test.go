package pipeline_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/fake"
	"github.com/envbench/envbench/pipeline"
)

// TestWatchSharedJournal: a run written through one opening of the shared
// journal (CI) is listed and followed, event by event, through another
// (a laptop), each with its own connection to the simulated S3.
func TestWatchSharedJournal(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "sim", "aws.db")
	open := func() pipeline.S3Journal {
		s, err := fake.Open(db, fake.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		a, err := s.Connect(ctx, cloud.Target{Region: "eu-west-1"})
		if err != nil {
			t.Fatal(err)
		}
		return pipeline.S3Journal{Objects: a.Objects, Bucket: "acme-envbench-state", Prefix: "team"}
	}
	ci := open()
	if err := ci.Objects.CreateBucket(ctx, ci.Bucket, nil); err != nil {
		t.Fatal(err)
	}
	laptop := open()
	const runID = "20261201T100000Z-00c1c1"
	w, err := ci.Writer(ctx, "qa", runID)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	kinds := []pipeline.EventKind{pipeline.RunStarted, pipeline.StepStarted, pipeline.StepFinished, pipeline.StepStarted, pipeline.RunFinished}
	for i, k := range kinds {
		e := pipeline.Event{Seq: int64(i + 1), RunID: runID, Env: "qa", Time: start.Add(time.Duration(i) * time.Second), Kind: k, Pipeline: "apply", Step: "apply", Status: pipeline.RunSucceeded}
		if err := w.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
		events, err := laptop.Read(ctx, "qa", runID)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != i+1 || events[i].Kind != k {
			t.Fatalf("after %d appends the laptop reads %d events", i+1, len(events))
		}
		runs, err := pipeline.RecentRuns(ctx, laptop, nil, "", 0)
		if err != nil || len(runs) != 1 {
			t.Fatalf("the laptop lists %+v %v", runs, err)
		}
		want := pipeline.RunRunning
		if k == pipeline.RunFinished {
			want = pipeline.RunSucceeded
		}
		if runs[0].Status != want || runs[0].Pipeline != "apply" {
			t.Errorf("after %s the laptop sees %+v", k, runs[0])
		}
	}
}
