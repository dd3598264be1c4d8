package graph

import (
	"context"

	"github.com/crosslink/crosslink/graph/detect"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// The cross-sector facts (DOMAIN.md D4) that detection's cross rules turn into signals: joins
// between the financial side (a customer, its accounts, its payments) and what reports name.
// A subject is what detect.Index.Subject gives: the holder of an account when it has one (the
// first by id), else the account.

// detectMaxFacts bounds each kind of fact read: past it the identifiers are so widely shared
// that the facts are noise (a CGNAT address, a family e-mail), and their Shared counts say so.
const detectMaxFacts = 100_000

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
// subjects.
func (s *Store) DetectFacts(ctx context.Context, cfg *detect.Config, subjects []string) (detect.Facts, error) {
	var f detect.Facts
	params := map[string]any{"subjects": nil, "limit": detectMaxFacts}
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
	// A customer's e-mail, phone or device (its own or its accounts') that an entity named in a
	// report uses too; and a customer resolved to the same entity as a reported record.
	err := read("read identifiers shared with reports", `
MATCH (r:Report)<-[role:SUBJECT_OF|RECIPIENT_IN|VICTIM_IN]-(rep)-[:USES_EMAIL|USES_PHONE|USES_DEVICE]->(i)
MATCH (i)<-[:USES_EMAIL|USES_PHONE|USES_DEVICE]-(x)
WHERE x <> rep AND NOT EXISTS { (x)-[:SUBJECT_OF|RECIPIENT_IN|VICTIM_IN]->(r) } AND `+financial("x")+`
WITH r, role, rep, i, `+detectSubjectOf("x")+` AS subject
WHERE `+inScope+`
RETURN DISTINCT subject, CASE WHEN i:Email THEN 'email' WHEN i:Phone THEN 'phone' ELSE 'device' END AS kind, i.id AS identifier,
  r.id AS report, type(role) AS role, rep.id AS reported,
  COUNT { (i)<-[:USES_EMAIL|USES_PHONE|USES_DEVICE]-() } AS shared
LIMIT $limit`, func(get func(string) any) {
		f.Identifiers = append(f.Identifiers, detect.IdentifierHit{Subject: asString(get("subject")), Kind: asString(get("kind")),
			Identifier: asString(get("identifier")), Report: asString(get("report")), Role: roleName(asString(get("role"))),
			Reported: asString(get("reported")), Shared: int(asInt64(get("shared")))})
	})
	if err != nil {
		return f, err
	}
	err = read("read customers resolved to reported records", `
MATCH (r:Report)<-[role:SUBJECT_OF|RECIPIENT_IN|VICTIM_IN]-(rep)-[:RESOLVED_TO]->(e:ResolvedEntity)<-[:RESOLVED_TO]-(x)
WHERE x <> rep AND `+financial("x")+`
WITH r, role, rep, e, `+detectSubjectOf("x")+` AS subject
WHERE `+inScope+`
RETURN DISTINCT subject, e.id AS identifier, r.id AS report, type(role) AS role, rep.id AS reported
LIMIT $limit`, func(get func(string) any) {
		f.Identifiers = append(f.Identifiers, detect.IdentifierHit{Subject: asString(get("subject")), Kind: "resolved",
			Identifier: asString(get("identifier")), Report: asString(get("report")), Role: roleName(asString(get("role"))),
			Reported: asString(get("reported")), Shared: 1})
	})
	if err != nil {
		return f, err
	}
	// The IP a customer's payment was made from, also captured by a report: both times and
	// ports, the proxy flag and how many use the address; the rule decides the window.
	err = read("read login IPs shared with reports", `
MATCH (r:Report)<-[role:SUBJECT_OF|RECIPIENT_IN|VICTIM_IN]-(rep)-[c:LOGGED_IN_FROM]->(ip:IPAddress)<-[l:LOGGED_IN_FROM]-(t:Transaction)<-[:SENT]-(a)
WITH r, role, rep, ip, c, l, t, `+detectSubjectOf("a")+` AS subject
WHERE `+inScope+` AND c.at IS NOT NULL AND l.at IS NOT NULL
  AND abs(duration.inSeconds(c.at, l.at).seconds) <= 86400
RETURN subject, ip.id AS identifier, r.id AS report, type(role) AS role, rep.id AS reported, t.id AS tx,
  l.at AS subjectAt, c.at AS reportAt, l.port AS subjectPort, c.port AS reportPort, c.possibleProxy AS proxy,
  COUNT { (ip)<-[:LOGGED_IN_FROM]-(u) WHERE NOT u:Transaction } + COUNT { (ip)<-[:LOGGED_IN_FROM]-(:Transaction)<-[:SENT]-() } AS shared
LIMIT $limit`, func(get func(string) any) {
		proxy, _ := get("proxy").(bool)
		f.Identifiers = append(f.Identifiers, detect.IdentifierHit{Subject: asString(get("subject")), Kind: "ip",
			Identifier: asString(get("identifier")), Report: asString(get("report")), Role: roleName(asString(get("role"))),
			Reported: asString(get("reported")), SubjectAt: asTime(get("subjectAt")), ReportAt: asTime(get("reportAt")),
			SubjectPort: int(asInt64(get("subjectPort"))), ReportPort: int(asInt64(get("reportPort"))), Proxy: proxy,
			Shared: int(asInt64(get("shared"))), Tx: asString(get("tx"))})
	})
	if err != nil {
		return f, err
	}
	// A payment reference naming a handle that a reported platform account has.
	err = read("read payment handles of reported accounts", `
MATCH (r:Report)<-[role:SUBJECT_OF|RECIPIENT_IN]-(ua:UserAccount)-[:HAS_HANDLE]->(h:Handle)<-[:MENTIONS]-(t:Transaction)<-[:SENT]-(a)
WITH r, role, ua, h, t, `+detectSubjectOf("a")+` AS subject
WHERE `+inScope+`
RETURN DISTINCT subject, t.id AS tx, h.id AS handle, ua.id AS account, r.id AS report, type(role) AS role
LIMIT $limit`, func(get func(string) any) {
		f.Handles = append(f.Handles, detect.HandleHit{Subject: asString(get("subject")), Tx: asString(get("tx")),
			Handle: asString(get("handle")), UserAccount: asString(get("account")), Report: asString(get("report")), Role: roleName(asString(get("role")))})
	})
	if err != nil {
		return f, err
	}
	// Payments to a recipient who is (resolution) or shares a phone or e-mail with a reported
	// entity.
	err = read("read payments to reported recipients", `
MATCH (r:Report)<-[role:SUBJECT_OF|RECIPIENT_IN]-(rep)
CALL (rep) {
  MATCH (rep)-[:RESOLVED_TO]->(e:ResolvedEntity)<-[:RESOLVED_TO]-(y) WHERE y <> rep RETURN y, e.id AS via
  UNION
  MATCH (rep)-[:USES_EMAIL|USES_PHONE]->(i)<-[:USES_EMAIL|USES_PHONE]-(y) WHERE y <> rep AND COUNT { (i)<-[:USES_EMAIL|USES_PHONE]-() } <= 20
  RETURN y, i.id AS via
}
MATCH (y)-[:HOLDS]->(b)<-[:TO]-(t:Transaction)<-[:SENT]-(a)
WITH r, role, rep, via, b, t, `+detectSubjectOf("a")+` AS subject
WHERE `+inScope+`
RETURN DISTINCT subject, t.id AS tx, b.id AS recipient, rep.id AS reported, r.id AS report, type(role) AS role, via
LIMIT $limit`, func(get func(string) any) {
		f.Recipients = append(f.Recipients, detect.RecipientHit{Subject: asString(get("subject")), Tx: asString(get("tx")),
			Recipient: asString(get("recipient")), Reported: asString(get("reported")), Report: asString(get("report")),
			Role: roleName(asString(get("role"))), Via: asString(get("via"))})
	})
	if err != nil {
		return f, err
	}
	// File hashes in several reports, with the reports' subjects.
	err = read("read file hashes shared by reports", `
MATCH (h:FileHash)<-[:REPORTED_FILE]-(r:Report)
WITH h, collect(DISTINCT r) AS reports WHERE size(reports) >= 2 AND size(reports) <= 1000
RETURN h.id AS hash, [r IN reports | r.id] AS reports,
  COLLECT { UNWIND reports AS r MATCH (x)-[:SUBJECT_OF]->(r) RETURN DISTINCT x.id } AS subjects
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
