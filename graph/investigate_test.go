package graph_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/graphtest"
)

// invWorld is a small investigation graph written by two partners, with ids under one prefix.
//
// Partner A (bank): alice HOLDS acctA; alice uses email and phone and has the platform account
// ua (handle, two logins from ip, subject of report). acctA pays acctB t0..t9 (day i, 1000*(i+1)
// EUR) and acctC t10, t11 (day 30, 100 EUR each, the same instant); acctC pays acctA tc0 (day 20,
// 500) and tc1 (day 21, 700000). Partner B (other): acctX pays acctA tB1 (day 40, 3000); B's
// batch writes acctA too, so both partners know it.
type invWorld struct {
	p                            string
	srcA, srcB                   graph.Source
	alice, acctA, acctB, acctC   string
	acctX, email, phone, ip      string
	ua, handle, report           string
	tx                           map[string]string // t0..t11, tc0, tc1, tB1 -> id
	phoneTyped, emailTyped, ipV6 string
}

// invDay is day n of the world's calendar (day 0 is 2025-01-01, a Wednesday), at 10:00 UTC.
func invDay(n int) time.Time { return time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC).AddDate(0, 0, n) }

func invInt64(v int64) *int64 { return &v }

// newInvWorld writes the world and removes it when t ends.
func newInvWorld(t *testing.T, s *graph.Store) *invWorld {
	t.Helper()
	ctx := context.Background()
	p := graphtest.Prefix(t)
	w := &invWorld{p: p, tx: map[string]string{}}
	w.srcA = graph.Source{Partner: p + "-bank", Dataset: "t", File: "t.csv"}
	w.srcB = graph.Source{Partner: p + "-other", Dataset: "t", File: "t.csv"}
	pa, pb := w.srcA.Partner, w.srcB.Partner
	// Shared identifiers have global ids: derive them from the prefix so runs never collide.
	n, err := strconv.ParseUint(p[1:], 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	digits := fmt.Sprintf("%07d", n%10000000)
	w.phoneTyped = "+63 917 " + digits[:3] + " " + digits[3:]
	w.emailTyped = "  " + strings.ToUpper(p) + "Alice@Example.COM "
	w.ipV6 = "2001:DB8::" + strings.ToUpper(p[1:5]) + ":" + strings.ToUpper(p[5:9])
	phone, err := graph.NormalizePhone(w.phoneTyped, "")
	if err != nil {
		t.Fatal(err)
	}
	ip, err := graph.NormalizeIP(w.ipV6)
	if err != nil {
		t.Fatal(err)
	}
	w.alice = graph.PartyID(graph.LabelPerson, pa, "c1")
	w.acctA, w.acctB, w.acctC = graph.AccountID(pa, p+"A1"), graph.AccountID(pa, p+"B1"), graph.AccountID(pa, p+"C1")
	w.acctX = graph.AccountID(pb, p+"X1")
	w.email, w.phone, w.ip = graph.EmailID(p+"alice@example.com"), graph.PhoneID(phone), graph.IPID(ip)
	w.ua, w.handle = graph.UserAccountID("svc", p+"u1"), graph.HandleID(p+"_alice")
	w.report = graph.ReportID("cybertip", p+"-1")
	t.Cleanup(func() {
		query(t, s, `MATCH (n:Entity) WHERE n.id CONTAINS $p OR n.id IN $ids DETACH DELETE n`,
			map[string]any{"p": p, "ids": []string{w.phone, w.ip}})
		query(t, s, `MATCH (n:Source) WHERE n.partner IN $partners DETACH DELETE n`,
			map[string]any{"partners": []string{pa, pb}})
	})

	line := 1
	ref := func(seen time.Time, record string) graph.Ref {
		line++
		return graph.Ref{Line: line, Record: record, Seen: seen}
	}
	a := graph.Batch{
		Nodes: []graph.Node{
			{Label: graph.LabelPerson, ID: w.alice, Props: map[string]any{"name": p + " Alice Example", "country": "GB"}, Ref: graph.Ref{Line: 1}},
			{Label: graph.LabelBankAccount, ID: w.acctA, Props: map[string]any{"accountNumber": p + "A1"}, Ref: graph.Ref{Line: 1}},
			{Label: graph.LabelBankAccount, ID: w.acctB, Props: map[string]any{"accountNumber": p + "B1", "holderName": p + " Bob Holder", "country": "PH"}, Ref: graph.Ref{Line: 1}},
			{Label: graph.LabelBankAccount, ID: w.acctC, Props: map[string]any{"accountNumber": p + "C1", "country": "GB"}, Ref: graph.Ref{Line: 1}},
			{Label: graph.LabelEmail, ID: w.email, Props: map[string]any{"address": p + "alice@example.com"}, Ref: graph.Ref{Line: 1}},
			{Label: graph.LabelPhone, ID: w.phone, Props: map[string]any{"number": phone}, Ref: graph.Ref{Line: 1}},
			{Label: graph.LabelUserAccount, ID: w.ua, Props: map[string]any{"service": "svc", "platformId": p + "u1", "username": p + "_alice"}, Ref: graph.Ref{Line: 1, Seen: invDay(1)}},
			{Label: graph.LabelHandle, ID: w.handle, Props: map[string]any{"value": p + "_alice"}, Ref: graph.Ref{Line: 1}},
			{Label: graph.LabelIPAddress, ID: w.ip, Props: map[string]any{"address": ip}, Ref: graph.Ref{Line: 1}},
			{Label: graph.LabelReport, ID: w.report, Props: map[string]any{"reportType": "CYBERTIP", "reportNumber": p + "-1", "incidentAt": invDay(4)}, Ref: graph.Ref{Line: 1}},
		},
		Edges: []graph.Edge{
			{Type: graph.RelHolds, From: w.alice, To: w.acctA, Ref: graph.Ref{Line: 1}},
			{Type: graph.RelUsesEmail, From: w.alice, To: w.email, Ref: graph.Ref{Line: 1}},
			{Type: graph.RelUsesPhone, From: w.alice, To: w.phone, Ref: graph.Ref{Line: 1}},
			{Type: graph.RelHasUserAccount, From: w.alice, To: w.ua, Ref: graph.Ref{Line: 1}},
			{Type: graph.RelHasHandle, From: w.ua, To: w.handle, Ref: graph.Ref{Line: 1}},
			{Type: graph.RelSubjectOf, From: w.ua, To: w.report, Ref: graph.Ref{Line: 1}},
			{Type: graph.RelLoggedInFrom, From: w.ua, To: w.ip, Key: "login|d3", Props: map[string]any{"at": invDay(3), "event": "login"}, Ref: graph.Ref{Line: 1, Seen: invDay(3)}},
			{Type: graph.RelLoggedInFrom, From: w.ua, To: w.ip, Key: "login|d5", Props: map[string]any{"at": invDay(5), "event": "login"}, Ref: graph.Ref{Line: 1, Seen: invDay(5)}},
		},
	}
	pay := func(b *graph.Batch, partner, name, from, to string, amount int64, at time.Time) {
		id := graph.TransactionID(partner, name)
		w.tx[name] = id
		r := ref(at, name)
		b.Nodes = append(b.Nodes, graph.Node{Label: graph.LabelTransaction, ID: id, Ref: r,
			Props: map[string]any{"transactionId": name, "amount": amount, "currency": "EUR", "timestamp": at}})
		b.Edges = append(b.Edges, graph.Edge{Type: graph.RelSent, From: from, To: id, Ref: r}, graph.Edge{Type: graph.RelTo, From: id, To: to, Ref: r})
	}
	for i := range 10 {
		pay(&a, pa, fmt.Sprintf("t%d", i), w.acctA, w.acctB, int64(1000*(i+1)), invDay(i))
	}
	pay(&a, pa, "t10", w.acctA, w.acctC, 100, invDay(30))
	pay(&a, pa, "t11", w.acctA, w.acctC, 100, invDay(30))
	pay(&a, pa, "tc0", w.acctC, w.acctA, 500, invDay(20))
	pay(&a, pa, "tc1", w.acctC, w.acctA, 700000, invDay(21))
	if _, err := s.WriteBatch(ctx, w.srcA, a); err != nil {
		t.Fatal(err)
	}
	b := graph.Batch{Nodes: []graph.Node{
		{Label: graph.LabelBankAccount, ID: w.acctX, Props: map[string]any{"accountNumber": p + "X1", "holderName": p + " Xavier"}, Ref: graph.Ref{Line: 1, Seen: invDay(40)}},
		{Label: graph.LabelBankAccount, ID: w.acctA, Props: map[string]any{"accountNumber": p + "A1"}, Ref: graph.Ref{Line: 1, Seen: invDay(40)}},
	}}
	pay(&b, pb, "tB1", w.acctX, w.acctA, 3000, invDay(40))
	if _, err := s.WriteBatch(ctx, w.srcB, b); err != nil {
		t.Fatal(err)
	}
	return w
}

// ids returns the ids of the named transactions of the world.
func (w *invWorld) ids(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = w.tx[n]
	}
	return out
}

