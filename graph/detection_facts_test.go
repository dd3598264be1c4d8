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

// factsWorld is the hand-made graph of TestDetectFacts, every id under one prefix:
//
//   - bob, a bank customer, uses an e-mail that the subject of report 1 (an Instagram account)
//     uses; his account uses a phone that the recipient named in report 1 (a hotline person)
//     uses, and a device the Instagram account uses. His payment tx1 was made from the address
//     the Instagram account logged in from ten minutes later on the same port, names its
//     username, and goes to maria's account; maria shares a phone with the Instagram account.
//     His payment tx4 goes to an account the hotline person holds, and tx3 names the username
//     of report 3's subject, an account with no handle linked.
//   - pam, a bank customer, uses the e-mail that report 1 names as its victim's.
//   - rex, a bank customer, is resolved to the same entity as report 2's subject.
//   - an account with no holder uses a second e-mail of the Instagram account.
//   - ann, an unrelated customer, pays an unlinked account from the same address two hours
//     after the capture, and uses an e-mail no report names.
//   - a file hash in reports 1 and 2, another only in report 3.
type factsWorld struct {
	p                                    string
	bob, pam, rex, ann, maria, hot       string
	acct, acctPam, acctRex, acctAnn      string
	orphan, payee, payeeHot, payeeOther  string
	ua, ua2, ua3                         string
	r1, r2, r3                           string
	email, email2, emailVictim, emailAnn string
	phone, phoneMaria, device, ip        string
	handle, handle3, hash, hash3, re     string
	tx1, tx2, tx3, tx4                   string
	at                                   time.Time
}

