package fake

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/envs/cloud"
)

// fixtureKeys reads the real CloudTrail records of ../shared/fixtures
// and returns, per path ("" for the top level, "userIdentity",
// "userIdentity.sessionContext"...), every key real records use there,
// and the keys every real record has at the top level.
func fixtureKeys(t *testing.T) (all map[string]map[string]bool, always map[string]bool, assumed map[string]bool) {
	t.Helper()
	files, _ := filepath.Glob("../../../shared/fixtures/cloudtrail/*.json")
	if len(files) == 0 {
		t.Skip("no real CloudTrail records: ../shared/fixtures/cloudtrail is absent")
	}
	all = map[string]map[string]bool{}
	always = nil
	assumed = map[string]bool{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		if all[path] == nil {
			all[path] = map[string]bool{}
		}
		for k, x := range m {
			all[path][k] = true
			if path == "" && (k == "requestParameters" || k == "responseElements") {
				continue
			}
			p := k
			if path != "" {
				p = path + "." + k
			}
			walk(p, x)
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Records []map[string]any }
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, r := range doc.Records {
			walk("", r)
			keys := map[string]bool{}
			for k := range r {
				keys[k] = true
			}
			if always == nil {
				always = keys
			} else {
				for k := range always {
					if !keys[k] {
						delete(always, k)
					}
				}
			}
			if ui, _ := r["userIdentity"].(map[string]any); ui["type"] == "AssumedRole" {
				for k := range ui {
					assumed[k] = true
				}
			}
		}
	}
	return all, always, assumed
}

