package fake

import (
	"context"
	"database/sql"
	"fmt"
	"net/netip"
	"slices"

	"github.com/envbench/envbench/envs/cloud"
)

type vpcAttrs struct {
	CIDR string `json:"cidr"`
}

type subnetAttrs struct {
	CIDR string `json:"cidr"`
	Zone string `json:"zone"`
}

type sgAttrs struct {
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Ingress     []cloud.Rule `json:"ingress"`
	// Egress is never nil once written: a group stored before egress was
	// kept has none recorded, and reads with AWS's default (cloud.DefaultEgress).
	Egress []cloud.Rule `json:"egress"`
}

// decodeSG is a group's attributes, with AWS's default egress for a group
// stored before egress was kept.
func decodeSG(r *row) (sgAttrs, error) {
	var sa sgAttrs
	if err := r.decode(&sa); err != nil {
		return sa, err
	}
	if sa.Egress == nil {
		sa.Egress = cloud.DefaultEgress()
	}
	return sa, nil
}

type eniAttrs struct {
	SubnetID    string   `json:"subnet"`
	Groups      []string `json:"groups"`
	Description string   `json:"description"`
	IP          string   `json:"ip"`
	// Requester is who made it when not the account: amazon-rds for a
	// database's interface, deleted with the database.
	Requester string `json:"requester,omitempty"`
}

func (a *Account) ec2ARN(kind, id string) string {
	return fmt.Sprintf("arn:aws:ec2:%s:%s:%s/%s", a.region, a.id, kind, id)
}

func tagSet(tags map[string]string) map[string]any {
	items := []any{}
	for _, k := range sortedKeys(tags) {
		items = append(items, map[string]any{"key": k, "value": tags[k]})
	}
	return map[string]any{"items": items}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func tagSpec(resourceType string, tags map[string]string) map[string]any {
	if len(tags) == 0 {
		return nil
	}
	return map[string]any{"items": []any{map[string]any{"resourceType": resourceType, "tags": tagList(tags)}}}
}

func tagList(tags map[string]string) []any {
	out := []any{}
	for _, k := range sortedKeys(tags) {
		out = append(out, map[string]any{"key": k, "value": tags[k]})
	}
	return out
}

func (a *Account) vpcRow(tx *sql.Tx, id string) (*row, error) {
	r, err := getRow(tx, a.id, a.region, typeVPC, id)
	if err == nil && r == nil {
		err = notFound("InvalidVpcID.NotFound", "VPC", id)
	}
	return r, err
}

func (a *Account) subnetRow(tx *sql.Tx, id string) (*row, error) {
	r, err := getRow(tx, a.id, a.region, typeSubnet, id)
	if err == nil && r == nil {
		err = notFound("InvalidSubnetID.NotFound", "subnet", id)
	}
	return r, err
}

func (a *Account) sgRow(tx *sql.Tx, id string) (*row, error) {
	r, err := getRow(tx, a.id, a.region, typeSG, id)
	if err == nil && r == nil {
		err = notFound("InvalidGroup.NotFound", "security group", id)
	}
	return r, err
}

// CreateVPC implements cloud.Network.
func (a *Account) CreateVPC(ctx context.Context, cidr string, tags map[string]string) (cloud.VPC, error) {
	var v cloud.VPC
	o := op{service: "ec2", name: "CreateVpc", params: map[string]any{"cidrBlock": cidr, "tagSpecificationSet": tagSpec("vpc", tags)}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		p, err := netip.ParsePrefix(cidr)
		if err != nil || !p.Addr().Is4() || p.Bits() < 16 || p.Bits() > 28 || p.Masked() != p {
			return result{}, invalid("InvalidVpc.Range", "The CIDR '%s' is invalid (a /16 to /28 IPv4 block is needed).", cidr)
		}
		h, err := token(tx, 17)
		if err != nil {
			return result{}, err
		}
		id := "vpc-" + h
		r := &row{Account: a.id, Region: a.region, Type: typeVPC, ID: id, ARN: a.ec2ARN("vpc", id), Created: a.sim.now(), Tags: cloneTags(tags)}
		if err := putRow(tx, r, vpcAttrs{CIDR: cidr}); err != nil {
			return result{}, err
		}
		v = cloud.VPC{ID: id, ARN: r.ARN, CIDR: cidr, Tags: r.Tags}
		return result{
			response:  map[string]any{"vpc": map[string]any{"vpcId": id, "state": "pending", "ownerId": a.id, "cidrBlock": cidr, "tagSet": tagSet(tags)}},
			resources: []eventResource{{Type: typeVPC, Name: id, ARN: r.ARN}},
		}, nil
	})
	return v, err
}

