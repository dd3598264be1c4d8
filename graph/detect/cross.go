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
	IdentifierInReport    IdentifierInReportRule `yaml:"identifier_in_report"`
	LoginIPInReport       LoginIPInReportRule    `yaml:"login_ip_in_report"`
	HandleInReport        Rule                   `yaml:"handle_in_report"`
	PaysReportedRecipient Rule                   `yaml:"pays_reported_recipient"`
	SharedFileHash        SharedFileHashRule     `yaml:"shared_file_hash"`
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
	Rule   `yaml:",inline"`
	Window Duration `yaml:"window"`
	// UnportedStrength is the strength without matching ports (one or both not captured).
	UnportedStrength float64 `yaml:"unportedStrength"`
	// ProxyFactor scales the strength when the report flags a possible proxy.
	ProxyFactor float64 `yaml:"proxyFactor"`
	// MaxShared is how many users of the address are tolerated before it counts as shared.
	MaxShared int `yaml:"maxShared"`
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
	p.rule("rules.pays_reported_recipient", r.PaysReportedRecipient)
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
		Rule:     func(c *Config) Rule { return c.Rules.PaysReportedRecipient }, Run: runPaysReportedRecipient},
	{Name: "shared_file_hash", Family: FamilyCross, Indicator: "D4 file hash shared across reports",
		Describe: "the subject of a report whose file hash is in another report too",
		Rule:     func(c *Config) Rule { return c.Rules.SharedFileHash.Rule }, Run: runSharedFileHash},
}

// sharedFactor is 1 for an identifier used by at most max entities, falling off past it.
func sharedFactor(shared, max int) float64 {
	if shared <= max {
		return 1
	}
	return math.Max(0.2, float64(max)/float64(shared))
}

func runIdentifierInReport(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.IdentifierInReport
	type key struct{ subject, report string }
	by := map[key][]IdentifierHit{}
	for _, h := range x.Facts.Identifiers {
		if h.Kind == "ip" {
			continue
		}
		k := key{h.Subject, h.Report}
		by[k] = append(by[k], h)
	}
	for k, hits := range by {
		st := 0.0
		var kinds, ents []string
		var links []Link
		for _, h := range hits {
			s := sharedFactor(h.Shared, c.MaxShared)
			if h.Role == "victim" {
				s *= c.VictimStrength
			}
			st = math.Max(st, s)
			if !slices.Contains(kinds, h.Kind) {
				kinds = append(kinds, h.Kind)
			}
			ents = append(ents, h.Identifier, h.Reported)
			rel := map[string]string{"email": "USES_EMAIL", "phone": "USES_PHONE", "device": "USES_DEVICE", "resolved": "RESOLVED_TO"}[h.Kind]
			links = append(links, Link{From: h.Subject, To: h.Identifier, Type: rel}, Link{From: h.Reported, To: h.Identifier, Type: rel},
				Link{From: h.Reported, To: h.Report, Type: strings.ToUpper(h.Role)})
		}
		// Two kinds of identifier agreeing (e-mail and phone) point at one person more surely.
		st = math.Min(1, st*(0.85+0.15*float64(len(kinds))))
		ents = append(ents, k.report)
		slices.Sort(ents)
		ents = slices.Compact(ents)
		slices.Sort(kinds)
		emit(Signal{Subject: k.subject, Key: k.report, Strength: st,
			Summary: fmt.Sprintf("shares %s with the %s of report %s", strings.Join(kinds, ", "), hits[0].Role, shortIDs([]string{k.report})[0]),
			Evidence: Evidence{Entities: ents, Links: dedupLinks(links), Facts: map[string]any{"kinds": kinds, "role": hits[0].Role,
				"shared": hits[0].Shared, "maxShared": c.MaxShared}}})
	}
}

func dedupLinks(l []Link) []Link {
	slices.SortFunc(l, func(a, b Link) int {
		return strings.Compare(a.From+"\x00"+a.To+"\x00"+a.Type, b.From+"\x00"+b.To+"\x00"+b.Type)
	})
	return slices.Compact(l)
}