func TestRecordShapeMatchesRealRecords(t *testing.T) {
	all, always, assumed := fixtureKeys(t)
	s, _ := testSim(t)
	ctx := context.Background()
	a := connect(t, s, "111111111111")
	must[cloud.VPC](t)(a.CreateVPC(ctx, "10.0.0.0/16", map[string]string{"envbench:env": "production"}))
	a.DeleteVPC(ctx, "vpc-missing")
	events := must[[]RecordedEvent](t)(s.Events(ctx, EventFilter{Account: "111111111111"}))
	if len(events) < 3 { // AssumeRole, CreateVpc, DeleteVpc
		t.Fatalf("%d events", len(events))
	}
	for _, e := range events {
		var rec map[string]any
		if err := json.Unmarshal([]byte(e.Record), &rec); err != nil {
			t.Fatal(err)
		}
		var check func(path string, v map[string]any)
		check = func(path string, v map[string]any) {
			for k, x := range v {
				if !all[path][k] {
					t.Errorf("%s: key %q of %q is in no real record", e.Name, k, path)
				}
				if path == "" && (k == "requestParameters" || k == "responseElements") {
					continue
				}
				if m, ok := x.(map[string]any); ok {
					p := k
					if path != "" {
						p = path + "." + k
					}
					check(p, m)
				}
			}
		}
		check("", rec)
		for k := range always {
			if _, ok := rec[k]; !ok {
				t.Errorf("%s: lacks %q, which every real record has", e.Name, k)
			}
		}
		ui := rec["userIdentity"].(map[string]any)
		if e.Name == "AssumeRole" {
			// Made by the caller before it acts as the role.
			if ui["arn"] != DefaultIdentity || rec["recipientAccountId"] != "111111111111" {
				t.Errorf("AssumeRole: by %v in %v", ui["arn"], rec["recipientAccountId"])
			}
			continue
		}
		for k := range assumed {
			if _, ok := ui[k]; !ok && k != "invokedBy" && k != "credentialId" && k != "onBehalfOf" && k != "inScopeOf" {
				t.Errorf("%s: userIdentity lacks %q, which real AssumedRole identities have", e.Name, k)
			}
		}
		if ui["type"] != "AssumedRole" || ui["arn"] != "arn:aws:sts::111111111111:assumed-role/envbench-deployer/envbench-test-run" {
			t.Errorf("%s: userIdentity %v", e.Name, ui)
		}
		issuer := ui["sessionContext"].(map[string]any)["sessionIssuer"].(map[string]any)
		if issuer["arn"] != "arn:aws:iam::111111111111:role/envbench-deployer" || issuer["userName"] != "envbench-deployer" || issuer["type"] != "Role" {
			t.Errorf("%s: session issuer %v", e.Name, issuer)
		}
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`).MatchString(rec["eventTime"].(string)) || rec["eventType"] != "AwsApiCall" || rec["recipientAccountId"] != "111111111111" {
			t.Errorf("%s: %v", e.Name, rec)
		}
		if e.Username != "envbench-test-run" {
			t.Errorf("%s: username %q, want the session name", e.Name, e.Username)
		}
	}
	if e := events[0]; e.Name != "DeleteVpc" || !strings.Contains(e.Record, `"errorCode":"InvalidVpcID.NotFound"`) || !strings.Contains(e.Record, `"errorMessage":"VPC vpc-missing not found"`) {
		t.Errorf("the failed call is recorded as %s", e.Record)
	}
	if e := events[1]; e.Name != "CreateVpc" || e.ReadOnly || e.Source != "ec2.amazonaws.com" || len(e.Resources) != 1 || e.Resources[0].Type != "AWS::EC2::VPC" {
		t.Errorf("create: %+v", e.TrailEvent)
	}
}

func TestSecretsNeverRecorded(t *testing.T) {
	s, clk := testSim(t)
	ctx := context.Background()
	a := connect(t, s, "222222222222")
	secrets := []string{"Orig-Master-Pw-1", "New-Master-Pw-22", "secret-value-333", "other-value-4444", "bad pw with space"}
	in := newDB("orders")
	in.MasterPassword = secrets[0]
	must[cloud.DBInstance](t)(a.CreateInstance(ctx, in))
	clk.Advance(time.Minute)
	must[cloud.DBInstance](t)(a.ModifyInstance(ctx, "orders", "", secrets[1]))
	must[cloud.Secret](t)(a.PutSecret(ctx, "qa/orders", secrets[2], nil))
	must[cloud.Secret](t)(a.PutSecret(ctx, "qa/orders", secrets[3], nil))
	must[string](t)(a.SecretValue(ctx, "qa/orders"))
	if _, err := a.ModifyInstance(ctx, "orders", "", secrets[4]); err == nil {
		t.Fatal("a password with a space is accepted")
	}
	if err := s.RecordEvent(ctx, Event{Account: "222222222222", Identity: "arn:aws:iam::222222222222:user/ops", Time: clk.Now(), Service: "rds", Name: "ModifyDBInstance",
		RequestParameters: map[string]any{"dBInstanceIdentifier": "orders", "masterUserPassword": "Recorded-By-Hand-5"}}); err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, "Recorded-By-Hand-5")
	events := must[[]RecordedEvent](t)(s.Events(ctx, EventFilter{}))
	dir := t.TempDir()
	files := must[[]string](t)(s.WriteTrailFiles(ctx, dir))
	var trail strings.Builder
	for _, f := range files {
		trail.WriteString(readGzip(t, f))
	}
	hidden := 0
	for _, e := range events {
		for _, secret := range secrets {
			if strings.Contains(e.Record, secret) {
				t.Errorf("%s records a secret: %s", e.Name, e.Record)
			}
		}
		hidden += strings.Count(e.Record, Hidden)
	}
	for _, secret := range secrets {
		if strings.Contains(trail.String(), secret) {
			t.Errorf("a trail file holds %q", secret)
		}
	}
	if hidden < 6 {
		t.Errorf("%d fields hidden, want at least 6 (two passwords, two secret values, a failed modify, the recorded event)", hidden)
	}
}

func readGzip(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := zr.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

func TestLookupEventsPagingAndThrottle(t *testing.T) {
	s, clk := testSim(t)
	ctx := context.Background()
	base := clk.Now()
	for i := range 120 {
		if err := s.RecordEvent(ctx, Event{Account: "111111111111", Region: "eu-west-1", Identity: "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_1a2b3c/ann@acme.example",
			Time: base.Add(-time.Duration(i) * time.Minute), Service: "rds", Name: []string{"DescribeDBInstances", "ModifyDBInstance"}[i%2], ReadOnly: i%2 == 0,
			Resources: []EventResource{{Type: "AWS::RDS::DBInstance", Name: "orders", ARN: "arn:aws:rds:eu-west-1:111111111111:db:orders"}}}); err != nil {
			t.Fatal(err)
		}
	}
	// An event in another region and another account are not served.
	s.RecordEvent(ctx, Event{Account: "111111111111", Region: "us-east-1", Identity: "arn:aws:iam::111111111111:user/x", Time: base, Service: "rds", Name: "ModifyDBInstance"})
	s.RecordEvent(ctx, Event{Account: "222222222222", Region: "eu-west-1", Identity: "arn:aws:iam::222222222222:user/x", Time: base, Service: "rds", Name: "ModifyDBInstance"})
	clk.Advance(time.Second)
	a, err := s.Account(ctx, cloud.Target{Region: "eu-west-1", RoleARN: "arn:aws:iam::111111111111:role/envbench-deployer", SessionName: "envbench-audit"})
	if err != nil {
		t.Fatal(err)
	}
	lookup := cloud.Lookup{Attribute: &cloud.LookupAttribute{Key: "ResourceName", Value: "orders"}}
	var all []cloud.TrailEvent
	pages := 0
	for {
		page, next, err := a.LookupEvents(ctx, lookup)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page) > 50 {
			t.Fatalf("a page of %d", len(page))
		}
		all = append(all, page...)
		// A third request within the second is throttled, retryably.
		if pages == 2 {
			_, _, err := a.LookupEvents(ctx, lookup)
			var ae *cloud.APIError
			if !cloud.IsRetryable(err) || !errors.As(err, &ae) || ae.Code != "ThrottlingException" {
				t.Fatalf("a third lookup in a second: %v", err)
			}
		}
		clk.Advance(500 * time.Millisecond)
		if next == "" {
			break
		}
		lookup.NextToken = next
	}
	if pages != 3 || len(all) != 120 {
		t.Fatalf("%d pages, %d events; want 3 pages of 120 events", pages, len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Time.After(all[i-1].Time) {
			t.Fatalf("event %d is newer than event %d", i, i-1)
		}
	}
	clk.Advance(time.Second)
	page, _ := must2(t)(a.LookupEvents(ctx, cloud.Lookup{Attribute: &cloud.LookupAttribute{Key: "EventName", Value: "ModifyDBInstance"}, MaxResults: 10}))
	if len(page) != 10 || slices.ContainsFunc(page, func(e cloud.TrailEvent) bool {
		return e.Name != "ModifyDBInstance" || e.ReadOnly || e.Username != "ann@acme.example"
	}) {
		t.Errorf("by event name: %+v", page)
	}
	page, _ = must2(t)(a.LookupEvents(ctx, cloud.Lookup{Start: base.Add(-10 * time.Minute), End: base.Add(-5 * time.Minute)}))
	if len(page) != 6 {
		t.Errorf("a 5 minute window: %d events, want 6", len(page))
	}
	clk.Advance(time.Second)
	for _, bad := range []cloud.Lookup{
		{NextToken: "garbage!"},
		{MaxResults: 51},
		{Attribute: &cloud.LookupAttribute{Key: "Colour", Value: "blue"}},
		{NextToken: pageToken{at: 1, seq: 1, filter: "other"}.String()},
	} {
		clk.Advance(time.Second)
		if _, _, err := a.LookupEvents(ctx, bad); !errors.Is(err, cloud.ErrInvalidParameter) {
			t.Errorf("%+v: %v, want an invalid parameter", bad, err)
		}
	}
}

func must2(t *testing.T) func([]cloud.TrailEvent, string, error) ([]cloud.TrailEvent, string) {
	return func(e []cloud.TrailEvent, n string, err error) ([]cloud.TrailEvent, string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return e, n
	}
}

func TestThrottleAcrossSims(t *testing.T) {
	c := newClock()
	path := filepath.Join(t.TempDir(), "aws.db")
	one, err := Open(path, Options{Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	two, err := Open(path, Options{Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer two.Close()
	ctx := context.Background()
	a1 := must[*Account](t)(one.Account(ctx, cloud.Target{}))
	a2 := must[*Account](t)(two.Account(ctx, cloud.Target{}))
	must2(t)(a1.LookupEvents(ctx, cloud.Lookup{}))
	must2(t)(a2.LookupEvents(ctx, cloud.Lookup{}))
	if _, _, err := a1.LookupEvents(ctx, cloud.Lookup{}); !cloud.IsRetryable(err) {
		t.Errorf("the third lookup, from the first Sim: %v, want throttled", err)
	}
	c.Advance(time.Second)
	must2(t)(a1.LookupEvents(ctx, cloud.Lookup{}))
}

func TestTrailFiles(t *testing.T) {
	s, clk := testSim(t)
	ctx := context.Background()
	base := time.Date(2026, 11, 28, 23, 58, 0, 0, time.UTC)
	for i, m := range []int{0, 1, 3, 7, 12} { // 23:58, 23:59 | 00:01 | 00:05 | 00:10
		if err := s.RecordEvent(ctx, Event{Account: "111111111111", Region: "eu-west-1", Identity: "arn:aws:iam::111111111111:user/ops", Time: base.Add(time.Duration(m) * time.Minute),
			Service: "ec2", Name: "CreateTags", RequestParameters: map[string]any{"n": i}}); err != nil {
			t.Fatal(err)
		}
	}
	must[*Account](t)(s.Account(ctx, cloud.Target{}))
	_ = clk
	dir := t.TempDir()
	files := must[[]string](t)(s.WriteTrailFiles(ctx, dir))
	name := regexp.MustCompile(`^AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d\d)/(\d\d)/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8}T\d{4}Z)_([A-Za-z0-9]{16})\.json\.gz$`)
	var stamps []string
	counts := map[string]int{}
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		m := name.FindStringSubmatch(filepath.ToSlash(rel))
		if m == nil {
			t.Fatalf("%s is not in CloudTrail's layout", rel)
		}
		if m[1] != m[6] || m[2] != m[7] || m[8][:8] != m[3]+m[4]+m[5] {
			t.Errorf("%s: the name and its folders disagree", rel)
		}
		var doc struct{ Records []map[string]any }
		if err := json.Unmarshal([]byte(readGzip(t, f)), &doc); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if m[1] == "111111111111" {
			stamps = append(stamps, m[8])
			counts[m[8]] = len(doc.Records)
		}
		for _, r := range doc.Records {
			if r["recipientAccountId"] != m[1] || r["awsRegion"] != m[2] {
				t.Errorf("%s holds a record of %v %v", rel, r["recipientAccountId"], r["awsRegion"])
			}
		}
	}
	want := []string{"20261128T2355Z", "20261129T0000Z", "20261129T0005Z", "20261129T0010Z"}
	if !slices.Equal(stamps, want) {
		t.Errorf("files %v, want %v", stamps, want)
	}
	if counts["20261128T2355Z"] != 2 || counts["20261129T0000Z"] != 1 {
		t.Errorf("records per file %v", counts)
	}
	again := must[[]string](t)(s.WriteTrailFiles(ctx, dir))
	if !slices.Equal(files, again) {
		t.Error("writing again makes other files")
	}
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if !d.IsDir() {
			n++
		}
		return nil
	})
	if n != len(files) {
		t.Errorf("%d files on disk, %d written", n, len(files))
	}
}

func TestDataEventsAndEventFilters(t *testing.T) {
	s, clk := testSim(t)
	ctx := context.Background()
	a := connect(t, s, "222222222222")
	if err := a.CreateBucket(ctx, "qa-journal", nil); err != nil {
		t.Fatal(err)
	}
	must[cloud.Object](t)(a.PutObject(ctx, "qa-journal", "runs/1.jsonl", []byte("{}"), cloud.Condition{}))
	clk.Advance(time.Second)
	page, _ := must2(t)(a.LookupEvents(ctx, cloud.Lookup{}))
	for _, e := range page {
		if e.Name == "PutObject" {
			t.Error("LookupEvents serves an S3 data event")
		}
	}
	if !slices.ContainsFunc(page, func(e cloud.TrailEvent) bool { return e.Name == "CreateBucket" }) {
		t.Error("LookupEvents lacks CreateBucket")
	}
	put := must[[]RecordedEvent](t)(s.Events(ctx, EventFilter{Name: "PutObject"}))
	if len(put) != 1 || !strings.Contains(put[0].Record, `"managementEvent":false`) || !strings.Contains(put[0].Record, `"eventCategory":"Data"`) {
		t.Errorf("the data event: %+v", put)
	}
	if got := must[[]RecordedEvent](t)(s.Events(ctx, EventFilter{Resource: "qa-journal", Account: "222222222222"})); len(got) != 2 {
		t.Errorf("events of the bucket: %d, want CreateBucket and PutObject", len(got))
	}
	if got := must[[]RecordedEvent](t)(s.Events(ctx, EventFilter{Since: clk.Now(), Region: "eu-west-1"})); len(got) != 1 || got[0].Name != "LookupEvents" {
		t.Errorf("events since the lookup: %+v", got)
	}
	for _, bad := range []Event{
		{Account: "12", Identity: "arn:aws:iam::111111111111:user/x", Time: clk.Now(), Service: "rds", Name: "X"},
		{Account: "111111111111", Identity: "dana", Time: clk.Now(), Service: "rds", Name: "X"},
		{Account: "111111111111", Identity: "arn:aws:iam::111111111111:user/x", Service: "rds", Name: "X"},
		{Account: "111111111111", Identity: "arn:aws:iam::111111111111:user/x", Time: clk.Now(), Name: "X"},
	} {
		if err := s.RecordEvent(ctx, bad); err == nil {
			t.Errorf("%+v is recorded", bad)
		}
	}
}

func TestPersonChangesAreTheirs(t *testing.T) {
	seed, err := ParseSeed("seed.yaml", []byte(`accounts:
  - id: "111111111111"
    roles: [{name: envbench-deployer}]
    resources:
      db_instances: [{id: orders, class: db.t4g.micro, engine: postgres, storage_gb: 20}]
