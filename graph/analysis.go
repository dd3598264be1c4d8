package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Graph analytics (communities, centrality) run in Graph Data Science over an in-memory
// projection made for the request from what the analysis scope covers, and dropped when the
// request ends, whatever happens: projections are large and live outside any transaction.
//
// The analysis graph never contains Transaction nodes. Money appears as one link per payer and
// payee: the FLOW aggregate (summed over currencies, in minor units) for the whole graph, and,
// for a partner, who must not see aggregates over other partners' transactions, the partner's
// own transactions collapsed the same way.

// ScopeKind says which part of the graph an analysis covers.
type ScopeKind string

// Analysis scopes.
const (
	// ScopeWholeGraph is every entity except transactions, linked by every relationship between
	// them (money by FLOW), undirected and unweighted.
	ScopeWholeGraph ScopeKind = "WHOLE_GRAPH"
	// ScopeSubgraph is the entities within Hops links of the seed ids (links as in
	// ScopeWholeGraph), and the links among them; at most MaxSubgraphNodes nodes.
	ScopeSubgraph ScopeKind = "SUBGRAPH"
	// ScopeMoneyFlow is the accounts and parties that sent or received money, linked by FLOW
	// weighted by its total: directed for PageRank and betweenness, undirected otherwise.
	ScopeMoneyFlow ScopeKind = "MONEY_FLOW"
)

// Limits of an AnalysisScope.
const (
	MaxAnalysisSeeds = 100    // seed ids of a SUBGRAPH scope
	MaxAnalysisHops  = 3      // hops of a SUBGRAPH scope
	MaxSubgraphNodes = 20_000 // nodes a SUBGRAPH scope may reach
)

// AnalysisScope is the part of the graph an analysis projects.
type AnalysisScope struct {
	Kind ScopeKind
	IDs  []string // SUBGRAPH: seed entity ids, 1 to MaxAnalysisSeeds
	Hops int      // SUBGRAPH: 1 to MaxAnalysisHops
}

