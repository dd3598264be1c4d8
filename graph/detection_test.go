package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/detect"
	"github.com/crosslink/crosslink/graph/graphtest"
)

// detWorld is a small facilitator network: four buyers in AU paying one facilitator account in
// PH and each other a little (so that GDS puts them in one money-flow community), plus two
// customers in DE paying each other, linked to nothing.
type detWorld struct {
	s      *graph.Store
	prefix string
	src    graph.Source
	ids    map[string]string
	n      int
}

func newDetWorld(t *testing.T) *detWorld {
	t.Helper()
	s := graphtest.Open(t)
	p := graphtest.Prefix(t)
	w := &detWorld{s: s, prefix: p, src: graph.Source{Partner: p + "-bank", Dataset: "t", File: "t.csv"}, ids: map[string]string{}}
	t.Cleanup(func() {
		query(t, s, `MATCH (n:Entity) WHERE n.id CONTAINS $p DETACH DELETE n`, map[string]any{"p": p})
		query(t, s, `MATCH (n:Signal|RiskScore) WHERE n.subject CONTAINS $p DETACH DELETE n`, map[string]any{"p": p})
		query(t, s, `MATCH (n:Source) WHERE n.partner = $p DETACH DELETE n`, map[string]any{"p": w.src.Partner})
	})
	var b graph.Batch
	for _, a := range []struct{ name, cc string }{{"buyer1", "AU"}, {"buyer2", "AU"}, {"buyer3", "AU"}, {"buyer4", "AU"},
		{"facil", "PH"}, {"de1", "DE"}, {"de2", "DE"}} {
		id := graph.AccountID(w.src.Partner, a.name)
		w.ids[a.name] = id
		b.Nodes = append(b.Nodes, graph.Node{Label: graph.LabelBankAccount, ID: id, Props: map[string]any{"accountNumber": a.name, "country": a.cc}, Ref: graph.Ref{Line: 1}})
	}
	for i := 1; i <= 4; i++ {
		for k := range 3 {
			w.pay(&b, fmt.Sprintf("buyer%d", i), "facil", 6000, "PH", k)
		}
	}
	w.pay(&b, "buyer1", "buyer2", 1000, "AU", 0)
	w.pay(&b, "buyer3", "buyer4", 1000, "AU", 0)
	w.pay(&b, "de1", "de2", 5000, "DE", 0)
	w.pay(&b, "de2", "de1", 4000, "DE", 1)
	if _, err := s.WriteBatch(t.Context(), w.src, b); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *detWorld) pay(b *graph.Batch, from, to string, amount int64, payeeCC string, day int) {
	w.n++
	rec := fmt.Sprintf("t%d", w.n)
	id := graph.TransactionID(w.src.Partner, rec)
	at := time.Date(2026, 2, 1+day, 9, w.n, 0, 0, time.UTC)
	ref := graph.Ref{Line: w.n + 1, Record: rec, Seen: at}
	b.Nodes = append(b.Nodes, graph.Node{Label: graph.LabelTransaction, ID: id, Ref: ref,
		Props: map[string]any{"transactionId": rec, "amount": amount, "currency": "EUR", "timestamp": at, "channel": "msb", "payeeCountry": payeeCC}})
	b.Edges = append(b.Edges,
		graph.Edge{Type: graph.RelSent, From: w.ids[from], To: id, Ref: ref},
		graph.Edge{Type: graph.RelTo, From: id, To: w.ids[to], Ref: ref})
}

