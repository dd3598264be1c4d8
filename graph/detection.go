package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crosslink/crosslink/graph/detect"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Detection runs the rules of graph/detect over the graph and stores what they find (migration
// 000010):
//
//	(:Signal {id, rule, family, indicator, subject, key, strength, summary, transactions,
//	          entities, links, facts, truncated, hash, firstRunId, runId, createdAt, updatedAt})
//	    -[:SIGNAL_OF]->(subject)
//	(:RiskScore {subject, risk, breakdown, alert, alertReason, signals, hash, runId, updatedAt})
//	    -[:RISK_OF]->(subject)
//	(:DetectionRun {id, mode, by, status, startedAt, finishedAt, configHash, transactions,
//	                accounts, subjects, signals, scores, alerts, created, updated, deleted,
//	                readMs, factsMs, engineMs, writeMs, rules})
//
// A signal's id is its rule, subject and key, so a run writes only the difference from what is
// stored: a re-run over unchanged data writes nothing but its DetectionRun. A risk score is a
// function of its subject's stored signals and the configured weights.
//
// Runs are full (every transaction) or incremental: the subjects that new data touched are
// re-evaluated over their neighbourhood (see DetectOptions.Touched), and other subjects keep
// their signals until the next full run. Detection never reads the gt… properties that the
// AMLSim loader keeps for evaluation.

// DetectMode is a detection run's kind.
type DetectMode string

// Detection run modes.
const (
	DetectFull        DetectMode = "FULL"        // the whole graph
	DetectIncremental DetectMode = "INCREMENTAL" // the neighbourhood of what a load touched
)

// DetectOptions say what a detection run covers.
type DetectOptions struct {
	// Config is the detection configuration (nil: detect.Default()).
	Config *detect.Config
	// Touched, when not empty, makes the run incremental: the node ids that new data wrote
	// (accounts, parties, merchants, identifiers, reports). The run reads the transactions
	// within detectNeighbourhoodHops transaction hops of them (and of the payment ends their
	// identifiers and reports reach), rewrites the signals of the touched subjects (every
	// pattern through them lies inside what was read), and adds or updates the signals it finds
	// for the others without removing any of theirs: new data can only take a signal away from
	// a subject whose own payments it changed. Nil runs over the whole graph.
	Touched []string
	// By names who started the run (a user, "load", "serve").
	By string
	// Progress, when set, hears each stage as it starts.
	Progress func(stage string)
}

// DetectReport says what a run did.
type DetectReport struct {
	RunID        string
	Mode         DetectMode
	Started      time.Time
	Transactions int // read
	Accounts     int // payers and payees read
	Subjects     int // with at least one signal after the run (in scope)
	Signals      int // found by the run
	Scores       int
	Alerts       int // subjects whose score raises an alert
	AlertStats   AlertStats
	Created      int // signals written new
	Updated      int // signals that changed
	Deleted      int // signals that no longer hold
	Rules        []detect.RuleStat
	Errors       []string // rules that failed; the others' results stand
	ConfigHash   string
	Read         time.Duration
	Facts        time.Duration
	Engine       time.Duration
	Write        time.Duration
	Total        time.Duration
}

// Bounds of detection reads and writes.
const (
	detectReadPage          = 50_000 // transactions per read transaction
	detectNeighbourhoodHops = 3      // incremental runs: a cycle of 6 through a touched account lies within 3 hops
	detectMaxIncremental    = 200_000
	detectMaxTouched        = 50_000
)

// Detect runs detection (see the comment at the top of this file). One run at a time across
// processes (the "detection" lease). It returns EINVALID for a bad option and EUNAVAILABLE when
// Neo4j cannot be reached or ctx ends.
func (s *Store) Detect(ctx context.Context, o DetectOptions) (DetectReport, error) {
	if o.Config == nil {
		o.Config = detect.Default()
	}
	if len(o.Touched) > detectMaxTouched {
		// A load this large changes most of the graph: a full run costs no more.
		o.Touched = nil
	}
	release, err := s.lockRun(ctx, "detection", o.By)
	if err != nil {
		return DetectReport{}, err
	}
	defer release()
	return s.detect(ctx, o)
}

