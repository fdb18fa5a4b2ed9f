package cli

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// FuzzSimCommandLine runs `envbench sim` with arbitrary arguments against
// a copy of the demo workspace and its simulation. It must never panic,
// and must exit with one of the documented codes. Arguments that name
// another workspace are left out: the simulation of the copy is the only
// one a fuzzed line may change. Latency faults are left out too: one set
// would slow every later call down (each line still runs under a bound).
func FuzzSimCommandLine(f *testing.F) {
	for _, seed := range []string{
		"", "reset", "events", "events\x00--json\x00--env\x00production", "events\x00--since\x003d\x00--user\x00dana@acme.example",
		"events\x00--since\x00-1h", "faults", "faults\x00set\x00--service\x00rds\x00--kind\x00throttle\x00--rate\x000.3", "faults\x00list\x00--json",
		"faults\x00clear", "console", "console\x00resize-db\x00--as\x00dana@acme.example\x00--env\x00production\x00--class\x00db.r6g.large",
		"console\x00open-port\x00--as\x00dana@acme.example\x00--env\x00production\x00--port\x005432\x00--group\x00production-orders-db",
		"console\x00delete-record\x00--as\x00ravi@acme.example\x00--env\x00production\x00--name\x00orders-db.prod.acme.internal",
		"console\x00resize-db\x00--as\x00nobody\x00--env\x00qa", "--help", "events\x00--\x00x", "faults\x00set\x00--rate=NaN",
	} {
		f.Add(seed)
	}
	root := copyWorkspace(f, "demo")
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, "\x00")
		if line == "" {
			args = nil
		}
		for _, a := range args {
			if strings.Contains(a, "workspace") || strings.Contains(a, "latency") {
				return
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		code := ExitCode(Run(ctx, append([]string{"--workspace", root, "sim"}, args...), Env{Stdout: io.Discard, Stderr: io.Discard}))
		if code < 0 || code > 3 {
			t.Fatalf("exit code %d for sim %q", code, args)
		}
	})
}
