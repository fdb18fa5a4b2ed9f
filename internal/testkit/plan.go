package testkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
)

// GeneratePlan returns the `terraform show -json` output of a plan of n
// resource changes shaped like real AWS plans, the same for the same n and
// seed: resources in modules with count and for_each keys (numbers among
// them), nested blocks and lists of objects (root_block_device, ingress,
// tags), sensitive values in before and after (single attributes, whole
// blocks, whole list elements), unknown values, replace_paths, and every
// action: create, update, delete, both replace orders, no-op, read, import,
// move and forget; and drift and output changes. n = 10,000 gives about
// 10 MB (planned_values and prior_state, which envbench skips, are left
// out).
func GeneratePlan(n int, seed uint64) []byte {
	g := &planGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	var b bytes.Buffer
	b.Grow(n * 1000)
	b.WriteString(`{"format_version":"1.2","terraform_version":"1.11.4","planned_values":{"outputs":{},"root_module":{"resources":[`)
	changes := make([]map[string]any, n)
	for i := range changes {
		changes[i] = g.change(i)
	}
	b.WriteString(`]}},"resource_changes":[`)
	for i, c := range changes {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSON(&b, c)
	}
	b.WriteString(`],"resource_drift":[`)
	for i := 0; i < n/200; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		c := g.change(g.r.IntN(n))
		ch := c["change"].(map[string]any)
		switch {
		case ch["before"] == nil && ch["after"] == nil:
			ch["before"], ch["after"] = map[string]any{"id": "x"}, map[string]any{"id": "y"}
		case ch["before"] == nil:
			ch["before"] = ch["after"]
		case ch["after"] == nil:
			ch["after"] = ch["before"]
		}
		ch["actions"] = []string{"update"}
		delete(ch, "replace_paths")
		delete(ch, "importing")
		delete(c, "previous_address")
		writeJSON(&b, c)
	}
	b.WriteString(`],"output_changes":{`)
	for i := 0; i < 5+n/1000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		actions := [][]string{{"create"}, {"update"}, {"no-op"}, {"delete"}}[i%4]
		fmt.Fprintf(&b, `"out_%d":{"actions":%s,"before":null,"after":"v%d","after_unknown":false,"before_sensitive":false,"after_sensitive":%v}`, i, mustJSON(actions), i, i%3 == 0)
	}
	b.WriteString(`},"configuration":{"provider_config":{"aws":{"name":"aws","full_name":"registry.terraform.io/hashicorp/aws"}},"root_module":{}},"timestamp":"2026-01-01T00:00:00Z","applyable":true,"complete":true,"errored":false}`)
	return b.Bytes()
}

type planGen struct{ r *rand.Rand }

var (
	genRegions = []string{"eu-west-1", "us-east-1", "ap-southeast-2"}
	genTeams   = []string{"platform", "payments", "search", "data"}
	genSizes   = []string{"t3.micro", "t3.small", "m6i.large", "r6g.xlarge"}
)

// address builds a resource address in a module with count or for_each
// keys, or at the root.
func (g *planGen) address(i int) (module, key string) {
	switch i % 5 {
	case 0:
		module = fmt.Sprintf("module.shard[%d]", i/50%120)
	case 1:
		module = fmt.Sprintf(`module.service[%q]`, fmt.Sprintf("%s-%d", genTeams[i%len(genTeams)], i/40%60))
	case 2:
		module = fmt.Sprintf(`module.tenant[%q].module.store[%d]`, fmt.Sprint(i/30%150), i/7%3)
	case 3:
		module = fmt.Sprintf(`module.region[%q]`, genRegions[i%len(genRegions)])
	}
	switch i % 3 {
	case 0:
		key = fmt.Sprintf("[%d]", i%1013)
	case 1:
		key = fmt.Sprintf("[%q]", fmt.Sprint(i%211))
	default:
		key = fmt.Sprintf("[%q]", fmt.Sprintf("k-%d", i))
	}
	return module, key
}