// validate checks the scope and returns it normalised (seeds trimmed and deduplicated; ids and
// hops cleared for the whole-graph kinds).
func (a AnalysisScope) validate() (AnalysisScope, error) {
	switch a.Kind {
	case ScopeWholeGraph, ScopeMoneyFlow:
		if len(a.IDs) > 0 {
			return a, Errorf(EINVALID, "scope.ids: only a SUBGRAPH scope takes seed ids")
		}
		return AnalysisScope{Kind: a.Kind}, nil
	case ScopeSubgraph:
	default:
		return a, Errorf(EINVALID, "scope.kind: %q is not one of WHOLE_GRAPH, SUBGRAPH, MONEY_FLOW", a.Kind)
	}
	if a.Hops < 1 || a.Hops > MaxAnalysisHops {
		return a, Errorf(EINVALID, "scope.hops: %d is not between 1 and %d", a.Hops, MaxAnalysisHops)
	}
	seen := map[string]bool{}
	ids := make([]string, 0, len(a.IDs))
	for _, id := range a.IDs {
		id = strings.TrimSpace(id)
		if id == "" {
			return a, Errorf(EINVALID, "scope.ids: an id is empty")
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 || len(ids) > MaxAnalysisSeeds {
		return a, Errorf(EINVALID, "scope.ids: %d seed ids, want 1 to %d", len(ids), MaxAnalysisSeeds)
	}
	return AnalysisScope{Kind: ScopeSubgraph, IDs: ids, Hops: a.Hops}, nil
}

// analysisLinkTypes is the Cypher relationship-type alternation of the links between
// non-transaction entities: every type a batch may carry except SENT and TO (money goes
// through FLOW or, for partners, their collapsed transactions), with FLOW when withFlow.
func analysisLinkTypes(withFlow bool) string {
	var types []string
	for _, t := range RelTypes {
		if t != RelSent && t != RelTo {
			types = append(types, string(t))
		}
	}
	if withFlow {
		types = append(types, string(RelFlow))
	}
	return strings.Join(types, "|")
}

// partnerTx is the predicate on transaction variable t that it is one of the partner's.
const partnerTx = `any(x IN coalesce(t.sources, []) WHERE x IN $partnerSources)`

// projection is a GDS graph made for one analysis.
type projection struct {
	name     string
	nodes    int
	links    int  // distinct links: node pairs (undirected) or ordered pairs (directed)
	weighted bool // relationships carry property w (money moved, minor units)
	directed bool
}

// analysis is one run of an algorithm: its id (also in the projection's name, in the GDS job
// id, and in the metadata of its Neo4j transactions, so that it can be stopped), the scope, and
// progress reporting.
type analysis struct {
	s        *Store
	id       string
	scope    Scope
	as       AnalysisScope
	params   map[string]any // the scope's parameters ($partner, $partnerSources)
	progress func(float64)
	mu       sync.Mutex
	done     float64
}

// newAnalysis validates the scope and prepares a run.
func (s *Store) newAnalysis(ctx context.Context, scope Scope, as AnalysisScope, progress func(float64)) (*analysis, error) {
	as, err := as.validate()
	if err != nil {
		return nil, err
	}
	params, err := s.scopeParams(ctx, scope)
	if err != nil {
		return nil, err
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, &Error{Code: EINTERNAL, Err: fmt.Errorf("analysis id: %w", err)}
	}
	return &analysis{s: s, id: hex.EncodeToString(b[:]), scope: scope, as: as, params: params, progress: progress}, nil
}

// report moves progress forward to done (0..1); it never goes back.
func (a *analysis) report(done float64) {
	if a.progress == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if done > a.done {
		a.done = min(done, 1)
		a.progress(a.done)
	}
}

// with returns the scope's parameters plus kv.
func (a *analysis) with(kv map[string]any) map[string]any { return withParams(a.params, kv) }

// analyticsTimeout bounds one analytics statement on the server. Whole-graph runs are jobs,
// not requests, so this is generous; cancellation stops them sooner.
const analyticsTimeout = 30 * time.Minute

// run executes one statement in an auto-commit transaction (GDS procedures have effects outside
// transactions, so they are never retried, and CALL { } IN TRANSACTIONS needs one) tagged with
// the run's id. When ctx ends first, the statement's transaction is terminated on the server:
// a GDS algorithm does not notice a client that went away until it finishes.
func (a *analysis) run(ctx context.Context, op, query string, params map[string]any) ([]*neo4j.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, analysisCanceled(op, err)
	}
	stop := context.AfterFunc(ctx, a.terminate)
	defer stop()
	sess := a.s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: a.s.db})
	defer sess.Close(context.WithoutCancel(ctx))
	res, err := sess.Run(ctx, query, params, neo4j.WithTxTimeout(analyticsTimeout),
		neo4j.WithTxMetadata(map[string]any{"crosslinkRun": a.id}))
	var recs []*neo4j.Record
	if err == nil {
		recs, err = res.Collect(ctx)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, analysisCanceled(op, ctx.Err())
		}
		return nil, translate(op, err)
	}
	return recs, nil
}

// analysisCanceled is the error of a run stopped by its context.
func analysisCanceled(op string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: EUNAVAILABLE, Message: op + ": timed out", Err: err}
	}
	return &Error{Code: EUNAVAILABLE, Message: op + ": canceled", Err: err}
}

// terminate stops the run's transactions still running on the server.
func (a *analysis) terminate() {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, _ = neo4j.ExecuteQuery(ctx, a.s.driver, `SHOW TRANSACTIONS YIELD transactionId AS txId, metaData
WHERE metaData.crosslinkRun = $run
TERMINATE TRANSACTIONS txId YIELD transactionId RETURN count(*) AS n`,
		map[string]any{"run": a.id}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(a.s.db))
}

// drop removes the projection, with a context of its own: it runs after cancellation too.
func (a *analysis) drop(p *projection) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = neo4j.ExecuteQuery(ctx, a.s.driver, `CALL gds.graph.drop($name, false) YIELD graphName RETURN graphName`,
		map[string]any{"name": p.name}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(a.s.db))
}

// watch polls GDS for the progress of job jobID and reports it mapped onto [lo, hi], until the
// returned function is called.
func (a *analysis) watch(ctx context.Context, jobID string, lo, hi float64) (stop func()) {
	if a.progress == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if p, ok := a.s.jobProgress(ctx, jobID); ok {
				a.report(lo + (hi-lo)*p)
			}
		}
	}()
	return func() { cancel(); <-done }
}

