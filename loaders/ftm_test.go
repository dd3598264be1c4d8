package loaders_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/graphtest"
	"github.com/crosslink/crosslink/loaders"
)

// ftmFile is the path of an FtM test file.
func ftmFile(name string) string { return filepath.Join("testdata", "ftm", name) }

// ftmReject is one row of a rejects file, without the raw record.
type ftmReject struct {
	Line   int
	Field  string
	Reason string
}

// ftmLoad loads one file with format f (the registered one has no namespace: it takes it from
// the file name) into s (nil: dry run) and returns the summary and the rejects.
func ftmLoad(t testing.TB, s *graph.Store, f loaders.FtM, path string, opts loaders.Options) (loaders.Summary, []ftmReject) {
	t.Helper()
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var rej bytes.Buffer
	opts.Rejects = &rej
	var w loaders.Writer
	if s != nil {
		w = s
	} else {
		opts.DryRun = true
	}
	sum, err := loaders.Load(context.Background(), w, f, path, in, 0, opts)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return sum, ftmRejects(t, &rej)
}

func ftmRejects(t testing.TB, r io.Reader) []ftmReject {
	t.Helper()
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatalf("rejects: %v", err)
	}
	var out []ftmReject
	for _, rec := range recs {
		line, err := strconv.Atoi(rec[1])
		if err != nil {
			t.Fatalf("rejects line %q: %v", rec[1], err)
		}
		out = append(out, ftmReject{Line: line, Field: rec[2], Reason: rec[3]})
	}
	return out
}

// ftmCounts counts the nodes per label and the relationships per type that the partner's
// sources assert (FLOW, which graph maintains without sources, from the partner's nodes).
// Counting through provenance keeps other tests' data out.
func ftmCounts(t *testing.T, s *graph.Store, partner string) map[string]int64 {
	t.Helper()
	return partnerCounts(t, s, partner)
}

// ftmSame fails t when got and want differ, listing the differing keys.
func ftmSame[V any](t *testing.T, what string, got, want map[string]V) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	var diff []string
	for k := range keys {
		g, gok := got[k]
		w, wok := want[k]
		if gok != wok || !reflect.DeepEqual(g, w) {
			diff = append(diff, fmt.Sprintf("%s: -%v +%v", k, w, g))
		}
	}
	sort.Strings(diff)
	t.Errorf("%s (-want +got):\n%s", what, strings.Join(diff, "\n"))
}

// ftmNode returns the properties of a node by id (nil when it does not exist).
func ftmNode(t *testing.T, s *graph.Store, id string) map[string]any {
	t.Helper()
	r := rows(t, s, `MATCH (n:Entity {id: $id}) RETURN properties(n) AS p`, map[string]any{"id": id})
	if len(r) == 0 {
		return nil
	}
	return r[0]["p"].(map[string]any)
}

// ftmFlow returns the FLOW aggregates from one node to another, by currency.
func ftmFlow(t *testing.T, s *graph.Store, from, to string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, r := range rows(t, s, `
MATCH (:Entity {id: $from})-[f:FLOW]->(:Entity {id: $to})
RETURN f.currency AS currency, f.count AS count, f.total AS total, f.first AS first, f.last AS last`,
		map[string]any{"from": from, "to": to}) {
		out[r["currency"].(string)] = map[string]any{
			"count": r["count"], "total": r["total"],
			"first": r["first"].(time.Time).UTC(), "last": r["last"].(time.Time).UTC(),
		}
	}
	return out
}

func ftmDay(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t, err = time.Parse("2006-01-02", s)
	}
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// The donations fixture of nomenklatura, counted with a script over the file:
//   - 474 entities: Payment 290, Address 89, Company 56, Person 22, Organization 17;
//   - 103 addressEntity references (14 of them to an Address on a later line);
//   - every Payment has one payer, one beneficiary and amountEur, so 290 SENT and 290 TO,
//     and 116 distinct payer/beneficiary pairs, each one EUR FLOW, totalling 40,589,689.15 EUR.
var ftmDonationsWant = map[string]int64{
	"Address": 89, "Company": 56, "Organization": 17, "Person": 22, "Transaction": 290,
	"HAS_ADDRESS": 103, "SENT": 290, "TO": 290, "FLOW": 116,
}

