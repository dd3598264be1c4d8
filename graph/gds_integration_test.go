package graph_test

// Integration tests proving that the Graph Data Science procedures Crosslink relies on are
// installed in the test Neo4j, run, and give the answer worked out by hand on a small graph.
// They need the test Neo4j (see package graphtest); each test builds its own nodes under a
// random label and removes them, with its projections, when it ends.

import (
	"context"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph/graphtest"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// The test graph: two clusters, A (a1..a5) and B (b1..b5), each a complete graph on five nodes
// whose LINK relationships point from the lower to the higher number; one bridge a5->b1; and a
// pair p1->p2 unconnected to the rest. Within a cluster the weights w make the chain
// x1->x2->x3->x4->x5 (cost 16) the cheapest route from x1 to x5, with every other route at a
// different cost:
//
//	x1-x2-x3-x4-x5 16   x1-x3-x4-x5 18   x1-x2-x3-x5 22   x1-x3-x5 24
//	x1-x2-x4-x5    25   x1-x4-x5    32   x1-x2-x5    44   x1-x5    80
var clusterWeights = map[[2]int]float64{
	{1, 2}: 4, {2, 3}: 4, {3, 4}: 4, {4, 5}: 4,
	{1, 3}: 10, {3, 5}: 14, {2, 4}: 17, {1, 4}: 28, {2, 5}: 40, {1, 5}: 80,
}

const bridgeWeight = 4

var (
	clusterA = []string{"a1", "a2", "a3", "a4", "a5"}
	clusterB = []string{"b1", "b2", "b3", "b4", "b5"}
	pair     = []string{"p1", "p2"}
)

// safeLabel is what a label formatted into Cypher text must look like.
var safeLabel = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// gdsGraph is the test graph in Neo4j and its two GDS projections.
type gdsGraph struct {
	drv        neo4j.DriverWithContext
	db         string
	label      string // unique to the test; checked against safeLabel
	undirected string // projection: all LINKs as undirected, unweighted
	weighted   string // projection: LINKs in their stored direction, with property w
}

// newGDSGraph creates the test graph and both projections, and removes them when t ends.
func newGDSGraph(t *testing.T) *gdsGraph {
	t.Helper()
	store := graphtest.Open(t)
	prefix := graphtest.Prefix(t)
	g := &gdsGraph{
		drv:        store.Driver(),
		db:         store.Database(),
		label:      "T" + prefix,
		undirected: prefix + "_undirected",
		weighted:   prefix + "_weighted",
	}
	if !safeLabel.MatchString(g.label) {
		t.Fatalf("label %q is not safe to put in Cypher", g.label)
	}

	// Cleanups run last-in first-out: projections are dropped before the nodes are deleted.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := neo4j.ExecuteQuery(ctx, g.drv, g.withLabel("MATCH (n:{{label}}) DETACH DELETE n"), nil, neo4j.EagerResultTransformer,
			neo4j.ExecuteQueryWithDatabase(g.db)); err != nil {
			t.Errorf("delete test nodes: %v", err)
		}
	})
	for _, name := range []string{g.undirected, g.weighted} {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := neo4j.ExecuteQuery(ctx, g.drv, "CALL gds.graph.drop($name, false) YIELD graphName RETURN graphName",
				map[string]any{"name": name}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(g.db)); err != nil {
				t.Errorf("drop projection %s: %v", name, err)
			}
		})
	}

	var names []string
	var edges []map[string]any
	link := func(from, to string, w float64) {
		edges = append(edges, map[string]any{"from": from, "to": to, "w": w})
	}
	for _, cluster := range [][]string{clusterA, clusterB} {
		names = append(names, cluster...)
		for ij, w := range clusterWeights {
			link(cluster[ij[0]-1], cluster[ij[1]-1], w)
		}
	}
	link("a5", "b1", bridgeWeight)
	names = append(names, pair...)
	link("p1", "p2", 1)

	g.run(t, g.withLabel("UNWIND $names AS name CREATE (:{{label}} {name: name})"),
		map[string]any{"names": names})
	g.run(t, g.withLabel(`UNWIND $edges AS e
		MATCH (a:{{label}} {name: e.from}), (b:{{label}} {name: e.to})
		CREATE (a)-[:LINK {w: e.w}]->(b)`),
		map[string]any{"edges": edges})

	for _, p := range []struct {
		name     string
		rels     map[string]any
		wantRels int64
	}{
		{g.undirected, map[string]any{"LINK": map[string]any{"orientation": "UNDIRECTED"}}, 2 * int64(len(edges))},
		{g.weighted, map[string]any{"LINK": map[string]any{"orientation": "NATURAL", "properties": "w"}}, int64(len(edges))},
	} {
		recs := g.run(t, `CALL gds.graph.project($name, $label, $rels)
			YIELD nodeCount, relationshipCount RETURN nodeCount, relationshipCount`,
			map[string]any{"name": p.name, "label": g.label, "rels": p.rels})
		nodes, rels := value[int64](t, recs[0], "nodeCount"), value[int64](t, recs[0], "relationshipCount")
		if nodes != int64(len(names)) || rels != p.wantRels {
			t.Fatalf("projection %s has %d nodes and %d relationships, want %d and %d",
				p.name, nodes, rels, len(names), p.wantRels)
		}
	}
	return g
}

