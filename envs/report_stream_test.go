package envs

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/envbench/envbench/internal/testkit"
)

// TestWriteReviewMatchesReport: the streamed review is, byte for byte,
// the report NewReport builds as WriteReportText and WriteJSON write it,
// on plans small enough for one goroutine and large enough for several.
func TestWriteReviewMatchesReport(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, n := range []int{0, 40, 4*minChangesPerWorker + 77} {
		p, err := DecodePlan(testkit.GeneratePlan(n, 9))
		if err != nil {
			t.Fatal(err)
		}
		if n == 40 { // drift that does nothing, and no outputs
			p.Drift = append(p.Drift, &Change{Address: "a.noop", Action: ActionNoOp, Actions: []string{"no-op"}})
			p.Outputs = nil
		}
		findings := Review(p, DefaultRiskRules(), ReviewContext{Environment: "qa"})
		opts := DiffOptions{SecretNames: DefaultSecretNames}
		report, err := NewReport(p, findings, "qa <&>", opts)
		if err != nil {
			t.Fatal(err)
		}
		var wantText, gotText, wantJSON, gotJSON bytes.Buffer
		WriteReportText(&wantText, report)
		if err := WriteReviewText(&gotText, p, findings, "qa <&>", opts); err != nil {
			t.Fatal(err)
		}
		if err := report.WriteJSON(&wantJSON); err != nil {
			t.Fatal(err)
		}
		if err := WriteReviewJSON(&gotJSON, p, findings, "qa <&>", opts); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(gotText.Bytes(), wantText.Bytes()) {
			t.Errorf("%d changes: streamed text differs from the report's:\n%s\nwant:\n%s", n, clip(gotText.String()), clip(wantText.String()))
		}
		if !bytes.Equal(gotJSON.Bytes(), wantJSON.Bytes()) {
			t.Errorf("%d changes: streamed JSON differs from the report's:\n%s\nwant:\n%s", n, clip(gotJSON.String()), clip(wantJSON.String()))
		}
	}
}

// blockingWriter holds every Write until released, counting them.
type blockingWriter struct {
	release chan struct{}
	writes  atomic.Int32
	buf     bytes.Buffer
}

func (w *blockingWriter) Write(b []byte) (int, error) {
	<-w.release
	w.writes.Add(1)
	return w.buf.Write(b)
}

// TestWriteOrderedBoundsMemory: while the writer is held, no more than the
// window of chunks is rendered; once released, every chunk is written in
// order.
func TestWriteOrderedBoundsMemory(t *testing.T) {
	const chunks, workers, window = 50, 3, 5
	w := &blockingWriter{release: make(chan struct{})}
	var rendered atomic.Int32
	reachedWindow := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- writeOrdered(w, chunks, workers, window, func(_, chunk int, b []byte) ([]byte, error) {
			if rendered.Add(1) == window {
				close(reachedWindow)
			}
			return fmt.Appendf(b, "%d,", chunk), nil
		})
	}()
	<-reachedWindow
	// The first chunk's write is held: the feeder cannot hand out a slot
	// beyond the window, however long the writer takes. Give the workers a
	// chance to run ahead, without sleeping: each Gosched lets them run.
	for range 1000 {
		runtime.Gosched()
	}
	if got := rendered.Load(); got > window {
		t.Fatalf("%d chunks rendered while the first was not written; the window is %d", got, window)
	}
	close(w.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	for i := range chunks {
		fmt.Fprintf(&want, "%d,", i)
	}
	if w.buf.String() != want.String() {
		t.Errorf("written %q, want %q", w.buf.String(), want.String())
	}
}

// TestWriteOrderedStopsAtFirstError: the first error in chunk order is
// returned, and nothing after it is written.
func TestWriteOrderedStopsAtFirstError(t *testing.T) {
	var out bytes.Buffer
	bad := errors.New("chunk 7 is bad")
	err := writeOrdered(&out, 40, 4, 8, func(_, chunk int, b []byte) ([]byte, error) {
		if chunk == 7 || chunk == 30 {
			return b, fmt.Errorf("chunk %d: %w", chunk, bad)
		}
		return fmt.Appendf(b, "%d,", chunk), nil
	})
	if !errors.Is(err, bad) || err.Error() != "chunk 7: chunk 7 is bad" {
		t.Errorf("error %v, want chunk 7's", err)
	}
	if out.String() != "0,1,2,3,4,5,6," {
		t.Errorf("written %q, want the chunks before 7", out.String())
	}
}

// TestDiffAllocations: diffing a change allocates its rows' text once and
// its rows, not a value per attribute as decoding into maps did.
func TestDiffAllocations(t *testing.T) {
	p, err := DecodePlan(testkit.GeneratePlan(200, 4))
	if err != nil {
		t.Fatal(err)
	}
	var c *Change
	for _, ch := range p.Changes {
		if ch.Action == ActionUpdate && ch.Type == "aws_security_group" {
			c = ch
			break
		}
	}
	if c == nil {
		t.Fatal("no update of a security group in the generated plan")
	}
	w := newDiffer(DiffOptions{SecretNames: DefaultSecretNames}, nil)
	var attrs []AttrDiff
	diff := func() {
		var err error
		if attrs, _, err = w.diff(c, attrs[:0]); err != nil {
			t.Fatal(err)
		}
	}
	diff() // warm the differ's buffers and secret cache
	if len(attrs) < 3 {
		t.Fatalf("only %d rows: %v", len(attrs), attrs)
	}
	if n := testing.AllocsPerRun(50, diff); n > 1 {
		t.Errorf("%.0f allocations to diff %s (%d rows), want 1 (its text)", n, c.Address, len(attrs))
	}
	rv := newReviewer(DefaultRiskRules())
	rv.numericJumps(c)
	if n := testing.AllocsPerRun(50, func() { rv.numericJumps(c) }); n > 0 {
		t.Errorf("%.0f allocations to look for numeric jumps in %s, want none", n, c.Address)
	}
}
