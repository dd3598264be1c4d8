package graph_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/graphtest"
)

// alertWorld writes two accounts to raise alerts on and removes them, their alerts and the
// cases of the test afterwards.
func alertWorld(t *testing.T) (*graph.Store, string, string) {
	t.Helper()
	s := graphtest.Open(t)
	p := graphtest.Prefix(t)
	src := graph.Source{Partner: p + "-bank", Dataset: "t", File: "t"}
	a, b := graph.AccountID(p, "1"), graph.AccountID(p, "2")
	t.Cleanup(func() {
		query(t, s, `MATCH (x:Alert) WHERE x.subject CONTAINS $p OPTIONAL MATCH (x)-[:HAS_EVENT]->(e) DETACH DELETE x, e`, map[string]any{"p": p})
		query(t, s, `MATCH (c:Case) WHERE c.title CONTAINS $p OPTIONAL MATCH (c)-->(x:CaseNote|CaseView|CaseEvent) DETACH DELETE c, x`, map[string]any{"p": p})
		query(t, s, `MATCH (n:Entity) WHERE n.id CONTAINS $p DETACH DELETE n`, map[string]any{"p": p})
		query(t, s, `MATCH (n:Source {partner: $p}) DETACH DELETE n`, map[string]any{"p": src.Partner})
	})
	batch := graph.Batch{Nodes: []graph.Node{
		{Label: graph.LabelBankAccount, ID: a, Props: map[string]any{"accountNumber": "1"}, Ref: graph.Ref{Line: 1}},
		{Label: graph.LabelBankAccount, ID: b, Props: map[string]any{"accountNumber": "2"}, Ref: graph.Ref{Line: 2}},
	}}
	if _, err := s.WriteBatch(t.Context(), src, batch); err != nil {
		t.Fatal(err)
	}
	return s, a, b
}

