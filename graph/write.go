package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// maxRefs bounds the record references kept per (fact, source): an account seen on a million
// lines keeps the first few, which is what an investigator needs to find it in the file (the
// source and the first and last time it saw the fact are kept too). Every reference kept costs
// a write of the fact: a Stream writes a repeated fact again until it has its maxRefs.
const maxRefs = 5

// WriteBatch writes a batch in one transaction: the Source, then nodes (MERGE by id, properties
// set, provenance recorded), then transactions with their payer and payee, then edges (MERGE
// between existing nodes), then the FLOW aggregates. Writing the same batch again changes
// nothing. It returns EINVALID for an unknown label or type, an empty id, or an edge whose end
// does not exist; EUNAVAILABLE when Neo4j cannot be reached. A load of many batches from one
// source should use a Stream, which skips re-writing what the load already wrote.
//
// Provenance: every node but a Transaction gets a SOURCED_FROM relationship to its Source
// holding the property names and values this source asserted, the first 5 record references, and
// the first and last time the source saw the fact; every relationship holds the ids of its
// sources, references and first/last seen. A Transaction, which is one record's fact and the
// bulk of every graph, holds the same on the node itself, like a relationship: sources (Source
// ids) and refs ("<source id> line N record R"); the SENT and TO of a transaction written with
// it share its provenance. Node and relationship firstSeen/lastSeen span all sources.
func (s *Store) WriteBatch(ctx context.Context, src Source, b Batch) (WriteStats, error) {
	return s.writeBatch(ctx, src, b, nil)
}

func (s *Store) writeBatch(ctx context.Context, src Source, b Batch, m *memo) (WriteStats, error) {
	if err := src.Validate(); err != nil {
		return WriteStats{}, err
	}
	plan, err := planBatch(src, b, m)
	if err != nil {
		return WriteStats{}, err
	}
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.db, AccessMode: neo4j.AccessModeWrite})
	defer sess.Close(ctx)
	res, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		return plan.run(ctx, tx)
	})
	if err != nil {
		return WriteStats{}, translate("write batch", err)
	}
	m.commit(plan.memo)
	return res.(WriteStats), nil
}

// batchPlan is a batch checked, de-duplicated and grouped into parameter rows, ready to run.
// run may be called more than once (ExecuteWrite retries) and must not change it.
type batchPlan struct {
	src      Source
	srcID    string
	nodes    map[Label][]map[string]any
	edges    map[edgeGroup][]map[string]any
	txs      []txRow      // transactions written with their SENT and TO (the fast path)
	flowIDs  []string     // other transactions whose FLOW contribution may be pending
	endpoint []string     // every id an edge needs, checked when an edge is missing
	memo     []memoUpdate // what the Stream's memo learns when the batch commits
}

type edgeGroup struct {
	typ   RelType
	keyed bool
}

// txRow is a transaction of the fast path: the node, its payer (SENT) and its payee (TO).
type txRow struct {
	id, from, to string
	props        map[string]any
	refs         []string // prefixed with the source id, as on relationships
	first, last  time.Time
}

func (r txRow) params() map[string]any {
	return map[string]any{"id": r.id, "from": r.from, "to": r.to, "props": r.props, "refs": r.refs,
		"first": timeOrNil(r.first), "last": timeOrNil(r.last)}
}