func TestFtMDonations(t *testing.T) {
	s := openStore(t)
	path := sharedData(t, "ftm_nomenklatura/donations.ijson")
	partner := graphtest.Prefix(t)
	cleanupPartner(t, s, partner)
	// A namespace of the test's own: other tests may load donations.ijson at the same time, and
	// NodesCreated is only exact when no one else has the ids.
	f := loaders.FtM{Namespace: partner + "-donations"}
	id := func(ftmID string) string { return graph.FtMID(f.Namespace, ftmID) }
	opts := loaders.Options{Partner: partner}

	sum, rej := ftmLoad(t, s, f, path, opts)
	if sum.Read != 474 || sum.Loaded != 474 || sum.Rejected != 0 || len(rej) != 0 {
		t.Fatalf("read %d loaded %d rejected %d (%v), want 474 474 0", sum.Read, sum.Loaded, sum.Rejected, rej)
	}
	// 474 nodes and the Source; SOURCED_FROM 184 (the 290 Payments hold their provenance) +
	// HAS_ADDRESS 103 + SENT 290 + TO 290 + FLOW 116.
	if sum.NodesCreated != 475 || sum.RelationshipsCreated != 983 {
		t.Errorf("created %d nodes, %d relationships; want 475, 983", sum.NodesCreated, sum.RelationshipsCreated)
	}
	ftmSame(t, "counts", ftmCounts(t, s, partner), ftmDonationsWant)

	// FLOW totals over all pairs, and one pair checked by hand: Bayerische Motorenwerke AG
	// (line 43) paid the SPD (7202347...) eight times, 2002-12-31 to 2011-02-23: 95338 +
	// 140034 + 151345 + 141328 + 72380 + 93397 + 71172 + 65947 = 830,941 EUR.
	tot := rows(t, s, `
MATCH (:Source {partner: $p})<-[:SOURCED_FROM]-(a)-[f:FLOW]->()
RETURN sum(f.total) AS total, sum(f.count) AS n, collect(DISTINCT f.currency) AS cur`, map[string]any{"p": partner})
	if got := tot[0]; got["total"] != int64(4058968915) || got["n"] != int64(290) || !reflect.DeepEqual(got["cur"], []any{"EUR"}) {
		t.Errorf("FLOW totals %v, want 4058968915 cents in 290 EUR payments", got)
	}
	bmw, spd := id("21cc81bf3b960d2847b66c6c862e7aa9b5e4f487"), id("7202347006660188aab5c1e264c4bee948478fd6")
	wantFlow := map[string]map[string]any{"EUR": {
		"count": int64(8), "total": int64(83094100), "first": ftmDay("2002-12-31"), "last": ftmDay("2011-02-23"),
	}}
	ftmSame(t, "FLOW BMW -> SPD", ftmFlow(t, s, bmw, spd), wantFlow)

	// Provenance and properties.
	src := graph.Source{Partner: partner, Dataset: "ftm", File: "donations.ijson"}
	if n := count(t, s, `MATCH (s:Source {id: $id, partner: $p, dataset: 'ftm', file: 'donations.ijson'}) RETURN count(s) AS n`,
		map[string]any{"id": src.ID(), "p": partner}); n != 1 {
		t.Errorf("Source: %d, want 1", n)
	}
	person := id("f9c295f21b233ac878fbac4d271bb6fd13d7952a")
	r := rows(t, s, `
MATCH (n:Person {id: $id})-[p:SOURCED_FROM]->(:Source {id: $src})
RETURN properties(n) AS props, p.refs AS refs`, map[string]any{"id": person, "src": src.ID()})
	if len(r) != 1 {
		t.Fatalf("person %s: %d rows", person, len(r))
	}
	props := r[0]["props"].(map[string]any)
	ftmSame(t, "person", map[string]any{
		"name": props["name"], "names": props["names"], "country": props["country"],
		"ftmId": props["ftmId"], "ftmSchema": props["ftmSchema"], "refs": r[0]["refs"],
	}, map[string]any{
		"name": "Frau Lina Dachner", "names": []any{"Frau Lina Dachner"}, "country": "DE",
		"ftmId": "f9c295f21b233ac878fbac4d271bb6fd13d7952a", "ftmSchema": "Person",
		"refs": []any{"line 3 record f9c295f21b233ac878fbac4d271bb6fd13d7952a"},
	})
	tx := ftmNode(t, s, id("2216b422a31242fe204654ce194864661f515921"))
	ftmSame(t, "transaction", map[string]any{
		"amount": tx["amount"], "currency": tx["currency"], "timestamp": tx["timestamp"].(time.Time).UTC(),
		"amountEur": tx["amountEur"], "namesMentionedValues": tx["namesMentionedValues"], "ftmSchema": tx["ftmSchema"],
	}, map[string]any{
		"amount": int64(10000000), "currency": "EUR", "timestamp": ftmDay("2011-12-29"),
		"amountEur": "100000", "namesMentionedValues": []any{"Frau Lina Dachner", "MLPD"}, "ftmSchema": "Payment",
	})
	// Relationships name the line that made them; the address of BMW comes 204 lines later. A
	// Payment's SENT shares the Payment's provenance.
	for _, c := range []struct{ q, from, to, want string }{
		{`MATCH (:Entity {id: $from})-[:SENT]->(r:Transaction {id: $to}) RETURN r.refs AS refs`, person,
			id("2216b422a31242fe204654ce194864661f515921"), "line 4 record 2216b422a31242fe204654ce194864661f515921"},
		{`MATCH (:Entity {id: $from})-[r:HAS_ADDRESS]->(:Entity {id: $to}) RETURN r.refs AS refs`, bmw,
			id("37ec44706d52e3eb53f1cb9d9fe593f2f9d0a487"), "line 43 record 21cc81bf3b960d2847b66c6c862e7aa9b5e4f487"},
	} {
		r := rows(t, s, c.q, map[string]any{"from": c.from, "to": c.to})
		if len(r) != 1 || !reflect.DeepEqual(r[0]["refs"], []any{src.ID() + " " + c.want}) {
			t.Errorf("%s %s -> %s: %v, want refs [%s %s]", c.q, c.from, c.to, r, src.ID(), c.want)
		}
	}

	// Loading the same file again changes nothing.
	sum2, _ := ftmLoad(t, s, f, path, opts)
	if sum2.NodesCreated != 0 || sum2.RelationshipsCreated != 0 || sum2.Loaded != 474 {
		t.Errorf("second load: loaded %d, created %d nodes and %d relationships; want 474, 0, 0",
			sum2.Loaded, sum2.NodesCreated, sum2.RelationshipsCreated)
	}
	ftmSame(t, "counts after the second load", ftmCounts(t, s, partner), ftmDonationsWant)
	ftmSame(t, "FLOW BMW -> SPD after the second load", ftmFlow(t, s, bmw, spd), wantFlow)
}

