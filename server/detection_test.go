package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/detect"
	"github.com/crosslink/crosslink/server"
)

// TestDetectionOverHTTP runs detection over a small facilitator network written through the
// store, then reads what it found through the API: signals with their evidence, the risk score
// with its breakdown, the ranking, the rules and the runs; partners see none of it.
func TestDetectionOverHTTP(t *testing.T) {
	a := newServer(t, server.DefaultConfig())
	ctx := t.Context()
	src := graph.Source{Partner: a.partner, Dataset: "t", File: "t.csv"}
	t.Cleanup(func() {
		a.cypher(t, `MATCH (n:Signal|RiskScore) WHERE n.subject CONTAINS $p DETACH DELETE n`, map[string]any{"p": a.partner})
		a.cypher(t, `MATCH (x:Alert) WHERE x.subject CONTAINS $p OPTIONAL MATCH (x)-[:HAS_EVENT]->(e) DETACH DELETE x, e`, map[string]any{"p": a.partner})
		a.cypher(t, `MATCH (c:Case) WHERE c.title CONTAINS $p OPTIONAL MATCH (c)-->(x:CaseNote|CaseView|CaseEvent) DETACH DELETE c, x`, map[string]any{"p": a.partner})
		a.cypher(t, `MATCH (n:Entity) WHERE n.id CONTAINS $p DETACH DELETE n`, map[string]any{"p": a.partner})
		a.cypher(t, `MATCH (n:Source {partner: $p}) DETACH DELETE n`, map[string]any{"p": a.partner})
	})
	ids := map[string]string{}
	var b graph.Batch
	for _, n := range []struct{ name, cc string }{{"b1", "AU"}, {"b2", "AU"}, {"b3", "AU"}, {"b4", "AU"}, {"f", "PH"}} {
		ids[n.name] = graph.AccountID(a.partner, n.name)
		b.Nodes = append(b.Nodes, graph.Node{Label: graph.LabelBankAccount, ID: ids[n.name], Props: map[string]any{"accountNumber": n.name, "country": n.cc}, Ref: graph.Ref{Line: 1}})
	}
	k := 0
	pay := func(from, to string, amount int64, cc string) {
		k++
		id := graph.TransactionID(a.partner, fmt.Sprint("t", k))
		at := time.Date(2026, 3, 1, 10, k, 0, 0, time.UTC)
		ref := graph.Ref{Line: k + 1, Record: fmt.Sprint("t", k), Seen: at}
		b.Nodes = append(b.Nodes, graph.Node{Label: graph.LabelTransaction, ID: id, Ref: ref,
			Props: map[string]any{"transactionId": fmt.Sprint("t", k), "amount": amount, "currency": "EUR", "timestamp": at, "payeeCountry": cc}})
		b.Edges = append(b.Edges, graph.Edge{Type: graph.RelSent, From: ids[from], To: id, Ref: ref},
			graph.Edge{Type: graph.RelTo, From: id, To: ids[to], Ref: ref})
	}
	for _, buyer := range []string{"b1", "b2", "b3", "b4"} {
		pay(buyer, "f", 5000, "PH")
		pay(buyer, "f", 7000, "PH")
	}
	pay("b1", "b2", 1000, "AU")
	pay("b3", "b4", 1000, "AU")
	if _, err := a.store.WriteBatch(ctx, src, b); err != nil {
		t.Fatal(err)
	}
	// Only the network rules, so that the test does not move with the other rules' defaults.
	var y strings.Builder
	y.WriteString("rules:\n")
	for _, r := range detect.Default().RuleList() {
		if r.Family != detect.FamilyNetwork {
			fmt.Fprintf(&y, "  %s: {enabled: false}\n", r.Name)
		}
	}
	y.WriteString("  risky_community: {weight: 0.5, weak: false, minSize: 4}\n  central_facilitator: {weight: 0.5, top: 1, minRatio: 2}\nscoring: {alertThreshold: 0.5}\n")
	cfg, err := detect.ParseConfig(strings.NewReader(y.String()), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.Detect(ctx, graph.DetectOptions{Config: cfg, By: "test"}); err != nil {
		t.Fatal(err)
	}

	code, res := a.as(t, graph.RoleAnalyst, `query($id: ID!) { entity(id: $id) { risk { risk alert alertReason
  breakdown { rule family weight strength contribution weak }
  signals { rule family indicator summary strength subject { id } transactionIds transactions { id type } facts } } } }`,
		map[string]any{"id": ids["f"]})
	if code != 200 || len(res.Errors) > 0 {
		t.Fatalf("entity risk: %d %+v", code, res.Errors)
	}
	var got struct {
		Entity struct {
			Risk struct {
				Risk      float64
				Alert     bool
				Breakdown []struct {
					Rule, Family string
					Contribution float64
				}
				Signals []struct {
					Rule, Family, Summary string
					Subject               struct{ ID string }
					TransactionIDs        []string `json:"transactionIds"`
					Facts                 map[string]any
				}
			}
		}
	}
	if err := json.Unmarshal(res.Data, &got); err != nil {
		t.Fatal(err)
	}
	r := got.Entity.Risk
	if r.Risk <= 0 || !r.Alert || len(r.Breakdown) != 2 || r.Breakdown[0].Family != "NETWORK" || len(r.Signals) != 2 {
		t.Fatalf("facilitator risk: %s", res.Data)
	}
	for _, s := range r.Signals {
		if s.Subject.ID != ids["f"] || s.Summary == "" || len(s.Facts) == 0 {
			t.Errorf("signal %+v", s)
		}
	}

	_, res = a.as(t, graph.RoleAnalyst, `{ riskRanking(alertsOnly: true, first: 200) { nodes { subject { id } risk } } detectionRules { name family weight weak } detectionRuns(first: 1) { id mode by status signals rules { rule signals ms } } }`, nil)
	if len(res.Errors) > 0 || !strings.Contains(string(res.Data), ids["f"]) || !strings.Contains(string(res.Data), `"name":"hrj_remittance"`) && !strings.Contains(string(res.Data), `"name":"risky_community"`) {
		t.Fatalf("ranking, rules and runs: %s %+v", res.Data, res.Errors)
	}
	_, res = a.as(t, graph.RoleAnalyst, `query($s: ID!) { signals(subject: $s, family: NETWORK, first: 1) { nodes { rule } pageInfo { hasNextPage endCursor } } }`, map[string]any{"s": ids["f"]})
	if len(res.Errors) > 0 || !strings.Contains(string(res.Data), `"hasNextPage":true`) {
		t.Fatalf("signals page: %s %+v", res.Data, res.Errors)
	}

	// Risk badges for many nodes at once read the risk scores in one batch.
	before := a.srv.RiskBatches()
	_, res = a.as(t, graph.RoleAnalyst, `query($ids: [ID!]!) { nodes(ids: $ids) { id risk { risk } } n1: node(id: "`+ids["b1"]+`") { risk { risk } } }`,
		map[string]any{"ids": []string{ids["f"], ids["b1"], ids["b2"], ids["b3"], ids["b4"]}})
	if len(res.Errors) > 0 || strings.Count(string(res.Data), `"risk":{`) != 6 {
		t.Fatalf("risk badges: %s %+v", res.Data, res.Errors)
	}
	if got := a.srv.RiskBatches() - before; got != 1 {
		t.Errorf("risk scores of 6 nodes read in %d batches, want 1", got)
	}

	// The alert raised for the facilitator, worked through: assigned, put in a case with a note
	// and a saved view, closed with a reason; every step in the histories.
	_, res = a.as(t, graph.RoleAnalyst, `query($s: ID!) { alerts(filter: {subject: $s, statuses: [NEW]}) { nodes { id status risk rules riskScore { risk } subject { id } } } }`,
		map[string]any{"s": ids["f"]})
	var al struct {
		Alerts struct{ Nodes []struct{ ID, Status string } }
	}
	if err := json.Unmarshal(res.Data, &al); err != nil || len(res.Errors) > 0 || len(al.Alerts.Nodes) != 1 {
		t.Fatalf("alerts: %s %+v", res.Data, res.Errors)
	}
	alertID := al.Alerts.Nodes[0].ID
	if _, res = a.as(t, graph.RoleAnalyst, `mutation($id: ID!) { updateAlert(id: $id, input: {status: CLOSED}) { id } }`, map[string]any{"id": alertID}); res.code() != "BAD_USER_INPUT" {
		t.Errorf("closing without a reason: %+v", res.Errors)
	}
	_, res = a.as(t, graph.RoleAnalyst, `mutation($id: ID!, $title: String!) {
  u: updateAlert(id: $id, input: {assignee: "ana"}) { assignee }
  c: createCase(title: $title, description: "facilitator network") { id }
}`, map[string]any{"id": alertID, "title": "Case " + a.partner})
	var cs struct {
		C struct{ ID string }
	}
	if err := json.Unmarshal(res.Data, &cs); err != nil || len(res.Errors) > 0 || cs.C.ID == "" {
		t.Fatalf("assign and create: %s %+v", res.Data, res.Errors)
	}
	_, res = a.as(t, graph.RoleAnalyst, `mutation($c: ID!, $id: ID!, $f: ID!, $b: ID!) {
  a: addToCase(id: $c, entityIds: [$f, $b], alertIds: [$id]) { entities { id } alerts { id status } }
  n: addCaseNote(id: $c, text: "paid by four buyers in AU") { notes { text by } }
  v: saveCaseView(id: $c, view: {name: "network", nodeIds: [$f, $b], layout: "{\"zoom\":1}"}) { views { name nodeIds layout } }
  x: updateAlert(id: $id, input: {status: CLOSED, closeReason: REPORTED, note: "SMR filed"}) { status closeReason closeNote history { action by to } }
}`, map[string]any{"c": cs.C.ID, "id": alertID, "f": ids["f"], "b": ids["b1"]})
	if len(res.Errors) > 0 || !strings.Contains(string(res.Data), `"status":"IN_REVIEW"`) || !strings.Contains(string(res.Data), `"closeReason":"REPORTED"`) ||
		!strings.Contains(string(res.Data), `"action":"CLOSED"`) || !strings.Contains(string(res.Data), `"layout":"{\"zoom\":1}"`) {
		t.Fatalf("case work: %s %+v", res.Data, res.Errors)
	}
	_, res = a.as(t, graph.RoleAnalyst, `query($c: ID!) { case(id: $c) { title status createdBy history { action by } } cases(status: OPEN, first: 200) { nodes { id } } }`,
		map[string]any{"c": cs.C.ID})
	if len(res.Errors) > 0 || strings.Count(string(res.Data), `"action"`) != 4 || !strings.Contains(string(res.Data), cs.C.ID) {
		t.Fatalf("case and its history: %s %+v", res.Data, res.Errors)
	}

	// Partners: the risk fields are null, the detection queries refused.
	_, res = a.as(t, graph.RolePartner, `query($id: ID!) { node(id: $id) { id risk { risk } } }`, map[string]any{"id": ids["f"]})
	if len(res.Errors) > 0 || strings.Contains(string(res.Data), `"risk":{`) {
		t.Errorf("partner sees a risk score: %s %+v", res.Data, res.Errors)
	}
	for _, q := range []string{`{ signals { nodes { id } } }`, `{ alerts { nodes { id } } }`, `{ cases { nodes { id } } }`, `mutation { createCase(title: "x") { id } }`} {
		if _, res = a.as(t, graph.RolePartner, q, nil); res.code() != "FORBIDDEN" {
			t.Errorf("partner %s: %+v", q, res.Errors)
		}
	}
}
