package graph

import (
	"context"
	"fmt"
	"math"
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
//	         closeNote, createdAt, updatedAt, firstRunId, lastRunId, seq})-[:ALERT_ON]->(subject)
//	(:Alert)-[:HAS_EVENT]->(:AlertEvent {seq, at, by, action, from, to, note})   who did what
//
// An entity has at most one open alert (NEW, IN_REVIEW or ESCALATED): later runs update its
// risk, reason and rules. Once closed, a new alert is raised only if the risk rose by the
// policy's margin or a rule fired that the closed alert did not have, so that an analyst's
// "false positive" does not come back every run unchanged. Events are numbered (seq) under the
// alert's write lock, so that the history reads in the order it was written even when two
// changes fall in the same millisecond.

// AlertStatus is where an alert stands.
type AlertStatus string

// Alert statuses.
const (
	AlertNew       AlertStatus = "NEW"
	AlertInReview  AlertStatus = "IN_REVIEW"
	AlertEscalated AlertStatus = "ESCALATED"
	AlertClosed    AlertStatus = "CLOSED"
)

// alertTransitions lists where an alert may go from each status. Nothing goes back to NEW
// (someone has looked at it); a closed alert is reopened to IN_REVIEW, not straight to
// ESCALATED, so that the reopening is a decision of its own in the history.
var alertTransitions = map[AlertStatus][]AlertStatus{
	AlertNew:       {AlertInReview, AlertEscalated, AlertClosed},
	AlertInReview:  {AlertEscalated, AlertClosed},
	AlertEscalated: {AlertInReview, AlertClosed},
	AlertClosed:    {AlertInReview},
}

// CloseReasons are the reasons an alert may be closed with: REPORTED means a suspicious
// activity or transaction report (SAR/STR) was filed.
var CloseReasons = []string{"FALSE_POSITIVE", "NOT_SUSPICIOUS", "REPORTED", "DUPLICATE", "OTHER"}

// Bounds of alert and case text, in bytes.
const (
	maxNoteBytes  = 10_000
	maxTitleBytes = 200
	maxReason     = 2_000
)

// alertBatch is how many candidates one statement of RaiseAlerts handles.
const alertBatch = 2_000

// alertWriteTimeout bounds RaiseAlerts' transaction: a full run may raise many thousands.
const alertWriteTimeout = 5 * time.Minute

// riskEpsilon absorbs float rounding when a risk is compared with a threshold (0.75+0.1 is
// 0.8500000000000001 in binary).
const riskEpsilon = 1e-9

// AlertPolicy says when detection raises an alert again for an entity whose last alert an
// analyst closed.
type AlertPolicy struct {
	// ReraiseMargin is how much the risk must rise above the closed alert's (0..1).
	ReraiseMargin float64
}

// DefaultAlertPolicy is the policy RaiseAlerts uses: a rise of 0.1, a tenth of the scale, is
// more than the run-to-run drift of a score whose payments did not change in kind.
func DefaultAlertPolicy() AlertPolicy { return AlertPolicy{ReraiseMargin: 0.1} }

// AlertCandidate is an entity whose risk score alerts, as detection hands it over.
type AlertCandidate struct {
	Subject   string   // an entity node id
	Risk      float64  // 0..1
	Reason    string   // why it alerts, one sentence
	Rules     []string // the rules that contributed
	SignalIDs []string // the (:Signal) nodes behind the score; not required to exist
}

// AlertStats says what RaiseAlerts did.
type AlertStats struct {
	Created   int // new alerts
	Updated   int // open alerts whose risk, reason, rules or signals changed
	Unchanged int // open alerts that stay as they are, and closed ones not raised again
	Skipped   int // candidates whose subject is not in the graph
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
	seq         int64 // events recorded so far
}

// AlertEvent is one entry of an alert's history.
type AlertEvent struct {
	At time.Time
	// By is the API key's name, or "detection".
	By string
	// Action is RAISED, UPDATED (by detection), STATUS, CLOSED, REOPENED, ASSIGNED or NOTE.
	Action string
	// From and To are the status or assignee before and after, or the risk for UPDATED.
	From, To string
	Note     string
}

func alertFrom(m map[string]any) AlertView {
	a := AlertView{ID: asString(m["id"]), Subject: asString(m["subject"]), Status: AlertStatus(asString(m["status"])),
		Reason: asString(m["reason"]), Rules: asStrings(m["rules"]), SignalIDs: asStrings(m["signalIds"]),
		Assignee: asString(m["assignee"]), CloseReason: asString(m["closeReason"]), CloseNote: asString(m["closeNote"]),
		CreatedAt: asTime(m["createdAt"]), UpdatedAt: asTime(m["updatedAt"]), FirstRunID: asString(m["firstRunId"]),
		LastRunID: asString(m["lastRunId"])}
	a.Risk, _ = m["risk"].(float64)
	a.seq, _ = m["seq"].(int64)
	return a
}

// RaiseAlerts raises or updates the alerts of a detection run's alerting scores with the
// default policy (see RaiseAlertsWith).
func (s *Store) RaiseAlerts(ctx context.Context, runID string, cands []AlertCandidate) (AlertStats, error) {
	return s.RaiseAlertsWith(ctx, runID, DefaultAlertPolicy(), cands)
}

// RaiseAlertsWith raises or updates alerts (see the top of this file) in one write
// transaction, so that a failed run leaves no half of its alerts behind. A subject named twice
// counts once, with its highest risk. Idempotent: the same call again changes nothing.
// EINVALID for a bad policy or candidate.
func (s *Store) RaiseAlertsWith(ctx context.Context, runID string, p AlertPolicy, cands []AlertCandidate) (AlertStats, error) {
	if math.IsNaN(p.ReraiseMargin) || p.ReraiseMargin < 0 || p.ReraiseMargin > 1 {
		return AlertStats{}, Errorf(EINVALID, "reraiseMargin: %v is outside 0..1", p.ReraiseMargin)
	}
	cands, err := normalizeCandidates(cands)
	if err != nil || len(cands) == 0 {
		return AlertStats{}, err
	}
	at := nowMilli()
	res, err := s.writeTx(ctx, "raise alerts", alertWriteTimeout, func(tx neo4j.ManagedTransaction) (any, error) {
		// The transaction function may run again after a transient error: it starts from
		// nothing every time and decides from what it reads inside the transaction.
		var st AlertStats
		for start := 0; start < len(cands); start += alertBatch {
			if err := raiseBatch(ctx, tx, runID, p, at, cands[start:min(start+alertBatch, len(cands))], &st); err != nil {
				return nil, err
			}
		}
		return st, nil
	})
	if err != nil {
		return AlertStats{}, err
	}
	return res.(AlertStats), nil
}

// normalizeCandidates checks candidates, sorts their rules and signal ids (so that a change
// is a change of content, not of order) and keeps one per subject.
func normalizeCandidates(cands []AlertCandidate) ([]AlertCandidate, error) {
	bySubject := make(map[string]int, len(cands))
	out := make([]AlertCandidate, 0, len(cands))
	for i, c := range cands {
		switch {
		case c.Subject == "":
			return nil, Errorf(EINVALID, "candidates[%d].subject: empty", i)
		case math.IsNaN(c.Risk) || c.Risk < 0 || c.Risk > 1:
			return nil, Errorf(EINVALID, "candidates[%d].risk: %v is outside 0..1", i, c.Risk)
		}
		c.Reason = truncate(c.Reason, maxReason)
		c.Rules = slices.Compact(slices.Sorted(slices.Values(c.Rules)))
		c.SignalIDs = slices.Compact(slices.Sorted(slices.Values(c.SignalIDs)))
		if j, ok := bySubject[c.Subject]; ok {
			if c.Risk > out[j].Risk {
				out[j] = c
			}
			continue
		}
		bySubject[c.Subject] = len(out)
		out = append(out, c)
	}
	return out, nil
}

// raiseBatch decides and writes the alerts of one batch of candidates inside tx.
func raiseBatch(ctx context.Context, tx neo4j.ManagedTransaction, runID string, p AlertPolicy, at time.Time, cands []AlertCandidate, st *AlertStats) error {
	subjects := make([]string, len(cands))
	for i, c := range cands {
		subjects[i] = c.Subject
	}
	// A subject's current alert: its open one if any (there is at most one), else its latest.
	recs, err := collectRecords(ctx, tx, `UNWIND $subjects AS subj
OPTIONAL MATCH (n:Entity {id: subj})
CALL (subj) {
  OPTIONAL MATCH (a:Alert {subject: subj})
  RETURN a ORDER BY CASE a.status WHEN 'CLOSED' THEN 1 ELSE 0 END, a.createdAt DESC, a.id DESC LIMIT 1
}
RETURN subj, n IS NOT NULL AS known, CASE WHEN a IS NULL THEN null ELSE properties(a) END AS a`, map[string]any{"subjects": subjects})
	if err != nil {
		return err
	}
	known := make(map[string]bool, len(recs))
	current := make(map[string]AlertView, len(recs))
	for _, r := range recs {
		subj, _, err := neo4j.GetRecordValue[string](r, "subj")
		if err != nil {
			return err
		}
		k, _, err := neo4j.GetRecordValue[bool](r, "known")
		if err != nil {
			return err
		}
		known[subj] = k
		if m, isNil, err := neo4j.GetRecordValue[map[string]any](r, "a"); err == nil && !isNil {
			current[subj] = alertFrom(m)
		}
	}
	var creates, updates, seen []map[string]any
	for _, c := range cands {
		if !known[c.Subject] {
			st.Skipped++
			continue
		}
		row := map[string]any{"subject": c.Subject, "risk": c.Risk, "reason": c.Reason, "rules": nonNil(c.Rules), "signalIds": nonNil(c.SignalIDs)}
		a, ok := current[c.Subject]
		switch {
		case ok && a.Status != AlertClosed:
			if a.Risk == c.Risk && a.Reason == c.Reason && slices.Equal(a.Rules, c.Rules) && slices.Equal(a.SignalIDs, c.SignalIDs) {
				st.Unchanged++
				if a.LastRunID != runID {
					// Still alerting: the analyst sees the alert is current.
					seen = append(seen, map[string]any{"id": a.ID})
				}
				continue
			}
			row["id"], row["seq"] = a.ID, a.seq+1
			row["from"], row["to"] = formatRisk(a.Risk), formatRisk(c.Risk)
			row["note"] = updateNote(a, c)
			updates = append(updates, row)
			st.Updated++
		case ok && c.Risk < a.Risk+p.ReraiseMargin-riskEpsilon && !hasNewRule(a.Rules, c.Rules):
			st.Unchanged++
		default:
			id, err := newResolutionID("alert")
			if err != nil {
				return err
			}
			row["id"] = id
			creates = append(creates, row)
			st.Created++
		}
	}
	params := map[string]any{"run": runID, "at": at}
	if len(creates) > 0 {
		params["rows"] = creates
		if _, err := collectRecords(ctx, tx, `UNWIND $rows AS row
MATCH (n:Entity {id: row.subject})
CREATE (a:Alert {id: row.id, subject: row.subject, status: 'NEW', risk: row.risk, reason: row.reason, rules: row.rules,
  signalIds: row.signalIds, createdAt: $at, updatedAt: $at, firstRunId: $run, lastRunId: $run, seq: 1})-[:ALERT_ON]->(n)
CREATE (a)-[:HAS_EVENT]->(:AlertEvent {seq: 1, at: $at, by: 'detection', action: 'RAISED', to: 'NEW', note: row.reason})`, params); err != nil {
			return err
		}
	}
	if len(updates) > 0 {
		// The status guard keeps an alert an analyst closed since the read closed.
		params["rows"] = updates
		if _, err := collectRecords(ctx, tx, `UNWIND $rows AS row
MATCH (a:Alert {id: row.id}) WHERE a.status <> 'CLOSED'
SET a.risk = row.risk, a.reason = row.reason, a.rules = row.rules, a.signalIds = row.signalIds, a.lastRunId = $run,
    a.updatedAt = $at, a.seq = row.seq
CREATE (a)-[:HAS_EVENT]->(:AlertEvent {seq: row.seq, at: $at, by: 'detection', action: 'UPDATED', from: row.from, to: row.to, note: row.note})`, params); err != nil {
			return err
		}
	}
	if len(seen) > 0 {
		params["rows"] = seen
		if _, err := collectRecords(ctx, tx, `UNWIND $rows AS row MATCH (a:Alert {id: row.id}) SET a.lastRunId = $run`, params); err != nil {
			return err
		}
	}
	return nil
}

func formatRisk(r float64) string { return strconv.FormatFloat(r, 'f', 2, 64) }

// updateNote says what a detection update changed, for the history.
func updateNote(a AlertView, c AlertCandidate) string {
	var parts []string
	if a.Risk != c.Risk {
		parts = append(parts, "risk "+formatRisk(a.Risk)+" -> "+formatRisk(c.Risk))
	}
	var added, dropped []string
	for _, r := range c.Rules {
		if !slices.Contains(a.Rules, r) {
			added = append(added, r)
		}
	}
	for _, r := range a.Rules {
		if !slices.Contains(c.Rules, r) {
			dropped = append(dropped, r)
		}
	}
	if len(added) > 0 {
		parts = append(parts, "new rules "+strings.Join(added, ", "))
	}
	if len(dropped) > 0 {
		parts = append(parts, "rules no longer firing "+strings.Join(dropped, ", "))
	}
	if len(parts) == 0 {
		parts = append(parts, "reason or evidence changed")
	}
	return strings.Join(parts, "; ")
}

func hasNewRule(old, now []string) bool {
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

// Alerts lists alerts, highest risk first and, at equal risk, newest first: first of them
// (default 20, at most 200) after the cursor. It returns the page, its end cursor and whether
// more follow. EINVALID for a bad filter, first or after.
func (s *Store) Alerts(ctx context.Context, f AlertFilter, first int, after string) ([]AlertView, string, bool, error) {
	first, err := pageSize(first, 20, 200, "first")
	if err != nil {
		return nil, "", false, err
	}
	var statuses []string
	for _, st := range f.Statuses {
		if !validStatus(st) {
			return nil, "", false, Errorf(EINVALID, "filter.statuses: %q is not NEW, IN_REVIEW, ESCALATED or CLOSED", st)
		}
		statuses = append(statuses, string(st))
	}
	if math.IsNaN(f.MinRisk) || f.MinRisk < 0 || f.MinRisk > 1 {
		return nil, "", false, Errorf(EINVALID, "filter.minRisk: %v is outside 0..1", f.MinRisk)
	}
	params := map[string]any{"statuses": nil, "assignee": nilIfEmpty(f.Assignee), "subject": nilIfEmpty(f.Subject),
		"min": f.MinRisk, "r": nil, "t": nil, "id": "", "limit": first + 1}
	if len(statuses) > 0 {
		params["statuses"] = statuses
	}
	if after != "" {
		parts, err := decodeCursor(alertsCursor, after, 3)
		if err != nil {
			return nil, "", false, err
		}
		r, err1 := strconv.ParseFloat(parts[0], 64)
		ns, err2 := strconv.ParseInt(parts[1], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, "", false, Errorf(EINVALID, "after: not a cursor of this list; pass the endCursor of the previous page")
		}
		params["r"], params["t"], params["id"] = r, time.Unix(0, ns).UTC(), parts[2]
	}
	res, err := s.read(ctx, "read alerts", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `MATCH (a:Alert)
WHERE ($statuses IS NULL OR a.status IN $statuses) AND ($assignee IS NULL OR a.assignee = $assignee)
  AND ($subject IS NULL OR a.subject = $subject) AND a.risk >= $min
  AND ($r IS NULL OR a.risk < $r OR (a.risk = $r AND (a.createdAt < $t OR (a.createdAt = $t AND a.id > $id))))
RETURN properties(a) AS a ORDER BY a.risk DESC, a.createdAt DESC, a.id LIMIT $limit`, params)
	})
	if err != nil {
		return nil, "", false, err
	}
	out, err := alertsOf(res.([]*neo4j.Record))
	if err != nil {
		return nil, "", false, err
	}
	hasNext := len(out) > first
	if hasNext {
		out = out[:first]
	}
	end := ""
	if n := len(out); n > 0 {
		last := out[n-1]
		end = encodeCursor(alertsCursor, strconv.FormatFloat(last.Risk, 'g', -1, 64), strconv.FormatInt(last.CreatedAt.UnixNano(), 10), last.ID)
	}
	return out, end, hasNext, nil
}

