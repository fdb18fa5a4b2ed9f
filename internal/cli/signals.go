package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Interrupts turns the first interrupt, termination or hang-up into a
// cancelled context. While Terraform may be running it then waits for it
// to exit cleanly, so that it releases its state lock; a second signal
// stops waiting. When nothing that may run Terraform is under way, it
// exits at once with 128 plus the signal's number (130 for ctrl-c, 143 for
// SIGTERM, 129 for SIGHUP), as a shell reports a process a signal ended.
//
// A command that can stop safely between steps (with) calls Defer: the
// first signal then halts its run after the step in flight instead, and
// only a second one cancels.
//
// It also catches SIGPIPE, so that a reader of stdout or stderr that went
// away (envbench apply | head) neither kills envbench nor, through it,
// Terraform mid-apply: writes to the broken pipe then fail, and Run's
// writers stop writing to it.
type Interrupts struct {
	ctx    context.Context
	cancel context.CancelFunc
	stderr io.Writer
	exit   func(code int)

	signals chan os.Signal
	pipes   chan os.Signal

	mu        sync.Mutex
	terraform int // how many runs may have Terraform running now
	deferred  *deferral
}

// deferral is Defer's: what the first signal does instead of cancelling.
type deferral struct {
	halt    chan struct{}
	forward chan<- os.Signal
	say     func(sig os.Signal) string
}

// NotifyInterrupts starts handling signals; exit ends the process (os.Exit
// in main). Call Stop when the command returns.
func NotifyInterrupts(stderr io.Writer, exit func(code int)) *Interrupts {
	in := newInterrupts(stderr, exit)
	// Notified, not ignored: an ignored SIGPIPE would be inherited by
	// Terraform and the hooks envbench starts.
	signal.Notify(in.pipes, syscall.SIGPIPE)
	signal.Notify(in.signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go in.handle()
	return in
}

func newInterrupts(stderr io.Writer, exit func(code int)) *Interrupts {
	ctx, cancel := context.WithCancel(context.Background())
	return &Interrupts{
		ctx: ctx, cancel: cancel, stderr: newQuietWriter(stderr), exit: exit,
		signals: make(chan os.Signal, 2),
		pipes:   make(chan os.Signal, 1),
	}
}

// Defer makes the first signal a deferred shutdown instead of a
// cancellation: it prints say(sig) on stderr, closes halt (the engine's
// Options.Halt: the step in flight finishes, then the run stops,
// resumable) and sends the signal on forward when forward has room (for a
// command to receive). A second signal cancels the context as the first
// would have without Defer. It is safe on a nil receiver, and has no
// effect once a signal was handled.
func (in *Interrupts) Defer(halt chan struct{}, forward chan<- os.Signal, say func(sig os.Signal) string) {
	if in == nil {
		return
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.deferred = &deferral{halt: halt, forward: forward, say: say}
}

// Context is cancelled by the first signal.
func (in *Interrupts) Context() context.Context { return in.ctx }

// Stop stops handling signals and cancels the context.
func (in *Interrupts) Stop() {
	signal.Stop(in.signals)
	signal.Stop(in.pipes)
	close(in.signals)
	in.cancel()
}

func (in *Interrupts) handle() {
	sig, ok := <-in.signals
	if !ok {
		return
	}
	in.mu.Lock()
	d := in.deferred
	in.deferred = nil
	in.mu.Unlock()
	if d != nil {
		fmt.Fprintf(in.stderr, "\nenvbench: %s\n", d.say(sig))
		if d.forward != nil {
			select {
			case d.forward <- sig:
			default:
			}
		}
		close(d.halt)
		if sig, ok = <-in.signals; !ok {
			return
		}
	}
	in.mu.Lock()
	if in.terraform == 0 {
		// Nothing to wait for: go now, holding the lock so that no run
		// starts Terraform meanwhile.
		fmt.Fprintf(in.stderr, "\nenvbench: %s\n", signalName(sig))
		in.exit(exitCodeOf(sig))
		in.mu.Unlock()
		in.cancel()
		return
	}
	in.mu.Unlock()
	in.cancel()
	fmt.Fprintln(in.stderr, "\nenvbench: interrupting; waiting for Terraform to exit cleanly (interrupt again to stop waiting, which may leave its state locked)")
	if sig, ok := <-in.signals; ok {
		fmt.Fprintln(in.stderr, "envbench: stopped without waiting for Terraform")
		in.exit(exitCodeOf(sig))
	}
}

// terraformMayRun says that a run which may start Terraform began (true)
// or ended (false). It is safe on a nil receiver.
func (in *Interrupts) terraformMayRun(running bool) {
	if in == nil {
		return
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if running {
		in.terraform++
	} else if in.terraform > 0 {
		in.terraform--
	}
}

// exitCodeOf is the status a shell reports for a process ended by sig.
func exitCodeOf(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 130
}

func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "interrupted"
	case syscall.SIGTERM:
		return "terminated"
	case syscall.SIGHUP:
		return "hung up"
	}
	return sig.String()
}
