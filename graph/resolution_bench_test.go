package graph_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/graphtest"
	"github.com/crosslink/crosslink/graph/resolve/evaluate"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// BenchmarkResolveGraph measures entity resolution through Neo4j: N generated persons
// (CROSSLINK_BENCH_RESOLVE_N, default 100,000; evaluate.Synthesize, 20% corrupted duplicates)
// are written as Person nodes with their Address, Email and Phone nodes, then one full run
// reads every record of the database, resolves and writes the result. It reports records/s of
// the run, the time in each stage, the peak Go heap, and pairwise F1 against the generator's
// truth. It is not part of the test suite (run it with -bench ResolveGraph -benchtime 1x).
func BenchmarkResolveGraph(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("CROSSLINK_BENCH_RESOLVE_N")); err == nil && v > 0 {
		n = v
	}
	s := graphtest.Open(b)
	ctx := context.Background()
	prefix := graphtest.Prefix(b) + "-er"
	syn := evaluate.Synthesize(evaluate.SynthConfig{N: n, Seed: 1})
	b.Cleanup(func() {
		benchExec(b, s, `MATCH (n:Entity) WHERE n.id STARTS WITH $p
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`, map[string]any{"p": "person:" + prefix})
		benchExec(b, s, `MATCH (n:Entity) WHERE n.id STARTS WITH $e OR n.id STARTS WITH $ph OR n.id STARTS WITH $a
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`, map[string]any{"e": "email:" + prefix, "ph": "phone:" + prefix, "a": "addr:" + prefix})
		benchExec(b, s, `MATCH (e:ResolvedEntity) WHERE NOT ()-[:RESOLVED_TO]->(e) DELETE e`, nil)
	})
	id := func(i int) string { return graph.PartyID(graph.LabelPerson, prefix, syn.Records[i].ID) }
	src := graph.Source{Partner: prefix, Dataset: "synthetic", File: "bench"}
	var batch graph.Batch
	flush := func() {
		if _, err := s.WriteBatch(ctx, src, batch); err != nil {
			b.Fatal(err)
		}
		batch.Reset()
	}
	for i, r := range syn.Records {
		pid := id(i)
		batch.Nodes = append(batch.Nodes, graph.Node{Label: graph.LabelPerson, ID: pid, Props: map[string]any{
			"firstName": r.GivenName, "lastName": r.Surname, "birthDate": r.BirthDate, "gender": r.Gender}})
		if r.Street != "" || r.City != "" {
			aid := "addr:" + prefix + ":" + strconv.Itoa(i)
			batch.Nodes = append(batch.Nodes, graph.Node{Label: graph.LabelAddress, ID: aid,
				Props: map[string]any{"street": r.Street, "city": r.City, "postalCode": r.Postcode}})
			batch.Edges = append(batch.Edges, graph.Edge{Type: graph.RelHasAddress, From: pid, To: aid})
		}
		for _, x := range r.Identifiers {
			// the prefix keeps the benchmark's identifiers apart from the database's own
			switch x.Kind {
			case "email":
				eid := graph.EmailID(prefix + "." + x.Value)
				batch.Nodes = append(batch.Nodes, graph.Node{Label: graph.LabelEmail, ID: eid, Props: map[string]any{"address": x.Value}})
				batch.Edges = append(batch.Edges, graph.Edge{Type: graph.RelUsesEmail, From: pid, To: eid})
			case "phone":
				phid := graph.PhoneID(prefix + x.Value)
				batch.Nodes = append(batch.Nodes, graph.Node{Label: graph.LabelPhone, ID: phid, Props: map[string]any{"number": x.Value}})
				batch.Edges = append(batch.Edges, graph.Edge{Type: graph.RelUsesPhone, From: pid, To: phid})
			}
		}
		if batch.Len() >= 20_000 {
			flush()
		}
	}
	flush()

	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	b.ResetTimer()
	var rep graph.ResolveReport
	for i := 0; i < b.N; i++ {
		var err error
		if rep, err = s.Resolve(ctx, graph.ResolveOptions{Full: true, By: "benchmark"}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	close(stop)
	wg.Wait()
	secs := rep.Finished.Sub(rep.Started).Seconds()
	b.ReportMetric(float64(rep.Stats.Records)/secs, "records/s")
	b.ReportMetric(float64(rep.Stats.Records), "records")
	b.ReportMetric(rep.Read.Seconds(), "read-s")
	b.ReportMetric(rep.Engine.Seconds(), "engine-s")
	b.ReportMetric(rep.Write.Seconds(), "write-s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")

	members, err := s.ResolvedMemberships(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var groups [][]string
	byEntity := map[string][]string{}
	for rec, e := range members {
		if strings.HasPrefix(rec, "person:"+prefix) {
			byEntity[e] = append(byEntity[e], rec)
		}
	}
	for _, g := range byEntity {
		groups = append(groups, g)
	}
	truth := evaluate.PairSet{}
	for p := range syn.Truth {
		truth.Add(graph.PartyID(graph.LabelPerson, prefix, p[0]), graph.PartyID(graph.LabelPerson, prefix, p[1]))
	}
	m := evaluate.Score(evaluate.GroupPairs(groups), truth)
	b.ReportMetric(m.F1, "F1")
	b.ReportMetric(m.Precision, "precision")
}

// benchExec runs a cleanup statement (implicit transaction: CALL IN TRANSACTIONS needs one).
func benchExec(b *testing.B, s *graph.Store, query string, params map[string]any) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	sess := s.Driver().NewSession(ctx, neo4j.SessionConfig{DatabaseName: graphtest.Config(b).Database})
	defer sess.Close(ctx)
	res, err := sess.Run(ctx, query, params)
	if err == nil {
		_, err = res.Consume(ctx)
	}
	if err != nil {
		b.Errorf("cleanup: %v", err)
	}
}
