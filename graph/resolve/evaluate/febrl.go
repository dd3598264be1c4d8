package evaluate

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/crosslink/crosslink/graph/resolve"
)

// febrlColumns are the columns of every FEBRL file, in order.
var febrlColumns = []string{"rec_id", "given_name", "surname", "street_number", "address_1", "address_2",
	"suburb", "postcode", "state", "date_of_birth", "soc_sec_id"}

// ReadFEBRL reads a FEBRL data set (dataset1.csv ... dataset4b.csv): comma and space separated,
// one header line, no quoting. rec_id becomes the id, given_name and surname the names,
// street_number and address_1 the street (with address_2 after them when mode is
// Address2Append), suburb the city, date_of_birth (YYYYMMDD) the birth date as is, soc_sec_id a
// national id. state has no field and is left out. Records are persons of the given source.
func ReadFEBRL(path, source string, mode Address2) ([]resolve.Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := ParseFEBRL(f, source, mode)
	if err != nil {
		return nil, fmt.Errorf("%s %w", path, err)
	}
	return recs, nil
}

// ParseFEBRL reads FEBRL records from r (see ReadFEBRL). Errors name the line.
func ParseFEBRL(r io.Reader, source string, mode Address2) ([]resolve.Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var recs []resolve.Record
	line := 0
	seen := map[string]int{}
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		fields := strings.Split(text, ",")
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		if line == 1 {
			if len(fields) != len(febrlColumns) {
				return nil, fmt.Errorf("line 1: header has %d columns, want %d (%s)", len(fields), len(febrlColumns), strings.Join(febrlColumns, ", "))
			}
			for i, c := range febrlColumns {
				if strings.ToLower(fields[i]) != c {
					return nil, fmt.Errorf("line 1: column %d is %q, want %q", i+1, fields[i], c)
				}
			}
			continue
		}
		if len(fields) != len(febrlColumns) {
			return nil, fmt.Errorf("line %d: %d fields, want %d", line, len(fields), len(febrlColumns))
		}
		id := fields[0]
		if id == "" {
			return nil, fmt.Errorf("line %d: empty rec_id", line)
		}
		if prev, ok := seen[id]; ok {
			return nil, fmt.Errorf("line %d: rec_id %q already on line %d", line, id, prev)
		}
		seen[id] = line
		street := joinNonEmpty(fields[3], fields[4])
		if mode == Address2Append {
			street = joinNonEmpty(street, fields[5])
		}
		rec := resolve.Record{
			ID:        id,
			Kind:      resolve.KindPerson,
			Source:    source,
			GivenName: fields[1],
			Surname:   fields[2],
			Street:    street,
			City:      fields[6],
			Postcode:  fields[7],
			BirthDate: fields[9],
		}
		if ssn := fields[10]; ssn != "" {
			rec.Identifiers = []resolve.Identifier{{Kind: resolve.IDNationalID, Value: ssn}}
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	if line == 0 {
		return nil, errors.New("line 1: empty file, want a header")
	}
	return recs, nil
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

// ReadPairs reads a true-pair file: a header of two columns, then one pair of ids per line.
// The ids are prefixed with prefixA and prefixB (the personaldata ids repeat across A and B).
func ReadPairs(path, prefixA, prefixB string) (PairSet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = 2
	cr.TrimLeadingSpace = true
	s := PairSet{}
	first := true
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s %w", path, csvLine(err))
		}
		if first {
			first = false
			continue
		}
		line, _ := cr.FieldPos(0)
		a, b := strings.TrimSpace(row[0]), strings.TrimSpace(row[1])
		if a == "" || b == "" {
			return nil, fmt.Errorf("%s line %d: empty id", path, line)
		}
		if prefixA+a == prefixB+b {
			return nil, fmt.Errorf("%s line %d: a record paired with itself (%s)", path, line, a)
		}
		s.Add(prefixA+a, prefixB+b)
	}
	return s, nil
}

// csvLine rewrites encoding/csv's "record on line N: ..." as "line N: ...".
func csvLine(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d: %w", pe.Line, pe.Err)
	}
	return err
}

// FEBRLGroups returns the true pairs encoded in FEBRL ids: "rec-<N>-org" and "rec-<N>-dup-<k>"
// with the same N are one person. The pair files are derived from them; the tests check that
// both agree.
func FEBRLGroups(recs []resolve.Record) PairSet {
	by := map[string][]string{}
	for _, r := range recs {
		parts := strings.Split(r.ID, "-")
		if len(parts) < 3 {
			continue
		}
		by[parts[1]] = append(by[parts[1]], r.ID)
	}
	groups := make([][]string, 0, len(by))
	for _, g := range by {
		groups = append(groups, g)
	}
	return GroupPairs(groups)
}

// febrlTask is one FEBRL evaluation: the files, the pair file and the target F1.
type febrlTask struct {
	name   string
	task   string
	files  []string // one file: dedup; two: linkage of a with b
	truth  string
	target float64
}

var febrlTasks = []febrlTask{
	{"febrl dataset1", "dedup", []string{"dataset1.csv"}, "dataset1_true_pairs.csv", 0.90},
	{"febrl dataset2", "dedup", []string{"dataset2.csv"}, "dataset2_true_pairs.csv", 0.90},
	{"febrl dataset3", "dedup", []string{"dataset3.csv"}, "dataset3_true_pairs.csv", 0.90},
	{"febrl dataset4a↔4b", "linkage", []string{"dataset4a.csv", "dataset4b.csv"}, "dataset4_true_pairs_a_b.csv", 0.95},
}

func evalFEBRL(ctx context.Context, dataDir string, opts Options, rep *Report) error {
	modes := []Address2{opts.Address2}
	if opts.Address2 == Address2Both {
		modes = []Address2{Address2Ignore, Address2Append}
	}
	for _, t := range febrlTasks {
		truthPath, err := dataPath(dataDir, "febrl", t.truth)
		if err != nil {
			return err
		}
		truth, err := ReadPairs(truthPath, "", "")
		if err != nil {
			return err
		}
		for _, mode := range modes {
			var recs []resolve.Record
			for i, file := range t.files {
				p, err := dataPath(dataDir, "febrl", file)
				if err != nil {
					return err
				}
				source := "febrl"
				if len(t.files) > 1 {
					source = string(rune('a' + i))
				}
				rs, err := ReadFEBRL(p, source, mode)
				if err != nil {
					return err
				}
				recs = append(recs, rs...)
			}
			row := Row{Dataset: t.name, Task: t.task}
			if len(modes) > 1 || mode != Address2Ignore {
				row.Task += ", address_2 " + string(mode)
			}
			_, pred, err := resolveAndScore(ctx, recs, truth, opts, &row)
			if err != nil {
				return err
			}
			if len(t.files) > 1 {
				row.Detail = fmt.Sprintf("%d predicted pairs within one source (all false)", sameSource(recs, pred))
			}
			row.targetF1(t.target)
			rep.Rows = append(rep.Rows, row)
		}
	}
	return nil
}

// sameSource counts the predicted pairs that join two records of one source: in FEBRL 4a↔4b
// (4a holds only originals, 4b only duplicates) they are always false.
func sameSource(recs []resolve.Record, pred PairSet) int {
	src := make(map[string]string, len(recs))
	for _, r := range recs {
		src[r.ID] = r.Source
	}
	n := 0
	for p := range pred {
		if src[p[0]] == src[p[1]] {
			n++
		}
	}
	return n
}
