package graph

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/crosslink/crosslink/graph/resolve"
)

// Judgements: an investigator's verdict on a pair of records (SAME, DIFFERENT, UNSURE), kept
// as an append-only log of Judgement nodes that nothing updates or deletes, so every decision
// and who made it can be read back. The standing verdict of a pair is its latest judgement;
// a RETRACTED one leaves the pair without. Resolution always honours standing verdicts, and
// each call here that appends one resolves the pair's records again at once.

// JudgementView is one judgement as it was made.
type JudgementView struct {
	ID      string
	A, B    string // the records, A < B
	Verdict resolve.Verdict
	By      string
	Note    string
	At      time.Time
}

// judgementFrom decodes a Judgement's properties.
func judgementFrom(props map[string]any) JudgementView {
	return JudgementView{ID: asString(props["id"]), A: asString(props["a"]), B: asString(props["b"]),
		Verdict: resolve.Verdict(asString(props["verdict"])), By: asString(props["by"]), Note: asString(props["note"]),
		At: asTime(props["at"])}
}

// checkJudge checks who judges and why.
func checkJudge(by, note string) (string, string, error) {
	by, note = strings.TrimSpace(by), strings.TrimSpace(note)
	switch {
	case by == "":
		return "", "", Errorf(EINVALID, "by: say who makes the judgement")
	case len(by) > maxJudgeBy:
		return "", "", Errorf(EINVALID, "by: longer than %d bytes", maxJudgeBy)
	case len(note) > maxJudgeNote:
		return "", "", Errorf(EINVALID, "note: longer than %d bytes", maxJudgeNote)
	}
	return by, note, nil
}

// appendJudgements stores judgements (one write transaction). A retried transaction finds
// them by id and writes nothing twice.
func (s *Store) appendJudgements(ctx context.Context, js []JudgementView) error {
	rows := make([]map[string]any, len(js))
	for i, j := range js {
		rows[i] = map[string]any{"id": j.ID, "pair": pairKey(j.A, j.B), "a": j.A, "b": j.B, "verdict": string(j.Verdict),
			"by": j.By, "at": j.At, "note": nilIfEmpty(j.Note)}
	}
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.db, AccessMode: neo4j.AccessModeWrite})
	defer sess.Close(context.WithoutCancel(ctx))
	_, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, `UNWIND $rows AS row
MERGE (j:Judgement {id: row.id})
ON CREATE SET j += row`, map[string]any{"rows": rows})
		if err != nil {
			return nil, err
		}
		_, err = r.Consume(ctx)
		return nil, err
	})
	return translate("store judgement", err)
}

// newJudgement returns a judgement of the pair (a, b) in id order, made now.
func newJudgement(a, b string, v resolve.Verdict, by, note string, at time.Time) (JudgementView, error) {
	id, err := newResolutionID("jdg")
	if err != nil {
		return JudgementView{}, err
	}
	a, b = orderPair(a, b)
	return JudgementView{ID: id, A: a, B: b, Verdict: v, By: by, Note: note, At: at}, nil
}

// Judge records an investigator's verdict on two records and resolves them again at once
// (an incremental Resolve with both pending), so the verdict shows in the clusters it returns.
// SAME links them whatever their score, DIFFERENT keeps them (and so their clusters) apart,
// UNSURE keeps the pair out of automatic links and in review. The judgement stands even when
// the run fails: the next run honours it. It returns EINVALID for an unknown verdict, a
// missing author, the same id twice, ids that are not records of persons, accounts or
// organisations, or records of two kinds; ENOTFOUND naming an id that does not exist.
func (s *Store) Judge(ctx context.Context, a, b string, v resolve.Verdict, by, note string) (JudgementView, ResolveReport, error) {
	if !v.Valid() {
		return JudgementView{}, ResolveReport{}, Errorf(EINVALID, "verdict: %q is not one of SAME, DIFFERENT, UNSURE", v)
	}
	by, note, err := checkJudge(by, note)
	if err != nil {
		return JudgementView{}, ResolveReport{}, err
	}
	if a == b {
		return JudgementView{}, ResolveReport{}, Errorf(EINVALID, "b: a record cannot be judged against itself (%q)", a)
	}
	kinds, err := s.recordKinds(ctx, []string{a, b})
	if err != nil {
		return JudgementView{}, ResolveReport{}, err
	}
	if kinds[a] != kinds[b] {
		return JudgementView{}, ResolveReport{}, Errorf(EINVALID, "%q is a record of kind %s and %q of kind %s: only records of one kind are judged",
			a, kinds[a], b, kinds[b])
	}
	j, err := newJudgement(a, b, v, by, note, time.Now().UTC().Truncate(time.Millisecond))
	if err != nil {
		return JudgementView{}, ResolveReport{}, err
	}
	if err := s.appendJudgements(ctx, []JudgementView{j}); err != nil {
		return JudgementView{}, ResolveReport{}, err
	}
	rep, err := s.Resolve(ctx, ResolveOptions{Config: s.ResolveConfig(), By: by, Also: []string{j.A, j.B}})
	return j, rep, err
}

