package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/fake"
	"github.com/envbench/envbench/pipeline"
)

// envTag is the tag every resource of an environment carries.
const envTag = "envbench:env"

func simCommand() command {
	return command{
		name:    "sim",
		args:    "SUBCOMMAND [flags]",
		summary: "the simulated AWS of a workspace: reset, console changes, faults, events",
		help:    simHelp(),
		sub:     runSim,
	}
}

// simSubcommands are sim's subcommands, named as typed after "sim"
// ("faults set"); each is a command of its own with its own options.
func simSubcommands() []command {
	return []command{
		simResetCommand(),
		simConsoleResizeDBCommand(),
		simConsoleOpenPortCommand(),
		simConsoleDeleteRecordCommand(),
		simFaultsSetCommand(),
		simFaultsListCommand(),
		simFaultsClearCommand(),
		simEventsCommand(),
		simTrailCommand(),
	}
}

func simHelp() string {
	var b strings.Builder
	b.WriteString(`Acts on the simulated AWS of a workspace whose envbench.yaml says
cloud: simulated. The simulation lives in .envbench/sim/aws.db (owner only)
and is seeded from sim/seed.yaml the first time it is needed.

Subcommands:
`)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, c := range simSubcommands() {
		fmt.Fprintf(tw, "  sim %s\t%s\n", strings.TrimPrefix(c.name, "sim "), c.summary)
	}
	tw.Flush()
	b.WriteString("\nRun 'envbench sim SUBCOMMAND --help' for a subcommand's flags.")
	return b.String()
}

// runSim finds the subcommand that args name, parses its flags and runs
// it, reporting errors as Run does (exit 2 on usage).
func runSim(ctx context.Context, s *session, args []string) error {
	usage := func(format string, a ...any) error {
		err := usageError{fmt.Sprintf(format, a...)}
		fmt.Fprintf(s.stderr, "envbench sim: %v\nRun 'envbench sim --help' for usage.\n", err)
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if len(args) == 0 {
		return usage("needs a subcommand: %s", strings.Join(simGroups(), ", "))
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help" {
		printSimUsage(s.stdout)
		return nil
	}
	name, rest := args[0], args[1:]
	if slices.Contains([]string{"console", "faults"}, name) {
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			if len(rest) > 0 && (rest[0] == "-h" || rest[0] == "--help" || rest[0] == "-help") {
				printSimUsage(s.stdout)
				return nil
			}
			return usage("sim %s needs one of: %s", name, strings.Join(simGroup(name), ", "))
		}
		name, rest = name+" "+rest[0], rest[1:]
	}
	i := slices.IndexFunc(simSubcommands(), func(c command) bool { return c.name == "sim "+name })
	if group, sub, grouped := strings.Cut(name, " "); i < 0 && grouped {
		return usage("sim %s has no %q; want one of: %s", group, sub, strings.Join(simGroup(group), ", "))
	}
	if i < 0 {
		return usage("unknown subcommand %q; want one of: %s", name, strings.Join(simGroups(), ", "))
	}
	c := simSubcommands()[i]
	fs := flag.NewFlagSet("envbench "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&s.workspace, "workspace", s.workspace, "the workspace root")
	run := c.bind(fs)
	positional, err := parseInterspersed(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		printCommandUsage(s.stdout, c, fs)
		return nil
	}
	if err != nil {
		fmt.Fprintf(s.stderr, "envbench %s: %v\nRun 'envbench %s --help' for usage.\n", c.name, err, c.name)
		return &ExitError{Code: ExitUsage, Err: err}
	}
	s.args = positional
	if err := checkArgs(c, positional); err != nil {
		return report(s.stderr, c.name, err)
	}
	return report(s.stderr, c.name, run(ctx, s))
}

func printSimUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: envbench sim SUBCOMMAND [flags]\n\n%s\n", simHelp())
}

