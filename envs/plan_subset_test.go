package envs

import (
	"strings"
	"testing"
)

// change is one resource_changes entry of a plan document.
func change(address, actions, after, unknown string) string {
	t := address[:strings.IndexByte(address, '.')]
	if unknown == "" {
		unknown = "{}"
	}
	return `{"address":"` + address + `","type":"` + t + `","mode":"managed","change":{"actions":` + actions +
		`,"before":null,"after":` + after + `,"after_unknown":` + unknown + `}}`
}

func decodeTestPlan(t *testing.T, changes ...string) *Plan {
	t.Helper()
	p, err := DecodePlan(planJSON("1.2", changes...))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return p
}

func TestPlanSubset(t *testing.T) {
	const (
		create  = `["create"]`
		update  = `["update"]`
		del     = `["delete"]`
		replace = `["delete","create"]`
		noop    = `["no-op"]`
	)
	bucket := change("aws_s3_bucket.b", create, `{"bucket":"b","tags":{"env":"dev"},"arn":null}`, `{"arn":true}`)
	tests := []struct {
		name     string
		approved []string
		fresh    []string
		want     []string // PlanExtra.String of each extra
	}{
		{name: "same plan", approved: []string{bucket}, fresh: []string{bucket}},
		{name: "nothing left", approved: []string{bucket}, fresh: []string{change("aws_s3_bucket.b", noop, `{}`, "")}},
		{name: "empty fresh plan", approved: []string{bucket}},
		{
			name:     "create left as create, computed value now known",
			approved: []string{bucket},
			fresh:    []string{change("aws_s3_bucket.b", create, `{"bucket":"b","tags":{"env":"dev"},"arn":"arn:aws:s3:::b"}`, "")},
		},
		{
			name:     "fresh leaves out an attribute the approved plan sets",
			approved: []string{bucket},
			fresh:    []string{change("aws_s3_bucket.b", update, `{"tags":{"env":"dev"}}`, "")},
		},
		{
			name:     "tainted create comes back as replace",
			approved: []string{bucket},
			fresh:    []string{change("aws_s3_bucket.b", replace, `{"bucket":"b","tags":{"env":"dev"},"arn":null}`, `{"arn":true}`)},
		},
		{
			name:     "numbers equal in another spelling",
			approved: []string{change("aws_sqs_queue.q", create, `{"delay":1}`, "")},
			fresh:    []string{change("aws_sqs_queue.q", create, `{"delay":1.0}`, "")},
		},
		{
			name:     "replace finished its create, deposed delete left",
			approved: []string{change("aws_instance.i", replace, `{"ami":"a2"}`, "")},
			fresh:    []string{change("aws_instance.i", del, `null`, "")},
		},
		{
			name:     "new resource",
			approved: []string{bucket},
			fresh:    []string{bucket, change("aws_sqs_queue.q", create, `{"name":"q"}`, "")},
			want:     []string{"+ aws_sqs_queue.q: not in the approved plan"},
		},
		{
			name:     "delete not in the approved plan",
			approved: []string{bucket},
			fresh:    []string{change("aws_sqs_queue.q", del, `null`, "")},
			want:     []string{"- aws_sqs_queue.q: not in the approved plan"},
		},
		{
			name:     "delete where the approved plan updates",
			approved: []string{change("aws_sqs_queue.q", update, `{"name":"q"}`, "")},
			fresh:    []string{change("aws_sqs_queue.q", del, `null`, "")},
			want:     []string{"- aws_sqs_queue.q: delete where the approved plan would update"},
		},
		{
			name:     "replace where the approved plan updates",
			approved: []string{change("aws_sqs_queue.q", update, `{"name":"q"}`, "")},
			fresh:    []string{change("aws_sqs_queue.q", replace, `{"name":"q"}`, "")},
			want:     []string{"± aws_sqs_queue.q: replace where the approved plan would update"},
		},
		{
			name:     "changed value",
			approved: []string{bucket},
			fresh:    []string{change("aws_s3_bucket.b", create, `{"bucket":"b","tags":{"env":"prod"},"arn":null}`, `{"arn":true}`)},
			want:     []string{"+ aws_s3_bucket.b: attribute tags.env differs from the approved plan"},
		},
		{
			name:     "attribute the approved plan does not set",
			approved: []string{bucket},
			fresh:    []string{change("aws_s3_bucket.b", create, `{"bucket":"b","tags":{"env":"dev","owner":"x"},"arn":null}`, `{"arn":true}`)},
			want:     []string{"+ aws_s3_bucket.b: attribute tags.owner differs from the approved plan"},
		},
		{
			name:     "null where the approved plan sets a value",
			approved: []string{bucket},
			fresh:    []string{change("aws_s3_bucket.b", create, `{"bucket":null,"tags":{"env":"dev"}}`, "")},
			want:     []string{"+ aws_s3_bucket.b: attribute bucket differs from the approved plan"},
		},
		{
			name:     "unknown where the approved plan knew the value",
			approved: []string{bucket},
			fresh:    []string{change("aws_s3_bucket.b", create, `{"bucket":null,"tags":{"env":"dev"}}`, `{"bucket":true}`)},
			want:     []string{"+ aws_s3_bucket.b: attribute bucket differs from the approved plan"},
		},
		{
			name:     "list of another length",
			approved: []string{change("aws_security_group.g", create, `{"cidrs":["10.0.0.0/8"]}`, "")},
			fresh:    []string{change("aws_security_group.g", create, `{"cidrs":["10.0.0.0/8","0.0.0.0/0"]}`, "")},
			want:     []string{"+ aws_security_group.g: attribute cidrs differs from the approved plan"},
		},
		{
			name:     "list element changed",
			approved: []string{change("aws_security_group.g", create, `{"cidrs":["10.0.0.0/8"]}`, "")},
			fresh:    []string{change("aws_security_group.g", create, `{"cidrs":["0.0.0.0/0"]}`, "")},
			want:     []string{"+ aws_security_group.g: attribute cidrs[0] differs from the approved plan"},
		},
		{
			name:     "object where the approved plan has a string",
			approved: []string{change("aws_sqs_queue.q", create, `{"policy":"p"}`, "")},
			fresh:    []string{change("aws_sqs_queue.q", create, `{"policy":{"a":1}}`, "")},
			want:     []string{"+ aws_sqs_queue.q: attribute policy differs from the approved plan"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			extra, err := PlanSubset(decodeTestPlan(t, tt.approved...), decodeTestPlan(t, tt.fresh...))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, x := range extra {
				got = append(got, x.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("extra:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestPlanSubsetNamesNoValue: the reason for a sensitive attribute names
// its path, never the value.
func TestPlanSubsetNamesNoValue(t *testing.T) {
	approved := decodeTestPlan(t, change("aws_db_instance.db", `["create"]`, `{"password":"old-secret"}`, ""))
	fresh := decodeTestPlan(t, change("aws_db_instance.db", `["create"]`, `{"password":"new-secret"}`, ""))
	extra, err := PlanSubset(approved, fresh)
	if err != nil {
		t.Fatal(err)
	}
	if len(extra) != 1 || strings.Contains(extra[0].String(), "secret") || extra[0].Approved != ActionCreate {
		t.Errorf("extra %+v", extra)
	}
}

// FuzzPlanSubset compares any two decodable plans: no panic, and a plan
// covers itself unless it holds an action envbench does not know.
func FuzzPlanSubset(f *testing.F) {
	f.Add(planJSON("1.2", change("a.b", `["create"]`, `{"x":[1,{"y":null}]}`, `{"x":[false,{"y":true}]}`)),
		planJSON("1.2", change("a.b", `["update"]`, `{"x":[1,{"y":"z"}]}`, "")))
	f.Add(planJSON("1.2", change("a.b", `["delete","create"]`, `null`, "")), planJSON("1.2"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		pa, err := DecodePlan(a)
		if err != nil {
			return
		}
		self, err := PlanSubset(pa, pa)
		if err == nil && len(self) > 0 && pa.Summary()[ActionOther] == 0 {
			t.Errorf("a plan does not cover itself: %v", self)
		}
		pb, err := DecodePlan(b)
		if err != nil {
			return
		}
		_, _ = PlanSubset(pa, pb)
	})
}
