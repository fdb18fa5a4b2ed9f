package fake

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/envbench/envbench/envs/cloud"
)

// BenchmarkCall is one call on the simulated account with its CloudTrail
// record (target: at most 1 ms): a Describe of an instance.
func BenchmarkCall(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "aws.db"), Options{Pace: &Pace{}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	a, err := s.Account(ctx, cloud.Target{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := a.CreateInstance(ctx, newDB("orders")); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.Instance(ctx, "orders"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallWrite is a call that changes something: a tag change.
func BenchmarkCallWrite(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "aws.db"), Options{Pace: &Pace{}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	a, err := s.Account(ctx, cloud.Target{})
	if err != nil {
		b.Fatal(err)
	}
	vpc, err := a.CreateVPC(ctx, "10.0.0.0/16", nil)
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		if err := a.TagResources(ctx, []string{vpc.ARN}, map[string]string{"n": fmt.Sprint(i)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookupEvents100k answers a LookupEvents page from a store of
// 100,000 events (target: at most 10 ms a page), unfiltered and by
// resource name, username and event name.
func BenchmarkLookupEvents100k(b *testing.B) {
	c := newClock()
	s, err := Open(filepath.Join(b.TempDir(), "aws.db"), Options{Clock: c.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	const n = 100_000
	base := c.Now()
	id, _ := parseIdentity("arn:aws:sts::999999999999:assumed-role/AWSReservedSSO_Admin_1a2b/ann@acme.example", base)
	err = s.write(ctx, func(tx *sql.Tx) error {
		for i := range n {
			ev := event{account: "999999999999", region: []string{"eu-west-1", "us-east-1"}[i%2], identity: id, at: base.Add(-time.Duration(i) * time.Second),
				source: "rds", name: []string{"DescribeDBInstances", "ModifyDBInstance", "CreateDBSnapshot"}[i%3], readOnly: i%3 == 0,
				params:    map[string]any{"dBInstanceIdentifier": fmt.Sprintf("db-%d", i%500)},
				resources: []eventResource{{Type: typeDBInstance, Name: fmt.Sprintf("db-%d", i%500), ARN: "arn"}}}
			if i%7 == 0 {
				ev.identity.Session = "bob@acme.example"
			}
			if err := s.record(tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	a, err := s.Account(ctx, cloud.Target{Region: "eu-west-1"})
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range []struct {
		name string
		attr *cloud.LookupAttribute
	}{
		{"all", nil},
		{"resource", &cloud.LookupAttribute{Key: "ResourceName", Value: "db-42"}},
		{"username", &cloud.LookupAttribute{Key: "Username", Value: "bob@acme.example"}},
		{"event", &cloud.LookupAttribute{Key: "EventName", Value: "ModifyDBInstance"}},
	} {
		b.Run(l.name, func(b *testing.B) {
			var next string
			for b.Loop() {
				c.Advance(time.Second) // stay under 2 requests a second
				page, nx, err := a.LookupEvents(ctx, cloud.Lookup{Attribute: l.attr, NextToken: next})
				if err != nil {
					b.Fatal(err)
				}
				if len(page) == 0 {
					b.Fatal("an empty page")
				}
				next = nx
			}
		})
	}
}
