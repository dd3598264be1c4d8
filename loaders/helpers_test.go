package loaders_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/graphtest"
	"github.com/crosslink/crosslink/graph/migrations"
	"github.com/crosslink/crosslink/loaders"
)

// Shared helpers of the loader tests. Each test loads under its own partner
// (graphtest.Prefix) and removes what it loaded with cleanupPartner.

// openStore returns a store on the test Neo4j with the schema migrated.
func openStore(t *testing.T) *graph.Store {
	t.Helper()
	s := graphtest.Open(t)
	m, err := migrations.New(s)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// sharedData returns the path of a file in ../shared/data, skipping (or failing in CI) when
// the shared folder is not beside the project.
func sharedData(t *testing.T, rel string) string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(here), "..", "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CROSSLINK_REQUIRE_NEO4J") == "1" {
			t.Fatalf("shared data %s: %v", rel, err)
		}
		t.Skipf("shared data %s not found", rel)
	}
	return p
}

// rows runs a query and returns its records as maps.
func rows(t *testing.T, s *graph.Store, q string, params map[string]any) []map[string]any {
	t.Helper()
	res, err := neo4j.ExecuteQuery(context.Background(), s.Driver(), q, params, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase(s.Database()))
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	out := make([]map[string]any, len(res.Records))
	for i, r := range res.Records {
		out[i] = r.AsMap()
	}
	return out
}

// count runs a query returning one integer column "n".
func count(t *testing.T, s *graph.Store, q string, params map[string]any) int64 {
	t.Helper()
	r := rows(t, s, q, params)
	if len(r) != 1 {
		t.Fatalf("%s: %d rows, want 1", q, len(r))
	}
	n, ok := r[0]["n"].(int64)
	if !ok {
		t.Fatalf("%s: n = %#v", q, r[0]["n"])
	}
	return n
}

// partnerNodes is a Cypher fragment binding n to every node the partner's sources assert
// (through SOURCED_FROM, or in a Transaction's sources) and ids to their Source ids; $p is the
// partner.
const partnerNodes = `
MATCH (src:Source {partner: $p})
WITH collect(src.id) AS ids
CALL (ids) {
  MATCH (:Source {partner: $p})<-[:SOURCED_FROM]-(n) RETURN n
  UNION
  MATCH (n:Transaction) WHERE any(x IN n.sources WHERE x IN ids) RETURN n
}
WITH DISTINCT n, ids
`

// partnerCounts counts what the partner's sources assert: nodes per label, and relationships
// per type from those nodes that list one of its sources, the SENT and TO that share their
// transaction's provenance, and FLOW (which graph maintains without sources). SOURCED_FROM is
// not counted. Counting through provenance keeps other tests' data out.
func partnerCounts(t *testing.T, s *graph.Store, partner string) map[string]int64 {
	t.Helper()
	p := map[string]any{"p": partner}
	got := map[string]int64{}
	for _, r := range rows(t, s, partnerNodes+`
UNWIND [l IN labels(n) WHERE l <> 'Entity'] AS label
RETURN label, count(*) AS n`, p) {
		got[r["label"].(string)] = r["n"].(int64)
	}
	for _, r := range rows(t, s, partnerNodes+`
MATCH (n)-[r]->(m)
WHERE type(r) <> 'SOURCED_FROM' AND (type(r) = 'FLOW' OR any(x IN r.sources WHERE x IN ids) OR
  (r.sources IS NULL AND type(r) = 'SENT' AND any(x IN m.sources WHERE x IN ids)) OR
  (r.sources IS NULL AND type(r) = 'TO' AND any(x IN n.sources WHERE x IN ids)))
WITH DISTINCT r
RETURN type(r) AS type, count(*) AS n`, p) {
		got[r["type"].(string)] = r["n"].(int64)
	}
	return got
}

// cleanupPartner deletes, when t ends, what deletePartner deletes.
func cleanupPartner(t *testing.T, s *graph.Store, partner string) {
	t.Cleanup(func() { deletePartner(t, s, partner) })
}

// deletePartner deletes every node that only the partner's sources assert, and those sources.
func deletePartner(t *testing.T, s *graph.Store, partner string) {
	autocommit(t, s, `
MATCH (src:Source {partner: $p})<-[:SOURCED_FROM]-(n)
WHERE NOT EXISTS { (n)-[:SOURCED_FROM]->(o:Source) WHERE o.partner <> $p }
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS`, map[string]any{"p": partner})
	autocommit(t, s, `
MATCH (src:Source {partner: $p})
WITH collect(src.id) AS ids
MATCH (n:Transaction) WHERE all(x IN n.sources WHERE x IN ids)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS`, map[string]any{"p": partner})
	rows(t, s, `MATCH (src:Source {partner: $p}) DETACH DELETE src`, map[string]any{"p": partner})
}

// loadPath loads one file with a format into s (nil for a dry run) and returns the summary.
func loadPath(t *testing.T, s *graph.Store, format, path string, opts loaders.Options) (loaders.Summary, error) {
	t.Helper()
	f, err := loaders.Lookup(format)
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var w loaders.Writer
	if s != nil {
		w = s
	}
	return loaders.Load(context.Background(), w, f, path, in, 0, opts)
}

// autocommit runs a query in an implicit transaction (needed by CALL { } IN TRANSACTIONS).
func autocommit(t *testing.T, s *graph.Store, q string, params map[string]any) {
	t.Helper()
	ctx := context.Background()
	sess := s.Driver().NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.Database()})
	defer sess.Close(ctx)
	res, err := sess.Run(ctx, q, params)
	if err == nil {
		_, err = res.Consume(ctx)
	}
	if err != nil {
		t.Errorf("%s: %v", q, err)
	}
}
