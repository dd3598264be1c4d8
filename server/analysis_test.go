package server_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/server"
)

// moneyWorld is a layering chain a1 -> a2 -> a3 -> a4 of the api's partner (each payment a day
// after the previous one and a little smaller), and a payment b1 -> a1 by another partner.
type moneyWorld struct {
	a     [5]string // a[1]..a[4]
	b1    string
	other string
}

func newMoneyWorld(t *testing.T, a *api) moneyWorld {
	t.Helper()
	ctx := context.Background()
	w := moneyWorld{other: a.partner + "-other"}
	for i := 1; i <= 4; i++ {
		w.a[i] = graph.AccountID(a.partner, "a"+strconv.Itoa(i))
	}
	w.b1 = graph.AccountID(w.other, "b1")
	t0 := time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC)
	pay := func(partner, from, to string, n int, amount int64, at time.Time) graph.Batch {
		ref := graph.Ref{Line: n + 1, Record: strconv.Itoa(n), Seen: at}
		tx := graph.TransactionID(partner, strconv.Itoa(n))
		return graph.Batch{
			Nodes: []graph.Node{
				{Label: graph.LabelBankAccount, ID: from, Props: map[string]any{"accountNumber": from, "country": "GB"}, Ref: ref},
				{Label: graph.LabelBankAccount, ID: to, Props: map[string]any{"accountNumber": to, "country": "PH"}, Ref: ref},
				{Label: graph.LabelTransaction, ID: tx, Ref: ref, Props: map[string]any{
					"transactionId": strconv.Itoa(n), "amount": amount, "currency": "EUR", "timestamp": at}},
			},
			Edges: []graph.Edge{
				{Type: graph.RelSent, From: from, To: tx, Ref: ref},
				{Type: graph.RelTo, From: tx, To: to, Ref: ref},
			},
		}
	}
	src := graph.Source{Partner: a.partner, Dataset: "t", File: "t.csv"}
	for i, amount := range []int64{0, 100_00, 95_00, 90_00} {
		if i == 0 {
			continue
		}
		if _, err := a.store.WriteBatch(ctx, src, pay(a.partner, w.a[i], w.a[i+1], i, amount, t0.Add(time.Duration(i)*24*time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.store.WriteBatch(ctx, graph.Source{Partner: w.other, Dataset: "t", File: "t.csv"}, pay(w.other, w.b1, w.a[1], 9, 500_00, t0)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a.cypher(t, `MATCH (n:Entity) WHERE n.id CONTAINS $p DETACH DELETE n`, map[string]any{"p": a.partner})
		a.cypher(t, `MATCH (s:Source) WHERE s.partner STARTS WITH $p DETACH DELETE s`, map[string]any{"p": a.partner})
	})
	return w
}

func TestPathsOverHTTP(t *testing.T) {
	a := newServer(t, server.DefaultConfig())
	w := newMoneyWorld(t, a)
	const q = `query($from: ID!, $to: ID!, $kind: PathKind, $maxHops: Int) {
		paths(from: $from, to: $to, kind: $kind, maxHops: $maxHops) {
			truncated paths { hops nodes { id type } edges { type from to } amounts currencies } } }`
	type result struct {
		Paths struct {
			Truncated bool
			Paths     []struct {
				Hops       int
				Nodes      []struct{ ID, Type string }
				Amounts    []int64
				Currencies []string
			}
		}
	}
	decode := func(t *testing.T, res gqlResponse) result {
		t.Helper()
		if len(res.Errors) > 0 {
			t.Fatalf("errors %+v", res.Errors)
		}
		var r result
		if err := json.Unmarshal(res.Data, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	t.Run("shortest", func(t *testing.T) {
		_, res := a.as(t, graph.RoleAnalyst, q, map[string]any{"from": w.a[1], "to": w.a[4]})
		r := decode(t, res)
		if len(r.Paths.Paths) != 1 || r.Paths.Paths[0].Hops != 6 {
			t.Fatalf("paths = %+v", r.Paths)
		}
		p := r.Paths.Paths[0]
		if p.Nodes[0].ID != w.a[1] || p.Nodes[6].ID != w.a[4] || p.Nodes[1].Type != "TRANSACTION" || p.Nodes[0].Type != "BANK_ACCOUNT" {
			t.Errorf("nodes = %+v", p.Nodes)
		}
	})
	t.Run("money trail", func(t *testing.T) {
		_, res := a.as(t, graph.RoleAnalyst, q, map[string]any{"from": w.a[1], "to": w.a[4], "kind": "MONEY_TRAIL"})
		r := decode(t, res)
		if len(r.Paths.Paths) != 1 || len(r.Paths.Paths[0].Amounts) != 3 || r.Paths.Paths[0].Amounts[2] != 90_00 {
			t.Fatalf("trails = %+v", r.Paths)
		}
	})
	t.Run("partner sees its own chain, not the other partner's payment", func(t *testing.T) {
		_, res := a.as(t, graph.RolePartner, q, map[string]any{"from": w.a[1], "to": w.a[4]})
		if r := decode(t, res); len(r.Paths.Paths) != 1 {
			t.Errorf("partner's paths = %+v", r.Paths)
		}
		_, res = a.as(t, graph.RolePartner, q, map[string]any{"from": w.b1, "to": w.a[4]})
		if res.code() != "NOT_FOUND" {
			t.Errorf("another partner's account: %+v", res.Errors)
		}
	})
	for _, tt := range []struct {
		name string
		vars map[string]any
		code string
	}{
		{"unknown from", map[string]any{"from": "acct:nobody:1", "to": w.a[4]}, "NOT_FOUND"},
		{"hops out of range", map[string]any{"from": w.a[1], "to": w.a[4], "maxHops": 99}, "BAD_USER_INPUT"},
		{"zero hops", map[string]any{"from": w.a[1], "to": w.a[4], "maxHops": 0}, "BAD_USER_INPUT"},
		{"unknown kind", map[string]any{"from": w.a[1], "to": w.a[4], "kind": "FASTEST"}, "GRAPHQL_VALIDATION_FAILED"},
		{"cypher injection", map[string]any{"from": "x'}) MATCH (n) DETACH DELETE n //", "to": w.a[4]}, "NOT_FOUND"},
		{"same ends", map[string]any{"from": w.a[1], "to": w.a[1]}, "BAD_USER_INPUT"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, res := a.as(t, graph.RoleAnalyst, q, tt.vars)
			if res.code() != tt.code {
				t.Errorf("code %q, want %s (%+v)", res.code(), tt.code, res.Errors)
			}
		})
	}
	if n := a.cypher(t, `MATCH (n:Entity) WHERE n.id CONTAINS $p RETURN count(n) AS n`, map[string]any{"p": a.partner}); n[0].Values[0].(int64) < 5 {
		t.Errorf("the world lost nodes: %v", n[0].Values[0])
	}
}

func TestAnalysisOverHTTP(t *testing.T) {
	a := newServer(t, server.DefaultConfig())
	w := newMoneyWorld(t, a)
	seeds := []string{w.a[1]}
	t.Run("communities on a subgraph", func(t *testing.T) {
		_, res := a.as(t, graph.RoleAnalyst, `query($ids: [ID!]) { communities(input: {algorithm: WCC, scope: {kind: SUBGRAPH, ids: $ids, hops: 3}}) {
			run { algorithm count nodes scope { kind ids hops } } communities { size members { id } flowIn flowOut internal } } }`, map[string]any{"ids": seeds})
		if len(res.Errors) > 0 {
			t.Fatalf("errors %+v", res.Errors)
		}
		var r struct {
			Communities struct {
				Run struct {
					Algorithm string
					Count     int
					Nodes     int
					Scope     struct {
						Kind string
						Hops int
					}
				}
				Communities []struct {
					Size                      int
					FlowIn, FlowOut, Internal int64
				}
			}
		}
		if err := json.Unmarshal(res.Data, &r); err != nil {
			t.Fatal(err)
		}
		c := r.Communities
		if c.Run.Algorithm != "WCC" || c.Run.Count != 1 || c.Run.Scope.Kind != "SUBGRAPH" || c.Run.Scope.Hops != 3 || len(c.Communities) != 1 {
			t.Fatalf("result = %+v", c)
		}
		if c.Communities[0].Internal != 100_00+95_00+90_00+500_00 {
			t.Errorf("internal flow = %d", c.Communities[0].Internal)
		}
	})
	t.Run("whole graph in a query is refused", func(t *testing.T) {
		_, res := a.as(t, graph.RoleAnalyst, `{ communities(input: {algorithm: LOUVAIN, scope: {kind: WHOLE_GRAPH}}) { run { id } } }`, nil)
		if res.code() != "BAD_USER_INPUT" {
			t.Errorf("errors %+v", res.Errors)
		}
	})
	t.Run("centrality", func(t *testing.T) {
		_, res := a.as(t, graph.RoleAnalyst, `query($ids: [ID!]) { centrality(input: {algorithm: DEGREE, scope: {kind: SUBGRAPH, ids: $ids, hops: 3}, first: 1}) {
			ranked { rank node { id } score } } }`, map[string]any{"ids": seeds})
		var r struct {
			Centrality struct {
				Ranked []struct {
					Rank int
					Node struct{ ID string }
				}
			}
		}
		if len(res.Errors) > 0 || json.Unmarshal(res.Data, &r) != nil || len(r.Centrality.Ranked) != 1 {
			t.Fatalf("res %s %+v", res.Data, res.Errors)
		}
		// a1 pays a2 and is paid by b1; a2, a3 have two counterparties too; a1 is first by id.
		if r.Centrality.Ranked[0].Rank != 1 {
			t.Errorf("ranked = %+v", r.Centrality.Ranked)
		}
	})
	t.Run("a job with progress and its result", func(t *testing.T) {
		_, res := a.as(t, graph.RoleAnalyst, `mutation($ids: [ID!]) { startCommunities(input: {algorithm: LOUVAIN, scope: {kind: SUBGRAPH, ids: $ids, hops: 3}, store: true}) { id state } }`, map[string]any{"ids": seeds})
		var started struct{ StartCommunities struct{ ID, State string } }
		if len(res.Errors) > 0 || json.Unmarshal(res.Data, &started) != nil {
			t.Fatalf("start: %+v", res.Errors)
		}
		id := started.StartCommunities.ID
		var job struct {
			Job struct {
				State       string
				Progress    float64
				Communities *struct{ Run struct{ ID, Status string } }
			}
		}
		deadline := time.Now().Add(2 * time.Minute)
		for {
			_, res := a.as(t, graph.RoleAnalyst, `query($id: ID!) { job(id: $id) { state progress communities { run { id status } } } }`, map[string]any{"id": id})
			if len(res.Errors) > 0 || json.Unmarshal(res.Data, &job) != nil {
				t.Fatalf("job: %+v", res.Errors)
			}
			if job.Job.State != "RUNNING" || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if job.Job.State != "SUCCEEDED" || job.Job.Progress != 1 || job.Job.Communities == nil || job.Job.Communities.Run.Status != "STORED" {
			t.Fatalf("job = %+v", job.Job)
		}
		runID := job.Job.Communities.Run.ID
		// The partner cannot see the analyst's job; the stored run can be read and deleted.
		if _, res := a.as(t, graph.RolePartner, `query($id: ID!) { job(id: $id) { state } }`, map[string]any{"id": id}); res.code() != "NOT_FOUND" {
			t.Errorf("partner reading the analyst's job: %+v", res.Errors)
		}
		if _, res := a.as(t, graph.RoleAnalyst, `query($id: ID!) { communityRun(id: $id) { run { id } communities { size } } }`, map[string]any{"id": runID}); len(res.Errors) > 0 {
			t.Errorf("communityRun: %+v", res.Errors)
		}
		_, res = a.as(t, graph.RoleAnalyst, `mutation($id: ID!) { deleteCommunityRun(id: $id) }`, map[string]any{"id": runID})
		if len(res.Errors) > 0 || string(res.Data) != `{"deleteCommunityRun":true}` {
			t.Errorf("delete: %s %+v", res.Data, res.Errors)
		}
	})
}