func (w *invWorld) scopeA() graph.Scope { return graph.Scope{Partner: w.srcA.Partner} }
func (w *invWorld) scopeB() graph.Scope { return graph.Scope{Partner: w.srcB.Partner} }

// sortedIDs returns the ids of nodes, sorted.
func sortedIDs(nodes []graph.NodeView) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.ID
	}
	slices.Sort(out)
	return out
}

func sortStrings(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// wantCode fails t unless err has code and its message mentions field.
func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	if graph.ErrorCode(err) != code || !strings.Contains(graph.ErrorMessage(err), field) {
		t.Fatalf("err = %v, want %s naming %q", err, code, field)
	}
}

func diffIDs(t *testing.T, what string, want, got []string) {
	t.Helper()
	if !slices.Equal(want, got) {
		t.Errorf("%s (-want +got):\n-%v\n+%v", what, want, got)
	}
}

func TestSearch(t *testing.T) {
	s := graphtest.Open(t)
	ctx := context.Background()
	w := newInvWorld(t, s)
	p := w.p
	all := sortStrings([]string{w.alice, w.acctA, w.acctB, w.acctC, w.acctX, w.email, w.ua, w.handle, w.report})

	hitIDs := func(page graph.SearchPage) []string {
		out := make([]string, len(page.Hits))
		for i, h := range page.Hits {
			out[i] = h.Node.ID
		}
		return out
	}
	for _, tt := range []struct {
		name  string
		scope graph.Scope
		q     graph.SearchQuery
		want  []string // sorted ids
		exact string   // the id that must come first as an exact hit
	}{
		{name: "prefix token", q: graph.SearchQuery{Text: p, First: 100}, want: all},
		{name: "name words any case", q: graph.SearchQuery{Text: strings.ToUpper(p) + " alice exam"}, want: []string{w.alice}},
		{name: "holder name", q: graph.SearchQuery{Text: p + " bob"}, want: []string{w.acctB}},
		{name: "types", q: graph.SearchQuery{Text: p, Types: []graph.Label{graph.LabelBankAccount}}, want: sortStrings([]string{w.acctA, w.acctB, w.acctC, w.acctX})},
		{name: "partner A", scope: w.scopeA(), q: graph.SearchQuery{Text: p}, want: sortStrings([]string{w.alice, w.acctA, w.acctB, w.acctC, w.email, w.ua, w.handle, w.report})},
		{name: "partner B", scope: w.scopeB(), q: graph.SearchQuery{Text: p}, want: sortStrings([]string{w.acctA, w.acctX})},
		{name: "email as typed", q: graph.SearchQuery{Text: w.emailTyped}, want: []string{w.email}, exact: w.email},
		{name: "phone as typed", q: graph.SearchQuery{Text: w.phoneTyped}, want: []string{w.phone}, exact: w.phone},
		{name: "phone outside scope B", scope: w.scopeB(), q: graph.SearchQuery{Text: w.phoneTyped}, want: []string{}},
		{name: "ipv6 as typed", q: graph.SearchQuery{Text: w.ipV6}, want: []string{w.ip}, exact: w.ip},
		{name: "id", q: graph.SearchQuery{Text: w.tx["t3"]}, want: []string{w.tx["t3"]}, exact: w.tx["t3"]},
		{name: "partner's account number", scope: w.scopeA(), q: graph.SearchQuery{Text: p + "A1"}, want: []string{w.acctA}, exact: w.acctA},
		{name: "handle with @", q: graph.SearchQuery{Text: "@" + p + "_Alice", Types: []graph.Label{graph.LabelHandle}}, want: []string{w.handle}, exact: w.handle},
		{name: "match all", q: graph.SearchQuery{Text: "*:*"}, want: []string{}},
		{name: "backslash", q: graph.SearchQuery{Text: `\`}, want: []string{}},
		{name: "lone quote", q: graph.SearchQuery{Text: `"`}, want: []string{}},
		{name: "injection", q: graph.SearchQuery{Text: `") MATCH (n) DETACH DELETE n //`, Types: []graph.Label{graph.LabelPerson}}},
		{name: "lucene syntax in words", q: graph.SearchQuery{Text: p + ` AND (alice OR x) NOT ~ ^2 [a TO z] name:x "`}, want: []string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.Search(ctx, tt.scope, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			got := sortStrings(hitIDs(page))
			if tt.want != nil {
				diffIDs(t, "hits", tt.want, got)
				if page.Total != len(tt.want) {
					t.Errorf("Total = %d, want %d", page.Total, len(tt.want))
				}
			}
			if tt.exact != "" && (len(page.Hits) == 0 || page.Hits[0].Node.ID != tt.exact || !page.Hits[0].Exact) {
				t.Errorf("first hit = %+v, want the exact hit %s", page.Hits, tt.exact)
			}
		})
	}
	// The injection did nothing: every node of the world is still there.
	if got := one[int64](t, query(t, s, `MATCH (n:Entity) WHERE n.id CONTAINS $p RETURN count(n) AS n`, map[string]any{"p": p}), "n"); got != 24 {
		t.Errorf("%d nodes of the world left, want 24", got)
	}

	t.Run("paging", func(t *testing.T) {
		whole, err := s.Search(ctx, graph.Scope{}, graph.SearchQuery{Text: p, First: 100})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		after := ""
		for i := 0; ; i++ {
			page, err := s.Search(ctx, graph.Scope{}, graph.SearchQuery{Text: p, First: 4, After: after})
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != len(all) {
				t.Errorf("page %d: Total = %d, want %d", i, page.Total, len(all))
			}
			got = append(got, hitIDs(page)...)
			if !page.HasNextPage {
				break
			}
			if i > 3 {
				t.Fatal("more pages than hits")
			}
			after = page.EndCursor
		}
		diffIDs(t, "pages in order", hitIDs(whole), got)
		if len(got) != len(all) {
			t.Errorf("%d hits over the pages, want %d", len(got), len(all))
		}
	})

	t.Run("bad input", func(t *testing.T) {
		txPage, err := s.Transactions(ctx, graph.Scope{}, graph.TransactionsQuery{Account: w.acctA, First: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name, field string
			q           graph.SearchQuery
		}{
			{"empty", "text", graph.SearchQuery{Text: "  "}},
			{"too long", "text", graph.SearchQuery{Text: strings.Repeat("a", 201)}},
			{"unknown type", "types", graph.SearchQuery{Text: "x", Types: []graph.Label{"Weapon"}}},
			{"source is no type", "types", graph.SearchQuery{Text: "x", Types: []graph.Label{graph.LabelSource}}},
			{"first", "first", graph.SearchQuery{Text: "x", First: 101}},
			{"garbage cursor", "after", graph.SearchQuery{Text: "x", After: "not base64!"}},
			{"cursor of another list", "after", graph.SearchQuery{Text: "x", After: txPage.EndCursor}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.Search(ctx, graph.Scope{}, tt.q)
				wantCode(t, err, graph.EINVALID, tt.field)
			})
		}
	})
}

func TestEntity(t *testing.T) {
	s := graphtest.Open(t)
	ctx := context.Background()
	w := newInvWorld(t, s)

	t.Run("person", func(t *testing.T) {
		d, err := s.Entity(ctx, graph.Scope{}, w.alice)
		if err != nil {
			t.Fatal(err)
		}
		if d.Node.ID != w.alice || d.Node.Label != graph.LabelPerson || d.Node.Caption != w.p+" Alice Example" {
			t.Errorf("node = %+v", d.Node)
		}
		if len(d.Provenance) != 1 {
			t.Fatalf("provenance = %+v, want one source", d.Provenance)
		}
		pr := d.Provenance[0]
		if pr.SourceID != w.srcA.ID() || pr.Partner != w.srcA.Partner || pr.Dataset != "t" || pr.File != "t.csv" ||
			!slices.Equal(pr.Properties, []string{"country", "name"}) || !slices.Equal(pr.Refs, []string{"line 1"}) ||
			pr.Values["name"] != w.p+" Alice Example" || pr.Values["country"] != "GB" {
			t.Errorf("provenance = %+v", pr)
		}
		diffIDs(t, "identifiers", sortStrings([]string{w.email, w.phone}), sortedIDs(d.Identifiers))
		want := map[graph.RelType]int{graph.RelHolds: 1, graph.RelUsesEmail: 1, graph.RelUsesPhone: 1, graph.RelHasUserAccount: 1}
		if fmt.Sprint(d.Degree) != fmt.Sprint(want) {
			t.Errorf("degree = %v, want %v", d.Degree, want)
		}
	})

	t.Run("account of two partners", func(t *testing.T) {
		for _, tt := range []struct {
			name     string
			scope    graph.Scope
			partners []string
			degree   map[graph.RelType]int
		}{
			{"all", graph.Scope{}, []string{w.srcA.Partner, w.srcB.Partner},
				map[graph.RelType]int{graph.RelHolds: 1, graph.RelSent: 12, graph.RelTo: 3, graph.RelFlow: 4}},
			{"partner A", w.scopeA(), []string{w.srcA.Partner},
				map[graph.RelType]int{graph.RelHolds: 1, graph.RelSent: 12, graph.RelTo: 2}},
			{"partner B", w.scopeB(), []string{w.srcB.Partner}, map[graph.RelType]int{graph.RelTo: 1}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				d, err := s.Entity(ctx, tt.scope, w.acctA)
				if err != nil {
					t.Fatal(err)
				}
				var partners []string
				for _, p := range d.Provenance {
					partners = append(partners, p.Partner)
				}
				diffIDs(t, "provenance partners", tt.partners, partners)
				if fmt.Sprint(d.Degree) != fmt.Sprint(tt.degree) {
					t.Errorf("degree = %v, want %v", d.Degree, tt.degree)
				}
			})
		}
	})

	t.Run("transaction provenance on the node", func(t *testing.T) {
		d, err := s.Entity(ctx, w.scopeA(), w.tx["t3"])
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Provenance) != 1 {
			t.Fatalf("provenance = %+v, want one source", d.Provenance)
		}
		pr := d.Provenance[0]
		if pr.SourceID != w.srcA.ID() || pr.File != "t.csv" || !slices.Equal(pr.Refs, []string{"line 5 record t3"}) ||
			!pr.FirstSeen.Equal(invDay(3)) || !slices.Contains(pr.Properties, "amount") || slices.Contains(pr.Properties, "sources") {
			t.Errorf("provenance = %+v", pr)
		}
		if d.Node.Props["amount"] != int64(4000) || d.Node.Props["sources"] != nil || d.Node.Props["refs"] != nil {
			t.Errorf("props = %v", d.Node.Props)
		}
		if fmt.Sprint(d.Degree) != fmt.Sprint(map[graph.RelType]int{graph.RelSent: 1, graph.RelTo: 1}) {
			t.Errorf("degree = %v", d.Degree)
		}
	})

	t.Run("platform account identifiers", func(t *testing.T) {
		d, err := s.Entity(ctx, graph.Scope{}, w.ua)
		if err != nil {
			t.Fatal(err)
		}
		diffIDs(t, "identifiers", sortStrings([]string{w.handle, w.ip}), sortedIDs(d.Identifiers))
		if d.Degree[graph.RelLoggedInFrom] != 2 {
			t.Errorf("degree = %v, want 2 LOGGED_IN_FROM", d.Degree)
		}
	})

	t.Run("not found", func(t *testing.T) {
		for _, tt := range []struct {
			name  string
			scope graph.Scope
			id    string
		}{
			{"unknown", graph.Scope{}, w.p + "nobody"},
			{"other partner's", w.scopeA(), w.acctX},
			{"other partner's person", w.scopeB(), w.alice},
			{"unknown partner", graph.Scope{Partner: w.p + "-nobody"}, w.acctA},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.Entity(ctx, tt.scope, tt.id)
				wantCode(t, err, graph.ENOTFOUND, "not found")
			})
		}
		_, err := s.Entity(ctx, graph.Scope{}, " ")
		wantCode(t, err, graph.EINVALID, "id")
	})

	t.Run("nodes", func(t *testing.T) {
		ids := []string{w.alice, w.acctX, w.p + "nobody", w.alice}
		for _, tt := range []struct {
			name  string
			scope graph.Scope
			want  []string
		}{
			{"all", graph.Scope{}, sortStrings([]string{w.alice, w.acctX})},
			{"partner A", w.scopeA(), []string{w.alice}},
			{"partner B", w.scopeB(), []string{w.acctX}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.Nodes(ctx, tt.scope, ids)
				if err != nil {
					t.Fatal(err)
				}
				var keys []string
				for k, v := range got {
					if v.ID != k {
						t.Errorf("key %s holds node %s", k, v.ID)
					}
					keys = append(keys, k)
				}
				diffIDs(t, "nodes", tt.want, sortStrings(keys))
			})
		}
		_, err := s.Nodes(ctx, graph.Scope{}, make([]string, 1001))
		wantCode(t, err, graph.EINVALID, "ids")
		if got, err := s.Nodes(ctx, graph.Scope{}, nil); err != nil || len(got) != 0 {
			t.Errorf("Nodes(nil) = %v, %v", got, err)
		}
	})
}