func writeFactsWorld(t *testing.T, s *graph.Store) factsWorld {
	t.Helper()
	p := graphtest.Prefix(t)
	w := factsWorld{p: p, at: time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC), re: "re:" + p}
	src := graph.Source{Partner: p + "-x", Dataset: "t", File: "t"}
	t.Cleanup(func() {
		query(t, s, `MATCH (n:Entity) WHERE n.id CONTAINS $p DETACH DELETE n`, map[string]any{"p": p})
		query(t, s, `MATCH (n:ResolvedEntity {id: $id}) DETACH DELETE n`, map[string]any{"id": w.re})
		query(t, s, `MATCH (n:Source {partner: $p}) DETACH DELETE n`, map[string]any{"p": src.Partner})
	})
	person := func(k string) string { return graph.PartyID(graph.LabelPerson, p, k) }
	acct := func(k string) string { return graph.AccountID(p, k) }
	w.bob, w.pam, w.rex, w.ann, w.maria = person("bob"), person("pam"), person("rex"), person("ann"), person("maria")
	w.hot = graph.PartyID(graph.LabelPerson, "cybertip", p+":r:1")
	w.acct, w.acctPam, w.acctRex, w.acctAnn = acct("bob"), acct("pam"), acct("rex"), acct("ann")
	w.orphan, w.payee, w.payeeHot, w.payeeOther = acct("orphan"), acct("maria"), acct("hot"), acct("other")
	w.ua, w.ua2, w.ua3 = graph.UserAccountID("instagram", p+"-77"), graph.UserAccountID("snapchat", p+"-5"), graph.UserAccountID("kik", "@luna_"+p)
	w.r1, w.r2, w.r3 = graph.ReportID("cybertip", p+"1"), graph.ReportID("cybertip", p+"2"), graph.ReportID("cybertip", p+"3")
	w.email, w.email2 = graph.EmailID("bob@"+p+".test"), graph.EmailID("bob2@"+p+".test")
	w.emailVictim, w.emailAnn = graph.EmailID("kid@"+p+".test"), graph.EmailID("ann@"+p+".test")
	w.phone, w.phoneMaria = graph.PhoneID("+6140"+p), graph.PhoneID("+6390"+p)
	w.device = graph.DeviceID("imei", p)
	w.ip = graph.IPID("2001:db8:" + p[1:5] + ":" + p[5:9] + "::1")
	w.handle, w.handle3 = graph.HandleID("maria_"+p), graph.HandleID("luna_"+p)
	w.hash, w.hash3 = graph.FileHashID("md5", p+"a"), graph.FileHashID("md5", p+"b")
	w.tx1, w.tx2, w.tx3, w.tx4 = graph.TransactionID(p, "t1"), graph.TransactionID(p, "t2"), graph.TransactionID(p, "t3"), graph.TransactionID(p, "t4")

	ref := graph.Ref{Line: 1, Record: "r1", Seen: w.at}
	n := func(l graph.Label, id string, props map[string]any) graph.Node {
		return graph.Node{Label: l, ID: id, Props: props, Ref: ref}
	}
	e := func(t graph.RelType, from, to string, props map[string]any) graph.Edge {
		return graph.Edge{Type: t, From: from, To: to, Props: props, Ref: ref}
	}
	tx := func(id string, at time.Time) graph.Node {
		return n(graph.LabelTransaction, id, map[string]any{"transactionId": id, "amount": int64(5000), "currency": "AUD", "timestamp": at})
	}
	var b graph.Batch
	for _, id := range []string{w.bob, w.pam, w.rex, w.ann, w.maria, w.hot} {
		b.Nodes = append(b.Nodes, n(graph.LabelPerson, id, map[string]any{"name": id}))
	}
	for _, id := range []string{w.acct, w.acctPam, w.acctRex, w.acctAnn, w.orphan, w.payee, w.payeeHot, w.payeeOther} {
		b.Nodes = append(b.Nodes, n(graph.LabelBankAccount, id, map[string]any{"accountNumber": id}))
	}
	b.Nodes = append(b.Nodes,
		n(graph.LabelUserAccount, w.ua, map[string]any{"service": "instagram", "platformId": p + "-77", "username": "maria_" + p}),
		n(graph.LabelUserAccount, w.ua2, map[string]any{"service": "snapchat", "platformId": p + "-5", "username": "rexy"}),
		n(graph.LabelUserAccount, w.ua3, map[string]any{"service": "kik", "platformId": "", "username": "@Luna_" + p}),
		n(graph.LabelReport, w.r1, map[string]any{"reportType": "cybertip"}),
		n(graph.LabelReport, w.r2, map[string]any{"reportType": "cybertip"}),
		n(graph.LabelReport, w.r3, map[string]any{"reportType": "cybertip"}),
		n(graph.LabelEmail, w.email, nil), n(graph.LabelEmail, w.email2, nil),
		n(graph.LabelEmail, w.emailVictim, nil), n(graph.LabelEmail, w.emailAnn, nil),
		n(graph.LabelPhone, w.phone, nil), n(graph.LabelPhone, w.phoneMaria, nil),
		n(graph.LabelDevice, w.device, map[string]any{"kind": "imei"}),
		n(graph.LabelIPAddress, w.ip, nil),
		n(graph.LabelHandle, w.handle, map[string]any{"value": "maria_" + p}),
		n(graph.LabelHandle, w.handle3, map[string]any{"value": "luna_" + p}),
		n(graph.LabelFileHash, w.hash, map[string]any{"algorithm": "md5"}),
		n(graph.LabelFileHash, w.hash3, map[string]any{"algorithm": "md5"}),
		tx(w.tx1, w.at), tx(w.tx2, w.at.Add(2*time.Hour)), tx(w.tx3, w.at.Add(time.Hour)), tx(w.tx4, w.at.Add(3*time.Hour)),
	)
	b.Edges = []graph.Edge{
		e(graph.RelHolds, w.bob, w.acct, nil), e(graph.RelHolds, w.pam, w.acctPam, nil), e(graph.RelHolds, w.rex, w.acctRex, nil),
		e(graph.RelHolds, w.ann, w.acctAnn, nil), e(graph.RelHolds, w.maria, w.payee, nil), e(graph.RelHolds, w.hot, w.payeeHot, nil),
		// Report 1: the Instagram account is its subject, the hotline person its intended
		// recipient, and a child's e-mail its victim.
		e(graph.RelSubjectOf, w.ua, w.r1, nil), e(graph.RelRecipientIn, w.hot, w.r1, nil), e(graph.RelVictimIn, w.emailVictim, w.r1, nil),
		e(graph.RelSubjectOf, w.ua2, w.r2, nil), e(graph.RelSubjectOf, w.ua3, w.r3, nil),
		e(graph.RelUsesEmail, w.bob, w.email, nil), e(graph.RelUsesEmail, w.ua, w.email, nil),
		e(graph.RelUsesPhone, w.acct, w.phone, nil), e(graph.RelUsesPhone, w.hot, w.phone, nil),
		e(graph.RelUsesDevice, w.acct, w.device, nil), e(graph.RelUsesDevice, w.ua, w.device, nil),
		e(graph.RelUsesEmail, w.pam, w.emailVictim, nil),
		e(graph.RelUsesEmail, w.orphan, w.email2, nil), e(graph.RelUsesEmail, w.ua, w.email2, nil),
		e(graph.RelUsesEmail, w.ann, w.emailAnn, nil),
		e(graph.RelUsesPhone, w.maria, w.phoneMaria, nil), e(graph.RelUsesPhone, w.ua, w.phoneMaria, nil),
		e(graph.RelHasHandle, w.ua, w.handle, nil),
		e(graph.RelSent, w.acct, w.tx1, nil), e(graph.RelTo, w.tx1, w.payee, nil), e(graph.RelMentions, w.tx1, w.handle, nil),
		e(graph.RelSent, w.acctAnn, w.tx2, nil), e(graph.RelTo, w.tx2, w.payeeOther, nil),
		e(graph.RelSent, w.acct, w.tx3, nil), e(graph.RelTo, w.tx3, w.payeeOther, nil), e(graph.RelMentions, w.tx3, w.handle3, nil),
		e(graph.RelSent, w.acct, w.tx4, nil), e(graph.RelTo, w.tx4, w.payeeHot, nil),
		e(graph.RelLoggedInFrom, w.tx1, w.ip, map[string]any{"at": w.at, "event": "payment", "port": int64(50123)}),
		e(graph.RelLoggedInFrom, w.tx2, w.ip, map[string]any{"at": w.at.Add(2 * time.Hour), "event": "payment"}),
		e(graph.RelLoggedInFrom, w.ua, w.ip, map[string]any{"at": w.at.Add(10 * time.Minute), "event": "login", "port": int64(50123), "possibleProxy": false}),
		e(graph.RelReportedFile, w.r1, w.hash, nil), e(graph.RelReportedFile, w.r2, w.hash, nil), e(graph.RelReportedFile, w.r3, w.hash3, nil),
	}
	if _, err := s.WriteBatch(t.Context(), src, b); err != nil {
		t.Fatal(err)
	}
	// Resolution's output, written as graph.Store.Resolve writes it.
	query(t, s, `MERGE (e:ResolvedEntity {id: $re}) WITH e
MATCH (x) WHERE x.id IN [$rex, $ua2] MERGE (x)-[:RESOLVED_TO]->(e)`, map[string]any{"re": w.re, "rex": w.rex, "ua2": w.ua2})
	return w
}

