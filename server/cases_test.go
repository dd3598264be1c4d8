package server_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/server"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// casesWorld starts a server with three accounts of the test's partner and an alert on each
// of the first two (risks 0.9 and 0.7); everything is removed when t ends.
func casesWorld(t *testing.T) (*api, []string, []string) {
	t.Helper()
	a := newServer(t, server.DefaultConfig())
	ctx := t.Context()
	src := graph.Source{Partner: a.partner, Dataset: "t", File: "t.csv"}
	t.Cleanup(func() {
		a.cypher(t, `MATCH (x:Alert) WHERE x.subject CONTAINS $p OPTIONAL MATCH (x)-[:HAS_EVENT]->(e) DETACH DELETE x, e`, map[string]any{"p": a.partner})
		a.cypher(t, `MATCH (c:Case) WHERE c.title CONTAINS $p OPTIONAL MATCH (c)-->(x:CaseNote|CaseView|CaseEvent) DETACH DELETE c, x`, map[string]any{"p": a.partner})
		a.cypher(t, `MATCH (n:Entity) WHERE n.id CONTAINS $p DETACH DELETE n`, map[string]any{"p": a.partner})
		a.cypher(t, `MATCH (n:Source {partner: $p}) DETACH DELETE n`, map[string]any{"p": a.partner})
	})
	var b graph.Batch
	var ids []string
	for i, n := range []string{"1", "2", "3"} {
		id := graph.AccountID(a.partner, n)
		ids = append(ids, id)
		b.Nodes = append(b.Nodes, graph.Node{Label: graph.LabelBankAccount, ID: id, Props: map[string]any{"accountNumber": n}, Ref: graph.Ref{Line: i + 1}})
	}
	if _, err := a.store.WriteBatch(ctx, src, b); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.RaiseAlerts(ctx, "det:http", []graph.AlertCandidate{
		{Subject: ids[0], Risk: 0.9, Reason: "paid a known facilitator", Rules: []string{"hrj_remittance"}, SignalIDs: []string{"sig:a"}},
		{Subject: ids[1], Risk: 0.7, Reason: "cycle of 3", Rules: []string{"cycle"}},
	}); err != nil {
		t.Fatal(err)
	}
	var alerts []string
	for _, id := range ids[:2] {
		list, _, _, err := a.store.Alerts(ctx, graph.AlertFilter{Subject: id}, 1, "")
		if err != nil || len(list) != 1 {
			t.Fatalf("alert of %s: %v %v", id, list, err)
		}
		alerts = append(alerts, list[0].ID)
	}
	return a, ids, alerts
}

// gql posts as role and fails the test on any error; it decodes data into out.
func (a *api) gql(t *testing.T, role graph.Role, query string, vars map[string]any, out any) {
	t.Helper()
	_, res := a.as(t, role, query, vars)
	if len(res.Errors) > 0 {
		t.Fatalf("%s: %+v", query, res.Errors)
	}
	if err := json.Unmarshal(res.Data, out); err != nil {
		t.Fatalf("decode %s: %v", res.Data, err)
	}
}

