package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/crosslink/crosslink/server"
)

func TestSystemQueryReadsRealVersions(t *testing.T) {
	ts := newServer(t, server.DefaultConfig())
	code, res := postGraphQL(t, ts, `{ system { version neo4jVersion neo4jEdition gdsVersion apocVersion migrationVersion latestMigrationVersion migrationDirty } }`)
	if code != http.StatusOK || len(res.Errors) > 0 {
		t.Fatalf("status %d, errors %+v", code, res.Errors)
	}
	var got struct {
		System struct {
			Version, Neo4jVersion, Neo4jEdition, GdsVersion, ApocVersion string
			MigrationVersion, LatestMigrationVersion                     int
			MigrationDirty                                               bool
		}
	}
	if err := json.Unmarshal(res.Data, &got); err != nil {
		t.Fatal(err)
	}
	s := got.System
	for _, c := range []struct{ field, got, prefix string }{
		{"version", s.Version, "test"},
		{"neo4jVersion", s.Neo4jVersion, "5.26."},
		{"neo4jEdition", s.Neo4jEdition, "community"},
		{"gdsVersion", s.GdsVersion, "2.13."},
		{"apocVersion", s.ApocVersion, "5.26."},
	} {
		if !strings.HasPrefix(c.got, c.prefix) {
			t.Errorf("%s = %q, want prefix %q", c.field, c.got, c.prefix)
		}
	}
	if s.MigrationVersion < 1 || s.MigrationVersion != s.LatestMigrationVersion || s.MigrationDirty {
		t.Errorf("migrations = %d of %d (dirty %v), want current and clean", s.MigrationVersion, s.LatestMigrationVersion, s.MigrationDirty)
	}
}

func TestGraphQLRefusesBadQueries(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.DepthLimit = 3
	ts := newServer(t, cfg)
	deep := `{ communityRun(id: "x") { communities { members { id } } } }`
	for _, tt := range []struct {
		name, query, code string
	}{
		{"syntax", `{ system { version `, "GRAPHQL_PARSE_FAILED"},
		{"unknown field", `{ system { nope } }`, "GRAPHQL_VALIDATION_FAILED"},
		{"too deep", deep, "DEPTH_LIMIT_EXCEEDED"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, res := postGraphQL(t, ts, tt.query)
			if len(res.Errors) == 0 {
				t.Fatalf("no error for %s", tt.query)
			}
			if got := res.Errors[0].Extensions["code"]; got != tt.code {
				t.Errorf("code = %v, want %s (message %q)", got, tt.code, res.Errors[0].Message)
			}
		})
	}
}

func TestHealthAndSecurityHeaders(t *testing.T) {
	ts := newServer(t, server.DefaultConfig())
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", path, resp.StatusCode)
		}
		for _, h := range []string{"X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy", "X-Request-Id"} {
			if resp.Header.Get(h) == "" {
				t.Errorf("%s: header %s missing", path, h)
			}
		}
	}
}

func TestCORS(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.CORSOrigins = []string{"https://ui.example.org"}
	ts := newServer(t, cfg)
	for _, tt := range []struct {
		origin string
		allow  bool
	}{
		{"https://ui.example.org", true},
		{"https://evil.example.com", false},
	} {
		t.Run(tt.origin, func(t *testing.T) {
			// Preflight, as a browser sends before a JSON POST.
			req, _ := http.NewRequest(http.MethodOptions, ts.URL+"/graphql", nil)
			req.Header.Set("Origin", tt.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "content-type")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.Header.Get("Access-Control-Allow-Origin")
			if tt.allow && got != tt.origin {
				t.Errorf("preflight Allow-Origin = %q, want %q", got, tt.origin)
			}
			if !tt.allow && got != "" {
				t.Errorf("preflight Allow-Origin = %q for a refused origin", got)
			}
			// The actual request.
			req, _ = http.NewRequest(http.MethodPost, ts.URL+"/graphql", strings.NewReader(`{"query":"{ system { version } }"}`))
			req.Header.Set("Origin", tt.origin)
			req.Header.Set("Content-Type", "application/json")
			resp, err = http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got = resp.Header.Get("Access-Control-Allow-Origin")
			if (got == tt.origin) != tt.allow {
				t.Errorf("Allow-Origin = %q, allow %v", got, tt.allow)
			}
		})
	}
}

