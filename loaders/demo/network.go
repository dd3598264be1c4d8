package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Network kinds.
const (
	kindLivestream = "livestream" // D1/D2: buyers paying facilitators of live-streamed abuse
	kindSextortion = "sextortion" // D3: young account holders extorted by offenders abroad
)

// Roles of network members in the ground truth.
const (
	RoleBuyer         = "buyer"          // pays for live-streamed abuse or material (D1)
	RoleFacilitator   = "facilitator"    // receives from many buyers in a high-risk jurisdiction (D1.3, D2)
	RoleRecipient     = "recipient"      // one of the several unrelated individuals buyers also pay (D1.2)
	RoleMule          = "mule"           // an account at the bank that collects and forwards abroad (D1.15, D3.20)
	RoleVictimAccount = "victim-account" // a child's platform account, or a young customer being extorted (D3.18)
	RoleExtortionist  = "extortionist"   // the offender abroad in a sextortion network (D3)
)

// network is one offender network.
type network struct {
	id, kind  string
	countries []string
	group     string // groupIdentifier in reports
	buyers    []*person
	facils    []*person
	recips    []*person
	mules     []*person
	victims   []*person
	extorters []*person
	truth     *NetworkTruth
	signals   map[string]*SignalTruth // lookup only; order kept in truth.Signals
}

// members lists everyone in the network, in a fixed order.
func (n *network) members() []*person {
	return slices.Concat(n.buyers, n.facils, n.recips, n.mules, n.extorters, n.victims)
}

// Signals planted in the networks, with the DOMAIN.md indicator each one follows.
var signalIndicators = map[string]string{ // lookup only
	"hrj_remittance":         "D1.1 low-value remittances to high-risk jurisdictions",
	"unrelated_recipients":   "D1.2 payments to several unrelated individuals (different surnames)",
	"facilitator_fan_in":     "D1.3/D2.16 many senders to one beneficiary",
	"round_amount":           "D1.4 even-denominated amounts",
	"late_night":             "D1.5 sender-local late night, recipient-local evening where time zones allow",
	"cover_reference":        "D1.6 misleading payment references",
	"handle_reference":       "D1.6 social-media handles in references, matching platform usernames",
	"escalation":             "D1.7 escalating amounts and frequency",
	"travel":                 "D1.7/D1.12 airline ticket, hotel or jewellery in the same country after escalation",
	"vpn":                    "D1.8 VPN purchases",
	"livestream_merchant":    "D1.9 live-streaming platform purchases",
	"micro_subscription":     "D1.14 same small amount every week to the same recipient",
	"mule_forwarding":        "D1.15/D3.20 collected and forwarded abroad within a day",
	"sextortion_burst":       "D3.18 young account, 3+ rapid P2P payments within 48h to a new recipient",
	"gift_card":              "D3.19 gift card bought before the payments",
	"young_payers_to_mule":   "D3.20 mule receiving P2P from several young unrelated payers",
	"sextortion_foreign_p2p": "D3.21 small P2P transfers abroad",
}

// signal returns the ground-truth list of transaction ids for a signal of the network.
func (n *network) signal(name string) *[]string {
	if s, ok := n.signals[name]; ok {
		return &s.TransactionIDs
	}
	s := &SignalTruth{Signal: name, Indicator: signalIndicators[name], TransactionIDs: []string{}}
	n.signals[name] = s
	n.truth.Signals = append(n.truth.Signals, s)
	return &s.TransactionIDs
}

// pickCustomer returns a random customer for whom ok holds and who has no role yet, or nil.
func (w *world) pickCustomer(ok func(*person) bool) *person {
	// A walk from a random place in one shuffled order: as random as a fresh permutation per
	// pick, without its cost (picks × customers) at high scale.
	if w.order == nil {
		w.order = w.r.Perm(len(w.customers))
	}
	n := len(w.order)
	start := w.r.IntN(n)
	for k := range n {
		p := w.customers[w.order[(start+k)%n]]
		if !p.cust.busy && p.role == "" && ok(p) {
			p.cust.busy = true
			return p
		}
	}
	return nil
}