// CreateSubnet implements cloud.Network. The block must lie in the VPC's
// and overlap no other subnet's.
func (a *Account) CreateSubnet(ctx context.Context, vpcID, cidr, zone string, tags map[string]string) (cloud.Subnet, error) {
	var sn cloud.Subnet
	o := op{service: "ec2", name: "CreateSubnet", params: map[string]any{"vpcId": vpcID, "cidrBlock": cidr, "availabilityZone": zone, "tagSpecificationSet": tagSpec("subnet", tags)}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		vr, err := a.vpcRow(tx, vpcID)
		if err != nil {
			return result{}, err
		}
		var va vpcAttrs
		if err := vr.decode(&va); err != nil {
			return result{}, err
		}
		vp := netip.MustParsePrefix(va.CIDR)
		p, err := netip.ParsePrefix(cidr)
		if err != nil || p.Masked() != p || !vp.Contains(p.Addr()) || p.Bits() < vp.Bits() || p.Bits() > 28 {
			return result{}, invalid("InvalidSubnet.Range", "The CIDR '%s' is invalid for VPC %s (%s).", cidr, vpcID, va.CIDR)
		}
		if zone == "" {
			zone = a.region + "a"
		} else if len(zone) != len(a.region)+1 || zone[:len(a.region)] != a.region {
			return result{}, invalid("InvalidParameterValue", "Value (%s) for parameter availabilityZone is invalid. Subnets can currently only be created in the zones of %s.", zone, a.region)
		}
		others, err := listRows(tx, a.id, a.region, typeSubnet, vpcID)
		if err != nil {
			return result{}, err
		}
		for _, o := range others {
			var sa subnetAttrs
			if err := o.decode(&sa); err != nil {
				return result{}, err
			}
			if netip.MustParsePrefix(sa.CIDR).Overlaps(p) {
				return result{}, invalid("InvalidSubnet.Conflict", "The CIDR '%s' conflicts with another subnet (%s, %s).", cidr, o.ID, sa.CIDR)
			}
		}
		h, err := token(tx, 17)
		if err != nil {
			return result{}, err
		}
		id := "subnet-" + h
		r := &row{Account: a.id, Region: a.region, Type: typeSubnet, ID: id, ARN: a.ec2ARN("subnet", id), Parent: vpcID, Created: a.sim.now(), Tags: cloneTags(tags)}
		if err := putRow(tx, r, subnetAttrs{CIDR: cidr, Zone: zone}); err != nil {
			return result{}, err
		}
		sn = cloud.Subnet{ID: id, ARN: r.ARN, VPCID: vpcID, CIDR: cidr, AvailabilityZone: zone, Tags: r.Tags}
		return result{
			response:  map[string]any{"subnet": map[string]any{"subnetId": id, "subnetArn": r.ARN, "vpcId": vpcID, "cidrBlock": cidr, "availabilityZone": zone, "state": "available", "ownerId": a.id, "tagSet": tagSet(tags)}},
			resources: []eventResource{{Type: typeSubnet, Name: id, ARN: r.ARN}},
		}, nil
	})
	return sn, err
}

