package graph

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Stream writes the batches of one load from one source. It remembers, for the nodes and
// relationships that records repeat (a customer, their account, e-mail and HOLDS on every one of
// their payments), what it already wrote in this load, and does not write them again while a
// record adds nothing new: same properties, references already kept (or the 20 kept already).
// A record that repeats a subset of the properties written (a payee's side of a payment knows
// less of an account than its holder's) adds nothing either. A record that only widens the time span the source saw the fact in is remembered and the
// span written by Close. Memory is bounded: past streamMemo facts, the spans are written and
// the memory starts again.
//
// Writing through a Stream ends in the same graph as WriteBatch would: loading a file twice
// changes nothing, and a load interrupted before Close and run again ends as one clean load.
type Stream struct {
	s     *Store
	src   Source
	memo  *memo
	stats WriteStats
}

// streamMemo bounds the facts a Stream remembers (a few hundred bytes each).
const streamMemo = 200_000

// Stream starts a load from src.
func (s *Store) Stream(src Source) *Stream {
	return &Stream{s: s, src: src, memo: &memo{entries: map[string]*memoEntry{}, max: streamMemo}}
}

// WriteBatch writes one batch in one transaction, as Store.WriteBatch does, skipping what this
// stream wrote already.
func (st *Stream) WriteBatch(ctx context.Context, b Batch) (WriteStats, error) {
	stats, err := st.s.writeBatch(ctx, st.src, b, st.memo)
	if err != nil {
		return stats, err
	}
	if len(st.memo.entries) > st.memo.max {
		fs, err := st.flush(ctx)
		stats.Add(fs)
		if err != nil {
			return stats, err
		}
		clear(st.memo.entries)
	}
	return stats, nil
}

// Close writes the time spans remembered and not written yet. The stream can be used again.
func (st *Stream) Close(ctx context.Context) (WriteStats, error) {
	return st.flush(ctx)
}

// flush writes the pending spans, in transactions of up to 10,000 facts.
func (st *Stream) flush(ctx context.Context) (WriteStats, error) {
	var total WriteStats
	type group struct {
		query string
		rows  []map[string]any
		keys  []string
	}
	groups := map[string]*group{}
	keys := make([]string, 0)
	for k, e := range st.memo.entries {
		if e.pfirst.IsZero() && e.plast.IsZero() {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		e := st.memo.entries[k]
		first, last := e.seen()
		var g *group
		var row map[string]any
		if e.typ == "" {
			if g = groups[""]; g == nil {
				g = &group{query: nodeSpanQuery}
				groups[""] = g
			}
			row = map[string]any{"id": e.id, "first": timeOrNil(first), "last": timeOrNil(last)}
		} else {
			if g = groups[string(e.typ)]; g == nil {
				g = &group{query: edgeSpanQuery(e.typ)}
				groups[string(e.typ)] = g
			}
			row = map[string]any{"from": e.from, "to": e.to, "first": timeOrNil(first), "last": timeOrNil(last)}
		}
		g.rows = append(g.rows, row)
		g.keys = append(g.keys, k)
	}
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	sort.Strings(names)
	sess := st.s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: st.s.db, AccessMode: neo4j.AccessModeWrite})
	defer sess.Close(ctx)
	for _, n := range names {
		g := groups[n]
		for i := 0; i < len(g.rows); i += 10000 {
			j := min(i+10000, len(g.rows))
			res, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
				s := &stmt{ctx: ctx, tx: tx}
				err := s.exec(g.query, map[string]any{"rows": g.rows[i:j], "source": st.src.ID()})
				return s.st, err
			})
			if err != nil {
				return total, translate("write time spans", err)
			}
			total.Add(res.(WriteStats))
			for _, k := range g.keys[i:j] {
				e := st.memo.entries[k]
				e.first, e.last = e.seen()
				e.pfirst, e.plast = time.Time{}, time.Time{}
			}
		}
	}
	return total, nil
}

// nodeSpanQuery widens the first/last seen of nodes and of their provenance from the source.
var nodeSpanQuery = `
MATCH (s:Source {id: $source})
UNWIND $rows AS row
MATCH (n:Entity {id: row.id})-[p:SOURCED_FROM]->(s)
SET ` + widenSeen("n") + `, ` + widenSeen("p")

// edgeSpanQuery widens the first/last seen of relationships (without a key) of one type.
func edgeSpanQuery(t RelType) string {
	return fmt.Sprintf(`
UNWIND $rows AS row
MATCH (a:Entity {id: row.from})-[r:%s]->(b:Entity {id: row.to})
WHERE r.key IS NULL
SET %s`, t, widenSeen("r"))
}

// memo is what a Stream wrote in this load, per fact: nodes by "n\x00"+id, relationships by
// "e"+type+from+to+key.
type memo struct {
	entries map[string]*memoEntry
	max     int
}

type memoEntry struct {
	props         []propHash // each property's value as last written, sorted by name hash
	refs          []uint64   // hashes of the references written, at most maxRefs
	first, last   time.Time  // the span written
	pfirst, plast time.Time  // seen by records that were not written: Close writes them
	id            string     // the node, or
	typ           RelType    // the relationship
	from, to      string
}

