package detect

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// AMLRules holds the parameters of the laundering shapes. They look at payments between
// accounts and parties only: a card payment to a merchant is never a step of a laundering
// shape.
type AMLRules struct {
	FanIn         FanRule           `yaml:"fan_in"`
	FanOut        FanRule           `yaml:"fan_out"`
	Cycle         CycleRule         `yaml:"cycle"`
	ScatterGather ScatterGatherRule `yaml:"scatter_gather"`
	GatherScatter GatherScatterRule `yaml:"gather_scatter"`
	Layering      LayeringRule      `yaml:"layering"`
}

// FanRule finds one account receiving from (fan_in) or paying to (fan_out) many distinct
// counterparties in a coordinated way: the same amount from each (one pre-arranged figure), or
// each splitting its payments into bursts on one day (structuring). Many counterparties alone
// are a landlord or a shop: minCounterparties makes a weak signal, the coordination a strong
// one.
type FanRule struct {
	Rule `yaml:",inline"`
	// Window is the span within which the counterparties are counted.
	Window Duration `yaml:"window"`
	// MinCounterparties is how many distinct counterparties in Window make the plain shape.
	MinCounterparties int `yaml:"minCounterparties"`
	// PlainStrength is the strength of the plain shape (many counterparties, no coordination).
	PlainStrength float64 `yaml:"plainStrength"`
	// MinSameAmount is how many distinct counterparties paying exactly the same amount within
	// SameAmountWindow make the coordinated shape.
	MinSameAmount    int      `yaml:"minSameAmount"`
	SameAmountWindow Duration `yaml:"sameAmountWindow"`
	// MinBursts is how many distinct counterparties, each with at least BurstCount payments
	// within BurstWindow, make the structured shape.
	MinBursts   int      `yaml:"minBursts"`
	BurstCount  int      `yaml:"burstCount"`
	BurstWindow Duration `yaml:"burstWindow"`
	// MinStructured is how many distinct counterparties paying structured amounts within Window
	// make the structured shape: amounts just under a reporting threshold (within
	// StructuredMargin of one of StructuredBelow, in major units of the currency), or large round
	// sums (multiples of RoundUnit).
	MinStructured    int       `yaml:"minStructured"`
	StructuredBelow  []float64 `yaml:"structuredBelow"`
	StructuredMargin float64   `yaml:"structuredMargin"`
	RoundUnit        float64   `yaml:"roundUnit"`
	// Counterparties says whether the counterparties of a coordinated shape get the signal too
	// (they are the mules of a fan-in, the receivers of a fan-out).
	Counterparties bool `yaml:"counterparties"`
}

// structured reports whether t's amount is just under a reporting threshold or a large round sum.
func (f FanRule) structured(t Tx) bool {
	major := float64(t.Amount) / pow10[max(0, min(CurrencyScale(t.Currency), 4))]
	for _, th := range f.StructuredBelow {
		if major < th && major >= th*(1-f.StructuredMargin) {
			return true
		}
	}
	if f.RoundUnit > 0 && major >= f.RoundUnit {
		r := major / f.RoundUnit
		return r == math.Trunc(r)
	}
	return false
}

// CycleRule finds money that returns to where it started through 2 to 6 distinct accounts.
type CycleRule struct {
	Rule      `yaml:",inline"`
	MinLength int `yaml:"minLength"`
	MaxLength int `yaml:"maxLength"`
	// TimeOrdered requires each hop at or after the one before; false allows any order (AMLSim's
	// 20K sets plant cycles whose hops are not time-ordered).
	TimeOrdered bool `yaml:"timeOrdered"`
	// Window bounds the time between the first and the last hop.
	Window Duration `yaml:"window"`
	// MinAmountRatio and MaxAmountRatio bound each hop's amount against the previous one's:
	// laundering passes most of the money on (fees shrink it a little).
	MinAmountRatio float64 `yaml:"minAmountRatio"`
	MaxAmountRatio float64 `yaml:"maxAmountRatio"`
	// MaxPerStart bounds the cycles reported from one start account, and Budget the steps of
	// the search from one start account, so that a dense graph cannot explode.
	MaxPerStart int `yaml:"maxPerStart"`
	Budget      int `yaml:"budget"`
}

// ScatterGatherRule finds a source paying several intermediaries that each pass the money on to
// one common sink.
type ScatterGatherRule struct {
	Rule `yaml:",inline"`
	// MinIntermediaries is how many distinct intermediaries make the shape.
	MinIntermediaries int `yaml:"minIntermediaries"`
	// MaxDelay bounds the time between an intermediary receiving and passing on.
	MaxDelay Duration `yaml:"maxDelay"`
	// MinPassOn is the least share of what an intermediary received that it passes on.
	MinPassOn float64 `yaml:"minPassOn"`
}

