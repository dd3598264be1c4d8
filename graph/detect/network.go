package detect

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// NetworkRules holds the parameters of the network rules (DOMAIN.md D2.17: hub-and-spoke
// facilitator networks show as money-flow communities with a high share of flagged members and
// of money into high-risk jurisdictions; their facilitators are central in them).
type NetworkRules struct {
	RiskyCommunity     RiskyCommunityRule     `yaml:"risky_community"`
	CentralFacilitator CentralFacilitatorRule `yaml:"central_facilitator"`
}

// RiskyCommunityRule flags the members of a money-flow community in which many members are
// flagged by other rules, or much of the money goes to high-risk jurisdictions.
type RiskyCommunityRule struct {
	Rule `yaml:",inline"`
	// MinSize is the smallest community considered.
	MinSize int `yaml:"minSize"`
	// MaxSize is the largest: a community of thousands is the economy, not a network.
	MaxSize int `yaml:"maxSize"`
	// FlaggedRisk is the risk (from the other rules) at which a member counts as flagged.
	FlaggedRisk float64 `yaml:"flaggedRisk"`
	// MinFlaggedShare is the share of flagged members that makes a community risky.
	MinFlaggedShare float64 `yaml:"minFlaggedShare"`
	// MinHRJShare is the share of the members' outgoing money (in euros) paid into high-risk
	// jurisdictions that makes a community risky on its own.
	MinHRJShare float64 `yaml:"minHRJShare"`
}

// CentralFacilitatorRule flags the most central members (PageRank over the money moved) of a
// risky community.
type CentralFacilitatorRule struct {
	Rule `yaml:",inline"`
	// Top is how many of a community's members, by PageRank, may be flagged.
	Top int `yaml:"top"`
	// MinRatio is how many times the community's mean PageRank a member must reach.
	MinRatio float64 `yaml:"minRatio"`
}

func (r *NetworkRules) validate(p *problems) {
	rc := r.RiskyCommunity
	p.rule("rules.risky_community", rc.Rule)
	if rc.MinSize < 2 {
		p.add("rules.risky_community.minSize", "must be at least 2, is %d", rc.MinSize)
	}
	if rc.MaxSize < rc.MinSize {
		p.add("rules.risky_community.maxSize", "must be at least minSize (%d), is %d", rc.MinSize, rc.MaxSize)
	}
	p.fraction("rules.risky_community.flaggedRisk", rc.FlaggedRisk)
	p.fraction("rules.risky_community.minFlaggedShare", rc.MinFlaggedShare)
	p.fraction("rules.risky_community.minHRJShare", rc.MinHRJShare)
	cf := r.CentralFacilitator
	p.rule("rules.central_facilitator", cf.Rule)
	if cf.Top < 1 {
		p.add("rules.central_facilitator.top", "must be at least 1, is %d", cf.Top)
	}
	p.positive("rules.central_facilitator.minRatio", cf.MinRatio)
}

// networkRules lists the network rules. They run after the others (see Detect) and read
// Index.Prelim.
var networkRules = []ruleSpec{
	{Name: "risky_community", Family: FamilyNetwork, Indicator: "D2.17 hub-and-spoke network",
		Describe: "member of a money-flow community (GDS Louvain) where many members are flagged or much money goes to high-risk jurisdictions",
		Rule:     func(c *Config) Rule { return c.Rules.RiskyCommunity.Rule },
		Run:      runRiskyCommunity},
	{Name: "central_facilitator", Family: FamilyNetwork, Indicator: "D2.17 central facilitator",
		Describe: "among the most central members (PageRank over money moved) of a risky money-flow community",
		Rule:     func(c *Config) Rule { return c.Rules.CentralFacilitator.Rule },
		Run:      runCentralFacilitator},
}

// communityView is what the network rules compute of one community.
type communityView struct {
	fact         *CommunityFact
	subjects     []string // distinct subjects of the members, sorted
	flagged      []string // subjects flagged by the other rules
	flaggedShare float64
	hrjShare     float64
	outEUR       float64
	risky        bool
}

