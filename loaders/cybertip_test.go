package loaders_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/graphtest"
	"github.com/crosslink/crosslink/loaders"
)

// cybertipDir holds the format's own test files: batch.xml (good) and bad/ (the bad corpus).
const cybertipDir = "testdata/cybertip"

// cybertipCounts returns the partner's nodes per label and relationships per type (FLOW and
// provenance excluded), for exact comparisons.
func cybertipCounts(t *testing.T, s *graph.Store, partner string) (map[string]int64, map[string]int64) {
	t.Helper()
	nodes := map[string]int64{}
	for _, r := range rows(t, s, `
MATCH (n)-[:SOURCED_FROM]->(:Source {partner: $p})
WITH DISTINCT n
UNWIND [l IN labels(n) WHERE l <> 'Entity'] AS label
RETURN label, count(*) AS n`, map[string]any{"p": partner}) {
		nodes[r["label"].(string)] = r["n"].(int64)
	}
	rels := map[string]int64{}
	for _, r := range rows(t, s, `
MATCH (src:Source {partner: $p})
WITH collect(src.id) AS ids
MATCH (n)-[:SOURCED_FROM]->(:Source {partner: $p})
WITH DISTINCT n, ids
MATCH (n)-[r]->()
WHERE type(r) <> 'SOURCED_FROM' AND any(x IN r.sources WHERE x IN ids)
RETURN type(r) AS type, count(r) AS n`, map[string]any{"p": partner}) {
		rels[r["type"].(string)] = r["n"].(int64)
	}
	return nodes, rels
}

// cybertipLoad loads one file under partner and fails the test on a file error.
func cybertipLoad(t *testing.T, s *graph.Store, partner, path string) loaders.Summary {
	t.Helper()
	sum, err := loadPath(t, s, "cybertip", path, loaders.Options{Partner: partner})
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return sum
}