func TestNeighbourhood(t *testing.T) {
	s := graphtest.Open(t)
	ctx := context.Background()
	w := newInvWorld(t, s)
	allTx := w.ids("t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10", "t11", "tc0", "tc1", "tB1")
	noTx := []graph.Label{}
	for _, l := range graph.Labels {
		if l != graph.LabelTransaction {
			noTx = append(noTx, l)
		}
	}
	with := func(ids ...[]string) []string {
		var out []string
		for _, l := range ids {
			out = append(out, l...)
		}
		return sortStrings(out)
	}
	for _, tt := range []struct {
		name      string
		scope     graph.Scope
		q         graph.NeighbourhoodQuery
		nodes     []string
		edges     int
		more      []graph.MoreCount
		truncated bool
	}{
		{
			name:  "one hop, everything",
			q:     graph.NeighbourhoodQuery{IDs: []string{w.acctA}, Hops: 1},
			nodes: with([]string{w.acctA, w.alice, w.acctB, w.acctC, w.acctX}, allTx),
			edges: 1 + 15 + 4, // HOLDS, SENT/TO, FLOW A->B, A->C, C->A, X->A
		},
		{
			name:  "limit per node, most recent first",
			q:     graph.NeighbourhoodQuery{IDs: []string{w.acctA}, Hops: 1, LimitPerNode: 5, Filter: graph.Filter{RelTypes: []graph.RelType{graph.RelSent}}},
			nodes: with([]string{w.acctA}, w.ids("t11", "t10", "t9", "t8", "t7")),
			edges: 5,
			more:  []graph.MoreCount{{NodeID: w.acctA, Omitted: 7}},
		},
		{
			name:  "two hops without transactions",
			q:     graph.NeighbourhoodQuery{IDs: []string{w.alice}, Hops: 2, Filter: graph.Filter{Types: noTx}},
			nodes: with([]string{w.alice, w.acctA, w.email, w.phone, w.ua, w.acctB, w.acctC, w.acctX, w.handle, w.ip, w.report}),
			// HOLDS, USES_EMAIL, USES_PHONE, HAS_USER_ACCOUNT, 4 FLOW, HAS_HANDLE, 2 LOGGED_IN_FROM, SUBJECT_OF
			edges: 12,
		},
		{
			name: "two hops through transactions, bounded",
			q: graph.NeighbourhoodQuery{IDs: []string{w.acctB}, Hops: 2, LimitPerNode: 3,
				Filter: graph.Filter{RelTypes: []graph.RelType{graph.RelSent, graph.RelTo}}},
			// acctB <-TO- t9, t8, t7 (of 10); each transaction's payer acctA and payee acctB
			nodes: with([]string{w.acctB, w.acctA}, w.ids("t9", "t8", "t7")),
			edges: 3 + 3,
			more:  []graph.MoreCount{{NodeID: w.acctB, Omitted: 7}},
		},
		{
			name:  "time window",
			q:     graph.NeighbourhoodQuery{IDs: []string{w.acctA}, Hops: 1, Filter: graph.Filter{RelTypes: []graph.RelType{graph.RelSent, graph.RelTo}, From: invDay(5), To: invDay(21)}},
			nodes: with([]string{w.acctA}, w.ids("t5", "t6", "t7", "t8", "t9", "tc0")),
			edges: 6,
		},
		{
			name: "amounts",
			q: graph.NeighbourhoodQuery{IDs: []string{w.acctA}, Hops: 1, Filter: graph.Filter{
				RelTypes: []graph.RelType{graph.RelSent, graph.RelTo, graph.RelFlow}, MinAmount: invInt64(5000), MaxAmount: invInt64(9000)}},
			nodes: with([]string{w.acctA}, w.ids("t4", "t5", "t6", "t7", "t8")),
			edges: 5,
		},
		{
			name: "flow totals",
			q: graph.NeighbourhoodQuery{IDs: []string{w.acctA}, Hops: 1, Filter: graph.Filter{
				RelTypes: []graph.RelType{graph.RelFlow}, MinAmount: invInt64(55000)}},
			nodes: with([]string{w.acctA, w.acctB, w.acctC}), // A->B 55000, C->A 700500
			edges: 2,
		},
		{
			name:  "countries",
			q:     graph.NeighbourhoodQuery{IDs: []string{w.acctA}, Hops: 1, Filter: graph.Filter{RelTypes: []graph.RelType{graph.RelFlow}, Countries: []string{"phl"}}},
			nodes: with([]string{w.acctA, w.acctB, w.acctX}), // acctC is GB; acctX has no country
			edges: 2,
		},
		{
			name:  "partner A sees no FLOW and not B's payment",
			scope: w.scopeA(),
			q:     graph.NeighbourhoodQuery{IDs: []string{w.acctA}, Hops: 1},
			nodes: with([]string{w.acctA, w.alice}, w.ids("t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10", "t11", "tc0", "tc1")),
			edges: 15,
		},
		{
			name:  "partner B",
			scope: w.scopeB(),
			q:     graph.NeighbourhoodQuery{IDs: []string{w.acctA}, Hops: 2},
			nodes: with([]string{w.acctA, w.acctX}, w.ids("tB1")),
			edges: 2,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Neighbourhood(ctx, tt.scope, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			diffIDs(t, "nodes", tt.nodes, sortedIDs(got.Nodes))
			if len(got.Edges) != tt.edges {
				t.Errorf("%d edges, want %d: %v", len(got.Edges), tt.edges, got.Edges)
			}
			have := map[string]bool{}
			for _, n := range got.Nodes {
				have[n.ID] = true
			}
			for _, e := range got.Edges {
				if !have[e.From] || !have[e.To] {
					t.Errorf("edge %s has an end outside the nodes", e.ID)
				}
				if tt.scope.Partner != "" && e.Type == graph.RelFlow {
					t.Errorf("partner sees FLOW %s", e.ID)
				}
			}
			if tt.more == nil {
				tt.more = []graph.MoreCount{}
			}
			if fmt.Sprint(got.More) != fmt.Sprint(tt.more) {
				t.Errorf("more = %v, want %v", got.More, tt.more)
			}
			if got.Truncated != tt.truncated {
				t.Errorf("truncated = %t", got.Truncated)
			}
		})
	}

	t.Run("three hops", func(t *testing.T) {
		got, err := s.Neighbourhood(ctx, graph.Scope{}, graph.NeighbourhoodQuery{IDs: []string{w.email, w.phone}, Hops: 3, LimitPerNode: 500})
		if err != nil {
			t.Fatal(err)
		}
		// email, phone -> alice -> acctA, ua -> transactions, counterparties, handle, ip, report
		want := with([]string{w.email, w.phone, w.alice, w.acctA, w.ua, w.acctB, w.acctC, w.acctX, w.handle, w.ip, w.report}, allTx)
		diffIDs(t, "nodes", want, sortedIDs(got.Nodes))
	})

	t.Run("bad input", func(t *testing.T) {
		ok := graph.NeighbourhoodQuery{IDs: []string{w.acctA}, Hops: 1}
		for _, tt := range []struct {
			name, field, code string
			scope             graph.Scope
			change            func(q *graph.NeighbourhoodQuery)
		}{
			{"hops 0", "hops", graph.EINVALID, graph.Scope{}, func(q *graph.NeighbourhoodQuery) { q.Hops = 0 }},
			{"hops 4", "hops", graph.EINVALID, graph.Scope{}, func(q *graph.NeighbourhoodQuery) { q.Hops = 4 }},
			{"no ids", "ids", graph.EINVALID, graph.Scope{}, func(q *graph.NeighbourhoodQuery) { q.IDs = nil }},
			{"51 ids", "ids", graph.EINVALID, graph.Scope{}, func(q *graph.NeighbourhoodQuery) { q.IDs = make([]string, 51) }},
			{"limit", "limitPerNode", graph.EINVALID, graph.Scope{}, func(q *graph.NeighbourhoodQuery) { q.LimitPerNode = 501 }},
			{"label", "types", graph.EINVALID, graph.Scope{}, func(q *graph.NeighbourhoodQuery) { q.Filter.Types = []graph.Label{"Person) DETACH DELETE (n"} }},
			{"type", "relTypes", graph.EINVALID, graph.Scope{}, func(q *graph.NeighbourhoodQuery) { q.Filter.RelTypes = []graph.RelType{"KNOWS"} }},
			{"country", "countries", graph.EINVALID, graph.Scope{}, func(q *graph.NeighbourhoodQuery) { q.Filter.Countries = []string{"Atlantis"} }},
			{"window", "to", graph.EINVALID, graph.Scope{}, func(q *graph.NeighbourhoodQuery) { q.Filter.From, q.Filter.To = invDay(2), invDay(1) }},
			{"amounts", "minAmount", graph.EINVALID, graph.Scope{}, func(q *graph.NeighbourhoodQuery) {
				q.Filter.MinAmount, q.Filter.MaxAmount = invInt64(10), invInt64(1)
			}},
			{"unknown id", "not found", graph.ENOTFOUND, graph.Scope{}, func(q *graph.NeighbourhoodQuery) { q.IDs = []string{w.acctA, w.p + "nobody"} }},
			{"outside the scope", "not found", graph.ENOTFOUND, w.scopeA(), func(q *graph.NeighbourhoodQuery) { q.IDs = []string{w.acctX} }},
		} {
			t.Run(tt.name, func(t *testing.T) {
				q := ok
				tt.change(&q)
				_, err := s.Neighbourhood(ctx, tt.scope, q)
				wantCode(t, err, tt.code, tt.field)
			})
		}
	})
}

