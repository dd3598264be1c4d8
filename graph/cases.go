package graph

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Cases (migration 000011): an investigation's working file. A case groups entities and alerts,
// holds notes and saved graph views, and keeps a history of who did what:
//
//	(:Case {id, title, description, status, createdBy, createdAt, updatedAt})
//	(:Case)-[:CASE_ENTITY {by, at}]->(any Entity)      added once however often it is added
//	(:Case)-[:CASE_ALERT {by, at}]->(:Alert)           a NEW alert added goes IN_REVIEW
//	(:Case)-[:HAS_NOTE]->(:CaseNote {id, text, by, at})
//	(:Case)-[:HAS_VIEW]->(:CaseView {id, name, by, at, nodeIds, edgeIds, layout, filters})
//	(:Case)-[:HAS_EVENT]->(:CaseEvent {at, by, action, detail})

// Case statuses.
const (
	CaseOpen   = "OPEN"
	CaseClosed = "CLOSED"
)

// Bounds of cases.
const (
	maxCaseItems  = 1000      // entities or alerts added at once, node or edge ids in a view
	maxViewJSON   = 1_000_000 // layout or filters of a saved view, bytes
	maxCaseDetail = 300
)

// CaseView is a stored case with what it holds.
type CaseView struct {
	ID, Title, Description, Status string
	CreatedBy                      string
	CreatedAt, UpdatedAt           time.Time
	Entities                       []string
	Alerts                         []string
	Notes                          []CaseNote
	Views                          []SavedView
	Events                         []CaseEvent
}

// CaseNote is a note on a case.
type CaseNote struct {
	ID, Text, By string
	At           time.Time
}

// SavedView is a graph view saved on a case: what was on the canvas and how it was laid out.
type SavedView struct {
	ID, Name, By     string
	At               time.Time
	NodeIDs, EdgeIDs []string
	Layout, Filters  string // JSON
}

// CaseEvent is one entry of a case's history.
type CaseEvent struct {
	At                 time.Time
	By, Action, Detail string
}

func caseText(field, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case required && s == "":
		return "", Errorf(EINVALID, "%s: empty", field)
	case len(s) > max:
		return "", Errorf(EINVALID, "%s: longer than %d bytes", field, max)
	}
	return s, nil
}

// CreateCase opens a case.
func (s *Store) CreateCase(ctx context.Context, by, title, description string) (CaseView, error) {
	title, err := caseText("title", title, maxTitleBytes, true)
	if err != nil {
		return CaseView{}, err
	}
	if description, err = caseText("description", description, maxNoteBytes, false); err != nil {
		return CaseView{}, err
	}
	id, err := newResolutionID("case")
	if err != nil {
		return CaseView{}, err
	}
	_, err = s.write(ctx, "create a case", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `CREATE (c:Case {id: $id, title: $title, description: $description, status: 'OPEN',
  createdBy: $by, createdAt: $at, updatedAt: $at})
CREATE (c)-[:HAS_EVENT]->(:CaseEvent {at: $at, by: $by, action: 'CREATED', detail: $title})`,
			map[string]any{"id": id, "title": title, "description": description, "by": by, "at": nowMilli()})
	})
	if err != nil {
		return CaseView{}, err
	}
	return s.Case(ctx, id)
}

func nowMilli() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// CaseChange is what changes in a case; nil fields stay.
type CaseChange struct {
	Title, Description, Status *string
}

// UpdateCase changes a case's title, description or status (OPEN, CLOSED).
func (s *Store) UpdateCase(ctx context.Context, id, by string, c CaseChange) (CaseView, error) {
	params := map[string]any{"id": id, "by": by, "at": nowMilli(), "title": nil, "description": nil, "status": nil}
	var changed []string
	if c.Title != nil {
		t, err := caseText("title", *c.Title, maxTitleBytes, true)
		if err != nil {
			return CaseView{}, err
		}
		params["title"] = t
		changed = append(changed, "title")
	}
	if c.Description != nil {
		d, err := caseText("description", *c.Description, maxNoteBytes, false)
		if err != nil {
			return CaseView{}, err
		}
		params["description"] = d
		changed = append(changed, "description")
	}
	if c.Status != nil {
		if *c.Status != CaseOpen && *c.Status != CaseClosed {
			return CaseView{}, Errorf(EINVALID, "status: %q is not OPEN or CLOSED", *c.Status)
		}
		params["status"] = *c.Status
		changed = append(changed, "status "+*c.Status)
	}
	if len(changed) == 0 {
		return CaseView{}, Errorf(EINVALID, "nothing to change: give title, description or status")
	}
	params["detail"] = strings.Join(changed, ", ")
	if err := s.caseWrite(ctx, "update a case", id, `SET c.title = coalesce($title, c.title), c.description = coalesce($description, c.description),
    c.status = coalesce($status, c.status), c.updatedAt = $at
CREATE (c)-[:HAS_EVENT]->(:CaseEvent {at: $at, by: $by, action: 'UPDATED', detail: $detail})`, params); err != nil {
		return CaseView{}, err
	}
	return s.Case(ctx, id)
}

