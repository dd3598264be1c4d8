package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/graphtest"
	"github.com/crosslink/crosslink/graph/migrations"
	"github.com/crosslink/crosslink/server"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// api is a Crosslink server on the real test Neo4j, with its schema migrated and one key per
// role (the partner key acts for partner).
type api struct {
	*httptest.Server
	srv     *server.Server
	store   *graph.Store
	partner string
	tokens  map[graph.Role]string
	keys    map[graph.Role]graph.APIKey
	logs    *syncBuffer // everything the server logged
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newServer starts an api; its keys and their audit entries are removed when t ends.
func newServer(t testing.TB, cfg server.Config) *api {
	t.Helper()
	store := graphtest.Open(t)
	m, err := migrations.New(store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := m.Up(ctx); err != nil {
		t.Fatalf("migrate up: %v", err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := server.New(cfg, server.Deps{Status: &server.Status{Store: store, Schema: m, Version: "test"}, Store: store}, log)
	a := &api{srv: srv, store: store, logs: logs, partner: graphtest.Prefix(t) + "-bank",
		tokens: map[graph.Role]string{}, keys: map[graph.Role]graph.APIKey{}}
	for _, role := range graph.Roles {
		req := graph.NewAPIKey{Name: "test " + string(role), Role: role}
		if role == graph.RolePartner {
			req.Partner = a.partner
		}
		k, tok, err := store.CreateAPIKey(ctx, req, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		a.tokens[role], a.keys[role] = tok, k
	}
	a.Server = httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		a.Server.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
		ids := []string{}
		for _, k := range a.keys {
			ids = append(ids, k.ID)
		}
		a.cypher(t, `MATCH (n) WHERE (n:ApiKey AND n.id IN $ids) OR (n:AuditEntry AND n.keyId IN $ids) DETACH DELETE n`, map[string]any{"ids": ids})
	})
	return a
}

// cypher runs a statement on the test Neo4j (test setup and cleanup only).
func (a *api) cypher(t testing.TB, query string, params map[string]any) []*neo4j.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := neo4j.ExecuteQuery(ctx, a.store.Driver(), query, params, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase(a.store.Database()))
	if err != nil {
		t.Fatalf("cypher: %v", err)
	}
	return res.Records
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// code is the extensions.code of the first error, or "".
func (r gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// do posts a GraphQL request with token ("" for none).
func (a *api) do(t testing.TB, token, query string, vars map[string]any) (int, gqlResponse) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out gqlResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("decode response: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body) // read to EOF, so that the connection is kept alive
	return resp.StatusCode, out
}

// as posts a GraphQL request with the key of role.
func (a *api) as(t testing.TB, role graph.Role, query string, vars map[string]any) (int, gqlResponse) {
	t.Helper()
	return a.do(t, a.tokens[role], query, vars)
}

// postGraphQL posts a query as an analyst.
func postGraphQL(t *testing.T, a *api, query string) (int, gqlResponse) {
	t.Helper()
	return a.as(t, graph.RoleAnalyst, query, nil)
}
