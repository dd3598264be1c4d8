package detect

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// CrossRules holds the parameters of the cross-sector rules (DOMAIN.md D4): what one graph of
// every sector's data shows and no single institution can see.
type CrossRules struct {
	IdentifierInReport    IdentifierInReportRule    `yaml:"identifier_in_report"`
	LoginIPInReport       LoginIPInReportRule       `yaml:"login_ip_in_report"`
	HandleInReport        Rule                      `yaml:"handle_in_report"`
	PaysReportedRecipient PaysReportedRecipientRule `yaml:"pays_reported_recipient"`
	SharedFileHash        SharedFileHashRule        `yaml:"shared_file_hash"`
}

// IdentifierInReportRule: a customer's e-mail, phone or device, or the customer as resolution
// sees it, is named in a report.
type IdentifierInReportRule struct {
	Rule `yaml:",inline"`
	// MaxShared is how many entities may share an identifier before it stops pointing at one
	// person (a family e-mail, a company switchboard): past it the strength falls off.
	MaxShared int `yaml:"maxShared"`
	// VictimStrength is the strength when the report names the entity as a victim: the
	// customer may be the victim's parent, which matters for sextortion, but is no offender.
	VictimStrength float64 `yaml:"victimStrength"`
}

// LoginIPInReportRule: a customer's payment was made from an IP address a report captured near
// the same time. Carrier-grade NAT puts thousands behind one address: without matching source
// ports the match is weak.
type LoginIPInReportRule struct {
	Rule `yaml:",inline"`
	// Window is how far apart the payment's login and the report's capture may be (either way).
	Window Duration `yaml:"window"`
	// UnportedStrength is the strength without matching ports (one or both not captured); with
	// the weight it must stay under the alert threshold, so that an address alone never alerts.
	UnportedStrength float64 `yaml:"unportedStrength"`
	// ProxyFactor scales the strength when the report flags a possible proxy.
	ProxyFactor float64 `yaml:"proxyFactor"`
	// MaxShared is how many users of the address (distinct accounts and payers) are tolerated
	// before it counts as shared; past it the strength falls off.
	MaxShared int `yaml:"maxShared"`
}

// PaysReportedRecipientRule: payments to a recipient linked to a reported entity.
type PaysReportedRecipientRule struct {
	Rule `yaml:",inline"`
	// IdentifierStrength is the strength of one payment when the recipient only shares a phone or
	// e-mail with the reported entity (1 when the reported entity holds the payee account or
	// resolution says they are one person): a shared number is a weaker link than identity.
	IdentifierStrength float64 `yaml:"identifierStrength"`
	// PaymentStep is what each further payment to such recipients adds to the strength.
	PaymentStep float64 `yaml:"paymentStep"`
}

// SharedFileHashRule: the same file hash in several reports links their subjects.
type SharedFileHashRule struct {
	Rule `yaml:",inline"`
	// MaxReports bounds the reports of one hash: a file in hundreds of reports is a known,
	// widely circulated file that links nobody in particular.
	MaxReports int `yaml:"maxReports"`
}

func (r *CrossRules) validate(p *problems) {
	p.rule("rules.identifier_in_report", r.IdentifierInReport.Rule)
	if r.IdentifierInReport.MaxShared < 1 {
		p.add("rules.identifier_in_report.maxShared", "must be at least 1, is %d", r.IdentifierInReport.MaxShared)
	}
	p.fraction("rules.identifier_in_report.victimStrength", r.IdentifierInReport.VictimStrength)
	l := r.LoginIPInReport
	p.rule("rules.login_ip_in_report", l.Rule)
	p.positive("rules.login_ip_in_report.window", float64(l.Window))
	p.fraction("rules.login_ip_in_report.unportedStrength", l.UnportedStrength)
	p.fraction("rules.login_ip_in_report.proxyFactor", l.ProxyFactor)
	if l.MaxShared < 1 {
		p.add("rules.login_ip_in_report.maxShared", "must be at least 1, is %d", l.MaxShared)
	}
	p.rule("rules.handle_in_report", r.HandleInReport)
	p.rule("rules.pays_reported_recipient", r.PaysReportedRecipient.Rule)
	p.fraction("rules.pays_reported_recipient.identifierStrength", r.PaysReportedRecipient.IdentifierStrength)
	p.fraction("rules.pays_reported_recipient.paymentStep", r.PaysReportedRecipient.PaymentStep)
	p.rule("rules.shared_file_hash", r.SharedFileHash.Rule)
	if r.SharedFileHash.MaxReports < 2 {
		p.add("rules.shared_file_hash.maxReports", "must be at least 2, is %d", r.SharedFileHash.MaxReports)
	}
}

