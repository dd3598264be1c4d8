package graph_test

import (
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/crosslink/crosslink/graph"
)

func caseActions(c graph.CaseView) []string {
	var out []string
	for _, e := range c.Events {
		out = append(out, e.Action)
	}
	return out
}

// TestCaseWork follows a case from opening to closing: what it holds after each step, and a
// history with one entry per change that changed something.
func TestCaseWork(t *testing.T) {
	s, p, ids := alertWorld(t, 3)
	a, b, c3 := ids[0], ids[1], ids[2]
	ctx := t.Context()
	if _, err := s.RaiseAlerts(ctx, "det:1", []graph.AlertCandidate{
		{Subject: a, Risk: 0.9, Rules: []string{"cycle"}}, {Subject: c3, Risk: 0.7, Rules: []string{"fan_in"}},
	}); err != nil {
		t.Fatal(err)
	}
	alertA, alertC := subjectAlerts(t, s, a)[0], subjectAlerts(t, s, c3)[0]
	// An alert already closed keeps its status when it goes into a case.
	if _, err := s.UpdateAlert(ctx, alertC.ID, "ana", graph.AlertChange{Status: ptr(graph.AlertClosed), CloseReason: "DUPLICATE"}); err != nil {
		t.Fatal(err)
	}

	title := "Buyers of " + p
	for _, tt := range []struct{ name, title, description string }{
		{"empty title", "  ", ""},
		{"title too long", strings.Repeat("t", 201), ""},
		{"description too long", title, strings.Repeat("d", 10_001)},
	} {
		if _, err := s.CreateCase(ctx, "ana", tt.title, tt.description); code(err) != graph.EINVALID {
			t.Errorf("%s: %v, want EINVALID", tt.name, err)
		}
	}
	c, err := s.CreateCase(ctx, "ana", "  "+title+" ", "from alert "+alertA.ID)
	if err != nil || c.Title != title || c.Status != graph.CaseOpen || c.CreatedBy != "ana" || c.CreatedAt.IsZero() {
		t.Fatalf("create: %+v %v", c, err)
	}

	steps := []struct {
		name     string
		do       func() (graph.CaseView, error)
		code     string
		entities []string
		alerts   []string
		events   int // the history's length afterwards
	}{
		{name: "unknown entity: nothing added", code: graph.ENOTFOUND,
			do: func() (graph.CaseView, error) {
				return s.AddToCase(ctx, c.ID, "ana", []string{a, graph.AccountID(p, "nobody")}, nil)
			}},
		{name: "unknown alert: nothing added", code: graph.ENOTFOUND,
			do: func() (graph.CaseView, error) {
				return s.AddToCase(ctx, c.ID, "ana", []string{a}, []string{"alert:none"})
			}},
		{name: "nothing to add", code: graph.EINVALID,
			do: func() (graph.CaseView, error) { return s.AddToCase(ctx, c.ID, "ana", nil, nil) }},
		{name: "an empty id", code: graph.EINVALID,
			do: func() (graph.CaseView, error) { return s.AddToCase(ctx, c.ID, "ana", []string{""}, nil) }},
		{name: "too many at once", code: graph.EINVALID,
			do: func() (graph.CaseView, error) { return s.AddToCase(ctx, c.ID, "ana", make([]string, 1001), nil) }},
		{name: "add", entities: []string{a, b}, alerts: []string{alertA.ID, alertC.ID}, events: 2,
			do: func() (graph.CaseView, error) {
				return s.AddToCase(ctx, c.ID, "ana", []string{a, b, a}, []string{alertA.ID, alertC.ID})
			}},
		{name: "add the same again", entities: []string{a, b}, alerts: []string{alertA.ID, alertC.ID}, events: 2,
			do: func() (graph.CaseView, error) {
				return s.AddToCase(ctx, c.ID, "ben", []string{b, a}, []string{alertA.ID})
			}},
		{name: "add one more", entities: []string{a, b, c3}, alerts: []string{alertA.ID, alertC.ID}, events: 3,
			do: func() (graph.CaseView, error) { return s.AddToCase(ctx, c.ID, "ben", []string{a, c3}, nil) }},
		{name: "remove what the case does not hold", entities: []string{a, b, c3}, alerts: []string{alertA.ID, alertC.ID}, events: 3,
			do: func() (graph.CaseView, error) {
				return s.RemoveFromCase(ctx, c.ID, "ben", []string{"acct:none:1"}, []string{"alert:none"})
			}},
		{name: "remove", entities: []string{a, c3}, alerts: []string{alertA.ID}, events: 4,
			do: func() (graph.CaseView, error) {
				return s.RemoveFromCase(ctx, c.ID, "ben", []string{b}, []string{alertC.ID})
			}},
		{name: "remove again", entities: []string{a, c3}, alerts: []string{alertA.ID}, events: 4,
			do: func() (graph.CaseView, error) {
				return s.RemoveFromCase(ctx, c.ID, "ben", []string{b}, []string{alertC.ID})
			}},
	}
	for _, st := range steps {
		got, err := st.do()
		if code(err) != st.code {
			t.Fatalf("%s: %v, want code %q", st.name, err, st.code)
		}
		if st.code != "" {
			got, err = s.Case(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Entities)+len(got.Alerts) != 0 {
				t.Errorf("%s: refused, but the case holds %v %v", st.name, got.Entities, got.Alerts)
			}
			continue
		}
		// Items added in one step share a time and come in id order.
		if !reflect.DeepEqual(got.Entities, st.entities) || !reflect.DeepEqual(got.Alerts, slices.Sorted(slices.Values(st.alerts))) || len(got.Events) != st.events {
			t.Errorf("%s: entities %v alerts %v events %v; want %v %v and %d events", st.name, got.Entities, got.Alerts, caseActions(got), st.entities, st.alerts, st.events)
		}
	}
	// The NEW alert went IN_REVIEW with a note of the case; the closed one stayed closed.
	if al, hist, _ := s.Alert(ctx, alertA.ID); al.Status != graph.AlertInReview || hist[len(hist)-1].Note != "added to case "+c.ID || hist[len(hist)-1].By != "ana" {
		t.Errorf("alert added to a case: %s %+v", al.Status, hist)
	}
	if al, _, _ := s.Alert(ctx, alertC.ID); al.Status != graph.AlertClosed {
		t.Errorf("closed alert added to a case: %s", al.Status)
	}

	// Notes and views.
	if _, err := s.AddCaseNote(ctx, c.ID, "ben", " \n "); code(err) != graph.EINVALID {
		t.Errorf("empty note: %v", err)
	}
	if c, err = s.AddCaseNote(ctx, c.ID, "ben", "called the bank"); err != nil || len(c.Notes) != 1 || c.Notes[0].By != "ben" || c.Notes[0].Text != "called the bank" {
		t.Fatalf("note: %+v %v", c.Notes, err)
	}
	view := graph.SavedView{Name: "network", NodeIDs: []string{a, c3}, EdgeIDs: []string{"e1"}, Layout: `{"a":[1,2]}`, Filters: `{"from":"2024-01-01"}`}
	for _, tt := range []struct {
		name string
		v    graph.SavedView
	}{
		{"no name", graph.SavedView{NodeIDs: []string{a}}},
		{"layout not JSON", graph.SavedView{Name: "v", Layout: "{not json"}},
		{"filters not JSON", graph.SavedView{Name: "v", Filters: "["}},
		{"layout too long", graph.SavedView{Name: "v", Layout: `"` + strings.Repeat("x", 1_000_000) + `"`}},
		{"too many nodes", graph.SavedView{Name: "v", NodeIDs: make([]string, 10_001)}},
	} {
		if _, err := s.SaveCaseView(ctx, c.ID, "ana", tt.v); code(err) != graph.EINVALID {
			t.Errorf("%s: %v, want EINVALID", tt.name, err)
		}
	}
	for range 2 { // saving it as it is saved changes nothing
		if c, err = s.SaveCaseView(ctx, c.ID, "ana", view); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.Views) != 1 || c.Views[0].Layout != view.Layout || c.Views[0].Filters != view.Filters || !slices.Equal(c.Views[0].NodeIDs, view.NodeIDs) {
		t.Fatalf("view: %+v", c.Views)
	}
	firstView := c.Views[0].ID
	view.Layout = `{"a":[3,4]}`
	if c, err = s.SaveCaseView(ctx, c.ID, "ben", view); err != nil || len(c.Views) != 1 || c.Views[0].ID != firstView || c.Views[0].Layout != view.Layout || c.Views[0].By != "ben" {
		t.Fatalf("view replaced: %+v %v", c.Views, err)
	}

	// Title, description, status.
	for _, tt := range []struct {
		name string
		ch   graph.CaseChange
	}{
		{"nothing", graph.CaseChange{}},
		{"an unknown status", graph.CaseChange{Status: ptr("DONE")}},
		{"an empty title", graph.CaseChange{Title: ptr("")}},
	} {
		if _, err := s.UpdateCase(ctx, c.ID, "ana", tt.ch); code(err) != graph.EINVALID {
			t.Errorf("%s: %v, want EINVALID", tt.name, err)
		}
	}
	for _, ch := range []graph.CaseChange{
		{Title: ptr(title)}, // as it is: nothing
		{Status: ptr(graph.CaseClosed)},
		{Status: ptr(graph.CaseClosed), Description: ptr("from alert " + alertA.ID)}, // as it is: nothing
		{Status: ptr(graph.CaseOpen), Description: ptr("reopened: a new buyer")},
	} {
		if c, err = s.UpdateCase(ctx, c.ID, "ana", ch); err != nil {
			t.Fatal(err)
		}
	}
	if c.Status != graph.CaseOpen || c.Description != "reopened: a new buyer" {
		t.Errorf("updated case: %+v", c)
	}

	type ev struct{ By, Action, Detail string }
	var got []ev
	for _, e := range c.Events {
		got = append(got, ev{e.By, e.Action, e.Detail})
	}
	want := []ev{
		{"ana", "CREATED", title},
		{"ana", "ADDED", "entities: " + a + ", " + b + "; alerts: " + alertA.ID + ", " + alertC.ID},
		{"ben", "ADDED", "entities: " + c3},
		{"ben", "REMOVED", "entities: " + b + "; alerts: " + alertC.ID},
		{"ben", "NOTE", "called the bank"},
		{"ana", "VIEW", "network"},
		{"ben", "VIEW", "network (replaced)"},
		{"ana", "CLOSED", "status OPEN -> CLOSED"},
		{"ana", "REOPENED", "description, status CLOSED -> OPEN"},
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("history\n got %v\nwant %v", got, want)
	}
	if !c.UpdatedAt.Equal(c.Events[len(c.Events)-1].At) {
		t.Errorf("updatedAt %v, last event at %v", c.UpdatedAt, c.Events[len(c.Events)-1].At)
	}
}

