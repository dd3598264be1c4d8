package graph_test

import (
	"context"
	"fmt"
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
	// 4 nodes + 3 transactions + the Source; HOLDS, USES_EMAIL, 3 SENT, 3 TO, 4 SOURCED_FROM
	// (a transaction's provenance is on the node), 1 FLOW.
	if first.NodesCreated != 8 || first.RelationshipsCreated != 13 {
		t.Errorf("first write = %+v, want 8 nodes and 13 relationships", first)
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
	// A transaction's provenance is on the node, and its SENT and TO share it.
	tx := query(t, s, `MATCH (:Entity {id: $a})-[:SENT]->(t:Transaction {amount: 4000}) RETURN t.sources AS sources, t.refs AS refs, t.firstSeen AS first`,
		map[string]any{"a": acctA})
	if got := one[[]any](t, tx, "sources"); len(got) != 1 || got[0] != bank.ID() {
		t.Errorf("transaction sources = %v, want [%s]", got, bank.ID())
	}
	if got := one[[]any](t, tx, "refs"); len(got) != 1 || got[0] != bank.ID()+" line 3 record t2" {
		t.Errorf("transaction refs = %v, want [%s line 3 record t2]", got, bank.ID())
	}
	if got := one[time.Time](t, tx, "first"); !got.Equal(t0.Add(24 * time.Hour)) {
		t.Errorf("transaction firstSeen = %v", got)
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

// A later record of the same transaction that corrects its amount, or its payee, moves the
// transaction's FLOW contribution instead of adding to it.
func TestWriteBatchCorrectionMovesFlow(t *testing.T) {
	s := graphtest.Open(t)
	ctx := context.Background()
	p := graphtest.Prefix(t)
	cleanup(t, s, p)
	src := graph.Source{Partner: p, Dataset: "transactions", File: "tx.csv"}
	fix := graph.Source{Partner: p, Dataset: "transactions", File: "tx-corrected.csv"}
	a, b, c := graph.AccountID(p, "A"), graph.AccountID(p, "B"), graph.AccountID(p, "C")
	at := time.Date(2026, 1, 5, 21, 0, 0, 0, time.UTC)
	batch := func(amount int64, payee string, line int) graph.Batch {
		ref := graph.Ref{Line: line, Record: "t1", Seen: at}
		tx := graph.TransactionID(p, "t1")
		return graph.Batch{
			Nodes: []graph.Node{
				{Label: graph.LabelBankAccount, ID: a, Ref: ref},
				{Label: graph.LabelBankAccount, ID: payee, Ref: ref},
				{Label: graph.LabelTransaction, ID: tx, Ref: ref, Props: map[string]any{"amount": amount, "currency": "EUR", "timestamp": at}},
			},
			Edges: []graph.Edge{{Type: graph.RelSent, From: a, To: tx, Ref: ref}, {Type: graph.RelTo, From: tx, To: payee, Ref: ref}},
		}
	}
	flows := func() map[string][2]int64 {
		out := map[string][2]int64{}
		for _, r := range query(t, s, `MATCH (:Entity {id: $a})-[f:FLOW]->(b) RETURN b.id AS to, f.count AS n, f.total AS total`, map[string]any{"a": a}) {
			to, _ := r.Get("to")
			n, _ := r.Get("n")
			total, _ := r.Get("total")
			out[to.(string)] = [2]int64{n.(int64), total.(int64)}
		}
		return out
	}
	steps := []struct {
		name string
		src  graph.Source
		b    graph.Batch
		want map[string][2]int64
	}{
		{"first load", src, batch(2500, b, 2), map[string][2]int64{b: {1, 2500}}},
		{"same again", src, batch(2500, b, 2), map[string][2]int64{b: {1, 2500}}},
		{"amount corrected", fix, batch(3000, b, 9), map[string][2]int64{b: {1, 3000}}},
		{"payee corrected", fix, batch(3000, c, 9), map[string][2]int64{c: {1, 3000}}},
	}
	for _, st := range steps {
		if _, err := s.WriteBatch(ctx, st.src, st.b); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got := flows()
		if len(got) != len(st.want) {
			t.Errorf("%s: FLOW = %v, want %v", st.name, got, st.want)
			continue
		}
		for k, v := range st.want {
			if got[k] != v {
				t.Errorf("%s: FLOW = %v, want %v", st.name, got, st.want)
			}
		}
	}
	r := query(t, s, `MATCH (x)-[:SENT]->(t:Transaction {id: $id})-[:TO]->(y) RETURN x.id AS payer, y.id AS payee, t.sources AS sources, t.amount AS amount`,
		map[string]any{"id": graph.TransactionID(p, "t1")})
	if payee := one[string](t, r, "payee"); payee != c {
		t.Errorf("payee = %s, want %s (only the corrected one)", payee, c)
	}
	if sources := one[[]any](t, r, "sources"); len(sources) != 2 {
		t.Errorf("sources = %v, want both files", sources)
	}
}

// A Stream writes what WriteBatch writes, skips what it wrote already, and writes the time
// spans it skipped on Close.
func TestStreamSkipsRepeatsAndKeepsSpans(t *testing.T) {
	s := graphtest.Open(t)
	ctx := context.Background()
	p := graphtest.Prefix(t)
	cleanup(t, s, p)
	src := graph.Source{Partner: p, Dataset: "transactions", File: "tx.csv"}
	t0 := time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC)
	const n = 60
	load := func(p string) []graph.Batch {
		person := graph.PartyID(graph.LabelPerson, p, "c1")
		acct, payee := graph.AccountID(p, "A"), graph.AccountID(p, "B")
		var batches []graph.Batch
		for i := 0; i < n; i++ {
			at := t0.Add(time.Duration(i) * time.Hour)
			ref := graph.Ref{Line: i + 2, Record: fmt.Sprint(i), Seen: at}
			tx := graph.TransactionID(p, fmt.Sprint(i))
			batches = append(batches, graph.Batch{
				Nodes: []graph.Node{
					{Label: graph.LabelPerson, ID: person, Props: map[string]any{"name": "Jon Smith"}, Ref: ref},
					{Label: graph.LabelBankAccount, ID: acct, Ref: ref},
					{Label: graph.LabelBankAccount, ID: payee, Ref: ref},
					{Label: graph.LabelTransaction, ID: tx, Ref: ref, Props: map[string]any{"amount": int64(100 + i), "currency": "EUR", "timestamp": at}},
				},
				Edges: []graph.Edge{
					{Type: graph.RelHolds, From: person, To: acct, Ref: ref},
					{Type: graph.RelSent, From: acct, To: tx, Ref: ref},
					{Type: graph.RelTo, From: tx, To: payee, Ref: ref},
				},
			})
		}
		return batches
	}
	batches := load(p)
	person := graph.PartyID(graph.LabelPerson, p, "c1")
	state := func() map[string]any {
		r := query(t, s, `
MATCH (n:Person {id: $person})-[p:SOURCED_FROM]->(:Source {id: $src})
MATCH (n)-[h:HOLDS]->(a)-[f:FLOW]->()
RETURN n.firstSeen AS nFirst, n.lastSeen AS nLast, p.firstSeen AS pFirst, p.lastSeen AS pLast, size(p.refs) AS refs,
       h.firstSeen AS hFirst, h.lastSeen AS hLast, size(h.refs) AS hRefs, f.count AS flows, f.total AS total`,
			map[string]any{"person": person, "src": src.ID()})
		if len(r) != 1 {
			t.Fatalf("%d rows", len(r))
		}
		return r[0].AsMap()
	}
	st := s.Stream(src)
	for i, b := range batches {
		ws, err := st.WriteBatch(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		// Once the person, accounts and HOLDS have 5 references, a record writes only its
		// transaction (id, 3 properties, sources, refs, first and last seen) and FLOW (count,
		// total, first, last).
		if i >= 5 && ws.PropertiesSet > 12 {
			t.Errorf("batch %d set %d properties, want at most 12: the stream wrote repeats again", i, ws.PropertiesSet)
		}
	}
	if _, err := st.Close(ctx); err != nil {
		t.Fatal(err)
	}
	got := state()
	want := map[string]any{
		"nFirst": t0, "nLast": t0.Add((n - 1) * time.Hour), "pFirst": t0, "pLast": t0.Add((n - 1) * time.Hour), "refs": int64(5),
		"hFirst": t0, "hLast": t0.Add((n - 1) * time.Hour), "hRefs": int64(5), "flows": int64(n), "total": int64(n*100 + (n-1)*n/2),
	}
	for k, v := range want {
		if tv, ok := v.(time.Time); ok {
			if g, ok := got[k].(time.Time); !ok || !g.Equal(tv) {
				t.Errorf("%s = %v, want %v", k, got[k], v)
			}
		} else if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	// The same load again through a new stream changes nothing at all.
	st = s.Stream(src)
	var again graph.WriteStats
	for _, b := range batches {
		ws, err := st.WriteBatch(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		again.Add(ws)
	}
	ws, err := st.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	again.Add(ws)
	if again.NodesCreated != 0 || again.RelationshipsCreated != 0 {
		t.Errorf("second load created %+v", again)
	}
	if g := state(); fmt.Sprint(g) != fmt.Sprint(got) {
		t.Errorf("second load changed the state:\n got %v\nwant %v", g, got)
	}
}
