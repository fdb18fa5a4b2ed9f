//go:build unix

package pipeline

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on f, waiting for it; closing f
// releases it, and so does the end of the process holding it.
func lockFile(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			return err
		}
	}
}

// tryLockFile takes an exclusive lock on f if no one holds it, and says
// whether it did: false while another holds it. Closing f releases it.
func tryLockFile(f *os.File) (bool, error) {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch err {
		case nil:
			return true, nil
		case syscall.EWOULDBLOCK:
			return false, nil
		case syscall.EINTR:
			continue
		}
		return false, err
	}
}
