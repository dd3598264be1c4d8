package detect

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// CSERules holds the parameters of the CSE indicators of DOMAIN.md D1–D3. Rules that look at a
// customer's payments group all the customer's accounts and cards (a buyer pays remittances
// from the bank account and VPNs with the card).
type CSERules struct {
	HRJRemittance        HRJRemittanceRule        `yaml:"hrj_remittance"`
	UnrelatedRecipients  UnrelatedRecipientsRule  `yaml:"unrelated_recipients"`
	FacilitatorFanIn     FacilitatorFanInRule     `yaml:"facilitator_fan_in"`
	RoundAmount          RoundAmountRule          `yaml:"round_amount"`
	LateNight            LateNightRule            `yaml:"late_night"`
	CoverReference       LexiconRule              `yaml:"cover_reference"`
	HandleReference      HandleReferenceRule      `yaml:"handle_reference"`
	Escalation           EscalationRule           `yaml:"escalation"`
	Travel               TravelRule               `yaml:"travel"`
	VPN                  MerchantRule             `yaml:"vpn"`
	LivestreamMerchant   MerchantRule             `yaml:"livestream_merchant"`
	MicroSubscription    MicroSubscriptionRule    `yaml:"micro_subscription"`
	MuleForwarding       MuleForwardingRule       `yaml:"mule_forwarding"`
	SextortionBurst      SextortionBurstRule      `yaml:"sextortion_burst"`
	GiftCard             GiftCardRule             `yaml:"gift_card"`
	YoungPayersToMule    YoungPayersToMuleRule    `yaml:"young_payers_to_mule"`
	SextortionForeignP2P SextortionForeignP2PRule `yaml:"sextortion_foreign_p2p"`
}

// Band is a range of amounts in euros.
type Band struct {
	MinEUR float64 `yaml:"minEur"`
	MaxEUR float64 `yaml:"maxEur"`
}

func (b Band) has(eur float64) bool { return eur >= b.MinEUR && eur <= b.MaxEUR }

func (b Band) validate(p *problems, key string) {
	if b.MinEUR < 0 || b.MaxEUR <= b.MinEUR {
		p.add(key, "needs 0 <= minEur < maxEur, is %v..%v", b.MinEUR, b.MaxEUR)
	}
}

// HRJRemittanceRule: D1.1 frequent low-value remittances to high-risk jurisdictions.
type HRJRemittanceRule struct {
	Rule     `yaml:",inline"`
	Window   Duration `yaml:"window"`
	MinCount int      `yaml:"minCount"`
	Band     Band     `yaml:"band"`
	// BoostChannels add BoostStrength when most of the payments use them (AMLC: 97% of OSEC
	// payments go through money service businesses).
	BoostChannels []string `yaml:"boostChannels"`
	BoostStrength float64  `yaml:"boostStrength"`
}

// UnrelatedRecipientsRule: D1.2 payments to several individuals in high-risk jurisdictions with
// no apparent family link (a different surname).
type UnrelatedRecipientsRule struct {
	Rule          `yaml:",inline"`
	Window        Duration `yaml:"window"`
	MinRecipients int      `yaml:"minRecipients"`
}

// FacilitatorFanInRule: D1.3/D2.16 a beneficiary in a high-risk jurisdiction receiving small
// payments from many senders abroad.
type FacilitatorFanInRule struct {
	Rule       `yaml:",inline"`
	Window     Duration `yaml:"window"`
	MinSenders int      `yaml:"minSenders"`
	Band       Band     `yaml:"band"`
}

// RoundAmountRule: D1.4 even-denominated amounts.
type RoundAmountRule struct {
	Rule `yaml:",inline"`
	// Unit is the multiple (in major units of the payment's currency) that makes an amount round.
	Unit     float64 `yaml:"unit"`
	MinCount int     `yaml:"minCount"`
	MinShare float64 `yaml:"minShare"`
}

// LateNightRule: D1.5 payments at the sender's night that are the recipient's evening.
type LateNightRule struct {
	Rule `yaml:",inline"`
	// SenderNight and RecipientEvening are local hours [from, to) (wrapping past midnight).
	SenderNight      [2]int  `yaml:"senderNight"`
	RecipientEvening [2]int  `yaml:"recipientEvening"`
	MinCount         int     `yaml:"minCount"`
	MinShare         float64 `yaml:"minShare"`
}

// LexiconRule: D1.6 payment references from a lexicon, on payments to high-risk jurisdictions.
type LexiconRule struct {
	Rule     `yaml:",inline"`
	Words    []string `yaml:"words"`
	MinCount int      `yaml:"minCount"`
}

// HandleReferenceRule: D1.6 social-media handles in references of payments to high-risk
// jurisdictions.
type HandleReferenceRule struct {
	Rule `yaml:",inline"`
	// Patterns are regular expressions of handles in free text (besides the handles the loader
	// already found, Tx.Mentions).
	Patterns []string `yaml:"patterns"`
	MinCount int      `yaml:"minCount"`
	re       []*regexp.Regexp
}

// EscalationRule: D1.7 amounts and frequency rising over time, per sender and destination.
type EscalationRule struct {
	Rule     `yaml:",inline"`
	MinCount int `yaml:"minCount"`
	// AmountRatio and RateRatio: the later half's mean amount and payments per day against the
	// earlier half's.
	AmountRatio float64 `yaml:"amountRatio"`
	RateRatio   float64 `yaml:"rateRatio"`
}

// TravelRule: D1.7/D1.12 travel purchases for the country paid into.
type TravelRule struct {
	Rule `yaml:",inline"`
	// MCCs are the merchant categories of travel: airlines, travel agencies, hotels, jewellers,
	// cash abroad.
	MCCs []string `yaml:"mccs"`
	// Within is how long after the last payment into the country a purchase counts.
	Within      Duration `yaml:"within"`
	MinPayments int      `yaml:"minPayments"`
}

