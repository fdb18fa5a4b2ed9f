package cloudtest

import (
	"context"
	"testing"

	"github.com/envbench/envbench/envs/cloud"
)

func (s *suite) trail(t *testing.T) {
	ctx := context.Background()
	tr := s.primary.Trail
	if _, _, err := tr.LookupEvents(ctx, cloud.Lookup{MaxResults: 51}); err == nil {
		t.Error("a page of 51 events was accepted: CloudTrail gives 50 at most")
	}
	if _, _, err := tr.LookupEvents(ctx, cloud.Lookup{Attribute: &cloud.LookupAttribute{Key: "Colour", Value: "red"}}); err == nil {
		t.Error("an unknown lookup attribute was accepted")
	}
	s.gap(t, TrailEvents, "LookupEvents does not return the calls made")

	// The suite's own calls made these events; CloudTrail may take a while
	// to show them.
	filter := &cloud.LookupAttribute{Key: "EventName", Value: "CreateKey"}
	var events []cloud.TrailEvent
	s.await(t, "CreateKey events in CloudTrail", func(ctx context.Context) (bool, error) {
		var err error
		events, _, err = tr.LookupEvents(ctx, cloud.Lookup{Attribute: filter})
		return len(events) >= 2, err
	})
	for _, e := range events {
		if e.Name != "CreateKey" || e.ID == "" || e.Time.IsZero() || e.Source != "kms.amazonaws.com" || e.Record == "" {
			t.Errorf("filtered on CreateKey, got %+v", e)
		}
	}

	seen := map[string]bool{}
	next := ""
	pages := 0
	var last cloud.TrailEvent
	for pages < 3 {
		page, token := s.lookupPage(t, cloud.Lookup{MaxResults: 1, NextToken: next})
		pages++
		if len(page) > 1 {
			t.Fatalf("page %d has %d events, asked for 1", pages, len(page))
		}
		for _, e := range page {
			if seen[e.ID] {
				t.Errorf("event %s on two pages", e.ID)
			}
			seen[e.ID] = true
			if !last.Time.IsZero() && e.Time.After(last.Time) {
				t.Errorf("event %s at %s after %s at %s: want newest first", e.ID, e.Time, last.ID, last.Time)
			}
			last = e
		}
		if token == "" {
			break
		}
		next = token
	}
	if len(seen) < 2 {
		t.Errorf("%d events over %d pages of 1: the suite made more", len(seen), pages)
	}
}

// lookupPage reads one page of events. CloudTrail allows 2 LookupEvents a
// second per account and region and throttles a faster caller, so a
// throttled page is read again once time has passed, as a caller on AWS
// must (envs/aws's SDK retries do it by themselves; the simulated account
// leaves it to its caller).
func (s *suite) lookupPage(t *testing.T, l cloud.Lookup) ([]cloud.TrailEvent, string) {
	t.Helper()
	var page []cloud.TrailEvent
	var token string
	s.await(t, "a page of events", func(ctx context.Context) (bool, error) {
		var err error
		page, token, err = s.primary.Trail.LookupEvents(ctx, l)
		if cloud.IsRetryable(err) {
			return false, nil
		}
		return err == nil, err
	})
	return page, token
}
