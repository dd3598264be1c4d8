package loaders_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/graphtest"
	"github.com/crosslink/crosslink/loaders"
)

// platformFile is the path of a platform test file.
func platformFile(name string) string { return filepath.Join("testdata", "platform", name) }

// platformWant are the nodes per label and relationships per type that accounts.csv and
// events.csv make together, whichever is loaded first. Worked out by hand from the files:
//   - UserAccount: 10 accounts (sg-1001 is listed twice) + sg-2001 and cb-99, seen only in events.
//   - Handle: Bob_99/bob_99, @anna.k, minh_t/Minh_T, ＪＯＨＮ＿Ｄ (john_d), silent_fox, anna_k,
//     ledger.kid, quiet.one.
//   - Email: bob99@ (twice, case differs), anna.k@ (twice), john.d@, minh.t@, q1@.
//   - Phone: +639171234567, +639177654321 (PHL as default region), +84912345678 (twice: VN
//     region and +84), +447700900123, +442079460018 (GB region).
//   - IPAddress: 5 IPv4 (::ffff:203.0.113.7 is 203.0.113.7) and 2 IPv6 (each written two ways).
//   - Device: one IMEI written as 15 digits, with hyphens and as a 16-digit IMEISV; one IDFA and
//     one AAID in two cases; one ICCID with an F filler; one opaque fingerprint.
//   - LOGGED_IN_FROM: 25 events less 5 repeats (lines 3, 4, 14, 26 and the repeat of line 2 at
//     +08:00 is line 4) less the device-only event of cb-99: 20.
//   - USES_DEVICE: one per account and device: 8.
var platformWant = map[string]int64{
	"UserAccount": 12, "Handle": 8, "Email": 5, "Phone": 5, "IPAddress": 7, "Device": 5,
	"HAS_HANDLE": 10, "USES_EMAIL": 7, "USES_PHONE": 6, "LOGGED_IN_FROM": 20, "USES_DEVICE": 8,
}

// platformCounts counts the nodes per label and the relationships per type that the partner's
// sources assert. Counting through provenance keeps other tests' data out.
func platformCounts(t *testing.T, s *graph.Store, partner string) map[string]int64 {
	t.Helper()
	return partnerCounts(t, s, partner)
}

func TestPlatformLoad(t *testing.T) {
	s := openStore(t)
	for _, tt := range []struct {
		name      string
		files     []string
		batchSize int
	}{
		{"accounts then events", []string{"accounts.csv", "events.csv"}, 0},
		// Events first, in batches of 4 records: every event MERGEs its account, so edges
		// never wait for the accounts file, and a batch boundary splits nothing.
		{"events then accounts", []string{"events.csv", "accounts.csv"}, 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			partner := graphtest.Prefix(t)
			cleanupPartner(t, s, partner)
			opts := loaders.Options{Partner: partner, BatchSize: tt.batchSize}
			wantRead := map[string]int{"accounts.csv": 11, "events.csv": 25}
			for _, f := range tt.files {
				sum, err := loadPath(t, s, "platform", platformFile(f), opts)
				if err != nil {
					t.Fatalf("load %s: %v", f, err)
				}
				if sum.Read != wantRead[f] || sum.Loaded != wantRead[f] || sum.Rejected != 0 {
					t.Fatalf("load %s: read %d loaded %d rejected %d (%v), want %d, %d, 0",
						f, sum.Read, sum.Loaded, sum.Rejected, sum.Examples, wantRead[f], wantRead[f])
				}
			}
			if got := platformCounts(t, s, partner); !reflect.DeepEqual(got, platformWant) {
				t.Fatalf("counts:\n got %v\nwant %v", got, platformWant)
			}

			// Loading both again changes nothing.
			for _, f := range tt.files {
				sum, err := loadPath(t, s, "platform", platformFile(f), opts)
				if err != nil {
					t.Fatalf("reload %s: %v", f, err)
				}
				if sum.NodesCreated != 0 || sum.RelationshipsCreated != 0 {
					t.Errorf("reload %s: created %d nodes, %d relationships; want none", f, sum.NodesCreated, sum.RelationshipsCreated)
				}
			}
			if got := platformCounts(t, s, partner); !reflect.DeepEqual(got, platformWant) {
				t.Fatalf("counts after reload:\n got %v\nwant %v", got, platformWant)
			}

			platformCheckGraph(t, s, partner)
		})
	}
}

