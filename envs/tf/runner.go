// Package tf is envbench's adapter to Terraform (or OpenTofu), built on
// terraform-exec. A Runner wraps one *tfexec.Terraform for one run: its
// stdout is set per call, so runs never share one. Plan, apply and destroy
// stream Terraform's -json output as typed events while Terraform runs.
package tf

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// ErrNoBinary is returned when neither terraform nor tofu can be found.
var ErrNoBinary = errors.New("no terraform or tofu binary found")

// Find resolves the binary to run: configured (a path, or a name looked up
// on PATH) when set, else terraform, else tofu on PATH.
func Find(configured string) (string, error) {
	if configured != "" {
		p, err := exec.LookPath(configured)
		if err != nil {
			return "", fmt.Errorf("terraform.binary %q from envbench.yaml: %w", configured, err)
		}
		return filepath.Abs(p)
	}
	for _, name := range []string{"terraform", "tofu"} {
		if p, err := exec.LookPath(name); err == nil {
			return filepath.Abs(p)
		}
	}
	return "", fmt.Errorf("%w on PATH; install one (make tools puts Terraform 1.5.7 in ./bin) or set terraform.binary in envbench.yaml", ErrNoBinary)
}

// Options configure a Runner.
type Options struct {
	// Binary is the terraform or tofu executable (see Find).
	Binary string
	// PluginCacheDir is shared by runs so providers download once.
	PluginCacheDir string
	// WaitDelay is how long a cancelled run waits for Terraform to exit after
	// the interrupt before killing it. Killing Terraform can leave its state
	// lock behind, so the default is long: 30 minutes.
	WaitDelay time.Duration
	// Env adds environment variables for Terraform (AWS_PROFILE...).
	Env map[string]string
	// Vars are input variables given to plan and destroy as -var (the
	// run id that envbench.tf names sessions with); apply takes them from
	// the saved plan.
	Vars map[string]string
	// SessionName names the sessions the run opens (envbench-<run-id>).
	// Init gives it to an S3 backend that assumes a role (backend_session.go).
	SessionName string
}

// Runner runs Terraform in one working directory for one run.
type Runner struct {
	tf      *tfexec.Terraform
	dir     string
	binary  string
	version string
	env     map[string]string
	delay   time.Duration
	vars    []string // name=value, sorted
	session string   // Options.SessionName
	// reattach is what Reattach was given, decoded; nil for none.
	reattach tfexec.ReattachInfo
}

// New prepares a runner for dir and asks Terraform its version.
func New(ctx context.Context, dir string, opts Options) (*Runner, error) {
	if opts.Binary == "" {
		b, err := Find("")
		if err != nil {
			return nil, err
		}
		opts.Binary = b
	}
	t, err := tfexec.NewTerraform(dir, opts.Binary)
	if err != nil {
		return nil, fmt.Errorf("terraform in %s: %w", dir, err)
	}
	env := environment(opts)
	if opts.PluginCacheDir != "" {
		if err := os.MkdirAll(opts.PluginCacheDir, 0o755); err != nil {
			return nil, fmt.Errorf("plugin cache: %w", err)
		}
		env["TF_PLUGIN_CACHE_DIR"] = opts.PluginCacheDir
	}
	if err := t.SetEnv(env); err != nil {
		return nil, fmt.Errorf("terraform environment: %w", err)
	}
	delay := opts.WaitDelay
	if delay == 0 {
		delay = 30 * time.Minute
	}
	_ = t.SetWaitDelay(delay) // unsupported on Windows, where cancel kills
	v, _, err := t.Version(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("%s version: %w", opts.Binary, err)
	}
	// Show runs Terraform itself, with what terraform-exec adds for the
	// other commands: Terraform then leaves out its hints for humans.
	showEnv := maps.Clone(env)
	showEnv["TF_IN_AUTOMATION"] = "1"
	vars := make([]string, 0, len(opts.Vars))
	for k, v := range opts.Vars {
		vars = append(vars, k+"="+v)
	}
	slices.Sort(vars)
	return &Runner{tf: t, dir: dir, binary: opts.Binary, version: v.String(), env: showEnv, delay: delay, vars: vars, session: opts.SessionName}, nil
}

