package loaders

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/crosslink/crosslink/graph"
)

// CSV reads a delimited file with a header line, record by record, in constant memory. Formats
// use it so that every CSV loader treats headers, quoting, line numbers and encodings alike.
type CSV struct {
	r      *csv.Reader
	header []string
	index  map[string]int
	delim  rune
}

// CSVRecord is one data row.
type CSVRecord struct {
	Line   int // line where the record starts (the header is line 1)
	fields []string
	c      *CSV
}

// NewCSV reads the header. Column names are trimmed and compared case-insensitively; a UTF-8
// byte-order mark is dropped. It returns an error for an empty input, an empty or duplicate
// column name, or a header that is not valid UTF-8.
func NewCSV(r io.Reader, delimiter rune) (*CSV, error) {
	if delimiter == 0 {
		delimiter = ','
	}
	cr := csv.NewReader(r)
	cr.Comma = delimiter
	cr.FieldsPerRecord = -1 // checked per record, so one short row is a reject, not the end
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("the file is empty: a header line is required")
	}
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	c := &CSV{r: cr, index: map[string]int{}, delim: delimiter}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		if !utf8.ValidString(h) {
			return nil, fmt.Errorf("header column %d is not valid UTF-8 (convert the file to UTF-8)", i+1)
		}
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			return nil, fmt.Errorf("header column %d has no name", i+1)
		}
		if _, dup := c.index[h]; dup {
			return nil, fmt.Errorf("header names column %q twice", h)
		}
		c.index[h] = i
		c.header = append(c.header, h)
	}
	return c, nil
}

// Header is the column names, lower-cased.
func (c *CSV) Header() []string { return c.header }

// Has reports whether the header has the column.
func (c *CSV) Has(col string) bool { _, ok := c.index[strings.ToLower(col)]; return ok }

// Next returns the next record. At the end it returns io.EOF. A record that cannot be used
// (malformed quoting, a wrong number of fields, invalid UTF-8) comes back with a non-nil
// *RecordError, and reading can go on with the next record.
func (c *CSV) Next() (CSVRecord, error) {
	fields, err := c.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return CSVRecord{}, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return CSVRecord{Line: pe.StartLine}, &RecordError{Line: pe.StartLine, Reason: pe.Err.Error()}
		}
		return CSVRecord{}, err
	}
	line, _ := c.r.FieldPos(0) // only valid after a successful Read
	rec := CSVRecord{Line: line, fields: fields, c: c}
	if len(fields) != len(c.header) {
		return rec, &RecordError{Line: line, Raw: rec.Raw(), Reason: fmt.Sprintf("has %d fields, the header has %d", len(fields), len(c.header))}
	}
	for i, f := range fields {
		if !utf8.ValidString(f) {
			return rec, &RecordError{Line: line, Field: c.header[i], Reason: "not valid UTF-8 (convert the file to UTF-8)"}
		}
	}
	return rec, nil
}

// RecordError is a record that cannot be read; the format rejects it and goes on.
type RecordError struct {
	Line   int
	Field  string
	Reason string
	Raw    string
}

func (e *RecordError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Reject turns the error into a Reject.
func (e *RecordError) Reject() Reject {
	return Reject{Line: e.Line, Field: e.Field, Reason: e.Reason, Raw: e.Raw}
}

// Get returns the trimmed value of a column, "" when the column is absent.
func (r CSVRecord) Get(col string) string {
	i, ok := r.c.index[strings.ToLower(col)]
	if !ok || i >= len(r.fields) {
		return ""
	}
	return strings.TrimSpace(r.fields[i])
}

// Raw is the record re-joined with the delimiter, for the rejects file.
func (r CSVRecord) Raw() string {
	if r.c == nil {
		return ""
	}
	return strings.Join(r.fields, string(r.c.delim))
}

// Each reads every remaining record and hands it to record, which turns it into graph facts or
// a *FieldError. Unreadable records and field errors become rejects (with the record's text);
// facts go to out.Add. It returns nil at the end of the input, and the error that stops the
// load otherwise (the context ended, the database failed, the file cannot be read on).
func (c *CSV) Each(ctx context.Context, out *Emitter, record func(rec CSVRecord) ([]graph.Node, []graph.Edge, *FieldError)) error {
	for n := 0; ; n++ {
		if n%1024 == 0 {
			// Add checks the context too, but a file of rejects never calls it.
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := c.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var re *RecordError
		if errors.As(err, &re) {
			out.Reject(re.Reject())
			continue
		}
		if err != nil {
			return fmt.Errorf("line %d: %w", rec.Line, err)
		}
		nodes, edges, fe := record(rec)
		if fe != nil {
			out.RejectErr(rec.Line, rec.Raw(), fe)
			continue
		}
		if err := out.Add(nodes, edges); err != nil {
			return err
		}
	}
}
