package loaders_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/graphtest"
	"github.com/crosslink/crosslink/loaders"
)

// txDir is the folder of the transactions test files.
const txDir = "testdata/transactions"

// txLoad loads one file with the transactions format under partner into s (nil: dry run).
func txLoad(t *testing.T, s *graph.Store, partner, path string, m *loaders.Mapping, opts loaders.Options) (loaders.Summary, error) {
	t.Helper()
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var w loaders.Writer
	if s != nil {
		w = s
	}
	return txLoadWith(w, partner, path, in, m, opts)
}

func txLoadWith(w loaders.Writer, partner, path string, r io.Reader, m *loaders.Mapping, opts loaders.Options) (loaders.Summary, error) {
	opts.Partner = partner
	f := &loaders.Transactions{Partner: partner, Mapping: m}
	return loaders.Load(context.Background(), w, f, path, r, 0, opts)
}

// txCounts counts what the partner's sources assert: nodes per label, relationships per type
// (those that list one of its sources), SOURCED_FROM, and FLOW between its nodes.
func txCounts(t *testing.T, s *graph.Store, partner string) map[string]int64 {
	t.Helper()
	got := partnerCounts(t, s, partner)
	if n := count(t, s, `MATCH (:Source {partner: $p})<-[r:SOURCED_FROM]-() RETURN count(r) AS n`, map[string]any{"p": partner}); n > 0 {
		got["SOURCED_FROM"] = n
	}
	return got
}

// txFlows lists the FLOW aggregates that start at the partner's nodes as "from -> to currency:
// count total", with the partner written P so that two partners' loads compare equal.
func txFlows(t *testing.T, s *graph.Store, partner string) []string {
	t.Helper()
	var out []string
	for _, r := range rows(t, s, `
MATCH (:Source {partner: $p})<-[:SOURCED_FROM]-(a)-[f:FLOW]->(b)
WITH DISTINCT a, f, b
RETURN a.id AS a, b.id AS b, f.currency AS cur, f.count AS n, f.total AS total`, map[string]any{"p": partner}) {
		line := fmt.Sprintf("%s -> %s %s: %d %d", r["a"], r["b"], r["cur"], r["n"], r["total"])
		out = append(out, strings.ReplaceAll(line, partner, "P"))
	}
	sort.Strings(out)
	return out
}