// Reattach points the runner's plan, apply, destroy and show at providers
// already running (envs/simprovider.Start) instead of each starting its
// own: providers is the value of TF_REATTACH_PROVIDERS (a JSON object of
// provider source addresses to their addresses). Init never gets it: it
// installs them from their mirror as for a user's terraform, so the lock
// file and the work directory stay usable by hand, and init's fingerprint
// does not change from one run to the next. Call it before the runner's
// first command.
func (r *Runner) Reattach(providers string) error {
	var info tfexec.ReattachInfo
	if err := json.Unmarshal([]byte(providers), &info); err != nil || len(info) == 0 {
		return fmt.Errorf("terraform in %s: the providers to reattach to (TF_REATTACH_PROVIDERS) are not a JSON object of providers: %q", r.dir, providers)
	}
	r.reattach = info
	return nil
}

// environment is the process environment minus what terraform-exec manages
// itself (TF_VAR_*, TF_CLI_ARGS*, TF_LOG...): inputs come from the rendered
// tfvars, never from the caller's shell.
func environment(opts Options) map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for _, k := range tfexec.ProhibitedEnv(env) {
		delete(env, k)
	}
	env["CHECKPOINT_DISABLE"] = "1"
	for k, v := range opts.Env {
		env[k] = v
	}
	return env
}

// Binary is the executable this runner runs.
func (r *Runner) Binary() string { return r.binary }

// Version is the Terraform (or OpenTofu) version.
func (r *Runner) Version() string { return r.version }

// Dir is the working directory.
func (r *Runner) Dir() string { return r.dir }

// Error is a failed Terraform command with the diagnostics it reported and
// its kind (state locked, cancelled, a provider's failure, other). Match a
// kind with errors.Is(err, ErrStateLocked) and the like.
type Error struct {
	Op          string // init, plan, apply, destroy, show
	Kind        Kind
	Diagnostics []Diagnostic
	Cancelled   bool // Kind == KindCancelled
	Err         error
}

// newError classifies a failed command.
func newError(ctx context.Context, op string, diags []Diagnostic, err error) *Error {
	k := classify(ctx.Err(), diags, err)
	return &Error{Op: op, Kind: k, Diagnostics: diags, Cancelled: k == KindCancelled, Err: err}
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Cancelled {
		fmt.Fprintf(&b, "terraform %s cancelled: Terraform was interrupted and exited", e.Op)
	} else {
		fmt.Fprintf(&b, "terraform %s failed", e.Op)
	}
	errs := 0
	seen := map[string]bool{}
	for _, d := range e.Diagnostics {
		text := d.String()
		if d.Severity == "error" && !seen[text] {
			seen[text] = true
			b.WriteString("\n" + text)
			errs++
		}
	}
	if errs == 0 && e.Err != nil && !e.Cancelled {
		b.WriteString(": " + strings.TrimSpace(e.Err.Error()))
	}
	if e.Kind == KindStateLocked {
		b.WriteString("\nAnother Terraform run holds the state lock: wait for it to finish and try again (terraform force-unlock only if that run is gone).")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// run calls a streaming terraform-exec function, handing each event to sink
// and collecting the diagnostics for the error.
func (r *Runner) run(ctx context.Context, op string, sink func(Event), call func(w *lineWriter) error) error {
	var mu sync.Mutex
	var diags []Diagnostic
	w := &lineWriter{sink: func(e Event) {
		if e.Diagnostic != nil {
			mu.Lock()
			diags = append(diags, *e.Diagnostic)
			mu.Unlock()
		}
		if sink != nil {
			sink(e)
		}
	}}
	err := call(w)
	w.Flush()
	if err == nil {
		return nil
	}
	mu.Lock()
	defer mu.Unlock()
	return newError(ctx, op, slices.Clone(diags), err)
}

// Init runs terraform init. Its output, not JSON in Terraform 1.5, arrives
// as log events. An S3 backend that assumes a role is given the run's
// session name; when only that changed since the last init (its state
// stays where it is), init reconfigures the backend without migrating.
func (r *Runner) Init(ctx context.Context, sink func(Event)) error {
	opts := []tfexec.InitOption{tfexec.Upgrade(false)}
	s, err := findBackendSession(r.dir, r.session)
	if err != nil {
		return fmt.Errorf("terraform init: %w", err)
	}
	if s != nil {
		if moved := s.moved(r.dir); moved != "" {
			return fmt.Errorf("terraform init: the S3 backend's state moved since the last init of %s (%s); envbench does not move state: migrate it with terraform -chdir=%s init -migrate-state, or remove %s to start from the new place", r.dir, moved, r.dir, filepath.Join(r.dir, ".terraform"))
		}
		opts = append(opts, tfexec.BackendConfig(s.flag))
		if s.keepsState(r.dir) {
			opts = append(opts, tfexec.Reconfigure(true))
		}
	}
	return r.run(ctx, "init", sink, func(w *lineWriter) error {
		r.tf.SetStdout(w)
		defer r.tf.SetStdout(nil)
		return r.tf.Init(ctx, opts...)
	})
}

// Plan runs terraform plan -json, saving the plan to planFile and streaming
// events while Terraform plans. It reports whether the plan has changes.
func (r *Runner) Plan(ctx context.Context, planFile string, sink func(Event)) (bool, error) {
	var changes bool
	err := r.run(ctx, "plan", sink, func(w *lineWriter) error {
		var err error
		opts := []tfexec.PlanOption{tfexec.Out(planFile), tfexec.LockTimeout("10s")}
		if r.reattach != nil {
			opts = append(opts, tfexec.Reattach(r.reattach))
		}
		for _, v := range r.vars {
			opts = append(opts, tfexec.Var(v))
		}
		changes, err = r.tf.PlanJSON(ctx, w, opts...)
		return err
	})
	return changes, err
}

// PlanDestroy plans the destruction of everything, saving the plan.
func (r *Runner) PlanDestroy(ctx context.Context, planFile string, sink func(Event)) (bool, error) {
	var changes bool
	err := r.run(ctx, "plan", sink, func(w *lineWriter) error {
		var err error
		opts := []tfexec.PlanOption{tfexec.Out(planFile), tfexec.Destroy(true), tfexec.LockTimeout("10s")}
		if r.reattach != nil {
			opts = append(opts, tfexec.Reattach(r.reattach))
		}
		for _, v := range r.vars {
			opts = append(opts, tfexec.Var(v))
		}
		changes, err = r.tf.PlanJSON(ctx, w, opts...)
		return err
	})
	return changes, err
}

// Show returns `terraform show -json planFile` as Terraform printed it, for
// envs.DecodePlan. It runs Terraform itself rather than through
// terraform-exec, which would decode the whole plan into its own types only
// for envbench to encode it again.
func (r *Runner) Show(ctx context.Context, planFile string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, r.binary, "show", "-json", "-no-color", planFile)
	cmd.Dir = r.dir
	cmd.Env = make([]string, 0, len(r.env))
	for k, v := range r.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if r.reattach != nil {
		data, err := json.Marshal(r.reattach)
		if err != nil {
			return nil, fmt.Errorf("terraform show: the providers to reattach to: %w", err)
		}
		cmd.Env = append(cmd.Env, "TF_REATTACH_PROVIDERS="+string(data))
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = r.delay
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			err = fmt.Errorf("%w\n%s", err, msg)
		}
		return nil, newError(ctx, "show", nil, err)
	}
	if b := bytes.TrimSpace(stdout.Bytes()); len(b) == 0 || b[0] != '{' {
		return nil, newError(ctx, "show", nil, fmt.Errorf("terraform show -json printed no JSON plan: %q", truncate(stdout.String(), 200)))
	}
	return stdout.Bytes(), nil
}