var crossRules = []ruleSpec{
	{Name: "identifier_in_report", Family: FamilyCross, Indicator: "D4 customer identifier in a hotline report",
		Describe: "a customer's e-mail, phone or device (or the customer as resolution links it) is named in a CyberTipline report",
		Rule:     func(c *Config) Rule { return c.Rules.IdentifierInReport.Rule }, Run: runIdentifierInReport},
	{Name: "login_ip_in_report", Family: FamilyCross, Indicator: "D4 payment login IP captured by a report",
		Describe: "a payment was made from an IP address a report captured near the same time (weak without matching ports: CGNAT)",
		Rule:     func(c *Config) Rule { return c.Rules.LoginIPInReport.Rule }, Run: runLoginIPInReport},
	{Name: "handle_in_report", Family: FamilyCross, Indicator: "D4/D1.6 payment reference names a reported username",
		Describe: "a payment reference names the username of a platform account a report names",
		Rule:     func(c *Config) Rule { return c.Rules.HandleInReport }, Run: runHandleInReport},
	{Name: "pays_reported_recipient", Family: FamilyCross, Indicator: "D4 payments to a recipient linked to a reported account",
		Describe: "payments to a recipient who is, or shares a phone or e-mail with, an entity a report names",
		Rule:     func(c *Config) Rule { return c.Rules.PaysReportedRecipient.Rule }, Run: runPaysReportedRecipient},
	{Name: "shared_file_hash", Family: FamilyCross, Indicator: "D4 file hash shared across reports",
		Describe: "the subject of a report whose file hash is in another report too",
		Rule:     func(c *Config) Rule { return c.Rules.SharedFileHash.Rule }, Run: runSharedFileHash},
}

// sharedFactor is 1 for an identifier used by at most max entities, falling off past it (an
// identifier of 10×max entities keeps a fifth): a family e-mail or a CGNAT address points at
// nobody in particular.
func sharedFactor(shared, max int) float64 {
	if shared <= max {
		return 1
	}
	return math.Max(0.2, float64(max)/float64(shared))
}

// idValue is the readable value of a node id: "email:bob@x.test" is "bob@x.test",
// "ua:instagram:987" is "instagram:987".
func idValue(id string) string {
	if _, v, ok := strings.Cut(id, ":"); ok && v != "" {
		return v
	}
	return id
}

// reportName is a report as an analyst reads it: "CyberTipline report 12345".
func reportName(id string) string {
	if n, ok := strings.CutPrefix(id, "report:cybertip:"); ok {
		return "CyberTipline report " + n
	}
	return "report " + idValue(id)
}

// identKinds names the kinds of identifier hit, and the relationship that uses each.
var identKinds = map[string]struct{ noun, rel string }{
	"email":    {"e-mail", "USES_EMAIL"},
	"phone":    {"phone", "USES_PHONE"},
	"device":   {"device", "USES_DEVICE"},
	"resolved": {"resolved entity", "RESOLVED_TO"},
}

// roleRel is the relationship type of a report role.
func roleRel(role string) string {
	switch role {
	case "subject":
		return "SUBJECT_OF"
	case "recipient":
		return "RECIPIENT_IN"
	case "victim":
		return "VICTIM_IN"
	}
	return strings.ToUpper(role)
}

// txOrder returns the transactions' ids oldest first, as far as the index knows them (ids the
// index does not hold follow, by id).
func txOrder(x *Index, ids []string) []string {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) < 2 {
		return ids
	}
	want := make(map[string]int, len(ids))
	for _, id := range ids {
		want[id] = math.MaxInt
	}
	for i := range x.Txs {
		if _, ok := want[x.Txs[i].ID]; ok {
			want[x.Txs[i].ID] = i
		}
	}
	slices.SortStableFunc(ids, func(a, b string) int { return want[a] - want[b] })
	return ids
}

