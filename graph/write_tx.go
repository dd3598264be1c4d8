package graph

import (
	"slices"
	"sort"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// The transactions fast path. Transactions are the bulk of every graph (a bank's export is
// millions of rows), so they are written the cheapest way that stays idempotent: one read finds
// which of the batch's transactions exist already; new ones are CREATEd with their SENT and TO
// in one statement, existing ones are left alone when the record says nothing new, and updated
// (properties, provenance, and a moved payer or payee) when it does. The FLOW aggregates are
// computed here from what changed, so that a transaction is counted exactly once and a corrected
// amount or currency moves its FLOW contribution instead of adding to it.

// txExistingQuery returns what is stored of the batch's transactions that exist already.
const txExistingQuery = `
UNWIND $ids AS id
MATCH (t:Entity {id: id})
RETURN id, labels(t) AS labels, properties(t) AS props,
       [(a)-[:SENT]->(t) | a.id] AS payers, [(t)-[:TO]->(b) | b.id] AS payees`

// txCreateQuery creates new transactions with their SENT and TO, and adds them to the FLOW of
// their payer and payee (the MATCHed ends are at hand: no second lookup). The read just before,
// in the same write transaction, found none of them.
var txCreateQuery = `
UNWIND $rows AS row
MATCH (a:Entity {id: row.from})
MATCH (b:Entity {id: row.to})
CREATE (t:Entity:Transaction {id: row.id})
SET t += row.props, t.sources = [$source], t.refs = row.refs, t.firstSeen = row.first, t.lastSeen = row.last
CREATE (a)-[:SENT]->(t)
CREATE (t)-[:TO]->(b)
WITH a, b, row.props.currency AS currency, row.props.amount AS amount, row.props.timestamp AS at
WITH a, b, currency, count(*) AS rows, count(amount) AS n, sum(amount) AS total, min(at) AS first, max(at) AS last
CALL (a, b, currency, n, total, first, last) {
  WITH * WHERE currency IS NOT NULL AND n > 0` + addToFlow + `
}
RETURN sum(rows) AS written`

// txUpdateQuery updates transactions that exist and that the record changes.
var txUpdateQuery = `
UNWIND $rows AS row
MATCH (t:Entity:Transaction {id: row.id})
MATCH (a:Entity {id: row.from})
MATCH (b:Entity {id: row.to})
SET t += row.props,
    t.sources = CASE WHEN $source IN coalesce(t.sources, []) THEN t.sources ELSE coalesce(t.sources, []) + $source END,
    t.refs = (coalesce(t.refs, []) + [r IN row.refs WHERE NOT r IN coalesce(t.refs, [])])[..$maxRefs],
    ` + widenSeen("t") + `
REMOVE t.flowPending
MERGE (a)-[:SENT]->(t)
MERGE (t)-[:TO]->(b)
RETURN count(t) AS written`

// txMovedQuery removes the SENT and TO of transactions whose payer or payee a later record
// changed: the latest record says who paid whom, as it says the amount.
const txMovedQuery = `
UNWIND $rows AS row
MATCH (t:Entity:Transaction {id: row.id})
OPTIONAL MATCH (x)-[s:SENT]->(t) WHERE x.id <> row.from
OPTIONAL MATCH (t)-[o:TO]->(y) WHERE y.id <> row.to
DELETE s, o`

// flowDeltaQuery applies FLOW changes: counts and totals added (or taken away, when a
// transaction moved or changed its amount); a FLOW left with no transactions is deleted.
var flowDeltaQuery = `
UNWIND $flows AS d
MATCH (a:Entity {id: d.from})
MATCH (b:Entity {id: d.to})
WITH a, b, d.currency AS currency, d.count AS n, d.total AS total, d.first AS first, d.last AS last` + addToFlow + `
WITH f WHERE f.count <= 0
DELETE f`

// storedTx is what txExistingQuery found of one transaction.
type storedTx struct {
	labels         []any
	props          map[string]any
	payers, payees []any
}

func (p *batchPlan) runTxs(s *stmt) error {
	ids := make([]string, len(p.txs))
	for i, r := range p.txs {
		ids[i] = r.id
	}
	res, err := s.tx.Run(s.ctx, txExistingQuery, map[string]any{"ids": ids})
	if err != nil {
		return err
	}
	stored := map[string]storedTx{}
	for res.Next(s.ctx) {
		rec := res.Record()
		id, _, _ := neo4j.GetRecordValue[string](rec, "id")
		var st storedTx
		st.labels, _, _ = neo4j.GetRecordValue[[]any](rec, "labels")
		st.props, _, _ = neo4j.GetRecordValue[map[string]any](rec, "props")
		st.payers, _, _ = neo4j.GetRecordValue[[]any](rec, "payers")
		st.payees, _, _ = neo4j.GetRecordValue[[]any](rec, "payees")
		stored[id] = st
	}
	if err := res.Err(); err != nil {
		return err
	}

	var create, update, moved []map[string]any
	flows := flowDeltas{}
	for _, r := range p.txs {
		old, ok := stored[r.id]
		if !ok {
			create = append(create, r.params()) // counted in FLOW by txCreateQuery
			continue
		}
		if !slices.Contains(old.labels, any(string(LabelTransaction))) {
			return Errorf(EINVALID, "transaction %s: the id is taken by a %v", r.id, old.labels)
		}
		if old.unchanged(r, p.srcID) {
			continue
		}
		update = append(update, r.params())
		if len(old.payers) > 1 || len(old.payees) > 1 || (len(old.payers) == 1 && old.payers[0] != r.from) ||
			(len(old.payees) == 1 && old.payees[0] != r.to) {
			moved = append(moved, map[string]any{"id": r.id, "from": r.from, "to": r.to})
		}
		// What the transaction counted so far, if anything, comes off its old FLOW.
		if pending, _ := old.props["flowPending"].(bool); !pending && len(old.payers) == 1 && len(old.payees) == 1 {
			from, _ := old.payers[0].(string)
			to, _ := old.payees[0].(string)
			flows.add(from, to, old.props, -1)
		}
		flows.add(r.from, r.to, r.props, 1)
	}
	if len(create) > 0 {
		params := map[string]any{"rows": create, "source": p.srcID}
		if err := s.written(txCreateQuery, params, len(create), "transactions (payer or payee)", p.endpoint); err != nil {
			return err
		}
	}
	if len(moved) > 0 {
		if err := s.exec(txMovedQuery, map[string]any{"rows": moved}); err != nil {
			return err
		}
	}
	if len(update) > 0 {
		params := map[string]any{"rows": update, "source": p.srcID, "maxRefs": maxRefs}
		if err := s.written(txUpdateQuery, params, len(update), "transactions (payer or payee)", p.endpoint); err != nil {
			return err
		}
	}
	if rows := flows.rows(); len(rows) > 0 {
		if err := s.exec(flowDeltaQuery, map[string]any{"flows": rows}); err != nil {
			return err
		}
	}
	return nil
}

// unchanged reports whether writing r would change nothing stored: same properties, payer and
// payee, the source and references already recorded, the time span already covered.
func (old storedTx) unchanged(r txRow, srcID string) bool {
	if pending, _ := old.props["flowPending"].(bool); pending {
		return false
	}
	if len(old.payers) != 1 || old.payers[0] != r.from || len(old.payees) != 1 || old.payees[0] != r.to {
		return false
	}
	for k, v := range r.props {
		if !sameValue(old.props[k], v) {
			return false
		}
	}
	sources, _ := old.props["sources"].([]any)
	if !slices.Contains(sources, any(srcID)) {
		return false
	}
	if refs, _ := old.props["refs"].([]any); len(refs) < maxRefs {
		for _, ref := range r.refs {
			if !slices.Contains(refs, any(ref)) {
				return false
			}
		}
	}
	first, _ := old.props["firstSeen"].(time.Time)
	last, _ := old.props["lastSeen"].(time.Time)
	return (r.first.IsZero() || (!first.IsZero() && !r.first.Before(first))) &&
		(r.last.IsZero() || (!last.IsZero() && !r.last.After(last)))
}

// sameValue compares a stored property (as the driver returns it) with a value to write.
func sameValue(stored, v any) bool {
	switch x := v.(type) {
	case time.Time:
		t, ok := stored.(time.Time)
		return ok && t.Equal(x)
	case []string:
		return sameList(stored, x)
	case []int64:
		return sameList(stored, x)
	default:
		return stored == v
	}
}

// sameList compares a stored list (the driver returns []any) with a list to write.
func sameList[T comparable](stored any, x []T) bool {
	s, ok := stored.([]any)
	if !ok || len(s) != len(x) {
		return false
	}
	for i := range x {
		if v, ok := s[i].(T); !ok || v != x[i] {
			return false
		}
	}
	return true
}

// flowDeltas adds up FLOW changes per payer, payee and currency.
type flowDeltas map[[3]string]*flowDelta

type flowDelta struct {
	count, total int64
	first, last  time.Time
}

// add counts (sign 1) or uncounts (sign -1) a transaction with these properties between from
// and to. A transaction without an amount or currency has no FLOW.
func (f flowDeltas) add(from, to string, props map[string]any, sign int64) {
	amount, ok := props["amount"].(int64)
	currency, ok2 := props["currency"].(string)
	if !ok || !ok2 || from == "" || to == "" {
		return
	}
	k := [3]string{from, to, currency}
	d := f[k]
	if d == nil {
		d = &flowDelta{}
		f[k] = d
	}
	d.count += sign
	d.total += sign * amount
	if at, ok := props["timestamp"].(time.Time); ok && sign > 0 {
		d.first, d.last = span(d.first, d.last, at)
	}
}

func (f flowDeltas) rows() []map[string]any {
	keys := make([][3]string, 0, len(f))
	for k, d := range f {
		if d.count != 0 || d.total != 0 || !d.first.IsZero() {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		if a[1] != b[1] {
			return a[1] < b[1]
		}
		return a[2] < b[2]
	})
	out := make([]map[string]any, len(keys))
	for i, k := range keys {
		d := f[k]
		out[i] = map[string]any{"from": k[0], "to": k[1], "currency": k[2], "count": d.count, "total": d.total,
			"first": timeOrNil(d.first), "last": timeOrNil(d.last)}
	}
	return out
}
