package tf

import (
	"strings"
	"testing"
	"time"
)

func TestParseEvent(t *testing.T) {
	cases := []struct {
		line  string
		check func(e Event) bool
	}{
		{`{"@level":"info","@message":"Terraform 1.5.7","@module":"terraform.ui","@timestamp":"2026-11-21T21:04:49.148332Z","terraform":"1.5.7","type":"version","ui":"1.1"}`,
			func(e Event) bool {
				return e.Type == EventVersion && e.Version == "1.5.7" && e.Time.Equal(time.Date(2026, 11, 21, 21, 4, 49, 148332000, time.UTC))
			}},
		{`{"@level":"info","@message":"terraform_data.db: Plan to replace","change":{"resource":{"addr":"terraform_data.db","resource_type":"terraform_data"},"action":"replace","reason":"cannot_update"},"type":"planned_change"}`,
			func(e Event) bool {
				return e.Type == EventPlannedChange && e.Resource == "terraform_data.db" && e.Action == "replace" && e.Reason == "cannot_update" && e.ResourceType == "terraform_data"
			}},
		{`{"@message":"a.new: Plan to move","change":{"resource":{"addr":"a.new"},"previous_resource":{"addr":"a.old"},"action":"move"},"type":"planned_change"}`,
			func(e Event) bool { return e.PreviousResource == "a.old" && e.Action == "move" }},
		{`{"@message":"x","hook":{"resource":{"addr":"a.b"},"action":"create","elapsed_seconds":2.5},"type":"apply_progress"}`,
			func(e Event) bool { return e.Type == EventApplyProgress && e.Elapsed == 2500*time.Millisecond }},
		{`{"@message":"x","hook":{"resource":{"addr":"a.b"},"provisioner":"local-exec","output":"hello"},"type":"provision_progress"}`,
			func(e Event) bool { return e.Provisioner == "local-exec" && e.Output == "hello" }},
		{`{"@message":"Plan: 1 to add","changes":{"add":1,"change":2,"import":3,"remove":4,"operation":"plan"},"type":"change_summary"}`,
			func(e Event) bool { return *e.Summary == ChangeSummary{1, 2, 3, 4, "plan"} }},
		{`{"@level":"warn","@message":"w","diagnostic":{"severity":"warning","summary":"Deprecated","detail":"use x","address":"a.b","range":{"filename":"m.tf","start":{"line":3,"column":5}}},"type":"diagnostic"}`,
			func(e Event) bool {
				return e.Diagnostic.String() == "Warning: Deprecated (m.tf:3:5, a.b)\nuse x"
			}},
		{`{"@message":"no type"}`, func(e Event) bool { return e.Type == EventLog && e.Message == "no type" }},
	}
	for _, tc := range cases {
		e, err := ParseEvent([]byte(tc.line))
		if err != nil || !tc.check(e) {
			t.Errorf("ParseEvent(%s) = %+v, %v", tc.line, e, err)
		}
	}
	for _, bad := range []string{"", "Initializing...", `{"type":`, `{"hook":{"elapsed_seconds":"x"}}`} {
		if _, err := ParseEvent([]byte(bad)); err == nil {
			t.Errorf("ParseEvent(%q) should fail", bad)
		}
	}
}

func TestLineWriterSplitsAcrossWrites(t *testing.T) {
	var got []Event
	w := &lineWriter{sink: func(e Event) { got = append(got, e) }}
	line := `{"@message":"one","type":"log"}`
	w.Write([]byte(line[:10]))
	if len(got) != 0 {
		t.Fatal("a partial line must wait")
	}
	w.Write([]byte(line[10:] + "\nplain text\r\n\n{\"@message\":\"two\","))
	w.Write([]byte(`"type":"log"}`))
	w.Flush()
	var msgs []string
	for _, e := range got {
		msgs = append(msgs, string(e.Type)+":"+e.Message)
	}
	if strings.Join(msgs, "|") != "log:one|log:plain text|log:two" {
		t.Errorf("events %v", msgs)
	}
}

func TestLineWriterBoundsALine(t *testing.T) {
	var got []Event
	w := &lineWriter{sink: func(e Event) { got = append(got, e) }}
	chunk := []byte(strings.Repeat("x", 1<<20))
	for i := 0; i < 20; i++ {
		w.Write(chunk)
	}
	w.Write([]byte("tail of the long line\n{\"@message\":\"next\",\"type\":\"log\"}\n"))
	w.Flush()
	if len(got) != 2 || len(got[0].Message) > maxLine || got[1].Message != "next" {
		t.Errorf("an unbounded line must be cut at %d bytes and its rest dropped; got %d events", maxLine, len(got))
	}
}

// FuzzParseEvent decodes arbitrary lines; nothing may panic.
func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(`{"@level":"info","@message":"m","change":{"resource":{"addr":"a.b"},"action":"create"},"type":"planned_change"}`))
	f.Add([]byte(`{"diagnostic":{"severity":"error","summary":"s","range":{"filename":"f","start":{"line":1}},"snippet":{"code":"c"}},"type":"diagnostic"}`))
	f.Add([]byte(`{"hook":{"resource":{"addr":"a"},"elapsed_seconds":1e300},"changes":{"add":1}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		e, err := ParseEvent(line)
		if err != nil {
			return
		}
		if e.Diagnostic != nil {
			_ = e.Diagnostic.String()
		}
		if e.Elapsed < 0 {
			t.Fatalf("negative elapsed %v", e.Elapsed)
		}
	})
}
