package resolve

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func person(id, given, surname, dob string, ids ...Identifier) Record {
	return Record{ID: id, Kind: KindPerson, GivenName: given, Surname: surname, BirthDate: dob, Identifiers: ids}
}

func email(v string) Identifier { return Identifier{Kind: IDEmail, Value: v} }

// population is a background of unrelated people, so that estimation has pairs to learn from
// and the records under test are not the whole world.
func population(n int) []Record {
	given := []string{"anna", "ben", "carla", "dmitri", "eva", "farid", "gita", "hugo", "ines", "jonas", "kemal", "lena", "marco", "nora", "oskar", "petra"}
	sur := []string{"adler", "brandt", "costa", "dietz", "eklund", "fischer", "garcia", "hansen", "ivanova", "jensen", "kowalski", "lindqvist", "moreau", "novak", "okafor", "pereira", "quinn", "rossi", "santos", "tanaka"}
	var out []Record
	for i := 0; i < n; i++ {
		g, s := given[i%len(given)], sur[(i/len(given))%len(sur)]
		r := person(fmt.Sprintf("bg-%04d", i), g, s, fmt.Sprintf("19%02d-%02d-%02d", 40+i%60, 1+i%12, 1+i%28),
			email(fmt.Sprintf("%s.%s%d@example.org", g, s, i)))
		r.Postcode = fmt.Sprintf("%04d", 1000+i%700)
		r.Street = fmt.Sprintf("%d %s street", 1+i%90, sur[i%len(sur)])
		out = append(out, r)
		if i%5 == 0 { // a duplicate with a typo in another source
			d := r
			d.ID = r.ID + "-dup"
			d.Source = "other"
			d.GivenName = g[:len(g)-1] + "e"
			out = append(out, d)
		}
	}
	return out
}

func clusterOf(res *Result, id string) []string {
	for _, c := range res.Clusters {
		if slices.Contains(c.Members, id) {
			return c.Members
		}
	}
	return nil
}

func pairOf(res *Result, a, b string) *Pair {
	if a > b {
		a, b = b, a
	}
	for i := range res.Pairs {
		if res.Pairs[i].A == a && res.Pairs[i].B == b {
			return &res.Pairs[i]
		}
	}
	return nil
}

