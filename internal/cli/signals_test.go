package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterruptWithNothingRunningExitsAtOnce: show-plan blocked reading a
// FIFO runs no Terraform, so SIGTERM and SIGINT end it at once, with the
// shell's status for the signal, and no word of waiting for Terraform.
func TestInterruptWithNothingRunningExitsAtOnce(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGTERM, 143}, {syscall.SIGINT, 130}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			fifo := filepath.Join(t.TempDir(), "plan.json")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skipf("no FIFOs here: %v", err)
			}
			cmd := exec.Command(binary, "show-plan", fifo)
			cmd.Dir = t.TempDir()
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Opening the FIFO for writing returns once envbench has opened
			// it for reading: it is then blocked reading it.
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				t.Fatalf("envbench did not exit on %s with nothing running; stderr:\n%s", tc.sig, stderr.String())
			}
			if got := cmd.ProcessState.ExitCode(); got != tc.code {
				t.Errorf("exit %d (%s), want %d", got, cmd.ProcessState, tc.code)
			}
			if strings.Contains(stderr.String(), "waiting for Terraform") {
				t.Errorf("no Terraform runs, yet envbench says it waits for it:\n%s", stderr.String())
			}
		})
	}
}
