package envs

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
)

// WriteReviewText writes the review of plan p as WriteReportText writes
// the report NewReport builds of it, byte for byte, without building that
// report: the changes are diffed in chunks, in parallel on large plans,
// and each chunk is written once the ones before it are, so memory holds
// a few chunks' diffs, not the whole plan's.
//
// A change whose values do not decode stops the writing with an error,
// after what was written before it; a plan from DecodePlan has none.
func WriteReviewText(w io.Writer, p *Plan, findings []Finding, environment string, opts DiffOptions) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	r := reviewHead(p, findings, environment)
	writeTextHead(bw, r)
	var order, starts []int // the changes by action, in ActionOrder; where each action's start
	for _, a := range ActionOrder {
		start := len(order)
		for i, c := range p.Changes {
			if c.Action == a {
				order = append(order, i)
			}
		}
		if len(order) > start {
			starts = append(starts, start)
		}
	}
	err := streamChanges(bw, len(order), opts, func(sw *streamWorker, b []byte, k int) ([]byte, error) {
		c := p.Changes[order[k]]
		if g, ok := slices.BinarySearch(starts, k); ok {
			b = appendGroupHeader(b, c.Action, groupLen(starts, g, len(order)))
		}
		if c.Action == ActionNoOp {
			return appendNoOpText(b, c.Address), nil
		}
		cr, err := sw.report(c)
		if err != nil {
			return b, err
		}
		return appendChangeText(b, cr), nil
	})
	if err != nil {
		return fmt.Errorf("write the review as text: %w", err)
	}
	if len(p.Drift) > 0 {
		fmt.Fprintf(bw, "\nChanged outside Terraform (%d)\n", len(p.Drift))
		err := streamChanges(bw, len(p.Drift), opts, func(sw *streamWorker, b []byte, k int) ([]byte, error) {
			cr, err := sw.report(p.Drift[k])
			if err != nil {
				return b, err
			}
			return appendChangeText(b, cr), nil
		})
		if err != nil {
			return fmt.Errorf("write the review as text: %w", err)
		}
	}
	writeTextOutputs(bw, r)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write the review as text: %w", err)
	}
	return nil
}

// groupLen is the length of the i-th group of a list of n items grouped
// at starts.
func groupLen(starts []int, i, n int) int {
	if i+1 < len(starts) {
		return starts[i+1] - starts[i]
	}
	return n - starts[i]
}

// WriteReviewJSON writes the review of plan p as WriteJSON writes the
// report NewReport builds of it, byte for byte, without building that
// report, as WriteReviewText does.
func WriteReviewJSON(w io.Writer, p *Plan, findings []Finding, environment string, opts DiffOptions) error {
	jw := newJSONWriter(w)
	jw.head(reviewHead(p, findings, environment))
	for _, part := range []struct {
		name    string
		changes []*Change
	}{{"changes", p.Changes}, {"drift", p.Drift}} {
		jw.name(part.name)
		if len(part.changes) == 0 {
			jw.w.WriteString("[]")
			continue
		}
		jw.w.WriteByte('[')
		err := streamChanges(jw.w, len(part.changes), opts, func(sw *streamWorker, b []byte, k int) ([]byte, error) {
			cr, err := sw.report(part.changes[k])
			if err != nil {
				return b, err
			}
			return appendChangeJSON(appendListElement(b, k), cr), nil
		})
		if err != nil {
			return fmt.Errorf("write the report as JSON: %w", err)
		}
		jw.w.WriteString("\n  ]")
	}
	return jw.tail(&Report{Outputs: nonNil(p.Outputs)})
}

// reviewHead is the report of p without its changes and drift.
func reviewHead(p *Plan, findings []Finding, environment string) *Report {
	return &Report{
		FormatVersion: p.FormatVersion, TerraformVersion: p.TerraformVersion, Environment: environment,
		Summary: p.Summary(), HighRisk: HighRisk(findings), Incomplete: p.Errored,
		Findings: nonNil(findings), Outputs: nonNil(p.Outputs),
	}
}

// nonNil is s, or an empty slice for nil (JSON [] rather than null).
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// streamWorker is what one goroutine of streamChanges diffs with.
type streamWorker struct {
	differ *differ
	attrs  []AttrDiff
	cr     ChangeReport
}

// report is the report of c, valid until the next call.
func (sw *streamWorker) report(c *Change) (*ChangeReport, error) {
	if err := sw.differ.report(c, &sw.cr, sw.attrs[:0]); err != nil {
		return nil, err
	}
	sw.attrs = sw.cr.Attributes
	return &sw.cr, nil
}

// streamChunk is how many changes a chunk of streamChanges holds.
const streamChunk = 64

// streamChanges writes n items to w, in order: render appends the k-th
// to b. On large lists the items are rendered by several goroutines, a
// chunk at a time, each with a streamWorker of its own; render must then
// use nothing else that changes. It stops at the first error, in order.
func streamChanges(w io.Writer, n int, opts DiffOptions, render func(sw *streamWorker, b []byte, k int) ([]byte, error)) error {
	workers := min(runtime.GOMAXPROCS(0), n/minChangesPerWorker)
	newWorker := func() *streamWorker { return &streamWorker{differ: newDiffer(opts, nil)} }
	if workers <= 1 {
		sw := newWorker()
		var b []byte
		for k := range n {
			var err error
			if b, err = render(sw, b, k); err != nil {
				return err
			}
			if len(b) >= 32<<10 || k == n-1 {
				if _, err := w.Write(b); err != nil {
					return err
				}
				b = b[:0]
			}
		}
		return nil
	}
	sws := make([]*streamWorker, workers)
	for i := range sws {
		sws[i] = newWorker()
	}
	chunks := (n + streamChunk - 1) / streamChunk
	return writeOrdered(w, chunks, workers, 4*workers, func(worker, chunk int, b []byte) ([]byte, error) {
		for k := chunk * streamChunk; k < min((chunk+1)*streamChunk, n); k++ {
			var err error
			if b, err = render(sws[worker], b, k); err != nil {
				return b, err
			}
		}
		return b, nil
	})
}

// writeOrdered renders chunks 0 to chunks-1 on workers goroutines and
// writes them to w in order. At most window chunks are rendered and not
// yet written at any time, so memory holds no more than that. It returns
// the first error in chunk order, of rendering or of writing, and renders
// nothing after it.
func writeOrdered(w io.Writer, chunks, workers, window int, render func(worker, chunk int, b []byte) ([]byte, error)) error {
	type result struct {
		b   []byte
		err error
	}
	results := make([]chan result, chunks)
	for i := range results {
		results[i] = make(chan result, 1)
	}
	jobs := make(chan int)
	slots := make(chan struct{}, window)
	stop := make(chan struct{})
	free := make(chan []byte, window)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(jobs)
		for i := range chunks {
			select {
			case slots <- struct{}{}:
			case <-stop:
				return
			}
			select {
			case jobs <- i:
			case <-stop:
				return
			}
		}
	})
	for worker := range workers {
		wg.Go(func() {
			for i := range jobs {
				var b []byte
				select {
				case b = <-free:
				default:
				}
				b, err := render(worker, i, b[:0])
				results[i] <- result{b, err}
			}
		})
	}
	var err error
	for i := range chunks {
		r := <-results[i]
		if err = r.err; err == nil {
			_, err = w.Write(r.b)
		}
		if err != nil {
			break
		}
		select {
		case free <- r.b:
		default:
		}
		<-slots
	}
	close(stop)
	wg.Wait()
	return err
}