func runLoginIPInReport(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.LoginIPInReport
	type key struct{ subject, report string }
	best := map[key]IdentifierHit{}
	bestSt := map[key]float64{}
	for _, h := range x.Facts.Identifiers {
		if h.Kind != "ip" || h.SubjectAt.IsZero() || h.ReportAt.IsZero() {
			continue
		}
		gap := h.SubjectAt.Sub(h.ReportAt)
		if gap < 0 {
			gap = -gap
		}
		if gap > c.Window.D() {
			continue
		}
		st := c.UnportedStrength
		switch {
		case h.SubjectPort > 0 && h.ReportPort > 0 && h.SubjectPort == h.ReportPort:
			st = 1
		case h.SubjectPort > 0 && h.ReportPort > 0:
			continue // both ports known and different: another user behind the same address
		}
		if h.Proxy {
			st *= c.ProxyFactor
		}
		st *= sharedFactor(h.Shared, c.MaxShared)
		k := key{h.Subject, h.Report}
		if st > bestSt[k] {
			best[k], bestSt[k] = h, st
		}
	}
	for k, h := range best {
		gap := h.SubjectAt.Sub(h.ReportAt)
		if gap < 0 {
			gap = -gap
		}
		ported := h.SubjectPort > 0 && h.SubjectPort == h.ReportPort
		var txs []string
		if h.Tx != "" {
			txs = []string{h.Tx}
		}
		emit(Signal{Subject: k.subject, Key: k.report, Strength: bestSt[k],
			Summary: fmt.Sprintf("paid from %s %s apart from a capture in report %s (port match: %v, possible proxy: %v)",
				strings.TrimPrefix(h.Identifier, "ip:"), gap.Round(time.Minute), shortIDs([]string{h.Report})[0], ported, h.Proxy),
			Evidence: Evidence{Transactions: txs, Entities: []string{h.Identifier, h.Reported, h.Report},
				Links: []Link{{From: h.Reported, To: h.Identifier, Type: "LOGGED_IN_FROM"}, {From: h.Reported, To: h.Report, Type: strings.ToUpper(h.Role)}},
				Facts: map[string]any{"gapMinutes": math.Round(gap.Minutes()), "window": c.Window.D().String(), "portMatch": ported,
					"possibleProxy": h.Proxy, "shared": h.Shared}}})
	}
}

func runHandleInReport(x *Index, emit func(Signal)) {
	type key struct{ subject, report string }
	by := map[key][]HandleHit{}
	for _, h := range x.Facts.Handles {
		by[key{h.Subject, h.Report}] = append(by[key{h.Subject, h.Report}], h)
	}
	for k, hits := range by {
		var txs, ents []string
		for _, h := range hits {
			txs = append(txs, h.Tx)
			ents = append(ents, h.Handle, h.UserAccount)
		}
		slices.Sort(txs)
		txs = slices.Compact(txs)
		ents = append(ents, k.report)
		slices.Sort(ents)
		ents = slices.Compact(ents)
		h := hits[0]
		emit(Signal{Subject: k.subject, Key: k.report, Strength: 1,
			Summary: fmt.Sprintf("%d payment reference(s) name %s, the username of the %s of report %s", len(txs),
				strings.TrimPrefix(h.Handle, "handle:"), h.Role, shortIDs([]string{k.report})[0]),
			Evidence: Evidence{Transactions: txs, Entities: ents, Links: []Link{{From: h.UserAccount, To: h.Handle, Type: "HAS_HANDLE"},
				{From: h.UserAccount, To: h.Report, Type: strings.ToUpper(h.Role)}}, Facts: map[string]any{"payments": len(txs), "role": h.Role}}})
	}
}

func runPaysReportedRecipient(x *Index, emit func(Signal)) {
	type key struct{ subject, report string }
	by := map[key][]RecipientHit{}
	for _, h := range x.Facts.Recipients {
		by[key{h.Subject, h.Report}] = append(by[key{h.Subject, h.Report}], h)
	}
	for k, hits := range by {
		var txs, ents []string
		var links []Link
		for _, h := range hits {
			txs = append(txs, h.Tx)
			ents = append(ents, h.Recipient, h.Reported, h.Via)
			links = append(links, Link{From: h.Recipient, To: h.Via, Type: "LINKED_VIA"}, Link{From: h.Reported, To: h.Via, Type: "LINKED_VIA"},
				Link{From: h.Reported, To: h.Report, Type: strings.ToUpper(h.Role)})
		}
		slices.Sort(txs)
		txs = slices.Compact(txs)
		ents = append(ents, k.report)
		slices.Sort(ents)
		ents = slices.Compact(ents)
		emit(Signal{Subject: k.subject, Key: k.report, Strength: math.Min(1, 0.7+0.1*float64(len(txs)-1)),
			Summary: fmt.Sprintf("%d payment(s) to %s, linked to the %s of report %s", len(txs), shortIDs([]string{hits[0].Recipient})[0],
				hits[0].Role, shortIDs([]string{k.report})[0]),
			Evidence: Evidence{Transactions: txs, Entities: ents, Links: dedupLinks(links), Facts: map[string]any{"payments": len(txs), "role": hits[0].Role}}})
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
		var links []Link
		for _, h := range a.hashes {
			links = append(links, Link{From: s, To: h, Type: "REPORTED_FILE"})
		}
		emit(Signal{Subject: s, Strength: math.Min(1, 0.6+0.2*float64(len(a.hashes)-1)),
			Summary: fmt.Sprintf("named in a report whose file hash appears in %d reports", len(a.reports)),
			Evidence: Evidence{Entities: slices.Concat(a.hashes, a.reports), Links: links, Facts: map[string]any{"hashes": len(a.hashes),
				"reports": len(a.reports), "maxReports": c.MaxReports}}})
	}
}
