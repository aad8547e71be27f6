// Command bwv-handler is the Azure Functions custom handler: one HTTP
// server on 127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT serving every function
// in functions/. main only reads configuration and wires adapters.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/config"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bwv-handler: refusing to start:", err)
		os.Exit(2)
	}
}

func run() error {
	cfg, err := config.FromEnv(os.LookupEnv)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level(cfg.LogLevel)}))
	slog.SetDefault(logger)

	policy := retention.Default()
	if cfg.RetentionPolicyPath != "" {
		if policy, err = retention.LoadFile(cfg.RetentionPolicyPath); err != nil {
			return fmt.Errorf("setting BWV_RETENTION_POLICY: %w", err)
		}
	}
	blobs, err := blobstore.New(blobstore.Options{Endpoint: cfg.BlobEndpoint, Account: cfg.StorageAccount, Key: cfg.StorageKey})
	if err != nil {
		return err
	}
	records, err := cosmosdb.New(cosmosdb.Options{Endpoint: cfg.CosmosEndpoint, Key: cfg.CosmosKey, Database: cfg.CosmosDatabase,
		Clips: cfg.ClipsContainer, Audit: cfg.AuditContainer})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := startupChecks(ctx, cfg, records); err != nil {
		return err
	}

	app := &functions.App{Config: cfg, Blobs: blobs, Records: records, Policy: policy,
		Anchoring: functions.Anchoring{Blobs: blobs, Records: records, Container: blobstore.AnchorContainer}}
	srv := funchost.NewServer(logger)
	app.Register(srv)
	return funchost.Serve(ctx, cfg.Port, srv, 25*time.Second, func(addr string) {
		logger.Info("bwv-handler ready", "addr", addr, "residency", cfg.Residency().String(), "retention_policy", policy.Version())
	})
}

// startupChecks proves the Cosmos account is in an allowed region before
// any footage is recorded in it, and creates the database and containers
// where configured (local runs).
func startupChecks(ctx context.Context, cfg config.Config, records *cosmosdb.Store) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	regions, err := records.AccountRegions(ctx)
	if err != nil {
		return fmt.Errorf("checking the Cosmos account region (BWV_COSMOS_ENDPOINT): %w", err)
	}
	if err := cfg.Residency().CheckAccountRegions("the Cosmos account "+cfg.CosmosEndpoint, regions); err != nil {
		return err
	}
	if cfg.CosmosBootstrap {
		if err := records.Bootstrap(ctx); err != nil {
			return fmt.Errorf("creating the Cosmos database and containers (BWV_COSMOS_BOOTSTRAP=true): %w", err)
		}
	}
	return nil
}

func level(s string) slog.Level {
	switch s {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}