// The merged fixture is the same data after nomenklatura's dedupe, with referents on each
// entity; it loads whole as well.
func TestFtMMerged(t *testing.T) {
	path := sharedData(t, "ftm_nomenklatura/merged.ijson")
	sum, rej := ftmLoad(t, nil, loaders.FtM{}, path, loaders.Options{Partner: "dry"})
	if sum.Loaded != 474 || sum.Rejected != 0 {
		t.Errorf("merged.ijson: loaded %d, rejected %d %v; want 474, 0", sum.Loaded, sum.Rejected, rej)
	}
}

// sample.ijson uses every schema the loader maps, in an order where most references point
// forward. Worked out by hand from the file:
//   - Person per1 (twice: a second fragment adds position), per2, per3; Company co1;
//     Organization le1 (LegalEntity), pb1 (PublicBody), org1; BankAccount acc1, acc2;
//     CryptoWallet cw1; UserAccount ua1; Address addr1; Transaction p1..p4.
//   - Email: anna.schmidt@ftm-sample.example (per1 and ua1), info@acme.ftm-sample.example.
//     Phone: +493055501234, +639185550142, +639185550199 (0918 555 0199 dialled in per2's
//     country, PH). Handle ftm_anna_s.
//   - SENT: acc1 (p1 has accounts), per1, per2 twice; TO: acc2, co1, org1 twice.
//     HOLDS: per1 -> acc1, co1 -> acc2 (p1's parties), per1 -> cw1 (holder).
//   - FLOW: acc1 -> acc2 EUR 1250.50; per1 -> co1 EUR 99.99; per2 -> org1 PHP 500 + 1500.25.
var ftmSampleWant = map[string]int64{
	"Person": 3, "Company": 1, "Organization": 3, "BankAccount": 2, "CryptoWallet": 1,
	"UserAccount": 1, "Address": 1, "Transaction": 4, "Email": 2, "Phone": 3, "Handle": 1,
	"SENT": 4, "TO": 4, "HOLDS": 3, "HAS_ADDRESS": 2, "USES_EMAIL": 3, "USES_PHONE": 3,
	"HAS_HANDLE": 1, "HAS_USER_ACCOUNT": 1, "OWNS": 1, "DIRECTOR_OF": 1, "FAMILY_OF": 1,
	"ASSOCIATE_OF": 1, "LINKED_TO": 1, "FLOW": 3,
}

