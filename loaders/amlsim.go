package loaders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/crosslink/crosslink/graph"
)

func init() { Register(&AMLSim{}) }

// AMLSim loads the CSV files of IBM's AMLSim simulator, a generator of synthetic bank
// transactions with planted laundering patterns whose labels make detection measurable. Three
// generations of its output are read, each file told apart by its header (see amlsimLayouts):
// the IBM 20K sample sets (nodes.csv, transactions.csv), the older "outputs" folder
// (accounts.csv, tx.csv, cash_tx.csv, alerts.csv) and the current exports (accounts.csv,
// transactions.csv, alert_accounts.csv, alert_transactions.csv). Labels become gt… properties.
//
// AMLSim numbers accounts from 0 in every run, so ids are scoped by partner only: load each
// simulation under its own -partner, or two runs' account 0 become one node.
//
// The zero value is ready to use; Flags binds the fields to the command line.
type AMLSim struct {
	// Start is the date of simulation step 0: the older layouts give times as step numbers, a
	// step being one day. Zero means 2017-01-01, the base date AMLSim itself uses.
	Start time.Time
	// Currency is the currency of the amounts whose row names none (everything but the
	// current accounts.csv, whose acct_rptng_crncy wins). Empty means USD, AMLSim's default.
	Currency string
	// Now bounds timestamps (nothing may lie more than a day after it); nil means time.Now.
	Now func() time.Time
}

// amlsimDefaultStart is AMLSim's own base date: its alerts.csv dates step 48 as 2017-02-18.
var amlsimDefaultStart = time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)

// amlsimMaxStep bounds step numbers: a simulation of a thousand years is a typing error, and
// the bound keeps step arithmetic far from overflow.
const amlsimMaxStep = 366_000

// Name is the format's name on the command line.
func (*AMLSim) Name() string { return "amlsim" }

// Describe is the format's line in `crosslink load -h`.
func (*AMLSim) Describe() string {
	return "AMLSim simulations: IBM 20K sets, outputs/ or current exports (CSV; kind told by the header)"
}

// Flags binds -amlsim-start and -amlsim-currency. Both are checked as they are parsed, so a
// bad value stops the command before any file is read.
func (f *AMLSim) Flags(fs *flag.FlagSet) {
	fs.Func("amlsim-start", "date of simulation step 0 for files that give steps, YYYY-MM-DD (default 2017-01-01)", func(s string) error {
		t, err := graph.NormalizeTime(s, nil, time.Now())
		if err != nil {
			return errors.New(graph.ErrorMessage(err))
		}
		f.Start = t
		return nil
	})
	fs.Func("amlsim-currency", "ISO 4217 currency of amounts whose row names none (default USD)", func(s string) error {
		c, err := graph.NormalizeCurrency(s)
		if err != nil {
			return errors.New(graph.ErrorMessage(err))
		}
		f.Currency = c
		return nil
	})
}

// AMLSimLayout is one kind of AMLSim file.
type AMLSimLayout string

// The AMLSim file kinds.
const (
	AMLSimNodes             AMLSimLayout = "nodes"              // IBM 20K sets: nodes.csv
	AMLSimTransfers         AMLSimLayout = "transfers"          // IBM 20K sets: transactions.csv
	AMLSimOutputAccounts    AMLSimLayout = "output-accounts"    // outputs/: accounts.csv
	AMLSimOutputTx          AMLSimLayout = "output-tx"          // outputs/: tx.csv
	AMLSimOutputCashTx      AMLSimLayout = "output-cash-tx"     // outputs/: cash_tx.csv
	AMLSimOutputAlerts      AMLSimLayout = "output-alerts"      // outputs/: alerts.csv
	AMLSimAccounts          AMLSimLayout = "accounts"           // exports: accounts.csv
	AMLSimTransactions      AMLSimLayout = "transactions"       // exports: transactions.csv
	AMLSimAlertAccounts     AMLSimLayout = "alert-accounts"     // exports: alert_accounts.csv
	AMLSimAlertTransactions AMLSimLayout = "alert-transactions" // exports: alert_transactions.csv
)

// amlsimLayouts lists the columns each kind of file must have, in the order they are tried:
// the first whose columns are all in the header wins. The alert files come before the files
// they annotate because they repeat those files' columns.
var amlsimLayouts = []struct {
	layout  AMLSimLayout
	file    string
	columns []string
}{
	{AMLSimNodes, "nodes.csv", []string{"nodeid", "isFraud"}},
	{AMLSimTransfers, "transactions.csv", []string{"sourceNodeId", "targetNodeId", "value", "time"}},
	{AMLSimOutputAccounts, "accounts.csv", []string{"ACCOUNT_ID", "PRIMARY_CUSTOMER_ID", "init_balance"}},
	{AMLSimOutputTx, "tx.csv", []string{"TXN_ID", "ACCOUNT_ID", "COUNTER_PARTY_ACCOUNT_NUM", "TXN_AMOUNT_ORIG", "start"}},
	{AMLSimOutputCashTx, "cash_tx.csv", []string{"TXN_ID", "ACCOUNT_ID", "TXN_SOURCE_TYPE_CODE", "TXN_AMOUNT_ORIG", "RUN_DATE"}},
	{AMLSimOutputAlerts, "alerts.csv", []string{"ALERT_KEY", "ACCOUNT_ID", "CHECK_NAME"}},
	{AMLSimAlertTransactions, "alert_transactions.csv", []string{"alert_id", "alert_type", "tran_id"}},
	{AMLSimAlertAccounts, "alert_accounts.csv", []string{"alert_id", "alert_type", "acct_id"}},
	{AMLSimTransactions, "transactions.csv", []string{"tran_id", "orig_acct", "bene_acct", "base_amt", "tran_timestamp"}},
	{AMLSimAccounts, "accounts.csv", []string{"acct_id", "initial_deposit"}},
}