// simGroups are the words that may follow "sim".
func simGroups() []string {
	var out []string
	for _, c := range simSubcommands() {
		w := strings.Fields(c.name)[1]
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// simGroup are the subcommands of a group ("faults": set, list, clear).
func simGroup(group string) []string {
	var out []string
	for _, c := range simSubcommands() {
		if f := strings.Fields(c.name); len(f) == 3 && f[1] == group {
			out = append(out, f[2])
		}
	}
	return out
}

// simWorkspace is a simulated workspace with its simulation open.
type simWorkspace struct {
	catalog *envs.Catalog
	sim     *fake.Sim
}

// openSim loads the workspace, refuses one that is not simulated, and
// opens its simulation, seeding it on first use.
func openSim(ctx context.Context, s *session) (*simWorkspace, error) {
	c, err := s.catalog()
	if err != nil {
		return nil, err
	}
	if err := checkSimulated(c); err != nil {
		return nil, err
	}
	if err := prepareSimulation(ctx, s, c); err != nil {
		return nil, err
	}
	sim, err := fake.OpenWorkspace(ctx, c.Root, filepath.Join(c.Root, fake.WorkspaceSeed), fake.Options{})
	if err != nil {
		return nil, err
	}
	return &simWorkspace{catalog: c, sim: sim}, nil
}

// prepareSimulation seeds a simulated workspace's new simulation and
// applies the environments its seed lists under apply:
// (pipeline.PrepareSimulation), saying so on stderr. A failed apply is
// said there once and leaves the simulation usable; only a simulation
// that cannot be opened is an error. Nothing for any other workspace.
func prepareSimulation(ctx context.Context, s *session, c *envs.Catalog) error {
	pending, err := pipeline.PendingSimulation(ctx, c)
	if err != nil || len(pending) == 0 {
		return err
	}
	fmt.Fprintf(s.stderr, "simulated AWS: preparing %s…\n", strings.Join(pending, ", "))
	rep, err := pipeline.PrepareSimulation(ctx, c, pipeline.Options{})
	return reportPrepared(s, rep, err)
}

// reportPrepared says on stderr what preparing the simulation did.
func reportPrepared(s *session, rep pipeline.SimulationReport, err error) error {
	if err != nil {
		return err
	}
	if rep.Failure != nil {
		fmt.Fprintf(s.stderr, "%v\nThe simulation is usable without it; run envbench sim reset to try again.\n", rep.Failure)
	}
	if len(rep.Applied) > 0 {
		fmt.Fprintf(s.stderr, "simulated AWS: applied %s with Terraform (apply: in %s)\n", strings.Join(rep.Applied, ", "), fake.WorkspaceSeed)
	}
	return nil
}

func checkSimulated(c *envs.Catalog) error {
	if c.Settings.Cloud == config.CloudSimulated {
		return nil
	}
	cl := string(c.Settings.Cloud)
	if cl == "" {
		cl = "not set"
	}
	return fmt.Errorf("workspace %s is not simulated (cloud in %s is %s): sim commands act only on a workspace with cloud: simulated, never on real AWS",
		c.Root, config.SettingsFile, cl)
}

// environment is the named environment of the workspace, with its account
// and region.
func (w *simWorkspace) environment(name string) (*envs.Environment, error) {
	if name == "" {
		return nil, usageError{"needs --env ENV"}
	}
	e, err := w.catalog.Lookup(name)
	if err != nil {
		return nil, err
	}
	if e.Account == "" {
		return nil, fmt.Errorf("environment %s (%s) names no account", e.Name, e.File)
	}
	return e, nil
}

// --- reset ---

func simResetCommand() command {
	return command{
		name:    "sim reset",
		summary: "throw the simulation away and seed it again from sim/seed.yaml",
		help: `Removes .envbench/sim/aws.db and seeds a new simulation from the
workspace's sim/seed.yaml: every change made since (applies, console
changes, faults, CloudTrail events) is gone. The seed is checked first;
a seed with problems leaves the simulation as it is. The environments
the seed lists under apply: lose their Terraform state (terraform.tfstate,
its backup, the apply record) and are applied again, so that their state
and the account agree; other environments keep theirs: plan them again
after a reset.`,
		bind: func(*flag.FlagSet) func(context.Context, *session) error { return runSimReset },
	}
}

func runSimReset(ctx context.Context, s *session) error {
	c, err := s.catalog()
	if err != nil {
		return err
	}
	if err := checkSimulated(c); err != nil {
		return err
	}
	if pending, err := fake.LoadSeed(filepath.Join(c.Root, fake.WorkspaceSeed)); err == nil && len(pending.Apply) > 0 {
		fmt.Fprintf(s.stderr, "simulated AWS: preparing %s…\n", strings.Join(pending.Apply, ", "))
	}
	rep, err := pipeline.ResetSimulation(ctx, c, pipeline.Options{})
	if err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	if err := reportPrepared(s, rep, nil); err != nil {
		return err
	}
	sim, err := fake.OpenWorkspace(ctx, c.Root, filepath.Join(c.Root, fake.WorkspaceSeed), fake.Options{})
	if err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	defer sim.Close()
	seeded, err := sim.Seeded(ctx)
	if err != nil {
		return err
	}
	if !seeded {
		fmt.Fprintf(s.stdout, "reset %s: no %s in the workspace, the simulation is empty\n", fake.WorkspaceDB, fake.WorkspaceSeed)
		return nil
	}
	accounts, err := sim.Accounts()
	if err != nil {
		return err
	}
	events, err := sim.Events(ctx, fake.EventFilter{})
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "reset %s from %s: %d accounts, %d CloudTrail events\n", fake.WorkspaceDB, fake.WorkspaceSeed, len(accounts), len(events))
	return nil
}

// --- console ---

// consoleOptions are the flags every console change takes: who makes it,
// in which environment.
type consoleOptions struct {
	as, env string
}

func (o *consoleOptions) bind(fs *flag.FlagSet) {
	fs.StringVar(&o.as, "as", "", "the person of the seed who makes the change, by `EMAIL` (through their SSO role)")
	fs.StringVar(&o.env, "env", "", "the environment whose resource is changed, `ENV`")
}

// check refuses a change that names no one or no environment, before
// anything is opened.
func (o consoleOptions) check() error {
	if o.as == "" {
		return usageError{"needs --as EMAIL: the person of the seed who makes the change"}
	}
	if o.env == "" {
		return usageError{"needs --env ENV"}
	}
	return nil
}

// person connects as o.as in o.env's account and region.
func (o consoleOptions) person(ctx context.Context, w *simWorkspace) (*fake.Account, *envs.Environment, error) {
	e, err := w.environment(o.env)
	if err != nil {
		return nil, nil, err
	}
	a, err := w.sim.Person(ctx, o.as, e.Account, e.Region)
	if err != nil {
		return nil, nil, err
	}
	return a, e, nil
}

const consoleHelpTail = `
The change is made outside Terraform, as the person given with --as
(someone of the seed, acting through their SSO role with their email as
the session name), and recorded in the simulated CloudTrail; a plan of
the environment then shows it as drift.`

type resizeDBOptions struct {
	consoleOptions
	class, db string
}

func simConsoleResizeDBCommand() command {
	return command{
		name:    "sim console resize-db",
		summary: "resize an environment's database, as a person in the console",
		help: `Changes the instance class of the environment's RDS database
(ModifyDBInstance, applied at once). --db chooses the database when the
environment has several.` + consoleHelpTail,
		bind: func(fs *flag.FlagSet) func(context.Context, *session) error {
			var o resizeDBOptions
			o.consoleOptions.bind(fs)
			fs.StringVar(&o.class, "class", "", "the new instance class, `CLASS` (db.r6g.large)")
			fs.StringVar(&o.db, "db", "", "the database instance `ID`, when the environment has several")
			return func(ctx context.Context, s *session) error { return runResizeDB(ctx, s, o) }
		},
	}
}

func runResizeDB(ctx context.Context, s *session, o resizeDBOptions) error {
	if err := o.check(); err != nil {
		return err
	}
	if o.class == "" {
		return usageError{"needs --class CLASS (db.r6g.large)"}
	}
	if !strings.HasPrefix(o.class, "db.") || strings.ContainsAny(o.class, " \t\n") {
		return usageError{fmt.Sprintf("--class %q is not an RDS instance class such as db.r6g.large", o.class)}
	}
	w, err := openSim(ctx, s)
	if err != nil {
		return err
	}
	defer w.sim.Close()
	a, e, err := o.person(ctx, w)
	if err != nil {
		return err
	}
	all, err := a.Instances(ctx)
	if err != nil {
		return fmt.Errorf("list the databases of %s: %w", e.Name, err)
	}
	var ids []string
	classes := map[string]string{}
	for _, d := range all {
		if d.Tags[envTag] == e.Name {
			ids = append(ids, d.ID)
			classes[d.ID] = d.Class
		}
	}
	id, err := choose("database", e, o.db, "--db", ids)
	if err != nil {
		return err
	}
	if _, err := a.ModifyInstance(ctx, id, o.class, ""); err != nil {
		return fmt.Errorf("resize database %s of %s: %w", id, e.Name, err)
	}
	fmt.Fprintf(s.stdout, "%s resized database %s of %s from %s to %s (account %s, %s; ModifyDBInstance in the simulated CloudTrail)\n",
		o.as, id, e.Name, classes[id], o.class, e.Account, e.Region)
	return nil
}

// choose picks the resource named by given among the environment's, or
// the only one when none is given.
func choose(kind string, e *envs.Environment, given, flagName string, have []string) (string, error) {
	if len(have) == 0 {
		return "", fmt.Errorf("environment %s has no %s in account %s (%s) tagged %s=%s: is it applied?", e.Name, kind, e.Account, e.Region, envTag, e.Name)
	}
	if given != "" {
		if !slices.Contains(have, given) {
			return "", fmt.Errorf("environment %s has no %s %q; it has: %s", e.Name, kind, given, strings.Join(have, ", "))
		}
		return given, nil
	}
	if len(have) > 1 {
		return "", usageError{fmt.Sprintf("environment %s has several %s: %s; choose one with %s", e.Name, kind+"s", strings.Join(have, ", "), flagName)}
	}
	return have[0], nil
}

type openPortOptions struct {
	consoleOptions
	port           int
	cidr, protocol string
	group          string
}

func simConsoleOpenPortCommand() command {
	return command{
		name:    "sim console open-port",
		summary: "open a port on an environment's security group, as a person in the console",
		help: `Adds an ingress rule to one of the environment's security groups
(AuthorizeSecurityGroupIngress): --port from --cidr (default 0.0.0.0/0,
the whole internet). --group chooses the group, by name or id, when the
environment has several.` + consoleHelpTail,
		bind: func(fs *flag.FlagSet) func(context.Context, *session) error {
			var o openPortOptions
			o.consoleOptions.bind(fs)
			fs.IntVar(&o.port, "port", 0, "the `PORT` to open, 1 to 65535")
			fs.StringVar(&o.cidr, "cidr", "0.0.0.0/0", "who may connect, a `CIDR` block")
			fs.StringVar(&o.protocol, "protocol", "tcp", "tcp or udp")
			fs.StringVar(&o.group, "group", "", "the security group, by `NAME` or id, when the environment has several")
			return func(ctx context.Context, s *session) error { return runOpenPort(ctx, s, o) }
		},
	}
}

func runOpenPort(ctx context.Context, s *session, o openPortOptions) error {
	if err := o.check(); err != nil {
		return err
	}
	if o.port < 1 || o.port > 65535 {
		return usageError{fmt.Sprintf("needs --port between 1 and 65535, got %d", o.port)}
	}
	prefix, err := netip.ParsePrefix(o.cidr)
	if err != nil || prefix.Masked() != prefix {
		return usageError{fmt.Sprintf("--cidr %q is not a CIDR block such as 0.0.0.0/0 or 203.0.113.0/24", o.cidr)}
	}
	if o.protocol != "tcp" && o.protocol != "udp" {
		return usageError{fmt.Sprintf("--protocol %q: want tcp or udp", o.protocol)}
	}
	w, err := openSim(ctx, s)
	if err != nil {
		return err
	}
	defer w.sim.Close()
	a, e, err := o.person(ctx, w)
	if err != nil {
		return err
	}
	vpcs, err := a.VPCs(ctx)
	if err != nil {
		return fmt.Errorf("list the networks of %s: %w", e.Name, err)
	}
	var names []string
	ids := map[string]string{} // name → id
	for _, v := range vpcs {
		groups, err := a.SecurityGroups(ctx, v.ID)
		if err != nil {
			return fmt.Errorf("list the security groups of %s: %w", e.Name, err)
		}
		for _, g := range groups {
			if g.Tags[envTag] == e.Name {
				names = append(names, g.Name)
				ids[g.Name] = g.ID
				if o.group == g.ID {
					o.group = g.Name
				}
			}
		}
	}
	name, err := choose("security group", e, o.group, "--group", names)
	if err != nil {
		return err
	}
	rule := cloud.Rule{Protocol: o.protocol, FromPort: o.port, ToPort: o.port, CIDRs: []string{prefix.String()}}
	if err := a.AuthorizeIngress(ctx, ids[name], rule); err != nil {
		return fmt.Errorf("open %s port %d on %s of %s: %w", o.protocol, o.port, name, e.Name, err)
	}
	fmt.Fprintf(s.stdout, "%s opened %s port %d to %s on security group %s (%s) of %s (account %s, %s; AuthorizeSecurityGroupIngress in the simulated CloudTrail)\n",
		o.as, o.protocol, o.port, prefix, name, ids[name], e.Name, e.Account, e.Region)
	return nil
}

type deleteRecordOptions struct {
	consoleOptions
	name, typ string
}

func simConsoleDeleteRecordCommand() command {
	return command{
		name:    "sim console delete-record",
		summary: "delete a DNS record of an environment's zone, as a person in the console",
		help: `Deletes a record from one of the environment's Route 53 zones
(ChangeResourceRecordSets): --name is the record's name, with or without
the trailing dot; --type chooses among records of that name.` + consoleHelpTail,
		bind: func(fs *flag.FlagSet) func(context.Context, *session) error {
			var o deleteRecordOptions
			o.consoleOptions.bind(fs)
			fs.StringVar(&o.name, "name", "", "the record's `NAME` (db.qa.acme.internal)")
			fs.StringVar(&o.typ, "type", "", "the record's `TYPE` (A, CNAME...), when several share the name")
			return func(ctx context.Context, s *session) error { return runDeleteRecord(ctx, s, o) }
		},
	}
}

func runDeleteRecord(ctx context.Context, s *session, o deleteRecordOptions) error {
	if err := o.check(); err != nil {
		return err
	}
	if o.name == "" {
		return usageError{"needs --name NAME: the record to delete"}
	}
	want := strings.ToLower(strings.TrimSuffix(o.name, ".")) + "."
	typ := strings.ToUpper(o.typ)
	w, err := openSim(ctx, s)
	if err != nil {
		return err
	}
	defer w.sim.Close()
	a, e, err := o.person(ctx, w)
	if err != nil {
		return err
	}
	zones, err := a.Zones(ctx)
	if err != nil {
		return fmt.Errorf("list the zones of %s: %w", e.Name, err)
	}
	var found []cloud.Record
	var zoneOf []cloud.Zone
	var zoneNames []string
	for _, z := range zones {
		if z.Tags[envTag] != e.Name {
			continue
		}
		zoneNames = append(zoneNames, z.Name)
		records, err := a.Records(ctx, z.ID)
		if err != nil {
			return fmt.Errorf("list the records of zone %s: %w", z.Name, err)
		}
		for _, r := range records {
			if strings.EqualFold(r.Name, want) && (typ == "" || r.Type == typ) {
				found = append(found, r)
				zoneOf = append(zoneOf, z)
			}
		}
	}
	switch {
	case len(zoneNames) == 0:
		return fmt.Errorf("environment %s has no DNS zone in account %s tagged %s=%s: is it applied?", e.Name, e.Account, envTag, e.Name)
	case len(found) == 0:
		return fmt.Errorf("no record %s%s in the zones of %s (%s)", want, typeSuffix(typ), e.Name, strings.Join(zoneNames, ", "))
	case len(found) > 1:
		var types []string
		for _, r := range found {
			types = append(types, r.Type)
		}
		return usageError{fmt.Sprintf("%s has records of several types (%s): choose one with --type", want, strings.Join(types, ", "))}
	}
	r, z := found[0], zoneOf[0]
	if _, err := a.DeleteRecord(ctx, z.ID, r); err != nil {
		return fmt.Errorf("delete record %s %s of %s: %w", r.Name, r.Type, e.Name, err)
	}
	fmt.Fprintf(s.stdout, "%s deleted record %s %s from zone %s of %s (account %s; ChangeResourceRecordSets in the simulated CloudTrail)\n",
		o.as, r.Name, r.Type, z.Name, e.Name, e.Account)
	return nil
}

func typeSuffix(typ string) string {
	if typ == "" {
		return ""
	}
	return " of type " + typ
}

// --- faults ---

// faultServices are the services a fault may name.
var faultServices = []string{"*", "rds", "ec2", "kms", "secretsmanager", "route53", "s3", "sts", "cloudtrail", "tagging", "ecs"}

var faultKinds = []string{fake.FaultThrottle, fake.FaultServerError, fake.FaultLatency}

type faultSetOptions struct {
	service, operation, kind string
	rate                     float64
	latency                  time.Duration
}

func simFaultsSetCommand() command {
	return command{
		name:    "sim faults set",
		summary: "make calls to a service fail or slow down, at a rate",
		help: `Sets a fault on the simulation's calls, for every process using it
(the TUI, runs, Terraform's provider): a share (--rate, 0 to 1) of the
calls to --service's --operation ("*" for every one) is throttled
(throttle), fails with a server error (server-error), or waits --latency
first (latency). Setting a fault of the same service, operation and kind
again replaces it.`,
		bind: func(fs *flag.FlagSet) func(context.Context, *session) error {
			var o faultSetOptions
			fs.StringVar(&o.service, "service", "", "the `SERVICE`: "+strings.Join(faultServices, ", "))
			fs.StringVar(&o.operation, "operation", "*", "the `OPERATION` (CreateDBSnapshot), or * for all")
			fs.StringVar(&o.kind, "kind", "", "the `KIND`: "+strings.Join(faultKinds, ", "))
			fs.Float64Var(&o.rate, "rate", 1, "the share of matching calls affected, `0 to 1`")
			fs.DurationVar(&o.latency, "latency", 0, "how long a latency fault waits, `DURATION` (2s)")
			return func(ctx context.Context, s *session) error { return runFaultsSet(ctx, s, o) }
		},
	}
}

func runFaultsSet(ctx context.Context, s *session, o faultSetOptions) error {
	switch {
	case o.service == "":
		return usageError{"needs --service: one of " + strings.Join(faultServices, ", ")}
	case !slices.Contains(faultServices, o.service):
		return usageError{fmt.Sprintf("--service %q: want one of %s", o.service, strings.Join(faultServices, ", "))}
	case fake.CheckOperation(o.service, o.operation) != nil:
		return usageError{"--operation: " + fake.CheckOperation(o.service, o.operation).Error()}
	case o.kind == "":
		return usageError{"needs --kind: one of " + strings.Join(faultKinds, ", ")}
	case !slices.Contains(faultKinds, o.kind):
		return usageError{fmt.Sprintf("--kind %q: want one of %s", o.kind, strings.Join(faultKinds, ", "))}
	case !(o.rate >= 0 && o.rate <= 1):
		return usageError{fmt.Sprintf("--rate %v: want a share between 0 and 1", o.rate)}
	case o.kind == fake.FaultLatency && o.latency < 0:
		return usageError{fmt.Sprintf("--latency %s: a wait is positive, e.g. 2s", o.latency)}
	case o.kind == fake.FaultLatency && o.latency == 0:
		return usageError{"a latency fault needs --latency DURATION (2s)"}
	case o.kind != fake.FaultLatency && o.latency != 0:
		return usageError{"--latency is for --kind latency only"}
	case o.latency > time.Minute:
		return usageError{fmt.Sprintf("--latency %s: at most 1m", o.latency)}
	}
	w, err := openSim(ctx, s)
	if err != nil {
		return err
	}
	defer w.sim.Close()
	f := fake.Fault{Service: o.service, Operation: o.operation, Kind: o.kind, Rate: o.rate, Latency: o.latency}
	if err := w.sim.SetFault(f); err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "fault set: %s\n", faultText(f))
	return nil
}

