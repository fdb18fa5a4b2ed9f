package simprovider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// realSchema is the subset of hashicorp/aws (v6) that the simulated
// provider claims, as its documentation on registry.terraform.io states it:
// "(Required)" and "(Optional)" arguments, and the attributes it exports
// (computed). A block's arguments are named block.argument.
var realSchema = map[string]map[string]string{
	"aws_vpc": {
		"cidr_block": "optional", "enable_dns_support": "optional", "enable_dns_hostnames": "optional", "tags": "optional",
		"id": "computed", "arn": "computed", "owner_id": "computed", "tags_all": "computed",
	},
	"aws_subnet": {
		"vpc_id": "required", "cidr_block": "optional", "availability_zone": "optional", "tags": "optional",
		"id": "computed", "arn": "computed", "owner_id": "computed", "tags_all": "computed",
	},
	"aws_security_group": {
		"name": "optional", "description": "optional", "vpc_id": "optional", "tags": "optional",
		"ingress": "optional", "egress": "optional",
		"id": "computed", "arn": "computed", "owner_id": "computed", "tags_all": "computed",
	},
	"aws_db_subnet_group": {
		"name": "optional", "description": "optional", "subnet_ids": "required", "tags": "optional",
		"id": "computed", "arn": "computed", "vpc_id": "computed", "tags_all": "computed",
	},
	"aws_db_instance": {
		"identifier": "optional", "engine": "optional", "engine_version": "optional", "instance_class": "required",
		"allocated_storage": "optional", "storage_type": "optional", "storage_encrypted": "optional", "kms_key_id": "optional",
		"multi_az": "optional", "db_name": "optional", "username": "optional", "password": "optional",
		"manage_master_user_password": "optional", "db_subnet_group_name": "optional", "vpc_security_group_ids": "optional",
		"publicly_accessible": "optional", "apply_immediately": "optional", "deletion_protection": "optional",
		"skip_final_snapshot": "optional", "final_snapshot_identifier": "optional", "port": "optional", "tags": "optional",
		"id": "computed", "arn": "computed", "resource_id": "computed", "address": "computed", "endpoint": "computed",
		"engine_version_actual": "computed", "status": "computed", "tags_all": "computed",
	},
	"aws_route53_zone": {
		"name": "required", "comment": "optional", "force_destroy": "optional", "tags": "optional",
		"vpc.vpc_id": "required", "vpc.vpc_region": "optional",
		"id": "computed", "arn": "computed", "zone_id": "computed", "name_servers": "computed", "tags_all": "computed",
	},
	"aws_route53_record": {
		"zone_id": "required", "name": "required", "type": "required", "ttl": "optional", "records": "optional",
		"id": "computed", "fqdn": "computed",
	},
	"aws_kms_key": {
		"description": "optional", "enable_key_rotation": "optional", "deletion_window_in_days": "optional", "tags": "optional",
		"id": "computed", "arn": "computed", "key_id": "computed", "tags_all": "computed",
	},
	"aws_s3_bucket": {
		"bucket": "optional", "force_destroy": "optional", "tags": "optional",
		"id": "computed", "arn": "computed", "bucket_domain_name": "computed", "bucket_regional_domain_name": "computed", "region": "computed", "tags_all": "computed",
	},
	"aws_ecs_cluster": {
		"name": "required", "tags": "optional",
		"id": "computed", "arn": "computed", "tags_all": "computed",
	},
	"aws_ecs_service": {
		"name": "required", "cluster": "optional", "task_definition": "optional", "desired_count": "optional",
		"launch_type": "optional", "propagate_tags": "optional", "tags": "optional",
		"network_configuration.subnets": "required", "network_configuration.security_groups": "optional",
		"network_configuration.assign_public_ip": "optional",
		"id":                                     "computed", "arn": "computed", "tags_all": "computed",
	},
}

// attribute finds name (or block.name) in a resource schema.
func attribute(s schema.Schema, name string) (schema.Attribute, bool) {
	block, attr, nested := strings.Cut(name, ".")
	if !nested {
		a, ok := s.Attributes[name]
		return a, ok
	}
	b, ok := s.Blocks[block].(schema.ListNestedBlock)
	if !ok {
		return nil, false
	}
	a, ok := b.NestedObject.Attributes[attr]
	return a, ok
}

func TestSchemaMatchesTheRealAWSProvider(t *testing.T) {
	ctx := context.Background()
	schemas := map[string]schema.Schema{}
	for _, newResource := range New().Resources(ctx) {
		r := newResource()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "aws"}, &meta)
		var sr resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &sr)
		if sr.Diagnostics.HasError() {
			t.Fatalf("%s: %v", meta.TypeName, sr.Diagnostics)
		}
		schemas[meta.TypeName] = sr.Schema
	}
	for typ, attrs := range realSchema {
		s, ok := schemas[typ]
		if !ok {
			t.Errorf("the provider has no resource type %s", typ)
			continue
		}
		for name, want := range attrs {
			a, ok := attribute(s, name)
			if !ok {
				t.Errorf("%s has no %s (%s in hashicorp/aws)", typ, name, want)
				continue
			}
			var good bool
			switch want {
			case "required":
				good = a.IsRequired()
			case "optional":
				good = a.IsOptional() && !a.IsRequired()
			case "computed":
				good = a.IsComputed() && !a.IsOptional() && !a.IsRequired()
			}
			if !good {
				t.Errorf("%s.%s: required %v, optional %v, computed %v; hashicorp/aws has it %s",
					typ, name, a.IsRequired(), a.IsOptional(), a.IsComputed(), want)
			}
		}
	}
	if len(schemas) != len(realSchema) {
		t.Errorf("the provider has %d resource types, the table %d", len(schemas), len(realSchema))
	}
	// And the other way: the provider invents no name hashicorp/aws lacks,
	// so a configuration written for it runs on AWS as it is.
	for typ, s := range schemas {
		for _, name := range schemaNames(s) {
			if _, ok := realSchema[typ][name]; !ok {
				t.Errorf("%s.%s is not an attribute of hashicorp/aws's %s (or the table lacks it)", typ, name, typ)
			}
		}
	}
}

// schemaNames lists a resource schema's attributes, and its blocks'
// attributes as block.name.
func schemaNames(s schema.Schema) []string {
	var out []string
	for name := range s.Attributes {
		out = append(out, name)
	}
	for block, b := range s.Blocks {
		if lb, ok := b.(schema.ListNestedBlock); ok {
			for name := range lb.NestedObject.Attributes {
				out = append(out, block+"."+name)
			}
		} else {
			out = append(out, block)
		}
	}
	return out
}

func TestProviderSchema(t *testing.T) {
	var resp provider.SchemaResponse
	New().Schema(context.Background(), provider.SchemaRequest{}, &resp)
	s := resp.Schema
	for _, name := range []string{"region", "allowed_account_ids"} {
		if a, ok := s.Attributes[name]; !ok || !a.IsOptional() {
			t.Errorf("provider argument %s missing or not optional", name)
		}
	}
	for _, name := range []string{"assume_role", "default_tags"} {
		if _, ok := s.Blocks[name]; !ok {
			t.Errorf("provider block %s missing", name)
		}
	}
}