people:
  - {name: Dana, email: dana@acme.example, sso_role: AWSReservedSSO_AdministratorAccess_5f1d2c3b4a697887}
`))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := testSim(t)
	ctx := context.Background()
	if err := s.Apply(ctx, seed); err != nil {
		t.Fatal(err)
	}
	dana, err := s.Person(ctx, "dana@acme.example", "111111111111", "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dana.ModifyInstance(ctx, "orders", "db.r6g.large", ""); err != nil {
		t.Fatal(err)
	}
	ev := must[[]RecordedEvent](t)(s.Events(ctx, EventFilter{Name: "ModifyDBInstance"}))
	if len(ev) != 1 || ev[0].Username != "dana@acme.example" {
		t.Fatalf("events %+v", ev)
	}
	var rec struct {
		UserIdentity struct {
			Type           string
			ARN            string
			SessionContext struct {
				SessionIssuer struct{ ARN, UserName string }
			}
		}
		RequestParameters map[string]any
	}
	if err := json.Unmarshal([]byte(ev[0].Record), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.UserIdentity.Type != "AssumedRole" || rec.UserIdentity.ARN != "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_AdministratorAccess_5f1d2c3b4a697887/dana@acme.example" ||
		rec.UserIdentity.SessionContext.SessionIssuer.UserName != "AWSReservedSSO_AdministratorAccess_5f1d2c3b4a697887" ||
		rec.RequestParameters["dBInstanceClass"] != "db.r6g.large" {
		t.Errorf("record %+v", rec)
	}
}
