package graph

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Alerts (migration 000011): what an analyst works through. Detection raises one when an
// entity's risk score alerts (graph/detection.go), deduplicated per entity:
//
//	(:Alert {id, subject, status, risk, reason, rules, signalIds, assignee, closeReason,
//	         closeNote, createdAt, updatedAt, firstRunId, lastRunId})-[:ALERT_ON]->(subject)
//	(:Alert)-[:HAS_EVENT]->(:AlertEvent {at, by, action, from, to, note})   who did what, in order
//
// An entity has at most one open alert (NEW, IN_REVIEW or ESCALATED): later runs update its
// risk, reason and rules. Once closed, a new alert is raised only if the risk rose by
// alertReraiseMargin or a rule fired that the closed alert did not have, so that an analyst's
// "false positive" does not come back every run unchanged.

// AlertStatus is where an alert stands.
type AlertStatus string

// Alert statuses.
const (
	AlertNew       AlertStatus = "NEW"
	AlertInReview  AlertStatus = "IN_REVIEW"
	AlertEscalated AlertStatus = "ESCALATED"
	AlertClosed    AlertStatus = "CLOSED"
)

// CloseReasons are the reasons an alert may be closed with.
var CloseReasons = []string{"FALSE_POSITIVE", "NOT_SUSPICIOUS", "REPORTED", "DUPLICATE", "OTHER"}

// alertReraiseMargin is how much a closed alert's risk must rise for a new alert.
const alertReraiseMargin = 0.1

// Bounds of alert and case text.
const (
	maxNoteBytes  = 10_000
	maxTitleBytes = 200
)

// AlertCandidate is an entity whose risk score alerts, as detection hands it over.
type AlertCandidate struct {
	Subject   string
	Risk      float64
	Reason    string
	Rules     []string
	SignalIDs []string
}

// AlertStats says what RaiseAlerts did.
type AlertStats struct {
	Created   int // new alerts
	Updated   int // open alerts whose risk, reason or rules changed
	Unchanged int // open alerts that stay as they are, and closed ones not raised again
}

// AlertView is a stored alert.
type AlertView struct {
	ID, Subject string
	Status      AlertStatus
	Risk        float64
	Reason      string
	Rules       []string
	SignalIDs   []string
	Assignee    string
	CloseReason string
	CloseNote   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	FirstRunID  string
	LastRunID   string
}

// AlertEvent is one entry of an alert's history.
type AlertEvent struct {
	At                   time.Time
	By, Action, From, To string
	Note                 string
}

func alertFrom(m map[string]any) AlertView {
	a := AlertView{ID: asString(m["id"]), Subject: asString(m["subject"]), Status: AlertStatus(asString(m["status"])),
		Reason: asString(m["reason"]), Rules: asStrings(m["rules"]), SignalIDs: asStrings(m["signalIds"]),
		Assignee: asString(m["assignee"]), CloseReason: asString(m["closeReason"]), CloseNote: asString(m["closeNote"]),
		CreatedAt: asTime(m["createdAt"]), UpdatedAt: asTime(m["updatedAt"]), FirstRunID: asString(m["firstRunId"]),
		LastRunID: asString(m["lastRunId"])}
	a.Risk, _ = m["risk"].(float64)
	return a
}

