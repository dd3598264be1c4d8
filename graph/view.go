package graph

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"
)

// What readers see of the graph: the investigation queries (search, neighbourhoods, paths,
// communities) return nodes and relationships in these shapes, and the API draws them as they
// are. Internal properties (provenance bookkeeping and ground-truth labels) are left out.

// Scope limits what a reader may see. The zero Scope sees everything (admins, analysts); a
// partner's Scope sees only what that partner contributed: nodes with provenance from one of its
// sources, and relationships whose provenance (or whose transaction's) names one of them.
type Scope struct {
	Partner string // "" for all
}

// All reports whether the scope sees the whole graph.
func (s Scope) All() bool { return s.Partner == "" }

// NodeView is one node as a reader sees it.
type NodeView struct {
	ID      string
	Label   Label
	Caption string         // a short name to draw: name, username, number, value, or the id
	Props   map[string]any // the node's own properties, internal ones left out
}

// EdgeView is one relationship as a reader sees it. ID is stable across requests: type, ends
// and key, so a client can merge what it fetched before.
type EdgeView struct {
	ID    string
	Type  RelType
	From  string
	To    string
	Props map[string]any
}

// Subgraph is nodes and the relationships between them.
type Subgraph struct {
	Nodes []NodeView
	Edges []EdgeView
}

// internalProp reports whether a property is bookkeeping no reader should see as data:
// provenance kept on nodes and relationships (shown through the provenance queries instead),
// resolution's bookkeeping, and
// ground truth from labelled data sets (gt*), which only evaluations read.
func internalProp(k string) bool {
	switch k {
	case "sources", "refs", "key", "flowPending", "resolveFingerprint":
		return true
	}
	return len(k) > 2 && strings.HasPrefix(k, "gt") && k[2] >= 'A' && k[2] <= 'Z'
}

// publicProps copies props without internal ones, with Neo4j temporal values as time.Time.
func publicProps(props map[string]any) map[string]any {
	out := make(map[string]any, len(props))
	for k, v := range props {
		if internalProp(k) {
			continue
		}
		out[k] = plainValue(v)
	}
	return out
}

// plainValue turns driver values into plain Go values (times as time.Time in UTC).
func plainValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case dbtype.LocalDateTime:
		return time.Time(x).UTC()
	case dbtype.Date:
		return time.Time(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plainValue(e)
		}
		return out
	}
	return v
}

// captionKeys are the properties tried, in order, for a node's caption.
var captionKeys = []string{"name", "displayName", "username", "number", "iban", "accountNumber", "value", "address", "transactionId", "reportId"}

// nodeView builds the view of a driver node. Nodes without an Entity label (Source, internal
// bookkeeping) still get a view with their first label.
func nodeView(n neo4j.Node) NodeView {
	id, _ := n.Props["id"].(string)
	v := NodeView{ID: id, Props: publicProps(n.Props)}
	delete(v.Props, "id")
	labels := append([]string(nil), n.Labels...)
	sort.Strings(labels)
	for _, l := range labels {
		if l != "Entity" && Label(l).Valid() {
			v.Label = Label(l)
			break
		}
	}
	if v.Label == "" && len(labels) > 0 {
		v.Label = Label(labels[0])
	}
	v.Caption = caption(v.Props, id)
	return v
}

func caption(props map[string]any, id string) string {
	for _, k := range captionKeys {
		if s, ok := props[k].(string); ok && strings.TrimSpace(s) != "" {
			return s
		}
	}
	return id
}

// edgeView builds the view of a driver relationship between nodes with ids from and to.
func edgeView(r neo4j.Relationship, from, to string) EdgeView {
	key, _ := r.Props["key"].(string)
	if c, ok := r.Props["currency"].(string); ok && r.Type == string(RelFlow) && key == "" {
		key = c // one FLOW per currency
	}
	return EdgeView{
		ID:    EdgeID(RelType(r.Type), from, to, key),
		Type:  RelType(r.Type),
		From:  from,
		To:    to,
		Props: publicProps(r.Props),
	}
}

// EdgeID is the stable id of a relationship: type, ends and key.
func EdgeID(t RelType, from, to, key string) string {
	id := string(t) + ":" + from + "->" + to
	if key != "" {
		id += "#" + key
	}
	return id
}

// scopeNodePredicate is a Cypher predicate on node variable v that holds when $partner is null
// (the whole graph) or v has provenance from a source of that partner: a SOURCED_FROM to one of
// its sources, or (transactions) one of its source ids in v.sources. Queries using it pass
// $partner and $partnerSources (the partner's source ids; see Store.partnerSources).
func scopeNodePredicate(v string) string {
	return `($partner IS NULL OR EXISTS { MATCH (` + v + `)-[:SOURCED_FROM]->(ps:Source) WHERE ps.partner = $partner } OR any(x IN coalesce(` + v + `.sources, []) WHERE x IN $partnerSources))`
}

// scopeEdgePredicate is the same for relationship variable r: its own sources, or (SENT and TO
// written with their transaction, which carry none) the transaction's, at tx. FLOW aggregates
// every source's transactions and is not shown to partners.
func scopeEdgePredicate(r string) string {
	return `($partner IS NULL OR (type(` + r + `) <> 'FLOW' AND (any(x IN coalesce(` + r + `.sources, []) WHERE x IN $partnerSources) OR ` +
		`(` + r + `.sources IS NULL AND any(x IN coalesce(CASE type(` + r + `) WHEN 'SENT' THEN endNode(` + r + `).sources WHEN 'TO' THEN startNode(` + r + `).sources END, []) WHERE x IN $partnerSources)))))`
}

// readTimeout bounds one read transaction on the server as well (Neo4j's transaction timeout),
// so that a request abandoned by its client does not keep Neo4j busy.
const readTimeout = 30 * time.Second

// read runs work in a read transaction (ExecuteRead: retried on transient errors) with a
// server-side timeout, and translates errors for op.
func (s *Store) read(ctx context.Context, op string, work func(tx neo4j.ManagedTransaction) (any, error)) (any, error) {
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.db, AccessMode: neo4j.AccessModeRead})
	defer sess.Close(ctx)
	timeout := readTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, max(time.Until(dl), time.Second))
	}
	res, err := sess.ExecuteRead(ctx, work, neo4j.WithTxTimeout(timeout))
	if err != nil {
		return nil, translate(op, err)
	}
	return res, nil
}

// scopeParams returns the parameters scopeNodePredicate and scopeEdgePredicate read: the
// partner (nil for the whole graph) and its source ids.
func (s *Store) scopeParams(ctx context.Context, scope Scope) (map[string]any, error) {
	if scope.All() {
		return map[string]any{"partner": nil, "partnerSources": []string{}}, nil
	}
	res, err := s.read(ctx, "read the partner's sources", func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, `MATCH (s:Source {partner: $partner}) RETURN collect(s.id) AS ids`, map[string]any{"partner": scope.Partner})
		if err != nil {
			return nil, err
		}
		rec, err := r.Single(ctx)
		if err != nil {
			return nil, err
		}
		ids, _, err := neo4j.GetRecordValue[[]any](rec, "ids")
		return ids, err
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"partner": scope.Partner, "partnerSources": res}, nil
}
