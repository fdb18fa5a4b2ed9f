package aws

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/envbench/envbench/envs/cloud"
)

// network is cloud.Network on EC2.
type network struct {
	c   *ec2.Client
	loc location
}

var _ cloud.Network = (*network)(nil)

func ec2Tags(kind ec2types.ResourceType, tags map[string]string) []ec2types.TagSpecification {
	if len(tags) == 0 {
		return nil
	}
	spec := ec2types.TagSpecification{ResourceType: kind}
	for _, k := range sortedKeys(tags) {
		spec.Tags = append(spec.Tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return []ec2types.TagSpecification{spec}
}

func fromEC2Tags(tags []ec2types.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func vpcFilter(vpcID string) []ec2types.Filter {
	if vpcID == "" {
		return nil
	}
	return []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpcID}}}
}

func (n *network) vpc(v ec2types.Vpc) cloud.VPC {
	id := aws.ToString(v.VpcId)
	owner := aws.ToString(v.OwnerId)
	if owner == "" {
		owner = n.loc.account
	}
	l := n.loc
	l.account = owner
	return cloud.VPC{ID: id, ARN: l.arn("ec2", "vpc/"+id), CIDR: aws.ToString(v.CidrBlock), Tags: fromEC2Tags(v.Tags)}
}

func (n *network) subnet(s ec2types.Subnet) cloud.Subnet {
	id := aws.ToString(s.SubnetId)
	arn := aws.ToString(s.SubnetArn)
	if arn == "" {
		arn = n.loc.arn("ec2", "subnet/"+id)
	}
	return cloud.Subnet{
		ID: id, ARN: arn, VPCID: aws.ToString(s.VpcId), CIDR: aws.ToString(s.CidrBlock),
		AvailabilityZone: aws.ToString(s.AvailabilityZone), Tags: fromEC2Tags(s.Tags),
	}
}

func (n *network) securityGroup(g ec2types.SecurityGroup) cloud.SecurityGroup {
	id := aws.ToString(g.GroupId)
	arn := aws.ToString(g.SecurityGroupArn)
	if arn == "" {
		arn = n.loc.arn("ec2", "security-group/"+id)
	}
	return cloud.SecurityGroup{
		ID: id, ARN: arn, VPCID: aws.ToString(g.VpcId), Name: aws.ToString(g.GroupName),
		Ingress: rules(g.IpPermissions), Egress: rules(g.IpPermissionsEgress), Tags: fromEC2Tags(g.Tags),
	}
}

// rules are a group's permissions as rules of IPv4 ranges; ports a
// permission leaves out (all traffic, protocol -1) are 0.
func rules(perms []ec2types.IpPermission) []cloud.Rule {
	var out []cloud.Rule
	for _, p := range perms {
		r := cloud.Rule{Protocol: aws.ToString(p.IpProtocol), FromPort: int(aws.ToInt32(p.FromPort)), ToPort: int(aws.ToInt32(p.ToPort))}
		for _, ip := range p.IpRanges {
			r.CIDRs = append(r.CIDRs, aws.ToString(ip.CidrIp))
		}
		out = append(out, r)
	}
	return out
}

func networkInterface(i ec2types.NetworkInterface) cloud.NetworkInterface {
	ni := cloud.NetworkInterface{
		ID: aws.ToString(i.NetworkInterfaceId), SubnetID: aws.ToString(i.SubnetId), VPCID: aws.ToString(i.VpcId),
		Description: aws.ToString(i.Description), Status: string(i.Status), Tags: fromEC2Tags(i.TagSet),
	}
	for _, g := range i.Groups {
		ni.SecurityGroups = append(ni.SecurityGroups, aws.ToString(g.GroupId))
	}
	return ni
}

func (n *network) CreateVPC(ctx context.Context, cidr string, tags map[string]string) (cloud.VPC, error) {
	out, err := n.c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(cidr), TagSpecifications: ec2Tags(ec2types.ResourceTypeVpc, tags)})
	if err != nil {
		return cloud.VPC{}, fmt.Errorf("create VPC %s: %w", cidr, classify("ec2", "CreateVpc", ref{Type: "VPC", ID: cidr}, err))
	}
	return n.vpc(*out.Vpc), nil
}

