package cli

import (
	"errors"
	"testing"
)

// failingWriter fails every write and counts them.
type failingWriter struct{ writes int }

func (f *failingWriter) Write([]byte) (int, error) {
	f.writes++
	return 0, errors.New("broken pipe")
}

// TestQuietWriterStopsAfterAFailure: once a write fails, progress stops
// going to the writer, and the printer sees no error.
func TestQuietWriterStopsAfterAFailure(t *testing.T) {
	f := &failingWriter{}
	q := newQuietWriter(f)
	for range 3 {
		if n, err := q.Write([]byte("progress\n")); n != len("progress\n") || err != nil {
			t.Fatalf("Write = %d, %v; want the whole line and no error", n, err)
		}
	}
	if f.writes != 1 {
		t.Errorf("%d writes reached a broken writer, want 1", f.writes)
	}
}
