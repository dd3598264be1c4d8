package demo

import (
	"bufio"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// GroundTruth is what ground_truth.json holds: what was planted in the files, by the values
// the files carry (customer ids, account numbers, platform ids, report numbers, transaction
// ids, FtM ids). Only the Person keys appear in no file: they name a person of the world so
// that the lists can refer to one another. docs/demo.md describes every field.
type GroundTruth struct {
	Generator   GeneratorInfo   `json:"generator"`
	BankPartner string          `json:"bank_partner"`
	Files       []FileStat      `json:"files"`
	Networks    []*NetworkTruth `json:"networks"`
	Patterns    []*PatternTruth `json:"patterns"`
	SamePerson  []*PersonTruth  `json:"same_person"`
}

// GeneratorInfo records the configuration that generated the world.
type GeneratorInfo struct {
	Version int    `json:"version"`
	Seed    uint64 `json:"seed"`
	Scale   int    `json:"scale"`
	Start   string `json:"start"`
	Days    int    `json:"days"`
}

// truthVersion changes whenever the same configuration would generate a different world.
const truthVersion = 1

// NetworkTruth is one offender network.
type NetworkTruth struct {
	ID              string         `json:"id"`
	Kind            string         `json:"kind"`      // livestream or sextortion
	Countries       []string       `json:"countries"` // the high-risk jurisdictions it pays into
	GroupIdentifier string         `json:"group_identifier"`
	Members         []*MemberTruth `json:"members"`
	TransactionIDs  []string       `json:"transaction_ids"` // every transaction of its activity
	ReportIDs       []string       `json:"report_ids"`      // reports filed about it
	FtMIDs          []string       `json:"ftm_ids,omitempty"`
	Signals         []*SignalTruth `json:"signals"`
}

// MemberTruth is one member of a network and every record of them.
type MemberTruth struct {
	Person           string        `json:"person"`
	Role             string        `json:"role"`
	Name             string        `json:"name,omitempty"`
	Country          string        `json:"country"`
	CustomerID       string        `json:"customer_id,omitempty"`
	Accounts         []string      `json:"accounts,omitempty"`
	PlatformAccounts []PlatformRef `json:"platform_accounts,omitempty"`
	ReportIDs        []string      `json:"report_ids,omitempty"`
	FtMIDs           []string      `json:"ftm_ids,omitempty"`
}

// PlatformRef names a platform account.
type PlatformRef struct {
	Service    string `json:"service"`
	PlatformID string `json:"platform_id"`
	Username   string `json:"username"`
}

// SignalTruth lists the transactions that carry one CSE indicator in a network.
type SignalTruth struct {
	Signal         string   `json:"signal"`
	Indicator      string   `json:"indicator"`
	TransactionIDs []string `json:"transaction_ids"`
}

// PatternTruth is one planted AML pattern.
type PatternTruth struct {
	ID             string   `json:"id"`
	Type           string   `json:"type"`
	Accounts       []string `json:"accounts"`
	CustomerIDs    []string `json:"customer_ids"`
	TransactionIDs []string `json:"transaction_ids"`
}

// PersonTruth is one person who appears in more than one record: the bank customer, the
// accounts, the platform accounts, the reports and the registry entries that are all them.
type PersonTruth struct {
	Person           string        `json:"person"`
	Role             string        `json:"role,omitempty"`
	Network          string        `json:"network,omitempty"`
	Names            []string      `json:"names"`
	CustomerID       string        `json:"customer_id,omitempty"`
	Accounts         []string      `json:"accounts,omitempty"`
	PlatformAccounts []PlatformRef `json:"platform_accounts,omitempty"`
	Reports          []ReportRef   `json:"reports,omitempty"`
	FtMIDs           []string      `json:"ftm_ids,omitempty"`
	Emails           []string      `json:"emails,omitempty"`
	Phones           []string      `json:"phones,omitempty"`
	p                *person
}

// ReportRef is one appearance of a person's account in a report.
type ReportRef struct {
	ReportID      string `json:"report_id"`
	Role          string `json:"role"` // subject, recipient or victim
	Service       string `json:"service"`
	ESPIdentifier string `json:"esp_identifier"`
}

func (t *PersonTruth) addName(n string) {
	if n = strings.TrimSpace(n); n != "" && !slices.Contains(t.Names, n) {
		t.Names = append(t.Names, n)
	}
}

// records counts the records that are this person: the bank's customer (with its accounts)
// or each account abroad, each platform account, each appearance in a report, each registry
// entry.
func (t *PersonTruth) records() int {
	n := len(t.PlatformAccounts) + len(t.Reports) + len(t.FtMIDs)
	if t.CustomerID != "" {
		return n + 1
	}
	return n + len(t.Accounts)
}

// truthOf returns p's same-person record, creating it.
func (w *world) truthOf(p *person) *PersonTruth {
	if p.truth == nil {
		p.truth = &PersonTruth{Person: p.key, Role: p.role, p: p}
		if p.net != nil {
			p.truth.Network = p.net.id
		}
	}
	return p.truth
}

func ref(a *uaccount) PlatformRef {
	return PlatformRef{Service: a.service, PlatformID: a.id, Username: a.username}
}

// finishTruth fills the network members and the same-person records from the built world.
// Transaction ids are added while the transactions are written.
func (w *world) finishTruth() {
	g := w.truth
	g.Generator.Version = truthVersion
	for _, p := range w.people {
		t := w.truthOf(p)
		if p.cust != nil {
			t.CustomerID = p.cust.id
			t.Accounts = append(t.Accounts, p.cust.account, p.cust.card)
			t.addName(p.name())
		}
		for _, pt := range p.wallets {
			t.Accounts = append(t.Accounts, pt.key())
			t.addName(pt.name)
		}
		for _, a := range p.accounts {
			t.PlatformAccounts = append(t.PlatformAccounts, ref(a))
			t.addName(a.display)
			if a.email != "" {
				t.Emails = appendNew(t.Emails, strings.ToLower(a.email))
			}
			if a.phone != "" {
				t.Phones = appendNew(t.Phones, p.phone.e164)
			}
		}
	}
	for _, rep := range w.reports {
		add := func(a *uaccount, role string) {
			t := w.truthOf(a.owner)
			t.Reports = append(t.Reports, ReportRef{ReportID: rid(rep.id), Role: role, Service: a.service, ESPIdentifier: a.id})
		}
		add(rep.subject, "subject")
		if per := rep.x.Subjects[0].Person; per != nil {
			t := w.truthOf(rep.subject.owner)
			t.addName(strings.TrimSpace(per.FirstName + " " + per.LastName))
			for _, e := range per.Emails {
				t.Emails = appendNew(t.Emails, strings.ToLower(e.Value))
			}
			if len(per.Phones) > 0 {
				t.Phones = appendNew(t.Phones, rep.subject.owner.phone.e164)
			}
		}
		for _, a := range rep.recipients {
			add(a, "recipient")
		}
		for _, a := range rep.victims {
			add(a, "victim")
		}
		if rep.net != nil {
			rep.net.truth.ReportIDs = append(rep.net.truth.ReportIDs, rid(rep.id))
		}
	}
	for _, n := range w.networks {
		for _, p := range n.members() {
			t := w.truthOf(p)
			m := &MemberTruth{Person: p.key, Role: p.role, Name: p.name(), Country: p.country, CustomerID: t.CustomerID,
				Accounts: t.Accounts, PlatformAccounts: t.PlatformAccounts, FtMIDs: t.FtMIDs}
			if p.role == RoleVictimAccount && p.cust == nil {
				// A child abroad: the truth names the accounts, never the child.
				m.Name = ""
			}
			for _, rr := range t.Reports {
				m.ReportIDs = appendNew(m.ReportIDs, rr.ReportID)
			}
			n.truth.Members = append(n.truth.Members, m)
		}
		g.Networks = append(g.Networks, n.truth)
	}
}

// usedAccounts lists p's accounts that the transactions file names: a card never used or a
// wallet never paid into is in no file.
func usedAccounts(p *person) []string {
	var out []string
	if c := p.cust; c != nil {
		if c.accountUsed {
			out = append(out, c.account)
		}
		if c.cardUsed {
			out = append(out, c.card)
		}
	}
	for _, pt := range p.wallets {
		if pt.used {
			out = append(out, pt.key())
		}
	}
	return out
}

// key is the value the transactions file carries for the party's account.
func (pt *party) key() string {
	if pt.iban != "" {
		return pt.iban
	}
	return pt.account
}

func rid(id int64) string { return strconv.FormatInt(id, 10) }

func appendNew(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func (w *world) writeTruth(ctx context.Context, bw *bufio.Writer) (int, error) {
	// What the transactions file names is known once it is written.
	g := w.truth
	g.SamePerson = nil
	for _, p := range w.people {
		t := p.truth
		t.Accounts = usedAccounts(p)
		// KYC e-mail and phone are payer columns, a wallet's phone a payee column: they are in
		// the file only if the customer paid, or the wallet was paid into.
		if c := p.cust; c != nil && c.paid {
			t.Emails = appendNew(t.Emails, p.email)
			t.Phones = appendNew(t.Phones, p.phone.e164)
		}
		for _, pt := range p.wallets {
			if pt.used && pt.phone != "" {
				t.Phones = appendNew(t.Phones, pt.phone)
			}
		}
		if t.records() < 2 {
			continue
		}
		if t.Names == nil {
			t.Names = []string{}
		}
		slices.Sort(t.Names)
		slices.Sort(t.Emails)
		slices.Sort(t.Phones)
		g.SamePerson = append(g.SamePerson, t)
	}
	slices.SortFunc(g.SamePerson, func(a, b *PersonTruth) int { return strings.Compare(a.Person, b.Person) })
	for _, n := range w.networks {
		for i, p := range n.members() {
			n.truth.Members[i].Accounts = usedAccounts(p)
		}
	}
	enc := json.NewEncoder(bw)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	err := enc.Encode(w.truth)
	return len(w.truth.Networks) + len(w.truth.Patterns) + len(w.truth.SamePerson), err
}
