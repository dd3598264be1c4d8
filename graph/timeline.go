package graph

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Direction says which payments of an account a list holds.
type Direction string

// Directions of payments, seen from the account.
const (
	DirectionIn   Direction = "IN"   // payments to the account
	DirectionOut  Direction = "OUT"  // payments from the account
	DirectionBoth Direction = "BOTH" // both (the default)
)

// TransactionsQuery asks for the payments of an account, or of a party's accounts.
type TransactionsQuery struct {
	Account   string    // the id of an account, or of a party: then the accounts it HOLDS (up to 100) as well
	From, To  time.Time // window [From, To) on the timestamp; zero ends are open
	Direction Direction // "" is BOTH
	First     int       // page size, 1..500 (0: 50)
	After     string    // the EndCursor of the previous page
}

// TransactionRow is one payment: the Transaction and its payer and payee.
type TransactionRow struct {
	Tx NodeView
	// From and To are the payer and payee; the zero NodeView when the transaction has no such
	// side or it is outside the scope.
	From, To  NodeView
	Amount    int64 // minor units of Currency
	Currency  string
	Timestamp time.Time // zero when the source gave none
}

// TransactionPage is one page of payments, newest first.
type TransactionPage struct {
	Rows        []TransactionRow
	EndCursor   string
	HasNextPage bool
}

const (
	maxPartyAccounts  = 100 // accounts of a party that Transactions and Timeline read
	transactionCursor = "tx"
)

// Transactions lists the payments of an account (or of the accounts a party holds, and the
// party's own), newest first, ties by id, paginated by an opaque keyset cursor (timestamp and
// id): pages stay consistent while new payments are loaded. Payments without a timestamp come
// last. It returns ENOTFOUND for an unknown account or one outside the scope, EINVALID naming
// `account`, `direction`, `first`, `after` or `to`.
func (s *Store) Transactions(ctx context.Context, scope Scope, q TransactionsQuery) (TransactionPage, error) {
	if strings.TrimSpace(q.Account) == "" {
		return TransactionPage{}, Errorf(EINVALID, "account is empty")
	}
	dir := q.Direction
	switch dir {
	case "":
		dir = DirectionBoth
	case DirectionIn, DirectionOut, DirectionBoth:
	default:
		return TransactionPage{}, Errorf(EINVALID, "direction must be IN, OUT or BOTH, not %q", q.Direction)
	}
	first, err := pageSize(q.First, 50, 500, "first")
	if err != nil {
		return TransactionPage{}, err
	}
	if err := checkWindow(q.From, q.To); err != nil {
		return TransactionPage{}, err
	}
	var afterTS, afterID any
	if q.After != "" {
		parts, err := decodeCursor(transactionCursor, q.After, 2)
		if err != nil {
			return TransactionPage{}, err
		}
		ts, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil || parts[1] == "" {
			return TransactionPage{}, Errorf(EINVALID, "after: not a cursor of this list; pass the endCursor of the previous page")
		}
		afterTS, afterID = ts, parts[1]
	}
	sp, err := s.scopeParams(ctx, scope)
	if err != nil {
		return TransactionPage{}, err
	}
	params := withParams(sp, map[string]any{
		"id": q.Account, "out": dir != DirectionIn, "in": dir != DirectionOut,
		"from": unixNanoOrNil(q.From), "to": unixNanoOrNil(q.To), "afterTS": afterTS, "afterID": afterID,
		"limit": first + 1, "maxAccounts": maxPartyAccounts,
	})
	res, err := s.read(ctx, "list transactions", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, transactionsQuery(scope.All()), params)
	})
	if err != nil {
		return TransactionPage{}, err
	}
	recs := res.([]*neo4j.Record)
	if len(recs) == 0 {
		return TransactionPage{}, Errorf(ENOTFOUND, "account %q not found", q.Account)
	}
	page := TransactionPage{Rows: []TransactionRow{}}
	rows := asList(recs[0].Values[0])
	if len(rows) > first {
		rows, page.HasNextPage = rows[:first], true
	}
	for _, r := range rows {
		m, _ := r.(map[string]any)
		t, ok := asNodeView(m["t"])
		if !ok {
			continue
		}
		row := TransactionRow{Tx: t, Amount: asInt64(t.Props["amount"]), Currency: asString(t.Props["currency"]), Timestamp: asTime(t.Props["timestamp"])}
		row.From, _ = asNodeView(m["payer"])
		row.To, _ = asNodeView(m["payee"])
		page.Rows = append(page.Rows, row)
	}
	if n := len(page.Rows); n > 0 {
		last := page.Rows[n-1]
		var ts int64 // where the query sorts a transaction without a timestamp
		if !last.Timestamp.IsZero() {
			ts = last.Timestamp.UnixNano()
		}
		page.EndCursor = encodeCursor(transactionCursor, strconv.FormatInt(ts, 10), last.Tx.ID)
	}
	return page, nil
}

