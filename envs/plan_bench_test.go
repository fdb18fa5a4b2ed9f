package envs

import (
	"bytes"
	"fmt"
	"testing"
)

// generatePlan writes a plan JSON of n resource changes with realistic
// attributes: mostly creates, a quarter updates, some replaces, deletes and
// no-ops. n = 10,000 gives about 5 MB.
func generatePlan(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"format_version":"1.2","terraform_version":"1.5.7","resource_changes":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		addr := fmt.Sprintf("module.svc[%d].aws_instance.web[%d]", i/100, i%100)
		before := fmt.Sprintf(`{"ami":"ami-%08d","instance_type":"t3.micro","tags":{"Name":"web-%d","team":"platform"},"root_block_device":[{"volume_size":%d,"encrypted":true}],"monitoring":false}`, i, i, 20+i%50)
		after := fmt.Sprintf(`{"ami":"ami-%08d","instance_type":"t3.small","tags":{"Name":"web-%d","team":"platform"},"root_block_device":[{"volume_size":%d,"encrypted":true}],"monitoring":true}`, i+1, i, 20+i%50)
		unknown := `{"id":true,"arn":true,"tags":{},"root_block_device":[{"volume_id":true}]}`
		var actions, bf, af, extra string
		switch i % 20 {
		case 0:
			actions, bf, af, extra = `["delete","create"]`, before, after, `,"replace_paths":[["ami"]]`
		case 1:
			actions, bf, af = `["delete"]`, before, "null"
		case 2:
			actions, bf, af = `["no-op"]`, before, before
		case 3, 4, 5, 6, 7:
			actions, bf, af = `["update"]`, before, after
		default:
			actions, bf, af = `["create"]`, "null", after
		}
		fmt.Fprintf(&b, `{"address":%q,"mode":"managed","type":"aws_instance","name":"web","provider_name":"registry.terraform.io/hashicorp/aws","change":{"actions":%s,"before":%s,"after":%s,"after_unknown":%s,"before_sensitive":{},"after_sensitive":{}%s}}`,
			addr, actions, bf, af, unknown, extra)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// BenchmarkShowPlan: decode, model and review a plan of 10,000 resource
// changes (target: at most 100 ms and 100 MB).
func BenchmarkShowPlan(b *testing.B) {
	data := generatePlan(10_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	rules := DefaultRiskRules()
	b.ResetTimer()
	for b.Loop() {
		p, err := DecodePlan(data)
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Changes) != 10_000 {
			b.Fatalf("%d changes", len(p.Changes))
		}
		_ = Review(p, rules, ReviewContext{Environment: "qa"})
	}
}

func TestGeneratedPlanSize(t *testing.T) {
	data := generatePlan(10_000)
	if mb := float64(len(data)) / 1e6; mb < 4 || mb > 7 {
		t.Errorf("generated plan is %.1f MB; the benchmark wants about 5", mb)
	}
	p, err := DecodePlan(data)
	if err != nil {
		t.Fatal(err)
	}
	findings := Review(p, DefaultRiskRules(), ReviewContext{})
	if len(findings) == 0 {
		t.Error("the generated plan should raise findings (deletes, replaces, the change count)")
	}
}

// BenchmarkShowPlanReport: everything show-plan computes for a plan of
// 10,000 changes, attribute diffs of every change included (what it prints
// is the report).
func BenchmarkShowPlanReport(b *testing.B) {
	data := generatePlan(10_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	rules := DefaultRiskRules()
	b.ResetTimer()
	for b.Loop() {
		p, err := DecodePlan(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := NewReport(p, Review(p, rules, ReviewContext{Environment: "qa"}), "qa", DiffOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
