package graph

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Path finding between two entities: how are they connected (link analysis), which are the k
// best connections, and how did money move from one to the other (money trail).
//
// Hops. The entity graph holds a transaction as a node: an account paying another is
// (a)-[:SENT]->(t:Transaction)-[:TO]->(b), two hops. SHORTEST, ALL_SHORTEST and K_SHORTEST count
// relationships, so MaxHops 6 reaches three payments away, or a person, their account and two
// payments. MONEY_TRAIL counts transfers (transactions) instead: MaxHops 3 is three payments,
// whatever HOLDS relationships join the parties at its ends.
//
// FLOW, the per-currency aggregate from payer to payee, would make every payment a shortcut of
// one hop beside the two through its transaction: link analysis leaves it out unless the filter
// names it, except K_SHORTEST weighted by AMOUNT over the whole graph, which uses FLOW instead of
// SENT and TO (a partner never sees FLOW, which sums every partner's transactions: in a partner
// scope AMOUNT weighs SENT and TO by their transaction's amount).

// PathKind says which paths Paths looks for.
type PathKind string

// Path kinds.
const (
	// PathShortest is one shortest path by hops (by cost, with WeightAmount).
	PathShortest PathKind = "SHORTEST"
	// PathAllShortest is every shortest path by hops, up to MaxAllShortestPaths.
	PathAllShortest PathKind = "ALL_SHORTEST"
	// PathKShortest is the K best loopless paths (Yen's algorithm in GDS).
	PathKShortest PathKind = "K_SHORTEST"
	// PathMoneyTrail is time-respecting chains of payments (layering) from From to To.
	PathMoneyTrail PathKind = "MONEY_TRAIL"
)

// PathWeight says what makes a path shorter.
type PathWeight string

// Path weights.
const (
	// WeightHops ranks paths by their number of hops: every relationship costs 1.
	WeightHops PathWeight = "HOPS"
	// WeightAmount prefers larger money flows. In K_SHORTEST (and SHORTEST) a money hop between
	// two accounts costs 1/log10(10+amount), amount in minor units (a FLOW's total, or one
	// transaction's amount split over its SENT and TO), always in (0, 1]; any other relationship
	// costs 1. In MONEY_TRAIL it ranks trails by the amount delivered by their last payment,
	// largest first.
	WeightAmount PathWeight = "AMOUNT"
)

// Limits of a path query. MaxHops is formatted into Cypher: it is clamped to these first.
const (
	DefaultPathHops        = 6                    // MaxHops when unset
	MaxPathHops            = 10                   // MaxHops at most (SHORTEST, ALL_SHORTEST, K_SHORTEST)
	MaxMoneyTrailHops      = 8                    // MaxHops at most for MONEY_TRAIL, in transfers
	DefaultK               = 3                    // K when unset
	MaxK                   = 10                   // K at most
	MaxAllShortestPaths    = 50                   // ALL_SHORTEST returns at most this many paths (Truncated beyond)
	DefaultMoneyTrailPaths = 10                   // MoneyTrailOptions.Limit when unset
	MaxMoneyTrailPaths     = 50                   // MoneyTrailOptions.Limit at most
	DefaultTrailWindow     = 30 * 24 * time.Hour  // MoneyTrailOptions.Window when unset
	MaxTrailWindow         = 365 * 24 * time.Hour // MoneyTrailOptions.Window at most
	DefaultTrailGrowth     = 0.05                 // MoneyTrailOptions.Growth when unset
	maxPathIDLength        = 1024                 // bytes of an id: longer is no id of ours
)

// PathQuery asks for paths between two entities, by id. Pointer fields are optional: nil takes
// the default, and a value out of range is an error.
type PathQuery struct {
	From, To string
	Kind     PathKind   // default SHORTEST
	K        *int       // K_SHORTEST: 1..10, default 3
	MaxHops  *int       // 1..10, default 6 (MONEY_TRAIL: 1..8 transfers, default 6)
	Weight   PathWeight // default HOPS; ALL_SHORTEST takes HOPS only
	// Directed follows relationships only in their stored direction (from a person to their
	// account, from a payer to its transaction to the payee). Link analysis is undirected by
	// default. MONEY_TRAIL always follows the money.
	Directed   bool
	Filter     PathFilter
	MoneyTrail MoneyTrailOptions
}

