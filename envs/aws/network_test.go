package aws

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/envbench/envbench/envs/cloud"
)

// TestDependencyViolationNamesHolders: when EC2 refuses a deletion with a
// DependencyViolation, what holds the resource is looked up: the
// interfaces in a group and the groups whose rules name it, the
// interfaces in a subnet, the subnets, groups and interfaces of a VPC. (moto deletes a group in use, so the refusal is made here; the
// lookups run against moto.)
func TestDependencyViolationNamesHolders(t *testing.T) {
	ctx := context.Background()
	acct, err := motoConnector(t).Connect(ctx, cloud.Target{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	n := acct.Network.(*network)
	vpc, err := n.CreateVPC(ctx, "10.81.0.0/16", nil)
	if err != nil {
		t.Fatal(err)
	}
	subnet, err := n.CreateSubnet(ctx, vpc.ID, "10.81.1.0/24", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	sg, err := n.CreateSecurityGroup(ctx, vpc.ID, "holders", "holders", nil)
	if err != nil {
		t.Fatal(err)
	}
	eni, err := n.CreateNetworkInterface(ctx, subnet.ID, []string{sg.ID}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	app, err := n.CreateSecurityGroup(ctx, vpc.ID, "app", "app", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = n.c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(app.ID), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(sg.ID)}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		kind, id, op, msg string
		want              []string
	}{
		{"security group", sg.ID, "DeleteSecurityGroup", "resource " + sg.ID + " has a dependent object", []string{eni.ID, app.ID}},
		{"subnet", subnet.ID, "DeleteSubnet", "The subnet '" + subnet.ID + "' has dependencies and cannot be deleted.", []string{eni.ID}},
		{"VPC", vpc.ID, "DeleteVpc", "The vpc '" + vpc.ID + "' has dependencies and cannot be deleted.", []string{subnet.ID, sg.ID, app.ID, eni.ID}},
	}
	for _, c := range cases {
		err := n.deleted(ctx, c.kind, c.id, c.op, sdkError("EC2", c.op, 400, "DependencyViolation", c.msg))
		var dv *cloud.DependencyViolationError
		if !errors.As(err, &dv) {
			t.Fatalf("%s: %v", c.kind, err)
		}
		got := slices.Sorted(slices.Values(dv.BlockedBy))
		if strings.Join(got, " ") != strings.Join(slices.Sorted(slices.Values(c.want)), " ") || dv.Resource != c.id {
			t.Errorf("%s %s blocked by %v, want %v", c.kind, c.id, dv.BlockedBy, c.want)
		}
		if !strings.Contains(err.Error(), "delete "+c.kind+" "+c.id) {
			t.Errorf("error %q does not say what was being deleted", err)
		}
	}
}

// TestLookupChecked: a page of more than 50 events and an unknown
// attribute are refused before any call.
func TestLookupChecked(t *testing.T) {
	tr := &trail{} // no client: a call would panic
	for _, l := range []cloud.Lookup{
		{MaxResults: 51},
		{MaxResults: -1},
		{Attribute: &cloud.LookupAttribute{Key: "Colour", Value: "red"}},
	} {
		if _, _, err := tr.LookupEvents(context.Background(), l); err == nil || !strings.HasPrefix(err.Error(), "look up CloudTrail events: ") {
			t.Errorf("lookup %+v: error %v", l, err)
		}
	}
}
