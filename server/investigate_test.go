package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/server"
)

func TestInvestigateOverHTTP(t *testing.T) {
	a := newServer(t, server.DefaultConfig())
	w := newMoneyWorld(t, a)
	decode := func(t *testing.T, res gqlResponse, v any) {
		t.Helper()
		if len(res.Errors) > 0 {
			t.Fatalf("errors %+v", res.Errors)
		}
		if err := json.Unmarshal(res.Data, v); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("search finds an account by its number", func(t *testing.T) {
		_, res := a.as(t, graph.RoleAnalyst, `query($q: String!) { search(text: $q, types: [BANK_ACCOUNT]) { total hits { exact node { id type caption } } } }`, map[string]any{"q": w.a[2]})
		var r struct {
			Search struct {
				Hits []struct {
					Exact bool
					Node  struct{ ID, Type string }
				}
			}
		}
		decode(t, res, &r)
		if len(r.Search.Hits) == 0 || r.Search.Hits[0].Node.ID != w.a[2] || r.Search.Hits[0].Node.Type != "BANK_ACCOUNT" {
			t.Errorf("hits = %+v", r.Search.Hits)
		}
	})
	t.Run("entity with provenance", func(t *testing.T) {
		_, res := a.as(t, graph.RoleAnalyst, `query($id: ID!) { entity(id: $id) { node { id properties }
			provenance { partner dataset file properties refs firstSeen } degree { type count } } }`, map[string]any{"id": w.a[1]})
		var r struct {
			Entity struct {
				Node       struct{ Properties map[string]any }
				Provenance []struct{ Partner, Dataset, File string }
				Degree     []struct {
					Type  string
					Count int
				}
			}
		}
		decode(t, res, &r)
		partners := map[string]bool{}
		for _, p := range r.Entity.Provenance {
			partners[p.Partner] = true
		}
		if !partners[a.partner] || !partners[w.other] || r.Entity.Node.Properties["accountNumber"] != w.a[1] {
			t.Errorf("entity = %+v", r.Entity)
		}
		// The partner sees only its own provenance.
		_, res = a.as(t, graph.RolePartner, `query($id: ID!) { entity(id: $id) { provenance { partner } } }`, map[string]any{"id": w.a[1]})
		var p struct {
			Entity struct{ Provenance []struct{ Partner string } }
		}
		decode(t, res, &p)
		if len(p.Entity.Provenance) != 1 || p.Entity.Provenance[0].Partner != a.partner {
			t.Errorf("partner's provenance = %+v", p.Entity.Provenance)
		}
	})
	t.Run("neighbourhood with and more", func(t *testing.T) {
		_, res := a.as(t, graph.RoleAnalyst, `query($ids: [ID!]!) { neighbourhood(ids: $ids, hops: 1, limitPerNode: 1, filter: {relationshipTypes: [SENT, TO]}) {
			nodes { id } edges { type from to } more { nodeId omitted } truncated } }`, map[string]any{"ids": []string{w.a[1]}})
		var r struct {
			Neighbourhood struct {
				Nodes []struct{ ID string }
				More  []struct {
					NodeID  string
					Omitted int
				}
			}
		}
		decode(t, res, &r)
		// a1 sent one payment and received one: one shown, one more.
		if len(r.Neighbourhood.Nodes) != 2 || len(r.Neighbourhood.More) != 1 || r.Neighbourhood.More[0].Omitted != 1 {
			t.Errorf("neighbourhood = %+v", r.Neighbourhood)
		}
		_, res = a.as(t, graph.RoleAnalyst, `query($ids: [ID!]!) { neighbourhood(ids: $ids, hops: 4) { truncated } }`, map[string]any{"ids": []string{w.a[1]}})
		if res.code() != "BAD_USER_INPUT" {
			t.Errorf("hops 4: %+v", res.Errors)
		}
	})
	t.Run("transactions and timeline", func(t *testing.T) {
		_, res := a.as(t, graph.RoleAnalyst, `query($id: ID!) { transactions(account: $id, first: 1) { rows { amount currency from { id } to { id } } pageInfo { hasNextPage endCursor } }
			timeline(id: $id, period: MONTH) { events { kind amount } buckets { events amounts { currency in out } } } }`, map[string]any{"id": w.a[1]})
		var r struct {
			Transactions struct {
				Rows []struct {
					Amount int64
					From   struct{ ID string }
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
			Timeline struct {
				Events []struct {
					Kind   string
					Amount *int64
				}
				Buckets []struct{ Events int }
			}
		}
		decode(t, res, &r)
		// Newest first: a1 -> a2 (day 1) is newer than b1 -> a1 (day 0).
		if len(r.Transactions.Rows) != 1 || r.Transactions.Rows[0].Amount != 100_00 || !r.Transactions.PageInfo.HasNextPage {
			t.Errorf("transactions = %+v", r.Transactions)
		}
		_, res = a.as(t, graph.RoleAnalyst, `query($id: ID!, $after: String) { transactions(account: $id, first: 1, after: $after) { rows { amount } pageInfo { hasNextPage } } }`,
			map[string]any{"id": w.a[1], "after": r.Transactions.PageInfo.EndCursor})
		var next struct {
			Transactions struct {
				Rows     []struct{ Amount int64 }
				PageInfo struct{ HasNextPage bool }
			}
		}
		decode(t, res, &next)
		if len(next.Transactions.Rows) != 1 || next.Transactions.Rows[0].Amount != 500_00 || next.Transactions.PageInfo.HasNextPage {
			t.Errorf("second page = %+v", next.Transactions)
		}
		if len(r.Timeline.Buckets) != 1 || r.Timeline.Buckets[0].Events < 2 {
			t.Errorf("timeline = %+v", r.Timeline)
		}
		// The timeline pages one event at a time through every event, earliest first.
		var kinds []string
		after := ""
		for page := 0; page < 20; page++ {
			_, res := a.as(t, graph.RoleAnalyst, `query($id: ID!, $after: String) { timeline(id: $id, first: 1, after: $after) { events { kind at } pageInfo { hasNextPage endCursor } } }`,
				map[string]any{"id": w.a[1], "after": after})
			var p struct {
				Timeline struct {
					Events []struct {
						Kind string
						At   time.Time
					}
					PageInfo struct {
						HasNextPage bool
						EndCursor   string
					}
				}
			}
			decode(t, res, &p)
			for _, e := range p.Timeline.Events {
				kinds = append(kinds, e.Kind)
			}
			if !p.Timeline.PageInfo.HasNextPage {
				break
			}
			after = p.Timeline.PageInfo.EndCursor
		}
		var whole []string
		for _, e := range r.Timeline.Events {
			whole = append(whole, e.Kind)
		}
		if len(kinds) < 2 || fmt.Sprint(kinds) != fmt.Sprint(whole) {
			t.Errorf("paged timeline %v, whole %v", kinds, whole)
		}
		_, res = a.as(t, graph.RoleAnalyst, `query($id: ID!) { transactions(account: $id, after: "not-a-cursor") { rows { amount } } }`, map[string]any{"id": w.a[1]})
		if res.code() != "BAD_USER_INPUT" {
			t.Errorf("bad cursor: %+v", res.Errors)
		}
	})
	t.Run("dataloaders read each level in one batch", func(t *testing.T) {
		before := a.srv.NodeBatches()
		_, res := a.as(t, graph.RoleAnalyst, `query($ids: [ID!]!) { neighbourhood(ids: $ids, hops: 2) { edges { fromNode { id } toNode { id } } } }`, map[string]any{"ids": []string{w.a[2]}})
		var r struct {
			Neighbourhood struct {
				Edges []struct{ FromNode, ToNode *struct{ ID string } }
			}
		}
		decode(t, res, &r)
		if len(r.Neighbourhood.Edges) < 4 {
			t.Fatalf("edges = %+v", r.Neighbourhood.Edges)
		}
		for _, e := range r.Neighbourhood.Edges {
			if e.FromNode == nil || e.ToNode == nil {
				t.Errorf("edge without its ends: %+v", e)
			}
		}
		if got := a.srv.NodeBatches() - before; got != 1 {
			t.Errorf("%d edges read their ends in %d batches, want 1", len(r.Neighbourhood.Edges), got)
		}
		before = a.srv.NodeBatches()
		_, res = a.as(t, graph.RoleAnalyst, `query($a: ID!, $b: ID!) { x: node(id: $a) { id } y: node(id: $b) { id } z: node(id: "acct:nobody:1") { id } nodes(ids: [$a, $b]) { id } }`,
			map[string]any{"a": w.a[1], "b": w.a[3]})
		if len(res.Errors) > 0 || !strings.Contains(string(res.Data), `"z":null`) {
			t.Fatalf("nodes: %s %+v", res.Data, res.Errors)
		}
		if got := a.srv.NodeBatches() - before; got != 1 {
			t.Errorf("four root fields read nodes in %d batches, want 1", got)
		}
	})
}

// TestInjectionInEveryStringArgument sends strings meant to break Cypher, Lucene, paths and
// markup through every string argument of the read queries: each is refused or finds nothing,
// none is an internal error, and the graph is unchanged.
func TestInjectionInEveryStringArgument(t *testing.T) {
	a := newServer(t, server.DefaultConfig())
	w := newMoneyWorld(t, a)
	count := func() int64 {
		return a.cypher(t, `MATCH (n:Entity) WHERE n.id CONTAINS $p RETURN count(n) AS n`, map[string]any{"p": a.partner})[0].Values[0].(int64)
	}
	before := count()
	injections := []string{
		`x'}) MATCH (n) DETACH DELETE n //`,
		`"}) MATCH (n) DETACH DELETE n //`,
		"`) DETACH DELETE n //",
		`*:*`, `\`, `"`, `../../etc/passwd`, `<script>alert(1)</script>`, `$where`, "a\x00b", strings.Repeat("a", 5000),
	}
	queries := []string{
		`query($s: String!) { search(text: $s) { total } }`,
		`query($s: ID!) { entity(id: $s) { node { id } } }`,
		`query($s: ID!) { node(id: $s) { id } }`,
		`query($s: ID!) { nodes(ids: [$s]) { id } }`,
		`query($s: ID!) { neighbourhood(ids: [$s]) { truncated } }`,
		`query($s: ID!) { transactions(account: $s) { rows { amount } } }`,
		`query($s: String!) { transactions(account: "` + w.a[1] + `", after: $s) { rows { amount } } }`,
		`query($s: ID!) { timeline(id: $s) { hasMore } }`,
		`query($s: String!) { timeline(id: "` + w.a[1] + `", after: $s) { hasMore } }`,
		`query($s: ID!) { paths(from: $s, to: "` + w.a[4] + `") { truncated } }`,
		`query($s: ID!) { paths(from: "` + w.a[1] + `", to: $s, kind: MONEY_TRAIL) { truncated } }`,
		`query($s: String!) { paths(from: "` + w.a[1] + `", to: "` + w.a[4] + `", filter: {countries: [$s]}) { truncated } }`,
		`query($s: ID!) { communityRun(id: $s) { run { id } } }`,
		`query($s: ID!) { job(id: $s) { id } }`,
		`query($s: String!) { auditLog(after: $s) { nodes { id } } }`,
		`query($s: ID!) { resolvedEntity(id: $s) { id } }`,
		`query($s: String!) { matchReviews(after: $s) { nodes { probability } } }`,
		`query($s: ID!) { judgements(recordId: $s) { nodes { id } } }`,
		`query($s: String!) { judgements(after: $s) { nodes { id } } }`,
		`query($s: ID!) { entity(id: $s) { resolvedEntity { id } matches { status } } }`,
		`mutation($s: ID!) { judgeMatch(a: $s, b: "` + w.a[1] + `", verdict: SAME) { judgement { id } } }`,
		`mutation($s: String) { judgeMatch(a: "` + w.a[1] + `", b: "` + w.a[4] + `", verdict: UNSURE, note: $s) { judgement { id } } }`,
		`mutation($s: ID!) { retractJudgement(a: $s, b: "` + w.a[1] + `") { judgement { id } } }`,
		`mutation($s: ID!) { splitResolvedEntity(id: $s, recordIds: ["` + w.a[1] + `"]) { id } }`,
		`mutation($s: ID!) { splitResolvedEntity(id: "re:none", recordIds: [$s]) { id } }`,
		`query($s: ID!) { signals(subject: $s) { nodes { id } } }`,
		`query($s: String!) { signals(rule: $s) { nodes { id } } }`,
		`query($s: String!) { signals(after: $s) { nodes { id } } }`,
		`query($s: ID!) { signal(id: $s) { id } }`,
		`query($s: String!) { riskRanking(after: $s) { nodes { risk } } }`,
		`query($s: ID!) { entity(id: $s) { risk { risk } } }`,
		`query($s: ID!) { alert(id: $s) { id } }`,
		`query($s: String!) { alerts(after: $s) { nodes { id } } }`,
		`query($s: String!) { alerts(filter: {assignee: $s}) { nodes { id } } }`,
		`query($s: ID!) { case(id: $s) { id } }`,
		`query($s: String!) { cases(after: $s) { nodes { id } } }`,
		`mutation($s: String!) { updateAlert(id: "alert:none", input: {note: $s}) { id } }`,
		`mutation($s: String!) { addCaseNote(id: "case:none", text: $s) { id } }`,
		`mutation($s: ID!) { addToCase(id: $s, entityIds: ["acct:none:1"]) { id } }`,
	}
	for _, q := range queries {
		for _, inj := range injections {
			_, res := a.as(t, graph.RoleAdmin, q, map[string]any{"s": inj})
			switch res.code() {
			case "", "NOT_FOUND", "BAD_USER_INPUT":
			default:
				t.Errorf("%s with %.40q: %+v", q, inj, res.Errors)
			}
		}
	}
	if after := count(); after != before {
		t.Errorf("the world had %d nodes, now %d", before, after)
	}
}
