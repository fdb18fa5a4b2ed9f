package fake

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"sync"
)

// ECSCluster is an ECS cluster.
type ECSCluster struct {
	Name   string
	ARN    string
	Status string // ACTIVE
	Tags   map[string]string
}

// ECSService is an ECS service of a cluster.
type ECSService struct {
	Cluster        string // the cluster's name
	Name           string
	ARN            string
	TaskDefinition string
	DesiredCount   int
	Subnets        []string
	SecurityGroups []string
	Status         string // ACTIVE
	Tags           map[string]string
}

// NewECSService is what CreateService needs.
type NewECSService struct {
	Cluster        string
	Name           string
	TaskDefinition string
	DesiredCount   int
	Subnets        []string
	SecurityGroups []string
	Tags           map[string]string
}

type serviceAttrs struct {
	TaskDefinition string   `json:"taskDefinition"`
	DesiredCount   int      `json:"desiredCount"`
	Subnets        []string `json:"subnets"`
	SecurityGroups []string `json:"securityGroups"`
}

// Compiled on first use (sync.OnceValue): bounded repetitions make these
// cost up to milliseconds to compile, which every start of envbench, the
// simulated provider's included, would otherwise pay in package init.
var ecsNamePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9_-]{1,255}$`) })

func ecsTags(tags map[string]string) []any {
	out := []any{}
	for _, k := range sortedKeys(tags) {
		out = append(out, map[string]any{"key": k, "value": tags[k]})
	}
	return out
}

func clusterOf(r *row) (ECSCluster, error) {
	return ECSCluster{Name: r.ID, ARN: r.ARN, Status: "ACTIVE", Tags: r.Tags}, nil
}

func serviceOf(r *row) (ECSService, error) {
	var sa serviceAttrs
	err := r.decode(&sa)
	name := r.ID[len(r.Parent)+1:]
	return ECSService{Cluster: r.Parent, Name: name, ARN: r.ARN, TaskDefinition: sa.TaskDefinition, DesiredCount: sa.DesiredCount,
		Subnets: sa.Subnets, SecurityGroups: sa.SecurityGroups, Status: "ACTIVE", Tags: r.Tags}, err
}

func (a *Account) clusterRow(tx *sql.Tx, name string) (*row, error) {
	r, err := getRow(tx, a.id, a.region, typeCluster, name)
	if err == nil && r == nil {
		err = notFound("ClusterNotFoundException", "ECS cluster", name)
	}
	return r, err
}

// CreateCluster creates an ECS cluster; creating one that exists returns
// it, as ECS does.
func (a *Account) CreateCluster(ctx context.Context, name string, tags map[string]string) (ECSCluster, error) {
	var c ECSCluster
	o := op{service: "ecs", name: "CreateCluster", params: map[string]any{"clusterName": name, "tags": ecsTags(tags)}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		if !ecsNamePattern().MatchString(name) {
			return result{}, invalid("InvalidParameterException", "Cluster name %q: up to 255 letters, digits, hyphens and underscores.", name)
		}
		r, err := getRow(tx, a.id, a.region, typeCluster, name)
		if err != nil {
			return result{}, err
		}
		if r == nil {
			r = &row{Account: a.id, Region: a.region, Type: typeCluster, ID: name, ARN: fmt.Sprintf("arn:aws:ecs:%s:%s:cluster/%s", a.region, a.id, name), Created: a.sim.now(), Tags: cloneTags(tags)}
			if err := putRow(tx, r, struct{}{}); err != nil {
				return result{}, err
			}
		}
		c, _ = clusterOf(r)
		return result{response: map[string]any{"cluster": map[string]any{"clusterArn": r.ARN, "clusterName": name, "status": "ACTIVE"}}, resources: []eventResource{{Type: typeCluster, Name: name, ARN: r.ARN}}}, nil
	})
	return c, err
}

// Cluster describes an ECS cluster.
func (a *Account) Cluster(ctx context.Context, name string) (ECSCluster, error) {
	o := op{service: "ecs", name: "DescribeClusters", readOnly: true, params: map[string]any{"clusters": []any{name}}}
	return one(a, ctx, o, func(tx *sql.Tx) (*row, error) { return a.clusterRow(tx, name) }, clusterOf)
}

// DeleteCluster deletes an ECS cluster without services.
func (a *Account) DeleteCluster(ctx context.Context, name string) error {
	o := op{service: "ecs", name: "DeleteCluster", params: map[string]any{"cluster": name}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := a.clusterRow(tx, name)
		if err != nil {
			return result{}, err
		}
		services, err := listRows(tx, a.id, a.region, typeService, name)
		if err != nil {
			return result{}, err
		}
		if len(services) > 0 {
			var held []string
			for _, s := range services {
				held = append(held, s.ARN)
			}
			return result{}, &codedError{Code: "ClusterContainsServicesException", Err: dependencyError(name, "The Cluster cannot be deleted while Services are active.", held)}
		}
		return result{resources: []eventResource{{Type: typeCluster, Name: name, ARN: r.ARN}}}, deleteRow(tx, r)
	})
}

func (a *Account) serviceRow(tx *sql.Tx, cluster, name string) (*row, error) {
	r, err := getRow(tx, a.id, a.region, typeService, cluster+"/"+name)
	if err == nil && r == nil {
		err = notFound("ServiceNotFoundException", "ECS service", cluster+"/"+name)
	}
	return r, err
}

// CreateService creates a service in a cluster; its subnets and
// security groups must exist.
func (a *Account) CreateService(ctx context.Context, s NewECSService) (ECSService, error) {
	var out ECSService
	o := op{service: "ecs", name: "CreateService", params: map[string]any{"cluster": s.Cluster, "serviceName": s.Name, "taskDefinition": s.TaskDefinition,
		"desiredCount": s.DesiredCount, "launchType": "FARGATE",
		"networkConfiguration": map[string]any{"awsvpcConfiguration": map[string]any{"subnets": anyStrings(s.Subnets), "securityGroups": anyStrings(s.SecurityGroups)}},
		"tags":                 ecsTags(s.Tags)}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		if !ecsNamePattern().MatchString(s.Name) {
			return result{}, invalid("InvalidParameterException", "Service name %q: up to 255 letters, digits, hyphens and underscores.", s.Name)
		}
		if s.DesiredCount < 0 {
			return result{}, invalid("InvalidParameterException", "desiredCount %d must not be negative", s.DesiredCount)
		}
		if s.TaskDefinition == "" {
			return result{}, invalid("InvalidParameterException", "A task definition is required.")
		}
		if _, err := a.clusterRow(tx, s.Cluster); err != nil {
			return result{}, err
		}
		if err := a.checkNetworkRefs(tx, s.Subnets, s.SecurityGroups); err != nil {
			return result{}, err
		}
		if old, err := getRow(tx, a.id, a.region, typeService, s.Cluster+"/"+s.Name); err != nil || old != nil {
			if err == nil {
				err = invalid("InvalidParameterException", "Creation of service was not idempotent: %s exists in cluster %s.", s.Name, s.Cluster)
			}
			return result{}, err
		}
		r := &row{Account: a.id, Region: a.region, Type: typeService, ID: s.Cluster + "/" + s.Name, Parent: s.Cluster,
			ARN: fmt.Sprintf("arn:aws:ecs:%s:%s:service/%s/%s", a.region, a.id, s.Cluster, s.Name), Created: a.sim.now(), Tags: cloneTags(s.Tags)}
		if err := putRow(tx, r, serviceAttrs{TaskDefinition: s.TaskDefinition, DesiredCount: s.DesiredCount, Subnets: slices.Clone(s.Subnets), SecurityGroups: slices.Clone(s.SecurityGroups)}); err != nil {
			return result{}, err
		}
		if err := a.scaleTasks(tx, r, s.DesiredCount); err != nil {
			return result{}, err
		}
		var err error
		out, err = serviceOf(r)
		return result{response: map[string]any{"service": map[string]any{"serviceArn": r.ARN, "serviceName": s.Name, "status": "ACTIVE", "desiredCount": s.DesiredCount}}, resources: []eventResource{{Type: typeService, Name: s.Name, ARN: r.ARN}}}, err
	})
	return out, err
}

func (a *Account) checkNetworkRefs(tx *sql.Tx, subnets, groups []string) error {
	for _, id := range subnets {
		if _, err := a.subnetRow(tx, id); err != nil {
			return invalid("InvalidParameterException", "Error retrieving subnet information for [%s]: the subnet does not exist.", id)
		}
	}
	for _, id := range groups {
		if _, err := a.sgRow(tx, id); err != nil {
			return invalid("InvalidParameterException", "Error retrieving security group information for [%s]: the group does not exist.", id)
		}
	}
	return nil
}

// Service describes a service of a cluster.
func (a *Account) Service(ctx context.Context, cluster, name string) (ECSService, error) {
	o := op{service: "ecs", name: "DescribeServices", readOnly: true, params: map[string]any{"cluster": cluster, "services": []any{name}}}
	return one(a, ctx, o, func(tx *sql.Tx) (*row, error) { return a.serviceRow(tx, cluster, name) }, serviceOf)
}

// UpdateService changes a service's desired count (when count is not
// negative) and task definition (when not empty).
func (a *Account) UpdateService(ctx context.Context, cluster, name string, count int, taskDefinition string) (ECSService, error) {
	var out ECSService
	params := map[string]any{"cluster": cluster, "service": name}
	if count >= 0 {
		params["desiredCount"] = count
	}
	if taskDefinition != "" {
		params["taskDefinition"] = taskDefinition
	}
	o := op{service: "ecs", name: "UpdateService", params: params}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := a.serviceRow(tx, cluster, name)
		if err != nil {
			return result{}, err
		}
		var sa serviceAttrs
		if err := r.decode(&sa); err != nil {
			return result{}, err
		}
		if count >= 0 {
			sa.DesiredCount = count
		}
		if taskDefinition != "" {
			sa.TaskDefinition = taskDefinition
		}
		r.Changed = a.sim.now()
		if err := putRow(tx, r, sa); err != nil {
			return result{}, err
		}
		if err := a.scaleTasks(tx, r, sa.DesiredCount); err != nil {
			return result{}, err
		}
		out, err = serviceOf(r)
		return result{resources: []eventResource{{Type: typeService, Name: name, ARN: r.ARN}}}, err
	})
	return out, err
}

// DeleteService deletes a service (force: ECS needs a desired count of 0
// otherwise; the simulation deletes at once).
func (a *Account) DeleteService(ctx context.Context, cluster, name string) error {
	o := op{service: "ecs", name: "DeleteService", params: map[string]any{"cluster": cluster, "service": name, "force": true}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := a.serviceRow(tx, cluster, name)
		if err != nil {
			return result{}, err
		}
		if err := a.scaleTasks(tx, r, 0); err != nil {
			return result{}, err
		}
		return result{resources: []eventResource{{Type: typeService, Name: name, ARN: r.ARN}}}, deleteRow(tx, r)
	})
}

// scaleTasks keeps one network interface per running task of a service
// (Fargate's awsvpc mode), in its subnets, with its security groups, as
// ECS does: while the service runs they hold its groups and subnets.
func (a *Account) scaleTasks(tx *sql.Tx, svc *row, count int) error {
	var sa serviceAttrs
	if err := svc.decode(&sa); err != nil {
		return err
	}
	requester := "amazon-ecs:" + svc.ID
	if len(sa.Subnets) == 0 {
		return nil
	}
	have, err := a.enisWhere(tx, "", func(e eniAttrs) bool { return e.Requester == requester })
	if err != nil {
		return err
	}
	for i := len(have); i < count; i++ {
		if _, err := a.createENI(tx, sa.Subnets[i%len(sa.Subnets)], sa.SecurityGroups, "arn:aws:ecs:"+a.region+":"+a.id+":attachment/"+svc.ID, requester, nil); err != nil {
			return err
		}
	}
	if len(have) > count {
		return a.dropENIs(tx, requester, count)
	}
	return nil
}
