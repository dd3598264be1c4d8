package graph

import (
	"context"
	"encoding/base64"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// The investigation reads (search.go, entity.go, neighbourhood.go, timeline.go) share what is
// here: opaque cursors, page sizes, time windows, and decoding of the values they return.

// Cursors are opaque to clients: base64url of a kind and the fields a query resumes from, so a
// cursor of one query handed to another, or edited by hand, is an EINVALID naming `after`
// instead of a silently wrong page.

// encodeCursor encodes the position parts of a query of the given kind.
func encodeCursor(kind string, parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + "\x00" + strings.Join(parts, "\x00")))
}

// decodeCursor returns the n parts of a cursor of kind, or EINVALID naming `after`.
func decodeCursor(kind, cursor string, n int) ([]string, error) {
	bad := Errorf(EINVALID, "after: not a cursor of this list; pass the endCursor of the previous page")
	if len(cursor) > 512 {
		return nil, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, bad
	}
	parts := strings.Split(string(b), "\x00")
	if len(parts) != n+1 || parts[0] != kind {
		return nil, bad
	}
	return parts[1:], nil
}

// pageSize checks a requested page size: 0 means def, otherwise 1..max.
func pageSize(first, def, max int, field string) (int, error) {
	switch {
	case first == 0:
		return def, nil
	case first < 0 || first > max:
		return 0, Errorf(EINVALID, "%s must be between 1 and %d, not %d", field, max, first)
	}
	return first, nil
}

// checkWindow checks a time window [from, to): either end may be zero (open); to must not be
// before from.
func checkWindow(from, to time.Time) error {
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return Errorf(EINVALID, "to (%s) is before from (%s)", to.UTC().Format(time.RFC3339), from.UTC().Format(time.RFC3339))
	}
	return nil
}

// withParams returns the scope parameters (Store.scopeParams) with the query's own added.
func withParams(scope map[string]any, params map[string]any) map[string]any {
	out := make(map[string]any, len(scope)+len(params))
	for k, v := range scope {
		out[k] = v
	}
	for k, v := range params {
		out[k] = v
	}
	return out
}

// collectRecords runs a query in tx and returns all its records (at most what the query's own
// LIMIT allows: every investigation query is bounded in Cypher).
func collectRecords(ctx context.Context, tx neo4j.ManagedTransaction, query string, params map[string]any) ([]*neo4j.Record, error) {
	res, err := tx.Run(ctx, query, params)
	if err != nil {
		return nil, err
	}
	return res.Collect(ctx)
}

// asNodeView returns the view of a driver node value, and false for null.
func asNodeView(v any) (NodeView, bool) {
	n, ok := v.(neo4j.Node)
	if !ok {
		return NodeView{}, false
	}
	return nodeView(n), true
}

// asTime returns a driver temporal value as UTC time, the zero time for null.
func asTime(v any) time.Time {
	if t, ok := plainValue(v).(time.Time); ok {
		return t.UTC()
	}
	return time.Time{}
}

// asInt64 returns an integer value, 0 for null or another type.
func asInt64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	}
	return 0
}

// asString returns a string value, "" for null or another type.
func asString(v any) string {
	s, _ := v.(string)
	return s
}

// asStrings returns the strings of a list value.
func asStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// labelNames returns the labels as strings for a Cypher list parameter.
func labelNames(ls []Label) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = string(l)
	}
	return out
}

// checkLabels checks labels against the closed list (model.go), naming field when one is not.
func checkLabels(ls []Label, field string) error {
	for _, l := range ls {
		if !l.Valid() {
			return Errorf(EINVALID, "%s: unknown label %q", field, l)
		}
	}
	return nil
}

// asList returns a list value, nil for null.
func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// nodeScope is scopeNodePredicate(v) in a partner's scope and "true" for the whole graph, so
// that reads of the whole graph evaluate nothing per row. The two give two query texts, each
// planned once.
func nodeScope(all bool, v string) string {
	if all {
		return "true"
	}
	return scopeNodePredicate(v)
}

// edgeScope is scopeEdgePredicate(r), or "true" for the whole graph.
func edgeScope(all bool, r string) string {
	if all {
		return "true"
	}
	return scopeEdgePredicate(r)
}
