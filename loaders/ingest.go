package loaders

import (
	"bytes"
	"context"
	"encoding/csv"
	"regexp"
	"sort"
	"strings"

	"github.com/crosslink/crosslink/graph"
)

// Ingest is how partner systems send data through the API: the rows of one request are turned
// into the format's own input (CSV rows, JSON lines, XML reports), validated by the same Parse
// as a file, and written by the same writer in one batch, so that a request is written whole or
// not at all. Ids come from the records' keys, so sending the same rows again changes nothing.
// Each bad row comes back as a RowError naming the row and the field.

// MaxIngestRows is the largest number of rows (records) one request may carry.
const MaxIngestRows = 10_000

// IngestFile is the file name ingested rows are recorded under in their provenance.
const IngestFile = "api"

// RowError is one rejected row of a request.
type RowError struct {
	Row     int    // 0-based index of the row in the request
	Field   string // the field at fault, as the request names it; "" for the whole row
	Message string
}

// IngestResult says what one request did.
type IngestResult struct {
	Received int
	Loaded   int
	Rejected int
	Errors   []RowError
	graph.WriteStats
	// Touched holds the nodes the request wrote that detection re-evaluates from.
	Touched *graph.DetectTouched
}

// IngestCSV ingests rows of a CSV format (transactions, platform): header names the columns as
// the format documents them (docs/formats.md) and every row has a value per column ("" for
// none). fieldName maps a column to the name the caller used, for errors (nil: the column).
func IngestCSV(ctx context.Context, w Writer, f Format, src graph.Source, header []string, rows [][]string, fieldName func(string) string) (IngestResult, error) {
	if err := checkRows(len(rows)); err != nil {
		return IngestResult{}, err
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write(header)
	cw.Flush()
	starts := make([]int, len(rows)) // the line each row starts on
	line := 2
	for i, r := range rows {
		if len(r) != len(header) {
			return IngestResult{}, graph.Errorf(graph.EINVALID, "rows[%d]: %d values for %d columns", i, len(r), len(header))
		}
		starts[i] = line
		before := buf.Len()
		_ = cw.Write(r)
		cw.Flush()
		line += bytes.Count(buf.Bytes()[before:], []byte{'\n'})
	}
	if err := cw.Error(); err != nil {
		return IngestResult{}, graph.Errorf(graph.EINVALID, "rows: %v", err)
	}
	return ingest(ctx, w, f, src, buf.Bytes(), len(rows), rowByStart(starts), fieldName)
}

// IngestLines ingests a line-based format (ftm): one record per element, each without a line
// break (compact JSON).
func IngestLines(ctx context.Context, w Writer, f Format, src graph.Source, records [][]byte) (IngestResult, error) {
	if err := checkRows(len(records)); err != nil {
		return IngestResult{}, err
	}
	var buf bytes.Buffer
	for i, r := range records {
		if bytes.ContainsAny(r, "\r\n") {
			return IngestResult{}, graph.Errorf(graph.EINVALID, "entities[%d]: holds a line break; send each entity as one line of compact JSON", i)
		}
		buf.Write(r)
		buf.WriteByte('\n')
	}
	starts := make([]int, len(records))
	for i := range starts {
		starts[i] = i + 1
	}
	return ingest(ctx, w, f, src, buf.Bytes(), len(records), rowByStart(starts), nil)
}

var xmlDecl = regexp.MustCompile(`^\s*<\?xml[^>]*\?>`)

// IngestXML ingests XML documents of a format that reads many records under one root
// (cybertip): each document is one record (a report, its file details or a response), without
// a DOCTYPE.
func IngestXML(ctx context.Context, w Writer, f Format, src graph.Source, docs []string) (IngestResult, error) {
	if err := checkRows(len(docs)); err != nil {
		return IngestResult{}, err
	}
	var buf bytes.Buffer
	buf.WriteString("<batch>\n")
	starts := make([]int, len(docs))
	line := 2
	for i, d := range docs {
		d = xmlDecl.ReplaceAllString(d, "")
		if strings.Contains(d, "<!DOCTYPE") || strings.Contains(d, "<!ENTITY") {
			return IngestResult{}, graph.Errorf(graph.EINVALID, "reports[%d]: DOCTYPE and ENTITY declarations are not accepted", i)
		}
		d = strings.TrimSpace(d)
		starts[i] = line
		buf.WriteString(d)
		buf.WriteByte('\n')
		line += strings.Count(d, "\n") + 1
	}
	buf.WriteString("</batch>\n")
	return ingest(ctx, w, f, src, buf.Bytes(), len(docs), rowByStart(starts), nil)
}

func checkRows(n int) error {
	switch {
	case n == 0:
		return graph.Errorf(graph.EINVALID, "rows: none given")
	case n > MaxIngestRows:
		return graph.Errorf(graph.EINVALID, "rows: %d given, at most %d per request", n, MaxIngestRows)
	}
	return nil
}

// rowByStart maps a reject's line to the row that spans it.
func rowByStart(starts []int) func(line int) int {
	return func(line int) int {
		i := sort.Search(len(starts), func(i int) bool { return starts[i] > line }) - 1
		return max(i, 0)
	}
}

func ingest(ctx context.Context, w Writer, f Format, src graph.Source, data []byte, n int, rowOf func(int) int, fieldName func(string) string) (IngestResult, error) {
	if err := src.Validate(); err != nil {
		return IngestResult{}, err
	}
	res := IngestResult{Received: n, Touched: &graph.DetectTouched{}}
	opts := Options{OnBatch: res.Touched.Add, Partner: src.Partner, Dataset: src.Dataset, BatchSize: n + 1, OnReject: func(r Reject) {
		field := r.Field
		if fieldName != nil && field != "" {
			field = fieldName(field)
		}
		res.Errors = append(res.Errors, RowError{Row: rowOf(r.Line), Field: field, Message: r.Reason})
	}}
	sum, err := Load(ctx, w, f, IngestFile, bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		return IngestResult{}, err
	}
	res.Loaded, res.Rejected, res.WriteStats = sum.Loaded, sum.Rejected, sum.WriteStats
	return res, nil
}