// buyerHomes are where buyers of each destination live, weighted towards the corridors the
// sources name (AUSTRAC: Australia → Philippines; AMLC: US, UK, AU, CA the top sources).
var buyerHomes = map[string][]string{
	"PH": {"AU", "AU", "AU", "US", "US", "GB", "CA"},
	"TH": {"AU", "AU", "US", "GB"},
	"CO": {"US", "CA", "GB", "GB"},
	"RO": {"DE", "NL", "GB", "DE"},
}

func (w *world) buildNetworks() {
	for i := range 3 * w.cfg.Scale {
		n := &network{id: fmt.Sprintf("net-%03d", i+1), signals: map[string]*SignalTruth{}}
		switch i % 3 {
		case 0:
			n.kind, n.countries = kindLivestream, []string{"PH"}
		case 1:
			n.kind = kindLivestream
			n.countries = pick(w.r, [][]string{{"TH", "CO"}, {"CO", "RO"}, {"TH", "RO"}, {"PH", "CO"}})
		default:
			n.kind, n.countries = kindSextortion, []string{pick(w.r, []string{"NG", "GH"})}
		}
		n.group = fmt.Sprintf("grp-%s-%04d", n.countries[0], w.r.IntN(10000))
		n.truth = &NetworkTruth{ID: n.id, Kind: n.kind, Countries: n.countries, GroupIdentifier: n.group,
			TransactionIDs: []string{}, ReportIDs: []string{}}
		w.networks = append(w.networks, n)
		if n.kind == kindLivestream {
			w.buildLivestream(n)
		} else {
			w.buildSextortion(n)
		}
	}
}

// foreignPerson creates someone living abroad (not a bank customer) with a household address
// of their own.
func (w *world) foreignPerson(cc string, female bool, minAge, maxAge int, role string, n *network) *person {
	p := w.newPerson(cc, countries[cc].culture, female, minAge, maxAge)
	p.homeIP = w.ips.foreignAddr(w.r)
	p.role, p.net = role, n
	w.people = append(w.people, p)
	return p
}

func (w *world) buildLivestream(n *network) {
	r := w.r
	start := w.cfg.Start
	// Facilitators: two or three per network, some in each destination, sharing an internet
	// café's address in pairs.
	nF := between(r, 2, 3)
	for i := range nF {
		cc := n.countries[i%len(n.countries)]
		f := w.foreignPerson(cc, chance(r, 0.7), 24, 48, RoleFacilitator, n)
		w.giveEmail(f)
		w.remitterAccount(f, "msb")
		w.remitterAccount(f, "p2p")
		if i == 1 && n.facils[0].country == cc {
			f.homeIP = n.facils[0].homeIP
		}
		n.facils = append(n.facils, f)
		w.openAccount(f, "chatapp", start.AddDate(0, -between(r, 3, 30), 0), accountOpts{handle: true})
		w.openAccount(f, "camlive", start.AddDate(0, -between(r, 2, 20), 0), accountOpts{handle: true, sameDevice: true})
		if chance(r, 0.6) {
			w.openAccount(f, "photoshare", start.AddDate(0, -between(r, 2, 20), 0), accountOpts{handle: true, sameDevice: true})
		}
	}
	for range between(r, 3, 5) {
		cc := pick(r, n.countries)
		p := w.foreignPerson(cc, chance(r, 0.85), 18, 32, RoleRecipient, n)
		w.remitterAccount(p, pick(r, []string{"msb", "p2p"}))
		if chance(r, 0.6) {
			w.openAccount(p, pick(r, []string{"chatapp", "photoshare"}), start.AddDate(0, -between(r, 2, 24), 0), accountOpts{handle: true})
		}
		n.recips = append(n.recips, p)
	}
	for range between(r, 3, 5) {
		v := w.foreignPerson(pick(r, n.countries), chance(r, 0.8), 9, 16, RoleVictimAccount, n)
		w.openAccount(v, pick(r, []string{"photoshare", "chatapp"}), start.AddDate(0, -between(r, 1, 12), 0), accountOpts{})
		n.victims = append(n.victims, v)
	}
	// A mule at the bank: a customer whose account buyers pay and who forwards abroad.
	mule := w.pickCustomer(func(p *person) bool { age := p.age(start); return age >= 20 && age <= 40 })
	if mule != nil {
		mule.role, mule.net = RoleMule, n
		w.openAccount(mule, "chatapp", start.AddDate(0, -between(r, 6, 40), 0), accountOpts{})
		n.mules = append(n.mules, mule)
	}
	nB := between(r, 8, 10)
	if len(n.countries) > 1 {
		nB = between(r, 6, 8)
	}
	for range nB {
		dest := pick(r, n.countries)
		home := pick(r, buyerHomes[dest])
		b := w.pickCustomer(func(p *person) bool {
			age := p.age(start)
			return !p.female && age >= 33 && age <= 70 && p.country == home && p.cust.employer != nil
		})
		if b == nil {
			continue
		}
		b.role, b.net = RoleBuyer, n
		if b.email == "" {
			w.giveEmail(b)
		}
		b.usesVPN = chance(r, 0.7)
		w.openAccount(b, "chatapp", start.AddDate(0, -between(r, 6, 60), 0), accountOpts{})
		if chance(r, 0.6) {
			w.openAccount(b, "camlive", start.AddDate(0, -between(r, 1, 18), 0), accountOpts{alias: true, sameDevice: true})
		}
		n.buyers = append(n.buyers, b)
	}
	// Two buyers who share a handset (a household, or one man with two bank identities).
	if len(n.buyers) >= 4 {
		n.buyers[3].device = n.buyers[2].device
		for _, a := range n.buyers[3].accounts {
			a.dev = n.buyers[2].device
		}
	}
	for _, b := range n.buyers {
		w.planBuyer(n, b)
	}
	for _, m := range n.mules {
		w.planMule(n, m)
	}
}