// PathFilter narrows the paths; it is the neighbourhood's Filter, read for paths as follows.
// The two ends are never filtered out, only what lies between.
//   - RelTypes are the relationship types a path may use: RelTypes (model.go) and FLOW. Empty:
//     every type but FLOW (see the note on FLOW above). MONEY_TRAIL follows SENT and TO and
//     ignores it.
//   - Types are the labels a node between the ends may have (include Transaction to go through
//     payments). Empty: any.
//   - From and To bound the time of every transaction on the path (inclusive; zero: open). A
//     FLOW qualifies when its first..last span overlaps them.
//   - MinAmount and MaxAmount bound the amount (minor units) of every transaction on the path,
//     and the total of every FLOW.
//   - Countries (ISO-3166 alpha-2) are the countries a node between the ends may be in: a node
//     with a country property must have one of them; nodes without one pass.
type PathFilter = Filter

// MoneyTrailOptions tune a MONEY_TRAIL. A trail is payments t1..tk where t1 is paid by From (or
// an account From HOLDS), each next payment is paid by the previous one's payee, later than it
// by at most Window, of the same currency, and not larger than the previous amount times
// 1+Growth; tk is paid to To (or an account To HOLDS).
type MoneyTrailOptions struct {
	// Window is the longest gap between consecutive payments: > 0, at most 365 days, default
	// 30 days.
	Window *time.Duration
	// Growth is how much larger a payment may be than the one before it, as a fraction: 0..1,
	// default 0.05 (fees and rounding rarely make layered money grow).
	Growth *float64
	// MaxShrink is how much smaller a payment may be than the one before it, as a fraction:
	// 0..1, default 1 (any smaller amount: layered money is split and skimmed).
	MaxShrink *float64
	// Currency, when set (ISO-4217), keeps every payment in that currency; otherwise a trail
	// stays in the currency of its first payment.
	Currency string
	// AnyCurrency lets a trail change currency from one payment to the next (an exchange or a
	// crypto off-ramp); the amount bounds then apply only between payments of one currency.
	AnyCurrency bool
	// Limit is how many trails to return: 1..50, default 10.
	Limit *int
}

// PathResult is the paths found, best first.
type PathResult struct {
	Paths []Path
	// Truncated says more paths may exist than were returned: a cap on paths or on the work of
	// the search was reached (a neighbourhood too large for K_SHORTEST is an error instead).
	// Reason says which, in words safe to show.
	Truncated bool
	Reason    string
}

// Path is one path from From to To.
type Path struct {
	Nodes []NodeView
	// Edges[i] joins Nodes[i] and Nodes[i+1]; its From and To give the relationship's stored
	// direction, which may run against the path.
	Edges []EdgeView
	// Hops is the path's length in MaxHops' unit: relationships, or transfers for MONEY_TRAIL.
	Hops int
	// Cost is what the path was ranked by, lower first: Hops for WeightHops; the sum of the hop
	// costs for K_SHORTEST by AMOUNT; 1/log10(10+delivered amount) for MONEY_TRAIL by AMOUNT.
	Cost float64
	// Money trails only, one per payment: its amount (minor units), time and currency.
	Amounts    []int64
	Times      []time.Time
	Currencies []string
}

// Paths finds paths between q.From and q.To in the part of the graph scope sees. It returns
// EINVALID naming the field for a bad query (from, to, kind, k, maxHops, weight, filter.*, and
// the money trail's window, growth, maxShrink, currency, limit), also when the neighbourhood K_SHORTEST must search is too large; ENOTFOUND
// naming from or to for an end that does not exist or that the scope does not see;
// EUNAVAILABLE when Neo4j cannot be reached. No path is an empty result, not an error.
func (s *Store) Paths(ctx context.Context, scope Scope, q PathQuery) (PathResult, error) {
	pq, err := q.plan(scope)
	if err != nil {
		return PathResult{}, err
	}
	params, err := s.scopeParams(ctx, scope)
	if err != nil {
		return PathResult{}, err
	}
	for k, v := range pq.params {
		params[k] = v
	}
	pq.params = params
	if err := s.checkEnds(ctx, pq); err != nil {
		return PathResult{}, err
	}
	var res PathResult
	switch {
	case pq.kind == PathMoneyTrail:
		res, err = s.moneyTrail(ctx, pq)
	case pq.kind == PathKShortest || pq.weight == WeightAmount:
		res, err = s.kShortest(ctx, pq)
	default:
		res, err = s.shortest(ctx, pq)
	}
	if err != nil {
		return PathResult{}, err
	}
	if res.Paths == nil {
		res.Paths = []Path{}
	}
	return res, nil
}

