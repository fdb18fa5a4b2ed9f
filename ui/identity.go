package ui

import (
	"context"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/aws"
	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/fake"
	"github.com/envbench/envbench/ui/screen"
)

// DefaultCloud is the TUI's screen.CloudOpener: a simulated workspace's
// own simulation (.envbench/sim/aws.db, seeded from sim/seed.yaml on first
// use), opened for the check and closed after it; AWS through the standard
// credential chain for any other.
func DefaultCloud(ctx context.Context, c *envs.Catalog) (cloud.Connector, func(), error) {
	if c.Settings.Cloud == config.CloudSimulated {
		s, err := fake.OpenWorkspace(ctx, c.Root, filepath.Join(c.Root, fake.WorkspaceSeed), fake.Options{})
		if err != nil {
			return nil, nil, err
		}
		return s, func() { s.Close() }, nil
	}
	return &aws.Connector{}, func() {}, nil
}

// identityMsg carries the result of the identity check.
type identityMsg struct {
	caller cloud.Caller
	err    error
}

// identity is what the header says of the caller.
type identity struct {
	checking bool
	caller   cloud.Caller
	err      error
}

// checkIdentity asks, off the UI goroutine, who the workspace's calls are
// made as. Start-up never waits for it: the header says "checking…" until
// it answers.
func (m *Model) checkIdentity() tea.Cmd {
	c, open := m.ctx.Catalog, m.ctx.Cloud
	if c == nil || open == nil {
		return nil
	}
	m.identity = identity{checking: true}
	base := m.ctx.Base
	if base == nil {
		base = context.Background()
	}
	return func() tea.Msg {
		caller, err := screen.CheckIdentity(base, open, c)
		return identityMsg{caller: caller, err: err}
	}
}

// identityTexts are the ways the header may say who the caller is, the
// longest first; none when there is nothing to say.
func (i identity) texts() []string {
	switch {
	case i.checking:
		return []string{"identity: checking…", "checking…"}
	case i.err != nil:
		msg := strings.TrimPrefix(strings.SplitN(i.err.Error(), "\n", 2)[0], "check identity: ")
		if len(msg) > 60 {
			msg = msg[:59] + "…"
		}
		return []string{"identity: " + msg, "identity: unavailable"}
	case i.caller.ARN != "":
		out := []string{i.caller.ARN}
		name := i.caller.ARN[strings.LastIndex(i.caller.ARN, "/")+1:]
		if name != i.caller.ARN {
			out = append(out, i.caller.Account+" · "+name, name)
		}
		return append(out, i.caller.Account)
	}
	return nil
}
