// Package evaluate measures detection (graph/detect) on labelled data: the AMLSim sets of
// ../shared/data and the demo world's ground truth. Readers build detection input from the
// transaction columns only; the labels go into a separate Truth that the detector never sees.
package evaluate

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crosslink/crosslink/graph/detect"
)

// Truth is what a labelled set says: the fraud accounts, and where known the suspicious
// transactions and the hubs of the planted shapes.
type Truth struct {
	Fraud map[string]bool // account ids labelled fraudulent
	// Accounts is every account of the set (the denominator of the false-alert rate).
	Accounts map[string]bool
	SARTx    map[string]bool // suspicious transaction ids (exports only)
	Hubs     []string        // the receiving accounts of the planted fan-ins (exports only)
	// Acting holds the fraud accounts that send or receive a transfer to or from another fraud
	// account on the step AMLSim gives as either one's fraudStep (20K sets only): the accounts
	// that act in a planted pattern. The others are labelled but never do anything a detector
	// of shapes could see, so |Acting| / |Fraud| is the ceiling of account-level recall.
	Acting map[string]bool
}

// ActingShare is the share of the fraud accounts that act in a planted pattern (see
// Truth.Acting): the ceiling of account-level recall for a detector of shapes.
func (tr Truth) ActingShare() float64 {
	if len(tr.Fraud) == 0 {
		return 0
	}
	return float64(len(tr.Acting)) / float64(len(tr.Fraud))
}

// amlsimStart is the date of simulation step 0 (AMLSim's own base date).
var amlsimStart = time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)

// AcctID and TxID name AMLSim accounts and transfers inside the evaluation.
func AcctID(n string) string { return "acct:" + n }

// TxID names a transfer by its row (20K sets have no transaction id) or its tran_id.
func TxID(n string) string { return "tx:" + n }

// readCSV reads a CSV file with a header into a column index and its rows.
func readCSV(path string) (map[string]int, [][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = false
	head, err := r.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		rows = append(rows, rec)
	}
	return col, rows, nil
}

func need(path string, col map[string]int, names ...string) error {
	for _, n := range names {
		if _, ok := col[n]; !ok {
			return fmt.Errorf("%s: no column %q", path, n)
		}
	}
	return nil
}

func cents(s string) (int64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, err
	}
	return int64(math.Round(v * 100)), nil
}

// ReadIBM20K reads one of the IBM 20K sets (dir holds nodes.csv and transactions.csv). The input
// comes from transactions.csv alone (sourceNodeId, targetNodeId, value, time); isFraud and
// fraudStep go into the Truth. A nodes.csv without label columns (or none at all) gives an empty
// Truth: the input is the same either way.
func ReadIBM20K(dir string) (detect.Input, Truth, error) {
	in, err := ReadIBM20KTransactions(filepath.Join(dir, "transactions.csv"))
	if err != nil {
		return in, Truth{}, err
	}
	tr := Truth{Fraud: map[string]bool{}, Accounts: map[string]bool{}, Acting: map[string]bool{}}
	path := filepath.Join(dir, "nodes.csv")
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return in, tr, nil
	}
	col, rows, err := readCSV(path)
	if err != nil {
		return in, tr, err
	}
	if err := need(path, col, "nodeid"); err != nil {
		return in, tr, err
	}
	fc, hasFraud := col["isFraud"]
	sc, hasStep := col["fraudStep"]
	step := map[string]int{}
	for _, r := range rows {
		id := AcctID(r[col["nodeid"]])
		tr.Accounts[id] = true
		if hasFraud && r[fc] == "1" {
			tr.Fraud[id] = true
			if hasStep {
				if n, err := strconv.Atoi(strings.TrimSpace(r[sc])); err == nil && n >= 0 {
					step[id] = n
				}
			}
		}
	}
	for _, t := range in.Txs {
		if !tr.Fraud[t.From] || !tr.Fraud[t.To] {
			continue
		}
		d := int(t.At.Sub(amlsimStart).Hours() / 24)
		if s, ok := step[t.From]; ok && s == d {
			tr.Acting[t.From], tr.Acting[t.To] = true, true
		} else if s, ok := step[t.To]; ok && s == d {
			tr.Acting[t.From], tr.Acting[t.To] = true, true
		}
	}
	return in, tr, nil
}

