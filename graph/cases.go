package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Cases (migration 000011): an investigation's working file. A case groups entities and alerts,
// holds notes and saved graph views, and keeps a history of who did what:
//
//	(:Case {id, title, description, status, createdBy, createdAt, updatedAt, seq})
//	(:Case)-[:CASE_ENTITY {by, at}]->(any Entity)      added once however often it is added
//	(:Case)-[:CASE_ALERT {by, at}]->(:Alert)           a NEW alert added goes IN_REVIEW
//	(:Case)-[:HAS_NOTE]->(:CaseNote {id, text, by, at})
//	(:Case)-[:HAS_VIEW]->(:CaseView {id, name, by, at, nodeIds, edgeIds, layout, filters})
//	(:Case)-[:HAS_EVENT]->(:CaseEvent {seq, at, by, action, detail})
//
// Every change runs in one write transaction that first takes the case's write lock, so that
// two analysts working on one case are serialised: "add if not there yet" holds, and events are
// numbered (seq) in the order they happened. A change that changes nothing (adding what is
// there, removing what is not, saving a view as it is saved) records nothing.

// Case statuses.
const (
	CaseOpen   = "OPEN"
	CaseClosed = "CLOSED"
)

// Bounds of cases. They keep a case, read whole, a size a browser can show.
const (
	maxCaseItems    = 1_000     // entities or alerts added or removed at once
	maxCaseEntities = 5_000     // entities a case holds
	maxCaseAlerts   = 5_000     // alerts a case holds
	maxCaseNotes    = 1_000     // notes a case holds
	maxCaseViews    = 100       // saved views a case holds
	maxViewNodes    = 10_000    // node ids of a saved view
	maxViewEdges    = 50_000    // edge ids of a saved view
	maxViewJSON     = 1_000_000 // layout or filters of a saved view, bytes
	maxCaseDetail   = 300       // a history entry's detail, bytes
	maxCasesPage    = 200       // cases of one page
)

// CaseView is a stored case with what it holds.
type CaseView struct {
	ID, Title, Description, Status string
	CreatedBy                      string
	CreatedAt, UpdatedAt           time.Time
	Entities                       []string    // entity ids, in the order they were added
	Alerts                         []string    // alert ids, in the order they were added
	Notes                          []CaseNote  // oldest first
	Views                          []SavedView // oldest first
	Events                         []CaseEvent // the history, oldest first
	seq                            int64       // events recorded so far
}

// CaseNote is a note on a case.
type CaseNote struct {
	ID, Text, By string
	At           time.Time
}

// SavedView is a graph view saved on a case: what was on the canvas and how it was laid out.
// A view is named; saving under a name the case has replaces that view.
type SavedView struct {
	ID, Name, By     string
	At               time.Time
	NodeIDs, EdgeIDs []string
	Layout, Filters  string // JSON, as the UI gave it
}

// CaseEvent is one entry of a case's history.
type CaseEvent struct {
	At time.Time
	By string
	// Action is CREATED, UPDATED, CLOSED, REOPENED, ADDED, REMOVED, NOTE or VIEW.
	Action string
	Detail string
}

// caseState is a case as a change sees it: its properties and how much it holds.
type caseState struct {
	CaseView
	entities, alerts, notes, views int64
}

// caseEvent is an event a change records.
type caseEvent struct{ action, detail string }

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

// CreateCase opens a case. EINVALID for an empty or long title or a long description.
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
	_, err = s.writeTx(ctx, "create a case", readTimeout, func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `CREATE (c:Case {id: $id, title: $title, description: $description, status: 'OPEN',
  createdBy: $by, createdAt: $at, updatedAt: $at, seq: 1})
CREATE (c)-[:HAS_EVENT]->(:CaseEvent {seq: 1, at: $at, by: $by, action: 'CREATED', detail: $title})`,
			map[string]any{"id": id, "title": title, "description": description, "by": by, "at": nowMilli()})
	})
	if err != nil {
		return CaseView{}, err
	}
	return s.Case(ctx, id)
}