func TestFtMSample(t *testing.T) {
	s := openStore(t)
	partner := graphtest.Prefix(t)
	cleanupPartner(t, s, partner)
	// One record per batch: a relationship must wait until both its ends are written, and a
	// Payment's SENT and TO must still meet in one batch for its FLOW.
	opts := loaders.Options{Partner: partner, BatchSize: 1}
	sum, rej := ftmLoad(t, s, loaders.FtM{}, ftmFile("sample.ijson"), opts)
	if sum.Loaded != 22 || sum.Rejected != 0 {
		t.Fatalf("loaded %d, rejected %d %v; want 22, 0", sum.Loaded, sum.Rejected, rej)
	}
	ftmSame(t, "counts", ftmCounts(t, s, partner), ftmSampleWant)
	// The namespace is the file's name.
	id := func(ftmID string) string { return "ftm:sample:" + ftmID }

	per1 := ftmNode(t, s, id("per1"))
	ftmSame(t, "per1", map[string]any{
		"name": per1["name"], "names": per1["names"], "aliases": per1["aliases"], "country": per1["country"],
		"nationality": per1["nationality"], "birthDate": per1["birthDate"], "position": per1["position"],
	}, map[string]any{
		"name": "Anna Schmidt", "names": []any{"Anna Schmidt", "Anna Maria Schmidt"}, "aliases": []any{"Annie"},
		"country": "DE", "nationality": "DE", "birthDate": "1980-02", "position": "Accountant",
	})
	refs := rows(t, s, `MATCH (:Entity {id: $id})-[p:SOURCED_FROM]->(:Source {partner: $p}) RETURN p.refs AS refs`,
		map[string]any{"id": id("per1"), "p": partner})
	if len(refs) != 1 || !reflect.DeepEqual(refs[0]["refs"], []any{"line 2 record per1", "line 22 record per1"}) {
		t.Errorf("per1 refs %v, want lines 2 and 22", refs)
	}
	for nid, want := range map[string]map[string]any{
		id("le1"):  {"ftmSchema": "LegalEntity", "country": "VG"},
		id("pb1"):  {"ftmSchema": "PublicBody", "country": "PH"},
		id("co1"):  {"ftmSchema": "Company", "jurisdiction": "DE", "registrationNumber": "HRB 1234"},
		id("acc1"): {"iban": "DE89370400440532013000", "bankName": "Commerzbank"},
		id("acc2"): {"iban": "GB82WEST12345698765432"},
		id("ua1"):  {"username": "@FtM_Anna_S", "service": "snapchat"},
		id("cw1"):  {"publicKey": "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh", "currencySymbol": "BTC"},
		id("p1"): {"amount": int64(125050), "currency": "EUR", "timestamp": ftmDay("2019-05-01"),
			"reference": "invoice 7 @ftm_anna_s", "transactionId": "TX-1", "amountText": "1250.50", "currencyText": "eur"},
		id("p2"): {"amount": int64(9999), "currency": "EUR", "timestamp": ftmDay("2020-01-15"), "amountEur": "99.99"},
		id("p3"): {"amount": int64(50000), "currency": "PHP", "timestamp": ftmDay("2021-07-04T10:30:00Z")},
	} {
		n := ftmNode(t, s, nid)
		got := map[string]any{}
		for k := range want {
			got[k] = n[k]
			if tm, ok := n[k].(time.Time); ok {
				got[k] = tm.UTC()
			}
		}
		ftmSame(t, nid, got, want)
	}
	for _, e := range []struct{ q, from, to string }{
		{"HOLDS", id("per1"), id("acc1")},
		{"HOLDS", id("co1"), id("acc2")},
		{"HOLDS", id("per1"), id("cw1")},
		{"SENT", id("acc1"), id("p1")},
		{"TO", id("p1"), id("acc2")},
		{"USES_EMAIL", id("per1"), "email:anna.schmidt@ftm-sample.example"},
		{"USES_EMAIL", id("ua1"), "email:anna.schmidt@ftm-sample.example"},
		{"USES_PHONE", id("per1"), "phone:+493055501234"},
		{"USES_PHONE", id("ua1"), "phone:+639185550142"},
		{"USES_PHONE", id("per2"), "phone:+639185550199"},
		{"HAS_HANDLE", id("ua1"), "handle:ftm_anna_s"},
		{"HAS_USER_ACCOUNT", id("per2"), id("ua1")},
		{"HAS_ADDRESS", id("co1"), id("addr1")},
		{"DIRECTOR_OF", id("per1"), id("co1")},
		{"FAMILY_OF", id("per1"), id("per2")},
		{"ASSOCIATE_OF", id("per2"), id("per3")},
		{"LINKED_TO", id("org1"), id("pb1")},
	} {
		q := fmt.Sprintf(`MATCH (:Entity {id: $from})-[r:%s]->(:Entity {id: $to}) RETURN count(r) AS n`, e.q)
		if n := count(t, s, q, map[string]any{"from": e.from, "to": e.to}); n != 1 {
			t.Errorf("%s %s -> %s: %d, want 1", e.q, e.from, e.to, n)
		}
	}
	own := rows(t, s, `MATCH (:Entity {id: $from})-[r:OWNS]->(:Entity {id: $to})
RETURN r.key AS key, r.percentage AS percentage, r.role AS role, r.ftmSchema AS schema, r.firstSeen AS seen`,
		map[string]any{"from": id("le1"), "to": id("co1")})
	if len(own) != 1 {
		t.Fatalf("OWNS le1 -> co1: %d", len(own))
	}
	own[0]["seen"] = own[0]["seen"].(time.Time).UTC()
	ftmSame(t, "OWNS", own[0], map[string]any{
		"key": id("own1"), "percentage": "51", "role": "shareholder", "schema": "Ownership", "seen": ftmDay("2015-01-01"),
	})
	ftmSame(t, "FLOW acc1 -> acc2", ftmFlow(t, s, id("acc1"), id("acc2")), map[string]map[string]any{
		"EUR": {"count": int64(1), "total": int64(125050), "first": ftmDay("2019-05-01"), "last": ftmDay("2019-05-01")}})
	ftmSame(t, "FLOW per1 -> co1", ftmFlow(t, s, id("per1"), id("co1")), map[string]map[string]any{
		"EUR": {"count": int64(1), "total": int64(9999), "first": ftmDay("2020-01-15"), "last": ftmDay("2020-01-15")}})
	ftmSame(t, "FLOW per2 -> org1", ftmFlow(t, s, id("per2"), id("org1")), map[string]map[string]any{
		"PHP": {"count": int64(2), "total": int64(200025), "first": ftmDay("2021-07-04T10:30:00Z"), "last": ftmDay("2021-08-01")}})

	// Idempotent, also in larger batches.
	opts.BatchSize = 0
	sum2, _ := ftmLoad(t, s, loaders.FtM{}, ftmFile("sample.ijson"), opts)
	if sum2.NodesCreated != 0 || sum2.RelationshipsCreated != 0 {
		t.Errorf("second load created %d nodes, %d relationships; want 0", sum2.NodesCreated, sum2.RelationshipsCreated)
	}
	ftmSame(t, "counts after the second load", ftmCounts(t, s, partner), ftmSampleWant)
}