// alertsOf decodes records with an alert's properties in column a.
func alertsOf(recs []*neo4j.Record) ([]AlertView, error) {
	out := make([]AlertView, 0, len(recs))
	for _, r := range recs {
		m, _, err := neo4j.GetRecordValue[map[string]any](r, "a")
		if err != nil {
			return nil, &Error{Code: EINTERNAL, Err: fmt.Errorf("decode alert: %w", err)}
		}
		out = append(out, alertFrom(m))
	}
	return out, nil
}

func validStatus(s AlertStatus) bool {
	_, ok := alertTransitions[s]
	return ok
}

// Alert returns one alert with its history, oldest event first; ENOTFOUND when there is none.
func (s *Store) Alert(ctx context.Context, id string) (AlertView, []AlertEvent, error) {
	res, err := s.read(ctx, "read an alert", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `MATCH (a:Alert {id: $id})
RETURN properties(a) AS a, COLLECT { MATCH (a)-[:HAS_EVENT]->(e:AlertEvent)
  WITH e ORDER BY coalesce(e.seq, 0), e.at, elementId(e) RETURN properties(e) } AS events`,
			map[string]any{"id": id})
	})
	if err != nil {
		return AlertView{}, nil, err
	}
	recs := res.([]*neo4j.Record)
	if len(recs) == 0 {
		return AlertView{}, nil, Errorf(ENOTFOUND, "alert %q not found", id)
	}
	as, err := alertsOf(recs)
	if err != nil {
		return AlertView{}, nil, err
	}
	evs, _ := recs[0].Get("events")
	var out []AlertEvent
	for _, e := range asList(evs) {
		em, _ := e.(map[string]any)
		out = append(out, AlertEvent{At: asTime(em["at"]), By: asString(em["by"]), Action: asString(em["action"]),
			From: asString(em["from"]), To: asString(em["to"]), Note: asString(em["note"])})
	}
	return as[0], out, nil
}