// txDiff reports the differences between two count maps, "" when equal.
func txDiff(want, got map[string]int64) string {
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	var ks []string
	for k := range keys {
		if want[k] != got[k] {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	var b strings.Builder
	for _, k := range ks {
		fmt.Fprintf(&b, "  %s: -%d +%d\n", k, want[k], got[k])
	}
	return b.String()
}

// txSampleCounts is what sample.csv (12 transactions) yields; see the comments in the test.
var txSampleCounts = map[string]int64{
	// Max (C100), Jonas (C300), Alan (C500); Nordlicht Trading GmbH (C200) is a Company.
	"Person": 3, "Company": 1,
	// IBANs of Max, Nordlicht, Alan; card tok_9F3A, wallet GC-09171234567, remitter WU-554433.
	"BankAccount": 6,
	// M-7781 by id, "sunset hotel manila" by name.
	"Merchant":    2,
	"Transaction": 12,
	"Email":       2, // Max, Alan; rosa@ in T009's reference is no handle
	"Phone":       2, // Max's +49, the wallet's +63 (also T010's wa:)
	"IPAddress":   3,
	"Device":      2,
	"Handle":      4, // lola_rosa99, rosa.dc, manila_kid_22, alan_s
	"HOLDS":       4,
	"SENT":        12, "TO": 12,
	"USES_EMAIL": 2, "USES_PHONE": 2,
	"LOGGED_IN_FROM": 5, // T001, T002, T003, T006, T009: one per payment
	"USES_DEVICE":    2,
	"MENTIONS":       8, // T001, T002, T003, T008, T009, T010 (phone), T011, T012
	"FLOW":           9,
	"SOURCED_FROM":   25, // every node but the 12 transactions, which hold theirs
}

// txSampleFlows are sample.csv's FLOW aggregates, amounts in minor units.
var txSampleFlows = []string{
	"acct:P:tok_9F3A -> acct:P:GC-09171234567 EUR: 1 2500",
	"acct:P:tok_9F3A -> merchant:P:M-7781 EUR: 1 1999",
	"acct:P:tok_9F3A -> merchant:P:sunset hotel manila USD: 1 8900",
	"iban:DE21100200304417700211 -> acct:P:GC-09171234567 EUR: 1 100000",
	"iban:DE21100200304417700211 -> acct:P:WU-554433 JPY: 1 5000",
	"iban:DE21100200304417700211 -> iban:GB18NWBK60161347110815 EUR: 1 250000",
	"iban:DE48500105170532013000 -> acct:P:GC-09171234567 EUR: 3 27550",
	"iban:DE48500105170532013000 -> acct:P:WU-554433 EUR: 2 32050",
	"iban:DE48500105170532013000 -> iban:GB18NWBK60161347110815 EUR: 1 30000",
}

func TestTransactionsSample(t *testing.T) {
	s := openStore(t)
	partner := graphtest.Prefix(t)
	cleanupPartner(t, s, partner)
	path := filepath.Join(txDir, "sample.csv")

	sum, err := txLoad(t, s, partner, path, nil, loaders.Options{BatchSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Read != 12 || sum.Loaded != 12 || sum.Rejected != 0 || sum.Batches != 3 {
		t.Fatalf("summary = read %d loaded %d rejected %d batches %d (%v); want 12 12 0 3",
			sum.Read, sum.Loaded, sum.Rejected, sum.Batches, sum.Examples)
	}
	got := txCounts(t, s, partner)
	if d := txDiff(txSampleCounts, got); d != "" {
		t.Errorf("counts (-want +got):\n%s", d)
	}
	if got := txFlows(t, s, partner); strings.Join(got, "\n") != strings.Join(txSampleFlows, "\n") {
		t.Errorf("FLOW =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(txSampleFlows, "\n"))
	}

	// Properties, normalised.
	maxAcct := graph.IBANAccountID("DE48500105170532013000")
	for _, tt := range []struct {
		name, query string
		params      map[string]any
		want        string
	}{
		{"IBAN wins, number kept", `MATCH (a:BankAccount {id: $id}) RETURN a.iban + ' ' + a.accountNumber + ' ' + a.accountType + ' ' + a.bic AS v`,
			map[string]any{"id": maxAcct}, "DE48500105170532013000 0532013000 bank INGDDEFFXXX"},
		{"holder of the IBAN", `MATCH (p:Person)-[:HOLDS]->(:BankAccount {id: $id}) RETURN p.id + ' ' + p.name + ' ' + p.birthDate + ' ' + p.country AS v`,
			map[string]any{"id": maxAcct}, graph.PartyID(graph.LabelPerson, partner, "C100") + " Max Mustermann 1975-04-12 DE"},
		{"company payer", `MATCH (c:Company {id: $id})-[:HOLDS]->(a:BankAccount) RETURN c.name + ' ' + a.bic AS v`,
			map[string]any{"id": graph.PartyID(graph.LabelCompany, partner, "C200")}, "Nordlicht Trading GmbH COBADEFFXXX"},
		{"bank name, not BIC", `MATCH (a:BankAccount {id: 'iban:GB18NWBK60161347110815'}) RETURN a.bankName AS v`, nil, "National Westminster Bank"},
		{"holder name without a customer", `MATCH (a:BankAccount {id: $id}) RETURN a.holderName + ' ' + a.accountType AS v`,
			map[string]any{"id": graph.AccountID(partner, "GC-09171234567")}, "Rosa Dela Cruz wallet"},
		{"wallet uses the phone", `MATCH (:BankAccount {id: $id})-[:USES_PHONE]->(p:Phone) RETURN p.number AS v`,
			map[string]any{"id": graph.AccountID(partner, "GC-09171234567")}, "+639171234567"},
		{"e-mail lower-cased, used by the person", `MATCH (:Person {id: $id})-[:USES_EMAIL]->(e:Email) RETURN e.address AS v`,
			map[string]any{"id": graph.PartyID(graph.LabelPerson, partner, "C100")}, "max.m@txfixture.example"},
		{"phone in the payer's country", `MATCH (:Person {id: $id})-[:USES_PHONE]->(p:Phone) RETURN p.number AS v`,
			map[string]any{"id": graph.PartyID(graph.LabelPerson, partner, "C100")}, "+4915123456789"},
		{"comma amount", `MATCH (t:Transaction {id: $id}) RETURN toString(t.amount) + ' ' + t.currency + ' ' + t.channel AS v`,
			map[string]any{"id": graph.TransactionID(partner, "T011")}, "12050 EUR msb"},
		{"yen, channel lower-cased", `MATCH (t:Transaction {id: $id}) RETURN toString(t.amount) + ' ' + t.currency + ' ' + t.channel AS v`,
			map[string]any{"id": graph.TransactionID(partner, "T012")}, "5000 JPY other"},
		{"time in UTC, countries", `MATCH (t:Transaction {id: $id}) RETURN toString(t.timestamp) + ' ' + t.payerCountry + ' ' + t.payeeCountry AS v`,
			map[string]any{"id": graph.TransactionID(partner, "T003")}, "2026-01-20T06:00:00Z[UTC] DE PH"},
		{"merchant payee", `MATCH (t:Transaction {id: $id})-[:TO]->(m:Merchant) RETURN m.merchantId + ' ' + m.name + ' ' + m.mcc + ' ' + m.country + ' ' + t.mcc AS v`,
			map[string]any{"id": graph.TransactionID(partner, "T005")}, "M-7781 Pixel Games Ltd 5816 GB 5816"},
		{"merchant by name", `MATCH (m:Merchant {id: $id}) RETURN m.name AS v`,
			map[string]any{"id": graph.MerchantID(partner, "sunset hotel manila")}, "Sunset  Hotel Manila"},
		{"login per payment", `MATCH (:BankAccount {id: $id})-[:SENT]->(t:Transaction)-[r:LOGGED_IN_FROM]->(ip:IPAddress {address: '198.51.100.23'}) RETURN t.id + ' ' + r.event + ' ' + toString(r.at) AS v ORDER BY r.at LIMIT 1`,
			map[string]any{"id": maxAcct}, graph.TransactionID(partner, "T001") + " payment 2026-01-05T09:15:00Z[UTC]"},
		{"IPv6 canonical", `MATCH (:BankAccount {id: $id})-[:SENT]->(:Transaction)-[:LOGGED_IN_FROM]->(ip:IPAddress) RETURN ip.address AS v`,
			map[string]any{"id": graph.AccountID(partner, "tok_9F3A")}, "2001:db8::1"},
		{"device of the payer account", `MATCH (:BankAccount {id: $id})-[:USES_DEVICE]->(d:Device) RETURN d.id AS v`,
			map[string]any{"id": maxAcct}, "device:device:dev-A1"},
		{"handles of T002 and T011", `MATCH (t:Transaction)-[m:MENTIONS]->(h:Handle {value: 'rosa.dc'}) WHERE t.id IN $ids RETURN toString(count(t)) + ' ' + min(m.service) AS v`,
			map[string]any{"ids": []any{graph.TransactionID(partner, "T002"), graph.TransactionID(partner, "T011")}}, "2 snapchat"},
		{"wa: phone", `MATCH (:Transaction {id: $id})-[m:MENTIONS]->(p:Phone) RETURN p.number + ' ' + m.service AS v`,
			map[string]any{"id": graph.TransactionID(partner, "T010")}, "+639171234567 whatsapp"},
		{"no handle in an e-mail", `MATCH (:Transaction {id: $id})-[:MENTIONS]->(h) RETURN collect(h.value)[0] + ' ' + toString(count(h)) AS v`,
			map[string]any{"id": graph.TransactionID(partner, "T009")}, "lola_rosa99 1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := rows(t, s, tt.query, tt.params)
			if len(r) != 1 || r[0]["v"] != tt.want {
				t.Errorf("got %v, want %q", r, tt.want)
			}
		})
	}

	// Provenance: the Source, the line and record of each fact. A transaction holds its own, and
	// its SENT and TO share it.
	prov := rows(t, s, `
MATCH (:BankAccount {id: $acct})-[sent:SENT]->(t:Transaction {id: $id})
MATCH (src:Source) WHERE src.id IN t.sources
RETURN src.partner AS partner, src.dataset AS dataset, src.file AS file, t.refs AS refs, sent.refs AS sent, src.id AS src`,
		map[string]any{"id": graph.TransactionID(partner, "T003"), "acct": maxAcct})
	if len(prov) != 1 {
		t.Fatalf("provenance of T003: %v", prov)
	}
	pr := prov[0]
	if pr["partner"] != partner || pr["dataset"] != "transactions" || pr["file"] != "sample.csv" {
		t.Errorf("source = %v %v %v", pr["partner"], pr["dataset"], pr["file"])
	}
	if refs := fmt.Sprint(pr["refs"]); refs != fmt.Sprintf("[%s line 4 record T003]", pr["src"]) {
		t.Errorf("transaction refs = %s", refs)
	}
	if pr["sent"] != nil {
		t.Errorf("SENT refs = %v, want none (the transaction's)", pr["sent"])
	}
	acctRefs := rows(t, s, `MATCH (:BankAccount {id: $id})-[p:SOURCED_FROM]->(:Source {partner: $p}) RETURN p.refs AS refs, p.firstSeen AS first, p.lastSeen AS last`,
		map[string]any{"id": maxAcct, "p": partner})
	if len(acctRefs) != 1 {
		t.Fatalf("provenance of the IBAN account: %v", acctRefs)
	}
	// The first 5 of its 6 records; first and last seen still span all six.
	wantRefs := "[line 2 record T001 line 3 record T002 line 4 record T003 line 8 record T007 line 10 record T009]"
	if refs := fmt.Sprint(acctRefs[0]["refs"]); refs != wantRefs {
		t.Errorf("account refs = %s, want %s", refs, wantRefs)
	}
	if first, last := acctRefs[0]["first"].(time.Time), acctRefs[0]["last"].(time.Time); !first.Equal(time.Date(2026, 1, 5, 9, 15, 0, 0, time.UTC)) ||
		!last.Equal(time.Date(2026, 3, 9, 13, 0, 0, 0, time.UTC)) {
		t.Errorf("account seen %v .. %v, want the first and last payment", first, last)
	}

	// Idempotent: a second load changes nothing.
	again, err := txLoad(t, s, partner, path, nil, loaders.Options{BatchSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	if again.NodesCreated != 0 || again.RelationshipsCreated != 0 {
		t.Errorf("second load created %d nodes and %d relationships, want none", again.NodesCreated, again.RelationshipsCreated)
	}
	if d := txDiff(txSampleCounts, txCounts(t, s, partner)); d != "" {
		t.Errorf("counts after a second load (-want +got):\n%s", d)
	}
	if got := txFlows(t, s, partner); strings.Join(got, "\n") != strings.Join(txSampleFlows, "\n") {
		t.Errorf("FLOW after a second load =\n%s", strings.Join(got, "\n"))
	}
}

func TestTransactionsDryRunWritesNothing(t *testing.T) {
	s := openStore(t)
	partner := graphtest.Prefix(t)
	cleanupPartner(t, s, partner)
	sum, err := txLoad(t, nil, partner, filepath.Join(txDir, "sample.csv"), nil, loaders.Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Read != 12 || sum.Loaded != 12 || sum.Rejected != 0 || !sum.DryRun || sum.NodesCreated != 0 || sum.Batches != 0 {
		t.Errorf("dry run summary = %+v", sum)
	}
	if n := count(t, s, `MATCH (src:Source {partner: $p}) RETURN count(src) AS n`, map[string]any{"p": partner}); n != 0 {
		t.Errorf("dry run wrote %d sources", n)
	}
	if n := count(t, s, `MATCH (t:Transaction) WHERE t.id STARTS WITH $p RETURN count(t) AS n`, map[string]any{"p": "tx:" + partner + ":"}); n != 0 {
		t.Errorf("dry run wrote %d transactions", n)
	}
}

// txReject is one line of a rejects file.
type txReject struct {
	line  string
	field string
}

// txRejects reads what Load wrote to Options.Rejects, checking each reason is not empty.
func txRejects(t *testing.T, file string, buf *bytes.Buffer) []txReject {
	t.Helper()
	recs, err := csv.NewReader(buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []txReject
	for _, r := range recs {
		if r[0] != file || r[3] == "" {
			t.Errorf("reject %v: want file %s and a reason", r, file)
		}
		out = append(out, txReject{r[1], r[2]})
	}
	return out
}

func TestTransactionsBadRows(t *testing.T) {
	s := openStore(t)
	fields := []string{
		"transaction_id", "timestamp", "timestamp", "timestamp", "amount", "amount", "amount", "amount", "amount",
		"currency", "currency", "channel", "mcc", "payer_iban", "payer_account_type", "payer_type", "payer_birth_date",
		"payer_country", "payer_email", "payer_phone", "payer_ip", "payer_device_id", "payee_email", "payer_account",
		"payee_account", "payee_account", "payee_customer_id", "payer_birth_date", "payee_country", "payee_phone",
	}
	var rowsWant []txReject
	for i, f := range fields {
		rowsWant = append(rowsWant, txReject{fmt.Sprint(i + 2), f})
	}
	rowsWant = append(rowsWant, txReject{"32", ""}) // 3 fields, the header has 32
	for _, tt := range []struct {
		file    string
		loaded  int
		rejects []txReject
	}{
		{"rows.csv", 1, rowsWant},
		{"invalid_utf8.csv", 1, []txReject{{"2", "payer_name"}}},
		{"truncated.csv", 1, []txReject{{"3", ""}}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			partner := graphtest.Prefix(t)
			cleanupPartner(t, s, partner)
			path := filepath.Join(txDir, "bad", tt.file)
			var buf bytes.Buffer
			sum, err := txLoad(t, s, partner, path, nil, loaders.Options{Rejects: &buf})
			if err != nil {
				t.Fatal(err)
			}
			got := txRejects(t, path, &buf)
			if fmt.Sprint(got) != fmt.Sprint(tt.rejects) {
				t.Errorf("rejects (line field) =\n%v\nwant\n%v", got, tt.rejects)
			}
			if sum.Loaded != tt.loaded || sum.Rejected != len(tt.rejects) || sum.Read != tt.loaded+len(tt.rejects) {
				t.Errorf("summary read %d loaded %d rejected %d, want loaded %d rejected %d", sum.Read, sum.Loaded, sum.Rejected, tt.loaded, len(tt.rejects))
			}
			if n := txCounts(t, s, partner)["Transaction"]; n != int64(tt.loaded) {
				t.Errorf("%d transactions stored, want %d", n, tt.loaded)
			}
		})
	}
}

func TestTransactionsRejectReasons(t *testing.T) {
	// A few reasons in full: the reject must say what is wrong without the record's data.
	for _, tt := range []struct {
		rec   loaders.TransactionRecord
		field string
		want  string
	}{
		{loaders.TransactionRecord{Channel: "wire"}, "channel", "unknown channel; want bank_transfer, card, msb, p2p, crypto, atm, cash or other"},
		{loaders.TransactionRecord{MCC: "581"}, "mcc", "not a merchant category code; want 4 digits"},
		{loaders.TransactionRecord{PayeeAccount: "A-1"}, "payee_account", "the payer's own account; a payment goes from one account to another"},
		{loaders.TransactionRecord{Amount: "0"}, "amount", "zero; a payment moves a positive amount"},
		{loaders.TransactionRecord{Amount: "-1"}, "amount", "negative amount; the payer and payee give the direction"},
		{loaders.TransactionRecord{Currency: "XTS"}, "currency", "XTS is reserved for testing"},
	} {
		rec := loaders.TransactionRecord{TransactionID: "T1", Timestamp: "2026-01-05T09:15:00Z", Amount: "1.00",
			Currency: "EUR", PayerAccount: "A-1", PayeeAccount: "B-1"}
		for _, f := range []struct {
			v   string
			dst *string
		}{{tt.rec.Channel, &rec.Channel}, {tt.rec.MCC, &rec.MCC}, {tt.rec.PayeeAccount, &rec.PayeeAccount},
			{tt.rec.Amount, &rec.Amount}, {tt.rec.Currency, &rec.Currency}} {
			if f.v != "" {
				*f.dst = f.v
			}
		}
		_, _, fe := rec.Graph("bank-a", graph.Ref{Line: 2}, loaders.TransactionLayout{}, time.Now())
		if fe == nil || fe.Field != tt.field || fe.Reason != tt.want {
			t.Errorf("%+v: got %v, want %s: %s", tt.rec, fe, tt.field, tt.want)
		}
	}
}

func TestTransactionsFileErrors(t *testing.T) {
	bad := filepath.Join(txDir, "bad")
	deMapping, err := loaders.LoadMapping(filepath.Join(txDir, "bank_de.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	missingHeader, err := loaders.LoadMapping(filepath.Join(bad, "mapping_missing_header.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	noCurrency, err := loaders.ParseMapping(strings.NewReader("delimiter: ';'\ncolumns:\n  transaction_id: Buchungs-ID\n" +
		"  timestamp: Datum\n  amount: Betrag\n  payer_iban: Auftraggeber IBAN\n  payee_iban: Empfaenger IBAN\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		file    string
		mapping *loaders.Mapping
		want    string
	}{
		{"bank_de.csv", noCurrency, "required columns neither in the header nor in the mapping: currency"},
		{"bad/missing_columns.csv", nil, "header lacks required columns: amount, currency"},
		{"bad/no_payer.csv", nil, "header has no payer account: want payer_account or payer_iban"},
		{"bad/empty.csv", nil, "the file is empty"},
		// The German export read without its mapping: none of its columns are canonical.
		{"bank_de.csv", nil, "header lacks required columns: transaction_id, timestamp, amount, currency"},
		// Its mapping on the canonical sample: the German columns are not there.
		{"sample.csv", deMapping, `mapping names columns the header does not have: "auftraggeber iban" (for payer_iban)`},
		{"bank_de.csv", missingHeader, `"valuta" (for timestamp)`},
	} {
		t.Run(tt.file, func(t *testing.T) {
			sum, err := txLoad(t, nil, "bank-a", filepath.Join(txDir, tt.file), tt.mapping, loaders.Options{DryRun: true})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
			if graph.ErrorCode(err) != graph.EINVALID {
				t.Errorf("error code = %q, want %q", graph.ErrorCode(err), graph.EINVALID)
			}
			if sum.Read != 0 {
				t.Errorf("read %d records of a file that cannot be read", sum.Read)
			}
		})
	}
}

func TestTransactionsMappingErrors(t *testing.T) {
	for _, tt := range []struct {
		name, yaml, want string
	}{
		{"unknown key", "file: bad/mapping_unknown_key.yaml", `line 2: unknown key "decimal_coma"`},
		{"unknown canonical", "file: bad/mapping_unknown_column.yaml", `unknown canonical column "payer_ibna"`},
		{"unknown zone", "file: bad/mapping_bad_timezone.yaml", `unknown zone "Europe/Springfield"`},
		{"unknown constant", "constants:\n  curency: EUR\n", `constants: unknown canonical column "curency"`},
		{"mapped and constant", "columns:\n  currency: Whg\nconstants:\n  currency: EUR\n", "currency both mapped in columns and given in constants"},
		{"long delimiter", "delimiter: ';;'\n", "delimiter: must be one character"},
		{"quote delimiter", "delimiter: '\"'\n", "cannot separate fields"},
		{"layout without time", "timestamp_format: dd.mm.yyyy\n", "timestamp_format: has no date or time"},
		{"decimal_comma not a bool", "decimal_comma: ja\n", "decimal_comma: must be true or false"},
		{"columns not a mapping", "columns: [a, b]\n", "columns: must be a mapping"},
		{"duplicate key", "delimiter: ';'\ndelimiter: ','\n", `key "delimiter" given twice`},
		{"not a mapping", "- a\n- b\n", "must be a YAML mapping"},
		{"empty", "", "the mapping is empty"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if f, ok := strings.CutPrefix(tt.yaml, "file: "); ok {
				_, err = loaders.LoadMapping(filepath.Join(txDir, f))
			} else {
				_, err = loaders.ParseMapping(strings.NewReader(tt.yaml))
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestTransactionsMapping(t *testing.T) {
	s := openStore(t)
	partner := graphtest.Prefix(t)
	cleanupPartner(t, s, partner)
	m, err := loaders.LoadMapping(filepath.Join(txDir, "bank_de.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(txDir, "bank_de.csv")
	var buf bytes.Buffer
	sum, err := txLoad(t, s, partner, path, m, loaders.Options{Rejects: &buf})
	if err != nil {
		t.Fatal(err)
	}
	want := []txReject{{"4", "amount"}, {"5", "timestamp"}, {"6", "payee_iban"}}
	if got := txRejects(t, path, &buf); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rejects = %v, want %v", got, want)
	}
	if sum.Loaded != 2 || sum.Rejected != 3 {
		t.Errorf("loaded %d rejected %d, want 2 and 3", sum.Loaded, sum.Rejected)
	}
	wantCounts := map[string]int64{
		"Person": 1, "BankAccount": 2, "Transaction": 2, "Handle": 1,
		"HOLDS": 1, "SENT": 2, "TO": 2, "MENTIONS": 1, "FLOW": 1, "SOURCED_FROM": 4,
	}
	if d := txDiff(wantCounts, txCounts(t, s, partner)); d != "" {
		t.Errorf("counts (-want +got):\n%s", d)
	}
	flows := []string{"iban:DE75120300001020304050 -> iban:DE43763500000000987654 EUR: 2 132446"}
	if got := txFlows(t, s, partner); fmt.Sprint(got) != fmt.Sprint(flows) {
		t.Errorf("FLOW = %v, want %v", got, flows)
	}
	// Berlin local time to UTC: CET (+1) in March, CEST (+2) in July; amounts with decimal commas.
	got := rows(t, s, `MATCH (t:Transaction) WHERE t.id IN $ids
RETURN t.transactionId AS id, toString(t.timestamp) AS at, t.amount AS amount, t.currency AS cur, t.payerCountry AS country, t.channel AS channel
ORDER BY id`, map[string]any{"ids": []any{graph.TransactionID(partner, "B-1001"), graph.TransactionID(partner, "B-1002")}})
	wantTx := "[map[amount:123456 at:2026-03-15T13:30:00Z[UTC] channel:bank_transfer country:DE cur:EUR id:B-1001] " +
		"map[amount:8990 at:2025-07-01T08:00:00Z[UTC] channel:p2p country:DE cur:EUR id:B-1002]]"
	if fmt.Sprint(got) != wantTx {
		t.Errorf("transactions = %v\nwant %s", got, wantTx)
	}
	holder := rows(t, s, `MATCH (p:Person)-[:HOLDS]->(a:BankAccount) WHERE p.id = $id RETURN p.name + ' ' + a.iban AS v`,
		map[string]any{"id": graph.PartyID(graph.LabelPerson, partner, "K-77")})
	if len(holder) != 1 || holder[0]["v"] != "Erika Musterfrau DE75120300001020304050" {
		t.Errorf("holder = %v", holder)
	}
}

func TestTransactionsFlags(t *testing.T) {
	f := &loaders.Transactions{}
	fs := flag.NewFlagSet("load transactions", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	partner := fs.String("partner", "local", "")
	f.Flags(fs)
	if err := fs.Parse([]string{"-partner", "bank-de", "-mapping", filepath.Join(txDir, "bank_de.yaml")}); err != nil {
		t.Fatal(err)
	}
	if f.Mapping == nil || f.Mapping.Delimiter != ';' || !f.Mapping.DecimalComma || f.Mapping.Location.String() != "Europe/Berlin" ||
		f.Mapping.Columns["payer_iban"] != "auftraggeber iban" || f.Mapping.Constants["currency"] != "EUR" {
		t.Errorf("mapping = %+v", f.Mapping)
	}
	// The command line's -partner scopes the ids when Load's Emitter does not say.
	in, err := os.Open(filepath.Join(txDir, "bank_de.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	sum, err := loaders.Load(context.Background(), nil, f, "bank_de.csv", in, 0, loaders.Options{Partner: *partner, DryRun: true})
	if err != nil || sum.Loaded != 2 {
		t.Errorf("load with flags: loaded %d, %v", sum.Loaded, err)
	}

	bad := flag.NewFlagSet("load transactions", flag.ContinueOnError)
	bad.SetOutput(io.Discard)
	(&loaders.Transactions{}).Flags(bad)
	err = bad.Parse([]string{"-mapping", filepath.Join(txDir, "bad", "mapping_unknown_key.yaml")})
	if err == nil || !strings.Contains(err.Error(), `unknown key "decimal_coma"`) {
		t.Errorf("bad mapping flag: %v", err)
	}
	if _, err := loaders.Lookup("transactions"); err != nil {
		t.Error(err)
	}
}

func TestTransactionsReferenceMentions(t *testing.T) {
	for _, tt := range []struct {
		text, region string
		want         string // id/service, space separated
	}{
		{"school fees @lola_rosa99", "", "handle:lola_rosa99/"},
		{"snap: Rosa.DC thanks", "", "handle:rosa.dc/snapchat"},
		{"sc:rosa_dc tg:@kid_22 ig:alan.s insta:ALAN_S telegram:kid_22", "", "handle:rosa_dc/snapchat handle:kid_22/telegram handle:alan.s/instagram handle:alan_s/instagram"},
		{"@bob_99 and snap:bob_99", "", "handle:bob_99/snapchat"},
		{"mail rosa@example.org or bob@mail.example", "", ""},
		{"@ab @12345 @bob@mastodon.example", "", ""},
		{"pay @lola. then", "", "handle:lola/"},
		{"desc: foo config:bar disc:baz", "", ""},
		{"wa: +63 917 123 4567", "", "phone:+639171234567/whatsapp"},
		{"wa:0917 123 4567", "PH", "phone:+639171234567/whatsapp"},
		{"wa:rosa_dc", "", "handle:rosa_dc/whatsapp"},
		{"(@Ｌｏｌａ_x)", "", "handle:lola_x/"},
		{"no handles here", "", ""},
	} {
		var got []string
		for _, m := range loaders.ReferenceMentions(tt.text, tt.region) {
			got = append(got, m.ID+"/"+m.Service)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("ReferenceMentions(%q) = %q, want %q", tt.text, strings.Join(got, " "), tt.want)
		}
	}
}

func TestTransactionsLibrary(t *testing.T) {
	// The ingest API hands rows by canonical column name; unknown names are ignored.
	rec := loaders.TransactionFields(map[string]string{
		"transaction_id": "T1", "timestamp": "2026-01-05 09:15:00", "amount": " 12.30 ", "currency": "eur",
		"payer_iban": "DE48500105170532013000", "payer_account": "0532013000", "merchant_name": "Pixel Games",
		"reference": "for @kid_22", "unknown": "x",
	})
	nodes, edges, fe := rec.Graph("Bank-A", graph.Ref{}, loaders.TransactionLayout{}, time.Now())
	if fe != nil {
		t.Fatal(fe)
	}
	var got []string
	for _, n := range nodes {
		got = append(got, string(n.Label)+" "+n.ID)
		if n.Ref.Record != "T1" || !n.Ref.Seen.Equal(time.Date(2026, 1, 5, 9, 15, 0, 0, time.UTC)) {
			t.Errorf("%s ref = %+v", n.ID, n.Ref)
		}
	}
	for _, e := range edges {
		got = append(got, string(e.Type)+" "+e.From+" "+e.To)
	}
	want := "Transaction tx:bank-a:T1, BankAccount iban:DE48500105170532013000, Merchant merchant:bank-a:pixel games, Handle handle:kid_22, " +
		"SENT iban:DE48500105170532013000 tx:bank-a:T1, TO tx:bank-a:T1 merchant:bank-a:pixel games, MENTIONS tx:bank-a:T1 handle:kid_22"
	if strings.Join(got, ", ") != want {
		t.Errorf("graph =\n%s\nwant\n%s", strings.Join(got, ", "), want)
	}
	if amount := nodes[0].Props["amount"]; amount != int64(1230) {
		t.Errorf("amount = %v", amount)
	}
}

// TestTransactionsDeviceKinds checks that a bank's device id takes the same form as a
// platform's or a report's, so one handset is one Device node across sectors.
func TestTransactionsDeviceKinds(t *testing.T) {
	base := map[string]string{"transaction_id": "T1", "timestamp": "2026-01-05 09:15:00", "amount": "10", "currency": "EUR",
		"payer_account": "A1", "payee_account": "B1"}
	for _, tt := range []struct {
		kind, id, wantID, wantField string
	}{
		{"", "dev-A1", "device:device:dev-A1", ""},
		{"IMEI", "49-015420-323751", "device:imei:490154203237518", ""},
		{"idfa", "6D92078A-8246-4BA4-AE5B-76104861E7DC", "device:idfa:6d92078a-8246-4ba4-ae5b-76104861e7dc", ""},
		{"imei", "490154203237517", "", "payer_device_id"},
		{"pager", "123", "", "payer_device_type"},
		{"imei", "", "", "payer_device_type"},
	} {
		fields := map[string]string{"payer_device_type": tt.kind, "payer_device_id": tt.id}
		for k, v := range base {
			fields[k] = v
		}
		nodes, _, fe := loaders.TransactionFields(fields).Graph("bank-a", graph.Ref{}, loaders.TransactionLayout{}, time.Now())
		if tt.wantField != "" {
			if fe == nil || fe.Field != tt.wantField {
				t.Errorf("%s %s: error %v, want one on %s", tt.kind, tt.id, fe, tt.wantField)
			}
			continue
		}
		if fe != nil {
			t.Fatalf("%s %s: %v", tt.kind, tt.id, fe)
		}
		var got string
		for _, n := range nodes {
			if n.Label == graph.LabelDevice {
				got = n.ID
			}
		}
		if got != tt.wantID {
			t.Errorf("%s %s: device %q, want %q", tt.kind, tt.id, got, tt.wantID)
		}
	}
}

// txFailingWriter writes the first n batches and then fails, as a load killed halfway would.
type txFailingWriter struct {
	w loaders.Writer
	n int
}

func (f *txFailingWriter) WriteBatch(ctx context.Context, src graph.Source, b graph.Batch) (graph.WriteStats, error) {
	if f.n == 0 {
		return graph.WriteStats{}, errors.New("killed")
	}
	f.n--
	return f.w.WriteBatch(ctx, src, b)
}

func TestTransactionsKillAndRerun(t *testing.T) {
	s := openStore(t)
	path := filepath.Join(txDir, "sample.csv")
	opts := loaders.Options{BatchSize: 3}

	// One clean load into a fresh partner, removed before the killed one runs, since IBAN
	// accounts are global and FLOW would add both partners' payments.
	var clean map[string]int64
	var cleanFlows []string
	t.Run("clean", func(t *testing.T) {
		partner := graphtest.Prefix(t)
		cleanupPartner(t, s, partner)
		if _, err := txLoad(t, s, partner, path, nil, opts); err != nil {
			t.Fatal(err)
		}
		clean, cleanFlows = txCounts(t, s, partner), txFlows(t, s, partner)
	})
	if d := txDiff(txSampleCounts, clean); d != "" {
		t.Errorf("clean load counts (-want +got):\n%s", d)
	}

	partner := graphtest.Prefix(t)
	cleanupPartner(t, s, partner)
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	sum, err := txLoadWith(&txFailingWriter{w: s, n: 2}, partner, path, in, nil, opts)
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("killed load: err = %v", err)
	}
	if sum.Batches != 2 {
		t.Errorf("killed load wrote %d batches, want 2", sum.Batches)
	}
	if n := txCounts(t, s, partner)["Transaction"]; n != 6 {
		t.Errorf("after the kill: %d transactions, want the 6 of two batches", n)
	}

	if _, err := txLoad(t, s, partner, path, nil, opts); err != nil {
		t.Fatal(err)
	}
	if d := txDiff(clean, txCounts(t, s, partner)); d != "" {
		t.Errorf("counts after kill and rerun differ from a clean load (-clean +rerun):\n%s", d)
	}
	if got := txFlows(t, s, partner); fmt.Sprint(got) != fmt.Sprint(cleanFlows) {
		t.Errorf("FLOW after kill and rerun =\n%v\nclean\n%v", got, cleanFlows)
	}
}

// BenchmarkTransactionsParse measures parsing and validation alone (a dry run) on generated
// rows held in memory: the ceiling a load can reach before the database.
func BenchmarkTransactionsParse(b *testing.B) {
	const n = 10000
	var buf bytes.Buffer
	buf.WriteString("transaction_id,timestamp,amount,currency,channel,reference,payer_account,payer_iban,payer_customer_id,payer_name,payer_country,payer_email,payer_phone,payer_ip,payer_device_id,payee_account,payee_account_type,payee_country\n")
	for i := range n {
		fmt.Fprintf(&buf, "T%d,2026-01-%02dT%02d:%02d:00Z,%d.%02d,EUR,msb,school fees @kid_%d,%d,DE48500105170532013000,C%d,Customer %d,DE,c%d@txbench.example,+4915123%06d,198.51.%d.%d,dev-%d,W-%d,wallet,PH\n",
			i, i%28+1, i%24, i%60, i%5000+1, i%100, i%300, i%1000, i%1000, i%1000, i%1000, i%1000, i%256, i%250+1, i%1000, i%700)
	}
	data := buf.Bytes()
	f := &loaders.Transactions{Partner: "bench"}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		sum, err := loaders.Load(context.Background(), nil, f, "bench.csv", bytes.NewReader(data), 0, loaders.Options{Partner: "bench", DryRun: true})
		if err != nil || sum.Loaded != n {
			b.Fatalf("loaded %d of %d: %v (%v)", sum.Loaded, n, err, sum.Examples)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}
