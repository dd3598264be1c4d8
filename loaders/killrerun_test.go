package loaders_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crosslink/crosslink/graph/graphtest"
	"github.com/crosslink/crosslink/loaders"
)

// TestKillAndRerunEveryFormat kills a load of each format after its first batch, runs it again
// in full, and expects exactly the state of one clean load: the same nodes per label,
// relationships per type and FLOW aggregates. (TestTransactionsKillAndRerun does the same for
// the transactions format.)
func TestKillAndRerunEveryFormat(t *testing.T) {
	s := openStore(t)
	for _, tt := range []struct {
		format string
		path   string
	}{
		{"platform", filepath.Join("testdata", "platform", "events.csv")},
		{"cybertip", filepath.Join("testdata", "cybertip", "batch.xml")},
		{"ftm", filepath.Join("testdata", "ftm", "sample.ijson")},
		{"amlsim", sharedData(t, filepath.Join("amlsim_exports_fanin", "alert_transactions.csv"))},
	} {
		t.Run(tt.format, func(t *testing.T) {
			opts := loaders.Options{BatchSize: 2}
			// A clean load, measured and removed before the killed one runs, since shared
			// identifiers (e-mails, IPs) are global nodes.
			clean := graphtest.Prefix(t)
			cleanupPartner(t, s, clean)
			opts.Partner = clean
			if _, err := loadPath(t, s, tt.format, tt.path, opts); err != nil {
				t.Fatal(err)
			}
			want, wantFlows := txCounts(t, s, clean), txFlows(t, s, clean)
			deletePartner(t, s, clean)

			partner := graphtest.Prefix(t)
			cleanupPartner(t, s, partner)
			opts.Partner = partner
			f, err := loaders.Lookup(tt.format)
			if err != nil {
				t.Fatal(err)
			}
			in, err := os.Open(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			sum, err := loaders.Load(context.Background(), &txFailingWriter{w: s, n: 1}, f, tt.path, in, 0, opts)
			in.Close()
			if err == nil || !strings.Contains(err.Error(), "killed") {
				t.Fatalf("killed load: err = %v", err)
			}
			if sum.Batches != 1 {
				t.Errorf("killed load wrote %d batches, want 1", sum.Batches)
			}
			if _, err := loadPath(t, s, tt.format, tt.path, opts); err != nil {
				t.Fatal(err)
			}
			if d := txDiff(want, txCounts(t, s, partner)); d != "" {
				t.Errorf("after kill and rerun, counts (-clean +rerun):\n%s", d)
			}
			if got := txFlows(t, s, partner); !slices.Equal(got, wantFlows) {
				t.Errorf("FLOW after kill and rerun = %v, want %v", got, wantFlows)
			}
		})
	}
}