// caseTx runs change on case id in one write transaction, with the case's write lock taken and
// the case (without its contents) read; the event change returns, if any, is appended to the
// history. ENOTFOUND when there is no such case.
func (s *Store) caseTx(ctx context.Context, op, id, by string, change func(tx neo4j.ManagedTransaction, c caseState, at time.Time) (*caseEvent, error)) error {
	at := nowMilli()
	_, err := s.writeTx(ctx, op, readTimeout, func(tx neo4j.ManagedTransaction) (any, error) {
		recs, err := collectRecords(ctx, tx, `MATCH (c:Case {id: $id}) SET c.seq = coalesce(c.seq, 0)
RETURN properties(c) AS c, COUNT { (c)-[:CASE_ENTITY]->() } AS entities, COUNT { (c)-[:CASE_ALERT]->() } AS alerts,
  COUNT { (c)-[:HAS_NOTE]->() } AS notes, COUNT { (c)-[:HAS_VIEW]->() } AS views`, map[string]any{"id": id})
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 {
			return nil, Errorf(ENOTFOUND, "case %q not found", id)
		}
		m, _, err := neo4j.GetRecordValue[map[string]any](recs[0], "c")
		if err != nil {
			return nil, err
		}
		c := caseState{CaseView: caseFrom(m)}
		for key, dst := range map[string]*int64{"entities": &c.entities, "alerts": &c.alerts, "notes": &c.notes, "views": &c.views} {
			if *dst, _, err = neo4j.GetRecordValue[int64](recs[0], key); err != nil {
				return nil, err
			}
		}
		ev, err := change(tx, c, at)
		if err != nil || ev == nil {
			return nil, err
		}
		_, err = collectRecords(ctx, tx, `MATCH (c:Case {id: $id})
SET c.seq = $seq, c.updatedAt = $at
CREATE (c)-[:HAS_EVENT]->(:CaseEvent {seq: $seq, at: $at, by: $by, action: $action, detail: $detail})`,
			map[string]any{"id": id, "seq": c.seq + 1, "at": at, "by": by, "action": ev.action, "detail": truncate(ev.detail, maxCaseDetail)})
		return nil, err
	})
	return err
}

// CaseChange is what changes in a case; nil fields stay.
type CaseChange struct {
	Title, Description, Status *string
}

// UpdateCase changes a case's title, description or status (OPEN, CLOSED). Values equal to the
// stored ones change nothing. EINVALID names the field at fault; ENOTFOUND an unknown case.
func (s *Store) UpdateCase(ctx context.Context, id, by string, ch CaseChange) (CaseView, error) {
	var title, description, status string
	var err error
	if ch.Title == nil && ch.Description == nil && ch.Status == nil {
		return CaseView{}, Errorf(EINVALID, "input: nothing to change; give title, description or status")
	}
	if ch.Title != nil {
		if title, err = caseText("title", *ch.Title, maxTitleBytes, true); err != nil {
			return CaseView{}, err
		}
	}
	if ch.Description != nil {
		if description, err = caseText("description", *ch.Description, maxNoteBytes, false); err != nil {
			return CaseView{}, err
		}
	}
	if ch.Status != nil {
		if status = *ch.Status; status != CaseOpen && status != CaseClosed {
			return CaseView{}, Errorf(EINVALID, "status: %q is not OPEN or CLOSED", status)
		}
	}
	err = s.caseTx(ctx, "update a case", id, by, func(tx neo4j.ManagedTransaction, c caseState, at time.Time) (*caseEvent, error) {
		set := map[string]any{}
		var changed []string
		if ch.Title != nil && title != c.Title {
			set["title"] = title
			changed = append(changed, "title "+strconv.Quote(title))
		}
		if ch.Description != nil && description != c.Description {
			set["description"] = description
			changed = append(changed, "description")
		}
		action := "UPDATED"
		if ch.Status != nil && status != c.Status {
			set["status"] = status
			changed = append(changed, "status "+c.Status+" -> "+status)
			action = map[string]string{CaseClosed: "CLOSED", CaseOpen: "REOPENED"}[status]
		}
		if len(set) == 0 {
			return nil, nil
		}
		_, err := collectRecords(ctx, tx, `MATCH (c:Case {id: $id}) SET c += $set`, map[string]any{"id": id, "set": set})
		return &caseEvent{action, strings.Join(changed, ", ")}, err
	})
	if err != nil {
		return CaseView{}, err
	}
	return s.Case(ctx, id)
}