// unixNanoOrNil is t in Unix nanoseconds, nil for the zero time.
func unixNanoOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// partyAccounts is the list of the entity n and the accounts it holds, in scope.
func partyAccounts(all bool) string {
	return `[n] + COLLECT { MATCH (n)-[h:HOLDS]->(a:Entity) WHERE ` + edgeScope(all, "h") + ` AND ` + nodeScope(all, "a") + `
                      RETURN a ORDER BY a.id LIMIT $maxAccounts }`
}

// transactionsQuery returns one row holding the page (one more than asked, to tell whether
// another follows), or no row when the account is not there. Times are compared as Unix
// nanoseconds: two datetimes of one instant in different zone forms (Z and [UTC]) are not equal
// in Cypher, and the keyset must find its exact place. A transaction without a timestamp sorts
// as 1970, after all others.
func transactionsQuery(all bool) string {
	return `MATCH (n:Entity {id: $id})
WHERE ` + nodeScope(all, "n") + `
CALL (n) {
  WITH n, ` + partyAccounts(all) + ` AS accts
  CALL (accts) {
    UNWIND accts AS a
    MATCH (a)-[:SENT]->(t:Transaction)
    WHERE $out
    RETURN t
    UNION
    UNWIND accts AS a
    MATCH (a)<-[:TO]-(t:Transaction)
    WHERE $in
    RETURN t
  }
  WITH t, coalesce(t.timestamp.epochSeconds * 1000000000 + t.timestamp.nanosecond, 0) AS ts
  WHERE ($from IS NULL OR ts >= $from) AND ($to IS NULL OR ts < $to)
    AND ($afterTS IS NULL OR ts < $afterTS OR (ts = $afterTS AND t.id < $afterID))
    AND ` + nodeScope(all, "t") + `
  WITH t, ts ORDER BY ts DESC, t.id DESC LIMIT $limit
  RETURN collect({t: t,
    payer: head(COLLECT { MATCH (p:Entity)-[:SENT]->(t) WHERE ` + nodeScope(all, "p") + ` RETURN p ORDER BY p.id LIMIT 1 }),
    payee: head(COLLECT { MATCH (t)-[:TO]->(q:Entity) WHERE ` + nodeScope(all, "q") + ` RETURN q ORDER BY q.id LIMIT 1 })}) AS rows
}
RETURN rows`
}

// EventKind is the kind of a timeline event.
type EventKind string

// Timeline event kinds.
const (
	EventSent        EventKind = "sent"         // a payment from the entity (or an account it holds)
	EventReceived    EventKind = "received"     // a payment to it
	EventLogin       EventKind = "login"        // LOGGED_IN_FROM an IP address at a time
	EventSubjectOf   EventKind = "subject_of"   // the subject of a report (at its incident time)
	EventRecipientIn EventKind = "recipient_in" // the intended recipient in a report
	EventVictimIn    EventKind = "victim_in"    // a victim's identifier in a report
	EventFirstSeen   EventKind = "first_seen"   // a source's first record of the entity
	EventLastSeen    EventKind = "last_seen"    // a source's last record of it (when later than the first)
)

// TimelineQuery asks for the events of an entity.
type TimelineQuery struct {
	From, To time.Time // window [From, To); zero ends are open
	First    int       // events returned, earliest first, 1..1000 (0: 200)
	After    string    // Timeline.EndCursor of the previous page ("" for the first)
	Bucket   string    // "day" (default), "week" (from Monday) or "month"
}

// TimelineEvent is one thing that happened to an entity.
type TimelineEvent struct {
	At   time.Time
	Kind EventKind
	// Node is what the event is about: the Transaction, the IPAddress logged in from, the
	// Report, or the Source (first_seen, last_seen).
	Node     NodeView
	Amount   int64  // payments: minor units of Currency
	Currency string // payments
	Detail   string // login: the event ("login", "payment", ...); report: its type; seen: the partner
}

// TimelineBucket counts the events of one period for a chart.
type TimelineBucket struct {
	Start   time.Time // the period's first instant (UTC)
	Events  int       // all events in the period, of every kind
	Amounts []BucketAmount
}

// BucketAmount totals a period's payments in one currency.
type BucketAmount struct {
	Currency string
	In, Out  int64 // minor units received and sent
	Count    int   // payments
}

