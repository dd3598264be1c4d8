package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/crosslink/crosslink/graph/resolve"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"
)

// Config says how to reach Neo4j.
type Config struct {
	URI      string // bolt://host:port or neo4j://host:port
	User     string
	Password string
	Database string // default "neo4j"
	// MaxPoolSize bounds the connections to Neo4j (default 100).
	MaxPoolSize int
	// ConnectTimeout bounds one attempt to open a connection (default 5s).
	ConnectTimeout time.Duration
	// RetryTime bounds how long a transaction is retried on transient and connection errors
	// before the error reaches the caller (default 5s), so requests fail fast while Neo4j is
	// down.
	RetryTime time.Duration
	// GDSConcurrency is the number of threads each graph algorithm may use (default 1). GDS's
	// parallel Louvain was 2.9 times slower with 4 threads than with 1 on a 2-core machine
	// (docs/benchmarks.md): raise it only where Neo4j has cores to spare.
	GDSConcurrency int
}

// Store is Crosslink's access to one Neo4j database. It is safe for concurrent use; a process
// holds one Store for its lifetime.
type Store struct {
	driver         neo4j.DriverWithContext
	db             string
	uri            string
	gdsConcurrency int
	resolveCfg     atomic.Pointer[resolve.Config]
}

// SetResolveConfig sets the resolution settings of the runs the store starts itself, after a
// judgement or a split (the consortium key among them). Set it once, at start.
func (s *Store) SetResolveConfig(c resolve.Config) { s.resolveCfg.Store(&c) }

// ResolveConfig is what SetResolveConfig set (the defaults when nothing was).
func (s *Store) ResolveConfig() resolve.Config {
	if c := s.resolveCfg.Load(); c != nil {
		return *c
	}
	return resolve.Config{}
}

// Open connects to Neo4j and verifies that it answers with the given credentials. It returns an
// *Error with code EINVALID for a malformed URI, EUNAUTHORIZED for rejected credentials and
// EUNAVAILABLE when the server cannot be reached; each message names the URI.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Database == "" {
		cfg.Database = "neo4j"
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	if cfg.RetryTime <= 0 {
		cfg.RetryTime = 5 * time.Second
	}
	if cfg.MaxPoolSize <= 0 {
		cfg.MaxPoolSize = 100
	}
	if err := checkURI(cfg.URI); err != nil {
		return nil, err
	}
	drv, err := neo4j.NewDriverWithContext(cfg.URI, neo4j.BasicAuth(cfg.User, cfg.Password, ""),
		func(c *config.Config) {
			c.MaxConnectionPoolSize = cfg.MaxPoolSize
			c.SocketConnectTimeout = cfg.ConnectTimeout
			c.ConnectionAcquisitionTimeout = 2 * cfg.ConnectTimeout
			c.MaxTransactionRetryTime = cfg.RetryTime
			c.UserAgent = "crosslink"
		})
	if err != nil {
		return nil, &Error{Code: EINVALID, Message: fmt.Sprintf("neo4j URI %q: %v", cfg.URI, err)}
	}
	if cfg.GDSConcurrency <= 0 {
		cfg.GDSConcurrency = 1
	}
	s := &Store{driver: drv, db: cfg.Database, uri: cfg.URI, gdsConcurrency: cfg.GDSConcurrency}
	vctx, cancel := context.WithTimeout(ctx, 2*cfg.ConnectTimeout)
	defer cancel()
	if err := drv.VerifyConnectivity(vctx); err != nil {
		_ = drv.Close(ctx)
		return nil, s.connectError(err, cfg.User)
	}
	return s, nil
}

func checkURI(uri string) error {
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" {
		return Errorf(EINVALID, "neo4j URI %q is not a URI like bolt://127.0.0.1:7687", uri)
	}
	switch u.Scheme {
	case "bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc":
	default:
		return Errorf(EINVALID, "neo4j URI %q: scheme must be bolt:// or neo4j://", uri)
	}
	if p := u.Port(); p != "" {
		var n int
		if _, err := fmt.Sscanf(p, "%d", &n); err != nil || n < 1 || n > 65535 {
			return Errorf(EINVALID, "neo4j URI %q: port %q is not a port number (1-65535)", uri, p)
		}
	}
	return nil
}