// amlsimLayoutOf tells the kind of a file by its header. When none fits, the error lists what
// each kind needs and what the closest one lacks, since a renamed column is the usual cause.
func amlsimLayoutOf(c *CSV) (AMLSimLayout, error) {
	var want []string
	best, bestMissing := "", []string(nil)
	for _, l := range amlsimLayouts {
		var missing []string
		for _, col := range l.columns {
			if !c.Has(col) {
				missing = append(missing, col)
			}
		}
		if len(missing) == 0 {
			return l.layout, nil
		}
		if best == "" || len(missing) < len(bestMissing) {
			best, bestMissing = l.file+" ("+string(l.layout)+")", missing
		}
		want = append(want, fmt.Sprintf("%s (%s)", l.file, strings.Join(l.columns, ", ")))
	}
	return "", fmt.Errorf("header is not one of AMLSim's files; want the columns of %s; closest is %s, which lacks %s",
		strings.Join(want, " or "), best, strings.Join(bestMissing, ", "))
}

// Parse streams one AMLSim file of any of the layouts; see docs/formats.md "amlsim".
func (f *AMLSim) Parse(ctx context.Context, file string, r io.Reader, out *Emitter) error {
	run, err := f.run(out.Source().Partner)
	if err != nil {
		return err
	}
	c, err := NewCSV(r, ',')
	if err != nil {
		return err
	}
	layout, err := amlsimLayoutOf(c)
	if err != nil {
		return err
	}
	dup := newAMLSimDuplicates()
	return c.Each(ctx, out, func(rec CSVRecord) ([]graph.Node, []graph.Edge, *FieldError) {
		ar := AMLSimRecord{Layout: layout, Fields: rec, Ref: graph.Ref{Line: rec.Line}}
		if layout != AMLSimTransfers {
			return run.graph(ar)
		}
		// Identical rows are distinct transfers: number them before the id is derived.
		t, fe := run.transfer(rec)
		if fe != nil {
			return nil, nil, fe
		}
		if ar.Occurrence, fe = dup.next(t); fe != nil {
			return nil, nil, fe
		}
		nodes, edges := run.transferGraph(t, ar.Occurrence, ar.Ref)
		return nodes, edges, nil
	})
}

// AMLSimRecord is one row of an AMLSim file, as read from a file or received through the
// ingest API.
type AMLSimRecord struct {
	Layout AMLSimLayout
	// Fields gives the row's raw values by column name (case-insensitive; "" when absent).
	// CSVRecord is one; AMLSimRow is another.
	Fields interface{ Get(col string) string }
	// Occurrence counts, for a row of the IBM transfers layout, the identical rows before it in
	// the same file (0 for the first): it is part of the transaction id, which that layout lacks.
	Occurrence int
	// Ref locates the row; Record and Seen are filled in from the row where it has them.
	Ref graph.Ref
}

// AMLSimRow is a row as a map from lower-case column name to raw value.
type AMLSimRow map[string]string

// Get returns the trimmed value of a column, "" when absent.
func (r AMLSimRow) Get(col string) string { return strings.TrimSpace(r[strings.ToLower(col)]) }

// Graph validates one row and returns its nodes and edges, scoped by partner; or the first
// field at fault.
func (f *AMLSim) Graph(partner string, rec AMLSimRecord) ([]graph.Node, []graph.Edge, *FieldError) {
	run, err := f.run(partner)
	if err != nil {
		return nil, nil, AsField("settings", err)
	}
	if rec.Layout == AMLSimTransfers {
		t, fe := run.transfer(rec.Fields)
		if fe != nil {
			return nil, nil, fe
		}
		nodes, edges := run.transferGraph(t, rec.Occurrence, rec.Ref)
		return nodes, edges, nil
	}
	return run.graph(rec)
}

// amlsimRun is the settings of one load, resolved: one clock per file, so that every record
// of a file is checked against the same "future".
type amlsimRun struct {
	partner  string
	start    time.Time
	currency string
	now      time.Time
}

func (f *AMLSim) run(partner string) (*amlsimRun, error) {
	r := &amlsimRun{partner: partner, start: f.Start, currency: "USD", now: time.Now()}
	if strings.TrimSpace(partner) == "" {
		return nil, graph.Errorf(graph.EINVALID, "amlsim: no partner to scope account and transaction ids (set -partner)")
	}
	if r.start.IsZero() {
		r.start = amlsimDefaultStart
	}
	r.start = r.start.UTC()
	if f.Currency != "" {
		c, err := graph.NormalizeCurrency(f.Currency)
		if err != nil {
			return nil, graph.Errorf(graph.EINVALID, "amlsim currency: %s", graph.ErrorMessage(err))
		}
		r.currency = c
	}
	if f.Now != nil {
		r.now = f.Now()
	}
	return r, nil
}

