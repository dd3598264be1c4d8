package demo

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/loaders"
)

// The world most tests look at: scale 1, one seed, generated once.
var (
	worldOnce sync.Once
	worldDir  string
	worldRes  Result
	worldErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if worldDir != "" {
		os.RemoveAll(worldDir)
	}
	os.Exit(code)
}

func scale1(t testing.TB) (string, Result) {
	t.Helper()
	worldOnce.Do(func() {
		worldDir, worldErr = os.MkdirTemp("", "crosslink-demo-")
		if worldErr == nil {
			worldRes, worldErr = Generate(context.Background(), Config{Scale: 1, Seed: 42}, worldDir)
		}
	})
	if worldErr != nil {
		t.Fatal(worldErr)
	}
	return worldDir, worldRes
}

func generate(t testing.TB, cfg Config) (string, Result) {
	t.Helper()
	dir := t.TempDir()
	res, err := Generate(context.Background(), cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, res
}

func rowsOf(res Result, name string) int {
	for _, f := range res.Files {
		if f.Name == name {
			return f.Rows
		}
	}
	return -1
}

var allFiles = []string{TransactionsFile, PlatformAccountsFile, PlatformEventsFile, CyberTipFile, FtMFile, GroundTruthFile}

func TestDemoDeterministic(t *testing.T) {
	a, _ := scale1(t)
	b, _ := generate(t, Config{Scale: 1, Seed: 42})
	c, _ := generate(t, Config{Scale: 1, Seed: 43})
	for _, name := range allFiles {
		fa, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		fb, _ := os.ReadFile(filepath.Join(b, name))
		fc, _ := os.ReadFile(filepath.Join(c, name))
		if !bytes.Equal(fa, fb) {
			t.Errorf("%s: two runs with seed 42 differ", name)
		}
		if bytes.Equal(fa, fc) {
			t.Errorf("%s: seeds 42 and 43 give the same bytes", name)
		}
	}
}

// TestDemoScaleGrowsLinearly checks that transactions, customers, networks, patterns and
// reports grow in proportion to the scale.
func TestDemoScaleGrowsLinearly(t *testing.T) {
	_, one := scale1(t)
	_, three := generate(t, Config{Scale: 3, Seed: 42})
	for _, tt := range []struct {
		name     string
		one, big int
		tol      float64
	}{
		{"transactions", rowsOf(one, TransactionsFile), rowsOf(three, TransactionsFile), 0.05},
		{"platform accounts", rowsOf(one, PlatformAccountsFile), rowsOf(three, PlatformAccountsFile), 0.05},
		{"platform events", rowsOf(one, PlatformEventsFile), rowsOf(three, PlatformEventsFile), 0.08},
		{"reports", rowsOf(one, CyberTipFile), rowsOf(three, CyberTipFile), 0.35},
		{"networks", len(one.Truth.Networks), len(three.Truth.Networks), 0},
		{"patterns", len(one.Truth.Patterns), len(three.Truth.Patterns), 0},
	} {
		ratio := float64(tt.big) / float64(tt.one)
		if ratio < 3*(1-tt.tol) || ratio > 3*(1+tt.tol) {
			t.Errorf("%s: scale 1 has %d, scale 3 has %d (×%.2f), want ×3 ± %.0f%%", tt.name, tt.one, tt.big, ratio, tt.tol*100)
		}
	}
	if n := rowsOf(one, TransactionsFile); n < 45_000 || n > 65_000 {
		t.Errorf("scale 1 has %d transactions, want about 50,000", n)
	}
	// Scale 20 must pass a million transactions: 20 × the per-scale rate, with the linearity
	// just checked.
	if n := rowsOf(three, TransactionsFile); n*20/3 < 1_000_000 {
		t.Errorf("scale 3 has %d transactions: scale 20 would have fewer than 1,000,000", n)
	}
}

// TestDemoLoadersAcceptEverything parses every file with the real loaders in a dry run and
// expects every record to load.
func TestDemoLoadersAcceptEverything(t *testing.T) {
	dir, res := scale1(t)
	for _, tt := range []struct {
		format, file string
		records      int
	}{
		{"transactions", TransactionsFile, rowsOf(res, TransactionsFile)},
		{"platform", PlatformAccountsFile, rowsOf(res, PlatformAccountsFile)},
		{"platform", PlatformEventsFile, rowsOf(res, PlatformEventsFile)},
		{"cybertip", CyberTipFile, xmlRecords(t, filepath.Join(dir, CyberTipFile))},
		{"ftm", FtMFile, rowsOf(res, FtMFile)},
	} {
		t.Run(tt.file, func(t *testing.T) {
			f, err := loaders.Lookup(tt.format)
			if err != nil {
				t.Skipf("format %q is not registered yet: %v", tt.format, err)
			}
			path := filepath.Join(dir, tt.file)
			in, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			sum, err := loaders.Load(context.Background(), nil, f, path, in, 0, loaders.Options{Partner: "demo", DryRun: true})
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if sum.Rejected != 0 {
				for _, ex := range sum.Examples {
					t.Errorf("reject: %s", ex)
				}
				t.Fatalf("%d of %d records rejected", sum.Rejected, sum.Read)
			}
			if sum.Loaded != tt.records {
				t.Errorf("loaded %d records, the generator wrote %d", sum.Loaded, tt.records)
			}
			if sum.Loaded == 0 {
				t.Error("nothing loaded")
			}
		})
	}
}

// xmlRecords counts the records of a CyberTipline file: reports and their file details.
func xmlRecords(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("<report ")) + bytes.Count(b, []byte("<fileDetails>"))
}

