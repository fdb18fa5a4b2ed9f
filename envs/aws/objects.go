package aws

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/envbench/envbench/envs/cloud"
)

// objects is cloud.Objects on S3.
type objects struct {
	c   *s3.Client
	loc location
}

var _ cloud.Objects = (*objects)(nil)

func objectRef(bucket, key string) ref {
	b := bucketRef(bucket)
	return ref{Type: "S3 object", ID: "s3://" + bucket + "/" + key, In: &b}
}

func bucketRef(bucket string) ref { return ref{Type: "S3 bucket", ID: bucket} }

func (o *objects) CreateBucket(ctx context.Context, bucket string, tags map[string]string) error {
	in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
	if o.loc.region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(o.loc.region)}
	}
	if _, err := o.c.CreateBucket(ctx, in); err != nil {
		return fmt.Errorf("create S3 bucket %s: %w", bucket, classify("s3", "CreateBucket", bucketRef(bucket), err))
	}
	if len(tags) == 0 {
		return nil
	}
	tagging := &s3types.Tagging{}
	for _, k := range sortedKeys(tags) {
		tagging.TagSet = append(tagging.TagSet, s3types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	if _, err := o.c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(bucket), Tagging: tagging}); err != nil {
		return fmt.Errorf("tag S3 bucket %s: %w", bucket, classify("s3", "PutBucketTagging", bucketRef(bucket), err))
	}
	return nil
}

// PutObject writes body under key; with a condition, only when it holds
// (S3's If-None-Match and If-Match), else *cloud.APIError of kind
// ErrPreconditionFailed.
func (o *objects) PutObject(ctx context.Context, bucket, key string, body []byte, c cloud.Condition) (cloud.Object, error) {
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body)))}
	if c.IfNoneMatch != "" {
		in.IfNoneMatch = aws.String(c.IfNoneMatch)
	}
	if c.IfMatch != "" {
		in.IfMatch = aws.String(c.IfMatch)
	}
	out, err := o.c.PutObject(ctx, in)
	if err != nil {
		return cloud.Object{}, fmt.Errorf("write s3://%s/%s: %w", bucket, key, classify("s3", "PutObject", objectRef(bucket, key), err))
	}
	return cloud.Object{Key: key, ETag: aws.ToString(out.ETag), Size: int64(len(body))}, nil
}

func (o *objects) GetObject(ctx context.Context, bucket, key string) ([]byte, cloud.Object, error) {
	out, err := o.c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, cloud.Object{}, fmt.Errorf("read s3://%s/%s: %w", bucket, key, classify("s3", "GetObject", objectRef(bucket, key), err))
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, cloud.Object{}, fmt.Errorf("read s3://%s/%s: %w", bucket, key, classify("s3", "GetObject", objectRef(bucket, key), err))
	}
	return body, cloud.Object{Key: key, ETag: aws.ToString(out.ETag), Size: int64(len(body))}, nil
}

func (o *objects) ListObjects(ctx context.Context, bucket, prefix string) ([]cloud.Object, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}
	if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	var list []cloud.Object
	p := s3.NewListObjectsV2Paginator(o.c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, classify("s3", "ListObjectsV2", bucketRef(bucket), err))
		}
		for _, obj := range page.Contents {
			list = append(list, cloud.Object{Key: aws.ToString(obj.Key), ETag: aws.ToString(obj.ETag), Size: aws.ToInt64(obj.Size)})
		}
	}
	return list, nil
}

// DeleteObject deletes key. As on S3, deleting a key that does not exist
// succeeds; a bucket that does not exist is NotFound.
func (o *objects) DeleteObject(ctx context.Context, bucket, key string) error {
	if _, err := o.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		return fmt.Errorf("delete s3://%s/%s: %w", bucket, key, classify("s3", "DeleteObject", objectRef(bucket, key), err))
	}
	return nil
}

func (o *objects) DeleteBucket(ctx context.Context, bucket string) error {
	if _, err := o.c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return fmt.Errorf("delete S3 bucket %s: %w", bucket, classify("s3", "DeleteBucket", bucketRef(bucket), err))
	}
	return nil
}