func faultText(f fake.Fault) string {
	t := fmt.Sprintf("%s %s %s on %s of the calls", f.Service, f.Operation, f.Kind, strconv.FormatFloat(f.Rate*100, 'f', -1, 64)+"%")
	if f.Kind == fake.FaultLatency {
		t += ", " + f.Latency.String()
	}
	return t
}

type faultsListOptions struct{ json bool }

func simFaultsListCommand() command {
	return command{
		name:    "sim faults list",
		summary: "list the faults set",
		help:    "Lists the faults set on the simulation: service, operation, kind, rate and latency.",
		bind: func(fs *flag.FlagSet) func(context.Context, *session) error {
			var o faultsListOptions
			fs.BoolVar(&o.json, "json", false, "print the faults as a JSON array")
			return func(ctx context.Context, s *session) error { return runFaultsList(ctx, s, o) }
		},
	}
}

// faultJSON is one fault as `sim faults list --json` prints it.
type faultJSON struct {
	Service   string  `json:"service"`
	Operation string  `json:"operation"`
	Kind      string  `json:"kind"`
	Rate      float64 `json:"rate"`
	Latency   string  `json:"latency,omitempty"`
}

func runFaultsList(ctx context.Context, s *session, o faultsListOptions) error {
	w, err := openSim(ctx, s)
	if err != nil {
		return err
	}
	defer w.sim.Close()
	faults, err := w.sim.Faults()
	if err != nil {
		return err
	}
	if o.json {
		out := make([]faultJSON, 0, len(faults))
		for _, f := range faults {
			j := faultJSON{Service: f.Service, Operation: f.Operation, Kind: f.Kind, Rate: f.Rate}
			if f.Kind == fake.FaultLatency {
				j.Latency = f.Latency.String()
			}
			out = append(out, j)
		}
		return writeJSON(s.stdout, out)
	}
	if len(faults) == 0 {
		fmt.Fprintln(s.stdout, "no faults set")
		return nil
	}
	tw := tabwriter.NewWriter(s.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tOPERATION\tKIND\tRATE\tLATENCY")
	for _, f := range faults {
		lat := "-"
		if f.Kind == fake.FaultLatency {
			lat = f.Latency.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Service, f.Operation, f.Kind, strconv.FormatFloat(f.Rate, 'f', -1, 64), lat)
	}
	return tw.Flush()
}

func simFaultsClearCommand() command {
	return command{
		name:    "sim faults clear",
		summary: "remove every fault",
		help:    "Removes every fault set on the simulation: calls succeed at once again.",
		bind:    func(*flag.FlagSet) func(context.Context, *session) error { return runFaultsClear },
	}
}

func runFaultsClear(ctx context.Context, s *session) error {
	w, err := openSim(ctx, s)
	if err != nil {
		return err
	}
	defer w.sim.Close()
	faults, err := w.sim.Faults()
	if err != nil {
		return err
	}
	if err := w.sim.ClearFaults(); err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "cleared %d faults\n", len(faults))
	return nil
}

