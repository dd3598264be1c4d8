package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Community detection. A run projects its scope (see AnalysisScope), runs the algorithm in GDS
// mutate mode, and summarises the largest communities while the projection is alive: their
// members, the money moving into, out of and within each, the countries of their members and
// the share of them that carry a risk flag. A stored run also writes its membership onto the
// graph, so that it can be read again later without recomputing:
//
//	(:CommunityRun {id, algorithm, scopeKind, scopeIds, hops, partner, status, createdAt,
//	                modularity, count, matching, stored, nodes, relationships, elapsedMs, minSize})
//	(:Community {runId, communityId, size, summary})   one per community of 2 or more members
//	(member)-[:IN_COMMUNITY]->(:Community)
//
// A node can belong to many runs, so membership cannot be a node property; singletons are never
// written (a whole graph has millions of them). Neither label is an Entity: analyses, search
// and neighbourhoods never see them as data.

// CommunityAlgorithm is a community detection algorithm.
type CommunityAlgorithm string

// Community detection algorithms.
const (
	Louvain          CommunityAlgorithm = "LOUVAIN"           // modularity optimisation (weighted)
	Leiden           CommunityAlgorithm = "LEIDEN"            // Louvain with well-connected communities (weighted)
	WCC              CommunityAlgorithm = "WCC"               // weakly connected components
	LabelPropagation CommunityAlgorithm = "LABEL_PROPAGATION" // label propagation (weighted)
)

// Limits of a CommunityRequest.
const (
	DefaultCommunityTop      = 50
	MaxCommunityTop          = 500
	DefaultCommunityMembers  = 50
	MaxCommunityMembers      = 1000
	maxCommunityCountries    = 20
	communityRiskScoreCutoff = 0.5
)

// CommunityRequest asks for a community detection run.
type CommunityRequest struct {
	Algorithm CommunityAlgorithm
	Scope     AnalysisScope
	// Store writes the run's membership on the graph, to be read again by CommunityRun.
	Store bool
	// MinSize leaves out smaller communities from the result (and from what is stored);
	// default 1 (everything) for a result, and never below 2 for storage.
	MinSize int
	// Top is how many communities the result lists, largest first (default 50, at most 500).
	Top int
	// MembersPerCommunity is how many members each listed community shows, the most connected
	// first (default 50, at most 1000).
	MembersPerCommunity int
}

// CommunityRunInfo describes one run, stored or not.
type CommunityRunInfo struct {
	RunID     string
	Algorithm CommunityAlgorithm
	Scope     AnalysisScope
	Partner   string // the partner whose view the run analysed; "" for the whole graph
	// Status is "STORED" for a stored run that is complete, "STORING" while (or if a crash
	// left it) writing, and "" for a run that was not stored.
	Status string
	// Modularity of the partition on the projection (weighted as the algorithm was); -1 when it
	// could not be computed.
	Modularity float64
	Count      int // communities in the projection, of every size
	Matching   int // communities of at least MinSize members
	// Stored is how many communities a stored run wrote (those of at least max(2, MinSize)
	// members); 0 for a run that was not stored.
	Stored        int
	MinSize       int
	Nodes         int // nodes in the projection
	Relationships int // distinct links in the projection
	Elapsed       time.Duration
	CreatedAt     time.Time
}

// CommunityResult is a run and its largest communities.
type CommunityResult struct {
	CommunityRunInfo
	Communities []Community
}

// Community is one community of a run, with a summary of who is in it and how money moves.
type Community struct {
	// ID is the community's rank by size in its run: 1 is the largest (ties by GDS's own id).
	ID      int64
	Size    int
	Members []NodeView // the most connected members first, at most MembersPerCommunity
	// FlowIn, FlowOut and Internal are money moved into the community from entities outside it
	// (anywhere in the reader's graph, not only in the projection), out of it, and between its
	// members, in minor units summed over currencies: meaningful alone only when one currency
	// dominates; Flows has them per currency. For a partner only its own transactions count.
	FlowIn, FlowOut, Internal int64
	Flows                     []CurrencyFlow
	Countries                 []CountryCount // members' countries, most frequent first (at most 20)
	// RiskShare is the share of members (0..1) that carry a risk signal: subject of a Report,
	// flagged = true, or a detection risk score (RiskScore, graph/detection.go) of 0.5 or more
	// (ground truth gt* is never read).
	RiskShare float64
}