// RetractJudgement withdraws the standing verdict on two records (appending a RETRACTED
// judgement) and resolves them again at once, by their scores alone. It returns ENOTFOUND when
// the pair has no standing verdict, EINVALID for a missing author.
func (s *Store) RetractJudgement(ctx context.Context, a, b, by string) (JudgementView, ResolveReport, error) {
	by, _, err := checkJudge(by, "")
	if err != nil {
		return JudgementView{}, ResolveReport{}, err
	}
	a, b = orderPair(a, b)
	res, err := s.read(ctx, "read judgement", func(tx neo4j.ManagedTransaction) (any, error) {
		return standingJudgements(ctx, tx, [][2]string{{a, b}})
	})
	if err != nil {
		return JudgementView{}, ResolveReport{}, err
	}
	if _, ok := res.(map[string]JudgementView)[pairKey(a, b)]; !ok {
		return JudgementView{}, ResolveReport{}, Errorf(ENOTFOUND, "no standing judgement on %q and %q", a, b)
	}
	j, err := newJudgement(a, b, VerdictRetracted, by, "", time.Now().UTC().Truncate(time.Millisecond))
	if err != nil {
		return JudgementView{}, ResolveReport{}, err
	}
	if err := s.appendJudgements(ctx, []JudgementView{j}); err != nil {
		return JudgementView{}, ResolveReport{}, err
	}
	rep, err := s.Resolve(ctx, ResolveOptions{Config: s.ResolveConfig(), By: by, Also: []string{a, b}})
	return j, rep, err
}

// SplitResolvedEntity takes records out of a resolved entity: it judges each of recordIDs
// DIFFERENT from each other member, and resolves the members again at once. The records split
// off may still form an entity of their own. It returns ENOTFOUND for an unknown entity,
// EINVALID when recordIDs is empty, names a record that is not a member, or names them all.
func (s *Store) SplitResolvedEntity(ctx context.Context, entityID string, recordIDs []string, by, note string) (ResolveReport, error) {
	by, note, err := checkJudge(by, note)
	if err != nil {
		return ResolveReport{}, err
	}
	res, err := s.read(ctx, "read resolved entity", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `MATCH (e:ResolvedEntity {id: $id})
RETURN COLLECT { MATCH (n)-[:RESOLVED_TO]->(e) RETURN n.id } AS members`, map[string]any{"id": entityID})
	})
	if err != nil {
		return ResolveReport{}, err
	}
	recs := res.([]*neo4j.Record)
	if len(recs) == 0 {
		return ResolveReport{}, Errorf(ENOTFOUND, "resolved entity %q not found", entityID)
	}
	members := asStrings(recs[0].Values[0])
	var split []string
	for _, id := range recordIDs {
		switch {
		case !slices.Contains(members, id):
			return ResolveReport{}, Errorf(EINVALID, "recordIds: %q is not a member of resolved entity %q", id, entityID)
		case !slices.Contains(split, id):
			split = append(split, id)
		}
	}
	switch {
	case len(split) == 0:
		return ResolveReport{}, Errorf(EINVALID, "recordIds: name the records to split off")
	case len(split) == len(members):
		return ResolveReport{}, Errorf(EINVALID, "recordIds: names every member of resolved entity %q; leave at least one", entityID)
	}
	at := time.Now().UTC().Truncate(time.Millisecond)
	var js []JudgementView
	for _, a := range split {
		for _, b := range members {
			if slices.Contains(split, b) {
				continue
			}
			j, err := newJudgement(a, b, resolve.Different, by, note, at)
			if err != nil {
				return ResolveReport{}, err
			}
			js = append(js, j)
		}
	}
	if err := s.appendJudgements(ctx, js); err != nil {
		return ResolveReport{}, err
	}
	return s.Resolve(ctx, ResolveOptions{Config: s.ResolveConfig(), By: by, Also: members})
}

