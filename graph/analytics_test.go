package graph_test

// Integration tests of community detection, centrality and jobs (graph/analysis.go,
// communities.go, centrality.go, jobs.go) on a hand-made world written through the public
// writer. Analyses of the shared test Neo4j use SUBGRAPH scopes around the world's own seeds,
// or, for whole-graph scopes, assert only about the world's own nodes.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/graphtest"
)

// anWorld is two dense money clusters, A (a1..a5, accounts in GB) and B (b1..b5, in PH, b3
// flagged), in each of which every account paid every later one, joined by one small payment
// a5 -> b1; and a pair p1 <-> p2 (p1 in DE) that paid each other, linked to nothing else.
type anWorld struct {
	s       *graph.Store
	prefix  string
	src     graph.Source
	ids     map[string]string // short name -> entity id
	names   map[string]string // entity id -> short name
	txs     []anTx
	a, b, p []string
}

// anTx is one payment of the world, by short names.
type anTx struct {
	from, to string
	amount   int64
}

func newAnWorld(t *testing.T) *anWorld {
	t.Helper()
	s := graphtest.Open(t)
	p := graphtest.Prefix(t)
	w := &anWorld{
		s: s, prefix: p, src: graph.Source{Partner: p + "-bank", Dataset: "t", File: "t.csv"},
		ids: map[string]string{}, names: map[string]string{},
		a: []string{"a1", "a2", "a3", "a4", "a5"}, b: []string{"b1", "b2", "b3", "b4", "b5"}, p: []string{"p1", "p2"},
	}
	anCleanup(t, s, p, w.src.Partner)
	var batch graph.Batch
	account := func(name string, props map[string]any) {
		id := graph.AccountID(w.src.Partner, name)
		w.ids[name], w.names[id] = id, name
		batch.Nodes = append(batch.Nodes, graph.Node{Label: graph.LabelBankAccount, ID: id, Props: props, Ref: graph.Ref{Line: 1}})
	}
	for _, n := range w.a {
		account(n, map[string]any{"accountNumber": n, "country": "GB"})
	}
	for _, n := range w.b {
		props := map[string]any{"accountNumber": n, "country": "PH"}
		if n == "b3" {
			props["flagged"] = true
		}
		account(n, props)
	}
	account("p1", map[string]any{"accountNumber": "p1", "country": "DE"})
	account("p2", map[string]any{"accountNumber": "p2"})
	for _, cluster := range [][]string{w.a, w.b} {
		for i := range cluster {
			for j := i + 1; j < len(cluster); j++ {
				w.txs = append(w.txs, anTx{cluster[i], cluster[j], int64(1000*(i+1) + 10*(j+1))})
			}
		}
	}
	w.txs = append(w.txs, anTx{"a5", "b1", 7}, anTx{"p1", "p2", 500}, anTx{"p2", "p1", 300}, anTx{"p1", "p2", 45})
	t0 := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	for i, tx := range w.txs {
		rec := fmt.Sprintf("t%d", i+1)
		id := graph.TransactionID(w.src.Partner, rec)
		at := t0.Add(time.Duration(i) * time.Hour)
		ref := graph.Ref{Line: i + 2, Record: rec, Seen: at}
		batch.Nodes = append(batch.Nodes, graph.Node{Label: graph.LabelTransaction, ID: id, Ref: ref,
			Props: map[string]any{"amount": tx.amount, "currency": "EUR", "timestamp": at}})
		batch.Edges = append(batch.Edges,
			graph.Edge{Type: graph.RelSent, From: w.ids[tx.from], To: id, Ref: ref},
			graph.Edge{Type: graph.RelTo, From: id, To: w.ids[tx.to], Ref: ref})
	}
	if _, err := s.WriteBatch(t.Context(), w.src, batch); err != nil {
		t.Fatal(err)
	}
	return w
}

// anCleanup deletes, when t ends, every node whose id contains prefix, the Sources of partner,
// and the stored community runs over them.
func anCleanup(t *testing.T, s *graph.Store, prefix, partner string) {
	t.Cleanup(func() {
		query(t, s, `MATCH (n:Entity) WHERE n.id CONTAINS $p DETACH DELETE n`, map[string]any{"p": prefix})
		query(t, s, `MATCH (n:Source) WHERE n.partner = $p DETACH DELETE n`, map[string]any{"p": partner})
	})
}

// subgraph is the SUBGRAPH scope that covers the whole world: within 3 hops of a1 and p1.
func (w *anWorld) subgraph() graph.AnalysisScope {
	return graph.AnalysisScope{Kind: graph.ScopeSubgraph, IDs: []string{w.ids["a1"], w.ids["p1"]}, Hops: 3}
}