// GatherScatterRule finds an account collecting from several sources and then paying most of it
// out to several destinations.
type GatherScatterRule struct {
	Rule            `yaml:",inline"`
	MinSources      int      `yaml:"minSources"`
	MinDestinations int      `yaml:"minDestinations"`
	Window          Duration `yaml:"window"`
	// MinPassOn is the least share of what was gathered that is paid out in Window.
	MinPassOn float64 `yaml:"minPassOn"`
}

// LayeringRule finds chains of payments that move quickly from account to account, each hop
// passing most of the money on.
type LayeringRule struct {
	Rule `yaml:",inline"`
	// MinHops is the shortest chain reported.
	MinHops int `yaml:"minHops"`
	// MaxHops bounds the search.
	MaxHops int `yaml:"maxHops"`
	// MaxHopDelay bounds the time between a hop and the next.
	MaxHopDelay Duration `yaml:"maxHopDelay"`
	// TimeOrdered requires each hop at or after the one before (money moves on after it
	// arrived). False allows any order, with MaxHopDelay bounding the time between neighbouring
	// hops either way: AMLSim's 20K sets plant chains whose hops are not time-ordered, which a
	// bank's own records would not show.
	TimeOrdered    bool    `yaml:"timeOrdered"`
	MinAmountRatio float64 `yaml:"minAmountRatio"`
	MaxAmountRatio float64 `yaml:"maxAmountRatio"`
	// Budget bounds the search steps from one payment.
	Budget int `yaml:"budget"`
}

func (f FanRule) validate(p *problems, key string) {
	p.rule(key, f.Rule)
	p.positive(key+".window", float64(f.Window))
	p.positive(key+".sameAmountWindow", float64(f.SameAmountWindow))
	p.positive(key+".burstWindow", float64(f.BurstWindow))
	p.fraction(key+".plainStrength", f.PlainStrength)
	for k, v := range map[string]int{"minCounterparties": f.MinCounterparties, "minSameAmount": f.MinSameAmount, "minBursts": f.MinBursts} {
		if v < 2 {
			p.add(key+"."+k, "must be at least 2, is %d", v)
		}
	}
	if f.BurstCount < 2 {
		p.add(key+".burstCount", "must be at least 2, is %d", f.BurstCount)
	}
	if f.MinStructured < 2 {
		p.add(key+".minStructured", "must be at least 2, is %d", f.MinStructured)
	}
	p.fraction(key+".structuredMargin", f.StructuredMargin)
}

func ratios(p *problems, key string, lo, hi float64) {
	p.positive(key+".minAmountRatio", lo)
	if hi < lo {
		p.add(key+".maxAmountRatio", "must be at least minAmountRatio (%v), is %v", lo, hi)
	}
}

func (r *AMLRules) validate(p *problems) {
	r.FanIn.validate(p, "rules.fan_in")
	r.FanOut.validate(p, "rules.fan_out")
	c := r.Cycle
	p.rule("rules.cycle", c.Rule)
	if c.MinLength < 2 || c.MaxLength > 8 || c.MaxLength < c.MinLength {
		p.add("rules.cycle.maxLength", "lengths must satisfy 2 <= minLength <= maxLength <= 8, are %d and %d", c.MinLength, c.MaxLength)
	}
	p.positive("rules.cycle.window", float64(c.Window))
	ratios(p, "rules.cycle", c.MinAmountRatio, c.MaxAmountRatio)
	p.positive("rules.cycle.maxPerStart", float64(c.MaxPerStart))
	p.positive("rules.cycle.budget", float64(c.Budget))
	sg := r.ScatterGather
	p.rule("rules.scatter_gather", sg.Rule)
	if sg.MinIntermediaries < 2 {
		p.add("rules.scatter_gather.minIntermediaries", "must be at least 2, is %d", sg.MinIntermediaries)
	}
	p.positive("rules.scatter_gather.maxDelay", float64(sg.MaxDelay))
	p.fraction("rules.scatter_gather.minPassOn", sg.MinPassOn)
	gs := r.GatherScatter
	p.rule("rules.gather_scatter", gs.Rule)
	if gs.MinSources < 2 || gs.MinDestinations < 2 {
		p.add("rules.gather_scatter.minSources", "minSources and minDestinations must be at least 2, are %d and %d", gs.MinSources, gs.MinDestinations)
	}
	p.positive("rules.gather_scatter.window", float64(gs.Window))
	p.fraction("rules.gather_scatter.minPassOn", gs.MinPassOn)
	l := r.Layering
	p.rule("rules.layering", l.Rule)
	if l.MinHops < 2 || l.MaxHops < l.MinHops {
		p.add("rules.layering.minHops", "hops must satisfy 2 <= minHops <= maxHops, are %d and %d", l.MinHops, l.MaxHops)
	}
	p.positive("rules.layering.maxHopDelay", float64(l.MaxHopDelay))
	ratios(p, "rules.layering", l.MinAmountRatio, l.MaxAmountRatio)
	p.positive("rules.layering.budget", float64(l.Budget))
}