// --- trail ---

func simTrailCommand() command {
	return command{
		name:    "sim trail",
		args:    "DIR",
		summary: "write the simulated CloudTrail as trail log files under DIR",
		help: `Writes every event of the simulated CloudTrail as CloudTrail delivers
them to a bucket: gzip files of {"Records": [...]}, one per account,
region and 5 minutes of events, at
DIR/AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHMMZ_ID.json.gz.
Writing again replaces the same files. Secrets are never in them.
Prints how many files were written.`,
		nargs: 1,
		need:  "the directory to write the trail files under: envbench sim trail DIR",
		bind:  func(*flag.FlagSet) func(context.Context, *session) error { return runTrail },
	}
}

func runTrail(ctx context.Context, s *session) error {
	dir := s.args[0]
	if info, err := os.Stat(dir); err == nil && !info.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	w, err := openSim(ctx, s)
	if err != nil {
		return err
	}
	defer w.sim.Close()
	files, err := w.sim.WriteTrailFiles(ctx, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "wrote %d trail file(s) under %s\n", len(files), filepath.Join(dir, "AWSLogs"))
	return nil
}

// --- events ---

type eventsOptions struct {
	json                     bool
	env, user, name, session string
	since                    string
	limit                    int
}

func simEventsCommand() command {
	return command{
		name:    "sim events",
		summary: "list the simulated CloudTrail's events, newest first",
		help: `Lists the events of the simulated CloudTrail, in every account,
newest first: time, account, user (and the session, when it is not the
user's own), the event's source and name, the resources it names and the
error it ended with. The filters combine:
  --env ENV       events on ENV's resources, in ENV's account: those tagged
                  envbench:env=ENV, and those named ENV-... (deleted since)
  --user USER     a person's email, a role's or a user's name
  --session NAME  an assumed role's session (envbench-<run-id>)
  --name NAME     the eventName (ModifyDBInstance)
  --since WHEN    a duration into the past (36h, 3d) or a time (2026-11-30T09:00:00Z)
Secrets never appear: the trail records them as HIDDEN_DUE_TO_SECURITY_REASONS,
and only the fields above are printed.`,
		bind: func(fs *flag.FlagSet) func(context.Context, *session) error {
			var o eventsOptions
			fs.BoolVar(&o.json, "json", false, "print the events as a JSON array")
			fs.StringVar(&o.env, "env", "", "only events on environment `ENV`'s resources")
			fs.StringVar(&o.user, "user", "", "only events by `USER`")
			fs.StringVar(&o.session, "session", "", "only events of session `NAME`")
			fs.StringVar(&o.name, "name", "", "only events named `NAME`")
			fs.StringVar(&o.since, "since", "", "only events since `WHEN`: a duration (36h, 3d) or an RFC 3339 time")
			fs.IntVar(&o.limit, "limit", 0, "at most `N` events (0: all)")
			return func(ctx context.Context, s *session) error { return runEvents(ctx, s, o) }
		},
	}
}