// caseWrite runs a write on an existing case (bound as c); ENOTFOUND when there is none.
func (s *Store) caseWrite(ctx context.Context, op, id, body string, params map[string]any) error {
	params["id"] = id
	res, err := s.write(ctx, op, func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `MATCH (c:Case {id: $id})
`+body+`
RETURN c.id AS id`, params)
	})
	if err != nil {
		return err
	}
	if len(res.([]*neo4j.Record)) == 0 {
		return Errorf(ENOTFOUND, "case %q not found", id)
	}
	return nil
}

// AddToCase adds entities and alerts to a case (each once); a NEW alert goes IN_REVIEW. Ids that
// name nothing are ENOTFOUND, naming the first.
func (s *Store) AddToCase(ctx context.Context, id, by string, entityIDs, alertIDs []string) (CaseView, error) {
	if len(entityIDs)+len(alertIDs) == 0 {
		return CaseView{}, Errorf(EINVALID, "entityIds: give entities or alerts to add")
	}
	if len(entityIDs) > maxCaseItems || len(alertIDs) > maxCaseItems {
		return CaseView{}, Errorf(EINVALID, "entityIds: at most %d entities and %d alerts at once", maxCaseItems, maxCaseItems)
	}
	if err := s.mustExist(ctx, entityIDs, alertIDs); err != nil {
		return CaseView{}, err
	}
	params := map[string]any{"by": by, "at": nowMilli(), "entities": nonNil(entityIDs), "alerts": nonNil(alertIDs),
		"detail": truncate(strings.Join(append(slicesClone(entityIDs), alertIDs...), ", "), maxCaseDetail)}
	if err := s.caseWrite(ctx, "add to a case", id, `CALL (c) {
  UNWIND $entities AS eid MATCH (n:Entity {id: eid})
  MERGE (c)-[r:CASE_ENTITY]->(n) ON CREATE SET r.by = $by, r.at = $at
  RETURN count(*) AS ne
}
CALL (c) {
  UNWIND $alerts AS aid MATCH (a:Alert {id: aid})
  MERGE (c)-[r:CASE_ALERT]->(a) ON CREATE SET r.by = $by, r.at = $at
  WITH a WHERE a.status = 'NEW'
  SET a.status = 'IN_REVIEW', a.updatedAt = $at
  CREATE (a)-[:HAS_EVENT]->(:AlertEvent {at: $at, by: $by, action: 'STATUS', from: 'NEW', to: 'IN_REVIEW', note: 'added to case ' + c.id})
  RETURN count(*) AS na
}
SET c.updatedAt = $at
CREATE (c)-[:HAS_EVENT]->(:CaseEvent {at: $at, by: $by, action: 'ADDED', detail: $detail})`, params); err != nil {
		return CaseView{}, err
	}
	return s.Case(ctx, id)
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// mustExist checks that every entity and alert id names something.
func (s *Store) mustExist(ctx context.Context, entityIDs, alertIDs []string) error {
	res, err := s.read(ctx, "check case items", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `RETURN [id IN $entities WHERE NOT EXISTS { MATCH (:Entity {id: id}) }] AS e,
  [id IN $alerts WHERE NOT EXISTS { MATCH (:Alert {id: id}) }] AS a`, map[string]any{"entities": nonNil(entityIDs), "alerts": nonNil(alertIDs)})
	})
	if err != nil {
		return err
	}
	r := res.([]*neo4j.Record)[0]
	if e, _ := r.Get("e"); len(asStrings(e)) > 0 {
		return Errorf(ENOTFOUND, "entityIds: %q not found", asStrings(e)[0])
	}
	if a, _ := r.Get("a"); len(asStrings(a)) > 0 {
		return Errorf(ENOTFOUND, "alertIds: %q not found", asStrings(a)[0])
	}
	return nil
}