// ftmCorpus lists the bad files with every reject they must give, in order, and what loads.
// Reasons are matched by substring.
var ftmCorpus = []struct {
	file    string
	loaded  int
	rejects []ftmReject
	counts  map[string]int64 // what the loaded part makes
}{
	{"bad_json.ijson", 1, []ftmReject{
		{2, "", "not valid JSON"},
		{3, "", "not valid JSON"},
		{4, "", "not a JSON object"},
		{5, "", "after top-level value"},
	}, map[string]int64{"Person": 1}},
	{"truncated.ijson", 2, []ftmReject{
		{3, "", "truncated"},
	}, map[string]int64{"Person": 2}},
	{"missing_fields.ijson", 1, []ftmReject{
		{1, "id", "missing"},
		{2, "id", "empty"},
		{3, "schema", "missing"},
		{4, "schema", "empty"},
		{5, "id", "must be a string"},
		{6, "schema", "must be a string"},
		{7, "id", "contains a space"},
		{8, "properties.payer", "missing, and no payerAccount"},
		{9, "properties.asset", "missing"},
	}, map[string]int64{"Person": 1}},
	{"schemata.ijson", 2, []ftmReject{
		{1, "schema", "schema Document is not loaded"},
		{2, "schema", `unknown FollowTheMoney schema "Spaceship"`},
		{3, "schema", `unknown FollowTheMoney schema "person"`},
		{5, "schema", "Company conflicts with an earlier line of entity c4, loaded as Person"},
		// The Payment loads, to its beneficiary; its payer is a Document, not loaded.
		{6, "properties.payer", "entity c1 is not in the stream; SENT not loaded"},
	}, map[string]int64{"Person": 1, "Transaction": 1, "TO": 1}},
	{"properties.ijson", 2, []ftmReject{
		{1, "properties", "must be an object"},
		{2, "properties.name", "must be a list of strings"},
		{3, "properties.birthDate", "must be a list of strings"},
		{4, "properties.name", "must be a list of strings"},
		{5, "referents", "must be a list of strings"},
		// d6 loads without the properties it cannot have.
		{6, "properties.first name", "not a FollowTheMoney property name"},
		{6, "properties.gtIsFraud", "ground truth"},
		{6, "properties.id", "reserved"},
	}, map[string]int64{"Person": 2}},
	{"encoding.ijson", 1, []ftmReject{
		{1, "properties.name", "not valid UTF-8"},
		{2, "id", "not valid UTF-8"},
		{4, "properties", "not valid UTF-8"},
	}, map[string]int64{"Person": 1}},
	// Entities load without the values that cannot be used, each rejected on its own; a
	// Payment without any amount it can use is rejected whole.
	{"values.ijson", 8, []ftmReject{
		{1, "properties.country", "ZZ is a private-use code"},
		{1, "properties.country", "EU is a group of countries"},
		{1, "properties.nationality", "XX is a private-use code"},
		{1, "properties.email", "exactly one @"},
		{1, "properties.phone", "area code"},
		{2, "properties.iban", "checksum"},
		{3, "properties.amount", "has no currency"},
		{4, "properties.amount", "negative amount"},
		{5, "properties.currency", "unknown currency code ABC"},
		{5, "properties.date", "before 1900"},
		{6, "properties.amountEur", "too large"},
		{7, "properties.amountUsd", "3 decimals"},
		{8, "properties.amountEur", "exponent"},
		{9, "properties.date", "month must be 01 to 12"},
		{10, "properties.date", "in the future"},
		{11, "properties.date", "does not exist"},
		{12, "properties.date", "before 1970"},
		{13, "properties.amount", "missing, and no amountEur or amountUsd"},
		{14, "properties.amountEur", "ambiguous"},
	}, map[string]int64{
		"Person": 1, "BankAccount": 1, "Transaction": 6, "Email": 1,
		"USES_EMAIL": 1, "SENT": 6, "TO": 6, "FLOW": 2,
	}},
	// References to entities the stream does not have are rejected at its end, each with the
	// line that made it; the rest of those lines loads.
	{"dangling.ijson", 4, []ftmReject{
		{1, "properties.addressEntity", "entity nowhere is not in the stream; HAS_ADDRESS not loaded"},
		{2, "properties.beneficiary", "entity ghost is not in the stream; TO not loaded"},
		{3, "properties.asset", "entity g4 is a relationship, not a node; OWNS not loaded"},
	}, map[string]int64{"Person": 1, "Transaction": 1, "SENT": 1, "LINKED_TO": 1}},
}