// amlRules lists the laundering shapes.
var amlRules = []ruleSpec{
	{Name: "fan_in", Family: FamilyAML, Indicator: "AML fan-in (D2.16, D3.20)",
		Describe: "many distinct senders paying one account: the same amount from each, or each in bursts on one day (structuring); many senders alone is a weak signal",
		Rule:     func(c *Config) Rule { return c.Rules.FanIn.Rule },
		Run:      func(x *Index, emit func(Signal)) { runFan(x, emit, true) }},
	{Name: "fan_out", Family: FamilyAML, Indicator: "AML fan-out",
		Describe: "one account paying many distinct receivers: the same amount to each, or in bursts on one day; many receivers alone is a weak signal",
		Rule:     func(c *Config) Rule { return c.Rules.FanOut.Rule },
		Run:      func(x *Index, emit func(Signal)) { runFan(x, emit, false) }},
	{Name: "cycle", Family: FamilyAML, Indicator: "AML cycle",
		Describe: "money returning to where it started through 2 to 6 distinct accounts, each hop passing most of it on",
		Rule:     func(c *Config) Rule { return c.Rules.Cycle.Rule },
		Run:      runCycles},
	{Name: "scatter_gather", Family: FamilyAML, Indicator: "AML scatter-gather",
		Describe: "a source paying several intermediaries that each pass the money on to one common sink",
		Rule:     func(c *Config) Rule { return c.Rules.ScatterGather.Rule },
		Run:      runScatterGather},
	{Name: "gather_scatter", Family: FamilyAML, Indicator: "AML gather-scatter",
		Describe: "an account collecting from several sources, then paying most of it out to several destinations",
		Rule:     func(c *Config) Rule { return c.Rules.GatherScatter.Rule },
		Run:      runGatherScatter},
	{Name: "layering", Family: FamilyAML, Indicator: "AML layering chain",
		Describe: "a chain of quick hops from account to account, each passing most of the money on",
		Rule:     func(c *Config) Rule { return c.Rules.Layering.Rule },
		Run:      runLayering},
}

// moving reports whether transaction t moves money between subjects (not to a merchant, not
// between one's own accounts): the only payments laundering shapes are made of.
func (x *Index) moving(t int32) bool { return !x.Txs[t].ToMerchant && x.SFrom[t] != x.STo[t] }

// fanShape is one coordinated group of a fan: the counterparties and their payments.
type fanShape struct {
	kind    string // same_amount, bursts or plain
	parties []int32
	txs     []int32
}

// runFan looks at each account's incoming (in) or outgoing payments.
func runFan(x *Index, emit func(Signal), in bool) {
	cfg := x.Cfg.Rules.FanOut
	name, dir, party := "fan-out", "to", "receivers"
	if in {
		cfg, name, dir, party = x.Cfg.Rules.FanIn, "fan-in", "from", "senders"
	}
	for v := range x.SNodes {
		lists := x.SOut
		other := x.STo
		if in {
			lists, other = x.SIn, x.SFrom
		}
		var txs []int32
		for _, t := range lists[v] {
			if x.moving(t) {
				txs = append(txs, t)
			}
		}
		if len(txs) < 2 {
			continue
		}
		shapes := fanShapes(x, txs, other, cfg)
		if len(shapes) == 0 {
			continue
		}
		// A coordinated shape wins over the plain one; among those, the largest.
		best := shapes[0]
		for _, s := range shapes[1:] {
			if (best.kind == "plain" && s.kind != "plain") || (s.kind != "plain" && len(s.parties) > len(best.parties)) {
				best = s
			}
		}
		var st float64
		var what string
		switch best.kind {
		case "same_amount":
			st = math.Min(1, 0.6+0.4*float64(len(best.parties)-cfg.MinSameAmount)/float64(cfg.MinSameAmount))
			what = fmt.Sprintf("%d %s with the same amount %s", len(best.parties), party, formatAmount(x.Txs[best.txs[0]]))
		case "bursts":
			st = math.Min(1, 0.6+0.4*float64(len(best.parties)-cfg.MinBursts)/float64(cfg.MinBursts))
			what = fmt.Sprintf("%d %s each making %d+ payments within %s", len(best.parties), party, cfg.BurstCount, cfg.BurstWindow.D())
		case "structured":
			st = math.Min(1, 0.6+0.4*float64(len(best.parties)-cfg.MinStructured)/float64(cfg.MinStructured))
			what = fmt.Sprintf("%d %s with amounts just under a reporting threshold or large round sums within %s", len(best.parties), party, cfg.Window.D())
		default:
			st = cfg.PlainStrength
			what = fmt.Sprintf("%d distinct %s within %s", len(best.parties), party, cfg.Window.D())
		}
		slices.Sort(best.txs)
		ids := x.IDs(best.txs)
		ents := make([]string, len(best.parties))
		for i, p := range best.parties {
			ents[i] = x.SNodes[p]
		}
		slices.Sort(ents)
		facts := map[string]any{"shape": best.kind, "counterparties": len(best.parties), "transactions": len(best.txs),
			"window": cfg.Window.D().String(), "minCounterparties": cfg.MinCounterparties, "minSameAmount": cfg.MinSameAmount,
			"minBursts": cfg.MinBursts, "burstCount": cfg.BurstCount}
		hub := x.SNodes[v]
		emit(Signal{Subject: hub, Strength: st, Summary: fmt.Sprintf("%s: %s", name, what),
			Evidence: Evidence{Transactions: ids, Entities: ents, Facts: facts}})
		if cfg.Counterparties && best.kind != "plain" {
			for _, p := range best.parties {
				emit(Signal{Subject: x.SNodes[p], Key: hub, Strength: st * 0.9,
					Summary:  fmt.Sprintf("one of the %s of a %s %s %s", party, name, dir, hub),
					Evidence: Evidence{Transactions: ids, Entities: []string{hub}, Facts: facts}})
			}
		}
	}
}

