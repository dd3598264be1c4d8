package server

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"unicode"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/loaders"
)

// Partner ingest: the mutations hand their rows to the loaders' own validation and write code
// (loaders.Ingest*), with the provenance of the caller.

// ingestSource is the provenance of an ingest by the caller: a partner key writes for its own
// partner; an admin key names the partner it loads for; dataset defaults to def.
func ingestSource(ctx context.Context, dataset, partner *string, def string) (graph.Source, error) {
	key, ok := Caller(ctx)
	if !ok {
		return graph.Source{}, graph.Errorf(graph.EUNAUTHORIZED, "no API key")
	}
	src := graph.Source{Dataset: def, File: loaders.IngestFile}
	if dataset != nil {
		src.Dataset = strings.TrimSpace(*dataset)
		if src.Dataset == "" || len(src.Dataset) > 100 {
			return graph.Source{}, graph.Errorf(graph.EINVALID, "dataset: must be 1 to 100 characters")
		}
	}
	switch key.Role {
	case graph.RolePartner:
		if partner != nil && *partner != key.Partner {
			return graph.Source{}, graph.Errorf(graph.EFORBIDDEN, "partner: a partner key ingests for its own partner (%s) only", key.Partner)
		}
		src.Partner = key.Partner
	case graph.RoleAdmin:
		if partner == nil || strings.TrimSpace(*partner) == "" {
			return graph.Source{}, graph.Errorf(graph.EINVALID, "partner: an admin key must name the partner it loads for")
		}
		src.Partner = strings.TrimSpace(*partner)
		if len(src.Partner) > 200 {
			return graph.Source{}, graph.Errorf(graph.EINVALID, "partner: longer than 200 characters")
		}
	default:
		return graph.Source{}, graph.Errorf(graph.EFORBIDDEN, "ingest is for partner and admin keys")
	}
	return src, nil
}

// csvRows turns GraphQL input rows into the CSV header and rows of a loader: each input field
// is the column of the same name in snake_case (transactionId is transaction_id), absent
// values are empty. The generated input types carry the GraphQL names as JSON tags.
func csvRows[T any](rows []T) ([]string, [][]string, error) {
	t := reflect.TypeFor[T]()
	var fields, header []string
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		fields = append(fields, name)
		header = append(header, snake(name))
	}
	out := make([][]string, len(rows))
	for i, r := range rows {
		b, err := json.Marshal(r)
		if err != nil {
			return nil, nil, graph.Errorf(graph.EINTERNAL, "rows[%d]: %v", i, err)
		}
		var m map[string]*string
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, nil, graph.Errorf(graph.EINTERNAL, "rows[%d]: %v", i, err)
		}
		row := make([]string, len(fields))
		for j, f := range fields {
			if v := m[f]; v != nil {
				row[j] = *v
			}
		}
		out[i] = row
	}
	return header, out, nil
}

// snake is payerIban as payer_iban.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// camel is payer_iban as payerIban: a loader's column as the mutation's field.
func camel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// ingestCSV runs a CSV format on rows.
func ingestCSV[T any](ctx context.Context, s *graph.Store, format string, src graph.Source, rows []T) (loaders.IngestResult, error) {
	f, err := loaders.Lookup(format)
	if err != nil {
		return loaders.IngestResult{}, err
	}
	header, out, err := csvRows(rows)
	if err != nil {
		return loaders.IngestResult{}, err
	}
	return loaders.IngestCSV(ctx, s, f, src, header, out, camel)
}

// ingested asks for a background resolution of what an ingest wrote, and passes its result on.
func (r *Resolver) ingested(res loaders.IngestResult, err error) (loaders.IngestResult, error) {
	if err == nil && res.Loaded > 0 {
		r.queue.ask(res.Touched)
	}
	return res, err
}
