package envs

import (
	"bytes"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/envbench/envbench/internal/testkit"
)

// decodeBoth decodes data with one goroutine and with several, which
// reads long lists of changes in parts.
func decodeBoth(t *testing.T, data []byte) (one, parts *Plan, oneErr, partsErr error) {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	one, oneErr = DecodePlan(data)
	runtime.GOMAXPROCS(4)
	parts, partsErr = DecodePlan(data)
	return one, parts, oneErr, partsErr
}

// nestedMarks is a plan whose values are full of what looks like the start
// of a change ({"address": after a comma), followed by other lists of
// objects that start the same way, so that most guesses of where a part
// starts are wrong.
func nestedMarks(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"format_version":"1.2","resource_changes":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"address":"aws_instance.r[%d]","mode":"managed","type":"aws_instance","change":{"actions":["update"],"before":{"a":[{"address":"x"},{"address":"%s"}]},"after":{"a":[{"address":"y"},{"address":"%s"},{"address":"z"}]}}}`, i, strings.Repeat("v", i%700), strings.Repeat("w", i%300))
	}
	b.WriteString(`],"prior_state":{"values":{"root_module":{"resources":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"address":"aws_instance.r[%d]","mode":"managed","values":{"id":"%s"}}`, i, strings.Repeat("i", i%500))
	}
	b.WriteString(`]}}}}`)
	return b.Bytes()
}

// TestDecodePlanInPartsMatchesOneGo: reading the lists of changes in
// parts gives the plan reading them in one go gives, whether the guesses
// of where parts start hold (generated plans) or mostly do not (marks
// nested in values and in other lists after the changes).
func TestDecodePlanInPartsMatchesOneGo(t *testing.T) {
	for name, data := range map[string][]byte{
		"generated":    testkit.GeneratePlan(6000, 21),
		"nested marks": nestedMarks(4000),
	} {
		if len(data) < 8*minPartBytes {
			t.Fatalf("%s: %d bytes, too few to be read in parts", name, len(data))
		}
		one, parts, oneErr, partsErr := decodeBoth(t, data)
		if oneErr != nil || partsErr != nil {
			t.Fatalf("%s: %v / %v", name, oneErr, partsErr)
		}
		if len(parts.Changes) != len(one.Changes) || !reflect.DeepEqual(parts, one) {
			t.Errorf("%s: %d changes read in parts, %d in one go, or they differ", name, len(parts.Changes), len(one.Changes))
		}
	}
}

// TestDecodePlanInPartsErrors: an error in a late part is reported as
// reading in one go reports it: the same element index and position.
func TestDecodePlanInPartsErrors(t *testing.T) {
	good := testkit.GeneratePlan(6000, 22)
	at := bytes.LastIndex(good, []byte(`{"address":`)) // the last change, or drift
	for name, broken := range map[string][]byte{
		"syntax":     append(append(bytes.Clone(good[:at]), `{"address":"a.b","change":{"actions":["create"],"before":nul}}`...), good[at:]...),
		"no actions": replaceLast(good, `"actions":["read"]`, `"actions":[]`),
		"wrong type": replaceLast(good, `"actions":["create"]`, `"actions":7`),
		"in a value": replaceLast(good, `"volume_size":`, `"volume_size":--`),
	} {
		_, _, oneErr, partsErr := decodeBoth(t, broken)
		if oneErr == nil || partsErr == nil || oneErr.Error() != partsErr.Error() {
			t.Errorf("%s: in one go %v; in parts %v", name, oneErr, partsErr)
		}
	}
}

// replaceLast replaces the last old in data with new, in a copy.
func replaceLast(data []byte, old, new string) []byte {
	i := bytes.LastIndex(data, []byte(old))
	return append(append(bytes.Clone(data[:i]), new...), data[i+len(old):]...)
}