// Output returns the root module's outputs as `terraform output -json`
// prints them (name to value, type and sensitive), for envs.DecodeOutputs.
// Sensitive values are in it: the caller keeps them out of logs and
// journals (envs.Outputs.ForJournal).
func (r *Runner) Output(ctx context.Context) ([]byte, error) {
	outs, err := r.tf.Output(ctx)
	if err != nil {
		return nil, newError(ctx, "output", nil, err)
	}
	if outs == nil {
		outs = map[string]tfexec.OutputMeta{}
	}
	data, err := json.Marshal(outs)
	if err != nil {
		return nil, fmt.Errorf("encode terraform outputs: %w", err)
	}
	return data, nil
}

// Apply applies exactly the saved plan in planFile, streaming per-resource
// progress.
func (r *Runner) Apply(ctx context.Context, planFile string, sink func(Event)) error {
	return r.run(ctx, "apply", sink, func(w *lineWriter) error {
		opts := []tfexec.ApplyOption{tfexec.DirOrPlan(planFile), tfexec.LockTimeout("10s")}
		if r.reattach != nil {
			opts = append(opts, tfexec.Reattach(r.reattach))
		}
		return r.tf.ApplyJSON(ctx, w, opts...)
	})
}

// Destroy runs terraform destroy, streaming per-resource progress.
func (r *Runner) Destroy(ctx context.Context, sink func(Event)) error {
	return r.run(ctx, "destroy", sink, func(w *lineWriter) error {
		opts := []tfexec.DestroyOption{tfexec.LockTimeout("10s")}
		if r.reattach != nil {
			opts = append(opts, tfexec.Reattach(r.reattach))
		}
		for _, v := range r.vars {
			opts = append(opts, tfexec.Var(v))
		}
		return r.tf.DestroyJSON(ctx, w, opts...)
	})
}
