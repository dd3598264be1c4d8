package resolve

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
)

// blockKeys are the keys a record is blocked on: records that share none are never compared.
func blockKeys(p *prepared, dst []string) []string {
	k := string(p.kind[0]) + ":"
	if p.kind == KindPerson {
		g, s := p.gPhon, p.sPhon
		if g != "" && s != "" {
			// order-free, so that swapped names still meet
			if g > s {
				g, s = s, g
			}
			dst = append(dst, k+"gs:"+g+"|"+s)
		}
		// Not given name with year or postcode: thousands of Johns are born each year, and
		// those keys fill the candidates with neighbours (measured: half the pairs, 99% of
		// the reviews, no recall).
		if p.sPhon != "" && p.year != "" {
			dst = append(dst, k+"sy:"+p.sPhon+"|"+p.year)
		}
		if p.sPhon != "" && p.post != "" {
			dst = append(dst, k+"sp:"+p.sPhon+"|"+p.post)
		}
		if len(p.dob) == 8 {
			dst = append(dst, k+"dob:"+p.dob)
			if p.post != "" {
				dst = append(dst, k+"dp:"+p.dob[:6]+"|"+p.post)
			}
		}
		if p.street != "" && p.post != "" {
			dst = append(dst, k+"st:"+p.street+"|"+p.post)
		}
	} else {
		if p.org != "" {
			dst = append(dst, k+"org:"+p.org)
		}
		for _, t := range p.orgToks {
			if len(t) > 2 {
				dst = append(dst, k+"tok:"+t)
			}
		}
	}
	for kind, vs := range p.ids {
		for _, v := range vs {
			dst = append(dst, k+"id:"+kind+":"+v)
		}
	}
	if len(p.clk) > 0 {
		dst = clkBands(p.clk, k, dst)
	}
	return dst
}

// Bloom filters are blocked by locality-sensitive hashing: a band is a fixed sample of bit
// positions, and records whose filters agree on every bit of a band share its key. Similar
// filters (Dice >= 0.8) share some band almost surely, unrelated ones rarely.
const (
	clkBandCount = 20
	clkBandBits  = 14
)

var clkBandPositions = func() [][clkBandBits]int {
	r := rand.New(rand.NewPCG(7, 11))
	out := make([][clkBandBits]int, clkBandCount)
	for i := range out {
		for j := range out[i] {
			out[i][j] = r.IntN(1024)
		}
	}
	return out
}()

func clkBands(clk []byte, prefix string, dst []string) []string {
	nbits := len(clk) * 8
	for i, band := range clkBandPositions {
		var v uint32
		for j, pos := range band {
			pos %= nbits
			if clk[pos/8]&(1<<(pos%8)) != 0 {
				v |= 1 << j
			}
		}
		if v == 0 {
			continue // an all-zero band says nothing
		}
		dst = append(dst, prefix+"clk"+strconv.Itoa(i)+":"+strconv.FormatUint(uint64(v), 36))
	}
	return dst
}

// candidates blocks the records and returns the pairs to compare (i < j), each record keeping
// at most maxCand partners: those it shares the rarest keys with. When pending is not nil only
// pairs with a pending record are returned.
func (e *engine) candidates(ctx context.Context) ([][2]int32, error) {
	index := make(map[string][]int32, len(e.recs)*4)
	var keys []string
	for i, p := range e.recs {
		keys = blockKeys(p, keys[:0])
		for _, k := range keys {
			index[k] = append(index[k], int32(i))
		}
	}
	type cand struct {
		other int32
		score uint32
	}
	per := make([][]cand, len(e.recs))
	// Integer scores, so that the sum does not depend on the order blocks are visited in.
	pairScore := make(map[uint64]uint32, len(e.recs)*4)
	n := 0
	for _, members := range index {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if len(members) < 2 {
			continue
		}
		members = slices.Compact(members) // a record with a key twice
		if len(members) < 2 {
			continue
		}
		if len(members) > e.cfg.MaxBlock {
			e.st.Dropped++
			continue
		}
		e.st.Keys++
		if e.pending != nil && !slices.ContainsFunc(members, func(i int32) bool { return e.pending[i] }) {
			continue
		}
		w := uint32(math.Round(1000 / math.Log2(float64(len(members))+1)))
		for x := 0; x < len(members); x++ {
			for y := x + 1; y < len(members); y++ {
				a, b := members[x], members[y]
				if e.pending != nil && !e.pending[a] && !e.pending[b] {
					continue
				}
				if e.recs[a].kind != e.recs[b].kind {
					continue
				}
				if a > b {
					a, b = b, a
				}
				pairScore[uint64(a)<<32|uint64(b)] += w
			}
		}
	}
	for k, s := range pairScore {
		a, b := int32(k>>32), int32(k&0xffffffff)
		per[a] = append(per[a], cand{b, s})
		per[b] = append(per[b], cand{a, s})
	}
	keep := make(map[uint64]bool, len(pairScore))
	for i, cs := range per {
		if len(cs) > e.cfg.MaxCandidates {
			slices.SortFunc(cs, func(x, y cand) int {
				switch {
				case x.score > y.score:
					return -1
				case x.score < y.score:
					return 1
				}
				return int(x.other - y.other)
			})
			cs = cs[:e.cfg.MaxCandidates]
		}
		for _, c := range cs {
			a, b := int32(i), c.other
			if a > b {
				a, b = b, a
			}
			keep[uint64(a)<<32|uint64(b)] = true
		}
	}
	out := make([][2]int32, 0, len(keep))
	for k := range keep {
		out = append(out, [2]int32{int32(k >> 32), int32(k & 0xffffffff)})
	}
	slices.SortFunc(out, func(x, y [2]int32) int {
		if x[0] != y[0] {
			return int(x[0] - y[0])
		}
		return int(x[1] - y[1])
	})
	return out, nil
}
