package graph

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// K_SHORTEST runs Yen's algorithm in GDS on a projection made for the request. Projecting the
// whole graph per request would take seconds on a million transactions, so only the
// neighbourhood a path of MaxHops can use is projected: the nodes within ceil(MaxHops/2) hops of
// From and floor(MaxHops/2) of To (every node of such a path is in one or the other), found by a
// breadth-first search driven from Go, one query per level, with the filters applied as it goes.
// Yen's may still return a path longer than MaxHops through that neighbourhood: such paths are
// dropped.

// MaxKShortestNodes bounds the neighbourhood K_SHORTEST projects. Around a hub (a merchant, a
// shared IP address) it is quickly exceeded: the query is refused (EINVALID naming maxHops)
// rather than answered from part of the graph.
const MaxKShortestNodes = 20000

// projectionTimeout bounds the creation of a projection and the search on it.
const projectionTimeout = 30 * time.Second

// kShortest answers K_SHORTEST, and SHORTEST weighted by AMOUNT (k = 1).
func (s *Store) kShortest(ctx context.Context, p *pathPlan) (res PathResult, err error) {
	a, b, err := s.endElementIDs(ctx, p)
	if err != nil {
		return PathResult{}, err
	}
	near, err := s.neighbourhood(ctx, p, a, b)
	if err != nil || near == nil {
		return PathResult{}, err
	}

	name := "paths-" + rand.Text()
	// Dropped whatever happens next, even when the request is cancelled: a projection that a
	// cancelled request left behind would hold memory until the server restarts.
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), projectionTimeout)
		defer cancel()
		_, derr := neo4j.ExecuteQuery(dctx, s.driver, `CALL gds.graph.drop($graph, false) YIELD graphName RETURN graphName`,
			map[string]any{"graph": name}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(s.db))
		if derr != nil {
			err = errors.Join(err, translate("drop the path projection", derr))
		}
	}()
	if err := s.projectPaths(ctx, p, name, near); err != nil {
		return PathResult{}, err
	}

	ask := p.k
	if p.weight == WeightAmount {
		// A longer path may cost less than a shorter one: ask for more, to have k within
		// maxHops after the longer are dropped.
		ask = min(2*p.k, 2*MaxK)
	}
	params := withParams(p.params, map[string]any{"graph": name, "a": a, "b": b, "k": ask, "concurrency": s.gdsConcurrency})
	v, err := s.read(ctx, "find the k shortest paths", func(tx neo4j.ManagedTransaction) (any, error) {
		return yens(ctx, tx, p, params)
	})
	if err != nil {
		return PathResult{}, err
	}
	found := v.([]Path)
	for _, path := range found {
		if path.Hops <= p.maxHops {
			res.Paths = append(res.Paths, path)
		}
	}
	sortPaths(res.Paths)
	if len(res.Paths) > p.k {
		res.Paths = res.Paths[:p.k]
	} else if len(res.Paths) < p.k && len(found) == ask && len(found) > len(res.Paths) {
		res.Truncated, res.Reason = true, fmt.Sprintf("paths longer than %d hops ranked before some that may fit", p.maxHops)
	}
	return res, nil
}

// endElementIDs returns the element ids of the path's ends, which exist (checkEnds).
func (s *Store) endElementIDs(ctx context.Context, p *pathPlan) (a, b string, err error) {
	v, err := s.read(ctx, "find the ends of a path", func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, `MATCH (a:Entity {id: $from}), (b:Entity {id: $to}) RETURN elementId(a) AS a, elementId(b) AS b`, p.params)
		if err != nil {
			return nil, err
		}
		rec, err := r.Single(ctx)
		if err != nil {
			return nil, err
		}
		a, _, err := neo4j.GetRecordValue[string](rec, "a")
		if err != nil {
			return nil, err
		}
		b, _, err := neo4j.GetRecordValue[string](rec, "b")
		return [2]string{a, b}, err
	})
	if err != nil {
		return "", "", err
	}
	ends := v.([2]string)
	return ends[0], ends[1], nil
}

