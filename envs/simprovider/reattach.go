package simprovider

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// ReattachEnv, when "1" in the environment of the envbench binary, makes
// it serve the provider for Terraform to reattach to (Start): it prints
// the value of TF_REATTACH_PROVIDERS on one line of its standard output,
// serves every Terraform command that is given it, and exits when its
// standard input ends.
const ReattachEnv = "ENVBENCH_SIM_REATTACH"

// startTimeout is how long Start waits for the server to say where it
// serves, as go-plugin waits for a provider Terraform starts.
const startTimeout = time.Minute

// stopGrace is how long Stop waits for the provider to exit after its
// standard input closed, before killing it.
const stopGrace = 10 * time.Second

// Server is the simulated provider served by one child process for the
// Terraform commands of one run, which reattach to it
// (TF_REATTACH_PROVIDERS) instead of each starting the provider again.
// Stop it when the run ends.
type Server struct {
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	reattach string
	exited   chan struct{} // closed when the process has exited
	waitErr  error         // set before exited is closed
	stderr   *limitedBuffer
	once     sync.Once
	stopErr  error
}

// Start starts binary (the envbench executable) as the provider's server,
// with env added to this process's environment (the simulation's
// database, its pace), and waits until it says where Terraform finds it.
// Its logs are off (serverEnv): the plugin SDK logs every request at
// trace level by default for Terraform to filter, which only costs time
// here, and would crowd out of its kept stderr what matters (a panic).
//
// binary must serve when ReattachEnv is set: main and the test binaries
// that run Terraform on the simulated provider call ServeIfPlugin first.
// A process started that way never starts another, so a binary that runs
// something else instead (a test binary without ServeIfPlugin, running
// its tests again) fails instead of starting itself over and over.
func Start(ctx context.Context, binary string, env map[string]string) (*Server, error) {
	if os.Getenv(ReattachEnv) != "" {
		return nil, fmt.Errorf("start the simulated aws provider %s: this process was itself started to serve it (%s is set) and ran something else: its main does not call simprovider.ServeIfPlugin first", binary, ReattachEnv)
	}
	cmd := exec.Command(binary)
	cmd.Env = serverEnv(os.Environ(), env)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start the simulated aws provider %s: %w", binary, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start the simulated aws provider %s: %w", binary, err)
	}
	s := &Server{cmd: cmd, stdin: stdin, exited: make(chan struct{}), stderr: &limitedBuffer{max: 8 << 10}}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the simulated aws provider %s: %w", binary, err)
	}
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, r)
	}()
	go func() {
		// Wait closes stdout once the process has exited and the copy
		// above has drained it.
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	fail := func(err error) (*Server, error) {
		_ = s.Stop()
		if msg := strings.TrimSpace(s.stderr.String()); msg != "" {
			err = fmt.Errorf("%w; it said: %s", err, msg)
		}
		return nil, fmt.Errorf("start the simulated aws provider %s: %w", binary, err)
	}
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case <-timer.C:
		return fail(fmt.Errorf("it did not say where it serves within %s; does its main call simprovider.ServeIfPlugin first?", startTimeout))
	case line := <-lines:
		if line == "" {
			<-s.exited
			return fail(fmt.Errorf("it exited before saying where it serves (%v)", s.waitErr))
		}
		if err := checkReattach(line); err != nil {
			return fail(err)
		}
		s.reattach = strings.TrimSpace(line)
		return s, nil
	case <-ctx.Done():
		return fail(ctx.Err())
	}
}

// Reattach is the value of TF_REATTACH_PROVIDERS that points Terraform at
// the server.
func (s *Server) Reattach() string { return s.reattach }

// Pid is the server's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Stop ends the server: it closes its standard input, waits for it to
// exit, and kills it if it has not within stopGrace. It is safe to call
// more than once.
func (s *Server) Stop() error {
	s.once.Do(func() {
		s.stdin.Close()
		timer := time.NewTimer(stopGrace)
		defer timer.Stop()
		select {
		case <-s.exited:
		case <-timer.C:
			_ = s.cmd.Process.Kill()
			<-s.exited
			s.stopErr = fmt.Errorf("stop the simulated aws provider (pid %d): it did not exit within %s of its input closing; killed", s.cmd.Process.Pid, stopGrace)
			return
		}
		if s.waitErr != nil {
			s.stopErr = fmt.Errorf("stop the simulated aws provider (pid %d): %w", s.cmd.Process.Pid, s.waitErr)
			if msg := strings.TrimSpace(s.stderr.String()); msg != "" {
				s.stopErr = fmt.Errorf("%w; it said: %s", s.stopErr, msg)
			}
		}
	})
	return s.stopErr
}

