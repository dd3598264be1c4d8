package graph

import (
	"context"
	"strconv"

	"github.com/crosslink/crosslink/graph/detect"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// detectCommunityFacts finds the communities of the cross-border money-flow graph with GDS for
// the network rules (DOMAIN.md D2.17: the bipartite sender-beneficiary graph): accounts and
// parties linked by the money they sent across a border (minor units summed over currencies;
// merchants left out, and domestic payments too, or ordinary traffic would join everyone into a
// few communities of hundreds), Louvain weighted by money for the communities and PageRank
// (directed, weighted) for each member's centrality. Communities of fewer than minSize members are not returned.
// The projection is dropped afterwards, also on error.
func (s *Store) detectCommunityFacts(ctx context.Context, minSize int) ([]detect.CommunityFact, error) {
	a, err := s.newAnalysis(ctx, Scope{}, AnalysisScope{Kind: ScopeMoneyFlow}, nil)
	if err != nil {
		return nil, err
	}
	p := &projection{name: "cx-detect-" + a.id}
	defer a.drop(p)
	params := map[string]any{"graph": p.name, "minSize": minSize, "concurrency": s.gdsConcurrency}
	recs, err := a.run(ctx, "project the money-flow graph for detection", `MATCH (a)-[:SENT]->(t:Transaction)-[:TO]->(b)
WHERE NOT b:Merchant
WITH a, b, t, coalesce(t.payerCountry, a.country) AS from, coalesce(t.payeeCountry, b.country) AS to
WHERE from IS NOT NULL AND to IS NOT NULL AND from <> to
WITH a, b, sum(t.amount) AS w
WITH gds.graph.project($graph, a, b, {relationshipProperties: {w: toFloat(w)}}, {}) AS g
RETURN g.nodeCount AS nodes`, params)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 { // no cross-border payments: GDS made no graph
		return nil, nil
	}
	// Louvain needs an undirected graph; GDS derives one from the directed projection.
	if _, err := a.run(ctx, "index the money-flow graph for detection", `CALL gds.graph.relationships.toUndirected($graph,
  {relationshipType: '__ALL__', mutateRelationshipType: 'U', concurrency: $concurrency}) YIELD relationshipsWritten
RETURN relationshipsWritten`, params); err != nil {
		return nil, err
	}
	if _, err := a.run(ctx, "find money-flow communities", `CALL gds.louvain.mutate($graph, {relationshipTypes: ['U'],
  relationshipWeightProperty: 'w', mutateProperty: 'community', concurrency: $concurrency}) YIELD communityCount
RETURN communityCount`, params); err != nil {
		return nil, err
	}
	if _, err := a.run(ctx, "rank money-flow members", `CALL gds.pageRank.mutate($graph, {relationshipTypes: ['__ALL__'],
  relationshipWeightProperty: 'w', mutateProperty: 'pagerank', concurrency: $concurrency}) YIELD nodePropertiesWritten
RETURN nodePropertiesWritten`, params); err != nil {
		return nil, err
	}
	recs, err = a.run(ctx, "read money-flow communities", `CALL gds.graph.nodeProperties.stream($graph, ['community', 'pagerank'])
YIELD nodeId, nodeProperty, propertyValue
WITH nodeId, collect([nodeProperty, propertyValue]) AS props
WITH nodeId, [p IN props WHERE p[0] = 'community'][0][1] AS community, [p IN props WHERE p[0] = 'pagerank'][0][1] AS rank
WITH community, collect({node: nodeId, rank: rank}) AS members
WHERE size(members) >= $minSize
UNWIND members AS m
RETURN community, gds.util.asNode(m.node).id AS id, m.rank AS rank`, params)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*detect.CommunityFact{}
	var out []*detect.CommunityFact
	for _, r := range recs {
		c, _, _ := neo4j.GetRecordValue[int64](r, "community")
		id, _, _ := neo4j.GetRecordValue[string](r, "id")
		rank, _, _ := neo4j.GetRecordValue[float64](r, "rank")
		f := byID[c]
		if f == nil {
			f = &detect.CommunityFact{ID: "louvain:" + strconv.FormatInt(c, 10), PageRank: map[string]float64{}}
			byID[c] = f
			out = append(out, f)
		}
		f.Members = append(f.Members, id)
		f.PageRank[id] = rank
	}
	res := make([]detect.CommunityFact, len(out))
	for i, f := range out {
		res[i] = *f
	}
	return res, nil
}
