package envs

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/envbench/envbench/internal/testkit"
)

// refCompareAddresses is the character-by-character CompareAddresses that
// the one-pass one replaced, the oracle of the tests below.
func refCompareAddresses(a, b string) int {
	inString := false // inside a quoted key; the same for a and b up to i
	i := 0
	for i < len(a) && i < len(b) {
		ca, cb := a[i], b[i]
		if !inString && ca == '[' && cb == '[' {
			na, ea, okA := numericKey(a, i)
			nb, eb, okB := numericKey(b, i)
			if okA && okB && (a[i+1] == '"') == (b[i+1] == '"') { // both [N] or both ["N"]
				if c := compareDigits(na, nb); c != 0 {
					return c
				}
				if ea == eb && a[i:ea] == b[i:eb] {
					i = ea
					continue
				}
			}
		}
		if ca != cb {
			return cmp.Compare(ca, cb)
		}
		switch {
		case inString && ca == '\\':
			i++ // the escaped character is equal too, or the loop ends on it
			if i < len(a) && i < len(b) && a[i] != b[i] {
				return cmp.Compare(a[i], b[i])
			}
		case ca == '"':
			inString = !inString
		}
		i++
	}
	return cmp.Compare(len(a), len(b))
}

// TestCompareAddressesMatchesReference: the one-pass comparison orders as
// the character-by-character one, on generated addresses and the shapes
// that are compared apart (quoted keys, escapes, leading zeros, prefixes).
func TestCompareAddressesMatchesReference(t *testing.T) {
	addrs := []string{``, `r`, `r[`, `r[1`, `r[1]`, `r[01]`, `r[10]`, `r[2]`, `r["2"]`, `r["02"]`, `r["10"]`, `r["1"`, `r["a"]`, `r["a\"[10]"]`, `r["a\"[9]"]`,
		`r["\\"]`, `r["\\[2]"]`, `r[1].x`, `r[1]x`, `r[1][2]`, `r[1][10]`, `m[2].r[3]`, `m[10].r[3]`, `r[-1]`, `r[1a]`, `r["1a"]`, `r[\`, `r["\`, `"\a`, `"\b`, `m["\"][2]`, `m["\"][10]`}
	p, err := DecodePlan(testkit.GeneratePlan(300, 2))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Changes {
		addrs = append(addrs, c.Address, c.PreviousAddress)
	}
	for _, a := range addrs {
		for _, b := range addrs {
			if got, want := CompareAddresses(a, b), refCompareAddresses(a, b); got != want {
				t.Errorf("CompareAddresses(%s, %s) = %d, the reference %d", a, b, got, want)
			}
		}
	}
}

// FuzzCompareAddresses: the one-pass comparison agrees with the reference
// on any two strings.
func FuzzCompareAddresses(f *testing.F) {
	f.Add(`module.x[10].r["a\"b"]`, `module.x[9].r["a"]`)
	f.Add(`r["007"]`, `r["7"]`)
	f.Add(`"\a`, `"\b`)
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := CompareAddresses(a, b), refCompareAddresses(a, b); got != want {
			t.Fatalf("CompareAddresses(%q, %q) = %d, the reference %d", a, b, got, want)
		}
		if strings.Compare(a, b) == 0 && CompareAddresses(a, b) != 0 {
			t.Fatalf("equal strings compare %d", CompareAddresses(a, b))
		}
	})
}

// TestSortChangesMatchesStableSort: sorting by sort keys, checked and
// redone where they mislead, gives the order of a stable sort by action
// then CompareAddresses, on generated plans and on addresses the keys do
// not order (leading zeros, keys of ten digits, quoted keys that start
// with digits), with repeated addresses (deposed objects) kept in order.
func TestSortChangesMatchesStableSort(t *testing.T) {
	p, err := DecodePlan(testkit.GeneratePlan(2000, 8))
	if err != nil {
		t.Fatal(err)
	}
	var odd []*Change
	for i, a := range []string{`r[007]`, `r[7]`, `r[12345678901]`, `r[9999999999]`, `r["1a"]`, `r["10"]`, `r["2"]`, `r[2]`, `r[2]`, `r["a\"[3]"]`, `r["a\"[10]"]`, `r[10].x`, `r[9].x`, `r[2]`} {
		odd = append(odd, &Change{Address: a, Action: ActionCreate, ActionReason: strconv.Itoa(i)})
	}
	for name, changes := range map[string][]*Change{"generated": p.Changes, "odd": odd, "mixed": append(slices.Clone(odd), p.Changes[:300]...)} {
		changes = slices.Clone(changes)
		rand.New(rand.NewPCG(1, 2)).Shuffle(len(changes), func(i, j int) { changes[i], changes[j] = changes[j], changes[i] })
		want := slices.Clone(changes)
		slices.SortStableFunc(want, func(a, b *Change) int {
			return cmp.Or(cmp.Compare(actionIndex(a.Action), actionIndex(b.Action)), refCompareAddresses(a.Address, b.Address))
		})
		sortChanges(changes)
		if !slices.Equal(changes, want) {
			for i := range changes {
				if changes[i] != want[i] {
					t.Fatalf("%s: at %d: %s (%s), want %s (%s)", name, i, changes[i].Address, changes[i].ActionReason, want[i].Address, want[i].ActionReason)
				}
			}
		}
	}
}

// FuzzSortKeys: when both addresses' sort keys are said to be exact, their
// byte order is CompareAddresses' order.
func FuzzSortKeys(f *testing.F) {
	f.Add(`module.x[10].r["a\"b"]`, `module.x[9].r["a"]`)
	f.Add(`r["10"]`, `r["a"]`)
	f.Add(`r[5]`, `r["5"]`)
	f.Add(`m[""].r`, `m["5"].r`)
	f.Fuzz(func(t *testing.T, a, b string) {
		ka, exactA := appendSortKey(nil, a)
		kb, exactB := appendSortKey(nil, b)
		if !exactA || !exactB {
			return
		}
		if got, want := cmp.Compare(string(ka), string(kb)), refCompareAddresses(a, b); got != want {
			t.Fatalf("keys %q and %q compare %d; CompareAddresses(%q, %q) = %d", ka, kb, got, a, b, want)
		}
	})
}
