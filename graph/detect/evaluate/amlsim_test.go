package evaluate

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func sharedData(t *testing.T, rel string) string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(here), "..", "..", "..", "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("CROSSLINK_REQUIRE_NEO4J") == "1" {
			t.Fatalf("shared data %s: %v", rel, err)
		}
		t.Skipf("shared data %s not found", rel)
	}
	return p
}

// TestAMLSim runs the evaluation of `crosslink eval detect` on the AMLSim sets and holds the
// measured figures (docs/benchmarks.md) as floors, so that a change that loses quality fails.
func TestAMLSim(t *testing.T) {
	rows, ex, err := AMLSim(sharedData(t, "amlsim_ibm"), sharedData(t, "amlsim_exports_fanin"))
	if err != nil {
		t.Fatal(err)
	}
	floors := map[string]struct{ p, r float64 }{ // best-F1 point of each curve
		"20K_cycle200":         {0.42, 0.15},
		"20K_fanin200":         {0.95, 0.50},
		"20K_fanin200cycle200": {0.75, 0.35},
	}
	for _, r := range rows {
		t.Logf("%s %s: %d tx, %d fraud; best F1 at strength %.1f: P %.3f R %.3f F1 %.3f (%d flagged); alerts P %.3f R %.3f; %s",
			r.Set, r.Rules, r.Transactions, r.Fraud, r.Best.Threshold, r.Best.Precision, r.Best.Recall, r.Best.F1, r.Best.Flagged,
			r.Alerts.Precision, r.Alerts.Recall, r.Duration)
		f := floors[r.Set]
		if r.Best.Precision < f.p || r.Best.Recall < f.r {
			t.Errorf("%s: P %.3f R %.3f, below the measured floors %.2f and %.2f", r.Set, r.Best.Precision, r.Best.Recall, f.p, f.r)
		}
	}
	t.Logf("exports: hubs found %v, missed %v, other hubs %d; suspicious transactions in evidence %d of %d (%.3f)",
		ex.HubsFound, ex.HubsMissed, ex.OtherHubs, ex.TxFound, ex.TxTotal, ex.TxRecall)
	if len(ex.HubsFound) != 3 || ex.TxRecall < 0.9 {
		t.Errorf("exports: %+v, want the 3 hubs and at least 90%% of the suspicious transactions", ex)
	}
}

// TestReadersStripLabels proves the readers give detection nothing of the labels: the input
// read from a 20K set is the same as from its transactions.csv alone.
func TestReadersStripLabels(t *testing.T) {
	dir := sharedData(t, "amlsim_ibm/20K_fanin200")
	a, tr, err := ReadIBM20K(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadIBM20KTransactions(filepath.Join(dir, "transactions.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Txs) != 118250 || len(tr.Fraud) != 954 || len(a.Txs) != len(b.Txs) || len(a.Accounts) != 0 {
		t.Fatalf("read %d transactions (%d fraud accounts, %d accounts described), %d from transactions.csv", len(a.Txs), len(tr.Fraud), len(a.Accounts), len(b.Txs))
	}
	for i := range a.Txs {
		if a.Txs[i].ID != b.Txs[i].ID || a.Txs[i].Amount != b.Txs[i].Amount || !a.Txs[i].At.Equal(b.Txs[i].At) {
			t.Fatalf("transaction %d differs: %+v %+v", i, a.Txs[i], b.Txs[i])
		}
	}
}
