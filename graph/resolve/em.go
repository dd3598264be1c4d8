package resolve

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
)

// DefaultModel is the configured model used when there is too little data to estimate one and
// as the prior of estimation: hand-set m and u per level, and a prior of 1% matches among
// candidate pairs.
func DefaultModel() Model {
	m := Model{Lambda: 0.01, Comparisons: make([]ComparisonModel, nComp)}
	for i, c := range comparisons {
		m.Comparisons[i] = ComparisonModel{Name: c.name, Levels: c.levels,
			M: append([]float64(nil), c.m...), U: append([]float64(nil), c.u...)}
	}
	return m
}

// Strength of the priors, in pseudo-pairs: estimates from few pairs stay near the defaults.
const (
	uPrior = 200.0
	// minExactM is the least share of true matches that agree exactly on a field both carry;
	// below it the comparison learned something other than identity.
	minExactM = 0.05
	// minLearnPairs is how many candidate pairs must carry a field for its estimate to count.
	minLearnPairs = 200
	uPriorIDs     = 20_000.0
	mPrior        = 20.0
)

// estimateU estimates u, how often each level occurs among non-matching pairs, from random
// pairs of records of one kind (most random pairs do not match), as Splink does.
func (e *engine) estimateU(ctx context.Context, model *Model) error {
	var counts [nComp][]float64
	for i := range counts {
		counts[i] = make([]float64, len(comparisons[i].levels))
	}
	byKind := make([][]int32, 2) // persons, organisations: in a fixed order, for repeatable runs
	for i, p := range e.recs {
		k := 0
		if p.kind == KindOrganization {
			k = 1
		}
		byKind[k] = append(byKind[k], int32(i))
	}
	// The sample is drawn first, then compared on every CPU.
	r := rand.New(rand.NewPCG(e.cfg.Seed, 0x5eed))
	// 20 per record, between 20,000 and 100,000 pairs
	maxSamples := min(max(20*len(e.recs), 20_000), 100_000)
	var pairs [][2]int32
	for _, idx := range byKind {
		n := len(idx)
		if n < 2 {
			continue
		}
		if n*(n-1)/2 <= maxSamples {
			for x := 0; x < n; x++ {
				for y := x + 1; y < n; y++ {
					pairs = append(pairs, [2]int32{idx[x], idx[y]})
				}
			}
			continue
		}
		want := maxSamples * n / len(e.recs)
		for s := 0; s < want; s++ {
			x, y := r.IntN(n), r.IntN(n-1)
			if y >= x {
				y++
			}
			pairs = append(pairs, [2]int32{idx[x], idx[y]})
		}
	}
	levels := make([]vector, len(pairs))
	if err := parallel(ctx, len(pairs), func(i int) {
		levels[i] = compare(e.recs[pairs[i][0]], e.recs[pairs[i][1]]).v
	}); err != nil {
		return err
	}
	for _, v := range levels {
		for i, l := range v {
			if l >= 0 {
				counts[i][l]++
			}
		}
	}
	for i := range counts {
		total := 0.0
		for _, c := range counts[i] {
			total += c
		}
		prior, strength := comparisons[i].u, uPrior
		if comparisons[i].idKind != "" {
			// Few random pairs both carry an identifier of one kind, and in a small population
			// the sample holds the true matches too: keep close to the configured u.
			strength = uPriorIDs
		}
		for l := range counts[i] {
			model.Comparisons[i].U[l] = clampP((counts[i][l] + strength*prior[l]) / (total + strength))
		}
	}
	return nil
}