// CreateSecurityGroup implements cloud.Network. Names are unique in a VPC.
func (a *Account) CreateSecurityGroup(ctx context.Context, vpcID, name, description string, tags map[string]string) (cloud.SecurityGroup, error) {
	var g cloud.SecurityGroup
	o := op{service: "ec2", name: "CreateSecurityGroup", params: map[string]any{"groupName": name, "groupDescription": description, "vpcId": vpcID, "tagSpecificationSet": tagSpec("security-group", tags)}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		if name == "" || len(name) > 255 {
			return result{}, invalid("InvalidParameterValue", "Value (%s) for parameter GroupName is invalid.", name)
		}
		if _, err := a.vpcRow(tx, vpcID); err != nil {
			return result{}, err
		}
		others, err := listRows(tx, a.id, a.region, typeSG, vpcID)
		if err != nil {
			return result{}, err
		}
		for _, o := range others {
			sa, err := decodeSG(o)
			if err != nil {
				return result{}, err
			}
			if sa.Name == name {
				return result{}, apiError("InvalidGroup.Duplicate", nil, "The security group '%s' already exists for VPC '%s'", name, vpcID)
			}
		}
		h, err := token(tx, 17)
		if err != nil {
			return result{}, err
		}
		id := "sg-" + h
		r := &row{Account: a.id, Region: a.region, Type: typeSG, ID: id, ARN: a.ec2ARN("security-group", id), Parent: vpcID, Created: a.sim.now(), Tags: cloneTags(tags)}
		if err := putRow(tx, r, sgAttrs{Name: name, Description: description, Egress: cloud.DefaultEgress()}); err != nil {
			return result{}, err
		}
		g = cloud.SecurityGroup{ID: id, ARN: r.ARN, VPCID: vpcID, Name: name, Egress: cloud.DefaultEgress(), Tags: r.Tags}
		return result{
			response:  map[string]any{"_return": true, "groupId": id, "securityGroupArn": r.ARN},
			resources: []eventResource{{Type: typeSG, Name: id, ARN: r.ARN}},
		}, nil
	})
	return g, err
}

// AuthorizeIngress implements cloud.Network. A rule already present fails
// with InvalidPermission.Duplicate, as on AWS.
func (a *Account) AuthorizeIngress(ctx context.Context, groupID string, rule cloud.Rule) error {
	return a.changeRules(ctx, "AuthorizeSecurityGroupIngress", groupID, rule, ingress, true)
}

// RevokeIngress removes an ingress rule (RevokeSecurityGroupIngress).
func (a *Account) RevokeIngress(ctx context.Context, groupID string, rule cloud.Rule) error {
	return a.changeRules(ctx, "RevokeSecurityGroupIngress", groupID, rule, ingress, false)
}

// AuthorizeEgress adds an egress rule (AuthorizeSecurityGroupEgress). A
// rule already present fails with InvalidPermission.Duplicate, as on AWS.
func (a *Account) AuthorizeEgress(ctx context.Context, groupID string, rule cloud.Rule) error {
	return a.changeRules(ctx, "AuthorizeSecurityGroupEgress", groupID, rule, egress, true)
}

// RevokeEgress removes an egress rule (RevokeSecurityGroupEgress), the
// default allow-all one included.
func (a *Account) RevokeEgress(ctx context.Context, groupID string, rule cloud.Rule) error {
	return a.changeRules(ctx, "RevokeSecurityGroupEgress", groupID, rule, egress, false)
}

// direction says which of a group's rules a change acts on.
type direction bool

const (
	ingress direction = false
	egress  direction = true
)

func ruleParams(groupID string, r cloud.Rule) map[string]any {
	ranges := []any{}
	for _, c := range r.CIDRs {
		ranges = append(ranges, map[string]any{"cidrIp": c})
	}
	return map[string]any{"groupId": groupID, "ipPermissions": map[string]any{"items": []any{map[string]any{
		"ipProtocol": r.Protocol, "fromPort": r.FromPort, "toPort": r.ToPort, "ipRanges": map[string]any{"items": ranges}}}}}
}

func (a *Account) changeRules(ctx context.Context, name, groupID string, rule cloud.Rule, dir direction, add bool) error {
	o := op{service: "ec2", name: name, params: ruleParams(groupID, rule)}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		switch rule.Protocol {
		case "tcp", "udp", "icmp", "-1":
		default:
			return result{}, invalid("InvalidParameterValue", "Invalid value '%s' for IP protocol. Unknown protocol.", rule.Protocol)
		}
		if rule.Protocol != "-1" && rule.Protocol != "icmp" && (rule.FromPort < 0 || rule.ToPort > 65535 || rule.FromPort > rule.ToPort) {
			return result{}, invalid("InvalidParameterValue", "Invalid port range %d-%d.", rule.FromPort, rule.ToPort)
		}
		for _, c := range rule.CIDRs {
			if _, err := netip.ParsePrefix(c); err != nil {
				return result{}, invalid("InvalidParameterValue", "CIDR block %s is malformed", c)
			}
		}
		r, err := a.sgRow(tx, groupID)
		if err != nil {
			return result{}, err
		}
		sa, err := decodeSG(r)
		if err != nil {
			return result{}, err
		}
		rules := &sa.Ingress
		if dir == egress {
			rules = &sa.Egress
		}
		i := slices.IndexFunc(*rules, func(x cloud.Rule) bool { return x.Same(rule) })
		switch {
		case add && i >= 0:
			return result{}, apiError("InvalidPermission.Duplicate", nil, "the specified rule \"peer: %v, %s, from port: %d, to port: %d, ALLOW\" already exists", rule.CIDRs, rule.Protocol, rule.FromPort, rule.ToPort)
		case add:
			*rules = append(*rules, rule)
		case i < 0:
			return result{}, apiError("InvalidPermission.NotFound", nil, "The specified rule does not exist in this security group.")
		default:
			// Empty but not nil: stored as [], an egress revoked to
			// nothing is not taken for one never recorded.
			*rules = slices.Delete(*rules, i, i+1)
		}
		r.Changed = a.sim.now()
		if err := putRow(tx, r, sa); err != nil {
			return result{}, err
		}
		return result{response: map[string]any{"_return": true}, resources: []eventResource{{Type: typeSG, Name: groupID, ARN: r.ARN}}}, nil
	})
}

