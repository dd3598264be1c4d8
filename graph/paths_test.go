package graph_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/graphtest"
)

// The path tests share one small world, written through the public writer by two partners:
//
// Links (bank): people S, T, m, x, y, w1, w2, w3 and Z, with routes from S to T of 2, 3 and 4
// hops (S-m-T by ASSOCIATE_OF, S-x-y-T by FAMILY_OF, S-w1-w2-w3-T by LINKED_TO; x lives in GB),
// and Z alone. The direct S-T LINKED_TO comes from bank2 only, so bank sees S and T two hops
// apart.
//
// Money (bank, EUR unless said): P holds A, Q holds D. The layering chain A->B->C->D pays
// 10000, 9700, 9500 at t0, t0+2d, t0+5d. Decoys: A->E->D (E pays D before A pays E), A->F->D
// (5000 then 8000: grows), A->G->D (9000 paid 40 days later: outside the default window),
// A->H->D (H pays in USD). bank2 records A->D directly (7000 at t0+1d).
//
// Weighted (bank): K1->K2 pays 100, K1->K3->K2 pays 10^9 twice: one hop of little money against
// two of much.
type pathsWorld struct {
	store       *graph.Store
	prefix      string
	bank, bank2 string
	person      func(key string) string
	acct        func(key string) string
	tx          func(partner, key string) string
	t0          time.Time
	bankSrc     graph.Source
	bank2Src    graph.Source
}