// checkItems checks the ids given to add or remove: some, not too many, none empty; it
// returns them without repeats.
func checkItems(entityIDs, alertIDs []string) ([]string, []string, error) {
	if len(entityIDs)+len(alertIDs) == 0 {
		return nil, nil, Errorf(EINVALID, "entityIds: give entities or alerts")
	}
	if len(entityIDs) > maxCaseItems {
		return nil, nil, Errorf(EINVALID, "entityIds: at most %d at once, not %d", maxCaseItems, len(entityIDs))
	}
	if len(alertIDs) > maxCaseItems {
		return nil, nil, Errorf(EINVALID, "alertIds: at most %d at once, not %d", maxCaseItems, len(alertIDs))
	}
	uniq := func(field string, ids []string) ([]string, error) {
		out := make([]string, 0, len(ids))
		for _, id := range ids {
			if id == "" {
				return nil, Errorf(EINVALID, "%s: an empty id", field)
			}
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
		return out, nil
	}
	e, err := uniq("entityIds", entityIDs)
	if err != nil {
		return nil, nil, err
	}
	a, err := uniq("alertIds", alertIDs)
	return e, a, err
}

// itemsDetail is a history entry's detail for entities and alerts added or removed.
func itemsDetail(entities, alerts []string) string {
	var parts []string
	if len(entities) > 0 {
		parts = append(parts, "entities: "+strings.Join(entities, ", "))
	}
	if len(alerts) > 0 {
		parts = append(parts, "alerts: "+strings.Join(alerts, ", "))
	}
	return strings.Join(parts, "; ")
}

// AddToCase adds entities and alerts to a case, each once; a NEW alert added goes IN_REVIEW
// (recorded in the alert's history). Adding what the case holds changes nothing. ENOTFOUND
// names the first id that names nothing (nothing is added then); EINVALID for too many ids or
// a case that would grow past its bounds.
func (s *Store) AddToCase(ctx context.Context, id, by string, entityIDs, alertIDs []string) (CaseView, error) {
	entityIDs, alertIDs, err := checkItems(entityIDs, alertIDs)
	if err != nil {
		return CaseView{}, err
	}
	err = s.caseTx(ctx, "add to a case", id, by, func(tx neo4j.ManagedTransaction, c caseState, at time.Time) (*caseEvent, error) {
		if err := mustExist(ctx, tx, entityIDs, alertIDs); err != nil {
			return nil, err
		}
		recs, err := collectRecords(ctx, tx, `MATCH (c:Case {id: $id})
CALL (c) {
  UNWIND $entities AS eid MATCH (n:Entity {id: eid}) WHERE NOT (c)-[:CASE_ENTITY]->(n)
  RETURN collect(n) AS entities
}
CALL (c) {
  UNWIND $alerts AS aid MATCH (a:Alert {id: aid}) WHERE NOT (c)-[:CASE_ALERT]->(a)
  RETURN collect(a) AS alerts
}
RETURN [n IN entities | n.id] AS entities, [a IN alerts | a.id] AS alerts`, map[string]any{"id": id, "entities": entityIDs, "alerts": alertIDs})
		if err != nil {
			return nil, err
		}
		newEntities, _, _ := neo4j.GetRecordValue[[]any](recs[0], "entities")
		newAlerts, _, _ := neo4j.GetRecordValue[[]any](recs[0], "alerts")
		ne, na := asStrings(newEntities), asStrings(newAlerts)
		if len(ne)+len(na) == 0 {
			return nil, nil
		}
		if c.entities+int64(len(ne)) > maxCaseEntities {
			return nil, Errorf(EINVALID, "entityIds: a case holds at most %d entities; this one has %d", maxCaseEntities, c.entities)
		}
		if c.alerts+int64(len(na)) > maxCaseAlerts {
			return nil, Errorf(EINVALID, "alertIds: a case holds at most %d alerts; this one has %d", maxCaseAlerts, c.alerts)
		}
		// Each alert row increments only its own alert's seq, so the numbering holds however
		// the planner orders the SET and the CREATE.
		_, err = collectRecords(ctx, tx, `MATCH (c:Case {id: $id})
CALL (c) {
  UNWIND $entities AS eid MATCH (n:Entity {id: eid})
  CREATE (c)-[:CASE_ENTITY {by: $by, at: $at}]->(n)
}
CALL (c) {
  UNWIND $alerts AS aid MATCH (a:Alert {id: aid})
  CREATE (c)-[:CASE_ALERT {by: $by, at: $at}]->(a)
  SET a.seq = coalesce(a.seq, 0)
  WITH a WHERE a.status = 'NEW'
  SET a.status = 'IN_REVIEW', a.updatedAt = $at, a.seq = a.seq + 1
  CREATE (a)-[:HAS_EVENT]->(:AlertEvent {seq: a.seq, at: $at, by: $by, action: 'STATUS', from: 'NEW', to: 'IN_REVIEW',
    note: 'added to case ' + c.id})
}`, map[string]any{"id": id, "entities": ne, "alerts": na, "by": by, "at": at})
		return &caseEvent{"ADDED", itemsDetail(ne, na)}, err
	})
	if err != nil {
		return CaseView{}, err
	}
	return s.Case(ctx, id)
}

// mustExist checks that every entity and alert id names something.
func mustExist(ctx context.Context, tx neo4j.ManagedTransaction, entityIDs, alertIDs []string) error {
	recs, err := collectRecords(ctx, tx, `RETURN [id IN $entities WHERE NOT EXISTS { MATCH (:Entity {id: id}) }] AS e,
  [id IN $alerts WHERE NOT EXISTS { MATCH (:Alert {id: id}) }] AS a`, map[string]any{"entities": nonNil(entityIDs), "alerts": nonNil(alertIDs)})
	if err != nil {
		return err
	}
	if e, _ := recs[0].Get("e"); len(asStrings(e)) > 0 {
		return Errorf(ENOTFOUND, "entityIds: %q not found", asStrings(e)[0])
	}
	if a, _ := recs[0].Get("a"); len(asStrings(a)) > 0 {
		return Errorf(ENOTFOUND, "alertIds: %q not found", asStrings(a)[0])
	}
	return nil
}

// RemoveFromCase takes entities and alerts out of a case; ids the case does not hold are
// ignored, so removing twice changes nothing the second time. The alerts keep their status.
func (s *Store) RemoveFromCase(ctx context.Context, id, by string, entityIDs, alertIDs []string) (CaseView, error) {
	entityIDs, alertIDs, err := checkItems(entityIDs, alertIDs)
	if err != nil {
		return CaseView{}, err
	}
	err = s.caseTx(ctx, "remove from a case", id, by, func(tx neo4j.ManagedTransaction, c caseState, at time.Time) (*caseEvent, error) {
		recs, err := collectRecords(ctx, tx, `MATCH (c:Case {id: $id})
CALL (c) {
  MATCH (c)-[r:CASE_ENTITY]->(n) WHERE n.id IN $entities
  WITH r, n.id AS id DELETE r RETURN collect(id) AS entities
}
CALL (c) {
  MATCH (c)-[r:CASE_ALERT]->(a) WHERE a.id IN $alerts
  WITH r, a.id AS id DELETE r RETURN collect(id) AS alerts
}
RETURN entities, alerts`, map[string]any{"id": id, "entities": entityIDs, "alerts": alertIDs})
		if err != nil {
			return nil, err
		}
		e, _ := recs[0].Get("entities")
		a, _ := recs[0].Get("alerts")
		re, ra := asStrings(e), asStrings(a)
		if len(re)+len(ra) == 0 {
			return nil, nil
		}
		return &caseEvent{"REMOVED", itemsDetail(re, ra)}, nil
	})
	if err != nil {
		return CaseView{}, err
	}
	return s.Case(ctx, id)
}

// AddCaseNote adds a note to a case. EINVALID for an empty or long text, or a case full of
// notes.
func (s *Store) AddCaseNote(ctx context.Context, id, by, text string) (CaseView, error) {
	text, err := caseText("text", text, maxNoteBytes, true)
	if err != nil {
		return CaseView{}, err
	}
	nid, err := newResolutionID("note")
	if err != nil {
		return CaseView{}, err
	}
	err = s.caseTx(ctx, "add a case note", id, by, func(tx neo4j.ManagedTransaction, c caseState, at time.Time) (*caseEvent, error) {
		if c.notes >= maxCaseNotes {
			return nil, Errorf(EINVALID, "text: a case holds at most %d notes", maxCaseNotes)
		}
		_, err := collectRecords(ctx, tx, `MATCH (c:Case {id: $id})
CREATE (c)-[:HAS_NOTE]->(:CaseNote {id: $nid, text: $text, by: $by, at: $at})`,
			map[string]any{"id": id, "nid": nid, "text": text, "by": by, "at": at})
		return &caseEvent{"NOTE", truncate(text, 80)}, err
	})
	if err != nil {
		return CaseView{}, err
	}
	return s.Case(ctx, id)
}

// SaveCaseView saves a graph view on a case under its name: a new name adds a view, a name the
// case has replaces that view (saving it as it is changes nothing). layout and filters are JSON
// from the UI, kept as given. EINVALID names the field at fault.
func (s *Store) SaveCaseView(ctx context.Context, id, by string, v SavedView) (CaseView, error) {
	name, err := caseText("name", v.Name, maxTitleBytes, true)
	if err != nil {
		return CaseView{}, err
	}
	if len(v.NodeIDs) > maxViewNodes {
		return CaseView{}, Errorf(EINVALID, "nodeIds: a view holds at most %d nodes, not %d", maxViewNodes, len(v.NodeIDs))
	}
	if len(v.EdgeIDs) > maxViewEdges {
		return CaseView{}, Errorf(EINVALID, "edgeIds: a view holds at most %d edges, not %d", maxViewEdges, len(v.EdgeIDs))
	}
	for _, f := range []struct{ field, js string }{{"layout", v.Layout}, {"filters", v.Filters}} {
		if f.js == "" {
			continue
		}
		if len(f.js) > maxViewJSON {
			return CaseView{}, Errorf(EINVALID, "%s: longer than %d bytes", f.field, maxViewJSON)
		}
		if !json.Valid([]byte(f.js)) {
			return CaseView{}, Errorf(EINVALID, "%s: not valid JSON", f.field)
		}
	}
	vid, err := newResolutionID("view")
	if err != nil {
		return CaseView{}, err
	}
	err = s.caseTx(ctx, "save a case view", id, by, func(tx neo4j.ManagedTransaction, c caseState, at time.Time) (*caseEvent, error) {
		params := map[string]any{"id": id, "vid": vid, "name": name, "by": by, "at": at, "nodes": nonNil(v.NodeIDs),
			"edges": nonNil(v.EdgeIDs), "layout": v.Layout, "filters": v.Filters}
		recs, err := collectRecords(ctx, tx, `MATCH (c:Case {id: $id})-[:HAS_VIEW]->(v:CaseView {name: $name})
RETURN v.nodeIds = $nodes AND v.edgeIds = $edges AND v.layout = $layout AND v.filters = $filters AS same`, params)
		if err != nil {
			return nil, err
		}
		if len(recs) > 0 {
			if same, _, _ := neo4j.GetRecordValue[bool](recs[0], "same"); same {
				return nil, nil
			}
			_, err := collectRecords(ctx, tx, `MATCH (c:Case {id: $id})-[:HAS_VIEW]->(v:CaseView {name: $name})
SET v.by = $by, v.at = $at, v.nodeIds = $nodes, v.edgeIds = $edges, v.layout = $layout, v.filters = $filters`, params)
			return &caseEvent{"VIEW", name + " (replaced)"}, err
		}
		if c.views >= maxCaseViews {
			return nil, Errorf(EINVALID, "name: a case holds at most %d views; save under the name of one to replace it", maxCaseViews)
		}
		_, err = collectRecords(ctx, tx, `MATCH (c:Case {id: $id})
CREATE (c)-[:HAS_VIEW]->(:CaseView {id: $vid, name: $name, by: $by, at: $at, nodeIds: $nodes, edgeIds: $edges,
  layout: $layout, filters: $filters})`, params)
		return &caseEvent{"VIEW", name}, err
	})
	if err != nil {
		return CaseView{}, err
	}
	return s.Case(ctx, id)
}

// caseProjection returns a case (c) with what it holds, each in the order it was added.
const caseProjection = `RETURN properties(c) AS c,
  COLLECT { MATCH (c)-[r:CASE_ENTITY]->(n) WITH n, r ORDER BY r.at, n.id RETURN n.id } AS entities,
  COLLECT { MATCH (c)-[r:CASE_ALERT]->(a) WITH a, r ORDER BY r.at, a.id RETURN a.id } AS alerts,
  COLLECT { MATCH (c)-[:HAS_NOTE]->(x) WITH x ORDER BY x.at, x.id RETURN properties(x) } AS notes,
  COLLECT { MATCH (c)-[:HAS_VIEW]->(x) WITH x ORDER BY x.at, x.id RETURN properties(x) } AS views,
  COLLECT { MATCH (c)-[:HAS_EVENT]->(x) WITH x ORDER BY coalesce(x.seq, 0), x.at, elementId(x) RETURN properties(x) } AS events`

// Case returns a case with everything it holds and its history, oldest first; ENOTFOUND when
// there is none.
func (s *Store) Case(ctx context.Context, id string) (CaseView, error) {
	res, err := s.read(ctx, "read a case", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, "MATCH (c:Case {id: $id})\n"+caseProjection, map[string]any{"id": id})
	})
	if err != nil {
		return CaseView{}, err
	}
	recs := res.([]*neo4j.Record)
	if len(recs) == 0 {
		return CaseView{}, Errorf(ENOTFOUND, "case %q not found", id)
	}
	return caseOf(recs[0])
}

