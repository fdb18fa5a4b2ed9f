package tf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// EventType is the type of a machine-readable UI message Terraform prints
// with -json.
type EventType string

// The event types envbench acts on. Others arrive as they are, with their
// message.
const (
	EventVersion           EventType = "version"
	EventLog               EventType = "log"
	EventDiagnostic        EventType = "diagnostic"
	EventPlannedChange     EventType = "planned_change"
	EventResourceDrift     EventType = "resource_drift"
	EventChangeSummary     EventType = "change_summary"
	EventOutputs           EventType = "outputs"
	EventRefreshStart      EventType = "refresh_start"
	EventRefreshComplete   EventType = "refresh_complete"
	EventApplyStart        EventType = "apply_start"
	EventApplyProgress     EventType = "apply_progress"
	EventApplyComplete     EventType = "apply_complete"
	EventApplyErrored      EventType = "apply_errored"
	EventProvisionStart    EventType = "provision_start"
	EventProvisionProgress EventType = "provision_progress"
	EventProvisionComplete EventType = "provision_complete"
	EventProvisionErrored  EventType = "provision_errored"
)

// Event is one message of Terraform's streamed JSON output, typed.
type Event struct {
	Type    EventType
	Level   string // info, warn, error
	Message string // Terraform's human-readable line
	Time    time.Time

	// Resource events (planned changes, drift, hooks).
	Resource         string // address, e.g. module.db.aws_db_instance.this[0]
	ResourceType     string
	PreviousResource string // for moves
	Action           string // create, update, delete, replace, read, noop, move, import...
	Reason           string // why a change, e.g. replace_because_cannot_update
	Elapsed          time.Duration
	IDKey, IDValue   string
	Provisioner      string
	Output           string // a provisioner's output line

	Summary    *ChangeSummary // change_summary
	Diagnostic *Diagnostic    // diagnostic
	Version    string         // version: Terraform's version
}

// ChangeSummary is Terraform's count of changes at the end of a plan or
// apply.
type ChangeSummary struct {
	Add, Change, Import, Remove int
	Operation                   string // plan, apply or destroy
}

