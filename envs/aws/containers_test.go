package aws

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/envbench/envbench/envs/cloud"
)

// TestContainersDeleteInOrder: on ECS (moto), ECS's refusal to delete a
// cluster that still has a service becomes a DependencyViolation naming
// the service (moto deletes such a cluster anyway, so the refusal is made
// here; the lookup of its services runs against moto); the service
// deletes (forced, whatever its desired count); the cluster then deletes;
// and deleting either again is NotFound.
func TestContainersDeleteInOrder(t *testing.T) {
	ctx := context.Background()
	acct, err := motoConnector(t).Connect(ctx, cloud.Target{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	if acct.Containers == nil {
		t.Fatal("the AWS account has no ECS")
	}
	c := acct.Containers.(*containers)
	if _, err := c.c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("qa-apps")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("web"), ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("web"), Image: aws.String("nginx"), Memory: aws.Int32(128)}}}); err != nil {
		t.Fatal(err)
	}
	svc, err := c.c.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("qa-apps"), ServiceName: aws.String("web"), TaskDefinition: aws.String("web"), DesiredCount: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	err = c.refusal(ctx, "qa-apps", &smithy.GenericAPIError{Code: "ClusterContainsServicesException", Message: "The Cluster cannot be deleted while Services are active."})
	var dv *cloud.DependencyViolationError
	if !errors.As(err, &dv) || dv.Resource != "qa-apps" || !slices.Contains(dv.BlockedBy, aws.ToString(svc.Service.ServiceArn)) {
		t.Fatalf("deleting a cluster with a service: %v, want a DependencyViolation naming %s", err, aws.ToString(svc.Service.ServiceArn))
	}
	if c.refusal(ctx, "qa-apps", &smithy.GenericAPIError{Code: "ThrottlingException"}) != nil {
		t.Error("a throttle is not a refusal of a cluster in use")
	}
	if err := c.DeleteService(ctx, "qa-apps", "web"); err != nil {
		t.Fatalf("delete the service: %v", err)
	}
	if err := c.DeleteCluster(ctx, "qa-apps"); err != nil {
		t.Fatalf("delete the emptied cluster: %v", err)
	}
	// Deleted twice: moto says nothing; ECS's codes for it are NotFound.
	for _, code := range []string{"ServiceNotActiveException", "ServiceNotFoundException", "ClusterNotFoundException"} {
		if err := classify("ecs", "DeleteService", ref{Type: "ECS service", ID: "qa-apps/web"}, &smithy.GenericAPIError{Code: code}); !errors.Is(err, cloud.ErrNotFound) {
			t.Errorf("%s: %v, want NotFound", code, err)
		}
	}
}