func (n *network) CreateSubnet(ctx context.Context, vpcID, cidr, zone string, tags map[string]string) (cloud.Subnet, error) {
	in := &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String(cidr), TagSpecifications: ec2Tags(ec2types.ResourceTypeSubnet, tags)}
	if zone != "" {
		in.AvailabilityZone = aws.String(zone)
	}
	out, err := n.c.CreateSubnet(ctx, in)
	if err != nil {
		return cloud.Subnet{}, fmt.Errorf("create subnet %s in %s: %w", cidr, vpcID, classify("ec2", "CreateSubnet", ref{Type: "VPC", ID: vpcID}, err))
	}
	return n.subnet(*out.Subnet), nil
}

func (n *network) CreateSecurityGroup(ctx context.Context, vpcID, name, description string, tags map[string]string) (cloud.SecurityGroup, error) {
	if description == "" {
		description = name
	}
	out, err := n.c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		VpcId: aws.String(vpcID), GroupName: aws.String(name), Description: aws.String(description),
		TagSpecifications: ec2Tags(ec2types.ResourceTypeSecurityGroup, tags),
	})
	if err != nil {
		return cloud.SecurityGroup{}, fmt.Errorf("create security group %s in %s: %w", name, vpcID, classify("ec2", "CreateSecurityGroup", ref{Type: "VPC", ID: vpcID}, err))
	}
	id := aws.ToString(out.GroupId)
	arn := aws.ToString(out.SecurityGroupArn)
	if arn == "" {
		arn = n.loc.arn("ec2", "security-group/"+id)
	}
	// AWS gives every new group of a VPC its default egress rule.
	return cloud.SecurityGroup{ID: id, ARN: arn, VPCID: vpcID, Name: name, Egress: cloud.DefaultEgress(), Tags: copyTags(tags)}, nil
}

func (n *network) AuthorizeIngress(ctx context.Context, groupID string, r cloud.Rule) error {
	p := ec2types.IpPermission{IpProtocol: aws.String(r.Protocol), FromPort: aws.Int32(int32(r.FromPort)), ToPort: aws.Int32(int32(r.ToPort))}
	for _, c := range r.CIDRs {
		p.IpRanges = append(p.IpRanges, ec2types.IpRange{CidrIp: aws.String(c)})
	}
	_, err := n.c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(groupID), IpPermissions: []ec2types.IpPermission{p}})
	if err != nil {
		return fmt.Errorf("authorize %s %d-%d into %s: %w", r.Protocol, r.FromPort, r.ToPort, groupID, classify("ec2", "AuthorizeSecurityGroupIngress", ref{Type: "security group", ID: groupID}, err))
	}
	return nil
}

func (n *network) CreateNetworkInterface(ctx context.Context, subnetID string, groups []string, description string, tags map[string]string) (cloud.NetworkInterface, error) {
	in := &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnetID), Groups: groups, TagSpecifications: ec2Tags(ec2types.ResourceTypeNetworkInterface, tags)}
	if description != "" {
		in.Description = aws.String(description)
	}
	out, err := n.c.CreateNetworkInterface(ctx, in)
	if err != nil {
		return cloud.NetworkInterface{}, fmt.Errorf("create network interface in %s: %w", subnetID, classify("ec2", "CreateNetworkInterface", ref{Type: "subnet", ID: subnetID}, err))
	}
	ni := networkInterface(*out.NetworkInterface)
	if len(ni.Tags) == 0 && len(tags) > 0 {
		ni.Tags = copyTags(tags)
	}
	return ni, nil
}

func (n *network) VPCs(ctx context.Context) ([]cloud.VPC, error) {
	var out []cloud.VPC
	p := ec2.NewDescribeVpcsPaginator(n.c, &ec2.DescribeVpcsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list VPCs: %w", classify("ec2", "DescribeVpcs", ref{Type: "VPC"}, err))
		}
		for _, v := range page.Vpcs {
			out = append(out, n.vpc(v))
		}
	}
	return out, nil
}

func (n *network) Subnets(ctx context.Context, vpcID string) ([]cloud.Subnet, error) {
	var out []cloud.Subnet
	p := ec2.NewDescribeSubnetsPaginator(n.c, &ec2.DescribeSubnetsInput{Filters: vpcFilter(vpcID)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list subnets of %s: %w", vpcID, classify("ec2", "DescribeSubnets", ref{Type: "VPC", ID: vpcID}, err))
		}
		for _, s := range page.Subnets {
			out = append(out, n.subnet(s))
		}
	}
	return out, nil
}

