package server_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/server"
)

// A bank's customer and a platform's account of one person, ingested by a partner, resolve into
// one entity that analysts see with its evidence and can judge; partners never see it.
func TestResolutionOverHTTP(t *testing.T) {
	a := newServer(t, server.DefaultConfig())
	svc := a.partner + "-chat"
	t.Cleanup(func() {
		a.cypher(t, `MATCH (n:Entity) WHERE n.id CONTAINS $p DETACH DELETE n`, map[string]any{"p": a.partner})
		a.cypher(t, `MATCH (s:Source) WHERE s.partner STARTS WITH $p DETACH DELETE s`, map[string]any{"p": a.partner})
		a.cypher(t, `MATCH (j:Judgement) WHERE j.a CONTAINS $p DETACH DELETE j`, map[string]any{"p": a.partner})
		a.cypher(t, `MATCH (e:ResolvedEntity) WHERE NOT ()-[:RESOLVED_TO]->(e) DELETE e`, nil)
	})
	email := strings.ToLower(a.partner) + ".jsmith71@example.net"
	ok := func(t *testing.T, res gqlResponse) {
		t.Helper()
		if len(res.Errors) > 0 {
			t.Fatalf("errors: %+v", res.Errors)
		}
	}
	_, res := a.as(t, graph.RolePartner, `mutation($rows: [TransactionInput!]!) { ingestTransactions(rows: $rows) { loaded } }`,
		map[string]any{"rows": []map[string]any{{"transactionId": "R1", "timestamp": "2026-03-01T22:30:00Z", "amount": "25.00",
			"currency": "EUR", "payerAccount": "A1", "payerCustomerId": "C1", "payerName": "Jon Smith",
			"payerBirthDate": "1971-03-02", "payerEmail": email, "payeeAccount": "B1"}}})
	ok(t, res)
	_, res = a.as(t, graph.RolePartner, `mutation($rows: [PlatformAccountInput!]!) { ingestPlatformAccounts(rows: $rows) { loaded } }`,
		map[string]any{"rows": []map[string]any{{"service": svc, "platformId": "u1", "username": "jsmith71", "displayName": "John Smith", "email": email}}})
	ok(t, res)
	person := graph.PartyID(graph.LabelPerson, a.partner, "C1")
	account := graph.UserAccountID(svc, "u1")

	resolveNow := func(t *testing.T) {
		t.Helper()
		_, res := a.as(t, graph.RoleAdmin, `mutation { startResolution { id } }`, nil)
		ok(t, res)
		var started struct{ StartResolution struct{ ID string } }
		_ = json.Unmarshal(res.Data, &started)
		deadline := time.Now().Add(2 * time.Minute)
		for {
			_, res := a.as(t, graph.RoleAdmin, `query($id: ID!) { job(id: $id) { state error resolution { mode pending } } }`,
				map[string]any{"id": started.StartResolution.ID})
			ok(t, res)
			var j struct {
				Job struct {
					State, Error string
					Resolution   *struct {
						Mode    string
						Pending int
					}
				}
			}
			_ = json.Unmarshal(res.Data, &j)
			if j.Job.State == "SUCCEEDED" {
				if j.Job.Resolution == nil || j.Job.Resolution.Mode != "incremental" {
					t.Fatalf("job result = %+v", j.Job)
				}
				return
			}
			if j.Job.State != "RUNNING" || time.Now().After(deadline) {
				t.Fatalf("resolution job %+v", j.Job)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	resolveNow(t)

	const entityQuery = `query($id: ID!) { entity(id: $id) { resolvedEntity { id kind size members { id }
		links { a { id } b { id } status probability evidence { field level weight detail } } }
		matches { status } } }`
	type entityResult struct {
		Entity struct {
			ResolvedEntity *struct {
				ID, Kind string
				Size     int
				Members  []struct{ ID string }
				Links    []struct {
					A, B        struct{ ID string }
					Status      string
					Probability float64
					Evidence    []struct {
						Field, Level string
						Weight       float64
					}
				}
			}
			Matches []struct{ Status string }
		}
	}
	read := func(t *testing.T, role graph.Role, id string) entityResult {
		t.Helper()
		_, res := a.as(t, role, entityQuery, map[string]any{"id": id})
		ok(t, res)
		var r entityResult
		if err := json.Unmarshal(res.Data, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	got := read(t, graph.RoleAnalyst, person).Entity
	if got.ResolvedEntity == nil || got.ResolvedEntity.Size != 2 || got.ResolvedEntity.Kind != "PERSON" {
		t.Fatalf("resolvedEntity = %+v", got.ResolvedEntity)
	}
	if len(got.ResolvedEntity.Links) != 1 || got.ResolvedEntity.Links[0].Status != "LINKED" {
		t.Fatalf("links = %+v", got.ResolvedEntity.Links)
	}
	fields := map[string]string{}
	for _, ev := range got.ResolvedEntity.Links[0].Evidence {
		fields[ev.Field] = ev.Level
	}
	if fields["email"] != "exact" {
		t.Errorf("evidence = %+v; want the e-mail", got.ResolvedEntity.Links[0].Evidence)
	}
	// A partner key reads its own records but never which other records they resolve to.
	if p := read(t, graph.RolePartner, person).Entity; p.ResolvedEntity != nil || len(p.Matches) != 0 {
		t.Errorf("partner sees resolution: %+v", p)
	}

	// DIFFERENT splits them at once; the judgement is listed with who made it; retracting
	// restores the link.
	_, res = a.as(t, graph.RoleAnalyst, `mutation($a: ID!, $b: ID!) { judgeMatch(a: $a, b: $b, verdict: DIFFERENT, note: "father and son") {
		judgement { verdict by note } run { mode membershipsChanged } } }`, map[string]any{"a": person, "b": account})
	ok(t, res)
	if !strings.Contains(string(res.Data), `"verdict":"DIFFERENT"`) || !strings.Contains(string(res.Data), `"membershipsChanged":2`) {
		t.Fatalf("judgeMatch = %s", res.Data)
	}
	if r := read(t, graph.RoleAnalyst, person).Entity; r.ResolvedEntity != nil || len(r.Matches) != 1 || r.Matches[0].Status != "REJECTED" {
		t.Fatalf("after DIFFERENT: %+v", r)
	}
	_, res = a.as(t, graph.RoleAnalyst, `query($id: ID) { judgements(recordId: $id) { nodes { verdict by } } }`, map[string]any{"id": account})
	ok(t, res)
	if !strings.Contains(string(res.Data), `"by":"test analyst`) {
		t.Errorf("judgements = %s", res.Data)
	}
	_, res = a.as(t, graph.RoleAnalyst, `mutation($a: ID!, $b: ID!) { retractJudgement(a: $a, b: $b) { judgement { verdict } } }`,
		map[string]any{"a": account, "b": person})
	ok(t, res)
	if r := read(t, graph.RoleAnalyst, person).Entity; r.ResolvedEntity == nil || r.ResolvedEntity.Size != 2 {
		t.Fatalf("after retracting: %+v", r)
	}

	// Judging is the analysts' and admins'; running resolution is the admins'.
	if code, res := a.as(t, graph.RolePartner, `mutation($a: ID!, $b: ID!) { judgeMatch(a: $a, b: $b, verdict: SAME) { judgement { id } } }`,
		map[string]any{"a": person, "b": account}); code != 200 || res.code() != "FORBIDDEN" {
		t.Errorf("partner judgeMatch: %d %+v", code, res.Errors)
	}
	if _, res := a.as(t, graph.RoleAnalyst, `mutation { startResolution(full: true) { id } }`, nil); res.code() != "FORBIDDEN" {
		t.Errorf("analyst startResolution: %+v", res.Errors)
	}
	// Bad input names the field.
	_, res = a.as(t, graph.RoleAnalyst, `mutation($a: ID!) { judgeMatch(a: $a, b: $a, verdict: SAME) { judgement { id } } }`, map[string]any{"a": person})
	if res.code() != "BAD_USER_INPUT" {
		t.Errorf("judging a record with itself: %+v", res.Errors)
	}
	_, res = a.as(t, graph.RoleAnalyst, `{ matchReviews(first: 2, after: "garbage") { nodes { probability } } }`, nil)
	if res.code() != "BAD_USER_INPUT" {
		t.Errorf("bad cursor: %+v", res.Errors)
	}
}