// MerchantRule: D1.8/D1.9 purchases from merchants named in a lexicon or with a listed category.
type MerchantRule struct {
	Rule     `yaml:",inline"`
	Words    []string `yaml:"words"`
	MCCs     []string `yaml:"mccs"`
	MinCount int      `yaml:"minCount"`
}

// MicroSubscriptionRule: D1.14 the same small amount to the same recipient at a regular period.
type MicroSubscriptionRule struct {
	Rule      `yaml:",inline"`
	MinCount  int     `yaml:"minCount"`
	MaxEUR    float64 `yaml:"maxEur"`
	MaxSpread float64 `yaml:"maxSpread"` // relative standard deviation of the gaps
	HRJOnly   bool    `yaml:"hrjOnly"`
}

// MuleForwardingRule: D1.15/D3.20 an account that receives and passes most of it abroad quickly.
type MuleForwardingRule struct {
	Rule        `yaml:",inline"`
	Within      Duration `yaml:"within"`
	MinShare    float64  `yaml:"minShare"`
	MinForwards int      `yaml:"minForwards"`
}

// SextortionBurstRule: D3.18 a young holder making several rapid P2P payments to new
// counterparties.
type SextortionBurstRule struct {
	Rule        `yaml:",inline"`
	MaxAge      int      `yaml:"maxAge"`
	MinPayments int      `yaml:"minPayments"`
	Within      Duration `yaml:"within"`
	MaxTotalEUR float64  `yaml:"maxTotalEur"`
	Channels    []string `yaml:"channels"`
}

// GiftCardRule: D3.19 a young holder buying gift cards, prepaid cards or crypto shortly before
// P2P payments to a new counterparty.
type GiftCardRule struct {
	Rule   `yaml:",inline"`
	MaxAge int      `yaml:"maxAge"`
	Words  []string `yaml:"words"`
	MCCs   []string `yaml:"mccs"`
	Before Duration `yaml:"before"`
}

// YoungPayersToMuleRule: D3.20 a payee receiving P2P payments from several young, unrelated
// payers.
type YoungPayersToMuleRule struct {
	Rule         `yaml:",inline"`
	Window       Duration `yaml:"window"`
	MinPayers    int      `yaml:"minPayers"`
	MaxMedianAge int      `yaml:"maxMedianAge"`
}

// SextortionForeignP2PRule: D3.21 frequent small P2P transfers abroad.
type SextortionForeignP2PRule struct {
	Rule     `yaml:",inline"`
	Window   Duration `yaml:"window"`
	MinCount int      `yaml:"minCount"`
	MaxEUR   float64  `yaml:"maxEur"`
}

func (r *CSERules) validate(p *problems) {
	k := func(rule, field string) string { return "rules." + rule + "." + field }
	positiveInt := func(key string, v int) {
		if v < 1 {
			p.add(key, "must be at least 1, is %d", v)
		}
	}
	h := r.HRJRemittance
	p.rule("rules.hrj_remittance", h.Rule)
	p.positive(k("hrj_remittance", "window"), float64(h.Window))
	positiveInt(k("hrj_remittance", "minCount"), h.MinCount)
	h.Band.validate(p, k("hrj_remittance", "band"))
	p.fraction(k("hrj_remittance", "boostStrength"), h.BoostStrength)
	u := r.UnrelatedRecipients
	p.rule("rules.unrelated_recipients", u.Rule)
	p.positive(k("unrelated_recipients", "window"), float64(u.Window))
	positiveInt(k("unrelated_recipients", "minRecipients"), u.MinRecipients)
	f := r.FacilitatorFanIn
	p.rule("rules.facilitator_fan_in", f.Rule)
	p.positive(k("facilitator_fan_in", "window"), float64(f.Window))
	positiveInt(k("facilitator_fan_in", "minSenders"), f.MinSenders)
	f.Band.validate(p, k("facilitator_fan_in", "band"))
	ra := r.RoundAmount
	p.rule("rules.round_amount", ra.Rule)
	p.positive(k("round_amount", "unit"), ra.Unit)
	positiveInt(k("round_amount", "minCount"), ra.MinCount)
	p.fraction(k("round_amount", "minShare"), ra.MinShare)
	ln := r.LateNight
	p.rule("rules.late_night", ln.Rule)
	for _, hh := range [][2]int{ln.SenderNight, ln.RecipientEvening} {
		if hh[0] < 0 || hh[0] > 23 || hh[1] < 0 || hh[1] > 24 {
			p.add(k("late_night", "senderNight"), "hours must lie in 0..24, are %v", hh)
		}
	}
	positiveInt(k("late_night", "minCount"), ln.MinCount)
	p.fraction(k("late_night", "minShare"), ln.MinShare)
	p.rule("rules.cover_reference", r.CoverReference.Rule)
	if len(r.CoverReference.Words) == 0 {
		p.add(k("cover_reference", "words"), "is empty")
	}
	positiveInt(k("cover_reference", "minCount"), r.CoverReference.MinCount)
	hr := &r.HandleReference
	p.rule("rules.handle_reference", hr.Rule)
	hr.re = nil
	for i, pat := range hr.Patterns {
		re, err := regexp.Compile(pat)
		if err != nil {
			p.add(fmt.Sprintf("rules.handle_reference.patterns[%d]", i), "%v", err)
			continue
		}
		hr.re = append(hr.re, re)
	}
	positiveInt(k("handle_reference", "minCount"), hr.MinCount)
	e := r.Escalation
	p.rule("rules.escalation", e.Rule)
	if e.MinCount < 4 {
		p.add(k("escalation", "minCount"), "must be at least 4, is %d", e.MinCount)
	}
	p.positive(k("escalation", "amountRatio"), e.AmountRatio)
	p.positive(k("escalation", "rateRatio"), e.RateRatio)
	tr := r.Travel
	p.rule("rules.travel", tr.Rule)
	p.positive(k("travel", "within"), float64(tr.Within))
	positiveInt(k("travel", "minPayments"), tr.MinPayments)
	for _, m := range []struct {
		name string
		r    MerchantRule
	}{{"vpn", r.VPN}, {"livestream_merchant", r.LivestreamMerchant}} {
		p.rule("rules."+m.name, m.r.Rule)
		if len(m.r.Words)+len(m.r.MCCs) == 0 {
			p.add(k(m.name, "words"), "words and mccs are both empty")
		}
		positiveInt(k(m.name, "minCount"), m.r.MinCount)
	}
	ms := r.MicroSubscription
	p.rule("rules.micro_subscription", ms.Rule)
	if ms.MinCount < 3 {
		p.add(k("micro_subscription", "minCount"), "must be at least 3, is %d", ms.MinCount)
	}
	p.positive(k("micro_subscription", "maxEur"), ms.MaxEUR)
	p.positive(k("micro_subscription", "maxSpread"), ms.MaxSpread)
	mf := r.MuleForwarding
	p.rule("rules.mule_forwarding", mf.Rule)
	p.positive(k("mule_forwarding", "within"), float64(mf.Within))
	p.fraction(k("mule_forwarding", "minShare"), mf.MinShare)
	positiveInt(k("mule_forwarding", "minForwards"), mf.MinForwards)
	sb := r.SextortionBurst
	p.rule("rules.sextortion_burst", sb.Rule)
	positiveInt(k("sextortion_burst", "maxAge"), sb.MaxAge)
	if sb.MinPayments < 2 {
		p.add(k("sextortion_burst", "minPayments"), "must be at least 2, is %d", sb.MinPayments)
	}
	p.positive(k("sextortion_burst", "within"), float64(sb.Within))
	p.positive(k("sextortion_burst", "maxTotalEur"), sb.MaxTotalEUR)
	g := r.GiftCard
	p.rule("rules.gift_card", g.Rule)
	positiveInt(k("gift_card", "maxAge"), g.MaxAge)
	p.positive(k("gift_card", "before"), float64(g.Before))
	y := r.YoungPayersToMule
	p.rule("rules.young_payers_to_mule", y.Rule)
	p.positive(k("young_payers_to_mule", "window"), float64(y.Window))
	if y.MinPayers < 2 {
		p.add(k("young_payers_to_mule", "minPayers"), "must be at least 2, is %d", y.MinPayers)
	}
	positiveInt(k("young_payers_to_mule", "maxMedianAge"), y.MaxMedianAge)
	sf := r.SextortionForeignP2P
	p.rule("rules.sextortion_foreign_p2p", sf.Rule)
	p.positive(k("sextortion_foreign_p2p", "window"), float64(sf.Window))
	positiveInt(k("sextortion_foreign_p2p", "minCount"), sf.MinCount)
	p.positive(k("sextortion_foreign_p2p", "maxEur"), sf.MaxEUR)
}