// neighbourhood returns the element ids of the nodes a path of at most maxHops between a and b
// may use, none when there is no such path (the searches from both ends do not meet). It returns
// EINVALID when there are more than MaxKShortestNodes.
func (s *Store) neighbourhood(ctx context.Context, p *pathPlan, a, b string) ([]string, error) {
	type found struct {
		ids      []string
		tooLarge bool
	}
	v, err := s.read(ctx, "search the neighbourhood of a path", func(tx neo4j.ManagedTransaction) (any, error) {
		fromA, err := pathBall(ctx, tx, p, a, b, (p.maxHops+1)/2, "->")
		if err != nil || fromA == nil {
			return found{tooLarge: fromA == nil}, err
		}
		fromB, err := pathBall(ctx, tx, p, b, a, p.maxHops/2, "<-")
		if err != nil || fromB == nil {
			return found{tooLarge: fromB == nil}, err
		}
		meet := false
		ids := make([]string, 0, len(fromA)+len(fromB))
		for id := range fromA {
			ids = append(ids, id)
		}
		for id := range fromB {
			if fromA[id] {
				meet = true
			} else {
				ids = append(ids, id)
			}
		}
		if !meet {
			return found{}, nil
		}
		slices.Sort(ids)
		return found{ids: ids, tooLarge: len(ids) > MaxKShortestNodes}, nil
	})
	if err != nil {
		return nil, err
	}
	f := v.(found)
	if f.tooLarge {
		return nil, Errorf(EINVALID, "maxHops: more than %d entities lie within %d hops of from and to: lower maxHops or narrow the filter", MaxKShortestNodes, p.maxHops)
	}
	return f.ids, nil
}

// pathBall searches breadth first from start up to radius hops, along relationships in arrow's
// direction ("->" forward, "<-" backward) unless the plan is undirected, through nodes that pass
// the filter (end always passes, and is not searched beyond). It returns the element ids found,
// nil when they are more than MaxKShortestNodes.
func pathBall(ctx context.Context, tx neo4j.ManagedTransaction, p *pathPlan, start, end string, radius int, arrow string) (map[string]bool, error) {
	left, right := "-", "-"
	if p.directed && arrow == "->" {
		right = "->"
	} else if p.directed {
		left = "<-"
	}
	query := fmt.Sprintf(`
UNWIND $frontier AS id
MATCH (n) WHERE elementId(n) = id
MATCH (n)%s[r:%s]%s(m)
WHERE NOT elementId(m) IN $seen AND %s
RETURN DISTINCT elementId(m) AS id
LIMIT $room`, left, p.relTypes(), right, allOf(p.relPred("r"), orEnd("m", p.nodePred("m"))))
	seen := map[string]bool{start: true}
	frontier := []string{start}
	params := withParams(p.params, map[string]any{"end": end})
	for level := 0; level < radius && len(frontier) > 0; level++ {
		params["frontier"] = frontier
		params["seen"] = seenIDs(seen)
		params["room"] = MaxKShortestNodes + 1 - len(seen)
		r, err := tx.Run(ctx, query, params)
		if err != nil {
			return nil, err
		}
		frontier = frontier[:0:0]
		for r.Next(ctx) {
			id, _, err := neo4j.GetRecordValue[string](r.Record(), "id")
			if err != nil {
				return nil, err
			}
			seen[id] = true
			if id != end {
				frontier = append(frontier, id)
			}
		}
		if err := r.Err(); err != nil {
			return nil, err
		}
		if len(seen) > MaxKShortestNodes {
			return nil, nil
		}
	}
	return seen, nil
}

// orEnd lets the other end of the path ($end) through a node predicate.
func orEnd(v, pred string) string {
	if pred == "" {
		return ""
	}
	return "(elementId(" + v + ") = $end OR " + pred + ")"
}

func seenIDs(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// hopCost is the Cypher cost of relationship r under the plan's weight (see WeightAmount).
func (p *pathPlan) hopCost(r string) string {
	if p.weight != WeightAmount {
		return "1.0"
	}
	return fmt.Sprintf(`CASE type(%[1]s) WHEN 'FLOW' THEN %[2]s WHEN 'SENT' THEN 0.5 * %[3]s WHEN 'TO' THEN 0.5 * %[4]s ELSE 1.0 END`,
		r, amountCostCypher(r+".total"), amountCostCypher("endNode("+r+").amount"), amountCostCypher("startNode("+r+").amount"))
}

// amountCostCypher is amountCost in Cypher.
func amountCostCypher(amount string) string {
	return fmt.Sprintf("1.0 / log10(10.0 + CASE WHEN %[1]s > 0 THEN %[1]s ELSE 0 END)", amount)
}

// projectPaths projects the nodes ids and the relationships between them that the plan allows,
// with their cost, as one relationship per pair of nodes (the cheapest), undirected unless the
// plan is directed. It runs outside a transaction function, which a retry would run twice (and
// the second projection of a name fails).
func (s *Store) projectPaths(ctx context.Context, p *pathPlan, name string, ids []string) error {
	config := map[string]any{"undirectedRelationshipTypes": []string{"*"}}
	if p.directed {
		config = map[string]any{}
	}
	query := fmt.Sprintf(`
UNWIND $ids AS id
MATCH (n) WHERE elementId(n) = id
OPTIONAL MATCH (n)-[r:%s]->(m)
WHERE elementId(m) IN $ids AND %s
WITH n, m, min(%s) AS cost
WITH CASE WHEN m IS NULL OR $directed OR elementId(n) < elementId(m) THEN [n, m] ELSE [m, n] END AS pair, cost
WITH pair[0] AS x, pair[1] AS y, min(cost) AS cost
WITH gds.graph.project($graph, x, y, {relationshipProperties: {cost: coalesce(cost, 1.0)}}, $config) AS g
RETURN g.nodeCount AS nodes`, p.relTypes(), allOf(p.relPred("r")), p.hopCost("r"))
	params := withParams(p.params, map[string]any{"ids": ids, "graph": name, "config": config, "directed": p.directed})
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.db, AccessMode: neo4j.AccessModeRead})
	defer sess.Close(ctx)
	r, err := sess.Run(ctx, query, params, neo4j.WithTxTimeout(projectionTimeout))
	if err == nil {
		_, err = r.Single(ctx)
	}
	return translate("project the neighbourhood of a path", err)
}

