package graph_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/graphtest"
)

// The write benchmarks load n transactions (CROSSLINK_BENCH_TX, default 20,000) among n/20
// accounts (at least 2,000), in batches of 10,000, as the transactions loader would: a
// Transaction node, both accounts, SENT and TO. Run:
//
//	scripts/test.sh -run '^$' -bench 'Write|Stream' -benchtime 1x ./graph/
//	CROSSLINK_BENCH_TX=1000000 scripts/test.sh -run '^$' -bench 'Stream|Floor' -benchtime 1x -timeout 60m ./graph/
const benchBatch = 10000

func benchSize(b *testing.B) (n, accounts int) {
	n = 20000
	if v := os.Getenv("CROSSLINK_BENCH_TX"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("CROSSLINK_BENCH_TX=%q: not a positive number", v)
		}
	}
	return n, max(2000, n/20)
}

var benchT0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func benchEnds(partner string, i, accounts int) (from, to string) {
	f, t := i%accounts, (i*7919+13)%accounts
	if f == t {
		t = (t + 1) % accounts
	}
	return graph.AccountID(partner, strconv.Itoa(f)), graph.AccountID(partner, strconv.Itoa(t))
}

// benchBatchAt builds batch k (transactions k*benchBatch onwards), so that a million
// transactions never sit in memory at once.
func benchBatchAt(partner string, k, n, accounts int) graph.Batch {
	var b graph.Batch
	for i := k * benchBatch; i < min(n, (k+1)*benchBatch); i++ {
		from, to := benchEnds(partner, i, accounts)
		tx := graph.TransactionID(partner, strconv.Itoa(i))
		at := benchT0.Add(time.Duration(i) * time.Minute)
		ref := graph.Ref{Line: i + 2, Record: strconv.Itoa(i), Seen: at}
		b.Nodes = append(b.Nodes,
			graph.Node{Label: graph.LabelBankAccount, ID: from, Props: map[string]any{"accountNumber": strconv.Itoa(i % accounts)}, Ref: ref},
			graph.Node{Label: graph.LabelBankAccount, ID: to, Ref: ref},
			graph.Node{Label: graph.LabelTransaction, ID: tx, Ref: ref, Props: map[string]any{
				"transactionId": strconv.Itoa(i), "amount": int64(1000 + i%50000), "currency": "EUR", "timestamp": at, "channel": "bank_transfer"}})
		b.Edges = append(b.Edges,
			graph.Edge{Type: graph.RelSent, From: from, To: tx, Ref: ref},
			graph.Edge{Type: graph.RelTo, From: tx, To: to, Ref: ref})
	}
	return b
}

// BenchmarkWriteBatchTransactions measures Store.WriteBatch (each batch on its own, as the
// ingest API writes) on a first load.
func BenchmarkWriteBatchTransactions(b *testing.B) {
	benchWriter(b, func(s *graph.Store, src graph.Source) func(context.Context, graph.Batch) error {
		return func(ctx context.Context, batch graph.Batch) error {
			_, err := s.WriteBatch(ctx, src, batch)
			return err
		}
	})
}

// BenchmarkStreamTransactions measures a Stream, which is what every loader writes through.
func BenchmarkStreamTransactions(b *testing.B) {
	var st *graph.Stream
	benchWriter(b, func(s *graph.Store, src graph.Source) func(context.Context, graph.Batch) error {
		st = s.Stream(src)
		return func(ctx context.Context, batch graph.Batch) error {
			if batch.Len() == 0 {
				_, err := st.Close(ctx)
				return err
			}
			_, err := st.WriteBatch(ctx, batch)
			return err
		}
	})
}