// fanShapes finds the coordinated groups among one account's payments (sorted by time), and the
// plain shape when there are enough distinct counterparties in a window.
func fanShapes(x *Index, txs []int32, other []int32, cfg FanRule) []fanShape {
	var out []fanShape
	// Same amount: group by exact amount and currency, then slide the window over each group.
	type key struct {
		amount   int64
		currency string
	}
	groups := map[key][]int32{}
	for _, t := range txs {
		k := key{x.Txs[t].Amount, x.Txs[t].Currency}
		groups[k] = append(groups[k], t)
	}
	for _, g := range groups {
		if s, ok := windowParties(x, g, other, cfg.SameAmountWindow.D(), cfg.MinSameAmount); ok {
			s.kind = "same_amount"
			out = append(out, s)
		}
	}
	// Bursts: counterparties with BurstCount payments within BurstWindow, counted in Window.
	byParty := map[int32][]int32{}
	for _, t := range txs {
		byParty[other[t]] = append(byParty[other[t]], t)
	}
	var burstTxs []int32
	for _, pts := range byParty {
		for i := 0; i+cfg.BurstCount-1 < len(pts); i++ {
			if x.Txs[pts[i+cfg.BurstCount-1]].At.Sub(x.Txs[pts[i]].At) <= cfg.BurstWindow.D() {
				burstTxs = append(burstTxs, pts[i:i+cfg.BurstCount]...)
				break
			}
		}
	}
	slices.Sort(burstTxs) // indexes are in time order
	burstTxs = slices.Compact(burstTxs)
	if s, ok := windowParties(x, burstTxs, other, cfg.Window.D(), cfg.MinBursts); ok {
		s.kind = "bursts"
		out = append(out, s)
	}
	var structured []int32
	for _, t := range txs {
		if cfg.structured(x.Txs[t]) {
			structured = append(structured, t)
		}
	}
	if s, ok := windowParties(x, structured, other, cfg.Window.D(), cfg.MinStructured); ok {
		s.kind = "structured"
		out = append(out, s)
	}
	if s, ok := windowParties(x, txs, other, cfg.Window.D(), cfg.MinCounterparties); ok {
		s.kind = "plain"
		out = append(out, s)
	}
	return out
}

// windowParties finds the window of length w with the most distinct counterparties among txs
// (in time order), and returns it when it has at least min of them.
func windowParties(x *Index, txs []int32, other []int32, w time.Duration, min int) (fanShape, bool) {
	if len(txs) < min {
		return fanShape{}, false
	}
	count := map[int32]int{}
	bestN, bestLo, bestHi := 0, 0, 0
	lo := 0
	for hi, t := range txs {
		count[other[t]]++
		for x.Txs[t].At.Sub(x.Txs[txs[lo]].At) > w {
			p := other[txs[lo]]
			if count[p]--; count[p] == 0 {
				delete(count, p)
			}
			lo++
		}
		if len(count) > bestN {
			bestN, bestLo, bestHi = len(count), lo, hi
		}
	}
	if bestN < min {
		return fanShape{}, false
	}
	s := fanShape{txs: slices.Clone(txs[bestLo : bestHi+1])}
	seen := map[int32]bool{}
	for _, t := range s.txs {
		if p := other[t]; !seen[p] {
			seen[p] = true
			s.parties = append(s.parties, p)
		}
	}
	return s, true
}

