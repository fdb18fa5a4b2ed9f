package pipeline

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
)

// HookError is a hook that ran and failed: it exited non-zero, or ran out
// of its timeout and was killed with its process group. Retryable accepts
// it, so the hook's step is tried again per its RetryPolicy (the hook's
// retries).
type HookError struct {
	Hook     string
	Phase    config.HookPhase
	ExitCode int // -1 when killed
	TimedOut bool
	Timeout  time.Duration
}

func (e *HookError) Error() string {
	if e.TimedOut {
		return fmt.Sprintf("%s hook %s: timed out after %s; its processes were killed", e.Phase, e.Hook, e.Timeout)
	}
	return fmt.Sprintf("%s hook %s: exited with status %d", e.Phase, e.Hook, e.ExitCode)
}

// HookEnv is where a hook runs: the workspace root, the archetype's
// directory (absolute) its relative program paths resolve against, and the
// phase.
type HookEnv struct {
	Root         string
	ArchetypeDir string
	Phase        config.HookPhase
}

// hookWaitDelay is how long a hook's output pipes may stay open after the
// hook exited (a background child holding them) before they are closed.
const hookWaitDelay = 2 * time.Second

// maxHookLine bounds one logged line of hook output; longer lines are split.
const maxHookLine = 16 << 10

// RunHook runs one hook for the run's environment. The command gets the
// caller's environment plus ENVBENCH_ENV, ENVBENCH_RUN_ID, ENVBENCH_WORKDIR,
// ENVBENCH_OUTPUTS (the outputs file's path) and, when that file exists,
// every output as ENVBENCH_OUTPUT_<NAME>. It runs in the work directory when
// that exists, else the workspace root. Each line it writes to stdout or
// stderr goes to the run log through r.Logf, with every sensitive output
// value masked. A non-zero exit or a timeout (which kills the hook's
// process group) is a *HookError.
func RunHook(ctx context.Context, r *Run, he HookEnv, h config.Hook) error {
	env := r.Env()
	workdir := envs.WorkDir(he.Root, env)
	environ, secrets, err := commandEnviron(he.Root, env, r.ID(), workdir)
	if err != nil {
		return fmt.Errorf("%s hook %s: %w", he.Phase, h.Name, err)
	}
	argv := h.Argv(he.ArchetypeDir)
	if len(argv) == 0 {
		return fmt.Errorf("%s hook %s: no command", he.Phase, h.Name)
	}
	timeout := cmp.Or(h.Timeout, config.DefaultHookTimeout)
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	cmd := exec.CommandContext(hctx, argv[0], argv[1:]...)
	cmd.Env = environ
	cmd.Dir = he.Root
	if st, err := os.Stat(workdir); err == nil && st.IsDir() {
		cmd.Dir = workdir
	}
	cmd.WaitDelay = hookWaitDelay
	ownProcessGroup(cmd)
	mask := newMasker(secrets)
	stdout := &lineLog{r: r, prefix: h.Name + ": ", mask: mask}
	stderr := &lineLog{r: r, prefix: h.Name + " (stderr): ", mask: mask}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	r.Logf("%s hook %s: %s", he.Phase, h.Name, mask.Replace(strings.Join(argv, " ")))
	err = cmd.Run()
	stdout.flush()
	stderr.flush()
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s hook %s: %w", he.Phase, h.Name, ctx.Err())
	}
	if errors.Is(hctx.Err(), context.DeadlineExceeded) {
		return &HookError{Hook: h.Name, Phase: he.Phase, ExitCode: -1, TimedOut: true, Timeout: timeout}
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return &HookError{Hook: h.Name, Phase: he.Phase, ExitCode: exit.ExitCode()}
	}
	return fmt.Errorf("%s hook %s: start %s: %w", he.Phase, h.Name, argv[0], err)
}

// HookRetry is a hook step's policy: 1+retries attempts, 2s doubling to at
// most 30s with 20% jitter.
func HookRetry(retries int) RetryPolicy {
	return RetryPolicy{Attempts: retries + 1, FirstDelay: 2 * time.Second, MaxDelay: 30 * time.Second, Multiplier: 2, Jitter: 0.2}
}

