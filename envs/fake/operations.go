package fake

import (
	"fmt"
	"slices"
	"strings"
)

// operations are the API operations the simulated account serves, by
// service, as CloudTrail names them: what a fault may name.
var operations = map[string][]string{
	"rds": {
		"AddTagsToResource", "CopyDBSnapshot", "CreateDBInstance", "CreateDBSnapshot", "CreateDBSubnetGroup",
		"DeleteDBInstance", "DeleteDBSnapshot", "DeleteDBSubnetGroup", "DescribeDBInstances", "DescribeDBSnapshots",
		"DescribeDBSubnetGroups", "ModifyDBInstance", "ModifyDBSnapshotAttribute", "ModifyDBSubnetGroup",
		"RemoveTagsFromResource", "RestoreDBInstanceFromDBSnapshot",
	},
	"ec2": {
		"AuthorizeSecurityGroupEgress", "AuthorizeSecurityGroupIngress", "CreateNetworkInterface", "CreateSecurityGroup", "CreateSubnet", "CreateTags",
		"CreateVpc", "DeleteNetworkInterface", "DeleteSecurityGroup", "DeleteSubnet", "DeleteTags", "DeleteVpc",
		"DescribeNetworkInterfaces", "DescribeSecurityGroups", "DescribeSubnets", "DescribeVpcs",
		"RevokeSecurityGroupEgress", "RevokeSecurityGroupIngress",
	},
	"kms": {
		"CreateAlias", "CreateGrant", "CreateKey", "DescribeKey", "DisableKeyRotation", "EnableKeyRotation",
		"GetKeyRotationStatus", "ListGrants", "RevokeGrant", "ScheduleKeyDeletion", "TagResource", "UntagResource",
		"UpdateKeyDescription",
	},
	"secretsmanager": {"CreateSecret", "DeleteSecret", "GetSecretValue", "PutSecretValue", "TagResource", "UntagResource"},
	"route53": {
		"ChangeResourceRecordSets", "ChangeTagsForResource", "CreateHostedZone", "DeleteHostedZone", "GetChange",
		"GetHostedZone", "ListHostedZones", "ListResourceRecordSets",
	},
	"s3": {
		"CreateBucket", "DeleteBucket", "DeleteObject", "GetBucketTagging", "GetObject", "ListBuckets", "ListObjects",
		"PutBucketTagging", "PutObject",
	},
	"sts":        {"AssumeRole", "GetCallerIdentity"},
	"cloudtrail": {"LookupEvents"},
	"tagging":    {"GetResources", "TagResources", "UntagResources"},
	"ecs": {
		"CreateCluster", "CreateService", "DeleteCluster", "DeleteService", "DescribeClusters", "DescribeServices",
		"TagResource", "UntagResource", "UpdateService",
	},
}

// Services lists the services of the simulated account, sorted.
func Services() []string {
	out := make([]string, 0, len(operations))
	for s := range operations {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// Operations lists the operations of service ("*" for every service's),
// sorted and without repeats.
func Operations(service string) []string {
	var out []string
	for s, ops := range operations {
		if service == "*" || s == service {
			out = append(out, ops...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// UnknownOperationError is a fault's operation that the simulated account
// does not serve, with the closest operations it does.
type UnknownOperationError struct {
	Service, Operation string
	Closest            []string
}

func (e *UnknownOperationError) Error() string {
	where := "the simulated " + e.Service
	if e.Service == "*" {
		where = "any service of the simulated account"
	}
	msg := fmt.Sprintf("operation %q is not one of %s", e.Operation, where)
	if len(e.Closest) > 0 {
		msg += "; closest: " + strings.Join(e.Closest, ", ")
	}
	return msg
}

// UnknownServiceError is a fault's service that the simulated account does
// not have.
type UnknownServiceError struct{ Service string }

func (e *UnknownServiceError) Error() string {
	return fmt.Sprintf("service %q is not one of *, %s", e.Service, strings.Join(Services(), ", "))
}

// CheckOperation reports whether a fault may name service and operation:
// "*" for either means all, otherwise the simulated account must serve the
// operation on the service (or, for service "*", on some service). It
// returns an *UnknownServiceError or an *UnknownOperationError.
func CheckOperation(service, operation string) error {
	if _, ok := operations[service]; !ok && service != "*" {
		return &UnknownServiceError{Service: service}
	}
	if operation == "*" {
		return nil
	}
	valid := Operations(service)
	if slices.Contains(valid, operation) {
		return nil
	}
	return &UnknownOperationError{Service: service, Operation: operation, Closest: closest(operation, valid, 3)}
}

// closest returns up to n of candidates nearest to s by edit distance,
// ignoring case, nearest first; none when even the nearest is too far to
// be a typo of s.
func closest(s string, candidates []string, n int) []string {
	if len(s) > 128 {
		s = s[:128]
	}
	type scored struct {
		name string
		d    int
	}
	ls := strings.ToLower(s)
	var all []scored
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := distance(ls, lc)
		if strings.Contains(lc, ls) && ls != "" {
			d = min(d, len(lc)-len(ls))
		}
		all = append(all, scored{c, d})
	}
	slices.SortStableFunc(all, func(x, y scored) int { return x.d - y.d })
	var out []string
	for _, c := range all {
		if len(out) == n || c.d > max(3, len(c.name)/2) {
			break
		}
		out = append(out, c.name)
	}
	return out
}

// distance is the Levenshtein distance between a and b, by byte.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
