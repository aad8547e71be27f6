package localrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/devhost"
	"github.com/bwv-ingest/bwv-ingest/internal/localsvc"
	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// Default loopback ports (the ports Core Tools, Azurite and the Cosmos emulator use, so existing tools and habits work): the Functions host as
// Core Tools, Azurite's blob and queue ports, the Cosmos emulator's port.
const (
	DefaultBlobPort   = 10000
	DefaultQueuePort  = 10001
	DefaultCosmosPort = 8081
)

// DeadLetterContainer is where undeliverable Event Grid events go.
const DeadLetterContainer = "eventgrid-deadletter"

// PipelineOptions configure StartPipeline.
type PipelineOptions struct {
	// Root is the repository root: host.json, functions/, tools/.
	Root string
	// BaseSettings is the settings file whose Values the handler gets
	// (endpoints and keys are then replaced by the started services').
	// "" = <Root>/local.settings.json, else <Root>/local.settings.sample.json.
	BaseSettings string
	// SettingsOut is where the running pipeline's settings are written for
	// the CLI ("" = <Root>/.local/run/local.settings.json); removed on Stop.
	SettingsOut string
	// DataDir holds Azurite's data ("" = <Root>/.local/azurite). Reset
	// empties it first.
	DataDir string
	Reset   bool
	// Ports; 0 picks a free one (tests). StartPipeline refuses taken ports.
	HostPort, BlobPort, QueuePort, CosmosPort int
	// HandlerPath is the built handler binary.
	HandlerPath string
	// EventGrid passes options to the local host's Event Grid source.
	EventGrid devhost.EventGridOptions
	// EasyAuth turns on the local host's App Service Authentication
	// emulation, and with it BWV_TRUST_PRINCIPAL_HEADERS=true for the
	// handler (false when off: the headers then prove nothing).
	// AuthKeyPath is its signing key ("" = <Root>/.local/auth/signing-key).
	EasyAuth    bool
	AuthKeyPath string
	Logger      *slog.Logger
	// HandlerOutput receives the handler's log ("" = the host's default, stderr).
	HandlerOutput io.Writer
}

// Pipeline is a running local pipeline.
type Pipeline struct {
	Azurite      *localsvc.Azurite
	Cosmos       *localsvc.Cosmos
	Host         *devhost.Host
	Target       Target
	SettingsPath string
	// AuthKeyPath is the key tokens must be signed with ("" = emulation off).
	AuthKeyPath string
	// StartedIn is how long StartPipeline took.
	StartedIn time.Duration

	stopHost   context.CancelFunc
	hostExited chan struct{} // closed when host.Run returns
	hostErr    error         // its result, valid after hostExited
	stopOnce   sync.Once
	stopErr    error
}

