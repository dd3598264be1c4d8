package server

import (
	"strings"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/server/generated"
)

// Conversions between GraphQL and graph types that gqlgen cannot bind by itself.

func gqlRole(r graph.Role) generated.Role { return generated.Role(strings.ToUpper(string(r))) }

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

func pageInfo(end string, next bool) generated.PageInfo {
	return generated.PageInfo{EndCursor: optString(end), HasNextPage: next}
}

// gqlEntityType is the GraphQL enum of a label: BankAccount is BANK_ACCOUNT, IPAddress is
// IP_ADDRESS (a word starts at an upper-case letter after a lower-case one, or at the last
// upper-case letter of a run followed by a lower-case one).
func gqlEntityType(l graph.Label) generated.EntityType {
	rs := []rune(string(l))
	var b strings.Builder
	upper := func(r rune) bool { return r >= 'A' && r <= 'Z' }
	for i, r := range rs {
		if i > 0 && upper(r) && (!upper(rs[i-1]) || (i+1 < len(rs) && !upper(rs[i+1]))) {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return generated.EntityType(strings.ToUpper(b.String()))
}

var labelOf = func() map[generated.EntityType]graph.Label {
	m := map[generated.EntityType]graph.Label{}
	for _, l := range graph.Labels {
		m[gqlEntityType(l)] = l
	}
	return m
}()

func labels(ts []generated.EntityType) []graph.Label {
	out := make([]graph.Label, 0, len(ts))
	for _, t := range ts {
		out = append(out, labelOf[t]) // gqlgen has checked the enum
	}
	return out
}

func relTypes(ts []generated.RelationshipType) []graph.RelType {
	out := make([]graph.RelType, 0, len(ts))
	for _, t := range ts {
		out = append(out, graph.RelType(t)) // the enum's values are the relationship types
	}
	return out
}

func timeOr(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return *p
}

// graphFilter turns a GraphFilter into graph's (neighbourhoods and paths share it).
func graphFilter(f *generated.GraphFilter) graph.Filter {
	if f == nil {
		return graph.Filter{}
	}
	return graph.Filter{
		RelTypes: relTypes(f.RelationshipTypes), Types: labels(f.Types), From: timeOr(f.From), To: timeOr(f.To),
		MinAmount: f.MinAmount, MaxAmount: f.MaxAmount, Countries: f.Countries,
	}
}

func analysisScope(in generated.AnalysisScopeInput) graph.AnalysisScope {
	s := graph.AnalysisScope{Kind: graph.ScopeKind(in.Kind), IDs: in.Ids}
	if in.Hops != nil {
		s.Hops = *in.Hops
	} else if s.Kind == graph.ScopeSubgraph {
		s.Hops = 2
	}
	return s
}

func communityRequest(in generated.CommunityInput) graph.CommunityRequest {
	return graph.CommunityRequest{
		Algorithm: graph.CommunityAlgorithm(in.Algorithm), Scope: analysisScope(in.Scope), Store: deref(in.Store),
		MinSize: deref(in.MinSize), Top: deref(in.Top), MembersPerCommunity: deref(in.MembersPerCommunity),
	}
}

func centralityRequest(in generated.CentralityInput) graph.CentralityRequest {
	return graph.CentralityRequest{Algorithm: graph.CentralityAlgorithm(in.Algorithm), Scope: analysisScope(in.Scope), First: deref(in.First)}
}

// synchronous refuses whole-graph scopes in a query: they run as jobs.
func synchronous(s generated.AnalysisScopeInput, mutation string) error {
	if s.Kind != generated.AnalysisScopeKindSubgraph {
		return graph.Errorf(graph.EINVALID, "scope.kind: %s analyses run in the background: start one with %s and poll job(id)", s.Kind, mutation)
	}
	return nil
}

// pageAfter pages a bounded, ordered list held in memory: first items (1..max) after the one
// whose id is after ("" for the start). The cursor is the last item's id; an unknown one is
// BAD_USER_INPUT.
func pageAfter[T any](items []T, id func(T) string, first, max int, after string) ([]T, generated.PageInfo, error) {
	if first < 1 || first > max {
		return nil, generated.PageInfo{}, graph.Errorf(graph.EINVALID, "first: must be between 1 and %d, not %d", max, first)
	}
	start := 0
	if after != "" {
		start = -1
		for i, it := range items {
			if id(it) == after {
				start = i + 1
				break
			}
		}
		if start < 0 {
			return nil, generated.PageInfo{}, graph.Errorf(graph.EINVALID, "after: not a cursor of this list (the item is gone or never was); start again without it")
		}
	}
	end := min(start+first, len(items))
	page := items[start:end]
	last := ""
	if len(page) > 0 {
		last = id(page[len(page)-1])
	}
	return page, pageInfo(last, end < len(items)), nil
}