// pathPlan is a PathQuery checked, with defaults applied and its Cypher fragments built.
type pathPlan struct {
	from, to string
	kind     PathKind
	weight   PathWeight
	k        int
	maxHops  int
	directed bool
	all      bool      // the scope sees the whole graph: no scope predicates
	types    []RelType // relationship types, from the allow-list
	params   map[string]any
	nodePred func(v string) string // filter on a node between the ends ("" when none)
	relPred  func(r string) string // filter on a relationship ("" when none)
	// The money trail's: scope and time and amount bounds on a transaction; scope, labels and
	// countries on a payee between the ends.
	txPred, payeePred func(v string) string
	trail             trailPlan
}

// trailPlan is MoneyTrailOptions checked.
type trailPlan struct {
	window      time.Duration
	growth      float64
	shrink      float64
	currency    string
	anyCurrency bool
	limit       int
}

func (q PathQuery) plan(scope Scope) (*pathPlan, error) {
	p := &pathPlan{from: q.From, to: q.To, kind: q.Kind, weight: q.Weight, directed: q.Directed,
		all: scope.All(), params: map[string]any{"from": q.From, "to": q.To}}
	for _, end := range []struct{ name, id string }{{"from", q.From}, {"to", q.To}} {
		switch {
		case strings.TrimSpace(end.id) == "":
			return nil, Errorf(EINVALID, "%s: an entity id is required", end.name)
		case len(end.id) > maxPathIDLength:
			return nil, Errorf(EINVALID, "%s: an id is at most %d bytes", end.name, maxPathIDLength)
		}
	}
	if q.From == q.To {
		return nil, Errorf(EINVALID, "to: from and to are the same entity")
	}
	if p.kind == "" {
		p.kind = PathShortest
	}
	switch p.kind {
	case PathShortest, PathAllShortest, PathKShortest, PathMoneyTrail:
	default:
		return nil, Errorf(EINVALID, "kind: %q is not SHORTEST, ALL_SHORTEST, K_SHORTEST or MONEY_TRAIL", q.Kind)
	}
	if p.weight == "" {
		p.weight = WeightHops
	}
	switch {
	case p.weight != WeightHops && p.weight != WeightAmount:
		return nil, Errorf(EINVALID, "weight: %q is not HOPS or AMOUNT", q.Weight)
	case p.weight == WeightAmount && p.kind == PathAllShortest:
		return nil, Errorf(EINVALID, "weight: ALL_SHORTEST counts hops; use K_SHORTEST to rank by AMOUNT")
	}

	maxHops := MaxPathHops
	if p.kind == PathMoneyTrail {
		maxHops = MaxMoneyTrailHops
	}
	var err error
	if p.maxHops, err = pathIntOption("maxHops", q.MaxHops, DefaultPathHops, 1, maxHops); err != nil {
		return nil, err
	}
	p.k = 1
	if p.kind == PathKShortest {
		if p.k, err = pathIntOption("k", q.K, DefaultK, 1, MaxK); err != nil {
			return nil, err
		}
	}
	if err := p.planFilter(q.Filter); err != nil {
		return nil, err
	}
	if p.kind == PathMoneyTrail {
		if p.trail, err = planTrail(q.MoneyTrail); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// pathIntOption applies the default to an unset option and checks it is in lo..hi.
func pathIntOption(name string, v *int, def, lo, hi int) (int, error) {
	if v == nil {
		return def, nil
	}
	if *v < lo || *v > hi {
		return 0, Errorf(EINVALID, "%s: must be between %d and %d (got %d)", name, lo, hi, *v)
	}
	return *v, nil
}

func pathFloatOption(name string, v *float64, def, lo, hi float64) (float64, error) {
	if v == nil {
		return def, nil
	}
	if math.IsNaN(*v) || *v < lo || *v > hi {
		return 0, Errorf(EINVALID, "%s: must be between %g and %g (got %g)", name, lo, hi, *v)
	}
	return *v, nil
}

func planTrail(o MoneyTrailOptions) (trailPlan, error) {
	t := trailPlan{window: DefaultTrailWindow, anyCurrency: o.AnyCurrency}
	if o.Window != nil {
		if *o.Window <= 0 || *o.Window > MaxTrailWindow {
			return t, Errorf(EINVALID, "window: must be more than 0 and at most 365 days (got %s)", *o.Window)
		}
		t.window = *o.Window
	}
	var err error
	if t.growth, err = pathFloatOption("growth", o.Growth, DefaultTrailGrowth, 0, 1); err != nil {
		return t, err
	}
	if t.shrink, err = pathFloatOption("maxShrink", o.MaxShrink, 1, 0, 1); err != nil {
		return t, err
	}
	if t.limit, err = pathIntOption("limit", o.Limit, DefaultMoneyTrailPaths, 1, MaxMoneyTrailPaths); err != nil {
		return t, err
	}
	if o.Currency != "" {
		c := strings.ToUpper(strings.TrimSpace(o.Currency))
		if !isLetterCode(c, 3) {
			return t, Errorf(EINVALID, "currency: %q is not an ISO-4217 code", o.Currency)
		}
		t.currency = c
	}
	return t, nil
}

func isLetterCode(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// planFilter checks the filter and builds the node and relationship predicates. Clauses are
// constant text chosen here; every value is a parameter.
func (p *pathPlan) planFilter(f PathFilter) error {
	for _, t := range f.RelTypes {
		if !t.Valid() && t != RelFlow {
			return Errorf(EINVALID, "filter.relTypes: %q is not a relationship type", t)
		}
		if !slices.Contains(p.types, t) {
			p.types = append(p.types, t)
		}
	}
	if len(p.types) == 0 {
		p.types = p.defaultRelTypes()
	}
	var labels []string
	for _, l := range f.Types {
		if !l.Valid() {
			return Errorf(EINVALID, "filter.types: %q is not a node label", l)
		}
		labels = append(labels, string(l))
	}
	var countries []string
	for _, c := range f.Countries {
		u := strings.ToUpper(strings.TrimSpace(c))
		if !isLetterCode(u, 2) {
			return Errorf(EINVALID, "filter.countries: %q is not an ISO-3166 alpha-2 code", c)
		}
		countries = append(countries, u)
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return Errorf(EINVALID, "filter.to: %s is before filter.from %s", f.To.UTC().Format(time.RFC3339), f.From.UTC().Format(time.RFC3339))
	}
	if f.MinAmount != nil && f.MaxAmount != nil && *f.MaxAmount < *f.MinAmount {
		return Errorf(EINVALID, "filter.maxAmount: %d is less than filter.minAmount %d", *f.MaxAmount, *f.MinAmount)
	}

	// Conditions on a transaction's time and amount, and a FLOW's span and total.
	var txConds, flowConds []string
	if !f.From.IsZero() {
		p.params["since"] = f.From.UTC()
		txConds = append(txConds, "{v}.timestamp >= $since")
		flowConds = append(flowConds, "{v}.last >= $since")
	}
	if !f.To.IsZero() {
		p.params["until"] = f.To.UTC()
		txConds = append(txConds, "{v}.timestamp <= $until")
		flowConds = append(flowConds, "{v}.first <= $until")
	}
	if f.MinAmount != nil {
		p.params["minAmount"] = *f.MinAmount
		txConds = append(txConds, "{v}.amount >= $minAmount")
		flowConds = append(flowConds, "{v}.total >= $minAmount")
	}
	if f.MaxAmount != nil {
		p.params["maxAmount"] = *f.MaxAmount
		txConds = append(txConds, "{v}.amount <= $maxAmount")
		flowConds = append(flowConds, "{v}.total <= $maxAmount")
	}

	var scope []string
	if !p.all {
		scope = append(scope, scopeNodePredicate("{v}"))
	}
	var place []string // where a node between the ends may be
	if len(labels) > 0 {
		p.params["labels"] = labels
		place = append(place, "any(l IN labels({v}) WHERE l IN $labels)")
	}
	if len(countries) > 0 {
		p.params["countries"] = countries
		place = append(place, "({v}.country IS NULL OR {v}.country IN $countries)")
	}
	node := slices.Concat(scope, place)
	if len(txConds) > 0 {
		node = append(node, "(NOT {v}:Transaction OR ("+strings.Join(txConds, " AND ")+"))")
	}
	var rel []string
	if !p.all {
		rel = append(rel, scopeEdgePredicate("{v}"))
	}
	if len(flowConds) > 0 && slices.Contains(p.types, RelFlow) {
		rel = append(rel, "(type({v}) <> 'FLOW' OR ("+strings.Join(flowConds, " AND ")+"))")
	}
	p.nodePred = condsOn(node)
	p.relPred = condsOn(rel)
	p.txPred = condsOn(slices.Concat(scope, txConds))
	p.payeePred = condsOn(slices.Concat(scope, place))
	return nil
}

// condsOn returns a function that ANDs conds about the variable it is given, "" for none.
func condsOn(conds []string) func(v string) string {
	text := strings.Join(conds, " AND ")
	return func(v string) string {
		return strings.ReplaceAll(text, "{v}", v)
	}
}

// allOf joins Cypher conditions, skipping empty ones; "true" when none is left.
func allOf(conds ...string) string {
	var out []string
	for _, c := range conds {
		if c != "" {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return "true"
	}
	return strings.Join(out, " AND ")
}

// defaultRelTypes is the relationship types a path may use when the filter names none: every
// type but FLOW; for K_SHORTEST by AMOUNT over the whole graph, FLOW instead of SENT and TO.
func (p *pathPlan) defaultRelTypes() []RelType {
	if p.weight == WeightAmount && p.all {
		out := []RelType{RelFlow}
		for _, t := range RelTypes {
			if t != RelSent && t != RelTo {
				out = append(out, t)
			}
		}
		return out
	}
	return slices.Clone(RelTypes)
}

// relTypes is the plan's relationship types as a Cypher type expression (A|B|C). Each comes
// from the allow-list.
func (p *pathPlan) relTypes() string {
	names := make([]string, len(p.types))
	for i, t := range p.types {
		names[i] = string(t)
	}
	return strings.Join(names, "|")
}

// checkEnds returns ENOTFOUND naming from or to when an end does not exist or the scope does not
// see it.
func (s *Store) checkEnds(ctx context.Context, p *pathPlan) error {
	seen := "true"
	if !p.all {
		seen = scopeNodePredicate("n")
	}
	res, err := s.read(ctx, "find the ends of a path", func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, `
UNWIND [['from', $from], ['to', $to]] AS end
OPTIONAL MATCH (n:Entity {id: end[1]})
WITH end, n WHERE n IS NULL OR NOT (`+seen+`)
RETURN collect(end[0]) AS missing`, p.params)
		if err != nil {
			return nil, err
		}
		rec, err := r.Single(ctx)
		if err != nil {
			return nil, err
		}
		missing, _, err := neo4j.GetRecordValue[[]any](rec, "missing")
		return missing, err
	})
	if err != nil {
		return err
	}
	for _, m := range res.([]any) {
		id := p.from
		if m == "to" {
			id = p.to
		}
		return Errorf(ENOTFOUND, "%s: no entity %q", m, id)
	}
	return nil
}

// shortest runs SHORTEST or ALL_SHORTEST by hops as one Cypher query: Neo4j's shortestPath /
// allShortestPaths, bounded by maxHops, with the filters as all() predicates over the path's
// relationships and nodes, which Neo4j evaluates while it searches from both ends at once (a
// SHORTEST quantified path pattern searches from one end only: on a million transactions its
// p90 was 1.5 s against 44 ms for the same pairs). ALL_SHORTEST keeps one path per sequence of
// nodes (parallel relationships, such as several logins from one IP address, would otherwise
// multiply it) and reads at most allShortestRaw paths.
func (s *Store) shortest(ctx context.Context, p *pathPlan) (PathResult, error) {
	fn, limit := "shortestPath", 1
	if p.kind == PathAllShortest {
		fn, limit = "allShortestPaths", allShortestRaw
	}
	arrow := "-"
	if p.directed {
		arrow = "->"
	}
	var where []string
	if rel := p.relPred("r"); rel != "" {
		where = append(where, "all(r IN relationships(path) WHERE "+rel+")")
	}
	if node := p.nodePred("n"); node != "" {
		where = append(where, "all(n IN nodes(path) WHERE n = a OR n = b OR "+node+")")
	}
	cond := ""
	if len(where) > 0 {
		cond = "WHERE " + strings.Join(where, " AND ")
	}
	query := fmt.Sprintf(`
MATCH (a:Entity {id: $from}), (b:Entity {id: $to})
MATCH path = %s((a)-[:%s*1..%d]%s(b))
%s
RETURN nodes(path) AS nodes, relationships(path) AS rels
LIMIT %d`, fn, p.relTypes(), p.maxHops, arrow, cond, limit)
	res, err := s.read(ctx, "find shortest paths", func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, query, p.params)
		if err != nil {
			return nil, err
		}
		var paths []Path
		for r.Next(ctx) {
			path, err := recordPath(r.Record())
			if err != nil {
				return nil, err
			}
			paths = append(paths, path)
		}
		return paths, r.Err()
	})
	if err != nil {
		return PathResult{}, err
	}
	raw := res.([]Path)
	var out PathResult
	seen := map[string]bool{}
	for _, path := range raw {
		key := pathKey(path)
		if seen[key] {
			continue
		}
		seen[key] = true
		out.Paths = append(out.Paths, path)
	}
	sortPaths(out.Paths)
	switch {
	case len(out.Paths) > MaxAllShortestPaths:
		out.Paths = out.Paths[:MaxAllShortestPaths]
		out.Truncated, out.Reason = true, fmt.Sprintf("more than %d shortest paths: the first %d are shown", MaxAllShortestPaths, MaxAllShortestPaths)
	case len(raw) == allShortestRaw:
		out.Truncated, out.Reason = true, fmt.Sprintf("the search stopped after %d shortest paths", allShortestRaw)
	}
	return out, nil
}