func runIdentifierInReport(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.IdentifierInReport
	type key struct{ subject, report string }
	by := map[key][]IdentifierHit{}
	for _, h := range x.Facts.Identifiers {
		if _, ok := identKinds[h.Kind]; !ok {
			continue // ip: login_ip_in_report's
		}
		k := key{h.Subject, h.Report}
		by[k] = append(by[k], h)
	}
	for k, hits := range by {
		slices.SortFunc(hits, func(a, b IdentifierHit) int {
			return strings.Compare(a.Kind+a.Identifier+a.Reported, b.Kind+b.Identifier+b.Reported)
		})
		// The strongest hit says what the signal is: an exclusive identifier of the report's
		// subject outweighs a family e-mail of its victim.
		st, best := 0.0, hits[0]
		var kinds, ents, idents []string
		var links []Link
		for _, h := range hits {
			s := sharedFactor(h.Shared, c.MaxShared)
			if h.Role == "victim" {
				s *= c.VictimStrength
			}
			if s > st {
				st, best = s, h
			}
			kind := identKinds[h.Kind]
			if !slices.Contains(kinds, h.Kind) {
				kinds = append(kinds, h.Kind)
			}
			idents = append(idents, h.Identifier)
			ents = append(ents, h.Identifier, h.Reported)
			links = append(links, Link{From: h.Subject, To: h.Identifier, Type: kind.rel})
			if h.Reported != h.Identifier { // a victim's e-mail or phone is itself named by the report
				links = append(links, Link{From: h.Reported, To: h.Identifier, Type: kind.rel})
			}
			links = append(links, Link{From: h.Reported, To: h.Report, Type: roleRel(h.Role)})
		}
		// Two kinds of identifier agreeing (e-mail and phone) point at one person more surely.
		st = math.Min(1, st*(0.85+0.15*float64(len(kinds))))
		ents = append(ents, k.report)
		slices.Sort(ents)
		ents = slices.Compact(ents)
		slices.Sort(kinds)
		slices.Sort(idents)
		idents = slices.Compact(idents)
		verb := "uses " + identKinds[best.Kind].noun + " " + idValue(best.Identifier)
		if best.Kind == "resolved" {
			verb = "is resolved (" + best.Identifier + ") to the same person as"
		}
		summary := fmt.Sprintf("%s that %s names for its %s (%s)", verb, reportName(k.report), best.Role, idValue(best.Reported))
		if best.Kind == "resolved" {
			summary = fmt.Sprintf("%s %s, whom %s names as its %s", verb, idValue(best.Reported), reportName(k.report), best.Role)
		}
		if best.Reported == best.Identifier {
			summary = fmt.Sprintf("%s that %s names as its %s's", verb, reportName(k.report), best.Role)
		}
		if best.Shared > c.MaxShared {
			summary += fmt.Sprintf("; %d entities use it", best.Shared)
		}
		if len(idents) > 1 {
			summary += fmt.Sprintf("; %d identifiers in all (%s)", len(idents), strings.Join(kinds, ", "))
		}
		emit(Signal{Subject: k.subject, Key: k.report, Strength: st, Summary: summary,
			Evidence: Evidence{Entities: ents, Links: dedupLinks(links), Facts: map[string]any{"kinds": kinds, "identifiers": idents,
				"role": best.Role, "shared": best.Shared, "maxShared": c.MaxShared}}})
	}
}

func dedupLinks(l []Link) []Link {
	slices.SortFunc(l, func(a, b Link) int {
		return strings.Compare(a.From+"\x00"+a.To+"\x00"+a.Type, b.From+"\x00"+b.To+"\x00"+b.Type)
	})
	return slices.Compact(l)
}