func TestCybertipBatch(t *testing.T) {
	s := openStore(t)
	partner := graphtest.Prefix(t)
	cleanupPartner(t, s, partner)
	path := filepath.Join(cybertipDir, "batch.xml")

	sum := cybertipLoad(t, s, partner, path)
	if sum.Read != 4 || sum.Loaded != 4 || sum.Rejected != 0 {
		t.Fatalf("read %d loaded %d rejected %d, want 4 4 0; rejects: %v", sum.Read, sum.Loaded, sum.Rejected, sum.Examples)
	}
	wantNodes := map[string]int64{
		"Report": 4, "Organization": 1, "UserAccount": 2, "Person": 2, "Handle": 2, "Email": 3,
		"Phone": 1, "IPAddress": 2, "Device": 2, "FileHash": 2,
	}
	wantRels := map[string]int64{
		"REPORTER_OF": 2, "SUBJECT_OF": 4, "HAS_USER_ACCOUNT": 1, "RECIPIENT_IN": 1, "VICTIM_IN": 2,
		"HAS_HANDLE": 2, "USES_EMAIL": 2, "USES_PHONE": 2, "LOGGED_IN_FROM": 3, "USES_DEVICE": 2,
		"REFERS_TO": 2, "REPORTED_FILE": 3, "MENTIONS": 2,
	}
	nodes, rels := cybertipCounts(t, s, partner)
	if d := cybertipDiff(wantNodes, nodes); d != "" {
		t.Errorf("nodes per label (want, got):\n%s", d)
	}
	if d := cybertipDiff(wantRels, rels); d != "" {
		t.Errorf("relationships per type (want, got):\n%s", d)
	}

	// Report A: its number, summary, escalation, annotations and the subject's group.
	got := rows(t, s, `
MATCH (r:Report {id: 'report:cybertip:90000001'})
RETURN r.reportType AS type, r.reportNumber AS number, r.incidentType AS incident, r.incidentAt AS at,
       r.annotations AS annotations, r.escalateToHighPriority AS escalate, r.groupIdentifiers AS groups,
       r.platform AS platform, r.lawEnforcementCaseNumber AS caseNumber`, nil)
	want := []map[string]any{{
		"type": "CYBERTIP", "number": "90000001", "incident": "Online Enticement of Children for Sexual Acts",
		"at": time.Date(2024, 3, 2, 13, 15, 0, 0, time.UTC), "annotations": []any{"sextortion"}, "escalate": true,
		"groups": []any{"pinoy-trade-42"}, "platform": "Snapgram", "caseNumber": "ACG-2024-0117",
	}}
	if d := cybertipDiff(want, cybertipUTC(got)); d != "" {
		t.Errorf("report A (want, got):\n%s", d)
	}
	// The prior report is known by its number only.
	got = rows(t, s, `MATCH (:Report {id: 'report:cybertip:90000001'})-[:REFERS_TO]->(p:Report)
		RETURN p.id AS id, [k IN keys(p) WHERE NOT k IN ['id', 'firstSeen', 'lastSeen'] | k] AS keys, p.reportNumber AS number`, nil)
	want = []map[string]any{{"id": "report:cybertip:88000123", "keys": []any{"reportNumber", "reportType"}, "number": "88000123"}}
	if d := cybertipDiff(want, cybertipSortKeys(got)); d != "" {
		t.Errorf("prior report (want, got):\n%s", d)
	}
	// Report B (no number, a content digest) refers to A and shares A's file hash.
	if n := count(t, s, `
MATCH (b:Report)-[:REFERS_TO]->(:Report {id: 'report:cybertip:90000001'})
WHERE b.id STARTS WITH 'report:cybertip:sha256:' AND size(b.id) = size('report:cybertip:sha256:') + 32
MATCH (b)-[:REPORTED_FILE {fileViewedByEsp: false}]->(h:FileHash {id: 'hash:md5:9e107d9d372bb6826bd81d3542a419d6'})
      <-[:REPORTED_FILE {fileViewedByEsp: true, fileName: 'IMG_2291.jpg', fileAnnotations: ['possibleSelfProduction']}]-(:Report {id: 'report:cybertip:90000001'})
RETURN count(*) AS n`, nil); n != 1 {
		t.Errorf("report B -> A and the shared MD5: %d paths, want 1", n)
	}
	// Reports A and C are linked through the subject's e-mail and phone.
	if n := count(t, s, `
MATCH (a:Report {id: 'report:cybertip:90000001'})<-[:SUBJECT_OF]-(:UserAccount {id: 'ua:snapgram:118220431'})
      -[:USES_EMAIL]->(e:Email {id: 'email:marco.r.pay@mail.example'})<-[:USES_EMAIL]-(p:Person)-[:SUBJECT_OF]->(c:Report)
MATCH (p)-[:USES_PHONE]->(:Phone {id: 'phone:+639175550142'})<-[:USES_PHONE]-(:UserAccount {id: 'ua:snapgram:118220431'})
MATCH (p)-[:USES_DEVICE]->(:Device {id: 'device:idfa:6d92078a-8246-4ba4-ae5b-76104861e7dc'})
MATCH (c)-[:MENTIONS {context: 'internetDetails'}]->(:Email {id: 'email:drop.box.77@mail.example'})
WHERE c <> a AND p.id = 'person:cybertip:' + substring(c.id, size('report:cybertip:')) + ':subject:1'
RETURN count(*) AS n`, nil); n != 1 {
		t.Errorf("A and C through e-mail and phone: %d paths, want 1", n)
	}
	// The subject's IP captures: one relationship per event, with port, proxy flag and time.
	got = rows(t, s, `
MATCH (:UserAccount {id: 'ua:snapgram:118220431'})-[r:LOGGED_IN_FROM]->(ip:IPAddress)
RETURN ip.address AS ip, r.key AS key, r.event AS event, r.at AS at, r.port AS port, r.possibleProxy AS proxy
ORDER BY r.at`, nil)
	want = []map[string]any{
		{"ip": "112.198.71.20", "key": "login|2024-03-02T20:58:11Z|40211", "event": "login",
			"at": time.Date(2024, 3, 2, 20, 58, 11, 0, time.UTC), "port": int64(40211), "proxy": false},
		{"ip": "112.198.71.20", "key": "upload|2024-03-02T21:10:03Z|40388", "event": "upload",
			"at": time.Date(2024, 3, 2, 21, 10, 3, 0, time.UTC), "port": int64(40388), "proxy": nil},
		{"ip": "2001:db8:85a3::8a2e:370:7334", "key": "login|2024-03-05T03:12:45Z|", "event": "login",
			"at": time.Date(2024, 3, 5, 3, 12, 45, 0, time.UTC), "port": nil, "proxy": nil},
	}
	if d := cybertipDiff(want, cybertipUTC(got)); d != "" {
		t.Errorf("LOGGED_IN_FROM (want, got):\n%s", d)
	}
	// The subject: a Person with the account, and the account's handle and device.
	got = rows(t, s, `
MATCH (p:Person)-[:HAS_USER_ACCOUNT]->(ua:UserAccount {id: 'ua:snapgram:118220431'})-[:HAS_HANDLE]->(h:Handle)
MATCH (ua)-[:USES_DEVICE]->(d:Device)
RETURN p.id AS id, p.name AS name, p.birthDate AS dob, ua.displayName AS display, ua.username AS username,
       h.value AS handle, d.id AS device`, nil)
	want = []map[string]any{{
		"id": "person:cybertip:90000001:subject:1", "name": "Marco Reyes", "dob": "1991-07-04",
		"display": "Marco R", "username": "kuya_marco91", "handle": "kuya_marco91", "device": "device:imei:490154203237518",
	}}
	if d := cybertipDiff(want, got); d != "" {
		t.Errorf("subject (want, got):\n%s", d)
	}
	// Victim and recipient: identifiers only. Nothing the partner's facts hold names the child,
	// her birth date, school or address, and her IP capture is not loaded.
	got = rows(t, s, `
MATCH (x)-[:VICTIM_IN]->(:Report {id: 'report:cybertip:90000001'})
RETURN x.id AS id, [k IN keys(x) WHERE NOT k IN ['id', 'firstSeen', 'lastSeen'] | k] AS keys ORDER BY id`, nil)
	want = []map[string]any{
		{"id": "email:ella.v09@mail.example", "keys": []any{"address"}},
		{"id": "ua:snapgram:220981337", "keys": []any{"platformId", "service", "username"}},
	}
	if d := cybertipDiff(want, cybertipSortKeys(got)); d != "" {
		t.Errorf("victim (want, got):\n%s", d)
	}
	stored := rows(t, s, `
MATCH (n)-[sf:SOURCED_FROM]->(:Source {partner: $p})
OPTIONAL MATCH (n)-[r]-()
RETURN properties(n) AS node, sf.values AS values, collect(properties(r)) AS rels`, map[string]any{"p": partner})
	for _, secret := range []string{"Ella", "Villanueva", "2011-01-09", "Sampaguita", "49.145.3.3"} {
		for _, r := range stored {
			if text := fmt.Sprint(r); strings.Contains(text, secret) {
				t.Errorf("%q is stored: %s", secret, text)
			}
		}
	}

	// Provenance: the Source, and line and record references on nodes and relationships.
	got = rows(t, s, `
MATCH (r:Report {id: 'report:cybertip:90000001'})-[sf:SOURCED_FROM]->(src:Source {partner: $p})
MATCH (:UserAccount {id: 'ua:snapgram:118220431'})-[rel:SUBJECT_OF]->(r)
RETURN src.dataset AS dataset, src.file AS file, sf.refs[..2] AS refs, sf.refs[2] STARTS WITH 'line 119 record sha256:' AS byB,
       size(sf.refs) AS nrefs, rel.refs AS relRefs, rel.sources = [src.id] AS oneSource`,
		map[string]any{"p": partner})
	want = []map[string]any{{
		"dataset": "cybertip", "file": "batch.xml",
		// The file details (line 99) and report B (line 119, by priorCTReports) name report A too.
		"refs": []any{"line 5 record 90000001", "line 99 record 90000001"}, "byB": true, "nrefs": int64(3),
		"relRefs":   []any{graph.Source{Partner: partner, Dataset: "cybertip", File: "batch.xml"}.ID() + " line 5 record 90000001"},
		"oneSource": true,
	}}
	if d := cybertipDiff(want, got); d != "" {
		t.Errorf("provenance (want, got):\n%s", d)
	}

	// Idempotent: the second load creates nothing and leaves the same graph.
	again := cybertipLoad(t, s, partner, path)
	if again.NodesCreated != 0 || again.RelationshipsCreated != 0 {
		t.Errorf("second load created %d nodes and %d relationships, want 0 and 0", again.NodesCreated, again.RelationshipsCreated)
	}
	nodes2, rels2 := cybertipCounts(t, s, partner)
	if d := cybertipDiff(nodes, nodes2); d != "" {
		t.Errorf("nodes changed by the second load (first, second):\n%s", d)
	}
	if d := cybertipDiff(rels, rels2); d != "" {
		t.Errorf("relationships changed by the second load (first, second):\n%s", d)
	}
}

