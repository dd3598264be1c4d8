package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/detect"
	"github.com/crosslink/crosslink/graph/resolve"
)

// Config holds the server's settings; cmd/crosslink fills it from the environment and flags.
type Config struct {
	Addr            string        // listen address, e.g. 127.0.0.1:8080
	CORSOrigins     []string      // origins allowed to call the API from a browser; "*" allows any
	RequestTimeout  time.Duration // bound on one request, GraphQL included
	ShutdownTimeout time.Duration // how long in-flight requests may finish after SIGTERM
	MaxBodyBytes    int64         // largest request body accepted
	ComplexityLimit int           // GraphQL query complexity limit
	DepthLimit      int           // GraphQL selection depth limit
	Introspection   bool          // allow GraphQL introspection (schema discovery)
	// Explorer serves GraphiQL at GET /graphql to browsers (development: its scripts come from
	// the jsDelivr CDN, so the page needs internet access; the API itself still needs a key).
	Explorer bool
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		RequestTimeout:  30 * time.Second,
		ShutdownTimeout: 20 * time.Second,
		MaxBodyBytes:    32 << 20,
		ComplexityLimit: 5000,
		DepthLimit:      12,
		Introspection:   true,
	}
}

// Deps is what the server calls into.
type Deps struct {
	Status *Status
	Store  *graph.Store // the graph, API keys and the audit log
	Policy Policy       // nil: DefaultPolicy
	// Resolve configures entity resolution: the runs partners' ingests start in the background
	// (when ResolveAfterIngest), the ones startResolution and judgements start.
	Resolve            resolve.Config
	ResolveAfterIngest bool
	// Detect is the detection configuration (nil: the defaults); with DetectAfterIngest,
	// incremental runs follow the resolution run after partner ingests.
	Detect            *detect.Config
	DetectAfterIngest bool
	// UI is the built web UI served at / (ui.Dist()); nil serves a page that says how to build it.
	UI fs.FS
}

// Server is Crosslink's HTTP server.
type Server struct {
	cfg     Config
	ui      fs.FS
	log     *slog.Logger
	status  *Status
	store   *graph.Store
	policy  Policy
	keys    *keyCache
	auditor *auditor
	jobs    *graph.Jobs
	resolve resolve.Config
	detect  *detect.Config
	queue   *resolveQueue // nil: ingests start neither resolution nor detection
	h       http.Handler

	nodeBatches atomic.Int64 // batches read by the node dataloaders
	riskBatches atomic.Int64 // batches read by the risk-score dataloaders
}

// New builds the server and its routes, and starts the audit log's writer: Close stops it.
func New(cfg Config, d Deps, log *slog.Logger) *Server {
	s := &Server{cfg: cfg, log: log, status: d.Status, store: d.Store, policy: d.Policy, ui: d.UI}
	if s.policy == nil {
		s.policy = DefaultPolicy
	}
	s.keys = &keyCache{auth: d.Store, m: map[string]cachedKey{}}
	s.auditor = newAuditor(d.Store, log)
	s.jobs = graph.NewJobs(log)
	s.resolve = d.Resolve
	s.detect = d.Detect
	if s.detect == nil {
		s.detect = detect.Default()
	}
	if d.ResolveAfterIngest || d.DetectAfterIngest {
		var dcfg *detect.Config
		if d.DetectAfterIngest {
			dcfg = s.detect
		}
		s.queue = newResolveQueue(d.Store, d.Resolve, d.ResolveAfterIngest, dcfg, log)
	}
	s.h = s.routes()
	return s
}

// Close cancels the running jobs, writes the audit entries still queued (within ctx) and stops
// the writer.
func (s *Server) Close(ctx context.Context) error {
	s.queue.close()
	jerr := s.jobs.Close(ctx)
	if err := s.auditor.Close(ctx); err != nil {
		return err
	}
	return jerr
}

// FlushAudit writes the audit entries queued so far (tests read the log right after a request).
func (s *Server) FlushAudit(ctx context.Context) error { return s.auditor.flush(ctx) }

// Handler is the whole HTTP handler, middleware included (tests use it with httptest).
func (s *Server) Handler() http.Handler { return s.h }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	api := s.audited(s.authenticate(s.withLoaders(s.graphqlHandler())))
	if s.cfg.Explorer {
		api = explorer(api)
	}
	mux.Handle("/graphql", api)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("/", uiHandler(s.ui))
	var h http.Handler = mux
	h = s.cors(h)
	h = securityHeaders(h)
	h = limitBody(h, s.cfg.MaxBodyBytes)
	h = timeout(h, s.cfg.RequestTimeout)
	h = s.recoverPanics(h)
	h = s.accessLog(h)
	h = requestID(h)
	return h
}

// healthz says the process is up; it does not touch Neo4j.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz says whether Crosslink can serve: Neo4j answers and the schema is current.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	rd := s.status.Ready(ctx)
	code := http.StatusOK
	if !rd.Ready {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, rd)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// ListenAndServe serves until ctx is cancelled, then shuts down gracefully: it stops accepting,
// lets in-flight requests finish within ShutdownTimeout, and returns nil. ready, when not nil,
// receives the bound address once the listener is open.
func (s *Server) ListenAndServe(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           s.h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.cfg.RequestTimeout + 10*time.Second,
		WriteTimeout:      s.cfg.RequestTimeout + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	s.log.Info("serving", "addr", ln.Addr().String())
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "grace", s.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if err := s.Close(sctx); err != nil {
		return fmt.Errorf("write the audit log: %w", err)
	}
	return nil
}