// run executes one statement, with the test's label already in its text, and fails t on error.
func (g *gdsGraph) run(t *testing.T, query string, params map[string]any) []*neo4j.Record {
	t.Helper()
	res, err := neo4j.ExecuteQuery(t.Context(), g.drv, query, params, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase(g.db))
	if err != nil {
		t.Fatalf("query failed: %v\n%s", err, query)
	}
	return res.Records
}

// withLabel puts the test's label, quoted, where query says {{label}}. Labels cannot be
// parameters; this one is random and checked against safeLabel.
func (g *gdsGraph) withLabel(query string) string {
	return strings.ReplaceAll(query, "{{label}}", "`"+g.label+"`")
}

// value decodes one column of rec, failing t when it is missing, null or of another type.
func value[T neo4j.RecordValue](t *testing.T, rec *neo4j.Record, key string) T {
	t.Helper()
	v, isNil, err := neo4j.GetRecordValue[T](rec, key)
	if err != nil || isNil {
		t.Fatalf("column %s: value %v (null %t): %v", key, v, isNil, err)
	}
	return v
}

// list decodes a list column whose elements are all of type T.
func list[T any](t *testing.T, rec *neo4j.Record, key string) []T {
	t.Helper()
	raw := value[[]any](t, rec, key)
	out := make([]T, len(raw))
	for i, e := range raw {
		v, ok := e.(T)
		if !ok {
			t.Fatalf("column %s[%d]: %v is %T, want %T", key, i, e, e, v)
		}
		out[i] = v
	}
	return out
}

// groups reads rows of (name, id) into a map from node name to group id.
func groups(t *testing.T, recs []*neo4j.Record) map[string]int64 {
	t.Helper()
	got := make(map[string]int64, len(recs))
	for _, r := range recs {
		got[value[string](t, r, "name")] = value[int64](t, r, "id")
	}
	return got
}

// checkPartition fails t unless got puts the nodes of each part in one group and no two parts in
// the same group, and names exactly the nodes of the parts.
func checkPartition(t *testing.T, got map[string]int64, want ...[]string) {
	t.Helper()
	n := 0
	seen := map[int64]int{} // group id -> index of the part that has it
	for i, part := range want {
		n += len(part)
		id, ok := got[part[0]]
		if !ok {
			t.Fatalf("no group for %s in %v", part[0], got)
		}
		for _, name := range part[1:] {
			if got[name] != id {
				t.Errorf("%s is in group %d and %s in group %d, want the same (got %v)", part[0], id, name, got[name], got)
			}
		}
		if j, dup := seen[id]; dup {
			t.Errorf("%s and %s share group %d, want different groups (got %v)", want[j][0], part[0], id, got)
		}
		seen[id] = i
	}
	if len(got) != n {
		t.Errorf("got groups for %d nodes, want %d: %v", len(got), n, got)
	}
}

func concat(parts ...[]string) []string { return slices.Concat(parts...) }

func TestGDSVersions(t *testing.T) {
	store := graphtest.Open(t)
	res, err := neo4j.ExecuteQuery(t.Context(), store.Driver(), "RETURN gds.version() AS gds, apoc.version() AS apoc",
		nil, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(store.Database()))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"gds": "2.13", "apoc": "5.26"} {
		if got := value[string](t, res.Records[0], key); !strings.HasPrefix(got, want) {
			t.Errorf("%s.version() = %q, want %s.x", key, got, want)
		}
	}
}

