package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/detect/evaluate"
)

const evalDetectUsage = `usage: crosslink eval detect [-data DIR] [-demo-truth FILE] [-json]

Measures detection on the labelled data sets in DIR: account-level precision and recall of the
cycle rule on AMLSim 20K_cycle200, of the fan-in rule on 20K_fanin200 and of both on the mixed
set against isFraud (with the curve over the signal strength), and the three fan-in hubs and
the suspicious transactions of amlsim_exports_fanin. With -demo-truth, the signals and alerts
stored in Neo4j (NEO4J_URI; run 'crosslink detect' first) against the demo world's ground truth.
The readers give detection the transaction columns only; the labels never reach it.
`

// evalDetectReport is what -json prints.
type evalDetectReport struct {
	AMLSim  []evaluate.AMLSimRow   `json:"amlsim"`
	Exports evaluate.ExportsResult `json:"exports"`
	Demo    *evaluate.DemoResult   `json:"demo,omitempty"`
}

func runEvalDetect(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv}
	var c common
	var dir, demoTruth string
	var asJSON bool
	fs := flag.NewFlagSet("eval detect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, evalDetectUsage+"\n"); fs.PrintDefaults() }
	c.bind(fs, e)
	fs.StringVar(&dir, "data", e.str("CROSSLINK_SHARED_DATA", "../shared/data"), "folder of the labelled data sets (CROSSLINK_SHARED_DATA)")
	fs.StringVar(&demoTruth, "demo-truth", "", "ground_truth.json of the demo world loaded in Neo4j (make run): scores the signals and alerts stored there")
	fs.BoolVar(&asJSON, "json", false, "print the numbers as JSON instead of the tables")
	if err := parse(fs, args, e); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprint(stderr, evalDetectUsage)
		return errUsage
	}
	var rep evalDetectReport
	var err error
	rep.AMLSim, rep.Exports, err = evaluate.AMLSim(filepath.Join(dir, "amlsim_ibm"), filepath.Join(dir, "amlsim_exports_fanin"))
	if err != nil {
		return fmt.Errorf("eval detect: %w", err)
	}
	if demoTruth != "" {
		d, err := evalDetectDemo(ctx, &c, demoTruth)
		if err != nil {
			return fmt.Errorf("eval detect: %w", err)
		}
		rep.Demo = &d
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printEvalDetect(stdout, rep)
	return nil
}

// evalDetectDemo scores what detection stored in Neo4j against the demo world.
func evalDetectDemo(ctx context.Context, c *common, path string) (evaluate.DemoResult, error) {
	g, err := evaluate.DemoTruth(path)
	if err != nil {
		return evaluate.DemoResult{}, err
	}
	store, err := c.open(ctx)
	if err != nil {
		return evaluate.DemoResult{}, err
	}
	defer store.Close(context.WithoutCancel(ctx))
	sigs, risks, err := store.AllSignals(ctx)
	if err != nil {
		return evaluate.DemoResult{}, err
	}
	if len(sigs) == 0 {
		return evaluate.DemoResult{}, fmt.Errorf("no signals stored in %s: run 'crosslink detect' first", c.neo4j.URI)
	}
	var ds []evaluate.DemoSignal
	for _, s := range sigs {
		ds = append(ds, evaluate.DemoSignal{Rule: s.Rule, Subject: s.Subject, Transactions: s.Transactions})
	}
	alerted := map[string]bool{}
	for _, r := range risks {
		if r.Alert {
			alerted[r.Subject] = true
		}
	}
	customers, err := store.PartyIDs(ctx, graph.LabelPerson, g.BankPartner)
	if err != nil {
		return evaluate.DemoResult{}, err
	}
	return evaluate.Demo(g, ds, alerted, customers), nil
}

// printEvalDetect prints the evaluation as Markdown tables.
func printEvalDetect(w io.Writer, rep evalDetectReport) {
	fmt.Fprintln(w, "### AMLSim (account level, against isFraud)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| set | config | rules | transactions | fraud accounts | recall ceiling | best F1 at strength | precision | recall | F1 | flagged | alerts P / R | seconds |")
	fmt.Fprintln(w, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
	for _, r := range rep.AMLSim {
		fmt.Fprintf(w, "| %s | %s | %s | %d | %d | %.3f | %.1f | %.3f | %.3f | %.3f | %d | %.3f / %.3f | %.1f |\n", r.Set, r.Config, r.Rules, r.Transactions, r.Fraud,
			r.Ceiling, r.Best.Threshold, r.Best.Precision, r.Best.Recall, r.Best.F1, r.Best.Flagged, r.Alerts.Precision, r.Alerts.Recall, r.Duration.Seconds())
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Precision / recall over the signal strength:")
	fmt.Fprintln(w)
	head := []string{"set (config: rules)"}
	for _, t := range evaluate.Thresholds {
		head = append(head, fmt.Sprintf("≥ %.1f", t))
	}
	fmt.Fprintln(w, "| "+strings.Join(head, " | ")+" |")
	fmt.Fprintln(w, "|---"+strings.Repeat("|---:", len(evaluate.Thresholds))+"|")
	for _, r := range rep.AMLSim {
		cells := []string{r.Set + " (" + r.Config + ": " + r.Rules + ")"}
		for _, p := range r.Curve {
			cells = append(cells, fmt.Sprintf("%.2f / %.2f", p.Precision, p.Recall))
		}
		fmt.Fprintln(w, "| "+strings.Join(cells, " | ")+" |")
	}
	x := rep.Exports
	fmt.Fprintln(w)
	fmt.Fprintf(w, "amlsim_exports_fanin (fan_in, default configuration): hubs found %d of %d %v, other accounts flagged as hubs %d; suspicious transactions in the evidence %d of %d (recall %.3f)\n",
		len(x.HubsFound), len(x.HubsFound)+len(x.HubsMissed), x.HubsFound, x.OtherHubs, x.TxFound, x.TxTotal, x.TxRecall)
	if rep.Demo == nil {
		return
	}
	d := rep.Demo
	fmt.Fprintln(w)
	fmt.Fprintln(w, "### Demo world")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| planted indicator | transactions | in the rule's evidence | recall | subjects with the rule outside networks and patterns |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	for _, s := range d.Signals {
		fmt.Fprintf(w, "| %s | %d | %d | %.3f | %d |\n", s.Signal, s.Transactions, s.TxFound, s.TxRecall, s.SignalsOutside)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| network | kind | members | with signals | with alerts | alerted by role |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---|")
	for _, n := range d.Networks {
		var roles []string
		for _, role := range []string{"buyer", "facilitator", "recipient", "mule", "victim-account", "extortionist"} {
			if v, ok := n.Roles[role]; ok {
				roles = append(roles, fmt.Sprintf("%s %d/%d", role, v[1], v[0]))
			}
		}
		fmt.Fprintf(w, "| %s | %s | %d | %d | %d | %s |\n", n.ID, n.Kind, n.Members, n.WithSignals, n.WithAlerts, strings.Join(roles, ", "))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| planted pattern | planted | found | accounts | flagged by the rule |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	for _, p := range d.Patterns {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d |\n", p.Type, p.Planted, p.Found, p.Accounts, p.AccountsFlagged)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Networks with an alert: %d of %d; members alerted: %d of %d. Ordinary customers: %d, with any signal %d, with an alert %d (false-alert rate %.4f).\n",
		d.NetworksWithAlert, d.NetworkCount, d.MembersAlerted, d.Members, d.Ordinary, d.OrdinaryWithSignals, d.FalseAlerts, d.FalseAlertRate)
}
