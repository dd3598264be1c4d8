package loaders_test

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/detect"
	"github.com/crosslink/crosslink/graph/detect/evaluate"
	"github.com/crosslink/crosslink/graph/graphtest"
)

// TestDetectionNeverReadsLabels loads a slice of AMLSim's 20K_fanin200cycle200 twice, once
// with its labels (nodes.csv: isFraud and fraudStep become gt… properties) and once without
// (its transactions only), each under its own partner, runs detection over the graph, and
// checks that both copies get exactly the same signals with the same strengths: detection
// reads no label. The slice is every transfer among the fraud accounts and the first 300 others,
// so that it holds planted cycles and fan-ins and ordinary traffic around them.
func TestDetectionNeverReadsLabels(t *testing.T) {
	dir := sharedData(t, "amlsim_ibm/20K_fanin200cycle200")
	s := openStore(t)
	p := graphtest.Prefix(t)
	labelled, stripped := p+"-lbl", p+"-str"
	cleanupPartner(t, s, labelled)
	cleanupPartner(t, s, stripped)
	t.Cleanup(func() {
		autocommit(t, s, `MATCH (n:Signal|RiskScore) WHERE n.subject CONTAINS $a OR n.subject CONTAINS $b DETACH DELETE n`,
			map[string]any{"a": labelled, "b": stripped})
	})

	nodes := readCSV(t, filepath.Join(dir, "nodes.csv"))
	keep := map[string]bool{}
	fraud, other := 0, 0
	for _, r := range nodes[1:] {
		if r[1] == "1" {
			keep[r[0]], fraud = true, fraud+1
		} else if r[1] == "0" && other < 300 {
			keep[r[0]], other = true, other+1
		}
	}
	all := readCSV(t, filepath.Join(dir, "transactions.csv"))
	txs := [][]string{all[0]}
	for _, r := range all[1:] {
		if keep[r[0]] && keep[r[1]] {
			txs = append(txs, r)
		}
	}
	var keptNodes [][]string
	keptNodes = append(keptNodes, nodes[0])
	for _, r := range nodes[1:] {
		if keep[r[0]] {
			keptNodes = append(keptNodes, r)
		}
	}
	tmp := t.TempDir()
	txFile, nodeFile := filepath.Join(tmp, "transactions.csv"), filepath.Join(tmp, "nodes.csv")
	writeCSV(t, txFile, txs)
	writeCSV(t, nodeFile, keptNodes)
	amlsimMustLoad(t, s, labelled, txFile, len(txs)-1, 0)
	amlsimMustLoad(t, s, labelled, nodeFile, len(keptNodes)-1, 0)
	amlsimMustLoad(t, s, stripped, txFile, len(txs)-1, 0)
	if n := amlsimCount(t, s, labelled, `MATCH (a:BankAccount) WHERE a.id STARTS WITH $acct AND a.gtIsFraud RETURN count(a) AS n`); n != int64(fraud) {
		t.Fatalf("labelled copy: %d accounts with gtIsFraud, want %d", n, fraud)
	}
	t.Logf("%d accounts (%d fraud), %d transfers", len(keptNodes)-1, fraud, len(txs)-1)

	// AMLSim's windows (evaluate.AMLSimYAML: steps are days, shapes span the run). Community
	// detection is a whole-graph matter whose numbering depends on load order: the network
	// rules are left out, every other rule runs.
	cfg, err := detect.ParseConfig(strings.NewReader(evaluate.AMLSimYAML), "amlsim.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Rules.RiskyCommunity.Enabled = new(bool)
	cfg.Rules.CentralFacilitator.Enabled = new(bool)
	if _, err = s.Detect(t.Context(), graph.DetectOptions{Config: cfg, By: "test"}); err != nil {
		t.Fatal(err)
	}
	sigs, _, err := s.AllSignals(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// Each copy's signals, with its partner taken out of the account ids (transaction ids and
	// cycle keys are hashes over the partner, so they are compared by count).
	view := func(partner string) []string {
		var out []string
		for _, sg := range sigs {
			if !strings.Contains(sg.Subject, partner) {
				continue
			}
			ents := strings.ReplaceAll(strings.Join(sg.Entities, ","), partner, "P")
			out = append(out, strings.ReplaceAll(fmt.Sprintf("%s %s %.4f tx=%d %s %s", sg.Rule, sg.Subject,
				sg.Strength, len(sg.Transactions), ents, sg.Summary), partner, "P"))
		}
		slices.Sort(out)
		return out
	}
	a, b := view(labelled), view(stripped)
	if len(a) == 0 {
		t.Fatal("no signals on the labelled copy: the slice should hold planted cycles and fan-ins")
	}
	if !slices.Equal(a, b) {
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				t.Fatalf("signals differ with and without labels (%d and %d); first difference:\n labelled %.300s\n stripped %.300s", len(a), len(b), a[i], b[i])
			}
		}
		t.Fatalf("signals differ with and without labels: %d and %d", len(a), len(b))
	}
	t.Logf("%d signals, identical with and without labels", len(a))
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func writeCSV(t *testing.T, path string, rows [][]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