func code(err error) string {
	var e *graph.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestAlertsDeduplicateAndReraise(t *testing.T) {
	s, a, _ := alertWorld(t)
	ctx := t.Context()
	cand := graph.AlertCandidate{Subject: a, Risk: 0.7, Reason: "risk 0.70 with cycle", Rules: []string{"cycle", "fan_in"}}
	raise := func(c graph.AlertCandidate, want graph.AlertStats) {
		t.Helper()
		st, err := s.RaiseAlerts(ctx, "det:test", []graph.AlertCandidate{c})
		if err != nil {
			t.Fatal(err)
		}
		if st != want {
			t.Fatalf("RaiseAlerts(%v) = %+v, want %+v", c.Risk, st, want)
		}
	}
	raise(cand, graph.AlertStats{Created: 1})
	raise(cand, graph.AlertStats{Unchanged: 1}) // idempotent
	cand.Risk = 0.75
	raise(cand, graph.AlertStats{Updated: 1}) // one open alert per entity, updated
	list, _, _, err := s.Alerts(ctx, graph.AlertFilter{Subject: a}, 10, "")
	if err != nil || len(list) != 1 || list[0].Risk != 0.75 || list[0].Status != graph.AlertNew {
		t.Fatalf("alerts of the subject: %v %v", list, err)
	}
	id := list[0].ID

	// Transitions: back to NEW and closing without a reason are refused.
	for _, c := range []graph.AlertChange{
		{Status: ptr(graph.AlertNew)},
		{Status: ptr(graph.AlertClosed)},
		{Status: ptr(graph.AlertClosed), CloseReason: "BECAUSE"},
		{CloseReason: "FALSE_POSITIVE"},
		{},
	} {
		if _, err := s.UpdateAlert(ctx, id, "ana", c); code(err) != graph.EINVALID {
			t.Errorf("UpdateAlert(%+v): %v, want EINVALID", c, err)
		}
	}
	if _, err := s.UpdateAlert(ctx, "alert:none", "ana", graph.AlertChange{Note: "x"}); code(err) != graph.ENOTFOUND {
		t.Errorf("unknown alert: %v", err)
	}
	if _, err := s.UpdateAlert(ctx, id, "ana", graph.AlertChange{Assignee: ptr("ana")}); err != nil {
		t.Fatal(err)
	}
	closed, err := s.UpdateAlert(ctx, id, "ana", graph.AlertChange{Status: ptr(graph.AlertClosed), CloseReason: "FALSE_POSITIVE", Note: "a family remitter"})
	if err != nil || closed.Status != graph.AlertClosed || closed.CloseReason != "FALSE_POSITIVE" || closed.Assignee != "ana" {
		t.Fatalf("close: %+v %v", closed, err)
	}
	// Closed as a false positive: the same score does not come back, nor a small rise ...
	raise(cand, graph.AlertStats{Unchanged: 1})
	cand.Risk = 0.8
	raise(cand, graph.AlertStats{Unchanged: 1})
	// ... but a new rule does.
	cand.Rules = append(cand.Rules, "identifier_in_report")
	raise(cand, graph.AlertStats{Created: 1})
	list, _, _, _ = s.Alerts(ctx, graph.AlertFilter{Subject: a}, 10, "")
	if len(list) != 2 {
		t.Fatalf("after the new rule: %v", list)
	}
	open, _, _, _ := s.Alerts(ctx, graph.AlertFilter{Subject: a, Statuses: []graph.AlertStatus{graph.AlertNew}}, 10, "")
	if len(open) != 1 || open[0].ID == id {
		t.Errorf("open alerts: %v", open)
	}
	_, hist, err := s.Alert(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range hist {
		actions = append(actions, e.Action)
	}
	if !slices.Equal(actions, []string{"RAISED", "UPDATED", "ASSIGNED", "CLOSED"}) || hist[3].By != "ana" || hist[3].Note != "FALSE_POSITIVE: a family remitter" {
		t.Errorf("history %v %+v", actions, hist)
	}
	// Reopening a closed alert is allowed.
	if re, err := s.UpdateAlert(ctx, id, "ben", graph.AlertChange{Status: ptr(graph.AlertInReview)}); err != nil || re.Status != graph.AlertInReview || re.CloseReason != "" {
		t.Errorf("reopen: %+v %v", re, err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestCases(t *testing.T) {
	s, a, b := alertWorld(t)
	ctx := t.Context()
	if _, err := s.RaiseAlerts(ctx, "det:test", []graph.AlertCandidate{{Subject: a, Risk: 0.9, Reason: "r", Rules: []string{"cycle"}}}); err != nil {
		t.Fatal(err)
	}
	alerts, _, _, _ := s.Alerts(ctx, graph.AlertFilter{Subject: a}, 1, "")
	title := "Case " + a
	if _, err := s.CreateCase(ctx, "ana", "  ", ""); code(err) != graph.EINVALID {
		t.Errorf("empty title: %v", err)
	}
	c, err := s.CreateCase(ctx, "ana", title, "from an alert")
	if err != nil || c.Status != graph.CaseOpen || c.CreatedBy != "ana" {
		t.Fatalf("create: %+v %v", c, err)
	}
	if _, err := s.AddToCase(ctx, c.ID, "ana", []string{a, "acct:nobody:1"}, nil); code(err) != graph.ENOTFOUND {
		t.Errorf("unknown entity: %v", err)
	}
	for range 2 { // adding twice records once
		if c, err = s.AddToCase(ctx, c.ID, "ana", []string{a, b}, []string{alerts[0].ID}); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.Entities) != 2 || len(c.Alerts) != 1 {
		t.Fatalf("case holds %v and %v", c.Entities, c.Alerts)
	}
	if al, _, _ := s.Alert(ctx, alerts[0].ID); al.Status != graph.AlertInReview {
		t.Errorf("alert added to a case: %s, want IN_REVIEW", al.Status)
	}
	if c, err = s.AddCaseNote(ctx, c.ID, "ben", "called the bank"); err != nil || len(c.Notes) != 1 || c.Notes[0].By != "ben" {
		t.Fatalf("note: %+v %v", c.Notes, err)
	}
	if _, err := s.SaveCaseView(ctx, c.ID, "ana", graph.SavedView{Name: "v", NodeIDs: []string{a}, Layout: "{not json"}); code(err) != graph.EINVALID {
		t.Errorf("bad layout: %v", err)
	}
	if c, err = s.SaveCaseView(ctx, c.ID, "ana", graph.SavedView{Name: "network", NodeIDs: []string{a, b}, Layout: `{"a":[1,2]}`}); err != nil || len(c.Views) != 1 || c.Views[0].Layout != `{"a":[1,2]}` {
		t.Fatalf("view: %+v %v", c.Views, err)
	}
	if c, err = s.RemoveFromCase(ctx, c.ID, "ana", []string{b}, nil); err != nil || !slices.Equal(c.Entities, []string{a}) {
		t.Fatalf("remove: %v %v", c.Entities, err)
	}
	if c, err = s.UpdateCase(ctx, c.ID, "ana", graph.CaseChange{Status: ptr("CLOSED")}); err != nil || c.Status != graph.CaseClosed {
		t.Fatalf("close case: %+v %v", c, err)
	}
	if _, err := s.UpdateCase(ctx, c.ID, "ana", graph.CaseChange{Status: ptr("DONE")}); code(err) != graph.EINVALID {
		t.Errorf("bad status: %v", err)
	}
	var actions []string
	for _, e := range c.Events {
		actions = append(actions, e.Action)
	}
	if !slices.Equal(actions, []string{"CREATED", "ADDED", "ADDED", "NOTE", "VIEW", "REMOVED", "UPDATED"}) {
		t.Errorf("history: %v", actions)
	}
	list, _, _, err := s.Cases(ctx, graph.CaseClosed, 200, "")
	if err != nil || !slices.ContainsFunc(list, func(x graph.CaseView) bool { return x.ID == c.ID }) {
		t.Errorf("closed cases: %v %v", list, err)
	}
	if _, err := s.Case(ctx, "case:none"); code(err) != graph.ENOTFOUND {
		t.Errorf("unknown case: %v", err)
	}
}