func cseRule(name, indicator, describe string, rule func(*Config) Rule, run func(*Index, func(Signal))) ruleSpec {
	return ruleSpec{Name: name, Family: FamilyCSE, Indicator: indicator, Describe: describe, Rule: rule, Run: run}
}

// cseRules lists the CSE indicators; names match the demo world's planted signals.
var cseRules = []ruleSpec{
	cseRule("hrj_remittance", "D1.1 low-value remittances to high-risk jurisdictions",
		"several small cross-border payments to high-risk jurisdictions within a window (weak alone: families send money home too)",
		func(c *Config) Rule { return c.Rules.HRJRemittance.Rule }, runHRJRemittance),
	cseRule("unrelated_recipients", "D1.2 several unrelated recipients in high-risk jurisdictions",
		"payments to several individuals in high-risk jurisdictions whose surname differs from the sender's",
		func(c *Config) Rule { return c.Rules.UnrelatedRecipients.Rule }, runUnrelatedRecipients),
	cseRule("facilitator_fan_in", "D1.3/D2.16 many senders to one beneficiary (facilitator)",
		"a beneficiary in a high-risk jurisdiction receiving small payments from several senders abroad",
		func(c *Config) Rule { return c.Rules.FacilitatorFanIn.Rule }, runFacilitatorFanIn),
	cseRule("round_amount", "D1.4 even-denominated amounts",
		"most payments to high-risk jurisdictions are round amounts (weak)",
		func(c *Config) Rule { return c.Rules.RoundAmount.Rule }, runRoundAmount),
	cseRule("late_night", "D1.5 sender-local night, recipient-local evening",
		"most payments to high-risk jurisdictions made at the sender's night and the recipient's evening (weak)",
		func(c *Config) Rule { return c.Rules.LateNight.Rule }, runLateNight),
	cseRule("cover_reference", "D1.6 misleading payment references",
		"payment references such as 'school fees' or 'medical bills' on payments to high-risk jurisdictions (weak)",
		func(c *Config) Rule { return c.Rules.CoverReference.Rule }, runCoverReference),
	cseRule("handle_reference", "D1.6 social-media handles in references",
		"payment references naming a social-media handle on payments to high-risk jurisdictions",
		func(c *Config) Rule { return c.Rules.HandleReference.Rule }, runHandleReference),
	cseRule("escalation", "D1.7 escalating amounts and frequency",
		"payments into one high-risk jurisdiction growing in size and frequency (weak)",
		func(c *Config) Rule { return c.Rules.Escalation.Rule }, runEscalation),
	cseRule("travel", "D1.7/D1.12 travel to the country paid into",
		"airline, hotel, jewellery or cash purchases in a high-risk jurisdiction the customer has been paying into",
		func(c *Config) Rule { return c.Rules.Travel.Rule }, runTravel),
	cseRule("vpn", "D1.8 VPN and anti-tracking purchases",
		"purchases of VPN, anti-tracking, spyware or screen-capture services (weak: millions buy VPNs)",
		func(c *Config) Rule { return c.Rules.VPN.Rule }, func(x *Index, emit func(Signal)) { runMerchant(x, emit, x.Cfg.Rules.VPN, "VPN/anti-tracking") }),
	cseRule("livestream_merchant", "D1.9 webcam and live-streaming purchases",
		"repeated purchases on webcam or live-streaming platforms (weak)",
		func(c *Config) Rule { return c.Rules.LivestreamMerchant.Rule },
		func(x *Index, emit func(Signal)) {
			runMerchant(x, emit, x.Cfg.Rules.LivestreamMerchant, "live-streaming")
		}),
	cseRule("micro_subscription", "D1.14 micro-subscriptions",
		"the same small amount to the same recipient in a high-risk jurisdiction at a regular period (weak)",
		func(c *Config) Rule { return c.Rules.MicroSubscription.Rule }, runMicroSubscription),
	cseRule("mule_forwarding", "D1.15/D3.20 mule account forwarding abroad",
		"an account that receives money and passes most of it abroad within a day, repeatedly",
		func(c *Config) Rule { return c.Rules.MuleForwarding.Rule }, runMuleForwarding),
	cseRule("sextortion_burst", "D3.18 sextortion payment burst",
		"a young account holder making several P2P payments within 48 hours to counterparties never paid before (protective alert)",
		func(c *Config) Rule { return c.Rules.SextortionBurst.Rule }, runSextortionBurst),
	cseRule("gift_card", "D3.19 gift cards before the payments",
		"a young account holder buying gift cards, prepaid cards or crypto shortly before P2P payments to a new counterparty (weak)",
		func(c *Config) Rule { return c.Rules.GiftCard.Rule }, runGiftCard),
	cseRule("young_payers_to_mule", "D3.20 mule paid by several young payers",
		"an account receiving P2P payments from several young, unrelated payers",
		func(c *Config) Rule { return c.Rules.YoungPayersToMule.Rule }, runYoungPayersToMule),
	cseRule("sextortion_foreign_p2p", "D3.21 frequent small P2P transfers abroad",
		"several small P2P transfers abroad within days (weak)",
		func(c *Config) Rule { return c.Rules.SextortionForeignP2P.Rule }, runSextortionForeignP2P),
}

