package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/envs/cloud"
)

// TestLookupEventsRequest: a lookup is sent with its page size, filter,
// window and token, and CloudTrail's answer becomes plain events.
func TestLookupEventsRequest(t *testing.T) {
	var got map[string]any
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if target := r.Header.Get("X-Amz-Target"); !strings.HasSuffix(target, ".LookupEvents") {
			http.Error(w, "unexpected "+target, http.StatusBadRequest)
			return
		}
		got = nil
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		fmt.Fprint(w, `{"NextToken":"page-3","Events":[{"EventId":"e-1","EventName":"DeleteDBInstance","EventSource":"rds.amazonaws.com",
"EventTime":1764584100,"Username":"envbench-run-7","ReadOnly":"false","Resources":[{"ResourceType":"AWS::RDS::DBInstance","ResourceName":"orders"}],
"CloudTrailEvent":"{\"eventName\":\"DeleteDBInstance\"}"},{"EventId":"e-2","EventName":"DescribeDBInstances","ReadOnly":"true","EventTime":1764584000}]}`)
	}))
	defer hs.Close()
	acct := &cloud.Account{}
	cfg, err := testConnector(hs.URL).config(context.Background(), cloud.Target{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	fill(acct, cfg, "111122223333")
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	events, next, err := acct.Trail.LookupEvents(context.Background(), cloud.Lookup{
		Start: start, End: start.Add(time.Hour), MaxResults: 2, NextToken: "page-2",
		Attribute: &cloud.LookupAttribute{Key: "ResourceName", Value: "orders"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"MaxResults": float64(2), "NextToken": "page-2", "StartTime": float64(start.Unix()), "EndTime": float64(start.Add(time.Hour).Unix()),
		"LookupAttributes": []any{map[string]any{"AttributeKey": "ResourceName", "AttributeValue": "orders"}},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sent %v\nwant %v", got, want)
	}
	if next != "page-3" || len(events) != 2 {
		t.Fatalf("%d events, next %q", len(events), next)
	}
	e := events[0]
	if e.ID != "e-1" || e.Name != "DeleteDBInstance" || e.Source != "rds.amazonaws.com" || !e.Time.Equal(time.Unix(1764584100, 0)) ||
		e.Username != "envbench-run-7" || e.ReadOnly || len(e.Resources) != 1 || e.Resources[0] != (cloud.TrailResource{Type: "AWS::RDS::DBInstance", Name: "orders"}) ||
		e.Record != `{"eventName":"DeleteDBInstance"}` {
		t.Errorf("event %+v", e)
	}
	if !events[1].ReadOnly {
		t.Errorf("event %+v is read-only", events[1])
	}

	// Without a page size, CloudTrail's largest page is asked for.
	if _, _, err := acct.Trail.LookupEvents(context.Background(), cloud.Lookup{}); err != nil {
		t.Fatal(err)
	}
	if got["MaxResults"] != float64(50) || got["NextToken"] != nil {
		t.Errorf("a bare lookup sent %v", got)
	}
}