// files is what the generated files contain, read back as the loaders' inputs.
type files struct {
	txIDs, customers, accounts map[string]bool
	tx                         map[string]txRow
	platform                   map[PlatformRef]bool
	usernames                  map[string]bool
	reports                    map[string]map[string]bool // report number → esp identifiers named in it
	ftm                        map[string]bool
	emails, phones             map[string]bool
}

type txRow struct {
	at             time.Time
	payer, payee   string
	channel, ref   string
	amount         string
	payerCountry   string
	payeeCountry   string
	payerBirthDate string
}

func readFiles(t *testing.T, dir string) *files {
	t.Helper()
	f := &files{txIDs: map[string]bool{}, customers: map[string]bool{}, accounts: map[string]bool{},
		tx: map[string]txRow{}, platform: map[PlatformRef]bool{}, usernames: map[string]bool{}, reports: map[string]map[string]bool{},
		ftm: map[string]bool{}, emails: map[string]bool{}, phones: map[string]bool{}}
	phone := func(s, region string) {
		if s == "" {
			return
		}
		e164, err := graph.NormalizePhone(s, region)
		if err != nil {
			t.Fatalf("phone %q: %v", s, err)
		}
		f.phones[e164] = true
	}
	eachCSV(t, filepath.Join(dir, TransactionsFile), func(r map[string]string) {
		id := r["transaction_id"]
		f.txIDs[id] = true
		for _, k := range []string{"payer_customer_id", "payee_customer_id"} {
			if r[k] != "" {
				f.customers[r[k]] = true
			}
		}
		for _, k := range []string{"payer_account", "payee_account", "payer_iban", "payee_iban"} {
			if r[k] != "" {
				f.accounts[r[k]] = true
			}
		}
		if r["payer_email"] != "" {
			f.emails[strings.ToLower(r["payer_email"])] = true
		}
		phone(r["payer_phone"], r["payer_country"])
		phone(r["payee_phone"], r["payee_country"])
		at, err := time.Parse(time.RFC3339, r["timestamp"])
		if err != nil {
			t.Fatalf("transaction %s: %v", id, err)
		}
		payee := r["payee_account"] + r["payee_iban"]
		if payee == "" {
			payee = "merchant:" + r["merchant_id"]
		}
		f.tx[id] = txRow{at: at, payer: r["payer_account"] + r["payer_iban"], payee: payee, channel: r["channel"], ref: r["reference"],
			amount: r["amount"], payerCountry: r["payer_country"], payeeCountry: r["payee_country"], payerBirthDate: r["payer_birth_date"]}
	})
	eachCSV(t, filepath.Join(dir, PlatformAccountsFile), func(r map[string]string) {
		f.platform[PlatformRef{Service: r["service"], PlatformID: r["platform_id"], Username: r["username"]}] = true
		f.usernames[strings.ToLower(r["username"])] = true
		if r["email"] != "" {
			f.emails[strings.ToLower(r["email"])] = true
		}
		phone(r["phone"], r["phone_region"])
	})
	in, err := os.Open(filepath.Join(dir, CyberTipFile))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	dec := xml.NewDecoder(in)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "report" {
			var x xReport
			if err := dec.DecodeElement(&x, &se); err != nil {
				t.Fatal(err)
			}
			ids := map[string]bool{}
			for _, s := range x.Subjects {
				ids[s.ESPID] = true
				if s.Person != nil {
					for _, e := range s.Person.Emails {
						f.emails[strings.ToLower(e.Value)] = true
					}
					for _, p := range s.Person.Phones {
						phone(p.Value, "")
					}
				}
			}
			for _, s := range x.Recipients {
				ids[s.ESPID] = true
			}
			for _, s := range x.Victims {
				ids[s.ESPID] = true
			}
			f.reports[rid(x.ReportID)] = ids
		}
	}
	fi, err := os.ReadFile(filepath.Join(dir, FtMFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range bytes.Split(bytes.TrimSpace(fi), []byte("\n")) {
		var e ftmEntity
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatal(err)
		}
		f.ftm[e.ID] = true
		for _, v := range e.Properties["email"] {
			f.emails[strings.ToLower(v)] = true
		}
		for _, v := range e.Properties["phone"] {
			phone(v, "")
		}
	}
	return f
}