func TestCybertipAPIExamples(t *testing.T) {
	s := openStore(t)
	partner := graphtest.Prefix(t)
	cleanupPartner(t, s, partner)

	for _, tt := range []struct {
		file                   string
		read, loaded, rejected int
	}{
		{"api_doc_example_01.xml", 1, 1, 0}, // the example <report>
		{"api_doc_example_02.xml", 1, 1, 0}, // reportResponse: report 4564654
		{"api_doc_example_03.xml", 1, 1, 0}, // reportResponse after an upload: 4564654 and the file's MD5
		{"api_doc_example_04.xml", 1, 1, 0}, // fileDetails of 4564654: no hash, an upload IP
		{"api_doc_example_05.xml", 1, 1, 0},
		{"api_doc_example_06.xml", 1, 1, 0}, // reportDoneResponse
		{"api_doc_example_07.xml", 1, 1, 0},
		{"api_doc_example_08.xml", 1, 0, 1}, // a status response: no report
	} {
		t.Run(tt.file, func(t *testing.T) {
			sum := cybertipLoad(t, s, partner, sharedData(t, filepath.Join("ncmec_cybertipline_xsd", tt.file)))
			if sum.Read != tt.read || sum.Loaded != tt.loaded || sum.Rejected != tt.rejected {
				t.Errorf("read %d loaded %d rejected %d, want %d %d %d; rejects: %v",
					sum.Read, sum.Loaded, sum.Rejected, tt.read, tt.loaded, tt.rejected, sum.Examples)
			}
			if tt.rejected > 0 && (len(sum.Examples) != 1 || sum.Examples[0].Line != 2 || sum.Examples[0].Field != "reportId") {
				t.Errorf("rejects %v, want line 2 field reportId", sum.Examples)
			}
		})
	}
	nodes, rels := cybertipCounts(t, s, partner)
	if d := cybertipDiff(map[string]int64{"Report": 2, "FileHash": 1, "IPAddress": 1}, nodes); d != "" {
		t.Errorf("nodes per label (want, got):\n%s", d)
	}
	if d := cybertipDiff(map[string]int64{"REPORTED_FILE": 1, "MENTIONS": 1}, rels); d != "" {
		t.Errorf("relationships per type (want, got):\n%s", d)
	}
	got := rows(t, s, `
MATCH (r:Report)-[:SOURCED_FROM]->(:Source {partner: $p})
WITH DISTINCT r
RETURN r.reportNumber AS number, r.incidentType AS incident, r.incidentAt AS at, r.annotations AS annotations
ORDER BY number`, map[string]any{"p": partner})
	want := []map[string]any{
		{"number": "4564654", "incident": nil, "at": nil, "annotations": nil},
		{"number": nil, "incident": "Child Pornography (possession, manufacture, and distribution)",
			"at":          time.Date(2012, 10, 15, 15, 0, 0, 0, time.UTC),
			"annotations": []any{"csamSolicitation", "minorToMinorInteraction", "sadisticOnlineExploitation", "sextortion", "spam"}},
	}
	if d := cybertipDiff(want, cybertipUTC(got)); d != "" {
		t.Errorf("reports (want, got):\n%s", d)
	}
	got = rows(t, s, `
MATCH (r:Report {id: 'report:cybertip:4564654'})-[f:REPORTED_FILE]->(h:FileHash)
MATCH (r)-[m:MENTIONS]->(ip:IPAddress)
RETURN h.id AS hash, f.fileId AS fileId, ip.address AS ip, m.event AS event, m.at AS at, m.fileId AS uploadOf`, nil)
	want = []map[string]any{{
		"hash": "hash:md5:fafa5efeaf3cbe3b23b2748d13e629a1", "fileId": "b0754af766b426f2928a02c651ed4b99",
		"ip": "63.116.246.17", "event": "upload", "at": time.Date(2011, 10, 31, 12, 0, 0, 0, time.UTC),
		"uploadOf": "b0754af766b426f2928a02c651ed4b99",
	}}
	if d := cybertipDiff(want, cybertipUTC(got)); d != "" {
		t.Errorf("file of report 4564654 (want, got):\n%s", d)
	}
}