// Diagnostic is an error or warning from Terraform, whole: severity,
// summary, detail and the place in the configuration.
type Diagnostic struct {
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail,omitempty"`
	Address  string `json:"address,omitempty"`
	Filename string `json:"filename,omitempty"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	// Snippet is the configuration line the diagnostic points at.
	Snippet string `json:"snippet,omitempty"`
}

// String formats the diagnostic as Terraform's CLI would:
// "Error: summary (main.tf:12:3, aws_db_instance.db)" and the detail below.
func (d Diagnostic) String() string {
	var b strings.Builder
	sev := d.Severity
	if sev == "" {
		sev = "error"
	}
	b.WriteString(strings.ToUpper(sev[:1]) + sev[1:] + ": " + d.Summary)
	var where []string
	if d.Filename != "" {
		loc := d.Filename
		if d.Line > 0 {
			loc += fmt.Sprintf(":%d", d.Line)
			if d.Column > 0 {
				loc += fmt.Sprintf(":%d", d.Column)
			}
		}
		where = append(where, loc)
	}
	if d.Address != "" {
		where = append(where, d.Address)
	}
	if len(where) > 0 {
		b.WriteString(" (" + strings.Join(where, ", ") + ")")
	}
	if d.Snippet != "" {
		b.WriteString("\n  " + strings.TrimSpace(d.Snippet))
	}
	if d.Detail != "" {
		b.WriteString("\n" + d.Detail)
	}
	return b.String()
}

// rawEvent mirrors the JSON Terraform prints.
type rawEvent struct {
	Level     string    `json:"@level"`
	Message   string    `json:"@message"`
	Timestamp time.Time `json:"@timestamp"`
	Type      EventType `json:"type"`
	Terraform string    `json:"terraform"`
	Change    *struct {
		Resource         rawResource  `json:"resource"`
		PreviousResource *rawResource `json:"previous_resource"`
		Action           string       `json:"action"`
		Reason           string       `json:"reason"`
	} `json:"change"`
	Hook *struct {
		Resource       rawResource `json:"resource"`
		Action         string      `json:"action"`
		IDKey          string      `json:"id_key"`
		IDValue        string      `json:"id_value"`
		ElapsedSeconds float64     `json:"elapsed_seconds"`
		Provisioner    string      `json:"provisioner"`
		Output         string      `json:"output"`
	} `json:"hook"`
	Changes *struct {
		Add       int    `json:"add"`
		Change    int    `json:"change"`
		Import    int    `json:"import"`
		Remove    int    `json:"remove"`
		Operation string `json:"operation"`
	} `json:"changes"`
	Diagnostic *struct {
		Severity string `json:"severity"`
		Summary  string `json:"summary"`
		Detail   string `json:"detail"`
		Address  string `json:"address"`
		Range    *struct {
			Filename string `json:"filename"`
			Start    struct {
				Line   int `json:"line"`
				Column int `json:"column"`
			} `json:"start"`
		} `json:"range"`
		Snippet *struct {
			Code string `json:"code"`
		} `json:"snippet"`
	} `json:"diagnostic"`
}

type rawResource struct {
	Addr         string `json:"addr"`
	ResourceType string `json:"resource_type"`
}

// ParseEvent decodes one line of Terraform's -json output. A line that is not
// a JSON object is an error; callers show it as plain output.
func ParseEvent(line []byte) (Event, error) {
	line = bytes.TrimSpace(line)
	var raw rawEvent
	if len(line) == 0 || line[0] != '{' {
		return Event{}, fmt.Errorf("not a JSON message: %q", truncate(string(line), 80))
	}
	if err := json.Unmarshal(line, &raw); err != nil {
		return Event{}, fmt.Errorf("not a Terraform JSON message: %v", err)
	}
	e := Event{Type: raw.Type, Level: raw.Level, Message: raw.Message, Time: raw.Timestamp, Version: raw.Terraform}
	if e.Type == "" {
		e.Type = EventLog
	}
	if c := raw.Change; c != nil {
		e.Resource, e.ResourceType, e.Action, e.Reason = c.Resource.Addr, c.Resource.ResourceType, c.Action, c.Reason
		if c.PreviousResource != nil {
			e.PreviousResource = c.PreviousResource.Addr
		}
	}
	if h := raw.Hook; h != nil {
		e.Resource, e.ResourceType, e.Action = h.Resource.Addr, h.Resource.ResourceType, h.Action
		e.IDKey, e.IDValue, e.Provisioner, e.Output = h.IDKey, h.IDValue, h.Provisioner, h.Output
		if h.ElapsedSeconds > 0 && h.ElapsedSeconds < 1e9 {
			e.Elapsed = time.Duration(h.ElapsedSeconds * float64(time.Second))
		}
	}
	if c := raw.Changes; c != nil {
		e.Summary = &ChangeSummary{Add: c.Add, Change: c.Change, Import: c.Import, Remove: c.Remove, Operation: c.Operation}
	}
	if d := raw.Diagnostic; d != nil {
		diag := &Diagnostic{Severity: d.Severity, Summary: d.Summary, Detail: d.Detail, Address: d.Address}
		if d.Range != nil {
			diag.Filename, diag.Line, diag.Column = d.Range.Filename, d.Range.Start.Line, d.Range.Start.Column
		}
		if d.Snippet != nil {
			diag.Snippet = d.Snippet.Code
		}
		e.Diagnostic = diag
	}
	return e, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// maxLine bounds one line of Terraform output held in memory.
const maxLine = 16 << 20

// lineWriter splits what Terraform writes into lines and hands each, parsed,
// to a sink as soon as the line is complete. Lines that are not JSON become
// log events. It is safe for one writer goroutine; Flush ends a run.
type lineWriter struct {
	mu         sync.Mutex
	buf        []byte
	sink       func(Event)
	discarding bool // the rest of a line cut at maxLine
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if w.discarding {
			if i < 0 {
				return n, nil
			}
			w.discarding = false
			p = p[i+1:]
			continue
		}
		if i < 0 {
			if len(w.buf)+len(p) > maxLine {
				w.emit(append(w.buf, p[:maxLine-len(w.buf)]...))
				w.buf = w.buf[:0]
				w.discarding = true
				return n, nil
			}
			w.buf = append(w.buf, p...)
			break
		}
		line := p[:i]
		if len(w.buf) > 0 {
			line = append(w.buf, line...)
			w.buf = w.buf[:0]
		}
		w.emit(line)
		p = p[i+1:]
	}
	return n, nil
}

// Flush emits a last line that had no newline.
func (w *lineWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(bytes.TrimSpace(w.buf)) > 0 {
		w.emit(w.buf)
	}
	w.buf = nil
}

func (w *lineWriter) emit(line []byte) {
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	e, err := ParseEvent(line)
	if err != nil {
		e = Event{Type: EventLog, Level: "info", Message: string(bytes.TrimRight(line, "\r"))}
	}
	w.sink(e)
}
