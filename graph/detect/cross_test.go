package detect

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// crossRun runs one cross rule over hand-made facts (and transactions, for their order) and
// returns the result.
func crossRun(t *testing.T, rule string, f Facts, txs ...Tx) *Result {
	t.Helper()
	res := Detect(Input{Txs: txs, Facts: f}, Default(), Options{Rules: []string{rule}})
	if len(res.Errors) > 0 {
		t.Fatalf("rule errors: %v", res.Errors)
	}
	for _, s := range res.Signals {
		if s.Summary == "" || len(s.Evidence.Entities) == 0 || len(s.Evidence.Links) == 0 || s.Strength <= 0 || s.Strength > 1 {
			t.Errorf("signal without summary, entities or links, or strength out of (0,1]: %+v", s)
		}
		if s.Rule != rule || s.Family != FamilyCross {
			t.Errorf("signal of %s/%s, want %s/cross", s.Rule, s.Family, rule)
		}
	}
	return res
}

// crossCase is one subject's expected signal from a rule: none (strength 0), or one whose
// strength is within [min, max], whose summary says each of says, and whether its score alone
// raises an alert.
type crossCase struct {
	name     string
	min, max float64
	alert    bool
	says     []string
}

// checkCross checks each case's subject (the case name) in the result.
func checkCross(t *testing.T, res *Result, cases []crossCase) {
	t.Helper()
	for _, c := range cases {
		sigs := res.SignalsOf(c.name)
		if c.max == 0 {
			if len(sigs) > 0 {
				t.Errorf("%s: signal %+v, want none", c.name, sigs[0])
			}
			continue
		}
		if len(sigs) != 1 {
			t.Errorf("%s: %d signals, want 1", c.name, len(sigs))
			continue
		}
		s := sigs[0]
		if s.Strength < c.min-1e-9 || s.Strength > c.max+1e-9 {
			t.Errorf("%s: strength %.3f, want %.3f..%.3f (%s)", c.name, s.Strength, c.min, c.max, s.Summary)
		}
		for _, w := range c.says {
			if !strings.Contains(s.Summary, w) {
				t.Errorf("%s: summary %q does not say %q", c.name, s.Summary, w)
			}
		}
		if sc := res.ScoreOf(c.name); sc == nil || sc.Alert != c.alert {
			t.Errorf("%s: score %+v, want alert %v", c.name, sc, c.alert)
		}
	}
}

func TestIdentifierInReport(t *testing.T) {
	hit := func(subject, kind, ident, role string, shared int) IdentifierHit {
		return IdentifierHit{Subject: subject, Kind: kind, Identifier: ident, Report: "report:cybertip:12345", Role: role,
			Reported: "ua:instagram:987", Shared: shared}
	}
	victim := hit("parent", "email", "email:mum@x.test", "victim", 2)
	victim.Reported = victim.Identifier // the loader names a victim's e-mail with VICTIM_IN itself
	res := crossRun(t, "identifier_in_report", Facts{Identifiers: []IdentifierHit{
		hit("alone", "email", "email:bob@x.test", "subject", 2),
		hit("atCap", "phone", "phone:+61400000000", "subject", 5),
		hit("overCap", "phone", "phone:+61400000000", "subject", 6),
		hit("family", "email", "email:family@x.test", "subject", 500),
		hit("both", "email", "email:bob@x.test", "subject", 2), hit("both", "phone", "phone:+61400000001", "subject", 2),
		hit("device", "device", "device:imei:356938035643809", "recipient", 2),
		hit("resolved", "resolved", "re:abc", "subject", 1),
		hit("recipientVictim", "email", "email:kid@x.test", "victim", 1),
		victim,
		hit("ipOnly", "ip", "ip:203.0.113.9", "subject", 1), // login_ip_in_report's, not this rule's
	}})
	checkCross(t, res, []crossCase{
		{name: "alone", min: 1, max: 1, alert: true, says: []string{"uses e-mail bob@x.test that CyberTipline report 12345 names for its subject (instagram:987)"}},
		{name: "atCap", min: 1, max: 1, alert: true, says: []string{"phone +61400000000"}},
		{name: "overCap", min: 0.5, max: 0.9, alert: false, says: []string{"6 entities use it"}},
		{name: "family", min: 0.1, max: 0.25, alert: false, says: []string{"500 entities use it"}},
		{name: "both", min: 1, max: 1, alert: true, says: []string{"2 identifiers in all (email, phone)"}},
		{name: "device", min: 1, max: 1, alert: true, says: []string{"device imei:356938035643809", "its recipient"}},
		{name: "resolved", min: 1, max: 1, alert: true, says: []string{"resolved (re:abc) to the same person as instagram:987"}},
		{name: "recipientVictim", min: 0.2, max: 0.35, alert: false, says: []string{"its victim"}},
		{name: "parent", min: 0.2, max: 0.35, alert: false, says: []string{"e-mail mum@x.test that CyberTipline report 12345 names as its victim's"}},
		{name: "ipOnly"},
	})
	// The evidence draws both uses of the identifier and the report role, and no self-loop
	// for an identifier the report names itself.
	s := res.SignalsOf("alone")[0]
	want := []Link{{"alone", "email:bob@x.test", "USES_EMAIL"}, {"ua:instagram:987", "email:bob@x.test", "USES_EMAIL"},
		{"ua:instagram:987", "report:cybertip:12345", "SUBJECT_OF"}}
	for _, l := range want {
		if !slices.Contains(s.Evidence.Links, l) {
			t.Errorf("links %v lack %v", s.Evidence.Links, l)
		}
	}
	if s.Key != "report:cybertip:12345" || !slices.Contains(s.Evidence.Entities, "report:cybertip:12345") {
		t.Errorf("key %q, entities %v: want the report", s.Key, s.Evidence.Entities)
	}
	for _, l := range res.SignalsOf("parent")[0].Evidence.Links {
		if l.From == l.To {
			t.Errorf("self-loop %v", l)
		}
	}
}

