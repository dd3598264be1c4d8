package graph

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// TestMemoCheck follows one fact through a Stream's memo: what a record repeats is skipped,
// what it adds or changes is written, and the memo learns only from committed batches.
func TestMemoCheck(t *testing.T) {
	at := time.Date(2026, 3, 1, 22, 30, 0, 0, time.UTC)
	m := &memo{entries: map[string]*memoEntry{}, max: 10}
	key := "n\x00acct:1"
	full := map[string]any{"accountNumber": "1", "iban": "DE89370400440532013000", "country": "DE"}
	steps := []struct {
		name     string
		props    map[string]any
		refs     []string
		seen     time.Time
		wantSkip bool
	}{
		{"first record is written", full, []string{"line 2"}, at, false},
		{"the same record again is skipped", full, []string{"line 2"}, at, true},
		{"a subset of the properties is skipped", map[string]any{"iban": "DE89370400440532013000"}, []string{"line 2"}, at, true},
		{"no properties at all is skipped", nil, []string{"line 2"}, at, true},
		{"a changed value is written", map[string]any{"country": "NL"}, []string{"line 2"}, at, false},
		{"the old value again is written", map[string]any{"country": "DE"}, []string{"line 2"}, at, false},
		{"a new property is written", map[string]any{"bic": "COBADEFFXXX"}, []string{"line 2"}, at, false},
		{"all properties so far are skipped", map[string]any{"accountNumber": "1", "iban": "DE89370400440532013000", "country": "DE", "bic": "COBADEFFXXX"}, []string{"line 2"}, at, true},
		{"a new reference is written", nil, []string{"line 3"}, at, false},
		{"refs 4 to 6 are written", nil, []string{"line 4", "line 5", "line 6"}, at, false},
		{"past maxRefs references are skipped", nil, []string{"line 7"}, at, true},
		{"a later time alone is skipped (and pending)", nil, []string{"line 8"}, at.Add(time.Hour), true},
	}
	for _, s := range steps {
		u, skip := m.check(key, s.props, s.refs, s.seen, s.seen)
		if skip != s.wantSkip {
			t.Fatalf("%s: skip = %v, want %v", s.name, skip, s.wantSkip)
		}
		u.id = u.key[2:]
		m.commit([]memoUpdate{u})
	}
	e := m.entries[key]
	if len(e.refs) != maxRefs {
		t.Errorf("refs kept = %d, want %d", len(e.refs), maxRefs)
	}
	if len(e.props) != 4 {
		t.Errorf("properties kept = %d, want 4", len(e.props))
	}
	first, last := e.seen()
	if !first.Equal(at) || !last.Equal(at.Add(time.Hour)) {
		t.Errorf("seen = %v..%v, want %v..%v", first, last, at, at.Add(time.Hour))
	}
	if e.id != "acct:1" {
		t.Errorf("id = %q", e.id)
	}
}

func TestMemoSetProps(t *testing.T) {
	for _, tt := range []struct {
		name      string
		have, add []propHash
		want      []propHash
	}{
		{"into nothing", nil, []propHash{{1, 10}, {3, 30}}, []propHash{{1, 10}, {3, 30}}},
		{"interleaved", []propHash{{1, 10}, {3, 30}}, []propHash{{2, 20}, {4, 40}}, []propHash{{1, 10}, {2, 20}, {3, 30}, {4, 40}}},
		{"new value wins", []propHash{{1, 10}, {3, 30}}, []propHash{{3, 31}}, []propHash{{1, 10}, {3, 31}}},
		{"nothing new", []propHash{{1, 10}, {3, 30}}, []propHash{{1, 10}}, []propHash{{1, 10}, {3, 30}}},
		{"before all", []propHash{{5, 50}}, []propHash{{1, 10}, {5, 51}}, []propHash{{1, 10}, {5, 51}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := &memoEntry{props: tt.have}
			e.setProps(tt.add)
			if fmt.Sprint(e.props) != fmt.Sprint(tt.want) {
				t.Errorf("props = %v, want %v", e.props, tt.want)
			}
			if !e.hasProps(tt.add) {
				t.Errorf("hasProps(%v) = false after setProps", tt.add)
			}
		})
	}
}

// BenchmarkMemoFootprint reports the heap a Stream's memo keeps per fact (an account node with
// three properties and a HOLDS edge, as a bank export repeats them): the memo is bounded by
// streamMemo facts, so this times streamMemo is what a load's memory may grow by.
func BenchmarkMemoFootprint(b *testing.B) {
	const n = 100_000
	at := time.Date(2026, 3, 1, 22, 30, 0, 0, time.UTC)
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m := &memo{entries: map[string]*memoEntry{}, max: n}
		us := make([]memoUpdate, 0, 2)
		for j := 0; j < n/2; j++ {
			acct := fmt.Sprintf("acct:bank-%08d", j)
			person := fmt.Sprintf("person:bank-%08d", j)
			u, _ := m.check("n\x00"+acct, map[string]any{"accountNumber": fmt.Sprint(j), "country": "DE", "currency": "EUR"},
				[]string{fmt.Sprintf("line %d", j+2)}, at, at)
			u.id = u.key[2:]
			us = append(us[:0], u)
			k := "e" + string(RelHolds) + "\x00" + person + "\x00" + acct + "\x00"
			u, _ = m.check(k, nil, []string{fmt.Sprintf("line %d", j+2)}, at, at)
			f := 2 + len(RelHolds)
			u.typ, u.from, u.to = RelHolds, u.key[f:f+len(person)], u.key[f+len(person)+1:f+len(person)+1+len(acct)]
			us = append(us, u)
			m.commit(us)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/fact")
		runtime.KeepAlive(m)
	}
}
