// Package graphtest connects integration tests to the real Neo4j that `make test`
// (scripts/test.sh) starts: instance "test" on its own port and data folder, never the demo's.
//
// The test Neo4j is named by CROSSLINK_TEST_NEO4J_URI, CROSSLINK_TEST_NEO4J_USER (default neo4j)
// and CROSSLINK_TEST_NEO4J_PASSWORD. When the URI is unset, tests that need Neo4j skip, unless
// CROSSLINK_REQUIRE_NEO4J=1 or CI=true, where a missing Neo4j is a failure.
package graphtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
)

// Config returns the connection settings of the test Neo4j, skipping or failing t when there is
// none (see the package doc).
func Config(t testing.TB) graph.Config {
	t.Helper()
	uri := os.Getenv("CROSSLINK_TEST_NEO4J_URI")
	if uri == "" {
		if os.Getenv("CROSSLINK_REQUIRE_NEO4J") == "1" || os.Getenv("CI") == "true" {
			t.Fatal("CROSSLINK_TEST_NEO4J_URI is not set but Neo4j is required here: run the tests with `make test`")
		}
		t.Skip("no test Neo4j: run `make test`, or start one with `scripts/neo4j.sh start test` and set CROSSLINK_TEST_NEO4J_URI=bolt://127.0.0.1:7688")
	}
	user := os.Getenv("CROSSLINK_TEST_NEO4J_USER")
	if user == "" {
		user = "neo4j"
	}
	return graph.Config{URI: uri, User: user, Password: os.Getenv("CROSSLINK_TEST_NEO4J_PASSWORD")}
}

// Open returns a Store on the test Neo4j, closed when t ends.
func Open(t testing.TB) *graph.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := graph.Open(ctx, Config(t))
	if err != nil {
		t.Fatalf("open test neo4j: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

// Prefix returns a short random prefix for the ids and labels a test creates, so tests never see
// each other's data and can clean up exactly what they made.
func Prefix(t testing.TB) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "t" + hex.EncodeToString(b[:])
}
