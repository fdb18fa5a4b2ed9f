package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
)

const hookSecret = "hunter2-s3cret-value"

// hookWorkspace writes an executable script into a temporary archetype
// directory of te's workspace and the environment's outputs file.
func hookWorkspace(t *testing.T, te *testEngine, script string) HookEnv {
	t.Helper()
	dir := filepath.Join(te.root, "archetypes", "web")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hook.sh"), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	outs := envs.Outputs{
		"db_endpoint": {Value: json.RawMessage(`"db.qa.internal"`)},
		"db_password": {Value: json.RawMessage(strconv.Quote(hookSecret)), Sensitive: true},
	}
	if err := envs.WriteOutputs(envs.OutputsPath(te.root, "qa"), outs); err != nil {
		t.Fatal(err)
	}
	return HookEnv{Root: te.root, ArchetypeDir: dir, Phase: config.PostDeploy}
}

// runHook runs h as the one step of a run on qa and returns the run.
func runHook(t *testing.T, te *testEngine, he HookEnv, h config.Hook) (*Run, error) {
	t.Helper()
	p := Pipeline{Kind: "clone", Env: "qa", Steps: []StepDef{{
		Name:   HookStepName(he.Phase, h.Name),
		Action: func(ctx context.Context, r *Run) error { return RunHook(ctx, r, he, h) },
		Retry:  HookRetry(h.Retries),
	}}}
	return te.Run(context.Background(), p, "run-1")
}

func logLines(events []Event) []string {
	var out []string
	for _, e := range events {
		if e.Kind == Log {
			out = append(out, e.Message)
		}
	}
	return out
}

