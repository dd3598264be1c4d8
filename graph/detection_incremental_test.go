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

// TestDetectIncremental loads a customer's three small remittances to the Philippines (one short
// of hrj_remittance), runs detection in full, then writes a fourth payment and, later, a
// CyberTipline report naming the customer's e-mail, each followed by an incremental run over
// what the write touched (graph.DetectTouched, as loads and ingests do): each run adds the
// signal the new data makes, and leaves an unrelated customer alone.
func TestDetectIncremental(t *testing.T) {
	s := graphtest.Open(t)
	p := graphtest.Prefix(t)
	src := graph.Source{Partner: p + "-bank", Dataset: "t", File: "t.csv"}
	t.Cleanup(func() {
		query(t, s, `MATCH (n:Signal|RiskScore) WHERE n.subject CONTAINS $p DETACH DELETE n`, map[string]any{"p": p})
		query(t, s, `MATCH (x:Alert) WHERE x.subject CONTAINS $p OPTIONAL MATCH (x)-[:HAS_EVENT]->(e) DETACH DELETE x, e`, map[string]any{"p": p})
		query(t, s, `MATCH (n:Entity) WHERE n.id CONTAINS $p DETACH DELETE n`, map[string]any{"p": p})
		query(t, s, `MATCH (n:Source) WHERE n.partner STARTS WITH $p DETACH DELETE n`, map[string]any{"p": p})
	})
	ctx := t.Context()
	bob, ann := graph.PartyID(graph.LabelPerson, p, "bob"), graph.PartyID(graph.LabelPerson, p, "ann")
	bobAcct, annAcct := graph.AccountID(p, "bob"), graph.AccountID(p, "ann")
	ph, de := graph.AccountID(p, "ph"), graph.AccountID(p, "de")
	email := graph.EmailID("bob@" + p + ".test")
	start := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	n := 0
	pay := func(b *graph.Batch, from, to string, cc string, day int) {
		n++
		id := graph.TransactionID(p, fmt.Sprint("t", n))
		ref := graph.Ref{Line: n, Record: fmt.Sprint("t", n), Seen: start.AddDate(0, 0, day)}
		b.Nodes = append(b.Nodes, graph.Node{Label: graph.LabelTransaction, ID: id, Ref: ref, Props: map[string]any{
			"transactionId": fmt.Sprint("t", n), "amount": int64(5000), "currency": "AUD", "timestamp": start.AddDate(0, 0, day),
			"channel": "msb", "payerCountry": "AU", "payeeCountry": cc}})
		b.Edges = append(b.Edges, graph.Edge{Type: graph.RelSent, From: from, To: id, Ref: ref}, graph.Edge{Type: graph.RelTo, From: id, To: to, Ref: ref})
	}
	ref := graph.Ref{Line: 1}
	var b graph.Batch
	b.Nodes = append(b.Nodes,
		graph.Node{Label: graph.LabelPerson, ID: bob, Props: map[string]any{"name": "Bob Smith", "country": "AU"}, Ref: ref},
		graph.Node{Label: graph.LabelPerson, ID: ann, Props: map[string]any{"name": "Ann Other", "country": "AU"}, Ref: ref},
		graph.Node{Label: graph.LabelBankAccount, ID: bobAcct, Props: map[string]any{"accountNumber": "bob"}, Ref: ref},
		graph.Node{Label: graph.LabelBankAccount, ID: annAcct, Props: map[string]any{"accountNumber": "ann"}, Ref: ref},
		graph.Node{Label: graph.LabelBankAccount, ID: ph, Props: map[string]any{"accountNumber": "ph", "holderName": "Maria Santos"}, Ref: ref},
		graph.Node{Label: graph.LabelBankAccount, ID: de, Props: map[string]any{"accountNumber": "de"}, Ref: ref},
		graph.Node{Label: graph.LabelEmail, ID: email, Props: map[string]any{"address": "bob@" + p + ".test"}, Ref: ref})
	b.Edges = append(b.Edges, graph.Edge{Type: graph.RelHolds, From: bob, To: bobAcct, Ref: ref}, graph.Edge{Type: graph.RelHolds, From: ann, To: annAcct, Ref: ref},
		graph.Edge{Type: graph.RelUsesEmail, From: bob, To: email, Ref: ref})
	for d := range 3 {
		pay(&b, bobAcct, ph, "PH", d*10)
	}
	pay(&b, annAcct, de, "DE", 1)
	if _, err := s.WriteBatch(ctx, src, b); err != nil {
		t.Fatal(err)
	}
	// Only the rules this test is about, so that it does not move with the others.
	var y strings.Builder
	y.WriteString("rules:\n")
	for _, r := range detect.Default().RuleList() {
		if r.Name != "hrj_remittance" && r.Name != "identifier_in_report" {
			fmt.Fprintf(&y, "  %s: {enabled: false}\n", r.Name)
		}
	}
	cfg, err := detect.ParseConfig(strings.NewReader(y.String()), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rulesOf := func(subject string) []string {
		t.Helper()
		sigs, _, _, err := s.Signals(ctx, graph.SignalFilter{Subject: subject}, 50, "")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, sg := range sigs {
			out = append(out, sg.Rule)
		}
		slices.Sort(out)
		return out
	}
	if _, err := s.Detect(ctx, graph.DetectOptions{Config: cfg, By: "test"}); err != nil {
		t.Fatal(err)
	}
	if got := rulesOf(bob); len(got) != 0 {
		t.Fatalf("three remittances: %v", got)
	}

	// A fourth payment, loaded: the incremental run over what it touched finds the remittances.
	var touched graph.DetectTouched
	var b2 graph.Batch
	pay(&b2, bobAcct, ph, "PH", 35)
	b2.Nodes = append(b2.Nodes, graph.Node{Label: graph.LabelBankAccount, ID: bobAcct, Props: map[string]any{"accountNumber": "bob"}, Ref: ref},
		graph.Node{Label: graph.LabelBankAccount, ID: ph, Props: map[string]any{"accountNumber": "ph", "holderName": "Maria Santos"}, Ref: ref})
	if _, err := s.WriteBatch(ctx, src, b2); err != nil {
		t.Fatal(err)
	}
	touched.Add(b2)
	ids, full := touched.IDs()
	if full || !slices.Contains(ids, bobAcct) || slices.ContainsFunc(ids, func(id string) bool { return id == graph.TransactionID(p, "t5") }) {
		t.Fatalf("touched %v (full %v): the accounts, not the transaction", ids, full)
	}
	rep, err := s.Detect(ctx, graph.DetectOptions{Config: cfg, Touched: ids, By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Mode != graph.DetectIncremental || rep.Transactions != 4 {
		t.Errorf("incremental run read %d transactions in mode %s, want bob's 4", rep.Transactions, rep.Mode)
	}
	if got := rulesOf(bob); !slices.Equal(got, []string{"hrj_remittance"}) {
		t.Fatalf("after the fourth payment: %v", got)
	}

	// A report naming bob's e-mail, loaded by a hotline: touched are the report, the reported
	// account and the e-mail, none of them bob's; the run reaches him through the e-mail.
	hot := graph.Source{Partner: p + "-ncmec", Dataset: "t", File: "r.xml"}
	ua, report := graph.UserAccountID("chat", p+"-1"), graph.ReportID("cybertip", p+"9")
	b3 := graph.Batch{
		Nodes: []graph.Node{
			{Label: graph.LabelUserAccount, ID: ua, Props: map[string]any{"service": "chat", "platformId": p + "-1"}, Ref: ref},
			{Label: graph.LabelReport, ID: report, Props: map[string]any{"reportType": "cybertip"}, Ref: ref},
			{Label: graph.LabelEmail, ID: email, Props: map[string]any{"address": "bob@" + p + ".test"}, Ref: ref},
		},
		Edges: []graph.Edge{{Type: graph.RelUsesEmail, From: ua, To: email, Ref: ref}, {Type: graph.RelSubjectOf, From: ua, To: report, Ref: ref}},
	}
	if _, err := s.WriteBatch(ctx, hot, b3); err != nil {
		t.Fatal(err)
	}
	touched = graph.DetectTouched{}
	touched.Add(b3)
	ids, _ = touched.IDs()
	if _, err := s.Detect(ctx, graph.DetectOptions{Config: cfg, Touched: ids, By: "test"}); err != nil {
		t.Fatal(err)
	}
	if got := rulesOf(bob); !slices.Equal(got, []string{"hrj_remittance", "identifier_in_report"}) {
		t.Fatalf("after the report: %v", got)
	}
	if got := rulesOf(ann); len(got) != 0 {
		t.Errorf("an unrelated customer got %v", got)
	}
	// Nothing new: an incremental run over the same nodes writes nothing.
	rep, err = s.Detect(ctx, graph.DetectOptions{Config: cfg, Touched: ids, By: "test"})
	if err != nil || rep.Created+rep.Updated+rep.Deleted != 0 {
		t.Errorf("re-run: %+v %v", rep, err)
	}
}