// platformCheckGraph checks properties, the links the shared identifiers make, and provenance.
func platformCheckGraph(t *testing.T, s *graph.Store, partner string) {
	t.Helper()
	utc := func(v string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	one := func(q string, params map[string]any) map[string]any {
		t.Helper()
		r := rows(t, s, q, params)
		if len(r) != 1 {
			t.Fatalf("%s %v: %d rows, want 1", q, params, len(r))
		}
		return r[0]
	}

	// Accounts keep the username as given; the service is lower-cased like its id.
	for _, tt := range []struct {
		id     string
		want   map[string]any
		handle string
	}{
		{"ua:snapgram:sg-1001", map[string]any{"service": "snapgram", "platformId": "sg-1001", "username": "Bob_99",
			"displayName": "Bob", "country": "PH", "createdAt": utc("2023-01-05T08:00:00Z")}, "handle:bob_99"},
		{"ua:snapgram:sg-1004", map[string]any{"service": "snapgram", "platformId": "sg-1004", "username": "ＪＯＨＮ＿Ｄ",
			"displayName": "Doe, John", "country": "GB", "createdAt": utc("2023-01-01T04:30:00Z")}, "handle:john_d"},
		{"ua:snapgram:sg-1002", map[string]any{"service": "snapgram", "platformId": "sg-1002", "username": "@anna.k",
			"displayName": "Anna K", "country": "PH", "createdAt": utc("2023-02-10T09:30:00Z")}, "handle:anna.k"},
		// Known only from events: no username, no handle.
		{"ua:snapgram:sg-2001", map[string]any{"service": "snapgram", "platformId": "sg-2001", "username": nil,
			"displayName": nil, "country": nil, "createdAt": nil}, ""},
	} {
		r := one(`MATCH (u:UserAccount {id: $id}) OPTIONAL MATCH (u)-[:HAS_HANDLE]->(h:Handle)
			RETURN u.service AS service, u.platformId AS platformId, u.username AS username,
			       u.displayName AS displayName, u.country AS country, u.createdAt AS createdAt, h.id AS handle`,
			map[string]any{"id": tt.id})
		for k, want := range tt.want {
			got := r[k]
			if wt, ok := want.(time.Time); ok {
				if gt, ok := got.(time.Time); !ok || !gt.Equal(wt) {
					t.Errorf("%s %s = %v, want %v", tt.id, k, got, want)
				}
				continue
			}
			if got != want {
				t.Errorf("%s %s = %#v, want %#v", tt.id, k, got, want)
			}
		}
		if h, _ := r["handle"].(string); h != tt.handle {
			t.Errorf("%s handle %q, want %q", tt.id, h, tt.handle)
		}
	}

	// Shared identifiers link the two services' accounts.
	for _, tt := range []struct {
		id, rel string
		want    []string
	}{
		{"handle:bob_99", "HAS_HANDLE", []string{"ua:chatterbox:cb-77", "ua:snapgram:sg-1001"}},
		{"handle:minh_t", "HAS_HANDLE", []string{"ua:chatterbox:cb-80", "ua:snapgram:sg-1003"}},
		{"email:bob99@mail.example", "USES_EMAIL", []string{"ua:chatterbox:cb-77", "ua:snapgram:sg-1001"}},
		{"email:anna.k@mail.example", "USES_EMAIL", []string{"ua:chatterbox:cb-78", "ua:snapgram:sg-1002"}},
		{"phone:+84912345678", "USES_PHONE", []string{"ua:chatterbox:cb-80", "ua:snapgram:sg-1003"}},
		{"phone:+639177654321", "USES_PHONE", []string{"ua:snapgram:sg-1002"}},
		{"phone:+442079460018", "USES_PHONE", []string{"ua:chatterbox:cb-79"}},
		{"ip:203.0.113.7", "LOGGED_IN_FROM", []string{"ua:chatterbox:cb-77", "ua:snapgram:sg-1001"}},
		{"ip:100.64.0.1", "LOGGED_IN_FROM", []string{"ua:snapgram:sg-1003", "ua:snapgram:sg-2001"}},
		{"ip:2001:db8::1", "LOGGED_IN_FROM", []string{"ua:chatterbox:cb-80", "ua:snapgram:sg-1001"}},
		{"ip:2001:db8:85a3::8a2e:370:7334", "LOGGED_IN_FROM", []string{"ua:chatterbox:cb-78", "ua:snapgram:sg-2001"}},
		{"device:imei:490154203237518", "USES_DEVICE", []string{"ua:chatterbox:cb-77", "ua:snapgram:sg-1001"}},
		{"device:aaid:38400000-8cf0-11bd-b23e-10b96e40000d", "USES_DEVICE", []string{"ua:chatterbox:cb-79", "ua:snapgram:sg-1003"}},
		{"device:idfa:6d92078a-8246-4ba4-ae5b-76104861e7dc", "USES_DEVICE", []string{"ua:snapgram:sg-1002"}},
		{"device:iccid:8944100000000000013", "USES_DEVICE", []string{"ua:snapgram:sg-1004"}},
		{"device:device:web-fp-7f3a9c", "USES_DEVICE", []string{"ua:chatterbox:cb-99", "ua:snapgram:sg-2001"}},
	} {
		r := one(`MATCH (x:Entity {id: $id})<-[r]-(u:UserAccount) WHERE type(r) = $rel
			WITH DISTINCT u ORDER BY u.id RETURN collect(u.id) AS ids`, map[string]any{"id": tt.id, "rel": tt.rel})
		var got []string
		for _, v := range r["ids"].([]any) {
			got = append(got, v.(string))
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s <-[%s]- %v, want %v", tt.id, tt.rel, got, tt.want)
		}
	}

	// One LOGGED_IN_FROM per capture event: lines 2-4 are one event, written three ways.
	srcs := map[string]string{}
	for _, r := range rows(t, s, `MATCH (s:Source {partner: $p}) RETURN s.file AS file, s.id AS id, s.dataset AS dataset`,
		map[string]any{"p": partner}) {
		if r["dataset"] != "platform" {
			t.Errorf("source %v: dataset %v, want platform", r["file"], r["dataset"])
		}
		srcs[r["file"].(string)] = r["id"].(string)
	}
	if len(srcs) != 2 || srcs["accounts.csv"] == "" || srcs["events.csv"] == "" {
		t.Fatalf("sources %v, want accounts.csv and events.csv", srcs)
	}
	ev := srcs["events.csv"]
	type edge struct {
		key      string
		event    string
		at       string
		port     any
		proxy    any
		refs     []string
		lastSeen string
	}
	var edges []edge
	for _, r := range rows(t, s, `
MATCH (:UserAccount {id: $ua})-[r:LOGGED_IN_FROM]->(:IPAddress {id: $ip})
RETURN r.key AS key, r.event AS event, r.at AS at, r.port AS port, r.possibleProxy AS proxy, r.refs AS refs, r.lastSeen AS lastSeen
ORDER BY r.key`, map[string]any{"ua": "ua:snapgram:sg-1001", "ip": "ip:203.0.113.7"}) {
		var refs []string
		for _, x := range r["refs"].([]any) {
			refs = append(refs, x.(string))
		}
		edges = append(edges, edge{r["key"].(string), r["event"].(string), r["at"].(time.Time).UTC().Format(time.RFC3339),
			r["port"], r["proxy"], refs, r["lastSeen"].(time.Time).UTC().Format(time.RFC3339)})
	}
	wantEdges := []edge{
		{"login|2024-03-01T08:00:00Z|51234", "login", "2024-03-01T08:00:00Z", int64(51234), false,
			[]string{ev + " line 2", ev + " line 3", ev + " line 4"}, "2024-03-01T08:00:00Z"},
		{"upload|2024-03-01T08:05:00Z|51240", "upload", "2024-03-01T08:05:00Z", int64(51240), false,
			[]string{ev + " line 5"}, "2024-03-01T08:05:00Z"},
	}
	if !reflect.DeepEqual(edges, wantEdges) {
		t.Errorf("sg-1001 LOGGED_IN_FROM 203.0.113.7:\n got %+v\nwant %+v", edges, wantEdges)
	}
	// Half a second apart is two events; a registration without port or proxy flag has neither.
	if n := count(t, s, `MATCH (:UserAccount {id: 'ua:chatterbox:cb-80'})-[r:LOGGED_IN_FROM]->(:IPAddress {id: 'ip:2001:db8::1'})
		WHERE r.key IN ['login|2024-08-02T11:11:11.25Z|443', 'login|2024-08-02T11:11:11.75Z|443'] RETURN count(r) AS n`, nil); n != 2 {
		t.Errorf("cb-80 sub-second events: %d, want 2", n)
	}
	r := one(`MATCH (:UserAccount {id: 'ua:snapgram:sg-1002'})-[r:LOGGED_IN_FROM {event: 'registration'}]->()
		RETURN r.key AS key, r.port AS port, r.possibleProxy AS proxy`, nil)
	if r["key"] != "registration|2023-02-10T09:30:00Z|" || r["port"] != nil || r["proxy"] != nil {
		t.Errorf("sg-1002 registration: %v", r)
	}

	// Provenance: the account's references in each file, and first/last seen spanning its
	// creation (accounts) and its events.
	prov := map[string][]string{}
	for _, r := range rows(t, s, `MATCH (:UserAccount {id: 'ua:snapgram:sg-1001'})-[p:SOURCED_FROM]->(s:Source {partner: $p})
		RETURN s.file AS file, p.refs AS refs`, map[string]any{"p": partner}) {
		for _, x := range r["refs"].([]any) {
			prov[r["file"].(string)] = append(prov[r["file"].(string)], x.(string))
		}
	}
	wantProv := map[string][]string{
		"accounts.csv": {"line 2 record sg-1001", "line 12 record sg-1001"},
		"events.csv":   {"line 2", "line 3", "line 4", "line 5", "line 6"},
	}
	if !reflect.DeepEqual(prov, wantProv) {
		t.Errorf("sg-1001 provenance:\n got %v\nwant %v", prov, wantProv)
	}
	r = one(`MATCH (u:UserAccount {id: 'ua:snapgram:sg-1001'}) RETURN u.firstSeen AS first, u.lastSeen AS last`, nil)
	if !r["first"].(time.Time).Equal(utc("2023-01-05T08:00:00Z")) || !r["last"].(time.Time).Equal(utc("2024-03-02T21:10:00Z")) {
		t.Errorf("sg-1001 seen %v .. %v, want 2023-01-05T08:00:00Z .. 2024-03-02T21:10:00Z", r["first"], r["last"])
	}
	r = one(`MATCH (:UserAccount {id: 'ua:snapgram:sg-1001'})-[r:USES_DEVICE]->(:Device {id: 'device:imei:490154203237518'})
		RETURN r.firstSeen AS first, r.lastSeen AS last, r.refs AS refs`, nil)
	if !r["first"].(time.Time).Equal(utc("2024-03-01T08:00:00Z")) || !r["last"].(time.Time).Equal(utc("2024-03-01T08:05:00Z")) ||
		len(r["refs"].([]any)) != 4 {
		t.Errorf("sg-1001 USES_DEVICE: %v", r)
	}
}

// platformReject is an expected reject: the line, the field and a part of the reason.
type platformReject struct {
	line   int
	field  string
	reason string
}

func TestPlatformRejects(t *testing.T) {
	s := openStore(t)
	for _, tt := range []struct {
		file   string
		loaded int
		want   []platformReject
	}{
		{"accounts_bad.csv", 1, []platformReject{
			{3, "platform_id", "empty"},
			{4, "username", "empty"},
			{5, "username", "space"},
			{6, "service", "empty"},
			{7, "service", `contains ':'`},
			{8, "email", "exactly one @"},
			{9, "phone", "no default region"},
			{10, "phone_region", "private-use"},
			{11, "country", "private-use"},
			{12, "created_at", "future"},
			{13, "created_at", "before 1970"},
			{14, "created_at", "not a time"},
			{15, "display_name", "UTF-8"},
			{16, "", "has 3 fields, the header has 9"},
			{17, "username", "longer than 256"},
			{18, "phone", "short"},
			{19, "", `"`},
		}},
		{"events_bad.csv", 1, []platformReject{
			{3, "event", "unknown event"},
			{4, "event", "empty"},
			{5, "timestamp", "empty"},
			{6, "timestamp", "not a time"},
			{7, "timestamp", "future"},
			{8, "ip", "CIDR"},
			{9, "ip", "port"},
			{10, "ip", "not an IPv4 or IPv6"},
			{11, "port", "out of range"},
			{12, "port", "out of range"},
			{13, "port", "not a port"},
			{14, "port", "not a port"},
			{15, "port", "without an ip"},
			{16, "possible_proxy", "not a boolean"},
			{17, "device_type", "unknown device type"},
			{18, "device_type", "empty while device_id"},
			{19, "device_id", "empty while device_type"},
			{20, "device_id", "check digit"},
			{21, "device_id", "all zeros"},
			{22, "ip", "no device either"},
			{23, "service", "empty"},
			{24, "platform_id", "empty"},
			{25, "device_id", "UTF-8"},
			{26, "", "has 3 fields, the header has 9"},
			{27, "device_id", "start with 89"},
			{28, "timestamp", "before 1970"},
			{29, "port", "out of range"},
		}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			partner := graphtest.Prefix(t)
			cleanupPartner(t, s, partner)
			var rej bytes.Buffer
			sum, err := loadPath(t, s, "platform", platformFile(tt.file), loaders.Options{Partner: partner, Rejects: &rej})
			if err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(&rej).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range recs {
				got = append(got, fmt.Sprintf("%s:%s: %s: %s", filepath.Base(r[0]), r[1], r[2], r[3]))
			}
			if len(recs) != len(tt.want) || sum.Rejected != len(tt.want) || sum.Loaded != tt.loaded {
				t.Fatalf("loaded %d rejected %d (%d rows), want %d and %d:\n%s",
					sum.Loaded, sum.Rejected, len(recs), tt.loaded, len(tt.want), strings.Join(got, "\n"))
			}
			for i, w := range tt.want {
				r := recs[i]
				if r[1] != fmt.Sprint(w.line) || r[2] != w.field || !strings.Contains(r[3], w.reason) {
					t.Errorf("reject %d = %s; want line %d field %q reason containing %q", i, got[i], w.line, w.field, w.reason)
				}
				if r[0] != platformFile(tt.file) {
					t.Errorf("reject %d file %q, want %q", i, r[0], platformFile(tt.file))
				}
			}
			// Only the good record reached the graph: its account and what it uses.
			if n := count(t, s, `MATCH (:Source {partner: $p})<-[:SOURCED_FROM]-(u:UserAccount) RETURN count(u) AS n`,
				map[string]any{"p": partner}); n != int64(tt.loaded) {
				t.Errorf("%d accounts loaded, want %d", n, tt.loaded)
			}
		})
	}
}

