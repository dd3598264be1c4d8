package graph_test

import (
	"slices"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/detect"
	"github.com/crosslink/crosslink/graph/graphtest"
)

// TestDetectFacts writes a bank customer, a platform account named in a CyberTipline report,
// and the joins between them (a shared e-mail, a payment from the IP the report captured ten
// minutes later on the same port, a payment reference naming the account's username), plus a
// file hash in two reports and an unrelated customer, and reads the cross-sector facts.
func TestDetectFacts(t *testing.T) {
	s := graphtest.Open(t)
	p := graphtest.Prefix(t)
	src := graph.Source{Partner: p + "-x", Dataset: "t", File: "t"}
	t.Cleanup(func() {
		query(t, s, `MATCH (n:Entity) WHERE n.id CONTAINS $p DETACH DELETE n`, map[string]any{"p": p})
		query(t, s, `MATCH (n:Source {partner: $p}) DETACH DELETE n`, map[string]any{"p": src.Partner})
	})
	cust, other := graph.PartyID(graph.LabelPerson, p, "c1"), graph.PartyID(graph.LabelPerson, p, "c2")
	acct, acct2 := graph.AccountID(p, "a1"), graph.AccountID(p, "a2")
	payee := graph.AccountID(p, "ph1")
	ua := graph.UserAccountID("instagram", p+"-77")
	report, report2 := graph.ReportID("cybertip", p+"1"), graph.ReportID("cybertip", p+"2")
	email := graph.EmailID("bob@" + p + ".test")
	ip := graph.IPID("203.0.113." + p[len(p)-2:])
	handle := graph.HandleID("maria" + p)
	hash := graph.FileHashID("md5", p+"0123456789abcdef0123456789ab")
	at := time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)
	ref := graph.Ref{Line: 1, Record: "r1", Seen: at}
	tx1, tx2 := graph.TransactionID(p, "t1"), graph.TransactionID(p, "t2")
	n := func(l graph.Label, id string, props map[string]any) graph.Node {
		return graph.Node{Label: l, ID: id, Props: props, Ref: ref}
	}
	e := func(t graph.RelType, from, to string, props map[string]any) graph.Edge {
		return graph.Edge{Type: t, From: from, To: to, Props: props, Ref: ref}
	}
	b := graph.Batch{
		Nodes: []graph.Node{
			n(graph.LabelPerson, cust, map[string]any{"name": "Bob Smith", "country": "AU"}),
			n(graph.LabelPerson, other, map[string]any{"name": "Ann Other", "country": "AU"}),
			n(graph.LabelBankAccount, acct, map[string]any{"accountNumber": "a1"}),
			n(graph.LabelBankAccount, acct2, map[string]any{"accountNumber": "a2"}),
			n(graph.LabelBankAccount, payee, map[string]any{"accountNumber": "ph1"}),
			n(graph.LabelUserAccount, ua, map[string]any{"service": "instagram", "platformId": p + "-77", "username": "maria" + p}),
			n(graph.LabelReport, report, map[string]any{"reportType": "cybertip"}),
			n(graph.LabelReport, report2, map[string]any{"reportType": "cybertip"}),
			n(graph.LabelEmail, email, map[string]any{"address": "bob@" + p + ".test"}),
			n(graph.LabelIPAddress, ip, map[string]any{"address": "203.0.113.9"}),
			n(graph.LabelHandle, handle, map[string]any{"value": "maria" + p}),
			n(graph.LabelFileHash, hash, map[string]any{"algorithm": "md5"}),
			n(graph.LabelTransaction, tx1, map[string]any{"transactionId": "t1", "amount": int64(5000), "currency": "AUD", "timestamp": at, "reference": "@maria" + p}),
			n(graph.LabelTransaction, tx2, map[string]any{"transactionId": "t2", "amount": int64(5000), "currency": "AUD", "timestamp": at}),
		},
		Edges: []graph.Edge{
			e(graph.RelHolds, cust, acct, nil), e(graph.RelHolds, other, acct2, nil),
			e(graph.RelUsesEmail, cust, email, nil), e(graph.RelUsesEmail, ua, email, nil),
			e(graph.RelSubjectOf, ua, report, nil), e(graph.RelHasHandle, ua, handle, nil),
			e(graph.RelSent, acct, tx1, nil), e(graph.RelTo, tx1, payee, nil),
			e(graph.RelSent, acct2, tx2, nil), e(graph.RelTo, tx2, payee, nil),
			e(graph.RelMentions, tx1, handle, nil),
			e(graph.RelLoggedInFrom, tx1, ip, map[string]any{"at": at, "event": "payment", "port": int64(50123)}),
			e(graph.RelLoggedInFrom, ua, ip, map[string]any{"at": at.Add(10 * time.Minute), "event": "login", "port": int64(50123)}),
			e(graph.RelReportedFile, report, hash, nil), e(graph.RelReportedFile, report2, hash, nil),
		},
	}
	if _, err := s.WriteBatch(t.Context(), src, b); err != nil {
		t.Fatal(err)
	}
	f, err := s.DetectFacts(t.Context(), detect.Default(), []string{cust, other})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]detect.IdentifierHit{}
	for _, h := range f.Identifiers {
		if h.Subject == other {
			t.Errorf("unrelated customer has a fact: %+v", h)
		}
		if h.Subject == cust {
			kinds[h.Kind] = h
		}
	}
	if h, ok := kinds["email"]; !ok || h.Report != report || h.Reported != ua || h.Role != "subject" || h.Shared != 2 {
		t.Errorf("e-mail fact: %+v (all: %+v)", h, f.Identifiers)
	}
	if h, ok := kinds["ip"]; !ok || h.SubjectPort != 50123 || h.ReportPort != 50123 || h.ReportAt.Sub(h.SubjectAt) != 10*time.Minute || h.Tx != tx1 {
		t.Errorf("IP fact: %+v", h)
	}
	if len(f.Handles) != 1 || f.Handles[0].Subject != cust || f.Handles[0].Tx != tx1 || f.Handles[0].UserAccount != ua {
		t.Errorf("handles: %+v", f.Handles)
	}
	var ours *detect.FileHashHit
	for i := range f.FileHashes {
		if f.FileHashes[i].Hash == hash {
			ours = &f.FileHashes[i]
		}
	}
	if ours == nil || !slices.Equal(ours.Subjects, []string{ua}) || len(ours.Reports) != 2 {
		t.Errorf("file hash: %+v", ours)
	}
	// The rules turn them into signals on the customer.
	res := detect.Detect(detect.Input{Facts: f}, detect.Default(), detect.Options{})
	var rules []string
	for _, sg := range res.SignalsOf(cust) {
		rules = append(rules, sg.Rule)
	}
	slices.Sort(rules)
	if !slices.Equal(rules, []string{"handle_in_report", "identifier_in_report", "login_ip_in_report"}) {
		t.Errorf("customer's signals: %v", rules)
	}
}