func eachCSV(t *testing.T, path string, fn func(map[string]string)) {
	t.Helper()
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	cr := csv.NewReader(in)
	header, err := cr.Read()
	if err != nil {
		t.Fatal(err)
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		m := make(map[string]string, len(header))
		for i, h := range header {
			m[h] = rec[i]
		}
		fn(m)
	}
}

func readTruth(t *testing.T, dir string) *GroundTruth {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, GroundTruthFile))
	if err != nil {
		t.Fatal(err)
	}
	var g GroundTruth
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// TestDemoGroundTruthNamesOnlyWhatTheFilesHold checks that every id ground_truth.json names is
// in the files, with the role it claims (a report names the account, a signal's transactions
// belong to its network).
func TestDemoGroundTruthNamesOnlyWhatTheFilesHold(t *testing.T) {
	dir, _ := scale1(t)
	f := readFiles(t, dir)
	g := readTruth(t, dir)
	check := func(what string, ok bool, id any) {
		t.Helper()
		if !ok {
			t.Errorf("%s %v is not in the files", what, id)
		}
	}
	checkMember := func(where, customer string, accounts []string, plat []PlatformRef, reports, ftm []string) {
		t.Helper()
		if customer != "" {
			check(where+": customer", f.customers[customer], customer)
		}
		for _, a := range accounts {
			check(where+": account", f.accounts[a], a)
		}
		for _, p := range plat {
			check(where+": platform account", f.platform[p], p)
		}
		for _, r := range reports {
			check(where+": report", f.reports[r] != nil, r)
		}
		for _, id := range ftm {
			check(where+": FtM entity", f.ftm[id], id)
		}
	}
	if len(g.Networks) != 3 || len(g.Patterns) != 10 {
		t.Fatalf("%d networks and %d patterns, want 3 and 10", len(g.Networks), len(g.Patterns))
	}
	roles := map[string]int{}
	for _, n := range g.Networks {
		inNet := map[string]bool{}
		for _, id := range n.TransactionIDs {
			check(n.ID+": transaction", f.txIDs[id], id)
			inNet[id] = true
		}
		for _, id := range n.ReportIDs {
			check(n.ID+": report", f.reports[id] != nil, id)
		}
		checkMember(n.ID, "", nil, nil, nil, n.FtMIDs)
		for _, m := range n.Members {
			roles[m.Role]++
			checkMember(n.ID+" "+m.Role, m.CustomerID, m.Accounts, m.PlatformAccounts, m.ReportIDs, m.FtMIDs)
		}
		for _, s := range n.Signals {
			if len(s.TransactionIDs) == 0 {
				t.Errorf("%s: signal %s has no transactions", n.ID, s.Signal)
			}
			for _, id := range s.TransactionIDs {
				if !inNet[id] {
					t.Errorf("%s: signal %s names %s, not a transaction of the network", n.ID, s.Signal, id)
				}
			}
		}
		if len(n.TransactionIDs) == 0 || len(n.Members) == 0 {
			t.Errorf("%s is empty", n.ID)
		}
	}
	for _, role := range []string{RoleBuyer, RoleFacilitator, RoleRecipient, RoleMule, RoleVictimAccount, RoleExtortionist} {
		if roles[role] == 0 {
			t.Errorf("no network member is a %s", role)
		}
	}
	if n := roles[RoleBuyer] + roles[RoleFacilitator] + roles[RoleMule] + roles[RoleExtortionist] + roles[RoleRecipient]; n < 20 || n > 40 {
		t.Errorf("%d offenders, facilitators and mules; want about 25", n)
	}
	for _, p := range g.Patterns {
		for _, id := range p.TransactionIDs {
			check(p.ID+": transaction", f.txIDs[id], id)
		}
		checkMember(p.ID, "", p.Accounts, nil, nil, nil)
		for _, c := range p.CustomerIDs {
			check(p.ID+": customer", f.customers[c], c)
		}
	}
	if len(g.SamePerson) < 500 {
		t.Errorf("%d same-person clusters; want most customers with a platform account", len(g.SamePerson))
	}
	for _, p := range g.SamePerson {
		var reports []string
		for _, r := range p.Reports {
			reports = append(reports, r.ReportID)
			if ids := f.reports[r.ReportID]; ids != nil && !ids[r.ESPIdentifier] {
				t.Errorf("%s: report %s does not name %s", p.Person, r.ReportID, r.ESPIdentifier)
			}
		}
		checkMember(p.Person, p.CustomerID, p.Accounts, p.PlatformAccounts, reports, p.FtMIDs)
		for _, e := range p.Emails {
			check(p.Person+": e-mail", f.emails[e], e)
		}
		for _, ph := range p.Phones {
			check(p.Person+": phone", f.phones[ph], ph)
		}
		if len(p.Names) == 0 && p.CustomerID != "" {
			t.Errorf("%s has no names", p.Person)
		}
	}
}

