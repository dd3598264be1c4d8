package evaluate

import (
	"context"
	"testing"

	"github.com/crosslink/crosslink/graph/resolve"
)

// BenchmarkResolve10k and BenchmarkResolve100k resolve generated persons (Synthesize, seed 1,
// 20 % duplicates) with the engine's defaults. The target is 5,000 records/s for 100k
// records on the 2-core machine: see the records/s metric. Generating the records is not
// timed.
//
//	go test -run '^$' -bench Resolve -benchtime 1x ./graph/resolve/evaluate/
func BenchmarkResolve10k(b *testing.B)  { benchResolve(b, 10_000) }
func BenchmarkResolve100k(b *testing.B) { benchResolve(b, 100_000) }

func benchResolve(b *testing.B, n int) {
	s := Synthesize(SynthConfig{N: n, Seed: 1})
	b.ReportAllocs()
	var res *resolve.Result
	for b.Loop() {
		var err error
		if res, err = resolve.Resolve(context.Background(), s.Records, resolve.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	m := Score(ClusterPairs(res.Clusters), s.Truth)
	b.ReportMetric(m.Precision, "precision")
	b.ReportMetric(m.Recall, "recall")
	b.ReportMetric(m.F1, "F1")
}