func (n *network) SecurityGroups(ctx context.Context, vpcID string) ([]cloud.SecurityGroup, error) {
	var out []cloud.SecurityGroup
	p := ec2.NewDescribeSecurityGroupsPaginator(n.c, &ec2.DescribeSecurityGroupsInput{Filters: vpcFilter(vpcID)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list security groups of %s: %w", vpcID, classify("ec2", "DescribeSecurityGroups", ref{Type: "VPC", ID: vpcID}, err))
		}
		for _, g := range page.SecurityGroups {
			out = append(out, n.securityGroup(g))
		}
	}
	return out, nil
}

func (n *network) NetworkInterfaces(ctx context.Context, vpcID string) ([]cloud.NetworkInterface, error) {
	return n.interfaces(ctx, "vpc-id", vpcID)
}

// interfaces lists the network interfaces matching one filter (all when
// value is empty).
func (n *network) interfaces(ctx context.Context, filter, value string) ([]cloud.NetworkInterface, error) {
	in := &ec2.DescribeNetworkInterfacesInput{}
	if value != "" {
		in.Filters = []ec2types.Filter{{Name: aws.String(filter), Values: []string{value}}}
	}
	var out []cloud.NetworkInterface
	p := ec2.NewDescribeNetworkInterfacesPaginator(n.c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list network interfaces with %s %s: %w", filter, value, classify("ec2", "DescribeNetworkInterfaces", ref{Type: "network interface"}, err))
		}
		for _, i := range page.NetworkInterfaces {
			out = append(out, networkInterface(i))
		}
	}
	return out, nil
}

func (n *network) DeleteVPC(ctx context.Context, id string) error {
	_, err := n.c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(id)})
	return n.deleted(ctx, "VPC", id, "DeleteVpc", err)
}

func (n *network) DeleteSubnet(ctx context.Context, id string) error {
	_, err := n.c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(id)})
	return n.deleted(ctx, "subnet", id, "DeleteSubnet", err)
}

func (n *network) DeleteSecurityGroup(ctx context.Context, id string) error {
	_, err := n.c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(id)})
	return n.deleted(ctx, "security group", id, "DeleteSecurityGroup", err)
}

func (n *network) DeleteNetworkInterface(ctx context.Context, id string) error {
	_, err := n.c.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(id)})
	return n.deleted(ctx, "network interface", id, "DeleteNetworkInterface", err)
}

// deleted classifies a delete's error; a DependencyViolation learns what
// holds the resource by looking it up.
func (n *network) deleted(ctx context.Context, kind, id, op string, err error) error {
	if err == nil {
		return nil
	}
	err = classify("ec2", op, ref{Type: kind, ID: id}, err)
	var dv *cloud.DependencyViolationError
	if errors.As(err, &dv) {
		for _, b := range n.holders(ctx, kind, id) {
			if !contains(dv.BlockedBy, b) && b != id {
				dv.BlockedBy = append(dv.BlockedBy, b)
			}
		}
	}
	return fmt.Errorf("delete %s %s: %w", kind, id, err)
}

// holders lists what may hold a resource that would not delete: the
// network interfaces in a security group, and the groups whose rules
// name it; the interfaces in a subnet; the subnets, security groups other
// than the default and interfaces of a VPC. A lookup that fails leaves
// the list as AWS's message gave it.
func (n *network) holders(ctx context.Context, kind, id string) []string {
	var ids []string
	addInterfaces := func(filter string) {
		nis, err := n.interfaces(ctx, filter, id)
		if err != nil {
			return
		}
		for _, ni := range nis {
			ids = append(ids, ni.ID)
		}
	}
	switch kind {
	case "security group":
		addInterfaces("group-id")
		p := ec2.NewDescribeSecurityGroupsPaginator(n.c, &ec2.DescribeSecurityGroupsInput{
			Filters: []ec2types.Filter{{Name: aws.String("ip-permission.group-id"), Values: []string{id}}},
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				break
			}
			for _, g := range page.SecurityGroups {
				ids = append(ids, aws.ToString(g.GroupId))
			}
		}
	case "subnet":
		addInterfaces("subnet-id")
	case "VPC":
		if subnets, err := n.Subnets(ctx, id); err == nil {
			for _, s := range subnets {
				ids = append(ids, s.ID)
			}
		}
		if groups, err := n.SecurityGroups(ctx, id); err == nil {
			for _, g := range groups {
				if g.Name != "default" {
					ids = append(ids, g.ID)
				}
			}
		}
		addInterfaces("vpc-id")
	}
	return ids
}
