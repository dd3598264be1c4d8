package detect

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// benchInput is a deterministic synthetic year of n payments among n/10 accounts: 60% of the
// accounts held by customers at home (AU, GB, US, DE), the rest abroad (a tenth of those in the
// Philippines), a long-tailed choice of counterparties, card payments to 500 merchants, and
// planted cycles, fan-ins and layering chains (plant).
func benchInput(n int) Input {
	r := rand.New(rand.NewPCG(1, 2))
	accounts := n / 10
	in := Input{Accounts: make(map[string]*Account, accounts), Txs: make([]Tx, 0, n)}
	home := []string{"AU", "GB", "US", "DE"}
	abroad := []string{"PH", "FR", "NL", "CA", "TH", "IN", "ES", "IT", "JP", "BR"}
	ids := make([]string, accounts)
	for i := range accounts {
		id := fmt.Sprintf("acct:b:%07d", i)
		ids[i] = id
		a := &Account{ID: id, Type: "bank"}
		if i%10 < 6 {
			a.Country = home[i%4]
			a.Holder = &Party{ID: fmt.Sprintf("person:b:%07d", i/2*2), Name: fmt.Sprintf("P%d S%d", i, i%977), Surname: fmt.Sprintf("s%d", i%977),
				Country: a.Country, Person: true, Customer: true, BirthDate: time.Date(1940+r.IntN(65), 1, 1, 0, 0, 0, 0, time.UTC)}
		} else {
			a.Country = abroad[i%10]
			a.Holder = &Party{ID: id, Name: fmt.Sprintf("R%d T%d", i, i%311), Country: a.Country, Person: true}
		}
		in.Accounts[id] = a
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	pick := func() int { // long tail: a few busy accounts, most quiet
		return int(float64(accounts) * r.Float64() * r.Float64())
	}
	for i := range n {
		from := pick()
		at := start.Add(time.Duration(r.Int64N(int64(365 * 24 * time.Hour))))
		t := Tx{ID: fmt.Sprintf("tx:b:%08d", i), From: ids[from], Currency: "EUR", At: at, Channel: "bank_transfer",
			PayerCountry: in.Accounts[ids[from]].Country}
		switch {
		case i%3 == 0:
			m := r.IntN(500)
			t.To, t.ToMerchant, t.MerchantName, t.MCC, t.Channel = fmt.Sprintf("merchant:b:%03d", m), true, fmt.Sprintf("Shop %d", m), "5411", "card"
			t.Amount = int64(100 + r.IntN(20000))
		default:
			to := pick()
			if to == from {
				to = (to + 1) % accounts
			}
			t.To, t.PayeeCountry = ids[to], in.Accounts[ids[to]].Country
			t.Amount = int64(500 + r.IntN(200000))
			if t.PayeeCountry != t.PayerCountry {
				t.Channel = []string{"msb", "p2p", "bank_transfer"}[r.IntN(3)]
				t.Amount = int64(1000 + r.IntN(30000))
			}
		}
		in.Txs = append(in.Txs, t)
	}
	plant(in.Accounts, &in.Txs, ids, start, r)
	return in
}

// benchPlanted is how many of each laundering shape plant adds to the benchmark's input.
const benchPlanted = 100

// plant adds benchPlanted time-ordered cycles of 4, fan-ins of one amount from 6 senders, and
// layering chains of 5 quick hops, on accounts of their own (acct:p:...) so that the benchmark
// can check that the rules find them in a million payments.
func plant(accounts map[string]*Account, txs *[]Tx, ids []string, start time.Time, r *rand.Rand) {
	n := 0
	add := func(from, to string, amount int64, at time.Time) {
		for _, id := range []string{from, to} {
			if accounts[id] == nil {
				accounts[id] = &Account{ID: id, Type: "bank", Country: "GB"}
			}
		}
		*txs = append(*txs, Tx{ID: fmt.Sprintf("tx:p:%06d", n), From: from, To: to, Amount: amount, Currency: "EUR", At: at,
			Channel: "bank_transfer", PayerCountry: "GB", PayeeCountry: "GB"})
		n++
	}
	for i := range benchPlanted {
		at := start.Add(time.Duration(r.Int64N(int64(300 * 24 * time.Hour))))
		amount := int64(500000 + r.IntN(500000))
		c := func(j int) string { return fmt.Sprintf("acct:p:cycle:%03d:%d", i, j) }
		for j := range 4 { // each hop a day later, keeping 97%
			add(c(j), c((j+1)%4), amount, at.Add(time.Duration(j)*24*time.Hour))
			amount = amount * 97 / 100
		}
		hub := fmt.Sprintf("acct:p:hub:%03d", i)
		for j := range 6 {
			add(fmt.Sprintf("acct:p:mule:%03d:%d", i, j), hub, 198000, at.Add(time.Duration(j)*7*time.Hour))
		}
		// A little of the ordinary traffic touches the shapes too.
		add(ids[r.IntN(len(ids))], c(0), int64(1000+r.IntN(50000)), at.Add(-time.Hour))
		l := func(j int) string { return fmt.Sprintf("acct:p:chain:%03d:%d", i, j) }
		amount = int64(2000000 + r.IntN(1000000))
		for j := range 5 {
			add(l(j), l(j+1), amount, at.Add(time.Duration(j)*20*time.Hour))
			amount = amount * 95 / 100
		}
	}
}

// BenchmarkDetect runs every rule over a synthetic year of 1,000,000 payments (the issue's
// target: a whole-graph run over 1,000,000 transactions within 60 s, of which this is the
// engine's share; graph's Neo4j read is measured by `crosslink detect` on the bench instance,
// docs/benchmarks.md). Run with -benchtime 1x.
func BenchmarkDetect(b *testing.B) {
	in := benchInput(1_000_000)
	cfg := Default()
	runtime.GC()
	// The peak heap: sampled every 20 ms while detection runs (runtime/metrics reads without
	// stopping the world).
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	b.ResetTimer()
	var res *Result
	for range b.N {
		txs := make([]Tx, len(in.Txs))
		copy(txs, in.Txs)
		res = Detect(Input{Txs: txs, Accounts: in.Accounts}, cfg, Options{})
	}
	b.StopTimer()
	close(stop)
	<-done
	b.ReportMetric(float64(len(in.Txs))*float64(b.N)/b.Elapsed().Seconds(), "tx/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(len(res.Signals)), "signals")
	for _, r := range res.Rules {
		b.Logf("%-24s %7d signals %7d subjects %8s", r.Rule, r.Signals, r.Subjects, r.Duration.Round(time.Millisecond))
	}
	b.Logf("index %s, total %s", res.Index.Round(time.Millisecond), res.Duration.Round(time.Millisecond))
	// The planted shapes are found in the crowd: every cycle member, every hub, every chain.
	found := map[string]int{}
	for _, s := range res.Signals {
		for _, k := range []struct{ rule, prefix string }{{"cycle", "acct:p:cycle:"}, {"fan_in", "acct:p:hub:"}, {"layering", "acct:p:chain:"}} {
			if s.Rule == k.rule && strings.HasPrefix(s.Subject, k.prefix) {
				found[k.rule]++
			}
		}
	}
	if found["cycle"] != 4*benchPlanted || found["fan_in"] != benchPlanted || found["layering"] != 6*benchPlanted {
		b.Errorf("planted shapes found: %v, want %d cycle members, %d hubs, %d chain members", found, 4*benchPlanted, benchPlanted, 6*benchPlanted)
	}
}
