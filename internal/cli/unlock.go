package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/envbench/envbench/pipeline"
)

func unlockCommand() command {
	return command{
		name:    "unlock",
		args:    "ENV --force",
		summary: "break an environment's stale lock (--force)",
		help: `Breaks ENV's lock, the one-run-per-environment lock that a run which
died on another machine, or whose process cannot be told, may leave
behind: in .envbench/locks/ by default, or in the bucket of envbench.yaml's
state: s3://bucket/prefix in team mode.

Without --force it prints who holds the lock (user, host, pid, run and
since when) and refuses. With --force it removes the lock and says whose
it was. Break a lock only when its run is known to be gone: a live run
whose lock is broken no longer keeps others out.

Exit status: 0 when the lock is broken, or ENV is not locked (it says
so); 1 when the lock cannot be read or removed; 2 for a usage error, an
unknown ENV, or a held lock without --force.`,
		nargs: 1,
		need:  "the environment whose lock to break",
		bind: func(fs *flag.FlagSet) func(context.Context, *session) error {
			var force bool
			fs.BoolVar(&force, "force", false, "remove the lock whoever holds it")
			return func(ctx context.Context, s *session) error { return runUnlock(ctx, s, force) }
		},
	}
}

func runUnlock(ctx context.Context, s *session, force bool) error {
	c, err := s.catalog()
	if err != nil {
		return err
	}
	env := s.args[0]
	if err := knownEnv(c, env); err != nil {
		return err
	}
	st, err := pipeline.OpenStores(ctx, c, pipeline.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	if !force {
		h, held, err := st.Locks.Read(ctx, env)
		if err != nil {
			return err
		}
		if !held {
			fmt.Fprintf(s.stdout, "%s is not locked\n", env)
			return nil
		}
		fmt.Fprintf(s.stdout, "%s is locked by %s\n", env, h)
		return usageError{fmt.Sprintf("%s is locked by %s; add --force to break the lock if that run is gone", env, h)}
	}
	h, held, err := st.Locks.Break(ctx, env)
	if err != nil {
		return err
	}
	if !held {
		fmt.Fprintf(s.stdout, "%s is not locked\n", env)
		return nil
	}
	if h.RunID == "" {
		fmt.Fprintf(s.stdout, "Broke %s's lock (it could not be read)\n", env)
		return nil
	}
	fmt.Fprintf(s.stdout, "Broke %s's lock, held by %s\n", env, h)
	return nil
}