// factStrings renders the facts of one world (those naming its prefix) one line each, sorted.
func factStrings(f detect.Facts, p string) []string {
	var out []string
	add := func(s string) {
		if strings.Contains(s, p) {
			out = append(out, s)
		}
	}
	for _, h := range f.Identifiers {
		s := fmt.Sprintf("%s %s %s %s %s %s shared=%d", h.Kind, h.Subject, h.Identifier, h.Report, h.Role, h.Reported, h.Shared)
		if h.Kind == "ip" {
			s += fmt.Sprintf(" tx=%s gap=%v ports=%d/%d proxy=%v", h.Tx, h.ReportAt.Sub(h.SubjectAt), h.SubjectPort, h.ReportPort, h.Proxy)
		}
		add(s)
	}
	for _, h := range f.Handles {
		add(fmt.Sprintf("handle %s %s %s %s %s %s", h.Subject, h.Tx, h.Handle, h.UserAccount, h.Report, h.Role))
	}
	for _, h := range f.Recipients {
		add(fmt.Sprintf("recipient %s %s %s %s %s %s via=%s", h.Subject, h.Tx, h.Recipient, h.Reported, h.Report, h.Role, h.Via))
	}
	for _, h := range f.FileHashes {
		add(fmt.Sprintf("hash %s %v %v", h.Hash, h.Reports, h.Subjects))
	}
	slices.Sort(out)
	return out
}