// planBuyer plans a buyer's payments: escalating low-value remittances at night to several
// unrelated recipients, micro-subscriptions, VPN and live-stream purchases, and for some the
// trip at the end.
func (w *world) planBuyer(n *network, b *person) {
	r := w.r
	days := w.cfg.Days
	cur := b.cust.currency
	dest := n.countries[0]
	for _, c := range n.countries {
		if slices.Contains(buyerHomes[c], b.country) && chance(r, 0.7) {
			dest = c
		}
	}
	var recips []*person
	for _, f := range n.facils {
		if f.country == dest || chance(r, 0.3) {
			recips = append(recips, f)
		}
	}
	if len(recips) == 0 {
		recips = append(recips, n.facils[0])
	}
	for _, p := range n.recips {
		if len(recips) < 5 && (p.country == dest || chance(r, 0.2)) && chance(r, 0.7) && p.last != b.last {
			recips = append(recips, p)
		}
	}
	first := between(r, 2, 35)
	last := days - between(r, 12, 30)
	span := last - first
	escalates := chance(r, 0.45)
	useMule := len(n.mules) > 0 && chance(r, 0.35)
	for d := first; d < last; {
		var gap, lo, hi int
		phase := 1
		switch {
		case d < first+span*4/10:
			gap, lo, hi = between(r, 12, 26), 10, 45
		case d < first+span*75/100:
			phase, gap, lo, hi = 2, between(r, 5, 9), 35, 120
		default:
			phase, gap, lo, hi = 3, between(r, 2, 4), 70, 200
		}
		if !escalates {
			phase, gap, lo, hi = 1, between(r, 6, 14), 15, 90
		}
		rec := recips[0]
		if len(recips) > 1 && chance(r, 0.55) {
			rec = pick(r, recips[1:])
		}
		amount := int64(between(r, lo, hi)) * 100
		round := chance(r, 0.55)
		if round {
			amount = amount / 1000 * 1000
			if amount == 0 {
				amount = 1000
			}
		} else {
			amount = min(amount+int64(r.IntN(100)), int64(hi)*100)
		}
		tags := []*[]string{&n.truth.TransactionIDs, n.signal("hrj_remittance")}
		if round {
			tags = append(tags, n.signal("round_amount"))
		}
		if escalates && phase > 1 {
			tags = append(tags, n.signal("escalation"))
		}
		if rec.role == RoleFacilitator {
			tags = append(tags, n.signal("facilitator_fan_in"))
		}
		if rec.last != b.last {
			tags = append(tags, n.signal("unrelated_recipients"))
		}
		if useMule && chance(r, 0.3) {
			// Paid to the mule at home instead; the mule forwards it (planMule).
			mule := n.mules[0]
			at := w.nightTime(r, d, b.city.offset, mule.city.offset)
			t := &txn{at: at, amount: amount, currency: cur, channel: "p2p", reference: pick(r, coverRefs),
				payer: custEnd(b), payee: custEnd(mule), truth: []*[]string{&n.truth.TransactionIDs, n.signal("mule_forwarding")}}
			w.offenderOnline(b, t)
			w.add(t)
			d += gap
			continue
		}
		channel := "msb"
		if chance(r, 0.35) {
			channel = "p2p"
		}
		pt := accountFor(rec, channel)
		at := w.nightTime(r, d, b.city.offset, rec.city.offset)
		tags = append(tags, n.signal("late_night"))
		ref, kind := w.offenderReference(r, rec)
		switch kind {
		case "cover":
			tags = append(tags, n.signal("cover_reference"))
		case "handle":
			tags = append(tags, n.signal("handle_reference"))
		}
		t := &txn{at: at, amount: amount, currency: cur, channel: pt.channel(), reference: ref, payer: custEnd(b),
			payee: partyEnd(pt), truth: tags}
		w.offenderOnline(b, t)
		w.add(t)
		d += gap
	}
	if escalates {
		// The trip: an airline ticket to the destination within days of the last payments,
		// then a hotel and jewellery there.
		d := last + between(r, 1, 6)
		air := w.merchantFor(r, "airline", dest)
		destCity := pick(r, countries[dest].cities)
		tags := []*[]string{&n.truth.TransactionIDs, n.signal("travel"), n.signal("escalation")}
		w.add(&txn{at: w.localTime(r, d, between(r, 20*60, 23*60+50), b.city.offset), amount: air.amountIn(r), currency: cur,
			channel: "card", m: air, reference: "E-TICKET " + airports[b.city.name] + "-" + airports[destCity.name],
			payer: cardEnd(b), truth: tags})
		arrive := d + between(r, 7, 12)
		if arrive < days-1 {
			hotel := w.merchantFor(r, "hotel", dest)
			w.add(&txn{at: w.localTime(r, arrive, between(r, 14*60, 22*60), destCity.offset), amount: hotel.amountIn(r) * int64(between(r, 3, 9)),
				currency: cur, channel: "card", m: hotel, payer: cardEnd(b), truth: []*[]string{&n.truth.TransactionIDs, n.signal("travel")}})
			if jw := w.byCategory["jewellery/"+dest]; len(jw) > 0 && arrive+2 < days {
				j := jw[0]
				w.add(&txn{at: w.localTime(r, arrive+2, between(r, 11*60, 19*60), destCity.offset), amount: j.amountIn(r),
					currency: cur, channel: "card", m: j, payer: cardEnd(b), truth: []*[]string{&n.truth.TransactionIDs, n.signal("travel")}})
			}
			atm := w.byCategory["atm-abroad/"+dest][0]
			for _, m := range w.byCategory["atm-abroad/"+dest] {
				if m.name == "ATM "+destCity.name {
					atm = m
				}
			}
			for k := range between(r, 1, 3) {
				if arrive+k+1 < days {
					w.add(&txn{at: w.localTime(r, arrive+k+1, between(r, 10*60, 20*60), destCity.offset), amount: int64(between(r, 10, 25)) * 2000,
						currency: cur, channel: "atm", m: atm, payer: cardEnd(b),
						truth: []*[]string{&n.truth.TransactionIDs, n.signal("travel")}})
				}
			}
		}
	}
	if chance(r, 0.4) {
		// A micro-subscription: the same small amount every seven days to one facilitator.
		f := recips[0]
		pt := accountFor(f, "p2p")
		amount := int64(pick(r, []int{5, 8, 10, 12, 15})) * 100
		ref := pick(r, []string{"sub", "weekly", "", "vip", "member"})
		for d := first + between(r, 0, 10); d < last; d += 7 {
			at := w.nightTime(r, d, b.city.offset, f.city.offset)
			t := &txn{at: at, amount: amount, currency: cur, channel: "p2p", reference: ref, payer: custEnd(b),
				payee: partyEnd(pt), truth: []*[]string{&n.truth.TransactionIDs, n.signal("micro_subscription"), n.signal("hrj_remittance")}}
			w.offenderOnline(b, t)
			w.add(t)
		}
	}
	if b.usesVPN {
		vpn := w.merchantFor(r, "vpn", "")
		amt := pick(r, []int64{499, 899, 1199})
		for d := between(r, 0, 20); d < days; d += 30 {
			w.add(&txn{at: w.localTime(r, d, between(r, 20*60, 23*60+50), b.city.offset), amount: amt, currency: cur, channel: "card",
				m: vpn, payer: cardEnd(b), truth: []*[]string{&n.truth.TransactionIDs, n.signal("vpn")}})
		}
	}
	if chance(r, 0.65) {
		ls := w.merchantFor(r, "livestream", "")
		for range between(r, 3, 10) {
			d := between(r, first, days-1)
			at := w.nightTime(r, d, b.city.offset, countries[dest].cities[0].offset)
			w.add(&txn{at: at, amount: ls.amountIn(r) / 100 * 100, currency: cur, channel: "card", m: ls, payer: cardEnd(b),
				truth: []*[]string{&n.truth.TransactionIDs, n.signal("livestream_merchant")}})
		}
	}
}