// serverEnv is base with env added, ReattachEnv set, Terraform's
// plugin handshake variable removed and the plugin SDK's logs off.
func serverEnv(base []string, env map[string]string) []string {
	out := make([]string, 0, len(base)+len(env)+1)
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := env[k]; ok || k == ReattachEnv || k == "TF_PLUGIN_MAGIC_COOKIE" || k == "TF_LOG" || strings.HasPrefix(k, "TF_LOG_") {
			continue
		}
		out = append(out, kv)
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	for _, k := range sdkLogEnv {
		out = append(out, k+"=off")
	}
	return append(out, ReattachEnv+"=1")
}

// quietLogs turns the plugin SDK's logs off in a provider that Terraform
// started without TF_LOG or TF_LOG_PROVIDER, which then drops every line
// of them: they would only cost the time to format them.
func quietLogs(getenv func(string) string, setenv func(string, string) error) {
	if getenv("TF_LOG") != "" || getenv("TF_LOG_PROVIDER") != "" {
		return
	}
	for _, k := range sdkLogEnv {
		if getenv(k) == "" {
			_ = setenv(k, "off")
		}
	}
}

// sdkLogEnv are the variables that set the levels of terraform-plugin-go's
// and terraform-plugin-framework's loggers (terraform-plugin-log), and of
// the provider's own.
var sdkLogEnv = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER"}

// reattachConfig is one provider of TF_REATTACH_PROVIDERS, as Terraform
// and terraform-exec read it.
type reattachConfig struct {
	Protocol        string
	ProtocolVersion int
	Pid             int
	Test            bool
	Addr            struct{ Network, String string }
}

// checkReattach checks the line a server printed: TF_REATTACH_PROVIDERS
// naming Source at an address.
func checkReattach(line string) error {
	var m map[string]reattachConfig
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		return fmt.Errorf("it printed %q, not the JSON of TF_REATTACH_PROVIDERS: %w", truncate(line, 200), err)
	}
	c, ok := m[Source]
	if !ok || c.Addr.Network == "" || c.Addr.String == "" {
		return fmt.Errorf("it printed %q, which gives no address for %s", truncate(line, 200), Source)
	}
	return nil
}

func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// serveReattach serves the provider for reattaching Terraform commands,
// as Start expects: the address first on stdout, until stdin ends.
// Interrupts are ignored, as go-plugin ignores them for a provider that
// Terraform starts: a Ctrl-C reaches the whole process group, and
// Terraform, stopping gracefully, still needs its provider.
func serveReattach(stdin io.Reader, stdout, stderr io.Writer) error {
	signal.Ignore(os.Interrupt)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		cancel()
	}()
	configs := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	logger := hclog.New(&hclog.LoggerOptions{Name: "simulated aws provider", Level: hclog.Warn, Output: stderr})
	served := make(chan error, 1)
	go func() {
		served <- tf6server.Serve(Source, providerserver.NewProtocol6(New()),
			tf6server.WithDebug(ctx, configs, closed), tf6server.WithGoPluginLogger(logger))
	}()
	select {
	case c := <-configs:
		rc := reattachConfig{Protocol: string(c.Protocol), ProtocolVersion: c.ProtocolVersion, Pid: c.Pid, Test: c.Test}
		rc.Addr.Network, rc.Addr.String = c.Addr.Network(), c.Addr.String()
		line, err := json.Marshal(map[string]reattachConfig{Source: rc})
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(stdout, "%s\n", line); err != nil {
			return err
		}
	case <-closed:
		if err := <-served; err != nil {
			return err
		}
		return errors.New("the server stopped before serving")
	}
	<-closed
	return <-served
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
