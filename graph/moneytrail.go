package graph

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// MONEY_TRAIL follows payments forward in time: from the accounts of From, each level of the
// search reads, for every partial trail at once (one UNWIND query), the next payments out of its
// last account that are later than its last payment by at most the window, within the amount
// bounds, and to an account not yet on the trail. Cypher alone cannot compare one hop of a
// variable-length pattern with the one before it, and filtering every path afterwards would
// enumerate them all; here each level is bounded: a few payments per account (the largest
// first: those closest to the amount that came in), a few partial trails per level, and a
// budget of payments read in all. Reaching a bound sets Truncated.

// Bounds of one money trail search.
const (
	trailPerAccount = 25    // onward payments read per partial trail and level
	trailFrontier   = 1000  // partial trails carried to the next level
	trailWork       = 40000 // payments read in all
	trailEndHolds   = 100   // accounts of a party at either end
)

// trailEnd is one end of a money trail: the entity and, when it is a party, the accounts it
// HOLDS (element id of the account -> element id of the HOLDS).
type trailEnd struct {
	self  string
	holds map[string]string
	more  bool // it holds more than trailEndHolds accounts: the others are not followed
}

// trailStep is one payment of a trail.
type trailStep struct {
	tx, payee string // element ids
	amount    int64
	at        time.Time
	currency  string
}

// trail is a partial or complete money trail.
type trail struct {
	start string // element id of the first payer: From or an account it holds
	steps []trailStep
}

func (t *trail) last() trailStep { return t.steps[len(t.steps)-1] }

// visited is the element ids of the accounts on the trail, and of every start.
func (t *trail) visited(starts []string) []string {
	out := slices.Clone(starts)
	for _, s := range t.steps {
		out = append(out, s.payee)
	}
	return out
}

// trailLevelQuery is one level of the search (see above). $rows are the partial trails: the
// last account (node), the bounds of the next payment (after, until, currency, the amount
// bounds of amountCurrency) and the accounts not to revisit; $room is what is left of the
// budget of payments read.
const trailLevelQuery = `
UNWIND $rows AS row
MATCH (s) WHERE elementId(s) = row.node
CALL (s, row) {
  MATCH (s)-[:SENT]->(t:Transaction)-[:TO]->(p)
  WHERE t.timestamp IS NOT NULL AND t.amount IS NOT NULL
    AND (row.after IS NULL OR (t.timestamp > row.after AND t.timestamp <= row.until))
    AND (row.currency IS NULL OR t.currency = row.currency)
    AND (row.amountCurrency IS NULL OR t.currency <> row.amountCurrency OR (t.amount <= row.maxAmount AND t.amount >= row.minAmount))
    AND NOT elementId(p) IN row.visited
    AND (elementId(p) IN $targets OR (NOT $last AND {payee}))
    AND {tx}
  RETURN t, p
  ORDER BY t.amount DESC, t.timestamp, elementId(t)
  LIMIT $perAccount
}
RETURN row.i AS i, elementId(t) AS tx, elementId(p) AS payee, t.amount AS amount, t.timestamp AS at, t.currency AS currency
LIMIT $room`