// accountFor returns p's account that takes payments on a channel (msb → remitter, p2p →
// wallet), or whichever p has.
func accountFor(p *person, channel string) *party {
	want := "remitter"
	if channel == "p2p" {
		want = "wallet"
	}
	for _, pt := range p.wallets {
		if pt.accountType == want {
			return pt
		}
	}
	return p.wallets[0]
}

// channel is the channel payments into the account travel by.
func (pt *party) channel() string {
	switch pt.accountType {
	case "remitter":
		return "msb"
	case "wallet":
		return "p2p"
	}
	return "bank_transfer"
}

var coverRefs = []string{"school fees", "medical bills", "gift", "family support", "accommodation", "uniform",
	"education", "allowance", "birthday", "for baby", "help", "load", "tuition", "hospital"}

// offenderReference writes a payment reference: a cover story, a handle of the recipient's
// platform account (D1.6), or nothing.
func (w *world) offenderReference(r *rand.Rand, rec *person) (string, string) {
	u := r.Float64()
	switch {
	case u < 0.3 && len(rec.accounts) > 0:
		a := pick(r, rec.accounts)
		switch r.IntN(5) {
		case 0:
			return "@" + a.username, "handle"
		case 1:
			return "snap: " + a.username, "handle"
		case 2:
			return "ig:" + a.username, "handle"
		case 3:
			return "tg: " + a.username, "handle"
		default:
			return pick(r, coverRefs) + " @" + a.username, "handle"
		}
	case u < 0.7:
		return pick(r, coverRefs), "cover"
	}
	return "", ""
}

