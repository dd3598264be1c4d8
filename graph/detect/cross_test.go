package detect

import (
	"testing"
	"time"
)

// crossRun runs one cross rule over hand-made facts and returns the strength per subject.
func crossRun(t *testing.T, rule string, f Facts) map[string]float64 {
	t.Helper()
	res := Detect(Input{Facts: f}, Default(), Options{Rules: []string{rule}})
	out := map[string]float64{}
	for _, s := range res.Signals {
		if s.Summary == "" || len(s.Evidence.Entities) == 0 {
			t.Errorf("signal without summary or entities: %+v", s)
		}
		out[s.Subject] = s.Strength
	}
	return out
}

func TestIdentifierInReport(t *testing.T) {
	hit := func(subject, kind, role string, shared int) IdentifierHit {
		return IdentifierHit{Subject: subject, Kind: kind, Identifier: kind + ":x", Report: "report:cybertip:1", Role: role, Reported: "ua:s:1", Shared: shared}
	}
	got := crossRun(t, "identifier_in_report", Facts{Identifiers: []IdentifierHit{
		hit("alone", "email", "subject", 2),
		hit("both", "email", "subject", 2), hit("both", "phone", "subject", 2),
		hit("family", "email", "subject", 50),
		hit("parent", "email", "victim", 2),
		hit("ipOnly", "ip", "subject", 1), // the IP rule's, not this one's
	}})
	if got["alone"] < 0.9 || got["both"] <= got["alone"] && got["both"] < 1 {
		t.Errorf("strengths %v: one exclusive identifier is strong, two kinds at least as strong", got)
	}
	if got["family"] >= got["alone"]/2 {
		t.Errorf("an identifier of 50 entities: %v, want well under %v", got["family"], got["alone"])
	}
	if got["parent"] >= 0.5 {
		t.Errorf("a victim's identifier: %v, want weak", got["parent"])
	}
	if _, ok := got["ipOnly"]; ok {
		t.Error("an IP fact made an identifier signal")
	}
}

func TestLoginIPInReport(t *testing.T) {
	at := time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)
	hit := func(subject string, gap time.Duration, sp, rp int, proxy bool, shared int) IdentifierHit {
		return IdentifierHit{Subject: subject, Kind: "ip", Identifier: "ip:203.0.113.9", Report: "report:cybertip:1", Role: "subject",
			Reported: "ua:s:1", SubjectAt: at, ReportAt: at.Add(gap), SubjectPort: sp, ReportPort: rp, Proxy: proxy, Shared: shared, Tx: "tx:1"}
	}
	got := crossRun(t, "login_ip_in_report", Facts{Identifiers: []IdentifierHit{
		hit("ported", 10*time.Minute, 50123, 50123, false, 3),
		hit("unported", 10*time.Minute, 0, 50123, false, 3),
		hit("late", 45*time.Minute, 50123, 50123, false, 3),
		hit("otherPort", 5*time.Minute, 50123, 40000, false, 3),
		hit("proxy", 5*time.Minute, 50123, 50123, true, 3),
		hit("cgnat", 5*time.Minute, 0, 0, false, 2000),
	}})
	if got["ported"] != 1 {
		t.Errorf("matching ports within the window: %v, want 1", got["ported"])
	}
	if s := got["unported"]; s == 0 || s > 0.5 {
		t.Errorf("without ports: %v, want a weak signal", s)
	}
	for _, s := range []string{"late", "otherPort"} {
		if _, ok := got[s]; ok {
			t.Errorf("%s: signal %v, want none", s, got[s])
		}
	}
	if got["proxy"] >= got["ported"] {
		t.Errorf("a possible proxy: %v, want less than %v", got["proxy"], got["ported"])
	}
	if got["cgnat"] >= got["unported"] {
		t.Errorf("an address of 2,000 users: %v, want less than %v", got["cgnat"], got["unported"])
	}
}

func TestHandleRecipientAndFileHash(t *testing.T) {
	f := Facts{
		Handles:    []HandleHit{{Tx: "tx:1", Subject: "bob", Handle: "handle:maria", UserAccount: "ua:ig:9", Report: "report:cybertip:1", Role: "subject"}},
		Recipients: []RecipientHit{{Tx: "tx:2", Subject: "bob", Recipient: "acct:b:7", Reported: "ua:ig:9", Report: "report:cybertip:1", Role: "subject", Via: "re:1"}},
		FileHashes: []FileHashHit{
			{Hash: "hash:a", Reports: []string{"report:cybertip:1", "report:cybertip:2"}, Subjects: []string{"ua:ig:9", "ua:snap:3"}},
			{Hash: "hash:b", Reports: []string{"report:cybertip:3"}, Subjects: []string{"ua:x:1"}}, // one report: no link
		},
	}
	if got := crossRun(t, "handle_in_report", f); got["bob"] != 1 {
		t.Errorf("handle: %v", got)
	}
	if got := crossRun(t, "pays_reported_recipient", f); got["bob"] < 0.7 {
		t.Errorf("recipient: %v", got)
	}
	got := crossRun(t, "shared_file_hash", f)
	if len(got) != 2 || got["ua:ig:9"] == 0 || got["ua:snap:3"] == 0 {
		t.Errorf("file hash: %v, want the two subjects of the two reports", got)
	}
	var many FileHashHit
	many.Hash = "hash:c"
	for i := range 60 {
		many.Reports = append(many.Reports, "report:cybertip:"+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	many.Subjects = []string{"ua:y:1"}
	if got := crossRun(t, "shared_file_hash", Facts{FileHashes: []FileHashHit{many}}); len(got) != 0 {
		t.Errorf("a hash in 60 reports linked: %v", got)
	}
}