func TestTransactions(t *testing.T) {
	s := graphtest.Open(t)
	ctx := context.Background()
	w := newInvWorld(t, s)
	newestFirst := w.ids("tB1", "t11", "t10", "tc1", "tc0", "t9", "t8", "t7", "t6", "t5", "t4", "t3", "t2", "t1", "t0")
	rowIDs := func(rows []graph.TransactionRow) []string {
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = r.Tx.ID
		}
		return out
	}
	for _, tt := range []struct {
		name  string
		scope graph.Scope
		q     graph.TransactionsQuery
		want  []string
	}{
		{"account", graph.Scope{}, graph.TransactionsQuery{Account: w.acctA}, newestFirst},
		{"party's accounts", graph.Scope{}, graph.TransactionsQuery{Account: w.alice}, newestFirst},
		{"out", graph.Scope{}, graph.TransactionsQuery{Account: w.acctA, Direction: graph.DirectionOut}, w.ids("t11", "t10", "t9", "t8", "t7", "t6", "t5", "t4", "t3", "t2", "t1", "t0")},
		{"in", graph.Scope{}, graph.TransactionsQuery{Account: w.acctA, Direction: graph.DirectionIn}, w.ids("tB1", "tc1", "tc0")},
		{"window", graph.Scope{}, graph.TransactionsQuery{Account: w.acctA, From: invDay(8), To: invDay(21)}, w.ids("tc0", "t9", "t8")},
		{"partner A", w.scopeA(), graph.TransactionsQuery{Account: w.acctA}, newestFirst[1:]},
		{"partner B", w.scopeB(), graph.TransactionsQuery{Account: w.acctA}, w.ids("tB1")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.Transactions(ctx, tt.scope, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			diffIDs(t, "transactions", tt.want, rowIDs(page.Rows))
			if page.HasNextPage {
				t.Error("HasNextPage on the only page")
			}
		})
	}

	t.Run("row", func(t *testing.T) {
		page, err := s.Transactions(ctx, graph.Scope{}, graph.TransactionsQuery{Account: w.acctB, First: 1})
		if err != nil {
			t.Fatal(err)
		}
		r := page.Rows[0]
		if r.Tx.ID != w.tx["t9"] || r.From.ID != w.acctA || r.To.ID != w.acctB || r.Amount != 10000 || r.Currency != "EUR" ||
			!r.Timestamp.Equal(invDay(9)) || !page.HasNextPage {
			t.Errorf("row = %+v, next %t", r, page.HasNextPage)
		}
	})

	t.Run("keyset pages across equal timestamps", func(t *testing.T) {
		var got []string
		after := ""
		for i := 0; ; i++ {
			page, err := s.Transactions(ctx, graph.Scope{}, graph.TransactionsQuery{Account: w.acctA, First: 2, After: after})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, rowIDs(page.Rows)...)
			if !page.HasNextPage {
				break
			}
			if i > 8 {
				t.Fatal("more pages than transactions")
			}
			after = page.EndCursor
		}
		diffIDs(t, "pages", newestFirst, got)
	})

	t.Run("without timestamps, last and paged", func(t *testing.T) {
		acctN := graph.AccountID(w.srcA.Partner, w.p+"N1")
		b := graph.Batch{Nodes: []graph.Node{{Label: graph.LabelBankAccount, ID: acctN, Ref: graph.Ref{Line: 90}}}}
		var want []string
		for i, name := range []string{"n2", "n0", "n1"} {
			id := graph.TransactionID(w.srcA.Partner, name)
			props := map[string]any{"amount": int64(1), "currency": "EUR"}
			if name == "n2" {
				props["timestamp"] = invDay(50)
			}
			want = append(want, id)
			ref := graph.Ref{Line: 91 + i, Record: name}
			b.Nodes = append(b.Nodes, graph.Node{Label: graph.LabelTransaction, ID: id, Props: props, Ref: ref})
			b.Edges = append(b.Edges, graph.Edge{Type: graph.RelSent, From: acctN, To: id, Ref: ref}, graph.Edge{Type: graph.RelTo, From: id, To: w.acctB, Ref: ref})
		}
		if _, err := s.WriteBatch(ctx, w.srcA, b); err != nil {
			t.Fatal(err)
		}
		want[1], want[2] = want[2], want[1] // n2 (timed), then n1, n0 by id descending
		var got []string
		after := ""
		for i := 0; i < 5; i++ {
			page, err := s.Transactions(ctx, graph.Scope{}, graph.TransactionsQuery{Account: acctN, First: 1, After: after})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, rowIDs(page.Rows)...)
			if !page.HasNextPage {
				break
			}
			after = page.EndCursor
		}
		diffIDs(t, "pages", want, got)
	})

	t.Run("bad input", func(t *testing.T) {
		search, err := s.Search(ctx, graph.Scope{}, graph.SearchQuery{Text: w.p, First: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name, field, code string
			scope             graph.Scope
			q                 graph.TransactionsQuery
		}{
			{"unknown", "not found", graph.ENOTFOUND, graph.Scope{}, graph.TransactionsQuery{Account: w.p + "nobody"}},
			{"outside the scope", "not found", graph.ENOTFOUND, w.scopeB(), graph.TransactionsQuery{Account: w.alice}},
			{"empty", "account", graph.EINVALID, graph.Scope{}, graph.TransactionsQuery{}},
			{"direction", "direction", graph.EINVALID, graph.Scope{}, graph.TransactionsQuery{Account: w.acctA, Direction: "SIDEWAYS"}},
			{"first", "first", graph.EINVALID, graph.Scope{}, graph.TransactionsQuery{Account: w.acctA, First: 501}},
			{"bad cursor", "after", graph.EINVALID, graph.Scope{}, graph.TransactionsQuery{Account: w.acctA, After: "%%%"}},
			{"search cursor", "after", graph.EINVALID, graph.Scope{}, graph.TransactionsQuery{Account: w.acctA, After: search.EndCursor}},
			{"window", "to", graph.EINVALID, graph.Scope{}, graph.TransactionsQuery{Account: w.acctA, From: invDay(3), To: invDay(2)}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.Transactions(ctx, tt.scope, tt.q)
				wantCode(t, err, tt.code, tt.field)
			})
		}
	})
}

