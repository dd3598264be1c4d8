package graph

import (
	"context"
	"time"

	"github.com/crosslink/crosslink/graph/detect"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// The cross-sector facts (DOMAIN.md D4) that detection's cross rules turn into signals: joins
// between the financial side (a customer, its accounts, its payments) and what reports name.
// A subject is what detect.Index.Subject gives: the holder of an account when it has one (the
// first by id, as readDetectInput picks it), else the account.
//
// Every query starts from the reports (few) and expands towards the financial side (many), and
// every expansion from one identifier, address, handle or recipient is cut at detectMaxExpand:
// an identifier used by thousands (a CGNAT address, a company switchboard) is then reported
// with its Shared count, which the rules read as weak evidence, rather than as thousands of
// facts.

const (
	// detectMaxFacts bounds each kind of fact read.
	detectMaxFacts = 100_000
	// detectMaxExpand bounds the subjects (or payments) read from one identifier, address,
	// handle or recipient.
	detectMaxExpand = 1_000
	// detectMaxRecipientShared is how many entities may share the phone or e-mail linking a
	// payee to a reported entity: past it the identifier links nobody in particular.
	detectMaxRecipientShared = 20
	// detectMaxHashReports bounds the reports of one file hash when no configuration says.
	detectMaxHashReports = 1_000
	// detectIPWindow is the login IP window when no configuration says.
	detectIPWindow = 24 * time.Hour
)

// detectSubjectOf is the Cypher of a node's detection subject, for a node named by the variable.
func detectSubjectOf(v string) string {
	return `coalesce(COLLECT { MATCH (holder:Person|Organization|Company)-[:HOLDS]->(` + v + `) RETURN holder.id ORDER BY holder.id LIMIT 1 }[0], ` + v + `.id)`
}

// financial is the Cypher predicate of a node on the financial side: an account, or a party
// holding one.
func financial(v string) string {
	return `(` + v + `:BankAccount OR ` + v + `:CryptoWallet OR EXISTS { (` + v + `)-[:HOLDS]->(:BankAccount|CryptoWallet) })`
}

// DetectFacts reads the cross-sector facts of the whole graph (subjects nil) or of the given
// subjects: only facts whose Subject is one of them (a file hash keeps the subjects in the list).
// cfg (nil for the defaults of this file) gives the login IP window and the most reports of a
// file hash worth reading; the rules apply every other threshold.
func (s *Store) DetectFacts(ctx context.Context, cfg *detect.Config, subjects []string) (detect.Facts, error) {
	var f detect.Facts
	window, maxReports := detectIPWindow, detectMaxHashReports
	if cfg != nil {
		if w := cfg.Rules.LoginIPInReport.Window.D(); w > 0 {
			window = w
		}
		if m := cfg.Rules.SharedFileHash.MaxReports; m >= 2 {
			maxReports = m
		}
	}
	params := map[string]any{"subjects": nil, "limit": detectMaxFacts, "expand": detectMaxExpand,
		"window": int64(window / time.Second), "maxShared": detectMaxRecipientShared, "maxReports": maxReports}
	if subjects != nil { // a nil slice would go to Neo4j as [], which matches nothing
		params["subjects"] = subjects
	}
	inScope := `($subjects IS NULL OR subject IN $subjects)`
	read := func(op, q string, row func(get func(string) any)) error {
		res, err := s.read(ctx, op, func(tx neo4j.ManagedTransaction) (any, error) {
			return collectRecords(ctx, tx, q, params)
		})
		if err != nil {
			return err
		}
		for _, r := range res.([]*neo4j.Record) {
			row(func(k string) any { v, _ := r.Get(k); return v })
		}
		return nil
	}
	role := func(get func(string) any) string { return roleName(asString(get("role"))) }

	// A customer's e-mail, phone or device (its own or its accounts') that an entity named in a
	// report uses too. A victim's e-mail or phone is named by the report itself (the loader
	// links it with VICTIM_IN, as it belongs to no account): the identifier is then the
	// reported entity.
	err := read("read identifiers shared with reports", `
MATCH (r:Report)<-[role:SUBJECT_OF|RECIPIENT_IN|VICTIM_IN]-(rep)
CALL (rep) {
  MATCH (rep)-[:USES_EMAIL|USES_PHONE|USES_DEVICE]->(i:Email|Phone|Device) RETURN i
  UNION
  WITH rep AS i WHERE i:Email OR i:Phone RETURN i
}
WITH r, role, rep, i, COUNT { MATCH (i)<-[:USES_EMAIL|USES_PHONE|USES_DEVICE]-(u) RETURN DISTINCT u } AS shared
CALL (r, rep, i) {
  MATCH (i)<-[:USES_EMAIL|USES_PHONE|USES_DEVICE]-(x)
  WHERE x <> rep AND `+financial("x")+` AND NOT EXISTS { (x)-[:SUBJECT_OF|RECIPIENT_IN|VICTIM_IN]->(r) }
  WITH DISTINCT `+detectSubjectOf("x")+` AS subject
  WHERE `+inScope+`
  RETURN subject LIMIT $expand
}
RETURN DISTINCT subject, CASE WHEN i:Email THEN 'email' WHEN i:Phone THEN 'phone' ELSE 'device' END AS kind, i.id AS identifier,
  r.id AS report, type(role) AS role, rep.id AS reported, shared
LIMIT $limit`, func(get func(string) any) {
		f.Identifiers = append(f.Identifiers, detect.IdentifierHit{Subject: asString(get("subject")), Kind: asString(get("kind")),
			Identifier: asString(get("identifier")), Report: asString(get("report")), Role: role(get),
			Reported: asString(get("reported")), Shared: int(asInt64(get("shared")))})
	})
	if err != nil {
		return f, err
	}
	// A customer that resolution puts in the same entity as a reported record.
	err = read("read customers resolved to reported records", `
MATCH (r:Report)<-[role:SUBJECT_OF|RECIPIENT_IN|VICTIM_IN]-(rep)-[:RESOLVED_TO]->(e:ResolvedEntity)
CALL (r, rep, e) {
  MATCH (e)<-[:RESOLVED_TO]-(x)
  WHERE x <> rep AND `+financial("x")+` AND NOT EXISTS { (x)-[:SUBJECT_OF|RECIPIENT_IN|VICTIM_IN]->(r) }
  WITH DISTINCT `+detectSubjectOf("x")+` AS subject
  WHERE `+inScope+`
  RETURN subject LIMIT $expand
}
RETURN DISTINCT subject, e.id AS identifier, r.id AS report, type(role) AS role, rep.id AS reported
LIMIT $limit`, func(get func(string) any) {
		f.Identifiers = append(f.Identifiers, detect.IdentifierHit{Subject: asString(get("subject")), Kind: "resolved",
			Identifier: asString(get("identifier")), Report: asString(get("report")), Role: role(get),
			Reported: asString(get("reported")), Shared: 1})
	})
	if err != nil {
		return f, err
	}
	// A payment made from an IP address that a reported entity logged in from within the
	// window: both times and ports, the proxy flag and how many entities use the address (the
	// distinct non-payment users and payers), for the rule to weigh.
	err = read("read login IPs shared with reports", `
MATCH (r:Report)<-[role:SUBJECT_OF|RECIPIENT_IN|VICTIM_IN]-(rep)-[c:LOGGED_IN_FROM]->(ip:IPAddress)
WHERE c.at IS NOT NULL
WITH r, role, rep, c, ip,
  COUNT { MATCH (ip)<-[:LOGGED_IN_FROM]-(u) WHERE NOT u:Transaction RETURN DISTINCT u } +
  COUNT { MATCH (ip)<-[:LOGGED_IN_FROM]-(:Transaction)<-[:SENT]-(a) RETURN DISTINCT a } AS shared
CALL (rep, c, ip) {
  MATCH (ip)<-[l:LOGGED_IN_FROM]-(t:Transaction)<-[:SENT]-(a)
  WHERE l.at IS NOT NULL AND abs(duration.inSeconds(c.at, l.at).seconds) <= $window
    AND NOT EXISTS { (rep)-[:HOLDS]->(a) } AND a <> rep
  WITH t, l, `+detectSubjectOf("a")+` AS subject
  WHERE `+inScope+`
  RETURN t, l, subject LIMIT $expand
}
RETURN subject, ip.id AS identifier, r.id AS report, type(role) AS role, rep.id AS reported, t.id AS tx,
  l.at AS subjectAt, c.at AS reportAt, l.port AS subjectPort, c.port AS reportPort, c.possibleProxy AS proxy, shared
LIMIT $limit`, func(get func(string) any) {
		proxy, _ := get("proxy").(bool)
		f.Identifiers = append(f.Identifiers, detect.IdentifierHit{Subject: asString(get("subject")), Kind: "ip",
			Identifier: asString(get("identifier")), Report: asString(get("report")), Role: role(get),
			Reported: asString(get("reported")), SubjectAt: asTime(get("subjectAt")), ReportAt: asTime(get("reportAt")),
			SubjectPort: int(asInt64(get("subjectPort"))), ReportPort: int(asInt64(get("reportPort"))), Proxy: proxy,
			Shared: int(asInt64(get("shared"))), Tx: asString(get("tx"))})
	})
	if err != nil {
		return f, err
	}
	// A payment reference naming a handle of a reported account: one it HAS_HANDLE, or its
	// username when no handle was linked (the Handle id is the normalised username, so the
	// lookup goes through the id constraint).
	err = read("read payment handles of reported accounts", `
MATCH (r:Report)<-[role:SUBJECT_OF|RECIPIENT_IN]-(rep)
CALL (rep) {
  MATCH (rep)-[:HAS_HANDLE]->(h:Handle) RETURN h
  UNION
  WITH rep, toLower(trim(rep.username)) AS u WHERE rep:UserAccount AND u IS NOT NULL
  MATCH (h:Handle) WHERE h.id IN ['handle:' + u, 'handle:' + CASE WHEN u STARTS WITH '@' THEN substring(u, 1) ELSE u END]
  RETURN h
}
CALL (h) {
  MATCH (h)<-[:MENTIONS]-(t:Transaction)<-[:SENT]-(a)
  WITH t, `+detectSubjectOf("a")+` AS subject
  WHERE `+inScope+`
  RETURN t, subject LIMIT $expand
}
RETURN DISTINCT subject, t.id AS tx, h.id AS handle, rep.id AS account, r.id AS report, type(role) AS role
LIMIT $limit`, func(get func(string) any) {
		f.Handles = append(f.Handles, detect.HandleHit{Subject: asString(get("subject")), Tx: asString(get("tx")),
			Handle: asString(get("handle")), UserAccount: asString(get("account")), Report: asString(get("report")), Role: role(get)})
	})
	if err != nil {
		return f, err
	}
	// Payments to a recipient linked to a reported entity: the payee, or its holder, is the
	// reported entity itself, is resolved to the same entity, or shares a phone or e-mail with
	// it (an identifier of at most detectMaxRecipientShared entities).
	err = read("read payments to reported recipients", `
MATCH (r:Report)<-[role:SUBJECT_OF|RECIPIENT_IN]-(rep)
CALL (rep) {
  RETURN rep AS y, rep.id AS via
  UNION
  MATCH (rep)-[:RESOLVED_TO]->(e:ResolvedEntity)<-[:RESOLVED_TO]-(y) WHERE y <> rep RETURN y, e.id AS via
  UNION
  MATCH (rep)-[:USES_EMAIL|USES_PHONE]->(i)<-[:USES_EMAIL|USES_PHONE]-(y)
  WHERE y <> rep AND COUNT { (i)<-[:USES_EMAIL|USES_PHONE]-() } <= $maxShared
  RETURN y, i.id AS via
}
CALL (y) {
  MATCH (y)-[:HOLDS]->(b) RETURN b
  UNION
  RETURN y AS b
}
CALL (rep, b) {
  MATCH (b)<-[:TO]-(t:Transaction)<-[:SENT]-(a)
  WHERE a <> rep AND NOT EXISTS { (rep)-[:HOLDS]->(a) }
  WITH t, `+detectSubjectOf("a")+` AS subject
  WHERE `+inScope+`
  RETURN t, subject LIMIT $expand
}
RETURN DISTINCT subject, t.id AS tx, b.id AS recipient, rep.id AS reported, r.id AS report, type(role) AS role, via
LIMIT $limit`, func(get func(string) any) {
		f.Recipients = append(f.Recipients, detect.RecipientHit{Subject: asString(get("subject")), Tx: asString(get("tx")),
			Recipient: asString(get("recipient")), Reported: asString(get("reported")), Report: asString(get("report")),
			Role: role(get), Via: asString(get("via"))})
	})
	if err != nil {
		return f, err
	}
	// File hashes in several reports (up to maxReports: a file in more is widely circulated and
	// links nobody), with the reports' subjects.
	err = read("read file hashes shared by reports", `
MATCH (h:FileHash)<-[:REPORTED_FILE]-(r:Report)
WITH h, collect(DISTINCT r) AS reports WHERE size(reports) >= 2 AND size(reports) <= $maxReports
WITH h, reports, COLLECT { UNWIND reports AS r MATCH (x)-[:SUBJECT_OF]->(r) RETURN DISTINCT x.id } AS subjects
WITH h, reports, [subject IN subjects WHERE `+inScope+`] AS subjects
WHERE size(subjects) > 0
RETURN h.id AS hash, [r IN reports | r.id] AS reports, subjects
LIMIT $limit`, func(get func(string) any) {
		f.FileHashes = append(f.FileHashes, detect.FileHashHit{Hash: asString(get("hash")), Reports: asStrings(get("reports")),
			Subjects: asStrings(get("subjects"))})
	})
	return f, err
}

// roleName is a report role as the rules name it.
func roleName(rel string) string {
	switch rel {
	case string(RelSubjectOf):
		return "subject"
	case string(RelRecipientIn):
		return "recipient"
	case string(RelVictimIn):
		return "victim"
	}
	return rel
}