// TestRunHookEnvironmentAndLog: the hook sees its variables and the
// outputs, its lines reach the run log, and a sensitive value never does.
func TestRunHookEnvironmentAndLog(t *testing.T) {
	te := newTestEngine(t)
	he := hookWorkspace(t, te, `echo "env=$ENVBENCH_ENV run=$ENVBENCH_RUN_ID"
echo "workdir=$ENVBENCH_WORKDIR"
echo "outputs=$ENVBENCH_OUTPUTS"
echo "endpoint=$ENVBENCH_OUTPUT_DB_ENDPOINT"
echo "password=$ENVBENCH_OUTPUT_DB_PASSWORD" >&2
printf 'no newline at the end'
`)
	run, err := runHook(t, te, he, config.Hook{Name: "check", Run: []string{"./hook.sh"}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	lines := logLines(te.rec.all())
	for _, want := range []string{
		"check: env=qa run=" + run.ID(),
		"check: workdir=" + envs.WorkDir(te.root, "qa"),
		"check: outputs=" + envs.OutputsPath(te.root, "qa"),
		"check: endpoint=db.qa.internal",
		"check (stderr): password=(sensitive)",
		"check: no newline at the end",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("log lacks %q; got:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	logFile, err := os.ReadFile(RunLogPath(te.root, "qa", run.ID()))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(logFile), "endpoint=db.qa.internal") {
		t.Errorf("run log lacks the hook's output:\n%s", logFile)
	}
	outputsFile := envs.OutputsPath(te.root, "qa")
	err = filepath.WalkDir(te.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == outputsFile {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), hookSecret) {
			t.Errorf("%s holds the sensitive output", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRunHookRetries: a failing hook is a HookError with its status,
// retried through the engine per its retries, on the test clock.
func TestRunHookRetries(t *testing.T) {
	for _, c := range []struct {
		name     string
		retries  int
		wantErr  bool
		attempts int
		sleeps   []time.Duration
	}{
		{"no retries: fails at once", 0, true, 1, nil},
		{"one retry is not enough", 1, true, 2, []time.Duration{2 * time.Second}},
		{"two retries: the third attempt passes", 2, false, 3, []time.Duration{2 * time.Second, 4 * time.Second}},
	} {
		t.Run(c.name, func(t *testing.T) {
			te := newTestEngine(t)
			count := filepath.Join(te.root, "attempts")
			he := hookWorkspace(t, te, `echo x >> "$1"
n=$(wc -l < "$1")
[ "$n" -ge 3 ] || exit 7
`)
			_, err := runHook(t, te, he, config.Hook{Name: "flaky", Run: []string{"./hook.sh", count}, Retries: c.retries})
			var hookErr *HookError
			if c.wantErr != (err != nil) {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			if c.wantErr && (!errors.As(err, &hookErr) || hookErr.ExitCode != 7 || hookErr.Hook != "flaky" || hookErr.TimedOut) {
				t.Fatalf("err = %#v, want a HookError with status 7", err)
			}
			b, _ := os.ReadFile(count)
			if got := strings.Count(string(b), "x"); got != c.attempts {
				t.Errorf("%d attempts, want %d", got, c.attempts)
			}
			if got := te.clock.Sleeps(); !slices.Equal(got, c.sleeps) {
				t.Errorf("waits %v, want %v", got, c.sleeps)
			}
		})
	}
}

// TestRunHookTimeoutKillsGroup: a hook past its timeout is killed with its
// children, and the error says it timed out.
func TestRunHookTimeoutKillsGroup(t *testing.T) {
	te := newTestEngine(t)
	pidFile := filepath.Join(te.root, "child.pid")
	he := hookWorkspace(t, te, `sleep 600 &
echo $! > "$1"
wait
`)
	_, err := runHook(t, te, he, config.Hook{Name: "stuck", Run: []string{"./hook.sh", pidFile}, Timeout: 300 * time.Millisecond})
	var hookErr *HookError
	if !errors.As(err, &hookErr) || !hookErr.TimedOut || !strings.Contains(err.Error(), "timed out after 300ms") {
		t.Fatalf("err = %v, want a timed-out HookError", err)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if liveProcess(pid) {
		t.Errorf("the hook's child %d outlived the timeout", pid)
	}
}

// liveProcess: the process runs and is not a zombie waiting to be reaped.
func liveProcess(pid int) bool {
	if !processAlive(pid) {
		return false
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return !errors.Is(err, fs.ErrNotExist)
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) == 0 || fields[0] != "Z"
}

// TestRunHookNotStartable: a program that does not exist is a plain error,
// not retried.
func TestRunHookNotStartable(t *testing.T) {
	te := newTestEngine(t)
	he := hookWorkspace(t, te, "")
	_, err := runHook(t, te, he, config.Hook{Name: "gone", Run: []string{"./nope.sh"}, Retries: 3})
	var hookErr *HookError
	if err == nil || errors.As(err, &hookErr) || Retryable(err) {
		t.Fatalf("err = %v, want a plain, non-retryable error", err)
	}
	if len(te.clock.Sleeps()) != 0 {
		t.Errorf("retried: %v", te.clock.Sleeps())
	}
}

// TestLineLogMasksLongLines: a line cut at maxHookLine keeps a secret that
// straddles the cut masked.
func TestLineLogMasksLongLines(t *testing.T) {
	te := newTestEngine(t)
	line := strings.Repeat("a", maxHookLine-5) + hookSecret + strings.Repeat("b", 100) + "\n"
	p := Pipeline{Kind: "clone", Env: "qa", Steps: []StepDef{step("write", func(ctx context.Context, r *Run) error {
		l := &lineLog{r: r, prefix: "x: ", mask: newMasker([]string{hookSecret})}
		for i := 0; i < len(line); i += 1000 {
			if _, err := l.Write([]byte(line[i:min(i+1000, len(line))])); err != nil {
				return err
			}
		}
		l.flush()
		return nil
	})}}
	if _, err := te.Run(context.Background(), p, "run-1"); err != nil {
		t.Fatal(err)
	}
	lines := logLines(te.rec.all())
	if len(lines) != 1 {
		t.Fatalf("%d lines, want 1", len(lines))
	}
	if strings.Contains(lines[0], hookSecret[:5]) || !strings.HasSuffix(lines[0], "(line cut)") {
		t.Errorf("line not masked and cut: ...%s", lines[0][len(lines[0])-60:])
	}
}

// TestHookStepsDemo: the demo sandbox's check-database hook, as HookSteps
// makes it, passes when the outputs name the database and fails when not.
func TestHookStepsDemo(t *testing.T) {
	for _, c := range []struct {
		name    string
		outputs envs.Outputs
		wantErr bool
	}{
		{"database recorded", envs.Outputs{"database_identifier": {Value: json.RawMessage(`"dev-alice-db"`)}}, false},
		{"database missing", envs.Outputs{}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := demo(t)
			cat := open(t, root)
			e, ok := cat.Environment("dev-alice")
			if !ok {
				t.Fatal("no dev-alice in the demo")
			}
			if got := HookSteps(cat, e, config.PreDeploy); len(got) != 0 {
				t.Errorf("%d pre-deploy steps, want none", len(got))
			}
			steps := HookSteps(cat, e, config.PostDeploy)
			if len(steps) != 1 || steps[0].Name != "post-deploy hook check-database" || steps[0].Retry.Attempts != 2 {
				t.Fatalf("steps = %+v", steps)
			}
			if err := envs.WriteOutputs(envs.OutputsPath(root, "dev-alice"), c.outputs); err != nil {
				t.Fatal(err)
			}
			te := newTestEngine(t)
			_, err := te.Run(context.Background(), Pipeline{Kind: "clone", Env: "dev-alice", Steps: steps}, "run-1")
			var hookErr *HookError
			if c.wantErr != errors.As(err, &hookErr) || (!c.wantErr && err != nil) {
				t.Fatalf("err = %v, want HookError %v", err, c.wantErr)
			}
			lines := strings.Join(logLines(te.rec.all()), "\n")
			want := "check-database: database dev-alice-db is recorded for dev-alice"
			if c.wantErr {
				want = "check-database (stderr): database_identifier is missing"
			}
			if !strings.Contains(lines, want) {
				t.Errorf("log lacks %q:\n%s", want, lines)
			}
		})
	}
}
