package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/devhost"
	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
)

func init() {
	register(command{name: "run", summary: "run the whole pipeline locally (Azurite, Cosmos, the local Functions host, the handler) until Ctrl-C", run: runRun})
}

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	began := time.Now()
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", localrun.RepoRoot(), "repository root (host.json, functions/, tools/)")
	hostPort := fs.Int("host-port", localrun.DefaultHostPort, "local Functions host port (0 = any free port)")
	blobPort := fs.Int("blob-port", localrun.DefaultBlobPort, "Azurite blob port (0 = any free port)")
	queuePort := fs.Int("queue-port", localrun.DefaultQueuePort, "Azurite queue port (0 = any free port)")
	cosmosPort := fs.Int("cosmos-port", localrun.DefaultCosmosPort, "Cosmos server port (0 = any free port)")
	handler := fs.String("handler", "", "handler binary (default: go build ./cmd/bwv-handler into <root>/.local/bin)")
	data := fs.String("data", "", "Azurite data folder (default <root>/.local/azurite)")
	reset := fs.Bool("reset", false, "empty the Azurite data folder first (Cosmos data never survives a restart)")
	settings := fs.String("settings", "", "base settings file (default <root>/local.settings.json, else local.settings.sample.json)")
	settingsOut := fs.String("settings-out", "", "where the running pipeline's settings are written for the CLI (default <root>/"+localrun.RunSettingsPath+")")
	egDup := fs.Int("eg-duplicate", 1, "deliver every Event Grid event this many times (at-least-once drills)")
	egShuffle := fs.Bool("eg-shuffle", false, "deliver events and duplicates in random order")
	easyAuth := fs.Bool("easy-auth", true, "emulate App Service Authentication on /api/ (bearer token from `bwv token` required; the handler trusts the injected principal headers: BWV_TRUST_PRINCIPAL_HEADERS=true); --easy-auth=false: neither")
	authKey := fs.String("auth-key", "", "signing key of the emulation, created if absent (default <root>/"+devhost.DefaultAuthKeyPath+")")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "bwv run: --log-level %q: %v\n", *logLevel, err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	if *handler == "" {
		out := filepath.Join(*root, ".local", "bin", "bwv-handler")
		log.Info("building the handler", "package", "./cmd/bwv-handler", "out", out)
		build := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/bwv-handler")
		build.Dir = *root
		build.Stdout, build.Stderr = stderr, stderr
		if err := build.Run(); err != nil {
			fmt.Fprintf(stderr, "bwv run: %s: go build ./cmd/bwv-handler: %v\n", localrun.CodeStartFailed, err)
			return 1
		}
		*handler = out
	}
	p, err := localrun.StartPipeline(ctx, localrun.PipelineOptions{
		Root: *root, BaseSettings: *settings, SettingsOut: *settingsOut, DataDir: *data, Reset: *reset,
		HostPort: *hostPort, BlobPort: *blobPort, QueuePort: *queuePort, CosmosPort: *cosmosPort,
		HandlerPath: *handler, Logger: log, EasyAuth: *easyAuth, AuthKeyPath: *authKey,
		EventGrid: devhost.EventGridOptions{Duplicates: *egDup, Shuffle: *egShuffle},
	})
	if err != nil {
		fmt.Fprintf(stderr, "bwv run: %v\n", err)
		return 1
	}
	printNext(stdout, p, *root, time.Since(began))

	code := 0
	select {
	case <-ctx.Done():
		log.Info("stopping the pipeline (Ctrl-C)")
	case <-p.Exited():
		fmt.Fprintf(stderr, "bwv run: the local host stopped: %v\n", p.HostErr())
		code = 1
	}
	pids := p.PIDs()
	if err := p.Stop(); err != nil {
		fmt.Fprintf(stderr, "bwv run: stopping: %v\n", err)
		code = 1
	}
	fmt.Fprintf(stdout, "stopped: %s\n", pidList(pids))
	return code
}

// printNext tells a person what is running and what to do next.
func printNext(w io.Writer, p *localrun.Pipeline, root string, took time.Duration) {
	t := p.Target
	bwv := cliName(root)
	settingsFlag := ""
	if p.SettingsPath != filepath.Join(root, localrun.RunSettingsPath) {
		settingsFlag = " --settings " + p.SettingsPath
	}
	fmt.Fprintf(w, `
bwv-ingest is running locally (ready in %.1fs). Ctrl-C stops everything.

  Functions host   %s   (GET /admin/host/status)
  Azurite          blob %s   queue %s
%s  Cosmos           %s   database %s
  processes        %s
  settings         %s
%s
Next:
  %s demo%s                      # sample clips through the pipeline, a table of outcomes
  %s upload FILE --officer PC123 --device CAM-01 --start 2026-01-02T10:00:00Z%s
  %s status%s                    # recent clips, queue depth, poison count, host state
%s  curl -X POST %s/admin/functions/RetentionSweep -d '{"input":""}'   # run the sweep now
`, took.Seconds(), t.HostURL, t.BlobEndpoint, t.QueueEndpoint, wormLine(p), t.CosmosEndpoint, t.Database, pidList(p.PIDs()), p.SettingsPath,
		authLine(p), bwv, settingsFlag, bwv, settingsFlag, bwv, settingsFlag, manageHint(p, bwv, root), t.HostURL)
}

// wormLine says that immutability is the local FAKE's, not Azure's.
func wormLine(p *localrun.Pipeline) string {
	if p.Worm == nil {
		return "  immutability     off (Azurite alone; BWV_IMMUTABILITY=off)\n"
	}
	return fmt.Sprintf("  immutability     FAKE: the blob endpoint is the enforcing fake in front of Azurite %s (only Azure enforces for real)\n", strings.TrimSuffix(p.Azurite.BlobEndpoint, "/"))
}

// authLine says whether the HTTP API wants a token, and signed by what.
func authLine(p *localrun.Pipeline) string {
	if p.AuthKeyPath == "" {
		return "  HTTP API auth    off (--easy-auth=false): function key only, principal headers not trusted\n"
	}
	return fmt.Sprintf("  HTTP API auth    App Service Authentication emulated: bearer token signed by %s\n", p.AuthKeyPath)
}

// manageHint shows how to call ClipManage: with a token when the
// emulation is on (as in Azure), else with the key alone.
func manageHint(p *localrun.Pipeline, bwv, root string) string {
	t := p.Target
	if p.AuthKeyPath == "" {
		return fmt.Sprintf("  curl -H 'x-functions-key: %s' %s/api/clips/<clipId>\n", t.FunctionKey, t.HostURL)
	}
	keyFlag := ""
	if p.AuthKeyPath != filepath.Join(root, devhost.DefaultAuthKeyPath) {
		keyFlag = " --key " + p.AuthKeyPath
	}
	return fmt.Sprintf(`  TOKEN=$(%s token --name "DC 4471 Smith" --roles BWV.Clips.Read,BWV.Clips.Protect%s)   # who you are and your roles, for 8h
  curl -H 'x-functions-key: %s' -H "Authorization: Bearer $TOKEN" "%s/api/clips/<clipId>?purpose=<why>"
`, bwv, keyFlag, t.FunctionKey, t.HostURL)
}

func pidList(pids map[string]int) string {
	names := make([]string, 0, len(pids))
	for n := range pids {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s pid %d", n, pids[n]))
	}
	return strings.Join(parts, ", ")
}

// cliName is how a person in the repo root runs this CLI.
func cliName(root string) string {
	if exe, err := os.Executable(); err == nil {
		if rel, err := filepath.Rel(root, exe); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return "go run ./cmd/bwv"
}