// hrjPayment reports whether t is a cross-border payment to a person or account (not a
// merchant) in a high-risk jurisdiction.
func (x *Index) hrjPayment(t int32) bool {
	if x.Txs[t].ToMerchant {
		return false
	}
	to := x.PayeeCountry(t)
	return x.Cfg.HRJ(to) && x.PayerCountry(t) != to
}

// crossBorder reports whether t leaves the payer's country.
func (x *Index) crossBorder(t int32) bool {
	from, to := x.PayerCountry(t), x.PayeeCountry(t)
	return to != "" && from != "" && from != to
}

// eachSubject calls fn with every subject and its outgoing payments that pass keep, skipping
// subjects with none.
func (x *Index) eachSubject(keep func(t int32) bool, fn func(subject string, txs []int32)) {
	subjects, nodes := x.BySubject()
	for _, s := range subjects {
		var txs []int32
		for _, t := range x.OutOf(nodes[s]) {
			if keep(t) {
				txs = append(txs, t)
			}
		}
		if len(txs) > 0 {
			fn(s, txs)
		}
	}
}

// bestWindow returns the longest run of txs (in time order) that fits in w.
func bestWindow(x *Index, txs []int32, w time.Duration) []int32 {
	best, lo := []int32(nil), 0
	for hi := range txs {
		for x.Txs[txs[hi]].At.Sub(x.Txs[txs[lo]].At) > w {
			lo++
		}
		if hi-lo+1 > len(best) {
			best = txs[lo : hi+1]
		}
	}
	return best
}

