package cloudtest

import "syscall"

// motoProcAttr puts moto in a process group of its own, killed with the
// test binary if that dies first.
func motoProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