// TestReadyzFollowsNeo4j stops the real test Neo4j, expects /readyz to turn unready and the
// system query to fail with a retryable code, starts Neo4j again and expects both to recover
// without restarting Crosslink.
func TestReadyzFollowsNeo4j(t *testing.T) {
	ctl, instance := os.Getenv("CROSSLINK_TEST_NEO4J_CTL"), os.Getenv("CROSSLINK_TEST_NEO4J_INSTANCE")
	if ctl == "" || instance == "" {
		if os.Getenv("CROSSLINK_REQUIRE_NEO4J") == "1" {
			t.Fatal("CROSSLINK_TEST_NEO4J_CTL and CROSSLINK_TEST_NEO4J_INSTANCE are required: run make test")
		}
		t.Skip("needs control of the test Neo4j: run make test")
	}
	ts := newServer(t, server.DefaultConfig())
	neo4j := func(cmd string) {
		t.Helper()
		out, err := exec.Command(ctl, cmd, instance).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s %s: %v\n%s", ctl, cmd, instance, err, out)
		}
	}
	readyz := func() (int, server.Readiness) {
		resp, err := http.Get(ts.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r server.Readiness
		_ = json.NewDecoder(resp.Body).Decode(&r)
		return resp.StatusCode, r
	}
	if code, r := readyz(); code != http.StatusOK {
		t.Fatalf("before: /readyz %d %+v", code, r)
	}
	neo4j("stop")
	t.Cleanup(func() { neo4j("start") }) // idempotent when already running

	code, r := readyz()
	if code != http.StatusServiceUnavailable || r.Ready || r.Neo4j != "unreachable" {
		t.Fatalf("Neo4j stopped: /readyz %d %+v, want 503 unreachable", code, r)
	}
	_, res := postGraphQL(t, ts, `{ system { neo4jVersion } }`)
	if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "UNAVAILABLE" || res.Errors[0].Extensions["retryable"] != true {
		t.Fatalf("Neo4j stopped: system query errors %+v, want UNAVAILABLE and retryable", res.Errors)
	}

	neo4j("start")
	deadline := time.Now().Add(90 * time.Second)
	for {
		code, r = readyz()
		if code == http.StatusOK && r.Ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Neo4j back: /readyz still %d %+v", code, r)
		}
		time.Sleep(time.Second)
	}
	if _, res := postGraphQL(t, ts, `{ system { neo4jVersion } }`); len(res.Errors) > 0 {
		t.Fatalf("Neo4j back: system query errors %+v", res.Errors)
	}
}

func TestExplorer(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.Explorer = true
	ts := newServer(t, cfg)
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/graphql", nil)
	req.Header.Set("Accept", "text/html")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "cdn.jsdelivr.net") {
		t.Errorf("explorer page: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Security-Policy"))
	}
	// The API behind it still wants a key.
	if code, _ := ts.do(t, "", `{ me { role } }`, nil); code != http.StatusUnauthorized {
		t.Errorf("API without a key: %d", code)
	}
}

// TestIntrospectionWithGraphQLJS checks the schema as standard clients see it: the
// introspection result goes through graphql-js's buildClientSchema and validateSchema
// (scripts/introspect, installed by scripts/test.sh with npm ci).
func TestIntrospectionWithGraphQLJS(t *testing.T) {
	dir := "../scripts/introspect"
	if _, err := os.Stat(dir + "/node_modules/graphql"); err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("CROSSLINK_REQUIRE_NEO4J") == "1" {
			t.Fatalf("graphql-js is not installed in %s: run make test (npm ci)", dir)
		}
		t.Skip("graphql-js not installed: run `npm ci --prefix scripts/introspect`")
	}
	ts := newServer(t, server.DefaultConfig())
	body, _ := json.Marshal(map[string]any{"query": introspectionQuery})
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+ts.tokens["partner"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	f := t.TempDir() + "/introspection.json"
	out, _ := os.Create(f)
	if _, err := out.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	out.Close()
	fields := "search,entity,neighbourhood,paths,communities,centrality,transactions,timeline,auditLog,ingestTransactions,ingestEntities,startCommunities"
	cmd := exec.Command("node", dir+"/check.mjs", f, fields)
	msg, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("graphql-js: %v\n%s", err, msg)
	}
	t.Logf("graphql-js: %s", msg)
}

// introspectionQuery is graphql-js's getIntrospectionQuery() (descriptions on).
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`
