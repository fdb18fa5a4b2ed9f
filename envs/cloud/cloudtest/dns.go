package cloudtest

import (
	"context"
	"strings"
	"testing"

	"github.com/envbench/envbench/envs/cloud"
)

func (s *suite) dns(t *testing.T) {
	ctx := context.Background()
	r := s.primary.DNS
	vpc, err := s.primary.Network.CreateVPC(ctx, "10.93.0.0/16", s.tags)
	must(t, err, "create the zone's VPC")
	t.Cleanup(func() { _ = s.primary.Network.DeleteVPC(context.Background(), vpc.ID) })

	zoneName := s.prefix + ".envbench.internal."
	zone, err := r.CreateZone(ctx, strings.TrimSuffix(zoneName, "."), true, vpc.ID, s.tags)
	must(t, err, "create a private zone")
	if zone.ID == "" || strings.Contains(zone.ID, "/") || zone.Name != zoneName || !zone.Private {
		t.Errorf("zone %+v: want a bare id, the name %s, private", zone, zoneName)
	}
	zones, err := r.Zones(ctx)
	must(t, err, "list zones")
	found := false
	for _, z := range zones {
		if z.ID == zone.ID {
			found = true
			if z.Name != zoneName || !z.Private {
				t.Errorf("listed %+v", z)
			}
			hasTags(t, z.Tags, s.tags, "listed zone")
		}
	}
	if !found {
		t.Errorf("zone %s not listed", zone.ID)
	}

	rec := cloud.Record{Name: "orders-db." + zoneName, Type: "CNAME", TTL: 60, Values: []string{"gen1.example.com"}}
	insync := func(change string) {
		t.Helper()
		if change == "" || strings.Contains(change, "/") {
			t.Errorf("change id %q: want a bare id", change)
		}
		s.await(t, "change "+change+" in sync", func(ctx context.Context) (bool, error) {
			status, err := r.ChangeStatus(ctx, change)
			if err == nil && status != cloud.ChangePending && status != cloud.ChangeInSync {
				t.Errorf("change status %q", status)
			}
			return status == cloud.ChangeInSync, err
		})
	}
	recordValues := func() []string {
		t.Helper()
		recs, err := r.Records(ctx, zone.ID)
		must(t, err, "list records")
		for _, x := range recs {
			if x.Name == rec.Name && x.Type == rec.Type {
				if x.TTL != rec.TTL {
					t.Errorf("record %+v: want TTL %d", x, rec.TTL)
				}
				return x.Values
			}
		}
		return nil
	}
	change, err := r.UpsertRecord(ctx, zone.ID, rec)
	must(t, err, "create a record")
	insync(change)
	if got := recordValues(); len(got) != 1 || got[0] != "gen1.example.com" {
		t.Errorf("record values %v, want gen1.example.com", got)
	}
	rec.Values = []string{"gen2.example.com"}
	change, err = r.UpsertRecord(ctx, zone.ID, rec)
	must(t, err, "repoint the record")
	insync(change)
	if got := recordValues(); len(got) != 1 || got[0] != "gen2.example.com" {
		t.Errorf("repointed record values %v, want gen2.example.com", got)
	}
	change, err = r.DeleteRecord(ctx, zone.ID, rec)
	must(t, err, "delete the record")
	insync(change)
	if got := recordValues(); got != nil {
		t.Errorf("deleted record still has %v", got)
	}
	must(t, r.DeleteZone(ctx, zone.ID), "delete the zone")

	_, err = r.Records(ctx, zone.ID)
	wantKind(t, err, cloud.ErrNotFound, "list the records of a deleted zone")
	_, err = r.UpsertRecord(ctx, zone.ID, rec)
	wantKind(t, err, cloud.ErrNotFound, "upsert into a deleted zone")
	wantKind(t, r.DeleteZone(ctx, zone.ID), cloud.ErrNotFound, "delete a deleted zone")
	t.Run("MissingChange", func(t *testing.T) {
		s.gap(t, ChangeNotFound, "reading a change that does not exist succeeds")
		_, err := r.ChangeStatus(ctx, "C0000000000000000000")
		wantKind(t, err, cloud.ErrNotFound, "read a missing change")
	})
}
