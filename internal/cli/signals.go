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
// stops waiting.
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
}

// NotifyInterrupts starts handling signals; exit ends the process (os.Exit
// in main). Call Stop when the command returns.
func NotifyInterrupts(stderr io.Writer, exit func(code int)) *Interrupts {
	ctx, cancel := context.WithCancel(context.Background())
	in := &Interrupts{
		ctx: ctx, cancel: cancel, stderr: newQuietWriter(stderr), exit: exit,
		signals: make(chan os.Signal, 2),
		pipes:   make(chan os.Signal, 1),
	}
	// Notified, not ignored: an ignored SIGPIPE would be inherited by
	// Terraform and the hooks envbench starts.
	signal.Notify(in.pipes, syscall.SIGPIPE)
	signal.Notify(in.signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go in.handle()
	return in
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
	if _, ok := <-in.signals; !ok {
		return
	}
	in.cancel()
	fmt.Fprintln(in.stderr, "\nenvbench: interrupting; waiting for Terraform to exit cleanly (interrupt again to stop waiting, which may leave its state locked)")
	if _, ok := <-in.signals; ok {
		fmt.Fprintln(in.stderr, "envbench: stopped without waiting for Terraform")
		in.exit(130)
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
