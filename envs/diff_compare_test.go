package envs

import (
	"reflect"
	"testing"

	"github.com/envbench/envbench/internal/testkit"
)

// sameAsReference fails the test when the value-tree diff or numeric-jump
// walk of any change of p differs from the map-based reference's.
func sameAsReference(t *testing.T, p *Plan) {
	t.Helper()
	rules := DefaultRiskRules()
	rv := newReviewer(rules)
	for _, c := range append(append([]*Change{}, p.Changes...), p.Drift...) {
		for _, unchanged := range []bool{false, true} {
			opts := DiffOptions{Unchanged: unchanged}
			got, gotN, gotErr := c.Diff(opts)
			want, wantN, wantErr := refDiff(c, opts, secretCache{}, nil)
			if (gotErr != nil) != (wantErr != nil) {
				t.Fatalf("%s: error %v, reference %v", c.Address, gotErr, wantErr)
			}
			if !reflect.DeepEqual(got, want) || gotN != wantN {
				t.Fatalf("%s (unchanged %v): diff\n%s\n(%d unchanged)\nreference\n%s\n(%d unchanged)", c.Address, unchanged, lines(got), gotN, lines(want), wantN)
			}
		}
		if got, want := rv.numericJumps(c), refNumericJumps(c, rules); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: numeric jumps %v, reference %v", c.Address, got, want)
		}
	}
}

// TestDiffMatchesReference: the diff and the numeric-jump walk over value
// trees give what the map-based walks gave, on generated plans shaped like
// AWS's and on the real plans.
func TestDiffMatchesReference(t *testing.T) {
	p, err := DecodePlan(testkit.GeneratePlan(1500, 11))
	if err != nil {
		t.Fatal(err)
	}
	sameAsReference(t, p)
	p, err = DecodePlan(generatePlan(300))
	if err != nil {
		t.Fatal(err)
	}
	sameAsReference(t, p)
	for name, data := range fixturePlans(t) {
		t.Run(name, func(t *testing.T) {
			p, err := DecodePlan(data)
			if err != nil {
				t.Fatal(err)
			}
			sameAsReference(t, p)
		})
	}
}

// TestDiffMatchesReferenceEdges: the shapes the walk treats apart —
// duplicate and unsorted keys, escapes, nulls, marks of every kind.
func TestDiffMatchesReferenceEdges(t *testing.T) {
	for _, change := range []string{
		`{"b":1,"a":2,"b":3,"c":{"z":1,"y":[1,2]}}`,
		`{"s":"a\u003cb","t":"caf\u00e9","u":"\ud83d\ude00","v":"tab\there","w":"<&>","x":"é","k\"ey":"q"}`,
		`{"n":null,"l":[null,1,null],"m":{"x":null},"e":{},"f":[]}`,
		`{"password":"p","nested":{"token":"t","n":5},"list":[{"secret_key":"s"}],"flag_secret":true}`,
		`{"x":[1,2,3],"y":["a","b"],"z":[{"a":1},{"a":2}],"big":1e3,"neg":-5,"frac":0.25}`,
	} {
		after := `{"b":30,"a":2,"c":{"z":10,"y":[2,1]},"s":"a<b","t":"café","password":"q","nested":{"token":"u","n":500},"list":[{"secret_key":"r"}],"x":[0,1,2,3],"y":["b"],"z":[{"a":1}],"big":1e4,"neg":-50,"frac":2.5,"n":1,"l":[1,null],"m":{"x":2},"e":null,"f":[1]}`
		for _, mirrors := range []string{
			`"after_unknown":{},"before_sensitive":{},"after_sensitive":{}`,
			`"after_unknown":{"c":{"z":true},"q":true,"l":[true]},"before_sensitive":{"c":true,"x":[false,true]},"after_sensitive":{"nested":{"n":true},"z":[true]}`,
			`"after_unknown":true,"before_sensitive":true,"after_sensitive":false`,
			`"after_unknown":[true],"before_sensitive":{"b":true,"b":false},"after_sensitive":true`,
		} {
			for _, actions := range []string{`["update"]`, `["delete","create"]`} {
				data := planJSON("1.2", `{"address":"a.b","type":"aws_db_instance","mode":"managed","change":{"actions":`+actions+`,"before":`+change+`,"after":`+after+`,`+mirrors+`,"replace_paths":[["c","y",1],["x"]]}}`,
					`{"address":"a.c","type":"t","mode":"managed","change":{"actions":`+actions+`,"before":`+after+`,"after":`+change+`,`+mirrors+`}}`,
					`{"address":"a.d","type":"t","mode":"managed","change":{"actions":["create"],"before":null,"after":`+change+`,`+mirrors+`}}`)
				p, err := DecodePlan(data)
				if err != nil {
					t.Fatalf("%v\n%s", err, data)
				}
				sameAsReference(t, p)
			}
		}
	}
}

// FuzzDiffMatchesReference: for any plan that decodes, the value-tree diff
// and numeric-jump walk agree with the map-based reference.
func FuzzDiffMatchesReference(f *testing.F) {
	f.Add(testkit.GeneratePlan(12, 3))
	f.Add(planJSON("1.2", `{"address":"a.b","type":"a","mode":"managed","change":{"actions":["update"],"before":{"c":{"v":"S3CR3T"},"l":["A","BBBB"],"n":10},"after":{"c":null,"l":["BBBB","A"],"n":100},"after_unknown":{"e":true},"before_sensitive":{"c":{"v":true},"l":[false,true]},"after_sensitive":{}}}`))
	f.Add(planJSON("1.2", `{"address":"a.b","type":"t","mode":"managed","change":{"actions":["delete","create"],"before":{"x":{"y":[{"z":1}]},"k":"a\u0026b"},"after":{"x":{"y":[{"z":2}]},"k":"a&b"},"after_unknown":{"x":{"y":[{"z":true}]}},"before_sensitive":{"x":true},"after_sensitive":{"x":{"y":[true]}},"replace_paths":[["x","y",0,"z"]]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodePlan(data)
		if err != nil {
			return
		}
		sameAsReference(t, p)
	})
}