func planBatch(src Source, b Batch, m *memo) (*batchPlan, error) {
	p := &batchPlan{src: src, srcID: src.ID(), nodes: map[Label][]map[string]any{}, edges: map[edgeGroup][]map[string]any{}}
	srcID := p.srcID

	// Nodes: one row per id, properties merged in order (later values win), refs collected.
	type nodeAcc struct {
		label       Label
		props       map[string]any
		refs        []string
		first, last time.Time
	}
	byID := map[string]*nodeAcc{}
	var order []string
	for i, n := range b.Nodes {
		if !n.Label.Valid() {
			return nil, Errorf(EINVALID, "node %d: unknown label %q", i, n.Label)
		}
		if strings.TrimSpace(n.ID) == "" {
			return nil, Errorf(EINVALID, "node %d (%s): empty id", i, n.Label)
		}
		acc, ok := byID[n.ID]
		if !ok {
			acc = &nodeAcc{label: n.Label, props: map[string]any{}}
			byID[n.ID] = acc
			order = append(order, n.ID)
		} else if acc.label != n.Label {
			return nil, Errorf(EINVALID, "node %s is both %s and %s", n.ID, acc.label, n.Label)
		}
		for k, v := range n.Props {
			if v, ok := propValue(v); ok {
				acc.props[k] = v
			}
		}
		acc.refs = addRef(acc.refs, n.Ref.String())
		acc.first, acc.last = span(acc.first, acc.last, n.Ref.Seen)
	}
	prefixed := func(refs []string) []string {
		out := make([]string, len(refs))
		for i, r := range refs {
			out[i] = srcID + " " + r
		}
		return out
	}
	// The transactions fast path: a Transaction with exactly one plain SENT into it and one
	// plain TO out of it in this batch (what every transaction loader yields) is written with
	// both relationships in one statement; the relationships share the node's provenance.
	sent, to := map[string][]int{}, map[string][]int{}
	for i, e := range b.Edges {
		switch {
		case e.Type == RelSent:
			sent[e.To] = append(sent[e.To], i)
		case e.Type == RelTo:
			to[e.From] = append(to[e.From], i)
		}
	}
	fast := map[string]bool{}
	fastEdge := map[int]bool{}
	for _, id := range order {
		acc := byID[id]
		if acc.label != LabelTransaction || len(sent[id]) != 1 || len(to[id]) != 1 {
			continue
		}
		se, te := b.Edges[sent[id][0]], b.Edges[to[id][0]]
		if se.Key != "" || te.Key != "" || len(se.Props) > 0 || len(te.Props) > 0 ||
			strings.TrimSpace(se.From) == "" || strings.TrimSpace(te.To) == "" {
			continue
		}
		fast[id] = true
		fastEdge[sent[id][0]], fastEdge[to[id][0]] = true, true
		refs := acc.refs
		for _, r := range []string{se.Ref.String(), te.Ref.String()} {
			refs = addRef(refs, r)
		}
		first, last := span(acc.first, acc.last, se.Ref.Seen)
		first, last = span(first, last, te.Ref.Seen)
		p.txs = append(p.txs, txRow{id: id, from: se.From, to: te.To, props: acc.props, refs: prefixed(refs), first: first, last: last})
		p.endpoint = append(p.endpoint, se.From, te.To)
	}
	for _, id := range order {
		acc := byID[id]
		if fast[id] {
			continue
		}
		if acc.label == LabelTransaction {
			p.flowIDs = append(p.flowIDs, id)
			p.nodes[acc.label] = append(p.nodes[acc.label], map[string]any{
				"id": id, "props": acc.props, "refs": prefixed(acc.refs),
				"first": timeOrNil(acc.first), "last": timeOrNil(acc.last),
			})
			continue
		}
		first, last := acc.first, acc.last
		if m != nil {
			u, skip := m.check("n\x00"+id, acc.props, acc.refs, first, last)
			u.id = u.key[2:] // shares the key's bytes
			p.memo = append(p.memo, u)
			if skip {
				continue
			}
			first, last = u.first, u.last
		}
		values, err := json.Marshal(acc.props)
		if err != nil {
			return nil, Errorf(EINVALID, "node %s: properties cannot be encoded: %v", id, err)
		}
		p.nodes[acc.label] = append(p.nodes[acc.label], map[string]any{
			"id": id, "props": acc.props, "keys": sortedKeys(acc.props), "values": string(values),
			"refs": acc.refs, "first": timeOrNil(first), "last": timeOrNil(last),
		})
	}

	// Edges: one row per (type, from, to, key).
	type edgeAcc struct {
		group       edgeGroup
		from, to    string
		key         string
		props       map[string]any
		refs        []string
		first, last time.Time
	}
	edges := map[string]*edgeAcc{}
	var eorder []string
	txEnds := map[string]bool{} // transactions an edge of this batch touches: FLOW may be due
	seenEnd := map[string]bool{}
	for i, e := range b.Edges {
		if fastEdge[i] {
			continue
		}
		if !e.Type.Valid() {
			return nil, Errorf(EINVALID, "edge %d: unknown type %q", i, e.Type)
		}
		if strings.TrimSpace(e.From) == "" || strings.TrimSpace(e.To) == "" {
			return nil, Errorf(EINVALID, "edge %d (%s): empty end", i, e.Type)
		}
		k := string(e.Type) + "\x00" + e.From + "\x00" + e.To + "\x00" + e.Key
		acc, ok := edges[k]
		if !ok {
			acc = &edgeAcc{group: edgeGroup{e.Type, e.Key != ""}, from: e.From, to: e.To, key: e.Key, props: map[string]any{}}
			edges[k] = acc
			eorder = append(eorder, k)
		}
		for pk, v := range e.Props {
			if v, ok := propValue(v); ok {
				acc.props[pk] = v
			}
		}
		acc.refs = addRef(acc.refs, srcID+" "+e.Ref.String())
		acc.first, acc.last = span(acc.first, acc.last, e.Ref.Seen)
		for _, end := range []string{e.From, e.To} {
			if !seenEnd[end] {
				seenEnd[end] = true
				p.endpoint = append(p.endpoint, end)
			}
		}
		switch e.Type {
		case RelSent:
			if byID[e.To] == nil || byID[e.To].label == LabelTransaction {
				txEnds[e.To] = true
			}
		case RelTo:
			if byID[e.From] == nil || byID[e.From].label == LabelTransaction {
				txEnds[e.From] = true
			}
		}
	}
	isTx := func(id string) bool { return byID[id] != nil && byID[id].label == LabelTransaction }
	for _, k := range eorder {
		acc := edges[k]
		first, last := acc.first, acc.last
		// An edge of one event (keyed) or of a transaction is written once; only edges that
		// records repeat (HOLDS, USES_EMAIL, ...) are worth remembering.
		if m != nil && !acc.group.keyed && !isTx(acc.from) && !isTx(acc.to) {
			u, skip := m.check("e"+k, acc.props, acc.refs, first, last)
			f := 2 + len(acc.group.typ) // the ends share the key's bytes
			u.typ, u.from, u.to = acc.group.typ, u.key[f:f+len(acc.from)], u.key[f+len(acc.from)+1:f+len(acc.from)+1+len(acc.to)]
			p.memo = append(p.memo, u)
			if skip {
				continue
			}
			first, last = u.first, u.last
		}
		p.edges[acc.group] = append(p.edges[acc.group], map[string]any{
			"from": acc.from, "to": acc.to, "key": acc.key, "props": acc.props, "refs": acc.refs,
			"first": timeOrNil(first), "last": timeOrNil(last),
		})
	}
	for id := range txEnds {
		if !fast[id] {
			p.flowIDs = append(p.flowIDs, id)
		}
	}
	sort.Strings(p.flowIDs)
	p.flowIDs = slices.Compact(p.flowIDs)
	return p, nil
}

