package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/crosslink/crosslink/graph/migrations"
	"github.com/crosslink/crosslink/server"
	"github.com/crosslink/crosslink/ui"
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	return serve(ctx, args, getenv, stderr, nil)
}

// serve runs the server until ctx ends. ready, when not nil, is told the bound address (tests).
func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, ready func(string)) error {
	e := &env{getenv: getenv}
	var c common
	cfg := server.DefaultConfig()
	var origins string
	var migrate bool
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.bind(fs, e)
	var rf resolveFlags
	var resolveAfterIngest, detectAfterIngest bool
	var df detectFlags
	rf.bind(fs, e)
	df.bind(fs, e)
	fs.BoolVar(&detectAfterIngest, "detect-after-ingest", e.bool("CROSSLINK_DETECT_AFTER_INGEST", true), "run detection over what partners ingest, in the background after resolution (CROSSLINK_DETECT_AFTER_INGEST)")
	fs.BoolVar(&resolveAfterIngest, "resolve-after-ingest", e.bool("CROSSLINK_RESOLVE_AFTER_INGEST", true), "resolve what partners ingest, in the background (CROSSLINK_RESOLVE_AFTER_INGEST)")
	fs.StringVar(&cfg.Addr, "addr", e.str("CROSSLINK_ADDR", cfg.Addr), "listen address (CROSSLINK_ADDR)")
	fs.StringVar(&origins, "cors-origins", e.str("CROSSLINK_CORS_ORIGINS", ""), "comma-separated browser origins allowed to call the API; * for any (CROSSLINK_CORS_ORIGINS)")
	fs.DurationVar(&cfg.RequestTimeout, "request-timeout", e.dur("CROSSLINK_REQUEST_TIMEOUT", cfg.RequestTimeout), "bound on one request (CROSSLINK_REQUEST_TIMEOUT)")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", e.dur("CROSSLINK_SHUTDOWN_TIMEOUT", cfg.ShutdownTimeout), "grace for in-flight requests on SIGTERM (CROSSLINK_SHUTDOWN_TIMEOUT)")
	fs.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", int64(e.int("CROSSLINK_MAX_BODY_BYTES", int(cfg.MaxBodyBytes))), "largest request body (CROSSLINK_MAX_BODY_BYTES)")
	fs.IntVar(&cfg.ComplexityLimit, "graphql-complexity", e.int("CROSSLINK_GRAPHQL_COMPLEXITY", cfg.ComplexityLimit), "GraphQL complexity limit (CROSSLINK_GRAPHQL_COMPLEXITY)")
	fs.IntVar(&cfg.DepthLimit, "graphql-depth", e.int("CROSSLINK_GRAPHQL_DEPTH", cfg.DepthLimit), "GraphQL depth limit (CROSSLINK_GRAPHQL_DEPTH)")
	fs.BoolVar(&cfg.Introspection, "graphql-introspection", e.bool("CROSSLINK_GRAPHQL_INTROSPECTION", cfg.Introspection), "allow GraphQL introspection (CROSSLINK_GRAPHQL_INTROSPECTION)")
	fs.BoolVar(&cfg.Explorer, "graphql-explorer", e.bool("CROSSLINK_GRAPHQL_EXPLORER", cfg.Explorer), "serve GraphiQL at GET /graphql to browsers, for development (CROSSLINK_GRAPHQL_EXPLORER)")
	fs.BoolVar(&migrate, "migrate", e.bool("CROSSLINK_MIGRATE", true), "apply pending migrations at start (CROSSLINK_MIGRATE)")
	if err := parse(fs, args, e); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", fs.Arg(0))
	}
	rcfg, err := rf.config()
	if err != nil {
		return err
	}
	dcfg, err := df.config()
	if err != nil {
		return err
	}
	for _, o := range strings.Split(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.CORSOrigins = append(cfg.CORSOrigins, o)
		}
	}
	if _, err := net.ResolveTCPAddr("tcp", cfg.Addr); err != nil {
		return fmt.Errorf("listen address %q: %v", cfg.Addr, err)
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	store, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close(context.WithoutCancel(ctx))
	store.SetResolveConfig(rcfg)
	m, err := migrations.New(store, migrations.WithLogger(log))
	if err != nil {
		return err
	}
	defer m.Close()
	if migrate {
		if err := m.Up(ctx); err != nil {
			return fmt.Errorf("apply migrations: %w", err)
		}
	}
	status := &server.Status{Store: store, Schema: m, Version: buildVersion()}
	info, err := status.Info(ctx)
	if err != nil {
		return err
	}
	log.Info("connected to neo4j", "uri", c.neo4j.URI, "neo4j", info.Neo4jVersion, "gds", info.GDSVersion,
		"apoc", info.APOCVersion, "migration", info.MigrationVersion, "latest_migration", info.LatestMigrationVersion)
	return server.New(cfg, server.Deps{Status: status, Store: store, Resolve: rcfg, ResolveAfterIngest: resolveAfterIngest, Detect: dcfg, DetectAfterIngest: detectAfterIngest, UI: ui.Dist()}, log).ListenAndServe(ctx, ready)
}
