package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crosslink/crosslink/graph"
)

// Access control in one place: every /graphql request presents an API key (Authorization:
// Bearer <key>, or X-Api-Key), the key's role decides which root fields it may call (policy),
// and a partner key reads through its partner's Scope. The same table drives the tests.

// identityKey is the context key of the caller's APIKey.
type identityKey struct{}

// Caller returns the authenticated key of the request ctx belongs to.
func Caller(ctx context.Context) (graph.APIKey, bool) {
	k, ok := ctx.Value(identityKey{}).(graph.APIKey)
	return k, ok
}

// scopeOf is what the caller may read; a request without a caller (never reaches a resolver)
// would see nothing.
func scopeOf(ctx context.Context) graph.Scope {
	k, ok := Caller(ctx)
	if !ok {
		return graph.Scope{Partner: "\x00nobody"}
	}
	return k.Scope()
}

// Authenticator checks API keys (*graph.Store).
type Authenticator interface {
	Authenticate(ctx context.Context, token string, now time.Time) (graph.APIKey, error)
}

// keyCache remembers good keys for a few seconds so that a request does not pay a Neo4j read
// for its key; a key revoked or expiring is refused within keyCacheTTL (revocations made through
// this server's API at once).
type keyCache struct {
	auth Authenticator
	mu   sync.Mutex
	m    map[string]cachedKey
}

type cachedKey struct {
	key   graph.APIKey
	until time.Time
}

const keyCacheTTL = 5 * time.Second

func (c *keyCache) authenticate(ctx context.Context, token string) (graph.APIKey, error) {
	now := time.Now()
	h := sha256.Sum256([]byte(token))
	hk := hex.EncodeToString(h[:])
	c.mu.Lock()
	e, ok := c.m[hk]
	c.mu.Unlock()
	if ok && now.Before(e.until) && (e.key.ExpiresAt.IsZero() || now.Before(e.key.ExpiresAt)) {
		return e.key, nil
	}
	k, err := c.auth.Authenticate(ctx, token, now)
	if err != nil {
		return graph.APIKey{}, err
	}
	c.mu.Lock()
	if len(c.m) > 10_000 {
		clear(c.m) // bounded: many keys in a few seconds is an attack or a test
	}
	c.m[hk] = cachedKey{key: k, until: now.Add(keyCacheTTL)}
	c.mu.Unlock()
	return k, nil
}

// forget drops a key from the cache (after it is revoked here).
func (c *keyCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, e := range c.m {
		if e.key.ID == id {
			delete(c.m, h)
		}
	}
}

// bearer returns the key a request presents, or "".
func bearer(r *http.Request) string {
	if v := r.Header.Get("Authorization"); v != "" {
		scheme, tok, ok := strings.Cut(v, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok)
		}
		return ""
	}
	return strings.TrimSpace(r.Header.Get("X-Api-Key"))
}