// RaiseAlerts raises or updates the alerts of a detection run's alerting scores (see the top of
// this file). Idempotent: the same candidates again change nothing.
func (s *Store) RaiseAlerts(ctx context.Context, runID string, cands []AlertCandidate) (AlertStats, error) {
	var st AlertStats
	if len(cands) == 0 {
		return st, nil
	}
	subjects := make([]string, len(cands))
	for i, c := range cands {
		subjects[i] = c.Subject
	}
	res, err := s.read(ctx, "read the latest alerts", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `UNWIND $subjects AS subj
CALL (subj) { MATCH (a:Alert {subject: subj}) RETURN a ORDER BY a.createdAt DESC, a.id DESC LIMIT 1 }
RETURN properties(a) AS a`, map[string]any{"subjects": subjects})
	})
	if err != nil {
		return st, err
	}
	latest := map[string]AlertView{}
	for _, r := range res.([]*neo4j.Record) {
		m, _ := r.Get("a")
		a := alertFrom(m.(map[string]any))
		latest[a.Subject] = a
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	var creates, updates []map[string]any
	for _, c := range cands {
		rules := slices.Clone(c.Rules)
		slices.Sort(rules)
		row := map[string]any{"subject": c.Subject, "risk": c.Risk, "reason": c.Reason, "rules": nonNil(rules), "signalIds": nonNil(c.SignalIDs)}
		a, ok := latest[c.Subject]
		switch {
		case ok && a.Status != AlertClosed:
			if a.Risk == c.Risk && a.Reason == c.Reason && slices.Equal(a.Rules, rules) {
				st.Unchanged++
				continue
			}
			row["id"] = a.ID
			updates = append(updates, row)
			st.Updated++
		case ok && c.Risk < a.Risk+alertReraiseMargin && !newRule(a.Rules, rules):
			st.Unchanged++
		default:
			id, err := newResolutionID("alert")
			if err != nil {
				return st, err
			}
			row["id"] = id
			creates = append(creates, row)
			st.Created++
		}
	}
	w := &resolveWriter{s: s, run: runID, at: now}
	if err := w.batches(ctx, "raise alerts", `UNWIND $rows AS row
MATCH (n:Entity {id: row.subject})
CREATE (a:Alert {id: row.id, subject: row.subject, status: 'NEW', risk: row.risk, reason: row.reason, rules: row.rules,
  signalIds: row.signalIds, createdAt: $at, updatedAt: $at, firstRunId: $run, lastRunId: $run})-[:ALERT_ON]->(n)
CREATE (a)-[:HAS_EVENT]->(:AlertEvent {at: $at, by: 'detection', action: 'RAISED', to: 'NEW', note: row.reason})`, creates); err != nil {
		return st, err
	}
	if err := w.batches(ctx, "update alerts", `UNWIND $rows AS row
MATCH (a:Alert {id: row.id})
SET a.risk = row.risk, a.reason = row.reason, a.rules = row.rules, a.signalIds = row.signalIds, a.lastRunId = $run, a.updatedAt = $at
CREATE (a)-[:HAS_EVENT]->(:AlertEvent {at: $at, by: 'detection', action: 'UPDATED', note: row.reason})`, updates); err != nil {
		return st, err
	}
	return st, nil
}

func newRule(old, now []string) bool {
	for _, r := range now {
		if !slices.Contains(old, r) {
			return true
		}
	}
	return false
}

// AlertFilter narrows a list of alerts; empty fields match all.
type AlertFilter struct {
	Statuses []AlertStatus
	Assignee string
	Subject  string
	MinRisk  float64
}

const alertsCursor = "alert"

