package graph

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// CentralityAlgorithm is a centrality measure.
type CentralityAlgorithm string

// Centrality algorithms.
const (
	// PageRank: influence through links; on MONEY_FLOW directed and weighted by money moved,
	// so that accounts where money from many sources ends up rank high.
	PageRank CentralityAlgorithm = "PAGERANK"
	// Betweenness: how many shortest paths run through a node (brokers, facilitators, mules
	// between groups); unweighted, directed on MONEY_FLOW. Sampled on large graphs.
	Betweenness CentralityAlgorithm = "BETWEENNESS"
	// Degree: the number of distinct neighbours (counterparties on MONEY_FLOW), undirected.
	Degree CentralityAlgorithm = "DEGREE"
)

// Limits of a CentralityRequest, and betweenness sampling.
const (
	DefaultCentralityFirst = 50
	MaxCentralityFirst     = 500
	// BetweennessExactMax is the largest projection on which betweenness is exact. Above it,
	// betweenness is estimated from BetweennessSamples source nodes chosen with a fixed seed
	// (repeatable): exact betweenness costs a shortest-path search from every node.
	BetweennessExactMax = 5_000
	BetweennessSamples  = 1_000
)

// CentralityRequest asks for the most central nodes of a scope.
type CentralityRequest struct {
	Algorithm CentralityAlgorithm
	Scope     AnalysisScope
	First     int // how many nodes to rank (default 50, at most 500)
}

// CentralityResult is the most central nodes, most central first.
type CentralityResult struct {
	RunID         string
	Algorithm     CentralityAlgorithm
	Scope         AnalysisScope
	Ranked        []Ranked
	Nodes         int // nodes in the projection
	Relationships int // distinct links in the projection
	// SampleSize is the number of source nodes betweenness was estimated from; 0 when exact
	// (and for the other algorithms).
	SampleSize int
	Elapsed    time.Duration
}

// Ranked is one node and its score. Rank is its position (1 = most central); equal scores
// are ordered by id.
type Ranked struct {
	Node  NodeView
	Score float64
	Rank  int
}

// Centrality ranks the nodes of the scope's graph, as scope (the reader) sees it, by the
// algorithm. progress, when not nil, is told how far the run is (0..1). It returns EINVALID
// for a bad request (the message names the field), ENOTFOUND for unknown seed ids, and
// EUNAVAILABLE when canceled or Neo4j is unavailable.
func (s *Store) Centrality(ctx context.Context, scope Scope, req CentralityRequest, progress func(done float64)) (CentralityResult, error) {
	var procedure string
	switch req.Algorithm {
	case PageRank:
		procedure = "gds.pageRank.stream"
	case Betweenness:
		procedure = "gds.betweenness.stream"
	case Degree:
		procedure = "gds.degree.stream"
	default:
		return CentralityResult{}, Errorf(EINVALID, "algorithm: %q is not one of PAGERANK, BETWEENNESS, DEGREE", req.Algorithm)
	}
	first, err := pageSize(req.First, DefaultCentralityFirst, MaxCentralityFirst, "first")
	if err != nil {
		return CentralityResult{}, err
	}
	a, err := s.newAnalysis(ctx, scope, req.Scope, progress)
	if err != nil {
		return CentralityResult{}, err
	}
	start := time.Now()
	a.report(0.01)
	p, err := a.project(ctx, req.Algorithm != Degree)
	defer a.drop(p)
	if err != nil {
		return CentralityResult{}, err
	}
	a.report(0.2)
	res := CentralityResult{RunID: a.id, Algorithm: req.Algorithm, Scope: a.as, Nodes: p.nodes, Relationships: p.links}
	if p.nodes == 0 {
		res.Elapsed = time.Since(start)
		a.report(1)
		return res, nil
	}

	config := map[string]any{"jobId": "cx-" + a.id, "concurrency": a.s.gdsConcurrency}
	switch {
	case req.Algorithm == PageRank && p.weighted:
		config["relationshipWeightProperty"] = "w"
	case req.Algorithm == Betweenness && p.nodes > BetweennessExactMax:
		config["samplingSize"] = BetweennessSamples
		config["samplingSeed"] = 1
		res.SampleSize = BetweennessSamples
	}
	stop := a.watch(ctx, "cx-"+a.id, 0.2, 0.9)
	// The top of the stream is taken in Cypher: a whole graph's scores never leave Neo4j.
	recs, err := a.run(ctx, "rank nodes", `CALL `+procedure+`($graph, $config) YIELD nodeId, score
WITH nodeId, score ORDER BY score DESC LIMIT $window
WITH gds.util.asNode(nodeId) AS n, score
RETURN n, score ORDER BY score DESC, n.id LIMIT $first`,
		map[string]any{"graph": p.name, "config": config, "first": first, "window": first + rankTieWindow})
	stop()
	if err != nil {
		return CentralityResult{}, err
	}
	for i, r := range recs {
		n, _, err := neo4j.GetRecordValue[neo4j.Node](r, "n")
		if err != nil {
			return CentralityResult{}, &Error{Code: EINTERNAL, Err: fmt.Errorf("rank nodes: %w", err)}
		}
		score, _, err := neo4j.GetRecordValue[float64](r, "score")
		if err != nil {
			return CentralityResult{}, &Error{Code: EINTERNAL, Err: fmt.Errorf("rank nodes: %w", err)}
		}
		res.Ranked = append(res.Ranked, Ranked{Node: nodeView(n), Score: score, Rank: i + 1})
	}
	res.Elapsed = time.Since(start)
	a.report(1)
	return res, nil
}

// rankTieWindow is how many scores beyond the first are read, so that ties at the cut are
// broken by id rather than by the order GDS streams them in (mostly: a tie wider than this
// window is cut arbitrarily).
const rankTieWindow = 100