// join builds an address from its module, resource and instance key.
func join(module, resource, key string) string {
	if module == "" {
		return resource + key
	}
	return module + "." + resource + key
}

func (g *planGen) tags(i int) map[string]any {
	t := map[string]any{"Name": fmt.Sprintf("res-%d", i), "team": genTeams[i%len(genTeams)], "envbench:env": "qa"}
	if i%4 == 0 {
		t["cost-center"] = fmt.Sprint(1000 + i%97)
	}
	return t
}

// values returns a resource's before and after objects, their sensitivity
// and unknown mirrors and the replace paths for a change of type typ.
func (g *planGen) values(i int, typ string) (before, after, bSens, aSens, unknown map[string]any, replace []any) {
	r := g.r
	switch typ {
	case "aws_instance":
		vol := 20 + r.IntN(80)
		before = map[string]any{"ami": fmt.Sprintf("ami-%08x", i), "instance_type": genSizes[i%4], "monitoring": false, "tags": g.tags(i),
			"root_block_device":      []any{map[string]any{"volume_size": vol, "volume_type": "gp3", "encrypted": true, "iops": 3000, "delete_on_termination": true}},
			"vpc_security_group_ids": []any{fmt.Sprintf("sg-%06x", i%4096), "sg-0shared"}, "user_data": fmt.Sprintf("#!/bin/sh\necho TOKEN=%x", r.Uint32()),
			"ebs_block_device": []any{}, "id": fmt.Sprintf("i-%012x", i), "arn": fmt.Sprintf("arn:aws:ec2:eu-west-1:123456789012:instance/i-%012x", i)}
		after = clone(before)
		after["instance_type"] = genSizes[(i+1)%4]
		after["root_block_device"].([]any)[0].(map[string]any)["volume_size"] = vol + 10*(i%3)
		if i%9 == 0 {
			after["ami"] = fmt.Sprintf("ami-%08x", i+1)
			replace = []any{[]any{"ami"}}
		}
		bSens = map[string]any{"user_data": true, "root_block_device": []any{map[string]any{}}, "tags": map[string]any{}}
		aSens = map[string]any{"user_data": true, "root_block_device": []any{map[string]any{}}, "tags": map[string]any{}}
		unknown = map[string]any{"id": true, "arn": true, "private_ip": true, "root_block_device": []any{map[string]any{"volume_id": true}}}
	case "aws_security_group":
		rule := func(port int, cidr string) map[string]any {
			return map[string]any{"from_port": port, "to_port": port, "protocol": "tcp", "cidr_blocks": []any{cidr},
				"description": fmt.Sprintf("port %d", port), "self": false, "security_groups": []any{}}
		}
		before = map[string]any{"name": fmt.Sprintf("sg-%d", i), "description": "managed by envbench", "vpc_id": "vpc-0abc", "tags": g.tags(i),
			"ingress": []any{rule(443, "10.0.0.0/16"), rule(80, "10.0.0.0/16")}, "egress": []any{rule(0, "0.0.0.0/0")}, "id": fmt.Sprintf("sg-%06x", i)}
		after = clone(before)
		after["ingress"] = append(after["ingress"].([]any), rule(8080+i%10, fmt.Sprintf("10.%d.0.0/16", i%250)))
		after["tags"].(map[string]any)["team"] = genTeams[(i+1)%len(genTeams)]
		if i%11 == 0 {
			after["name"] = fmt.Sprintf("sg-%d-v2", i)
			replace = []any{[]any{"name"}}
		}
		bSens, aSens = map[string]any{}, map[string]any{}
		unknown = map[string]any{"id": true, "arn": true, "owner_id": true}
	case "aws_db_instance":
		storage := []int{20, 100, 200, 500}[i%4]
		before = map[string]any{"identifier": fmt.Sprintf("db-%d", i), "engine": "postgres", "engine_version": "15.4", "instance_class": "db.r6g.large",
			"allocated_storage": storage, "username": "app", "password": fmt.Sprintf("pw-%x", r.Uint64()), "tags": g.tags(i),
			"master_user_secret":      []any{map[string]any{"kms_key_id": "k", "secret_arn": fmt.Sprintf("arn:aws:secretsmanager:eu-west-1:1:secret:db-%d", i)}},
			"backup_retention_period": 7, "multi_az": i%2 == 0}
		after = clone(before)
		after["password"] = fmt.Sprintf("pw-%x", r.Uint64())
		if i%13 == 0 {
			after["allocated_storage"] = storage * 10
		}
		if i%7 == 0 {
			after["engine_version"] = "16.1"
			replace = []any{[]any{"engine_version"}}
		}
		bSens = map[string]any{"password": true, "master_user_secret": []any{true}}
		aSens = map[string]any{"password": true, "master_user_secret": []any{true}}
		unknown = map[string]any{"endpoint": true, "address": true, "master_user_secret": true}
	case "aws_lambda_function":
		before = map[string]any{"function_name": fmt.Sprintf("fn-%d", i), "runtime": "python3.12", "memory_size": 128, "timeout": 30, "tags": g.tags(i),
			"environment": []any{map[string]any{"variables": map[string]any{"DB_URL": fmt.Sprintf("postgres://app:%x@db/x", r.Uint32()), "LOG_LEVEL": "info"}}}}
		after = clone(before)
		after["memory_size"] = 256
		after["environment"].([]any)[0].(map[string]any)["variables"].(map[string]any)["LOG_LEVEL"] = "debug"
		bSens = map[string]any{"environment": true}
		aSens = map[string]any{"environment": []any{true}}
		unknown = map[string]any{"qualified_arn": true, "version": true, "last_modified": true}
	case "aws_s3_bucket":
		before = map[string]any{"bucket": fmt.Sprintf("acme-%d-data", i), "force_destroy": false, "tags": g.tags(i),
			"server_side_encryption_configuration": []any{map[string]any{"rule": []any{map[string]any{"apply_server_side_encryption_by_default": []any{map[string]any{"sse_algorithm": "aws:kms", "kms_master_key_id": ""}}, "bucket_key_enabled": true}}}},
			"versioning":                           []any{map[string]any{"enabled": true, "mfa_delete": false}}}
		after = clone(before)
		after["tags"].(map[string]any)["backup"] = "daily"
		if i%17 == 0 {
			after["bucket"] = fmt.Sprintf("acme-%d-data-v2", i)
			replace = []any{[]any{"bucket"}}
		}
		bSens, aSens = map[string]any{}, map[string]any{}
		unknown = map[string]any{"arn": true, "bucket_domain_name": true, "id": true}
	default: // aws_iam_role
		before = map[string]any{"name": fmt.Sprintf("role-%d", i), "path": "/", "max_session_duration": 3600, "tags": g.tags(i),
			"assume_role_policy":  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
			"managed_policy_arns": []any{"arn:aws:iam::aws:policy/ReadOnlyAccess"}}
		after = clone(before)
		after["managed_policy_arns"] = []any{"arn:aws:iam::aws:policy/ReadOnlyAccess", fmt.Sprintf("arn:aws:iam::123456789012:policy/p-%d", i%50)}
		bSens, aSens = map[string]any{}, map[string]any{}
		unknown = map[string]any{"arn": true, "unique_id": true}
	}
	return before, after, bSens, aSens, unknown, replace
}