func TestGDSAlgorithms(t *testing.T) {
	g := newGDSGraph(t)
	params := func(kv ...any) map[string]any {
		m := map[string]any{"graph": g.undirected}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}

	t.Run("communities", func(t *testing.T) {
		for _, tt := range []struct {
			name  string
			query string
		}{
			{"louvain", `CALL gds.louvain.stream($graph) YIELD nodeId, communityId
				RETURN gds.util.asNode(nodeId).name AS name, communityId AS id`},
			{"leiden", `CALL gds.leiden.stream($graph, {randomSeed: 42, concurrency: 1}) YIELD nodeId, communityId
				RETURN gds.util.asNode(nodeId).name AS name, communityId AS id`},
		} {
			t.Run(tt.name, func(t *testing.T) {
				checkPartition(t, groups(t, g.run(t, tt.query, params())), clusterA, clusterB, pair)
			})
		}
	})

	t.Run("wcc", func(t *testing.T) {
		got := groups(t, g.run(t, `CALL gds.wcc.stream($graph) YIELD nodeId, componentId
			RETURN gds.util.asNode(nodeId).name AS name, componentId AS id`, params()))
		checkPartition(t, got, concat(clusterA, clusterB), pair)
	})

	// In both centralities the bridge endpoints a5 and b1 score alike and strictly above every
	// other node. PageRank: they alone have degree 5 (with GDS's defaults they score ~1.12, the
	// pair ~0.96, the rest ~0.92). Betweenness: every shortest path between the clusters runs
	// through both, so they score 20 (4 x 5 pairs each) and every other node 0.
	t.Run("centrality", func(t *testing.T) {
		for _, tt := range []struct {
			name  string
			query string
		}{
			{"pageRank", `CALL gds.pageRank.stream($graph) YIELD nodeId, score
				RETURN gds.util.asNode(nodeId).name AS name, score`},
			{"betweenness", `CALL gds.betweenness.stream($graph) YIELD nodeId, score
				RETURN gds.util.asNode(nodeId).name AS name, score`},
		} {
			t.Run(tt.name, func(t *testing.T) {
				recs := g.run(t, tt.query, params())
				type scored struct {
					name  string
					score float64
				}
				var got []scored
				for _, r := range recs {
					got = append(got, scored{value[string](t, r, "name"), value[float64](t, r, "score")})
				}
				sort.SliceStable(got, func(i, j int) bool { return got[i].score > got[j].score })
				if len(got) != 12 {
					t.Fatalf("got %d scores, want 12: %v", len(got), got)
				}
				top := []string{got[0].name, got[1].name}
				slices.Sort(top)
				if !slices.Equal(top, []string{"a5", "b1"}) || got[1].score <= got[2].score {
					t.Errorf("ranking %v, want a5 and b1 first and strictly above the rest", got)
				}
			})
		}
	})

	t.Run("dijkstra", func(t *testing.T) {
		for _, tt := range []struct {
			name     string
			weight   string // relationshipWeightProperty, or "" for unweighted (each hop costs 1)
			wantPath []string
			wantCost float64
		}{
			// The chains in both clusters plus the bridge: 16 + 4 + 16.
			{"weighted", "w", concat(clusterA, clusterB), 36},
			// Fewest hops: a1->a5, the bridge, b1->b5.
			{"unweighted", "", []string{"a1", "a5", "b1", "b5"}, 3},
		} {
			t.Run(tt.name, func(t *testing.T) {
				config := map[string]any{}
				if tt.weight != "" {
					config["relationshipWeightProperty"] = tt.weight
				}
				recs := g.run(t, g.withLabel(`MATCH (s:{{label}} {name: $from}), (d:{{label}} {name: $to})
					WITH s, d, $config AS config
					CALL gds.shortestPath.dijkstra.stream($graph, config {.*, sourceNode: s, targetNode: d})
					YIELD totalCost, nodeIds
					RETURN totalCost, [id IN nodeIds | gds.util.asNode(id).name] AS names`),
					map[string]any{"graph": g.weighted, "from": "a1", "to": "b5", "config": config})
				if len(recs) != 1 {
					t.Fatalf("got %d paths, want 1", len(recs))
				}
				path, cost := list[string](t, recs[0], "names"), value[float64](t, recs[0], "totalCost")
				if !slices.Equal(path, tt.wantPath) || cost != tt.wantCost {
					t.Errorf("path %v cost %v, want %v cost %v", path, cost, tt.wantPath, tt.wantCost)
				}
			})
		}
	})

	t.Run("yens", func(t *testing.T) {
		recs := g.run(t, g.withLabel(`MATCH (s:{{label}} {name: 'a1'}), (d:{{label}} {name: 'a5'})
			CALL gds.shortestPath.yens.stream($graph, {sourceNode: s, targetNode: d, k: 3, relationshipWeightProperty: 'w'})
			YIELD index, totalCost, nodeIds, costs
			RETURN index, totalCost, [id IN nodeIds | gds.util.asNode(id).name] AS names, costs
			ORDER BY index`), map[string]any{"graph": g.weighted})
		want := []struct {
			path  []string
			costs []float64 // cumulative, as GDS reports them
		}{
			{[]string{"a1", "a2", "a3", "a4", "a5"}, []float64{0, 4, 8, 12, 16}},
			{[]string{"a1", "a3", "a4", "a5"}, []float64{0, 10, 14, 18}},
			{[]string{"a1", "a2", "a3", "a5"}, []float64{0, 4, 8, 22}},
		}
		if len(recs) != len(want) {
			t.Fatalf("got %d paths, want %d", len(recs), len(want))
		}
		for i, r := range recs {
			path, costs, total := list[string](t, r, "names"), list[float64](t, r, "costs"), value[float64](t, r, "totalCost")
			w := want[i]
			if !slices.Equal(path, w.path) || !slices.Equal(costs, w.costs) || total != w.costs[len(w.costs)-1] {
				t.Errorf("path %d: %v costs %v total %v, want %v costs %v total %v",
					i, path, costs, total, w.path, w.costs, w.costs[len(w.costs)-1])
			}
		}
	})

	t.Run("bfs", func(t *testing.T) {
		for _, tt := range []struct {
			name     string
			source   string
			maxDepth int64 // -1: no limit
			want     []string
		}{
			{"bridge endpoint one hop", "a5", 1, []string{"a1", "a2", "a3", "a4", "a5", "b1"}},
			{"whole component", "a1", -1, concat(clusterA, clusterB)},
			{"against stored direction", "p2", -1, pair},
		} {
			t.Run(tt.name, func(t *testing.T) {
				recs := g.run(t, g.withLabel(`MATCH (s:{{label}} {name: $source})
					CALL gds.bfs.stream($graph, {sourceNode: s, maxDepth: $maxDepth}) YIELD nodeIds
					RETURN [id IN nodeIds | gds.util.asNode(id).name] AS names`),
					params("source", tt.source, "maxDepth", tt.maxDepth))
				if len(recs) != 1 {
					t.Fatalf("got %d rows, want 1", len(recs))
				}
				got := list[string](t, recs[0], "names")
				if len(got) == 0 || got[0] != tt.source {
					t.Fatalf("visit order %v does not start at %s", got, tt.source)
				}
				slices.Sort(got)
				if !slices.Equal(got, tt.want) {
					t.Errorf("visited %v, want %v", got, tt.want)
				}
			})
		}
	})

	// Write mode goes through the opengds extension's write services: a packaging fault there
	// shows up here and nowhere else.
	t.Run("wcc write", func(t *testing.T) {
		recs := g.run(t, `CALL gds.wcc.write($graph, {writeProperty: 'component'})
			YIELD nodePropertiesWritten, componentCount RETURN nodePropertiesWritten, componentCount`, params())
		if written, count := value[int64](t, recs[0], "nodePropertiesWritten"), value[int64](t, recs[0], "componentCount"); written != 12 || count != 2 {
			t.Errorf("wrote %d properties in %d components, want 12 in 2", written, count)
		}
		got := groups(t, g.run(t, g.withLabel("MATCH (n:{{label}}) RETURN n.name AS name, n.component AS id"), nil))
		checkPartition(t, got, concat(clusterA, clusterB), pair)
	})

	t.Run("louvain mutate", func(t *testing.T) {
		recs := g.run(t, `CALL gds.louvain.mutate($graph, {mutateProperty: 'community'})
			YIELD nodePropertiesWritten, communityCount RETURN nodePropertiesWritten, communityCount`, params())
		if written, count := value[int64](t, recs[0], "nodePropertiesWritten"), value[int64](t, recs[0], "communityCount"); written != 12 || count != 3 {
			t.Errorf("wrote %d properties in %d communities, want 12 in 3", written, count)
		}
		got := groups(t, g.run(t, `CALL gds.graph.nodeProperty.stream($graph, 'community') YIELD nodeId, propertyValue
			RETURN gds.util.asNode(nodeId).name AS name, propertyValue AS id`, params()))
		checkPartition(t, got, clusterA, clusterB, pair)
	})
}
