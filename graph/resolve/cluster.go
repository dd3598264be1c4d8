package resolve

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

func pairKey(a, b int32) uint64 {
	if a > b {
		a, b = b, a
	}
	return uint64(a)<<32 | uint64(b)
}

// cluster joins scored pairs into resolved entities, strongest first, under the judgements and
// the guards against runaway clusters, and sets every pair's status.
func (e *engine) cluster(ctx context.Context, scored []*edge, opts Options) (*Result, error) {
	byKey := make(map[uint64]*edge, len(scored)+len(opts.Known))
	for _, ed := range scored {
		byKey[pairKey(ed.a, ed.b)] = ed
	}
	// Pairs earlier runs stored among records not pending this run: compared again here (they
	// are few) so the guards see their evidence under the current model.
	for _, k := range opts.Known {
		a, okA := e.index[k.A]
		b, okB := e.index[k.B]
		if !okA || !okB || a == b {
			continue
		}
		if e.pending != nil && (e.pending[a] || e.pending[b]) {
			continue
		}
		key := pairKey(a, b)
		if _, ok := byKey[key]; ok {
			continue
		}
		ed := e.edge(a, b)
		ed.known = k.Status
		if ed.known == "" {
			ed.known = Review
		}
		byKey[key] = ed
	}
	verdict := make(map[uint64]Verdict, len(opts.Judgements))
	for _, j := range opts.Judgements {
		a, okA := e.index[j.A]
		b, okB := e.index[j.B]
		if !okA || !okB || a == b || !j.Verdict.Valid() {
			continue
		}
		if e.recs[a].kind != e.recs[b].kind {
			continue
		}
		key := pairKey(a, b)
		verdict[key] = j.Verdict
		if _, ok := byKey[key]; !ok {
			byKey[key] = e.edge(a, b)
		}
	}
	edges := make([]*edge, 0, len(byKey))
	for _, ed := range byKey {
		edges = append(edges, ed)
	}
	// judged SAME first, then by weight, then by ids so that runs are repeatable
	slices.SortFunc(edges, func(x, y *edge) int {
		sx, sy := verdict[pairKey(x.a, x.b)] == Same, verdict[pairKey(y.a, y.b)] == Same
		switch {
		case sx && !sy:
			return -1
		case sy && !sx:
			return 1
		case x.Weight > y.Weight:
			return -1
		case x.Weight < y.Weight:
			return 1
		case x.A != y.A:
			return strings.Compare(x.A, y.A)
		}
		return strings.Compare(x.B, y.B)
	})

	parent := make([]int32, len(e.recs))
	members := map[int32][]int32{}
	for i := range parent {
		parent[i] = int32(i)
	}
	var find func(int32) int32
	find = func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	membersOf := func(r int32) []int32 {
		if m, ok := members[r]; ok {
			return m
		}
		return []int32{r}
	}
	different := func(x, y int32) bool { return verdict[pairKey(x, y)] == Different }
	var linked []*edge
	for n, ed := range edges {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		v := verdict[pairKey(ed.a, ed.b)]
		switch v {
		case Different:
			ed.Status, ed.Reason = Rejected, "judged DIFFERENT"
			continue
		case Unsure:
			ed.Status, ed.Reason = Review, "judged UNSURE"
			continue
		}
		if v != Same && ed.Probability < e.cfg.MatchThreshold {
			ed.Status = Review
			ed.Reason = fmt.Sprintf("probability %.3f is below the match threshold %.3f", ed.Probability, e.cfg.MatchThreshold)
			continue
		}
		if v != Same && !ed.corroborated {
			ed.Status, ed.Reason = Review, "only names agree"
			continue
		}
		if v != Same && ed.contradicts != "" {
			ed.Status, ed.Reason = Review, "contradictory evidence: "+ed.contradicts
			continue
		}
		ra, rb := find(ed.a), find(ed.b)
		if ra == rb {
			ed.Status = Linked
			if v == Same {
				ed.Reason = "judged SAME"
			}
			continue
		}
		ma, mb := membersOf(ra), membersOf(rb)
		if reason := e.guard(ma, mb, v == Same, different); reason != "" {
			ed.Status, ed.Reason = Review, reason
			continue
		}
		// join the smaller cluster into the larger
		if len(ma) < len(mb) {
			ra, rb, ma, mb = rb, ra, mb, ma
		}
		parent[rb] = ra
		members[ra] = append(slices.Clone(ma), mb...)
		delete(members, rb)
		ed.Status = Linked
		if v == Same {
			ed.Reason = "judged SAME"
		}
		linked = append(linked, ed)
	}

	res := &Result{Model: e.model}
	for _, ed := range edges {
		if ed.known != "" && ed.known == ed.Status {
			continue // unchanged pair of an earlier run
		}
		switch ed.Status {
		case Linked:
			e.st.Linked++
		case Review:
			e.st.Review++
		}
		res.Pairs = append(res.Pairs, ed.Pair)
	}
	slices.SortFunc(res.Pairs, func(x, y Pair) int {
		if x.A != y.A {
			return strings.Compare(x.A, y.A)
		}
		return strings.Compare(x.B, y.B)
	})
	linksOf := map[int32][]Pair{}
	for _, ed := range linked {
		r := find(ed.a)
		linksOf[r] = append(linksOf[r], ed.Pair)
	}
	for r, ms := range members {
		if len(ms) < 2 {
			continue
		}
		ids := make([]string, len(ms))
		for i, m := range ms {
			ids[i] = e.recs[m].rec.ID
		}
		slices.Sort(ids)
		res.Clusters = append(res.Clusters, Cluster{ID: ClusterID(ids[0]), Kind: e.recs[r].kind, Members: ids, Links: linksOf[r]})
		e.st.Clustered += len(ids)
	}
	slices.SortFunc(res.Clusters, func(x, y Cluster) int { return strings.Compare(x.ID, y.ID) })
	e.st.Clusters = len(res.Clusters)
	res.Stats = e.st
	return res, nil
}

// maxCrossChecks bounds the pairs compared when two clusters would join.
const maxCrossChecks = 625

// guard says why two clusters must not join automatically ("" when they may): the size limit,
// a DIFFERENT judgement between any two of their records (A != B and B = C means A != C), or
// two of their records that contradict each other. A SAME judgement overrides only the size and
// contradiction guards, never a DIFFERENT judgement.
func (e *engine) guard(a, b []int32, judgedSame bool, different func(x, y int32) bool) string {
	if n := len(a) + len(b); n > e.cfg.MaxCluster && !judgedSame {
		return fmt.Sprintf("would make a cluster of %d records (limit %d)", n, e.cfg.MaxCluster)
	}
	checks := 0
	for _, x := range a {
		for _, y := range b {
			if different(x, y) {
				return fmt.Sprintf("would join %s and %s, judged DIFFERENT", e.recs[x].rec.ID, e.recs[y].rec.ID)
			}
			if judgedSame || (len(a) == 1 && len(b) == 1) {
				continue
			}
			if checks++; checks > maxCrossChecks {
				continue
			}
			c := compare(e.recs[x], e.recs[y])
			if why := e.contradiction(&c); why != "" {
				return fmt.Sprintf("would join %s and %s, whose evidence contradicts (%s)", e.recs[x].rec.ID, e.recs[y].rec.ID, why)
			}
		}
	}
	return ""
}
