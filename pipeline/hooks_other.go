//go:build !unix

package pipeline

import (
	"os"
	"os/exec"
)

// ownProcessGroup leaves cmd as it is: process groups are a unix notion.
func ownProcessGroup(cmd *exec.Cmd) {}

// signalGroup sends sig to p alone: process groups are a unix notion.
func signalGroup(p *os.Process, sig os.Signal) error { return p.Signal(sig) }

// exitStatus is a finished process's exit code.
func exitStatus(ps *os.ProcessState) int { return ps.ExitCode() }