func (r *amlsimRun) graph(rec AMLSimRecord) ([]graph.Node, []graph.Edge, *FieldError) {
	g := rec.Fields
	switch rec.Layout {
	case AMLSimNodes:
		return r.node(g, rec.Ref)
	case AMLSimOutputAccounts:
		return r.outputAccount(g, rec.Ref)
	case AMLSimOutputTx:
		return r.outputTx(g, rec.Ref)
	case AMLSimOutputCashTx:
		return r.outputCashTx(g, rec.Ref)
	case AMLSimOutputAlerts:
		return r.outputAlert(g, rec.Ref)
	case AMLSimAccounts:
		return r.account(g, rec.Ref)
	case AMLSimTransactions:
		return r.transaction(g, rec.Ref, false)
	case AMLSimAlertAccounts:
		return r.alertAccount(g, rec.Ref)
	case AMLSimAlertTransactions:
		return r.transaction(g, rec.Ref, true)
	}
	return nil, nil, Fieldf("layout", "unknown AMLSim layout %q", rec.Layout)
}

type amlsimFields = interface{ Get(col string) string }

// node reads a row of an IBM 20K nodes.csv: nodeid, isFraud, init_balance, fraudStep.
func (r *amlsimRun) node(g amlsimFields, ref graph.Ref) ([]graph.Node, []graph.Edge, *FieldError) {
	num, fe := amlsimAccount("nodeid", g.Get("nodeid"))
	if fe != nil {
		return nil, nil, fe
	}
	fraud, fe := amlsimBool("isFraud", g.Get("isFraud"), true)
	if fe != nil {
		return nil, nil, fe
	}
	props := map[string]any{"accountNumber": num, "gtIsFraud": fraud}
	if fe := r.balance(props, "init_balance", g.Get("init_balance"), r.currency); fe != nil {
		return nil, nil, fe
	}
	if s := g.Get("fraudStep"); s != "" {
		step, err := strconv.ParseInt(s, 10, 64)
		switch {
		case err != nil:
			return nil, nil, Fieldf("fraudStep", "not an integer step")
		case step < -1 || step > amlsimMaxStep:
			return nil, nil, Fieldf("fraudStep", "step %d is out of range; want -1 (none) or 0 to %d", step, amlsimMaxStep)
		case step >= 0:
			props["gtFraudStep"] = step
		}
	}
	ref.Record = num
	return []graph.Node{{Label: graph.LabelBankAccount, ID: graph.AccountID(r.partner, num), Props: props, Ref: ref}}, nil, nil
}

// amlsimTransfer is a row of an IBM 20K transactions.csv, validated.
type amlsimTransfer struct {
	from, to string
	amount   int64
	step     int64
	at       time.Time
}

// key is the row's content in canonical form: the same transfer written "5.5" or "5.50" is the
// same row.
func (t amlsimTransfer) key() string {
	return t.from + "|" + t.to + "|" + strconv.FormatInt(t.amount, 10) + "|" + strconv.FormatInt(t.step, 10)
}

// transfer reads a row of an IBM 20K transactions.csv: sourceNodeId, targetNodeId, value, time.
func (r *amlsimRun) transfer(g amlsimFields) (amlsimTransfer, *FieldError) {
	var t amlsimTransfer
	var fe *FieldError
	if t.from, fe = amlsimAccount("sourceNodeId", g.Get("sourceNodeId")); fe != nil {
		return t, fe
	}
	if t.to, fe = amlsimAccount("targetNodeId", g.Get("targetNodeId")); fe != nil {
		return t, fe
	}
	if t.amount, fe = amlsimAmount("value", g.Get("value"), r.currency); fe != nil {
		return t, fe
	}
	if t.step, t.at, fe = r.step("time", g.Get("time")); fe != nil {
		return t, fe
	}
	return t, nil
}

// transferGraph builds a transfer. The layout has no transaction id, so one is derived from
// the row's canonical content and the number of identical rows before it: stable across loads
// of the same file, and distinct for rows that repeat.
func (r *amlsimRun) transferGraph(t amlsimTransfer, occurrence int, ref graph.Ref) ([]graph.Node, []graph.Edge) {
	sum := sha256.Sum256([]byte(t.key() + "|" + strconv.Itoa(occurrence)))
	txID := hex.EncodeToString(sum[:16])
	ref.Seen = t.at
	return r.txGraph(amlsimTx{
		txID: txID, from: t.from, to: t.to, amount: t.amount, currency: r.currency, at: t.at,
		props: map[string]any{"step": t.step},
	}, ref)
}

// amlsimDuplicates numbers identical transfer rows. AMLSim writes transfers in time order,
// and identical rows share their step, so counts are kept for the current step only: memory
// stays bounded by the rows of one step. A row whose step was already left cannot be numbered
// without the counts that were dropped, so it is rejected rather than risk merging two
// transfers into one.
type amlsimDuplicates struct {
	started bool
	step    int64
	counts  map[string]int
	done    map[int64]bool
}

func newAMLSimDuplicates() *amlsimDuplicates {
	return &amlsimDuplicates{counts: map[string]int{}, done: map[int64]bool{}}
}

func (d *amlsimDuplicates) next(t amlsimTransfer) (int, *FieldError) {
	if !d.started || t.step != d.step {
		if d.done[t.step] {
			return 0, Fieldf("time", "step %d comes after step %d, but its rows ended earlier: sort the file by time so that identical rows can be numbered", t.step, d.step)
		}
		if d.started {
			d.done[d.step] = true
		}
		d.started, d.step = true, t.step
		clear(d.counts)
	}
	k := t.key()
	n := d.counts[k]
	d.counts[k] = n + 1
	return n, nil
}