// CreateNetworkInterface implements cloud.Network.
func (a *Account) CreateNetworkInterface(ctx context.Context, subnetID string, groups []string, description string, tags map[string]string) (cloud.NetworkInterface, error) {
	var n cloud.NetworkInterface
	groupItems := []any{}
	for _, g := range groups {
		groupItems = append(groupItems, map[string]any{"groupId": g})
	}
	o := op{service: "ec2", name: "CreateNetworkInterface", params: map[string]any{"subnetId": subnetID, "description": description, "groupSet": map[string]any{"items": groupItems}, "tagSpecificationSet": tagSpec("network-interface", tags)}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		var err error
		n, err = a.createENI(tx, subnetID, groups, description, "", tags)
		if err != nil {
			return result{}, err
		}
		return result{
			response:  map[string]any{"networkInterface": map[string]any{"networkInterfaceId": n.ID, "subnetId": subnetID, "vpcId": n.VPCID, "description": description, "ownerId": a.id, "status": "pending", "tagSet": tagSet(tags)}},
			resources: []eventResource{{Type: typeENI, Name: n.ID, ARN: a.ec2ARN("network-interface", n.ID)}},
		}, nil
	})
	return n, err
}

func (a *Account) createENI(tx *sql.Tx, subnetID string, groups []string, description, requester string, tags map[string]string) (cloud.NetworkInterface, error) {
	sr, err := a.subnetRow(tx, subnetID)
	if err != nil {
		return cloud.NetworkInterface{}, err
	}
	for _, g := range groups {
		gr, err := a.sgRow(tx, g)
		if err != nil {
			return cloud.NetworkInterface{}, err
		}
		if gr.Parent != sr.Parent {
			return cloud.NetworkInterface{}, invalid("InvalidParameter", "Security group %s and subnet %s belong to different networks.", g, subnetID)
		}
	}
	h, err := token(tx, 17)
	if err != nil {
		return cloud.NetworkInterface{}, err
	}
	id := "eni-" + h
	r := &row{Account: a.id, Region: a.region, Type: typeENI, ID: id, ARN: a.ec2ARN("network-interface", id), Parent: sr.Parent, Created: a.sim.now(), Tags: cloneTags(tags)}
	if err := putRow(tx, r, eniAttrs{SubnetID: subnetID, Groups: slices.Clone(groups), Description: description, Requester: requester}); err != nil {
		return cloud.NetworkInterface{}, err
	}
	return cloud.NetworkInterface{ID: id, SubnetID: subnetID, VPCID: sr.Parent, SecurityGroups: slices.Clone(groups), Description: description, Status: "available", Tags: r.Tags}, nil
}

func vpcOf(r *row) (cloud.VPC, error) {
	var va vpcAttrs
	err := r.decode(&va)
	return cloud.VPC{ID: r.ID, ARN: r.ARN, CIDR: va.CIDR, Tags: r.Tags}, err
}

func subnetOf(r *row) (cloud.Subnet, error) {
	var sa subnetAttrs
	err := r.decode(&sa)
	return cloud.Subnet{ID: r.ID, ARN: r.ARN, VPCID: r.Parent, CIDR: sa.CIDR, AvailabilityZone: sa.Zone, Tags: r.Tags}, err
}

func sgOf(r *row) (cloud.SecurityGroup, error) {
	sa, err := decodeSG(r)
	return cloud.SecurityGroup{ID: r.ID, ARN: r.ARN, VPCID: r.Parent, Name: sa.Name, Ingress: sa.Ingress, Egress: sa.Egress, Tags: r.Tags}, err
}

