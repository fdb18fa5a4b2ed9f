package aws

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go"

	"github.com/envbench/envbench/envs/cloud"
)

// containers is cloud.Containers on ECS.
type containers struct {
	c *ecs.Client
}

var _ cloud.Containers = (*containers)(nil)

// DeleteService implements cloud.Containers: forced, so a service still
// running tasks is scaled to zero and deleted as AWS does. A service
// already deleted (ECS keeps it INACTIVE for a while) is NotFound.
func (c *containers) DeleteService(ctx context.Context, cluster, name string) error {
	_, err := c.c.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: aws.String(cluster), Service: aws.String(name), Force: aws.Bool(true)})
	if err == nil {
		return nil
	}
	r := ref{Type: "ECS service", ID: cluster + "/" + name}
	return fmt.Errorf("delete ECS service %s: %w", r.ID, classify("ecs", "DeleteService", r, err))
}

// DeleteCluster implements cloud.Containers. A cluster that still has
// services or tasks is a *cloud.DependencyViolationError naming its
// services, as the sweep expects.
func (c *containers) DeleteCluster(ctx context.Context, name string) error {
	_, err := c.c.DeleteCluster(ctx, &ecs.DeleteClusterInput{Cluster: aws.String(name)})
	if err == nil {
		return nil
	}
	if refused := c.refusal(ctx, name, err); refused != nil {
		return refused
	}
	return fmt.Errorf("delete ECS cluster %s: %w", name, classify("ecs", "DeleteCluster", ref{Type: "ECS cluster", ID: name}, err))
}

// refusal is the *cloud.DependencyViolationError, naming the cluster's
// services, for ECS's refusal to delete a cluster still in use; nil for
// any other error.
func (c *containers) refusal(ctx context.Context, name string, err error) error {
	switch code(err) {
	case "ClusterContainsServicesException", "ClusterContainsTasksException", "ClusterContainsContainerInstancesException":
	default:
		return nil
	}
	held, lerr := c.services(ctx, name)
	if lerr != nil {
		held = nil // the refusal still says why; the names are a bonus
	}
	var apiErr smithy.APIError
	errors.As(err, &apiErr)
	return fmt.Errorf("delete ECS cluster %s: ecs DeleteCluster: %w", name, &cloud.DependencyViolationError{
		Resource: name, BlockedBy: held, Message: apiErr.ErrorMessage(),
	})
}

// services are the ARNs of a cluster's services.
func (c *containers) services(ctx context.Context, cluster string) ([]string, error) {
	var arns []string
	p := ecs.NewListServicesPaginator(c.c, &ecs.ListServicesInput{Cluster: aws.String(cluster)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, classify("ecs", "ListServices", ref{Type: "ECS cluster", ID: cluster}, err)
		}
		arns = append(arns, page.ServiceArns...)
	}
	return arns, nil
}

// code is an SDK error's API code, or "".
func code(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}