// parseSince reads --since: a duration into the past (36h, 3d, 1d12h)
// or an RFC 3339 time.
func parseSince(v string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	rest, days := v, 0
	if i := strings.IndexByte(v, 'd'); i > 0 {
		n, err := strconv.Atoi(v[:i])
		if err != nil || n < 0 || n > 3650 {
			return time.Time{}, usageError{fmt.Sprintf("--since %q: want a duration into the past (36h, 3d, 1d12h) or a time (2026-11-30T09:00:00Z)", v)}
		}
		days, rest = n, v[i+1:]
	}
	var d time.Duration
	if rest != "" {
		var err error
		if d, err = time.ParseDuration(rest); err != nil || d < 0 || d > 3650*24*time.Hour {
			return time.Time{}, usageError{fmt.Sprintf("--since %q: want a duration into the past (36h, 3d, 1d12h) or a time (2026-11-30T09:00:00Z)", v)}
		}
	}
	return now.Add(-d - time.Duration(days)*24*time.Hour), nil
}

// eventJSON is one event as `sim events --json` prints it.
type eventJSON struct {
	ID           string                `json:"id"`
	Time         time.Time             `json:"time"`
	Account      string                `json:"account"`
	Region       string                `json:"region"`
	User         string                `json:"user"`
	Session      string                `json:"session,omitempty"`
	Role         string                `json:"role,omitempty"`
	Source       string                `json:"source"`
	Name         string                `json:"name"`
	ReadOnly     bool                  `json:"read_only"`
	Resources    []cloud.TrailResource `json:"resources"`
	ErrorCode    string                `json:"error_code,omitempty"`
	ErrorMessage string                `json:"error_message,omitempty"`
}

