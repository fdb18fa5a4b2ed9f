package sweep

import (
	"slices"
	"testing"
)

func TestOrder(t *testing.T) {
	item := func(arn, typ string) Item { return Item{ARN: arn, Type: typ, Rank: rankOf(typ)} }
	cases := []struct {
		name  string
		items []Item
		edges []Edge
		want  []string
	}{
		{"by rank", []Item{item("vpc", TypeVPC), item("key", TypeKey), item("sg", TypeSecurityGrp), item("eni", TypeInterface), item("subnet", TypeSubnet), item("svc", TypeECSService), item("cluster", TypeECSCluster), item("db", TypeDBInstance), item("grp", TypeDBSubnetGrp), item("fn", "lambda:function")},
			nil, []string{"svc", "db", "cluster", "grp", "eni", "sg", "subnet", "vpc", "key", "fn"}},
		{"ties by ARN", []Item{item("b", TypeBucket), item("a", TypeZone), item("c", TypeSecret)}, nil, []string{"a", "b", "c"}},
		// A group that references another is deleted first, whatever
		// their names.
		{"an edge within a rank", []Item{item("sg-a", TypeSecurityGrp), item("sg-b", TypeSecurityGrp)},
			[]Edge{{Before: "sg-b", After: "sg-a"}}, []string{"sg-b", "sg-a"}},
		{"an edge against the ranks wins", []Item{item("vpc", TypeVPC), item("eni", TypeInterface)},
			[]Edge{{Before: "vpc", After: "eni"}}, []string{"vpc", "eni"}},
		{"edges to unknown items are ignored", []Item{item("vpc", TypeVPC), item("sg", TypeSecurityGrp)},
			[]Edge{{Before: "nope", After: "sg"}, {Before: "vpc", After: "vpc"}}, []string{"sg", "vpc"}},
		{"a cycle falls back to rank", []Item{item("vpc", TypeVPC), item("sg", TypeSecurityGrp), item("eni", TypeInterface)},
			[]Edge{{Before: "vpc", After: "sg"}, {Before: "sg", After: "vpc"}}, []string{"eni", "sg", "vpc"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, it := range order(c.items, c.edges) {
				got = append(got, it.ARN)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("order %q, want %q", got, c.want)
			}
		})
	}
}

// The rank table agrees with every kind of edge Plan finds, so that a
// resource type ordered by rank alone (when the listing that finds edges
// does not see them) is still deleted in a workable order.
func TestRanksAgreeWithEdges(t *testing.T) {
	for _, pair := range [][2]string{
		{TypeECSService, TypeECSCluster}, {TypeDBInstance, TypeDBSubnetGrp}, {TypeDBInstance, TypeKey},
		{TypeInterface, TypeSecurityGrp}, {TypeInterface, TypeSubnet}, {TypeSecurityGrp, TypeVPC}, {TypeSubnet, TypeVPC},
		{TypeDBSubnetGrp, TypeSubnet}, {TypeZone, TypeVPC}, {TypeECSService, TypeSecurityGrp}, {TypeDBInstance, TypeSecurityGrp},
	} {
		if rankOf(pair[0]) >= rankOf(pair[1]) {
			t.Errorf("%s ranks %d, not before %s (%d)", pair[0], rankOf(pair[0]), pair[1], rankOf(pair[1]))
		}
	}
}
