package cloudtest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/envbench/envbench/envs/cloud"
)

func (s *suite) network(t *testing.T) {
	ctx := context.Background()
	n := s.primary.Network
	vpc, err := n.CreateVPC(ctx, "10.92.0.0/16", s.tags)
	must(t, err, "create a VPC")
	if vpc.ID == "" || vpc.CIDR != "10.92.0.0/16" {
		t.Errorf("VPC %+v", vpc)
	}
	hasTags(t, vpc.Tags, s.tags, "created VPC")
	subnet, err := n.CreateSubnet(ctx, vpc.ID, "10.92.1.0/24", "", s.tags)
	must(t, err, "create a subnet")
	sg, err := n.CreateSecurityGroup(ctx, vpc.ID, s.name("db"), "conformance database", s.tags)
	must(t, err, "create a security group")
	rule := cloud.Rule{Protocol: "tcp", FromPort: 5432, ToPort: 5432, CIDRs: []string{"10.92.0.0/16"}}
	must(t, n.AuthorizeIngress(ctx, sg.ID, rule), "authorize ingress")
	eni, err := n.CreateNetworkInterface(ctx, subnet.ID, []string{sg.ID}, "conformance", s.tags)
	must(t, err, "create a network interface")
	if eni.ID == "" || eni.SubnetID != subnet.ID || !containsAll(eni.SecurityGroups, sg.ID) {
		t.Errorf("network interface %+v, want it in %s with %s", eni, subnet.ID, sg.ID)
	}

	t.Run("List", func(t *testing.T) {
		vpcs, err := n.VPCs(ctx)
		must(t, err, "list VPCs")
		found := false
		for _, v := range vpcs {
			if v.ID == vpc.ID {
				found = true
				hasTags(t, v.Tags, s.tags, "listed VPC")
				if v.CIDR != vpc.CIDR || v.ARN != vpc.ARN {
					t.Errorf("listed %+v, created %+v", v, vpc)
				}
			}
		}
		if !found {
			t.Errorf("VPC %s not listed", vpc.ID)
		}
		subnets, err := n.Subnets(ctx, vpc.ID)
		must(t, err, "list subnets")
		if len(subnets) != 1 || subnets[0].ID != subnet.ID || subnets[0].VPCID != vpc.ID || subnets[0].CIDR != "10.92.1.0/24" {
			t.Errorf("subnets of %s: %+v, want only %s", vpc.ID, subnets, subnet.ID)
		} else {
			hasTags(t, subnets[0].Tags, s.tags, "listed subnet")
		}
		groups, err := n.SecurityGroups(ctx, vpc.ID)
		must(t, err, "list security groups")
		var got *cloud.SecurityGroup
		for i := range groups {
			if groups[i].VPCID != vpc.ID {
				t.Errorf("group %s of %s listed for %s", groups[i].ID, groups[i].VPCID, vpc.ID)
			}
			if groups[i].ID == sg.ID {
				got = &groups[i]
			}
		}
		if got == nil {
			t.Fatalf("group %s not listed in %+v", sg.ID, groups)
		}
		if got.Name != sg.Name || len(got.Ingress) != 1 || got.Ingress[0].Protocol != "tcp" || got.Ingress[0].FromPort != 5432 ||
			got.Ingress[0].ToPort != 5432 || !containsAll(got.Ingress[0].CIDRs, "10.92.0.0/16") {
			t.Errorf("group %+v, want %s with ingress %+v", *got, sg.Name, rule)
		}
		// A group of a VPC starts with AWS's default egress: all traffic
		// out, anywhere.
		if len(got.Egress) != 1 || got.Egress[0].Protocol != "-1" || got.Egress[0].FromPort != 0 || got.Egress[0].ToPort != 0 ||
			!slices.Equal(got.Egress[0].CIDRs, []string{"0.0.0.0/0"}) {
			t.Errorf("group %s's egress %+v, want all traffic to 0.0.0.0/0", got.ID, got.Egress)
		}
		hasTags(t, got.Tags, s.tags, "listed group")
		nis, err := n.NetworkInterfaces(ctx, vpc.ID)
		must(t, err, "list network interfaces")
		if len(nis) != 1 || nis[0].ID != eni.ID || nis[0].VPCID != vpc.ID || !containsAll(nis[0].SecurityGroups, sg.ID) {
			t.Errorf("interfaces of %s: %+v, want only %s", vpc.ID, nis, eni.ID)
		}
	})

	t.Run("InterfaceHoldsGroup", func(t *testing.T) {
		s.gap(t, InterfaceHoldsNetwork, "a security group in use by a network interface deletes")
		err := n.DeleteSecurityGroup(ctx, sg.ID)
		wantBlocked(t, err, sg.ID, eni.ID)
		err = n.DeleteSubnet(ctx, subnet.ID)
		wantBlocked(t, err, subnet.ID, eni.ID)
	})

	t.Run("SubnetsHoldVPC", func(t *testing.T) {
		wantBlocked(t, n.DeleteVPC(ctx, vpc.ID), vpc.ID, subnet.ID)
	})

	t.Run("DeleteInOrder", func(t *testing.T) {
		must(t, n.DeleteNetworkInterface(ctx, eni.ID), "delete the interface")
		must(t, n.DeleteSecurityGroup(ctx, sg.ID), "delete the group")
		must(t, n.DeleteSubnet(ctx, subnet.ID), "delete the subnet")
		must(t, n.DeleteVPC(ctx, vpc.ID), "delete the VPC")
	})

	t.Run("NotFound", func(t *testing.T) {
		wantKind(t, n.DeleteNetworkInterface(ctx, eni.ID), cloud.ErrNotFound, "delete a deleted interface")
		wantKind(t, n.DeleteSecurityGroup(ctx, sg.ID), cloud.ErrNotFound, "delete a deleted group")
		wantKind(t, n.DeleteSubnet(ctx, subnet.ID), cloud.ErrNotFound, "delete a deleted subnet")
		wantKind(t, n.DeleteVPC(ctx, vpc.ID), cloud.ErrNotFound, "delete a deleted VPC")
		_, err := n.CreateSubnet(ctx, vpc.ID, "10.92.2.0/24", "", nil)
		wantKind(t, err, cloud.ErrNotFound, "create a subnet in a deleted VPC")
		wantKind(t, n.AuthorizeIngress(ctx, sg.ID, rule), cloud.ErrNotFound, "authorize into a deleted group")
		_, err = n.CreateNetworkInterface(ctx, subnet.ID, nil, "x", nil)
		wantKind(t, err, cloud.ErrNotFound, "create an interface in a deleted subnet")
		vpcs, err := n.VPCs(ctx)
		must(t, err, "list VPCs")
		for _, v := range vpcs {
			if v.ID == vpc.ID {
				t.Errorf("deleted VPC %s still listed", vpc.ID)
			}
		}
	})
}

// wantBlocked checks a DependencyViolation on resource that names holder
// among what blocks it.
func wantBlocked(t *testing.T, err error, resource, holder string) {
	t.Helper()
	var dv *cloud.DependencyViolationError
	if !errors.As(err, &dv) {
		t.Errorf("delete %s: error %v, want a DependencyViolationError", resource, err)
		return
	}
	if !errors.Is(err, cloud.ErrDependencyViolation) || dv.Resource != resource || !containsAll(dv.BlockedBy, holder) {
		t.Errorf("delete %s: %+v, want it blocked by %s", resource, *dv, holder)
	}
}