// estimateM runs expectation-maximisation over the candidate pairs' comparison patterns for the
// prior (lambda), m and u: the Fellegi-Sunter model with conditional independence. The u from
// random pairs is the prior of u here, because the candidate non-matches are not random pairs:
// blocking chose them for sharing a name code or a date, so they agree on those far more often.
func (e *engine) estimateM(ctx context.Context, model *Model, vectors []vector) error {
	patterns := map[vector]float64{}
	for _, v := range vectors {
		patterns[v]++
	}
	type pat struct {
		v vector
		n float64
	}
	ps := make([]pat, 0, len(patterns))
	total := 0.0
	var seen [nComp]float64 // candidate pairs that carry each field
	for v, n := range patterns {
		ps = append(ps, pat{v, n})
		total += n
		for i, l := range v {
			if l >= 0 {
				seen[i] += n
			}
		}
	}
	// a fixed order, so that the sums (and the weights) come out the same on every run
	slices.SortFunc(ps, func(a, b pat) int {
		for i := range a.v {
			if a.v[i] != b.v[i] {
				return int(a.v[i]) - int(b.v[i])
			}
		}
		return 0
	})
	if total < 50 {
		return nil // too few pairs to learn from: keep the configured weights
	}
	const maxIter = 50
	var num, unum, uRandom [nComp][]float64
	for i := range num {
		num[i] = make([]float64, len(comparisons[i].levels))
		unum[i] = make([]float64, len(comparisons[i].levels))
		uRandom[i] = slices.Clone(model.Comparisons[i].U)
	}
	iter := 0
	for ; iter < maxIter; iter++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i := range num {
			clear(num[i])
			clear(unum[i])
		}
		lam := model.Lambda
		sumP := 0.0
		for _, p := range ps {
			lm, lu := math.Log(lam), math.Log(1-lam)
			for i, l := range p.v {
				if l >= 0 {
					lm += math.Log(model.Comparisons[i].M[l])
					lu += math.Log(model.Comparisons[i].U[l])
				}
			}
			post := 1 / (1 + math.Exp(lu-lm))
			w := post * p.n
			sumP += w
			for i, l := range p.v {
				if l >= 0 {
					num[i][l] += w
					unum[i][l] += (1 - post) * p.n
				}
			}
		}
		delta := 0.0
		newLam := clampP(sumP / total)
		delta = math.Max(delta, math.Abs(newLam-model.Lambda))
		model.Lambda = newLam
		for i := range num {
			den := 0.0
			for _, x := range num[i] {
				den += x
			}
			prior := comparisons[i].m
			for l := range num[i] {
				m := clampP((num[i][l] + mPrior*prior[l]) / (den + mPrior))
				delta = math.Max(delta, math.Abs(m-model.Comparisons[i].M[l]))
				model.Comparisons[i].M[l] = m
			}
			uden := 0.0
			for _, x := range unum[i] {
				uden += x
			}
			for l := range unum[i] {
				u := clampP((unum[i][l] + uPrior*uRandom[i][l]) / (uden + uPrior))
				delta = math.Max(delta, math.Abs(u-model.Comparisons[i].U[l]))
				model.Comparisons[i].U[l] = u
			}
		}
		if delta < 1e-5 {
			iter++
			break
		}
	}
	model.Estimated, model.Pairs, model.Iterations = true, int(total), iter
	// EM finds whatever class explains the candidates best, which is not always "same
	// entity": among records with few true duplicates (one bank's customers) it is "shares a
	// name or a birthday", among neighbours "same place". A comparison whose learned weights
	// cannot describe matches (exact agreement rare among them, weighing nothing or less than
	// disagreement, disagreement counting for a match) keeps its configured m and the u of
	// random pairs. When that happens to several comparisons that had data to learn from,
	// nothing learned is trusted: the configured model with random-pair u.
	bad := 0
	for i := range model.Comparisons {
		c := &model.Comparisons[i]
		last := len(c.Levels) - 1
		if c.M[0] < minExactM || c.Weight(0) <= 1 || c.Weight(0) <= c.Weight(last) || c.Weight(last) > 0 {
			c.M = slices.Clone(comparisons[i].m)
			c.U = slices.Clone(uRandom[i])
			if seen[i] >= minLearnPairs {
				bad++
			}
		}
	}
	if bad >= 2 {
		for i := range model.Comparisons {
			model.Comparisons[i].M = slices.Clone(comparisons[i].m)
			model.Comparisons[i].U = slices.Clone(uRandom[i])
		}
		model.Lambda = DefaultModel().Lambda
		model.Estimated = false
	}
	return nil
}

func clampP(p float64) float64 { return math.Min(math.Max(p, 1e-6), 1-1e-6) }

func logit2(p float64) float64 { return math.Log2(p / (1 - p)) }

func prob2(w float64) float64 { return 1 / (1 + math.Exp2(-w)) }

func log2(x float64) float64 { return math.Log2(x) }

func abs(x float64) float64 { return math.Abs(x) }

func round2(x float64) float64 { return math.Round(x*100) / 100 }