// CurrencyFlow is the money moved into, out of and within a community in one currency, in
// minor units.
type CurrencyFlow struct {
	Currency          string
	In, Out, Internal int64
}

// CountryCount is how many members of a community have a country.
type CountryCount struct {
	Country string
	Count   int
}

// normalise checks the request and fills in defaults. It returns EINVALID naming the field.
func (r CommunityRequest) normalise() (CommunityRequest, error) {
	switch r.Algorithm {
	case Louvain, Leiden, WCC, LabelPropagation:
	default:
		return r, Errorf(EINVALID, "algorithm: %q is not one of LOUVAIN, LEIDEN, WCC, LABEL_PROPAGATION", r.Algorithm)
	}
	var err error
	if r.Top, err = pageSize(r.Top, DefaultCommunityTop, MaxCommunityTop, "top"); err != nil {
		return r, err
	}
	if r.MembersPerCommunity, err = pageSize(r.MembersPerCommunity, DefaultCommunityMembers, MaxCommunityMembers, "membersPerCommunity"); err != nil {
		return r, err
	}
	switch {
	case r.MinSize < 0:
		return r, Errorf(EINVALID, "minSize: %d is negative", r.MinSize)
	case r.MinSize == 0:
		r.MinSize = 1
	}
	return r, nil
}

// Communities detects communities in the scope's graph as scope (the reader) sees it, and
// returns the largest. progress, when not nil, is told how far the run is (0..1, never going
// back), from another goroutine too. With req.Store the run's membership is written on the graph
// (see CommunityRun). It returns EINVALID for a bad request (the message names the field),
// ENOTFOUND for unknown seed ids, EUNAVAILABLE when canceled or Neo4j is unavailable.
func (s *Store) Communities(ctx context.Context, scope Scope, req CommunityRequest, progress func(done float64)) (CommunityResult, error) {
	req, err := req.normalise()
	if err != nil {
		return CommunityResult{}, err
	}
	a, err := s.newAnalysis(ctx, scope, req.Scope, progress)
	if err != nil {
		return CommunityResult{}, err
	}
	start := time.Now()
	res := CommunityResult{CommunityRunInfo: CommunityRunInfo{
		RunID: a.id, Algorithm: req.Algorithm, Scope: a.as, Partner: scope.Partner, Modularity: -1,
		MinSize: req.MinSize, CreatedAt: start.UTC().Truncate(time.Millisecond),
	}}
	a.report(0.01)
	p, err := a.project(ctx, false)
	defer a.drop(p)
	if err != nil {
		return CommunityResult{}, err
	}
	res.Nodes, res.Relationships = p.nodes, p.links
	a.report(0.2)
	var comms []Community
	if p.nodes > 0 {
		if res.Count, res.Modularity, err = a.detect(ctx, p, req.Algorithm); err != nil {
			return CommunityResult{}, err
		}
		a.report(0.7)
		top := req.Top
		if req.Store {
			top = MaxCommunityTop // a stored run keeps summaries of as many as can ever be asked for
		}
		if comms, res.Matching, err = a.summarise(ctx, p, req, top); err != nil {
			return CommunityResult{}, err
		}
	}
	a.report(0.85)
	if req.Store {
		if err := a.store(ctx, p, &res, comms, start); err != nil {
			return CommunityResult{}, err
		}
	}
	res.Communities = comms[:min(req.Top, len(comms))]
	res.Elapsed = time.Since(start)
	a.report(1)
	return res, nil
}

// mutateProperty is the node property of the projection that holds each node's community.
const mutateProperty = "community"

