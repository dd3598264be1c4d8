package graph

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Provenance is what one Source says about an entity: "who says so?".
type Provenance struct {
	SourceID string
	Partner  string
	Dataset  string
	File     string
	// Properties are the names of the properties this source asserted. For a transaction,
	// whose provenance is kept on the node, they are all its properties.
	Properties []string
	// Values are the values this source gave them, as it last wrote them; nil for a
	// transaction (the node holds one set of values).
	Values    map[string]any
	Refs      []string  // where in the source: "line 12 record tx-9" (the first few)
	FirstSeen time.Time // zero when the source did not say when
	LastSeen  time.Time
}

// EntityDetail is an entity with its provenance, identifiers and degree.
type EntityDetail struct {
	Node       NodeView
	Provenance []Provenance // one per source, by partner, dataset and file
	// Identifiers are the shared identifiers (Email, Phone, Device, IPAddress, Handle,
	// FileHash, Address) the entity links to directly, by label and id, at most maxIdentifiers.
	Identifiers []NodeView
	// Degree counts the entity's relationships by type (both directions); types without any
	// are left out.
	Degree map[RelType]int
}

const (
	maxIdentifiers = 100  // identifiers in an EntityDetail
	maxNodesBatch  = 1000 // ids in one Nodes call
)

// identifierLabels are the labels EntityDetail.Identifiers holds.
var identifierLabels = []string{
	string(LabelEmail), string(LabelPhone), string(LabelDevice), string(LabelIPAddress),
	string(LabelHandle), string(LabelFileHash), string(LabelAddress),
}

// degreeTypes are the relationship types Degree counts: every type a batch writes, and FLOW.
var degreeTypes = append(append([]RelType(nil), RelTypes...), RelFlow)

// Entity returns an entity by id with its provenance (each source's assertions), the
// identifiers it links to and its degree by relationship type. In a partner's scope only what
// the partner contributed is shown. It returns ENOTFOUND when there is no such entity or it is
// outside the scope (the two are not told apart), EINVALID for an empty id.
func (s *Store) Entity(ctx context.Context, scope Scope, id string) (EntityDetail, error) {
	if strings.TrimSpace(id) == "" {
		return EntityDetail{}, Errorf(EINVALID, "id is empty")
	}
	sp, err := s.scopeParams(ctx, scope)
	if err != nil {
		return EntityDetail{}, err
	}
	params := withParams(sp, map[string]any{"id": id, "identifierLabels": identifierLabels, "maxIdentifiers": maxIdentifiers})
	res, err := s.read(ctx, "read entity", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, entityQuery(scope.All()), params)
	})
	if err != nil {
		return EntityDetail{}, err
	}
	recs := res.([]*neo4j.Record)
	if len(recs) == 0 {
		return EntityDetail{}, Errorf(ENOTFOUND, "entity %q not found", id)
	}
	rec := recs[0]
	get := func(k string) any { v, _ := rec.Get(k); return v }
	node, ok := asNodeView(get("n"))
	if !ok {
		return EntityDetail{}, Errorf(ENOTFOUND, "entity %q not found", id)
	}
	d := EntityDetail{Node: node, Provenance: []Provenance{}, Identifiers: []NodeView{}, Degree: map[RelType]int{}}

	seen := map[string]bool{}
	for _, v := range asList(get("prov")) {
		m, _ := v.(map[string]any)
		p := Provenance{
			SourceID: asString(m["id"]), Partner: asString(m["partner"]), Dataset: asString(m["dataset"]), File: asString(m["file"]),
			Properties: asStrings(m["properties"]), Refs: asStrings(m["refs"]),
			FirstSeen: asTime(m["firstSeen"]), LastSeen: asTime(m["lastSeen"]),
		}
		if raw := asString(m["values"]); raw != "" {
			if err := json.Unmarshal([]byte(raw), &p.Values); err != nil {
				return EntityDetail{}, translate("read entity", err)
			}
		}
		seen[p.SourceID] = true
		d.Provenance = append(d.Provenance, p)
	}
	// A transaction's provenance is on the node: its source ids and "<source id> <ref>" refs.
	refs := asStrings(get("refs"))
	for _, v := range asList(get("txSources")) {
		m, _ := v.(map[string]any)
		sid := asString(m["id"])
		if seen[sid] {
			continue
		}
		p := Provenance{
			SourceID: sid, Partner: asString(m["partner"]), Dataset: asString(m["dataset"]), File: asString(m["file"]),
			Properties: sortedKeys(node.Props), Refs: []string{},
			FirstSeen: asTime(get("firstSeen")), LastSeen: asTime(get("lastSeen")),
		}
		for _, r := range refs {
			if rest, ok := strings.CutPrefix(r, sid+" "); ok {
				p.Refs = append(p.Refs, rest)
			}
		}
		d.Provenance = append(d.Provenance, p)
	}
	sort.SliceStable(d.Provenance, func(i, j int) bool {
		a, b := d.Provenance[i], d.Provenance[j]
		if a.Partner != b.Partner {
			return a.Partner < b.Partner
		}
		if a.Dataset != b.Dataset {
			return a.Dataset < b.Dataset
		}
		return a.File < b.File
	})
	for _, v := range asList(get("identifiers")) {
		if n, ok := asNodeView(v); ok {
			d.Identifiers = append(d.Identifiers, n)
		}
	}
	for _, v := range asList(get("degree")) {
		m, _ := v.(map[string]any)
		if n := asInt64(m["n"]); n > 0 {
			d.Degree[RelType(asString(m["type"]))] = int(n)
		}
	}
	return d, nil
}

