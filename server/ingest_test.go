package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/server"
)

func TestIngestOverHTTP(t *testing.T) {
	a := newServer(t, server.DefaultConfig())
	t.Cleanup(func() {
		a.cypher(t, `MATCH (n:Entity) WHERE n.id CONTAINS $p DETACH DELETE n`, map[string]any{"p": a.partner})
		a.cypher(t, `MATCH (s:Source) WHERE s.partner STARTS WITH $p DETACH DELETE s`, map[string]any{"p": a.partner})
	})
	const mutation = `mutation($rows: [TransactionInput!]!, $partner: String) {
		ingestTransactions(rows: $rows, partner: $partner) {
			received loaded rejected nodesCreated relationshipsCreated errors { row field message } } }`
	rows := []map[string]any{
		{"transactionId": "T1", "timestamp": "2026-03-01T22:30:00Z", "amount": "25.00", "currency": "EUR", "payerAccount": "A1", "payeeAccount": "B1", "reference": "for @kuya_marco"},
		{"transactionId": "T2", "timestamp": "2026-03-02T22:30:00Z", "amount": "25.00", "currency": "EUR", "payerAccount": "A1", "payeeIban": "XX00 not an iban"},
		{"transactionId": "T3", "timestamp": "2026-03-03T22:30:00Z", "amount": "0", "currency": "EUR", "payerAccount": "A1", "payeeAccount": "B2"},
	}
	type result struct {
		IngestTransactions struct {
			Received, Loaded, Rejected, NodesCreated, RelationshipsCreated int
			Errors                                                         []struct {
				Row     int
				Field   *string
				Message string
			}
		}
	}
	decode := func(t *testing.T, res gqlResponse) result {
		t.Helper()
		var r result
		if len(res.Errors) > 0 || json.Unmarshal(res.Data, &r) != nil {
			t.Fatalf("ingest: %s %+v", res.Data, res.Errors)
		}
		return r
	}
	first := decode(t, func() gqlResponse {
		_, r := a.as(t, graph.RolePartner, mutation, map[string]any{"rows": rows})
		return r
	}())
	got := first.IngestTransactions
	if got.Received != 3 || got.Loaded != 1 || got.Rejected != 2 || got.NodesCreated == 0 {
		t.Fatalf("first ingest = %+v", got)
	}
	fields := fmt.Sprint(got.Errors[0].Row, " ", *got.Errors[0].Field, " ", got.Errors[1].Row, " ", *got.Errors[1].Field)
	if fields != "1 payeeIban 2 amount" {
		t.Errorf("errors = %+v", got.Errors)
	}
	// The same rows again change nothing; provenance is the partner's, file api.
	again := decode(t, func() gqlResponse {
		_, r := a.as(t, graph.RolePartner, mutation, map[string]any{"rows": rows})
		return r
	}())
	if again.IngestTransactions.NodesCreated != 0 || again.IngestTransactions.RelationshipsCreated != 0 || again.IngestTransactions.Loaded != 1 {
		t.Errorf("second ingest = %+v", again.IngestTransactions)
	}
	recs := a.cypher(t, `MATCH (t:Transaction {id: $id}) UNWIND t.sources AS s MATCH (src:Source {id: s}) RETURN src.partner + '/' + src.dataset + '/' + src.file AS p`,
		map[string]any{"id": graph.TransactionID(a.partner, "T1")})
	if len(recs) != 1 || recs[0].Values[0] != a.partner+"/transactions/api" {
		t.Errorf("provenance = %v", recs)
	}
	// The partner cannot write for another partner; an admin must say for whom.
	if _, res := a.as(t, graph.RolePartner, mutation, map[string]any{"rows": rows, "partner": "someone-else"}); res.code() != "FORBIDDEN" {
		t.Errorf("partner writing for another: %+v", res.Errors)
	}
	if _, res := a.as(t, graph.RoleAdmin, mutation, map[string]any{"rows": rows}); res.code() != "BAD_USER_INPUT" || !strings.Contains(res.Errors[0].Message, "partner") {
		t.Errorf("admin without a partner: %+v", res.Errors)
	}
	// Oversized batches and missing required fields are refused whole.
	many := make([]map[string]any, 10_001)
	for i := range many {
		many[i] = map[string]any{"transactionId": fmt.Sprint(i), "timestamp": "2026-03-01T22:30:00Z", "amount": "1", "currency": "EUR", "payerAccount": "A", "payeeAccount": "B"}
	}
	if _, res := a.as(t, graph.RolePartner, mutation, map[string]any{"rows": many}); res.code() != "BAD_USER_INPUT" || !strings.Contains(res.Errors[0].Message, "10000") {
		t.Errorf("10,001 rows: %+v", res.Errors)
	}
	if _, res := a.as(t, graph.RolePartner, mutation, map[string]any{"rows": []map[string]any{{"transactionId": "x"}}}); res.code() != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("missing fields: %+v", res.Errors)
	}
	// Platform accounts and events, reports and FtM entities through their own loaders.
	for _, tt := range []struct {
		name, query string
		vars        map[string]any
		loaded      int
	}{
		{"platform accounts", `mutation($r: [PlatformAccountInput!]!) { ingestPlatformAccounts(rows: $r) { loaded rejected } }`,
			map[string]any{"r": []map[string]any{{"service": a.partner, "platformId": "42", "username": "kuya_marco", "email": "m@example.org"}}}, 1},
		{"platform events", `mutation($r: [PlatformEventInput!]!) { ingestPlatformEvents(rows: $r) { loaded rejected } }`,
			map[string]any{"r": []map[string]any{{"service": a.partner, "platformId": "42", "event": "login", "timestamp": "2026-03-01T10:00:00Z", "ip": "112.198.71.20"}}}, 1},
		{"entities", `mutation($e: [JSON!]!, $d: String!) { ingestEntities(entities: $e, dataset: $d) { loaded rejected } }`,
			map[string]any{"d": a.partner + "-ftm", "e": []map[string]any{{"id": "p1", "schema": "Person", "properties": map[string]any{"name": []string{"Anna"}}}}}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, res := a.as(t, graph.RolePartner, tt.query, tt.vars)
			if len(res.Errors) > 0 || !strings.Contains(string(res.Data), fmt.Sprintf(`"loaded":%d,"rejected":0`, tt.loaded)) {
				t.Errorf("%s %+v", res.Data, res.Errors)
			}
		})
	}
	a.cypher(t, `MATCH (n:Entity) WHERE n.id STARTS WITH $f OR n.id STARTS WITH $u DETACH DELETE n`,
		map[string]any{"f": "ftm:" + a.partner, "u": "ua:" + a.partner})
}