func (s *Store) detect(ctx context.Context, o DetectOptions) (DetectReport, error) {
	began := time.Now()
	rep := DetectReport{Mode: DetectFull, Started: began.UTC().Truncate(time.Millisecond), ConfigHash: o.Config.Hash()}
	if o.Touched != nil {
		rep.Mode = DetectIncremental
	}
	var err error
	if rep.RunID, err = newResolutionID("det"); err != nil {
		return rep, err
	}
	stage := func(name string) {
		if o.Progress != nil {
			o.Progress(name)
		}
	}

	stage("read transactions")
	t0 := time.Now()
	var in detect.Input
	var rewrite, complete map[string]bool // incremental: subjects whose signals are rewritten, and those seen whole
	if rep.Mode == DetectIncremental {
		in, rewrite, complete, err = s.readIncremental(ctx, o.Touched)
		if err != nil {
			return rep, err
		}
		if in.Txs == nil && rewrite == nil { // the neighbourhood is too large: a full run
			rep.Mode = DetectFull
		}
	}
	if rep.Mode == DetectFull {
		if in, err = s.readDetectInput(ctx, nil); err != nil {
			return rep, err
		}
	}
	rep.Transactions, rep.Accounts = len(in.Txs), len(in.Accounts)
	rep.Read = time.Since(t0)

	stage("read cross-sector facts")
	t0 = time.Now()
	var subjects []string
	if rewrite != nil {
		subjects = keysOf(rewrite)
	}
	if in.Facts, err = s.DetectFacts(ctx, o.Config, subjects); err != nil {
		return rep, err
	}
	var dopts detect.Options
	if rep.Mode == DetectFull {
		if rc := o.Config.Rules.RiskyCommunity; rc.On() {
			stage("find money-flow communities")
			if in.Facts.Communities, err = s.detectCommunityFacts(ctx, rc.MinSize); err != nil {
				return rep, err
			}
		}
	} else {
		// Communities are a whole-graph matter: incremental runs leave the network rules'
		// signals as the last full run stored them. Subjects seen in part (the counterparties at
		// the edge of what was read) would get partial signals: only those seen whole count.
		dopts.Rules, dopts.Subjects = []string{}, complete
		for _, r := range o.Config.RuleList() {
			if r.Family != detect.FamilyNetwork {
				dopts.Rules = append(dopts.Rules, r.Name)
			}
		}
	}
	rep.Facts = time.Since(t0)

	stage("run the rules")
	t0 = time.Now()
	res := detect.Detect(in, o.Config, dopts)
	rep.Engine = time.Since(t0)
	rep.Rules, rep.Signals, rep.Subjects = res.Rules, len(res.Signals), len(res.Scores)
	for _, e := range res.Errors {
		rep.Errors = append(rep.Errors, e.Error())
	}

	stage("store signals and scores")
	t0 = time.Now()
	w := &resolveWriter{s: s, run: rep.RunID, at: rep.Started}
	changed, err := w.signals(ctx, res.Signals, rewrite, &rep)
	if err != nil {
		return rep, err
	}
	scores, err := w.scores(ctx, o.Config, changed, rewrite)
	if err != nil {
		return rep, err
	}
	rep.Scores = len(scores)
	var cands []AlertCandidate
	for _, sc := range scores {
		if sc.Alert {
			rules := make([]string, 0, len(sc.Breakdown))
			for _, c := range sc.Breakdown {
				if c.Contribution > 0 {
					rules = append(rules, c.Rule)
				}
			}
			cands = append(cands, AlertCandidate{Subject: sc.Subject, Risk: sc.Risk, Reason: sc.AlertReason, Rules: rules, SignalIDs: sc.signalIDs})
		}
	}
	rep.Alerts = len(cands)
	if rep.AlertStats, err = s.RaiseAlerts(ctx, rep.RunID, cands); err != nil {
		return rep, err
	}
	rep.Write = time.Since(t0)
	rep.Total = time.Since(began)
	if err := w.detectionRun(ctx, o.By, rep); err != nil {
		return rep, err
	}
	return rep, nil
}