// everyAction are rolls that pick each action once: create, update, both
// replace orders, delete, no-op, read, import, move and forget.
var everyAction = []int{0, 40, 64, 65, 72, 80, 90, 94, 97, 99}

var genTypes = []string{"aws_instance", "aws_security_group", "aws_iam_role", "aws_s3_bucket", "aws_lambda_function", "aws_db_instance", "aws_instance", "aws_iam_role"}

// change is the resource change at position i.
func (g *planGen) change(i int) map[string]any {
	typ := genTypes[i%len(genTypes)]
	name := []string{"this", "main", "web", "store"}[i%4]
	module, key := g.address(i)
	addr := join(module, typ+"."+name, key)
	before, after, bSens, aSens, unknown, replace := g.values(i, typ)
	mode := "managed"
	c := map[string]any{"address": addr, "mode": mode, "type": typ, "name": name, "provider_name": "registry.terraform.io/hashicorp/aws"}
	if module != "" {
		c["module_address"] = module
	}
	ch := map[string]any{}
	roll := g.r.IntN(100)
	if i < len(everyAction) {
		roll = everyAction[i] // so that even a small plan has every action
	}
	switch {
	case roll < 38:
		ch["actions"], before, bSens = []string{"create"}, nil, nil
		for k := range unknown {
			delete(after, k) // a created resource's unknowns have no value yet
		}
	case roll < 62:
		ch["actions"] = []string{"update"}
		unknown = map[string]any{}
	case roll < 70:
		ch["actions"] = []string{"delete", "create"}
		if roll%2 == 0 {
			ch["actions"] = []string{"create", "delete"}
		}
		if replace == nil {
			replace = []any{[]any{"tags", "Name"}}
			c["action_reason"] = "replace_because_cannot_update"
		}
		ch["replace_paths"] = replace
	case roll < 77:
		ch["actions"], after, aSens, unknown = []string{"delete"}, nil, nil, map[string]any{}
		if i%3 == 0 {
			c["action_reason"] = "delete_because_no_resource_config"
		}
	case roll < 87:
		ch["actions"], after, aSens, unknown = []string{"no-op"}, before, bSens, map[string]any{}
	case roll < 93:
		c["mode"], c["type"], c["name"] = "data", "aws_iam_policy_document", "assume"
		c["address"] = join(module, "data.aws_iam_policy_document.assume", key)
		ch["actions"], before, bSens = []string{"read"}, nil, nil
		after = map[string]any{"statement": []any{map[string]any{"effect": "Allow", "actions": []any{"sts:AssumeRole"}, "principals": []any{map[string]any{"type": "Service", "identifiers": []any{"ec2.amazonaws.com"}}}}}}
		aSens, unknown = map[string]any{}, map[string]any{"json": true, "id": true}
		c["action_reason"] = "read_because_config_unknown"
	case roll < 96:
		ch["actions"], after, aSens, unknown = []string{"no-op"}, before, bSens, map[string]any{}
		ch["importing"] = map[string]any{"id": fmt.Sprintf("imp-%d", i)}
	case roll < 99:
		ch["actions"], after, aSens, unknown = []string{"no-op"}, before, bSens, map[string]any{}
		c["previous_address"] = join(module, typ+".old_"+name, key)
	default:
		ch["actions"], after, aSens, unknown = []string{"forget"}, nil, nil, map[string]any{}
	}
	ch["before"], ch["after"], ch["after_unknown"] = orNil(before), orNil(after), unknown
	ch["before_sensitive"], ch["after_sensitive"] = sensOrFalse(bSens), sensOrFalse(aSens)
	c["change"] = ch
	return c
}

// orNil keeps a nil map a JSON null.
func orNil(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

// sensOrFalse is how Terraform writes the sensitivity of a null value.
func sensOrFalse(m map[string]any) any {
	if m == nil {
		return false
	}
	return m
}

// clone copies a decoded JSON value deeply.
func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return clone(v)
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = cloneValue(item)
		}
		return out
	}
	return v
}

func writeJSON(b *bytes.Buffer, v any) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("testkit: generated plan value does not encode: %v", err))
	}
	b.Truncate(b.Len() - 1) // Encode's newline
}

func mustJSON(v any) string {
	var b bytes.Buffer
	writeJSON(&b, v)
	return b.String()
}