// outputAccount reads a row of an outputs/ accounts.csv: ACCOUNT_ID, PRIMARY_CUSTOMER_ID,
// init_balance, start, end, country, business, suspicious, isFraud, modelID.
func (r *amlsimRun) outputAccount(g amlsimFields, ref graph.Ref) ([]graph.Node, []graph.Edge, *FieldError) {
	num, fe := amlsimAccount("ACCOUNT_ID", g.Get("ACCOUNT_ID"))
	if fe != nil {
		return nil, nil, fe
	}
	props := map[string]any{"accountNumber": num, "currency": r.currency, "business": g.Get("business")}
	if fe := r.balance(props, "init_balance", g.Get("init_balance"), r.currency); fe != nil {
		return nil, nil, fe
	}
	if s := g.Get("start"); s != "" {
		_, at, fe := r.step("start", s)
		if fe != nil {
			return nil, nil, fe
		}
		props["openedAt"] = at
		ref.Seen = at
	}
	// "end" is the last step the simulation ran the account, not a closure: not stored.
	if s := g.Get("country"); s != "" {
		c, err := graph.NormalizeCountry(s)
		if err != nil {
			return nil, nil, AsField("country", err)
		}
		props["country"] = c
	}
	for _, b := range []struct{ col, prop string }{{"isFraud", "gtIsFraud"}, {"suspicious", "gtIsSuspicious"}} {
		if s := g.Get(b.col); s != "" {
			v, fe := amlsimBool(b.col, s, false)
			if fe != nil {
				return nil, nil, fe
			}
			props[b.prop] = v
		}
	}
	if s := g.Get("modelID"); s != "" {
		v, fe := amlsimInt("modelID", s, 0)
		if fe != nil {
			return nil, nil, fe
		}
		props["txBehaviorId"] = v
	}
	ref.Record = num
	acct := graph.AccountID(r.partner, num)
	nodes := []graph.Node{{Label: graph.LabelBankAccount, ID: acct, Props: props, Ref: ref}}
	var edges []graph.Edge
	if cust := g.Get("PRIMARY_CUSTOMER_ID"); cust != "" {
		if fe := amlsimText("PRIMARY_CUSTOMER_ID", cust); fe != nil {
			return nil, nil, fe
		}
		// AMLSim marks individuals "I"; anything else is some kind of organisation.
		label := graph.LabelPerson
		if b := strings.ToUpper(g.Get("business")); b != "" && b != "I" {
			label = graph.LabelOrganization
		}
		party := graph.PartyID(label, r.partner, cust)
		nodes = append(nodes, graph.Node{Label: label, ID: party, Ref: ref,
			Props: map[string]any{"customerId": cust, "country": props["country"]}})
		edges = append(edges, graph.Edge{Type: graph.RelHolds, From: party, To: acct, Ref: ref})
	}
	return nodes, edges, nil
}

// outputTx reads a row of an outputs/ tx.csv: TXN_ID, ACCOUNT_ID (payer),
// COUNTER_PARTY_ACCOUNT_NUM (payee), TXN_SOURCE_TYPE_CODE, tx_count, TXN_AMOUNT_ORIG, start, end.
func (r *amlsimRun) outputTx(g amlsimFields, ref graph.Ref) ([]graph.Node, []graph.Edge, *FieldError) {
	id, fe := amlsimAccount("TXN_ID", g.Get("TXN_ID"))
	if fe != nil {
		return nil, nil, fe
	}
	t := amlsimTx{txID: id, currency: r.currency, props: map[string]any{}}
	if t.from, fe = amlsimAccount("ACCOUNT_ID", g.Get("ACCOUNT_ID")); fe != nil {
		return nil, nil, fe
	}
	if t.to, fe = amlsimAccount("COUNTER_PARTY_ACCOUNT_NUM", g.Get("COUNTER_PARTY_ACCOUNT_NUM")); fe != nil {
		return nil, nil, fe
	}
	if fe = r.outputCommon(g, &t, "start"); fe != nil {
		return nil, nil, fe
	}
	ref.Record, ref.Seen = id, t.at
	nodes, edges := r.txGraph(t, ref)
	return nodes, edges, nil
}

// outputCashTx reads a row of an outputs/ cash_tx.csv: TXN_ID, ACCOUNT_ID, BRANCH_ID,
// TXN_SOURCE_TYPE_CODE (CASH-IN or CASH-OUT), tx_count, TXN_AMOUNT_ORIG, RUN_DATE, end. Cash has
// one account: a CASH-OUT is sent by it and goes nowhere, a CASH-IN comes from nowhere to it.
func (r *amlsimRun) outputCashTx(g amlsimFields, ref graph.Ref) ([]graph.Node, []graph.Edge, *FieldError) {
	id, fe := amlsimAccount("TXN_ID", g.Get("TXN_ID"))
	if fe != nil {
		return nil, nil, fe
	}
	acct, fe := amlsimAccount("ACCOUNT_ID", g.Get("ACCOUNT_ID"))
	if fe != nil {
		return nil, nil, fe
	}
	t := amlsimTx{txID: id, currency: r.currency, props: map[string]any{"branchId": g.Get("BRANCH_ID")}}
	switch strings.ToUpper(g.Get("TXN_SOURCE_TYPE_CODE")) {
	case "CASH-OUT":
		t.from = acct
	case "CASH-IN":
		t.to = acct
	default:
		return nil, nil, Fieldf("TXN_SOURCE_TYPE_CODE", "want CASH-IN or CASH-OUT in a cash file")
	}
	if fe := amlsimText("BRANCH_ID", g.Get("BRANCH_ID")); fe != nil {
		return nil, nil, fe
	}
	if fe = r.outputCommon(g, &t, "RUN_DATE"); fe != nil {
		return nil, nil, fe
	}
	ref.Record, ref.Seen = id, t.at
	nodes, edges := r.txGraph(t, ref)
	return nodes, edges, nil
}