// stmt runs statements of one write transaction and adds up what they changed.
type stmt struct {
	ctx context.Context
	tx  neo4j.ManagedTransaction
	st  WriteStats
}

func (s *stmt) count(res neo4j.ResultWithContext) error {
	sum, err := res.Consume(s.ctx)
	if err != nil {
		return err
	}
	c := sum.Counters()
	s.st.Add(WriteStats{NodesCreated: c.NodesCreated(), RelationshipsCreated: c.RelationshipsCreated(), PropertiesSet: c.PropertiesSet()})
	return nil
}

// exec runs a statement that returns nothing.
func (s *stmt) exec(query string, params map[string]any) error {
	res, err := s.tx.Run(s.ctx, query, params)
	if err != nil {
		return err
	}
	return s.count(res)
}

// written runs a statement that returns how many rows it wrote, and turns a shortfall (an end
// that does not exist: MATCH dropped the row) into an EINVALID naming some of the missing ids.
func (s *stmt) written(query string, params map[string]any, want int, what string, endpoints []string) error {
	res, err := s.tx.Run(s.ctx, query, params)
	if err != nil {
		return err
	}
	rec, err := res.Single(s.ctx)
	if err != nil {
		return err
	}
	n, _, err := neo4j.GetRecordValue[int64](rec, "written")
	if err != nil {
		return err
	}
	if err := s.count(res); err != nil {
		return err
	}
	if int(n) == want {
		return nil
	}
	missing, err := missingIDs(s.ctx, s.tx, endpoints)
	if err != nil {
		return err
	}
	return Errorf(EINVALID, "%s: %d of %d have an end that does not exist (e.g. %s)",
		what, want-int(n), want, strings.Join(missing, ", "))
}