func newPathsWorld(t *testing.T) *pathsWorld {
	t.Helper()
	s := graphtest.Open(t)
	ctx := context.Background()
	p := graphtest.Prefix(t)
	w := &pathsWorld{store: s, prefix: p, bank: p + "-bank", bank2: p + "-bank2",
		t0: time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)}
	w.bankSrc = graph.Source{Partner: w.bank, Dataset: "t", File: "t.csv"}
	w.bank2Src = graph.Source{Partner: w.bank2, Dataset: "t", File: "t.csv"}
	w.person = func(key string) string { return graph.PartyID(graph.LabelPerson, w.bank, key) }
	w.acct = func(key string) string { return graph.AccountID(w.bank, key) }
	w.tx = func(partner, key string) string { return graph.TransactionID(partner, key) }
	t.Cleanup(func() {
		query(t, s, `MATCH (n:Entity) WHERE n.id CONTAINS $p DETACH DELETE n`, map[string]any{"p": p})
		query(t, s, `MATCH (n:Source) WHERE n.partner IN $partners DETACH DELETE n`, map[string]any{"partners": []string{w.bank, w.bank2}})
	})

	var links, money graph.Batch
	ref := graph.Ref{Line: 1}
	for _, k := range []string{"S", "T", "m", "x", "y", "w1", "w2", "w3", "Z", "P", "Q"} {
		props := map[string]any{"name": k}
		if k == "x" {
			props["country"] = "GB"
		}
		links.Nodes = append(links.Nodes, graph.Node{Label: graph.LabelPerson, ID: w.person(k), Props: props, Ref: ref})
	}
	for _, e := range []struct {
		typ      graph.RelType
		from, to string
	}{
		{graph.RelAssociateOf, "S", "m"}, {graph.RelAssociateOf, "m", "T"},
		{graph.RelFamilyOf, "S", "x"}, {graph.RelFamilyOf, "x", "y"}, {graph.RelFamilyOf, "y", "T"},
		{graph.RelLinkedTo, "S", "w1"}, {graph.RelLinkedTo, "w1", "w2"}, {graph.RelLinkedTo, "w2", "w3"}, {graph.RelLinkedTo, "w3", "T"},
	} {
		links.Edges = append(links.Edges, graph.Edge{Type: e.typ, From: w.person(e.from), To: w.person(e.to), Ref: ref})
	}
	if _, err := s.WriteBatch(ctx, w.bankSrc, links); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteBatch(ctx, w.bank2Src, graph.Batch{Edges: []graph.Edge{
		{Type: graph.RelLinkedTo, From: w.person("S"), To: w.person("T"), Ref: ref},
	}}); err != nil {
		t.Fatal(err)
	}

	day := 24 * time.Hour
	pay := func(b *graph.Batch, partner, key, from, to string, amount int64, currency string, at time.Time) {
		id := w.tx(partner, key)
		r := graph.Ref{Line: len(b.Nodes) + 2, Record: key, Seen: at}
		b.Nodes = append(b.Nodes,
			graph.Node{Label: graph.LabelBankAccount, ID: w.acct(from), Props: map[string]any{"accountNumber": from}, Ref: r},
			graph.Node{Label: graph.LabelBankAccount, ID: w.acct(to), Props: map[string]any{"accountNumber": to}, Ref: r},
			graph.Node{Label: graph.LabelTransaction, ID: id, Ref: r,
				Props: map[string]any{"transactionId": key, "amount": amount, "currency": currency, "timestamp": at, "channel": "bank_transfer"}})
		b.Edges = append(b.Edges, graph.Edge{Type: graph.RelSent, From: w.acct(from), To: id, Ref: r},
			graph.Edge{Type: graph.RelTo, From: id, To: w.acct(to), Ref: r})
	}
	t0 := w.t0
	pay(&money, w.bank, "t1", "A", "B", 10000, "EUR", t0)
	pay(&money, w.bank, "t2", "B", "C", 9700, "EUR", t0.Add(2*day))
	pay(&money, w.bank, "t3", "C", "D", 9500, "EUR", t0.Add(5*day))
	pay(&money, w.bank, "e1", "A", "E", 10000, "EUR", t0.Add(3*day))
	pay(&money, w.bank, "e2", "E", "D", 9900, "EUR", t0.Add(day))
	pay(&money, w.bank, "f1", "A", "F", 5000, "EUR", t0)
	pay(&money, w.bank, "f2", "F", "D", 8000, "EUR", t0.Add(day))
	pay(&money, w.bank, "g1", "A", "G", 10000, "EUR", t0)
	pay(&money, w.bank, "g2", "G", "D", 9000, "EUR", t0.Add(40*day))
	pay(&money, w.bank, "h1", "A", "H", 10000, "EUR", t0)
	pay(&money, w.bank, "h2", "H", "D", 9000, "USD", t0.Add(day))
	pay(&money, w.bank, "k12", "K1", "K2", 100, "EUR", t0)
	pay(&money, w.bank, "k13", "K1", "K3", 1_000_000_000, "EUR", t0)
	pay(&money, w.bank, "k32", "K3", "K2", 1_000_000_000, "EUR", t0.Add(day))
	money.Edges = append(money.Edges,
		graph.Edge{Type: graph.RelHolds, From: w.person("P"), To: w.acct("A"), Ref: ref},
		graph.Edge{Type: graph.RelHolds, From: w.person("Q"), To: w.acct("D"), Ref: ref})
	if _, err := s.WriteBatch(ctx, w.bankSrc, money); err != nil {
		t.Fatal(err)
	}
	var direct graph.Batch
	pay(&direct, w.bank2, "ad", "A", "D", 7000, "EUR", t0.Add(day))
	if _, err := s.WriteBatch(ctx, w.bank2Src, direct); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checkNoProjections(t, s) })
	return w
}

// checkNoProjections fails t when a GDS projection that Paths creates is left over.
func checkNoProjections(t *testing.T, s *graph.Store) {
	t.Helper()
	recs := query(t, s, `CALL gds.graph.list() YIELD graphName WHERE graphName STARTS WITH 'paths-' RETURN collect(graphName) AS names`, nil)
	if names := one[[]any](t, recs, "names"); len(names) > 0 {
		t.Errorf("projections left behind: %v", names)
	}
}

// pathIDs is the node ids of each path.
func pathIDs(paths []graph.Path) [][]string {
	out := make([][]string, len(paths))
	for i, p := range paths {
		for _, n := range p.Nodes {
			out[i] = append(out[i], n.ID)
		}
	}
	return out
}

func pathsInt(v int) *int { return &v }

func pathsInt64(v int64) *int64 { return &v }

