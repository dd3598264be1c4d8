package loaders_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/graphtest"
	"github.com/crosslink/crosslink/loaders"
)

var txHeader = []string{"transaction_id", "timestamp", "amount", "currency", "reference", "payer_account", "payee_account", "payer_email"}

// TestIngestCSV sends transaction rows as the API does: good rows are written in one batch, bad
// ones come back with their index and field, and sending the same rows again changes nothing.
func TestIngestCSV(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	partner := graphtest.Prefix(t) + "-bank"
	cleanupPartner(t, s, partner)
	src := graph.Source{Partner: partner, Dataset: "transactions", File: loaders.IngestFile}
	f, err := loaders.Lookup("transactions")
	if err != nil {
		t.Fatal(err)
	}
	rowsIn := [][]string{
		{"T1", "2026-03-01T22:30:00Z", "25.00", "EUR", "school fees", "A1", "B1", "payer@example.org"},
		{"T2", "2026-03-02T22:30:00Z", "-5", "EUR", "", "A1", "B1", ""},                       // bad amount
		{"T3", "2026-03-03T22:30:00Z", "30.00", "EUR", "two\nlines\nof text", "A1", "B2", ""}, // spans three lines of CSV
		{"T4", "not a time", "10.00", "EUR", "", "A1", "B2", ""},                              // bad timestamp, after a multi-line row
		{"T5", "2026-03-05T22:30:00Z", "10.00", "XXX", "", "A2", "B2", "not-an-email"},
	}
	camel := func(col string) string {
		parts := strings.Split(col, "_")
		for i := 1; i < len(parts); i++ {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
		return strings.Join(parts, "")
	}
	res, err := loaders.IngestCSV(ctx, s, f, src, txHeader, rowsIn, camel)
	if err != nil {
		t.Fatal(err)
	}
	if res.Received != 5 || res.Loaded != 2 || res.Rejected != 3 {
		t.Fatalf("result = %+v", res)
	}
	got := map[int]string{}
	for _, e := range res.Errors {
		got[e.Row] = e.Field
	}
	want := map[int]string{1: "amount", 3: "timestamp", 4: "currency"}
	for row, field := range want {
		if got[row] != field {
			t.Errorf("row %d: error on %q, want %q (errors %+v)", row, got[row], field, res.Errors)
		}
	}
	if len(got) != len(want) {
		t.Errorf("errors = %+v", res.Errors)
	}
	n := partnerCounts(t, s, partner)
	if n["Transaction"] != 2 || n["BankAccount"] != 3 || n["Email"] != 1 {
		t.Errorf("graph after ingest = %v", n)
	}
	var refs []any
	for _, r := range rows(t, s, `MATCH (t:Transaction {id: $id}) RETURN t.refs AS refs`, map[string]any{"id": graph.TransactionID(partner, "T3")}) {
		refs = r["refs"].([]any)
	}
	if len(refs) == 0 || !strings.Contains(refs[0].(string), "record T3") {
		t.Errorf("T3 refs = %v", refs)
	}
	again, err := loaders.IngestCSV(ctx, s, f, src, txHeader, rowsIn, camel)
	if err != nil {
		t.Fatal(err)
	}
	if again.NodesCreated != 0 || again.RelationshipsCreated != 0 || again.Loaded != 2 {
		t.Errorf("second ingest = %+v, want nothing new", again)
	}
	if m := partnerCounts(t, s, partner); m["Transaction"] != 2 || m["FLOW"] != n["FLOW"] {
		t.Errorf("graph after second ingest = %v, was %v", m, n)
	}
}

func TestIngestRefusesBadRequests(t *testing.T) {
	ctx := context.Background()
	f, _ := loaders.Lookup("transactions")
	src := graph.Source{Partner: "p", Dataset: "transactions", File: loaders.IngestFile}
	many := make([][]string, loaders.MaxIngestRows+1)
	for i := range many {
		many[i] = []string{strconv.Itoa(i), "2026-03-01T22:30:00Z", "1", "EUR", "", "A", "B", ""}
	}
	for _, tt := range []struct {
		name string
		run  func() error
		want string
	}{
		{"no rows", func() error {
			_, err := loaders.IngestCSV(ctx, nil, f, src, txHeader, nil, nil)
			return err
		}, "none given"},
		{"too many rows", func() error {
			_, err := loaders.IngestCSV(ctx, nil, f, src, txHeader, many, nil)
			return err
		}, "at most 10000"},
		{"ragged row", func() error {
			_, err := loaders.IngestCSV(ctx, nil, f, src, txHeader, [][]string{{"x"}}, nil)
			return err
		}, "rows[0]"},
		{"line break in an entity", func() error {
			ftm, _ := loaders.Lookup("ftm")
			_, err := loaders.IngestLines(ctx, nil, ftm, src, [][]byte{[]byte("{\n}")})
			return err
		}, "entities[0]"},
		{"doctype", func() error {
			ct, _ := loaders.Lookup("cybertip")
			_, err := loaders.IngestXML(ctx, nil, ct, src, []string{`<!DOCTYPE x [<!ENTITY a "aaaa">]><report/>`})
			return err
		}, "reports[0]"},
		{"no partner", func() error {
			_, err := loaders.IngestCSV(ctx, nil, f, graph.Source{Dataset: "d"}, txHeader, many[:1], nil)
			return err
		}, "partner"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			var ge *graph.Error
			if !errors.As(err, &ge) || ge.Code != graph.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want EINVALID mentioning %q", err, tt.want)
			}
		})
	}
}