func TestPlatformHeaderErrors(t *testing.T) {
	for _, tt := range []struct {
		file string
		want []string // parts of the error message
	}{
		{"empty.csv", []string{"empty"}},
		{"neither.csv", []string{"neither", "accounts (missing service, platform_id, username)", "events (missing service, platform_id, event, timestamp)"}},
		{"events_no_timestamp.csv", []string{"events (missing timestamp)", "accounts (missing username)"}},
		{"both.csv", []string{"both", "separate files"}},
		{"latin1_header.csv", []string{"column 4", "UTF-8"}},
		{"utf16_header.csv", []string{"column 1", "UTF-8"}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			sum, err := loadPath(t, nil, "platform", platformFile(tt.file), loaders.Options{Partner: "p", DryRun: true})
			if err == nil {
				t.Fatalf("no error; summary %+v", sum)
			}
			if graph.ErrorCode(err) != graph.EINVALID {
				t.Errorf("code %s, want %s (%v)", graph.ErrorCode(err), graph.EINVALID, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if sum.Read != 0 {
				t.Errorf("read %d records of a file that cannot be read", sum.Read)
			}
		})
	}
}

func TestPlatformDryRun(t *testing.T) {
	s := openStore(t)
	partner := graphtest.Prefix(t)
	cleanupPartner(t, s, partner)
	for _, tt := range []struct {
		file           string
		read, rejected int
	}{
		{"accounts.csv", 11, 0},
		{"events.csv", 25, 0},
		{"events_bad.csv", 28, 27},
	} {
		sum, err := loadPath(t, s, "platform", platformFile(tt.file), loaders.Options{Partner: partner, DryRun: true})
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if sum.Read != tt.read || sum.Rejected != tt.rejected || !sum.DryRun || sum.Batches != 0 ||
			sum.NodesCreated != 0 || sum.RelationshipsCreated != 0 {
			t.Errorf("%s: %+v; want read %d, rejected %d, nothing written", tt.file, sum, tt.read, tt.rejected)
		}
	}
	if n := count(t, s, `MATCH (s:Source {partner: $p}) RETURN count(s) AS n`, map[string]any{"p": partner}); n != 0 {
		t.Errorf("dry run wrote %d sources", n)
	}
	for _, id := range []string{"ua:snapgram:sg-2001", "ua:chatterbox:cb-99"} {
		// Seen only in events.csv: no other test of this file may have left them behind.
		if n := count(t, s, `MATCH (u:UserAccount {id: $id})-[:SOURCED_FROM]->(:Source {partner: $p}) RETURN count(u) AS n`,
			map[string]any{"id": id, "p": partner}); n != 0 {
			t.Errorf("dry run wrote %s", id)
		}
	}
}

// TestPlatformRecords checks the record parsers that the ingest API calls directly.
func TestPlatformRecords(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	edgeOf := func(t *testing.T, e loaders.PlatformEvent, typ graph.RelType) (graph.Edge, []graph.Node) {
		t.Helper()
		nodes, edges, fe := e.Graph(graph.Ref{Line: 7}, now)
		if fe != nil {
			t.Fatalf("%+v: %v", e, fe)
		}
		for _, ed := range edges {
			if ed.Type == typ {
				return ed, nodes
			}
		}
		t.Fatalf("%+v: no %s in %+v", e, typ, edges)
		return graph.Edge{}, nil
	}
	base := loaders.PlatformEvent{Service: "Snapgram", PlatformID: "A1", Event: "login", Timestamp: "2024-05-01T10:00:00Z"}

	t.Run("device ids", func(t *testing.T) {
		for _, tt := range []struct{ kind, value, want string }{
			{"imei", "490154203237518", "device:imei:490154203237518"},
			{"IMEI", "49 015420 323751 8", "device:imei:490154203237518"},
			{"imei", "49015420323751", "device:imei:490154203237518"},   // check digit added
			{"imei", "4901542032375199", "device:imei:490154203237518"}, // IMEISV: software version dropped
			{"iccid", "89441000000000000130", "device:iccid:89441000000000000130"},
			{"iccid", "8944-1000-0000-0000-013f", "device:iccid:8944100000000000013"},
			{"idfa", "6D92078A-8246-4BA4-AE5B-76104861E7DC", "device:idfa:6d92078a-8246-4ba4-ae5b-76104861e7dc"},
			{"aaid", "38400000-8cf0-11bd-b23e-10b96e40000d", "device:aaid:38400000-8cf0-11bd-b23e-10b96e40000d"},
			{"device", "Fp-ABC_123", "device:device:Fp-ABC_123"}, // opaque: case kept
		} {
			e := base
			e.IP, e.DeviceType, e.DeviceID = "", tt.kind, tt.value
			if ed, _ := edgeOf(t, e, graph.RelUsesDevice); ed.To != tt.want {
				t.Errorf("%s %q: %s, want %s", tt.kind, tt.value, ed.To, tt.want)
			}
		}
	})

	t.Run("event key", func(t *testing.T) {
		// The same instant in two zones, and a repeated proxy flag, are one event.
		a := base
		a.IP, a.Port, a.PossibleProxy = "192.0.2.9", "8080", "YES"
		b := a
		b.Timestamp, b.Event, b.IP, b.PossibleProxy = "2024-05-01T12:00:00+02:00", "LOGIN", "::ffff:192.0.2.9", "1"
		ea, nodes := edgeOf(t, a, graph.RelLoggedInFrom)
		eb, _ := edgeOf(t, b, graph.RelLoggedInFrom)
		if ea.Key != eb.Key || ea.To != eb.To || ea.Key != "login|2024-05-01T10:00:00Z|8080" {
			t.Errorf("keys %q -> %s and %q -> %s, want one event", ea.Key, ea.To, eb.Key, eb.To)
		}
		wantProps := map[string]any{"at": time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), "event": "login", "port": int64(8080), "possibleProxy": true}
		if !reflect.DeepEqual(ea.Props, wantProps) {
			t.Errorf("props %v, want %v", ea.Props, wantProps)
		}
		if ea.From != "ua:snapgram:A1" || !ea.Ref.Seen.Equal(wantProps["at"].(time.Time)) || ea.Ref.Line != 7 {
			t.Errorf("edge %+v", ea)
		}
		if ua := nodes[0]; ua.Label != graph.LabelUserAccount || !reflect.DeepEqual(ua.Props, map[string]any{"service": "snapgram", "platformId": "A1"}) {
			t.Errorf("account %+v", ua)
		}
		// Another port of the same address at the same time is another subscriber's event.
		c := a
		c.Port = "8081"
		if ec, _ := edgeOf(t, c, graph.RelLoggedInFrom); ec.Key == ea.Key {
			t.Errorf("ports 8080 and 8081 share key %q", ec.Key)
		}
	})

	t.Run("account", func(t *testing.T) {
		a := loaders.PlatformAccount{Service: "ChatterBox", PlatformID: "X-9", Username: "@Night.Owl", Email: " Owl@Mail.Example ",
			Phone: "0917 123 4567", Country: "ph", CreatedAt: "2020-01-02 03:04:05"}
		nodes, edges, fe := a.Graph(graph.Ref{Line: 3}, now)
		if fe != nil {
			t.Fatal(fe)
		}
		var ids []string
		for _, n := range nodes {
			ids = append(ids, string(n.Label)+" "+n.ID)
		}
		wantIDs := []string{"UserAccount ua:chatterbox:X-9", "Handle handle:night.owl", "Email email:owl@mail.example", "Phone phone:+639171234567"}
		if !reflect.DeepEqual(ids, wantIDs) {
			t.Errorf("nodes %v, want %v", ids, wantIDs)
		}
		var types []string
		for _, e := range edges {
			types = append(types, string(e.Type)+" "+e.To)
		}
		wantTypes := []string{"HAS_HANDLE handle:night.owl", "USES_EMAIL email:owl@mail.example", "USES_PHONE phone:+639171234567"}
		if !reflect.DeepEqual(types, wantTypes) {
			t.Errorf("edges %v, want %v", types, wantTypes)
		}
		created := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
		if ua := nodes[0]; ua.Props["username"] != "@Night.Owl" || ua.Props["country"] != "PH" ||
			!ua.Props["createdAt"].(time.Time).Equal(created) || !ua.Ref.Seen.Equal(created) || ua.Ref.Record != "X-9" {
			t.Errorf("account %+v", ua)
		}
		// A bad region is blamed on its column, not on the number.
		a.PhoneRegion = "Philippines"
		if _, _, fe := a.Graph(graph.Ref{}, now); fe == nil || fe.Field != "phone_region" {
			t.Errorf("bad phone_region: %v", fe)
		}
	})
}

