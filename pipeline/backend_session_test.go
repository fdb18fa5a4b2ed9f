package pipeline

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/envbench/envbench/envs/cloud/cloudtest"
	"github.com/envbench/envbench/internal/testkit"
)

// TestRealWorkspaceBackendSessionsAreTheRuns: in a workspace on AWS (moto
// here) whose S3 backend assumes the environment's role, the plan run's
// init names the backend's session envbench-<plan run id>, the apply of
// that plan acts under it too, and the next plan run under its own.
func TestRealWorkspaceBackendSessionsAreTheRuns(t *testing.T) {
	terraform(t)
	endpoint := cloudtest.StartMoto(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ENDPOINT_URL", endpoint)
	req, _ := http.NewRequest(http.MethodPut, endpoint+"/acme-tfstate-123456789012", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	root := t.TempDir()
	testkit.WriteFile(t, root, "envbench.yaml", "name: acme\ncloud: aws\ndefaults:\n  region: us-east-1\n")
	testkit.WriteFile(t, root, "archetypes/svc/archetype.yaml", "description: A marker, its state in S3.\n")
	testkit.WriteFile(t, root, "archetypes/svc/main.tf", "resource \"terraform_data\" \"marker\" {\n  input = local.envbench.env\n}\n")
	// examples/aws's backend, with what moto needs.
	testkit.WriteFile(t, root, "archetypes/svc/backend.tf.tmpl", `terraform {
  backend "s3" {
    bucket                      = "acme-tfstate-{{ .Account }}"
    key                         = "envbench/{{ .Name }}/terraform.tfstate"
    region                      = "{{ .Region }}"
    use_path_style              = true
    skip_credentials_validation = true
    skip_requesting_account_id  = true
{{- if .Role }}

    assume_role = {
      role_arn = "{{ .Role }}"
    }
{{- end }}
  }
}
`)
	testkit.WriteFile(t, root, "envs/qa.yaml", "archetype: svc\naccount: \"123456789012\"\nrole: arn:aws:iam::123456789012:role/envbench-deployer\nowner: qa-team\n")
	ctx := context.Background()
	c := open(t, root)

	planned, err := Plan(ctx, c, "qa", "", Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{SessionName(planned.RunID)}
	if got := slices.Compact(slices.Sorted(slices.Values(cloudtest.MotoSessions(t, endpoint)))); !slices.Equal(got, want) {
		t.Fatalf("after the plan run, the sessions opened are %q; want %q", got, want)
	}
	if _, err := Apply(ctx, c, "qa", planned.PlanFile, "", Options{}, nil); err != nil {
		t.Fatal(err)
	}
	if got := slices.Compact(slices.Sorted(slices.Values(cloudtest.MotoSessions(t, endpoint)))); !slices.Equal(got, want) {
		t.Errorf("after applying the plan, the sessions opened are %q; want only the plan run's, %q", got, want)
	}
	again, err := Plan(ctx, c, "qa", "", Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.HasChanges {
		t.Errorf("the second plan run has changes: its init lost the state")
	}
	want = append(want, SessionName(again.RunID))
	slices.Sort(want)
	if got := slices.Compact(slices.Sorted(slices.Values(cloudtest.MotoSessions(t, endpoint)))); !slices.Equal(got, want) {
		t.Errorf("after the second plan run, the sessions are %q; want %q", got, want)
	}
}
