package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/aws"
	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/fake"
	"github.com/envbench/envbench/internal/testkit"
	"github.com/envbench/envbench/ui/environments"
	"github.com/envbench/envbench/ui/theme"
)

// demoCatalog is a copy of the demo workspace, loaded.
func demoCatalog(t *testing.T) *envs.Catalog {
	t.Helper()
	c, err := envs.Open(testkit.CopyExample(t, "demo"), time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func headerOf(m *Model) string {
	return ansi.Strip(strings.SplitN(m.View().Content, "\n", 2)[0])
}

// TestHeaderIdentity: start-up does not ask the cloud anything (the
// header says "checking…"); the check, run as a command, puts the
// caller's identity in the header, shortened to fit, or the error.
func TestHeaderIdentity(t *testing.T) {
	c := demoCatalog(t)
	var opened atomic.Int32
	release := make(chan struct{})
	open := func(ctx context.Context, c *envs.Catalog) (cloud.Connector, func(), error) {
		opened.Add(1)
		<-release
		return DefaultCloud(ctx, c)
	}
	m := New(Options{Catalog: c, Palette: theme.PlainPalette(), Cloud: open})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	m.Init()
	if opened.Load() != 0 {
		t.Fatal("start-up opened the cloud")
	}
	if h := headerOf(m); !strings.Contains(h, "identity: checking… · simulated AWS") {
		t.Errorf("header while checking: %q", h)
	}
	cmd := m.checkIdentity()
	done := make(chan tea.Msg)
	go func() { done <- cmd() }()
	close(release)
	m.Update(<-done)
	if h := headerOf(m); !strings.Contains(h, "environments") || !strings.Contains(h, "999999999999 · developer@acme.example · simulated AWS · local only") {
		t.Errorf("header at 120 columns: %q", h)
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if h := headerOf(m); !strings.HasSuffix(strings.TrimSpace(h), "developer@acme.example · simulated AWS · local only") || ansi.StringWidth(h) > 80 {
		t.Errorf("header at 80 columns: %q", h)
	}
	m.Update(tea.WindowSizeMsg{Width: 240, Height: 24})
	if h := headerOf(m); !strings.Contains(h, fake.DefaultIdentity+" · simulated AWS · nothing leaves this machine") {
		t.Errorf("header at 240 columns: %q", h)
	}
	m.Update(identityMsg{err: errors.New("check identity: no credentials found\nmore")})
	if h := headerOf(m); !strings.Contains(h, " identity: no credentials found · simulated AWS") || strings.Contains(h, "check identity") {
		t.Errorf("header after a failed check: %q", h)
	}
}

// TestDefaultCloud: a simulated workspace's checks open its own
// simulation, seeded on first use; any other workspace's go to AWS.
func TestDefaultCloud(t *testing.T) {
	ctx := context.Background()
	c := demoCatalog(t)
	conn, release, err := DefaultCloud(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	a, err := conn.Connect(ctx, cloud.Target{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := a.Identity.AssumeRole(ctx, cloud.Target{RoleARN: "arn:aws:iam::111111111111:role/envbench-deployer", SessionName: "envbench-test"}); err != nil || got.Account != "111111111111" {
		t.Errorf("the seed's production role: %+v, %v", got, err)
	}
	release()
	if _, err := os.Stat(filepath.Join(c.Root, fake.WorkspaceDB)); err != nil {
		t.Errorf("the simulation: %v", err)
	}
	real := *c
	ws := *c.Workspace
	ws.Settings.Cloud = "aws"
	real.Workspace = &ws
	conn, release, err = DefaultCloud(ctx, &real)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if _, ok := conn.(*aws.Connector); !ok {
		t.Errorf("a real workspace's cloud is %T, want *aws.Connector", conn)
	}
}

// TestRoleCheck: c in the environments screen assumes the selected
// environment's role off the UI goroutine and shows what came of it in
// the detail pane; a role the account does not have shows the error.
func TestRoleCheck(t *testing.T) {
	c := demoCatalog(t)
	testkit.WriteFile(t, c.Root, "envs/stray.yaml", "archetype: sandbox\naccount: \"444444444444\"\nrole: arn:aws:iam::444444444444:role/envbench-sandbox\nowner: erin\ninputs:\n  vpc_cidr: 10.100.96.0/24\n")
	c, err := envs.Open(c.Root, time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	checkedAt := time.Date(2026, 11, 21, 12, 30, 0, 0, time.UTC)
	m := New(Options{Catalog: c, Palette: theme.PlainPalette(), Now: func() time.Time { return checkedAt }})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 50})
	press := func(r rune) tea.Cmd {
		_, cmd := m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		return cmd
	}
	for _, e := range c.Environments {
		if e.Name == "production" {
			break
		}
		press('j')
	}
	if v := ansi.Strip(m.View().Content); strings.Contains(v, "works (as") || strings.Contains(v, "checking…") {
		t.Fatalf("a role is checked before c:\n%s", v)
	}
	cmd := press('c')
	if cmd == nil || !strings.Contains(ansi.Strip(m.View().Content), "checking…") {
		t.Fatalf("after c:\n%s", ansi.Strip(m.View().Content))
	}
	if again := press('c'); again != nil {
		t.Error("a second c while checking starts another check")
	}
	m.Update(cmd())
	// Its session is the check's own, so CloudTrail shows which check it was.
	want := "works (as arn:aws:sts::111111111111:assumed-role/envbench-deployer/envbench-check-20261121T123000Z)"
	if v := ansi.Strip(m.View().Content); !strings.Contains(strings.Join(strings.Fields(v), " "), want) {
		t.Errorf("production's role after the check, want %q:\n%s", want, v)
	}
	if _, ok := m.Top().(*environments.Screen); !ok {
		t.Fatalf("top screen %T", m.Top())
	}
	press('G')
	for i := 0; i < len(c.Environments); i++ {
		if strings.Contains(ansi.Strip(m.View().Content), "444444444444:role/envbench-sandbox") {
			break
		}
		press('k')
	}
	m.Update(press('c')())
	if v := strings.Join(strings.Fields(ansi.Strip(m.View().Content)), " "); !strings.Contains(v, "fails: assume arn:aws:iam::444444444444:role/envbench-sandbox") || !strings.Contains(v, "AccessDenied") {
		t.Errorf("a role the simulation does not have:\n%s", v)
	}
}
