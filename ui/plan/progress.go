package plan

import (
	"time"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/tf"
	"github.com/envbench/envbench/ui/theme"
)

// resource states during an apply.
const (
	stateRunning = "running"
	stateDone    = "done"
	stateFailed  = "failed"
)

// applyStatus is one resource's progress during an apply.
type applyStatus struct {
	state   string // running, done, failed
	started time.Time
	elapsed time.Duration
}

// progress is an apply's per-resource progress, from Terraform's events.
type progress struct {
	statuses map[string]*applyStatus
	start    time.Time
}

func newProgress(start time.Time) *progress {
	return &progress{statuses: map[string]*applyStatus{}, start: start}
}

// changesResources reports whether an apply acts on a change of this
// action: moves, imports, forgets, reads and no-ops change no resource and
// get no apply events.
func changesResources(a envs.Action) bool {
	switch a {
	case envs.ActionCreate, envs.ActionUpdate, envs.ActionDelete, envs.ActionReplace:
		return true
	}
	return false
}

// event applies one of Terraform's apply events.
func (p *progress) event(e *tf.Event, now time.Time) {
	switch e.Type {
	case tf.EventApplyStart:
		p.statuses[e.Resource] = &applyStatus{state: stateRunning, started: now}
	case tf.EventApplyProgress:
		if st := p.statuses[e.Resource]; st != nil {
			st.elapsed = e.Elapsed
		}
	case tf.EventApplyComplete, tf.EventApplyErrored:
		st := p.statuses[e.Resource]
		if st == nil {
			st = &applyStatus{started: now}
			p.statuses[e.Resource] = st
		}
		st.elapsed = e.Elapsed
		st.state = stateDone
		if e.Type == tf.EventApplyErrored {
			st.state = stateFailed
		}
	}
}

// done counts the resources Terraform finished.
func (p *progress) done() int {
	n := 0
	for _, a := range p.statuses {
		if a.state == stateDone {
			n++
		}
	}
	return n
}

// text is a change's progress: ✓ 2s, ⠋ 5s, ✗ 3s, · waiting, or nothing for
// a change the apply does not act on.
func (p *progress) text(st *theme.Styles, r row, now time.Time, frame int) string {
	if r.header || !changesResources(r.action) {
		return ""
	}
	a := p.statuses[r.address]
	if a == nil {
		return st.Faint.Render("·")
	}
	elapsed := a.elapsed
	switch a.state {
	case stateRunning:
		if since := now.Sub(a.started); since > elapsed {
			elapsed = since
		}
		return st.Info.Render(spinner[frame%len(spinner)] + " " + elapsed.Round(time.Second).String())
	case stateFailed:
		return st.Error.Render("✗ " + elapsed.Round(time.Second).String())
	}
	return st.OK.Render("✓ " + elapsed.Round(time.Second).String())
}