// memberGroups maps the short name of every world node listed in res to its community.
func (w *anWorld) memberGroups(res graph.CommunityResult) map[string]int64 {
	got := map[string]int64{}
	for _, c := range res.Communities {
		for _, m := range c.Members {
			if n, ok := w.names[m.ID]; ok {
				got[n] = c.ID
			}
		}
	}
	return got
}

// flows is the money moved into, out of and within the group of short names, from w.txs.
func (w *anWorld) flows(group []string) (in, out, internal int64) {
	for _, tx := range w.txs {
		from, to := slices.Contains(group, tx.from), slices.Contains(group, tx.to)
		switch {
		case from && to:
			internal += tx.amount
		case from:
			out += tx.amount
		case to:
			in += tx.amount
		}
	}
	return in, out, internal
}

// checkSummaries checks every community of res against the world: size, money, countries,
// risk.
func (w *anWorld) checkSummaries(t *testing.T, res graph.CommunityResult) {
	t.Helper()
	for _, c := range res.Communities {
		var group []string
		for _, m := range c.Members {
			group = append(group, w.names[m.ID])
		}
		sort.Strings(group)
		if c.Size != len(group) {
			t.Errorf("community %d has size %d but lists %d members %v", c.ID, c.Size, len(group), group)
		}
		in, out, internal := w.flows(group)
		if c.FlowIn != in || c.FlowOut != out || c.Internal != internal {
			t.Errorf("community %v: flow in %d out %d internal %d, want %d %d %d", group, c.FlowIn, c.FlowOut, c.Internal, in, out, internal)
		}
		wantFlows := []graph.CurrencyFlow{{Currency: "EUR", In: in, Out: out, Internal: internal}}
		if fmt.Sprint(c.Flows) != fmt.Sprint(wantFlows) {
			t.Errorf("community %v: flows %+v, want %+v", group, c.Flows, wantFlows)
		}
		countries := map[string]int{}
		flagged := 0
		for _, n := range group {
			switch n[0] {
			case 'a':
				countries["GB"]++
			case 'b':
				countries["PH"]++
			}
			if n == "p1" {
				countries["DE"]++
			}
			if n == "b3" {
				flagged++
			}
		}
		var want []graph.CountryCount
		for k, v := range countries {
			want = append(want, graph.CountryCount{Country: k, Count: v})
		}
		sort.Slice(want, func(i, j int) bool {
			return want[i].Count > want[j].Count || (want[i].Count == want[j].Count && want[i].Country < want[j].Country)
		})
		if fmt.Sprint(c.Countries) != fmt.Sprint(want) {
			t.Errorf("community %v: countries %v, want %v", group, c.Countries, want)
		}
		if wantRisk := float64(flagged) / float64(len(group)); c.RiskShare != wantRisk {
			t.Errorf("community %v: risk share %v, want %v", group, c.RiskShare, wantRisk)
		}
	}
}

// checkDropped fails t when the projection of run is still in GDS's catalogue.
func checkDropped(t *testing.T, s *graph.Store, runIDs ...string) {
	t.Helper()
	var names []string
	for _, id := range runIDs {
		names = append(names, "cx-"+id)
	}
	recs := query(t, s, `CALL gds.graph.list() YIELD graphName WHERE graphName IN $names RETURN collect(graphName) AS left`,
		map[string]any{"names": names})
	if left := one[[]any](t, recs, "left"); len(left) > 0 {
		t.Errorf("projections left behind: %v", left)
	}
}

