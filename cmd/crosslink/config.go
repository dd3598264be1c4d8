package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/crosslink/crosslink/graph"
)

// env reads configuration from the environment and reports the first malformed value with the
// variable's name.
type env struct {
	getenv func(string) string
	err    error
}

func (e *env) str(key, def string) string {
	if v := strings.TrimSpace(e.getenv(key)); v != "" {
		return v
	}
	return def
}

func (e *env) dur(key string, def time.Duration) time.Duration {
	v := strings.TrimSpace(e.getenv(key))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		e.fail(fmt.Errorf("%s=%q is not a duration like 30s or 2m", key, v))
		return def
	}
	return d
}

func (e *env) int(key string, def int) int {
	v := strings.TrimSpace(e.getenv(key))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		e.fail(fmt.Errorf("%s=%q is not a whole number", key, v))
		return def
	}
	return n
}

func (e *env) bool(key string, def bool) bool {
	v := strings.TrimSpace(e.getenv(key))
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.fail(fmt.Errorf("%s=%q is not true or false", key, v))
		return def
	}
	return b
}

func (e *env) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// common are the settings every command that talks to Neo4j shares.
type common struct {
	neo4j     graph.Config
	logFormat string
	logLevel  string
}

// bind registers the shared flags, with defaults from the environment. The password is read
// from NEO4J_PASSWORD only: secrets never go on a command line.
func (c *common) bind(fs *flag.FlagSet, e *env) {
	fs.StringVar(&c.neo4j.URI, "neo4j-uri", e.str("NEO4J_URI", "bolt://127.0.0.1:7687"), "Neo4j Bolt URI (NEO4J_URI)")
	fs.StringVar(&c.neo4j.User, "neo4j-user", e.str("NEO4J_USER", "neo4j"), "Neo4j user (NEO4J_USER)")
	fs.StringVar(&c.neo4j.Database, "neo4j-database", e.str("NEO4J_DATABASE", "neo4j"), "Neo4j database (NEO4J_DATABASE)")
	fs.IntVar(&c.neo4j.MaxPoolSize, "neo4j-max-connections", e.int("NEO4J_MAX_CONNECTIONS", 100), "Neo4j connection pool size (NEO4J_MAX_CONNECTIONS)")
	fs.DurationVar(&c.neo4j.ConnectTimeout, "neo4j-connect-timeout", e.dur("NEO4J_CONNECT_TIMEOUT", 5*time.Second), "timeout of one connection attempt (NEO4J_CONNECT_TIMEOUT)")
	fs.DurationVar(&c.neo4j.RetryTime, "neo4j-retry-time", e.dur("NEO4J_RETRY_TIME", 5*time.Second), "how long a failing transaction is retried before the error is returned (NEO4J_RETRY_TIME)")
	fs.IntVar(&c.neo4j.GDSConcurrency, "gds-concurrency", e.int("CROSSLINK_GDS_CONCURRENCY", 1), "threads per graph algorithm in Neo4j GDS (CROSSLINK_GDS_CONCURRENCY)")
	fs.StringVar(&c.logFormat, "log-format", e.str("CROSSLINK_LOG_FORMAT", ""), "log format: text or json; default text on a terminal, json otherwise (CROSSLINK_LOG_FORMAT)")
	fs.StringVar(&c.logLevel, "log-level", e.str("CROSSLINK_LOG_LEVEL", "info"), "log level: debug, info, warn, error (CROSSLINK_LOG_LEVEL)")
	c.neo4j.Password = e.str("NEO4J_PASSWORD", "crosslink-local")
}

// logger builds the process's structured logger.
func (c *common) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", c.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	format := c.logFormat
	if format == "" {
		format = "json"
		if isTerminal(w) {
			format = "text"
		}
	}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("log format %q: want text or json", format)
	}
}

// open connects to Neo4j with a bounded wait.
func (c *common) open(ctx context.Context) (*graph.Store, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return graph.Open(ctx, c.neo4j)
}

// parse parses a command's flags, turning -h into a clean exit and bad flags into usage errors.
func parse(fs *flag.FlagSet, args []string, e *env) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return errHelp
		}
		return errUsage
	}
	return e.err
}
