package cli

import (
	"io"
	"sync"
)

// quietWriter passes writes through until one fails (a closed pipe, a full
// disk), then drops every later one: a reader that went away must not stop
// a run, and nothing is gained by writing to it again.
type quietWriter struct {
	mu     sync.Mutex
	w      io.Writer
	broken bool
}

func newQuietWriter(w io.Writer) *quietWriter {
	if w == nil {
		w = io.Discard
	}
	if q, ok := w.(*quietWriter); ok {
		return q
	}
	return &quietWriter{w: w}
}

// Write writes p, or drops it once an earlier write failed. It reports
// success either way: the callers print and carry on.
func (q *quietWriter) Write(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.broken {
		if _, err := q.w.Write(p); err != nil {
			q.broken = true
		}
	}
	return len(p), nil
}