func TestLoginIPInReport(t *testing.T) {
	at := time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)
	hit := func(subject string, gap time.Duration, sp, rp int, proxy bool, shared int) IdentifierHit {
		return IdentifierHit{Subject: subject, Kind: "ip", Identifier: "ip:203.0.113.9", Report: "report:cybertip:12345", Role: "subject",
			Reported: "ua:instagram:987", SubjectAt: at, ReportAt: at.Add(gap), SubjectPort: sp, ReportPort: rp, Proxy: proxy,
			Shared: shared, Tx: "tx:b:" + subject}
	}
	noTime := hit("noTime", time.Minute, 50123, 50123, false, 3)
	noTime.ReportAt = time.Time{}
	res := crossRun(t, "login_ip_in_report", Facts{Identifiers: []IdentifierHit{
		hit("ported", 10*time.Minute, 50123, 50123, false, 3),
		hit("edge", 30*time.Minute, 50123, 50123, false, 3),
		hit("before", -29*time.Minute, 50123, 50123, false, 3),
		hit("late", 31*time.Minute, 50123, 50123, false, 3),
		hit("unported", 10*time.Minute, 0, 50123, false, 3),
		hit("otherPort", 5*time.Minute, 50123, 50124, false, 3),
		hit("proxy", 5*time.Minute, 50123, 50123, true, 3),
		hit("atCap", 5*time.Minute, 0, 0, false, 20),
		hit("overCap", 5*time.Minute, 0, 0, false, 21),
		hit("cgnat", 5*time.Minute, 0, 0, false, 2000),
		noTime,
		// Two payments near one capture: the port-matched one decides.
		hit("two", 20*time.Minute, 0, 0, false, 3), hit("two", 2*time.Minute, 443, 443, false, 3),
		{Subject: "emailOnly", Kind: "email", Identifier: "email:x@y.test", Report: "report:cybertip:1", Role: "subject", Reported: "ua:s:1", Shared: 1},
	}})
	checkCross(t, res, []crossCase{
		{name: "ported", min: 1, max: 1, alert: true, says: []string{"paid from 203.0.113.9 10m0s from when the subject of CyberTipline report 12345 (instagram:987) used it, same port 50123"}},
		{name: "edge", min: 1, max: 1, alert: true},
		{name: "before", min: 1, max: 1, alert: true},
		{name: "late"},
		// Without a port to compare the match never alerts alone (CGNAT).
		{name: "unported", min: 0.4, max: 0.4, alert: false, says: []string{"no port to compare"}},
		{name: "otherPort"},
		{name: "proxy", min: 0.5, max: 0.5, alert: false, says: []string{"possible proxy"}},
		{name: "atCap", min: 0.4, max: 0.4, alert: false},
		{name: "overCap", min: 0.3, max: 0.39, alert: false, says: []string{"21 entities use the address"}},
		{name: "cgnat", min: 0.05, max: 0.1, alert: false, says: []string{"2000 entities"}},
		{name: "noTime"},
		{name: "two", min: 1, max: 1, alert: true, says: []string{"same port 443"}},
		{name: "emailOnly"},
	})
	s := res.SignalsOf("two")[0]
	if !slices.Equal(s.Evidence.Transactions, []string{"tx:b:two"}) || s.Evidence.Facts["gapMinutes"] != 2.0 || s.Evidence.Facts["portMatch"] != true {
		t.Errorf("evidence %+v", s.Evidence)
	}
}

