package cloudtest

import (
	"bytes"
	"encoding/json"
	"errors"
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

// ErrNoMoto is LaunchMoto's error when moto_server is not on PATH.
var ErrNoMoto = errors.New("moto_server is not on PATH (pip install 'moto[server]')")

// Moto is a running moto server.
type Moto struct {
	// Endpoint is the server's URL, http://127.0.0.1:PORT.
	Endpoint string
	cmd      *exec.Cmd
	exited   chan error
	stop     sync.Once
}

// LaunchMoto starts moto's server (moto_server) on a free loopback port,
// in dir, and waits until it answers. Stop ends it. Without moto_server
// on PATH it returns ErrNoMoto.
func LaunchMoto(dir string) (*Moto, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, ErrNoMoto
	}
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("start moto: %w", err)
	}
	var out lockedBuffer
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &out, &out
	// Its own process group, to stop moto and what it starts; killed with
	// the test binary if that dies first.
	cmd.SysProcAttr = motoProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto (%s): %w", bin, err)
	}
	m := &Moto{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, exited: make(chan error, 1)}
	go func() { m.exited <- cmd.Wait() }()
	if err := waitAnswers(m.Endpoint, m.exited); err != nil {
		m.Stop()
		return nil, fmt.Errorf("start moto on %s: %w\nmoto's output:\n%s", m.Endpoint, err, out.String())
	}
	return m, nil
}

// Stop kills the server's process group and waits for it to exit. Later
// calls do nothing.
func (m *Moto) Stop() {
	m.stop.Do(func() {
		_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
		<-m.exited
	})
}

// StartMoto runs LaunchMoto for t, in a temporary directory, and stops
// the server when t ends. Without moto_server, t is skipped with a
// message.
func StartMoto(t testing.TB) string {
	t.Helper()
	m, err := LaunchMoto(t.TempDir())
	if errors.Is(err, ErrNoMoto) {
		t.Skipf("%v: the tests against moto are skipped", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	return m.Endpoint
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

// MotoSessions are the session names of the roles assumed on the moto
// server at endpoint, in the order assumed, from its /moto-api/data.json.
func MotoSessions(t testing.TB, endpoint string) []string {
	t.Helper()
	resp, err := http.Get(endpoint + "/moto-api/data.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var data struct {
		STS struct {
			AssumedRole []struct {
				SessionName string `json:"session_name"`
			}
		} `json:"sts"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&data); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range data.STS.AssumedRole {
		out = append(out, r.SessionName)
	}
	return out
}