// principal is who made a call, read from the record's userIdentity.
type principal struct {
	user, session, role string
}

// eventPrincipal reads who made the call from the CloudTrail record: a
// person signed in through SSO is their email (their session), another
// role's session is the role with its session, a user their name.
func eventPrincipal(record string) (principal, string, string) {
	var r struct {
		UserIdentity struct {
			Type     string `json:"type"`
			ARN      string `json:"arn"`
			UserName string `json:"userName"`
		} `json:"userIdentity"`
		ErrorCode    string `json:"errorCode"`
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(record), &r) != nil {
		return principal{}, "", ""
	}
	u := r.UserIdentity
	switch u.Type {
	case "AssumedRole":
		// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
		parts := strings.Split(u.ARN, "/")
		if len(parts) == 3 {
			p := principal{role: parts[1], session: parts[2], user: parts[1]}
			if strings.HasPrefix(p.role, "AWSReservedSSO_") {
				p.user = p.session
			}
			return p, r.ErrorCode, r.ErrorMessage
		}
	case "Root":
		return principal{user: "root"}, r.ErrorCode, r.ErrorMessage
	}
	return principal{user: u.UserName}, r.ErrorCode, r.ErrorMessage
}

// ofEnvironment reports whether an event's resource is the environment's:
// tagged for it now, or named for it (env-..., as a resource deleted since
// was, whose tag is gone with it).
func ofEnvironment(name, env string, tagged map[string]bool) bool {
	return tagged[name] || name == env || strings.HasPrefix(name, env+"-")
}

