package server_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/server"
)

// BenchmarkAPI measures the investigation API on whatever graph the test Neo4j holds: run it
// on an instance loaded with the demo world at 1M transactions (see docs/benchmarks.md). Each
// operation is sent CROSSLINK_BENCH_REQUESTS times (default 200) over HTTP by 1, 4 and 16
// concurrent clients, then by 16 clients calling graph.Store directly (the same Cypher without
// HTTP, auth, audit and GraphQL), and p50/p99 are reported in milliseconds. Louvain over the
// whole money-flow graph is timed once, projection included.
//
//	CROSSLINK_TEST_NEO4J_URI=bolt://127.0.0.1:7689 CROSSLINK_TEST_NEO4J_PASSWORD=crosslink-bench \
//	  go test -run '^$' -bench API -benchtime 1x -timeout 30m ./server/
func BenchmarkAPI(b *testing.B) {
	a := newServer(b, server.DefaultConfig())
	ctx := context.Background()
	requests := 200
	if v := os.Getenv("CROSSLINK_BENCH_REQUESTS"); v != "" {
		requests, _ = strconv.Atoi(v)
	}
	// Sample ids: accounts that paid someone, and for paths an account two payments away.
	var pairs [][2]string
	for _, r := range a.cypher(b, `
MATCH (x:BankAccount)-[:FLOW]->(y)-[:FLOW]->(z:BankAccount) WHERE x <> z
WITH x, z LIMIT 20000
WITH x, z ORDER BY rand() LIMIT 300
RETURN x.id AS x, z.id AS z, coalesce(x.accountNumber, x.iban, x.id) AS number`, nil) {
		pairs = append(pairs, [2]string{r.Values[0].(string), r.Values[1].(string)})
	}
	if len(pairs) < 10 {
		b.Skipf("the test Neo4j holds %d money paths: load the demo world first", len(pairs))
	}
	var terms []string
	for _, r := range a.cypher(b, `MATCH (p:Person) WHERE p.name IS NOT NULL WITH p LIMIT 20000 WITH p ORDER BY rand() LIMIT 300 RETURN split(p.name, ' ')[0] AS t`, nil) {
		terms = append(terms, r.Values[0].(string))
	}
	for len(terms) < 300 {
		terms = append(terms, pairs[len(terms)%len(pairs)][0])
	}
	type op struct {
		name   string
		query  string
		vars   func(i int) map[string]any
		direct func(i int) error
	}
	scope := graph.Scope{}
	ops := []op{
		{"search", `query($q: String!) { search(text: $q, first: 20) { total hits { node { id caption } } } }`,
			func(i int) map[string]any { return map[string]any{"q": terms[i%len(terms)]} },
			func(i int) error {
				_, err := a.store.Search(ctx, scope, graph.SearchQuery{Text: terms[i%len(terms)], First: 20})
				return err
			}},
		{"1-hop", `query($id: ID!) { neighbourhood(ids: [$id], hops: 1, limitPerNode: 50) { nodes { id type caption } edges { id type from to } more { nodeId omitted } } }`,
			func(i int) map[string]any { return map[string]any{"id": pairs[i%len(pairs)][0]} },
			func(i int) error {
				_, err := a.store.Neighbourhood(ctx, scope, graph.NeighbourhoodQuery{IDs: []string{pairs[i%len(pairs)][0]}, Hops: 1, LimitPerNode: 50})
				return err
			}},
		{"2-hop", `query($id: ID!) { neighbourhood(ids: [$id], hops: 2, limitPerNode: 20) { nodes { id type caption } edges { id type from to } more { nodeId omitted } } }`,
			func(i int) map[string]any { return map[string]any{"id": pairs[i%len(pairs)][0]} },
			func(i int) error {
				_, err := a.store.Neighbourhood(ctx, scope, graph.NeighbourhoodQuery{IDs: []string{pairs[i%len(pairs)][0]}, Hops: 2, LimitPerNode: 20})
				return err
			}},
		{"shortest path", `query($a: ID!, $b: ID!) { paths(from: $a, to: $b, kind: SHORTEST, maxHops: 6) { paths { hops nodes { id } } } }`,
			func(i int) map[string]any { p := pairs[i%len(pairs)]; return map[string]any{"a": p[0], "b": p[1]} },
			func(i int) error {
				p := pairs[i%len(pairs)]
				_, err := a.store.Paths(ctx, scope, graph.PathQuery{From: p[0], To: p[1], Kind: graph.PathShortest, MaxHops: ptr(6)})
				return err
			}},
		{"money trail", `query($a: ID!, $b: ID!) { paths(from: $a, to: $b, kind: MONEY_TRAIL, maxHops: 4) { paths { hops amounts } } }`,
			func(i int) map[string]any { p := pairs[i%len(pairs)]; return map[string]any{"a": p[0], "b": p[1]} },
			func(i int) error {
				p := pairs[i%len(pairs)]
				_, err := a.store.Paths(ctx, scope, graph.PathQuery{From: p[0], To: p[1], Kind: graph.PathMoneyTrail, MaxHops: ptr(4)})
				return err
			}},
	}
	token := a.tokens[graph.RoleAnalyst]
	run := func(clients int, call func(i int) error) (p50, p99 float64, errs int) {
		lat := make([]time.Duration, requests)
		var mu sync.Mutex
		var wg sync.WaitGroup
		next := 0
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					mu.Lock()
					i := next
					next++
					mu.Unlock()
					if i >= requests {
						return
					}
					t0 := time.Now()
					err := call(i)
					lat[i] = time.Since(t0)
					if err != nil {
						mu.Lock()
						errs++
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
		return ms(0.50), ms(0.99), errs
	}
	var table strings.Builder
	fmt.Fprintf(&table, "| operation | 1 client p50 / p99 | 4 clients p50 / p99 | 16 clients p50 / p99 | graph.Store, 1 client p50 / p99 | graph.Store, 16 clients p50 / p99 |\n|---|---|---|---|---|---|\n")
	b.ResetTimer()
	for _, o := range ops {
		o := o
		http := func(i int) error {
			_, res := a.do(b, token, o.query, o.vars(i))
			if len(res.Errors) > 0 {
				return fmt.Errorf("%s", res.Errors[0].Message)
			}
			return nil
		}
		run(4, http) // warm the caches and the query plans
		fmt.Fprintf(&table, "| %s |", o.name)
		for _, c := range []int{1, 4, 16} {
			p50, p99, errs := run(c, http)
			if errs > 0 {
				b.Errorf("%s with %d clients: %d errors", o.name, c, errs)
			}
			fmt.Fprintf(&table, " %.1f / %.1f ms |", p50, p99)
			if c == 16 {
				b.ReportMetric(p99, strings.ReplaceAll(o.name, " ", "-")+"-p99-ms")
			}
		}
		for _, c := range []int{1, 16} {
			p50, p99, errs := run(c, o.direct)
			if errs > 0 {
				b.Errorf("%s direct with %d clients: %d errors", o.name, c, errs)
			}
			fmt.Fprintf(&table, " %.1f / %.1f ms |", p50, p99)
		}
		fmt.Fprintln(&table)
	}
	t0 := time.Now()
	res, err := a.store.Communities(ctx, scope, graph.CommunityRequest{Algorithm: graph.Louvain, Scope: graph.AnalysisScope{Kind: graph.ScopeMoneyFlow}, Top: 10}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(time.Since(t0).Seconds(), "louvain-s")
	b.Logf("%d requests per cell\n%s\nLouvain over the money-flow graph (%d nodes, %d relationships, %d communities, modularity %.3f): %.1f s including projection",
		requests, table.String(), res.Nodes, res.Relationships, res.Count, res.Modularity, time.Since(t0).Seconds())
}

func ptr[T any](v T) *T { return &v }
