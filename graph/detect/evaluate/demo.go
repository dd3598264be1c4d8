package evaluate

import (
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/crosslink/crosslink/graph"
	resevaluate "github.com/crosslink/crosslink/graph/resolve/evaluate"
	"github.com/crosslink/crosslink/loaders/demo"
)

// DemoTruth reads a demo world's ground_truth.json (resolution's evaluation reads it the same).
func DemoTruth(path string) (*demo.GroundTruth, error) { return resevaluate.DemoTruth(path) }

// DemoSignal is what the evaluation needs of a stored signal.
type DemoSignal struct {
	Rule, Subject string
	Transactions  []string
}

// SignalRow is the recall of one planted indicator: the transactions the demo tagged with it
// that the rule of the same name has in its evidence.
type SignalRow struct {
	Signal, Indicator     string
	Transactions, TxFound int
	TxRecall              float64
	SignalsOutside        int // subjects with the rule's signal outside every network and pattern
}

// NetworkRow is one planted offender network: its members the bank knows (customers and the
// accounts it sees), how many have any signal, how many an alert.
type NetworkRow struct {
	ID, Kind                         string
	Members, WithSignals, WithAlerts int
	Roles                            map[string][2]int // role -> members, alerted
}

// PatternRow is one kind of planted AML pattern.
type PatternRow struct {
	Type                      string
	Planted, Found            int // patterns with at least one member flagged by the rule of its type
	Accounts, AccountsFlagged int
}

// DemoResult is the demo world's evaluation.
type DemoResult struct {
	Signals  []SignalRow
	Networks []NetworkRow
	Patterns []PatternRow
	// Ordinary customers are the bank's customers in no network, no pattern and no planted
	// role; FalseAlerts of them have an alert, WithSignals any signal.
	Ordinary, OrdinaryWithSignals, FalseAlerts int
	FalseAlertRate                             float64
	NetworksWithAlert, NetworkCount            int
	MembersAlerted, Members                    int
}

var ibanRE = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$`)

// demoAccount is the node id of an account the demo's files name.
func demoAccount(partner, acct string) string {
	if a := strings.ReplaceAll(strings.ToUpper(acct), " ", ""); ibanRE.MatchString(a) {
		return graph.IBANAccountID(a)
	}
	return graph.AccountID(partner, acct)
}

// memberSubjects are the subjects a member's signals land on: the customer, else each account.
func memberSubjects(partner string, m *demo.MemberTruth) []string {
	if m.CustomerID != "" {
		return []string{graph.PartyID(graph.LabelPerson, partner, m.CustomerID)}
	}
	var out []string
	for _, a := range m.Accounts {
		out = append(out, demoAccount(partner, a))
	}
	return out
}

// Demo scores stored signals and alerts (by subject) against the demo world's truth;
// customers lists every bank customer's node id (the population of the false-alert rate).
func Demo(g *demo.GroundTruth, sigs []DemoSignal, alerted map[string]bool, customers []string) DemoResult {
	p := g.BankPartner
	var r DemoResult
	bySubject := map[string]map[string]bool{} // subject -> rules
	evidence := map[string]map[string]bool{}  // rule -> transactions
	for _, s := range sigs {
		if bySubject[s.Subject] == nil {
			bySubject[s.Subject] = map[string]bool{}
		}
		bySubject[s.Subject][s.Rule] = true
		if evidence[s.Rule] == nil {
			evidence[s.Rule] = map[string]bool{}
		}
		for _, t := range s.Transactions {
			evidence[s.Rule][t] = true
		}
	}
	involved := map[string]bool{}
	// Signals: per planted name, over every network.
	type acc struct {
		indicator   string
		tx, txFound int
	}
	perSignal := map[string]*acc{}
	for _, n := range g.Networks {
		row := NetworkRow{ID: n.ID, Kind: n.Kind, Roles: map[string][2]int{}}
		anyAlert := false
		for _, m := range n.Members {
			subs := memberSubjects(p, m)
			if len(subs) == 0 {
				continue
			}
			for _, s := range subs {
				involved[s] = true
			}
			row.Members++
			sig, al := false, false
			for _, s := range subs {
				sig = sig || len(bySubject[s]) > 0
				al = al || alerted[s]
			}
			rc := row.Roles[m.Role]
			rc[0]++
			if sig {
				row.WithSignals++
			}
			if al {
				row.WithAlerts++
				rc[1]++
				anyAlert = true
			}
			row.Roles[m.Role] = rc
		}
		r.Members += row.Members
		r.MembersAlerted += row.WithAlerts
		r.NetworkCount++
		if anyAlert {
			r.NetworksWithAlert++
		}
		r.Networks = append(r.Networks, row)
		for _, st := range n.Signals {
			a := perSignal[st.Signal]
			if a == nil {
				a = &acc{indicator: st.Indicator}
				perSignal[st.Signal] = a
			}
			for _, id := range st.TransactionIDs {
				a.tx++
				if evidence[st.Signal][graph.TransactionID(p, id)] {
					a.txFound++
				}
			}
		}
	}
	for name, a := range perSignal {
		row := SignalRow{Signal: name, Indicator: a.indicator, Transactions: a.tx, TxFound: a.txFound}
		if a.tx > 0 {
			row.TxRecall = float64(a.txFound) / float64(a.tx)
		}
		r.Signals = append(r.Signals, row)
	}
	// Patterns.
	pt := map[string]*PatternRow{}
	for _, pat := range g.Patterns {
		row := pt[pat.Type]
		if row == nil {
			row = &PatternRow{Type: pat.Type}
			pt[pat.Type] = row
		}
		row.Planted++
		found := false
		for _, c := range pat.CustomerIDs {
			s := graph.PartyID(graph.LabelPerson, p, c)
			involved[s] = true
			row.Accounts++
			if bySubject[s][pat.Type] {
				row.AccountsFlagged++
				found = true
			}
		}
		if found {
			row.Found++
		}
	}
	for _, t := range keysSorted(pt) {
		r.Patterns = append(r.Patterns, *pt[t])
	}
	for _, sp := range g.SamePerson {
		if sp.CustomerID != "" && sp.Role != "" {
			involved[graph.PartyID(graph.LabelPerson, p, sp.CustomerID)] = true
		}
	}
	for _, c := range customers {
		if involved[c] {
			continue
		}
		r.Ordinary++
		if len(bySubject[c]) > 0 {
			r.OrdinaryWithSignals++
		}
		if alerted[c] {
			r.FalseAlerts++
		}
	}
	if r.Ordinary > 0 {
		r.FalseAlertRate = float64(r.FalseAlerts) / float64(r.Ordinary)
	}
	for i := range r.Signals {
		for s, rules := range bySubject {
			if rules[r.Signals[i].Signal] && !involved[s] {
				r.Signals[i].SignalsOutside++
			}
		}
	}
	slices.SortFunc(r.Signals, func(a, b SignalRow) int { return strings.Compare(a.Signal, b.Signal) })
	return r
}

func keysSorted[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