func run(t *testing.T, recs []Record, opts Options) *Result {
	t.Helper()
	res, err := Resolve(context.Background(), recs, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestResolveLinksAcrossSectorsWithEvidence(t *testing.T) {
	recs := population(400)
	bank := person("bank:c1", "Jon", "Smith", "1971-03-02", email("jsmith71@example.net"))
	bank.Source, bank.Country = "bank", "GB"
	platform := Record{ID: "ua:jsmith71", Kind: KindPerson, Source: "platform", Name: "John Smith",
		Identifiers: []Identifier{email("jsmith71@example.net"), {Kind: IDHandle, Value: "jsmith71"}}}
	res := run(t, append(recs, bank, platform), Options{})
	if got := clusterOf(res, "bank:c1"); !slices.Equal(got, []string{"bank:c1", "ua:jsmith71"}) {
		t.Fatalf("cluster of bank:c1 = %v; want the bank customer and the platform account", got)
	}
	p := pairOf(res, "bank:c1", "ua:jsmith71")
	if p == nil || p.Status != Linked || p.Probability < 0.95 {
		t.Fatalf("pair = %+v; want LINKED with probability >= 0.95", p)
	}
	fields := map[string]string{}
	for _, ev := range p.Evidence {
		fields[ev.Field] = ev.Level
	}
	if fields["email"] != "exact" || fields["surname"] != "exact" || !strings.HasPrefix(fields["given_name"], "jaro-winkler") {
		t.Errorf("evidence = %+v; want email exact, surname exact, given name close", p.Evidence)
	}
	if res.Model.Lambda <= 0 || !res.Model.Estimated {
		t.Errorf("model not estimated: %+v", res.Model)
	}
}

func TestResolveAdversarial(t *testing.T) {
	family := email("the.millers@example.net")
	cgnat := Identifier{Kind: IDIP, Value: "100.64.0.1"}
	var crowd []Record
	for i := 0; i < 300; i++ {
		crowd = append(crowd, Record{ID: fmt.Sprintf("ua:cgnat-%03d", i), Kind: KindPerson,
			Name: fmt.Sprintf("user %03d", i), Identifiers: []Identifier{cgnat}})
	}
	twinA := person("twin-a", "Alice", "Okoro", "2001-06-15")
	twinB := person("twin-b", "Grace", "Okoro", "2001-06-15")
	for _, r := range []*Record{&twinA, &twinB} {
		r.Street, r.City, r.Postcode = "12 Acacia Road", "Leeds", "LS6 2AB"
	}
	tests := []struct {
		name    string
		records []Record
		apart   [][2]string
	}{
		{"family e-mail shared by four with different given names", []Record{
			person("fam-1", "Peter", "Miller", "1970-01-05", family),
			person("fam-2", "Susan", "Miller", "1972-09-30", family),
			person("fam-3", "Tom", "Miller", "2004-04-11", family),
			person("fam-4", "Lucy", "Miller", "2007-12-01", family),
		}, [][2]string{{"fam-1", "fam-2"}, {"fam-2", "fam-3"}, {"fam-3", "fam-4"}, {"fam-1", "fam-4"}}},
		{"common names with different birth dates and no identifier", []Record{
			person("js-1", "John", "Smith", "1980-02-14"),
			person("js-2", "John", "Smith", "1991-11-03"),
		}, [][2]string{{"js-1", "js-2"}}},
		{"twins with the same birth date and address", []Record{twinA, twinB}, [][2]string{{"twin-a", "twin-b"}}},
		{"twins who share one e-mail nobody else uses", []Record{
			person("tw-1", "Mark", "Weber", "1999-09-09", email("webers@example.net")),
			person("tw-2", "Paul", "Weber", "1999-09-09", email("webers@example.net")),
		}, [][2]string{{"tw-1", "tw-2"}}},
		{"a carrier-grade NAT address shared by 300 accounts", crowd, [][2]string{{"ua:cgnat-000", "ua:cgnat-001"}, {"ua:cgnat-007", "ua:cgnat-250"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, append(population(300), tt.records...), Options{})
			for _, p := range tt.apart {
				if c := clusterOf(res, p[0]); slices.Contains(c, p[1]) {
					t.Errorf("%s and %s resolved together: %v (pair %+v)", p[0], p[1], c, pairOf(res, p[0], p[1]))
				}
				if pr := pairOf(res, p[0], p[1]); pr != nil && pr.Status == Linked {
					t.Errorf("pair %s %s LINKED: %+v", p[0], p[1], pr)
				}
			}
		})
	}
}

// A platform account's display name is a pseudonym: it neither links nor contradicts, and the
// e-mail the account shares with a bank customer links them.
func TestResolvePseudonymDoesNotContradict(t *testing.T) {
	bank := person("bank:c2", "Harold", "Finch", "1960-05-05", email("hfinch@example.net"))
	ua := Record{ID: "ua:dark", Kind: KindPerson, Aliases: []string{"Dark Knight"},
		Identifiers: []Identifier{email("hfinch@example.net"), {Kind: IDPlatform, Value: "ua:chat:991"}}}
	res := run(t, append(population(300), bank, ua), Options{})
	if got := clusterOf(res, "bank:c2"); !slices.Contains(got, "ua:dark") {
		t.Fatalf("bank customer and platform account not linked: %v %+v", got, pairOf(res, "bank:c2", "ua:dark"))
	}
}

func TestResolveTwinsGoToReviewWithReason(t *testing.T) {
	a := person("twin-a", "Alice", "Okoro", "2001-06-15", email("okoro.family@example.net"))
	b := person("twin-b", "Grace", "Okoro", "2001-06-15", email("okoro.family@example.net"))
	c := person("twin-mum", "Ruth", "Okoro", "1975-02-01", email("okoro.family@example.net"))
	for _, r := range []*Record{&a, &b, &c} {
		r.Street, r.City, r.Postcode = "12 Acacia Road", "Leeds", "LS6 2AB"
	}
	res := run(t, append(population(300), a, b, c), Options{})
	p := pairOf(res, "twin-a", "twin-b")
	if p == nil || p.Status != Review || !strings.Contains(p.Reason, "given_name disagrees") {
		t.Fatalf("twins pair = %+v; want REVIEW for contradictory given names", p)
	}
}

func TestResolveJudgements(t *testing.T) {
	base := population(300)
	a := person("j-a", "Maria", "Lopez", "1988-04-04", email("mlopez@example.net"))
	b := person("j-b", "Maria", "Lopez", "1988-04-04", email("mlopez@example.net"))
	c := person("j-c", "Mariana", "Lopes", "1988-04-04", email("mlopez@example.net"), Identifier{Kind: IDPhone, Value: "+441234567890"})
	d := person("j-d", "Ken", "Ito", "1950-01-01")
	recs := append(base, a, b, c, d)
	res := run(t, recs, Options{})
	if got := clusterOf(res, "j-a"); !slices.Equal(got, []string{"j-a", "j-b", "j-c"}) {
		t.Fatalf("before judgements: %v", got)
	}
	// DIFFERENT splits the pair and, transitively, keeps their clusters apart.
	res = run(t, recs, Options{Judgements: []Judgement{{A: "j-b", B: "j-a", Verdict: Different}}})
	if got := clusterOf(res, "j-a"); slices.Contains(got, "j-b") {
		t.Fatalf("judged DIFFERENT but together: %v", got)
	}
	if p := pairOf(res, "j-a", "j-b"); p == nil || p.Status != Rejected || p.Reason != "judged DIFFERENT" {
		t.Errorf("judged pair = %+v", p)
	}
	// SAME links a pair whatever its score, but never across a DIFFERENT.
	res = run(t, recs, Options{Judgements: []Judgement{{A: "j-a", B: "j-d", Verdict: Same}}})
	if got := clusterOf(res, "j-d"); !slices.Contains(got, "j-a") {
		t.Fatalf("judged SAME but apart: %v", got)
	}
	res = run(t, recs, Options{Judgements: []Judgement{{A: "j-a", B: "j-d", Verdict: Same}, {A: "j-d", B: "j-c", Verdict: Different}}})
	if got := clusterOf(res, "j-d"); slices.Contains(got, "j-c") {
		t.Fatalf("j-d and j-c judged DIFFERENT but together: %v", got)
	}
	// UNSURE keeps the pair out of automatic links.
	res = run(t, recs, Options{Judgements: []Judgement{{A: "j-a", B: "j-b", Verdict: Unsure}}})
	if p := pairOf(res, "j-a", "j-b"); p == nil || p.Status != Review || p.Reason != "judged UNSURE" {
		t.Errorf("unsure pair = %+v", p)
	}
}

func TestResolveSizeGuard(t *testing.T) {
	var recs []Record
	for i := 0; i < 8; i++ {
		recs = append(recs, person(fmt.Sprintf("s-%d", i), "Oleg", "Petrov", "1966-06-06", Identifier{Kind: IDNationalID, Value: "AB123456"}))
	}
	res := run(t, append(population(300), recs...), Options{Config: Config{MaxCluster: 5}})
	c := clusterOf(res, "s-0")
	if len(c) > 5 || len(c) < 2 {
		t.Fatalf("cluster of %d records; want 2..5 under MaxCluster 5: %v", len(c), c)
	}
	found := false
	for _, p := range res.Pairs {
		if p.Status == Review && strings.Contains(p.Reason, "limit 5") {
			found = true
		}
	}
	if !found {
		t.Error("no pair held for review by the size limit")
	}
}

// An incremental run gives the clusters a full run gives, comparing only the new records.
func TestResolveIncrementalMatchesFull(t *testing.T) {
	recs := population(400)
	first, err := Resolve(context.Background(), recs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	added := []Record{
		person("new-1", "Lena", "Moreau", "1950-01-01", email("lena.moreau@example.org")),
		person("new-2", "Lena", "Moreau", "1950-01-01", email("lena.moreau@example.org")),
	}
	all := append(slices.Clone(recs), added...)
	full := run(t, all, Options{Config: Config{Model: &first.Model}})
	inc := run(t, all, Options{Config: Config{Model: &first.Model},
		Pending: map[string]bool{"new-1": true, "new-2": true}, Known: first.Pairs})
	if inc.Stats.Candidates >= full.Stats.Candidates/4 {
		t.Errorf("incremental compared %d pairs, full %d: want far fewer", inc.Stats.Candidates, full.Stats.Candidates)
	}
	key := func(cs []Cluster) []string {
		var out []string
		for _, c := range cs {
			out = append(out, strings.Join(c.Members, ","))
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(key(full.Clusters), key(inc.Clusters)) {
		t.Errorf("incremental clusters differ from full: %d vs %d", len(inc.Clusters), len(full.Clusters))
	}
	for _, p := range inc.Pairs {
		if p.A != "new-1" && p.A != "new-2" && p.B != "new-1" && p.B != "new-2" {
			t.Errorf("incremental returned an unchanged pair not touching new records: %+v", p)
		}
	}
}

func TestResolveKeyedIdentifiersLinkToClear(t *testing.T) {
	key := []byte("consortium key of at least thirty-two bytes")
	clearRec := person("bank:c9", "Jon", "Smith", "1971-03-02", email("jsmith71@example.net"))
	keyed := Record{ID: "partner:p9", Kind: KindPerson, Source: "partner",
		CLK:         EncodeCLK(key, "John Smith", "1971-03-02"),
		Identifiers: []Identifier{{Kind: IDEmail, Value: KeyIdentifier(key, IDEmail, "jsmith71@example.net")}}}
	res := run(t, append(population(300), clearRec, keyed), Options{Config: Config{Key: key}})
	if got := clusterOf(res, "bank:c9"); !slices.Contains(got, "partner:p9") {
		t.Fatalf("keyed record not linked to the clear one: %v, pair %+v", got, pairOf(res, "bank:c9", "partner:p9"))
	}
	// Without the key the keyed e-mail means nothing.
	res = run(t, append(population(300), clearRec, keyed), Options{})
	if got := clusterOf(res, "bank:c9"); slices.Contains(got, "partner:p9") {
		t.Fatalf("linked without the key: %v", got)
	}
}

func TestResolveOrganisations(t *testing.T) {
	recs := []Record{
		{ID: "o1", Kind: KindOrganization, Name: "Bayerische Motorenwerke AG", Country: "DE"},
		{ID: "o2", Kind: KindOrganization, Name: "Bayerische Motorenwerke (BMW) AG", Country: "DE"},
		{ID: "o3", Kind: KindOrganization, Name: "Daimler AG", Country: "DE"},
		{ID: "o4", Kind: KindOrganization, Name: "Deutsche Bank AG", Country: "DE", Identifiers: []Identifier{{Kind: IDRegistry, Value: "HRB 30000"}}},
		{ID: "o5", Kind: KindOrganization, Name: "Deutsche Bank Aktiengesellschaft", Identifiers: []Identifier{{Kind: IDRegistry, Value: "HRB 30000"}}},
		{ID: "p1", Kind: KindPerson, Name: "Daimler"},
	}
	res := run(t, append(population(100), recs...), Options{})
	if c := clusterOf(res, "o4"); !slices.Contains(c, "o5") {
		t.Errorf("same registration number not linked: %v %+v", c, pairOf(res, "o4", "o5"))
	}
	if c := clusterOf(res, "o3"); slices.Contains(c, "p1") || slices.Contains(c, "o1") {
		t.Errorf("Daimler joined %v", c)
	}
}

func TestResolveRejectsBadInput(t *testing.T) {
	for _, tt := range []struct {
		name string
		recs []Record
		opts Options
		want string
	}{
		{"duplicate id", []Record{{ID: "x"}, {ID: "x"}}, Options{}, `"x" given twice`},
		{"empty id", []Record{{Name: "a"}}, Options{}, "no id"},
		{"unknown kind", []Record{{ID: "x", Kind: "vessel"}}, Options{}, "unknown kind"},
		{"threshold", nil, Options{Config: Config{MatchThreshold: 1.5}}, "matchThreshold"},
		{"model", nil, Options{Config: Config{Model: &Model{Lambda: 2}}}, "lambda"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(context.Background(), tt.recs, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v; want %q", err, tt.want)
			}
		})
	}
}

func TestResolveIsDeterministic(t *testing.T) {
	recs := population(500)
	a, b := run(t, recs, Options{}), run(t, recs, Options{})
	if len(a.Pairs) != len(b.Pairs) || len(a.Clusters) != len(b.Clusters) {
		t.Fatalf("two runs differ: %d/%d pairs, %d/%d clusters", len(a.Pairs), len(b.Pairs), len(a.Clusters), len(b.Clusters))
	}
	for i := range a.Pairs {
		if a.Pairs[i].A != b.Pairs[i].A || a.Pairs[i].Status != b.Pairs[i].Status || a.Pairs[i].Probability != b.Pairs[i].Probability {
			t.Fatalf("pair %d differs: %+v vs %+v", i, a.Pairs[i], b.Pairs[i])
		}
	}
}

func TestFoldName(t *testing.T) {
	for in, want := range map[string]string{
		"  Müller-Lüdenscheidt ": "muller ludenscheidt",
		"O'Brien":                "obrien",
		"Straße":                 "strasse",
		"ŁUKASZ  Żółć":           "lukasz zolc",
		"VladimirPutin":          "vladimir putin",
		"McDonald MacLeod":       "mcdonald macleod",
		"":                       "",
	} {
		if got := FoldName(in); got != want {
			t.Errorf("FoldName(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestNameSimilarity(t *testing.T) {
	for _, tt := range []struct {
		kind Kind
		a, b string
		min  float64
		max  float64
	}{
		{KindPerson, "Olaf Scholz", "Olaf Scholze", 0.9, 1},
		{KindPerson, "Smith, John", "John Smith", 0.99, 1},
		{KindPerson, "Frau Johanna Quandt", "Johanna Quandt", 0.99, 1},
		{KindPerson, "John Smith", "Maria Garcia", 0, 0.6},
		{KindOrganization, "Bayerische Motorenwerke AG", "Bayerische Motorenwerke (BMW) AG", 0.85, 1},
		{KindOrganization, "Daimler AG", "Siemens AG", 0, 0.7},
	} {
		if s := NameSimilarity(tt.kind, tt.a, tt.b); s < tt.min || s > tt.max {
			t.Errorf("NameSimilarity(%q, %q) = %.3f; want in [%v, %v]", tt.a, tt.b, s, tt.min, tt.max)
		}
	}
}

// FuzzCompare feeds arbitrary text into every field two records compare: nothing panics, the
// probability is a probability, the weight is finite, and the pair scores the same either way
// round.
func FuzzCompare(f *testing.F) {
	f.Add("Jon", "Smith", "1971-03-02", "jsmith@example.net", "John Smith", "19710302", "clk:", "GB")
	f.Add("", "", "", "", "", "", "", "")
	f.Add("Ŀukasz", "Żółć-O'Brien", "2001-13-45", "hmac:zz", "VladimirPutin", "0000", "\x00", "xx")
	f.Fuzz(func(t *testing.T, given, surname, dob, email, name, dob2, street, country string) {
		a := Record{ID: "a", Kind: KindPerson, GivenName: given, Surname: surname, BirthDate: dob, Street: street, Country: country,
			Identifiers: []Identifier{{Kind: IDEmail, Value: email}, {Kind: IDNationalID, Value: dob2}}}
		b := Record{ID: "b", Kind: KindPerson, Name: name, BirthDate: dob2, Postcode: street, Aliases: []string{given},
			Identifiers: []Identifier{{Kind: IDEmail, Value: email + surname}, {Kind: IDNationalID, Value: dob}}}
		for _, key := range [][]byte{nil, []byte("a consortium key of thirty-two bytes")} {
			ab := Compare(&a, &b, nil, Config{Key: key})
			ba := Compare(&b, &a, nil, Config{Key: key})
			if ab.Probability < 0 || ab.Probability > 1 || ab.Weight != ab.Weight {
				t.Fatalf("probability %v weight %v", ab.Probability, ab.Weight)
			}
			if d := ab.Weight - ba.Weight; d > 0.02 || d < -0.02 {
				t.Fatalf("asymmetric: %v vs %v\n%+v\n%+v", ab.Weight, ba.Weight, ab.Evidence, ba.Evidence)
			}
		}
		_ = NameSimilarity(KindPerson, name, given+" "+surname)
		_ = NameSimilarity(KindOrganization, name, street)
		_ = FoldName(name)
	})
}
