package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/pipeline/storetest"
)

// inProcess runs envbench's command line in this process.
func inProcess(t *testing.T, root string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), append([]string{"--workspace", root}, args...), Env{Stdout: &out, Stderr: &errOut})
	return out.String(), errOut.String(), ExitCode(err)
}

// stores opens root's run stores as a second process would.
func stores(t *testing.T, root string) pipeline.Stores {
	t.Helper()
	c, err := envs.Open(root, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st, err := pipeline.OpenStores(context.Background(), c, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func teamWorkspace(t *testing.T) string {
	t.Helper()
	root := copyWorkspace(t, "demo")
	f, err := os.OpenFile(filepath.Join(root, "envbench.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("state: s3://acme-envbench-state/team\n"); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestRunsAndUnlockCommands(t *testing.T) {
	for _, mode := range []string{"local", "team"} {
		t.Run(mode, func(t *testing.T) {
			root := copyWorkspace(t, "demo")
			if mode == "team" {
				root = teamWorkspace(t)
			}
			st := stores(t, root)
			if _, isS3 := st.Journal.(pipeline.S3Journal); isS3 != (mode == "team") {
				t.Fatalf("%s workspace journal %T", mode, st.Journal)
			}
			out, _, code := inProcess(t, root, "runs")
			if code != 0 || !strings.Contains(out, "No runs") {
				t.Errorf("runs with none: %d %q", code, out)
			}
			storetest.WriteRun(t, st.Journal, "qa", "20261201T100000Z-000001", 3, true)
			storetest.WriteRun(t, st.Journal, "dev-alice", "20261201T110000Z-000002", 2, false)

			out, errOut, code := inProcess(t, root, "runs")
			if code != 0 || strings.Index(out, "20261201T110000Z-000002") > strings.Index(out, "20261201T100000Z-000001") || !strings.Contains(out, "succeeded") || !strings.Contains(out, "interrupted") {
				t.Errorf("runs: %d %q %q", code, out, errOut)
			}
			out, _, code = inProcess(t, root, "runs", "qa", "--json")
			var got []map[string]any
			if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 {
				t.Fatalf("runs qa --json: %d %q %v", code, out, err)
			}
			if len(got) != 1 || got[0]["run_id"] != "20261201T100000Z-000001" || got[0]["kind"] != "plan" || got[0]["status"] != "succeeded" || got[0]["step"] != "step-2" || got[0]["ended"] == nil {
				t.Errorf("runs qa --json: %v", got)
			}
			if _, errOut, code := inProcess(t, root, "runs", "nope"); code != 2 || !strings.Contains(errOut, `unknown environment "nope"`) {
				t.Errorf("runs nope: %d %q", code, errOut)
			}
			if _, _, code := inProcess(t, root, "runs", "qa", "dev-alice"); code != 2 {
				t.Errorf("runs with two environments: %d", code)
			}

			if out, _, code := inProcess(t, root, "unlock", "qa"); code != 0 || !strings.Contains(out, "qa is not locked") {
				t.Errorf("unlock with no lock: %d %q", code, out)
			}
			h := pipeline.CurrentHolder("20261201T120000Z-000003", "apply", time.Now())
			h.User, h.Host = "ci", "ci-runner-7"
			if _, err := st.Locks.Acquire(context.Background(), "qa", h); err != nil {
				t.Fatal(err)
			}
			out, errOut, code = inProcess(t, root, "unlock", "qa")
			if code != 2 || !strings.Contains(out, "ci@ci-runner-7") || !strings.Contains(errOut, "--force") {
				t.Errorf("unlock without --force: %d %q %q", code, out, errOut)
			}
			if _, held, _ := st.Locks.Read(context.Background(), "qa"); !held {
				t.Fatal("unlock without --force broke the lock")
			}
			out, _, code = inProcess(t, root, "unlock", "qa", "--force")
			if code != 0 || !strings.Contains(out, "Broke qa's lock, held by ci@ci-runner-7") {
				t.Errorf("unlock --force: %d %q", code, out)
			}
			if _, held, _ := st.Locks.Read(context.Background(), "qa"); held {
				t.Error("unlock --force left the lock")
			}
			if _, errOut, code := inProcess(t, root, "unlock", "nope", "--force"); code != 2 || !strings.Contains(errOut, "nope") {
				t.Errorf("unlock nope: %d %q", code, errOut)
			}
		})
	}
}

// TestRunsSaysWhoRanIt: the table names who started a run and who resumed
// it, and cuts a long message to its first line; --json has them whole.
func TestRunsSaysWhoRanIt(t *testing.T) {
	root := copyWorkspace(t, "demo")
	st := stores(t, root)
	ctx := context.Background()
	w, err := st.Journal.Writer(ctx, "qa", "20261201T100000Z-00000a")
	if err != nil {
		t.Fatal(err)
	}
	long := "apply: " + strings.Repeat("x", 150) + "\nsecond line"
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, e := range []pipeline.Event{
		{Seq: 1, Kind: pipeline.RunStarted, Pipeline: "clone", By: "alice@laptop", Time: at},
		{Seq: 2, Kind: pipeline.RunFinished, Status: pipeline.RunFailed, Message: "interrupted", Time: at},
		{Seq: 3, Kind: pipeline.RunStarted, Pipeline: "clone", By: "ci@runner-7", Time: at},
		{Seq: 4, Kind: pipeline.RunFinished, Status: pipeline.RunFailed, Message: long, Time: at},
	} {
		e.Env, e.RunID = "qa", "20261201T100000Z-00000a"
		if err := w.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	out, _, code := inProcess(t, root, "runs")
	if code != 0 || !strings.Contains(out, "WHO") || !strings.Contains(out, "alice@laptop, resumed by ci@runner-7") {
		t.Fatalf("runs: %d\n%s", code, out)
	}
	if strings.Contains(out, "second line") || !strings.Contains(out, "apply: "+strings.Repeat("x", briefLen-8)+"…") {
		t.Errorf("the message is not cut to its first %d characters:\n%s", briefLen, out)
	}
	out, _, _ = inProcess(t, root, "runs", "--json")
	var got []runJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 1 {
		t.Fatalf("runs --json: %v\n%s", err, out)
	}
	if got[0].By != "alice@laptop" || got[0].ResumedBy != "ci@runner-7" || got[0].Message != long {
		t.Errorf("runs --json: %+v", got[0])
	}
}