// readDetectInput reads the transactions (all of them, or those with an end in ids) and what
// is known of their accounts.
func (s *Store) readDetectInput(ctx context.Context, ids []string) (detect.Input, error) {
	in := detect.Input{Accounts: map[string]*detect.Account{}}
	var err error
	if ids == nil {
		in.Txs, err = s.streamTxs(ctx, detectPayers+detectTxsOf, nil)
	} else {
		// Payments out of the neighbourhood, then those into it from outside.
		in.Txs, err = s.streamTxs(ctx, `UNWIND $ids AS id MATCH (a:Entity {id: id})`+detectTxsOf, map[string]any{"ids": ids})
		if err == nil {
			var more []detect.Tx
			more, err = s.streamTxs(ctx, `UNWIND $ids AS id MATCH (:Entity {id: id})<-[:TO]-(:Transaction)<-[:SENT]-(a)
WHERE NOT a.id IN $ids
WITH DISTINCT a`+detectTxsOf+` AND b.id IN $ids`, map[string]any{"ids": ids})
			in.Txs = append(in.Txs, more...)
		}
	}
	if err != nil {
		return in, err
	}
	seen := map[string]bool{}
	var nodes []string
	for _, t := range in.Txs {
		for _, id := range []string{t.From, t.To} {
			if !seen[id] {
				seen[id] = true
				nodes = append(nodes, id)
			}
		}
	}
	if err := s.readDetectAccounts(ctx, nodes, in.Accounts); err != nil {
		return in, err
	}
	return in, nil
}

// detectPayers and detectTxsOf read the payments grouped by payer: one row per payer with the
// list of its payments is twice as fast over Bolt as a row per payment, and the subquery per
// payer keeps Neo4j's memory bounded (no aggregation over the whole graph).
const (
	detectPayers = `MATCH (a) WHERE a:BankAccount OR a:CryptoWallet OR a:Person OR a:Organization OR a:Company`
	detectTxsOf  = `
CALL (a) {
  MATCH (a)-[:SENT]->(t:Transaction)-[:TO]->(b)
  WHERE true`
)

// detectTxsTail ends detectTxsOf; split so that callers may add to its WHERE.
const detectTxsTail = `
  RETURN collect([t.id, b.id, t.amount, t.currency, t.timestamp.epochMillis, t.channel, t.reference, t.mcc,
    t.payerCountry, t.payeeCountry, b:Merchant, coalesce(t.merchantName, CASE WHEN b:Merchant THEN b.name END),
    [(t)-[:MENTIONS]->(h:Handle) | h.value]]) AS txs
}
WITH a, txs WHERE size(txs) > 0
RETURN a.id AS from, txs`

// streamTxs runs a payments query (detectTxsOf, with detectTxsTail added) in one read
// transaction, decoding rows as they arrive: the whole result is never held as records.
func (s *Store) streamTxs(ctx context.Context, query string, params map[string]any) ([]detect.Tx, error) {
	query += detectTxsTail
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.db, AccessMode: neo4j.AccessModeRead, FetchSize: 2000})
	defer sess.Close(context.WithoutCancel(ctx))
	var out []detect.Tx
	_, err := sess.ExecuteRead(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		out = out[:0] // a retried transaction starts again
		res, err := tx.Run(ctx, query, params)
		if err != nil {
			return nil, err
		}
		for res.Next(ctx) {
			r := res.Record()
			from, _ := r.Values[0].(string)
			for _, v := range asList(r.Values[1]) {
				if row, ok := v.([]any); ok && len(row) == 13 {
					out = append(out, txFromRow(from, row))
				}
			}
		}
		return nil, res.Err()
	}, neo4j.WithTxTimeout(analyticsTimeout))
	if err != nil {
		return nil, translate("read payments for detection", err)
	}
	return out, nil
}

// txFromRow decodes one payment of detectTxsTail.
func txFromRow(from string, row []any) detect.Tx {
	m, _ := row[10].(bool)
	t := detect.Tx{
		ID: asString(row[0]), From: from, To: asString(row[1]), Amount: asInt64(row[2]), Currency: asString(row[3]),
		Channel: asString(row[5]), Reference: asString(row[6]), MCC: asString(row[7]), PayerCountry: asString(row[8]),
		PayeeCountry: asString(row[9]), ToMerchant: m, MerchantName: asString(row[11]), Mentions: asStrings(row[12]),
	}
	if ms, ok := row[4].(int64); ok {
		t.At = time.UnixMilli(ms).UTC()
	}
	return t
}

