package detect

import (
	"strings"
	"testing"
	"time"
)

// scoreConfig is the default configuration with the network rules' weights and weakness set,
// so that the scoring tests do not move with the defaults.
func scoreConfig(t *testing.T, weakCentral bool) *Config {
	t.Helper()
	y := "scoring: {alertThreshold: 0.6, minRules: 2}\nrules:\n  risky_community: {weight: 0.5, weak: true}\n"
	if weakCentral {
		y += "  central_facilitator: {weight: 0.5, weak: true}\n"
	} else {
		y += "  central_facilitator: {weight: 0.5, weak: false}\n"
	}
	c, err := ParseConfig(strings.NewReader(y), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestScoreSignals(t *testing.T) {
	for _, tc := range []struct {
		name        string
		weakCentral bool
		sigs        []Signal
		risk        float64
		alert       bool
		reason      string
	}{
		{"one weak rule at full strength never alerts", true,
			[]Signal{{Rule: "risky_community", Strength: 1}}, 0.5, false, ""},
		{"the same rule twice counts once, the stronger", true,
			[]Signal{{Rule: "risky_community", Strength: 1, Key: "a"}, {Rule: "risky_community", Strength: 0.4, Key: "b"}}, 0.5, false, ""},
		{"two weak rules over the threshold alert", true,
			[]Signal{{Rule: "risky_community", Strength: 1}, {Rule: "central_facilitator", Strength: 1}}, 0.75, true, "2 indicators"},
		{"two weak rules under the threshold do not", true,
			[]Signal{{Rule: "risky_community", Strength: 0.5}, {Rule: "central_facilitator", Strength: 0.5}}, 0.4375, false, ""},
		{"a strong rule alone over the threshold alerts", false,
			[]Signal{{Rule: "central_facilitator", Strength: 1}, {Rule: "risky_community", Strength: 0.4}}, 0.6, true, "central_facilitator"},
		{"an unknown rule contributes nothing", true,
			[]Signal{{Rule: "retired_rule", Strength: 1}}, 0, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := ScoreSignals("s1", tc.sigs, scoreConfig(t, tc.weakCentral))
			if sc.Risk != tc.risk || sc.Alert != tc.alert {
				t.Fatalf("risk %v alert %v (%s), want %v %v", sc.Risk, sc.Alert, sc.AlertReason, tc.risk, tc.alert)
			}
			if tc.reason != "" && !strings.Contains(sc.AlertReason, tc.reason) {
				t.Errorf("reason %q lacks %q", sc.AlertReason, tc.reason)
			}
			if sc.Signals != len(tc.sigs) {
				t.Errorf("signals %d, want %d", sc.Signals, len(tc.sigs))
			}
			for i := 1; i < len(sc.Breakdown); i++ {
				if sc.Breakdown[i].Contribution > sc.Breakdown[i-1].Contribution {
					t.Errorf("breakdown not largest first: %+v", sc.Breakdown)
				}
			}
		})
	}
}

func TestNetworkRules(t *testing.T) {
	cfg := Default()
	// A community of five: a hub paid by four accounts, which pay into the Philippines.
	var txs []Tx
	members := []string{"hub", "a1", "a2", "a3", "a4"}
	for i, m := range members[1:] {
		txs = append(txs, Tx{ID: "t" + m, From: m, To: "hub", Amount: 5000, Currency: "EUR", At: scoreDay(i)},
			Tx{ID: "p" + m, From: m, To: "ph-" + m, Amount: 9000, Currency: "EUR", PayeeCountry: "PH", At: scoreDay(i)})
	}
	in := Input{Txs: txs, Facts: Facts{Communities: []CommunityFact{{ID: "c1", Members: members,
		PageRank: map[string]float64{"hub": 2.0, "a1": 0.2, "a2": 0.2, "a3": 0.2, "a4": 0.2}}}}}
	res := Detect(in, cfg, Options{Rules: []string{"risky_community", "central_facilitator"}})
	got := map[string][]string{}
	for _, s := range res.Signals {
		got[s.Rule] = append(got[s.Rule], s.Subject)
	}
	if len(got["risky_community"]) != 5 {
		t.Errorf("risky_community on %v, want all 5 members (money out: 36000 of 56000 EUR into PH)", got["risky_community"])
	}
	if len(got["central_facilitator"]) != 1 || got["central_facilitator"][0] != "hub" {
		t.Errorf("central_facilitator on %v, want [hub]", got["central_facilitator"])
	}
	// The same community paying at home is not risky.
	for i := range in.Txs {
		in.Txs[i].PayeeCountry = "DE"
	}
	if res := Detect(in, cfg, Options{Rules: []string{"risky_community", "central_facilitator"}}); len(res.Signals) != 0 {
		t.Errorf("a domestic community got %d signals: %+v", len(res.Signals), res.Signals[0])
	}
	// Too small a community is not considered.
	in.Facts.Communities[0].Members = members[:3]
	for i := range in.Txs {
		in.Txs[i].PayeeCountry = "PH"
	}
	if res := Detect(in, cfg, Options{Rules: []string{"risky_community"}}); len(res.Signals) != 0 {
		t.Errorf("a community of 3 got %d signals", len(res.Signals))
	}
}

func scoreDay(i int) time.Time { return time.Date(2025, 3, 1+i, 12, 0, 0, 0, time.UTC) }