func TestTimeline(t *testing.T) {
	s := graphtest.Open(t)
	ctx := context.Background()
	w := newInvWorld(t, s)
	type ev struct {
		kind graph.EventKind
		node string
		at   time.Time
	}
	events := func(tl graph.Timeline) []ev {
		out := make([]ev, len(tl.Events))
		for i, e := range tl.Events {
			out[i] = ev{e.Kind, e.Node.ID, e.At}
		}
		return out
	}

	t.Run("platform account", func(t *testing.T) {
		tl, err := s.Timeline(ctx, graph.Scope{}, w.ua, graph.TimelineQuery{})
		if err != nil {
			t.Fatal(err)
		}
		want := []ev{
			{graph.EventFirstSeen, "", invDay(1)},
			{graph.EventLogin, w.ip, invDay(3)},
			{graph.EventSubjectOf, w.report, invDay(4)},
			{graph.EventLogin, w.ip, invDay(5)},
		}
		got := events(tl)
		if len(got) == 4 {
			got[0].node = "" // the Source node, whose id is not an entity id
			if tl.Events[0].Detail != w.srcA.Partner || tl.Events[0].Node.Label != graph.LabelSource || tl.Events[1].Detail != "login" {
				t.Errorf("details = %+v", tl.Events)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || tl.HasMore {
			t.Errorf("events (-want +got):\n-%v\n+%v (more %t)", want, got, tl.HasMore)
		}
		if len(tl.Buckets) != 4 || tl.Buckets[0].Events != 1 || !tl.Buckets[0].Start.Equal(invDay(1).Truncate(24*time.Hour)) {
			t.Errorf("buckets = %+v", tl.Buckets)
		}
	})

	t.Run("party: payments of its accounts, month buckets", func(t *testing.T) {
		tl, err := s.Timeline(ctx, graph.Scope{}, w.alice, graph.TimelineQuery{First: 10, Bucket: "month"})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range tl.Events {
			if e.Kind != graph.EventSent {
				t.Errorf("event %+v, want sent", e)
			}
			got = append(got, e.Node.ID)
		}
		diffIDs(t, "events", w.ids("t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"), got)
		if !tl.HasMore || tl.Events[3].Amount != 4000 || tl.Events[3].Currency != "EUR" {
			t.Errorf("more = %t, event 3 = %+v", tl.HasMore, tl.Events[3])
		}
		want := []graph.TimelineBucket{
			{Start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Events: 14, Amounts: []graph.BucketAmount{{Currency: "EUR", In: 700500, Out: 55200, Count: 14}}},
			{Start: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), Events: 1, Amounts: []graph.BucketAmount{{Currency: "EUR", In: 3000, Count: 1}}},
		}
		if fmt.Sprint(tl.Buckets) != fmt.Sprint(want) {
			t.Errorf("buckets (-want +got):\n-%v\n+%v", want, tl.Buckets)
		}
	})

	t.Run("window and week buckets", func(t *testing.T) {
		tl, err := s.Timeline(ctx, graph.Scope{}, w.alice, graph.TimelineQuery{From: invDay(5), To: invDay(10), Bucket: "week"})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range tl.Events {
			got = append(got, e.Node.ID)
		}
		diffIDs(t, "events", w.ids("t5", "t6", "t7", "t8", "t9"), got)
		// Days 5-9 are Mon 6 Jan to Fri 10 Jan 2025: one week.
		if len(tl.Buckets) != 1 || tl.Buckets[0].Events != 5 || !tl.Buckets[0].Start.Equal(time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("buckets = %+v", tl.Buckets)
		}
	})

	t.Run("partner B sees its own", func(t *testing.T) {
		tl, err := s.Timeline(ctx, w.scopeB(), w.acctA, graph.TimelineQuery{})
		if err != nil {
			t.Fatal(err)
		}
		// B wrote acctA with its payment: first seen at the same instant, and listed first.
		got := events(tl)
		if len(got) != 2 || got[0].kind != graph.EventFirstSeen || tl.Events[0].Detail != w.srcB.Partner ||
			got[1].kind != graph.EventReceived || got[1].node != w.tx["tB1"] {
			t.Errorf("events = %+v", tl.Events)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for _, tt := range []struct {
			name, field, code string
			scope             graph.Scope
			id                string
			q                 graph.TimelineQuery
		}{
			{"unknown", "not found", graph.ENOTFOUND, graph.Scope{}, w.p + "nobody", graph.TimelineQuery{}},
			{"outside the scope", "not found", graph.ENOTFOUND, w.scopeB(), w.ua, graph.TimelineQuery{}},
			{"bucket", "bucket", graph.EINVALID, graph.Scope{}, w.ua, graph.TimelineQuery{Bucket: "year"}},
			{"first", "first", graph.EINVALID, graph.Scope{}, w.ua, graph.TimelineQuery{First: 1001}},
			{"window", "to", graph.EINVALID, graph.Scope{}, w.ua, graph.TimelineQuery{From: invDay(2), To: invDay(1)}},
			{"empty id", "id", graph.EINVALID, graph.Scope{}, "", graph.TimelineQuery{}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.Timeline(ctx, tt.scope, tt.id, tt.q)
				wantCode(t, err, tt.code, tt.field)
			})
		}
	})
}
