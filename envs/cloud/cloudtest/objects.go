package cloudtest

import (
	"context"
	"testing"

	"github.com/envbench/envbench/envs/cloud"
)

func (s *suite) objects(t *testing.T) {
	ctx := context.Background()
	o := s.primary.Objects
	bucket := s.name("journals")
	must(t, o.CreateBucket(ctx, bucket, s.tags), "create a bucket")
	key := "runs/qa/lock.json"

	first, err := o.PutObject(ctx, bucket, key, []byte(`{"holder":"a"}`), cloud.Condition{IfNoneMatch: "*"})
	must(t, err, "create the object if none")
	if first.ETag == "" || first.Key != key || first.Size != 14 {
		t.Errorf("written %+v", first)
	}
	_, err = o.PutObject(ctx, bucket, key, []byte(`{"holder":"b"}`), cloud.Condition{IfNoneMatch: "*"})
	wantKind(t, err, cloud.ErrPreconditionFailed, "create an object that exists, if none")

	body, got, err := o.GetObject(ctx, bucket, key)
	must(t, err, "read the object")
	if string(body) != `{"holder":"a"}` || got.ETag != first.ETag {
		t.Errorf("read %q with %s, want holder a with %s", body, got.ETag, first.ETag)
	}
	second, err := o.PutObject(ctx, bucket, key, []byte(`{"holder":"a","seq":2}`), cloud.Condition{IfMatch: first.ETag})
	must(t, err, "replace the object if it matches")
	if second.ETag == first.ETag {
		t.Errorf("new content, same ETag %s", second.ETag)
	}
	_, err = o.PutObject(ctx, bucket, key, []byte(`{"holder":"c"}`), cloud.Condition{IfMatch: first.ETag})
	wantKind(t, err, cloud.ErrPreconditionFailed, "replace the object with a stale ETag")
	body, _, err = o.GetObject(ctx, bucket, key)
	must(t, err, "read the object again")
	if string(body) != `{"holder":"a","seq":2}` {
		t.Errorf("after a refused write the object holds %q", body)
	}
	_, err = o.PutObject(ctx, bucket, "runs/qa/1.jsonl", []byte("{}\n"), cloud.Condition{})
	must(t, err, "write unconditionally")
	_, err = o.PutObject(ctx, bucket, "other/x", []byte("x"), cloud.Condition{})
	must(t, err, "write outside the prefix")

	list, err := o.ListObjects(ctx, bucket, "runs/")
	must(t, err, "list the prefix")
	sizes := map[string]int64{}
	for _, obj := range list {
		sizes[obj.Key] = obj.Size
	}
	if len(list) != 2 || sizes[key] != 22 || sizes["runs/qa/1.jsonl"] != 3 {
		t.Errorf("listed %+v, want the two objects under runs/ with their sizes", list)
	}

	_, _, err = o.GetObject(ctx, bucket, "runs/missing")
	wantKind(t, err, cloud.ErrNotFound, "read a missing object")
	if err := o.DeleteBucket(ctx, bucket); err == nil {
		t.Error("a bucket with objects was deleted")
	}
	for _, k := range []string{key, "runs/qa/1.jsonl", "other/x"} {
		must(t, o.DeleteObject(ctx, bucket, k), "delete "+k)
	}
	// As on S3, deleting a key that is not there succeeds.
	must(t, o.DeleteObject(ctx, bucket, key), "delete a deleted object")
	must(t, o.DeleteBucket(ctx, bucket), "delete the empty bucket")

	wantKind(t, o.DeleteBucket(ctx, bucket), cloud.ErrNotFound, "delete a deleted bucket")
	_, _, err = o.GetObject(ctx, bucket, key)
	wantKind(t, err, cloud.ErrNotFound, "read from a deleted bucket")
	_, err = o.ListObjects(ctx, bucket, "")
	wantKind(t, err, cloud.ErrNotFound, "list a deleted bucket")
	_, err = o.PutObject(ctx, bucket, key, []byte("x"), cloud.Condition{})
	wantKind(t, err, cloud.ErrNotFound, "write into a deleted bucket")
	wantKind(t, o.DeleteObject(ctx, bucket, key), cloud.ErrNotFound, "delete from a deleted bucket")
}