// nightTime picks a time on day d that is late night where the sender lives (22:00–05:00) and,
// where the two offsets allow it, evening where the recipient lives (18:00–24:00): the timing
// FATF describes for live-streamed abuse. From Europe to the Philippines no hour is both, and
// the time is late night at home only.
func (w *world) nightTime(r *rand.Rand, d, senderOff, recipOff int) time.Time {
	var both, lateOnly []int
	for q := range 96 {
		m := q * 15
		sl := ((m+senderOff)%1440 + 1440) % 1440
		rl := ((m+recipOff)%1440 + 1440) % 1440
		late := sl >= 22*60 || sl+14 < 5*60
		eve := rl >= 18*60 && rl+14 < 24*60
		switch {
		case late && eve:
			both = append(both, m)
		case late:
			lateOnly = append(lateOnly, m)
		}
	}
	set := both
	if len(set) == 0 {
		set = lateOnly
	}
	m := pick(r, set) + r.IntN(15)
	return w.cfg.Start.Add(time.Duration(d)*24*time.Hour + time.Duration(m)*time.Minute + time.Duration(r.IntN(60))*time.Second)
}

// offenderOnline sets the login IP and device of an offender's online payment and, for about
// half of them, plants a platform login from the same address minutes before: the D4 join of
// a bank login with a platform or CyberTipline IP capture.
func (w *world) offenderOnline(p *person, t *txn) {
	r := w.r
	proxy := false
	switch u := r.Float64(); {
	case u < 0.55:
		t.ip = p.homeIP
	case u < 0.85 && p.usesVPN:
		t.ip, proxy = pick(r, vpnExits), true
	default:
		t.ip = v6(r, p.household)
	}
	t.device, t.deviceKind = p.device.id, p.device.kind
	if len(p.accounts) > 0 && chance(r, 0.5) {
		a := p.accounts[0]
		a.events = append(a.events, event{at: t.at.Add(-time.Duration(between(r, 2, 30)) * time.Minute), kind: "login",
			ip: t.ip, proxy: proxy, dev: a.dev})
	}
}

