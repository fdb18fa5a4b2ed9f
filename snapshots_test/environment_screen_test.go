package snapshots_test

import (
	"context"
	"testing"
	"time"

	"github.com/envbench/envbench/pipeline"
)

// runsState is the demo state with dev-alice's history: a plan that
// succeeded yesterday, a clone interrupted during its apply ten minutes
// ago (no process holds its lock), and its outputs from an earlier clone.
func runsState(t *testing.T) string {
	t.Helper()
	root := demoState(t)
	j := pipeline.LocalJournal{Root: root, NoSync: true}
	write := func(runID, kind string, started time.Time, step pipeline.Step, status pipeline.RunStatus) {
		t.Helper()
		w, err := j.Writer(context.Background(), "dev-alice", runID)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		events := []pipeline.Event{
			{Kind: pipeline.RunStarted, Pipeline: kind, Time: started},
			{Kind: pipeline.StepStarted, Step: step, Time: started.Add(time.Minute)},
		}
		if status != "" {
			events = append(events, pipeline.Event{Kind: pipeline.RunFinished, Pipeline: kind, Status: status, Time: started.Add(2 * time.Minute)})
		}
		for i, e := range events {
			e.Seq, e.RunID, e.Env = int64(i+1), runID, "dev-alice"
			if err := w.Append(context.Background(), e); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("20261120T110000Z-plan", "plan", Now.Add(-25*time.Hour), pipeline.StepShow, pipeline.RunSucceeded)
	write("20261121T115000Z-clone", "clone", Now.Add(-10*time.Minute), pipeline.StepApply, "")
	writeFile(t, root, ".envbench/outputs/dev-alice.json",
		`{"db_endpoint":{"value":"db.dev-alice.acme.internal","type":"string","sensitive":false},`+
			`"db_password":{"value":"not-to-be-seen","type":"string","sensitive":true},`+
			`"vpc_id":{"value":"vpc-0a1b2c3d","type":"string","sensitive":false}}`)
	return root
}

// environmentScreenCases are the environment screen's goldens: each tab,
// with and without history.
func environmentScreenCases() []screenCase {
	return []screenCase{
		{name: "environments_last_run", setup: runsState},
		{name: "environments_last_run_production", keys: []string{"jjj"}, setup: runsState},
		{name: "env_overview", keys: []string{"enter"}, setup: runsState},
		{name: "env_runs", keys: []string{"enter", "tab"}, setup: runsState},
		{name: "env_outputs", keys: []string{"enter", "tab", "tab"}, setup: runsState},
		{name: "env_runs_empty", keys: []string{"enter", "tab"}},
		{name: "env_outputs_not_cloned", keys: []string{"enter", "tab", "tab"}},
		{name: "env_production_teardown_refused", keys: []string{"jjj", "enter", "T"}},
	}
}