// ipStrength is the strength of one login IP hit, 0 when it does not match: outside the
// window, or both ports known and different (another user behind the same address).
func ipStrength(c LoginIPInReportRule, h IdentifierHit) float64 {
	if h.SubjectAt.IsZero() || h.ReportAt.IsZero() || absDur(h.SubjectAt.Sub(h.ReportAt)) > c.Window.D() {
		return 0
	}
	st := c.UnportedStrength
	if h.SubjectPort > 0 && h.ReportPort > 0 {
		if h.SubjectPort != h.ReportPort {
			return 0
		}
		st = 1
	}
	if h.Proxy {
		st *= c.ProxyFactor
	}
	return st * sharedFactor(h.Shared, c.MaxShared)
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func runLoginIPInReport(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.LoginIPInReport
	type key struct{ subject, report string }
	type acc struct {
		best     IdentifierHit
		st       float64
		txs, ips []string
	}
	by := map[key]*acc{}
	for _, h := range x.Facts.Identifiers {
		if h.Kind != "ip" {
			continue
		}
		st := ipStrength(c, h)
		if st == 0 {
			continue
		}
		k := key{h.Subject, h.Report}
		a := by[k]
		if a == nil {
			a = &acc{}
			by[k] = a
		}
		if st > a.st || st == a.st && h.Tx < a.best.Tx {
			a.best, a.st = h, st
		}
		if h.Tx != "" {
			a.txs = append(a.txs, h.Tx)
		}
		a.ips = append(a.ips, h.Identifier)
	}
	for k, a := range by {
		h := a.best
		gap := absDur(h.SubjectAt.Sub(h.ReportAt))
		ported := h.SubjectPort > 0 && h.SubjectPort == h.ReportPort
		port := "no port to compare"
		if ported {
			port = fmt.Sprintf("same port %d", h.SubjectPort)
		}
		summary := fmt.Sprintf("paid from %s %s from when the %s of %s (%s) used it, %s", idValue(h.Identifier),
			gap.Round(time.Minute), h.Role, reportName(k.report), idValue(h.Reported), port)
		if h.Proxy {
			summary += "; the report flags a possible proxy"
		}
		if h.Shared > c.MaxShared {
			summary += fmt.Sprintf("; %d entities use the address (CGNAT?)", h.Shared)
		}
		slices.Sort(a.ips)
		a.ips = slices.Compact(a.ips)
		links := []Link{{From: h.Reported, To: h.Identifier, Type: "LOGGED_IN_FROM"}, {From: h.Reported, To: k.report, Type: roleRel(h.Role)}}
		if h.Tx != "" {
			links = append(links, Link{From: h.Tx, To: h.Identifier, Type: "LOGGED_IN_FROM"})
		}
		emit(Signal{Subject: k.subject, Key: k.report, Strength: a.st, Summary: summary,
			Evidence: Evidence{Transactions: txOrder(x, a.txs), Entities: slices.Concat(a.ips, []string{h.Reported, k.report}), Links: links,
				Facts: map[string]any{"gapMinutes": math.Round(gap.Minutes()), "window": c.Window.D().String(), "portMatch": ported,
					"subjectPort": h.SubjectPort, "reportPort": h.ReportPort, "possibleProxy": h.Proxy, "shared": h.Shared,
					"maxShared": c.MaxShared, "subjectAt": h.SubjectAt, "reportAt": h.ReportAt}}})
	}
}

func runHandleInReport(x *Index, emit func(Signal)) {
	type key struct{ subject, report string }
	by := map[key][]HandleHit{}
	for _, h := range x.Facts.Handles {
		by[key{h.Subject, h.Report}] = append(by[key{h.Subject, h.Report}], h)
	}
	for k, hits := range by {
		slices.SortFunc(hits, func(a, b HandleHit) int { return strings.Compare(a.Handle+a.UserAccount, b.Handle+b.UserAccount) })
		var txs, ents []string
		var links []Link
		for _, h := range hits {
			txs = append(txs, h.Tx)
			ents = append(ents, h.Handle, h.UserAccount)
			links = append(links, Link{From: h.Tx, To: h.Handle, Type: "MENTIONS"}, Link{From: h.UserAccount, To: h.Handle, Type: "HAS_HANDLE"},
				Link{From: h.UserAccount, To: h.Report, Type: roleRel(h.Role)})
		}
		txs = txOrder(x, txs)
		ents = append(ents, k.report)
		slices.Sort(ents)
		ents = slices.Compact(ents)
		h := hits[0]
		emit(Signal{Subject: k.subject, Key: k.report, Strength: 1,
			Summary: fmt.Sprintf("%d payment reference(s) name @%s, the username of %s, whom %s names as its %s", len(txs),
				idValue(h.Handle), idValue(h.UserAccount), reportName(k.report), h.Role),
			Evidence: Evidence{Transactions: txs, Entities: ents, Links: dedupLinks(links), Facts: map[string]any{"payments": len(txs), "role": h.Role}}})
	}
}

// viaLink is the relationship that links a recipient's side to a reported entity through via:
// an identifier both use, the resolved entity both are in, or the reported entity itself.
func viaLink(from, via string) Link {
	switch {
	case from == via:
		return Link{}
	case strings.HasPrefix(via, "email:"):
		return Link{From: from, To: via, Type: "USES_EMAIL"}
	case strings.HasPrefix(via, "phone:"):
		return Link{From: from, To: via, Type: "USES_PHONE"}
	case strings.HasPrefix(via, "re:"):
		return Link{From: from, To: via, Type: "RESOLVED_TO"}
	}
	return Link{From: from, To: via, Type: "LINKED_VIA"}
}

func runPaysReportedRecipient(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.PaysReportedRecipient
	type key struct{ subject, report string }
	by := map[key][]RecipientHit{}
	for _, h := range x.Facts.Recipients {
		by[key{h.Subject, h.Report}] = append(by[key{h.Subject, h.Report}], h)
	}
	for k, hits := range by {
		slices.SortFunc(hits, func(a, b RecipientHit) int { return strings.Compare(a.Recipient+a.Via+a.Tx, b.Recipient+b.Via+b.Tx) })
		var txs, ents, recips []string
		var links []Link
		base := c.IdentifierStrength
		for _, h := range hits {
			if h.Via == h.Reported || strings.HasPrefix(h.Via, "re:") {
				base = 1
			}
			txs = append(txs, h.Tx)
			recips = append(recips, h.Recipient)
			ents = append(ents, h.Recipient, h.Reported, h.Via)
			links = append(links, Link{From: h.Reported, To: h.Report, Type: roleRel(h.Role)})
			if h.Via == h.Reported {
				// The reported entity holds the payee account (or is the payee).
				if h.Recipient != h.Reported {
					links = append(links, Link{From: h.Reported, To: h.Recipient, Type: "HOLDS"})
				}
				continue
			}
			// Through an identifier or a resolved entity: the payee account stands for its holder.
			links = append(links, viaLink(h.Recipient, h.Via), viaLink(h.Reported, h.Via))
		}
		txs = txOrder(x, txs)
		ents = append(ents, k.report)
		slices.Sort(ents)
		ents = slices.Compact(ents)
		slices.Sort(recips)
		recips = slices.Compact(recips)
		h := hits[0]
		how := "held by"
		switch {
		case strings.HasPrefix(h.Via, "re:"):
			how = "resolved to the same person as"
		case h.Via != h.Reported:
			how = "sharing " + idValue(h.Via) + " with"
		}
		summary := fmt.Sprintf("%d payment(s) to %s, %s %s, whom %s names as its %s", len(txs), idValue(h.Recipient), how,
			idValue(h.Reported), reportName(k.report), h.Role)
		if len(recips) > 1 {
			summary += fmt.Sprintf("; %d such recipients", len(recips))
		}
		emit(Signal{Subject: k.subject, Key: k.report, Strength: math.Min(1, base+c.PaymentStep*float64(len(txs)-1)), Summary: summary,
			Evidence: Evidence{Transactions: txs, Entities: ents, Links: dedupLinks(slices.DeleteFunc(links, func(l Link) bool { return l.Type == "" })),
				Facts: map[string]any{"payments": len(txs), "recipients": len(recips), "role": h.Role}}})
	}
}

func runSharedFileHash(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.SharedFileHash
	type acc struct {
		hashes, reports []string
	}
	by := map[string]*acc{}
	for _, h := range x.Facts.FileHashes {
		if len(h.Reports) < 2 || len(h.Reports) > c.MaxReports {
			continue
		}
		for _, s := range h.Subjects {
			a := by[s]
			if a == nil {
				a = &acc{}
				by[s] = a
			}
			a.hashes = append(a.hashes, h.Hash)
			a.reports = append(a.reports, h.Reports...)
		}
	}
	for s, a := range by {
		slices.Sort(a.reports)
		a.reports = slices.Compact(a.reports)
		slices.Sort(a.hashes)
		a.hashes = slices.Compact(a.hashes)
		var links []Link
		for _, r := range a.reports {
			for _, h := range a.hashes {
				links = append(links, Link{From: r, To: h, Type: "REPORTED_FILE"})
			}
		}
		names := make([]string, 0, 3)
		for _, r := range a.reports[:min(3, len(a.reports))] {
			names = append(names, idValue(idValue(r)))
		}
		more := ""
		if len(a.reports) > 3 {
			more = ", ..."
		}
		emit(Signal{Subject: s, Strength: math.Min(1, 0.6+0.2*float64(len(a.hashes)-1)),
			Summary: fmt.Sprintf("named as the subject of a report sharing %d file hash(es) across %d reports (%s%s)",
				len(a.hashes), len(a.reports), strings.Join(names, ", "), more),
			Evidence: Evidence{Entities: slices.Concat(a.hashes, a.reports), Links: dedupLinks(links), Facts: map[string]any{"hashes": len(a.hashes),
				"reports": len(a.reports), "maxReports": c.MaxReports}}})
	}
}