// detect runs the algorithm in mutate mode, and returns the number of communities and the
// modularity (-1 when GDS cannot compute it). GDS's progress of the algorithm is reported as
// 0.2..0.7 of the run.
func (a *analysis) detect(ctx context.Context, p *projection, alg CommunityAlgorithm) (int, float64, error) {
	config := map[string]any{"mutateProperty": mutateProperty, "jobId": "cx-" + a.id, "concurrency": a.s.gdsConcurrency}
	if p.weighted && alg != WCC {
		config["relationshipWeightProperty"] = "w"
	}
	var query string
	switch alg {
	case Louvain:
		query = `CALL gds.louvain.mutate($graph, $config) YIELD communityCount, modularity RETURN communityCount AS count, modularity`
	case Leiden:
		query = `CALL gds.leiden.mutate($graph, $config) YIELD communityCount, modularity RETURN communityCount AS count, modularity`
	case WCC:
		query = `CALL gds.wcc.mutate($graph, $config) YIELD componentCount RETURN componentCount AS count, null AS modularity`
	case LabelPropagation:
		query = `CALL gds.labelPropagation.mutate($graph, $config) YIELD communityCount RETURN communityCount AS count, null AS modularity`
	}
	stop := a.watch(ctx, "cx-"+a.id, 0.2, 0.7)
	recs, err := a.run(ctx, "detect communities", query, map[string]any{"graph": p.name, "config": config})
	stop()
	if err != nil {
		return 0, 0, err
	}
	if len(recs) != 1 {
		return 0, 0, &Error{Code: EINTERNAL, Err: fmt.Errorf("detect communities: %d rows", len(recs))}
	}
	count, _, err := neo4j.GetRecordValue[int64](recs[0], "count")
	if err != nil {
		return 0, 0, &Error{Code: EINTERNAL, Err: fmt.Errorf("detect communities: %w", err)}
	}
	modularity, isNil, err := neo4j.GetRecordValue[float64](recs[0], "modularity")
	if err != nil || isNil {
		modularity = a.modularity(ctx, p)
	}
	return int(count), modularity, nil
}

// modularity computes the modularity of the partition in the projection (for the algorithms
// that do not report it), or -1 when GDS cannot (e.g. a graph without relationships).
func (a *analysis) modularity(ctx context.Context, p *projection) float64 {
	config := map[string]any{"communityProperty": mutateProperty, "concurrency": a.s.gdsConcurrency}
	if p.weighted {
		config["relationshipWeightProperty"] = "w"
	}
	recs, err := a.run(ctx, "compute modularity", `CALL gds.modularity.stats($graph, $config) YIELD modularity RETURN modularity`,
		map[string]any{"graph": p.name, "config": config})
	if err != nil || len(recs) != 1 {
		return -1
	}
	m, isNil, err := neo4j.GetRecordValue[float64](recs[0], "modularity")
	if err != nil || isNil || math.IsNaN(m) {
		return -1
	}
	return m
}

// communityOrder ranks the communities in the projection: those of at least $minSize members,
// largest first, ties by GDS id; cs is the list of {ids, size}.
const communityOrder = `CALL gds.graph.nodeProperty.stream($graph, 'community') YIELD nodeId, propertyValue
WITH propertyValue AS gid, collect(nodeId) AS ids
WITH gid, ids, size(ids) AS size WHERE size >= $minSize
ORDER BY size DESC, gid
WITH collect({ids: ids, size: size}) AS cs
`