func TestCybertipRejects(t *testing.T) {
	s := openStore(t)
	partner := graphtest.Prefix(t)
	cleanupPartner(t, s, partner)

	var rejects bytes.Buffer
	sum, err := loadPath(t, s, "cybertip", filepath.Join(cybertipDir, "bad", "bad_records.xml"),
		loaders.Options{Partner: partner, Rejects: &rejects})
	if err != nil {
		t.Fatal(err)
	}
	// 7 records, of which 1 report loads; 6 records and 11 values of that report are refused.
	if sum.Read != 18 || sum.Loaded != 1 || sum.Rejected != 17 {
		t.Errorf("read %d loaded %d rejected %d, want 18 1 17", sum.Read, sum.Loaded, sum.Rejected)
	}
	recs, err := csv.NewReader(&rejects).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, fmt.Sprintf("%s:%s: %s: %s", filepath.Base(r[0]), r[1], r[2], r[3]))
	}
	const s5 = "personOrUserReported[1]/"
	want := []string{
		"bad_records.xml:4: incidentSummary/incidentDateTime: not a time; want RFC 3339, YYYY-MM-DD hh:mm:ss or YYYY-MM-DD",
		"bad_records.xml:10: incidentSummary/incidentType: empty; every report has an incident type",
		"bad_records.xml:15: incidentSummary/incidentDateTime: time is more than a day in the future",
		"bad_records.xml:21: reportId: not a report number; want up to 19 digits",
		"bad_records.xml:27: " + s5 + "estimatedLocation/countryCode: ZZ is a private-use code, not a country",
		"bad_records.xml:27: " + s5 + "personOrUserReportedPerson/email[1]: e-mail address must have exactly one @",
		"bad_records.xml:27: " + s5 + "personOrUserReportedPerson/phone[1]: phone number has no +country code and no default region is set",
		"bad_records.xml:27: " + s5 + "ipCaptureEvent[1]/ipAddress: not an IPv4 or IPv6 address",
		"bad_records.xml:27: " + s5 + "ipCaptureEvent[2]/port: not a port; want 1 to 65535",
		"bad_records.xml:27: " + s5 + "deviceId[1]/idType: unknown device id type; want IMEI, ICCID, IDFA, AAID, MEID, IMSI, MAC, UDID, Android ID or SSID",
		"bad_records.xml:27: " + s5 + "deviceId[2]/idValue: IMEI check digit does not match; a digit is probably mistyped",
		"bad_records.xml:27: " + s5 + "priorCTReports[1]: not a report number; want up to 19 digits",
		"bad_records.xml:27: " + s5 + "personOrUserReportedPerson/dateOfBirth: month must be 01 to 12",
		"bad_records.xml:27: fileDetails[1]/originalFileHash[1]: MD5 hash must be 32 hex digits",
		"bad_records.xml:27: fileDetails[1]/originalFileHash[2]: unknown hash algorithm; want MD5, SHA1, SHA256, PHOTODNA or OTHER",
		"bad_records.xml:71: reportId: empty; file details name the report they belong to",
		"bad_records.xml:75: responseCode: 4100 is an error response; it names no accepted report",
	}
	if d := cybertipDiff(want, got); d != "" {
		t.Errorf("rejects (want, got):\n%s", d)
	}
	// The one report loads with the identifiers that were good.
	nodes, rels := cybertipCounts(t, s, partner)
	if d := cybertipDiff(map[string]int64{"Report": 1, "UserAccount": 1, "IPAddress": 1}, nodes); d != "" {
		t.Errorf("nodes per label (want, got):\n%s", d)
	}
	if d := cybertipDiff(map[string]int64{"SUBJECT_OF": 1, "LOGGED_IN_FROM": 1}, rels); d != "" {
		t.Errorf("relationships per type (want, got):\n%s", d)
	}
}

