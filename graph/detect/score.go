package detect

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Score is one subject's risk: the signals' contributions combined as a noisy-OR,
// 1 − Π(1 − weight × strength), with one contribution per rule (the rule's strongest signal),
// so that a rule firing many times for one subject counts once. The breakdown lists each rule's
// contribution, largest first: a score is never a bare number.
type Score struct {
	Subject   string
	Risk      float64        // 0..1
	Breakdown []Contribution // by rule, largest first
	Alert     bool           // Risk reached Scoring.AlertThreshold and the signals may raise an alert (see AlertReason)
	// AlertReason says why the score raises an alert, or why it does not though it is over the
	// threshold ("only weak indicators: ...").
	AlertReason string
	Signals     int // how many signals the subject has
}

// Contribution is one rule's share of a score.
type Contribution struct {
	Rule         string
	Family       string
	Indicator    string
	Weight       float64 // the rule's configured weight
	Strength     float64 // its strongest signal's strength
	Contribution float64 // Weight × Strength
	Weak         bool
	Signals      int // the rule's signals for the subject
}

func (r *Result) score() {
	rules := ruleParams(r.config)
	r.bySubj = map[string][]int{}
	for i, s := range r.Signals {
		r.bySubj[s.Subject] = append(r.bySubj[s.Subject], i)
	}
	for subj, idx := range r.bySubj {
		sigs := make([]Signal, len(idx))
		for k, i := range idx {
			sigs[k] = r.Signals[i]
		}
		r.Scores = append(r.Scores, scoreSignals(subj, sigs, rules, r.config.Scoring))
	}
	slices.SortFunc(r.Scores, func(a, b Score) int {
		return cmp.Or(cmp.Compare(b.Risk, a.Risk), cmp.Compare(a.Subject, b.Subject))
	})
	r.byScored = make(map[string]int, len(r.Scores))
	for i, s := range r.Scores {
		r.byScored[s.Subject] = i
	}
}

// decideAlert applies the rule of the sources: no single weak indicator is enough. A score over
// the threshold raises an alert when a rule that is not weak contributes to it, or when at
// least MinRules distinct rules do.
func decideAlert(s Score, sc Scoring) (bool, string) {
	if s.Risk < sc.AlertThreshold {
		return false, ""
	}
	var strong, all []string
	for _, c := range s.Breakdown {
		if c.Contribution <= 0 {
			continue
		}
		all = append(all, c.Rule)
		if !c.Weak {
			strong = append(strong, c.Rule)
		}
	}
	switch {
	case len(strong) > 0:
		return true, fmt.Sprintf("risk %.2f ≥ %.2f with %s", s.Risk, sc.AlertThreshold, strings.Join(all, ", "))
	case len(all) >= sc.MinRules:
		return true, fmt.Sprintf("risk %.2f ≥ %.2f with %d indicators: %s", s.Risk, sc.AlertThreshold, len(all), strings.Join(all, ", "))
	default:
		return false, fmt.Sprintf("risk %.2f ≥ %.2f but only %d weak indicator(s): %s", s.Risk, sc.AlertThreshold, len(all), strings.Join(all, ", "))
	}
}

// ruleParams maps each rule's name to its common parameters.
func ruleParams(c *Config) map[string]Rule {
	rules := map[string]Rule{}
	for _, s := range allRules() {
		rules[s.Name] = s.Rule(c)
	}
	return rules
}

// ScoreSignals scores one subject from its signals (Rule and Strength are what count) with the
// configured weights: what graph does with the signals it has stored. A rule no longer
// configured contributes nothing.
func ScoreSignals(subject string, sigs []Signal, cfg *Config) Score {
	return scoreSignals(subject, sigs, ruleParams(cfg), cfg.Scoring)
}

func scoreSignals(subj string, sigs []Signal, rules map[string]Rule, sc Scoring) Score {
	byRule := map[string]*Contribution{}
	for _, s := range sigs {
		c := byRule[s.Rule]
		if c == nil {
			rc := rules[s.Rule]
			c = &Contribution{Rule: s.Rule, Family: s.Family, Indicator: s.Indicator, Weight: rc.Weight, Weak: rc.Weak}
			if !rc.On() {
				c.Weight = 0
			}
			byRule[s.Rule] = c
		}
		c.Signals++
		if s.Strength > c.Strength {
			c.Strength = s.Strength
		}
	}
	score := Score{Subject: subj, Signals: len(sigs)}
	for _, c := range byRule {
		c.Contribution = math.Round(c.Weight*c.Strength*1e4) / 1e4
		score.Breakdown = append(score.Breakdown, *c)
	}
	slices.SortFunc(score.Breakdown, func(a, b Contribution) int {
		return cmp.Or(cmp.Compare(b.Contribution, a.Contribution), cmp.Compare(a.Rule, b.Rule))
	})
	// Multiplied in the breakdown's order, not the map's: floating-point products depend on
	// the order, and the same signals must give the same score in every run.
	keep := 1.0
	for _, c := range score.Breakdown {
		keep *= 1 - c.Contribution
	}
	score.Risk = math.Round((1-keep)*1e4) / 1e4
	score.Alert, score.AlertReason = decideAlert(score, sc)
	return score
}