func TestPathsLinks(t *testing.T) {
	w := newPathsWorld(t)
	ctx := context.Background()
	S, T, m, x, y := w.person("S"), w.person("T"), w.person("m"), w.person("x"), w.person("y")
	w1, w2, w3, Z := w.person("w1"), w.person("w2"), w.person("w3"), w.person("Z")
	all, bank, bank2 := graph.Scope{}, graph.Scope{Partner: w.bank}, graph.Scope{Partner: w.bank2}
	for _, tt := range []struct {
		name      string
		scope     graph.Scope
		q         graph.PathQuery
		want      [][]string
		wantCosts []float64 // when set
	}{
		{"shortest", all, graph.PathQuery{From: S, To: T}, [][]string{{S, T}}, []float64{1}},
		{"shortest in bank's scope avoids bank2's link", bank, graph.PathQuery{From: S, To: T}, [][]string{{S, m, T}}, nil},
		{"shortest by one relationship type", all, graph.PathQuery{From: S, To: T, Filter: graph.PathFilter{RelTypes: []graph.RelType{graph.RelFamilyOf}}},
			[][]string{{S, x, y, T}}, []float64{3}},
		{"shortest too far for maxHops", all, graph.PathQuery{From: S, To: T, MaxHops: pathsInt(2), Filter: graph.PathFilter{RelTypes: []graph.RelType{graph.RelFamilyOf}}},
			nil, nil},
		{"shortest avoiding a country", all, graph.PathQuery{From: S, To: T, Filter: graph.PathFilter{RelTypes: []graph.RelType{graph.RelFamilyOf}, Countries: []string{"fr"}}},
			nil, nil},
		{"shortest through a country", all, graph.PathQuery{From: S, To: T, Filter: graph.PathFilter{RelTypes: []graph.RelType{graph.RelFamilyOf}, Countries: []string{"GB"}}},
			[][]string{{S, x, y, T}}, nil},
		{"shortest through labels that are not there", all, graph.PathQuery{From: S, To: y, Filter: graph.PathFilter{Types: []graph.Label{graph.LabelCompany}}},
			nil, nil},
		{"directed along", all, graph.PathQuery{From: S, To: T, Directed: true}, [][]string{{S, T}}, nil},
		{"directed against", all, graph.PathQuery{From: T, To: S, Directed: true}, nil, nil},
		{"no path", all, graph.PathQuery{From: S, To: Z}, nil, nil},
		{"all shortest", all, graph.PathQuery{From: S, To: y, Kind: graph.PathAllShortest}, [][]string{{S, T, y}, {S, x, y}}, []float64{2, 2}},
		{"all shortest in bank's scope", bank, graph.PathQuery{From: S, To: y, Kind: graph.PathAllShortest}, [][]string{{S, x, y}}, nil},
		{"k shortest", all, graph.PathQuery{From: S, To: T, Kind: graph.PathKShortest},
			[][]string{{S, T}, {S, m, T}, {S, x, y, T}}, []float64{1, 2, 3}},
		{"k shortest, all within 4 hops", all, graph.PathQuery{From: S, To: T, Kind: graph.PathKShortest, K: pathsInt(10), MaxHops: pathsInt(4)},
			[][]string{{S, T}, {S, m, T}, {S, x, y, T}, {S, w1, w2, w3, T}}, nil},
		{"k shortest, all within 3 hops", all, graph.PathQuery{From: S, To: T, Kind: graph.PathKShortest, K: pathsInt(10), MaxHops: pathsInt(3)},
			[][]string{{S, T}, {S, m, T}, {S, x, y, T}}, nil},
		{"k shortest in bank's scope", bank, graph.PathQuery{From: S, To: T, Kind: graph.PathKShortest, K: pathsInt(2)},
			[][]string{{S, m, T}, {S, x, y, T}}, nil},
		{"k shortest directed against", all, graph.PathQuery{From: T, To: S, Kind: graph.PathKShortest, Directed: true}, nil, nil},
		{"k shortest, no path", all, graph.PathQuery{From: S, To: Z, Kind: graph.PathKShortest}, nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := w.store.Paths(ctx, tt.scope, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := pathIDs(res.Paths); !reflect.DeepEqual(got, pathsNonNil(tt.want)) {
				t.Errorf("paths (-want +got):\n- %v\n+ %v", tt.want, got)
			}
			if res.Truncated {
				t.Errorf("truncated: %s", res.Reason)
			}
			for i, c := range tt.wantCosts {
				if i < len(res.Paths) && (res.Paths[i].Cost != c || res.Paths[i].Hops != int(c)) {
					t.Errorf("path %d: cost %v hops %d, want %v", i, res.Paths[i].Cost, res.Paths[i].Hops, c)
				}
			}
			for _, p := range res.Paths {
				checkPathShape(t, p)
			}
		})
	}

	// The ends must be seen by the scope: S and T are bank's.
	_, err := w.store.Paths(ctx, bank2, graph.PathQuery{From: S, To: T})
	if graph.ErrorCode(err) != graph.ENOTFOUND || !strings.Contains(graph.ErrorMessage(err), "from") {
		t.Errorf("bank2 asking for bank's people: err = %v, want ENOTFOUND naming from", err)
	}
}

