package graph_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/graphtest"
)

// benchTransactions builds n transactions among accounts, in batches of size, as the
// transactions loader would: a Transaction node, both accounts, SENT and TO.
func benchTransactions(partner string, n, accounts, size int) []graph.Batch {
	var out []graph.Batch
	var b graph.Batch
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		from := graph.AccountID(partner, fmt.Sprint(i%accounts))
		to := graph.AccountID(partner, fmt.Sprint((i*7919+13)%accounts))
		if from == to {
			to = graph.AccountID(partner, fmt.Sprint((i+1)%accounts))
		}
		tx := graph.TransactionID(partner, fmt.Sprint(i))
		at := t0.Add(time.Duration(i) * time.Minute)
		ref := graph.Ref{Line: i + 2, Record: fmt.Sprint(i), Seen: at}
		b.Nodes = append(b.Nodes,
			graph.Node{Label: graph.LabelBankAccount, ID: from, Props: map[string]any{"accountNumber": fmt.Sprint(i % accounts)}, Ref: ref},
			graph.Node{Label: graph.LabelBankAccount, ID: to, Ref: ref},
			graph.Node{Label: graph.LabelTransaction, ID: tx, Ref: ref, Props: map[string]any{
				"transactionId": fmt.Sprint(i), "amount": int64(1000 + i%50000), "currency": "EUR", "timestamp": at, "channel": "bank_transfer"}})
		b.Edges = append(b.Edges,
			graph.Edge{Type: graph.RelSent, From: from, To: tx, Ref: ref},
			graph.Edge{Type: graph.RelTo, From: tx, To: to, Ref: ref})
		if (i+1)%size == 0 {
			out = append(out, b)
			b = graph.Batch{}
		}
	}
	if len(b.Nodes) > 0 {
		out = append(out, b)
	}
	return out
}

// BenchmarkWriteBatchTransactions measures the idempotent writer on transactions (first load),
// and BenchmarkWriteFloor the plainest UNWIND ... CREATE of the same rows: Neo4j's own floor.
// Run: scripts/test.sh -run '^$' -bench WriteBatch -benchtime 1x ./graph/
func BenchmarkWriteBatchTransactions(b *testing.B) {
	s := graphtest.Open(b)
	ctx := context.Background()
	const n = 20000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p := graphtest.Prefix(b)
		batches := benchTransactions(p, n, 2000, 2000)
		src := graph.Source{Partner: p, Dataset: "bench", File: "bench.csv"}
		b.StartTimer()
		start := time.Now()
		for _, batch := range batches {
			if _, err := s.WriteBatch(ctx, src, batch); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "tx/s")
		b.StopTimer()
		benchCleanup(b, s, p)
	}
}

func BenchmarkWriteFloor(b *testing.B) {
	s := graphtest.Open(b)
	ctx := context.Background()
	const n = 20000
	for i := 0; i < b.N; i++ {
		p := graphtest.Prefix(b)
		rows := make([]map[string]any, 0, 2000)
		start := time.Now()
		flush := func() {
			_, err := neo4j.ExecuteQuery(ctx, s.Driver(), `UNWIND $rows AS r CREATE (:BenchFloor {id: r.id, amount: r.amount, currency: r.currency, timestamp: r.timestamp, src: r.src, dst: r.dst})`,
				map[string]any{"rows": rows}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(s.Database()))
			if err != nil {
				b.Fatal(err)
			}
			rows = rows[:0]
		}
		for j := 0; j < n; j++ {
			rows = append(rows, map[string]any{"id": fmt.Sprintf("%s-%d", p, j), "amount": int64(j), "currency": "EUR",
				"timestamp": time.Unix(int64(j), 0).UTC(), "src": fmt.Sprint(j % 2000), "dst": fmt.Sprint(j * 7 % 2000)})
			if len(rows) == 2000 {
				flush()
			}
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "rows/s")
		if _, err := neo4j.ExecuteQuery(ctx, s.Driver(), `MATCH (n:BenchFloor) DETACH DELETE n`, nil, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(s.Database())); err != nil {
			b.Fatal(err)
		}
	}
}

func benchCleanup(b *testing.B, s *graph.Store, p string) {
	ctx := context.Background()
	sess := s.Driver().NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.Database()})
	defer sess.Close(ctx)
	for _, q := range []string{
		`MATCH (n:Entity) WHERE n.id STARTS WITH 'acct:' + $p OR n.id STARTS WITH 'tx:' + $p CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS`,
		`MATCH (s:Source {partner: $p}) DETACH DELETE s`,
	} {
		res, err := sess.Run(ctx, q, map[string]any{"p": p})
		if err == nil {
			_, err = res.Consume(ctx)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}