// HookStepName is the step of one hook: "pre-deploy hook NAME" or
// "post-deploy hook NAME".
func HookStepName(phase config.HookPhase, name string) Step {
	return Step(strings.ReplaceAll(string(phase), "_", "-") + " hook " + name)
}

// HookSteps are the steps that run the environment's archetype's hooks of
// one phase, in order: one step per hook, retried per its retries. None
// when the archetype is unknown or has no hooks of the phase.
func HookSteps(c *envs.Catalog, e *envs.Environment, phase config.HookPhase) []StepDef {
	a, ok := c.Archetype(e.Archetype)
	if !ok {
		return nil
	}
	he := HookEnv{Root: c.Root, ArchetypeDir: filepath.Join(c.Root, filepath.FromSlash(a.Dir)), Phase: phase}
	var steps []StepDef
	for _, h := range a.Hooks.Phase(phase) {
		steps = append(steps, StepDef{
			Name:   HookStepName(phase, h.Name),
			Action: func(ctx context.Context, r *Run) error { return RunHook(ctx, r, he, h) },
			Retry:  HookRetry(h.Retries),
		})
	}
	return steps
}

// masker replaces sensitive values in text with "(sensitive)".
type masker struct {
	replacer *strings.Replacer
	longest  int // the longest secret's length
}

func newMasker(secrets []string) masker {
	// Longest first, so a secret that contains another is masked whole.
	slices.SortFunc(secrets, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	pairs := make([]string, 0, 2*len(secrets))
	for _, s := range secrets {
		pairs = append(pairs, s, "(sensitive)")
	}
	m := masker{replacer: strings.NewReplacer(pairs...)}
	if len(secrets) > 0 {
		m.longest = len(secrets[0])
	}
	return m
}

// Replace masks every secret in s.
func (m masker) Replace(s string) string { return m.replacer.Replace(s) }

// lineLog is a writer that logs each complete line to the run log, masked.
// A line longer than maxHookLine is cut there, after masking: it keeps a
// secret's length beyond the cut, so no secret starting before the cut
// escapes the mask; the rest of the line is dropped.
type lineLog struct {
	r      *Run
	prefix string
	mask   masker

	mu        sync.Mutex
	buf       []byte
	truncated bool
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if room := maxHookLine + l.mask.longest - len(l.buf); len(chunk) > room {
			l.buf = append(l.buf, chunk[:max(room, 0)]...)
			l.truncated = true
		} else {
			l.buf = append(l.buf, chunk...)
		}
		if i < 0 {
			break
		}
		l.log()
		p = p[i+1:]
	}
	return n, nil
}

func (l *lineLog) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 || l.truncated {
		l.log()
	}
}

func (l *lineLog) log() {
	line := l.mask.Replace(strings.TrimSuffix(string(l.buf), "\r"))
	if l.truncated || len(line) > maxHookLine {
		line = strings.ToValidUTF8(line[:min(len(line), maxHookLine)], "") + " … (line cut)"
	}
	l.r.Logf("%s%s", l.prefix, line)
	l.buf, l.truncated = l.buf[:0], false
}

// commandEnviron is the environment of a command a run starts (a hook,
// with's COMMAND): envbench's own, ENVBENCH_ENV, ENVBENCH_RUN_ID,
// ENVBENCH_WORKDIR, ENVBENCH_OUTPUTS and the environment's outputs; and
// the values of its sensitive outputs, to mask in what the command
// prints. No outputs file yet is no outputs.
func commandEnviron(root, env, runID, workdir string) (environ, secrets []string, err error) {
	outputsPath := envs.OutputsPath(root, env)
	environ = append(os.Environ(),
		"ENVBENCH_ENV="+env,
		"ENVBENCH_RUN_ID="+runID,
		"ENVBENCH_WORKDIR="+workdir,
		"ENVBENCH_OUTPUTS="+outputsPath,
	)
	outs, err := envs.ReadOutputs(outputsPath)
	switch {
	case err == nil:
		environ = append(environ, outs.Environ()...)
		for _, name := range outs.Names() {
			if o := outs[name]; o.Sensitive && o.Text() != "" {
				secrets = append(secrets, o.Text())
			}
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, nil, fmt.Errorf("read outputs: %w", err)
	}
	return environ, secrets, nil
}