// detConfig runs only the network rules, with thresholds the small world reaches, so that the
// test does not move with the other rules or the defaults.
func detConfig(t *testing.T, extra string) *detect.Config {
	t.Helper()
	var off strings.Builder
	for _, r := range detect.Default().RuleList() {
		if r.Family != detect.FamilyNetwork {
			fmt.Fprintf(&off, "  %s: {enabled: false}\n", r.Name)
		}
	}
	c, err := detect.ParseConfig(strings.NewReader("rules:\n"+off.String()+
		"  risky_community: {weight: 0.5, minSize: 4, minHRJShare: 0.5}\n  central_facilitator: {weight: 0.5, top: 1, minRatio: 2}\n"+extra), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// signalsOf returns the rules of the stored signals of each subject among ids.
func (w *detWorld) signalsOf(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for name, id := range w.ids {
		sigs, _, _, err := w.s.Signals(t.Context(), graph.SignalFilter{Subject: id}, 50, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sigs {
			out[name] = append(out[name], s.Rule)
		}
		slices.Sort(out[name])
	}
	return out
}

func TestDetectStoresSignalsAndScores(t *testing.T) {
	w := newDetWorld(t)
	ctx := t.Context()
	cfg := detConfig(t, "")
	rep, err := w.s.Detect(ctx, graph.DetectOptions{Config: cfg, By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Mode != graph.DetectFull || rep.Transactions < 16 {
		t.Fatalf("report %+v", rep)
	}
	got := w.signalsOf(t)
	for _, n := range []string{"buyer1", "buyer2", "buyer3", "buyer4"} {
		if !slices.Equal(got[n], []string{"risky_community"}) {
			t.Errorf("%s: signals %v, want [risky_community]", n, got[n])
		}
	}
	if !slices.Equal(got["facil"], []string{"central_facilitator", "risky_community"}) {
		t.Errorf("facil: signals %v, want central_facilitator and risky_community", got["facil"])
	}
	if len(got["de1"])+len(got["de2"]) != 0 {
		t.Errorf("domestic pair got signals: %v %v", got["de1"], got["de2"])
	}
	// The facilitator's score has both rules in its breakdown and, both being weak, alerts
	// only over the threshold with two of them.
	risks, err := w.s.RiskScores(ctx, []string{w.ids["facil"], w.ids["buyer1"], w.ids["de1"]})
	if err != nil {
		t.Fatal(err)
	}
	f, ok := risks[w.ids["facil"]]
	if !ok || len(f.Breakdown) != 2 || f.Risk <= risks[w.ids["buyer1"]].Risk {
		t.Fatalf("facilitator risk %+v, buyer %+v", f, risks[w.ids["buyer1"]])
	}
	if _, ok := risks[w.ids["de1"]]; ok {
		t.Error("a subject without signals has a risk score")
	}
	sig, _, _, err := w.s.Signals(ctx, graph.SignalFilter{Subject: w.ids["buyer1"]}, 1, "")
	if err != nil || len(sig) != 1 || !strings.Contains(sig[0].Summary, "community") || sig[0].Facts == "" {
		t.Fatalf("stored signal %+v, %v", sig, err)
	}

	// Idempotent: the same data again writes nothing.
	rep, err = w.s.Detect(ctx, graph.DetectOptions{Config: cfg, By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created+rep.Updated+rep.Deleted != 0 {
		t.Errorf("re-run wrote signals: created %d updated %d deleted %d", rep.Created, rep.Updated, rep.Deleted)
	}

	// An incremental run over a touched buyer keeps the network signals (network rules run in
	// full runs only).
	rep, err = w.s.Detect(ctx, graph.DetectOptions{Config: cfg, Touched: []string{w.ids["buyer1"]}, By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Mode != graph.DetectIncremental || rep.Deleted != 0 {
		t.Errorf("incremental run: mode %s deleted %d", rep.Mode, rep.Deleted)
	}
	if got2 := w.signalsOf(t); !slices.Equal(got2["buyer1"], got["buyer1"]) {
		t.Errorf("incremental run changed buyer1's signals: %v", got2["buyer1"])
	}

	// Signals that no longer hold go: with a higher bar the community is not risky any more.
	strict := detConfig(t, "")
	strict.Rules.RiskyCommunity.MinHRJShare = 0.99
	rep, err = w.s.Detect(ctx, graph.DetectOptions{Config: strict, By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Deleted < 6 {
		t.Errorf("stricter run deleted %d signals, want at least 6", rep.Deleted)
	}
	if got := w.signalsOf(t); len(got["buyer1"])+len(got["facil"]) != 0 {
		t.Errorf("signals left after the community stopped being risky: %v", got)
	}
	if risks, _ := w.s.RiskScores(ctx, []string{w.ids["facil"]}); len(risks) != 0 {
		t.Errorf("risk score left without signals: %+v", risks)
	}
	runs, err := w.s.DetectionRuns(ctx, 3)
	if err != nil || len(runs) == 0 || runs[0].By != "test" || runs[0].Deleted != rep.Deleted {
		t.Errorf("latest run %+v, %v", runs, err)
	}
}
