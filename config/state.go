package config

import (
	"fmt"
	"regexp"
	"strings"
)

// StateLocation is where a workspace keeps its run journals and locks. The
// zero value is local files; a Bucket is team mode, in S3.
type StateLocation struct {
	Bucket string
	// Prefix is the key prefix inside the bucket, without leading or
	// trailing slashes; empty is the bucket's root.
	Prefix string
}

// Shared reports whether the location is a bucket (team mode).
func (l StateLocation) Shared() bool { return l.Bucket != "" }

// String is the location as envbench.yaml writes it, or "local".
func (l StateLocation) String() string {
	if !l.Shared() {
		return "local"
	}
	if l.Prefix == "" {
		return "s3://" + l.Bucket
	}
	return "s3://" + l.Bucket + "/" + l.Prefix
}

var stateBucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// ParseStateLocation parses envbench.yaml's state: "s3://bucket" or
// "s3://bucket/prefix". The error says what is wrong with the value.
func ParseStateLocation(raw string) (StateLocation, error) {
	rest, ok := strings.CutPrefix(raw, "s3://")
	if !ok {
		scheme, _, found := strings.Cut(raw, "://")
		if found {
			return StateLocation{}, fmt.Errorf("state %q: scheme %q is not supported; want s3://bucket/prefix, or leave state out for local files", raw, scheme)
		}
		return StateLocation{}, fmt.Errorf("state %q: want s3://bucket/prefix, or leave state out for local files", raw)
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return StateLocation{}, fmt.Errorf("state %q: no bucket; want s3://bucket/prefix", raw)
	}
	if !stateBucketPattern.MatchString(bucket) || strings.Contains(bucket, "..") {
		return StateLocation{}, fmt.Errorf("state %q: %q is not an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)", raw, bucket)
	}
	prefix = strings.Trim(prefix, "/")
	for _, part := range strings.Split(prefix, "/") {
		if prefix != "" && (part == "" || part == "." || part == "..") {
			return StateLocation{}, fmt.Errorf("state %q: the prefix %q has an empty, . or .. part", raw, prefix)
		}
	}
	if strings.ContainsFunc(prefix, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return StateLocation{}, fmt.Errorf("state %q: the prefix has a control character or backslash", raw)
	}
	return StateLocation{Bucket: bucket, Prefix: prefix}, nil
}
