package sweep

import (
	"fmt"
	"strings"
)

// The resource types the sweep knows, as CloudFormation names them (and
// CloudTrail's resources[].type).
const (
	TypeECSService   = "AWS::ECS::Service"
	TypeECSCluster   = "AWS::ECS::Cluster"
	TypeDBInstance   = "AWS::RDS::DBInstance"
	TypeDBSnapshot   = "AWS::RDS::DBSnapshot"
	TypeDBSubnetGrp  = "AWS::RDS::DBSubnetGroup"
	TypeZone         = "AWS::Route53::HostedZone"
	TypeSecret       = "AWS::SecretsManager::Secret"
	TypeBucket       = "AWS::S3::Bucket"
	TypeInterface    = "AWS::EC2::NetworkInterface"
	TypeSecurityGrp  = "AWS::EC2::SecurityGroup"
	TypeSubnet       = "AWS::EC2::Subnet"
	TypeVPC          = "AWS::EC2::VPC"
	TypeKey          = "AWS::KMS::Key"
	unknownTypeLabel = "unknown"
)

// ARN is an Amazon Resource Name taken apart, with the resource's type
// and the id its service's delete call takes.
type ARN struct {
	Partition, Service, Region, Account string
	// Resource is everything after the account: vpc/vpc-0abc, db:qa-orders.
	Resource string
	// Type is one of the Type constants, or empty when the sweep does not
	// know the resource type.
	Type string
	// ID is what the service names the resource by: vpc-0abc, qa-orders,
	// a bucket's name, a hosted zone's bare id; for a secret, its whole
	// ARN (Secrets Manager takes either).
	ID string
	// Parent is an ECS service's cluster.
	Parent string
}

// ParseARN takes an ARN apart: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
// A well-formed ARN of a type the sweep does not know parses with an
// empty Type; a malformed one is an error saying what is wrong.
func ParseARN(s string) (ARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return ARN{}, fmt.Errorf("%q is not an ARN (arn:partition:service:region:account:resource)", s)
	}
	a := ARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}
	switch {
	case a.Partition == "" || a.Service == "":
		return ARN{}, fmt.Errorf("ARN %q: no partition or service", s)
	case a.Resource == "":
		return ARN{}, fmt.Errorf("ARN %q: no resource", s)
	case a.Account != "" && !isAccountID(a.Account):
		return ARN{}, fmt.Errorf("ARN %q: account %q is not a 12-digit id", s, a.Account)
	}
	typ, id, parent := resourceOf(a.Service, a.Resource)
	if typ != "" && id == "" {
		typ = ""
	}
	a.Type, a.ID, a.Parent = typ, id, parent
	if a.Type == TypeSecret {
		a.ID = s
	}
	return a, nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// resourceOf reads a resource's type and id from the resource part of its
// ARN, by service.
func resourceOf(service, res string) (typ, id, parent string) {
	cut := func(prefix string) (string, bool) {
		rest, ok := strings.CutPrefix(res, prefix)
		return rest, ok && rest != "" && !strings.ContainsAny(rest, "/:")
	}
	switch service {
	case "ec2":
		for prefix, t := range map[string]string{"vpc/": TypeVPC, "subnet/": TypeSubnet, "security-group/": TypeSecurityGrp, "network-interface/": TypeInterface} {
			if id, ok := cut(prefix); ok {
				return t, id, ""
			}
		}
	case "rds":
		for prefix, t := range map[string]string{"db:": TypeDBInstance, "snapshot:": TypeDBSnapshot, "subgrp:": TypeDBSubnetGrp} {
			if id, ok := cut(prefix); ok {
				return t, id, ""
			}
		}
	case "kms":
		if id, ok := cut("key/"); ok {
			return TypeKey, id, ""
		}
	case "secretsmanager":
		if name, ok := strings.CutPrefix(res, "secret:"); ok && name != "" {
			return TypeSecret, name, ""
		}
	case "route53":
		if id, ok := cut("hostedzone/"); ok {
			return TypeZone, id, ""
		}
	case "s3":
		if !strings.ContainsAny(res, "/:") {
			return TypeBucket, res, ""
		}
	case "ecs":
		if id, ok := cut("cluster/"); ok {
			return TypeECSCluster, id, ""
		}
		if rest, ok := strings.CutPrefix(res, "service/"); ok {
			cluster, name, ok := strings.Cut(rest, "/")
			if ok && cluster != "" && name != "" && !strings.ContainsAny(name, "/:") {
				return TypeECSService, name, cluster
			}
		}
	}
	return "", "", ""
}

// TypeLabel is the type to show for a: its Type, or SERVICE:KIND for a type
// the sweep does not know (lambda:function).
func (a ARN) TypeLabel() string {
	if a.Type != "" {
		return a.Type
	}
	kind := a.Resource
	if i := strings.IndexAny(kind, "/:"); i >= 0 {
		kind = kind[:i]
	}
	if kind == "" {
		kind = unknownTypeLabel
	}
	return a.Service + ":" + kind
}