// TestDetectFacts writes the facts world and reads its cross-sector facts, for the whole graph
// and for some subjects; then the rules turn them into signals on the customers.
func TestDetectFacts(t *testing.T) {
	s := graphtest.Open(t)
	w := writeFactsWorld(t, s)
	r1r2 := fmt.Sprintf("%v", []string{w.r1, w.r2})
	bobFacts := []string{
		// Shared counts distinct users: bob and the Instagram account; the hotline person and
		// bob's account.
		fmt.Sprintf("device %s %s %s subject %s shared=2", w.bob, w.device, w.r1, w.ua),
		fmt.Sprintf("email %s %s %s subject %s shared=2", w.bob, w.email, w.r1, w.ua),
		fmt.Sprintf("handle %s %s %s %s %s subject", w.bob, w.tx1, w.handle, w.ua, w.r1),
		fmt.Sprintf("handle %s %s %s %s %s subject", w.bob, w.tx3, w.handle3, w.ua3, w.r3),
		// Three users of the address: the Instagram account, bob's account and ann's (her
		// payment is two hours off, outside the window, but she uses the address too).
		fmt.Sprintf("ip %s %s %s subject %s shared=3 tx=%s gap=10m0s ports=50123/50123 proxy=false", w.bob, w.ip, w.r1, w.ua, w.tx1),
		fmt.Sprintf("phone %s %s %s recipient %s shared=2", w.bob, w.phone, w.r1, w.hot),
		fmt.Sprintf("recipient %s %s %s %s %s recipient via=%s", w.bob, w.tx4, w.payeeHot, w.hot, w.r1, w.hot),
		fmt.Sprintf("recipient %s %s %s %s %s subject via=%s", w.bob, w.tx1, w.payee, w.ua, w.r1, w.phoneMaria),
	}
	others := []string{
		fmt.Sprintf("email %s %s %s subject %s shared=2", w.orphan, w.email2, w.r1, w.ua),
		fmt.Sprintf("email %s %s %s victim %s shared=1", w.pam, w.emailVictim, w.r1, w.emailVictim),
		fmt.Sprintf("hash %s %s %v", w.hash, r1r2, []string{w.ua, w.ua2}),
		// maria, a customer too, shares her phone with the Instagram account.
		fmt.Sprintf("phone %s %s %s subject %s shared=2", w.maria, w.phoneMaria, w.r1, w.ua),
		fmt.Sprintf("resolved %s %s %s subject %s shared=1", w.rex, w.re, w.r2, w.ua2),
	}
	for _, tc := range []struct {
		name     string
		subjects []string
		want     []string
	}{
		{"whole graph", nil, slices.Concat(bobFacts, others)},
		{"bob", []string{w.bob}, bobFacts},
		{"ann, with nothing", []string{w.ann, w.payeeOther}, nil},
		{"the subjects of the reports", []string{w.ua2, "nobody"}, []string{fmt.Sprintf("hash %s %s %v", w.hash, r1r2, []string{w.ua2})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := s.DetectFacts(t.Context(), detect.Default(), tc.subjects)
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if got := factStrings(f, w.p); !slices.Equal(got, want) {
				t.Errorf("facts:\n  got  %s\n  want %s", strings.Join(got, "\n       "), strings.Join(want, "\n       "))
			}
		})
	}

	// A configured window narrower than the gap leaves the IP fact out.
	cfg, err := detect.ParseConfig(strings.NewReader("rules: {login_ip_in_report: {window: 5m}}"), "t")
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.DetectFacts(t.Context(), cfg, []string{w.bob})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range f.Identifiers {
		if h.Kind == "ip" {
			t.Errorf("window 5m: IP fact %+v", h)
		}
	}

	// The rules turn bob's facts into signals on him.
	f, err = s.DetectFacts(t.Context(), detect.Default(), []string{w.bob, w.pam, w.rex})
	if err != nil {
		t.Fatal(err)
	}
	res := detect.Detect(detect.Input{Facts: f}, detect.Default(), detect.Options{})
	rules := func(subject string) []string {
		var out []string
		for _, sg := range res.SignalsOf(subject) {
			out = append(out, sg.Rule+" "+sg.Key)
		}
		return out
	}
	if got, want := rules(w.bob), []string{"handle_in_report " + w.r1, "handle_in_report " + w.r3, "identifier_in_report " + w.r1,
		"login_ip_in_report " + w.r1, "pays_reported_recipient " + w.r1}; !slices.Equal(got, want) {
		t.Errorf("bob's signals %v, want %v", got, want)
	}
	if sc := res.ScoreOf(w.bob); sc == nil || !sc.Alert {
		t.Errorf("bob's score %+v, want an alert", sc)
	}
	if sc := res.ScoreOf(w.pam); sc == nil || sc.Alert || len(res.SignalsOf(w.pam)) != 1 {
		t.Errorf("pam (the victim's e-mail): score %+v, want one signal and no alert", sc)
	}
	if sc := res.ScoreOf(w.rex); sc == nil || !sc.Alert {
		t.Errorf("rex (resolved to a reported account): score %+v, want an alert", sc)
	}
}