// ReadIBM20KTransactions reads a 20K set's transactions.csv: a step is one day from 2017-01-01.
func ReadIBM20KTransactions(path string) (detect.Input, error) {
	col, rows, err := readCSV(path)
	if err != nil {
		return detect.Input{}, err
	}
	if err := need(path, col, "sourceNodeId", "targetNodeId", "value", "time"); err != nil {
		return detect.Input{}, err
	}
	in := detect.Input{Accounts: map[string]*detect.Account{}}
	for i, r := range rows {
		amount, err := cents(r[col["value"]])
		if err != nil {
			return in, fmt.Errorf("%s line %d: value: %v", path, i+2, err)
		}
		step, err := strconv.Atoi(strings.TrimSpace(r[col["time"]]))
		if err != nil {
			return in, fmt.Errorf("%s line %d: time: %v", path, i+2, err)
		}
		in.Txs = append(in.Txs, detect.Tx{ID: TxID(strconv.Itoa(i + 2)), From: AcctID(r[col["sourceNodeId"]]), To: AcctID(r[col["targetNodeId"]]),
			Amount: amount, Currency: "USD", At: amlsimStart.AddDate(0, 0, step), Channel: "bank_transfer"})
	}
	return in, nil
}

// ReadExports reads the current AMLSim export layout (dir holds transactions.csv and
// alert_transactions.csv): the input from transactions.csv's transaction columns (tran_id,
// orig_acct, bene_acct, base_amt, tran_timestamp); the alert file (and nothing of is_sar or
// alert_id) goes into the Truth. Without an alert file the Truth is empty and the input the same.
func ReadExports(dir string) (detect.Input, Truth, error) {
	in, err := ReadExportsTransactions(filepath.Join(dir, "transactions.csv"))
	if err != nil {
		return in, Truth{}, err
	}
	tr := Truth{Fraud: map[string]bool{}, Accounts: map[string]bool{}, SARTx: map[string]bool{}}
	for _, t := range in.Txs {
		tr.Accounts[t.From], tr.Accounts[t.To] = true, true
	}
	apath := filepath.Join(dir, "alert_transactions.csv")
	if _, err := os.Stat(apath); os.IsNotExist(err) {
		return in, tr, nil
	}
	acol, arows, err := readCSV(apath)
	if err != nil {
		return in, tr, err
	}
	if err := need(apath, acol, "tran_id", "orig_acct", "bene_acct"); err != nil {
		return in, tr, err
	}
	hubs := map[string]bool{}
	for _, r := range arows {
		tr.SARTx[TxID(r[acol["tran_id"]])] = true
		tr.Fraud[AcctID(r[acol["orig_acct"]])] = true
		tr.Fraud[AcctID(r[acol["bene_acct"]])] = true
		hubs[AcctID(r[acol["bene_acct"]])] = true
	}
	for h := range hubs {
		tr.Hubs = append(tr.Hubs, h)
	}
	slices.Sort(tr.Hubs)
	return in, tr, nil
}

// ReadExportsTransactions reads an export's transactions.csv: tran_id, orig_acct, bene_acct,
// base_amt and tran_timestamp, and no other column (is_sar and alert_id are labels).
func ReadExportsTransactions(path string) (detect.Input, error) {
	col, rows, err := readCSV(path)
	if err != nil {
		return detect.Input{}, err
	}
	if err := need(path, col, "tran_id", "orig_acct", "bene_acct", "base_amt", "tran_timestamp"); err != nil {
		return detect.Input{}, err
	}
	in := detect.Input{Accounts: map[string]*detect.Account{}}
	for i, r := range rows {
		amount, err := cents(r[col["base_amt"]])
		if err != nil {
			return in, fmt.Errorf("%s line %d: base_amt: %v", path, i+2, err)
		}
		at, err := time.Parse(time.RFC3339, strings.TrimSpace(r[col["tran_timestamp"]]))
		if err != nil {
			return in, fmt.Errorf("%s line %d: tran_timestamp: %v", path, i+2, err)
		}
		in.Txs = append(in.Txs, detect.Tx{ID: TxID(r[col["tran_id"]]), From: AcctID(r[col["orig_acct"]]), To: AcctID(r[col["bene_acct"]]),
			Amount: amount, Currency: "USD", At: at.UTC(), Channel: "bank_transfer"})
	}
	return in, nil
}

// PR is precision and recall at one threshold.
type PR struct {
	Threshold           float64
	Flagged, TruePos    int
	Precision, Recall   float64
	F1                  float64
	Positives, Accounts int
}

