//go:build !unix

package pipeline

import "os"

// lockFile cannot lock on this platform: two processes preparing one
// simulation at once may both apply (the per-environment run lock still
// keeps their runs apart).
func lockFile(*os.File) error { return nil }

// tryLockFile cannot tell on this platform: the lock reads as free.
func tryLockFile(*os.File) (bool, error) { return true, nil }