// memoUpdate is what the memo learns of one fact when its batch commits.
type memoUpdate struct {
	key         string
	skip        bool // not written: only the span is remembered
	props       []propHash
	refs        []uint64
	first, last time.Time // the span written, or seen when skipped
	id          string
	typ         RelType
	from, to    string
}

// check decides whether a fact needs writing, and returns what to remember of it. When it is
// written, its span includes what skipped records saw before.
func (m *memo) check(key string, props map[string]any, refs []string, first, last time.Time) (memoUpdate, bool) {
	u := memoUpdate{key: key, props: make([]propHash, 0, len(props)), first: first, last: last}
	for k, v := range props {
		u.props = append(u.props, propHash{hashString(k), hashValue(v)})
	}
	sortProps(u.props)
	u.refs = make([]uint64, len(refs))
	for i, r := range refs {
		u.refs[i] = hashString(r)
	}
	e := m.entries[key]
	if e == nil {
		return u, false
	}
	if e.hasProps(u.props) && e.covers(u.refs) {
		u.skip = true
		return u, true
	}
	u.first, u.last = span(u.first, u.last, e.pfirst)
	u.first, u.last = span(u.first, u.last, e.plast) // what skipped records saw, written with it
	return u, false
}

// propHash is a property as a memo keeps it: the hashes of its name and of its value. A sorted
// slice of them costs a fifth of a map, and a Stream keeps one per fact.
type propHash struct{ k, v uint64 }

func sortProps(ps []propHash) {
	slices.SortFunc(ps, func(a, b propHash) int { return cmp.Compare(a.k, b.k) })
}

// hasProps reports whether every property (sorted) has the value last written.
func (e *memoEntry) hasProps(props []propHash) bool {
	i := 0
	for _, p := range props {
		for i < len(e.props) && e.props[i].k < p.k {
			i++
		}
		if i == len(e.props) || e.props[i] != p {
			return false
		}
	}
	return true
}

// setProps records props (sorted) as written: new names added, known ones take the new value.
func (e *memoEntry) setProps(props []propHash) {
	if e.hasProps(props) {
		return
	}
	merged := make([]propHash, 0, len(e.props)+len(props))
	i, j := 0, 0
	for i < len(e.props) || j < len(props) {
		switch {
		case j == len(props) || (i < len(e.props) && e.props[i].k < props[j].k):
			merged = append(merged, e.props[i])
			i++
		case i == len(e.props) || props[j].k < e.props[i].k:
			merged = append(merged, props[j])
			j++
		default: // same name: the new value
			merged = append(merged, props[j])
			i, j = i+1, j+1
		}
	}
	e.props = slices.Clip(merged)
}

// seen is the span written widened by what skipped records saw.
func (e *memoEntry) seen() (first, last time.Time) {
	first, last = span(e.first, e.last, e.pfirst)
	return span(first, last, e.plast)
}

func (e *memoEntry) covers(refs []uint64) bool {
	if len(e.refs) >= maxRefs {
		return true
	}
	for _, r := range refs {
		found := false
		for _, x := range e.refs {
			if x == r {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// commit applies what a committed batch taught; nil memo (WriteBatch) learns nothing.
func (m *memo) commit(us []memoUpdate) {
	if m == nil {
		return
	}
	for _, u := range us {
		e := m.entries[u.key]
		if e == nil {
			e = &memoEntry{id: u.id, typ: u.typ, from: u.from, to: u.to}
			m.entries[u.key] = e
		}
		if u.skip {
			// Only what lies outside the span written is pending.
			for _, t := range []time.Time{u.first, u.last} {
				if !t.IsZero() && (e.first.IsZero() || t.Before(e.first) || t.After(e.last)) {
					e.pfirst, e.plast = span(e.pfirst, e.plast, t)
				}
			}
			continue
		}
		e.setProps(u.props)
		for _, r := range u.refs {
			if len(e.refs) >= maxRefs {
				break
			}
			if !e.covers([]uint64{r}) {
				e.refs = append(e.refs, r)
			}
		}
		e.first, e.last = span(e.first, e.last, u.first)
		e.first, e.last = span(e.first, e.last, u.last)
		e.pfirst, e.plast = time.Time{}, time.Time{}
	}
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// hashValue hashes a property value as propValue leaves it.
func hashValue(v any) uint64 {
	h := fnv.New64a()
	var buf [8]byte
	num := func(v uint64) {
		binary.LittleEndian.PutUint64(buf[:], v)
		h.Write(buf[:])
	}
	switch x := v.(type) {
	case string:
		h.Write([]byte{'s'})
		h.Write([]byte(x))
	case int64:
		h.Write([]byte{'i'})
		num(uint64(x))
	case float64:
		h.Write([]byte{'f'})
		num(math.Float64bits(x))
	case bool:
		if x {
			h.Write([]byte{'T'})
		} else {
			h.Write([]byte{'F'})
		}
	case time.Time:
		h.Write([]byte{'t'})
		num(uint64(x.UnixNano()))
	case []string:
		h.Write([]byte{'S'})
		for _, s := range x {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
	case []int64:
		h.Write([]byte{'I'})
		for _, v := range x {
			num(uint64(v))
		}
	default:
		fmt.Fprintf(h, "?%v", x)
	}
	return h.Sum64()
}
