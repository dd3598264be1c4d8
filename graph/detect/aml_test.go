package detect

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// amlT is a hand-made payment: from, to, amount in cents, hours after a fixed start.
type amlT struct {
	from, to string
	cents    int64
	hours    float64
}

var amlStart = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

func amlInput(ts []amlT) Input {
	in := Input{}
	for i, t := range ts {
		in.Txs = append(in.Txs, Tx{ID: fmt.Sprintf("t%02d", i), From: t.from, To: t.to, Amount: t.cents, Currency: "EUR",
			At: amlStart.Add(time.Duration(t.hours * float64(time.Hour))), Channel: "bank_transfer"})
	}
	return in
}

// subjects runs one rule and returns its subjects, sorted, and its signals.
func subjects(t *testing.T, rule string, ts []amlT) ([]string, []Signal) {
	t.Helper()
	res := Detect(amlInput(ts), Default(), Options{Rules: []string{rule}})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	var out []string
	for _, s := range res.Signals {
		if !slices.Contains(out, s.Subject) {
			out = append(out, s.Subject)
		}
	}
	slices.Sort(out)
	return out, res.Signals
}

func TestCycle(t *testing.T) {
	for _, tc := range []struct {
		name string
		ts   []amlT
		want []string
	}{
		{"a loop of four, each passing most on, in order", []amlT{{"a", "b", 100000, 0}, {"b", "c", 97000, 5}, {"c", "d", 95000, 30}, {"d", "a", 93000, 50}},
			[]string{"a", "b", "c", "d"}},
		{"a pair paying back", []amlT{{"a", "b", 50000, 0}, {"b", "a", 49000, 24}}, []string{"a", "b"}},
		{"the loop out of time order", []amlT{{"a", "b", 100000, 50}, {"b", "c", 97000, 5}, {"c", "d", 95000, 30}, {"d", "a", 93000, 0}}, nil},
		{"the loop past the window", []amlT{{"a", "b", 100000, 0}, {"b", "c", 97000, 5}, {"c", "d", 95000, 30}, {"d", "a", 93000, 31 * 24}}, nil},
		{"an amount that shrinks too much", []amlT{{"a", "b", 100000, 0}, {"b", "c", 50000, 5}, {"c", "a", 49000, 30}}, nil},
		{"an amount that grows", []amlT{{"a", "b", 100000, 0}, {"b", "c", 120000, 5}, {"c", "a", 119000, 30}}, nil},
		{"a loop of seven is too long", []amlT{{"a", "b", 1000, 0}, {"b", "c", 1000, 1}, {"c", "d", 1000, 2}, {"d", "e", 1000, 3}, {"e", "f", 1000, 4}, {"f", "g", 1000, 5}, {"g", "a", 1000, 6}}, nil},
		{"a chain that does not close", []amlT{{"a", "b", 1000, 0}, {"b", "c", 1000, 1}, {"c", "d", 1000, 2}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, sigs := subjects(t, "cycle", tc.ts)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("subjects %v, want %v", got, tc.want)
			}
			for _, s := range sigs {
				if len(s.Evidence.Transactions) != len(tc.want) || s.Key == "" || !strings.Contains(s.Summary, "cycle of") {
					t.Errorf("signal %+v", s)
				}
			}
		})
	}
	// Two paths around the same loop (a repeated transfer) are one cycle.
	_, sigs := subjects(t, "cycle", []amlT{{"a", "b", 1000, 0}, {"a", "b", 1000, 1}, {"b", "a", 1000, 2}})
	if len(sigs) != 2 {
		t.Errorf("repeated transfers gave %d signals, want 2 (one cycle, two members)", len(sigs))
	}
}

func TestFanIn(t *testing.T) {
	var same, plain, bursts, near []amlT
	for i := range 5 {
		same = append(same, amlT{fmt.Sprintf("s%d", i), "hub", 23408, float64(i * 24 * 7)}) // one fixed figure, weekly
	}
	for i := range 12 {
		plain = append(plain, amlT{fmt.Sprintf("s%d", i), "hub", int64(1000 + 37*i), float64(i * 10)})
	}
	for i := range 3 {
		s := fmt.Sprintf("s%d", i)
		bursts = append(bursts, amlT{s, "hub", 480, float64(i * 30)}, amlT{s, "hub", 520, float64(i*30) + 2})
	}
	for i := range 4 {
		near = append(near, amlT{fmt.Sprintf("s%d", i), "hub", 23408, float64(i * 24 * 7)}) // one sender short
	}
	for _, tc := range []struct {
		name     string
		ts       []amlT
		hubOnly  bool
		strength float64 // the hub's, at least
		none     bool
	}{
		{"the same amount from five senders", same, false, 0.6, false},
		{"twelve senders in a week, nothing coordinated", plain, true, 0.3, false},
		{"three senders each splitting into a burst", bursts, false, 0.6, false},
		{"the same amount from four senders", near, false, 0, true},
		{"eleven senders in a week", plain[:11], false, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, sigs := subjects(t, "fan_in", tc.ts)
			if tc.none {
				if len(got) != 0 {
					t.Fatalf("signals on %v", got)
				}
				return
			}
			var hub *Signal
			for i := range sigs {
				if sigs[i].Subject == "hub" && sigs[i].Key == "" {
					hub = &sigs[i]
				}
			}
			if hub == nil || hub.Strength < tc.strength {
				t.Fatalf("hub signal %+v, want strength >= %v", hub, tc.strength)
			}
			if tc.hubOnly && len(got) != 1 {
				t.Errorf("a plain fan-in flagged the senders too: %v", got)
			}
			if !tc.hubOnly && len(got) < 4 {
				t.Errorf("coordinated fan-in: subjects %v, want the hub and its senders", got)
			}
		})
	}
}