// Alerts lists alerts, highest risk first, first of them (default 20, at most 200) after the
// cursor. EINVALID for a bad filter, first or after.
func (s *Store) Alerts(ctx context.Context, f AlertFilter, first int, after string) ([]AlertView, string, bool, error) {
	first, err := pageSize(first, 20, 200, "first")
	if err != nil {
		return nil, "", false, err
	}
	var statuses []string
	for _, st := range f.Statuses {
		if !validStatus(st) {
			return nil, "", false, Errorf(EINVALID, "statuses: %q is not NEW, IN_REVIEW, ESCALATED or CLOSED", st)
		}
		statuses = append(statuses, string(st))
	}
	if f.MinRisk < 0 || f.MinRisk > 1 {
		return nil, "", false, Errorf(EINVALID, "minRisk: %v is outside 0..1", f.MinRisk)
	}
	params := map[string]any{"statuses": nil, "assignee": nilIfEmpty(f.Assignee), "subject": nilIfEmpty(f.Subject),
		"min": f.MinRisk, "r": nil, "id": "", "limit": first + 1}
	if len(statuses) > 0 {
		params["statuses"] = statuses
	}
	if after != "" {
		parts, err := decodeCursor(alertsCursor, after, 2)
		if err != nil {
			return nil, "", false, err
		}
		r, err := strconv.ParseFloat(parts[0], 64)
		if err != nil {
			return nil, "", false, Errorf(EINVALID, "after: not a cursor of this list; pass the endCursor of the previous page")
		}
		params["r"], params["id"] = r, parts[1]
	}
	res, err := s.read(ctx, "read alerts", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `MATCH (a:Alert)
WHERE ($statuses IS NULL OR a.status IN $statuses) AND ($assignee IS NULL OR a.assignee = $assignee)
  AND ($subject IS NULL OR a.subject = $subject) AND a.risk >= $min
  AND ($r IS NULL OR a.risk < $r OR (a.risk = $r AND a.id > $id))
RETURN properties(a) AS a ORDER BY a.risk DESC, a.id LIMIT $limit`, params)
	})
	if err != nil {
		return nil, "", false, err
	}
	var out []AlertView
	for _, r := range res.([]*neo4j.Record) {
		m, _ := r.Get("a")
		out = append(out, alertFrom(m.(map[string]any)))
	}
	hasNext := len(out) > first
	if hasNext {
		out = out[:first]
	}
	end := ""
	if n := len(out); n > 0 {
		end = encodeCursor(alertsCursor, strconv.FormatFloat(out[n-1].Risk, 'g', -1, 64), out[n-1].ID)
	}
	return out, end, hasNext, nil
}

func validStatus(s AlertStatus) bool {
	return s == AlertNew || s == AlertInReview || s == AlertEscalated || s == AlertClosed
}

// Alert returns one alert with its history, oldest event first; ENOTFOUND when there is none.
func (s *Store) Alert(ctx context.Context, id string) (AlertView, []AlertEvent, error) {
	res, err := s.read(ctx, "read an alert", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `MATCH (a:Alert {id: $id})
RETURN properties(a) AS a, COLLECT { MATCH (a)-[:HAS_EVENT]->(e:AlertEvent) WITH e ORDER BY e.at, elementId(e) RETURN properties(e) } AS events`,
			map[string]any{"id": id})
	})
	if err != nil {
		return AlertView{}, nil, err
	}
	recs := res.([]*neo4j.Record)
	if len(recs) == 0 {
		return AlertView{}, nil, Errorf(ENOTFOUND, "alert %q not found", id)
	}
	m, _ := recs[0].Get("a")
	a := alertFrom(m.(map[string]any))
	evs, _ := recs[0].Get("events")
	var out []AlertEvent
	for _, e := range asList(evs) {
		em, _ := e.(map[string]any)
		out = append(out, AlertEvent{At: asTime(em["at"]), By: asString(em["by"]), Action: asString(em["action"]),
			From: asString(em["from"]), To: asString(em["to"]), Note: asString(em["note"])})
	}
	return a, out, nil
}

// AlertChange is what an analyst changes in an alert; nil fields stay.
type AlertChange struct {
	Status      *AlertStatus
	Assignee    *string // "" unassigns
	CloseReason string  // required when Status is CLOSED: one of CloseReasons
	Note        string
}