func pathsNonNil(v [][]string) [][]string {
	if v == nil {
		return [][]string{}
	}
	return v
}

// checkPathShape checks that each edge joins the nodes beside it, in either direction.
func checkPathShape(t *testing.T, p graph.Path) {
	t.Helper()
	if len(p.Edges) != len(p.Nodes)-1 {
		t.Fatalf("%d nodes and %d edges", len(p.Nodes), len(p.Edges))
	}
	for i, e := range p.Edges {
		a, b := p.Nodes[i].ID, p.Nodes[i+1].ID
		if !(e.From == a && e.To == b) && !(e.From == b && e.To == a) {
			t.Errorf("edge %d %s joins %s and %s, not %s and %s", i, e.Type, e.From, e.To, a, b)
		}
	}
}

func TestPathsWeightedByAmount(t *testing.T) {
	w := newPathsWorld(t)
	ctx := context.Background()
	K1, K2, K3 := w.acct("K1"), w.acct("K2"), w.acct("K3")
	t12, t13, t32 := w.tx(w.bank, "k12"), w.tx(w.bank, "k13"), w.tx(w.bank, "k32")
	for _, tt := range []struct {
		name  string
		scope graph.Scope
		q     graph.PathQuery
		want  [][]string
	}{
		// Link analysis: a payment is two hops through its transaction.
		{"hops", graph.Scope{}, graph.PathQuery{From: K1, To: K2, Kind: graph.PathKShortest, K: pathsInt(2)},
			[][]string{{K1, t12, K2}, {K1, t13, K3, t32, K2}}},
		{"hops, large payments only", graph.Scope{}, graph.PathQuery{From: K1, To: K2, Filter: graph.PathFilter{MinAmount: pathsInt64(1000)}},
			[][]string{{K1, t13, K3, t32, K2}}},
		{"hops, not through transactions", graph.Scope{}, graph.PathQuery{From: K1, To: K2, Filter: graph.PathFilter{Types: []graph.Label{graph.LabelBankAccount}}},
			[][]string{}},
		{"hops, payments before they happened", graph.Scope{}, graph.PathQuery{From: K1, To: K2, Filter: graph.PathFilter{To: w.t0.Add(-time.Hour)}},
			[][]string{}},
		// By amount over the whole graph: FLOW, the larger flows first.
		{"amount", graph.Scope{}, graph.PathQuery{From: K1, To: K2, Kind: graph.PathKShortest, K: pathsInt(2), Weight: graph.WeightAmount},
			[][]string{{K1, K3, K2}, {K1, K2}}},
		{"shortest by amount", graph.Scope{}, graph.PathQuery{From: K1, To: K2, Weight: graph.WeightAmount},
			[][]string{{K1, K3, K2}}},
		// A partner does not see FLOW: its transactions, weighed by their amounts.
		{"amount in a partner's scope", graph.Scope{Partner: w.bank}, graph.PathQuery{From: K1, To: K2, Kind: graph.PathKShortest, K: pathsInt(2), Weight: graph.WeightAmount},
			[][]string{{K1, t13, K3, t32, K2}, {K1, t12, K2}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := w.store.Paths(ctx, tt.scope, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := pathIDs(res.Paths); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("paths (-want +got):\n- %v\n+ %v", tt.want, got)
			}
			for i := 1; i < len(res.Paths); i++ {
				if res.Paths[i].Cost < res.Paths[i-1].Cost {
					t.Errorf("path %d costs %v, less than the one before (%v)", i, res.Paths[i].Cost, res.Paths[i-1].Cost)
				}
			}
			for _, p := range res.Paths {
				checkPathShape(t, p)
			}
		})
	}
}