// summaryQuery summarises the $top largest communities; members only for those ranked up to
// $withMembers.
func summaryQuery(partner bool) string {
	flow := `MATCH (m)-[f:FLOW]-(o)
  WITH inside, o, f.currency AS currency, f.total AS amount, startNode(f) = m AS out`
	if partner {
		flow = `MATCH (m)-[s:SENT|TO]-(t:Transaction)-[:SENT|TO]-(o)
  WHERE o <> m AND ` + partnerTx + `
  WITH inside, o, t.currency AS currency, coalesce(t.amount, 0) AS amount, type(s) = 'SENT' AS out`
	}
	return communityOrder + `WITH size(cs) AS matching, cs[..$top] AS cs
UNWIND range(0, size(cs) - 1) AS i
WITH matching, i + 1 AS rank, cs[i] AS c
CALL (c) {
  UNWIND c.ids AS nid
  WITH gds.util.asNode(nid) AS m
  WHERE m:Entity
  RETURN collect(m) AS ms
}
CALL (ms, rank) {
  UNWIND CASE WHEN rank <= $withMembers THEN ms ELSE [] END AS m
  WITH m, COUNT { (m)-[:` + analysisLinkTypes(true) + `]-() } AS degree
  ORDER BY degree DESC, m.id
  RETURN collect(m)[..$members] AS members
}
CALL (ms) {
  UNWIND ms AS m
  WITH m.country AS country WHERE country IS NOT NULL
  WITH country, count(*) AS n
  ORDER BY n DESC, country LIMIT $countries
  RETURN collect({country: country, count: n}) AS countries
}
CALL (ms) {
  UNWIND ms AS m
  WITH m WHERE m.flagged = true OR EXISTS { (m)<-[:RISK_OF]-(r:RiskScore) WHERE r.risk >= $riskCutoff }
    OR EXISTS { (m)-[:SUBJECT_OF]->(:Report) }
  RETURN count(m) AS risky
}
CALL (ms) {
  WITH ms, apoc.map.fromLists([m IN ms | elementId(m)], [m IN ms | true]) AS inside
  UNWIND ms AS m
  ` + flow + `
  WITH currency, out, inside[elementId(o)] IS NOT NULL AS within, amount
  WITH currency,
       sum(CASE WHEN within AND out THEN amount ELSE 0 END) AS internal,
       sum(CASE WHEN NOT within AND out THEN amount ELSE 0 END) AS flowOut,
       sum(CASE WHEN NOT within AND NOT out THEN amount ELSE 0 END) AS flowIn
  ORDER BY currency
  RETURN collect({currency: currency, internal: internal, out: flowOut, in: flowIn}) AS flows
}
RETURN matching, rank, c.size AS size, members, countries, risky, flows
ORDER BY rank`
}

// summarise lists the top largest communities of at least req.MinSize members with their
// summaries (members for the req.Top first), and returns how many communities are that large.
func (a *analysis) summarise(ctx context.Context, p *projection, req CommunityRequest, top int) ([]Community, int, error) {
	recs, err := a.run(ctx, "summarise communities", summaryQuery(!a.scope.All()), a.with(map[string]any{
		"graph": p.name, "minSize": req.MinSize, "top": top, "withMembers": req.Top,
		"members": req.MembersPerCommunity, "countries": maxCommunityCountries, "riskCutoff": communityRiskScoreCutoff,
	}))
	if err != nil {
		return nil, 0, err
	}
	comms := make([]Community, 0, len(recs))
	matching := 0
	for _, r := range recs {
		m, _, _ := neo4j.GetRecordValue[int64](r, "matching")
		matching = int(m)
		c, err := communityFromRecord(r)
		if err != nil {
			return nil, 0, &Error{Code: EINTERNAL, Err: fmt.Errorf("summarise communities: %w", err)}
		}
		comms = append(comms, c)
	}
	return comms, matching, nil
}

// communityFromRecord decodes a row of summaryQuery.
func communityFromRecord(r *neo4j.Record) (Community, error) {
	rank, _, err := neo4j.GetRecordValue[int64](r, "rank")
	if err != nil {
		return Community{}, err
	}
	size, _, err := neo4j.GetRecordValue[int64](r, "size")
	if err != nil {
		return Community{}, err
	}
	risky, _, err := neo4j.GetRecordValue[int64](r, "risky")
	if err != nil {
		return Community{}, err
	}
	c := Community{ID: rank, Size: int(size)}
	if size > 0 {
		c.RiskShare = float64(risky) / float64(size)
	}
	if c.Members, err = memberViews(r); err != nil {
		return Community{}, err
	}
	countries, _, err := neo4j.GetRecordValue[[]any](r, "countries")
	if err != nil {
		return Community{}, err
	}
	for _, x := range countries {
		m, _ := x.(map[string]any)
		country, _ := m["country"].(string)
		n, _ := m["count"].(int64)
		if country != "" {
			c.Countries = append(c.Countries, CountryCount{Country: country, Count: int(n)})
		}
	}
	flows, _, err := neo4j.GetRecordValue[[]any](r, "flows")
	if err != nil {
		return Community{}, err
	}
	for _, x := range flows {
		m, _ := x.(map[string]any)
		f := CurrencyFlow{}
		f.Currency, _ = m["currency"].(string)
		f.In, _ = m["in"].(int64)
		f.Out, _ = m["out"].(int64)
		f.Internal, _ = m["internal"].(int64)
		c.FlowIn += f.In
		c.FlowOut += f.Out
		c.Internal += f.Internal
		c.Flows = append(c.Flows, f)
	}
	return c, nil
}