// RemoveFromCase takes entities and alerts out of a case.
func (s *Store) RemoveFromCase(ctx context.Context, id, by string, entityIDs, alertIDs []string) (CaseView, error) {
	if len(entityIDs)+len(alertIDs) == 0 {
		return CaseView{}, Errorf(EINVALID, "entityIds: give entities or alerts to remove")
	}
	if len(entityIDs) > maxCaseItems || len(alertIDs) > maxCaseItems {
		return CaseView{}, Errorf(EINVALID, "entityIds: at most %d entities and %d alerts at once", maxCaseItems, maxCaseItems)
	}
	params := map[string]any{"by": by, "at": nowMilli(), "entities": nonNil(entityIDs), "alerts": nonNil(alertIDs),
		"detail": truncate(strings.Join(append(slicesClone(entityIDs), alertIDs...), ", "), maxCaseDetail)}
	if err := s.caseWrite(ctx, "remove from a case", id, `CALL (c) {
  OPTIONAL MATCH (c)-[r:CASE_ENTITY|CASE_ALERT]->(x) WHERE x.id IN $entities OR x.id IN $alerts
  DELETE r
  RETURN count(*) AS n
}
SET c.updatedAt = $at
CREATE (c)-[:HAS_EVENT]->(:CaseEvent {at: $at, by: $by, action: 'REMOVED', detail: $detail})`, params); err != nil {
		return CaseView{}, err
	}
	return s.Case(ctx, id)
}

// AddCaseNote adds a note to a case.
func (s *Store) AddCaseNote(ctx context.Context, id, by, text string) (CaseView, error) {
	text, err := caseText("text", text, maxNoteBytes, true)
	if err != nil {
		return CaseView{}, err
	}
	nid, err := newResolutionID("note")
	if err != nil {
		return CaseView{}, err
	}
	if err := s.caseWrite(ctx, "add a case note", id, `CREATE (c)-[:HAS_NOTE]->(:CaseNote {id: $nid, text: $text, by: $by, at: $at})
SET c.updatedAt = $at
CREATE (c)-[:HAS_EVENT]->(:CaseEvent {at: $at, by: $by, action: 'NOTE', detail: $detail})`,
		map[string]any{"nid": nid, "text": text, "by": by, "at": nowMilli(), "detail": truncate(text, 80)}); err != nil {
		return CaseView{}, err
	}
	return s.Case(ctx, id)
}

// SaveCaseView saves a graph view on a case. layout and filters are JSON objects from the UI,
// kept as given (bounded).
func (s *Store) SaveCaseView(ctx context.Context, id, by string, v SavedView) (CaseView, error) {
	name, err := caseText("name", v.Name, maxTitleBytes, true)
	if err != nil {
		return CaseView{}, err
	}
	if len(v.NodeIDs) > maxCaseItems*10 || len(v.EdgeIDs) > maxCaseItems*50 {
		return CaseView{}, Errorf(EINVALID, "nodeIds: a view holds at most %d nodes and %d edges", maxCaseItems*10, maxCaseItems*50)
	}
	for field, js := range map[string]string{"layout": v.Layout, "filters": v.Filters} {
		if js == "" {
			continue
		}
		if len(js) > maxViewJSON {
			return CaseView{}, Errorf(EINVALID, "%s: longer than %d bytes", field, maxViewJSON)
		}
		if !json.Valid([]byte(js)) {
			return CaseView{}, Errorf(EINVALID, "%s: not valid JSON", field)
		}
	}
	vid, err := newResolutionID("view")
	if err != nil {
		return CaseView{}, err
	}
	if err := s.caseWrite(ctx, "save a case view", id, `CREATE (c)-[:HAS_VIEW]->(:CaseView {id: $vid, name: $name, by: $by, at: $at,
  nodeIds: $nodes, edgeIds: $edges, layout: $layout, filters: $filters})
SET c.updatedAt = $at
CREATE (c)-[:HAS_EVENT]->(:CaseEvent {at: $at, by: $by, action: 'VIEW', detail: $name})`,
		map[string]any{"vid": vid, "name": name, "by": by, "at": nowMilli(), "nodes": nonNil(v.NodeIDs), "edges": nonNil(v.EdgeIDs),
			"layout": v.Layout, "filters": v.Filters}); err != nil {
		return CaseView{}, err
	}
	return s.Case(ctx, id)
}