// outputCommon reads the columns tx.csv and cash_tx.csv share: type, count, amount and step.
func (r *amlsimRun) outputCommon(g amlsimFields, t *amlsimTx, stepCol string) *FieldError {
	var fe *FieldError
	if t.amount, fe = amlsimAmount("TXN_AMOUNT_ORIG", g.Get("TXN_AMOUNT_ORIG"), r.currency); fe != nil {
		return fe
	}
	if _, t.at, fe = r.step(stepCol, g.Get(stepCol)); fe != nil {
		return fe
	}
	if fe = t.setType("TXN_SOURCE_TYPE_CODE", g.Get("TXN_SOURCE_TYPE_CODE")); fe != nil {
		return fe
	}
	// tx_count is how many transfers AMLSim folded into the row; 1 in every sample.
	if s := g.Get("tx_count"); s != "" {
		n, fe := amlsimInt("tx_count", s, 1)
		if fe != nil {
			return fe
		}
		t.props["txCount"] = n
	}
	return nil
}

// outputAlert reads a row of an outputs/ alerts.csv: ALERT_KEY, ALERT_TEXT, ACCOUNT_ID,
// CUSTOMER_ID, EVENT_DATE (YYYYMMDD), CHECK_NAME (the typology), Organization_Type,
// Escalated_To_Case_Investigation (YES: it became a SAR).
func (r *amlsimRun) outputAlert(g amlsimFields, ref graph.Ref) ([]graph.Node, []graph.Edge, *FieldError) {
	alert, fe := amlsimInt("ALERT_KEY", g.Get("ALERT_KEY"), 0)
	if fe != nil {
		return nil, nil, fe
	}
	num, fe := amlsimAccount("ACCOUNT_ID", g.Get("ACCOUNT_ID"))
	if fe != nil {
		return nil, nil, fe
	}
	typ := g.Get("CHECK_NAME")
	if fe := amlsimText("CHECK_NAME", typ); fe != nil {
		return nil, nil, fe
	}
	props := map[string]any{"accountNumber": num, "gtAlertId": alert, "gtAlertType": typ}
	if s := g.Get("EVENT_DATE"); s != "" {
		d, err := time.Parse("20060102", s)
		if err == nil {
			d, err = graph.NormalizeTime(d.Format(time.RFC3339), nil, r.now)
		} else {
			err = graph.Errorf(graph.EINVALID, "not a date; want YYYYMMDD")
		}
		if err != nil {
			return nil, nil, AsField("EVENT_DATE", err)
		}
		props["gtAlertDate"] = d
		ref.Seen = d
	}
	if s := g.Get("Escalated_To_Case_Investigation"); s != "" {
		v, fe := amlsimBool("Escalated_To_Case_Investigation", s, false)
		if fe != nil {
			return nil, nil, fe
		}
		props["gtIsSar"] = v
	}
	ref.Record = strconv.FormatInt(alert, 10)
	return []graph.Node{{Label: graph.LabelBankAccount, ID: graph.AccountID(r.partner, num), Props: props, Ref: ref}}, nil, nil
}

