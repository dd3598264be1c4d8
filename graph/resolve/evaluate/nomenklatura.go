package evaluate

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/crosslink/crosslink/graph/resolve"
)

// FtM is what ReadFtM reads from a FollowTheMoney JSON-lines file.
type FtM struct {
	// Records are the persons and organisations (Person; Company, Organization, LegalEntity).
	Records []resolve.Record
	// Addresses are the Address entities, which the resolver does not take (they are not
	// persons or organisations); the evaluation matches them apart.
	Addresses []FtMAddress
	// Schemas counts every entity by schema, Payment included.
	Schemas map[string]int
	// Entities is the number of entities read.
	Entities int
}

// FtMAddress is one Address entity.
type FtMAddress struct {
	ID, Full, Street, City, Country string
}

type ftmEntity struct {
	ID         string              `json:"id"`
	Schema     string              `json:"schema"`
	Properties map[string][]string `json:"properties"`
}

func (e *ftmEntity) first(prop string) string {
	for _, v := range e.Properties[prop] {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// ftmKinds maps the FtM schemata the resolver takes to record kinds.
var ftmKinds = map[string]resolve.Kind{
	"Person":       resolve.KindPerson,
	"Company":      resolve.KindOrganization,
	"Organization": resolve.KindOrganization,
	"LegalEntity":  resolve.KindOrganization,
}

// ReadFtM reads FtM entities, one JSON object per line. A Person becomes a person record, a
// Company, Organization or LegalEntity an organisation: the first name is the name and the
// others aliases, the country is upper-cased, and the address comes from the Address entity
// that addressEntity names (the first one with a street when there are several): its street
// (else its full text) and its city, whose leading postcode ("80802 München", "NL-6422 PC
// Heerlen") becomes the postcode. Other schemata (Payment, ...) are counted and skipped.
func ReadFtM(path string) (*FtM, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out, err := ParseFtM(f)
	if err != nil {
		return nil, fmt.Errorf("%s %w", path, err)
	}
	return out, nil
}

// ParseFtM reads FtM entities from r (see ReadFtM).
func ParseFtM(r io.Reader) (*FtM, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	var ents []*ftmEntity
	addrs := map[string]*ftmEntity{}
	out := &FtM{Schemas: map[string]int{}}
	seen := map[string]int{}
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		e := &ftmEntity{}
		if err := json.Unmarshal(b, e); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if e.ID == "" || e.Schema == "" {
			return nil, fmt.Errorf("line %d: entity without id or schema", line)
		}
		if prev, ok := seen[e.ID]; ok {
			return nil, fmt.Errorf("line %d: entity %s already on line %d", line, e.ID, prev)
		}
		seen[e.ID] = line
		out.Entities++
		out.Schemas[e.Schema]++
		switch {
		case e.Schema == "Address":
			addrs[e.ID] = e
			out.Addresses = append(out.Addresses, FtMAddress{ID: e.ID, Full: e.first("full"),
				Street: e.first("street"), City: e.first("city"), Country: strings.ToUpper(e.first("country"))})
		case ftmKinds[e.Schema] != "":
			if e.first("name") == "" {
				return nil, fmt.Errorf("line %d: %s %s has no name", line, e.Schema, e.ID)
			}
			ents = append(ents, e)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	for _, e := range ents {
		rec := resolve.Record{ID: e.ID, Kind: ftmKinds[e.Schema], Source: "ftm", Country: strings.ToUpper(e.first("country"))}
		for _, n := range e.Properties["name"] {
			if n = strings.TrimSpace(n); n == "" || n == rec.Name || slices.Contains(rec.Aliases, n) {
				continue
			}
			if rec.Name == "" {
				rec.Name = n
			} else {
				rec.Aliases = append(rec.Aliases, n)
			}
		}
		for _, n := range e.Properties["alias"] {
			if n = strings.TrimSpace(n); n != "" && n != rec.Name && !slices.Contains(rec.Aliases, n) {
				rec.Aliases = append(rec.Aliases, n)
			}
		}
		var addr *ftmEntity
		for _, id := range e.Properties["addressEntity"] {
			a, ok := addrs[id]
			if !ok {
				return nil, fmt.Errorf("line %d: %s names address %s, which the file does not hold", seen[e.ID], e.ID, id)
			}
			if addr == nil || (addr.first("street") == "" && a.first("street") != "") {
				addr = a
			}
		}
		if addr != nil {
			rec.Street = addr.first("street")
			if rec.Street == "" {
				rec.Street = strings.Trim(strings.TrimSpace(addr.first("full")), ", ")
			}
			rec.Postcode, rec.City = splitPostcode(addr.first("city"))
			if rec.Country == "" {
				rec.Country = strings.ToUpper(addr.first("country"))
			}
		}
		out.Records = append(out.Records, rec)
	}
	return out, nil
}

var leadingPostcode = regexp.MustCompile(`^(?:[A-Za-z]{1,2}-)?(\d{4,5}(?: [A-Z]{2})?)\s+(.+)$`)

// splitPostcode takes a leading postcode off a city ("80802 München" -> 80802, München).
func splitPostcode(city string) (postcode, rest string) {
	city = strings.TrimSpace(city)
	if m := leadingPostcode.FindStringSubmatch(city); m != nil {
		return m[1], strings.TrimSpace(m[2])
	}
	return "", city
}

// Merge is one of nomenklatura's merge decisions: the referents it made one canonical entity.
type Merge struct {
	Canonical string
	Schema    string
	Referents []string
	Names     []string
}

// ReadMerges reads merged_referents.csv (canonical_id, referent_id, schema, canonical_names,
// referent_names), in which a decision may repeat over several rows, into one Merge per
// canonical id, in file order.
func ReadMerges(path string) ([]Merge, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, col, err := readCSV(f, "canonical_id", "referent_id", "schema", "referent_names")
	if err != nil {
		return nil, fmt.Errorf("%s %w", path, err)
	}
	idx := map[string]int{}
	var out []Merge
	for _, r := range rows {
		c, ref, schema := r.get(col, "canonical_id"), r.get(col, "referent_id"), r.get(col, "schema")
		if c == "" || ref == "" || schema == "" {
			return nil, fmt.Errorf("%s line %d: empty canonical_id, referent_id or schema", path, r.line)
		}
		i, ok := idx[c]
		if !ok {
			i = len(out)
			idx[c] = i
			out = append(out, Merge{Canonical: c, Schema: schema})
		}
		m := &out[i]
		if m.Schema != schema {
			return nil, fmt.Errorf("%s line %d: %s is %s here and %s before", path, r.line, c, schema, m.Schema)
		}
		if !slices.Contains(m.Referents, ref) {
			m.Referents = append(m.Referents, ref)
		}
		if n := r.get(col, "referent_names"); n != "" && !slices.Contains(m.Names, n) {
			m.Names = append(m.Names, n)
		}
	}
	return out, nil
}

// MergePairs returns the pairs of the merges whose schema passes keep.
func MergePairs(ms []Merge, keep func(schema string) bool) PairSet {
	var groups [][]string
	for _, m := range ms {
		if keep(m.Schema) {
			groups = append(groups, m.Referents)
		}
	}
	return GroupPairs(groups)
}

// csvRow is a row of a headed CSV file with its line.
type csvRow struct {
	fields []string
	line   int
}

func (r csvRow) get(col map[string]int, name string) string {
	return strings.TrimSpace(r.fields[col[name]])
}

// readCSV reads a comma-separated file with a header that must hold the named columns.
func readCSV(r io.Reader, need ...string) ([]csvRow, map[string]int, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, nil, errors.New("line 1: empty file, want a header")
		}
		return nil, nil, csvLine(err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, c := range need {
		if _, ok := col[c]; !ok {
			return nil, nil, fmt.Errorf("line 1: no column %q in the header", c)
		}
	}
	cr.FieldsPerRecord = len(header)
	var rows []csvRow
	for {
		f, err := cr.Read()
		if err == io.EOF {
			return rows, col, nil
		}
		if err != nil {
			return nil, nil, csvLine(err)
		}
		line, _ := cr.FieldPos(0)
		rows = append(rows, csvRow{fields: f, line: line})
	}
}

// NameCase is one labelled pair of name_bench_cases.csv.
type NameCase struct {
	Group, Schema, Name1, Name2 string
	Match                       bool
	Line                        int
}

// Kind is the record kind the case's names are compared as: persons as persons, everything
// else (companies, organisations, legal entities, vessels) as organisations.
func (c NameCase) Kind() resolve.Kind { return schemaKind(c.Schema) }

func schemaKind(schema string) resolve.Kind {
	if schema == "Person" {
		return resolve.KindPerson
	}
	return resolve.KindOrganization
}

// ReadNameCases reads name_bench_cases.csv (case_group, schema, name1, name2, is_match, ...).
func ReadNameCases(path string) ([]NameCase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, col, err := readCSV(f, "case_group", "schema", "name1", "name2", "is_match")
	if err != nil {
		return nil, fmt.Errorf("%s %w", path, err)
	}
	out := make([]NameCase, 0, len(rows))
	for _, r := range rows {
		c := NameCase{Group: r.get(col, "case_group"), Schema: r.get(col, "schema"),
			Name1: r.get(col, "name1"), Name2: r.get(col, "name2"), Line: r.line}
		switch m := strings.ToLower(r.get(col, "is_match")); m {
		case "true":
			c.Match = true
		case "false":
		default:
			return nil, fmt.Errorf("%s line %d: is_match %q, want true or false", path, r.line, m)
		}
		if c.Schema == "" {
			return nil, fmt.Errorf("%s line %d: empty schema", path, r.line)
		}
		out = append(out, c)
	}
	return out, nil
}

// EntityCheck is one labelled pair of entity_bench_checks.yml.
type EntityCheck struct {
	Match            bool
	Schema           string
	Label            string
	Query, Candidate resolve.Record
	Line             int
}

type yamlCheck struct {
	Match     *bool          `yaml:"match"`
	Schema    string         `yaml:"schema"`
	Label     string         `yaml:"label"`
	Query     map[string]any `yaml:"query"`
	Candidate map[string]any `yaml:"candidate"`
}

// ReadEntityChecks reads entity_bench_checks.yml: {checks: [{match, schema, query, candidate}]}
// with FtM properties on each side. name becomes the name (further names aliases), firstName,
// middleName and fatherName the given names, lastName the surname, birthDate, gender,
// country or nationality, and idNumber, registrationNumber, taxNumber, innCode, ogrnCode,
// leiCode, imoNumber identifiers.
func ReadEntityChecks(path string) ([]EntityCheck, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Checks []yaml.Node `yaml:"checks"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Checks) == 0 {
		return nil, fmt.Errorf("%s: no checks", path)
	}
	out := make([]EntityCheck, 0, len(doc.Checks))
	for i := range doc.Checks {
		n := &doc.Checks[i]
		var yc yamlCheck
		if err := n.Decode(&yc); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, n.Line, err)
		}
		if yc.Match == nil || yc.Schema == "" || yc.Query == nil || yc.Candidate == nil {
			return nil, fmt.Errorf("%s line %d: a check needs match, schema, query and candidate", path, n.Line)
		}
		c := EntityCheck{Match: *yc.Match, Schema: yc.Schema, Label: yc.Label, Line: n.Line}
		for side, props := range map[*resolve.Record]map[string]any{&c.Query: yc.Query, &c.Candidate: yc.Candidate} {
			r, err := checkRecord(props, schemaKind(yc.Schema))
			if err != nil {
				return nil, fmt.Errorf("%s line %d: %w", path, n.Line, err)
			}
			*side = r
		}
		c.Query.ID, c.Candidate.ID = fmt.Sprintf("q%d", i), fmt.Sprintf("c%d", i)
		out = append(out, c)
	}
	return out, nil
}

func checkRecord(props map[string]any, kind resolve.Kind) (resolve.Record, error) {
	r := resolve.Record{Kind: kind}
	vals := func(k string) ([]string, error) {
		switch v := props[k].(type) {
		case nil:
			return nil, nil
		case string:
			return []string{v}, nil
		case []any:
			out := make([]string, 0, len(v))
			for _, x := range v {
				s, ok := x.(string)
				if !ok {
					return nil, fmt.Errorf("property %s: %v is not text", k, x)
				}
				out = append(out, s)
			}
			return out, nil
		default:
			return []string{fmt.Sprint(v)}, nil
		}
	}
	ids := map[string]string{"idNumber": resolve.IDNationalID, "passportNumber": resolve.IDNationalID,
		"registrationNumber": resolve.IDRegistry, "taxNumber": resolve.IDRegistry, "innCode": resolve.IDRegistry,
		"ogrnCode": resolve.IDRegistry, "leiCode": resolve.IDRegistry, "imoNumber": resolve.IDRegistry,
		"email": resolve.IDEmail, "phone": resolve.IDPhone}
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	given := map[string][]string{}
	for _, k := range keys {
		vs, err := vals(k)
		if err != nil {
			return r, err
		}
		for _, v := range vs {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			switch k {
			case "name", "alias", "weakAlias":
				if r.Name == "" {
					r.Name = v
				} else {
					r.Aliases = append(r.Aliases, v)
				}
			case "firstName", "middleName", "fatherName":
				given[k] = append(given[k], v)
			case "lastName":
				r.Surname = v
			case "birthDate":
				r.BirthDate = v
			case "gender":
				r.Gender = v
			case "country", "nationality", "jurisdiction":
				if r.Country == "" {
					r.Country = strings.ToUpper(v)
				}
			default:
				if kind, ok := ids[k]; ok {
					r.Identifiers = append(r.Identifiers, resolve.Identifier{Kind: kind, Value: v})
				}
			}
		}
	}
	// The given names in the order firstName, middleName, fatherName.
	r.GivenName = joinNonEmpty(strings.Join(given["firstName"], " "), strings.Join(given["middleName"], " "),
		strings.Join(given["fatherName"], " "))
	return r, nil
}

// addressKey is the normal form the address match compares: the street folded, with "straße",
// "strasse" and "str." all "str", and the postcode (or, without one, the whole city). A "?" in
// the data stands for a lost "ß".
func addressKey(a FtMAddress) string {
	norm := func(s string) string {
		s = resolve.FoldName(strings.ReplaceAll(s, "?", "ss"))
		toks := strings.Fields(s)
		for i, t := range toks {
			switch {
			case t == "strasse" || t == "str":
				toks[i] = "str"
			case strings.HasSuffix(t, "strasse"):
				toks[i] = strings.TrimSuffix(t, "strasse") + "str"
			}
		}
		return strings.Join(toks, " ")
	}
	street := a.Street
	if street == "" {
		street = a.Full
	}
	post, city := splitPostcode(a.City)
	place := strings.ReplaceAll(norm(post), " ", "")
	if place == "" {
		place = strings.ReplaceAll(norm(city), " ", "")
	}
	return norm(street) + "|" + place
}

// AddressPairs pairs the addresses with the same addressKey.
func AddressPairs(addrs []FtMAddress) PairSet {
	by := map[string][]string{}
	for _, a := range addrs {
		k := addressKey(a)
		by[k] = append(by[k], a.ID)
	}
	groups := make([][]string, 0, len(by))
	for _, g := range by {
		groups = append(groups, g)
	}
	return GroupPairs(groups)
}

func evalNomenklatura(ctx context.Context, dataDir string, opts Options, rep *Report) error {
	const dir = "ftm_nomenklatura"
	pd, err := dataPath(dataDir, dir, "donations.ijson")
	if err != nil {
		return err
	}
	pm, err := dataPath(dataDir, dir, "merged_referents.csv")
	if err != nil {
		return err
	}
	ftm, err := ReadFtM(pd)
	if err != nil {
		return err
	}
	merges, err := ReadMerges(pm)
	if err != nil {
		return err
	}
	inScope := func(s string) bool { return ftmKinds[s] != "" }
	truth := MergePairs(merges, inScope)
	addrTruth := MergePairs(merges, func(s string) bool { return s == "Address" })
	row := Row{Dataset: "nomenklatura donations", Task: "resolver: persons + organisations"}
	_, pred, err := resolveAndScore(ctx, ftm.Records, truth, opts, &row)
	if err != nil {
		return err
	}
	row.Detail = fmt.Sprintf("%d of the %d merge decisions are persons/organisations (the other %d are addresses, row below); the merges are not exhaustive, so the %d predicted pairs outside them are listed in the notes",
		len(merges)-countSchema(merges, "Address"), len(merges), countSchema(merges, "Address"), row.FP)
	rep.Rows = append(rep.Rows, row)
	names := map[string]string{}
	for _, r := range ftm.Records {
		names[r.ID] = r.Name
	}
	for _, p := range pred.Sorted() {
		if !truth.Has(p[0], p[1]) {
			rep.Notes = append(rep.Notes, fmt.Sprintf("nomenklatura: predicted, not in the merges: %q (%s) = %q (%s)", names[p[0]], short(p[0]), names[p[1]], short(p[1])))
		}
	}
	for _, p := range truth.Sorted() {
		if !pred.Has(p[0], p[1]) {
			rep.Notes = append(rep.Notes, fmt.Sprintf("nomenklatura: merge missed: %q (%s) = %q (%s)", names[p[0]], short(p[0]), names[p[1]], short(p[1])))
		}
	}

	arow := Row{Dataset: "nomenklatura donations", Task: "addresses: normalised street + postcode equal (not the resolver)", Records: len(ftm.Addresses)}
	apred := AddressPairs(ftm.Addresses)
	arow.Metrics = Score(apred, addrTruth)
	arow.Detail = "out of the resolver's scope (an Address is not a person or organisation)"
	rep.Rows = append(rep.Rows, arow)
	full := map[string]string{}
	for _, a := range ftm.Addresses {
		full[a.ID] = a.Full
	}
	for _, p := range apred.Sorted() {
		if !addrTruth.Has(p[0], p[1]) {
			rep.Notes = append(rep.Notes, fmt.Sprintf("nomenklatura addresses: equal, not in the merges: %q = %q", full[p[0]], full[p[1]]))
		}
	}
	for _, p := range addrTruth.Sorted() {
		if !apred.Has(p[0], p[1]) {
			rep.Notes = append(rep.Notes, fmt.Sprintf("nomenklatura addresses: merge not equal: %q = %q", full[p[0]], full[p[1]]))
		}
	}

	if err := evalNameBench(dataDir, opts, rep); err != nil {
		return err
	}
	return evalEntityBench(dataDir, opts, rep)
}

func countSchema(ms []Merge, schema string) int {
	n := 0
	for _, m := range ms {
		if m.Schema == schema {
			n++
		}
	}
	return n
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// NameScore is a name case with its similarity.
type NameScore struct {
	NameCase
	Similarity float64
}

// BestThreshold returns the threshold t that maximises F1 of "similarity ≥ t" over scored
// cases, and that F1's metrics; ties go to the higher threshold.
func BestThreshold(scores []NameScore) (float64, Metrics) {
	ss := slices.Clone(scores)
	slices.SortFunc(ss, func(a, b NameScore) int {
		switch {
		case a.Similarity > b.Similarity:
			return -1
		case a.Similarity < b.Similarity:
			return 1
		}
		return 0
	})
	pos := 0
	for _, s := range ss {
		if s.Match {
			pos++
		}
	}
	bestT, best := 1.0, counts(0, 0, pos)
	tp, fp := 0, 0
	for i := 0; i < len(ss); {
		t := ss[i].Similarity
		for ; i < len(ss) && ss[i].Similarity == t; i++ {
			if ss[i].Match {
				tp++
			} else {
				fp++
			}
		}
		if m := counts(tp, fp, pos-tp); m.F1 > best.F1 {
			bestT, best = t, m
		}
	}
	return bestT, best
}

// AtThreshold scores "similarity ≥ t".
func AtThreshold(scores []NameScore, t float64) Metrics {
	tp, fp, fn := 0, 0, 0
	for _, s := range scores {
		switch pred := s.Similarity >= t; {
		case pred && s.Match:
			tp++
		case pred:
			fp++
		case s.Match:
			fn++
		}
	}
	return counts(tp, fp, fn)
}

func evalNameBench(dataDir string, opts Options, rep *Report) error {
	p, err := dataPath(dataDir, "ftm_nomenklatura", "name_bench_cases.csv")
	if err != nil {
		return err
	}
	cases, err := ReadNameCases(p)
	if err != nil {
		return err
	}
	scores := make([]NameScore, len(cases))
	var persons, orgs []NameScore
	for i, c := range cases {
		scores[i] = NameScore{NameCase: c, Similarity: resolve.NameSimilarity(c.Kind(), c.Name1, c.Name2)}
		if c.Kind() == resolve.KindPerson {
			persons = append(persons, scores[i])
		} else {
			orgs = append(orgs, scores[i])
		}
	}
	fixed := Row{Dataset: "nomenklatura name bench", Task: fmt.Sprintf("NameSimilarity ≥ %.2f (fixed)", opts.NameThreshold), Records: len(cases)}
	fixed.Metrics = AtThreshold(scores, opts.NameThreshold)
	fixed.Detail = fmt.Sprintf("persons F1 %.3f (%d cases), organisations F1 %.3f (%d cases)",
		AtThreshold(persons, opts.NameThreshold).F1, len(persons), AtThreshold(orgs, opts.NameThreshold).F1, len(orgs))
	t, m := BestThreshold(scores)
	best := Row{Dataset: "nomenklatura name bench", Task: fmt.Sprintf("NameSimilarity ≥ %.3f (best, fitted on the bench)", t), Records: len(cases), Metrics: m}
	tp, mp := BestThreshold(persons)
	to, mo := BestThreshold(orgs)
	best.Detail = fmt.Sprintf("fitted per kind: persons t=%.3f F1 %.3f, organisations t=%.3f F1 %.3f", tp, mp.F1, to, mo.F1)
	rep.Rows = append(rep.Rows, fixed, best)
	if opts.Examples > 0 {
		var fn, fp []string
		for _, s := range scores {
			pred := s.Similarity >= opts.NameThreshold
			switch {
			case s.Match && !pred && len(fn) < opts.Examples:
				fn = append(fn, fmt.Sprintf("%s %q ~ %q: %.3f (line %d)", s.Schema, s.Name1, s.Name2, s.Similarity, s.Line))
			case !s.Match && pred && len(fp) < opts.Examples:
				fp = append(fp, fmt.Sprintf("%s %q ~ %q: %.3f (line %d)", s.Schema, s.Name1, s.Name2, s.Similarity, s.Line))
			}
		}
		for _, s := range fn {
			rep.Notes = append(rep.Notes, "name bench, match missed at the fixed threshold: "+s)
		}
		for _, s := range fp {
			rep.Notes = append(rep.Notes, "name bench, non-match accepted at the fixed threshold: "+s)
		}
	}
	return nil
}

func evalEntityBench(dataDir string, opts Options, rep *Report) error {
	p, err := dataPath(dataDir, "ftm_nomenklatura", "entity_bench_checks.yml")
	if err != nil {
		return err
	}
	checks, err := ReadEntityChecks(p)
	if err != nil {
		return err
	}
	tp, fp, fn := 0, 0, 0
	var notes []string
	for _, c := range checks {
		pr := resolve.Compare(&c.Query, &c.Candidate, nil, opts.Config)
		pred := pr.Probability >= 0.5
		switch {
		case pred && c.Match:
			tp++
		case pred:
			fp++
		case c.Match:
			fn++
		}
		if pred != c.Match && len(notes) < 2*opts.Examples {
			notes = append(notes, fmt.Sprintf("entity bench line %d (%s, match %v): %q ~ %q: p=%.3f", c.Line, c.Schema, c.Match,
				joinNonEmpty(c.Query.Name, c.Query.GivenName, c.Query.Surname), joinNonEmpty(c.Candidate.Name, c.Candidate.GivenName, c.Candidate.Surname), pr.Probability))
		}
	}
	row := Row{Dataset: "nomenklatura entity bench", Task: "Compare p ≥ 0.5 (default model)", Records: len(checks), Metrics: counts(tp, fp, fn)}
	row.Detail = "pairs; most checks carry only names"
	rep.Rows = append(rep.Rows, row)
	rep.Notes = append(rep.Notes, notes...)
	return nil
}