// memberViews decodes the "members" column: a list of nodes.
func memberViews(r *neo4j.Record) ([]NodeView, error) {
	members, _, err := neo4j.GetRecordValue[[]any](r, "members")
	if err != nil {
		return nil, err
	}
	out := make([]NodeView, 0, len(members))
	for _, x := range members {
		n, ok := x.(neo4j.Node)
		if !ok {
			return nil, fmt.Errorf("member is a %T, not a node", x)
		}
		out = append(out, nodeView(n))
	}
	return out, nil
}

// communitySummary is what a stored Community keeps of its summary (as JSON in `summary`:
// Neo4j properties cannot hold maps).
type communitySummary struct {
	FlowIn    int64          `json:"flowIn"`
	FlowOut   int64          `json:"flowOut"`
	Internal  int64          `json:"internal"`
	Flows     []CurrencyFlow `json:"flows,omitempty"`
	Countries []CountryCount `json:"countries,omitempty"`
	RiskShare float64        `json:"riskShare"`
}

// Run statuses of stored runs.
const (
	runStoring = "STORING"
	runStored  = "STORED"
)

// storeMembershipQuery writes a Community per community of at least $minSize members, ranked
// as summaryQuery ranks them, and IN_COMMUNITY from each member; MERGE keeps a retry harmless.
// Members deleted since the projection was made are skipped (their size still counts them).
const storeMembershipQuery = communityOrder + `UNWIND range(1, size(cs)) AS rank
WITH rank, cs[rank - 1] AS c
UNWIND c.ids AS nid
CALL (rank, c, nid) {
  MERGE (k:Community {runId: $run, communityId: rank})
  ON CREATE SET k.size = c.size
  WITH k, gds.util.asNode(nid) AS m
  WHERE m:Entity
  MERGE (m)-[:IN_COMMUNITY]->(k)
} IN TRANSACTIONS OF 5000 ROWS
RETURN count(DISTINCT rank) AS stored`

// store writes the run, its membership and the summaries of its largest communities. A run
// that fails half-written is deleted.
func (a *analysis) store(ctx context.Context, p *projection, res *CommunityResult, comms []Community, start time.Time) (err error) {
	res.Status = runStoring
	if err := a.s.writeRun(ctx, res.CommunityRunInfo); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			_, _ = a.s.deleteRun(dctx, a.id)
		}
	}()
	if p.nodes > 0 {
		recs, err := a.run(ctx, "store the communities", storeMembershipQuery, map[string]any{
			"graph": p.name, "minSize": max(2, res.MinSize), "run": a.id,
		})
		if err != nil {
			return err
		}
		if len(recs) == 1 {
			n, _, _ := neo4j.GetRecordValue[int64](recs[0], "stored")
			res.Stored = int(n)
		}
	}
	a.report(0.95)
	var rows []map[string]any
	for _, c := range comms {
		if int64(len(rows)) >= int64(res.Stored) || c.Size < 2 {
			break
		}
		b, err := json.Marshal(communitySummary{FlowIn: c.FlowIn, FlowOut: c.FlowOut, Internal: c.Internal,
			Flows: c.Flows, Countries: c.Countries, RiskShare: c.RiskShare})
		if err != nil {
			return &Error{Code: EINTERNAL, Err: fmt.Errorf("store the communities: %w", err)}
		}
		rows = append(rows, map[string]any{"id": c.ID, "summary": string(b)})
	}
	res.Status = runStored
	res.Elapsed = time.Since(start)
	_, err = a.s.writeAnalysis(ctx, "store the communities", func(tx neo4j.ManagedTransaction) (any, error) {
		if _, err := tx.Run(ctx, `UNWIND $rows AS row
MATCH (k:Community {runId: $run, communityId: row.id})
SET k.summary = row.summary`, map[string]any{"rows": rows, "run": a.id}); err != nil {
			return nil, err
		}
		_, err := tx.Run(ctx, `MATCH (r:CommunityRun {id: $run}) SET r += $props`,
			map[string]any{"run": a.id, "props": runProps(res.CommunityRunInfo)})
		return nil, err
	})
	return err
}