// account reads a row of a current accounts.csv: acct_id, dsply_nm, type, acct_stat,
// acct_rptng_crncy, prior_sar_count, branch_id, open_dt, close_dt, initial_deposit,
// tx_behavior_id, bank_id, first_name, last_name, street_addr, city, state, country, zip,
// gender, birth_date, ssn, lon, lat.
func (r *amlsimRun) account(g amlsimFields, ref graph.Ref) ([]graph.Node, []graph.Edge, *FieldError) {
	num, fe := amlsimAccount("acct_id", g.Get("acct_id"))
	if fe != nil {
		return nil, nil, fe
	}
	cur := r.currency
	if s := g.Get("acct_rptng_crncy"); s != "" {
		c, err := graph.NormalizeCurrency(s)
		if err != nil {
			return nil, nil, AsField("acct_rptng_crncy", err)
		}
		cur = c
	}
	props := map[string]any{
		"accountNumber": num, "currency": cur, "displayName": g.Get("dsply_nm"),
		"accountType": g.Get("type"), "status": g.Get("acct_stat"),
		"branchId": g.Get("branch_id"), "bankId": g.Get("bank_id"),
	}
	for _, col := range []string{"dsply_nm", "type", "acct_stat", "branch_id", "bank_id"} {
		if fe := amlsimText(col, g.Get(col)); fe != nil {
			return nil, nil, fe
		}
	}
	if fe := r.balance(props, "initial_deposit", g.Get("initial_deposit"), cur); fe != nil {
		return nil, nil, fe
	}
	// prior_sar_count is a count in AMLSim's schema but a true/false flag in what it writes.
	if s := g.Get("prior_sar_count"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			b, fe := amlsimBool("prior_sar_count", s, false)
			if fe != nil {
				return nil, nil, Fieldf("prior_sar_count", "want a count or true/false")
			}
			if n = 0; b {
				n = 1
			}
		} else if n < 0 {
			return nil, nil, Fieldf("prior_sar_count", "negative count")
		}
		props["gtPriorSarCount"] = n
	}
	if s := g.Get("tx_behavior_id"); s != "" {
		v, fe := amlsimInt("tx_behavior_id", s, 0)
		if fe != nil {
			return nil, nil, fe
		}
		props["txBehaviorId"] = v
	}
	var opened time.Time
	if s := g.Get("open_dt"); s != "" {
		t, err := graph.NormalizeTime(s, nil, r.now)
		if err != nil {
			return nil, nil, AsField("open_dt", err)
		}
		opened = t
		props["openedAt"] = t
	}
	if s := g.Get("close_dt"); s != "" {
		t, err := graph.NormalizeTime(s, nil, r.now)
		switch {
		case err == nil && !opened.IsZero() && t.Before(opened):
			return nil, nil, Fieldf("close_dt", "before open_dt")
		case err == nil:
			props["closedAt"] = t
		case !amlsimFuture(s, r.now):
			return nil, nil, AsField("close_dt", err)
		}
		// Else AMLSim's far-future date (4748-11-28) for an account that stays open: not a
		// closure, and not an error.
	}
	var country string
	if s := g.Get("country"); s != "" {
		c, err := graph.NormalizeCountry(s)
		if err != nil {
			return nil, nil, AsField("country", err)
		}
		country = c
		props["country"] = c
	}
	ref.Record, ref.Seen = num, opened
	acct := graph.AccountID(r.partner, num)
	nodes := []graph.Node{{Label: graph.LabelBankAccount, ID: acct, Props: props, Ref: ref}}
	var edges []graph.Edge

	holder := acct // what the address belongs to: the person when there is one
	first, last := g.Get("first_name"), g.Get("last_name")
	if first != "" || last != "" {
		pp := map[string]any{"firstName": first, "lastName": last, "name": strings.TrimSpace(first + " " + last), "country": country}
		for _, col := range []string{"first_name", "last_name"} {
			if fe := amlsimText(col, g.Get(col)); fe != nil {
				return nil, nil, fe
			}
		}
		if s := g.Get("birth_date"); s != "" {
			d, err := graph.NormalizeDate(s, r.now)
			if err != nil {
				return nil, nil, AsField("birth_date", err)
			}
			pp["birthDate"] = d
		}
		if s := g.Get("gender"); s != "" {
			gender, fe := amlsimGender(s)
			if fe != nil {
				return nil, nil, fe
			}
			pp["gender"] = gender
		}
		// ssn is left out: a national id of a (here synthetic) person links nothing across
		// sources that the account does not already link, and it is the most sensitive column.
		holder = graph.PartyID(graph.LabelPerson, r.partner, num)
		nodes = append(nodes, graph.Node{Label: graph.LabelPerson, ID: holder, Props: pp, Ref: ref})
		edges = append(edges, graph.Edge{Type: graph.RelHolds, From: holder, To: acct, Ref: ref})
	}
	if street := g.Get("street_addr"); street != "" {
		ap := map[string]any{"street": street, "city": g.Get("city"), "state": g.Get("state"),
			"postalCode": g.Get("zip"), "country": country}
		for _, col := range []string{"street_addr", "city", "state", "zip"} {
			if fe := amlsimText(col, g.Get(col)); fe != nil {
				return nil, nil, fe
			}
		}
		for _, c := range []struct {
			col, prop string
			max       float64
		}{{"lat", "latitude", 90}, {"lon", "longitude", 180}} {
			if s := g.Get(c.col); s != "" {
				v, err := strconv.ParseFloat(s, 64)
				if err != nil || v < -c.max || v > c.max {
					return nil, nil, Fieldf(c.col, "want a number from %g to %g", -c.max, c.max)
				}
				ap[c.prop] = v
			}
		}
		var parts []string
		for _, p := range []string{street, g.Get("city"), strings.TrimSpace(g.Get("state") + " " + g.Get("zip")), country} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		full := strings.Join(parts, ", ")
		ap["full"] = full
		addr := graph.AddressID(full, country)
		nodes = append(nodes, graph.Node{Label: graph.LabelAddress, ID: addr, Props: ap, Ref: ref})
		edges = append(edges, graph.Edge{Type: graph.RelHasAddress, From: holder, To: addr, Ref: ref})
	}
	return nodes, edges, nil
}