// jobProgress reads the progress of a GDS job: the first row gds.listProgress gives is the
// job's root task, with progress like "47.08%" ("n/a" while unknown).
func (s *Store) jobProgress(ctx context.Context, jobID string) (float64, bool) {
	res, err := neo4j.ExecuteQuery(ctx, s.driver, `CALL gds.listProgress($job) YIELD progress RETURN progress LIMIT 1`,
		map[string]any{"job": jobID}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(s.db),
		neo4j.ExecuteQueryWithReadersRouting())
	if err != nil || len(res.Records) == 0 {
		return 0, false
	}
	text, _, err := neo4j.GetRecordValue[string](res.Records[0], "progress")
	if err != nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(text), "%"), 64)
	if err != nil || f < 0 {
		return 0, false
	}
	return min(f/100, 1), true
}

// project builds the projection of the run's scope. directed keeps MONEY_FLOW links in the
// direction money moved (PageRank, betweenness); every other projection is undirected, one
// link per node pair. The caller drops it (also when project fails: a projection may exist).
func (a *analysis) project(ctx context.Context, directed bool) (*projection, error) {
	p := &projection{name: "cx-" + a.id, directed: directed && a.as.Kind == ScopeMoneyFlow}
	params := a.with(map[string]any{"graph": p.name})
	var query string
	switch a.as.Kind {
	case ScopeMoneyFlow:
		p.weighted = true
		query = moneyProjection(!a.scope.All(), p.directed)
	case ScopeWholeGraph:
		query = linkProjection(!a.scope.All(), false)
	case ScopeSubgraph:
		ids, err := a.subgraphNodes(ctx)
		if err != nil {
			return p, err
		}
		params["ids"] = ids
		query = linkProjection(!a.scope.All(), true)
	}
	recs, err := a.run(ctx, "project the analysis graph", query, params)
	if err != nil {
		return p, err
	}
	if len(recs) == 1 {
		nodes, _, _ := neo4j.GetRecordValue[int64](recs[0], "nodes")
		rels, _, _ := neo4j.GetRecordValue[int64](recs[0], "rels")
		p.nodes, p.links = int(nodes), int(rels)
		if !p.directed {
			p.links /= 2 // GDS stores an undirected link once in each direction
		}
	}
	return p, nil
}

// moneyProjection is the Cypher projection of MONEY_FLOW: payer and payee linked by the money
// moved between them (w, summed over currencies), from FLOW or, for a partner, from its own
// transactions.
func moneyProjection(partner, directed bool) string {
	q := `MATCH (a)-[f:FLOW]->(b)
WITH a, b, sum(f.total) AS w`
	if partner {
		q = `MATCH (a)-[:SENT]->(t:Transaction)-[:TO]->(b)
WHERE ` + partnerTx + `
WITH a, b, sum(coalesce(t.amount, 0)) AS w
WHERE ` + scopeNodePredicate("a") + ` AND ` + scopeNodePredicate("b")
	}
	if directed {
		return q + `
WITH gds.graph.project($graph, a, b, {relationshipProperties: {w: toFloat(w)}}, {}) AS g
RETURN g.nodeCount AS nodes, g.relationshipCount AS rels`
	}
	return q + `
WITH CASE WHEN elementId(a) < elementId(b) THEN a ELSE b END AS x,
     CASE WHEN elementId(a) < elementId(b) THEN b ELSE a END AS y, w
WITH x, y, sum(w) AS w
WITH gds.graph.project($graph, x, y, {relationshipProperties: {w: toFloat(w)}}, {undirectedRelationshipTypes: ['*']}) AS g
RETURN g.nodeCount AS nodes, g.relationshipCount AS rels`
}