// Judgements lists the judgements on a record's pairs ("" for every record), newest first,
// first of them (default 20, at most 100) after the cursor; it returns the page, its end cursor
// and whether more follow. It returns EINVALID for a bad first or after.
func (s *Store) Judgements(ctx context.Context, recordID string, first int, after string) ([]JudgementView, string, bool, error) {
	first, err := pageSize(first, 20, 100, "first")
	if err != nil {
		return nil, "", false, err
	}
	params := map[string]any{"id": nilIfEmpty(recordID), "afterAt": nil, "afterId": "", "limit": first + 1}
	if after != "" {
		parts, err := decodeCursor(judgementsCursor, after, 2)
		if err != nil {
			return nil, "", false, err
		}
		ns, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil || parts[1] == "" {
			return nil, "", false, Errorf(EINVALID, "after: not a cursor of this list; pass the endCursor of the previous page")
		}
		params["afterAt"], params["afterId"] = time.Unix(0, ns).UTC(), parts[1]
	}
	// Two queries, so that each finds a record's judgements through an index.
	q := `MATCH (j:Judgement) WHERE `
	if recordID != "" {
		q = `MATCH (j:Judgement) WHERE j.a = $id AND `
	}
	cond := `($afterAt IS NULL OR j.at < $afterAt OR (j.at = $afterAt AND j.id < $afterId))
RETURN properties(j) AS j ORDER BY j.at DESC, j.id DESC LIMIT $limit`
	query := q + cond
	if recordID != "" {
		query = `CALL () {
  ` + q + cond + `
  UNION
  MATCH (j:Judgement) WHERE j.b = $id AND ` + cond + `
}
RETURN j ORDER BY j.at DESC, j.id DESC LIMIT $limit`
	}
	res, err := s.read(ctx, "read judgements", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, query, params)
	})
	if err != nil {
		return nil, "", false, err
	}
	var out []JudgementView
	for _, r := range res.([]*neo4j.Record) {
		props, _, err := neo4j.GetRecordValue[map[string]any](r, "j")
		if err != nil {
			return nil, "", false, translate("read judgements", err)
		}
		out = append(out, judgementFrom(props))
	}
	hasNext := len(out) > first
	if hasNext {
		out = out[:first]
	}
	end := ""
	if n := len(out); n > 0 {
		end = encodeCursor(judgementsCursor, strconv.FormatInt(out[n-1].At.UnixNano(), 10), out[n-1].ID)
	}
	return out, end, hasNext, nil
}

// standingJudgements returns the standing verdicts of pairs (a < b) by pairKey: the latest
// judgement of each, left out when it is RETRACTED.
func standingJudgements(ctx context.Context, tx neo4j.ManagedTransaction, pairs [][2]string) (map[string]JudgementView, error) {
	out := map[string]JudgementView{}
	if len(pairs) == 0 {
		return out, nil
	}
	rows := make([]map[string]any, len(pairs))
	for i, p := range pairs {
		rows[i] = map[string]any{"pair": pairKey(p[0], p[1]), "a": p[0], "b": p[1]}
	}
	recs, err := collectRecords(ctx, tx, `UNWIND $rows AS row
CALL (row) {
  MATCH (j:Judgement {pair: row.pair}) WHERE j.a = row.a AND j.b = row.b
  RETURN j ORDER BY j.at DESC, j.id DESC LIMIT 1
}
RETURN properties(j) AS j`, map[string]any{"rows": rows})
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		props, _, err := neo4j.GetRecordValue[map[string]any](r, "j")
		if err != nil {
			return nil, err
		}
		if j := judgementFrom(props); j.Verdict != VerdictRetracted {
			out[pairKey(j.A, j.B)] = j
		}
	}
	return out, nil
}