// writeAnalysis runs work in a write transaction (retried on transient errors: work is idempotent) and
// translates errors for op.
func (s *Store) writeAnalysis(ctx context.Context, op string, work func(tx neo4j.ManagedTransaction) (any, error)) (any, error) {
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.db})
	defer sess.Close(context.WithoutCancel(ctx))
	res, err := sess.ExecuteWrite(ctx, work, neo4j.WithTxTimeout(analyticsTimeout))
	if err != nil {
		return nil, translate(op, err)
	}
	return res, nil
}

// writeRun creates (or updates) the CommunityRun node of a run.
func (s *Store) writeRun(ctx context.Context, info CommunityRunInfo) error {
	_, err := s.writeAnalysis(ctx, "store the run", func(tx neo4j.ManagedTransaction) (any, error) {
		_, err := tx.Run(ctx, `MERGE (r:CommunityRun {id: $run}) SET r += $props`,
			map[string]any{"run": info.RunID, "props": runProps(info)})
		return nil, err
	})
	return err
}

// runProps are the properties of a CommunityRun node.
func runProps(info CommunityRunInfo) map[string]any {
	var partner any
	if info.Partner != "" {
		partner = info.Partner
	}
	ids := info.Scope.IDs
	if ids == nil {
		ids = []string{}
	}
	return map[string]any{
		"algorithm": string(info.Algorithm), "scopeKind": string(info.Scope.Kind), "scopeIds": ids,
		"hops": int64(info.Scope.Hops), "partner": partner, "status": info.Status, "createdAt": info.CreatedAt,
		"modularity": info.Modularity, "count": int64(info.Count), "matching": int64(info.Matching),
		"stored": int64(info.Stored), "minSize": int64(info.MinSize), "nodes": int64(info.Nodes),
		"relationships": int64(info.Relationships), "elapsedMs": info.Elapsed.Milliseconds(),
	}
}

// runInfo reads the properties of a CommunityRun node.
func runInfo(props map[string]any) CommunityRunInfo {
	str := func(k string) string { v, _ := props[k].(string); return v }
	num := func(k string) int { v, _ := props[k].(int64); return int(v) }
	info := CommunityRunInfo{
		RunID: str("id"), Algorithm: CommunityAlgorithm(str("algorithm")), Partner: str("partner"), Status: str("status"),
		Scope: AnalysisScope{Kind: ScopeKind(str("scopeKind")), Hops: num("hops")},
		Count: num("count"), Matching: num("matching"), Stored: num("stored"), MinSize: num("minSize"),
		Nodes: num("nodes"), Relationships: num("relationships"),
		Elapsed: time.Duration(num("elapsedMs")) * time.Millisecond,
	}
	info.Modularity, _ = props["modularity"].(float64)
	if t, ok := props["createdAt"].(time.Time); ok {
		info.CreatedAt = t.UTC()
	}
	if ids, ok := props["scopeIds"].([]any); ok {
		for _, id := range ids {
			if s, ok := id.(string); ok {
				info.Scope.IDs = append(info.Scope.IDs, s)
			}
		}
	}
	return info
}

// runVisible is the predicate that the reader may see run r: every run for the whole-graph
// scope, a partner's own runs for a partner.
const runVisible = `($partner IS NULL OR r.partner = $partner)`