// transaction reads a row of a current transactions.csv (tran_id, orig_acct, bene_acct,
// tx_type, base_amt, tran_timestamp, is_sar, alert_id) or, with alert, of an
// alert_transactions.csv (alert_id, alert_type, is_sar, tran_id and the same transaction
// columns). An alert row carries the transaction whole when it has its columns, so that the
// alert files may be loaded first or alone.
func (r *amlsimRun) transaction(g amlsimFields, ref graph.Ref, alert bool) ([]graph.Node, []graph.Edge, *FieldError) {
	id, fe := amlsimAccount("tran_id", g.Get("tran_id"))
	if fe != nil {
		return nil, nil, fe
	}
	t := amlsimTx{txID: id, currency: r.currency, props: map[string]any{}}
	if s := g.Get("is_sar"); s != "" {
		v, fe := amlsimBool("is_sar", s, false)
		if fe != nil {
			return nil, nil, fe
		}
		t.props["gtIsSar"] = v
	}
	if s := g.Get("alert_id"); s != "" || alert {
		a, fe := amlsimInt("alert_id", s, -1)
		if fe != nil {
			return nil, nil, fe
		}
		if a >= 0 {
			t.props["gtAlertId"] = a
		} else if alert {
			return nil, nil, Fieldf("alert_id", "-1 means no alert; an alert file needs the alert's id")
		}
	}
	if alert {
		typ := g.Get("alert_type")
		if typ == "" {
			return nil, nil, Fieldf("alert_type", "empty")
		}
		if fe := amlsimText("alert_type", typ); fe != nil {
			return nil, nil, fe
		}
		t.props["gtAlertType"] = typ
	}
	ref.Record = id
	full := !alert || g.Get("orig_acct") != "" || g.Get("bene_acct") != "" || g.Get("base_amt") != "" || g.Get("tran_timestamp") != ""
	if !full {
		// Labels only: the transaction comes from transactions.csv.
		t.props["transactionId"] = id
		return []graph.Node{{Label: graph.LabelTransaction, ID: graph.TransactionID(r.partner, id), Props: t.props, Ref: ref}}, nil, nil
	}
	if t.from, fe = amlsimAccount("orig_acct", g.Get("orig_acct")); fe != nil {
		return nil, nil, fe
	}
	if t.to, fe = amlsimAccount("bene_acct", g.Get("bene_acct")); fe != nil {
		return nil, nil, fe
	}
	if t.amount, fe = amlsimAmount("base_amt", g.Get("base_amt"), r.currency); fe != nil {
		return nil, nil, fe
	}
	at, err := graph.NormalizeTime(g.Get("tran_timestamp"), nil, r.now)
	if err != nil {
		return nil, nil, AsField("tran_timestamp", err)
	}
	t.at = at
	if fe := t.setType("tx_type", g.Get("tx_type")); fe != nil {
		return nil, nil, fe
	}
	ref.Seen = at
	nodes, edges := r.txGraph(t, ref)
	return nodes, edges, nil
}

// alertAccount reads a row of a current alert_accounts.csv: alert_id, alert_type, acct_id,
// acct_name, is_sar, model_id, start, end, schedule_id, bank_id. The account gets the alert as
// single properties; an account in several alerts keeps the last one loaded (in AMLSim's
// exports every account is in one alert at most).
func (r *amlsimRun) alertAccount(g amlsimFields, ref graph.Ref) ([]graph.Node, []graph.Edge, *FieldError) {
	alert, fe := amlsimInt("alert_id", g.Get("alert_id"), 0)
	if fe != nil {
		return nil, nil, fe
	}
	typ := g.Get("alert_type")
	if typ == "" {
		return nil, nil, Fieldf("alert_type", "empty")
	}
	if fe := amlsimText("alert_type", typ); fe != nil {
		return nil, nil, fe
	}
	num, fe := amlsimAccount("acct_id", g.Get("acct_id"))
	if fe != nil {
		return nil, nil, fe
	}
	props := map[string]any{"accountNumber": num, "gtAlertId": alert, "gtAlertType": typ, "bankId": g.Get("bank_id")}
	if fe := amlsimText("bank_id", g.Get("bank_id")); fe != nil {
		return nil, nil, fe
	}
	if s := g.Get("is_sar"); s != "" {
		v, fe := amlsimBool("is_sar", s, false)
		if fe != nil {
			return nil, nil, fe
		}
		props["gtIsSar"] = v
	}
	ref.Record = num
	return []graph.Node{{Label: graph.LabelBankAccount, ID: graph.AccountID(r.partner, num), Props: props, Ref: ref}}, nil, nil
}

// amlsimTx is a transaction of any layout, validated. from or to is empty for cash.
type amlsimTx struct {
	txID     string // the source's transaction id, or the derived one
	from, to string // account numbers
	amount   int64
	currency string
	at       time.Time
	props    map[string]any // layout-specific properties and labels
}

// amlsimChannels maps AMLSim's transaction types to the channels of docs/formats.md. Every
// non-cash type moves money between two accounts of the simulated banks.
var amlsimChannels = map[string]string{
	"WIRE": "bank_transfer", "TRANSFER": "bank_transfer", "CREDIT": "bank_transfer",
	"DEPOSIT": "bank_transfer", "CHECK": "bank_transfer", "CASH-IN": "cash", "CASH-OUT": "cash",
}

// setType keeps AMLSim's own type as txType and maps it to a channel; a type AMLSim did not
// have when this was written is "other", not a reject, since users configure their own.
func (t *amlsimTx) setType(col, s string) *FieldError {
	if s == "" {
		return nil
	}
	if fe := amlsimText(col, s); fe != nil {
		return fe
	}
	t.props["txType"] = s
	ch, ok := amlsimChannels[strings.ToUpper(s)]
	if !ok {
		ch = "other"
	}
	t.props["channel"] = ch
	return nil
}

