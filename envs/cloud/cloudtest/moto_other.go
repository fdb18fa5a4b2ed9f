//go:build unix && !linux

package cloudtest

import "syscall"

// motoProcAttr puts moto in a process group of its own; without Linux's
// parent-death signal, Stop (run by t.Cleanup) is what ends it.
func motoProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