func formatAmount(t Tx) string {
	scale := CurrencyScale(t.Currency)
	return fmt.Sprintf("%.*f %s", scale, float64(t.Amount)/pow10[max(0, min(scale, 4))], t.Currency)
}

// amountOK reports whether next's amount is within [lo, hi] times prev's.
func amountOK(x *Index, prev, next int32, lo, hi float64) bool {
	a, b := x.Txs[prev], x.Txs[next]
	if a.Currency != b.Currency {
		if !x.HasEUR(prev) || !x.HasEUR(next) {
			return false
		}
		r := x.EUR[next] / x.EUR[prev]
		return r >= lo && r <= hi
	}
	if a.Amount <= 0 {
		return false
	}
	r := float64(b.Amount) / float64(a.Amount)
	return r >= lo && r <= hi
}

// byAmount holds each subject's outgoing moving payments sorted by their euro amount, so that a
// search for the next hop of a chain looks only at the payments within the amount ratios of the
// previous one (a binary search) instead of all of them. Payments without a euro amount (no
// rate for their currency) are kept apart and scanned whole.
type byAmount struct {
	x      *Index
	eur    [][]int32 // by subject: payments with a euro amount, smallest first
	noRate [][]int32 // by subject: payments without one
}

func newByAmount(x *Index) *byAmount {
	b := &byAmount{x: x, eur: make([][]int32, len(x.SNodes)), noRate: make([][]int32, len(x.SNodes))}
	for v, out := range x.SOut {
		for _, t := range out {
			switch {
			case !x.moving(t):
			case x.HasEUR(t):
				b.eur[v] = append(b.eur[v], t)
			default:
				b.noRate[v] = append(b.noRate[v], t)
			}
		}
		slices.SortStableFunc(b.eur[v], func(p, q int32) int { return cmp.Compare(x.EUR[p], x.EUR[q]) })
	}
	return b
}

// next returns v's moving payments that may be within [lo, hi] times prev's amount: every one
// that amountOK accepts, and a few more at the edges (callers check amountOK). With a constant
// rate per currency, the ratio of two euro amounts is the ratio of the amounts.
func (b *byAmount) next(v, prev int32, lo, hi float64) []int32 {
	x := b.x
	if !x.HasEUR(prev) {
		return b.noRate[v] // only a payment in prev's currency, which has no rate either, can follow
	}
	list := b.eur[v]
	e := x.EUR[prev]
	from, _ := slices.BinarySearchFunc(list, e*lo*(1-1e-9), func(t int32, a float64) int { return cmp.Compare(x.EUR[t], a) })
	to, _ := slices.BinarySearchFunc(list[from:], e*hi*(1+1e-9), func(t int32, a float64) int {
		if x.EUR[t] <= a {
			return -1
		}
		return 1
	})
	return list[from : from+to]
}

// runCycles searches, from each account, the cycles whose own order starts there: each hop at
// or after the previous (TimeOrdered) and within the amount ratios of it. A cycle whose
// rotations all pass (one amount, no time order) is found from each of its members and reported
// once: cycles are named by their members in order from the smallest id (cycleKey).
//
// The search from one start stops after Budget steps; past MaxPerStart cycles it only counts.
// Both cuts are in the signals' facts (cyclesSkipped, budgetExhausted), so an analyst knows the
// list is partial.
func runCycles(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.Cycle
	ba := newByAmount(x)
	path := make([]int32, 0, c.MaxLength) // transactions
	onPath := make([]bool, len(x.SNodes))
	seen := map[string]bool{} // cycle keys reported or counted
	// tried[d] holds the (next account, amount) pairs tried at depth d: repeats of the same
	// transfer add nothing.
	tried := make([][][2]int64, c.MaxLength+1)
	for s := range x.SNodes {
		start := int32(s)
		steps, skipped := 0, 0
		var cycles [][]int32
		var keys []string
		var walk func(v int32)
		walk = func(v int32) {
			last := path[len(path)-1]
			d := len(path)
			tried[d] = tried[d][:0]
			for _, t := range ba.next(v, last, c.MinAmountRatio, c.MaxAmountRatio) {
				steps++
				if steps >= c.Budget {
					return
				}
				w := x.STo[t]
				if onPath[w] || !amountOK(x, last, t, c.MinAmountRatio, c.MaxAmountRatio) ||
					(c.TimeOrdered && x.Txs[t].At.Before(x.Txs[last].At)) || !withinWindow(x, path, t, c.Window.D()) {
					continue
				}
				k := [2]int64{int64(w), x.Txs[t].Amount}
				if slices.Contains(tried[d], k) {
					continue
				}
				tried[d] = append(tried[d], k)
				path = append(path, t)
				if w == start {
					if len(path) >= c.MinLength {
						if key := cycleKey(x, path); !seen[key] {
							seen[key] = true
							if len(cycles) < c.MaxPerStart {
								cycles, keys = append(cycles, slices.Clone(path)), append(keys, key)
							} else {
								skipped++
							}
						}
					}
				} else if len(path) < c.MaxLength {
					onPath[w] = true
					walk(w)
					onPath[w] = false
				}
				path = path[:len(path)-1]
				if steps >= c.Budget {
					return
				}
			}
		}
		for _, t := range x.SOut[start] {
			if steps >= c.Budget {
				break
			}
			if !x.moving(t) {
				continue
			}
			steps++
			path = append(path[:0], t)
			onPath[x.STo[t]] = true
			walk(x.STo[t])
			onPath[x.STo[t]] = false
		}
		path = path[:0]
		for i, p := range cycles {
			emitCycle(x, emit, p, keys[i], skipped, steps >= c.Budget)
		}
	}
}