// riskyCommunities evaluates the communities handed in against the rule's thresholds.
func riskyCommunities(x *Index) []communityView {
	rc := x.Cfg.Rules.RiskyCommunity
	var out []communityView
	for i := range x.Facts.Communities {
		f := &x.Facts.Communities[i]
		if len(f.Members) < rc.MinSize || len(f.Members) > rc.MaxSize {
			continue
		}
		v := communityView{fact: f}
		seen := map[string]bool{}
		var hrj float64
		for _, m := range f.Members {
			s := x.Subject(m)
			if !seen[s] {
				seen[s] = true
				v.subjects = append(v.subjects, s)
				if x.Prelim[s] >= rc.FlaggedRisk {
					v.flagged = append(v.flagged, s)
				}
			}
			n := x.Num(m)
			if n < 0 {
				continue
			}
			for _, t := range x.Out[n] {
				if !x.HasEUR(t) || x.Txs[t].ToMerchant {
					continue
				}
				v.outEUR += x.EUR[t]
				cc := x.Txs[t].PayeeCountry
				if cc == "" {
					cc = x.Country(x.Txs[t].To)
				}
				if x.Cfg.HRJ(cc) {
					hrj += x.EUR[t]
				}
			}
		}
		slices.Sort(v.subjects)
		slices.Sort(v.flagged)
		v.flaggedShare = float64(len(v.flagged)) / float64(len(v.subjects))
		if v.outEUR > 0 {
			v.hrjShare = hrj / v.outEUR
		}
		v.risky = len(v.subjects) >= rc.MinSize && (v.flaggedShare >= rc.MinFlaggedShare || v.hrjShare >= rc.MinHRJShare)
		if v.risky {
			out = append(out, v)
		}
	}
	return out
}

func runRiskyCommunity(x *Index, emit func(Signal)) {
	rc := x.Cfg.Rules.RiskyCommunity
	for _, v := range riskyCommunities(x) {
		// Strength grows with how far past the thresholds the community is.
		st := math.Max(v.flaggedShare/rc.MinFlaggedShare, v.hrjShare/rc.MinHRJShare) / 2
		for _, s := range v.subjects {
			emit(Signal{Subject: s, Strength: st,
				Summary: fmt.Sprintf("in a money-flow community of %d where %d are flagged (%.0f%%) and %.0f%% of the money out goes to high-risk jurisdictions",
					len(v.subjects), len(v.flagged), 100*v.flaggedShare, 100*v.hrjShare),
				Evidence: Evidence{Entities: v.flagged, Facts: map[string]any{
					"members": len(v.subjects), "flagged": len(v.flagged), "flaggedShare": round3(v.flaggedShare),
					"hrjShare": round3(v.hrjShare), "outEur": math.Round(v.outEUR), "minFlaggedShare": rc.MinFlaggedShare,
					"minHrjShare": rc.MinHRJShare, "flaggedRisk": rc.FlaggedRisk}}})
		}
	}
}

func runCentralFacilitator(x *Index, emit func(Signal)) {
	cf := x.Cfg.Rules.CentralFacilitator
	for _, v := range riskyCommunities(x) {
		f := v.fact
		var mean float64
		for _, m := range f.Members {
			mean += f.PageRank[m]
		}
		mean /= float64(len(f.Members))
		ranked := slices.Clone(f.Members)
		slices.SortFunc(ranked, func(a, b string) int {
			return cmp.Or(cmp.Compare(f.PageRank[b], f.PageRank[a]), cmp.Compare(a, b))
		})
		for i, m := range ranked[:min(cf.Top, len(ranked))] {
			pr := f.PageRank[m]
			if mean <= 0 || pr < cf.MinRatio*mean {
				break
			}
			emit(Signal{Subject: x.Subject(m), Strength: math.Min(1, pr/(2*cf.MinRatio*mean)),
				Summary: fmt.Sprintf("rank %d of %d by PageRank (%.1f× the mean) in a risky money-flow community", i+1, len(f.Members), pr/mean),
				Evidence: Evidence{Entities: v.flagged, Facts: map[string]any{"rank": i + 1, "members": len(f.Members),
					"pageRank": round3(pr), "meanPageRank": round3(mean), "minRatio": cf.MinRatio}}})
		}
	}
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
