package demo

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// newRand returns a PCG generator for one part of the world. Each part (population, ordinary
// transactions, platform events, reports, ...) draws from its own stream of the seed, so that
// changing how one part is generated leaves the others byte-identical.
func newRand(seed uint64, stream string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(stream))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// pick returns a uniformly chosen element of xs.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// chance is true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// between returns a uniform integer in [lo, hi].
func between(r *rand.Rand, lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

// weighted returns an index drawn with the given (not necessarily normalised) weights.
func weighted(r *rand.Rand, w []float64) int {
	var sum float64
	for _, x := range w {
		sum += x
	}
	u := r.Float64() * sum
	for i, x := range w {
		if u < x {
			return i
		}
		u -= x
	}
	return len(w) - 1
}

// poisson draws from a Poisson distribution with a small mean (Knuth's method; the means used
// here are below 3).
func poisson(r *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// uniqueNumbers hands out distinct random numbers of a fixed width, so that ids look like a
// real system's (not sequential, not revealing the order in which the world was built).
type uniqueNumbers struct {
	r    *rand.Rand
	lo   int64
	span int64
	used map[int64]bool // lookup only; never iterated
}

func newUniqueNumbers(r *rand.Rand, lo, hi int64) *uniqueNumbers {
	return &uniqueNumbers{r: r, lo: lo, span: hi - lo + 1, used: map[int64]bool{}}
}

func (u *uniqueNumbers) next() int64 {
	for {
		n := u.lo + u.r.Int64N(u.span)
		if !u.used[n] {
			u.used[n] = true
			return n
		}
	}
}