func TestFtMRejects(t *testing.T) {
	s := openStore(t)
	for _, tt := range ftmCorpus {
		t.Run(tt.file, func(t *testing.T) {
			partner := graphtest.Prefix(t)
			cleanupPartner(t, s, partner)
			sum, got := ftmLoad(t, s, loaders.FtM{}, ftmFile(tt.file), loaders.Options{Partner: partner})
			if sum.Loaded != tt.loaded || sum.Rejected != len(tt.rejects) || sum.Read != tt.loaded+len(tt.rejects) {
				t.Errorf("read %d loaded %d rejected %d, want %d %d %d",
					sum.Read, sum.Loaded, sum.Rejected, tt.loaded+len(tt.rejects), tt.loaded, len(tt.rejects))
			}
			for i := range max(len(got), len(tt.rejects)) {
				switch {
				case i >= len(got):
					t.Errorf("missing reject %+v", tt.rejects[i])
				case i >= len(tt.rejects):
					t.Errorf("unexpected reject %+v", got[i])
				case got[i].Line != tt.rejects[i].Line || got[i].Field != tt.rejects[i].Field ||
					!strings.Contains(got[i].Reason, tt.rejects[i].Reason):
					t.Errorf("reject %d = %+v, want %+v", i, got[i], tt.rejects[i])
				}
			}
			ftmSame(t, "counts", ftmCounts(t, s, partner), tt.counts)
		})
	}
}

// A Payment keeps what it can: the amount falls back to amountEur when amount cannot be read,
// the FtM texts stay, and a date that cannot be read leaves the timestamp unset.
func TestFtMValues(t *testing.T) {
	s := openStore(t)
	partner := graphtest.Prefix(t)
	cleanupPartner(t, s, partner)
	ftmLoad(t, s, loaders.FtM{}, ftmFile("values.ijson"), loaders.Options{Partner: partner})
	for id, want := range map[string]map[string]any{
		"ftm:values:f1":  {"country": "DE", "name": "Frank", "nationality": nil},
		"ftm:values:f2":  {"iban": nil},
		"ftm:values:f5":  {"amount": int64(950), "currency": "EUR", "amountText": "10", "currencyText": "ABC", "timestamp": nil},
		"ftm:values:f9":  {"amount": int64(500), "currency": "EUR", "amountEur": "5", "timestamp": nil, "date": "2019-13"},
		"ftm:values:f14": {"amount": int64(10000), "currency": "USD", "amountEur": "1,000", "timestamp": ftmDay("2019-04-01")},
		"ftm:values:f3":  nil, // rejected whole
		"ftm:values:f13": nil,
	} {
		n := ftmNode(t, s, id)
		if want == nil || n == nil {
			if (n == nil) != (want == nil) {
				t.Errorf("%s: %v, want %v", id, n, want)
			}
			continue
		}
		got := map[string]any{}
		for k := range want {
			got[k] = n[k]
			if tm, ok := n[k].(time.Time); ok {
				got[k] = tm.UTC()
			}
		}
		ftmSame(t, id, got, want)
	}
}

