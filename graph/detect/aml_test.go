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
		// c pays someone else first, so it is numbered lowest and the search starts from it, in
		// the middle of the cycle's own order.
		{"a loop found from a member that pays last", []amlT{{"c", "x", 5000, -10}, {"a", "b", 100000, 0}, {"b", "c", 97000, 5}, {"c", "a", 95000, 10}},
			[]string{"a", "b", "c"}},
		{"the same loop with its last hop too early", []amlT{{"c", "x", 5000, -10}, {"a", "b", 100000, 0}, {"b", "c", 97000, 5}, {"c", "a", 95000, 4}}, nil},
		{"the same loop gaining money on the way", []amlT{{"c", "x", 5000, -10}, {"a", "b", 100000, 0}, {"b", "c", 97000, 5}, {"c", "a", 102000, 10}}, nil},
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

// detectWith runs one rule with the defaults changed by yaml.
func detectWith(t *testing.T, rule, yaml string, ts []amlT) *Result {
	t.Helper()
	cfg, err := ParseConfig(strings.NewReader(yaml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res := Detect(amlInput(ts), cfg, Options{Rules: []string{rule}})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	return res
}

// TestCycleBounds: a dense clique holds thousands of cycles; the search reports at most
// maxPerStart from each start, stops at its budget, and says so in the facts.
func TestCycleBounds(t *testing.T) {
	var ts []amlT
	const n = 9 // every pair both ways: thousands of cycles of 2 to 6
	for i := range n {
		for j := range n {
			if i != j {
				ts = append(ts, amlT{fmt.Sprintf("n%d", i), fmt.Sprintf("n%d", j), 1000, float64(i*n + j)})
			}
		}
	}
	res := detectWith(t, "cycle", "rules:\n  cycle: {timeOrdered: false, maxPerStart: 5, budget: 1000000}\n", ts)
	perStart := map[string]map[string]bool{} // lowest member -> cycle keys
	skipped := 0
	for _, s := range res.Signals {
		low := slices.Min(s.Evidence.Entities)
		if perStart[low] == nil {
			perStart[low] = map[string]bool{}
		}
		perStart[low][s.Key] = true
		skipped = max(skipped, s.Evidence.Facts["cyclesSkipped"].(int))
		if s.Evidence.Facts["budgetExhausted"] != false {
			t.Fatalf("a budget of a million steps ran out: %+v", s.Evidence.Facts)
		}
	}
	for low, keys := range perStart {
		if len(keys) > 5 {
			t.Errorf("%d cycles reported from %s, at most 5 wanted", len(keys), low)
		}
	}
	if len(perStart) == 0 || skipped < 100 {
		t.Errorf("starts %d, skipped %d: the clique's cycles should be counted past maxPerStart", len(perStart), skipped)
	}
	// A small budget stops the search and says so; it still finds the first cycles.
	res = detectWith(t, "cycle", "rules:\n  cycle: {timeOrdered: false, maxPerStart: 1000, budget: 50}\n", ts)
	if len(res.Signals) == 0 {
		t.Fatal("a budget of 50 steps found no cycle")
	}
	// The search from n0 has the whole clique above it and runs out; from n7 it has only n8
	// and finishes.
	for _, s := range res.Signals {
		switch low := slices.Min(s.Evidence.Entities); {
		case low == "n0" && s.Evidence.Facts["budgetExhausted"] != true:
			t.Fatalf("the search from n0 stopped within 50 steps without saying so: %+v", s.Evidence.Facts)
		case low == "n7" && s.Evidence.Facts["budgetExhausted"] != false:
			t.Fatalf("the search from n7 (one cycle) ran out of 50 steps: %+v", s.Evidence.Facts)
		}
	}
	// Out of time order, the loop that the default rejects is found when order is not required.
	loop := []amlT{{"a", "b", 100000, 50}, {"b", "c", 97000, 5}, {"c", "d", 95000, 30}, {"d", "a", 93000, 0}}
	res = detectWith(t, "cycle", "rules:\n  cycle: {timeOrdered: false}\n", loop)
	if len(res.Signals) != 4 || res.Signals[0].Evidence.Facts["timeOrdered"] != false || res.Signals[0].Strength != 0.85 {
		t.Errorf("the unordered loop: %+v", res.Signals)
	}
	if tx := res.Signals[0].Evidence.Transactions; !slices.Equal(tx, []string{"t03", "t01", "t02", "t00"}) {
		t.Errorf("evidence %v, want oldest first", tx)
	}
}

func TestLayering(t *testing.T) {
	chain := []amlT{{"a", "b", 100000, 0}, {"b", "c", 98000, 6}, {"c", "d", 96000, 20}, {"d", "e", 94000, 40}}
	got, sigs := subjects(t, "layering", chain)
	if !slices.Equal(got, []string{"a", "b", "c", "d", "e"}) || len(sigs) != 5 || len(sigs[0].Evidence.Transactions) != 4 {
		t.Fatalf("chain of four: %v %+v", got, sigs)
	}
	if sigs[0].Key == "" || sigs[0].Strength != 0.6 || sigs[0].Evidence.Facts["hops"] != 4 {
		t.Errorf("signal %+v", sigs[0])
	}
	for _, tc := range []struct {
		name   string
		change func(ts []amlT) []amlT
	}{
		{"chain of three", func(ts []amlT) []amlT { return ts[:3] }},
		{"a hop after more than 48h", func(ts []amlT) []amlT { ts[3].hours = 20 + 49; return ts }},
		{"a hop that keeps more than the fee (84%)", func(ts []amlT) []amlT { ts[2].cents = 98000 * 84 / 100; return ts }},
		{"a hop that grows", func(ts []amlT) []amlT { ts[2].cents = 98001; return ts }},
		{"a hop before the money arrived", func(ts []amlT) []amlT { ts[3].hours = 19; return ts }},
		{"a chain back to an account on it", func(ts []amlT) []amlT { ts[3].to = "b"; return ts }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, _ := subjects(t, "layering", tc.change(slices.Clone(chain))); len(got) != 0 {
				t.Errorf("signals on %v", got)
			}
		})
	}
	// Just within the limits: a hop after 48h exactly, a hop keeping 85%.
	edge := slices.Clone(chain)
	edge[3].hours = 20 + 48
	edge[2].cents = 98000 * 85 / 100
	edge[3].cents = edge[2].cents
	if got, _ := subjects(t, "layering", edge); len(got) != 5 {
		t.Errorf("a chain at the limits: %v", got)
	}
	// Any order (timeOrdered: false): the hop before the money arrived counts; the gap between
	// neighbouring hops is still bounded either way.
	early := slices.Clone(chain)
	early[3].hours = 19
	res := detectWith(t, "layering", "rules:\n  layering: {timeOrdered: false}\n", early)
	if len(res.Signals) != 5 || res.Signals[0].Evidence.Facts["timeOrdered"] != false {
		t.Fatalf("an unordered chain: %+v", res.Signals)
	}
	if tx := res.Signals[0].Evidence.Transactions; !slices.Equal(tx, []string{"t00", "t01", "t03", "t02"}) {
		t.Errorf("evidence %v, want oldest first", tx)
	}
	early[3].hours = 20 - 49
	if res := detectWith(t, "layering", "rules:\n  layering: {timeOrdered: false}\n", early); len(res.Signals) != 0 {
		t.Errorf("a hop 49h before the previous: %+v", res.Signals)
	}
}

func TestShapesIgnoreMerchants(t *testing.T) {
	in := amlInput([]amlT{{"a", "b", 1000, 0}, {"b", "a", 1000, 1}})
	in.Txs[1].ToMerchant = true
	if res := Detect(in, Default(), Options{Rules: []string{"cycle"}}); len(res.Signals) != 0 {
		t.Errorf("a card payment closed a cycle: %+v", res.Signals)
	}
}