// TestCybertipBrokenFiles loads files that cannot be read to the end: each is an error naming
// its line, and only the records complete before the break are loaded.
func TestCybertipBrokenFiles(t *testing.T) {
	s := openStore(t)
	huge := filepath.Join(t.TempDir(), "huge_text.xml")
	if err := os.WriteFile(huge, []byte("<?xml version=\"1.0\"?>\n<report>\n<additionalInfo>"+
		strings.Repeat("a", 2<<20)+"</additionalInfo>\n</report>\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := func(name string) string { return filepath.Join(cybertipDir, "bad", name) }
	for _, tt := range []struct {
		path    string
		err     string // the file error after "<path>: "
		read    int
		reports int64 // Report nodes written
	}{
		{bad("truncated.xml"), "line 12: unexpected EOF", 1, 1},
		{bad("doctype_billion_laughs.xml"), "line 2: <!DOCTYPE> and other <!...> declarations are not allowed", 0, 0},
		{bad("deep_nesting.xml"), "line 67: <additionalInfo> is nested deeper than 64 elements", 0, 0},
		{bad("invalid_utf8.xml"), "line 9: invalid UTF-8", 0, 0},
		{bad("latin1.xml"), `line 1: xml: opening charset "ISO-8859-1": not supported; convert the file to UTF-8`, 0, 0},
		{bad("entity.xml"), "line 7: invalid character entity &nbsp;", 0, 0},
		{bad("not_cybertip.xml"), "no <report>, <fileDetails>, <reportResponse> or <reportDoneResponse> element: not a CyberTipline file", 0, 0},
		{bad("empty.xml"), "no <report>, <fileDetails>, <reportResponse> or <reportDoneResponse> element: not a CyberTipline file", 0, 0},
		{huge, "line 3: an XML token (element text, tag or comment) is longer than 1048576 bytes", 0, 0},
	} {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			partner := graphtest.Prefix(t)
			cleanupPartner(t, s, partner)
			sum, err := loadPath(t, s, "cybertip", tt.path, loaders.Options{Partner: partner})
			if err == nil {
				t.Fatalf("no error, want %q", tt.err)
			}
			if want := tt.path + ": " + tt.err; graph.ErrorMessage(err) != want {
				t.Errorf("error %q\nwant  %q", graph.ErrorMessage(err), want)
			}
			if graph.ErrorCode(err) != graph.EINVALID {
				t.Errorf("error code %q, want %q", graph.ErrorCode(err), graph.EINVALID)
			}
			if sum.Read != tt.read || sum.Loaded != tt.read {
				t.Errorf("read %d loaded %d, want %d", sum.Read, sum.Loaded, tt.read)
			}
			if n := count(t, s, `MATCH (r:Report)-[:SOURCED_FROM]->(:Source {partner: $p}) RETURN count(r) AS n`,
				map[string]any{"p": partner}); n != tt.reports {
				t.Errorf("%d reports written, want %d", n, tt.reports)
			}
		})
	}
}

