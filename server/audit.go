package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/crosslink/crosslink/graph"
)

// Every /graphql request leaves one audit entry: the HTTP middleware opens a record, the
// authenticator and the GraphQL extension fill in who and what, and the middleware hands the
// entry to the auditor, which writes entries to Neo4j in batches off the request path.

type auditRecordKey struct{}

// auditRecord is filled while a request runs.
type auditRecord struct {
	mu            sync.Mutex
	key           graph.APIKey
	operation     string
	operationType string
	variablesHash string
	status        string
	errorCode     string
}

func auditRecordOf(ctx context.Context) *auditRecord {
	r, _ := ctx.Value(auditRecordKey{}).(*auditRecord)
	return r
}

// AuditStore stores audit entries (*graph.Store).
type AuditStore interface {
	AppendAudit(ctx context.Context, entries []graph.AuditEntry) error
}

// audited wraps /graphql: whatever happens below, one entry is queued.
func (s *Server) audited(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r) // CORS preflight: no request was made yet
			return
		}
		start := time.Now()
		rec := &auditRecord{status: "ok"}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), auditRecordKey{}, rec)))
		rec.mu.Lock()
		defer rec.mu.Unlock()
		e := graph.AuditEntry{
			ID: newAuditID(), At: start.UTC(), RequestID: RequestID(r.Context()),
			KeyID: rec.key.ID, Role: rec.key.Role, Partner: rec.key.Partner,
			Operation: rec.operation, OperationType: rec.operationType, VariablesHash: rec.variablesHash,
			ResultBytes: sw.bytes, Status: rec.status, ErrorCode: rec.errorCode,
			DurationMs: float64(time.Since(start).Microseconds()) / 1000,
		}
		if e.Status == "ok" && sw.status >= 400 {
			e.Status = "error"
		}
		s.auditor.add(e)
	})
}

func newAuditID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// auditExtension fills the record with the operation, its variables' hash and the outcome.
type auditExtension struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = auditExtension{}

func (auditExtension) ExtensionName() string                   { return "Audit" }
func (auditExtension) Validate(graphql.ExecutableSchema) error { return nil }

func (auditExtension) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	rec := auditRecordOf(ctx)
	if rec == nil {
		return nil
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.operation = operationLabel(oc)
	if oc.Operation != nil {
		rec.operationType = string(oc.Operation.Operation)
	}
	rec.variablesHash = hashVariables(oc.Variables)
	return nil
}

// operationLabel is the operation's name, or its root fields when it has none.
func operationLabel(oc *graphql.OperationContext) string {
	if oc.OperationName != "" {
		return truncate(oc.OperationName, 100)
	}
	if oc.Operation == nil {
		return ""
	}
	if oc.Operation.Name != "" {
		return truncate(oc.Operation.Name, 100)
	}
	var names []string
	for _, sel := range oc.Operation.SelectionSet {
		if f, ok := sel.(*ast.Field); ok {
			names = append(names, f.Name)
		}
	}
	sort.Strings(names)
	return truncate(strings.Join(names, ","), 100)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// hashVariables is the SHA-256 of the variables as canonical JSON (keys sorted), or "" when
// there are none: the audit log can tell two calls apart, or match a call a partner reports,
// without holding the personal data they carry.
func hashVariables(v map[string]any) string {
	if len(v) == 0 {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func (auditExtension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	rec := auditRecordOf(ctx)
	if rec == nil || resp == nil || len(resp.Errors) == 0 {
		return resp
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	code, _ := resp.Errors[0].Extensions["code"].(string)
	rec.errorCode = code
	switch code {
	case "FORBIDDEN", "UNAUTHENTICATED":
		rec.status = "refused"
	default:
		rec.status = "error"
	}
	return resp
}

// auditor queues entries and writes them in batches: every flushEvery, or at once when
// auditBatch are waiting. When Neo4j is down, entries wait (up to auditBacklog, oldest dropped
// past that with an error log) and are written when it is back.
type auditor struct {
	store AuditStore
	log   *slog.Logger
	mu    sync.Mutex
	queue []graph.AuditEntry
	kick  chan struct{}
	done  chan struct{}
	stop  context.CancelFunc
}

const (
	auditBatch   = 500
	auditBacklog = 100_000
	flushEvery   = 200 * time.Millisecond
)

func newAuditor(store AuditStore, log *slog.Logger) *auditor {
	ctx, cancel := context.WithCancel(context.Background())
	a := &auditor{store: store, log: log, kick: make(chan struct{}, 1), done: make(chan struct{}), stop: cancel}
	go a.run(ctx)
	return a
}

func (a *auditor) add(e graph.AuditEntry) {
	a.mu.Lock()
	if len(a.queue) >= auditBacklog {
		a.log.Error("audit backlog full: oldest entry dropped", "backlog", len(a.queue))
		a.queue = a.queue[1:]
	}
	a.queue = append(a.queue, e)
	n := len(a.queue)
	a.mu.Unlock()
	if n >= auditBatch {
		select {
		case a.kick <- struct{}{}:
		default:
		}
	}
}

func (a *auditor) run(ctx context.Context) {
	defer close(a.done)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-a.kick:
		}
		_ = a.flush(ctx)
	}
}

// flush writes what is queued; entries stay queued when the write fails.
func (a *auditor) flush(ctx context.Context) error {
	for {
		a.mu.Lock()
		n := min(len(a.queue), auditBatch)
		batch := append([]graph.AuditEntry(nil), a.queue[:n]...)
		a.mu.Unlock()
		if n == 0 {
			return nil
		}
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := a.store.AppendAudit(wctx, batch)
		cancel()
		if err != nil {
			a.log.Warn("audit log not written yet; will retry", "entries", n, "err", graph.ErrorMessage(err))
			return err
		}
		a.mu.Lock()
		a.queue = a.queue[n:]
		a.mu.Unlock()
	}
}

// Close stops the background writer and writes what is left, within ctx.
func (a *auditor) Close(ctx context.Context) error {
	a.stop()
	<-a.done
	return a.flush(ctx)
}