func TestMoneyTrail(t *testing.T) {
	w := newPathsWorld(t)
	ctx := context.Background()
	P, Q := w.person("P"), w.person("Q")
	A, B, C, D, F, G, H := w.acct("A"), w.acct("B"), w.acct("C"), w.acct("D"), w.acct("F"), w.acct("G"), w.acct("H")
	tx := func(k string) string { return w.tx(w.bank, k) }
	ad := w.tx(w.bank2, "ad")
	chain := []string{A, tx("t1"), B, tx("t2"), C, tx("t3"), D}
	day := 24 * time.Hour
	window := func(d time.Duration) *time.Duration { return &d }
	ratio := func(v float64) *float64 { return &v }
	all, bank, bank2 := graph.Scope{}, graph.Scope{Partner: w.bank}, graph.Scope{Partner: w.bank2}
	trail := func(opts graph.MoneyTrailOptions) graph.PathQuery {
		return graph.PathQuery{From: A, To: D, Kind: graph.PathMoneyTrail, MoneyTrail: opts}
	}
	for _, tt := range []struct {
		name      string
		scope     graph.Scope
		q         graph.PathQuery
		want      [][]string
		truncated bool
	}{
		{"fewest hops first", all, trail(graph.MoneyTrailOptions{}), [][]string{{A, ad, D}, chain}, false},
		{"bank's trail", bank, trail(graph.MoneyTrailOptions{}), [][]string{chain}, false},
		{"bank2's trail", bank2, trail(graph.MoneyTrailOptions{}), [][]string{{A, ad, D}}, false},
		{"from party to party", bank, graph.PathQuery{From: P, To: Q, Kind: graph.PathMoneyTrail},
			[][]string{append(append([]string{P}, chain...), Q)}, false},
		{"wider window", bank, trail(graph.MoneyTrailOptions{Window: window(60 * day)}),
			[][]string{{A, tx("g1"), G, tx("g2"), D}, chain}, false},
		{"wider window by amount delivered", bank, graph.PathQuery{From: A, To: D, Kind: graph.PathMoneyTrail, Weight: graph.WeightAmount,
			MoneyTrail: graph.MoneyTrailOptions{Window: window(60 * day)}},
			[][]string{chain, {A, tx("g1"), G, tx("g2"), D}}, false},
		{"growth allowed", bank, trail(graph.MoneyTrailOptions{Growth: ratio(0.7)}),
			[][]string{{A, tx("f1"), F, tx("f2"), D}, chain}, false},
		{"no shrink allowed", bank, trail(graph.MoneyTrailOptions{MaxShrink: ratio(0.01)}), nil, false},
		{"any currency", bank, trail(graph.MoneyTrailOptions{AnyCurrency: true}),
			[][]string{{A, tx("h1"), H, tx("h2"), D}, chain}, false},
		{"other currency", bank, trail(graph.MoneyTrailOptions{Currency: "usd"}), nil, false},
		{"too few hops", bank, graph.PathQuery{From: A, To: D, Kind: graph.PathMoneyTrail, MaxHops: pathsInt(2)}, nil, false},
		{"time filter", bank, graph.PathQuery{From: A, To: D, Kind: graph.PathMoneyTrail, Filter: graph.PathFilter{To: w.t0.Add(3 * day)}}, nil, false},
		{"limit", all, trail(graph.MoneyTrailOptions{Limit: pathsInt(1)}), [][]string{{A, ad, D}}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := w.store.Paths(ctx, tt.scope, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := pathIDs(res.Paths); !reflect.DeepEqual(got, pathsNonNil(tt.want)) {
				t.Errorf("trails (-want +got):\n- %v\n+ %v", tt.want, got)
			}
			if res.Truncated != tt.truncated {
				t.Errorf("truncated = %t (%s), want %t", res.Truncated, res.Reason, tt.truncated)
			}
			for _, p := range res.Paths {
				checkPathShape(t, p)
				if len(p.Amounts) != p.Hops || len(p.Times) != p.Hops || len(p.Currencies) != p.Hops {
					t.Errorf("%d hops with %d amounts, %d times, %d currencies", p.Hops, len(p.Amounts), len(p.Times), len(p.Currencies))
				}
			}
		})
	}

	t.Run("hops, amounts and times of the chain", func(t *testing.T) {
		res, err := w.store.Paths(ctx, bank, graph.PathQuery{From: P, To: Q, Kind: graph.PathMoneyTrail})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Paths) != 1 {
			t.Fatalf("%d trails, want 1", len(res.Paths))
		}
		p := res.Paths[0]
		want := graph.Path{Hops: 3, Cost: 3, Amounts: []int64{10000, 9700, 9500},
			Times: []time.Time{w.t0, w.t0.Add(2 * day), w.t0.Add(5 * day)}, Currencies: []string{"EUR", "EUR", "EUR"}}
		got := graph.Path{Hops: p.Hops, Cost: p.Cost, Amounts: p.Amounts, Times: p.Times, Currencies: p.Currencies}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("trail (-want +got):\n- %+v\n+ %+v", want, got)
		}
		var types []string
		for _, e := range p.Edges {
			types = append(types, fmt.Sprintf("%s:%s->%s", e.Type, e.From, e.To))
		}
		wantTypes := []string{
			"HOLDS:" + P + "->" + A,
			"SENT:" + A + "->" + tx("t1"), "TO:" + tx("t1") + "->" + B,
			"SENT:" + B + "->" + tx("t2"), "TO:" + tx("t2") + "->" + C,
			"SENT:" + C + "->" + tx("t3"), "TO:" + tx("t3") + "->" + D,
			"HOLDS:" + Q + "->" + D,
		}
		if !reflect.DeepEqual(types, wantTypes) {
			t.Errorf("edges (-want +got):\n- %v\n+ %v", wantTypes, types)
		}
		if got := p.Nodes[2].Props["amount"]; got != int64(10000) {
			t.Errorf("first transaction's amount property = %v", got)
		}
	})
}

