package demo

import (
	"fmt"
	"time"
)

// AML pattern types planted among ordinary-looking customers (AMLSim's names).
const (
	PatternFanIn         = "fan_in"
	PatternFanOut        = "fan_out"
	PatternCycle         = "cycle"
	PatternScatterGather = "scatter_gather"
	PatternGatherScatter = "gather_scatter"
)

var patternTypes = []string{PatternFanIn, PatternFanOut, PatternCycle, PatternScatterGather, PatternGatherScatter}

var patternRefs = []string{"invoice", "loan", "payment", "consulting", "", "transfer", "repayment", "services", "deposit"}

// pattern plants one AML shape: its participants and transactions.
type pattern struct {
	w      *world
	truth  *PatternTruth
	cc     string
	people []*person
}

// buildPatterns plants two of each pattern type per scale unit. The participants are customers
// with no other role, all in one country so that the amounts share a currency; amounts are
// larger than everyday payments and often just under reporting thresholds.
func (w *world) buildPatterns() {
	n := 0
	for range 2 * w.cfg.Scale {
		for _, typ := range patternTypes {
			n++
			pt := &pattern{w: w, cc: homeCountries[weighted(w.r, homeWeights)],
				truth: &PatternTruth{ID: fmt.Sprintf("pat-%03d", n), Type: typ, Accounts: []string{}, CustomerIDs: []string{}, TransactionIDs: []string{}}}
			w.truth.Patterns = append(w.truth.Patterns, pt.truth)
			d := between(w.r, 5, w.cfg.Days-25)
			switch typ {
			case PatternFanIn:
				pt.fan(d, true)
			case PatternFanOut:
				pt.fan(d, false)
			case PatternCycle:
				pt.cycle(d)
			case PatternScatterGather:
				pt.scatterGather(d)
			default:
				pt.gatherScatter(d)
			}
		}
	}
}

// member takes one more ordinary customer of the pattern's country.
func (pt *pattern) member() *person {
	p := pt.w.pickCustomer(func(p *person) bool { return p.country == pt.cc && p.age(pt.w.cfg.Start) >= 18 })
	if p == nil {
		panic("demo: too few customers in " + pt.cc + " for the planted patterns")
	}
	pt.people = append(pt.people, p)
	pt.truth.Accounts = append(pt.truth.Accounts, p.cust.account)
	pt.truth.CustomerIDs = append(pt.truth.CustomerIDs, p.cust.id)
	return p
}

// pay plants one transfer of the pattern at a business-hours time on day d (plus hours) and
// returns its time.
func (pt *pattern) pay(from, to *person, d int, extraHours int, amount int64) time.Time {
	w := pt.w
	at := w.localTime(w.r, d, between(w.r, 8*60, 18*60), from.city.offset).Add(time.Duration(extraHours) * time.Hour)
	t := &txn{at: at, amount: amount, currency: from.cust.currency, channel: "bank_transfer",
		reference: pick(w.r, patternRefs), payer: custEnd(from), payee: custEnd(to), truth: []*[]string{&pt.truth.TransactionIDs}}
	if t.reference != "" && chance(w.r, 0.5) {
		t.reference += " " + itoa(between(w.r, 100, 9999))
	}
	t.ip = from.homeIP
	if chance(w.r, 0.4) {
		t.ip, t.device, t.deviceKind = v6(w.r, from.household), from.device.id, from.device.kind
	}
	w.add(t)
	return at
}

// structured is an amount just under a reporting threshold, or a round sum.
func (pt *pattern) structured() int64 {
	r := pt.w.r
	if chance(r, 0.5) {
		return int64(between(r, 90, 99))*10000 + int64(between(r, 0, 99))*100
	}
	return int64(between(r, 2, 9)) * 100000
}

func (pt *pattern) fan(d int, in bool) {
	r := pt.w.r
	hub := pt.member()
	for range between(pt.w.r, 6, 12) {
		other := pt.member()
		day := d + r.IntN(8)
		if in {
			pt.pay(other, hub, day, 0, pt.structured())
		} else {
			pt.pay(hub, other, day, 0, pt.structured())
		}
	}
}

// cycle moves one sum around a ring of 3–6 accounts, each hop after the last (time-respecting)
// and a little smaller (fees, a cut).
func (pt *pattern) cycle(d int) {
	r := pt.w.r
	k := between(r, 3, 6)
	ring := make([]*person, k)
	for i := range ring {
		ring[i] = pt.member()
	}
	amount := int64(between(r, 50, 200)) * 10000
	day := d
	for i := range k {
		pt.pay(ring[i], ring[(i+1)%k], day, 0, amount)
		day += between(r, 1, 3)
		amount = amount * int64(between(r, 970, 995)) / 1000
	}
}

// scatterGather: one source pays several intermediates, each of which pays one sink later.
func (pt *pattern) scatterGather(d int) {
	r := pt.w.r
	src, sink := pt.member(), pt.member()
	for range between(r, 4, 8) {
		mid := pt.member()
		a := pt.structured()
		day := d + r.IntN(3)
		pt.pay(src, mid, day, 0, a)
		pt.pay(mid, sink, day+between(r, 1, 4), 0, a*int64(between(r, 95, 99))/100)
	}
}

// gatherScatter: several sources pay one hub, which then pays several targets after the last
// payment in.
func (pt *pattern) gatherScatter(d int) {
	r := pt.w.r
	hub := pt.member()
	var total int64
	for range between(r, 4, 8) {
		a := pt.structured()
		total += a
		pt.pay(pt.member(), hub, d+r.IntN(3), 0, a)
	}
	m := between(r, 4, 8)
	for range m {
		pt.pay(hub, pt.member(), d+3+between(r, 1, 4), 0, total/int64(m)*int64(between(r, 90, 98))/100)
	}
}