// yens streams Yen's k shortest paths on the projection and reads their nodes and, for each
// step, the cheapest relationship the plan allows between its nodes.
func yens(ctx context.Context, tx neo4j.ManagedTransaction, p *pathPlan, params map[string]any) ([]Path, error) {
	r, err := tx.Run(ctx, `
MATCH (a) WHERE elementId(a) = $a
MATCH (b) WHERE elementId(b) = $b
CALL gds.shortestPath.yens.stream($graph, {sourceNode: a, targetNode: b, k: $k, relationshipWeightProperty: 'cost', concurrency: $concurrency})
YIELD index, totalCost, nodeIds
RETURN totalCost, [id IN nodeIds | gds.util.asNode(id)] AS nodes
ORDER BY index`, params)
	if err != nil {
		return nil, err
	}
	type found struct {
		nodes []neo4j.Node
		cost  float64
	}
	var paths []found
	var pairs [][]string
	for r.Next(ctx) {
		rec := r.Record()
		cost, _, err := neo4j.GetRecordValue[float64](rec, "totalCost")
		if err != nil {
			return nil, err
		}
		raw, _, err := neo4j.GetRecordValue[[]any](rec, "nodes")
		if err != nil {
			return nil, err
		}
		f := found{cost: cost}
		for i, v := range raw {
			n, ok := v.(neo4j.Node)
			if !ok {
				return nil, fmt.Errorf("yens path node %d is a %T", i, v)
			}
			f.nodes = append(f.nodes, n)
			if i > 0 {
				pairs = append(pairs, []string{f.nodes[i-1].ElementId, n.ElementId})
			}
		}
		paths = append(paths, f)
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, nil
	}

	arrow := "-"
	if p.directed {
		arrow = "->"
	}
	params["pairs"] = pairs
	r, err = tx.Run(ctx, fmt.Sprintf(`
UNWIND $pairs AS pair
MATCH (x) WHERE elementId(x) = pair[0]
MATCH (y) WHERE elementId(y) = pair[1]
CALL (x, y) {
  MATCH (x)-[r:%s]%s(y)
  WHERE %s
  RETURN r ORDER BY %s, elementId(r)
  LIMIT 1
}
RETURN pair[0] AS x, pair[1] AS y, r`, p.relTypes(), arrow, allOf(p.relPred("r")), p.hopCost("r")), params)
	if err != nil {
		return nil, err
	}
	rels := map[[2]string]neo4j.Relationship{}
	for r.Next(ctx) {
		rec := r.Record()
		x, _, err := neo4j.GetRecordValue[string](rec, "x")
		if err != nil {
			return nil, err
		}
		y, _, err := neo4j.GetRecordValue[string](rec, "y")
		if err != nil {
			return nil, err
		}
		rel, _, err := neo4j.GetRecordValue[neo4j.Relationship](rec, "r")
		if err != nil {
			return nil, err
		}
		rels[[2]string{x, y}] = rel
	}
	if err := r.Err(); err != nil {
		return nil, err
	}

	out := make([]Path, 0, len(paths))
	for _, f := range paths {
		steps := make([]neo4j.Relationship, 0, len(f.nodes))
		for i := 1; i < len(f.nodes); i++ {
			rel, ok := rels[[2]string{f.nodes[i-1].ElementId, f.nodes[i].ElementId}]
			if !ok {
				return nil, Errorf(EUNAVAILABLE, "the graph changed during the path search: retry")
			}
			steps = append(steps, rel)
		}
		path, err := buildPath(f.nodes, steps)
		if err != nil {
			return nil, err
		}
		path.Cost = math.Round(f.cost*1e9) / 1e9
		out = append(out, path)
	}
	return out, nil
}