// AlertsByID returns the alerts of ids that exist, in the order of ids (a case's alerts).
func (s *Store) AlertsByID(ctx context.Context, ids []string) ([]AlertView, error) {
	if len(ids) == 0 {
		return []AlertView{}, nil
	}
	res, err := s.read(ctx, "read alerts by id", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `UNWIND $ids AS id MATCH (a:Alert {id: id}) RETURN properties(a) AS a`, map[string]any{"ids": ids})
	})
	if err != nil {
		return nil, err
	}
	found, err := alertsOf(res.([]*neo4j.Record))
	if err != nil {
		return nil, err
	}
	// Mapped back by id: the database does not promise UNWIND's order.
	byID := make(map[string]AlertView, len(found))
	for _, a := range found {
		byID[a.ID] = a
	}
	out := make([]AlertView, 0, len(ids))
	for _, id := range ids {
		if a, ok := byID[id]; ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// AlertChange is what an analyst changes in an alert; nil fields stay.
type AlertChange struct {
	Status      *AlertStatus
	Assignee    *string // "" unassigns
	CloseReason string  // required when Status is CLOSED: one of CloseReasons
	Note        string  // free text: why, what was found; with CLOSED, the closing note
}

// checkAlertChange checks what can be checked without the stored alert.
func checkAlertChange(c AlertChange) error {
	if len(c.Note) > maxNoteBytes {
		return Errorf(EINVALID, "note: longer than %d bytes", maxNoteBytes)
	}
	if c.Assignee != nil && len(*c.Assignee) > maxTitleBytes {
		return Errorf(EINVALID, "assignee: longer than %d bytes", maxTitleBytes)
	}
	if c.Status != nil {
		if !validStatus(*c.Status) {
			return Errorf(EINVALID, "status: %q is not NEW, IN_REVIEW, ESCALATED or CLOSED", *c.Status)
		}
		if *c.Status == AlertNew {
			return Errorf(EINVALID, "status: an alert cannot go back to NEW")
		}
		if *c.Status == AlertClosed && !slices.Contains(CloseReasons, c.CloseReason) {
			return Errorf(EINVALID, "closeReason: closing needs one of %s", strings.Join(CloseReasons, ", "))
		}
	}
	if c.CloseReason != "" && (c.Status == nil || *c.Status != AlertClosed) {
		return Errorf(EINVALID, "closeReason: given without status CLOSED")
	}
	if c.Status == nil && c.Assignee == nil && strings.TrimSpace(c.Note) == "" {
		return Errorf(EINVALID, "input: nothing to change; give status, assignee or note")
	}
	return nil
}

// UpdateAlert applies an analyst's change and records it in the alert's history, one event
// per thing that changed. Moving to the status the alert already has, or assigning whom it
// is already assigned to, records nothing, so that a repeated request changes nothing.
// EINVALID names the field at fault; ECONFLICT a transition the alert's current status does
// not allow (see alertTransitions), closing a closed alert with another reason, or reopening
// an alert while its entity has a newer open one; ENOTFOUND an unknown alert.
func (s *Store) UpdateAlert(ctx context.Context, id, by string, c AlertChange) (AlertView, error) {
	if err := checkAlertChange(c); err != nil {
		return AlertView{}, err
	}
	note := strings.TrimSpace(c.Note)
	at := nowMilli()
	res, err := s.writeTx(ctx, "update an alert", readTimeout, func(tx neo4j.ManagedTransaction) (any, error) {
		// Take the alert's write lock before reading it, so that the checks below see what a
		// concurrent change committed.
		recs, err := collectRecords(ctx, tx, `MATCH (a:Alert {id: $id}) SET a.seq = coalesce(a.seq, 0)
RETURN properties(a) AS a,
  COLLECT { MATCH (o:Alert {subject: a.subject}) WHERE o.id <> a.id AND o.status <> 'CLOSED' RETURN o.id }[0] AS other`, map[string]any{"id": id})
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 {
			return nil, Errorf(ENOTFOUND, "alert %q not found", id)
		}
		as, err := alertsOf(recs)
		if err != nil {
			return nil, err
		}
		a := as[0]
		other, _, _ := neo4j.GetRecordValue[string](recs[0], "other")
		set, events, err := planAlertChange(a, other, c, note)
		if err != nil {
			return nil, err
		}
		if len(events) == 0 {
			return a, nil
		}
		for i, e := range events {
			e["seq"] = a.seq + int64(i) + 1
		}
		set["seq"], set["updatedAt"] = a.seq+int64(len(events)), at
		recs, err = collectRecords(ctx, tx, `MATCH (a:Alert {id: $id})
SET a += $set
WITH a
UNWIND $events AS ev
CREATE (a)-[:HAS_EVENT]->(:AlertEvent {seq: ev.seq, at: $at, by: $by, action: ev.action, from: ev.from, to: ev.to, note: ev.note})
WITH DISTINCT a
RETURN properties(a) AS a`, map[string]any{"id": id, "set": set, "events": events, "at": at, "by": by})
		if err != nil {
			return nil, err
		}
		as, err = alertsOf(recs)
		if err != nil || len(as) == 0 {
			return nil, &Error{Code: EINTERNAL, Err: fmt.Errorf("alert %q vanished while updated: %v", id, err)}
		}
		return as[0], nil
	})
	if err != nil {
		return AlertView{}, err
	}
	return res.(AlertView), nil
}

// planAlertChange works out the properties to set and the events to record for change c of
// alert a; other is another open alert of the same entity ("" when none).
func planAlertChange(a AlertView, other string, c AlertChange, note string) (map[string]any, []map[string]any, error) {
	set := map[string]any{}
	var events []map[string]any
	noteUsed := false
	if c.Status != nil && *c.Status == a.Status && a.Status == AlertClosed && c.CloseReason != a.CloseReason {
		return nil, nil, Errorf(ECONFLICT, "closeReason: the alert is already closed as %s; reopen it to close it with another reason", a.CloseReason)
	}
	if c.Status != nil && *c.Status != a.Status {
		to := *c.Status
		if !slices.Contains(alertTransitions[a.Status], to) {
			return nil, nil, Errorf(ECONFLICT, "status: an alert in %s cannot go to %s", a.Status, to)
		}
		action := "STATUS"
		switch {
		case to == AlertClosed:
			action = "CLOSED"
			set["closeReason"], set["closeNote"] = c.CloseReason, nilIfEmpty(note)
		case a.Status == AlertClosed:
			if other != "" {
				return nil, nil, Errorf(ECONFLICT, "status: the entity has a newer open alert %s; work on that one", other)
			}
			action = "REOPENED"
			set["closeReason"], set["closeNote"] = nil, nil
		}
		set["status"] = string(to)
		ev := map[string]any{"action": action, "from": string(a.Status), "to": string(to), "note": nilIfEmpty(note)}
		if to == AlertClosed && note != "" {
			ev["note"] = c.CloseReason + ": " + note
		} else if to == AlertClosed {
			ev["note"] = c.CloseReason
		}
		events = append(events, ev)
		noteUsed = true
	}
	if c.Assignee != nil && strings.TrimSpace(*c.Assignee) != a.Assignee {
		to := strings.TrimSpace(*c.Assignee)
		set["assignee"] = nilIfEmpty(to)
		events = append(events, map[string]any{"action": "ASSIGNED", "from": nilIfEmpty(a.Assignee), "to": nilIfEmpty(to), "note": nil})
	}
	if note != "" && !noteUsed {
		events = append(events, map[string]any{"action": "NOTE", "from": nil, "to": nil, "note": note})
	}
	return set, events, nil
}

// String is the alert as one line (logs, tests).
func (a AlertView) String() string {
	return fmt.Sprintf("%s %s %s risk %.2f", a.ID, a.Subject, a.Status, a.Risk)
}

// writeTx runs work in one write transaction (retried on transient errors, so work must start
// from nothing each time) bounded by timeout and ctx's deadline.
func (s *Store) writeTx(ctx context.Context, op string, timeout time.Duration, work func(tx neo4j.ManagedTransaction) (any, error)) (any, error) {
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.db, AccessMode: neo4j.AccessModeWrite})
	defer sess.Close(context.WithoutCancel(ctx))
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, max(time.Until(dl), time.Second))
	}
	res, err := sess.ExecuteWrite(ctx, work, neo4j.WithTxTimeout(timeout))
	if err != nil {
		return nil, translate(op, err)
	}
	return res, nil
}

// nowMilli is the time now as Neo4j keeps it (milliseconds), so that what is written compares
// equal to what is read back.
func nowMilli() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