// withinWindow reports whether adding t keeps the path's time span within w.
func withinWindow(x *Index, path []int32, t int32, w time.Duration) bool {
	lo, hi := x.Txs[t].At, x.Txs[t].At
	for _, p := range path {
		at := x.Txs[p].At
		if at.Before(lo) {
			lo = at
		}
		if at.After(hi) {
			hi = at
		}
	}
	return hi.Sub(lo) <= w
}

// cycleKey names a cycle by its members in order from the smallest id: the same accounts in the
// same order are one cycle, whichever transfers carried it and whichever member the search
// started from. Ids, not node numbers, so that the key is the same in every run.
func cycleKey(x *Index, path []int32) string {
	ids := make([]string, len(path))
	low := 0
	for i, t := range path {
		ids[i] = x.SNodes[x.SFrom[t]]
		if ids[i] < ids[low] {
			low = i
		}
	}
	return shortHash(slices.Concat(ids[low:], ids[:low])...)
}

// emitCycle gives every member of a cycle the signal; skipped and exhausted say how the search
// from the cycle's lowest member was cut.
func emitCycle(x *Index, emit func(Signal), path []int32, key string, skipped int, exhausted bool) {
	c := x.Cfg.Rules.Cycle
	txs := slices.Clone(path)
	members := make([]string, len(path))
	for i, t := range path {
		members[i] = x.SNodes[x.SFrom[t]]
	}
	first, last := x.Txs[path[0]].At, x.Txs[path[0]].At
	ordered := true
	for i, t := range path {
		at := x.Txs[t].At
		if at.Before(first) {
			first = at
		}
		if at.After(last) {
			last = at
		}
		if i > 0 && at.Before(x.Txs[path[i-1]].At) {
			ordered = false
		}
	}
	// A pair paying back and forth is often a refund or a shared bill: weaker than a loop
	// through third parties.
	st := 0.85
	if len(path) == 2 {
		st = 0.5
	}
	if ordered {
		st = math.Min(1, st+0.15)
	}
	slices.SortFunc(txs, func(a, b int32) int { return x.Txs[a].At.Compare(x.Txs[b].At) })
	summary := fmt.Sprintf("cycle of %d accounts (%s) moving %s over %s", len(path), strings.Join(shortIDs(members), " → "),
		formatAmount(x.Txs[path[0]]), roundDays(last.Sub(first)))
	facts := map[string]any{"length": len(path), "timeOrdered": ordered, "spanHours": math.Round(last.Sub(first).Hours()),
		"window": c.Window.D().String(), "minAmountRatio": c.MinAmountRatio, "maxAmountRatio": c.MaxAmountRatio,
		"cyclesSkipped": skipped, "maxPerStart": c.MaxPerStart, "budgetExhausted": exhausted, "budget": c.Budget}
	seen := map[string]bool{}
	for _, subj := range members {
		if seen[subj] {
			continue
		}
		seen[subj] = true
		emit(Signal{Subject: subj, Key: key, Strength: st, Summary: summary,
			Evidence: Evidence{Transactions: x.IDs(txs), Entities: members, Facts: facts}})
	}
}

func shortIDs(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		if j := strings.LastIndexByte(id, ':'); j >= 0 && j < len(id)-1 {
			out[i] = id[j+1:]
		} else {
			out[i] = id
		}
	}
	return out
}