// authenticate refuses a /graphql request without a valid key with 401 and a GraphQL error
// (UNAUTHENTICATED), and puts the caller's key in the context of the others. The refusal is
// audited like any request.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := bearer(r)
		var err error
		var key graph.APIKey
		if tok == "" {
			err = graph.Errorf(graph.EUNAUTHORIZED, "an API key is required: send it as `Authorization: Bearer <key>`")
		} else {
			key, err = s.keys.authenticate(r.Context(), tok)
		}
		if err != nil {
			code := graph.ErrorCode(err)
			status := http.StatusUnauthorized
			if code == graph.EUNAVAILABLE {
				status = http.StatusServiceUnavailable
			} else if code != graph.EUNAUTHORIZED {
				s.log.Error("authenticate", "request_id", RequestID(r.Context()), "err", err.Error())
				status = http.StatusInternalServerError
			}
			if rec := auditRecordOf(r.Context()); rec != nil {
				rec.status, rec.errorCode = "refused", gqlCodes[code]
				if code != graph.EUNAUTHORIZED {
					rec.status = "error"
				}
				rec.operation = r.URL.Query().Get("operationName")
			}
			if status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="crosslink"`)
			}
			ext := map[string]any{"code": gqlCodes[code]}
			if code == graph.EUNAVAILABLE {
				ext["retryable"] = true
			}
			writeJSON(w, status, map[string]any{"errors": []map[string]any{{"message": graph.ErrorMessage(err), "extensions": ext}}})
			return
		}
		if rec := auditRecordOf(r.Context()); rec != nil {
			rec.key = key
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, key)))
	})
}

// Policy says which roles may call each root field ("Query.search", "Mutation.ingestTransactions").
// A field missing from it is refused to everyone (TestPolicyCoversSchema keeps it complete).
type Policy map[string][]graph.Role

var (
	everyone = []graph.Role{graph.RoleAdmin, graph.RoleAnalyst, graph.RolePartner}
	readers  = everyone // partners read through their Scope
	analysts = []graph.Role{graph.RoleAdmin, graph.RoleAnalyst}
	admins   = []graph.Role{graph.RoleAdmin}
	ingest   = []graph.Role{graph.RoleAdmin, graph.RolePartner}
)

// DefaultPolicy is Crosslink's access policy.
var DefaultPolicy = Policy{
	"Query.__schema":   everyone,
	"Query.__type":     everyone,
	"Query.__typename": everyone,
	"Query.system":     everyone,
	"Query.me":         everyone,
	"Query.apiKeys":    admins,
	"Query.auditLog":   admins,

	"Query.search":        readers,
	"Query.entity":        readers,
	"Query.node":          readers,
	"Query.nodes":         readers,
	"Query.neighbourhood": readers,
	"Query.transactions":  readers,
	"Query.timeline":      readers,
	"Query.paths":         readers,
	"Query.communities":   readers,
	"Query.centrality":    readers,
	"Query.communityRuns": readers,
	"Query.communityRun":  readers,
	"Query.job":           readers,
	"Query.jobs":          readers,

	"Mutation.__typename":   everyone,
	"Mutation.createApiKey": admins,
	"Mutation.revokeApiKey": admins,

	"Mutation.startCommunities":   readers,
	"Mutation.startCentrality":    readers,
	"Mutation.cancelJob":          readers,
	"Mutation.deleteCommunityRun": analysts,

	"Mutation.ingestTransactions":     ingest,
	"Mutation.ingestPlatformAccounts": ingest,
	"Mutation.ingestPlatformEvents":   ingest,
	"Mutation.ingestReports":          ingest,
	"Mutation.ingestEntities":         ingest,

	"Query.resolvedEntity":         analysts,
	"Query.matchReviews":           analysts,
	"Query.judgements":             analysts,
	"Mutation.judgeMatch":          analysts,
	"Mutation.retractJudgement":    analysts,
	"Mutation.splitResolvedEntity": analysts,
	"Mutation.startResolution":     admins,

	// Detection joins every partner's data: analysts and admins only.
	"Query.signals":           analysts,
	"Query.signal":            analysts,
	"Query.riskRanking":       analysts,
	"Query.detectionRules":    analysts,
	"Query.detectionRuns":     analysts,
	"Mutation.startDetection": admins,

	// Alerts and cases: analysts' work on what detection found.
	"Query.alerts":            analysts,
	"Query.alert":             analysts,
	"Query.cases":             analysts,
	"Query.case":              analysts,
	"Mutation.updateAlert":    analysts,
	"Mutation.createCase":     analysts,
	"Mutation.updateCase":     analysts,
	"Mutation.addToCase":      analysts,
	"Mutation.removeFromCase": analysts,
	"Mutation.addCaseNote":    analysts,
	"Mutation.saveCaseView":   analysts,
}

// Allows reports whether role may call the root field object.field.
func (p Policy) Allows(role graph.Role, object, field string) bool {
	for _, r := range p[object+"."+field] {
		if r == role {
			return true
		}
	}
	return false
}

// authorize is the gqlgen root-field interceptor that applies the policy: a refused field
// resolves to null with a FORBIDDEN error naming it; the others run.
func (s *Server) authorize(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	rc := graphql.GetRootFieldContext(ctx)
	key, ok := Caller(ctx)
	// gqlgen fills RootFieldContext.Object with the field's name: the root type is the
	// operation's.
	object := "Query"
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Mutation {
		object = "Mutation"
	}
	if rc != nil && (!ok || !s.policy.Allows(key.Role, object, rc.Field.Name)) {
		role := "no role"
		if ok {
			role = string(key.Role)
		}
		graphql.AddError(ctx, graph.Errorf(graph.EFORBIDDEN, "%s: not allowed for the %s role", rc.Field.Name, role))
		return graphql.Null
	}
	return next(ctx)
}