// readDetectAccounts reads what is known of the payers and payees: an account's type, country
// and holder, or a party paying or paid directly (its own holder).
func (s *Store) readDetectAccounts(ctx context.Context, ids []string, out map[string]*detect.Account) error {
	for start := 0; start < len(ids); start += detectReadPage {
		batch := ids[start:min(start+detectReadPage, len(ids))]
		res, err := s.read(ctx, "read accounts for detection", func(tx neo4j.ManagedTransaction) (any, error) {
			return collectRecords(ctx, tx, `UNWIND $ids AS id
MATCH (a:Entity {id: id})
OPTIONAL CALL (a) {
  MATCH (p:Person|Organization|Company)-[:HOLDS]->(a) RETURN p ORDER BY p.id LIMIT 1
}
WITH a, CASE WHEN a:Person OR a:Organization OR a:Company THEN a ELSE p END AS h
RETURN a.id AS id, a.accountType AS type, a.country AS country, a.holderName AS holderName,
  a.holderBirthDate AS holderBirthDate, h.id AS holder, h:Person AS person, h.name AS name,
  h.lastName AS lastName, h.birthDate AS birthDate, h.country AS holderCountry,
  h.customerId IS NOT NULL AS customer`, map[string]any{"ids": batch})
		})
		if err != nil {
			return err
		}
		for _, r := range res.([]*neo4j.Record) {
			get := func(k string) any { v, _ := r.Get(k); return v }
			a := &detect.Account{ID: asString(get("id")), Type: asString(get("type")), Country: asString(get("country"))}
			if hid := asString(get("holder")); hid != "" {
				person, _ := get("person").(bool)
				customer, _ := get("customer").(bool)
				a.Holder = &detect.Party{ID: hid, Name: asString(get("name")), Surname: asString(get("lastName")),
					BirthDate: asDate(get("birthDate")), Country: asString(get("holderCountry")), Person: person, Customer: customer}
			} else if name, bd := asString(get("holderName")), asDate(get("holderBirthDate")); name != "" || !bd.IsZero() {
				// An account whose holder the bank names without a customer record: the account
				// is its own subject, with what the bank knows of the holder.
				a.Holder = &detect.Party{ID: a.ID, Name: name, BirthDate: bd, Country: a.Country, Person: true}
			}
			out[a.ID] = a
		}
	}
	return nil
}

// asDate reads a date stored as a Neo4j date, a datetime or an ISO string; zero when none.
func asDate(v any) time.Time {
	switch d := v.(type) {
	case string:
		for _, layout := range []string{"2006-01-02", "2006-01", "2006"} {
			if t, err := time.Parse(layout, strings.TrimSpace(d)); err == nil {
				return t
			}
		}
		return time.Time{}
	case neo4j.Date:
		return d.Time()
	}
	return asTime(v)
}

// DetectTouched collects, from the batches a load or an ingest wrote, the nodes an incremental
// detection run starts from. It is safe for concurrent use.
type DetectTouched struct {
	mu   sync.Mutex
	ids  map[string]bool
	full bool
}

// detectTouchLabels are the labels whose nodes can change what detection finds: the ends of
// payments, and the identifiers and reports that cross-sector rules join on.
var detectTouchLabels = map[Label]bool{
	LabelPerson: true, LabelOrganization: true, LabelCompany: true, LabelBankAccount: true, LabelCryptoWallet: true,
	LabelMerchant: true, LabelUserAccount: true, LabelReport: true, LabelEmail: true, LabelPhone: true,
	LabelIPAddress: true, LabelDevice: true, LabelFileHash: true, LabelHandle: true,
}

// Add records the nodes of one written batch.
func (t *DetectTouched) Add(b Batch) {
	ids := make([]string, 0, len(b.Nodes))
	for _, n := range b.Nodes {
		if detectTouchLabels[n.Label] {
			ids = append(ids, n.ID)
		}
	}
	t.AddIDs(ids...)
}

// IDs returns the touched node ids, sorted; full is true when so many were touched that a full
// run is the better choice. No ids and not full means nothing was written.
func (t *DetectTouched) IDs() (ids []string, full bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return keysOf(t.ids), t.full
}

// MarkFull asks for a full run.
func (t *DetectTouched) MarkFull() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.full, t.ids = true, nil
}

// AddIDs records node ids (a failed run's, to try again).
func (t *DetectTouched) AddIDs(ids ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.full {
		return
	}
	if t.ids == nil {
		t.ids = map[string]bool{}
	}
	for _, id := range ids {
		t.ids[id] = true
	}
	if len(t.ids) > detectMaxTouched {
		t.full, t.ids = true, nil
	}
}

