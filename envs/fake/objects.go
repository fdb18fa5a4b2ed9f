package fake

import (
	"context"
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"

	"github.com/envbench/envbench/envs/cloud"
)

type bucketAttrs struct {
	Region string `json:"region"`
}

var bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// bucketRow finds a bucket by name; bucket names are global, so another
// account's bucket is found too (callers check the owner).
func (a *Account) bucketRow(tx *sql.Tx, bucket string) (*row, error) {
	r, err := rowByARN(tx, "arn:aws:s3:::"+bucket)
	if err == nil && r == nil {
		err = notFound("NoSuchBucket", "bucket", bucket)
	}
	return r, err
}

func (a *Account) ownBucket(tx *sql.Tx, bucket string) (*row, error) {
	r, err := a.bucketRow(tx, bucket)
	if err != nil {
		return nil, err
	}
	if r.Account != a.id {
		return nil, apiError("AccessDenied", cloud.ErrAccessDenied, "Access Denied")
	}
	return r, nil
}

func bucketResource(bucket string) []eventResource {
	return []eventResource{{Type: typeBucket, Name: bucket, ARN: "arn:aws:s3:::" + bucket}}
}

func objectResources(bucket, key string) []eventResource {
	return []eventResource{{Type: "AWS::S3::Object", Name: bucket + "/" + key, ARN: "arn:aws:s3:::" + bucket + "/" + key}, bucketResource(bucket)[0]}
}

// CreateBucket implements cloud.Objects. Bucket names are global: a name
// another account holds fails with BucketAlreadyExists.
func (a *Account) CreateBucket(ctx context.Context, bucket string, tags map[string]string) error {
	o := op{service: "s3", name: "CreateBucket", params: map[string]any{"bucketName": bucket, "Host": bucket + ".s3." + a.region + ".amazonaws.com"}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		if !bucketPattern.MatchString(bucket) || strings.Contains(bucket, "..") {
			return result{}, invalid("InvalidBucketName", "The specified bucket is not valid: %q", bucket)
		}
		old, err := rowByARN(tx, "arn:aws:s3:::"+bucket)
		if err != nil {
			return result{}, err
		}
		if old != nil {
			if old.Account == a.id {
				return result{}, apiError("BucketAlreadyOwnedByYou", nil, "Your previous request to create the named bucket succeeded and you already own it.")
			}
			return result{}, apiError("BucketAlreadyExists", nil, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.")
		}
		r := &row{Account: a.id, Region: globalRegion, Type: typeBucket, ID: bucket, ARN: "arn:aws:s3:::" + bucket, Created: a.sim.now(), Tags: cloneTags(tags)}
		return result{resources: bucketResource(bucket)}, putRow(tx, r, bucketAttrs{Region: a.region})
	})
}

func etag(body []byte) string {
	sum := md5.Sum(body)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// PutObject implements cloud.Objects, with S3's conditional writes: a
// condition that does not hold fails with PreconditionFailed (matching
// cloud.ErrPreconditionFailed).
func (a *Account) PutObject(ctx context.Context, bucket, key string, body []byte, c cloud.Condition) (cloud.Object, error) {
	var obj cloud.Object
	params := map[string]any{"bucketName": bucket, "key": key}
	if c.IfNoneMatch != "" {
		params["If-None-Match"] = c.IfNoneMatch
	}
	if c.IfMatch != "" {
		params["If-Match"] = c.IfMatch
	}
	o := op{service: "s3", name: "PutObject", data: true, params: params}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		if key == "" || len(key) > 1024 {
			return result{}, invalid("KeyTooLongError", "an object key is 1 to 1024 bytes")
		}
		if c.IfNoneMatch != "" && c.IfNoneMatch != "*" {
			return result{}, invalid("NotImplemented", "If-None-Match supports only *")
		}
		if _, err := a.ownBucket(tx, bucket); err != nil {
			return result{}, err
		}
		var cur string
		err := tx.QueryRow(`SELECT etag FROM objects WHERE bucket = ? AND key = ?`, bucket, key).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return result{}, err
		}
		exists := err == nil
		if c.IfNoneMatch == "*" && exists {
			return result{}, apiError("PreconditionFailed", cloud.ErrPreconditionFailed, "At least one of the pre-conditions you specified did not hold (If-None-Match: * and %s exists)", key)
		}
		if c.IfMatch != "" && (!exists || cur != c.IfMatch) {
			if !exists {
				return result{}, notFound("NoSuchKey", "object", bucket+"/"+key)
			}
			return result{}, apiError("PreconditionFailed", cloud.ErrPreconditionFailed, "At least one of the pre-conditions you specified did not hold (If-Match %s, current ETag %s)", c.IfMatch, cur)
		}
		obj = cloud.Object{Key: key, ETag: etag(body), Size: int64(len(body))}
		_, err = tx.Exec(`INSERT INTO objects (bucket, key, body, etag) VALUES (?, ?, ?, ?)
			ON CONFLICT (bucket, key) DO UPDATE SET body = excluded.body, etag = excluded.etag`, bucket, key, body, obj.ETag)
		return result{response: map[string]any{"x-amz-server-side-encryption": "AES256"}, resources: objectResources(bucket, key)}, err
	})
	return obj, err
}

