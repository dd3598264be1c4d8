package resolve

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// Options is one run's input beyond the records.
type Options struct {
	Config
	// Judgements are the standing human verdicts; they always win over scores.
	Judgements []Judgement
	// Pending, when not nil, makes the run incremental: only pairs with at least one pending
	// record are scored, and Known supplies the pairs earlier runs stored among the others
	// (their links and reviews), so the clusters come out as a full run would make them
	// without comparing everything again.
	Pending map[string]bool
	Known   []Pair
}

// Result is what a run decided.
type Result struct {
	// Pairs are the pairs scored in this run at or above the review threshold, and every judged
	// pair, each with its status and evidence. An incremental run returns the pairs touching a
	// pending record, and the known pairs whose status changed.
	Pairs []Pair
	// Clusters are all resolved entities (two or more records), over every record given.
	Clusters []Cluster
	// Model holds the weights used (estimated or configured).
	Model Model
	Stats Stats
}

// Stats counts a run's work.
type Stats struct {
	Records    int `json:"records"`
	Pending    int `json:"pending"`    // records resolved this run (all of them in a full run)
	Keys       int `json:"keys"`       // blocking keys used
	Dropped    int `json:"dropped"`    // blocking keys dropped as too common
	Candidates int `json:"candidates"` // pairs compared
	Linked     int `json:"linked"`     // pairs that joined clusters (judged SAME included)
	Review     int `json:"review"`     // pairs held for review
	Clusters   int `json:"clusters"`   // resolved entities
	Clustered  int `json:"clustered"`  // records in them
}

type engine struct {
	cfg     Config
	recs    []*prepared
	index   map[string]int32
	pending []bool // nil: every record
	stats   *stats
	model   Model
	st      Stats
}

func newEngine(ctx context.Context, records []Record, cfg Config) (*engine, error) {
	e := &engine{cfg: cfg.withDefaults(), recs: make([]*prepared, len(records)),
		index: make(map[string]int32, len(records))}
	for i := range records {
		r := &records[i]
		if r.ID == "" {
			return nil, fmt.Errorf("resolve: record %d has no id", i)
		}
		if _, dup := e.index[r.ID]; dup {
			return nil, fmt.Errorf("resolve: record %q given twice", r.ID)
		}
		if r.Kind != "" && r.Kind != KindPerson && r.Kind != KindOrganization {
			return nil, fmt.Errorf("resolve: record %q: unknown kind %q", r.ID, r.Kind)
		}
		e.index[r.ID] = int32(i)
	}
	err := parallel(ctx, len(records), func(i int) {
		e.recs[i] = prepare(&records[i], e.cfg.Key)
	})
	if err != nil {
		return nil, err
	}
	e.stats = collectStats(e.recs)
	e.st.Records = len(records)
	return e, nil
}

// Resolve resolves records: blocking, comparison, weights, clustering with the guards the
// package documentation describes. It honours ctx between stages and within long loops.
func Resolve(ctx context.Context, records []Record, opts Options) (*Result, error) {
	if err := opts.Config.Validate(); err != nil {
		return nil, fmt.Errorf("resolve: %w", err)
	}
	e, err := newEngine(ctx, records, opts.Config)
	if err != nil {
		return nil, err
	}
	if opts.Pending != nil {
		e.pending = make([]bool, len(e.recs))
		for id := range opts.Pending {
			if i, ok := e.index[id]; ok {
				e.pending[i] = true
				e.st.Pending++
			}
		}
	} else {
		e.st.Pending = len(e.recs)
	}
	cands, err := e.candidates(ctx)
	if err != nil {
		return nil, err
	}
	e.st.Candidates = len(cands)
	vectors := make([]vector, len(cands))
	if err := parallel(ctx, len(cands), func(i int) {
		vectors[i] = compare(e.recs[cands[i][0]], e.recs[cands[i][1]]).v
	}); err != nil {
		return nil, err
	}
	if opts.Model != nil {
		e.model = cloneModel(*opts.Model)
	} else {
		e.model = DefaultModel()
		if err := e.estimateU(ctx, &e.model); err != nil {
			return nil, err
		}
		if err := e.estimateM(ctx, &e.model, vectors); err != nil {
			return nil, err
		}
	}
	if len(e.model.Comparisons) != nComp {
		return nil, fmt.Errorf("resolve: model has %d comparisons, want %d (%s)", len(e.model.Comparisons), nComp, comparisonNames())
	}
	// Score: the weight without term-frequency adjustment bounds the adjusted one from above,
	// so only pairs that could reach review are compared again for their evidence.
	var table [nComp][]float64
	for i := range table {
		table[i] = make([]float64, len(e.model.Comparisons[i].M))
		for l := range table[i] {
			table[i][l] = e.model.Comparisons[i].Weight(l)
		}
	}
	prior := logit2(e.model.Lambda)
	reviewW := logit2(e.cfg.ReviewThreshold)
	var mu sync.Mutex
	var scored []*edge
	err = parallel(ctx, len(cands), func(i int) {
		w := prior
		for c, l := range vectors[i] {
			if l >= 0 {
				w += table[c][l]
			}
		}
		if w < reviewW {
			return
		}
		ed := e.edge(cands[i][0], cands[i][1])
		if ed.Probability < e.cfg.ReviewThreshold {
			return
		}
		mu.Lock()
		scored = append(scored, ed)
		mu.Unlock()
	})
	if err != nil {
		return nil, err
	}
	return e.cluster(ctx, scored, opts)
}

