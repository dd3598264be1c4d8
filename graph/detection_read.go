package graph

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/crosslink/crosslink/graph/detect"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// What detection stored, as the API reads it. Signals and scores combine every partner's data,
// so they are for analysts and admins only (server enforces it); nothing here filters by
// partner.

// SignalView is a stored signal.
type SignalView struct {
	ID           string
	Rule         string
	Family       string
	Indicator    string
	Subject      string
	Key          string
	Strength     float64
	Summary      string
	Transactions []string
	Entities     []string
	Links        []detect.Link
	Facts        string // JSON object of the numbers the rule compared
	Truncated    int
	FirstRunID   string
	RunID        string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// RiskView is a stored risk score.
type RiskView struct {
	Subject     string
	Risk        float64
	Alert       bool
	AlertReason string
	Breakdown   []detect.Contribution
	Signals     int
	RunID       string
	UpdatedAt   time.Time
}

// DetectionRunView is a stored detection run.
type DetectionRunView struct {
	ID, Mode, By, Status      string
	StartedAt, FinishedAt     time.Time
	ConfigHash                string
	Transactions, Accounts    int
	Signals, Scores, Alerts   int
	Created, Updated, Deleted int
	ReadMs, FactsMs, EngineMs int64
	WriteMs                   int64
	Rules                     []detect.RuleStat
	Errors                    []string
}

const (
	signalsCursor = "sig"
	riskCursor    = "risk"
)

func signalFrom(m map[string]any) SignalView {
	v := SignalView{ID: asString(m["id"]), Rule: asString(m["rule"]), Family: asString(m["family"]),
		Indicator: asString(m["indicator"]), Subject: asString(m["subject"]), Key: asString(m["key"]),
		Summary: asString(m["summary"]), Transactions: asStrings(m["transactions"]), Entities: asStrings(m["entities"]),
		Facts: asString(m["facts"]), Truncated: int(asInt64(m["truncated"])), FirstRunID: asString(m["firstRunId"]),
		RunID: asString(m["runId"]), CreatedAt: asTime(m["createdAt"]), UpdatedAt: asTime(m["updatedAt"])}
	v.Strength, _ = m["strength"].(float64)
	_ = json.Unmarshal([]byte(asString(m["links"])), &v.Links)
	return v
}

func riskFrom(m map[string]any) RiskView {
	v := RiskView{Subject: asString(m["subject"]), AlertReason: asString(m["alertReason"]),
		Signals: int(asInt64(m["signals"])), RunID: asString(m["runId"]), UpdatedAt: asTime(m["updatedAt"])}
	v.Risk, _ = m["risk"].(float64)
	v.Alert, _ = m["alert"].(bool)
	_ = json.Unmarshal([]byte(asString(m["breakdown"])), &v.Breakdown)
	return v
}

// RiskScores returns the stored risk scores of the given subjects, by subject (subjects without
// signals are absent): what the API's per-request dataloader calls. EINVALID for more than 1000.
func (s *Store) RiskScores(ctx context.Context, subjects []string) (map[string]RiskView, error) {
	if len(subjects) > maxNodesBatch {
		return nil, Errorf(EINVALID, "subjects: at most %d at once, not %d", maxNodesBatch, len(subjects))
	}
	out := map[string]RiskView{}
	if len(subjects) == 0 {
		return out, nil
	}
	res, err := s.read(ctx, "read risk scores", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `UNWIND $ids AS id MATCH (r:RiskScore {subject: id}) RETURN properties(r) AS r`,
			map[string]any{"ids": subjects})
	})
	if err != nil {
		return nil, err
	}
	for _, r := range res.([]*neo4j.Record) {
		m, _ := r.Get("r")
		v := riskFrom(m.(map[string]any))
		out[v.Subject] = v
	}
	return out, nil
}

// SignalFilter narrows a list of signals; empty fields match all.
type SignalFilter struct {
	Subject string
	Rule    string
	Family  string
}