func roundDays(d time.Duration) string {
	if d < 48*time.Hour {
		return fmt.Sprintf("%.0f hours", d.Hours())
	}
	return fmt.Sprintf("%.0f days", d.Hours()/24)
}

// runScatterGather looks, for each source, at the payments of its payees that follow the
// source's payment to them, grouped by the final sink.
func runScatterGather(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.ScatterGather
	for s := range x.SNodes {
		src := int32(s)
		type leg struct{ in, out int32 }
		bySink := map[int32]map[int32]leg{} // sink -> intermediary -> its legs
		for _, t := range x.SOut[src] {
			if !x.moving(t) {
				continue
			}
			m := x.STo[t]
			for _, u := range x.SOut[m] {
				d := x.STo[u]
				if !x.moving(u) || d == src || d == m || x.Txs[u].At.Before(x.Txs[t].At) || x.Txs[u].At.Sub(x.Txs[t].At) > c.MaxDelay.D() {
					continue
				}
				if !amountOK(x, t, u, c.MinPassOn, 1.05) {
					continue
				}
				if bySink[d] == nil {
					bySink[d] = map[int32]leg{}
				}
				if _, ok := bySink[d][m]; !ok {
					bySink[d][m] = leg{t, u}
				}
			}
		}
		for d, legs := range bySink {
			if len(legs) < c.MinIntermediaries {
				continue
			}
			var txs []int32
			members := []string{x.SNodes[src]}
			for m, l := range legs {
				txs = append(txs, l.in, l.out)
				members = append(members, x.SNodes[m])
			}
			members = append(members, x.SNodes[d])
			slices.Sort(txs)
			slices.Sort(members[1 : len(members)-1])
			st := math.Min(1, 0.7+0.3*float64(len(legs)-c.MinIntermediaries)/float64(c.MinIntermediaries))
			key := shortHash(x.SNodes[src], x.SNodes[d])
			summary := fmt.Sprintf("scatter-gather: %s paid %d intermediaries who passed it on to %s within %s",
				shortIDs(members[:1])[0], len(legs), shortIDs(members[len(members)-1:])[0], c.MaxDelay.D())
			facts := map[string]any{"intermediaries": len(legs), "maxDelay": c.MaxDelay.D().String(), "minPassOn": c.MinPassOn}
			seen := map[string]bool{}
			for _, subj := range members {
				if !seen[subj] {
					seen[subj] = true
					emit(Signal{Subject: subj, Key: key, Strength: st, Summary: summary,
						Evidence: Evidence{Transactions: x.IDs(txs), Entities: members, Facts: facts}})
				}
			}
		}
	}
}

// runGatherScatter looks at each account's incoming payments in a window and what it pays out in
// the window after.
func runGatherScatter(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.GatherScatter
	for v := range x.SNodes {
		var ins []int32
		for _, t := range x.SIn[v] {
			if x.moving(t) && x.HasEUR(t) {
				ins = append(ins, t)
			}
		}
		if len(ins) < c.MinSources {
			continue
		}
		best, bestIn, bestOut := 0.0, []int32(nil), []int32(nil)
		for i := 0; i < len(ins); i++ {
			// Gather: payments in [ins[i], ins[i]+window) from distinct sources.
			start := x.Txs[ins[i]].At
			sources := map[int32]bool{}
			var gathered float64
			var in []int32
			j := i
			for ; j < len(ins) && x.Txs[ins[j]].At.Sub(start) <= c.Window.D(); j++ {
				sources[x.SFrom[ins[j]]] = true
				gathered += x.EUR[ins[j]]
				in = append(in, ins[j])
			}
			if len(sources) < c.MinSources {
				continue
			}
			// Scatter: payments out after the first gathered one, within the window after the last.
			end := x.Txs[ins[j-1]].At.Add(c.Window.D())
			dests := map[int32]bool{}
			var paid float64
			var out []int32
			for _, u := range x.SOut[v] {
				at := x.Txs[u].At
				if !x.moving(u) || !x.HasEUR(u) || at.Before(start) || at.After(end) || sources[x.STo[u]] {
					continue
				}
				dests[x.STo[u]] = true
				paid += x.EUR[u]
				out = append(out, u)
			}
			if len(dests) >= c.MinDestinations && gathered > 0 && paid/gathered >= c.MinPassOn {
				score := float64(len(sources) + len(dests))
				if score > best {
					best, bestIn, bestOut = score, in, out
				}
			}
			if j == len(ins) {
				break
			}
		}
		if bestIn == nil {
			continue
		}
		txs := slices.Concat(bestIn, bestOut)
		slices.Sort(txs)
		srcs, dsts := map[int32]bool{}, map[int32]bool{}
		for _, t := range bestIn {
			srcs[x.SFrom[t]] = true
		}
		for _, t := range bestOut {
			dsts[x.STo[t]] = true
		}
		st := math.Min(1, 0.6+0.4*(best-float64(c.MinSources+c.MinDestinations))/float64(c.MinSources+c.MinDestinations))
		hub := x.SNodes[v]
		var ents []string
		for n := range srcs {
			ents = append(ents, x.SNodes[n])
		}
		for n := range dsts {
			ents = append(ents, x.SNodes[n])
		}
		slices.Sort(ents)
		emit(Signal{Subject: hub, Strength: st,
			Summary: fmt.Sprintf("gather-scatter: collected from %d sources, paid out to %d destinations within %s", len(srcs), len(dsts), c.Window.D()),
			Evidence: Evidence{Transactions: x.IDs(txs), Entities: ents, Facts: map[string]any{"sources": len(srcs), "destinations": len(dsts),
				"window": c.Window.D().String(), "minPassOn": c.MinPassOn}}})
	}
}