func pr(flagged map[string]bool, tr Truth, threshold float64) PR {
	p := PR{Threshold: threshold, Flagged: len(flagged), Positives: len(tr.Fraud), Accounts: len(tr.Accounts)}
	for a := range flagged {
		if tr.Fraud[a] {
			p.TruePos++
		}
	}
	if p.Flagged > 0 {
		p.Precision = float64(p.TruePos) / float64(p.Flagged)
	}
	if p.Positives > 0 {
		p.Recall = float64(p.TruePos) / float64(p.Positives)
	}
	if p.Precision+p.Recall > 0 {
		p.F1 = 2 * p.Precision * p.Recall / (p.Precision + p.Recall)
	}
	return p
}

// RuleCurve is the account-level precision and recall of some rules' signals against the
// labels, over thresholds on the signals' strength: an account counts as flagged at threshold
// h when one of the rules gave it a signal of strength ≥ h.
func RuleCurve(res *detect.Result, tr Truth, rules []string, thresholds []float64) []PR {
	best := map[string]float64{}
	for _, s := range res.Signals {
		if slices.Contains(rules, s.Rule) && s.Strength > best[s.Subject] {
			best[s.Subject] = s.Strength
		}
	}
	var out []PR
	for _, h := range thresholds {
		flagged := map[string]bool{}
		for a, st := range best {
			if st >= h {
				flagged[a] = true
			}
		}
		out = append(out, pr(flagged, tr, h))
	}
	return out
}

// AlertPR is the account-level precision and recall of the alerts.
func AlertPR(res *detect.Result, tr Truth) PR {
	flagged := map[string]bool{}
	for _, s := range res.Scores {
		if s.Alert {
			flagged[s.Subject] = true
		}
	}
	return pr(flagged, tr, 0)
}

// Ceiling is the share of the fraud accounts that take part in at least one transfer with
// another fraud account. It is a loose bound: in the 20K sets nearly every fraud account trades
// with another at some time (ordinary transfers included), so Truth.ActingShare, which counts
// the transfers of the planted patterns only, is the useful ceiling.
func Ceiling(in detect.Input, tr Truth) float64 {
	inShape := map[string]bool{}
	for _, t := range in.Txs {
		if tr.Fraud[t.From] && tr.Fraud[t.To] {
			inShape[t.From], inShape[t.To] = true, true
		}
	}
	if len(tr.Fraud) == 0 {
		return 0
	}
	return float64(len(inShape)) / float64(len(tr.Fraud))
}

// ExportsResult is what the fan-in rule finds in the exports set.
type ExportsResult struct {
	HubsFound  []string // planted hubs with a fan_in signal as the hub
	HubsMissed []string
	OtherHubs  int     // accounts with a fan_in signal as hub that are not planted hubs
	TxRecall   float64 // share of the suspicious transactions in fan_in evidence
	TxFound    int
	TxTotal    int
}

// Exports scores the fan_in signals of a run on the exports set: hub-level and
// transaction-level.
func Exports(res *detect.Result, tr Truth) ExportsResult {
	var e ExportsResult
	hubSignal := map[string]bool{}
	inEvidence := map[string]bool{}
	for _, s := range res.Signals {
		if s.Rule != "fan_in" {
			continue
		}
		for _, t := range s.Evidence.Transactions {
			inEvidence[t] = true
		}
		if s.Key == "" { // the hub's own signal; counterparties carry the hub as key
			hubSignal[s.Subject] = true
		}
	}
	for _, h := range tr.Hubs {
		if hubSignal[h] {
			e.HubsFound = append(e.HubsFound, h)
		} else {
			e.HubsMissed = append(e.HubsMissed, h)
		}
	}
	for h := range hubSignal {
		if !slices.Contains(tr.Hubs, h) {
			e.OtherHubs++
		}
	}
	e.TxTotal = len(tr.SARTx)
	for t := range tr.SARTx {
		if inEvidence[t] {
			e.TxFound++
		}
	}
	if e.TxTotal > 0 {
		e.TxRecall = float64(e.TxFound) / float64(e.TxTotal)
	}
	return e
}

// Thresholds are the strengths at which curves are reported.
var Thresholds = []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}

// BestF1 returns the point of a curve with the highest F1.
func BestF1(curve []PR) PR {
	return slices.MaxFunc(curve, func(a, b PR) int { return cmp.Compare(a.F1, b.F1) })
}