func TestCommunitiesFindClusters(t *testing.T) {
	w := newAnWorld(t)
	ctx := t.Context()
	for _, tt := range []struct {
		alg       graph.CommunityAlgorithm
		want      [][]string
		wantCount int
		// coarse, if set, is also accepted: label propagation may carry one label over the
		// single bridge and take both clusters as one.
		coarse [][]string
	}{
		{graph.Louvain, [][]string{w.a, w.b, w.p}, 3, nil},
		{graph.Leiden, [][]string{w.a, w.b, w.p}, 3, nil},
		{graph.LabelPropagation, [][]string{w.a, w.b, w.p}, 3, [][]string{concat(w.a, w.b), w.p}},
		{graph.WCC, [][]string{concat(w.a, w.b), w.p}, 2, nil},
	} {
		t.Run(string(tt.alg), func(t *testing.T) {
			var mu sync.Mutex
			var seen []float64
			res, err := w.s.Communities(ctx, graph.Scope{}, graph.CommunityRequest{Algorithm: tt.alg, Scope: w.subgraph()},
				func(p float64) { mu.Lock(); seen = append(seen, p); mu.Unlock() })
			if err != nil {
				t.Fatal(err)
			}
			checkDropped(t, w.s, res.RunID)
			if got := w.memberGroups(res); tt.coarse != nil && got["a1"] == got["b1"] {
				tt.want, tt.wantCount = tt.coarse, len(tt.coarse)
			}
			checkPartition(t, w.memberGroups(res), tt.want...)
			// 10 + 10 links in the clusters, the bridge, and one link for the pair's three payments.
			if res.Count != tt.wantCount || res.Matching != tt.wantCount || res.Nodes != 12 || res.Relationships != 22 {
				t.Errorf("count %d, matching %d, nodes %d, relationships %d; want %d, %d, 12, 22",
					res.Count, res.Matching, res.Nodes, res.Relationships, tt.wantCount, tt.wantCount)
			}
			if res.Modularity <= 0 || res.Modularity >= 1 {
				t.Errorf("modularity %v, want in (0, 1)", res.Modularity)
			}
			for i, c := range res.Communities {
				if c.ID != int64(i+1) || (i > 0 && c.Size > res.Communities[i-1].Size) {
					t.Errorf("community %d has id %d and size %d: want ids 1.. by size", i, c.ID, c.Size)
				}
			}
			w.checkSummaries(t, res)
			if res.Status != "" || res.Stored != 0 || res.Algorithm != tt.alg || res.Scope.Kind != graph.ScopeSubgraph {
				t.Errorf("run info %+v", res.CommunityRunInfo)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) < 3 || !slices.IsSorted(seen) || seen[len(seen)-1] != 1 {
				t.Errorf("progress %v, want at least 3 steps rising to 1", seen)
			}
		})
	}

	t.Run("limits", func(t *testing.T) {
		res, err := w.s.Communities(ctx, graph.Scope{}, graph.CommunityRequest{Algorithm: graph.Louvain, Scope: w.subgraph(),
			MinSize: 3, Top: 1, MembersPerCommunity: 2}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Count != 3 || res.Matching != 2 || len(res.Communities) != 1 {
			t.Fatalf("count %d, matching %d, listed %d; want 3, 2, 1", res.Count, res.Matching, len(res.Communities))
		}
		if c := res.Communities[0]; c.Size != 5 || len(c.Members) != 2 {
			t.Errorf("first community: size %d with %d members listed, want 5 with 2", c.Size, len(c.Members))
		}
	})

	// A partner sees its own transactions in place of FLOW: the same communities and sums.
	t.Run("partner", func(t *testing.T) {
		res, err := w.s.Communities(ctx, graph.Scope{Partner: w.src.Partner}, graph.CommunityRequest{Algorithm: graph.Louvain, Scope: w.subgraph()}, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkDropped(t, w.s, res.RunID)
		checkPartition(t, w.memberGroups(res), w.a, w.b, w.p)
		w.checkSummaries(t, res)
		if res.Partner != w.src.Partner {
			t.Errorf("partner %q, want %q", res.Partner, w.src.Partner)
		}
		_, err = w.s.Communities(ctx, graph.Scope{Partner: w.prefix + "-other"}, graph.CommunityRequest{Algorithm: graph.Louvain, Scope: w.subgraph()}, nil)
		if graph.ErrorCode(err) != graph.ENOTFOUND {
			t.Errorf("another partner's seeds: %v, want %s", err, graph.ENOTFOUND)
		}
	})

	// The whole graph as the world's bank sees it is the world alone; as an admin sees it, the
	// shared graph, in which the world's components are still its own.
	t.Run("whole graph", func(t *testing.T) {
		res, err := w.s.Communities(ctx, graph.Scope{Partner: w.src.Partner}, graph.CommunityRequest{Algorithm: graph.WCC,
			Scope: graph.AnalysisScope{Kind: graph.ScopeWholeGraph}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkDropped(t, w.s, res.RunID)
		checkPartition(t, w.memberGroups(res), concat(w.a, w.b), w.p)
		w.checkSummaries(t, res)
		if res.Nodes != 12 || res.Relationships != 22 {
			t.Errorf("partner's whole graph: %d nodes, %d relationships; want 12, 22", res.Nodes, res.Relationships)
		}

		all, err := w.s.Communities(ctx, graph.Scope{}, graph.CommunityRequest{Algorithm: graph.WCC,
			Scope: graph.AnalysisScope{Kind: graph.ScopeWholeGraph}, Top: 1, MembersPerCommunity: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkDropped(t, w.s, all.RunID)
		if all.Nodes < 12 || all.Count < 2 || len(all.Communities) != 1 {
			t.Errorf("whole graph: %d nodes, %d communities, %d listed", all.Nodes, all.Count, len(all.Communities))
		}
	})

	// Over every FLOW of the shared graph, weighted by money: the world's own accounts still
	// fall into its three groups (a5 -> b1 moved 7 cents against thousands within A and B).
	t.Run("money flow stored", func(t *testing.T) {
		res, err := w.s.Communities(ctx, graph.Scope{}, graph.CommunityRequest{Algorithm: graph.Louvain,
			Scope: graph.AnalysisScope{Kind: graph.ScopeMoneyFlow}, Store: true, Top: 1, MembersPerCommunity: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = w.s.DeleteCommunityRun(context.Background(), graph.Scope{}, res.RunID) })
		checkDropped(t, w.s, res.RunID)
		recs := query(t, w.s, `MATCH (m:Entity)-[:IN_COMMUNITY]->(k:Community {runId: $run}) WHERE m.id CONTAINS $p
			RETURN m.id AS id, k.communityId AS c`, map[string]any{"run": res.RunID, "p": w.prefix})
		got := map[string]int64{}
		for _, r := range recs {
			got[w.names[value[string](t, r, "id")]] = value[int64](t, r, "c")
		}
		checkPartition(t, got, w.a, w.b, w.p)
	})
}

func TestCommunitiesStoredRuns(t *testing.T) {
	w := newAnWorld(t)
	ctx := t.Context()
	res, err := w.s.Communities(ctx, graph.Scope{}, graph.CommunityRequest{Algorithm: graph.Louvain, Scope: w.subgraph(), Store: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = w.s.DeleteCommunityRun(context.Background(), graph.Scope{}, res.RunID) })
	checkDropped(t, w.s, res.RunID)
	if res.Status != "STORED" || res.Stored != 3 {
		t.Fatalf("status %q with %d communities stored, want STORED with 3", res.Status, res.Stored)
	}

	runs, err := w.s.ListCommunityRuns(ctx, graph.Scope{}, graph.MaxCommunityRuns, "")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(runs, func(r graph.CommunityRunInfo) bool { return r.RunID == res.RunID })
	if i < 0 {
		t.Fatalf("run %s not listed in %d runs", res.RunID, len(runs))
	}
	listed := runs[i]
	listed.Elapsed = res.Elapsed
	if fmt.Sprintf("%+v", listed) != fmt.Sprintf("%+v", res.CommunityRunInfo) {
		t.Errorf("listed run\n%+v\nwant\n%+v", listed, res.CommunityRunInfo)
	}
	if i+1 < len(runs) {
		next, err := w.s.ListCommunityRuns(ctx, graph.Scope{}, 1, res.RunID)
		if err != nil || len(next) != 1 || next[0].RunID != runs[i+1].RunID {
			t.Errorf("page after %s: %v, %v; want %s", res.RunID, next, err, runs[i+1].RunID)
		}
	}
	other, err := w.s.ListCommunityRuns(ctx, graph.Scope{Partner: w.prefix + "-other"}, graph.MaxCommunityRuns, "")
	if err != nil || slices.ContainsFunc(other, func(r graph.CommunityRunInfo) bool { return r.RunID == res.RunID }) {
		t.Errorf("a partner lists the whole-graph run: %v, %v", other, err)
	}

	stored, err := w.s.CommunityRun(ctx, graph.Scope{}, res.RunID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	stored.Elapsed = res.Elapsed
	if got, want := fmt.Sprintf("%+v", stored.CommunityRunInfo), fmt.Sprintf("%+v", res.CommunityRunInfo); got != want {
		t.Errorf("stored run\n%s\nwant\n%s", got, want)
	}
	if len(stored.Communities) != len(res.Communities) {
		t.Fatalf("stored %d communities, want %d", len(stored.Communities), len(res.Communities))
	}
	for i, c := range stored.Communities {
		want := res.Communities[i]
		if got, want := anSummary(c), anSummary(want); got != want {
			t.Errorf("stored community\n%s\nwant\n%s", got, want)
		}
	}
	checkPartition(t, w.memberGroups(stored), w.a, w.b, w.p)
	w.checkSummaries(t, stored)
	if _, err := w.s.CommunityRun(ctx, graph.Scope{Partner: w.src.Partner}, res.RunID, 0, 0); graph.ErrorCode(err) != graph.ENOTFOUND {
		t.Errorf("a partner reads the whole-graph run: %v, want %s", err, graph.ENOTFOUND)
	}
	if ok, err := w.s.DeleteCommunityRun(ctx, graph.Scope{Partner: w.src.Partner}, res.RunID); ok || err != nil {
		t.Errorf("a partner deleted the whole-graph run: %t, %v", ok, err)
	}

	for i, want := range []bool{true, false} {
		ok, err := w.s.DeleteCommunityRun(ctx, graph.Scope{}, res.RunID)
		if err != nil || ok != want {
			t.Errorf("delete #%d = %t, %v; want %t", i+1, ok, err, want)
		}
	}
	if _, err := w.s.CommunityRun(ctx, graph.Scope{}, res.RunID, 0, 0); graph.ErrorCode(err) != graph.ENOTFOUND {
		t.Errorf("read after delete: %v, want %s", err, graph.ENOTFOUND)
	}
	left := query(t, w.s, `OPTIONAL MATCH (k:Community {runId: $run}) WITH count(k) AS k
		OPTIONAL MATCH (r:CommunityRun {id: $run}) WITH k, count(r) AS r RETURN k + r AS n`, map[string]any{"run": res.RunID})
	if n := one[int64](t, left, "n"); n != 0 {
		t.Errorf("%d nodes of the run left after delete", n)
	}
}

// anSummary renders a community without its members' properties, to compare runs.
func anSummary(c graph.Community) string {
	var ids []string
	for _, m := range c.Members {
		ids = append(ids, m.ID)
	}
	sort.Strings(ids)
	c.Members = nil
	return fmt.Sprintf("%+v members %v", c, ids)
}

func TestCentralityFacilitator(t *testing.T) {
	s := graphtest.Open(t)
	ctx := t.Context()
	p := graphtest.Prefix(t)
	src := graph.Source{Partner: p + "-bank", Dataset: "t", File: "t.csv"}
	anCleanup(t, s, p, src.Partner)
	// Six mules pay a facilitator f, who pays three cash-out accounts; two mules also pay each
	// other, and two cash-out accounts each other.
	id := func(n string) string { return graph.AccountID(src.Partner, n) }
	var batch graph.Batch
	for _, n := range []string{"f", "m1", "m2", "m3", "m4", "m5", "m6", "c1", "c2", "c3"} {
		batch.Nodes = append(batch.Nodes, graph.Node{Label: graph.LabelBankAccount, ID: id(n), Ref: graph.Ref{Line: 1}})
	}
	pay := [][2]string{{"m1", "f"}, {"m2", "f"}, {"m3", "f"}, {"m4", "f"}, {"m5", "f"}, {"m6", "f"},
		{"f", "c1"}, {"f", "c2"}, {"f", "c3"}, {"m1", "m2"}, {"c1", "c2"}}
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i, x := range pay {
		tx := graph.TransactionID(src.Partner, fmt.Sprint(i))
		ref := graph.Ref{Line: i + 2, Record: fmt.Sprint(i), Seen: at}
		batch.Nodes = append(batch.Nodes, graph.Node{Label: graph.LabelTransaction, ID: tx, Ref: ref,
			Props: map[string]any{"amount": int64(10000), "currency": "EUR", "timestamp": at}})
		batch.Edges = append(batch.Edges, graph.Edge{Type: graph.RelSent, From: id(x[0]), To: tx, Ref: ref},
			graph.Edge{Type: graph.RelTo, From: tx, To: id(x[1]), Ref: ref})
	}
	if _, err := s.WriteBatch(ctx, src, batch); err != nil {
		t.Fatal(err)
	}
	sub := graph.AnalysisScope{Kind: graph.ScopeSubgraph, IDs: []string{id("m3")}, Hops: 2}
	for _, alg := range []graph.CentralityAlgorithm{graph.PageRank, graph.Betweenness, graph.Degree} {
		t.Run(string(alg), func(t *testing.T) {
			res, err := s.Centrality(ctx, graph.Scope{}, graph.CentralityRequest{Algorithm: alg, Scope: sub, First: 3}, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkDropped(t, s, res.RunID)
			if res.Nodes != 10 || res.Relationships != 11 || len(res.Ranked) != 3 || res.SampleSize != 0 {
				t.Fatalf("nodes %d, relationships %d, ranked %d, sample %d; want 10, 11, 3, 0",
					res.Nodes, res.Relationships, len(res.Ranked), res.SampleSize)
			}
			if top := res.Ranked[0]; top.Node.ID != id("f") || top.Rank != 1 || top.Score <= res.Ranked[1].Score {
				t.Errorf("ranking %+v, want %s first and strictly ahead", res.Ranked, id("f"))
			}
			for i, r := range res.Ranked {
				if r.Rank != i+1 || (i > 0 && r.Score > res.Ranked[i-1].Score) {
					t.Errorf("rank %d: %+v out of order", i+1, r)
				}
			}
		})
	}
	// Directed, money-weighted PageRank over the shared graph's FLOW: where the world's money
	// ends up, f ranks above every other account of the world. Betweenness only has to run.
	t.Run("money flow", func(t *testing.T) {
		for _, alg := range []graph.CentralityAlgorithm{graph.PageRank, graph.Betweenness} {
			res, err := s.Centrality(ctx, graph.Scope{}, graph.CentralityRequest{Algorithm: alg,
				Scope: graph.AnalysisScope{Kind: graph.ScopeMoneyFlow}, First: graph.MaxCentralityFirst}, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkDropped(t, s, res.RunID)
			if res.Nodes < 10 || len(res.Ranked) == 0 || len(res.Ranked) > graph.MaxCentralityFirst {
				t.Fatalf("%s: %d nodes, %d ranked", alg, res.Nodes, len(res.Ranked))
			}
			if alg != graph.PageRank {
				continue // sampled on a large shared graph: nothing to say about the world's accounts
			}
			var ours []string
			for _, r := range res.Ranked {
				if strings.HasPrefix(r.Node.ID, id("")) {
					ours = append(ours, r.Node.ID)
				}
			}
			if len(ours) > 0 && ours[0] != id("f") {
				t.Errorf("%s: the world's accounts rank %v, want %s first", alg, ours, id("f"))
			}
		}
	})
}

func TestCommunitiesBadInput(t *testing.T) {
	s := graphtest.Open(t)
	ctx := t.Context()
	sub := func(ids []string, hops int) graph.AnalysisScope {
		return graph.AnalysisScope{Kind: graph.ScopeSubgraph, IDs: ids, Hops: hops}
	}
	many := make([]string, graph.MaxAnalysisSeeds+1)
	for i := range many {
		many[i] = fmt.Sprintf("acct:x:%d", i)
	}
	whole := graph.AnalysisScope{Kind: graph.ScopeWholeGraph}
	for _, tt := range []struct {
		name  string
		req   graph.CommunityRequest
		code  string
		field string
	}{
		{"no algorithm", graph.CommunityRequest{Scope: whole}, graph.EINVALID, "algorithm"},
		{"unknown algorithm", graph.CommunityRequest{Algorithm: "KMEANS", Scope: whole}, graph.EINVALID, "algorithm"},
		{"unknown scope", graph.CommunityRequest{Algorithm: graph.WCC, Scope: graph.AnalysisScope{Kind: "EVERYTHING"}}, graph.EINVALID, "scope.kind"},
		{"ids on whole graph", graph.CommunityRequest{Algorithm: graph.WCC, Scope: graph.AnalysisScope{Kind: graph.ScopeWholeGraph, IDs: []string{"x"}}}, graph.EINVALID, "scope.ids"},
		{"no hops", graph.CommunityRequest{Algorithm: graph.WCC, Scope: sub([]string{"x"}, 0)}, graph.EINVALID, "scope.hops"},
		{"too many hops", graph.CommunityRequest{Algorithm: graph.WCC, Scope: sub([]string{"x"}, 4)}, graph.EINVALID, "scope.hops"},
		{"no seeds", graph.CommunityRequest{Algorithm: graph.WCC, Scope: sub(nil, 1)}, graph.EINVALID, "scope.ids"},
		{"blank seed", graph.CommunityRequest{Algorithm: graph.WCC, Scope: sub([]string{" "}, 1)}, graph.EINVALID, "scope.ids"},
		{"too many seeds", graph.CommunityRequest{Algorithm: graph.WCC, Scope: sub(many, 1)}, graph.EINVALID, "scope.ids"},
		{"top", graph.CommunityRequest{Algorithm: graph.WCC, Scope: whole, Top: graph.MaxCommunityTop + 1}, graph.EINVALID, "top"},
		{"negative top", graph.CommunityRequest{Algorithm: graph.WCC, Scope: whole, Top: -1}, graph.EINVALID, "top"},
		{"members", graph.CommunityRequest{Algorithm: graph.WCC, Scope: whole, MembersPerCommunity: graph.MaxCommunityMembers + 1}, graph.EINVALID, "membersPerCommunity"},
		{"min size", graph.CommunityRequest{Algorithm: graph.WCC, Scope: whole, MinSize: -1}, graph.EINVALID, "minSize"},
		{"unknown seed", graph.CommunityRequest{Algorithm: graph.WCC, Scope: sub([]string{"acct:nobody:" + graphtest.Prefix(t)}, 1)}, graph.ENOTFOUND, "scope.ids"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Communities(ctx, graph.Scope{}, tt.req, nil)
			anWantError(t, err, tt.code, tt.field)
		})
	}
	for _, tt := range []struct {
		name  string
		req   graph.CentralityRequest
		field string
	}{
		{"no algorithm", graph.CentralityRequest{Scope: whole}, "algorithm"},
		{"first", graph.CentralityRequest{Algorithm: graph.PageRank, Scope: whole, First: graph.MaxCentralityFirst + 1}, "first"},
		{"scope", graph.CentralityRequest{Algorithm: graph.Degree, Scope: sub([]string{"x"}, 9)}, "scope.hops"},
	} {
		t.Run("centrality "+tt.name, func(t *testing.T) {
			_, err := s.Centrality(ctx, graph.Scope{}, tt.req, nil)
			anWantError(t, err, graph.EINVALID, tt.field)
		})
	}
	t.Run("runs", func(t *testing.T) {
		_, err := s.ListCommunityRuns(ctx, graph.Scope{}, graph.MaxCommunityRuns+1, "")
		anWantError(t, err, graph.EINVALID, "first")
		_, err = s.ListCommunityRuns(ctx, graph.Scope{}, 1, "no-such-run")
		anWantError(t, err, graph.ENOTFOUND, "after")
		_, err = s.CommunityRun(ctx, graph.Scope{}, "no-such-run", graph.MaxCommunityTop+1, 0)
		anWantError(t, err, graph.EINVALID, "top")
		_, err = s.CommunityRun(ctx, graph.Scope{}, "no-such-run", 0, 0)
		anWantError(t, err, graph.ENOTFOUND, "no-such-run")
	})
}

// anWantError fails t unless err has code and its message names field.
func anWantError(t *testing.T, err error, code, field string) {
	t.Helper()
	if graph.ErrorCode(err) != code || !strings.Contains(graph.ErrorMessage(err), field) {
		t.Errorf("error %v, want %s naming %q", err, code, field)
	}
}

// anWait polls a job until it is no longer RUNNING.
func anWait(t *testing.T, jobs *graph.Jobs, id graph.JobID) graph.JobStatus {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st, err := jobs.Get(graph.Scope{}, id)
		if err != nil {
			t.Fatal(err)
		}
		if st.State != graph.JobRunning {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still running: %+v", id, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestJobsRunCommunities(t *testing.T) {
	w := newAnWorld(t)
	jobs := graph.NewJobs(nil)
	t.Cleanup(func() { _ = jobs.Close(context.Background()) })
	scope := graph.Scope{Partner: w.src.Partner}

	var mu sync.Mutex
	var seen []float64
	id, err := jobs.Start(t.Context(), "communities", scope, func(ctx context.Context, progress func(float64)) (any, error) {
		return w.s.Communities(ctx, scope, graph.CommunityRequest{Algorithm: graph.Leiden, Scope: w.subgraph()}, func(p float64) {
			mu.Lock()
			seen = append(seen, p)
			mu.Unlock()
			progress(p)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	st := anWait(t, jobs, id)
	if st.State != graph.JobSucceeded || st.Progress != 1 || st.Kind != "communities" || st.FinishedAt.Before(st.StartedAt) {
		t.Fatalf("job ended %+v", st)
	}
	res, ok := st.Result.(graph.CommunityResult)
	if !ok {
		t.Fatalf("result is a %T", st.Result)
	}
	checkDropped(t, w.s, res.RunID)
	checkPartition(t, w.memberGroups(res), w.a, w.b, w.p)
	mu.Lock()
	if len(seen) < 3 || !slices.IsSorted(seen) {
		t.Errorf("progress %v, want at least 3 rising steps", seen)
	}
	mu.Unlock()

	if _, err := jobs.Get(graph.Scope{Partner: w.prefix + "-other"}, id); graph.ErrorCode(err) != graph.ENOTFOUND {
		t.Errorf("another partner sees the job: %v", err)
	}
	if l := jobs.List(graph.Scope{}); len(l) != 1 || l[0].ID != id {
		t.Errorf("List = %+v, want the job", l)
	}
	if l := jobs.List(graph.Scope{Partner: w.prefix + "-other"}); len(l) != 0 {
		t.Errorf("another partner lists %+v", l)
	}
}

// A cancelled analysis stops in Neo4j and leaves no projection behind.
func TestJobsCancelAnalysis(t *testing.T) {
	w := newAnWorld(t)
	jobs := graph.NewJobs(nil)
	t.Cleanup(func() { _ = jobs.Close(context.Background()) })

	// Cancelled once the projection exists: the names of the projections then are recorded,
	// and must all be gone after the job has ended.
	var mu sync.Mutex
	var names []string
	projected := make(chan struct{})
	id, err := jobs.Start(t.Context(), "communities", graph.Scope{}, func(ctx context.Context, progress func(float64)) (any, error) {
		return w.s.Communities(ctx, graph.Scope{}, graph.CommunityRequest{Algorithm: graph.Louvain, Scope: w.subgraph()}, func(p float64) {
			progress(p)
			if p >= 0.2 && p < 0.7 {
				mu.Lock()
				defer mu.Unlock()
				if names == nil {
					recs := query(t, w.s, `CALL gds.graph.list() YIELD graphName WHERE graphName STARTS WITH 'cx-' RETURN collect(graphName) AS names`, nil)
					for _, n := range one[[]any](t, recs, "names") {
						names = append(names, n.(string))
					}
					close(projected)
					<-ctx.Done()
				}
			}
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-projected:
	case <-time.After(time.Minute):
		t.Fatal("the job never reached its algorithm")
	}
	if err := jobs.Cancel(graph.Scope{}, id); err != nil {
		t.Fatal(err)
	}
	st := anWait(t, jobs, id)
	if st.State != graph.JobCancelled || st.Result != nil {
		t.Fatalf("job ended %+v, want CANCELLED", st)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(names) == 0 {
		t.Fatal("no projection existed while the job ran")
	}
	var ids []string
	for _, n := range names {
		ids = append(ids, strings.TrimPrefix(n, "cx-"))
	}
	checkDropped(t, w.s, ids...)
}

func TestJobsLifecycle(t *testing.T) {
	jobs := graph.NewJobs(nil)
	ctx := t.Context()
	block := func(ctx context.Context, progress func(float64)) (any, error) {
		progress(0.5)
		<-ctx.Done()
		return nil, ctx.Err()
	}

	t.Run("cancel", func(t *testing.T) {
		id, err := jobs.Start(ctx, "wait", graph.Scope{}, block)
		if err != nil {
			t.Fatal(err)
		}
		if err := jobs.Cancel(graph.Scope{Partner: "someone"}, id); graph.ErrorCode(err) != graph.ENOTFOUND {
			t.Errorf("a partner cancelled an admin's job: %v", err)
		}
		if err := jobs.Cancel(graph.Scope{}, id); err != nil {
			t.Fatal(err)
		}
		if st := anWait(t, jobs, id); st.State != graph.JobCancelled || st.Error != "cancelled" {
			t.Errorf("job ended %+v, want CANCELLED", st)
		}
		if err := jobs.Cancel(graph.Scope{}, id); err != nil {
			t.Errorf("cancelling a finished job: %v", err)
		}
		if _, err := jobs.Get(graph.Scope{}, "job-nope"); graph.ErrorCode(err) != graph.ENOTFOUND {
			t.Errorf("unknown job: %v", err)
		}
	})

	t.Run("failure and panic", func(t *testing.T) {
		for _, tt := range []struct {
			fn       func(context.Context, func(float64)) (any, error)
			code     string
			msg      string
			progress float64
		}{
			{func(context.Context, func(float64)) (any, error) {
				return nil, graph.Errorf(graph.EINVALID, "scope.hops: bad")
			}, graph.EINVALID, "scope.hops: bad", 0},
			{func(_ context.Context, p func(float64)) (any, error) {
				p(0.3)
				p(7)
				p(0.1)
				return nil, errors.New("secret detail")
			}, graph.EINTERNAL, "internal error", 1},
			{func(context.Context, func(float64)) (any, error) { panic("boom") }, graph.EINTERNAL, "internal error", 0},
		} {
			id, err := jobs.Start(ctx, "fail", graph.Scope{}, tt.fn)
			if err != nil {
				t.Fatal(err)
			}
			st := anWait(t, jobs, id)
			if st.State != graph.JobFailed || st.ErrorCode != tt.code || st.Error != tt.msg || st.Progress != tt.progress {
				t.Errorf("job ended %+v, want FAILED %s %q at progress %v", st, tt.code, tt.msg, tt.progress)
			}
		}
	})

	t.Run("retention", func(t *testing.T) {
		for range graph.DefaultJobRetention + 5 {
			id, err := jobs.Start(ctx, "quick", graph.Scope{}, func(context.Context, func(float64)) (any, error) { return 1, nil })
			if err != nil {
				t.Fatal(err)
			}
			anWait(t, jobs, id)
		}
		if n := len(jobs.List(graph.Scope{})); n != graph.DefaultJobRetention {
			t.Errorf("%d jobs kept, want %d", n, graph.DefaultJobRetention)
		}
	})

	t.Run("close", func(t *testing.T) {
		var ids []graph.JobID
		for range graph.DefaultMaxRunningJobs {
			id, err := jobs.Start(ctx, "wait", graph.Scope{}, block)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if _, err := jobs.Start(ctx, "wait", graph.Scope{}, block); graph.ErrorCode(err) != graph.EUNAVAILABLE {
			t.Errorf("a job beyond the limit: %v, want %s", err, graph.EUNAVAILABLE)
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := jobs.Close(cctx); err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if st, _ := jobs.Get(graph.Scope{}, id); st.State != graph.JobCancelled || st.Progress != 0.5 {
				t.Errorf("after Close: %+v, want CANCELLED at 0.5", st)
			}
		}
		if _, err := jobs.Start(ctx, "late", graph.Scope{}, block); graph.ErrorCode(err) != graph.EUNAVAILABLE {
			t.Errorf("Start after Close: %v, want %s", err, graph.EUNAVAILABLE)
		}
	})
}