// moneyTrail answers MONEY_TRAIL.
func (s *Store) moneyTrail(ctx context.Context, p *pathPlan) (PathResult, error) {
	var res PathResult
	truncate := func(reason string) {
		if !res.Truncated {
			res.Truncated, res.Reason = true, reason
		}
	}
	query := strings.NewReplacer("{payee}", allOf(p.payeePred("p")), "{tx}", allOf(p.txPred("t"))).Replace(trailLevelQuery)

	type found struct {
		from, to trailEnd
		done     []*trail
	}
	v, err := s.read(ctx, "follow a money trail", func(tx neo4j.ManagedTransaction) (any, error) {
		res = PathResult{} // the function runs again when the transaction is retried
		var f found
		var err error
		if f.from, err = readTrailEnd(ctx, tx, p, p.from); err != nil {
			return nil, err
		}
		if f.to, err = readTrailEnd(ctx, tx, p, p.to); err != nil {
			return nil, err
		}
		starts := append([]string{f.from.self}, f.from.heldAccounts()...)
		targets := append([]string{f.to.self}, f.to.heldAccounts()...)
		if f.from.more || f.to.more {
			truncate(fmt.Sprintf("a party at an end holds more than %d accounts: %d were followed", trailEndHolds, trailEndHolds))
		}

		frontier := make([]*trail, len(starts))
		for i, id := range starts {
			frontier[i] = &trail{start: id}
		}
		work := 0
		for level := 1; level <= p.maxHops && len(frontier) > 0; level++ {
			rows := make([]map[string]any, len(frontier))
			for i, t := range frontier {
				rows[i] = p.trail.nextBounds(t, starts)
				rows[i]["i"] = i
			}
			params := withParams(p.params, map[string]any{"rows": rows, "targets": targets, "last": level == p.maxHops, "perAccount": trailPerAccount, "room": trailWork - work})
			r, err := tx.Run(ctx, query, params)
			if err != nil {
				return nil, err
			}
			var next []*trail
			perTrail := make([]int, len(frontier))
			for r.Next(ctx) {
				i, step, err := readTrailStep(r.Record())
				if err != nil {
					return nil, err
				}
				work++
				perTrail[i]++
				t := &trail{start: frontier[i].start, steps: append(slices.Clip(frontier[i].steps), step)}
				if slices.Contains(targets, step.payee) {
					f.done = append(f.done, t)
				} else {
					next = append(next, t)
				}
			}
			if err := r.Err(); err != nil {
				return nil, err
			}
			if slices.Contains(perTrail, trailPerAccount) {
				truncate(fmt.Sprintf("an account has %d or more onward payments: the largest were followed", trailPerAccount))
			}
			if p.weight == WeightHops && len(f.done) >= p.trail.limit {
				if len(next) > 0 {
					truncate("longer trails were not searched")
				}
				break
			}
			if work >= trailWork {
				truncate(fmt.Sprintf("the search stopped after reading %d payments", trailWork))
				break
			}
			if len(next) > trailFrontier {
				slices.SortStableFunc(next, func(a, b *trail) int {
					return cmp.Or(cmp.Compare(b.last().amount, a.last().amount), a.last().at.Compare(b.last().at))
				})
				next = next[:trailFrontier]
				truncate(fmt.Sprintf("more than %d partial trails at one step: those carrying the most were followed", trailFrontier))
			}
			frontier = next
		}
		return f, nil
	})
	if err != nil {
		return PathResult{}, err
	}
	f := v.(found)
	slices.SortStableFunc(f.done, p.trail.compare(p.weight))
	if len(f.done) > p.trail.limit {
		f.done = f.done[:p.trail.limit]
		truncate(fmt.Sprintf("more than %d trails: the best %d are shown", p.trail.limit, p.trail.limit))
	}
	if len(f.done) == 0 {
		return res, nil
	}
	res.Paths, err = s.trailPaths(ctx, p, f.from, f.to, f.done)
	if err != nil {
		return PathResult{}, err
	}
	return res, nil
}

// nextBounds is the row of trailLevelQuery for the payment after t.
func (o trailPlan) nextBounds(t *trail, starts []string) map[string]any {
	row := map[string]any{"after": nil, "until": nil, "currency": nil, "amountCurrency": nil, "maxAmount": nil, "minAmount": nil}
	if o.currency != "" {
		row["currency"] = o.currency
	}
	if len(t.steps) == 0 {
		row["node"] = t.start
		row["visited"] = starts
		return row
	}
	last := t.last()
	row["node"] = last.payee
	row["visited"] = t.visited(starts)
	row["after"] = last.at
	row["until"] = last.at.Add(o.window)
	if !o.anyCurrency {
		row["currency"] = last.currency
	}
	row["amountCurrency"] = last.currency
	row["maxAmount"] = int64(math.Floor(float64(last.amount) * (1 + o.growth)))
	row["minAmount"] = int64(math.Ceil(float64(last.amount) * (1 - o.shrink)))
	return row
}

// compare orders complete trails: by hops, fewest transfers first and then the most delivered;
// by amount, the most delivered first and then the fewest transfers; then the earliest start
// and the element ids, so that the order is the same every time.
func (o trailPlan) compare(w PathWeight) func(a, b *trail) int {
	return func(a, b *trail) int {
		hops := cmp.Compare(len(a.steps), len(b.steps))
		amount := cmp.Compare(b.last().amount, a.last().amount)
		first := cmp.Or(hops, amount)
		if w == WeightAmount {
			first = cmp.Or(amount, hops)
		}
		return cmp.Or(first, a.steps[0].at.Compare(b.steps[0].at), strings.Compare(trailKey(a), trailKey(b)))
	}
}

