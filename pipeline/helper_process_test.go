package pipeline

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"sync"
	"testing"
)

// HelperProcess is a second envbench in a test: this test binary run again
// for one test function that is a helper, not a test, and that skips
// unless its environment says otherwise. The tests of this package and of
// pipeline_test share it.
type HelperProcess struct {
	Cmd   *exec.Cmd
	Stdin io.WriteCloser
	out   *bufio.Scanner
	once  sync.Once
	err   error
}

// HelperCommand is the command that runs only the test function named
// test, with env added to this process's environment. The caller may set
// more (its stderr, its process attributes) before StartHelper.
func HelperCommand(test string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// StartHelper starts cmd with pipes to its stdin and stdout. When the test
// ends, its stdin is closed, it is killed if still running, and waited for.
func StartHelper(t testing.TB, cmd *exec.Cmd) *HelperProcess {
	t.Helper()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the helper process %v: %v", cmd.Args, err)
	}
	h := &HelperProcess{Cmd: cmd, Stdin: stdin, out: bufio.NewScanner(stdout)}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		h.Wait()
	})
	return h
}

// Line is the helper's next line of output; the test fails if it ended
// first.
func (h *HelperProcess) Line(t testing.TB) string {
	t.Helper()
	if !h.out.Scan() {
		t.Fatalf("the helper process ended: %v", h.out.Err())
	}
	return h.out.Text()
}

// Discard reads the rest of the helper's output in the background, so
// that it never blocks writing it.
func (h *HelperProcess) Discard() {
	go func() {
		for h.out.Scan() {
		}
	}()
}

// Wait waits for the helper to end, once, and returns how it ended.
func (h *HelperProcess) Wait() error {
	h.once.Do(func() { h.err = h.Cmd.Wait() })
	return h.err
}
