package cli

import (
	"context"
	"flag"
	"fmt"
	"runtime/debug"
)

func versionCommand() command {
	return command{
		name:    "version",
		summary: "print the version, commit and build date",
		help:    "Prints envbench's version, the commit it was built from and the build date.",
		bind:    func(*flag.FlagSet) func(context.Context, *session) error { return runVersion },
	}
}

func runVersion(_ context.Context, s *session) error {
	v := s.build.Version
	if v == "dev" || v == "" {
		if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		} else if v == "" {
			v = "dev"
		}
	}
	fmt.Fprintf(s.stdout, "envbench %s (commit %s, built %s)\n", v, s.build.Commit, s.build.Date)
	return nil
}