func trailKey(t *trail) string {
	ids := make([]string, len(t.steps))
	for i, s := range t.steps {
		ids[i] = s.tx
	}
	return strings.Join(ids, "\x00")
}

// readTrailEnd reads an end of the trail: the entity (which exists) and the accounts it holds
// that the scope sees (at most trailEndHolds+1, to tell that there are more).
func readTrailEnd(ctx context.Context, tx neo4j.ManagedTransaction, p *pathPlan, id string) (trailEnd, error) {
	seen := "true"
	if !p.all {
		seen = scopeEdgePredicate("h") + " AND " + scopeNodePredicate("acct")
	}
	params := map[string]any{"id": id, "cap": trailEndHolds + 1}
	for k, v := range p.params {
		params[k] = v
	}
	r, err := tx.Run(ctx, `
MATCH (x:Entity {id: $id})
RETURN elementId(x) AS self,
       [(x)-[h:HOLDS]->(acct) WHERE `+seen+` | [elementId(acct), elementId(h)]][..$cap] AS holds`, params)
	if err != nil {
		return trailEnd{}, err
	}
	rec, err := r.Single(ctx)
	if err != nil {
		return trailEnd{}, err
	}
	end := trailEnd{holds: map[string]string{}}
	if end.self, _, err = neo4j.GetRecordValue[string](rec, "self"); err != nil {
		return trailEnd{}, err
	}
	holds, _, err := neo4j.GetRecordValue[[]any](rec, "holds")
	if err != nil {
		return trailEnd{}, err
	}
	for i, h := range holds {
		pair, ok := h.([]any)
		if !ok || len(pair) != 2 {
			return trailEnd{}, fmt.Errorf("holds %d is %v", i, h)
		}
		acct, _ := pair[0].(string)
		rel, _ := pair[1].(string)
		if i < trailEndHolds {
			end.holds[acct] = rel
		}
	}
	end.more = len(holds) > trailEndHolds
	return end, nil
}