// Signals lists stored signals, strongest first, first of them (default 20, at most 200) after
// the cursor. It returns EINVALID for a bad first or after.
func (s *Store) Signals(ctx context.Context, f SignalFilter, first int, after string) ([]SignalView, string, bool, error) {
	first, err := pageSize(first, 20, 200, "first")
	if err != nil {
		return nil, "", false, err
	}
	params := map[string]any{"subject": nilIfEmpty(f.Subject), "rule": nilIfEmpty(f.Rule), "family": nilIfEmpty(f.Family),
		"st": nil, "id": "", "limit": first + 1}
	if after != "" {
		parts, err := decodeCursor(signalsCursor, after, 2)
		if err != nil {
			return nil, "", false, err
		}
		st, err := strconv.ParseFloat(parts[0], 64)
		if err != nil {
			return nil, "", false, Errorf(EINVALID, "after: not a cursor of this list; pass the endCursor of the previous page")
		}
		params["st"], params["id"] = st, parts[1]
	}
	// The subject's own list seeks the subject index; the others scan signals, which are few
	// next to the data.
	match := `MATCH (s:Signal)`
	if f.Subject != "" {
		match = `MATCH (s:Signal {subject: $subject})`
	}
	res, err := s.read(ctx, "read signals", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, match+`
WHERE ($rule IS NULL OR s.rule = $rule) AND ($family IS NULL OR s.family = $family)
  AND ($st IS NULL OR s.strength < $st OR (s.strength = $st AND s.id > $id))
RETURN properties(s) AS s ORDER BY s.strength DESC, s.id LIMIT $limit`, params)
	})
	if err != nil {
		return nil, "", false, err
	}
	var out []SignalView
	for _, r := range res.([]*neo4j.Record) {
		m, _ := r.Get("s")
		out = append(out, signalFrom(m.(map[string]any)))
	}
	hasNext := len(out) > first
	if hasNext {
		out = out[:first]
	}
	end := ""
	if n := len(out); n > 0 {
		end = encodeCursor(signalsCursor, strconv.FormatFloat(out[n-1].Strength, 'g', -1, 64), out[n-1].ID)
	}
	return out, end, hasNext, nil
}

// Signal returns one stored signal; ENOTFOUND when there is none.
func (s *Store) Signal(ctx context.Context, id string) (SignalView, error) {
	res, err := s.read(ctx, "read a signal", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `MATCH (s:Signal {id: $id}) RETURN properties(s) AS s`, map[string]any{"id": id})
	})
	if err != nil {
		return SignalView{}, err
	}
	recs := res.([]*neo4j.Record)
	if len(recs) == 0 {
		return SignalView{}, Errorf(ENOTFOUND, "signal %q not found", id)
	}
	m, _ := recs[0].Get("s")
	return signalFrom(m.(map[string]any)), nil
}

// RiskRanking lists stored risk scores, highest first, at or above minRisk (alerting ones only
// when alerts), first of them (default 20, at most 200) after the cursor.
func (s *Store) RiskRanking(ctx context.Context, minRisk float64, alerts bool, first int, after string) ([]RiskView, string, bool, error) {
	first, err := pageSize(first, 20, 200, "first")
	if err != nil {
		return nil, "", false, err
	}
	if minRisk < 0 || minRisk > 1 {
		return nil, "", false, Errorf(EINVALID, "minRisk: %v is outside 0..1", minRisk)
	}
	params := map[string]any{"min": minRisk, "alerts": alerts, "r": nil, "id": "", "limit": first + 1}
	if after != "" {
		parts, err := decodeCursor(riskCursor, after, 2)
		if err != nil {
			return nil, "", false, err
		}
		r, err := strconv.ParseFloat(parts[0], 64)
		if err != nil {
			return nil, "", false, Errorf(EINVALID, "after: not a cursor of this list; pass the endCursor of the previous page")
		}
		params["r"], params["id"] = r, parts[1]
	}
	res, err := s.read(ctx, "read risk ranking", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `MATCH (r:RiskScore) WHERE r.risk >= $min AND (NOT $alerts OR r.alert)
  AND ($r IS NULL OR r.risk < $r OR (r.risk = $r AND r.subject > $id))
RETURN properties(r) AS r ORDER BY r.risk DESC, r.subject LIMIT $limit`, params)
	})
	if err != nil {
		return nil, "", false, err
	}
	var out []RiskView
	for _, r := range res.([]*neo4j.Record) {
		m, _ := r.Get("r")
		out = append(out, riskFrom(m.(map[string]any)))
	}
	hasNext := len(out) > first
	if hasNext {
		out = out[:first]
	}
	end := ""
	if n := len(out); n > 0 {
		end = encodeCursor(riskCursor, strconv.FormatFloat(out[n-1].Risk, 'g', -1, 64), out[n-1].Subject)
	}
	return out, end, hasNext, nil
}