// benchWriter times a first load of the benchmark's transactions, then a second load of the
// same (which must change nothing), and reports both rates.
func benchWriter(b *testing.B, open func(*graph.Store, graph.Source) func(context.Context, graph.Batch) error) {
	s := graphtest.Open(b)
	ctx := context.Background()
	n, accounts := benchSize(b)
	batches := (n + benchBatch - 1) / benchBatch
	for i := 0; i < b.N; i++ {
		p := graphtest.Prefix(b)
		src := graph.Source{Partner: p, Dataset: "bench", File: "bench.csv"}
		for pass, metric := range []string{"tx/s", "reload-tx/s"} {
			write := open(s, src)
			b.StartTimer()
			var busy time.Duration // time spent writing, not building batches
			for k := 0; k < batches; k++ {
				batch := benchBatchAt(p, k, n, accounts)
				t0 := time.Now()
				if err := write(ctx, batch); err != nil {
					b.Fatal(err)
				}
				busy += time.Since(t0)
			}
			t0 := time.Now()
			if err := write(ctx, graph.Batch{}); err != nil {
				b.Fatal(err)
			}
			busy += time.Since(t0)
			b.StopTimer()
			b.ReportMetric(float64(n)/busy.Seconds(), metric)
			if pass == 0 {
				b.Logf("%d transactions, %d accounts: first load %.1f s", n, accounts, busy.Seconds())
			}
		}
		benchCleanup(b, s, p)
	}
}

// BenchmarkWriteFloor is Neo4j's own floor for the same transactions: the plainest
// UNWIND ... CREATE of each Transaction node with its SENT and TO from and to accounts that
// exist (created first, untimed). Nothing is checked, merged or recorded; it cannot be run
// twice on the same data. BenchmarkWriteFloorNodes creates the transaction nodes alone.
func BenchmarkWriteFloor(b *testing.B) {
	benchFloor(b, `UNWIND $rows AS r
MATCH (a:Entity {id: r.from})
MATCH (b:Entity {id: r.to})
CREATE (t:Entity:Transaction {id: r.id, transactionId: r.tid, amount: r.amount, currency: r.currency, timestamp: r.timestamp, channel: r.channel})
CREATE (a)-[:SENT]->(t)
CREATE (t)-[:TO]->(b)`)
}

func BenchmarkWriteFloorNodes(b *testing.B) {
	benchFloor(b, `UNWIND $rows AS r
CREATE (t:Entity:Transaction {id: r.id, transactionId: r.tid, amount: r.amount, currency: r.currency, timestamp: r.timestamp, channel: r.channel})`)
}

func benchFloor(b *testing.B, query string) {
	s := graphtest.Open(b)
	ctx := context.Background()
	n, accounts := benchSize(b)
	run := func(q string, rows []map[string]any) {
		if _, err := neo4j.ExecuteQuery(ctx, s.Driver(), q, map[string]any{"rows": rows}, neo4j.EagerResultTransformer,
			neo4j.ExecuteQueryWithDatabase(s.Database())); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p := graphtest.Prefix(b)
		var accts []map[string]any
		for a := 0; a < accounts; a++ {
			accts = append(accts, map[string]any{"id": graph.AccountID(p, strconv.Itoa(a))})
			if len(accts) == benchBatch || a == accounts-1 {
				run(`UNWIND $rows AS r CREATE (:Entity:BankAccount {id: r.id})`, accts)
				accts = accts[:0]
			}
		}
		var busy time.Duration
		rows := make([]map[string]any, 0, benchBatch)
		flush := func() {
			b.StartTimer()
			t0 := time.Now()
			run(query, rows)
			busy += time.Since(t0)
			b.StopTimer()
			rows = rows[:0]
		}
		for j := 0; j < n; j++ {
			from, to := benchEnds(p, j, accounts)
			rows = append(rows, map[string]any{"id": graph.TransactionID(p, strconv.Itoa(j)), "from": from, "to": to,
				"tid": strconv.Itoa(j), "amount": int64(1000 + j%50000), "currency": "EUR",
				"timestamp": benchT0.Add(time.Duration(j) * time.Minute), "channel": "bank_transfer"})
			if len(rows) == benchBatch {
				flush()
			}
		}
		if len(rows) > 0 {
			flush()
		}
		b.ReportMetric(float64(n)/busy.Seconds(), "tx/s")
		benchCleanup(b, s, p)
	}
}

func benchCleanup(b *testing.B, s *graph.Store, p string) {
	ctx := context.Background()
	sess := s.Driver().NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.Database()})
	defer sess.Close(ctx)
	for _, q := range []string{
		`MATCH (n:Entity) WHERE n.id STARTS WITH 'acct:' + $p OR n.id STARTS WITH 'tx:' + $p CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`,
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