// heldAccounts returns the accounts of an end in a stable order.
func (e trailEnd) heldAccounts() []string {
	out := make([]string, 0, len(e.holds))
	for k := range e.holds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func readTrailStep(rec *neo4j.Record) (int, trailStep, error) {
	var st trailStep
	i, _, err := neo4j.GetRecordValue[int64](rec, "i")
	if err != nil {
		return 0, st, err
	}
	if st.tx, _, err = neo4j.GetRecordValue[string](rec, "tx"); err != nil {
		return 0, st, err
	}
	if st.payee, _, err = neo4j.GetRecordValue[string](rec, "payee"); err != nil {
		return 0, st, err
	}
	if st.amount, _, err = neo4j.GetRecordValue[int64](rec, "amount"); err != nil {
		return 0, st, err
	}
	if st.at, _, err = neo4j.GetRecordValue[time.Time](rec, "at"); err != nil {
		return 0, st, err
	}
	st.at = st.at.UTC()
	if st.currency, _, err = neo4j.GetRecordValue[string](rec, "currency"); err != nil {
		return 0, st, err
	}
	return int(i), st, nil
}

// trailPaths reads the nodes and relationships of complete trails and builds their paths: the
// party From (and its HOLDS) when the trail starts at one of its accounts, then payment by
// payment the transaction and its payee (SENT and TO), and the party To (and its HOLDS) when the
// trail ends at one of its accounts.
func (s *Store) trailPaths(ctx context.Context, p *pathPlan, from, to trailEnd, trails []*trail) ([]Path, error) {
	var txs, holds []string
	for _, t := range trails {
		if t.start != from.self {
			holds = append(holds, from.holds[t.start])
		}
		if payee := t.last().payee; payee != to.self {
			holds = append(holds, to.holds[payee])
		}
		for _, st := range t.steps {
			txs = append(txs, st.tx)
		}
	}
	slices.Sort(txs)
	txs = slices.Compact(txs)
	slices.Sort(holds)
	holds = slices.Compact(holds)

	type parts struct {
		nodes map[string]neo4j.Node
		rels  map[string]neo4j.Relationship // SENT and TO by their transaction's element id; HOLDS by its own
		sent  map[string]neo4j.Relationship
	}
	v, err := s.read(ctx, "read a money trail", func(tx neo4j.ManagedTransaction) (any, error) {
		pt := parts{nodes: map[string]neo4j.Node{}, rels: map[string]neo4j.Relationship{}, sent: map[string]neo4j.Relationship{}}
		r, err := tx.Run(ctx, `
UNWIND $txs AS id
MATCH (a)-[s:SENT]->(t:Transaction)-[o:TO]->(b) WHERE elementId(t) = id
RETURN a, s, t, o, b`, map[string]any{"txs": txs})
		if err != nil {
			return nil, err
		}
		for r.Next(ctx) {
			rec := r.Record()
			var ns [3]neo4j.Node
			for i, k := range []string{"a", "t", "b"} {
				if ns[i], _, err = neo4j.GetRecordValue[neo4j.Node](rec, k); err != nil {
					return nil, err
				}
				pt.nodes[ns[i].ElementId] = ns[i]
			}
			sent, _, err := neo4j.GetRecordValue[neo4j.Relationship](rec, "s")
			if err != nil {
				return nil, err
			}
			out, _, err := neo4j.GetRecordValue[neo4j.Relationship](rec, "o")
			if err != nil {
				return nil, err
			}
			pt.sent[ns[1].ElementId], pt.rels[ns[1].ElementId] = sent, out
		}
		if err := r.Err(); err != nil {
			return nil, err
		}
		r, err = tx.Run(ctx, `
UNWIND $holds AS id
MATCH (x)-[h:HOLDS]->(y) WHERE elementId(h) = id
RETURN x, h, y`, map[string]any{"holds": holds})
		if err != nil {
			return nil, err
		}
		for r.Next(ctx) {
			rec := r.Record()
			for _, k := range []string{"x", "y"} {
				n, _, err := neo4j.GetRecordValue[neo4j.Node](rec, k)
				if err != nil {
					return nil, err
				}
				pt.nodes[n.ElementId] = n
			}
			h, _, err := neo4j.GetRecordValue[neo4j.Relationship](rec, "h")
			if err != nil {
				return nil, err
			}
			pt.rels[h.ElementId] = h
		}
		return pt, r.Err()
	})
	if err != nil {
		return nil, err
	}
	pt := v.(parts)
	changed := Errorf(EUNAVAILABLE, "the graph changed while the money trail was read: retry")
	node := func(id string) (neo4j.Node, bool) { n, ok := pt.nodes[id]; return n, ok }

	out := make([]Path, 0, len(trails))
	for _, t := range trails {
		var nodes []neo4j.Node
		var rels []neo4j.Relationship
		// holder is the HOLDS relationship with the id hid and the party it starts at.
		holder := func(hid string) (neo4j.Node, neo4j.Relationship, bool) {
			h, ok := pt.rels[hid]
			if !ok {
				return neo4j.Node{}, neo4j.Relationship{}, false
			}
			party, ok := node(h.StartElementId)
			return party, h, ok
		}
		if t.start != from.self {
			party, h, ok := holder(from.holds[t.start])
			if !ok {
				return nil, changed
			}
			nodes, rels = append(nodes, party), append(rels, h)
		}
		first, ok := pt.sent[t.steps[0].tx]
		if !ok {
			return nil, changed
		}
		payer, ok := node(first.StartElementId)
		if !ok || payer.ElementId != t.start {
			return nil, changed
		}
		nodes = append(nodes, payer)
		path := Path{Hops: len(t.steps)}
		for _, st := range t.steps {
			sent, ok1 := pt.sent[st.tx]
			to, ok2 := pt.rels[st.tx]
			txn, ok3 := node(st.tx)
			payee, ok4 := node(st.payee)
			if !ok1 || !ok2 || !ok3 || !ok4 || to.EndElementId != st.payee {
				return nil, changed
			}
			nodes, rels = append(nodes, txn, payee), append(rels, sent, to)
			path.Amounts = append(path.Amounts, st.amount)
			path.Times = append(path.Times, st.at)
			path.Currencies = append(path.Currencies, st.currency)
		}
		if payee := t.last().payee; payee != to.self {
			party, h, ok := holder(to.holds[payee])
			if !ok {
				return nil, changed
			}
			nodes, rels = append(nodes, party), append(rels, h)
		}
		built, err := buildPath(nodes, rels)
		if err != nil {
			return nil, err
		}
		built.Hops, built.Amounts, built.Times, built.Currencies = path.Hops, path.Amounts, path.Times, path.Currencies
		built.Cost = float64(path.Hops)
		if p.weight == WeightAmount {
			built.Cost = math.Round(amountCost(t.last().amount)*1e9) / 1e9
		}
		out = append(out, built)
	}
	return out, nil
}