// Timeline is an entity's events in time order with per-period counts.
type Timeline struct {
	Events    []TimelineEvent // the earliest First events of the window (after the cursor)
	HasMore   bool            // more events follow in the window: pass EndCursor as After
	EndCursor string          // where this page ends; "" when it is empty
	// Buckets count every event of the window (not only those listed), by period, oldest
	// first, at most maxTimelineBuckets.
	Buckets []TimelineBucket
}

const maxTimelineBuckets = 2000

// timelineCursor is the kind of Timeline's cursors: an event's time (Unix nanoseconds), kind and
// node id, the order events are listed in.
const timelineCursor = "timeline"

// timelineBuckets maps TimelineQuery.Bucket to the unit of datetime.truncate (a parameter).
var timelineBuckets = map[string]string{"": "day", "day": "day", "week": "week", "month": "month"}

// Timeline returns the events of an entity in time order: payments from and to it (and the
// accounts it holds), logins, reports it is the subject, recipient or victim in, and the first
// and last time each source saw it; and per-period counts and amounts of all of them. It returns
// ENOTFOUND when there is no such entity in the scope, EINVALID naming `id`, `first`, `bucket`
// or `to`.
func (s *Store) Timeline(ctx context.Context, scope Scope, id string, q TimelineQuery) (Timeline, error) {
	if strings.TrimSpace(id) == "" {
		return Timeline{}, Errorf(EINVALID, "id is empty")
	}
	first, err := pageSize(q.First, 200, 1000, "first")
	if err != nil {
		return Timeline{}, err
	}
	unit, ok := timelineBuckets[q.Bucket]
	if !ok {
		return Timeline{}, Errorf(EINVALID, "bucket must be day, week or month, not %q", q.Bucket)
	}
	if err := checkWindow(q.From, q.To); err != nil {
		return Timeline{}, err
	}
	var afterNs, afterKind, afterID any
	if q.After != "" {
		parts, err := decodeCursor(timelineCursor, q.After, 3)
		if err != nil {
			return Timeline{}, err
		}
		ns, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil || parts[1] == "" {
			return Timeline{}, Errorf(EINVALID, "after: not a cursor of this list; pass the endCursor of the previous page")
		}
		afterNs, afterKind, afterID = ns, parts[1], parts[2]
	}
	sp, err := s.scopeParams(ctx, scope)
	if err != nil {
		return Timeline{}, err
	}
	params := withParams(sp, map[string]any{
		"id": id, "from": timeOrNil(q.From), "to": timeOrNil(q.To), "limit": first + 1, "unit": unit,
		"maxAccounts": maxPartyAccounts, "maxBuckets": maxTimelineBuckets,
		"afterNs": afterNs, "afterKind": afterKind, "afterId": afterID,
	})
	type result struct{ events, buckets []*neo4j.Record }
	res, err := s.read(ctx, "read timeline", func(tx neo4j.ManagedTransaction) (any, error) {
		ev, err := collectRecords(ctx, tx, timelineEventsQuery(scope.All()), params)
		if err != nil {
			return nil, err
		}
		bk, err := collectRecords(ctx, tx, timelineBucketsQuery(scope.All()), params)
		if err != nil {
			return nil, err
		}
		return result{ev, bk}, nil
	})
	if err != nil {
		return Timeline{}, err
	}
	r := res.(result)
	if len(r.events) == 0 {
		return Timeline{}, Errorf(ENOTFOUND, "entity %q not found", id)
	}
	tl := Timeline{Events: []TimelineEvent{}, Buckets: []TimelineBucket{}}
	events := asList(r.events[0].Values[0])
	if len(events) > first {
		events, tl.HasMore = events[:first], true
	}
	for _, v := range events {
		m, _ := v.(map[string]any)
		e := TimelineEvent{At: asTime(m["at"]), Kind: EventKind(asString(m["kind"])), Amount: asInt64(m["amount"]),
			Currency: asString(m["currency"]), Detail: asString(m["detail"])}
		e.Node, _ = asNodeView(m["node"])
		tl.Events = append(tl.Events, e)
	}
	if n := len(tl.Events); n > 0 {
		last := tl.Events[n-1]
		tl.EndCursor = encodeCursor(timelineCursor, strconv.FormatInt(last.At.UnixNano(), 10), string(last.Kind), last.Node.ID)
	}
	for _, rec := range r.buckets {
		b := TimelineBucket{Start: asTime(rec.Values[0]), Amounts: []BucketAmount{}}
		byCur := map[string]*BucketAmount{}
		for _, p := range asList(rec.Values[1]) {
			m, _ := p.(map[string]any)
			n := int(asInt64(m["n"]))
			b.Events += n
			kind, cur := EventKind(asString(m["kind"])), asString(m["currency"])
			if (kind != EventSent && kind != EventReceived) || cur == "" {
				continue
			}
			a := byCur[cur]
			if a == nil {
				a = &BucketAmount{Currency: cur}
				byCur[cur] = a
			}
			a.Count += n
			if kind == EventSent {
				a.Out += asInt64(m["total"])
			} else {
				a.In += asInt64(m["total"])
			}
		}
		for _, a := range byCur {
			b.Amounts = append(b.Amounts, *a)
		}
		sort.Slice(b.Amounts, func(i, j int) bool { return b.Amounts[i].Currency < b.Amounts[j].Currency })
		tl.Buckets = append(tl.Buckets, b)
	}
	return tl, nil
}