// TestIngestLinesAndXML sends FtM entities and CyberTipline reports, one bad of each.
func TestIngestLinesAndXML(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	partner := graphtest.Prefix(t) + "-hotline"
	cleanupPartner(t, s, partner)
	ftm, _ := loaders.Lookup("ftm")
	dataset := partner + "-ftm"
	ents := []map[string]any{
		{"id": "per1", "schema": "Person", "properties": map[string]any{"name": []string{"Anna Schmidt"}, "email": []string{"anna@example.org"}}},
		{"id": "per2", "schema": "NoSuchSchema", "properties": map[string]any{}},
	}
	var lines [][]byte
	for _, e := range ents {
		b, _ := json.Marshal(e)
		lines = append(lines, b)
	}
	res, err := loaders.IngestLines(ctx, s, ftm, graph.Source{Partner: partner, Dataset: dataset, File: loaders.IngestFile}, lines)
	if err != nil {
		t.Fatal(err)
	}
	if res.Loaded != 1 || res.Rejected != 1 || len(res.Errors) != 1 || res.Errors[0].Row != 1 || res.Errors[0].Field != "schema" {
		t.Errorf("ftm result = %+v", res)
	}
	ct, _ := loaders.Lookup("cybertip")
	report := func(id, extra string) string {
		return `<?xml version="1.0" encoding="UTF-8"?>
<report reportId="` + id + `">
  <incidentSummary>
    <incidentType>Child Pornography (possession, manufacture, and distribution)</incidentType>
    <incidentDateTime>` + extra + `</incidentDateTime>
  </incidentSummary>
  <reporter><reportingPerson><firstName>T</firstName><lastName>S</lastName><email>ts@esp.example</email></reportingPerson></reporter>
  <personOrUserReported><espIdentifier>` + id + `-u</espIdentifier><espService>Snapgram</espService><screenName>user_` + id + `</screenName></personOrUserReported>
</report>`
	}
	base := strconv.Itoa(int(900000000 + len(partner)*1000))
	docs := []string{report(base+"1", "2024-03-02T21:15:00+08:00"), report(base+"2", "yesterday"), report(base+"3", "2024-03-04T21:15:00Z")}
	res, err = loaders.IngestXML(ctx, s, ct, graph.Source{Partner: partner, Dataset: "cybertip", File: loaders.IngestFile}, docs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Loaded != 2 || res.Rejected != 1 || len(res.Errors) != 1 || res.Errors[0].Row != 1 {
		t.Errorf("cybertip result = %+v", res)
	}
	t.Cleanup(func() {
		rows(t, s, `MATCH (n:Entity) WHERE n.id STARTS WITH 'ftm:' + $d OR n.id IN $reports DETACH DELETE n`,
			map[string]any{"d": dataset, "reports": []string{"report:cybertip:" + base + "1", "report:cybertip:" + base + "3"}})
	})
}