// MaxCommunityRuns bounds one page of ListCommunityRuns.
const MaxCommunityRuns = 100

// ListCommunityRuns lists the stored runs the reader may see, newest first: first of them
// (default 20, at most MaxCommunityRuns) after the run whose id is after ("" for the newest).
// It returns EINVALID for a bad first and ENOTFOUND for an unknown after.
func (s *Store) ListCommunityRuns(ctx context.Context, scope Scope, first int, after string) ([]CommunityRunInfo, error) {
	first, err := pageSize(first, 20, MaxCommunityRuns, "first")
	if err != nil {
		return nil, err
	}
	params := map[string]any{"partner": nil, "first": first, "after": after}
	if !scope.All() {
		params["partner"] = scope.Partner
	}
	res, err := s.read(ctx, "list community runs", func(tx neo4j.ManagedTransaction) (any, error) {
		cursor := ""
		if after != "" {
			r, err := tx.Run(ctx, `MATCH (r:CommunityRun {id: $after}) WHERE `+runVisible+` RETURN r.createdAt AS at`, params)
			if err != nil {
				return nil, err
			}
			if _, err := r.Single(ctx); err != nil {
				return nil, Errorf(ENOTFOUND, "after: no community run %s", after)
			}
			cursor = ` AND (r.createdAt < c.createdAt OR (r.createdAt = c.createdAt AND r.id < c.id))`
		}
		q := `MATCH (r:CommunityRun) WHERE ` + runVisible + ` RETURN properties(r) AS run ORDER BY r.createdAt DESC, r.id DESC LIMIT $first`
		if cursor != "" {
			q = `MATCH (c:CommunityRun {id: $after}) MATCH (r:CommunityRun) WHERE ` + runVisible + cursor +
				` RETURN properties(r) AS run ORDER BY r.createdAt DESC, r.id DESC LIMIT $first`
		}
		r, err := tx.Run(ctx, q, params)
		if err != nil {
			return nil, err
		}
		var runs []CommunityRunInfo
		for r.Next(ctx) {
			props, _, err := neo4j.GetRecordValue[map[string]any](r.Record(), "run")
			if err != nil {
				return nil, err
			}
			runs = append(runs, runInfo(props))
		}
		return runs, r.Err()
	})
	if err != nil {
		return nil, err
	}
	runs, _ := res.([]CommunityRunInfo)
	return runs, nil
}

// CommunityRun reads a stored run: its top largest communities (default 50, at most 500) with
// up to members members each (default 50, at most 1000), as they were when the run was
// stored (members that were deleted since are gone). It returns ENOTFOUND for a run that does
// not exist or that the reader may not see, and EINVALID for bad limits.
func (s *Store) CommunityRun(ctx context.Context, scope Scope, runID string, top, members int) (CommunityResult, error) {
	top, err := pageSize(top, DefaultCommunityTop, MaxCommunityTop, "top")
	if err != nil {
		return CommunityResult{}, err
	}
	if members, err = pageSize(members, DefaultCommunityMembers, MaxCommunityMembers, "membersPerCommunity"); err != nil {
		return CommunityResult{}, err
	}
	params := map[string]any{"partner": nil, "run": runID, "top": top, "members": members}
	if !scope.All() {
		params["partner"] = scope.Partner
	}
	res, err := s.read(ctx, "read a community run", func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, `MATCH (r:CommunityRun {id: $run}) WHERE `+runVisible+` RETURN properties(r) AS run`, params)
		if err != nil {
			return nil, err
		}
		rec, err := r.Single(ctx)
		if err != nil {
			return nil, Errorf(ENOTFOUND, "no community run %s", runID)
		}
		props, _, err := neo4j.GetRecordValue[map[string]any](rec, "run")
		if err != nil {
			return nil, err
		}
		out := CommunityResult{CommunityRunInfo: runInfo(props)}
		r, err = tx.Run(ctx, `MATCH (k:Community {runId: $run}) WHERE k.communityId <= $top
WITH k ORDER BY k.communityId
CALL (k) {
  MATCH (m)-[:IN_COMMUNITY]->(k)
  WITH m, COUNT { (m)-[:`+analysisLinkTypes(true)+`]-() } AS degree
  ORDER BY degree DESC, m.id LIMIT $members
  RETURN collect(m) AS members
}
RETURN k.communityId AS id, k.size AS size, k.summary AS summary, members`, params)
		if err != nil {
			return nil, err
		}
		for r.Next(ctx) {
			c, err := storedCommunity(r.Record())
			if err != nil {
				return nil, err
			}
			out.Communities = append(out.Communities, c)
		}
		return out, r.Err()
	})
	if err != nil {
		return CommunityResult{}, err
	}
	return res.(CommunityResult), nil
}