func countries(x *Index, txs []int32) []string {
	var out []string
	for _, t := range txs {
		if c := x.PayeeCountry(t); !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

func payees(x *Index, txs []int32) []string {
	var out []string
	for _, t := range txs {
		if p := x.Txs[t].To; !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

func eurRange(x *Index, txs []int32) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, t := range txs {
		if x.HasEUR(t) {
			lo, hi = math.Min(lo, x.EUR[t]), math.Max(hi, x.EUR[t])
		}
	}
	if math.IsInf(lo, 1) {
		return "amounts without a euro rate"
	}
	return fmt.Sprintf("€%.0f–%.0f", lo, hi)
}

// over is a strength that grows from base at the threshold to 1 at twice the threshold.
func over(n, min int, base float64) float64 {
	if min <= 0 {
		return base
	}
	return math.Min(1, base+(1-base)*float64(n-min)/float64(min))
}

func runHRJRemittance(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.HRJRemittance
	x.eachSubject(func(t int32) bool { return x.hrjPayment(t) && x.HasEUR(t) && c.Band.has(x.EUR[t]) }, func(s string, txs []int32) {
		w := bestWindow(x, txs, c.Window.D())
		if len(w) < c.MinCount {
			return
		}
		st := over(len(w), c.MinCount, 0.6)
		boosted := 0
		for _, t := range w {
			if slices.Contains(c.BoostChannels, x.Txs[t].Channel) {
				boosted++
			}
		}
		if 2*boosted > len(w) {
			st = math.Min(1, st+c.BoostStrength)
		}
		emit(Signal{Subject: s, Strength: st,
			Summary: fmt.Sprintf("%d transfers of %s to %s within %s", len(w), eurRange(x, w), strings.Join(countries(x, w), ", "), c.Window.D()),
			Evidence: Evidence{Transactions: x.IDs(w), Entities: payees(x, w), Facts: map[string]any{"count": len(w), "minCount": c.MinCount,
				"window": c.Window.D().String(), "band": []float64{c.Band.MinEUR, c.Band.MaxEUR}, "viaBoostChannels": boosted}}})
	})
}

func runUnrelatedRecipients(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.UnrelatedRecipients
	_, nodes := x.BySubject()
	x.eachSubject(x.hrjPayment, func(s string, txs []int32) {
		own := ""
		for _, n := range nodes[s] {
			if own = x.Surname(x.Nodes[n]); own != "" {
				break
			}
		}
		if own == "" {
			return // nothing to compare with
		}
		var unrelated []int32
		for _, t := range txs {
			h := x.Holder(x.Txs[t].To)
			if h == nil || !h.Person {
				continue
			}
			if sn := x.Surname(x.Txs[t].To); sn != "" && !sameSurname(sn, own) {
				unrelated = append(unrelated, t)
			}
		}
		// The window with the most distinct unrelated recipients.
		best, bestN, lo := []int32(nil), 0, 0
		for hi := range unrelated {
			for x.Txs[unrelated[hi]].At.Sub(x.Txs[unrelated[lo]].At) > c.Window.D() {
				lo++
			}
			if n := len(payeeHolders(x, unrelated[lo:hi+1])); n > bestN {
				best, bestN = unrelated[lo:hi+1], n
			}
		}
		if bestN < c.MinRecipients {
			return
		}
		emit(Signal{Subject: s, Strength: over(bestN, c.MinRecipients, 0.7),
			Summary: fmt.Sprintf("paid %d individuals in %s whose surname differs from the sender's within %s", bestN,
				strings.Join(countries(x, best), ", "), c.Window.D()),
			Evidence: Evidence{Transactions: x.IDs(best), Entities: payeeHolders(x, best), Facts: map[string]any{"recipients": bestN,
				"minRecipients": c.MinRecipients, "window": c.Window.D().String()}}})
	})
}

// sameSurname compares folded surnames, allowing for one being part of the other (double
// surnames).
func sameSurname(a, b string) bool {
	return a == b || strings.Contains(a, b) || strings.Contains(b, a)
}

// payeeHolders returns the distinct holders (subjects) of the payees.
func payeeHolders(x *Index, txs []int32) []string {
	var out []string
	for _, t := range txs {
		if s := x.Subject(x.Txs[t].To); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

func runFacilitatorFanIn(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.FacilitatorFanIn
	subjects, nodes := x.BySubject()
	for _, s := range subjects {
		var txs []int32
		for _, t := range x.InOf(nodes[s]) {
			if x.hrjPayment(t) && x.HasEUR(t) && c.Band.has(x.EUR[t]) {
				txs = append(txs, t)
			}
		}
		best, bestN, lo := []int32(nil), 0, 0
		for hi := range txs {
			for x.Txs[txs[hi]].At.Sub(x.Txs[txs[lo]].At) > c.Window.D() {
				lo++
			}
			if n := len(payerSubjects(x, txs[lo:hi+1])); n > bestN {
				best, bestN = txs[lo:hi+1], n
			}
		}
		if bestN < c.MinSenders {
			continue
		}
		senders := payerSubjects(x, best)
		var from []string
		for _, t := range best {
			if cc := x.PayerCountry(t); !slices.Contains(from, cc) {
				from = append(from, cc)
			}
		}
		slices.Sort(from)
		emit(Signal{Subject: s, Strength: over(bestN, c.MinSenders, 0.7),
			Summary: fmt.Sprintf("received %d small payments (%s) from %d senders in %s within %s", len(best), eurRange(x, best),
				bestN, strings.Join(from, ", "), c.Window.D()),
			Evidence: Evidence{Transactions: x.IDs(best), Entities: senders, Facts: map[string]any{"senders": bestN,
				"minSenders": c.MinSenders, "window": c.Window.D().String()}}})
	}
}

func payerSubjects(x *Index, txs []int32) []string {
	var out []string
	for _, t := range txs {
		if s := x.Subject(x.Txs[t].From); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

func runRoundAmount(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.RoundAmount
	x.eachSubject(x.hrjPayment, func(s string, txs []int32) {
		if len(txs) < c.MinCount {
			return
		}
		var round []int32
		for _, t := range txs {
			unit := int64(math.Round(c.Unit * pow10[max(0, min(CurrencyScale(x.Txs[t].Currency), 4))]))
			if unit > 0 && x.Txs[t].Amount%unit == 0 {
				round = append(round, t)
			}
		}
		share := float64(len(round)) / float64(len(txs))
		if len(round) < c.MinCount || share < c.MinShare {
			return
		}
		emit(Signal{Subject: s, Strength: math.Min(1, share),
			Summary:  fmt.Sprintf("%d of %d payments to high-risk jurisdictions are round amounts (multiples of %g)", len(round), len(txs), c.Unit),
			Evidence: Evidence{Transactions: x.IDs(round), Facts: map[string]any{"round": len(round), "payments": len(txs), "unit": c.Unit, "minShare": c.MinShare}}})
	})
}

// inHours reports whether hour h lies in [from, to), wrapping past midnight.
func inHours(h int, span [2]int) bool {
	if span[0] <= span[1] {
		return h >= span[0] && h < span[1]
	}
	return h >= span[0] || h < span[1]
}

func runLateNight(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.LateNight
	x.eachSubject(x.hrjPayment, func(s string, txs []int32) {
		var known, night []int32
		for _, t := range txs {
			from, to := x.Cfg.Zone(x.PayerCountry(t)), x.Cfg.Zone(x.PayeeCountry(t))
			if from == nil || to == nil {
				continue
			}
			known = append(known, t)
			at := x.Txs[t].At
			if inHours(at.In(from).Hour(), c.SenderNight) && inHours(at.In(to).Hour(), c.RecipientEvening) {
				night = append(night, t)
			}
		}
		if len(night) < c.MinCount || float64(len(night)) < c.MinShare*float64(len(known)) {
			return
		}
		share := float64(len(night)) / float64(len(known))
		emit(Signal{Subject: s, Strength: math.Min(1, share),
			Summary: fmt.Sprintf("%d of %d payments to high-risk jurisdictions at the sender's night (%02d–%02d) and the recipient's evening",
				len(night), len(known), c.SenderNight[0], c.SenderNight[1]),
			Evidence: Evidence{Transactions: x.IDs(night), Facts: map[string]any{"night": len(night), "payments": len(known),
				"senderNight": c.SenderNight, "recipientEvening": c.RecipientEvening, "minShare": c.MinShare}}})
	})
}

// lexiconMatch reports the first lexicon entry in text, as whole words, ignoring case.
func lexiconMatch(text string, words []string) string {
	t := " " + strings.Join(strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	}), " ") + " "
	for _, w := range words {
		if strings.Contains(t, " "+strings.ToLower(w)+" ") {
			return w
		}
	}
	return ""
}

func runCoverReference(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.CoverReference
	x.eachSubject(x.hrjPayment, func(s string, txs []int32) {
		var hits []int32
		found := map[string]bool{}
		for _, t := range txs {
			if w := lexiconMatch(x.Txs[t].Reference, c.Words); w != "" {
				hits = append(hits, t)
				found[w] = true
			}
		}
		if len(hits) < c.MinCount {
			return
		}
		words := keys(found)
		emit(Signal{Subject: s, Strength: over(len(hits), c.MinCount, 0.6),
			Summary:  fmt.Sprintf("%d payments to high-risk jurisdictions with cover references (%s)", len(hits), strings.Join(words, ", ")),
			Evidence: Evidence{Transactions: x.IDs(hits), Facts: map[string]any{"count": len(hits), "words": words, "minCount": c.MinCount}}})
	})
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func runHandleReference(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.HandleReference
	x.eachSubject(x.hrjPayment, func(s string, txs []int32) {
		var hits []int32
		handles := map[string]bool{}
		for _, t := range txs {
			tx := x.Txs[t]
			hit := false
			for _, m := range tx.Mentions {
				handles[m], hit = true, true
			}
			for _, re := range c.re {
				if m := re.FindStringSubmatch(tx.Reference); m != nil {
					handles[strings.ToLower(m[len(m)-1])], hit = true, true
				}
			}
			if hit {
				hits = append(hits, t)
			}
		}
		if len(hits) < c.MinCount {
			return
		}
		hs := keys(handles)
		emit(Signal{Subject: s, Strength: over(len(hits), c.MinCount, 0.7),
			Summary:  fmt.Sprintf("%d payments to high-risk jurisdictions name social-media handles in the reference (%s)", len(hits), strings.Join(hs, ", ")),
			Evidence: Evidence{Transactions: x.IDs(hits), Facts: map[string]any{"count": len(hits), "handles": hs}}})
	})
}

func runEscalation(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.Escalation
	x.eachSubject(func(t int32) bool { return x.hrjPayment(t) && x.HasEUR(t) }, func(s string, txs []int32) {
		byCountry := map[string][]int32{}
		for _, t := range txs {
			cc := x.PayeeCountry(t)
			byCountry[cc] = append(byCountry[cc], t)
		}
		for _, cc := range keysOf(byCountry) {
			ts := byCountry[cc]
			if len(ts) < c.MinCount {
				continue
			}
			h := len(ts) / 2
			early, late := ts[:h], ts[h:]
			mean := func(l []int32) float64 {
				var sum float64
				for _, t := range l {
					sum += x.EUR[t]
				}
				return sum / float64(len(l))
			}
			rate := func(l []int32) float64 {
				d := x.Txs[l[len(l)-1]].At.Sub(x.Txs[l[0]].At).Hours()/24 + 1
				return float64(len(l)) / d
			}
			ar, rr := mean(late)/mean(early), rate(late)/rate(early)
			if ar < c.AmountRatio || rr < c.RateRatio {
				continue
			}
			emit(Signal{Subject: s, Key: cc, Strength: math.Min(1, 0.5+0.25*(ar/c.AmountRatio-1)+0.25*(rr/c.RateRatio-1)),
				Summary: fmt.Sprintf("payments to %s grew %.1f× in size and %.1f× in frequency (%d payments, €%.0f then €%.0f on average)",
					cc, ar, rr, len(ts), mean(early), mean(late)),
				Evidence: Evidence{Transactions: x.IDs(ts), Facts: map[string]any{"amountRatio": ar, "rateRatio": rr, "payments": len(ts),
					"minAmountRatio": c.AmountRatio, "minRateRatio": c.RateRatio}}})
		}
	})
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func runTravel(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.Travel
	subjects, nodes := x.BySubject()
	for _, s := range subjects {
		out := x.OutOf(nodes[s])
		paid := map[string][]int32{} // country -> payments into it
		for _, t := range out {
			if x.hrjPayment(t) {
				cc := x.PayeeCountry(t)
				paid[cc] = append(paid[cc], t)
			}
		}
		for _, cc := range keysOf(paid) {
			pays := paid[cc]
			if len(pays) < c.MinPayments {
				continue
			}
			last := x.Txs[pays[len(pays)-1]].At
			var trips []int32
			for _, t := range out {
				tx := x.Txs[t]
				if !slices.Contains(c.MCCs, tx.MCC) || x.PayeeCountry(t) != cc {
					continue
				}
				if tx.At.After(x.Txs[pays[0]].At) && tx.At.Sub(last) <= c.Within.D() {
					trips = append(trips, t)
				}
			}
			if len(trips) == 0 {
				continue
			}
			emit(Signal{Subject: s, Key: cc, Strength: over(len(trips), 1, 0.7),
				Summary: fmt.Sprintf("%d travel purchases for %s (airline, hotel, jewellery, cash) after %d payments into it", len(trips), cc, len(pays)),
				Evidence: Evidence{Transactions: x.IDs(slices.Concat(pays[max(0, len(pays)-5):], trips)), Facts: map[string]any{
					"purchases": len(trips), "payments": len(pays), "within": c.Within.D().String()}}})
		}
	}
}

func runMerchant(x *Index, emit func(Signal), c MerchantRule, what string) {
	x.eachSubject(func(t int32) bool {
		tx := x.Txs[t]
		return slices.Contains(c.MCCs, tx.MCC) || (tx.MerchantName != "" && merchantWord(tx.MerchantName, c.Words))
	}, func(s string, txs []int32) {
		if len(txs) < c.MinCount {
			return
		}
		var names []string
		for _, t := range txs {
			if n := x.Txs[t].MerchantName; n != "" && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		slices.Sort(names)
		emit(Signal{Subject: s, Strength: over(len(txs), c.MinCount, 0.6),
			Summary:  fmt.Sprintf("%d purchases from %s merchants (%s)", len(txs), what, strings.Join(names, ", ")),
			Evidence: Evidence{Transactions: x.IDs(txs), Entities: payees(x, txs), Facts: map[string]any{"purchases": len(txs), "merchants": names}}})
	})
}

// merchantWord reports whether a merchant's name contains a lexicon entry (as a substring,
// ignoring case: "TunnelGuard VPN", "CamLive").
func merchantWord(name string, words []string) bool {
	n := strings.ToLower(name)
	for _, w := range words {
		if strings.Contains(n, strings.ToLower(w)) {
			return true
		}
	}
	return false
}

func runMicroSubscription(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.MicroSubscription
	x.eachSubject(func(t int32) bool {
		return !x.Txs[t].ToMerchant && x.HasEUR(t) && x.EUR[t] <= c.MaxEUR && (!c.HRJOnly || x.hrjPayment(t))
	}, func(s string, txs []int32) {
		type key struct {
			to     string
			amount int64
		}
		groups := map[key][]int32{}
		for _, t := range txs {
			k := key{x.Subject(x.Txs[t].To), x.Txs[t].Amount}
			groups[k] = append(groups[k], t)
		}
		var bestTx []int32
		var bestSpread float64
		for _, g := range groups {
			if len(g) < c.MinCount {
				continue
			}
			var gaps []float64
			for i := 1; i < len(g); i++ {
				gaps = append(gaps, x.Txs[g[i]].At.Sub(x.Txs[g[i-1]].At).Hours())
			}
			m, sd := meanSD(gaps)
			if m <= 0 || sd/m > c.MaxSpread {
				continue
			}
			if len(g) > len(bestTx) {
				bestTx, bestSpread = g, sd/m
			}
		}
		if bestTx == nil {
			return
		}
		period := x.Txs[bestTx[len(bestTx)-1]].At.Sub(x.Txs[bestTx[0]].At) / time.Duration(len(bestTx)-1)
		emit(Signal{Subject: s, Strength: over(len(bestTx), c.MinCount, 0.6),
			Summary: fmt.Sprintf("%d payments of %s to the same recipient every %s", len(bestTx), formatAmount(x.Txs[bestTx[0]]), roundDays(period)),
			Evidence: Evidence{Transactions: x.IDs(bestTx), Entities: []string{x.Txs[bestTx[0]].To}, Facts: map[string]any{
				"payments": len(bestTx), "periodHours": math.Round(period.Hours()), "spread": math.Round(bestSpread*100) / 100, "maxSpread": c.MaxSpread}}})
	})
}

func meanSD(v []float64) (float64, float64) {
	if len(v) == 0 {
		return 0, 0
	}
	var m float64
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	var ss float64
	for _, x := range v {
		ss += (x - m) * (x - m)
	}
	return m, math.Sqrt(ss / float64(len(v)))
}

func runMuleForwarding(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.MuleForwarding
	subjects, nodes := x.BySubject()
	for _, s := range subjects {
		ins, outs := x.InOf(nodes[s]), x.OutOf(nodes[s])
		var evidence []int32
		forwards := 0
		used := map[int32]bool{}
		for _, in := range ins {
			if x.Txs[in].ToMerchant || !x.HasEUR(in) || x.crossBorder(in) {
				continue // a mule collects at home
			}
			var sent float64
			var legs []int32
			for _, o := range outs {
				at := x.Txs[o].At
				if used[o] || !x.HasEUR(o) || x.Txs[o].ToMerchant || at.Before(x.Txs[in].At) || at.Sub(x.Txs[in].At) > c.Within.D() || !x.crossBorder(o) {
					continue
				}
				sent += x.EUR[o]
				legs = append(legs, o)
				if sent >= c.MinShare*x.EUR[in] {
					break
				}
			}
			if sent >= c.MinShare*x.EUR[in] && sent <= 1.2*x.EUR[in] {
				forwards++
				evidence = append(evidence, in)
				evidence = append(evidence, legs...)
				for _, o := range legs {
					used[o] = true
				}
			}
		}
		if forwards < c.MinForwards {
			continue
		}
		slices.Sort(evidence)
		emit(Signal{Subject: s, Strength: over(forwards, c.MinForwards, 0.7),
			Summary: fmt.Sprintf("forwarded %d payments abroad within %s of receiving them (%.0f%%+ of each)", forwards, c.Within.D(), 100*c.MinShare),
			Evidence: Evidence{Transactions: x.IDs(evidence), Facts: map[string]any{"forwards": forwards, "minForwards": c.MinForwards,
				"within": c.Within.D().String(), "minShare": c.MinShare}}})
	}
}

// newCounterparties returns, of txs, those whose payee the subject had not paid before the
// payment (looking at all of the subject's earlier payments, all).
func newCounterparty(x *Index, all []int32, t int32) bool {
	to := x.Subject(x.Txs[t].To)
	for _, p := range all {
		if p >= t {
			break
		}
		if x.Subject(x.Txs[p].To) == to {
			return false
		}
	}
	return true
}

// burst finds, among the subject's payments on the channels, the first run of at least n
// payments to new counterparties within w.
func burst(x *Index, all []int32, channels []string, n int, w time.Duration) []int32 {
	var cand []int32
	for _, t := range all {
		if !x.Txs[t].ToMerchant && slices.Contains(channels, x.Txs[t].Channel) {
			cand = append(cand, t)
		}
	}
	// Counterparties new at the burst's start: paid first within it.
	for i := range cand {
		var run []int32
		start := x.Txs[cand[i]].At
		if !newCounterparty(x, all, cand[i]) {
			continue
		}
		fresh := map[string]bool{}
		for j := i; j < len(cand) && x.Txs[cand[j]].At.Sub(start) <= w; j++ {
			to := x.Subject(x.Txs[cand[j]].To)
			if fresh[to] || newCounterparty(x, all, cand[j]) {
				fresh[to] = true
				run = append(run, cand[j])
			}
		}
		if len(run) >= n {
			return run
		}
	}
	return nil
}

// youngAt returns the age of a subject's holder at t, or -1.
func youngAt(x *Index, nodes []int32, t time.Time) int {
	for _, n := range nodes {
		if a := x.AgeAt(x.Nodes[n], t); a >= 0 {
			return a
		}
	}
	return -1
}

func runSextortionBurst(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.SextortionBurst
	subjects, nodes := x.BySubject()
	for _, s := range subjects {
		all := x.OutOf(nodes[s])
		if len(all) < c.MinPayments {
			continue
		}
		run := burst(x, all, c.Channels, c.MinPayments, c.Within.D())
		if run == nil {
			continue
		}
		age := youngAt(x, nodes[s], x.Txs[run[0]].At)
		if age < 0 || age > c.MaxAge {
			continue
		}
		var total float64
		abroad := 0
		for _, t := range run {
			total += x.EUR[t]
			if x.crossBorder(t) || x.Cfg.SextortionJurisdiction(x.PayeeCountry(t)) {
				abroad++
			}
		}
		if total > c.MaxTotalEUR {
			continue
		}
		st := over(len(run), c.MinPayments, 0.7)
		if abroad == 0 {
			st *= 0.8 // all at home: a mule, or a purchase from friends
		}
		emit(Signal{Subject: s, Strength: st,
			Summary: fmt.Sprintf("holder aged %d made %d P2P payments (€%.0f in all, %d abroad) within %s to counterparties never paid before",
				age, len(run), total, abroad, c.Within.D()),
			Evidence: Evidence{Transactions: x.IDs(run), Entities: payees(x, run), Facts: map[string]any{"age": age, "payments": len(run),
				"totalEur": math.Round(total), "abroad": abroad, "within": c.Within.D().String(), "maxAge": c.MaxAge}}})
	}
}

func runGiftCard(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.GiftCard
	sb := x.Cfg.Rules.SextortionBurst
	subjects, nodes := x.BySubject()
	for _, s := range subjects {
		all := x.OutOf(nodes[s])
		for i, g := range all {
			tx := x.Txs[g]
			if !(slices.Contains(c.MCCs, tx.MCC) || (tx.MerchantName != "" && merchantWord(tx.MerchantName, c.Words))) {
				continue
			}
			age := youngAt(x, nodes[s], tx.At)
			if age < 0 || age > c.MaxAge {
				continue
			}
			var after []int32
			for _, t := range all[i+1:] {
				if x.Txs[t].At.Sub(tx.At) > c.Before.D() {
					break
				}
				if !x.Txs[t].ToMerchant && slices.Contains(sb.Channels, x.Txs[t].Channel) && newCounterparty(x, all, t) {
					after = append(after, t)
				}
			}
			if len(after) == 0 {
				continue
			}
			emit(Signal{Subject: s, Strength: 0.8,
				Summary:  fmt.Sprintf("holder aged %d bought from %s, then paid a new counterparty within %s", age, tx.MerchantName, c.Before.D()),
				Evidence: Evidence{Transactions: x.IDs(append([]int32{g}, after...)), Facts: map[string]any{"age": age, "before": c.Before.D().String()}}})
			break
		}
	}
}

func runYoungPayersToMule(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.YoungPayersToMule
	channels := x.Cfg.Rules.SextortionBurst.Channels
	subjects, nodes := x.BySubject()
	for _, s := range subjects {
		var young []int32
		for _, t := range x.InOf(nodes[s]) {
			if !slices.Contains(channels, x.Txs[t].Channel) {
				continue
			}
			if a := x.AgeAt(x.Txs[t].From, x.Txs[t].At); a >= 0 && a < c.MaxMedianAge+10 {
				young = append(young, t)
			}
		}
		best, bestN, lo := []int32(nil), 0, 0
		for hi := range young {
			for x.Txs[young[hi]].At.Sub(x.Txs[young[lo]].At) > c.Window.D() {
				lo++
			}
			if n := len(payerSubjects(x, young[lo:hi+1])); n > bestN {
				best, bestN = young[lo:hi+1], n
			}
		}
		if bestN < c.MinPayers {
			continue
		}
		var ages []int
		seen := map[string]bool{}
		for _, t := range best {
			if p := x.Subject(x.Txs[t].From); !seen[p] {
				seen[p] = true
				ages = append(ages, x.AgeAt(x.Txs[t].From, x.Txs[t].At))
			}
		}
		slices.Sort(ages)
		median := ages[len(ages)/2]
		if len(ages)%2 == 0 {
			median = (ages[len(ages)/2-1] + ages[len(ages)/2]) / 2
		}
		if median >= c.MaxMedianAge {
			continue
		}
		emit(Signal{Subject: s, Strength: over(bestN, c.MinPayers, 0.7),
			Summary: fmt.Sprintf("received P2P payments from %d payers with a median age of %d within %s", bestN, median, c.Window.D()),
			Evidence: Evidence{Transactions: x.IDs(best), Entities: payerSubjects(x, best), Facts: map[string]any{"payers": bestN,
				"medianAge": median, "maxMedianAge": c.MaxMedianAge, "window": c.Window.D().String()}}})
	}
}

func runSextortionForeignP2P(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.SextortionForeignP2P
	channels := x.Cfg.Rules.SextortionBurst.Channels
	x.eachSubject(func(t int32) bool {
		tx := x.Txs[t]
		return !tx.ToMerchant && slices.Contains(channels, tx.Channel) && x.crossBorder(t) && x.HasEUR(t) && x.EUR[t] <= c.MaxEUR
	}, func(s string, txs []int32) {
		w := bestWindow(x, txs, c.Window.D())
		if len(w) < c.MinCount {
			return
		}
		emit(Signal{Subject: s, Strength: over(len(w), c.MinCount, 0.6),
			Summary: fmt.Sprintf("%d small P2P transfers abroad (%s, to %s) within %s", len(w), eurRange(x, w), strings.Join(countries(x, w), ", "), c.Window.D()),
			Evidence: Evidence{Transactions: x.IDs(w), Entities: payees(x, w), Facts: map[string]any{"count": len(w), "minCount": c.MinCount,
				"window": c.Window.D().String(), "maxEur": c.MaxEUR}}})
	})
}
