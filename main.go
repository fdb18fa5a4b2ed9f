// Command envbench is a terminal workbench for the lifecycle of cloud
// environments built with Terraform on AWS. With no command it opens the
// TUI; every action also exists as a headless command (internal/cli).
// main.go only wires the process to them: signals, stdout and stderr, the
// TUI and the build's version; started by Terraform as a plugin, it serves
// the simulated AWS provider (envs/simprovider) instead.
package main

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/simprovider"
	"github.com/envbench/envbench/internal/cli"
	"github.com/envbench/envbench/ui"
	"github.com/envbench/envbench/ui/theme"
)

// Set by the release build (see .goreleaser.yml).
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	// Started by Terraform as the simulated AWS provider: serve it and
	// nothing else.
	simprovider.ServeIfPlugin()
	in := cli.NotifyInterrupts(os.Stderr, os.Exit)
	err := cli.Run(in.Context(), os.Args[1:], cli.Env{
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		TUI:        runTUI,
		Build:      cli.Build{Version: version, Commit: commit, Date: date},
		Interrupts: in,
	})
	in.Stop()
	os.Exit(cli.ExitCode(err))
}

// runTUI opens the TUI on the catalog, in plain colours under NO_COLOR.
func runTUI(ctx context.Context, c *envs.Catalog, stderr io.Writer) error {
	palette := theme.DefaultPalette()
	if os.Getenv("NO_COLOR") != "" {
		palette = theme.PlainPalette()
	}
	err := ui.Run(ctx, ui.Options{Catalog: c, Palette: palette, Simulation: ui.PipelineSimulation{}}, stderr)
	var unfinished *ui.OutcomeError
	if errors.As(err, &unfinished) {
		return &cli.ExitError{Code: unfinished.ExitCode, Err: unfinished}
	}
	return err
}
