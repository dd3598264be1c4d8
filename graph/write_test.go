package graph_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/graphtest"
)

// query runs a read query on the test database and returns its records.
func query(t *testing.T, s *graph.Store, q string, params map[string]any) []*neo4j.Record {
	t.Helper()
	res, err := neo4j.ExecuteQuery(context.Background(), s.Driver(), q, params, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase(s.Database()))
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return res.Records
}

// cleanup deletes every node whose id starts with prefix, and the Sources of partner prefix.
func cleanup(t *testing.T, s *graph.Store, prefix string) {
	t.Cleanup(func() {
		query(t, s, `MATCH (n:Entity) WHERE n.id CONTAINS $p DETACH DELETE n`, map[string]any{"p": prefix})
		query(t, s, `MATCH (n:Source) WHERE n.partner = $p DETACH DELETE n`, map[string]any{"p": prefix})
	})
}

func one[T neo4j.RecordValue](t *testing.T, recs []*neo4j.Record, key string) T {
	t.Helper()
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	v, _, err := neo4j.GetRecordValue[T](recs[0], key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestWriteBatchIdempotentWithProvenanceAndFlow(t *testing.T) {
	s := graphtest.Open(t)
	ctx := context.Background()
	p := graphtest.Prefix(t)
	cleanup(t, s, p)
	bank := graph.Source{Partner: p, Dataset: "transactions", File: "tx.csv"}
	alice := graph.PartyID(graph.LabelPerson, p, "c1")
	acctA := graph.AccountID(p, "A-1")
	acctB := graph.AccountID(p, "B-1")
	email := graph.EmailID(p + "@example.org")
	t0 := time.Date(2026, 3, 1, 22, 30, 0, 0, time.UTC)
	b := graph.Batch{
		Nodes: []graph.Node{
			{Label: graph.LabelPerson, ID: alice, Props: map[string]any{"name": "Alice Example", "country": "GB"}, Ref: graph.Ref{Line: 2}},
			{Label: graph.LabelBankAccount, ID: acctA, Props: map[string]any{"accountNumber": "A-1"}, Ref: graph.Ref{Line: 2}},
			{Label: graph.LabelBankAccount, ID: acctB, Props: map[string]any{"accountNumber": "B-1", "country": "PH"}, Ref: graph.Ref{Line: 2}},
			{Label: graph.LabelEmail, ID: email, Props: map[string]any{"address": p + "@example.org"}, Ref: graph.Ref{Line: 2}},
		},
		Edges: []graph.Edge{
			{Type: graph.RelHolds, From: alice, To: acctA, Ref: graph.Ref{Line: 2}},
			{Type: graph.RelUsesEmail, From: alice, To: email, Ref: graph.Ref{Line: 2}},
		},
	}
	for i, amount := range []int64{2500, 4000, 1000} {
		txID := graph.TransactionID(p, "t"+string(rune('1'+i)))
		seen := t0.Add(time.Duration(i) * 24 * time.Hour)
		ref := graph.Ref{Line: 2 + i, Record: "t" + string(rune('1'+i)), Seen: seen}
		b.Nodes = append(b.Nodes, graph.Node{Label: graph.LabelTransaction, ID: txID, Ref: ref,
			Props: map[string]any{"amount": amount, "currency": "EUR", "timestamp": seen, "reference": "school fees"}})
		b.Edges = append(b.Edges,
			graph.Edge{Type: graph.RelSent, From: acctA, To: txID, Ref: ref},
			graph.Edge{Type: graph.RelTo, From: txID, To: acctB, Ref: ref})
	}

	first, err := s.WriteBatch(ctx, bank, b)
	if err != nil {
		t.Fatal(err)
	}
	// 4 nodes + 3 transactions + the Source; HOLDS, USES_EMAIL, 3 SENT, 3 TO, 7 SOURCED_FROM, 1 FLOW.
	if first.NodesCreated != 8 || first.RelationshipsCreated != 16 {
		t.Errorf("first write = %+v, want 8 nodes and 16 relationships", first)
	}
	second, err := s.WriteBatch(ctx, bank, b)
	if err != nil {
		t.Fatal(err)
	}
	if second.NodesCreated != 0 || second.RelationshipsCreated != 0 {
		t.Errorf("second write of the same batch created %+v, want nothing", second)
	}

	flow := query(t, s, `MATCH (:Entity {id: $a})-[f:FLOW]->(:Entity {id: $b}) RETURN f.count AS n, f.total AS total, f.currency AS cur, f.first AS first`,
		map[string]any{"a": acctA, "b": acctB})
	if n, total := one[int64](t, flow, "n"), one[int64](t, flow, "total"); n != 3 || total != 7500 {
		t.Errorf("FLOW = %d transactions, %d total; want 3, 7500", n, total)
	}
	if first := one[time.Time](t, flow, "first"); !first.Equal(t0) {
		t.Errorf("FLOW first = %v, want %v", first, t0)
	}

	// "Who says so?": the Person's provenance names the source, its properties and line.
	prov := query(t, s, `MATCH (:Entity {id: $id})-[p:SOURCED_FROM]->(s:Source) RETURN s.partner AS partner, s.file AS file, p.properties AS props, p.refs AS refs`,
		map[string]any{"id": alice})
	if got := one[string](t, prov, "file"); got != "tx.csv" {
		t.Errorf("source file = %q", got)
	}
	if got := one[[]any](t, prov, "props"); len(got) != 2 {
		t.Errorf("asserted properties = %v, want country and name", got)
	}
	if got := one[[]any](t, prov, "refs"); len(got) != 1 || got[0] != "line 2" {
		t.Errorf("refs = %v, want [line 2]", got)
	}

	// A second source saying something about the same email adds its own provenance.
	platform := graph.Source{Partner: p, Dataset: "accounts", File: "accounts.csv"}
	if _, err := s.WriteBatch(ctx, platform, graph.Batch{Nodes: []graph.Node{
		{Label: graph.LabelEmail, ID: email, Props: map[string]any{"verified": true}, Ref: graph.Ref{Line: 7}},
	}}); err != nil {
		t.Fatal(err)
	}
	srcs := query(t, s, `MATCH (:Entity {id: $id})-[:SOURCED_FROM]->(s:Source) RETURN count(s) AS n`, map[string]any{"id": email})
	if n := one[int64](t, srcs, "n"); n != 2 {
		t.Errorf("email has %d sources, want 2", n)
	}
	sent := query(t, s, `MATCH (:Entity {id: $a})-[r:SENT]->() RETURN r.sources AS sources LIMIT 1`, map[string]any{"a": acctA})
	if got := one[[]any](t, sent, "sources"); len(got) != 1 || got[0] != bank.ID() {
		t.Errorf("SENT sources = %v, want [%s]", got, bank.ID())
	}
}

func TestWriteBatchRefusesBadInput(t *testing.T) {
	s := graphtest.Open(t)
	ctx := context.Background()
	p := graphtest.Prefix(t)
	cleanup(t, s, p)
	src := graph.Source{Partner: p, Dataset: "d", File: "f"}
	for _, tt := range []struct {
		name string
		src  graph.Source
		b    graph.Batch
		want string
	}{
		{"unknown label", src, graph.Batch{Nodes: []graph.Node{{Label: "Weapon", ID: p + "x"}}}, `unknown label "Weapon"`},
		{"empty id", src, graph.Batch{Nodes: []graph.Node{{Label: graph.LabelEmail}}}, "empty id"},
		{"unknown type", src, graph.Batch{Edges: []graph.Edge{{Type: "KNOWS", From: "a", To: "b"}}}, `unknown type "KNOWS"`},
		{"no partner", graph.Source{Dataset: "d"}, graph.Batch{}, "partner is empty"},
		{"missing end", src, graph.Batch{
			Nodes: []graph.Node{{Label: graph.LabelEmail, ID: graph.EmailID(p + "@x.org")}},
			Edges: []graph.Edge{{Type: graph.RelUsesEmail, From: p + "nobody", To: graph.EmailID(p + "@x.org")}},
		}, "does not exist (e.g. " + p + "nobody)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.WriteBatch(ctx, tt.src, tt.b)
			if graph.ErrorCode(err) != graph.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want EINVALID containing %q", err, tt.want)
			}
		})
	}
	// The failed batch with a missing end wrote nothing: batches are atomic.
	if n := one[int64](t, query(t, s, `MATCH (n:Email {id: $id}) RETURN count(n) AS n`, map[string]any{"id": graph.EmailID(p + "@x.org")}), "n"); n != 0 {
		t.Errorf("a refused batch left %d nodes", n)
	}
}
