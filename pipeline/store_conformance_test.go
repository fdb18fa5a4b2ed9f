package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/envbench/envbench/envs/aws"
	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/cloud/cloudtest"
	"github.com/envbench/envbench/envs/fake"
	"github.com/envbench/envbench/pipeline"
	"github.com/envbench/envbench/pipeline/storetest"
)

var buckets atomic.Int64

// bucketIn makes a new bucket in objs for one test.
func bucketIn(t *testing.T, objs cloud.Objects) string {
	t.Helper()
	name := fmt.Sprintf("envbench-state-%d", buckets.Add(1))
	if err := objs.CreateBucket(context.Background(), name, nil); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	return name
}

// simObjects is the S3 of a new simulated account.
func simObjects(t *testing.T) cloud.Objects {
	t.Helper()
	s, err := fake.Open(filepath.Join(t.TempDir(), "sim", "aws.db"), fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	a, err := s.Connect(context.Background(), cloud.Target{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	return a.Objects
}

// motoObjects is the S3 of moto's server at endpoint.
func motoObjects(t *testing.T, endpoint string) cloud.Objects {
	t.Helper()
	c := &aws.Connector{Endpoint: endpoint, Credentials: credentials.NewStaticCredentialsProvider("AKIAENVBENCHTEST0001", "moto-secret", ""), MaxAttempts: 1}
	a, err := c.Connect(context.Background(), cloud.Target{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	return a.Objects
}

func s3Journal(t *testing.T, objs cloud.Objects) pipeline.S3Journal {
	return pipeline.S3Journal{Objects: objs, Bucket: bucketIn(t, objs), Prefix: "team/envbench"}
}

// tearS3 leaves a record after the run's last that is cut mid-write.
func tearS3(t *testing.T, j pipeline.Journal, env, runID string) {
	t.Helper()
	sj := j.(pipeline.S3Journal)
	if _, err := sj.Objects.PutObject(context.Background(), sj.Bucket, sj.RecordKey(env, runID, 99), []byte(`{"seq":99,"run_id":"`), cloud.Condition{}); err != nil {
		t.Fatal(err)
	}
}

// s3Backends are the S3s the suites run on: a simulated account, and
// moto's server (started once for parent, skipped without moto_server).
func s3Backends(parent *testing.T) map[string]func(t *testing.T) cloud.Objects {
	parent.Helper()
	var endpoint string
	return map[string]func(t *testing.T) cloud.Objects{
		"simulated": simObjects,
		"moto": func(t *testing.T) cloud.Objects {
			if endpoint == "" {
				endpoint = cloudtest.StartMoto(t)
			}
			return motoObjects(t, endpoint)
		},
	}
}

func TestJournalConformance(t *testing.T) {
	t.Run("local", func(t *testing.T) {
		storetest.Journal(t, storetest.JournalBackend{
			Open: func(t *testing.T) pipeline.Journal { return pipeline.LocalJournal{Root: t.TempDir()} },
			Tear: func(t *testing.T, j pipeline.Journal, env, runID string) {
				path := pipeline.JournalPath(j.(pipeline.LocalJournal).Root, env, runID)
				f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if _, err := f.WriteString(`{"seq":5,"run`); err != nil {
					t.Fatal(err)
				}
			},
		})
	})
	for name, objects := range s3Backends(t) {
		t.Run(name, func(t *testing.T) {
			objs := objects(t)
			storetest.Journal(t, storetest.JournalBackend{
				Open: func(t *testing.T) pipeline.Journal { return s3Journal(t, objs) },
				Tear: tearS3,
			})
		})
	}
}

func TestLocksConformance(t *testing.T) {
	t.Run("local", func(t *testing.T) {
		storetest.Locks(t, storetest.LocksBackend{Open: func(t *testing.T) (pipeline.Locker, pipeline.Journal) {
			root := t.TempDir()
			return pipeline.LocalLocks{Root: root}, pipeline.LocalJournal{Root: root}
		}})
	})
	for name, objects := range s3Backends(t) {
		t.Run(name, func(t *testing.T) {
			objs := objects(t)
			storetest.Locks(t, storetest.LocksBackend{Open: func(t *testing.T) (pipeline.Locker, pipeline.Journal) {
				j := s3Journal(t, objs)
				return pipeline.S3Locks{Objects: objs, Bucket: j.Bucket, Prefix: j.Prefix, Journal: j}, j
			}})
		})
	}
}
