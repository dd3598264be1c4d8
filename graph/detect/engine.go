package detect

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// ruleSpec is one rule: its name, family, indicator, parameters and code. Each family lists
// its rules in its own file (cseRules, crossRules, amlRules, networkRules).
type ruleSpec struct {
	Name      string
	Family    string
	Indicator string
	Describe  string                            // one line for docs and the API
	Rule      func(*Config) Rule                // the rule's common parameters
	Run       func(x *Index, emit func(Signal)) // emits the rule's signals; must not modify x
}

func allRules() []ruleSpec { return slices.Concat(cseRules, crossRules, amlRules, networkRules) }

// RuleInfo describes a rule for documentation and the API.
type RuleInfo struct {
	Name, Family, Indicator, Description string
	Weight                               float64
	Weak, Enabled                        bool
}

// Rules lists every rule with its configured weight.
func (c *Config) RuleList() []RuleInfo {
	var out []RuleInfo
	for _, r := range allRules() {
		rc := r.Rule(c)
		out = append(out, RuleInfo{Name: r.Name, Family: r.Family, Indicator: r.Indicator,
			Description: r.Describe, Weight: rc.Weight, Weak: rc.Weak, Enabled: rc.On()})
	}
	return out
}

// Options narrow a run.
type Options struct {
	// Rules, when not nil, runs only the rules named (none when empty).
	Rules []string
	// Subjects, when not nil, keeps only the signals and scores of these subjects (an
	// incremental run: the input holds their neighbourhood, and other subjects' view of it is
	// partial).
	Subjects map[string]bool
}

// Result is what a run finds.
type Result struct {
	Signals  []Signal      // sorted by subject, rule, key
	Scores   []Score       // one per subject with signals, highest first
	Rules    []RuleStat    // per rule: signals, subjects, time taken
	Duration time.Duration // the whole run
	Index    time.Duration // building the index
	Errors   []error       // rules that panicked (the others' results stand)
	config   *Config
	bySubj   map[string][]int // signal indexes by subject
	byScored map[string]int
}

// RuleStat is one rule's share of a run.
type RuleStat struct {
	Rule     string
	Family   string
	Signals  int
	Subjects int
	Duration time.Duration
}

// Detect runs the enabled rules over the input and scores the subjects.
func Detect(in Input, cfg *Config, o Options) *Result {
	start := time.Now()
	x := NewIndex(in, cfg)
	res := &Result{config: cfg, Index: time.Since(start)}
	var want map[string]bool
	if o.Rules != nil {
		want = map[string]bool{}
		for _, r := range o.Rules {
			want[r] = true
		}
	}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		sem  = make(chan struct{}, 4)
		sigs [][]Signal
	)
	// Two phases: the network rules look at the risk the other rules found (a community's share
	// of flagged members), so they run once those are done.
	for phase, specs := range [][]ruleSpec{slices.Concat(cseRules, crossRules, amlRules), networkRules} {
		if phase == 1 {
			wg.Wait()
			var first []Signal
			for _, s := range sigs {
				first = append(first, s...)
			}
			x.Prelim = prelimRisk(first, cfg)
		}
		for _, r := range specs {
			if !r.Rule(cfg).On() || (want != nil && !want[r.Name]) {
				continue
			}
			k := len(sigs)
			sigs = append(sigs, nil)
			res.Rules = append(res.Rules, RuleStat{Rule: r.Name, Family: r.Family})
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				t0 := time.Now()
				var out []Signal
				defer func() {
					if p := recover(); p != nil {
						mu.Lock()
						res.Errors = append(res.Errors, fmt.Errorf("rule %s: %v", r.Name, p))
						mu.Unlock()
					}
					subj := map[string]bool{}
					for _, s := range out {
						subj[s.Subject] = true
					}
					mu.Lock()
					sigs[k] = out
					res.Rules[k].Signals, res.Rules[k].Subjects, res.Rules[k].Duration = len(out), len(subj), time.Since(t0)
					mu.Unlock()
				}()
				r.Run(x, func(s Signal) {
					if o.Subjects != nil && !o.Subjects[s.Subject] {
						return
					}
					s.Rule, s.Family = r.Name, r.Family
					if s.Indicator == "" {
						s.Indicator = r.Indicator
					}
					s.Strength = math.Max(0, math.Min(1, s.Strength))
					capEvidence(&s.Evidence, cfg.MaxEvidence)
					out = append(out, s)
				})
			}()
		}
	}
	wg.Wait()
	for _, s := range sigs {
		res.Signals = append(res.Signals, s...)
	}
	slices.SortFunc(res.Signals, func(a, b Signal) int {
		return cmp.Or(cmp.Compare(a.Subject, b.Subject), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Key, b.Key), cmp.Compare(b.Strength, a.Strength))
	})
	// One signal per (subject, rule, key): a rule that reaches a subject twice keeps the
	// stronger.
	res.Signals = slices.CompactFunc(res.Signals, func(a, b Signal) bool {
		return a.Subject == b.Subject && a.Rule == b.Rule && a.Key == b.Key
	})
	res.score()
	res.Duration = time.Since(start)
	return res
}

// capEvidence keeps the first max transactions of the evidence.
func capEvidence(e *Evidence, max int) {
	if len(e.Transactions) > max {
		e.Truncated += len(e.Transactions) - max
		e.Transactions = e.Transactions[:max:max]
	}
}

// SignalsOf returns a subject's signals.
func (r *Result) SignalsOf(subject string) []Signal {
	var out []Signal
	for _, i := range r.bySubj[subject] {
		out = append(out, r.Signals[i])
	}
	return out
}

// ScoreOf returns a subject's score, or nil when no rule fired for it.
func (r *Result) ScoreOf(subject string) *Score {
	if i, ok := r.byScored[subject]; ok {
		return &r.Scores[i]
	}
	return nil
}

// ID is a signal's stable id: the same rule, subject and key give the same id in every run.
func (s Signal) ID() string { return "sig:" + shortHash(s.Rule, s.Subject, s.Key) }

// prelimRisk scores the subjects of the first phase's signals.
func prelimRisk(sigs []Signal, cfg *Config) map[string]float64 {
	by := map[string][]Signal{}
	for _, s := range sigs {
		by[s.Subject] = append(by[s.Subject], s)
	}
	rules := ruleParams(cfg)
	out := make(map[string]float64, len(by))
	for subj, ss := range by {
		out[subj] = scoreSignals(subj, ss, rules, cfg.Scoring).Risk
	}
	return out
}