// linkProjection is the Cypher projection of WHOLE_GRAPH, or of SUBGRAPH (the nodes in $ids):
// every non-transaction entity, with one undirected, unweighted link per pair of entities that
// any relationship joins. Entities without links are kept (they are communities of one).
func linkProjection(partner, subgraph bool) string {
	nodes := "MATCH (a:Entity) WHERE NOT a:Transaction"
	if partner {
		nodes += " AND " + scopeNodePredicate("a")
	}
	inSet := ""
	if subgraph {
		nodes = "UNWIND $ids AS eid MATCH (a) WHERE elementId(a) = eid"
		inSet = " AND elementId(b) IN $ids"
	}
	links := `OPTIONAL MATCH (a)-[:` + analysisLinkTypes(true) + `]->(b:Entity) WHERE NOT b:Transaction` + inSet + `
  RETURN b`
	if partner {
		links = `OPTIONAL MATCH (a)-[r:` + analysisLinkTypes(false) + `]->(b:Entity)
  WHERE NOT b:Transaction` + inSet + ` AND ` + scopeEdgePredicate("r") + ` AND ` + scopeNodePredicate("b") + `
  RETURN b
  UNION
  MATCH (a)-[:SENT]->(t:Transaction)-[:TO]->(b:Entity)
  WHERE ` + partnerTx + inSet + ` AND ` + scopeNodePredicate("b") + `
  RETURN b`
	}
	return nodes + `
CALL (a) {
  ` + links + `
}
WITH DISTINCT
  CASE WHEN b IS NULL OR elementId(a) < elementId(b) THEN a ELSE b END AS x,
  CASE WHEN b IS NULL THEN null WHEN elementId(a) < elementId(b) THEN b ELSE a END AS y
WITH gds.graph.project($graph, x, y, {}, {undirectedRelationshipTypes: ['*']}) AS g
RETURN g.nodeCount AS nodes, g.relationshipCount AS rels`
}

// subgraphNodes returns the element ids of the entities within the scope's hops of its seeds,
// found breadth first one hop at a time. It returns ENOTFOUND naming seeds that do not exist
// (or that the reader may not see, or that are transactions) and EINVALID when more than
// MaxSubgraphNodes are reached.
func (a *analysis) subgraphNodes(ctx context.Context) ([]string, error) {
	recs, err := a.run(ctx, "find the seeds", `UNWIND $ids AS id
OPTIONAL MATCH (n:Entity {id: id}) WHERE NOT n:Transaction AND `+scopeNodePredicate("n")+`
RETURN id, elementId(n) AS eid`, a.with(map[string]any{"ids": a.as.IDs}))
	if err != nil {
		return nil, err
	}
	var missing, frontier []string
	for _, r := range recs {
		id, _, _ := neo4j.GetRecordValue[string](r, "id")
		eid, isNil, _ := neo4j.GetRecordValue[string](r, "eid")
		if isNil || eid == "" {
			missing = append(missing, id)
			continue
		}
		frontier = append(frontier, eid)
	}
	if len(missing) > 0 {
		if len(missing) > 5 {
			missing = append(missing[:5], "…")
		}
		return nil, Errorf(ENOTFOUND, "scope.ids: no entity %s", strings.Join(missing, ", "))
	}
	seen := append([]string(nil), frontier...)
	query := subgraphHopQuery(!a.scope.All())
	for hop := 0; hop < a.as.Hops && len(frontier) > 0; hop++ {
		recs, err := a.run(ctx, "expand the subgraph", query, a.with(map[string]any{
			"frontier": frontier, "seen": seen, "room": MaxSubgraphNodes + 1 - len(seen),
		}))
		if err != nil {
			return nil, err
		}
		frontier = frontier[:0:0]
		for _, r := range recs {
			eid, _, _ := neo4j.GetRecordValue[string](r, "eid")
			frontier = append(frontier, eid)
		}
		seen = append(seen, frontier...)
		if len(seen) > MaxSubgraphNodes {
			return nil, Errorf(EINVALID, "scope: more than %d entities lie within %d hops of the seeds; use fewer hops or seeds, or a WHOLE_GRAPH or MONEY_FLOW scope",
				MaxSubgraphNodes, a.as.Hops)
		}
	}
	return seen, nil
}

// subgraphHopQuery finds the entities one link away from $frontier not yet $seen, at most
// $room of them.
func subgraphHopQuery(partner bool) string {
	links := `MATCH (a)-[:` + analysisLinkTypes(true) + `]-(b:Entity) WHERE NOT b:Transaction RETURN b`
	if partner {
		links = `MATCH (a)-[r:` + analysisLinkTypes(false) + `]-(b:Entity) WHERE NOT b:Transaction AND ` + scopeEdgePredicate("r") + ` RETURN b
  UNION
  MATCH (a)-[:SENT|TO]-(t:Transaction)-[:SENT|TO]-(b:Entity) WHERE b <> a AND ` + partnerTx + ` RETURN b`
	}
	return `UNWIND $frontier AS eid
MATCH (a) WHERE elementId(a) = eid
CALL (a) {
  ` + links + `
}
WITH DISTINCT b
WHERE NOT elementId(b) IN $seen AND ` + scopeNodePredicate("b") + `
RETURN elementId(b) AS eid
LIMIT $room`
}