func TestHandleInReport(t *testing.T) {
	at := time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)
	// The index knows tx:2 as the older payment: evidence lists it first.
	txs := []Tx{{ID: "tx:1", From: "acct:b:1", To: "acct:b:9", Amount: 5000, Currency: "EUR", At: at.Add(time.Hour)},
		{ID: "tx:2", From: "acct:b:1", To: "acct:b:9", Amount: 5000, Currency: "EUR", At: at}}
	h := func(subject, tx, report string) HandleHit {
		return HandleHit{Tx: tx, Subject: subject, Handle: "handle:maria_ph", UserAccount: "ua:instagram:987", Report: report, Role: "subject"}
	}
	res := crossRun(t, "handle_in_report", Facts{Handles: []HandleHit{
		h("bob", "tx:1", "report:cybertip:12345"), h("bob", "tx:2", "report:cybertip:12345"),
		h("bob", "tx:2", "report:cybertip:12345"), // the same payment twice (two paths): counted once
		h("ann", "tx:3", "report:cybertip:7"),
	}}, txs...)
	checkCross(t, res, []crossCase{
		{name: "bob", min: 1, max: 1, alert: true, says: []string{"2 payment reference(s) name @maria_ph, the username of instagram:987, whom CyberTipline report 12345 names as its subject"}},
		{name: "ann", min: 1, max: 1, alert: true, says: []string{"1 payment reference(s)"}},
		{name: "carl"},
	})
	if got := res.SignalsOf("bob")[0].Evidence.Transactions; !slices.Equal(got, []string{"tx:2", "tx:1"}) {
		t.Errorf("transactions %v, want oldest first", got)
	}
	if got := crossRun(t, "handle_in_report", Facts{}); len(got.Signals) != 0 {
		t.Errorf("no facts, signals %v", got.Signals)
	}
}

func TestPaysReportedRecipient(t *testing.T) {
	r := func(subject, tx, recipient, via string) RecipientHit {
		return RecipientHit{Tx: tx, Subject: subject, Recipient: recipient, Reported: "ua:instagram:987", Report: "report:cybertip:12345",
			Role: "subject", Via: via}
	}
	direct := r("direct", "tx:9", "acct:b:7", "person:cybertip:1")
	direct.Reported = "person:cybertip:1"
	res := crossRun(t, "pays_reported_recipient", Facts{Recipients: []RecipientHit{
		r("once", "tx:1", "acct:b:7", "re:abc"),
		r("phoneOnce", "tx:5", "acct:b:7", "phone:+639170000000"),
		r("phoneTwice", "tx:6", "acct:b:7", "phone:+639170000000"), r("phoneTwice", "tx:7", "acct:b:7", "phone:+639170000000"),
		r("thrice", "tx:2", "acct:b:7", "phone:+639170000000"), r("thrice", "tx:3", "acct:b:7", "phone:+639170000000"),
		r("thrice", "tx:4", "acct:b:8", "phone:+639170000000"),
		direct,
	}})
	checkCross(t, res, []crossCase{
		// The rule never alerts alone (weight 0.55): offenders have ordinary payers too. A shared
		// phone is a weaker link than identity, and each further payment adds paymentStep.
		{name: "once", min: 1, max: 1, alert: false, says: []string{"1 payment(s) to b:7, resolved to the same person as instagram:987"}},
		{name: "phoneOnce", min: 0.85, max: 0.85, alert: false, says: []string{"sharing +639170000000 with"}},
		{name: "phoneTwice", min: 0.95, max: 0.95, alert: false},
		{name: "thrice", min: 1, max: 1, alert: false, says: []string{"3 payment(s)", "sharing +639170000000 with", "2 such recipients"}},
		{name: "direct", min: 1, max: 1, alert: false, says: []string{"held by cybertip:1"}},
		{name: "nobody"},
	})
	links := res.SignalsOf("thrice")[0].Evidence.Links
	for _, l := range []Link{{"acct:b:7", "phone:+639170000000", "USES_PHONE"}, {"ua:instagram:987", "phone:+639170000000", "USES_PHONE"}} {
		if !slices.Contains(links, l) {
			t.Errorf("links %v lack %v", links, l)
		}
	}
	if links := res.SignalsOf("direct")[0].Evidence.Links; !slices.Contains(links, Link{"person:cybertip:1", "acct:b:7", "HOLDS"}) {
		t.Errorf("direct links %v", links)
	}
}