// TestDemoPatternsHaveTheirShape checks the planted AML patterns in the transactions file.
func TestDemoPatternsHaveTheirShape(t *testing.T) {
	dir, _ := scale1(t)
	f := readFiles(t, dir)
	g := readTruth(t, dir)
	for _, p := range g.Patterns {
		var txs []txRow
		for _, id := range p.TransactionIDs {
			txs = append(txs, f.tx[id])
		}
		slices.SortFunc(txs, func(a, b txRow) int { return a.at.Compare(b.at) })
		payers, payees := map[string]int{}, map[string]int{}
		for _, x := range txs {
			payers[x.payer]++
			payees[x.payee]++
			if !slices.Contains(p.Accounts, x.payer) || !slices.Contains(p.Accounts, x.payee) {
				t.Errorf("%s: transaction %s→%s leaves the pattern's accounts", p.ID, x.payer, x.payee)
			}
		}
		switch p.Type {
		case PatternFanIn:
			if len(payees) != 1 || len(payers) < 5 {
				t.Errorf("%s fan-in: %d payees, %d payers", p.ID, len(payees), len(payers))
			}
		case PatternFanOut:
			if len(payers) != 1 || len(payees) < 5 {
				t.Errorf("%s fan-out: %d payers, %d payees", p.ID, len(payers), len(payees))
			}
		case PatternCycle:
			if len(txs) < 3 || len(txs) > 6 {
				t.Fatalf("%s cycle of %d", p.ID, len(txs))
			}
			for i, x := range txs {
				next := txs[(i+1)%len(txs)]
				if x.payee != next.payer {
					t.Errorf("%s cycle broken after hop %d: %s then %s", p.ID, i, x.payee, next.payer)
				}
			}
		case PatternScatterGather, PatternGatherScatter:
			// Time-respecting: every payment out of an intermediate follows one into it.
			first := map[string]time.Time{}
			for _, x := range txs {
				if _, ok := first[x.payee]; !ok {
					first[x.payee] = x.at
				}
			}
			for _, x := range txs {
				if in, ok := first[x.payer]; ok && x.at.Before(in) {
					t.Errorf("%s: %s pays out at %s before it is paid at %s", p.ID, x.payer, x.at, in)
				}
			}
		}
	}
}