// StartPipeline checks the ports, starts Azurite (data on disk) and the
// local Cosmos server side by side, creates the containers and queues,
// starts the local Functions host (which starts the handler; the handler
// creates the Cosmos database and containers, BWV_COSMOS_BOOTSTRAP), and
// returns once the host serves. On any failure it stops what it started.
func StartPipeline(ctx context.Context, o PipelineOptions) (*Pipeline, error) {
	began := time.Now()
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if o.HandlerPath == "" {
		return nil, reason.Errorf(CodeInputInvalid, nil, "no handler binary given")
	}
	if err := CheckPortsFree(map[string]int{"Functions host": o.HostPort, "Azurite blob": o.BlobPort,
		"Azurite queue": o.QueuePort, "Cosmos": o.CosmosPort}); err != nil {
		return nil, err
	}
	base, err := baseSettings(o)
	if err != nil {
		return nil, err
	}
	if o.DataDir == "" {
		o.DataDir = filepath.Join(o.Root, ".local", "azurite")
	}
	if o.Reset {
		if err := os.RemoveAll(o.DataDir); err != nil {
			return nil, reason.Errorf(CodeStartFailed, err, "emptying %s", o.DataDir)
		}
	}
	if o.SettingsOut == "" {
		o.SettingsOut = filepath.Join(o.Root, RunSettingsPath)
	}
	tools := filepath.Join(o.Root, "tools")

	p := &Pipeline{SettingsPath: o.SettingsOut}
	var azErr, csErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		p.Azurite, azErr = localsvc.StartAzurite(ctx, localsvc.AzuriteOptions{Dir: o.DataDir, BlobPort: o.BlobPort, QueuePort: o.QueuePort, ToolsDir: tools})
	}()
	go func() {
		defer wg.Done()
		p.Cosmos, csErr = localsvc.StartCosmos(ctx, localsvc.CosmosOptions{Port: o.CosmosPort, ToolsDir: tools})
	}()
	wg.Wait()
	if err := errors.Join(azErr, csErr); err != nil {
		p.stopServices()
		return nil, reason.Errorf(CodeStartFailed, err, "starting Azurite and the Cosmos server")
	}
	o.Logger.Info("services started", "azurite_pid", p.Azurite.PID(), "blob", p.Azurite.BlobEndpoint,
		"queue", p.Azurite.QueueEndpoint, "cosmos_pid", p.Cosmos.PID(), "cosmos", p.Cosmos.Endpoint, "data", o.DataDir)

	settings := map[string]string{}
	for k, v := range base {
		settings[k] = v
	}
	settings["AzureWebJobsStorage"] = p.Azurite.ConnectionString
	settings["BWV_STORAGE_ACCOUNT"] = p.Azurite.Account
	settings["BWV_STORAGE_KEY"] = p.Azurite.Key
	settings["BWV_BLOB_ENDPOINT"] = strings.TrimSuffix(p.Azurite.BlobEndpoint, "/")
	settings["BWV_COSMOS_ENDPOINT"] = strings.TrimSuffix(p.Cosmos.Endpoint, "/")
	settings["BWV_COSMOS_KEY"] = p.Cosmos.Key
	settings["BWV_COSMOS_BOOTSTRAP"] = "true"
	settings["BWV_TRUST_PRINCIPAL_HEADERS"] = strconv.FormatBool(o.EasyAuth)
	if o.EasyAuth && o.AuthKeyPath == "" {
		o.AuthKeyPath = filepath.Join(o.Root, devhost.DefaultAuthKeyPath)
	}

	target, err := TargetFromSettings(settings, max(o.HostPort, 1), "pipeline")
	if err != nil {
		p.stopServices()
		return nil, err
	}
	clients, err := Connect(target)
	if err == nil {
		err = clients.EnsureStorage(ctx, DeadLetterContainer)
	}
	if err != nil {
		p.stopServices()
		return nil, err
	}

	eg := o.EventGrid
	if eg.DeadLetterContainer == "" {
		eg.DeadLetterContainer = DeadLetterContainer
	}
	host, err := devhost.New(devhost.Options{
		ScriptRoot:    o.Root,
		HandlerPath:   o.HandlerPath,
		HandlerOutput: o.HandlerOutput,
		Settings:      settings,
		Listen:        "127.0.0.1:" + strconv.Itoa(o.HostPort),
		Logger:        o.Logger,
		EventGrid:     eg,
		EasyAuth:      devhost.EasyAuthOptions{Enabled: o.EasyAuth, KeyPath: o.AuthKeyPath},
	})
	if err != nil {
		p.stopServices()
		return nil, reason.Errorf(CodeStartFailed, err, "configuring the local Functions host")
	}
	p.Host = host
	if o.EasyAuth {
		p.AuthKeyPath = o.AuthKeyPath
	}
	hostCtx, stopHost := context.WithCancel(context.WithoutCancel(ctx))
	p.stopHost = stopHost
	p.hostExited = make(chan struct{})
	go func() { p.hostErr = host.Run(hostCtx); close(p.hostExited) }()
	select {
	case <-host.Ready():
	case <-p.hostExited:
		err := p.hostErr
		p.Stop()
		return nil, reason.Errorf(CodeStartFailed, err, "starting the local Functions host and the handler")
	case <-ctx.Done():
		p.Stop()
		return nil, reason.Errorf(CodeStartFailed, ctx.Err(), "interrupted while starting")
	}
	_, portText, _ := net.SplitHostPort(host.Addr())
	hostPort, _ := strconv.Atoi(portText)
	p.Target, _ = TargetFromSettings(settings, hostPort, o.SettingsOut)
	if err := WriteSettings(o.SettingsOut, settings, hostPort); err != nil {
		p.Stop()
		return nil, reason.Errorf(CodeStartFailed, err, "writing %s", o.SettingsOut)
	}
	p.StartedIn = time.Since(began)
	return p, nil
}

func baseSettings(o PipelineOptions) (map[string]string, error) {
	path := o.BaseSettings
	if path == "" {
		path = filepath.Join(o.Root, "local.settings.json")
		if _, err := os.Stat(path); err != nil {
			path = filepath.Join(o.Root, "local.settings.sample.json")
		}
	}
	v, _, err := ReadSettings(path)
	return v, err
}

// Exited is closed if the host stops (on its own, or by Stop); HostErr
// then says why.
func (p *Pipeline) Exited() <-chan struct{} { return p.hostExited }

// HostErr is the host's exit error, valid once Exited is closed.
func (p *Pipeline) HostErr() error { return p.hostErr }

// PIDs are the processes of the pipeline, by role.
func (p *Pipeline) PIDs() map[string]int {
	m := map[string]int{}
	if p.Azurite != nil {
		m["azurite"] = p.Azurite.PID()
	}
	if p.Cosmos != nil {
		m["cosmos"] = p.Cosmos.PID()
	}
	if p.Host != nil {
		m["handler"] = p.Host.HandlerPID()
	}
	return m
}

// Stop stops the host (which drains in-flight invocations and stops the
// handler by PID), then the Cosmos server and Azurite by PID, and removes
// the settings file of the running pipeline. Safe to call more than once.
func (p *Pipeline) Stop() error {
	p.stopOnce.Do(func() {
		var errs []error
		if p.stopHost != nil {
			p.stopHost()
			<-p.hostExited
			if err := p.hostErr; err != nil {
				errs = append(errs, fmt.Errorf("local host: %w", err))
			}
		}
		errs = append(errs, p.stopServices())
		if err := os.Remove(p.SettingsPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		p.stopErr = errors.Join(errs...)
	})
	return p.stopErr
}

func (p *Pipeline) stopServices() error {
	var errs []error
	if p.Cosmos != nil {
		errs = append(errs, p.Cosmos.Stop())
	}
	if p.Azurite != nil {
		errs = append(errs, p.Azurite.Stop())
	}
	return errors.Join(errs...)
}