// caseOf decodes a record of caseProjection.
func caseOf(r *neo4j.Record) (CaseView, error) {
	cm, _, err := neo4j.GetRecordValue[map[string]any](r, "c")
	if err != nil {
		return CaseView{}, &Error{Code: EINTERNAL, Err: fmt.Errorf("decode case: %w", err)}
	}
	get := func(k string) any { v, _ := r.Get(k); return v }
	c := caseFrom(cm)
	c.Entities, c.Alerts = nonNil(asStrings(get("entities"))), nonNil(asStrings(get("alerts")))
	c.Notes, c.Views, c.Events = []CaseNote{}, []SavedView{}, []CaseEvent{}
	for _, x := range asList(get("notes")) {
		m, _ := x.(map[string]any)
		c.Notes = append(c.Notes, CaseNote{ID: asString(m["id"]), Text: asString(m["text"]), By: asString(m["by"]), At: asTime(m["at"])})
	}
	for _, x := range asList(get("views")) {
		m, _ := x.(map[string]any)
		c.Views = append(c.Views, SavedView{ID: asString(m["id"]), Name: asString(m["name"]), By: asString(m["by"]), At: asTime(m["at"]),
			NodeIDs: nonNil(asStrings(m["nodeIds"])), EdgeIDs: nonNil(asStrings(m["edgeIds"])), Layout: asString(m["layout"]), Filters: asString(m["filters"])})
	}
	for _, x := range asList(get("events")) {
		m, _ := x.(map[string]any)
		c.Events = append(c.Events, CaseEvent{At: asTime(m["at"]), By: asString(m["by"]), Action: asString(m["action"]), Detail: asString(m["detail"])})
	}
	return c, nil
}