func eniOf(r *row) (cloud.NetworkInterface, error) {
	var ea eniAttrs
	err := r.decode(&ea)
	status := "available"
	if ea.Requester != "" {
		status = "in-use"
	}
	return cloud.NetworkInterface{ID: r.ID, SubnetID: ea.SubnetID, VPCID: r.Parent, SecurityGroups: ea.Groups, Description: ea.Description, Status: status, Tags: r.Tags}, err
}

// list reads every row of a type (of a parent) through conv, as one
// recorded Describe call.
func list[T any](a *Account, ctx context.Context, o op, typ, parent string, conv func(*row) (T, error)) ([]T, error) {
	var out []T
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		rows, err := listRows(tx, a.id, a.region, typ, parent)
		if err != nil {
			return result{}, err
		}
		for _, r := range rows {
			v, err := conv(r)
			if err != nil {
				return result{}, err
			}
			out = append(out, v)
		}
		return result{}, nil
	})
	return out, err
}

// one reads one row through conv, as one recorded Describe call.
func one[T any](a *Account, ctx context.Context, o op, get func(tx *sql.Tx) (*row, error), conv func(*row) (T, error)) (T, error) {
	var out T
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := get(tx)
		if err != nil {
			return result{}, err
		}
		out, err = conv(r)
		return result{}, err
	})
	return out, err
}

func filterParams(name, value string) map[string]any {
	if value == "" {
		return nil
	}
	return map[string]any{"filterSet": map[string]any{"items": []any{map[string]any{"name": name, "valueSet": map[string]any{"items": []any{map[string]any{"value": value}}}}}}}
}

// VPCs implements cloud.Network.
func (a *Account) VPCs(ctx context.Context) ([]cloud.VPC, error) {
	return list(a, ctx, op{service: "ec2", name: "DescribeVpcs", readOnly: true}, typeVPC, "", vpcOf)
}

// Subnets implements cloud.Network.
func (a *Account) Subnets(ctx context.Context, vpcID string) ([]cloud.Subnet, error) {
	return list(a, ctx, op{service: "ec2", name: "DescribeSubnets", readOnly: true, params: filterParams("vpc-id", vpcID)}, typeSubnet, vpcID, subnetOf)
}

// SecurityGroups implements cloud.Network.
func (a *Account) SecurityGroups(ctx context.Context, vpcID string) ([]cloud.SecurityGroup, error) {
	return list(a, ctx, op{service: "ec2", name: "DescribeSecurityGroups", readOnly: true, params: filterParams("vpc-id", vpcID)}, typeSG, vpcID, sgOf)
}

// NetworkInterfaces implements cloud.Network.
func (a *Account) NetworkInterfaces(ctx context.Context, vpcID string) ([]cloud.NetworkInterface, error) {
	return list(a, ctx, op{service: "ec2", name: "DescribeNetworkInterfaces", readOnly: true, params: filterParams("vpc-id", vpcID)}, typeENI, vpcID, eniOf)
}

// VPC describes one VPC.
func (a *Account) VPC(ctx context.Context, id string) (cloud.VPC, error) {
	o := op{service: "ec2", name: "DescribeVpcs", readOnly: true, params: map[string]any{"vpcSet": map[string]any{"items": []any{map[string]any{"vpcId": id}}}}}
	return one(a, ctx, o, func(tx *sql.Tx) (*row, error) { return a.vpcRow(tx, id) }, vpcOf)
}

// Subnet describes one subnet.
func (a *Account) Subnet(ctx context.Context, id string) (cloud.Subnet, error) {
	o := op{service: "ec2", name: "DescribeSubnets", readOnly: true, params: map[string]any{"subnetSet": map[string]any{"items": []any{map[string]any{"subnetId": id}}}}}
	return one(a, ctx, o, func(tx *sql.Tx) (*row, error) { return a.subnetRow(tx, id) }, subnetOf)
}

// SecurityGroup describes one security group.
func (a *Account) SecurityGroup(ctx context.Context, id string) (cloud.SecurityGroup, error) {
	o := op{service: "ec2", name: "DescribeSecurityGroups", readOnly: true, params: map[string]any{"groupIdSet": map[string]any{"items": []any{map[string]any{"groupId": id}}}}}
	return one(a, ctx, o, func(tx *sql.Tx) (*row, error) { return a.sgRow(tx, id) }, sgOf)
}