func TestFtMDryRun(t *testing.T) {
	s := openStore(t)
	path := sharedData(t, "ftm_nomenklatura/donations.ijson")
	partner := graphtest.Prefix(t)
	cleanupPartner(t, s, partner)
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	sum, err := loaders.Load(context.Background(), s, loaders.FtM{Namespace: partner}, path, in, 0,
		loaders.Options{Partner: partner, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.DryRun || sum.Loaded != 474 || sum.Rejected != 0 || sum.NodesCreated != 0 || sum.Batches != 0 {
		t.Errorf("dry run: %+v", sum)
	}
	if n := count(t, s, `MATCH (s:Source {partner: $p}) RETURN count(s) AS n`, map[string]any{"p": partner}); n != 0 {
		t.Errorf("dry run wrote %d sources", n)
	}
	if n := count(t, s, `MATCH (n:Entity) WHERE n.id STARTS WITH $pre RETURN count(n) AS n`,
		map[string]any{"pre": "ftm:" + partner + ":"}); n != 0 {
		t.Errorf("dry run wrote %d nodes", n)
	}
}

// ftmRecorder is a Writer that keeps the batches, for tests that need no database.
type ftmRecorder struct{ batches []graph.Batch }

func (r *ftmRecorder) WriteBatch(_ context.Context, _ graph.Source, b graph.Batch) (graph.WriteStats, error) {
	r.batches = append(r.batches, b)
	return graph.WriteStats{}, nil
}

func (r *ftmRecorder) nodeIDs() []string {
	var ids []string
	for _, b := range r.batches {
		for _, n := range b.Nodes {
			ids = append(ids, n.ID)
		}
	}
	return ids
}

func TestFtMNamespace(t *testing.T) {
	const line = `{"id": "X1", "schema": "Person", "properties": {"name": ["Ann"]}}` + "\n"
	for _, tt := range []struct {
		file, namespace, want string
	}{
		{"data/Leaks-2024.ijson", "", "ftm:leaks-2024:X1"},
		{`C:\data\donations.ftm.json`, "", "ftm:donations.ftm:X1"},
		{"a:b.ijson", "", "ftm:a_b:X1"},
		{"anything.ijson", "Case-42", "ftm:case-42:X1"},
		{"api", "", "ftm:api:X1"},
	} {
		var rec ftmRecorder
		_, err := loaders.Load(context.Background(), &rec, loaders.FtM{Namespace: tt.namespace}, tt.file,
			strings.NewReader(line), 0, loaders.Options{Partner: "p"})
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		if got := rec.nodeIDs(); !reflect.DeepEqual(got, []string{tt.want}) {
			t.Errorf("%s namespace %q: ids %v, want %s", tt.file, tt.namespace, got, tt.want)
		}
	}
	// No name to take a namespace from: the input as a whole is refused.
	_, err := loaders.Load(context.Background(), &ftmRecorder{}, loaders.FtM{}, "dir/.ijson",
		strings.NewReader(line), 0, loaders.Options{Partner: "p"})
	if graph.ErrorCode(err) != graph.EINVALID {
		t.Errorf("file .ijson: %v, want EINVALID", err)
	}
}

// A line over 16 MiB is rejected with its number, without holding it in memory, and the
// stream goes on.
func TestFtMLongLine(t *testing.T) {
	long := `{"id": "L2", "schema": "Person", "properties": {"notes": ["` + strings.Repeat("x", 16<<20) + `"]}}`
	in := io.MultiReader(
		strings.NewReader(`{"id": "L1", "schema": "Person", "properties": {"name": ["Ann"]}}`+"\n"),
		strings.NewReader(long+"\r\n"),
		strings.NewReader(`{"id": "L3", "schema": "Person", "properties": {"name": ["Bo"]}}`),
	)
	var rej bytes.Buffer
	var rec ftmRecorder
	sum, err := loaders.Load(context.Background(), &rec, loaders.FtM{}, "long.ijson", in, 0,
		loaders.Options{Partner: "p", Rejects: &rej})
	if err != nil {
		t.Fatal(err)
	}
	got := ftmRejects(t, &rej)
	want := []ftmReject{{2, "", "line longer than 16 MiB; not read"}}
	if sum.Loaded != 2 || !reflect.DeepEqual(got, want) {
		t.Errorf("loaded %d, rejects %+v; want 2, %+v", sum.Loaded, got, want)
	}
	if ids := rec.nodeIDs(); !reflect.DeepEqual(ids, []string{"ftm:long:L1", "ftm:long:L3"}) {
		t.Errorf("ids %v", ids)
	}
}

// FtMEntity.Graph is the record-level mapping the ingest API calls too.
func TestFtMEntityGraph(t *testing.T) {
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name    string
		entity  loaders.FtMEntity
		props   map[string]any // expected properties of the first node (those listed)
		edges   []string       // "TYPE from -> to (needs)"
		skipped []string       // "field: reason"
		err     string         // "field: reason" of a rejected entity
	}{
		{
			name: "partial dates are their start",
			entity: loaders.FtMEntity{ID: "p", Schema: "Payment", Properties: map[string][]string{
				"payer": {"a"}, "beneficiary": {"b"}, "amount": {"12,50"}, "currency": {"usd"}, "startDate": {"2019"}}},
			props: map[string]any{"amount": int64(1250), "currency": "USD", "timestamp": time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)},
			edges: []string{"SENT ftm:ns:a -> ftm:ns:p (payer=a)", "TO ftm:ns:p -> ftm:ns:b (beneficiary=b)"},
		},
		{
			name: "hour precision",
			entity: loaders.FtMEntity{ID: "p", Schema: "Payment", Properties: map[string][]string{
				"payer": {"a"}, "beneficiary": {"b"}, "amountEur": {"1"}, "date": {"2020-02-29T13"}}},
			props: map[string]any{"timestamp": time.Date(2020, 2, 29, 13, 0, 0, 0, time.UTC), "amount": int64(100)},
			edges: []string{"SENT ftm:ns:a -> ftm:ns:p (payer=a)", "TO ftm:ns:p -> ftm:ns:b (beneficiary=b)"},
		},
		{
			name: "accounts carry the payment, parties hold them",
			entity: loaders.FtMEntity{ID: "p", Schema: "Payment", Properties: map[string][]string{
				"payer": {"a"}, "payerAccount": {"x"}, "beneficiaryAccount": {"y"}, "amountUsd": {"7"}}},
			props: map[string]any{"amount": int64(700), "currency": "USD", "amountUsd": "7"},
			edges: []string{
				"SENT ftm:ns:x -> ftm:ns:p (payerAccount=x)",
				"TO ftm:ns:p -> ftm:ns:y (beneficiaryAccount=y)",
				"HOLDS ftm:ns:a -> ftm:ns:x (payer=a payerAccount=x)",
			},
		},
		{
			name:   "multi-valued properties keep all values",
			entity: loaders.FtMEntity{ID: "o", Schema: "Organization", Properties: map[string][]string{"website": {"a.example", "b.example"}, "country": {"fra", "FR", "de"}}},
			props:  map[string]any{"website": "a.example", "websiteValues": []string{"a.example", "b.example"}, "country": "FR", "countryValues": []string{"FR", "DE"}},
		},
		{
			name:   "a phone without +country is dialled in the entity's country",
			entity: loaders.FtMEntity{ID: "c", Schema: "Company", Properties: map[string][]string{"phone": {"030 1234567"}, "country": {"de"}}},
			edges:  []string{"USES_PHONE ftm:ns:c -> phone:+49301234567 ()"},
		},
		{
			name:    "a phone without +country and no country is skipped",
			entity:  loaders.FtMEntity{ID: "c", Schema: "Company", Properties: map[string][]string{"phone": {"030 1234567"}}},
			skipped: []string{"properties.phone: phone number has no +country code and no default region is set"},
		},
		{
			name: "a Payment without any amount",
			entity: loaders.FtMEntity{ID: "p", Schema: "Payment", Properties: map[string][]string{
				"payer": {"a"}, "beneficiary": {"b"}, "amount": {"5"}, "amountEur": {"x"}}},
			err: "properties.amount: has no currency",
		},
		{
			name:   "Family needs its relative",
			entity: loaders.FtMEntity{ID: "f", Schema: "Family", Properties: map[string][]string{"person": {"a"}}},
			err:    "properties.relative: missing; every Family needs its relative",
		},
		{
			name:   "id with a control character",
			entity: loaders.FtMEntity{ID: "a\x00b", Schema: "Person"},
			err:    "id: contains a space or control character",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g, fe := tt.entity.Graph("ns", graph.Ref{Line: 1}, now)
			if tt.err != "" || fe != nil {
				if fe == nil || fe.Error() != tt.err {
					t.Fatalf("error %v, want %q", fe, tt.err)
				}
				return
			}
			if tt.props != nil {
				got := map[string]any{}
				for k := range tt.props {
					got[k] = g.Nodes[0].Props[k]
				}
				ftmSame(t, "props", got, tt.props)
			}
			var edges []string
			for _, e := range g.Edges {
				var needs []string
				for _, n := range e.Needs {
					needs = append(needs, n.Field+"="+n.ID)
				}
				edges = append(edges, fmt.Sprintf("%s %s -> %s (%s)", e.Type, e.From, e.To, strings.Join(needs, " ")))
			}
			if !reflect.DeepEqual(edges, tt.edges) {
				t.Errorf("edges %q, want %q", edges, tt.edges)
			}
			var skipped []string
			for _, fe := range g.Skipped {
				skipped = append(skipped, fe.Error())
			}
			if !reflect.DeepEqual(skipped, tt.skipped) {
				t.Errorf("skipped %q, want %q", skipped, tt.skipped)
			}
			for _, n := range g.Nodes {
				if n.Ref.Line != 1 || n.Ref.Record != tt.entity.ID {
					t.Errorf("node %s ref %+v", n.ID, n.Ref)
				}
			}
		})
	}
}