func (p *batchPlan) run(ctx context.Context, tx neo4j.ManagedTransaction) (WriteStats, error) {
	s := &stmt{ctx: ctx, tx: tx}
	if err := s.exec(`MERGE (s:Source {id: $id})
		ON CREATE SET s.partner = $partner, s.dataset = $dataset, s.file = $file, s.createdAt = datetime()`,
		map[string]any{"id": p.srcID, "partner": p.src.Partner, "dataset": p.src.Dataset, "file": p.src.File}); err != nil {
		return s.st, err
	}
	labels := make([]Label, 0, len(p.nodes))
	for l := range p.nodes {
		labels = append(labels, l)
	}
	sort.Slice(labels, func(i, j int) bool { return labels[i] < labels[j] })
	for _, l := range labels {
		if err := s.exec(nodeQuery(l), map[string]any{"rows": p.nodes[l], "source": p.srcID, "maxRefs": maxRefs}); err != nil {
			return s.st, err
		}
	}
	if len(p.txs) > 0 {
		if err := p.runTxs(s); err != nil {
			return s.st, err
		}
	}
	groups := make([]edgeGroup, 0, len(p.edges))
	for g := range p.edges {
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool {
		if groups[i].typ != groups[j].typ {
			return groups[i].typ < groups[j].typ
		}
		return !groups[i].keyed && groups[j].keyed
	})
	for _, g := range groups {
		rows := p.edges[g]
		params := map[string]any{"rows": rows, "source": p.srcID, "maxRefs": maxRefs}
		if err := s.written(edgeQuery(g), params, len(rows), string(g.typ)+" relationships", p.endpoint); err != nil {
			return s.st, err
		}
	}
	if len(p.flowIDs) > 0 {
		if err := s.exec(flowQuery, map[string]any{"ids": p.flowIDs}); err != nil {
			return s.st, err
		}
	}
	return s.st, nil
}

// nodeQuery MERGEs nodes of one label by id and records their provenance. The label comes from
// the closed set in model.go, never from input. The Source is matched once, before the rows, and
// new nodes and new provenance get plain ON CREATE SETs: a first load does no list arithmetic.
func nodeQuery(l Label) string {
	if l == LabelTransaction {
		return txNodeQuery
	}
	return fmt.Sprintf(`
MATCH (s:Source {id: $source})
UNWIND $rows AS row
MERGE (n:Entity {id: row.id})
ON CREATE SET n:%[1]s, n += row.props, n.firstSeen = row.first, n.lastSeen = row.last
ON MATCH SET n:%[1]s, n += row.props, %[2]s
MERGE (n)-[p:SOURCED_FROM]->(s)
ON CREATE SET p.loadedAt = datetime(), p.properties = row.keys, p.values = row.values, p.refs = row.refs,
              p.firstSeen = row.first, p.lastSeen = row.last
ON MATCH SET p.properties = p.properties + [k IN row.keys WHERE NOT k IN p.properties],
    p.values = row.values,
    p.refs = (p.refs + [r IN row.refs WHERE NOT r IN p.refs])[..$maxRefs], %[3]s`, l, widenSeen("n"), widenSeen("p"))
}

// txNodeQuery MERGEs transactions that do not come with exactly one SENT and one TO (an FtM
// Payment missing a side, say), with their provenance on the node. Their FLOW is counted by
// flowQuery once both sides exist.
var txNodeQuery = `
UNWIND $rows AS row
MERGE (n:Entity {id: row.id})
ON CREATE SET n:Transaction, n += row.props, n.firstSeen = row.first, n.lastSeen = row.last,
    n.sources = [$source], n.refs = row.refs, n.flowPending = true
ON MATCH SET n:Transaction, n += row.props, ` + widenSeen("n") + `,
    n.sources = CASE WHEN $source IN coalesce(n.sources, []) THEN n.sources ELSE coalesce(n.sources, []) + $source END,
    n.refs = (coalesce(n.refs, []) + [r IN row.refs WHERE NOT r IN coalesce(n.refs, [])])[..$maxRefs]`

// edgeQuery MERGEs relationships of one type between existing nodes and records their sources.
func edgeQuery(g edgeGroup) string {
	pattern := fmt.Sprintf("(a)-[r:%s]->(b)", g.typ)
	if g.keyed {
		pattern = fmt.Sprintf("(a)-[r:%s {key: row.key}]->(b)", g.typ)
	}
	return fmt.Sprintf(`
UNWIND $rows AS row
MATCH (a:Entity {id: row.from})
MATCH (b:Entity {id: row.to})
MERGE %s
ON CREATE SET r += row.props, r.sources = [$source], r.refs = row.refs, r.firstSeen = row.first, r.lastSeen = row.last
ON MATCH SET r += row.props,
    r.sources = CASE WHEN $source IN r.sources THEN r.sources ELSE r.sources + $source END,
    r.refs = (r.refs + [x IN row.refs WHERE NOT x IN r.refs])[..$maxRefs], %s
RETURN count(r) AS written`, pattern, widenSeen("r"))
}