func TestPathsRefusesBadInput(t *testing.T) {
	w := newPathsWorld(t)
	ctx := context.Background()
	S, T := w.person("S"), w.person("T")
	window := func(d time.Duration) *time.Duration { return &d }
	amount := func(v int64) *int64 { return &v }
	for _, tt := range []struct {
		name  string
		scope graph.Scope
		q     graph.PathQuery
		code  string
		field string // the message starts with it
	}{
		{"unknown from", graph.Scope{}, graph.PathQuery{From: w.prefix + "nobody", To: T}, graph.ENOTFOUND, "from"},
		{"unknown to", graph.Scope{}, graph.PathQuery{From: S, To: w.prefix + "nobody"}, graph.ENOTFOUND, "to"},
		{"injection as id", graph.Scope{}, graph.PathQuery{From: "x'}) MATCH (n) DETACH DELETE n //", To: T}, graph.ENOTFOUND, "from"},
		{"injection as id, money trail", graph.Scope{}, graph.PathQuery{From: S, To: "\" OR 1=1 RETURN *", Kind: graph.PathMoneyTrail}, graph.ENOTFOUND, "to"},
		{"outside the scope", graph.Scope{Partner: w.bank2}, graph.PathQuery{From: S, To: T, Kind: graph.PathKShortest}, graph.ENOTFOUND, "from"},
		{"unknown partner", graph.Scope{Partner: w.prefix + "-nobody"}, graph.PathQuery{From: S, To: T}, graph.ENOTFOUND, "from"},
		{"empty from", graph.Scope{}, graph.PathQuery{To: T}, graph.EINVALID, "from"},
		{"same ends", graph.Scope{}, graph.PathQuery{From: S, To: S}, graph.EINVALID, "to"},
		{"k 0", graph.Scope{}, graph.PathQuery{From: S, To: T, Kind: graph.PathKShortest, K: pathsInt(0)}, graph.EINVALID, "k"},
		{"k 11", graph.Scope{}, graph.PathQuery{From: S, To: T, Kind: graph.PathKShortest, K: pathsInt(11)}, graph.EINVALID, "k"},
		{"maxHops 0", graph.Scope{}, graph.PathQuery{From: S, To: T, MaxHops: pathsInt(0)}, graph.EINVALID, "maxHops"},
		{"maxHops 99", graph.Scope{}, graph.PathQuery{From: S, To: T, MaxHops: pathsInt(99)}, graph.EINVALID, "maxHops"},
		{"maxHops 9 money trail", graph.Scope{}, graph.PathQuery{From: S, To: T, Kind: graph.PathMoneyTrail, MaxHops: pathsInt(9)}, graph.EINVALID, "maxHops"},
		{"unknown kind", graph.Scope{}, graph.PathQuery{From: S, To: T, Kind: "LONGEST"}, graph.EINVALID, "kind"},
		{"unknown weight", graph.Scope{}, graph.PathQuery{From: S, To: T, Weight: "LOVE"}, graph.EINVALID, "weight"},
		{"all shortest by amount", graph.Scope{}, graph.PathQuery{From: S, To: T, Kind: graph.PathAllShortest, Weight: graph.WeightAmount}, graph.EINVALID, "weight"},
		{"injection as relationship type", graph.Scope{}, graph.PathQuery{From: S, To: T, Filter: graph.PathFilter{RelTypes: []graph.RelType{"HOLDS]-() DETACH DELETE n //"}}}, graph.EINVALID, "filter.relTypes"},
		{"unknown label", graph.Scope{}, graph.PathQuery{From: S, To: T, Filter: graph.PathFilter{Types: []graph.Label{"Source"}}}, graph.EINVALID, "filter.types"},
		{"bad country", graph.Scope{}, graph.PathQuery{From: S, To: T, Filter: graph.PathFilter{Countries: []string{"GBR"}}}, graph.EINVALID, "filter.countries"},
		{"time backwards", graph.Scope{}, graph.PathQuery{From: S, To: T, Filter: graph.PathFilter{From: w.t0, To: w.t0.Add(-time.Hour)}}, graph.EINVALID, "filter.to"},
		{"amounts backwards", graph.Scope{}, graph.PathQuery{From: S, To: T, Filter: graph.PathFilter{MinAmount: amount(10), MaxAmount: amount(5)}}, graph.EINVALID, "filter.maxAmount"},
		{"window 0", graph.Scope{}, graph.PathQuery{From: S, To: T, Kind: graph.PathMoneyTrail, MoneyTrail: graph.MoneyTrailOptions{Window: window(0)}}, graph.EINVALID, "window"},
		{"window 400 days", graph.Scope{}, graph.PathQuery{From: S, To: T, Kind: graph.PathMoneyTrail, MoneyTrail: graph.MoneyTrailOptions{Window: window(400 * 24 * time.Hour)}}, graph.EINVALID, "window"},
		{"limit 51", graph.Scope{}, graph.PathQuery{From: S, To: T, Kind: graph.PathMoneyTrail, MoneyTrail: graph.MoneyTrailOptions{Limit: pathsInt(51)}}, graph.EINVALID, "limit"},
		{"bad currency", graph.Scope{}, graph.PathQuery{From: S, To: T, Kind: graph.PathMoneyTrail, MoneyTrail: graph.MoneyTrailOptions{Currency: "EU'R"}}, graph.EINVALID, "currency"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := w.store.Paths(ctx, tt.scope, tt.q)
			if graph.ErrorCode(err) != tt.code || !strings.HasPrefix(graph.ErrorMessage(err), tt.field+":") {
				t.Fatalf("Paths = %+v, %v; want %s starting %q", res, err, tt.code, tt.field+":")
			}
		})
	}
	// The injections changed nothing.
	if n := one[int64](t, query(t, w.store, `MATCH (n:Entity) WHERE n.id CONTAINS $p RETURN count(n) AS n`, map[string]any{"p": w.prefix}), "n"); n == 0 {
		t.Error("the test's nodes are gone")
	}
}