// Case returns a case with everything it holds and its history, oldest first.
func (s *Store) Case(ctx context.Context, id string) (CaseView, error) {
	res, err := s.read(ctx, "read a case", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `MATCH (c:Case {id: $id})
RETURN properties(c) AS c,
  COLLECT { MATCH (c)-[r:CASE_ENTITY]->(n) WITH n, r ORDER BY r.at, n.id RETURN n.id } AS entities,
  COLLECT { MATCH (c)-[r:CASE_ALERT]->(a) WITH a, r ORDER BY r.at, a.id RETURN a.id } AS alerts,
  COLLECT { MATCH (c)-[:HAS_NOTE]->(x) WITH x ORDER BY x.at, x.id RETURN properties(x) } AS notes,
  COLLECT { MATCH (c)-[:HAS_VIEW]->(x) WITH x ORDER BY x.at, x.id RETURN properties(x) } AS views,
  COLLECT { MATCH (c)-[:HAS_EVENT]->(x) WITH x ORDER BY x.at, elementId(x) RETURN properties(x) } AS events`,
			map[string]any{"id": id})
	})
	if err != nil {
		return CaseView{}, err
	}
	recs := res.([]*neo4j.Record)
	if len(recs) == 0 {
		return CaseView{}, Errorf(ENOTFOUND, "case %q not found", id)
	}
	r := recs[0]
	get := func(k string) any { v, _ := r.Get(k); return v }
	cm, _ := get("c").(map[string]any)
	c := caseFrom(cm)
	c.Entities, c.Alerts = nonNil(asStrings(get("entities"))), nonNil(asStrings(get("alerts")))
	for _, x := range asList(get("notes")) {
		m, _ := x.(map[string]any)
		c.Notes = append(c.Notes, CaseNote{ID: asString(m["id"]), Text: asString(m["text"]), By: asString(m["by"]), At: asTime(m["at"])})
	}
	for _, x := range asList(get("views")) {
		m, _ := x.(map[string]any)
		c.Views = append(c.Views, SavedView{ID: asString(m["id"]), Name: asString(m["name"]), By: asString(m["by"]), At: asTime(m["at"]),
			NodeIDs: asStrings(m["nodeIds"]), EdgeIDs: asStrings(m["edgeIds"]), Layout: asString(m["layout"]), Filters: asString(m["filters"])})
	}
	for _, x := range asList(get("events")) {
		m, _ := x.(map[string]any)
		c.Events = append(c.Events, CaseEvent{At: asTime(m["at"]), By: asString(m["by"]), Action: asString(m["action"]), Detail: asString(m["detail"])})
	}
	return c, nil
}

func caseFrom(m map[string]any) CaseView {
	return CaseView{ID: asString(m["id"]), Title: asString(m["title"]), Description: asString(m["description"]),
		Status: asString(m["status"]), CreatedBy: asString(m["createdBy"]), CreatedAt: asTime(m["createdAt"]), UpdatedAt: asTime(m["updatedAt"])}
}

const casesCursor = "case"

// Cases lists cases, most recently changed first (status "" for all), first of them (default
// 20, at most 200) after the cursor; each without its contents (read one with Case).
func (s *Store) Cases(ctx context.Context, status string, first int, after string) ([]CaseView, string, bool, error) {
	first, err := pageSize(first, 20, 200, "first")
	if err != nil {
		return nil, "", false, err
	}
	if status != "" && status != CaseOpen && status != CaseClosed {
		return nil, "", false, Errorf(EINVALID, "status: %q is not OPEN or CLOSED", status)
	}
	params := map[string]any{"status": nilIfEmpty(status), "t": nil, "id": "", "limit": first + 1}
	if after != "" {
		parts, err := decodeCursor(casesCursor, after, 2)
		if err != nil {
			return nil, "", false, err
		}
		ns, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil {
			return nil, "", false, Errorf(EINVALID, "after: not a cursor of this list; pass the endCursor of the previous page")
		}
		params["t"], params["id"] = time.Unix(0, ns).UTC(), parts[1]
	}
	res, err := s.read(ctx, "read cases", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `MATCH (c:Case) WHERE ($status IS NULL OR c.status = $status)
  AND ($t IS NULL OR c.updatedAt < $t OR (c.updatedAt = $t AND c.id > $id))
RETURN properties(c) AS c ORDER BY c.updatedAt DESC, c.id LIMIT $limit`, params)
	})
	if err != nil {
		return nil, "", false, err
	}
	var out []CaseView
	for _, r := range res.([]*neo4j.Record) {
		m, _ := r.Get("c")
		out = append(out, caseFrom(m.(map[string]any)))
	}
	hasNext := len(out) > first
	if hasNext {
		out = out[:first]
	}
	end := ""
	if n := len(out); n > 0 {
		end = encodeCursor(casesCursor, strconv.FormatInt(out[n-1].UpdatedAt.UnixNano(), 10), out[n-1].ID)
	}
	return out, end, hasNext, nil
}