// TestAlertsAndCasesOverHTTP works an alert through the API: read from the queue a page at a
// time, put in a case with a note and a view, closed with a reason; the acting user is the
// key's identity in every history.
func TestAlertsAndCasesOverHTTP(t *testing.T) {
	a, ids, alerts := casesWorld(t)
	me := "test analyst (" + a.keys[graph.RoleAnalyst].ID + ")"

	// The queue, one alert a page, highest risk first. The queue is shared with other tests:
	// an assignee of this test's own picks its alerts out.
	for _, id := range alerts {
		if _, err := a.store.UpdateAlert(t.Context(), id, "lead", graph.AlertChange{Assignee: &a.partner}); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	after := ""
	for page := 0; ; page++ {
		var got struct {
			Alerts struct {
				Nodes []struct {
					ID, Status, Reason, FirstRunID, LastRunID string
					Risk                                      float64
					Rules, SignalIds                          []string
					Subject                                   struct{ ID string }
					History                                   []struct{ Action, By string }
				}
				PageInfo struct {
					EndCursor   string
					HasNextPage bool
				}
			}
		}
		a.gql(t, graph.RoleAnalyst, `query($who: String, $after: String) {
  alerts(filter: {statuses: [NEW], minRisk: 0.5, assignee: $who}, first: 1, after: $after) {
    nodes { id status risk reason rules signalIds firstRunId lastRunId subject { id } history { action by } }
    pageInfo { endCursor hasNextPage } } }`, map[string]any{"who": a.partner, "after": after}, &got)
		for _, n := range got.Alerts.Nodes {
			if n.ID == alerts[0] && (n.Risk != 0.9 || n.Subject.ID != ids[0] || n.Reason != "paid a known facilitator" || n.FirstRunID != "det:http" ||
				n.LastRunID != "det:http" || len(n.SignalIds) != 1 || len(n.History) != 2 || n.History[0].By != "detection" || n.History[1].Action != "ASSIGNED") {
				t.Errorf("first alert: %+v", n)
			}
			seen = append(seen, n.ID)
		}
		if !got.Alerts.PageInfo.HasNextPage {
			break
		}
		if page > 2 {
			t.Fatalf("more pages than alerts: %v", seen)
		}
		after = got.Alerts.PageInfo.EndCursor
	}
	if strings.Join(seen, " ") != alerts[0]+" "+alerts[1] {
		t.Errorf("queue %v, want %v", seen, alerts)
	}

	// A case: created, filled, noted, a view saved, the alert closed as reported.
	var created struct {
		CreateCase struct{ ID, Status, CreatedBy string }
	}
	a.gql(t, graph.RoleAnalyst, `mutation OpenCase($t: String!) { createCase(title: $t, description: "buyers") { id status createdBy } }`,
		map[string]any{"t": "Case " + a.partner}, &created)
	c := created.CreateCase
	if c.Status != "OPEN" || c.CreatedBy != me {
		t.Fatalf("created %+v", c)
	}
	var work struct {
		Add struct {
			Entities []struct{ ID string }
			Alerts   []struct{ ID, Status string }
		}
		Again struct{ History []struct{ Action string } }
		Note  struct{ Notes []struct{ Text, By string } }
		View  struct {
			Views []struct {
				Name, Layout string
				NodeIds      []string
			}
		}
		Close struct {
			Status, CloseReason, CloseNote, Assignee string
			History                                  []struct{ Action, By, From, To, Note string }
		}
	}
	a.gql(t, graph.RoleAnalyst, `mutation($c: ID!, $e: [ID!]!, $al: ID!) {
  add: addToCase(id: $c, entityIds: $e, alertIds: [$al]) { entities { id } alerts { id status } }
  again: addToCase(id: $c, entityIds: $e) { history { action } }
  note: addCaseNote(id: $c, text: "paid by four buyers") { notes { text by } }
  view: saveCaseView(id: $c, view: {name: "network", nodeIds: $e, layout: "{\"zoom\":2}"}) { views { name layout nodeIds } }
  close: updateAlert(id: $al, input: {status: CLOSED, closeReason: REPORTED, note: "STR filed", assignee: "ana"}) {
    status closeReason closeNote assignee history { action by from to note } }
}`, map[string]any{"c": c.ID, "e": ids[:2], "al": alerts[0]}, &work)
	if len(work.Add.Entities) != 2 || work.Add.Entities[0].ID != ids[0] || len(work.Add.Alerts) != 1 || work.Add.Alerts[0].Status != "IN_REVIEW" {
		t.Errorf("added: %+v", work.Add)
	}
	if len(work.Again.History) != 2 {
		t.Errorf("adding the same again recorded %+v", work.Again.History)
	}
	if len(work.Note.Notes) != 1 || work.Note.Notes[0].By != me || len(work.View.Views) != 1 || work.View.Views[0].Layout != `{"zoom":2}` {
		t.Errorf("note and view: %+v %+v", work.Note, work.View)
	}
	cl := work.Close
	if cl.Status != "CLOSED" || cl.CloseReason != "REPORTED" || cl.CloseNote != "STR filed" || cl.Assignee != "ana" {
		t.Errorf("closed: %+v", cl)
	}
	var acts []string
	for _, h := range cl.History {
		acts = append(acts, h.Action)
	}
	if strings.Join(acts, " ") != "RAISED ASSIGNED STATUS CLOSED ASSIGNED" || cl.History[3].By != me || cl.History[3].Note != "REPORTED: STR filed" ||
		cl.History[2].Note != "added to case "+c.ID || cl.History[4].From != a.partner || cl.History[4].To != "ana" {
		t.Errorf("alert history: %+v", cl.History)
	}

	// The case read back, alone and in the list of open cases; then closed.
	var read struct {
		Case struct {
			Title   string
			Alerts  []struct{ ID, Status string }
			History []struct{ Action, By string }
		}
		Cases struct{ Nodes []struct{ ID string } }
	}
	a.gql(t, graph.RoleAdmin, `query($c: ID!) { case(id: $c) { title alerts { id status } history { action by } } cases(status: OPEN, first: 200) { nodes { id } } }`,
		map[string]any{"c": c.ID}, &read)
	acts = nil
	for _, h := range read.Case.History {
		acts = append(acts, h.Action)
	}
	if strings.Join(acts, " ") != "CREATED ADDED NOTE VIEW" || read.Case.History[0].By != me || len(read.Case.Alerts) != 1 || read.Case.Alerts[0].Status != "CLOSED" {
		t.Errorf("case: %+v", read.Case)
	}
	if !strings.Contains(mustJSON(read.Cases), c.ID) {
		t.Errorf("open cases miss %s", c.ID)
	}
	var upd struct {
		UpdateCase struct {
			Status  string
			History []struct{ Action, Detail string }
		}
	}
	a.gql(t, graph.RoleAdmin, `mutation($c: ID!) { updateCase(id: $c, status: CLOSED) { status history { action detail } } }`, map[string]any{"c": c.ID}, &upd)
	if h := upd.UpdateCase.History; upd.UpdateCase.Status != "CLOSED" || h[len(h)-1].Action != "CLOSED" {
		t.Errorf("closed case: %+v", upd.UpdateCase)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestAlertsAndCasesErrors: refusals carry extensions.code and a message naming the field; a
// refused mutation changes nothing.
func TestAlertsAndCasesErrors(t *testing.T) {
	a, ids, alerts := casesWorld(t)
	var created struct{ CreateCase struct{ ID string } }
	a.gql(t, graph.RoleAnalyst, `mutation($t: String!) { createCase(title: $t) { id } }`, map[string]any{"t": "Errors " + a.partner}, &created)
	c := created.CreateCase.ID
	var closed struct{ UpdateAlert struct{ Status string } }
	a.gql(t, graph.RoleAnalyst, `mutation($id: ID!) { updateAlert(id: $id, input: {status: CLOSED, closeReason: FALSE_POSITIVE}) { status } }`,
		map[string]any{"id": alerts[1]}, &closed)
	for _, tt := range []struct {
		name, query string
		vars        map[string]any
		code, field string
	}{
		{"closing without a reason", `mutation($id: ID!) { updateAlert(id: $id, input: {status: CLOSED}) { id } }`,
			map[string]any{"id": alerts[0]}, "BAD_USER_INPUT", "closeReason"},
		{"back to NEW", `mutation($id: ID!) { updateAlert(id: $id, input: {status: NEW}) { id } }`,
			map[string]any{"id": alerts[0]}, "BAD_USER_INPUT", "status"},
		{"closed to escalated", `mutation($id: ID!) { updateAlert(id: $id, input: {status: ESCALATED}) { id } }`,
			map[string]any{"id": alerts[1]}, "CONFLICT", "status"},
		{"an empty change", `mutation($id: ID!) { updateAlert(id: $id, input: {}) { id } }`,
			map[string]any{"id": alerts[0]}, "BAD_USER_INPUT", "input"},
		{"a note too long", `mutation($id: ID!, $n: String!) { updateAlert(id: $id, input: {note: $n}) { id } }`,
			map[string]any{"id": alerts[0], "n": strings.Repeat("n", 10_001)}, "BAD_USER_INPUT", "note"},
		{"an unknown alert", `mutation { updateAlert(id: "alert:none", input: {note: "x"}) { id } }`, nil, "NOT_FOUND", "alert"},
		{"a title too long", `mutation($t: String!) { createCase(title: $t) { id } }`,
			map[string]any{"t": strings.Repeat("t", 201)}, "BAD_USER_INPUT", "title"},
		{"an empty title", `mutation { createCase(title: " ") { id } }`, nil, "BAD_USER_INPUT", "title"},
		{"a case note too long", `mutation($c: ID!, $n: String!) { addCaseNote(id: $c, text: $n) { id } }`,
			map[string]any{"c": c, "n": strings.Repeat("n", 10_001)}, "BAD_USER_INPUT", "text"},
		{"a layout not JSON", `mutation($c: ID!) { saveCaseView(id: $c, view: {name: "v", nodeIds: [], layout: "{oops"}) { id } }`,
			map[string]any{"c": c}, "BAD_USER_INPUT", "layout"},
		{"a layout too long", `mutation($c: ID!, $l: String!) { saveCaseView(id: $c, view: {name: "v", nodeIds: [], layout: $l}) { id } }`,
			map[string]any{"c": c, "l": `"` + strings.Repeat("x", 1_000_000) + `"`}, "BAD_USER_INPUT", "layout"},
		{"an unknown entity", `mutation($c: ID!, $e: ID!) { addToCase(id: $c, entityIds: [$e, "acct:none:1"]) { id } }`,
			map[string]any{"c": c, "e": ids[0]}, "NOT_FOUND", "entityIds"},
		{"nothing to add", `mutation($c: ID!) { addToCase(id: $c) { id } }`, map[string]any{"c": c}, "BAD_USER_INPUT", "entityIds"},
		{"an unknown case", `mutation { addCaseNote(id: "case:none", text: "x") { id } }`, nil, "NOT_FOUND", "case"},
		{"an unknown case read", `{ case(id: "case:none") { id } }`, nil, "NOT_FOUND", "case"},
		{"a page too large", `{ alerts(first: 201) { nodes { id } } }`, nil, "BAD_USER_INPUT", "first"},
		{"a min risk above 1", `{ alerts(filter: {minRisk: 1.5}) { nodes { id } } }`, nil, "BAD_USER_INPUT", "filter.minRisk"},
		{"a bad cursor", `{ cases(after: "nope") { nodes { id } } }`, nil, "BAD_USER_INPUT", "after"},
		{"an unknown status", `{ cases(status: DONE) { nodes { id } } }`, nil, "GRAPHQL_VALIDATION_FAILED", "DONE"},
	} {
		_, res := a.as(t, graph.RoleAnalyst, tt.query, tt.vars)
		if res.code() != tt.code || !strings.Contains(res.Errors[0].Message, tt.field) {
			t.Errorf("%s: %+v, want %s naming %q", tt.name, res.Errors, tt.code, tt.field)
		}
	}
	// Nothing of the refused changes stuck.
	var read struct {
		Case struct {
			Entities []struct{ ID string }
			Notes    []struct{ Text string }
			Views    []struct{ Name string }
			History  []struct{ Action string }
		}
		Alert struct {
			Status  string
			History []struct{ Action string }
		}
	}
	a.gql(t, graph.RoleAnalyst, `query($c: ID!, $al: ID!) { case(id: $c) { entities { id } notes { text } views { name } history { action } }
  alert(id: $al) { status history { action } } }`, map[string]any{"c": c, "al": alerts[0]}, &read)
	if len(read.Case.Entities)+len(read.Case.Notes)+len(read.Case.Views) != 0 || len(read.Case.History) != 1 || read.Alert.Status != "NEW" || len(read.Alert.History) != 1 {
		t.Errorf("after refusals: %+v", read)
	}
}

// TestAlertsAndCasesAccess: partners get FORBIDDEN and null data for every operation on alerts
// and cases; admins and analysts may call them; every call is in the audit log under the key.
func TestAlertsAndCasesAccess(t *testing.T) {
	a, ids, alerts := casesWorld(t)
	calls := []struct{ op, query string }{
		{"alerts", `query Queue { alerts(first: 1) { nodes { id } } }`},
		{"alert", `query One($al: ID!) { alert(id: $al) { id } }`},
		{"cases", `query Cases { cases(first: 1) { nodes { id } } }`},
		{"createCase", `mutation Open($t: String!) { createCase(title: $t) { id } }`},
		{"updateAlert", `mutation Assign($al: ID!) { updateAlert(id: $al, input: {assignee: "x"}) { id } }`},
	}
	vars := map[string]any{"al": alerts[0], "t": "Access " + a.partner, "e": ids[0]}
	for _, role := range graph.Roles {
		for _, c := range calls {
			_, res := a.as(t, role, c.query, vars)
			if role == graph.RolePartner {
				if res.code() != "FORBIDDEN" || string(res.Data) != "null" && strings.Contains(string(res.Data), `"id"`) {
					t.Errorf("partner %s: %s %+v", c.op, res.Data, res.Errors)
				}
				continue
			}
			if len(res.Errors) > 0 {
				t.Errorf("%s %s: %+v", role, c.op, res.Errors)
			}
		}
	}
	// The remaining operations, as a partner, on a real case: refused, and the case unchanged.
	var created struct{ CreateCase struct{ ID string } }
	a.gql(t, graph.RoleAdmin, `mutation($t: String!) { createCase(title: $t) { id } }`, map[string]any{"t": "Partner " + a.partner}, &created)
	cv := map[string]any{"c": created.CreateCase.ID, "e": ids[0]}
	for _, q := range []string{
		`query($c: ID!) { case(id: $c) { id } }`,
		`mutation($c: ID!) { updateCase(id: $c, title: "x") { id } }`,
		`mutation($c: ID!, $e: ID!) { addToCase(id: $c, entityIds: [$e]) { id } }`,
		`mutation($c: ID!, $e: ID!) { removeFromCase(id: $c, entityIds: [$e]) { id } }`,
		`mutation($c: ID!) { addCaseNote(id: $c, text: "x") { id } }`,
		`mutation($c: ID!, $e: ID!) { saveCaseView(id: $c, view: {name: "v", nodeIds: [$e]}) { id } }`,
	} {
		if _, res := a.as(t, graph.RolePartner, q, cv); res.code() != "FORBIDDEN" {
			t.Errorf("partner %s: %+v", q, res.Errors)
		}
	}
	if c, err := a.store.Case(t.Context(), created.CreateCase.ID); err != nil || len(c.Events) != 1 {
		t.Errorf("partner changed the case: %+v %v", c, err)
	}

	// The audit log holds the analyst's calls by operation name, mutations as mutations. The
	// server's writer stores entries every 200ms: wait for them rather than call FlushAudit,
	// which races with that writer (see the report on server/audit.go).
	var recs []*neo4j.Record
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		recs = a.cypher(t, `MATCH (e:AuditEntry) WHERE e.keyId IN $k AND e.operation IN ['Queue', 'Open', 'Assign']
RETURN e.keyId AS key, e.operation AS op, e.operationType AS type, e.status AS status`,
			map[string]any{"k": []string{a.keys[graph.RoleAnalyst].ID, a.keys[graph.RolePartner].ID}})
		if len(recs) >= 6 || time.Now().After(deadline) {
			break
		}
	}
	got := map[string]string{}
	for _, r := range recs {
		key, _ := r.Get("key")
		op, _ := r.Get("op")
		typ, _ := r.Get("type")
		st, _ := r.Get("status")
		role := "analyst"
		if key == a.keys[graph.RolePartner].ID {
			role = "partner"
		}
		got[role+" "+op.(string)] = typ.(string) + " " + st.(string)
	}
	want := map[string]string{"analyst Queue": "query ok", "analyst Open": "mutation ok", "analyst Assign": "mutation ok",
		"partner Queue": "query refused", "partner Open": "mutation refused", "partner Assign": "mutation refused"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("audit of %s: %q, want %q (all: %v)", k, got[k], w, got)
		}
	}
}