// DeleteVPC implements cloud.Network: a VPC with subnets or security
// groups fails with a *cloud.DependencyViolationError naming them.
func (a *Account) DeleteVPC(ctx context.Context, id string) error {
	o := op{service: "ec2", name: "DeleteVpc", params: map[string]any{"vpcId": id}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := a.vpcRow(tx, id)
		if err != nil {
			return result{}, err
		}
		var held []string
		for _, typ := range []string{typeSubnet, typeSG} {
			rows, err := listRows(tx, a.id, a.region, typ, id)
			if err != nil {
				return result{}, err
			}
			for _, x := range rows {
				held = append(held, x.ID)
			}
		}
		if len(held) > 0 {
			return result{}, dependency(id, fmt.Sprintf("The vpc '%s' has dependencies and cannot be deleted.", id), held...)
		}
		return result{response: map[string]any{"_return": true}, resources: []eventResource{{Type: typeVPC, Name: id, ARN: r.ARN}}}, deleteRow(tx, r)
	})
}

// enisWhere lists the network interfaces of the account's region for
// which keep is true.
func (a *Account) enisWhere(tx *sql.Tx, vpcID string, keep func(eniAttrs) bool) ([]string, error) {
	rows, err := listRows(tx, a.id, a.region, typeENI, vpcID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range rows {
		var ea eniAttrs
		if err := r.decode(&ea); err != nil {
			return nil, err
		}
		if keep(ea) {
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
}

// DeleteSubnet implements cloud.Network: a subnet a network interface
// uses fails with a *cloud.DependencyViolationError naming it.
func (a *Account) DeleteSubnet(ctx context.Context, id string) error {
	o := op{service: "ec2", name: "DeleteSubnet", params: map[string]any{"subnetId": id}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := a.subnetRow(tx, id)
		if err != nil {
			return result{}, err
		}
		held, err := a.enisWhere(tx, r.Parent, func(e eniAttrs) bool { return e.SubnetID == id })
		if err != nil {
			return result{}, err
		}
		if len(held) > 0 {
			return result{}, dependency(id, fmt.Sprintf("The subnet '%s' has dependencies and cannot be deleted.", id), held...)
		}
		return result{response: map[string]any{"_return": true}, resources: []eventResource{{Type: typeSubnet, Name: id, ARN: r.ARN}}}, deleteRow(tx, r)
	})
}

// DeleteSecurityGroup implements cloud.Network: a group a network
// interface uses fails with a *cloud.DependencyViolationError naming it.
func (a *Account) DeleteSecurityGroup(ctx context.Context, id string) error {
	o := op{service: "ec2", name: "DeleteSecurityGroup", params: map[string]any{"groupId": id}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := a.sgRow(tx, id)
		if err != nil {
			return result{}, err
		}
		held, err := a.enisWhere(tx, r.Parent, func(e eniAttrs) bool { return slices.Contains(e.Groups, id) })
		if err != nil {
			return result{}, err
		}
		if len(held) > 0 {
			return result{}, dependency(id, fmt.Sprintf("resource %s has a dependent object", id), held...)
		}
		return result{response: map[string]any{"_return": true}, resources: []eventResource{{Type: typeSG, Name: id, ARN: r.ARN}}}, deleteRow(tx, r)
	})
}

// DeleteNetworkInterface implements cloud.Network. An interface a
// database made is in use and cannot be deleted.
func (a *Account) DeleteNetworkInterface(ctx context.Context, id string) error {
	o := op{service: "ec2", name: "DeleteNetworkInterface", params: map[string]any{"networkInterfaceId": id}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := getRow(tx, a.id, a.region, typeENI, id)
		if err != nil {
			return result{}, err
		}
		if r == nil {
			return result{}, notFound("InvalidNetworkInterfaceID.NotFound", "network interface", id)
		}
		var ea eniAttrs
		if err := r.decode(&ea); err != nil {
			return result{}, err
		}
		if ea.Requester != "" {
			return result{}, invalid("InvalidNetworkInterface.InUse", "Network interface '%s' is currently in use by %s.", id, ea.Requester)
		}
		return result{response: map[string]any{"_return": true}, resources: []eventResource{{Type: typeENI, Name: id, ARN: r.ARN}}}, deleteRow(tx, r)
	})
}
