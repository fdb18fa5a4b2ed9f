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

// TestDeferredShutdown: with Defer, the first SIGTERM closes the halt
// channel, forwards the signal and says so, and does not cancel; the
// second cancels, as the first does without Defer.
func TestDeferredShutdown(t *testing.T) {
	var stderr bytes.Buffer
	exited := make(chan int, 1)
	in := newInterrupts(&stderr, func(code int) { exited <- code })
	defer in.Stop()
	go in.handle()
	halt := make(chan struct{})
	forward := make(chan os.Signal, 1)
	in.Defer(halt, forward, func(sig os.Signal) string { return signalName(sig) + ": stopping after step apply finishes safely" })
	in.terraformMayRun(true)

	in.signals <- syscall.SIGTERM
	select {
	case <-halt:
	case <-time.After(time.Minute):
		t.Fatal("SIGTERM did not close the halt channel")
	}
	if got := <-forward; got != syscall.SIGTERM {
		t.Errorf("forwarded %v, want SIGTERM", got)
	}
	if err := in.Context().Err(); err != nil {
		t.Errorf("the first signal cancelled the context: %v", err)
	}
	if want := "envbench: terminated: stopping after step apply finishes safely\n"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q lacks %q", stderr.String(), want)
	}

	in.signals <- syscall.SIGTERM
	select {
	case <-in.Context().Done():
	case <-time.After(time.Minute):
		t.Fatal("the second SIGTERM did not cancel the context")
	}
	select {
	case code := <-exited:
		t.Errorf("exited %d while Terraform may run", code)
	default:
	}
}

// TestWithoutDeferTheFirstSignalCancels: other commands keep today's
// behaviour.
func TestWithoutDeferTheFirstSignalCancels(t *testing.T) {
	var stderr bytes.Buffer
	in := newInterrupts(&stderr, func(int) {})
	defer in.Stop()
	go in.handle()
	in.terraformMayRun(true)
	in.signals <- syscall.SIGTERM
	select {
	case <-in.Context().Done():
	case <-time.After(time.Minute):
		t.Fatal("SIGTERM did not cancel the context")
	}
}
