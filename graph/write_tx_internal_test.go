package graph

import (
	"testing"
	"time"
)

func TestSameValue(t *testing.T) {
	at := time.Date(2026, 3, 1, 22, 30, 0, 0, time.UTC)
	manila := time.FixedZone("PHT", 8*3600)
	for _, tt := range []struct {
		name   string
		stored any
		v      any
		want   bool
	}{
		{"same string", "EUR", "EUR", true},
		{"other string", "EUR", "PHP", false},
		{"same amount", int64(2500), int64(2500), true},
		{"amount vs missing", nil, int64(2500), false},
		{"same instant, other zone", at.In(manila), at, true},
		{"other instant", at.Add(time.Second), at, false},
		{"time vs string", "2026-03-01", at, false},
		{"string list", []any{"a", "b"}, []string{"a", "b"}, true},
		{"string list, other order", []any{"b", "a"}, []string{"a", "b"}, false},
		{"string list, shorter", []any{"a"}, []string{"a", "b"}, false},
		{"int list", []any{int64(1), int64(2)}, []int64{1, 2}, true},
		{"int list vs strings", []any{"1", "2"}, []int64{1, 2}, false},
		{"list vs scalar", "a", []string{"a"}, false},
	} {
		if got := sameValue(tt.stored, tt.v); got != tt.want {
			t.Errorf("%s: sameValue(%#v, %#v) = %v, want %v", tt.name, tt.stored, tt.v, got, tt.want)
		}
	}
}

// A corrected amount takes the old contribution off and adds the new one: the FLOW keeps one
// transaction with the new total. A transaction without amount or currency has no FLOW.
func TestFlowDeltas(t *testing.T) {
	at := time.Date(2026, 1, 5, 21, 0, 0, 0, time.UTC)
	f := flowDeltas{}
	f.add("a", "b", map[string]any{"amount": int64(2500), "currency": "EUR", "timestamp": at}, -1)
	f.add("a", "b", map[string]any{"amount": int64(3000), "currency": "EUR", "timestamp": at}, 1)
	f.add("a", "c", map[string]any{"amount": int64(100), "currency": "EUR"}, -1)
	f.add("a", "d", map[string]any{"currency": "EUR"}, 1)
	f.add("", "b", map[string]any{"amount": int64(1), "currency": "EUR"}, 1)
	rows := f.rows()
	if len(rows) != 2 {
		t.Fatalf("rows = %v, want a->b and a->c", rows)
	}
	if r := rows[0]; r["to"] != "b" || r["count"] != int64(0) || r["total"] != int64(500) || r["first"] != at {
		t.Errorf("a->b = %v, want count 0, total +500, first %v", r, at)
	}
	if r := rows[1]; r["to"] != "c" || r["count"] != int64(-1) || r["total"] != int64(-100) || r["first"] != nil {
		t.Errorf("a->c = %v, want count -1, total -100, no first", r)
	}
}