// entityQuery reads one entity: its SOURCED_FROM provenance (the scope's sources only), the
// Sources a transaction names, its identifiers and its degree per type (from the degree store
// for the whole graph, by scanning in a partner's scope). Relationship types in the text come
// from degreeTypes, the closed list.
func entityQuery(all bool) string {
	var degree string
	if all {
		parts := make([]string, len(degreeTypes))
		for i, t := range degreeTypes {
			parts[i] = "{type: '" + string(t) + "', n: COUNT { (n)-[:" + string(t) + "]-() }}"
		}
		degree = "[" + strings.Join(parts, ", ") + "]"
	} else {
		names := make([]string, len(degreeTypes))
		for i, t := range degreeTypes {
			names[i] = string(t)
		}
		degree = `COLLECT { MATCH (n)-[r:` + strings.Join(names, "|") + `]-() WHERE ` + scopeEdgePredicate("r") + `
            WITH type(r) AS type, count(*) AS c RETURN {type: type, n: c} }`
	}
	return `MATCH (n:Entity {id: $id})
WHERE ` + nodeScope(all, "n") + `
RETURN n, n.refs AS refs, n.firstSeen AS firstSeen, n.lastSeen AS lastSeen,
  COLLECT { MATCH (n)-[p:SOURCED_FROM]->(s:Source) WHERE $partner IS NULL OR s.partner = $partner
            RETURN {id: s.id, partner: s.partner, dataset: s.dataset, file: s.file, properties: p.properties,
                    values: p.values, refs: p.refs, firstSeen: p.firstSeen, lastSeen: p.lastSeen} } AS prov,
  COLLECT { UNWIND coalesce(n.sources, []) AS sid MATCH (s:Source {id: sid}) WHERE $partner IS NULL OR s.partner = $partner
            RETURN {id: s.id, partner: s.partner, dataset: s.dataset, file: s.file} } AS txSources,
  COLLECT { MATCH (n)-[r:USES_EMAIL|USES_PHONE|USES_DEVICE|LOGGED_IN_FROM|HAS_HANDLE|HAS_ADDRESS|MENTIONS|REPORTED_FILE]->(m)
            WHERE any(l IN labels(m) WHERE l IN $identifierLabels) AND ` + edgeScope(all, "r") + ` AND ` + nodeScope(all, "m") + `
            WITH DISTINCT m ORDER BY m.id LIMIT $maxIdentifiers RETURN m } AS identifiers,
  ` + degree + ` AS degree`
}

// Nodes returns the entities with the given ids that exist and are in scope, by id, in one
// query: what the API's per-request dataloader calls with the ids a response needs. Missing ids
// are absent from the map. It returns EINVALID naming `ids` for more than 1000 ids.
func (s *Store) Nodes(ctx context.Context, scope Scope, ids []string) (map[string]NodeView, error) {
	if len(ids) > maxNodesBatch {
		return nil, Errorf(EINVALID, "ids: at most %d ids at once, not %d", maxNodesBatch, len(ids))
	}
	out := make(map[string]NodeView, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	sp, err := s.scopeParams(ctx, scope)
	if err != nil {
		return nil, err
	}
	params := withParams(sp, map[string]any{"ids": ids})
	res, err := s.read(ctx, "read nodes", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `UNWIND $ids AS id
MATCH (n:Entity {id: id})
WHERE `+nodeScope(scope.All(), "n")+`
RETURN DISTINCT n`, params)
	})
	if err != nil {
		return nil, err
	}
	for _, rec := range res.([]*neo4j.Record) {
		if n, ok := asNodeView(rec.Values[0]); ok {
			out[n.ID] = n
		}
	}
	return out, nil
}