// AMLSimYAML adapts the defaults to AMLSim's 20K sets, whose time unit is a day-long step and
// whose planted shapes spread over the whole 149-step run: the windows span the run, and cycles
// may close in any order (the simulator does not order a cycle's hops in time). Everything else
// is the default configuration.
const AMLSimYAML = `rules:
  cycle: {timeOrdered: false, window: 150d}
  fan_in: {window: 150d, minBursts: 2}
`

// AMLSimRelayYAML goes further and fits two artefacts of the simulator: AMLSim's planted
// cycles mostly never close (a hop is missing) and their hops happen in any time order, each
// carrying exactly the same amount. Cycles and layering chains (2+ hops) are searched in any
// order with exact amounts over the whole run. A bank's relays move forward in time and lose
// fees on the way, which the defaults (time order, 80-85 % kept per hop) describe; this
// configuration only measures how much of AMLSim's labels such relay shapes hold.
const AMLSimRelayYAML = `rules:
  cycle: {timeOrdered: false, window: 150d, minAmountRatio: 1, maxAmountRatio: 1}
  fan_in: {window: 150d, minBursts: 2}
  layering: {timeOrdered: false, maxHopDelay: 150d, minHops: 2, minAmountRatio: 1, maxAmountRatio: 1}
`

// AMLSimRow is one line of the AMLSim evaluation.
type AMLSimRow struct {
	Set, Rules   string
	Config       string // "amlsim" (AMLSimYAML) or "relay" (AMLSimRelayYAML)
	Transactions int
	Fraud        int
	// Ceiling is the share of the fraud accounts that act in a planted pattern
	// (Truth.ActingShare): no detector of shapes can reach a higher recall.
	Ceiling  float64
	Curve    []PR
	Best     PR // the point of the curve with the best F1
	Alerts   PR // the alert decision (score, weak-indicator rule) with these rules only
	Duration time.Duration
}

// AMLSim evaluates (dir is ../shared/data/amlsim_ibm) the cycle rule on 20K_cycle200, the
// fan-in rule on 20K_fanin200 and both on the mixed set with AMLSimYAML, then cycles and relay
// chains with AMLSimRelayYAML; and the fan-in rule with the default configuration on the exports
// set (exportsDir).
func AMLSim(dir, exportsDir string) ([]AMLSimRow, ExportsResult, error) {
	cfgs := map[string]*detect.Config{}
	for name, y := range map[string]string{"amlsim": AMLSimYAML, "relay": AMLSimRelayYAML} {
		cfg, err := detect.ParseConfig(strings.NewReader(y), name+".yaml")
		if err != nil {
			return nil, ExportsResult{}, err
		}
		cfgs[name] = cfg
	}
	var rows []AMLSimRow
	sets := map[string]struct {
		in detect.Input
		tr Truth
	}{}
	for _, c := range []struct {
		set, config string
		rules       []string
	}{
		{"20K_cycle200", "amlsim", []string{"cycle"}},
		{"20K_fanin200", "amlsim", []string{"fan_in"}},
		{"20K_fanin200cycle200", "amlsim", []string{"cycle", "fan_in"}},
		{"20K_cycle200", "relay", []string{"cycle", "layering"}},
		{"20K_fanin200cycle200", "relay", []string{"cycle", "fan_in", "layering"}},
	} {
		d, ok := sets[c.set]
		if !ok {
			in, tr, err := ReadIBM20K(filepath.Join(dir, c.set))
			if err != nil {
				return nil, ExportsResult{}, err
			}
			d.in, d.tr = in, tr
			sets[c.set] = d
		}
		t0 := time.Now()
		res := detect.Detect(d.in, cfgs[c.config], detect.Options{Rules: c.rules})
		row := AMLSimRow{Set: c.set, Rules: strings.Join(c.rules, "+"), Config: c.config, Transactions: len(d.in.Txs), Fraud: len(d.tr.Fraud),
			Ceiling: d.tr.ActingShare(), Curve: RuleCurve(res, d.tr, c.rules, Thresholds), Alerts: AlertPR(res, d.tr), Duration: time.Since(t0)}
		row.Best = BestF1(row.Curve)
		rows = append(rows, row)
	}
	in, tr, err := ReadExports(exportsDir)
	if err != nil {
		return nil, ExportsResult{}, err
	}
	res := detect.Detect(in, detect.Default(), detect.Options{Rules: []string{"fan_in"}})
	return rows, Exports(res, tr), nil
}
