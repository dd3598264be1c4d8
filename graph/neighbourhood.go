package graph

import (
	"context"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Filter narrows what an expansion follows. Zero fields filter nothing.
type Filter struct {
	Types    []Label   // neighbours with one of these labels only (the start nodes are always kept)
	RelTypes []RelType // relationships of these types only (FLOW included when named)
	// From and To bound a time window [From, To): a Transaction's timestamp must fall in it
	// (a neighbour that is a transaction, or the transaction expanded from), and so must a
	// relationship's own times where it has them (LOGGED_IN_FROM at, FLOW first..last,
	// firstSeen..lastSeen overlapping the window). Relationships without times pass.
	From, To time.Time
	// MinAmount and MaxAmount bound, in minor units, a Transaction's amount and a FLOW's total.
	MinAmount, MaxAmount *int64
	// Countries keeps neighbours whose country (ISO 3166 alpha-2) is one of these; nodes
	// without a country pass.
	Countries []string
}

// NeighbourhoodQuery asks for the neighbourhood of some entities.
type NeighbourhoodQuery struct {
	IDs          []string // 1..50 start entities
	Hops         int      // 1..3
	Filter       Filter
	LimitPerNode int // neighbours shown per expanded node, 1..500 (0: 50)
}

// MoreCount says how many relationships of an expanded node were left out by LimitPerNode:
// "and 120 more".
type MoreCount struct {
	NodeID  string
	Omitted int
	// Dense is true when the node has at least maxScanPerNode matching relationships. An
	// expansion reads at most that many per node, so those shown are the most recent of the
	// ones read, in storage order, rather than of all; with filters or a partner's scope
	// (counted by scanning) Omitted is then a lower bound. Transactions lists an account's
	// payments exactly, newest first.
	Dense bool
}

// Neighbourhood is a bounded subgraph around the start entities.
type Neighbourhood struct {
	Subgraph
	More []MoreCount // per expanded node with neighbours left out, in expansion order
	// Truncated is true when the overall caps (maxNeighbourhoodNodes, maxNeighbourhoodEdges,
	// maxLevelRows) cut the expansion short: some nodes were not added or not expanded.
	Truncated bool
}

const (
	maxNeighbourhoodSeeds = 50
	maxNeighbourhoodNodes = 5000
	maxNeighbourhoodEdges = 20000
	// maxScanPerNode bounds the relationships one expansion reads from one node, so that a dense
	// node (a merchant with a million payments) costs the same as a node with 5,000.
	maxScanPerNode = 5000
	// maxLevelRows bounds the neighbours one level returns (frontier size × limit): further
	// frontier nodes are not expanded, and the result is Truncated.
	maxLevelRows = 25000
)

// Neighbourhood expands from the start entities hop by hop. Hops count every node of the
// graph, transactions included: an account's transactions are 1 hop away and its
// counterparties 2 (through SENT and TO), or 1 through FLOW, the per-currency aggregate of the
// payments between two accounts; leave Transaction out of Filter.Types (or SENT and TO out of
// RelTypes) to draw money as FLOW only.
//
// Each expanded node contributes at most LimitPerNode relationships with their neighbours, the
// most recent first (a transaction's timestamp, a FLOW's last payment, a login's time, else
// last seen), ties by neighbour id, and a MoreCount for the rest; a node with more than
// maxScanPerNode relationships picks among the first it reads (MoreCount.Dense). Only the relationships
// followed are returned (not every relationship among the nodes found); a relationship met
// twice is returned once. Nodes of the last hop are not expanded. In a partner's scope, only
// nodes and relationships the partner contributed are followed.
//
// It returns EINVALID naming `ids`, `hops`, `limitPerNode`, `types`, `relTypes`, `to`,
// `minAmount` or `countries`; ENOTFOUND when a start entity does not exist or is outside the
// scope.
func (s *Store) Neighbourhood(ctx context.Context, scope Scope, q NeighbourhoodQuery) (Neighbourhood, error) {
	ids, err := checkSeeds(q.IDs)
	if err != nil {
		return Neighbourhood{}, err
	}
	if q.Hops < 1 || q.Hops > 3 {
		return Neighbourhood{}, Errorf(EINVALID, "hops must be between 1 and 3, not %d", q.Hops)
	}
	limit, err := pageSize(q.LimitPerNode, 50, 500, "limitPerNode")
	if err != nil {
		return Neighbourhood{}, err
	}
	level, params, err := levelQuery(q.Filter, scope.All())
	if err != nil {
		return Neighbourhood{}, err
	}
	sp, err := s.scopeParams(ctx, scope)
	if err != nil {
		return Neighbourhood{}, err
	}
	params = withParams(sp, params)
	params["limit"] = limit
	params["scan"] = maxScanPerNode
	res, err := s.read(ctx, "expand neighbourhood", func(tx neo4j.ManagedTransaction) (any, error) {
		return expand(ctx, tx, ids, q.Hops, limit, level, params, scope.All())
	})
	if err != nil {
		return Neighbourhood{}, err
	}
	return res.(Neighbourhood), nil
}

// checkSeeds checks and de-duplicates the start ids, in order.
func checkSeeds(ids []string) ([]string, error) {
	if len(ids) == 0 || len(ids) > maxNeighbourhoodSeeds {
		return nil, Errorf(EINVALID, "ids: give 1 to %d ids, not %d", maxNeighbourhoodSeeds, len(ids))
	}
	out := make([]string, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if strings.TrimSpace(id) == "" {
			return nil, Errorf(EINVALID, "ids: empty id")
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// expand runs the expansion in one read transaction. It may run more than once (ExecuteRead
// retries) and builds its result from scratch each time.
func expand(ctx context.Context, tx neo4j.ManagedTransaction, seeds []string, hops, limit int, level string, params map[string]any, all bool) (Neighbourhood, error) {
	recs, err := collectRecords(ctx, tx, `UNWIND $ids AS id
MATCH (n:Entity {id: id})
WHERE `+nodeScope(all, "n")+`
RETURN n`, withParams(params, map[string]any{"ids": seeds}))
	if err != nil {
		return Neighbourhood{}, err
	}
	out := Neighbourhood{Subgraph: Subgraph{Nodes: []NodeView{}, Edges: []EdgeView{}}, More: []MoreCount{}}
	have := map[string]bool{}
	for _, rec := range recs {
		if n, ok := asNodeView(rec.Values[0]); ok && !have[n.ID] {
			have[n.ID] = true
			out.Nodes = append(out.Nodes, n)
		}
	}
	for _, id := range seeds {
		if !have[id] {
			return Neighbourhood{}, Errorf(ENOTFOUND, "entity %q not found", id)
		}
	}
	edges := map[string]bool{}
	frontier := seeds
	for hop := 1; hop <= hops && len(frontier) > 0; hop++ {
		if max := maxLevelRows / limit; len(frontier) > max {
			frontier, out.Truncated = frontier[:max], true
		}
		recs, err := collectRecords(ctx, tx, level, withParams(params, map[string]any{"frontier": frontier}))
		if err != nil {
			return Neighbourhood{}, err
		}
		// One record per frontier node, taken in frontier order so the result is the same
		// whatever order the server returns them in.
		byID := make(map[string]*neo4j.Record, len(recs))
		for _, rec := range recs {
			byID[asString(rec.Values[0])] = rec
		}
		var next []string
		for _, id := range frontier {
			rec := byID[id]
			if rec == nil {
				continue
			}
			total := int(asInt64(rec.Values[1]))
			picked := asList(rec.Values[2])
			if total > len(picked) {
				out.More = append(out.More, MoreCount{NodeID: id, Omitted: total - len(picked), Dense: total >= maxScanPerNode})
			}
			for _, p := range picked {
				m, _ := p.(map[string]any)
				r, ok := m["r"].(neo4j.Relationship)
				if !ok {
					continue
				}
				nb, ok := asNodeView(m["m"])
				if !ok {
					continue
				}
				if !have[nb.ID] {
					if len(out.Nodes) >= maxNeighbourhoodNodes {
						out.Truncated = true
						continue
					}
					have[nb.ID] = true
					out.Nodes = append(out.Nodes, nb)
					next = append(next, nb.ID)
				}
				e := edgeView(r, asString(m["from"]), asString(m["to"]))
				if edges[e.ID] {
					continue
				}
				if len(out.Edges) >= maxNeighbourhoodEdges {
					out.Truncated = true
					continue
				}
				edges[e.ID] = true
				out.Edges = append(out.Edges, e)
			}
		}
		frontier = next
	}
	return out, nil
}

// levelQuery builds the statement that expands one level, and its filter parameters. Labels and
// relationship types enter the text only from the closed lists (Label.Valid, RelType.Valid and
// FLOW); every value is a parameter. Only the filters in use become predicates, so that the
// common unfiltered expansion reads no more than it shows: without filters or scope the count
// comes from the nodes' degree store, and the picks from a top-k sort.
func levelQuery(f Filter, all bool) (string, map[string]any, error) {
	if err := checkLabels(f.Types, "types"); err != nil {
		return "", nil, err
	}
	types := f.RelTypes
	if len(types) == 0 {
		types = degreeTypes
	}
	relNames := make([]string, 0, len(types))
	for _, t := range types {
		if !t.Valid() && t != RelFlow {
			return "", nil, Errorf(EINVALID, "relTypes: unknown relationship type %q", t)
		}
		relNames = append(relNames, string(t))
	}
	if err := checkWindow(f.From, f.To); err != nil {
		return "", nil, err
	}
	if f.MinAmount != nil && f.MaxAmount != nil && *f.MaxAmount < *f.MinAmount {
		return "", nil, Errorf(EINVALID, "minAmount (%d) is above maxAmount (%d)", *f.MinAmount, *f.MaxAmount)
	}
	params := map[string]any{}
	var conds []string
	if !f.From.IsZero() {
		params["from"] = f.From
		conds = append(conds, `(NOT m:Transaction OR m.timestamp >= $from) AND (NOT n:Transaction OR n.timestamp >= $from)
    AND (coalesce(r.at, r.last, r.lastSeen) IS NULL OR coalesce(r.at, r.last, r.lastSeen) >= $from)`)
	}
	if !f.To.IsZero() {
		params["to"] = f.To
		conds = append(conds, `(NOT m:Transaction OR m.timestamp < $to) AND (NOT n:Transaction OR n.timestamp < $to)
    AND (coalesce(r.at, r.first, r.firstSeen) IS NULL OR coalesce(r.at, r.first, r.firstSeen) < $to)`)
	}
	if f.MinAmount != nil {
		params["minAmount"] = *f.MinAmount
		conds = append(conds, `(NOT m:Transaction OR m.amount >= $minAmount) AND (NOT n:Transaction OR n.amount >= $minAmount)
    AND (type(r) <> 'FLOW' OR r.total >= $minAmount)`)
	}
	if f.MaxAmount != nil {
		params["maxAmount"] = *f.MaxAmount
		conds = append(conds, `(NOT m:Transaction OR m.amount <= $maxAmount) AND (NOT n:Transaction OR n.amount <= $maxAmount)
    AND (type(r) <> 'FLOW' OR r.total <= $maxAmount)`)
	}
	if len(f.Countries) > 0 {
		countries := make([]string, 0, len(f.Countries))
		for _, c := range f.Countries {
			cc, err := NormalizeCountry(c)
			if err != nil {
				return "", nil, Errorf(EINVALID, "countries: %q is not an ISO 3166 country", c)
			}
			countries = append(countries, cc)
		}
		params["countries"] = countries
		conds = append(conds, `(m.country IS NULL OR m.country IN $countries)`)
	}
	if !all {
		conds = append(conds, scopeEdgePredicate("r")+`
    AND `+scopeNodePredicate("m"))
	}
	rels := strings.Join(relNames, "|")
	match := `MATCH (n)-[r:` + rels + `]-(m)`
	if len(f.Types) > 0 {
		match = `MATCH (n)-[r:` + rels + `]-(m:` + strings.Join(labelNames(f.Types), "|") + `)`
	}
	if len(conds) > 0 {
		match += `
  WHERE ` + strings.Join(conds, `
    AND `)
	}
	// Without filters every relationship of these types is a neighbour: count them from the
	// degree store. With filters, count what passes, up to $scan.
	count := `COUNT { (n)-[:` + rels + `]-() }`
	countCall := ""
	if len(f.Types) > 0 || len(conds) > 0 {
		count = "total"
		countCall = `
CALL (n) {
  ` + match + `
  WITH r LIMIT $scan
  RETURN count(r) AS total
}`
	}
	query := `UNWIND $frontier AS fid
MATCH (n:Entity {id: fid})` + countCall + `
CALL (n) {
  ` + match + `
  WITH r, m LIMIT $scan
  WITH r, m, coalesce(CASE WHEN m:Transaction THEN m.timestamp END, r.last, r.at, r.lastSeen, m.lastSeen,
                      datetime({epochMillis: 0})) AS recent
  ORDER BY recent DESC, m.id, type(r), elementId(r) LIMIT $limit
  RETURN collect({r: r, m: m}) AS picked
}
RETURN n.id AS id, ` + count + ` AS total,
       [p IN picked | {r: p.r, m: p.m, from: startNode(p.r).id, to: endNode(p.r).id}] AS picked`
	return query, params, nil
}