// connectError turns a failed connectivity check into a one-line, actionable error.
func (s *Store) connectError(err error, user string) error {
	var nerr *neo4j.Neo4jError
	if errors.As(err, &nerr) && strings.HasPrefix(nerr.Code, "Neo.ClientError.Security.") {
		return &Error{Code: EUNAUTHORIZED, Err: err,
			Message: fmt.Sprintf("neo4j at %s refused the credentials of user %q (check NEO4J_USER and NEO4J_PASSWORD)", s.uri, user)}
	}
	return &Error{Code: EUNAVAILABLE, Err: err,
		Message: fmt.Sprintf("neo4j at %s cannot be reached: %s", s.uri, reason(err))}
}

// reason names the cause of a connection failure in a few words.
func reason(err error) string {
	var oe *net.OpError
	var tel *neo4j.TransactionExecutionLimit
	switch {
	case errors.As(err, &tel) && len(tel.Errors) > 0:
		return reason(tel.Errors[len(tel.Errors)-1])
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused (is Neo4j running? scripts/neo4j.sh start)"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.As(err, &oe):
		return oe.Err.Error()
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && len(msg)-i < 120 {
		return msg[i+2:]
	}
	return msg
}

// Close releases the connections.
func (s *Store) Close(ctx context.Context) error { return s.driver.Close(ctx) }

// Database is the name of the Neo4j database the Store works in.
func (s *Store) Database() string { return s.db }

// Driver exposes the Neo4j driver to graph's own subpackages (migrations, resolution). Code
// outside graph/ must not use it: driver types never leave graph.
func (s *Store) Driver() neo4j.DriverWithContext { return s.driver }

// Ping checks that Neo4j answers a query now. It returns EUNAVAILABLE when it does not.
func (s *Store) Ping(ctx context.Context) error {
	_, err := neo4j.ExecuteQuery(ctx, s.driver, "RETURN 1", nil, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase(s.db), neo4j.ExecuteQueryWithReadersRouting())
	if err != nil {
		return &Error{Code: EUNAVAILABLE, Message: "neo4j does not answer: " + reason(err), Err: err}
	}
	return nil
}

// translate maps a driver error to an *Error once, here in graph/, so callers see codes only.
func translate(op string, err error) error {
	if err == nil {
		return nil
	}
	var ae *Error
	if errors.As(err, &ae) {
		return err
	}
	var nerr *neo4j.Neo4jError
	if errors.As(err, &nerr) {
		switch {
		case strings.HasPrefix(nerr.Code, "Neo.ClientError.Schema.ConstraintValidationFailed"):
			return &Error{Code: ECONFLICT, Message: op + ": the record conflicts with an existing one", Err: err}
		case strings.HasPrefix(nerr.Code, "Neo.ClientError.Security."):
			return &Error{Code: EUNAVAILABLE, Message: op + ": neo4j refused Crosslink's credentials", Err: err}
		case strings.HasPrefix(nerr.Code, "Neo.TransientError."):
			return &Error{Code: EUNAVAILABLE, Message: op + ": neo4j is busy, retry later", Err: err}
		}
		return &Error{Code: EINTERNAL, Err: fmt.Errorf("%s: %w", op, err)}
	}
	var cerr *neo4j.ConnectivityError
	var tel *neo4j.TransactionExecutionLimit
	switch {
	case errors.As(err, &tel):
		// The driver gave up retrying a transient or connection error.
		return &Error{Code: EUNAVAILABLE, Message: op + ": neo4j is unavailable: " + reason(err), Err: err}
	case errors.As(err, &cerr), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, io.EOF):
		return &Error{Code: EUNAVAILABLE, Message: op + ": neo4j cannot be reached", Err: err}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: EUNAVAILABLE, Message: op + ": timed out", Err: err}
	}
	return &Error{Code: EINTERNAL, Err: fmt.Errorf("%s: %w", op, err)}
}