// allShortestRaw bounds the paths ALL_SHORTEST reads before removing those through the same
// nodes.
const allShortestRaw = 500

// recordPath builds a Path from a record's nodes and rels lists (nodes in path order, rels
// joining them).
func recordPath(rec *neo4j.Record) (Path, error) {
	rawNodes, _, err := neo4j.GetRecordValue[[]any](rec, "nodes")
	if err != nil {
		return Path{}, err
	}
	rawRels, _, err := neo4j.GetRecordValue[[]any](rec, "rels")
	if err != nil {
		return Path{}, err
	}
	nodes, err := castAll[neo4j.Node](rawNodes, "path node")
	if err != nil {
		return Path{}, err
	}
	rels, err := castAll[neo4j.Relationship](rawRels, "path relationship")
	if err != nil {
		return Path{}, err
	}
	return buildPath(nodes, rels)
}

// castAll asserts that every value of a driver list is a T.
func castAll[T any](vs []any, what string) ([]T, error) {
	out := make([]T, len(vs))
	for i, v := range vs {
		x, ok := v.(T)
		if !ok {
			return nil, fmt.Errorf("%s %d is a %T", what, i, v)
		}
		out[i] = x
	}
	return out, nil
}

// buildPath makes the views of a path's nodes and of the relationships joining them.
func buildPath(nodes []neo4j.Node, rels []neo4j.Relationship) (Path, error) {
	if len(rels) != len(nodes)-1 {
		return Path{}, fmt.Errorf("path of %d nodes has %d relationships", len(nodes), len(rels))
	}
	ids := make(map[string]string, len(nodes))
	p := Path{Nodes: make([]NodeView, len(nodes)), Edges: make([]EdgeView, len(rels)), Hops: len(rels), Cost: float64(len(rels))}
	for i, n := range nodes {
		p.Nodes[i] = nodeView(n)
		ids[n.ElementId] = p.Nodes[i].ID
	}
	for i, r := range rels {
		from, ok1 := ids[r.StartElementId]
		to, ok2 := ids[r.EndElementId]
		if !ok1 || !ok2 {
			return Path{}, fmt.Errorf("path relationship %d joins nodes outside the path", i)
		}
		p.Edges[i] = edgeView(r, from, to)
	}
	return p, nil
}

// pathKey identifies a path by its nodes.
func pathKey(p Path) string {
	ids := make([]string, len(p.Nodes))
	for i, n := range p.Nodes {
		ids[i] = n.ID
	}
	return strings.Join(ids, "\x00")
}

// sortPaths orders paths by cost, then hops, then their node ids, so that equal paths come in
// the same order every time.
func sortPaths(paths []Path) {
	slices.SortStableFunc(paths, func(a, b Path) int {
		switch {
		case a.Cost != b.Cost:
			if a.Cost < b.Cost {
				return -1
			}
			return 1
		case a.Hops != b.Hops:
			return a.Hops - b.Hops
		}
		return strings.Compare(pathKey(a), pathKey(b))
	})
}

// amountCost is the cost of moving amount (minor units) in one hop under WeightAmount: in (0, 1],
// smaller for larger amounts, and logarithmic, so that a hundred times more money is a few
// tenths of a hop shorter, not a hundred times.
func amountCost(amount int64) float64 {
	return 1 / math.Log10(10+math.Max(0, float64(amount)))
}