// BenchmarkPlatformParse measures parsing and validation alone (a dry run) on generated rows of
// both kinds.
func BenchmarkPlatformParse(b *testing.B) {
	const n = 20000
	var accounts, events bytes.Buffer
	accounts.WriteString("service,platform_id,username,display_name,email,phone,phone_region,country,created_at\n")
	events.WriteString("service,platform_id,event,timestamp,ip,port,possible_proxy,device_type,device_id\n")
	kinds := []string{"login", "upload", "message", "purchase"}
	for i := range n {
		fmt.Fprintf(&accounts, "snapgram,id-%d,user_%d,User %d,user%d@mail.example,+63 917 %03d %04d,,PH,2023-01-%02dT08:00:00Z\n",
			i, i, i, i, i%1000, i%10000, 1+i%28)
		ip := fmt.Sprintf("198.51.%d.%d", i/256%256, i%256)
		if i%3 == 0 {
			ip = fmt.Sprintf("2001:db8::%x", i)
		}
		fmt.Fprintf(&events, "snapgram,id-%d,%s,2024-03-01T%02d:%02d:%02dZ,%s,%d,%t,device,fp-%d\n",
			i%5000, kinds[i%len(kinds)], i/3600%24, i/60%60, i%60, ip, 1024+i%60000, i%7 == 0, i%9000)
	}
	f, err := loaders.Lookup("platform")
	if err != nil {
		b.Fatal(err)
	}
	for _, in := range []struct {
		name string
		data []byte
	}{{"accounts", accounts.Bytes()}, {"events", events.Bytes()}} {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.data)))
			b.ReportAllocs()
			for b.Loop() {
				sum, err := loaders.Load(context.Background(), nil, f, in.name+".csv", bytes.NewReader(in.data), int64(len(in.data)),
					loaders.Options{Partner: "bench", DryRun: true})
				if err != nil || sum.Loaded != n {
					b.Fatalf("loaded %d of %d: %v %v", sum.Loaded, n, err, sum.Examples)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