// UpdateAlert applies an analyst's change and records it in the alert's history. A closed
// alert may be reopened (to IN_REVIEW); closing needs a reason. EINVALID names the field at
// fault, ENOTFOUND an unknown alert.
func (s *Store) UpdateAlert(ctx context.Context, id, by string, c AlertChange) (AlertView, error) {
	if len(c.Note) > maxNoteBytes {
		return AlertView{}, Errorf(EINVALID, "note: longer than %d bytes", maxNoteBytes)
	}
	if c.Assignee != nil && len(*c.Assignee) > maxTitleBytes {
		return AlertView{}, Errorf(EINVALID, "assignee: longer than %d bytes", maxTitleBytes)
	}
	if c.Status != nil {
		if !validStatus(*c.Status) {
			return AlertView{}, Errorf(EINVALID, "status: %q is not NEW, IN_REVIEW, ESCALATED or CLOSED", *c.Status)
		}
		if *c.Status == AlertNew {
			return AlertView{}, Errorf(EINVALID, "status: an alert cannot go back to NEW")
		}
		if *c.Status == AlertClosed && !slices.Contains(CloseReasons, c.CloseReason) {
			return AlertView{}, Errorf(EINVALID, "closeReason: closing needs one of %s", strings.Join(CloseReasons, ", "))
		}
	}
	if c.CloseReason != "" && (c.Status == nil || *c.Status != AlertClosed) {
		return AlertView{}, Errorf(EINVALID, "closeReason: given without status CLOSED")
	}
	if c.Status == nil && c.Assignee == nil && c.Note == "" {
		return AlertView{}, Errorf(EINVALID, "nothing to change: give status, assignee or note")
	}
	params := map[string]any{"id": id, "by": by, "at": time.Now().UTC().Truncate(time.Millisecond), "status": nil,
		"setAssignee": c.Assignee != nil, "assignee": "", "reason": nilIfEmpty(c.CloseReason), "note": nilIfEmpty(c.Note)}
	if c.Status != nil {
		params["status"] = string(*c.Status)
	}
	if c.Assignee != nil {
		params["assignee"] = *c.Assignee
	}
	res, err := s.write(ctx, "update an alert", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `MATCH (a:Alert {id: $id})
WITH a, a.status AS from, a.assignee AS before
SET a.status = coalesce($status, a.status),
    a.assignee = CASE WHEN $setAssignee THEN nullif($assignee, '') ELSE a.assignee END,
    a.closeReason = CASE WHEN $status = 'CLOSED' THEN $reason WHEN $status IS NOT NULL THEN null ELSE a.closeReason END,
    a.closeNote = CASE WHEN $status = 'CLOSED' THEN $note WHEN $status IS NOT NULL THEN null ELSE a.closeNote END,
    a.updatedAt = $at
CREATE (a)-[:HAS_EVENT]->(:AlertEvent {at: $at, by: $by,
  action: CASE WHEN $status = 'CLOSED' THEN 'CLOSED' WHEN $status IS NOT NULL AND from = 'CLOSED' THEN 'REOPENED'
               WHEN $status IS NOT NULL THEN 'STATUS' WHEN $setAssignee THEN 'ASSIGNED' ELSE 'NOTE' END,
  from: CASE WHEN $status IS NOT NULL THEN from WHEN $setAssignee THEN before END,
  to: CASE WHEN $status IS NOT NULL THEN $status WHEN $setAssignee THEN nullif($assignee, '') END,
  note: CASE WHEN $reason IS NOT NULL THEN $reason + coalesce(': ' + $note, '') ELSE $note END})
RETURN properties(a) AS a`, params)
	})
	if err != nil {
		return AlertView{}, err
	}
	recs := res.([]*neo4j.Record)
	if len(recs) == 0 {
		return AlertView{}, Errorf(ENOTFOUND, "alert %q not found", id)
	}
	m, _ := recs[0].Get("a")
	return alertFrom(m.(map[string]any)), nil
}

// String is the alert as one line (logs, tests).
func (a AlertView) String() string {
	return fmt.Sprintf("%s %s %s risk %.2f", a.ID, a.Subject, a.Status, a.Risk)
}

// write runs work in a write transaction (retried on transient errors) bounded like reads.
func (s *Store) write(ctx context.Context, op string, work func(tx neo4j.ManagedTransaction) (any, error)) (any, error) {
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.db, AccessMode: neo4j.AccessModeWrite})
	defer sess.Close(context.WithoutCancel(ctx))
	timeout := readTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, max(time.Until(dl), time.Second))
	}
	res, err := sess.ExecuteWrite(ctx, work, neo4j.WithTxTimeout(timeout))
	if err != nil {
		return nil, translate(op, err)
	}
	return res, nil
}
