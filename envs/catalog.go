// Package envs is envbench's domain: the catalog of archetypes and
// environments with their status and expiry, rendering into work
// directories, and (in plan.go and risk.go) the plan model and risk review.
// It never imports the UI.
package envs

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs/tf"
)

// Status is where an environment stands, as far as this machine can tell
// without running Terraform.
type Status string

const (
	// StatusInvalid: the environment's files have problems.
	StatusInvalid Status = "invalid"
	// StatusNew: never rendered on this machine.
	StatusNew Status = "new"
	// StatusRendered: rendered, no local state (never applied here, or state
	// kept in a remote backend).
	StatusRendered Status = "rendered"
	// StatusDeployed: the local state holds resources.
	StatusDeployed Status = "deployed"
	// StatusDestroyed: the local state exists and holds no resources.
	StatusDestroyed Status = "destroyed"
	// StatusApplyInterrupted: an apply was cut short (killed, interrupted)
	// and none has succeeded since: the state may not match what exists.
	StatusApplyInterrupted Status = "apply interrupted"
)

// Catalog is a workspace with what envbench knows of each environment.
type Catalog struct {
	*config.Workspace
	// Now is the time expiries are computed against.
	Now          time.Time
	Environments []*Environment // sorted by name
}

// Environment is an environment with its computed status and expiry.
type Environment struct {
	*config.Environment
	Status    Status
	Resources int // resources in the local state
	Expiry    time.Time
	Expires   bool // whether Expiry is set
	Expired   bool
}

// Open loads the workspace at root and computes every environment's status
// and expiry as of now.
func Open(root string, now time.Time) (*Catalog, error) {
	ws, err := config.LoadAt(root, now)
	if err != nil {
		return nil, err
	}
	return NewCatalog(ws, now), nil
}

// NewCatalog computes status and expiry for a loaded workspace. It also
// decides which CIDR overlaps are errors: an overlap is the fault of the
// environment that is not deployed yet, which carries the error; a
// deployed environment keeps working and carries a warning.
func NewCatalog(ws *config.Workspace, now time.Time) *Catalog {
	c := &Catalog{Workspace: ws, Now: now, Environments: make([]*Environment, len(ws.Environments))}
	deployed := make(map[*config.Environment]bool, len(ws.Environments))
	for i, e := range ws.Environments {
		env := &Environment{Environment: e}
		env.Expiry, env.Expires = e.Expiry()
		env.Expired = env.Expires && !now.Before(env.Expiry)
		env.Status, env.Resources = localStatus(ws.Root, e)
		// Resources in the state make it deployed, whether its last apply
		// finished or was cut short.
		deployed[e] = env.Resources > 0
		c.Environments[i] = env
	}
	ws.ResolveOverlaps(func(e *config.Environment) bool { return deployed[e] })
	for _, env := range c.Environments {
		if !env.Valid() {
			env.Status, env.Resources = StatusInvalid, 0
		}
	}
	return c
}

// localStatus reads the work directory and local state, whatever the
// environment's problems: whether it is deployed decides whose fault an
// overlap is.
func localStatus(root string, e *config.Environment) (Status, int) {
	dir := WorkDir(root, e.Name)
	data, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate"))
	if err != nil {
		if _, err := os.Stat(dir); err == nil {
			return StatusRendered, 0
		}
		return StatusNew, 0
	}
	var state struct {
		Resources []struct {
			Mode      string            `json:"mode"`
			Instances []json.RawMessage `json:"instances"`
		} `json:"resources"`
	}
	if json.Unmarshal(data, &state) != nil {
		return StatusRendered, 0
	}
	n := 0
	for _, r := range state.Resources {
		if r.Mode == "managed" {
			n += len(r.Instances)
		}
	}
	if tf.ApplyInterrupted(dir) {
		return StatusApplyInterrupted, n
	}
	if n == 0 {
		return StatusDestroyed, 0
	}
	return StatusDeployed, n
}

// Environment returns the named environment.
func (c *Catalog) Environment(name string) (*Environment, bool) {
	for _, e := range c.Environments {
		if e.Name == name {
			return e, true
		}
	}
	return nil, false
}

// ErrUnknownEnvironment is returned for a name the workspace does not hold.
var ErrUnknownEnvironment = errors.New("unknown environment")

// Lookup returns the named environment or an error that lists the names the
// workspace has.
func (c *Catalog) Lookup(name string) (*Environment, error) {
	if e, ok := c.Environment(name); ok {
		return e, nil
	}
	names := make([]string, len(c.Environments))
	for i, e := range c.Environments {
		names[i] = e.Name
	}
	have := "none"
	if len(names) > 0 {
		have = strings.Join(names, ", ")
	}
	return nil, fmt.Errorf("%w %q; the workspace has: %s", ErrUnknownEnvironment, name, have)
}

// Listing is one environment as `envbench list --json` prints it and the
// environments screen shows it.
type Listing struct {
	Name      string              `json:"name"`
	Archetype string              `json:"archetype"`
	Account   string              `json:"account"`
	Region    string              `json:"region"`
	Protected bool                `json:"protected"`
	Owner     string              `json:"owner"`
	TTL       string              `json:"ttl,omitempty"`
	Expires   *time.Time          `json:"expires,omitempty"`
	Expired   bool                `json:"expired"`
	Status    Status              `json:"status"`
	Resources int                 `json:"resources"`
	Errors    []config.Diagnostic `json:"errors"`
	// Warnings block nothing (a deployed environment a new one overlaps).
	Warnings []config.Diagnostic `json:"warnings"`
}

// Listing returns the environment's row.
func (e *Environment) Listing() Listing {
	l := Listing{
		Name: e.Name, Archetype: e.Archetype, Account: e.Account, Region: e.Region,
		Protected: e.Protected, Owner: e.Owner, TTL: e.TTLText, Expired: e.Expired,
		Status: e.Status, Resources: e.Resources, Errors: e.Diags, Warnings: e.Warnings,
	}
	if l.Errors == nil {
		l.Errors = []config.Diagnostic{}
	}
	if l.Warnings == nil {
		l.Warnings = []config.Diagnostic{}
	}
	if e.Expires {
		t := e.Expiry.UTC()
		l.Expires = &t
	}
	return l
}

// ExpiryText describes the expiry relative to now: "in 3d", "expired 2h
// ago", or "" when the environment does not expire.
func (e *Environment) ExpiryText(now time.Time) string {
	if !e.Expires {
		return ""
	}
	if e.Expired {
		return "expired " + Ago(now.Sub(e.Expiry)) + " ago"
	}
	return "in " + Ago(e.Expiry.Sub(now))
}

// Ago formats a duration coarsely, to the nearest unit: 45s, 12m, 5h, 3d,
// 7w.
func Ago(d time.Duration) string {
	round := func(unit time.Duration) int { return int((d + unit/2) / unit) }
	switch {
	case round(time.Second) < 60:
		return fmt.Sprintf("%ds", round(time.Second))
	case round(time.Minute) < 60:
		return fmt.Sprintf("%dm", round(time.Minute))
	case round(time.Hour) < 48:
		return fmt.Sprintf("%dh", round(time.Hour))
	case round(24*time.Hour) < 14:
		return fmt.Sprintf("%dd", round(24*time.Hour))
	}
	return fmt.Sprintf("%dw", round(7*24*time.Hour))
}