// TestCaseConcurrentAdds: analysts adding the same entity at once record it once, and every
// note they add at once is kept, numbered in the history.
func TestCaseConcurrentAdds(t *testing.T) {
	s, p, ids := alertWorld(t, 1)
	ctx := t.Context()
	c, err := s.CreateCase(ctx, "ana", "Concurrent "+p, "")
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for range n {
		wg.Go(func() {
			_, err := s.AddToCase(ctx, c.ID, "ana", ids, nil)
			errs <- err
		})
		wg.Go(func() {
			_, err := s.AddCaseNote(ctx, c.ID, "ben", "seen")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c, err = s.Case(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	acts := caseActions(c)
	if len(c.Entities) != 1 || len(c.Notes) != n || len(acts) != n+2 || acts[0] != "CREATED" {
		t.Errorf("after concurrent adds: entities %v, %d notes, history %v", c.Entities, len(c.Notes), acts)
	}
	recs := query(t, s, `MATCH (:Case {id: $id})-[:HAS_EVENT]->(e) RETURN collect(e.seq) AS seqs`, map[string]any{"id": c.ID})
	seqs, _ := recs[0].Get("seqs")
	got := map[int64]bool{}
	for _, x := range seqs.([]any) {
		got[x.(int64)] = true
	}
	if len(got) != n+2 {
		t.Errorf("event numbers %v: not one per event", seqs)
	}
}

// TestCasesPages pages through cases, most recently changed first.
func TestCasesPages(t *testing.T) {
	s, p, _ := alertWorld(t, 1)
	ctx := t.Context()
	var mine []string
	for i := range 5 {
		c, err := s.CreateCase(ctx, "ana", "Page "+p+" "+string(rune('a'+i)), "")
		if err != nil {
			t.Fatal(err)
		}
		mine = append(mine, c.ID)
	}
	// Close two: the status filter sees them, and they move to the front.
	for _, id := range mine[:2] {
		if _, err := s.UpdateCase(ctx, id, "ana", graph.CaseChange{Status: ptr(graph.CaseClosed)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		status string
		want   []string
	}{{"", mine}, {graph.CaseClosed, mine[:2]}, {graph.CaseOpen, mine[2:]}} {
		// Other tests' cases may be in the database: page through all and keep ours.
		var all []graph.CaseView
		after := ""
		for page := 0; ; page++ {
			list, end, more, err := s.Cases(ctx, tt.status, 2, after)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, list...)
			if !more {
				break
			}
			if page > 10_000 {
				t.Fatal("cases never end")
			}
			after = end
		}
		seen := map[string]bool{}
		var got []string
		for i, c := range all {
			if seen[c.ID] {
				t.Errorf("status %q: %s on two pages", tt.status, c.ID)
			}
			seen[c.ID] = true
			if tt.status != "" && c.Status != tt.status {
				t.Errorf("status %q: case %s is %s", tt.status, c.ID, c.Status)
			}
			if i > 0 && c.UpdatedAt.After(all[i-1].UpdatedAt) {
				t.Errorf("status %q: %s changed after the case before it", tt.status, c.ID)
			}
			if slices.Contains(tt.want, c.ID) {
				got = append(got, c.ID)
				if len(c.Events) == 0 {
					t.Errorf("listed case %s without its history", c.ID)
				}
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("status %q: found %v of %v", tt.status, got, tt.want)
		}
	}
	for _, tt := range []struct {
		name, status string
		first        int
		after        string
	}{
		{"an unknown status", "DONE", 10, ""},
		{"first too large", "", 201, ""},
		{"a bad cursor", "", 10, "eA"},
	} {
		if _, _, _, err := s.Cases(ctx, tt.status, tt.first, tt.after); code(err) != graph.EINVALID {
			t.Errorf("%s: %v, want EINVALID", tt.name, err)
		}
	}
}

// TestCaseNotFound: every change to a case that does not exist is ENOTFOUND and creates nothing.
func TestCaseNotFound(t *testing.T) {
	s, _, ids := alertWorld(t, 1)
	ctx := t.Context()
	const id = "case:none"
	for name, do := range map[string]func() error{
		"Case":           func() error { _, err := s.Case(ctx, id); return err },
		"UpdateCase":     func() error { _, err := s.UpdateCase(ctx, id, "ana", graph.CaseChange{Title: ptr("x")}); return err },
		"AddToCase":      func() error { _, err := s.AddToCase(ctx, id, "ana", ids, nil); return err },
		"RemoveFromCase": func() error { _, err := s.RemoveFromCase(ctx, id, "ana", ids, nil); return err },
		"AddCaseNote":    func() error { _, err := s.AddCaseNote(ctx, id, "ana", "x"); return err },
		"SaveCaseView":   func() error { _, err := s.SaveCaseView(ctx, id, "ana", graph.SavedView{Name: "v"}); return err },
	} {
		if err := do(); code(err) != graph.ENOTFOUND {
			t.Errorf("%s: %v, want ENOTFOUND", name, err)
		}
	}
	if recs := query(t, s, `MATCH (c:Case {id: $id}) RETURN c`, map[string]any{"id": id}); len(recs) != 0 {
		t.Errorf("a change to a missing case created it")
	}
}
