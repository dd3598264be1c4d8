package demo

import (
	"bufio"
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// endpoint is one side of a transaction as the bank's export shows it.
type endpoint struct {
	p                                     *person // a demo-bank customer, whose KYC goes on the payer side
	pt                                    *party  // the party outside the bank, if it is one
	card                                  bool    // the customer's card, not the account
	account, iban, acctType, bank, custID string
	ptype, name, country, phone           string
}

func custEnd(p *person) endpoint {
	return endpoint{p: p, account: p.cust.account, acctType: "bank", bank: BankPartner, custID: p.cust.id,
		ptype: "person", name: p.name(), country: p.country}
}

func cardEnd(p *person) endpoint {
	e := custEnd(p)
	e.account, e.acctType, e.card = p.cust.card, "card", true
	return e
}

func partyEnd(pt *party) endpoint {
	return endpoint{pt: pt, account: pt.account, iban: pt.iban, acctType: pt.accountType, bank: pt.bank, ptype: pt.ptype,
		name: pt.name, country: pt.country, phone: pt.phone}
}

// markUsed records that the file names the endpoint's account.
func (e endpoint) markUsed() {
	switch {
	case e.pt != nil:
		e.pt.used = true
	case e.p != nil && e.card:
		e.p.cust.cardUsed = true
	case e.p != nil:
		e.p.cust.accountUsed = true
	}
}

// newTxn returns a cleared transaction, reusing one already written: a million short-lived
// transactions would otherwise keep the garbage collector busy.
func (w *world) newTxn() *txn {
	if n := len(w.free); n > 0 {
		t := w.free[n-1]
		w.free = w.free[:n-1]
		return t
	}
	return &txn{}
}

// key is the account value that identifies the endpoint in the file.
func (e endpoint) key() string {
	if e.iban != "" {
		return e.iban
	}
	return e.account
}

// txn is one transaction before it has an id (ids follow time order and are given at writing).
type txn struct {
	at         time.Time
	seq        int64 // creation order: ties on time keep it, so output is stable
	amount     int64 // minor units
	currency   string
	channel    string
	reference  string
	m          *merchant
	payer      endpoint
	payee      endpoint
	ip, device string
	deviceKind string
	truth      []*[]string // ground-truth lists the transaction's id is appended to
}

// txHeader is the canonical transactions header of docs/formats.md, in its order.
var txHeader = []string{"transaction_id", "timestamp", "amount", "currency", "channel", "reference", "mcc",
	"merchant_id", "merchant_name", "payer_account", "payee_account", "payer_iban", "payee_iban",
	"payer_account_type", "payee_account_type", "payer_bank", "payee_bank", "payer_customer_id",
	"payee_customer_id", "payer_type", "payee_type", "payer_name", "payee_name", "payer_birth_date",
	"payer_country", "payee_country", "payer_email", "payer_phone", "payee_email", "payee_phone", "payer_ip",
	"payer_device_id", "payer_device_type"}

func formatMinor(v int64) string {
	s := strconv.FormatInt(v/100, 10) + "."
	c := v % 100
	if c < 10 {
		s += "0"
	}
	return s + strconv.FormatInt(c, 10)
}

// write writes the transaction as one line of txHeader's columns.
func (t *txn) write(c *csvWriter, id string) error {
	var mcc, mid, mname string
	payee := t.payee
	if t.m != nil {
		mcc, mid, mname = t.m.mcc, t.m.id, t.m.name
		payee = endpoint{country: t.m.country}
	}
	c.str(id)
	c.time(t.at)
	c.minor(t.amount)
	for _, f := range []string{t.currency, t.channel, t.reference, mcc, mid, mname, t.payer.account, payee.account,
		t.payer.iban, payee.iban, t.payer.acctType, payee.acctType, t.payer.bank, payee.bank, t.payer.custID,
		payee.custID, t.payer.ptype, payee.ptype, t.payer.name, payee.name} {
		c.str(f)
	}
	if p := t.payer.p; p != nil {
		p.cust.paid = true
		c.date(p.birth)
		c.str(t.payer.country)
		c.str(payee.country)
		c.str(p.email)
		c.str(p.phone.e164)
	} else {
		for _, f := range []string{"", t.payer.country, payee.country, "", ""} {
			c.str(f)
		}
	}
	for _, f := range []string{"", payee.phone, t.ip, t.device, t.deviceKind} {
		c.str(f)
	}
	return c.line()
}

// add files a transaction under its UTC day; transactions outside the period are dropped.
func (w *world) add(t *txn) bool {
	d := int(t.at.Sub(w.cfg.Start) / (24 * time.Hour))
	if t.at.Before(w.cfg.Start) || d >= w.cfg.Days {
		return false
	}
	w.seq++
	t.seq = w.seq
	w.planned[d] = append(w.planned[d], t)
	return true
}

// localTime is minute-of-day m on day d (0-based) in a place offset minutes east of UTC, with
// random seconds.
func (w *world) localTime(r *rand.Rand, d, m, offset int) time.Time {
	return w.cfg.Start.Add(time.Duration(d)*24*time.Hour + time.Duration(m-offset)*time.Minute + time.Duration(r.IntN(60))*time.Second)
}

// writeTransactions draws the ordinary transactions day by day, merges them with the planned
// ones, and writes each UTC day sorted by time as soon as no later day can add to it.
func (w *world) writeTransactions(ctx context.Context, bw *bufio.Writer) (int, error) {
	cw := newCSVWriter(bw)
	if err := cw.row(txHeader...); err != nil {
		return 0, err
	}
	g := &ordinary{w: w, r: newRand(w.cfg.Seed, "transactions")}
	n := 0
	flush := func(d int) error {
		day := w.planned[d]
		// seq is unique, so the order is total and needs no stable sort.
		slices.SortFunc(day, func(a, b *txn) int {
			if c := a.at.Compare(b.at); c != 0 {
				return c
			}
			return int(a.seq - b.seq)
		})
		for _, t := range day {
			n++
			id := "TX" + strconv.FormatInt(int64(1_000_000_000+n), 10)[1:]
			for _, list := range t.truth {
				*list = append(*list, id)
			}
			if err := t.write(cw, id); err != nil {
				return err
			}
			t.payer.markUsed()
			if t.m == nil {
				t.payee.markUsed()
			}
			*t = txn{}
			w.free = append(w.free, t)
		}
		w.planned[d] = nil
		return nil
	}
	for d := range w.cfg.Days {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		g.day(d)
		if d > 0 {
			if err := flush(d - 1); err != nil {
				return n, err
			}
		}
	}
	return n, flush(w.cfg.Days - 1)
}

// ordinary draws the everyday transactions of every customer.
type ordinary struct {
	w *world
	r *rand.Rand
}

var (
	p2pRefs = []string{"dinner", "drinks", "concert tickets", "rent share", "birthday gift", "thanks!", "taxi",
		"groceries", "football", "holiday deposit", "bills", "petrol", "lunch", "", "", "cinema", "present for mum",
		"festival", "uber", "pizza", "gas money", "bbq"}
	familyRefs = []string{"family support", "for mama", "allowance", "school fees", "support", "bills", "monthly",
		"for Lola", "", "tuition", "house repair", "medicine"}
	salaryRefs = map[string][]string{"DE": {"Gehalt", "Lohn/Gehalt"}, "NL": {"Salaris", "Loon"}}
	// category weights of everyday card spending.
	spendCats    = []string{"grocery", "restaurant", "fastfood", "fuel", "pharmacy", "clothing", "electronics", "books", "transit", "taxi", "online", "games"}
	spendWeights = []float64{0.34, 0.12, 0.1, 0.09, 0.05, 0.05, 0.02, 0.02, 0.06, 0.04, 0.09, 0.02}
)

// openHours is when each kind of payment happens, in local minutes of the day.
func openHours(r *rand.Rand, cat string) int {
	switch cat {
	case "restaurant":
		if chance(r, 0.35) {
			return between(r, 12*60, 14*60)
		}
		return between(r, 18*60, 22*60+30)
	case "online", "games", "streaming":
		return between(r, 7*60, 24*60-1)
	case "fuel", "transit":
		return between(r, 6*60+30, 20*60)
	case "taxi":
		return between(r, 0, 24*60-1)
	default:
		return between(r, 8*60, 21*60)
	}
}

func (g *ordinary) day(d int) {
	w, r := g.w, g.r
	date := w.cfg.Start.AddDate(0, 0, d)
	dom := date.Day()
	lastDom := time.Date(date.Year(), date.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	for _, p := range w.customers {
		c := p.cust
		off := p.city.offset
		// Income.
		if c.employer != nil {
			pay := c.payday > 0 && (dom == c.payday || (c.payday > lastDom && dom == lastDom)) ||
				c.payday == 0 && d >= c.payAnchor && (d-c.payAnchor)%14 == 0
			if pay {
				ref := "SALARY " + date.Format("Jan 2006")
				if refs, ok := salaryRefs[p.country]; ok {
					ref = pick(r, refs) + " " + date.Format("01/2006")
				}
				switch c.employer {
				case w.pension[p.country]:
					ref = "PENSION " + date.Format("01/2006")
				case w.benefits[p.country]:
					ref = "ALLOWANCE " + date.Format("01/2006")
				}
				g.emit(&txn{at: w.localTime(r, d, between(r, 60, 360), off), amount: c.salary + int64(r.IntN(3))*100,
					currency: c.currency, channel: "bank_transfer", reference: ref, payer: partyEnd(c.employer), payee: custEnd(p)})
			}
		}
		if c.parent != nil && date.Weekday() == time.Friday && chance(r, 0.7) {
			par := c.parent
			g.emit(&txn{at: w.localTime(r, d, between(r, 17*60, 21*60), off), amount: int64(between(r, 2, 8)) * 500,
				currency: c.currency, channel: "p2p", reference: "pocket money", payer: custEnd(par), payee: custEnd(p),
				ip: par.homeIP, device: par.device.id, deviceKind: par.device.kind})
		}
		// Housing and bills.
		if c.housing != nil && dom == c.housingDay {
			t := &txn{at: w.localTime(r, d, between(r, 0, 23*60), off), amount: c.housingAmount, currency: c.currency,
				channel: "bank_transfer", reference: c.housingRef, payer: custEnd(p), payee: partyEnd(c.housing)}
			g.online(p, t, 0.4)
			g.emit(t)
		}
		for _, b := range c.bills {
			if dom == b.day {
				g.emit(&txn{at: w.localTime(r, d, between(r, 0, 23*60), off), amount: b.amount, currency: c.currency,
					channel: "card", m: b.m, payer: cardEnd(p)})
			}
		}
		if len(c.family) > 0 && dom == c.remitDay && chance(r, 0.85) {
			fam := pick(r, c.family)
			t := &txn{at: w.localTime(r, d, between(r, 9*60, 22*60), off), amount: c.remitAmount + int64(between(r, -5, 5))*1000,
				currency: c.currency, channel: "msb", reference: pick(r, familyRefs), payer: custEnd(p), payee: partyEnd(fam)}
			g.online(p, t, 1)
			g.emit(t)
		}
		// Everyday spending.
		for range poisson(r, c.spend) {
			cat := spendCats[weighted(r, spendWeights)]
			m := w.merchantFor(r, cat, p.country)
			g.emit(&txn{at: w.localTime(r, d, openHours(r, cat), off), amount: m.amountIn(r), currency: c.currency,
				channel: "card", m: m, payer: cardEnd(p)})
		}
		if len(c.friends) > 0 && chance(r, c.p2p) {
			f := pick(r, c.friends)
			amt := int64(between(r, 5, 150)) * 100
			if chance(r, 0.5) {
				amt = int64(between(r, 1, 20)) * 500
			} else {
				amt += int64(r.IntN(100))
			}
			t := &txn{at: w.localTime(r, d, between(r, 8*60, 23*60+30), off), amount: amt, currency: c.currency,
				channel: "p2p", reference: pick(r, p2pRefs), payer: custEnd(p), payee: custEnd(f)}
			g.online(p, t, 1)
			g.emit(t)
		}
		if chance(r, 0.005) {
			atm := w.atmFor(p)
			g.emit(&txn{at: w.localTime(r, d, between(r, 7*60, 23*60), off), amount: int64(between(r, 1, 15)) * 2000,
				currency: c.currency, channel: "atm", m: atm, payer: cardEnd(p)})
		}
		if c.employer != nil && chance(r, 0.001) {
			m := w.merchantFor(r, "airline", p.country)
			dest := pick(r, holidayAirports)
			g.emit(&txn{at: w.localTime(r, d, openHours(r, "online"), off), amount: m.amountIn(r), currency: c.currency,
				channel: "card", m: m, reference: "E-TICKET " + airports[p.city.name] + "-" + dest, payer: cardEnd(p)})
		}
	}
}

// online marks a payment as made in online or mobile banking with probability pr: the login
// IP and, from the app, the device.
func (g *ordinary) online(p *person, t *txn, pr float64) {
	if !chance(g.r, pr) {
		return
	}
	if chance(g.r, 0.7) {
		t.ip = p.homeIP
		if chance(g.r, 0.3) {
			t.device, t.deviceKind = p.device.id, p.device.kind
		}
		return
	}
	t.ip = v6(g.r, p.household)
	t.device, t.deviceKind = p.device.id, p.device.kind
}

// emit files an everyday transaction, in a recycled struct.
func (g *ordinary) emit(t *txn) {
	x := g.w.newTxn()
	*x = *t
	g.w.add(x)
}