func caseFrom(m map[string]any) CaseView {
	c := CaseView{ID: asString(m["id"]), Title: asString(m["title"]), Description: asString(m["description"]),
		Status: asString(m["status"]), CreatedBy: asString(m["createdBy"]), CreatedAt: asTime(m["createdAt"]), UpdatedAt: asTime(m["updatedAt"])}
	c.seq, _ = m["seq"].(int64)
	return c
}

const casesCursor = "case"

// Cases lists cases, most recently changed first (status "" for all), first of them (default
// 20, at most 200) after the cursor; it returns the page, its end cursor
// and whether more follow. A case changed while an analyst pages moves to the front: it is not
// seen twice, but may be missed until the list is read again. EINVALID for a bad status, first
// or after.
func (s *Store) Cases(ctx context.Context, status string, first int, after string) ([]CaseView, string, bool, error) {
	first, err := pageSize(first, 20, maxCasesPage, "first")
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
WITH c ORDER BY c.updatedAt DESC, c.id LIMIT $limit
`+caseProjection+"\nORDER BY c.updatedAt DESC, c.id", params)
	})
	if err != nil {
		return nil, "", false, err
	}
	recs := res.([]*neo4j.Record)
	out := make([]CaseView, 0, len(recs))
	for _, r := range recs {
		c, err := caseOf(r)
		if err != nil {
			return nil, "", false, err
		}
		out = append(out, c)
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

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary: a detail is shown, and half a character is not.
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