// TestDemoOffendersFollowTheIndicators spot-checks the D1–D3 parameters in the files.
func TestDemoOffendersFollowTheIndicators(t *testing.T) {
	dir, _ := scale1(t)
	f := readFiles(t, dir)
	g := readTruth(t, dir)
	hrj := map[string]bool{"PH": true, "TH": true, "CO": true, "RO": true, "NG": true, "GH": true}
	for _, n := range g.Networks {
		// Per payer: the burst of a sextortion victim, the weekly micro-subscription.
		bursts, subs := map[string][]txRow{}, map[string][]txRow{}
		for _, s := range n.Signals {
			for _, id := range s.TransactionIDs {
				switch s.Signal {
				case "sextortion_burst":
					bursts[f.tx[id].payer] = append(bursts[f.tx[id].payer], f.tx[id])
				case "micro_subscription":
					subs[f.tx[id].payer+">"+f.tx[id].payee] = append(subs[f.tx[id].payer+">"+f.tx[id].payee], f.tx[id])
				}
			}
		}
		for payer, txs := range bursts {
			var total int64
			for _, x := range txs {
				v, _ := graph.ParseAmount(x.amount, "EUR")
				total += v
			}
			first, _ := graph.ParseAmount(txs[0].amount, "EUR")
			if span := txs[len(txs)-1].at.Sub(txs[0].at); len(txs) < 3 || span > 48*time.Hour || first >= 25000 || total > 150000 {
				t.Errorf("%s: burst of %s: %d payments over %s, first %d, total %d", n.ID, payer, len(txs), span, first, total)
			}
		}
		for pair, txs := range subs {
			for i := 1; i < len(txs); i++ {
				gap := txs[i].at.Sub(txs[i-1].at)
				if txs[i].amount != txs[0].amount || gap < 6*24*time.Hour || gap > 8*24*time.Hour {
					t.Errorf("%s: subscription %s: %s after %s", n.ID, pair, txs[i].amount, gap)
				}
			}
		}
		for _, s := range n.Signals {
			for _, id := range s.TransactionIDs {
				x := f.tx[id]
				minor, err := graph.ParseAmount(x.amount, "EUR")
				if err != nil {
					t.Fatal(err)
				}
				switch s.Signal {
				case "hrj_remittance":
					if !hrj[x.payeeCountry] || minor < 500 || minor > 20000 || (x.channel != "msb" && x.channel != "p2p") {
						t.Errorf("%s %s: %s %s to %s by %s is no low-value HRJ remittance", n.ID, id, x.amount, x.channel, x.payeeCountry, x.channel)
					}
				case "round_amount":
					if minor%1000 != 0 {
						t.Errorf("%s %s: %s is not round", n.ID, id, x.amount)
					}
				case "handle_reference":
					m := loaders.ReferenceMentions(x.ref, x.payeeCountry)
					if len(m) == 0 {
						t.Errorf("%s %s: reference %q has no handle", n.ID, id, x.ref)
					}
					for _, h := range m {
						if v, _ := h.Props["value"].(string); !f.usernames[v] {
							t.Errorf("%s %s: handle %q in %q is no platform username", n.ID, id, v, x.ref)
						}
					}
				case "sextortion_burst":
					if x.channel != "p2p" {
						t.Errorf("%s %s: sextortion payment by %s", n.ID, id, x.channel)
					}
				}
			}
		}
	}
}