// planMule plans the mule's forwarding: each payment received is sent on, less a cut, to a
// facilitator abroad within hours.
func (w *world) planMule(n *network, m *person) {
	r := w.r
	var incoming []*txn
	for _, day := range w.planned {
		for _, t := range day {
			if t.payee.custID == m.cust.id {
				incoming = append(incoming, t)
			}
		}
	}
	for _, in := range incoming {
		f := pick(r, n.facils)
		pt := accountFor(f, "msb")
		amount := in.amount * int64(between(r, 90, 96)) / 100
		t := &txn{at: in.at.Add(time.Duration(between(r, 90, 20*60)) * time.Minute), amount: amount, currency: m.cust.currency,
			channel: "msb", reference: pick(r, []string{"family support", "support", "for family", ""}), payer: custEnd(m),
			payee: partyEnd(pt), truth: []*[]string{&n.truth.TransactionIDs, n.signal("mule_forwarding"), n.signal("facilitator_fan_in"), n.signal("hrj_remittance")}}
		// The mule's online banking is used from the destination: its logins come from abroad.
		t.ip = f.homeIP
		t.device, t.deviceKind = m.device.id, m.device.kind
		w.add(t)
	}
}

func (w *world) buildSextortion(n *network) {
	r := w.r
	start := w.cfg.Start
	cc := n.countries[0]
	for range 2 {
		x := w.foreignPerson(cc, false, 19, 32, RoleExtortionist, n)
		w.remitterAccount(x, "msb")
		w.remitterAccount(x, "p2p")
		x.usesVPN = true
		// A fake persona: the display name is a girl's, the e-mail matches it.
		pf, pl := drawName(r, "en", true)
		persona := &person{first: pf, last: pl, birth: start.AddDate(-between(r, 15, 17), 0, 0)}
		w.giveEmail(persona)
		x.email = persona.email
		w.openAccount(x, "photoshare", start.AddDate(0, 0, -between(r, 10, 120)), accountOpts{handle: true, persona: persona})
		w.openAccount(x, "chatapp", start.AddDate(0, 0, -between(r, 10, 120)), accountOpts{handle: true, persona: persona, sameDevice: true})
		n.extorters = append(n.extorters, x)
	}
	for range between(r, 1, 2) {
		m := w.pickCustomer(func(p *person) bool { age := p.age(start); return age >= 19 && age <= 25 })
		if m == nil {
			break
		}
		m.role, m.net = RoleMule, n
		w.openAccount(m, "chatapp", start.AddDate(0, -between(r, 3, 30), 0), accountOpts{})
		n.mules = append(n.mules, m)
	}
	nV := between(r, 3, 5)
	for i := range nV {
		v := w.pickCustomer(func(p *person) bool {
			age := p.age(start)
			if i%3 != 2 {
				return p.cust.parent != nil && !p.female
			}
			return age >= 18 && age <= 19 && !p.female
		})
		if v == nil {
			continue
		}
		v.role, v.net = RoleVictimAccount, n
		w.openAccount(v, "photoshare", start.AddDate(0, -between(r, 6, 36), 0), accountOpts{})
		n.victims = append(n.victims, v)
		w.planSextortion(n, v)
	}
	for _, m := range n.mules {
		w.planSextortionMule(n, m)
	}
}

