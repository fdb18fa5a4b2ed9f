package pipeline_test

import (
	"context"
	"testing"
	"time"

	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/pipeline/storetest"
)

func TestRecentRuns(t *testing.T) {
	ctx := context.Background()
	for name, objects := range map[string]func(t *testing.T) pipeline.Journal{
		"local":     func(t *testing.T) pipeline.Journal { return pipeline.LocalJournal{Root: t.TempDir()} },
		"simulated": func(t *testing.T) pipeline.Journal { return s3Journal(t, simObjects(t)) },
	} {
		t.Run(name, func(t *testing.T) {
			j := objects(t)
			storetest.WriteRun(t, j, "qa", "20261201T100000Z-000001", 3, true)
			storetest.WriteRun(t, j, "dev", "20261201T110000Z-000002", 4, false)
			storetest.WriteRun(t, j, "qa", "20261201T120000Z-000003", 2, false)
			locks := pipeline.LocalLocks{Root: t.TempDir()}
			held, err := locks.Acquire(ctx, "qa", pipeline.CurrentHolder("20261201T120000Z-000003", "plan", time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)))
			if err != nil {
				t.Fatal(err)
			}
			defer held.Release()
			got, err := pipeline.RecentRuns(ctx, j, locks, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			want := []struct {
				env, id string
				status  pipeline.RunStatus
				step    pipeline.Step
			}{
				{"qa", "20261201T120000Z-000003", pipeline.RunRunning, "step-2"},
				{"dev", "20261201T110000Z-000002", pipeline.RunInterrupted, "step-4"},
				{"qa", "20261201T100000Z-000001", pipeline.RunSucceeded, "step-2"},
			}
			if len(got) != len(want) {
				t.Fatalf("%d runs: %+v", len(got), got)
			}
			for i, w := range want {
				g := got[i]
				if g.Env != w.env || g.RunID != w.id || g.Status != w.status || g.Step != w.step || g.Pipeline != "plan" || g.Started.IsZero() {
					t.Errorf("run %d: %+v, want %+v", i, g, w)
				}
			}
			if got[2].Ended.IsZero() || !got[0].Ended.IsZero() {
				t.Errorf("ended: %v %v", got[2].Ended, got[0].Ended)
			}
			qa, err := pipeline.RecentRuns(ctx, j, locks, "qa", 1)
			if err != nil || len(qa) != 1 || qa[0].RunID != "20261201T120000Z-000003" {
				t.Errorf("qa's last run: %+v %v", qa, err)
			}
		})
	}
}

// TestRecentRunsOfOneSecond: a plan and the apply that follows it in the
// same second have ids that sort at random; the newest is the one that
// started last, also when only one is asked for.
func TestRecentRunsOfOneSecond(t *testing.T) {
	ctx := context.Background()
	j := pipeline.LocalJournal{Root: t.TempDir(), NoSync: true}
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	write := func(id, kind string, started time.Time) {
		t.Helper()
		w, err := j.Writer(ctx, "production", id)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		for i, e := range []pipeline.Event{{Kind: pipeline.RunStarted, Pipeline: kind, Time: started}, {Kind: pipeline.RunFinished, Status: pipeline.RunSucceeded, Time: started}} {
			e.Seq, e.Env, e.RunID = int64(i+1), "production", id
			if err := w.Append(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("20261201T095959Z-000000", "plan", at.Add(-time.Second))
	write("20261201T100000Z-ffffff", "plan", at.Add(100*time.Millisecond))
	write("20261201T100000Z-000001", "apply", at.Add(900*time.Millisecond))
	all, err := pipeline.RecentRuns(ctx, j, nil, "production", 0)
	if err != nil || len(all) != 3 || all[0].Pipeline != "apply" || all[1].RunID != "20261201T100000Z-ffffff" || all[2].RunID != "20261201T095959Z-000000" {
		t.Fatalf("runs: %+v %v", all, err)
	}
	last, err := pipeline.RecentRuns(ctx, j, nil, "production", 1)
	if err != nil || len(last) != 1 || last[0].Pipeline != "apply" {
		t.Fatalf("the last run: %+v %v", last, err)
	}
}