// storedCommunity decodes a stored Community with its members.
func storedCommunity(rec *neo4j.Record) (Community, error) {
	id, _, err := neo4j.GetRecordValue[int64](rec, "id")
	if err != nil {
		return Community{}, err
	}
	size, _, err := neo4j.GetRecordValue[int64](rec, "size")
	if err != nil {
		return Community{}, err
	}
	c := Community{ID: id, Size: int(size)}
	if c.Members, err = memberViews(rec); err != nil {
		return Community{}, err
	}
	if text, isNil, err := neo4j.GetRecordValue[string](rec, "summary"); err == nil && !isNil {
		var sum communitySummary
		if err := json.Unmarshal([]byte(text), &sum); err != nil {
			return Community{}, fmt.Errorf("community %d summary: %w", id, err)
		}
		c.FlowIn, c.FlowOut, c.Internal = sum.FlowIn, sum.FlowOut, sum.Internal
		c.Flows, c.Countries, c.RiskShare = sum.Flows, sum.Countries, sum.RiskShare
	}
	return c, nil
}

// DeleteCommunityRun deletes a stored run with its communities and membership. Deleting is
// idempotent: it reports whether there was anything to delete. A partner may delete only its
// own runs (another's is reported as absent).
func (s *Store) DeleteCommunityRun(ctx context.Context, scope Scope, runID string) (bool, error) {
	if !scope.All() {
		res, err := s.read(ctx, "read a community run", func(tx neo4j.ManagedTransaction) (any, error) {
			r, err := tx.Run(ctx, `MATCH (r:CommunityRun {id: $run}) RETURN r.partner AS partner`, map[string]any{"run": runID})
			if err != nil {
				return nil, err
			}
			recs, err := r.Collect(ctx)
			if err != nil || len(recs) == 0 {
				return "", err
			}
			p, _, _ := neo4j.GetRecordValue[string](recs[0], "partner")
			return p, nil
		})
		if err != nil {
			return false, err
		}
		if p, _ := res.(string); p != scope.Partner {
			return false, nil
		}
	}
	return s.deleteRun(ctx, runID)
}

// deleteRun removes a run's membership in batches (a community may have millions of members),
// then its communities and the run.
func (s *Store) deleteRun(ctx context.Context, runID string) (bool, error) {
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.db})
	defer sess.Close(context.WithoutCancel(ctx))
	var deleted int64
	for _, q := range []string{
		`MATCH (:Community {runId: $run})<-[i:IN_COMMUNITY]-()
CALL (i) { DELETE i } IN TRANSACTIONS OF 10000 ROWS
RETURN count(*) AS n`,
		`MATCH (k:Community {runId: $run})
CALL (k) { DETACH DELETE k } IN TRANSACTIONS OF 10000 ROWS
RETURN count(*) AS n`,
		`MATCH (r:CommunityRun {id: $run}) DETACH DELETE r RETURN count(*) AS n`,
	} {
		res, err := sess.Run(ctx, q, map[string]any{"run": runID}, neo4j.WithTxTimeout(analyticsTimeout))
		if err != nil {
			return false, translate("delete a community run", err)
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return false, translate("delete a community run", err)
		}
		n, _, _ := neo4j.GetRecordValue[int64](rec, "n")
		deleted += n
	}
	return deleted > 0, nil
}