// planSextortion plans one victim's burst: first contact on the platform, maybe a gift card,
// then 3–6 P2P payments within 48 hours, the first under 250 and all under 1,500 together, to
// the extortionist's foreign wallet or a mule, and then nothing.
func (w *world) planSextortion(n *network, v *person) {
	r := w.r
	x := pick(r, n.extorters)
	d := between(r, 10, w.cfg.Days-12)
	contact := w.localTime(r, d, between(r, 19*60, 23*60), v.city.offset)
	// The extortionist's first message, from abroad.
	xa := x.accounts[0]
	xa.events = append(xa.events, event{at: contact, kind: "message", ip: x.homeIP, dev: xa.dev})
	v.contact, v.extorter = contact, x
	cur := v.cust.currency
	all := &n.truth.TransactionIDs
	at := contact.Add(time.Duration(between(r, 60, 300)) * time.Minute)
	if chance(r, 0.5) {
		gc := w.merchantFor(r, "giftcard", v.country)
		w.add(&txn{at: at, amount: int64(between(r, 5, 20)) * 500, currency: cur, channel: "card", m: gc, payer: cardEnd(v),
			truth: []*[]string{all, n.signal("gift_card")}})
		at = at.Add(time.Duration(between(r, 20, 120)) * time.Minute)
	}
	k := between(r, 3, 6)
	amount := int64(between(r, 40, 200)) * 100
	total := int64(0)
	toMule := len(n.mules) > 0 && chance(r, 0.5)
	deadline := at.Add(46 * time.Hour)
	for i := range k {
		if total+amount > 150000 || at.After(deadline) {
			break
		}
		var payee endpoint
		tags := []*[]string{all, n.signal("sextortion_burst")}
		if toMule && i < 2 {
			m := n.mules[0]
			payee = custEnd(m)
			tags = append(tags, n.signal("young_payers_to_mule"))
		} else {
			payee = partyEnd(accountFor(x, "p2p"))
			tags = append(tags, n.signal("sextortion_foreign_p2p"))
		}
		ref := pick(r, []string{"", "", "pls", "sorry", "gift", "loan", "delete it"})
		if chance(r, 0.2) {
			ref = "@" + xa.username
		}
		t := &txn{at: at, amount: amount, currency: cur, channel: "p2p", reference: ref, payer: custEnd(v), payee: payee, truth: tags}
		w.offenderOnline(v, t)
		w.add(t)
		total += amount
		at = at.Add(time.Duration(between(r, 40, 11*60)) * time.Minute)
		amount = amount * int64(between(r, 120, 180)) / 100 / 100 * 100
	}
}

// planSextortionMule forwards what the mule received from victims to an extortionist abroad.
func (w *world) planSextortionMule(n *network, m *person) {
	r := w.r
	var incoming []*txn
	for _, day := range w.planned {
		for _, t := range day {
			if t.payee.custID == m.cust.id {
				incoming = append(incoming, t)
			}
		}
	}
	for _, in := range incoming {
		x := pick(r, n.extorters)
		pt := accountFor(x, "msb")
		t := &txn{at: in.at.Add(time.Duration(between(r, 60, 12*60)) * time.Minute), amount: in.amount * int64(between(r, 85, 95)) / 100,
			currency: m.cust.currency, channel: "msb", reference: pick(r, []string{"", "support", "for bro"}), payer: custEnd(m),
			payee: partyEnd(pt), truth: []*[]string{&n.truth.TransactionIDs, n.signal("mule_forwarding")}}
		w.offenderOnline(m, t)
		w.add(t)
	}
}