// ftmBenchData returns the path of a shared data file, skipping the benchmark when it is absent.
func ftmBenchData(b *testing.B, rel string) string {
	b.Helper()
	_, here, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(here), "..", "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		b.Skipf("shared data %s not found", rel)
	}
	return p
}

// BenchmarkFtMParse measures parsing and mapping alone (a dry run): donations.ijson repeated
// to 100 copies, 47,400 entities, with ids made unique per copy.
func BenchmarkFtMParse(b *testing.B) {
	raw, err := os.ReadFile(ftmBenchData(b, "ftm_nomenklatura/donations.ijson"))
	if err != nil {
		b.Fatal(err)
	}
	// Ids are 40 hex digits: suffixing them per copy keeps references within the copy.
	hexID := regexp.MustCompile(`[0-9a-f]{40}`)
	var data bytes.Buffer
	for i := range 100 {
		data.Write(hexID.ReplaceAll(raw, []byte(fmt.Sprintf("${0}-%d", i))))
	}
	in := data.Bytes()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		sum, err := loaders.Load(context.Background(), nil, loaders.FtM{Namespace: "bench"}, "bench.ijson",
			bytes.NewReader(in), 0, loaders.Options{Partner: "bench", DryRun: true})
		if err != nil || sum.Loaded != 47400 || sum.Rejected != 0 {
			b.Fatalf("loaded %d: %v", sum.Loaded, err)
		}
	}
	b.ReportMetric(float64(47400*b.N)/b.Elapsed().Seconds(), "entities/s")
}