// edge compares and scores one pair of record indexes.
type edge struct {
	Pair
	a, b         int32
	contradicts  string // why the pair contradicts itself, "" when it does not
	corroborated bool   // something besides names agrees
	known        Status // the status an earlier run stored ("" for a new pair)
}

func (e *engine) edge(a, b int32) *edge {
	if e.recs[a].rec.ID > e.recs[b].rec.ID {
		a, b = b, a
	}
	c := compare(e.recs[a], e.recs[b])
	w, p, ev, contra, corr := e.score(&c)
	return &edge{Pair: Pair{A: e.recs[a].rec.ID, B: e.recs[b].rec.ID, Weight: round2(w), Probability: p, Evidence: ev},
		a: a, b: b, contradicts: contra, corroborated: corr}
}

func cloneModel(m Model) Model {
	out := m
	out.Comparisons = make([]ComparisonModel, len(m.Comparisons))
	for i, c := range m.Comparisons {
		out.Comparisons[i] = ComparisonModel{Name: c.Name, Levels: slices.Clone(c.Levels), M: slices.Clone(c.M), U: slices.Clone(c.U)}
	}
	return out
}

func comparisonNames() string {
	var names []string
	for _, c := range comparisons {
		names = append(names, c.name)
	}
	return strings.Join(names, ", ")
}

// parallel runs fn for 0..n-1 on every CPU, checking ctx every few thousand items.
func parallel(ctx context.Context, n int, fn func(i int)) error {
	workers := runtime.GOMAXPROCS(0)
	if n < 2048 || workers == 1 {
		for i := 0; i < n; i++ {
			if i%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			fn(i)
		}
		return nil
	}
	var wg sync.WaitGroup
	chunk := 1024
	next := make(chan int, workers)
	go func() {
		defer close(next)
		for i := 0; i < n; i += chunk {
			if ctx.Err() != nil {
				return
			}
			next <- i
		}
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for start := range next {
				for i := start; i < min(start+chunk, n); i++ {
					fn(i)
				}
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// Compare scores one pair of records of the same kind under model m (nil: the default model),
// for explaining a pair on demand and for pairwise benchmarks. Without the population there is
// no term-frequency adjustment.
func Compare(a, b *Record, m *Model, cfg Config) Pair {
	cfg = cfg.withDefaults()
	if m == nil || len(m.Comparisons) != nComp {
		d := DefaultModel()
		m = &d
	}
	recs := []Record{*a, *b}
	recs[0].ID, recs[1].ID = "a", "b"
	e, err := newEngine(context.Background(), recs, cfg)
	if err != nil {
		return Pair{A: a.ID, B: b.ID, Reason: err.Error()}
	}
	e.model = *m
	e.stats = &stats{count: map[string]int{}}
	c := compare(e.recs[0], e.recs[1])
	w, p, ev, _, _ := e.score(&c)
	return Pair{A: a.ID, B: b.ID, Weight: round2(w), Probability: p, Evidence: ev}
}

// NameSimilarity is the similarity in [0, 1] of two names of one kind of record, as the name
// comparisons see it: persons by their name tokens matched in whatever order agrees best (so
// "Smith, John" and "John Smith" agree), titles ignored; organisations by their name without
// legal-form words.
func NameSimilarity(kind Kind, a, b string) float64 {
	fa, fb := FoldName(a), FoldName(b)
	if fa == "" || fb == "" {
		return 0
	}
	if kind == KindOrganization {
		oa, ta := orgFingerprint(fa)
		ob, tb := orgFingerprint(fb)
		if oa == ob {
			return 1
		}
		return max(jw(oa, ob), tokenOverlap(ta, tb)*0.95)
	}
	ta := slices.DeleteFunc(strings.Fields(fa), func(t string) bool { return titles[t] })
	tb := slices.DeleteFunc(strings.Fields(fb), func(t string) bool { return titles[t] })
	if len(ta) == 0 || len(tb) == 0 {
		return jw(fa, fb)
	}
	if len(ta) > len(tb) {
		ta, tb = tb, ta
	}
	// every token of the shorter name against its best partner in the longer one
	used := make([]bool, len(tb))
	sum := 0.0
	for _, t := range ta {
		best, at := 0.0, -1
		for j, u := range tb {
			if used[j] {
				continue
			}
			s := jw(t, u)
			if len(t) == 1 || len(u) == 1 {
				if t[0] == u[0] {
					s = 0.85
				} else {
					s = 0
				}
			}
			if s > best {
				best, at = s, j
			}
		}
		if at >= 0 {
			used[at] = true
		}
		sum += best
	}
	score := sum / float64(len(ta))
	// extra tokens in the longer name (a middle name) cost a little
	if extra := len(tb) - len(ta); extra > 0 {
		score -= 0.03 * float64(extra)
	}
	return max(0, min(1, score))
}
