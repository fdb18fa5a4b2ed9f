package sweep

import (
	"strings"
	"testing"
)

func TestParseARN(t *testing.T) {
	cases := []struct {
		arn, typ, id, parent, label string
	}{
		{"arn:aws:ec2:eu-west-1:333333333333:vpc/vpc-0abc", TypeVPC, "vpc-0abc", "", ""},
		{"arn:aws:ec2:eu-west-1:333333333333:subnet/subnet-1", TypeSubnet, "subnet-1", "", ""},
		{"arn:aws:ec2:eu-west-1:333333333333:security-group/sg-1", TypeSecurityGrp, "sg-1", "", ""},
		{"arn:aws:ec2:eu-west-1:333333333333:network-interface/eni-1", TypeInterface, "eni-1", "", ""},
		{"arn:aws:ec2:eu-west-1:333333333333:instance/i-1", "", "", "", "ec2:instance"},
		{"arn:aws:rds:eu-west-1:333333333333:db:qa-orders", TypeDBInstance, "qa-orders", "", ""},
		{"arn:aws:rds:eu-west-1:333333333333:snapshot:qa-nightly", TypeDBSnapshot, "qa-nightly", "", ""},
		{"arn:aws:rds:eu-west-1:333333333333:subgrp:qa", TypeDBSubnetGrp, "qa", "", ""},
		{"arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab", TypeKey, "1234abcd-12ab", "", ""},
		{"arn:aws:secretsmanager:eu-west-1:333333333333:secret:qa/db-AbCdEf", TypeSecret, "arn:aws:secretsmanager:eu-west-1:333333333333:secret:qa/db-AbCdEf", "", ""},
		{"arn:aws:route53:::hostedzone/Z123", TypeZone, "Z123", "", ""},
		{"arn:aws:s3:::acme-scratch", TypeBucket, "acme-scratch", "", ""},
		{"arn:aws:s3:::acme-scratch/key", "", "", "", "s3:acme-scratch"},
		{"arn:aws:ecs:eu-west-1:333333333333:cluster/qa", TypeECSCluster, "qa", "", ""},
		{"arn:aws:ecs:eu-west-1:333333333333:service/qa/orders", TypeECSService, "orders", "qa", ""},
		{"arn:aws:ecs:eu-west-1:333333333333:service/orders", "", "", "", "ecs:service"},
		{"arn:aws:lambda:eu-west-1:333333333333:function:x", "", "", "", "lambda:function"},
		{"arn:aws-cn:ec2:cn-north-1:333333333333:vpc/vpc-1", TypeVPC, "vpc-1", "", ""},
	}
	for _, c := range cases {
		a, err := ParseARN(c.arn)
		if err != nil {
			t.Errorf("%s: %v", c.arn, err)
			continue
		}
		if a.Type != c.typ || a.ID != c.id || a.Parent != c.parent {
			t.Errorf("%s: %q %q %q, want %q %q %q", c.arn, a.Type, a.ID, a.Parent, c.typ, c.id, c.parent)
		}
		label := c.label
		if label == "" {
			label = c.typ
		}
		if a.TypeLabel() != label {
			t.Errorf("%s: label %q, want %q", c.arn, a.TypeLabel(), label)
		}
	}
	for arn, want := range map[string]string{
		"":                                    "is not an ARN",
		"vpc-1":                               "is not an ARN",
		"arn:aws:ec2:eu-west-1:33:vpc/vpc-1":  "account \"33\" is not a 12-digit id",
		"arn::ec2:eu-west-1:333333333333:x":   "no partition or service",
		"arn:aws:ec2:eu-west-1:333333333333:": "no resource",
	} {
		if _, err := ParseARN(arn); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", arn, err, want)
		}
	}
}

func FuzzParseARN(f *testing.F) {
	for _, s := range []string{"arn:aws:ec2:eu-west-1:333333333333:vpc/vpc-0abc", "arn:aws:ecs:eu-west-1:333333333333:service/qa/orders", "arn:aws:s3:::b", "arn:aws:secretsmanager:eu-west-1:333333333333:secret:x-AbCdEf", "arn:::::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseARN(s)
		if err != nil {
			if a != (ARN{}) {
				t.Fatalf("%q: an error and %+v", s, a)
			}
			return
		}
		if a.Type != "" && a.ID == "" {
			t.Fatalf("%q: type %s without an id", s, a.Type)
		}
		if a.TypeLabel() == "" {
			t.Fatalf("%q: no label", s)
		}
		if a.Type == TypeECSService && a.Parent == "" {
			t.Fatalf("%q: a service without its cluster", s)
		}
	})
}
