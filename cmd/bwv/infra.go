package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/internal/residencygate"
	"github.com/bwv-ingest/bwv-ingest/internal/tfdriver"
	"github.com/bwv-ingest/bwv-ingest/shared/residency"
)

func init() {
	register(command{
		name:    "infra",
		summary: "Terraform/OpenTofu for infra/terraform: fmt, validate, plan + UK residency gate, apply a saved plan, evidence",
		run:     runInfra,
	})
}

// Exit codes of bwv infra.
const (
	exitOK      = 0
	exitError   = 1
	exitUsage   = 2
	exitRefused = 3 // the residency gate refused the plan (or the state holds offenders)
)

type infraSub struct {
	name, summary string
	run           func(ctx context.Context, env infraEnv, args []string) int
}

var infraSubs = []infraSub{
	{"fmt", "check formatting (fmt -check -recursive)", infraFmt},
	{"validate", "init -backend=false (from -plugin-dir) and validate", infraValidate},
	{"plan", "plan to a file, then run the residency gate on it", infraPlan},
	{"gate", "run the residency gate on a saved plan (-plan) or plan JSON (-plan-json)", infraGate},
	{"apply", "gate again, then apply exactly the saved plan file", infraApply},
	{"evidence", "residency evidence report (Markdown or JSON) from a plan or from state", infraEvidence},
}

// infraEnv is the configuration read once from the environment.
type infraEnv struct {
	stdout, stderr io.Writer
	tfBin          string // BWV_TF_BIN
	pluginDir      string // BWV_TF_PLUGIN_DIR
}

func runInfra(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	env := infraEnv{stdout: stdout, stderr: stderr,
		tfBin: os.Getenv("BWV_TF_BIN"), pluginDir: os.Getenv("BWV_TF_PLUGIN_DIR")}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		infraUsage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, s := range infraSubs {
		if s.name == args[0] {
			return s.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(stderr, "bwv infra: unknown subcommand %q\n\n", args[0])
	infraUsage(stderr)
	return exitUsage
}

func infraUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: bwv infra <subcommand> [flags]")
	fmt.Fprintln(w, "\nsubcommands:")
	for _, s := range infraSubs {
		fmt.Fprintf(w, "  %-10s %s\n", s.name, s.summary)
	}
	fmt.Fprintln(w, "\nexit codes: 0 ok, 1 error, 2 usage, 3 refused by the residency gate")
	fmt.Fprintln(w, "environment: BWV_TF_BIN (tofu/terraform binary), BWV_TF_PLUGIN_DIR (provider plugin directory); see docs/residencygate.md")
}

// common flags of every subcommand that drives the binary
type tfFlags struct {
	dir, tf, pluginDir string
}

func (f *tfFlags) register(fs *flag.FlagSet, env infraEnv) {
	fs.StringVar(&f.dir, "dir", "infra/terraform/examples/default", "root module to run in")
	fs.StringVar(&f.tf, "tf", env.tfBin, "tofu or terraform binary (default: $BWV_TF_BIN, else tofu >= 1.9, else terraform >= 1.9 on PATH)")
	fs.StringVar(&f.pluginDir, "plugin-dir", env.pluginDir, "install providers only from this plugin directory or mirror (offline; default $BWV_TF_PLUGIN_DIR)")
}

func (f *tfFlags) runner(ctx context.Context, env infraEnv) (*tfdriver.Runner, error) {
	tool, err := tfdriver.FindTool(ctx, f.tf)
	if err != nil {
		return nil, err
	}
	// The binary's own output goes to stderr: stdout carries the gate's table and reports.
	return tfdriver.NewRunner(tool, f.dir, f.pluginDir, env.stderr, env.stderr)
}

// policy flags of the gate
type policyFlags struct {
	allowed          string
	trusted          listFlag
	allowIndexChange bool
}

func (p *policyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.allowed, "allowed-regions", strings.Join(residency.UKRegions, ","), "comma-separated regions everything must stay in; can only narrow "+strings.Join(residency.UKRegions, ","))
	fs.Var(&p.trusted, "trusted-sink", "a sink outside the plan you vouch is in an allowed region: an exact URL, or a resource ID of at least a resource group (repeatable)")
	fs.BoolVar(&p.allowIndexChange, "allow-index-change", false, "allow a Cosmos indexing-policy change (terraform-provider-azurerm#25123 guard); TTLs are never allowed")
}

// policy builds the gate's policy from the flags. A region outside the
// defaults or a trusted sink broader than a resource group is a usage error:
// flags can only narrow the gate. It prints the problem and returns false.
func (p *policyFlags) policy(env infraEnv) (residencygate.Policy, bool) {
	var regions []string
	for _, r := range strings.Split(p.allowed, ",") {
		if r = strings.TrimSpace(r); r != "" {
			regions = append(regions, residency.Normalize(r))
		}
	}
	pol := residencygate.Policy{AllowedRegions: regions, TrustedSinks: p.trusted, AllowIndexChange: p.allowIndexChange}
	err := pol.Validate()
	if err == nil && len(regions) == 0 {
		err = errors.New("-allowed-regions names no region")
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "bwv infra: %v\n", err)
		return residencygate.Policy{}, false
	}
	return pol, true
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func newFlagSet(name string, env infraEnv) *flag.FlagSet {
	fs := flag.NewFlagSet("bwv infra "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	return fs
}

// parse returns an exit code when parsing should end the command.
func parse(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, true
		}
		return exitUsage, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected arguments %q\n", fs.Name(), fs.Args())
		return exitUsage, true
	}
	return 0, false
}

func fail(env infraEnv, err error) int {
	fmt.Fprintf(env.stderr, "bwv infra: %v\n", err)
	return exitError
}

// gateVerdict prints the outcome of the gate and returns the exit code.
func gateVerdict(env infraEnv, ev *residencygate.Evidence) int {
	if ev.Passed {
		fmt.Fprintf(env.stdout, "residency gate: passed (%d resources; allowed regions %s)\n",
			len(ev.Resources), strings.Join(ev.AllowedRegions, ", "))
		return exitOK
	}
	fmt.Fprintf(env.stdout, "residency gate: REFUSED — %d offender(s); allowed regions %s\n\n",
		len(ev.Findings), strings.Join(ev.AllowedRegions, ", "))
	_ = residencygate.WriteOffenders(env.stdout, ev.Findings)
	return exitRefused
}

// writeEvidence writes the Markdown and/or JSON report to the given paths.
func writeEvidence(ev *residencygate.Evidence, mdPath, jsonPath string) error {
	write := func(path string, fn func(io.Writer) error) error {
		if path == "" {
			return nil
		}
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	if err := write(mdPath, ev.WriteMarkdown); err != nil {
		return fmt.Errorf("writing evidence: %w", err)
	}
	if err := write(jsonPath, ev.WriteJSON); err != nil {
		return fmt.Errorf("writing evidence: %w", err)
	}
	return nil
}