func TestFanOut(t *testing.T) {
	var ts []amlT
	for i := range 15 {
		ts = append(ts, amlT{"src", fmt.Sprintf("r%d", i), int64(2000 + 13*i), float64(i)})
	}
	if got, _ := subjects(t, "fan_out", ts); !slices.Equal(got, []string{"src"}) {
		t.Errorf("fifteen receivers in a day: %v", got)
	}
	if got, _ := subjects(t, "fan_out", ts[:14]); len(got) != 0 {
		t.Errorf("fourteen receivers: %v", got)
	}
}

func TestScatterGather(t *testing.T) {
	ts := []amlT{
		{"src", "m1", 100000, 0}, {"src", "m2", 100000, 1}, {"src", "m3", 100000, 2},
		{"m1", "sink", 95000, 10}, {"m2", "sink", 96000, 20}, {"m3", "sink", 90000, 40},
	}
	got, _ := subjects(t, "scatter_gather", ts)
	if !slices.Equal(got, []string{"m1", "m2", "m3", "sink", "src"}) {
		t.Errorf("scatter-gather: %v", got)
	}
	late := slices.Clone(ts)
	late[5].hours = 2 + 73 // m3 passes on after more than 72h
	if got, _ := subjects(t, "scatter_gather", late); len(got) != 0 {
		t.Errorf("with a late leg: %v", got)
	}
	small := slices.Clone(ts)
	small[4].cents = 50000 // m2 keeps half
	if got, _ := subjects(t, "scatter_gather", small); len(got) != 0 {
		t.Errorf("with a leg that keeps half: %v", got)
	}
}

func TestGatherScatter(t *testing.T) {
	var ts []amlT
	for i := range 4 {
		ts = append(ts, amlT{fmt.Sprintf("s%d", i), "hub", 50000, float64(i)})
	}
	for i := range 4 {
		ts = append(ts, amlT{"hub", fmt.Sprintf("d%d", i), 48000, float64(10 + i)})
	}
	if got, _ := subjects(t, "gather_scatter", ts); !slices.Equal(got, []string{"hub"}) {
		t.Errorf("gather-scatter: %v", got)
	}
	// Paying out only a third of it is not passing it on.
	for i := 4; i < 8; i++ {
		ts[i].cents = 16000
	}
	if got, _ := subjects(t, "gather_scatter", ts); len(got) != 0 {
		t.Errorf("keeping two thirds: %v", got)
	}
}

func TestLayering(t *testing.T) {
	chain := []amlT{{"a", "b", 100000, 0}, {"b", "c", 98000, 6}, {"c", "d", 96000, 20}, {"d", "e", 94000, 40}}
	got, sigs := subjects(t, "layering", chain)
	if !slices.Equal(got, []string{"a", "b", "c", "d", "e"}) || len(sigs) != 5 || len(sigs[0].Evidence.Transactions) != 4 {
		t.Fatalf("chain of four: %v %+v", got, sigs)
	}
	if got, _ := subjects(t, "layering", chain[:3]); len(got) != 0 {
		t.Errorf("chain of three: %v", got)
	}
	slow := slices.Clone(chain)
	slow[3].hours = 20 + 49
	if got, _ := subjects(t, "layering", slow); len(got) != 0 {
		t.Errorf("a hop after more than 48h: %v", got)
	}
}

func TestShapesIgnoreMerchants(t *testing.T) {
	in := amlInput([]amlT{{"a", "b", 1000, 0}, {"b", "a", 1000, 1}})
	in.Txs[1].ToMerchant = true
	if res := Detect(in, Default(), Options{Rules: []string{"cycle"}}); len(res.Signals) != 0 {
		t.Errorf("a card payment closed a cycle: %+v", res.Signals)
	}
}
