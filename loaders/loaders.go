// Package loaders parses and validates input files (one file per format: bank transactions,
// platform accounts and events, hotline reports, FollowTheMoney entities, AMLSim) and hands
// typed batches to graph/. It never writes Cypher.
//
// Every loader streams its input (constant memory on a file of any size), turns each record
// into graph nodes and edges or into a reject that names the file, line, field and reason,
// writes full batches through a graph.Stream (one transaction each, idempotent, skipping what
// the load wrote already), and ends with a Summary. Because every write is keyed by a stable id
// and every batch is atomic, loading a file twice changes nothing, and a load killed halfway and
// run again ends in the state of one clean load.
//
// The same parsing and validation serve the GraphQL ingest mutations: a Format's Parse works
// on any io.Reader.
package loaders

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/crosslink/crosslink/graph"
)

// Writer stores batches; *graph.Store is the real one.
type Writer interface {
	WriteBatch(ctx context.Context, src graph.Source, b graph.Batch) (graph.WriteStats, error)
}

// streamer is a Writer that can remember what one load wrote (*graph.Store); Load uses a
// graph.Stream when it has one.
type streamer interface {
	Stream(src graph.Source) *graph.Stream
}

// Format parses one kind of input.
type Format interface {
	// Name is the format's name on the command line (`crosslink load <name>`).
	Name() string
	// Describe is one line for `crosslink load -h`.
	Describe() string
	// Parse reads one input and reports each record to out: out.Add for a good record, with
	// every node and edge it yields, and out.Reject for a bad one. It returns an error only when
	// the input as a whole cannot be read (e.g. a missing header or malformed XML); a bad record
	// is a reject, never an error. file is the input's name for messages.
	Parse(ctx context.Context, file string, r io.Reader, out *Emitter) error
}

var registry = map[string]Format{}

// Register adds a format; each format's file registers itself in an init function.
func Register(f Format) {
	if _, dup := registry[f.Name()]; dup {
		panic("loaders: format registered twice: " + f.Name())
	}
	registry[f.Name()] = f
}

// Formats lists the registered format names, sorted.
func Formats() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the format of that name, or an EINVALID error listing the known ones.
func Lookup(name string) (Format, error) {
	f, ok := registry[name]
	if !ok {
		return nil, graph.Errorf(graph.EINVALID, "unknown format %q (formats: %s)", name, strings.Join(Formats(), ", "))
	}
	return f, nil
}

// Reject is one record that was not loaded, and why.
type Reject struct {
	File   string
	Line   int    // 1-based line (or record number for non-line formats); 0 when unknown
	Field  string // the column, element or property at fault; "" for the whole record
	Reason string
	Raw    string // the record's text, when the format has one (for the rejects file)
}

// String renders the reject as "file:line: field: reason".
func (r Reject) String() string {
	var b strings.Builder
	b.WriteString(r.File)
	if r.Line > 0 {
		fmt.Fprintf(&b, ":%d", r.Line)
	}
	if r.Field != "" {
		b.WriteString(": " + r.Field)
	}
	b.WriteString(": " + r.Reason)
	return b.String()
}

// FieldError is an error about one field of a record; formats return it from their record
// parsers so that the reject names the field.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Fieldf returns a *FieldError with a formatted reason.
func Fieldf(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// AsField turns err into a FieldError for field, keeping the user-safe message of a
// graph.Error (e.g. from a normaliser).
func AsField(field string, err error) *FieldError {
	if fe, ok := err.(*FieldError); ok {
		return fe
	}
	return &FieldError{Field: field, Reason: graph.ErrorMessage(err)}
}
