// Command bwv-host is the project's local Azure Functions host: it runs the
// custom handler with the same host.json and function.json files as Azure,
// raises Event Grid BlobCreated events from Azurite, serves queue, timer and
// HTTP triggers, and stops everything on Ctrl-C. See docs/local-host.md.
//
// This file only reads flags and settings and wires them into devhost.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/devhost"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

type setFlag map[string]string

func (s setFlag) String() string { return "" }
func (s setFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return errors.New("want KEY=VALUE")
	}
	s[k] = val
	return nil
}

func run(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("bwv-host", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("script-root", ".", "folder with host.json and <Name>/function.json (or functions/<Name>/function.json)")
	settingsPath := fs.String("settings", "", "local.settings.json-style file whose Values become settings (default <script-root>/local.settings.json)")
	sets := setFlag{}
	fs.Var(sets, "set", "KEY=VALUE setting overriding the settings file (repeatable)")
	handler := fs.String("handler", "", "handler executable, overriding host.json's defaultExecutablePath")
	build := fs.String("build", "", "Go package to build as the handler first (e.g. ./cmd/bwv-handler); overrides --handler")
	listen := fs.String("listen", "127.0.0.1:7071", "loopback address to serve /api, /admin and /runtime/webhooks on")
	fnKey := fs.String("function-key", "", "key for authLevel function (default: setting BWV_FUNCTION_KEY)")
	masterKey := fs.String("master-key", "", "key for authLevel admin and function (default: setting BWV_MASTER_KEY)")
	easyAuth := fs.Bool("easy-auth", false, "emulate App Service Authentication on /api/: require Authorization: Bearer <token from bwv token>, strip client X-MS-CLIENT-PRINCIPAL* headers, inject the platform's")
	easyAuthKey := fs.String("easy-auth-key", "", "signing key the tokens are checked against, created if absent (default <script-root>/"+devhost.DefaultAuthKeyPath+")")
	egContainer := fs.String("eg-container", "", "container watched for BlobCreated (default: setting BWV_UPLOAD_CONTAINER, else uploads)")
	egPoll := fs.Duration("eg-poll", time.Second, "how often the container is listed")
	egDup := fs.Int("eg-duplicate", 1, "deliver every event this many times (at-least-once tests)")
	egShuffle := fs.Bool("eg-shuffle", false, "deliver events and their duplicates concurrently in random order")
	egSeed := fs.Int64("eg-seed", 0, "seed for --eg-shuffle (0 = random)")
	egExisting := fs.Bool("eg-existing", false, "also raise events for blobs already in the container at start")
	egObject := fs.Bool("eg-data-object", false, "send the event in Data as a JSON object instead of the real host's double-encoded string")
	egAttempts := fs.Int("eg-max-attempts", 30, "delivery attempts before an event is dead-lettered")
	egTimeout := fs.Duration("eg-timeout", 30*time.Second, "how long a delivery waits for an answer before it counts as failed")
	egDeadLetter := fs.String("eg-deadletter", "eventgrid-deadletter", `dead-letter container ("-" = off)`)
	zone := fs.String("timer-zone", "UTC", "time zone the NCRONTAB schedules are read in (Azure: UTC)")
	grace := fs.Duration("shutdown-grace", 10*time.Second, "time in-flight invocations get to finish on Ctrl-C")
	logJSON := fs.Bool("log-json", false, "log as JSON lines")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "bwv-host: --log-level %q: %v\n", *logLevel, err)
		return 2
	}
	var lh slog.Handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	if *logJSON {
		lh = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})
	}
	log := slog.New(lh)
	loc, err := time.LoadLocation(*zone)
	if err != nil {
		fmt.Fprintf(stderr, "bwv-host: --timer-zone %q: %v\n", *zone, err)
		return 2
	}
	if *settingsPath == "" {
		*settingsPath = filepath.Join(*root, "local.settings.json")
	}
	settings, err := devhost.LoadSettings(*settingsPath)
	if err != nil {
		fmt.Fprintf(stderr, "bwv-host: %v\n(copy local.settings.sample.json to local.settings.json, or pass --settings)\n", err)
		return 1
	}
	for k, v := range sets {
		settings[k] = v
	}
	// The handler trusts X-MS-CLIENT-PRINCIPAL* only because the platform
	// strips what callers send; without the emulation nothing here does, so
	// any local caller could name themselves and their roles.
	if strings.EqualFold(strings.TrimSpace(settings["BWV_TRUST_PRINCIPAL_HEADERS"]), "true") && !*easyAuth {
		fmt.Fprintln(stderr, "bwv-host: BWV_TRUST_PRINCIPAL_HEADERS=true needs --easy-auth: without it nothing strips client-sent principal headers (code TRUST_WITHOUT_AUTH)")
		return 2
	}
	if *build != "" {
		dir, err := os.MkdirTemp("", "bwv-host-handler-*")
		if err != nil {
			fmt.Fprintf(stderr, "bwv-host: %v\n", err)
			return 1
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "handler")
		log.Info("building handler", "package", *build)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, *build)
		cmd.Stdout, cmd.Stderr = stderr, stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(stderr, "bwv-host: go build %s: %v\n", *build, err)
			return 1
		}
		*handler = out
	}
	h, err := devhost.New(devhost.Options{
		ScriptRoot:  *root,
		HandlerPath: *handler,
		Settings:    settings,
		Listen:      *listen,
		Logger:      log,
		FunctionKey: *fnKey,
		MasterKey:   *masterKey,
		EasyAuth:    devhost.EasyAuthOptions{Enabled: *easyAuth, KeyPath: *easyAuthKey},
		EventGrid: devhost.EventGridOptions{
			Container:           *egContainer,
			PollInterval:        *egPoll,
			RaiseExisting:       *egExisting,
			Duplicates:          *egDup,
			Shuffle:             *egShuffle,
			Seed:                *egSeed,
			DataAsObject:        *egObject,
			MaxAttempts:         *egAttempts,
			DeliveryTimeout:     *egTimeout,
			DeadLetterContainer: *egDeadLetter,
		},
		TimerLocation: loc,
		ShutdownGrace: *grace,
	})
	if err != nil {
		fmt.Fprintf(stderr, "bwv-host: %v\n", err)
		return 1
	}
	if err := h.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "bwv-host: %v\n", err)
		return 1
	}
	log.Info("stopped")
	return 0
}
