package cloudtest

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// motoStartBound is how long moto may take to answer after it starts.
const motoStartBound = 30 * time.Second

// StartMoto starts moto's server (moto_server) on a free loopback port,
// in a temporary directory, waits until it answers and returns its
// endpoint. The server's process group is killed when t ends. Without
// moto_server on PATH, t is skipped with a message.
func StartMoto(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server is not on PATH (pip install 'moto[server]'): the conformance run against moto is skipped")
	}
	port, err := freePort()
	if err != nil {
		t.Fatalf("start moto: %v", err)
	}
	var out lockedBuffer
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Dir = t.TempDir()
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto (%s): %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})

	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := waitAnswers(endpoint, exited); err != nil {
		t.Fatalf("start moto on %s: %v\nmoto's output:\n%s", endpoint, err, out.String())
	}
	return endpoint
}

// freePort asks the kernel for a loopback port nobody listens on.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitAnswers polls moto's API until it answers, the process exits or
// motoStartBound passes.
func waitAnswers(endpoint string, exited <-chan error) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.NewTimer(motoStartBound)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if resp, err := client.Get(endpoint + "/moto-api/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return nil
			}
		}
		select {
		case err := <-exited:
			return fmt.Errorf("moto exited before answering: %v", err)
		case <-deadline.C:
			return fmt.Errorf("no answer after %s", motoStartBound)
		case <-tick.C:
		}
	}
}

// lockedBuffer collects a process's output for the error that says why
// it did not start.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
