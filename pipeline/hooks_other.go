//go:build !unix

package pipeline

import "os/exec"

// ownProcessGroup leaves cmd as it is: process groups are a unix notion.
func ownProcessGroup(cmd *exec.Cmd) {}