func TestCybertipDryRun(t *testing.T) {
	s := openStore(t)
	partner := graphtest.Prefix(t)
	cleanupPartner(t, s, partner)
	sum, err := loadPath(t, nil, "cybertip", filepath.Join(cybertipDir, "batch.xml"), loaders.Options{Partner: partner, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.DryRun || sum.Read != 4 || sum.Loaded != 4 || sum.NodesCreated != 0 || sum.Batches != 0 {
		t.Errorf("summary %+v, want a dry run of 4 records writing nothing", sum)
	}
	if n := count(t, s, `MATCH (src:Source {partner: $p}) RETURN count(src) AS n`, map[string]any{"p": partner}); n != 0 {
		t.Errorf("dry run wrote %d sources", n)
	}
}

// cybertipCapture is a Writer that keeps what it is given, for tests without a database.
type cybertipCapture struct{ batches []graph.Batch }

func (c *cybertipCapture) WriteBatch(_ context.Context, _ graph.Source, b graph.Batch) (graph.WriteStats, error) {
	c.batches = append(c.batches, b)
	return graph.WriteStats{}, nil
}

// cybertipReportIDs parses XML and returns the ids of the Report nodes it yields, in order.
func cybertipReportIDs(t *testing.T, doc string) []string {
	t.Helper()
	f, err := loaders.Lookup("cybertip")
	if err != nil {
		t.Fatal(err)
	}
	w := &cybertipCapture{}
	if _, err := loaders.Load(context.Background(), w, f, "doc.xml", strings.NewReader(doc), 0, loaders.Options{Partner: "test"}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range w.batches {
		for _, n := range b.Nodes {
			if n.Label == graph.LabelReport {
				ids = append(ids, n.ID)
			}
		}
	}
	return ids
}

// TestCybertipDigest checks the id of a report without a number: the same content written
// differently is the same report, different content another.
func TestCybertipDigest(t *testing.T) {
	const a = `<report><incidentSummary><incidentType>Child Sex Trafficking</incidentType>
<incidentDateTime>2024-02-01T10:00:00Z</incidentDateTime></incidentSummary>
<personOrUserReported><espService>Snapgram</espService><screenName>bob</screenName></personOrUserReported></report>`
	same := `<?xml version="1.0"?>
<batch xmlns:ct="urn:example">
  <!-- indented, prefixed, with a schema location -->
  <ct:report xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="https://report.cybertip.org/ispws/xsd">
    <ct:incidentSummary>
      <ct:incidentType>  Child Sex Trafficking </ct:incidentType>
      <ct:incidentDateTime>2024-02-01T10:00:00Z</ct:incidentDateTime>
    </ct:incidentSummary>
    <ct:personOrUserReported>
      <ct:espService>Snapgram</ct:espService>
      <ct:screenName>bob</ct:screenName>
    </ct:personOrUserReported>
  </ct:report>
</batch>`
	other := strings.Replace(a, "bob", "rob", 1)
	ids := append(cybertipReportIDs(t, a), cybertipReportIDs(t, same)...)
	ids = append(ids, cybertipReportIDs(t, other)...)
	if len(ids) != 3 || !strings.HasPrefix(ids[0], "report:cybertip:sha256:") {
		t.Fatalf("ids %v, want three content-hash report ids", ids)
	}
	if ids[0] != ids[1] {
		t.Errorf("the same report written two ways has ids %s and %s", ids[0], ids[1])
	}
	if ids[0] == ids[2] {
		t.Errorf("two different reports share the id %s", ids[0])
	}
	// A number, as attribute or element, is the id.
	withNumber := strings.Replace(a, "<report>", `<report reportId="00123">`, 1)
	if got := cybertipReportIDs(t, withNumber); len(got) != 1 || got[0] != "report:cybertip:123" {
		t.Errorf("ids %v, want [report:cybertip:123]", got)
	}
}

// TestCybertipReportGraph calls the record-level parser as a library (as ingest will): the
// fields of a report in, its graph or the field at fault out.
func TestCybertipReportGraph(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	good := func() loaders.CybertipReport {
		return loaders.CybertipReport{
			ReportID: "7",
			Summary:  loaders.CybertipIncidentSummary{IncidentType: "Child Sex Trafficking", IncidentDateTime: "2024-06-01T08:00:00-04:00"},
		}
	}
	for _, tt := range []struct {
		name   string
		edit   func(r *loaders.CybertipReport)
		field  string // the field of the refusal, "" when the report loads
		nodes  int
		edges  int
		skipFs []string
	}{
		{"minimal", func(*loaders.CybertipReport) {}, "", 1, 0, nil},
		{"no number, no digest", func(r *loaders.CybertipReport) { r.ReportID = "" }, "reportId", 0, 0, nil},
		{"number attribute and element differ", func(r *loaders.CybertipReport) { r.ReportIDAttr = "8" }, "reportId", 0, 0, nil},
		{"no incident time", func(r *loaders.CybertipReport) { r.Summary.IncidentDateTime = "" }, "incidentSummary/incidentDateTime", 0, 0, nil},
		{"incident before 1970", func(r *loaders.CybertipReport) { r.Summary.IncidentDateTime = "1969-12-31T00:00:00Z" }, "incidentSummary/incidentDateTime", 0, 0, nil},
		{"victim keeps identifiers only", func(r *loaders.CybertipReport) {
			r.Victims = []loaders.CybertipParty{{
				VictimPerson: &loaders.CybertipPerson{FirstName: "Ann", DateOfBirth: "2012-01-01",
					Phones: []loaders.CybertipPhone{{Value: "9175550199", CountryCallingCode: "+63"}}},
				IPCaptures: []loaders.CybertipIPCapture{{IPAddress: "198.51.100.7"}},
			}}
		}, "", 2, 1, nil}, // Report, Phone; VICTIM_IN
		{"subject known by a screen name alone", func(r *loaders.CybertipReport) {
			r.Subjects = []loaders.CybertipParty{{ScreenName: "@Bob_99"}}
		}, "", 3, 2, nil}, // Report, Person, Handle; SUBJECT_OF, HAS_HANDLE
		{"service with a colon", func(r *loaders.CybertipReport) {
			r.Subjects = []loaders.CybertipParty{{ESPService: "snap:gram", ESPIdentifier: "1"}}
		}, "", 1, 0, []string{"personOrUserReported[1]/espService"}},
		{"bad country calling code", func(r *loaders.CybertipReport) {
			r.Subjects = []loaders.CybertipParty{{SubjectPerson: &loaders.CybertipPerson{
				Phones: []loaders.CybertipPhone{{Value: "9175550199", CountryCallingCode: "63"}}}}}
		}, "", 1, 0, []string{"personOrUserReported[1]/personOrUserReportedPerson/phone[1]/@countryCallingCode"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := good()
			tt.edit(&r)
			g, fe := r.Graph(graph.Ref{Line: 1}, now)
			if tt.field != "" {
				if fe == nil || fe.Field != tt.field {
					t.Fatalf("refusal %v, want one on %s", fe, tt.field)
				}
				return
			}
			if fe != nil {
				t.Fatalf("refused: %v", fe)
			}
			var skipped []string
			for _, s := range g.Skipped {
				skipped = append(skipped, s.Field)
			}
			if len(g.Nodes) != tt.nodes || len(g.Edges) != tt.edges || !reflect.DeepEqual(tt.skipFs, skipped) {
				t.Errorf("%d nodes, %d edges, skipped %v; want %d, %d, %v", len(g.Nodes), len(g.Edges), skipped, tt.nodes, tt.edges, tt.skipFs)
			}
			for _, n := range g.Nodes {
				for k, v := range n.Props {
					if s, ok := v.(string); ok && (strings.Contains(s, "Ann") || strings.Contains(s, "2012-01-01")) {
						t.Errorf("%s.%s = %q: victim data stored", n.ID, k, s)
					}
				}
			}
		})
	}
}

// BenchmarkCybertipParse parses a batch of reports without writing, for the loader's speed
// and allocations per report.
func BenchmarkCybertipParse(b *testing.B) {
	const reports = 1000
	var doc bytes.Buffer
	doc.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<reports>\n")
	for i := range reports {
		fmt.Fprintf(&doc, `<report>
  <incidentSummary>
    <incidentType>Online Enticement of Children for Sexual Acts</incidentType>
    <platform>Snapgram</platform>
    <reportAnnotations><sextortion/></reportAnnotations>
    <incidentDateTime>2024-03-02T21:15:00+08:00</incidentDateTime>
  </incidentSummary>
  <reporter><reportingPerson><email>reports@snapgram.example</email></reportingPerson></reporter>
  <personOrUserReported>
    <personOrUserReportedPerson>
      <firstName>Subject</firstName><lastName>%d</lastName>
      <phone>0917 555 %04d</phone>
      <email>subject%d@mail.example</email>
    </personOrUserReportedPerson>
    <espIdentifier>%d</espIdentifier>
    <espService>Snapgram</espService>
    <screenName>user_%d</screenName>
    <ipCaptureEvent><ipAddress>112.198.%d.%d</ipAddress><eventName>Login</eventName><dateTime>2024-03-02T20:58:11Z</dateTime><port>40211</port></ipCaptureEvent>
    <deviceId><idType>IMEI</idType><idValue>49015420323751%d</idValue></deviceId>
    <priorCTReports>%d</priorCTReports>
    <estimatedLocation><countryCode>PH</countryCode></estimatedLocation>
  </personOrUserReported>
  <victim><espIdentifier>v%d</espIdentifier><espService>Snapgram</espService></victim>
</report>
`, i, i%10000, i, i, i, i/256%256, i%256, i%10, 1000+i, i)
	}
	doc.WriteString("</reports>\n")
	f, err := loaders.Lookup("cybertip")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(doc.Len()))
	b.ReportAllocs()
	for b.Loop() {
		sum, err := loaders.Load(context.Background(), nil, f, "bench.xml", bytes.NewReader(doc.Bytes()), 0, loaders.Options{Partner: "bench", DryRun: true})
		if err != nil {
			b.Fatal(err)
		}
		if sum.Loaded != reports {
			b.Fatalf("loaded %d of %d; rejects: %v", sum.Loaded, reports, sum.Examples)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*reports), "ns/report")
}

// cybertipUTC puts every time in rows in UTC, so that comparisons do not depend on the zone
// the driver reports.
func cybertipUTC(rs []map[string]any) []map[string]any {
	for _, r := range rs {
		for k, v := range r {
			if tm, ok := v.(time.Time); ok {
				r[k] = tm.UTC()
			}
		}
	}
	return rs
}

// cybertipSortKeys sorts the "keys" list of each row, whose order Neo4j does not fix.
func cybertipSortKeys(rs []map[string]any) []map[string]any {
	for _, r := range rs {
		if ks, ok := r["keys"].([]any); ok {
			sort.Slice(ks, func(i, j int) bool { return ks[i].(string) < ks[j].(string) })
		}
	}
	return rs
}

// cybertipDiff returns "" when want and got are deeply equal, else both, one per line.
func cybertipDiff(want, got any) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return fmt.Sprintf("want %#v\n got %#v", want, got)
}