// DetectionRuns lists the latest detection runs, newest first (first: default 10, at most 100).
func (s *Store) DetectionRuns(ctx context.Context, first int) ([]DetectionRunView, error) {
	first, err := pageSize(first, 10, 100, "first")
	if err != nil {
		return nil, err
	}
	res, err := s.read(ctx, "read detection runs", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `MATCH (r:DetectionRun) RETURN properties(r) AS r ORDER BY r.startedAt DESC LIMIT $limit`,
			map[string]any{"limit": first})
	})
	if err != nil {
		return nil, err
	}
	var out []DetectionRunView
	for _, rec := range res.([]*neo4j.Record) {
		v, _ := rec.Get("r")
		m := v.(map[string]any)
		r := DetectionRunView{ID: asString(m["id"]), Mode: asString(m["mode"]), By: asString(m["by"]), Status: asString(m["status"]),
			StartedAt: asTime(m["startedAt"]), FinishedAt: asTime(m["finishedAt"]), ConfigHash: asString(m["configHash"]),
			Transactions: int(asInt64(m["transactions"])), Accounts: int(asInt64(m["accounts"])), Signals: int(asInt64(m["signals"])),
			Scores: int(asInt64(m["scores"])), Alerts: int(asInt64(m["alerts"])), Created: int(asInt64(m["created"])),
			Updated: int(asInt64(m["updated"])), Deleted: int(asInt64(m["deleted"])), ReadMs: asInt64(m["readMs"]),
			FactsMs: asInt64(m["factsMs"]), EngineMs: asInt64(m["engineMs"]), WriteMs: asInt64(m["writeMs"]),
			Errors: asStrings(m["errors"])}
		_ = json.Unmarshal([]byte(asString(m["rules"])), &r.Rules)
		out = append(out, r)
	}
	return out, nil
}

// View is the report as DetectionRuns reads it back.
func (rep DetectReport) View() DetectionRunView {
	status := "DONE"
	if len(rep.Errors) > 0 {
		status = "PARTIAL"
	}
	return DetectionRunView{ID: rep.RunID, Mode: string(rep.Mode), Status: status, StartedAt: rep.Started,
		FinishedAt: rep.Started.Add(rep.Total), ConfigHash: rep.ConfigHash, Transactions: rep.Transactions,
		Accounts: rep.Accounts, Signals: rep.Signals, Scores: rep.Scores, Alerts: rep.Alerts, Created: rep.Created,
		Updated: rep.Updated, Deleted: rep.Deleted, ReadMs: rep.Read.Milliseconds(), FactsMs: rep.Facts.Milliseconds(),
		EngineMs: rep.Engine.Milliseconds(), WriteMs: rep.Write.Milliseconds(), Rules: rep.Rules, Errors: nonNil(rep.Errors)}
}

// AllSignals returns every stored signal and every stored risk score, for evaluation and
// export (`crosslink eval detect`). Not for request paths: it reads them all.
func (s *Store) AllSignals(ctx context.Context) ([]SignalView, []RiskView, error) {
	res, err := s.read(ctx, "read every signal", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `MATCH (s:Signal) RETURN properties(s) AS s ORDER BY s.id`, nil)
	})
	if err != nil {
		return nil, nil, err
	}
	var sigs []SignalView
	for _, r := range res.([]*neo4j.Record) {
		m, _ := r.Get("s")
		sigs = append(sigs, signalFrom(m.(map[string]any)))
	}
	res, err = s.read(ctx, "read every risk score", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `MATCH (r:RiskScore) RETURN properties(r) AS r ORDER BY r.subject`, nil)
	})
	if err != nil {
		return nil, nil, err
	}
	var risks []RiskView
	for _, r := range res.([]*neo4j.Record) {
		m, _ := r.Get("r")
		risks = append(risks, riskFrom(m.(map[string]any)))
	}
	return sigs, risks, nil
}

// PartyIDs returns the ids of every party of a label that partner describes (its customers),
// for evaluation (`crosslink eval detect`). Not for request paths: it reads them all.
func (s *Store) PartyIDs(ctx context.Context, label Label, partner string) ([]string, error) {
	if !label.Valid() {
		return nil, Errorf(EINVALID, "label: %q is not a label", label)
	}
	res, err := s.read(ctx, "read party ids", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `MATCH (p:`+string(label)+`) WHERE p.id STARTS WITH $prefix RETURN p.id AS id ORDER BY id`,
			map[string]any{"prefix": PartyID(label, partner, "")})
	})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range res.([]*neo4j.Record) {
		v, _ := r.Get("id")
		out = append(out, asString(v))
	}
	return out, nil
}
