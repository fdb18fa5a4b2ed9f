package envs

import (
	"bytes"
	"runtime"
	"sync"
	"sync/atomic"
)

// minPartBytes is the least of a part of a list of changes read apart.
const minPartBytes = 256 << 10

// elementMark is how an element of resource_changes or resource_drift
// starts after the one before it in `terraform show -json` output. The
// quote in it cannot be inside a string, so where it is found an object
// with "address" as its first key starts; it may still be nested in a
// value, or in another list, which reading the parts finds out.
var elementMark = []byte(`,{"address":`)

// changesInParts reads a long list of changes, the decoder at its '[', on
// several goroutines. It guesses where elements start at about equal
// distances over the rest of the input (elementMark) and reads the parts
// between the guesses in parallel, in order. A guess holds when the part
// before it, itself starting where an element does, ends right there; the
// parts are then what reading the list in one go gives, up to the part
// that reads the list's end (the guesses after it are in what follows the
// list, such as prior_state). From the first
// guess that does not hold, or a part with an error, the list is read on
// in one go; on an error, it is read again from its start, so that errors
// are those of reading in one go. ok is false, the decoder unmoved, when
// the list is not long enough to cut or has an error.
func (d *planDecoder) changesInParts(field string) ([]*Change, bool) {
	workers := runtime.GOMAXPROCS(0)
	open := d.pos // the '['
	parts := min(4*workers, (len(d.data)-open)/minPartBytes)
	if workers < 2 || parts < 2 {
		return nil, false
	}
	d.pos++
	if d.peek() == ']' {
		d.pos++
		return []*Change{}, true
	}
	starts := []int{d.pos}
	for k := 1; k < parts; k++ {
		from := max(open+(len(d.data)-open)*k/parts, starts[len(starts)-1]+1)
		i := bytes.Index(d.data[from:], elementMark)
		if i < 0 {
			break
		}
		starts = append(starts, from+i+1) // the '{'
	}
	type result struct {
		changes []*Change
		pos     int  // after the part
		ended   bool // the part read the list's ']'
		ok      bool
	}
	results := make([]chan result, len(starts))
	for k := range results {
		results[k] = make(chan result, 1)
	}
	jobs := make(chan int, len(starts))
	for k := range starts {
		jobs <- k
	}
	close(jobs)
	var quit atomic.Bool // the parts are not needed any more
	var wg sync.WaitGroup
	for range min(workers, len(starts)) {
		wg.Go(func() {
			pd := &planDecoder{jsonParser: jsonParser{data: d.data, keys: map[string]string{}}}
			for k := range jobs {
				next := -1
				if k+1 < len(starts) {
					next = starts[k+1]
				}
				pd.pos = starts[k]
				changes, how, err := pd.run(field, 0, next, &quit)
				ok := err == nil && (how == endedList || how == endedAtStop)
				results[k] <- result{changes, pd.pos, how == endedList, ok}
			}
		})
	}
	defer wg.Wait()
	defer quit.Store(true)

	var out []*Change
	for k := range starts {
		r := <-results[k]
		if !r.ok {
			// Read on from this part's start, which the part before
			// ended at, in one go.
			quit.Store(true)
			d.pos = starts[k]
			rest, _, err := d.run(field, len(out), -1, nil)
			if err != nil {
				d.pos = open // read the list again, for the error as it gives it
				return nil, false
			}
			return append(out, rest...), true
		}
		out = append(out, r.changes...)
		d.pos = r.pos
		if r.ended {
			return out, true // the guesses after it lie beyond the list
		}
	}
	return out, true
}

// How run ended.
const (
	endedList   = iota // at the list's ']', past it
	endedAtStop        // at stop, an element's start
	endedPast          // at an element's start past stop
	endedQuit          // told to stop
)

// run reads the elements of a list of changes from the decoder's position,
// the start of the i-th, up to the list's end or, when stop is not
// negative, up to the first element that starts at stop or after it. It
// also stops, when quit is not nil, once quit is set.
func (d *planDecoder) run(field string, i, stop int, quit *atomic.Bool) ([]*Change, int, error) {
	var out []*Change
	for ; ; i++ {
		if quit != nil && quit.Load() {
			return out, endedQuit, nil
		}
		if d.peek() == 0 {
			return out, endedQuit, d.syntax("looking for beginning of value")
		}
		c, err := d.element(field, i, d.pos)
		if err != nil {
			return out, endedQuit, err
		}
		out = append(out, c)
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return out, endedList, nil
		default:
			return out, endedQuit, d.syntax("after array element")
		}
		if stop >= 0 {
			d.ws()
			switch {
			case d.pos == stop:
				return out, endedAtStop, nil
			case d.pos > stop:
				return out, endedPast, nil
			}
		}
	}
}
