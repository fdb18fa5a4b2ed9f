package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func appendEvents(t *testing.T, j Journal, env, runID string, events ...Event) {
	t.Helper()
	w, err := j.Writer(context.Background(), env, runID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if err := w.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestLocalJournalToleratesATornLastLineOnly(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		tail    string // written after two good records
		want    int    // records read
		wantErr string
	}{
		{"whole", "", 2, ""},
		{"torn mid-record", `{"seq":3,"run_id":"r","ki`, 2, ""},
		{"torn, newline and all", "{\"seq\":3,\x00\x00\n", 2, ""},
		{"whole record missing its newline", `{"seq":3,"run_id":"r","env":"qa","kind":"step-started"}`, 3, ""},
		{"bad line before the last", "garbage\n" + `{"seq":4,"kind":"run-finished"}` + "\n", 0, "r.jsonl:3:"},
		{"empty line in the middle", "\n" + `{"seq":4,"kind":"run-finished"}` + "\n", 0, "r.jsonl:3: empty line"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			j := LocalJournal{Root: root}
			appendEvents(t, j, "qa", "r", Event{Seq: 1, Kind: RunStarted}, Event{Seq: 2, Kind: StepStarted, Step: "one"})
			f, _ := os.OpenFile(JournalPath(root, "qa", "r"), os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString(c.tail)
			f.Close()
			events, err := j.Read(ctx, "qa", "r")
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil || len(events) != c.want {
				t.Fatalf("%d events, %v; want %d", len(events), err, c.want)
			}
			// A writer opened after the crash repairs the tail, so the next
			// record is a line of its own.
			appendEvents(t, j, "qa", "r", Event{Seq: int64(c.want + 1), Kind: RunFinished})
			events, err = j.Read(ctx, "qa", "r")
			if err != nil || len(events) != c.want+1 || events[c.want].Kind != RunFinished {
				t.Fatalf("after repair: %d events, %v", len(events), err)
			}
		})
	}
}

func TestLocalJournalModesAndRuns(t *testing.T) {
	root := t.TempDir()
	j := LocalJournal{Root: root}
	appendEvents(t, j, "qa", "20261202T080000Z-aaaaaa", Event{Seq: 1})
	appendEvents(t, j, "qa", "20261202T090000Z-bbbbbb", Event{Seq: 1})
	appendEvents(t, j, "dev-bob", "20261202T083000Z-cccccc", Event{Seq: 1})
	os.WriteFile(filepath.Join(RunsDir(root, "qa"), "20261202T080000Z-aaaaaa.log"), nil, 0o600)
	for path, want := range map[string]os.FileMode{
		filepath.Join(root, ".envbench"):                   0o700,
		filepath.Join(root, ".envbench", "runs"):           0o700,
		RunsDir(root, "qa"):                                0o700,
		JournalPath(root, "qa", "20261202T080000Z-aaaaaa"): 0o600,
	} {
		if info, err := os.Stat(path); err != nil || info.Mode().Perm() != want {
			t.Errorf("%s: %v, want %04o", path, err, want)
		}
	}
	refs, err := j.Runs(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range refs {
		got = append(got, r.Env+"/"+r.RunID)
	}
	if strings.Join(got, " ") != "qa/20261202T090000Z-bbbbbb dev-bob/20261202T083000Z-cccccc qa/20261202T080000Z-aaaaaa" {
		t.Errorf("runs, newest first: %v", got)
	}
	if refs, _ := j.Runs(context.Background(), "dev-bob"); len(refs) != 1 {
		t.Errorf("runs of dev-bob: %v", refs)
	}
	if refs, err := j.Runs(context.Background(), "nobody"); err != nil || len(refs) != 0 {
		t.Errorf("runs of an environment without any: %v %v", refs, err)
	}
	if _, err := j.Read(context.Background(), "qa", "missing"); !errors.Is(err, ErrNoRun) {
		t.Errorf("a missing run: %v", err)
	}
	if _, err := j.Writer(context.Background(), "qa", "../../x"); err == nil {
		t.Error("a run id that is a path must be refused")
	}
}

// FuzzDecodeJournal: any bytes read as a journal either decode or fail
// with an error naming the file and line; nothing panics, and whatever
// decodes is in Seq order.
func FuzzDecodeJournal(f *testing.F) {
	f.Add([]byte(`{"seq":1,"kind":"run-started"}` + "\n" + `{"seq":2,"kind":"step-started","step":"lock"}` + "\n"))
	f.Add([]byte(`{"seq":2}` + "\n" + `{"seq":1}` + "\n{\"se"))
	f.Add([]byte("\n\n\n"))
	f.Add([]byte(`{"seq":1,"outputs":{"a":"b"},"wait":-5,"time":"2026-12-02T08:00:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		events, err := decodeJournal("run.jsonl", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "journal run.jsonl:") {
				t.Errorf("error without its place: %v", err)
			}
			return
		}
		for i := 1; i < len(events); i++ {
			if events[i].Seq < events[i-1].Seq {
				t.Errorf("out of order: %d after %d", events[i].Seq, events[i-1].Seq)
			}
		}
	})
}