func runEvents(ctx context.Context, s *session, o eventsOptions) error {
	if o.limit < 0 {
		return usageError{fmt.Sprintf("--limit %d: want 0 (all) or more", o.limit)}
	}
	now := time.Now()
	var filter fake.EventFilter
	if o.since != "" {
		since, err := parseSince(o.since, now)
		if err != nil {
			return err
		}
		filter.Since = since
	}
	filter.Name = o.name
	w, err := openSim(ctx, s)
	if err != nil {
		return err
	}
	defer w.sim.Close()
	var names map[string]bool
	if o.env != "" {
		e, err := w.environment(o.env)
		if err != nil {
			return err
		}
		filter.Account = e.Account
		tagged, err := w.sim.TaggedNames(ctx, e.Account, envTag, e.Name)
		if err != nil {
			return err
		}
		names = map[string]bool{}
		for _, n := range tagged {
			names[n] = true
		}
	}
	all, err := w.sim.Events(ctx, filter)
	if err != nil {
		return err
	}
	out := make([]eventJSON, 0, len(all))
	for _, ev := range all {
		if names != nil && !slices.ContainsFunc(ev.Resources, func(r cloud.TrailResource) bool { return ofEnvironment(r.Name, o.env, names) }) {
			continue
		}
		p, code, msg := eventPrincipal(ev.Record)
		if o.user != "" && o.user != p.user && o.user != p.role {
			continue
		}
		if o.session != "" && o.session != p.session {
			continue
		}
		out = append(out, eventJSON{
			ID: ev.ID, Time: ev.Time.UTC(), Account: ev.Account, Region: ev.Region,
			User: p.user, Session: p.session, Role: p.role, Source: ev.Source, Name: ev.Name, ReadOnly: ev.ReadOnly,
			Resources: append([]cloud.TrailResource{}, ev.Resources...), ErrorCode: code, ErrorMessage: msg,
		})
		if o.limit > 0 && len(out) == o.limit {
			break
		}
	}
	if o.json {
		return writeJSON(s.stdout, out)
	}
	if len(out) == 0 {
		fmt.Fprintln(s.stdout, "no events")
		return nil
	}
	tw := tabwriter.NewWriter(s.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tACCOUNT\tUSER\tEVENT\tRESOURCES\tERROR")
	for _, e := range out {
		user := e.User
		if e.Session != "" && e.Session != e.User {
			user += " (" + e.Session + ")"
		}
		var res []string
		for _, r := range e.Resources {
			res = append(res, r.Name)
		}
		resources := strings.Join(res, ", ")
		if resources == "" {
			resources = "-"
		}
		errText := e.ErrorCode
		if errText == "" {
			errText = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t%s\t%s\n", e.Time.Format("2006-01-02 15:04:05"), e.Account, user,
			strings.TrimSuffix(e.Source, ".amazonaws.com"), e.Name, resources, errText)
	}
	return tw.Flush()
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