// GetObject implements cloud.Objects.
func (a *Account) GetObject(ctx context.Context, bucket, key string) ([]byte, cloud.Object, error) {
	var body []byte
	obj := cloud.Object{Key: key}
	o := op{service: "s3", name: "GetObject", readOnly: true, data: true, params: map[string]any{"bucketName": bucket, "key": key}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		if _, err := a.ownBucket(tx, bucket); err != nil {
			return result{}, err
		}
		err := tx.QueryRow(`SELECT body, etag FROM objects WHERE bucket = ? AND key = ?`, bucket, key).Scan(&body, &obj.ETag)
		if errors.Is(err, sql.ErrNoRows) {
			return result{}, notFound("NoSuchKey", "object", bucket+"/"+key)
		}
		obj.Size = int64(len(body))
		return result{resources: objectResources(bucket, key)}, err
	})
	if err != nil {
		return nil, cloud.Object{}, err
	}
	return body, obj, nil
}

// ListObjects implements cloud.Objects, by key.
func (a *Account) ListObjects(ctx context.Context, bucket, prefix string) ([]cloud.Object, error) {
	var out []cloud.Object
	o := op{service: "s3", name: "ListObjects", readOnly: true, params: map[string]any{"bucketName": bucket, "prefix": prefix, "list-type": "2"}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		if _, err := a.ownBucket(tx, bucket); err != nil {
			return result{}, err
		}
		rows, err := tx.Query(`SELECT key, etag, length(body) FROM objects WHERE bucket = ? AND (? = '' OR instr(key, ?) = 1) ORDER BY key`, bucket, prefix, prefix)
		if err != nil {
			return result{}, err
		}
		defer rows.Close()
		for rows.Next() {
			var ob cloud.Object
			if err := rows.Scan(&ob.Key, &ob.ETag, &ob.Size); err != nil {
				return result{}, err
			}
			out = append(out, ob)
		}
		return result{resources: bucketResource(bucket)}, rows.Err()
	})
	return out, err
}

// DeleteObject implements cloud.Objects; deleting a missing key succeeds,
// as on S3.
func (a *Account) DeleteObject(ctx context.Context, bucket, key string) error {
	o := op{service: "s3", name: "DeleteObject", data: true, params: map[string]any{"bucketName": bucket, "key": key}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		if _, err := a.ownBucket(tx, bucket); err != nil {
			return result{}, err
		}
		_, err := tx.Exec(`DELETE FROM objects WHERE bucket = ? AND key = ?`, bucket, key)
		return result{resources: objectResources(bucket, key)}, err
	})
}

// DeleteBucket implements cloud.Objects: a bucket with objects fails with
// BucketNotEmpty (matching cloud.ErrDependencyViolation).
func (a *Account) DeleteBucket(ctx context.Context, bucket string) error {
	o := op{service: "s3", name: "DeleteBucket", params: map[string]any{"bucketName": bucket}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := a.ownBucket(tx, bucket)
		if err != nil {
			return result{}, err
		}
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM objects WHERE bucket = ?`, bucket).Scan(&n); err != nil {
			return result{}, err
		}
		if n > 0 {
			return result{}, &codedError{Code: "BucketNotEmpty", Err: &cloud.DependencyViolationError{Resource: bucket, Message: "The bucket you tried to delete is not empty"}}
		}
		return result{resources: bucketResource(bucket)}, deleteRow(tx, r)
	})
}

// BucketTags reads a bucket's tags (GetBucketTagging).
func (a *Account) BucketTags(ctx context.Context, bucket string) (map[string]string, error) {
	var tags map[string]string
	o := op{service: "s3", name: "GetBucketTagging", readOnly: true, params: map[string]any{"bucketName": bucket, "tagging": ""}}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := a.ownBucket(tx, bucket)
		if err != nil {
			return result{}, err
		}
		tags = cloneTags(r.Tags)
		return result{resources: bucketResource(bucket)}, nil
	})
	return tags, err
}

// PutBucketTags replaces a bucket's tags (PutBucketTagging).
func (a *Account) PutBucketTags(ctx context.Context, bucket string, tags map[string]string) error {
	o := op{service: "s3", name: "PutBucketTagging", params: map[string]any{"bucketName": bucket, "tagging": "", "Tagging": map[string]any{"TagSet": map[string]any{"Tag": tagList(tags)}}}}
	return a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		r, err := a.ownBucket(tx, bucket)
		if err != nil {
			return result{}, err
		}
		r.Tags = cloneTags(tags)
		return result{resources: bucketResource(bucket)}, setTags(tx, r)
	})
}

// Buckets lists this account's buckets (ListBuckets), by name.
func (a *Account) Buckets(ctx context.Context) ([]string, error) {
	var out []string
	err := a.do(ctx, op{service: "s3", name: "ListBuckets", readOnly: true}, func(tx *sql.Tx) (result, error) {
		rows, err := listRows(tx, a.id, globalRegion, typeBucket, "")
		for _, r := range rows {
			out = append(out, r.ID)
		}
		return result{}, err
	})
	return out, err
}