// flowQuery adds the transactions not yet counted (flowPending, set when a transaction is
// created without both sides) to the FLOW aggregate of their payer and payee, one per currency.
// A transaction whose SENT or TO is still missing stays pending until a later batch brings it.
var flowQuery = `
UNWIND $ids AS id
MATCH (t:Entity:Transaction {id: id})
MATCH (a)-[:SENT]->(t)-[:TO]->(b)
WHERE t.flowPending
REMOVE t.flowPending
WITH a, b, t
WHERE t.currency IS NOT NULL AND t.amount IS NOT NULL
WITH a, b, t.currency AS currency, count(t) AS n, sum(t.amount) AS total,
     min(t.timestamp) AS first, max(t.timestamp) AS last
` + addToFlow

// addToFlow adds n transactions totalling total, between first and last, to the FLOW of
// currency from a to b (created when missing), bound to f afterwards. Every FLOW change goes
// through it.
const addToFlow = `
MERGE (a)-[f:FLOW {currency: currency}]->(b)
ON CREATE SET f.count = 0, f.total = 0
SET f.count = f.count + n, f.total = f.total + total,
    f.first = CASE WHEN first IS NOT NULL AND (f.first IS NULL OR first < f.first) THEN first ELSE f.first END,
    f.last = CASE WHEN last IS NOT NULL AND (f.last IS NULL OR last > f.last) THEN last ELSE f.last END`

// widenSeen is the Cypher that widens v's firstSeen and lastSeen to include row.first and
// row.last (either may be null: the source did not say when).
func widenSeen(v string) string {
	return strings.NewReplacer("v.", v+".").Replace(`v.firstSeen = CASE WHEN row.first IS NULL OR (v.firstSeen IS NOT NULL AND v.firstSeen <= row.first) THEN v.firstSeen ELSE row.first END,
    v.lastSeen = CASE WHEN row.last IS NULL OR (v.lastSeen IS NOT NULL AND v.lastSeen >= row.last) THEN v.lastSeen ELSE row.last END`)
}

func missingIDs(ctx context.Context, tx neo4j.ManagedTransaction, ids []string) ([]string, error) {
	res, err := tx.Run(ctx, `
UNWIND $ids AS id
OPTIONAL MATCH (n:Entity {id: id})
WITH id, n WHERE n IS NULL
RETURN collect(id)[..5] AS missing`, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	rec, err := res.Single(ctx)
	if err != nil {
		return nil, err
	}
	raw, _, err := neo4j.GetRecordValue[[]any](rec, "missing")
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(raw))
	for _, v := range raw {
		out = append(out, fmt.Sprint(v))
	}
	return out, nil
}

// propValue converts a property value to one Neo4j stores, dropping nil and empty values.
func propValue(v any) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, false
	case string:
		return x, x != ""
	case int:
		return int64(x), true
	case int64, float64, bool:
		return x, true
	case time.Time:
		if x.IsZero() {
			return nil, false
		}
		return x.UTC(), true
	case []string:
		return x, len(x) > 0
	case []int64:
		return x, len(x) > 0
	case *string:
		if x == nil || *x == "" {
			return nil, false
		}
		return *x, true
	case *int64:
		if x == nil {
			return nil, false
		}
		return *x, true
	case *time.Time:
		if x == nil || x.IsZero() {
			return nil, false
		}
		return x.UTC(), true
	case *bool:
		if x == nil {
			return nil, false
		}
		return *x, true
	default:
		return fmt.Sprint(x), true
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func addRef(refs []string, r string) []string {
	if len(refs) >= maxRefs {
		return refs
	}
	for _, x := range refs {
		if x == r {
			return refs
		}
	}
	return append(refs, r)
}

func span(first, last, t time.Time) (time.Time, time.Time) {
	if t.IsZero() {
		return first, last
	}
	t = t.UTC()
	if first.IsZero() || t.Before(first) {
		first = t
	}
	if last.IsZero() || t.After(last) {
		last = t
	}
	return first, last
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