func TestSharedFileHash(t *testing.T) {
	reports := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("report:cybertip:%d", 100+i))
		}
		return out
	}
	res := crossRun(t, "shared_file_hash", Facts{FileHashes: []FileHashHit{
		{Hash: "hash:md5:a", Reports: reports(2), Subjects: []string{"ua:ig:9", "ua:snap:3"}},
		{Hash: "hash:md5:b", Reports: reports(2), Subjects: []string{"ua:snap:3"}},
		{Hash: "hash:md5:c", Reports: reports(1), Subjects: []string{"lone"}},          // one report links nothing
		{Hash: "hash:md5:d", Reports: reports(50), Subjects: []string{"atCap"}},        // maxReports
		{Hash: "hash:md5:e", Reports: reports(51), Subjects: []string{"overCap"}},      // a widely circulated file
		{Hash: "hash:md5:f", Reports: reports(51), Subjects: []string{"ua:ig:9"}},      // adds nothing
		{Hash: "hash:md5:g", Reports: append(reports(1), "report:x:1"), Subjects: nil}, // no subjects
	}})
	checkCross(t, res, []crossCase{
		{name: "ua:ig:9", min: 0.6, max: 0.6, alert: false, says: []string{"1 file hash(es) across 2 reports (100, 101)"}},
		{name: "ua:snap:3", min: 0.8, max: 0.8, alert: false, says: []string{"2 file hash(es)"}},
		{name: "atCap", min: 0.6, max: 0.6, alert: false, says: []string{"50 reports (100, 101, 102, ...)"}},
		{name: "lone"},
		{name: "overCap"},
	})
}

// TestCrossConfigErrors checks that each parameter of the family is validated under its key.
func TestCrossConfigErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"rules: {identifier_in_report: {maxShared: 0}}", "rules.identifier_in_report.maxShared"},
		{"rules: {identifier_in_report: {victimStrength: 1.5}}", "rules.identifier_in_report.victimStrength"},
		{"rules: {login_ip_in_report: {window: 0s}}", "rules.login_ip_in_report.window"},
		{"rules: {login_ip_in_report: {unportedStrength: -0.1}}", "rules.login_ip_in_report.unportedStrength"},
		{"rules: {login_ip_in_report: {proxyFactor: 2}}", "rules.login_ip_in_report.proxyFactor"},
		{"rules: {login_ip_in_report: {maxShared: 0}}", "rules.login_ip_in_report.maxShared"},
		{"rules: {handle_in_report: {weight: 1.2}}", "rules.handle_in_report"},
		{"rules: {shared_file_hash: {maxReports: 1}}", "rules.shared_file_hash.maxReports"},
		{"rules: {pays_reported_recipient: {identifierStrength: 1.1}}", "rules.pays_reported_recipient.identifierStrength"},
		{"rules: {pays_reported_recipient: {paymentStep: -1}}", "rules.pays_reported_recipient.paymentStep"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if _, err := ParseConfig(strings.NewReader(tc.yaml), "x.yaml"); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
	// A configured window is the rule's: 45 minutes takes a payment 31 minutes off.
	c, err := ParseConfig(strings.NewReader("rules: {login_ip_in_report: {window: 45m}}"), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)
	res := Detect(Input{Facts: Facts{Identifiers: []IdentifierHit{{Subject: "s", Kind: "ip", Identifier: "ip:1.2.3.4", Report: "report:cybertip:1",
		Role: "subject", Reported: "ua:a:1", SubjectAt: at, ReportAt: at.Add(31 * time.Minute), Shared: 1}}}}, c, Options{Rules: []string{"login_ip_in_report"}})
	if len(res.Signals) != 1 {
		t.Errorf("window 45m: %d signals, want 1", len(res.Signals))
	}
}
