package sweep

import (
	"cmp"
	"slices"
)

// Ranks is the order of deletion by type, as data: a lower rank goes
// first. What uses another thing ranks before it: an ECS service before
// its cluster and its network; a DB instance before its subnet group and
// its key; a hosted zone (emptied of its records) and a bucket (emptied of
// its objects) before the network; network interfaces before security
// groups, before subnets, before the VPC. KMS keys come last, and are
// scheduled for deletion, never deleted. A type not listed ranks last
// and is never deleted.
var Ranks = map[string]int{
	TypeECSService:  10,
	TypeDBInstance:  20,
	TypeDBSnapshot:  25,
	TypeECSCluster:  30,
	TypeZone:        30,
	TypeSecret:      30,
	TypeBucket:      30,
	TypeDBSubnetGrp: 40,
	TypeInterface:   50,
	TypeSecurityGrp: 60,
	TypeSubnet:      70,
	TypeVPC:         80,
	TypeKey:         90,
}

// unknownRank is the rank of a type not in Ranks.
const unknownRank = 1000

func rankOf(typ string) int {
	if r, ok := Ranks[typ]; ok {
		return r
	}
	return unknownRank
}

// Edge says that Before must be deleted before After (both ARNs of items
// of the sweep), and why: an interface uses a group, a subnet is in a VPC.
type Edge struct {
	Before, After string
	Why           string
}

// order sorts items for deletion: every edge's Before ahead of its After,
// and otherwise by rank, then ARN. Edges that would make a cycle (none
// should: the rank table agrees with every edge Plan finds) are dropped
// from the point where they close it, and the rest goes by rank.
func order(items []Item, edges []Edge) []Item {
	byARN := make(map[string]int, len(items))
	for i, it := range items {
		byARN[it.ARN] = i
	}
	indegree := make([]int, len(items))
	next := make([][]int, len(items))
	for _, e := range edges {
		b, okB := byARN[e.Before]
		a, okA := byARN[e.After]
		if !okB || !okA || a == b {
			continue
		}
		next[b] = append(next[b], a)
		indegree[a]++
	}
	less := func(x, y int) int {
		return cmp.Or(cmp.Compare(items[x].Rank, items[y].Rank), cmp.Compare(items[x].ARN, items[y].ARN))
	}
	done := make([]bool, len(items))
	var ready []int
	for i := range items {
		if indegree[i] == 0 {
			ready = append(ready, i)
		}
	}
	out := make([]Item, 0, len(items))
	for len(out) < len(items) {
		if len(ready) == 0 {
			// A cycle: take the first remaining item by rank.
			for i := range items {
				if !done[i] && (len(ready) == 0 || less(i, ready[0]) < 0) {
					ready = []int{i}
				}
			}
		}
		slices.SortFunc(ready, less)
		i := ready[0]
		ready = ready[1:]
		if done[i] {
			continue
		}
		done[i] = true
		out = append(out, items[i])
		for _, j := range next[i] {
			indegree[j]--
			if indegree[j] == 0 && !done[j] {
				ready = append(ready, j)
			}
		}
	}
	return out
}