// runLayering follows, from each payment that no quick payment fed, the chains of quick
// payments onwards, and reports the longest chain from it when it has at least MinHops hops.
func runLayering(x *Index, emit func(Signal)) {
	c := x.Cfg.Rules.Layering
	ba := newByAmount(x)
	// quick reports whether next follows prev closely enough to be the chain's next hop.
	quick := func(prev, next int32) bool {
		d := x.Txs[next].At.Sub(x.Txs[prev].At)
		if d < 0 {
			if c.TimeOrdered {
				return false
			}
			d = -d
		}
		return d <= c.MaxHopDelay.D() && amountOK(x, prev, next, c.MinAmountRatio, c.MaxAmountRatio)
	}
	fed := func(t int32) bool { // a payment that continues a quick chain is not a start
		for _, p := range x.SIn[x.SFrom[t]] {
			if x.moving(p) && x.SFrom[p] != x.STo[t] && quick(p, t) {
				return true
			}
		}
		return false
	}
	reported := map[string]bool{}
	for i := range x.Txs {
		t0 := int32(i)
		if !x.moving(t0) || fed(t0) {
			continue
		}
		var best []int32
		path := []int32{t0}
		onPath := map[int32]bool{x.SFrom[t0]: true, x.STo[t0]: true}
		steps := 0
		var walk func()
		walk = func() {
			if len(path) > len(best) {
				best = slices.Clone(path)
			}
			if len(path) >= c.MaxHops || steps >= c.Budget {
				return
			}
			last := path[len(path)-1]
			for _, u := range ba.next(x.STo[last], last, c.MinAmountRatio, c.MaxAmountRatio) {
				steps++
				if steps >= c.Budget {
					return
				}
				if !x.moving(u) || onPath[x.STo[u]] || !quick(last, u) {
					continue
				}
				path = append(path, u)
				onPath[x.STo[u]] = true
				walk()
				delete(onPath, x.STo[u])
				path = path[:len(path)-1]
			}
		}
		walk()
		if len(best) < c.MinHops {
			continue
		}
		members := []string{x.SNodes[x.SFrom[best[0]]]}
		for _, t := range best {
			members = append(members, x.SNodes[x.STo[t]])
		}
		key := shortHash(members...)
		if reported[key] {
			continue
		}
		reported[key] = true
		// Evidence is oldest first; out of time order (TimeOrdered false) the chain's order is
		// in the members and the summary.
		txs := slices.Clone(best)
		slices.SortStableFunc(txs, func(a, b int32) int { return x.Txs[a].At.Compare(x.Txs[b].At) })
		span := x.Txs[txs[len(txs)-1]].At.Sub(x.Txs[txs[0]].At)
		st := math.Min(1, 0.6+0.1*float64(len(best)-c.MinHops))
		summary := fmt.Sprintf("layering: %d quick hops (%s) in %s, %s in, %s out", len(best),
			strings.Join(shortIDs(members), " → "), roundDays(span), formatAmount(x.Txs[best[0]]), formatAmount(x.Txs[best[len(best)-1]]))
		facts := map[string]any{"hops": len(best), "spanHours": math.Round(span.Hours()), "maxHopDelay": c.MaxHopDelay.D().String(),
			"minAmountRatio": c.MinAmountRatio, "maxAmountRatio": c.MaxAmountRatio, "timeOrdered": c.TimeOrdered}
		seen := map[string]bool{}
		for _, subj := range members {
			if !seen[subj] {
				seen[subj] = true
				emit(Signal{Subject: subj, Key: key, Strength: st, Summary: summary,
					Evidence: Evidence{Transactions: x.IDs(txs), Entities: members, Facts: facts}})
			}
		}
	}
}