// timelineEvents binds at, kind, node, amount, currency and detail to every event of entity n in
// the window. Relationship types in the text are constants.
func timelineEvents(all bool) string {
	return `CALL (n) {
  WITH n, ` + partyAccounts(all) + ` AS accts
  CALL (n, accts) {
    UNWIND accts AS a
    MATCH (a)-[:SENT]->(t:Transaction)
    WHERE ` + nodeScope(all, "t") + `
    RETURN t.timestamp AS at, 'sent' AS kind, t AS node, t.amount AS amount, t.currency AS currency, null AS detail
    UNION ALL
    UNWIND accts AS a
    MATCH (a)<-[:TO]-(t:Transaction)
    WHERE ` + nodeScope(all, "t") + `
    RETURN t.timestamp AS at, 'received' AS kind, t AS node, t.amount AS amount, t.currency AS currency, null AS detail
    UNION ALL
    MATCH (n)-[r:LOGGED_IN_FROM]->(ip:IPAddress)
    WHERE ` + edgeScope(all, "r") + ` AND ` + nodeScope(all, "ip") + `
    RETURN r.at AS at, 'login' AS kind, ip AS node, null AS amount, null AS currency, r.event AS detail
    UNION ALL
    MATCH (n)-[r:SUBJECT_OF|RECIPIENT_IN|VICTIM_IN]->(rep:Report)
    WHERE ` + edgeScope(all, "r") + ` AND ` + nodeScope(all, "rep") + `
    RETURN coalesce(rep.incidentAt, rep.reportedAt, r.firstSeen, rep.firstSeen) AS at, toLower(type(r)) AS kind, rep AS node,
           null AS amount, null AS currency, rep.reportType AS detail
    UNION ALL
    MATCH (n)-[p:SOURCED_FROM]->(s:Source)
    WHERE $partner IS NULL OR s.partner = $partner
    UNWIND [['first_seen', p.firstSeen], ['last_seen', CASE WHEN p.lastSeen > p.firstSeen THEN p.lastSeen END]] AS seen
    RETURN seen[1] AS at, seen[0] AS kind, s AS node, null AS amount, null AS currency, s.partner AS detail
  }
  RETURN at, kind, node, amount, currency, detail
}
WITH at, kind, node, amount, currency, detail
WHERE at IS NOT NULL AND at IS :: ZONED DATETIME AND ($from IS NULL OR at >= $from) AND ($to IS NULL OR at < $to)`
}

// timelineEventsQuery returns one row with the earliest events (one more than asked), or no row
// when the entity is not there.
func timelineEventsQuery(all bool) string {
	return `MATCH (n:Entity {id: $id})
WHERE ` + nodeScope(all, "n") + `
CALL (n) {
  ` + timelineEvents(all) + `
  WITH at, kind, node, amount, currency, detail, at.epochSeconds * 1000000000 + at.nanosecond AS ns
  WHERE $afterNs IS NULL OR ns > $afterNs OR (ns = $afterNs AND (kind > $afterKind OR (kind = $afterKind AND coalesce(node.id, '') > $afterId)))
  WITH at, kind, node, amount, currency, detail ORDER BY ns, kind, node.id LIMIT $limit
  RETURN collect({at: at, kind: kind, node: node, amount: amount, currency: currency, detail: detail}) AS events
}
RETURN events`
}

// timelineBucketsQuery counts all events of the window by period, kind and currency.
func timelineBucketsQuery(all bool) string {
	return `MATCH (n:Entity {id: $id})
WHERE ` + nodeScope(all, "n") + `
` + timelineEvents(all) + `
WITH datetime.truncate($unit, at) AS start, kind, currency, count(*) AS n, sum(amount) AS total
WITH start, collect({kind: kind, currency: currency, n: n, total: total}) AS parts
ORDER BY start LIMIT $maxBuckets
RETURN start, parts`
}
