//go:build !unix

package pipeline

import "os"

// lockFile cannot lock on this platform: two processes preparing one
// simulation at once may both apply (the per-environment run lock still
// keeps their runs apart).
func lockFile(*os.File) error { return nil }