// txGraph builds (payer account)-[:SENT]->(Transaction)-[:TO]->(payee account). The accounts
// are written with their number only, so that transactions may be loaded before accounts.
func (r *amlsimRun) txGraph(t amlsimTx, ref graph.Ref) ([]graph.Node, []graph.Edge) {
	id := graph.TransactionID(r.partner, t.txID)
	props := t.props
	props["transactionId"] = t.txID
	props["amount"] = t.amount
	props["currency"] = t.currency
	props["timestamp"] = t.at
	nodes := make([]graph.Node, 0, 3)
	edges := make([]graph.Edge, 0, 2)
	nodes = append(nodes, graph.Node{Label: graph.LabelTransaction, ID: id, Props: props, Ref: ref})
	if t.from != "" {
		a := graph.AccountID(r.partner, t.from)
		nodes = append(nodes, graph.Node{Label: graph.LabelBankAccount, ID: a, Props: map[string]any{"accountNumber": t.from}, Ref: ref})
		edges = append(edges, graph.Edge{Type: graph.RelSent, From: a, To: id, Ref: ref})
	}
	if t.to != "" {
		a := graph.AccountID(r.partner, t.to)
		if t.to != t.from {
			nodes = append(nodes, graph.Node{Label: graph.LabelBankAccount, ID: a, Props: map[string]any{"accountNumber": t.to}, Ref: ref})
		}
		edges = append(edges, graph.Edge{Type: graph.RelTo, From: id, To: a, Ref: ref})
	}
	return nodes, edges
}

// step turns a simulation step (a day) into a time after Start.
func (r *amlsimRun) step(col, s string) (int64, time.Time, *FieldError) {
	if s == "" {
		return 0, time.Time{}, Fieldf(col, "empty; want the simulation step")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil:
		return 0, time.Time{}, Fieldf(col, "not an integer step")
	case n < 0 || n > amlsimMaxStep:
		return 0, time.Time{}, Fieldf(col, "step %d is out of range 0 to %d", n, amlsimMaxStep)
	}
	t := r.start.AddDate(0, 0, int(n))
	if t.After(r.now.Add(24 * time.Hour)) {
		return 0, time.Time{}, Fieldf(col, "step %d falls after today with the simulation starting %s", n, r.start.Format(time.DateOnly))
	}
	return n, t, nil
}

// balance sets initialBalance from an opening balance column, when given.
func (r *amlsimRun) balance(props map[string]any, col, s, currency string) *FieldError {
	if s == "" {
		return nil
	}
	if strings.HasPrefix(s, "-") {
		// AMLSim starts every account in credit; a negative opening balance is a broken row.
		return Fieldf(col, "negative opening balance")
	}
	v, err := graph.ParseAmount(s, currency)
	if err != nil {
		return AsField(col, err)
	}
	props["initialBalance"] = v
	props["currency"] = currency
	return nil
}

// amlsimAmount parses a transaction amount; a transfer of nothing is a broken row.
func amlsimAmount(col, s, currency string) (int64, *FieldError) {
	if s == "" {
		return 0, Fieldf(col, "empty; want the amount")
	}
	v, err := graph.ParseAmount(s, currency)
	if err != nil {
		return 0, AsField(col, err)
	}
	if v == 0 {
		return 0, Fieldf(col, "amount is zero")
	}
	return v, nil
}

// amlsimMaxID bounds account and transaction numbers in digits (int64 has 19).
const amlsimMaxID = 18

// amlsimAccount checks an account or transaction number. AMLSim numbers both with
// non-negative integers; the canonical decimal is the id, so "007" and "7" are one account.
func amlsimAccount(col, s string) (string, *FieldError) {
	if s == "" {
		return "", Fieldf(col, "empty")
	}
	if len(s) > amlsimMaxID {
		return "", Fieldf(col, "longer than %d digits", amlsimMaxID)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return "", Fieldf(col, "not a non-negative integer (AMLSim numbers accounts and transactions)")
	}
	return strconv.FormatUint(n, 10), nil
}

// amlsimInt parses an integer of at least min.
func amlsimInt(col, s string, min int64) (int64, *FieldError) {
	if s == "" {
		return 0, Fieldf(col, "empty; want an integer")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil:
		return 0, Fieldf(col, "not an integer")
	case n < min:
		return 0, Fieldf(col, "%d is less than %d", n, min)
	}
	return n, nil
}

// amlsimBool reads AMLSim's booleans: True/False, true/false, 1/0 and, in alerts, YES/NO.
// required says whether an empty value is an error.
func amlsimBool(col, s string, required bool) (bool, *FieldError) {
	switch strings.ToLower(s) {
	case "1", "true", "t", "yes", "y":
		return true, nil
	case "0", "false", "f", "no", "n":
		return false, nil
	case "":
		if !required {
			return false, nil
		}
		return false, Fieldf(col, "empty; want true or false")
	}
	return false, Fieldf(col, "not a boolean; want true/false, 1/0 or yes/no")
}

// amlsimGender maps the genders AMLSim's name generator writes onto FtM's values.
func amlsimGender(s string) (string, *FieldError) {
	switch strings.ToLower(s) {
	case "m", "male":
		return "male", nil
	case "f", "female":
		return "female", nil
	case "o", "other", "x":
		return "other", nil
	}
	return "", Fieldf("gender", "want male, female or other")
}

// amlsimMaxText bounds free-text columns.
const amlsimMaxText = 1000

// amlsimText checks a free-text column: no control characters, which would only be corruption.
func amlsimText(col, s string) *FieldError {
	if len(s) > amlsimMaxText {
		return Fieldf(col, "longer than %d bytes", amlsimMaxText)
	}
	for _, c := range s {
		if unicode.IsControl(c) {
			return Fieldf(col, "contains a control character")
		}
	}
	return nil
}

// amlsimFuture reports whether s is a well-formed date or time after now, which AMLSim uses
// for "never" in close_dt.
func amlsimFuture(s string, now time.Time) bool {
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.After(now)
		}
	}
	return false
}