// TestDemoNightTime checks the timing rule of D1.5 for corridors where both ends can hold.
func TestDemoNightTime(t *testing.T) {
	w := &world{cfg: Config{Start: DefaultStart, Days: DefaultDays}}
	r := newRand(1, "test")
	for _, tt := range []struct {
		name             string
		sender, recip    int
		recipientEvening bool
	}{
		{"Sydney to Manila", 600, 480, true},
		{"Los Angeles to Manila", -480, 480, true},
		{"London to Medellín", 0, -300, true},
		{"London to Manila", 0, 480, false}, // no hour is both: late night at home only
	} {
		for range 50 {
			at := w.nightTime(r, 3, tt.sender, tt.recip)
			sl := at.Add(time.Duration(tt.sender) * time.Minute).Hour()
			rl := at.Add(time.Duration(tt.recip) * time.Minute).Hour()
			if sl < 22 && sl >= 5 {
				t.Errorf("%s: sender-local %02d:00 is not late night", tt.name, sl)
			}
			if tt.recipientEvening && rl < 18 {
				t.Errorf("%s: recipient-local %02d:00 is not evening", tt.name, rl)
			}
		}
	}
}

// TestDemoIdentifiersAreValid draws many of each identifier and normalises them as the loaders
// do.
func TestDemoIdentifiersAreValid(t *testing.T) {
	r := newRand(7, "ids")
	for cc, co := range countries {
		for range 200 {
			p := newPhone(r, cc, pick(r, co.cities))
			for _, s := range []string{p.e164, p.spaced()} {
				if got, err := graph.NormalizePhone(s, ""); err != nil || got != p.e164 {
					t.Fatalf("%s phone %q: %q, %v", cc, s, got, err)
				}
			}
			if nat, ok := p.national(); ok {
				if got, err := graph.NormalizePhone(nat, cc); err != nil || got != p.e164 {
					t.Fatalf("%s national phone %q: %q, %v (want %s)", cc, nat, got, err, p.e164)
				}
			}
		}
	}
	for _, cc := range []string{"GB", "DE", "NL"} {
		for range 200 {
			if _, err := graph.NormalizeIBAN(iban(r, cc)); err != nil {
				t.Fatalf("IBAN of %s: %v", cc, err)
			}
		}
	}
	var a ipAllocator
	seen := map[string]bool{}
	for range 100_000 {
		ip := a.homeV4()
		if seen[ip] {
			t.Fatalf("household address %s given twice", ip)
		}
		seen[ip] = true
	}
}

func BenchmarkGenerate(b *testing.B) {
	dir := b.TempDir()
	var rows int
	for b.Loop() {
		res, err := Generate(context.Background(), Config{Scale: 1, Seed: 42}, dir)
		if err != nil {
			b.Fatal(err)
		}
		rows = rowsOf(res, TransactionsFile)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "transactions/s")
}