// Merge adds what o touched.
func (t *DetectTouched) Merge(o *DetectTouched) {
	if o == nil {
		return
	}
	ids, full := o.IDs()
	if full {
		t.MarkFull()
		return
	}
	t.AddIDs(ids...)
}

// Take returns what IDs returns and empties t.
func (t *DetectTouched) Take() (ids []string, full bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ids, full = keysOf(t.ids), t.full
	t.ids, t.full = nil, false
	return ids, full
}

// detectExpand adds to the touched nodes the payment ends that identifiers, reports and
// platform accounts among them reach (a new report naming a customer's e-mail changes the
// customer's signals).
func (s *Store) detectExpand(ctx context.Context, touched []string) ([]string, error) {
	out := slices.Clone(touched)
	for start := 0; start < len(touched); start += detectReadPage {
		batch := touched[start:min(start+detectReadPage, len(touched))]
		res, err := s.read(ctx, "find the payment ends new data reaches", func(tx neo4j.ManagedTransaction) (any, error) {
			return collectRecords(ctx, tx, `UNWIND $ids AS id
MATCH (n:Entity {id: id})
WHERE NOT (n:BankAccount OR n:CryptoWallet OR n:Merchant OR EXISTS { (n)-[:HOLDS]->() })
CALL (n) {
  MATCH (n)-[:USES_EMAIL|USES_PHONE|USES_DEVICE|HAS_HANDLE|SUBJECT_OF|RECIPIENT_IN|VICTIM_IN|REPORTED_FILE|LOGGED_IN_FROM|MENTIONS|HAS_USER_ACCOUNT|RESOLVED_TO*1..4]-(m)
  WHERE m:BankAccount OR m:CryptoWallet OR m:Transaction OR EXISTS { (m)-[:HOLDS]->() }
  RETURN DISTINCT m LIMIT $cap
}
RETURN DISTINCT CASE WHEN m:Transaction THEN COLLECT { MATCH (a)-[:SENT]->(m) RETURN a.id }[0] ELSE m.id END AS id`,
				map[string]any{"ids": batch, "cap": 1000})
		})
		if err != nil {
			return nil, err
		}
		for _, r := range res.([]*neo4j.Record) {
			if id, _ := r.Get("id"); asString(id) != "" {
				out = append(out, asString(id))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// detectSiblings adds to ids (and to near, at distance dist) the nodes that make one subject
// with them: the accounts a party holds, an account's holders, and their other accounts. Rules
// look at a customer's payments from all their accounts, so reading one account means reading
// them all. It returns ids with the additions, sorted.
func (s *Store) detectSiblings(ctx context.Context, ids []string, near map[string]int, dist int) ([]string, error) {
	out := slices.Clone(ids)
	for start := 0; start < len(ids); start += detectReadPage {
		batch := ids[start:min(start+detectReadPage, len(ids))]
		res, err := s.read(ctx, "read the accounts of the same holders", func(tx neo4j.ManagedTransaction) (any, error) {
			return collectRecords(ctx, tx, `UNWIND $ids AS id
MATCH (n:Entity {id: id})
CALL (n) {
  MATCH (n)-[:HOLDS]->(a) RETURN a.id AS x
  UNION
  MATCH (h)-[:HOLDS]->(n) RETURN h.id AS x
  UNION
  MATCH (h)-[:HOLDS]->(n) MATCH (h)-[:HOLDS]->(a) RETURN a.id AS x
}
RETURN DISTINCT x LIMIT $cap`, map[string]any{"ids": batch, "cap": detectMaxIncremental + 1})
		})
		if err != nil {
			return nil, err
		}
		for _, r := range res.([]*neo4j.Record) {
			v, _ := r.Get("x")
			if id := asString(v); id != "" {
				if _, ok := near[id]; !ok {
					near[id] = dist
					out = append(out, id)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// readIncremental reads the neighbourhood of the touched nodes: the nodes within
// detectNeighbourhoodHops transaction hops (in either direction), their transactions, and the
// subjects to rewrite (the touched ones) and those whose payments were all read (every
// subject met; the counterparties beyond are seen in part). Nil input and rewrite mean the neighbourhood is
// too large, and the caller runs over the whole graph.
func (s *Store) readIncremental(ctx context.Context, touched []string) (in detect.Input, rewrite, complete map[string]bool, err error) {
	near := map[string]int{}
	frontier, err := s.detectExpand(ctx, touched)
	if err != nil {
		return detect.Input{}, nil, nil, err
	}
	for _, id := range frontier {
		near[id] = 0
	}
	if frontier, err = s.detectSiblings(ctx, frontier, near, 0); err != nil {
		return detect.Input{}, nil, nil, err
	}
	for hop := 1; hop <= detectNeighbourhoodHops && len(frontier) > 0; hop++ {
		var next []string
		for start := 0; start < len(frontier); start += detectReadPage {
			batch := frontier[start:min(start+detectReadPage, len(frontier))]
			res, err := s.read(ctx, "read the neighbourhood for detection", func(tx neo4j.ManagedTransaction) (any, error) {
				return collectRecords(ctx, tx, `UNWIND $ids AS id
MATCH (:Entity {id: id})-[:SENT|TO]-(:Transaction)-[:SENT|TO]-(m)
WHERE NOT m:Merchant
RETURN DISTINCT m.id AS id LIMIT $cap`, map[string]any{"ids": batch, "cap": detectMaxIncremental + 1})
			})
			if err != nil {
				return detect.Input{}, nil, nil, err
			}
			for _, r := range res.([]*neo4j.Record) {
				id, _ := r.Get("id")
				if _, ok := near[asString(id)]; !ok {
					near[asString(id)] = hop
					next = append(next, asString(id))
				}
			}
			if len(near) > detectMaxIncremental {
				return detect.Input{}, nil, nil, nil
			}
		}
		slices.Sort(next)
		if frontier, err = s.detectSiblings(ctx, next, near, hop); err != nil {
			return detect.Input{}, nil, nil, err
		}
		if len(near) > detectMaxIncremental {
			return detect.Input{}, nil, nil, nil
		}
	}
	ids := keysOf(near)
	in, err = s.readDetectInput(ctx, ids)
	if err != nil {
		return in, nil, nil, err
	}
	if len(in.Txs) > detectMaxIncremental {
		return detect.Input{}, nil, nil, nil
	}
	x := detect.NewIndex(detect.Input{Accounts: in.Accounts}, detect.Default())
	rewrite, complete = map[string]bool{}, map[string]bool{}
	for id, d := range near {
		complete[x.Subject(id)] = true
		if d == 0 {
			rewrite[x.Subject(id)] = true
		}
	}
	return in, rewrite, complete, nil
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// signals writes the run's signals as a diff against the stored ones: all of them in a full
// run (rewrite nil), those of the rewritten subjects in an incremental one (signals found for
// other subjects are added or updated, never removed). It returns the subjects whose signals
// changed.
func (w *resolveWriter) signals(ctx context.Context, sigs []detect.Signal, rewrite map[string]bool, rep *DetectReport) (map[string]bool, error) {
	ran := map[string]bool{}
	for _, r := range rep.Rules {
		ran[r.Rule] = true
	}
	stored := map[string]string{} // id -> hash
	storedSubj := map[string]string{}
	storedRule := map[string]string{}
	var q string
	params := map[string]any{}
	if rewrite == nil {
		q = `MATCH (s:Signal) RETURN s.id AS id, s.hash AS hash, s.subject AS subject, s.rule AS rule`
	} else {
		subs := keysOf(rewrite)
		for _, sg := range sigs {
			if !rewrite[sg.Subject] {
				subs = append(subs, sg.Subject)
			}
		}
		q, params["subjects"] = `UNWIND $subjects AS subj MATCH (s:Signal {subject: subj})
RETURN s.id AS id, s.hash AS hash, s.subject AS subject, s.rule AS rule`, subs
	}
	res, err := w.s.read(ctx, "read stored signals", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, q, params)
	})
	if err != nil {
		return nil, err
	}
	for _, r := range res.([]*neo4j.Record) {
		id, _ := r.Get("id")
		h, _ := r.Get("hash")
		sub, _ := r.Get("subject")
		rule, _ := r.Get("rule")
		stored[asString(id)], storedSubj[asString(id)], storedRule[asString(id)] = asString(h), asString(sub), asString(rule)
	}
	changed := map[string]bool{}
	var upserts []map[string]any
	found := map[string]bool{}
	for _, sg := range sigs {
		id := sg.ID()
		found[id] = true
		row, hash, err := signalRow(sg)
		if err != nil {
			return nil, &Error{Code: EINTERNAL, Err: fmt.Errorf("signal %s: %w", id, err)}
		}
		old, ok := stored[id]
		switch {
		case !ok:
			rep.Created++
		case old != hash:
			rep.Updated++
		default:
			continue
		}
		changed[sg.Subject] = true
		upserts = append(upserts, row)
	}
	var deletes []map[string]any
	for id, sub := range storedSubj {
		// An incremental run removes only what it looked at again: the signals of the rewritten
		// subjects, of the rules that ran.
		if found[id] || (rewrite != nil && (!rewrite[sub] || !ran[storedRule[id]])) {
			continue
		}
		deletes = append(deletes, map[string]any{"id": id})
		changed[sub] = true
		rep.Deleted++
	}
	slices.SortFunc(deletes, func(a, b map[string]any) int { return strings.Compare(a["id"].(string), b["id"].(string)) })
	if err := w.batches(ctx, "delete signals that no longer hold", `UNWIND $rows AS row
MATCH (s:Signal {id: row.id}) DETACH DELETE s`, deletes); err != nil {
		return nil, err
	}
	if err := w.batches(ctx, "store signals", `UNWIND $rows AS row
MERGE (s:Signal {id: row.id})
ON CREATE SET s.firstRunId = $run, s.createdAt = $at
SET s += row.props, s.runId = $run, s.updatedAt = $at
WITH s, row
MATCH (n:Entity {id: row.props.subject})
MERGE (s)-[:SIGNAL_OF]->(n)`, upserts); err != nil {
		return nil, err
	}
	return changed, nil
}

// signalRow is a signal as stored, and the hash of what it says.
func signalRow(sg detect.Signal) (map[string]any, string, error) {
	links, err := json.Marshal(sg.Evidence.Links)
	if err != nil {
		return nil, "", err
	}
	facts, err := json.Marshal(sg.Evidence.Facts)
	if err != nil {
		return nil, "", err
	}
	props := map[string]any{
		"rule": sg.Rule, "family": sg.Family, "indicator": sg.Indicator, "subject": sg.Subject, "key": sg.Key,
		"strength": math.Round(sg.Strength*1e4) / 1e4, "summary": sg.Summary,
		"transactions": nonNil(sg.Evidence.Transactions), "entities": nonNil(sg.Evidence.Entities),
		"links": string(links), "facts": string(facts), "truncated": int64(sg.Evidence.Truncated),
	}
	b, err := json.Marshal(props) // map keys are sorted: a stable hash
	if err != nil {
		return nil, "", err
	}
	hash := shortHash(string(b))
	props["hash"] = hash
	return map[string]any{"id": sg.ID(), "props": props}, hash, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// scoredSubject is a detect.Score with the ids of the signals behind it.
type scoredSubject struct {
	detect.Score
	signalIDs []string
}

// scores recomputes the risk score of every subject whose signals changed (all subjects with
// signals in a full run) from the stored signals, writes the scores that differ, and removes
// those of subjects left without signals. It returns the scores of the subjects in the run's
// scope (all, or the rewritten ones and those whose signals changed).
func (w *resolveWriter) scores(ctx context.Context, cfg *detect.Config, changed, rewrite map[string]bool) ([]scoredSubject, error) {
	params := map[string]any{}
	q := `MATCH (s:Signal) RETURN s.subject AS subject, s.id AS id, s.rule AS rule, s.family AS family,
  s.indicator AS indicator, s.strength AS strength ORDER BY subject, id`
	if rewrite != nil {
		subs := keysOf(rewrite)
		for s := range changed {
			if !rewrite[s] {
				subs = append(subs, s)
			}
		}
		params["subjects"] = subs
		q = `UNWIND $subjects AS subj MATCH (s:Signal {subject: subj})
RETURN s.subject AS subject, s.id AS id, s.rule AS rule, s.family AS family, s.indicator AS indicator,
  s.strength AS strength ORDER BY subject, id`
	}
	res, err := w.s.read(ctx, "read signals to score", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, q, params)
	})
	if err != nil {
		return nil, err
	}
	bySubj := map[string][]detect.Signal{}
	ids := map[string][]string{}
	for _, r := range res.([]*neo4j.Record) {
		get := func(k string) any { v, _ := r.Get(k); return v }
		sub := asString(get("subject"))
		st, _ := get("strength").(float64)
		bySubj[sub] = append(bySubj[sub], detect.Signal{Subject: sub, Rule: asString(get("rule")), Family: asString(get("family")),
			Indicator: asString(get("indicator")), Strength: st})
		ids[sub] = append(ids[sub], asString(get("id")))
	}
	// Stored scores in scope, to write only what differs and remove the orphans.
	q = `MATCH (r:RiskScore) RETURN r.subject AS subject, r.hash AS hash`
	if rewrite != nil {
		q = `UNWIND $subjects AS subj MATCH (r:RiskScore {subject: subj}) RETURN r.subject AS subject, r.hash AS hash`
	}
	res, err = w.s.read(ctx, "read stored risk scores", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, q, params)
	})
	if err != nil {
		return nil, err
	}
	storedHash := map[string]string{}
	for _, r := range res.([]*neo4j.Record) {
		s, _ := r.Get("subject")
		h, _ := r.Get("hash")
		storedHash[asString(s)] = asString(h)
	}
	var out []scoredSubject
	var upserts, deletes []map[string]any
	for _, sub := range keysOf(bySubj) {
		sc := detect.ScoreSignals(sub, bySubj[sub], cfg)
		out = append(out, scoredSubject{Score: sc, signalIDs: ids[sub]})
		breakdown, err := json.Marshal(sc.Breakdown)
		if err != nil {
			return nil, &Error{Code: EINTERNAL, Err: err}
		}
		props := map[string]any{"subject": sub, "risk": sc.Risk, "breakdown": string(breakdown), "alert": sc.Alert,
			"alertReason": sc.AlertReason, "signals": int64(sc.Signals)}
		b, _ := json.Marshal(props)
		hash := shortHash(string(b))
		if storedHash[sub] == hash {
			continue
		}
		props["hash"] = hash
		upserts = append(upserts, props)
	}
	for sub := range storedHash {
		if _, ok := bySubj[sub]; !ok {
			deletes = append(deletes, map[string]any{"subject": sub})
		}
	}
	if err := w.batches(ctx, "delete risk scores without signals", `UNWIND $rows AS row
MATCH (r:RiskScore {subject: row.subject}) DETACH DELETE r`, deletes); err != nil {
		return nil, err
	}
	if err := w.batches(ctx, "store risk scores", `UNWIND $rows AS row
MERGE (r:RiskScore {subject: row.subject})
SET r += row, r.runId = $run, r.updatedAt = $at
WITH r, row
MATCH (n:Entity {id: row.subject})
MERGE (r)-[:RISK_OF]->(n)`, upserts); err != nil {
		return nil, err
	}
	return out, nil
}

// detectionRun stores the run's report.
func (w *resolveWriter) detectionRun(ctx context.Context, by string, rep DetectReport) error {
	rules, err := json.Marshal(rep.Rules)
	if err != nil {
		return &Error{Code: EINTERNAL, Err: err}
	}
	status := "DONE"
	if len(rep.Errors) > 0 {
		status = "PARTIAL"
	}
	row := map[string]any{"id": rep.RunID, "mode": string(rep.Mode), "by": by, "status": status,
		"startedAt": rep.Started, "finishedAt": time.Now().UTC(), "configHash": rep.ConfigHash,
		"transactions": int64(rep.Transactions), "accounts": int64(rep.Accounts), "signals": int64(rep.Signals),
		"scores": int64(rep.Scores), "alerts": int64(rep.Alerts), "alertsCreated": int64(rep.AlertStats.Created),
		"alertsUpdated": int64(rep.AlertStats.Updated), "created": int64(rep.Created), "updated": int64(rep.Updated),
		"deleted": int64(rep.Deleted), "readMs": rep.Read.Milliseconds(), "factsMs": rep.Facts.Milliseconds(),
		"engineMs": rep.Engine.Milliseconds(), "writeMs": rep.Write.Milliseconds(), "rules": string(rules),
		"errors": nonNil(rep.Errors)}
	return w.batches(ctx, "store the detection run", `UNWIND $rows AS row CREATE (r:DetectionRun) SET r = row`, []map[string]any{row})
}
