package graph

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// The audit log: one AuditEntry node per API request, refused ones included, written with CREATE
// only (nothing in Crosslink updates or deletes them), so it survives restarts and can be read
// back by admins. It records who, when, which operation and a hash of its variables: never the
// variables themselves, which may hold personal data.

// AuditEntry is one request as the audit log keeps it.
type AuditEntry struct {
	ID            string
	At            time.Time
	RequestID     string
	KeyID         string // "" when the caller presented no valid key
	Role          Role
	Partner       string
	Operation     string // operation name, or the root fields when it has none
	OperationType string // query, mutation, or "" when the request never got that far
	VariablesHash string // SHA-256 of the variables as sent
	ResultBytes   int
	Status        string // ok, error, refused
	ErrorCode     string // extensions.code of the first error
	DurationMs    float64
}

// AppendAudit stores entries (one UNWIND CREATE). Entries need an ID and At.
func (s *Store) AppendAudit(ctx context.Context, entries []AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	rows := make([]map[string]any, len(entries))
	for i, e := range entries {
		rows[i] = map[string]any{
			"id": e.ID, "at": e.At.UTC(), "requestId": e.RequestID, "keyId": nilIfEmpty(e.KeyID),
			"role": nilIfEmpty(string(e.Role)), "partner": nilIfEmpty(e.Partner), "operation": e.Operation,
			"operationType": nilIfEmpty(e.OperationType), "variablesHash": nilIfEmpty(e.VariablesHash),
			"resultBytes": int64(e.ResultBytes), "status": e.Status, "errorCode": nilIfEmpty(e.ErrorCode),
			"durationMs": e.DurationMs,
		}
	}
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.db, AccessMode: neo4j.AccessModeWrite})
	defer sess.Close(ctx)
	_, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		// MERGE on the id: a retried transaction (or a retried flush) never doubles an entry.
		r, err := tx.Run(ctx, `
UNWIND $rows AS row
MERGE (a:AuditEntry {id: row.id})
ON CREATE SET a += row`, map[string]any{"rows": rows})
		if err != nil {
			return nil, err
		}
		_, err = r.Consume(ctx)
		return nil, err
	})
	return translate("write audit log", err)
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	KeyID     string
	Partner   string
	Operation string
	Status    string
	From, To  time.Time // At in [From, To)
}

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Entries     []AuditEntry
	EndCursor   string
	HasNextPage bool
}

// AuditLog reads the log newest first, first entries (1..500) after the cursor.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter, first int, after string) (AuditPage, error) {
	if first < 1 || first > 500 {
		return AuditPage{}, Errorf(EINVALID, "first: must be between 1 and 500, not %d", first)
	}
	params := map[string]any{
		"keyId": nilIfEmpty(f.KeyID), "partner": nilIfEmpty(f.Partner), "operation": nilIfEmpty(f.Operation),
		"status": nilIfEmpty(f.Status), "from": timeOrNil(f.From), "to": timeOrNil(f.To),
		"afterAt": nil, "afterId": nil, "limit": int64(first + 1),
	}
	if after != "" {
		parts, err := decodeCursor(auditCursor, after, 2)
		if err != nil {
			return AuditPage{}, err
		}
		ns, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil || parts[1] == "" {
			return AuditPage{}, Errorf(EINVALID, "after: not a cursor of this list; pass the endCursor of the previous page")
		}
		params["afterAt"], params["afterId"] = time.Unix(0, ns).UTC(), parts[1]
	}
	res, err := s.read(ctx, "read audit log", func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, `
MATCH (a:AuditEntry)
WHERE ($keyId IS NULL OR a.keyId = $keyId)
  AND ($partner IS NULL OR a.partner = $partner)
  AND ($operation IS NULL OR a.operation = $operation)
  AND ($status IS NULL OR a.status = $status)
  AND ($from IS NULL OR a.at >= $from)
  AND ($to IS NULL OR a.at < $to)
  AND ($afterAt IS NULL OR a.at < $afterAt OR (a.at = $afterAt AND a.id < $afterId))
RETURN a ORDER BY a.at DESC, a.id DESC LIMIT $limit`, params)
		if err != nil {
			return nil, err
		}
		return r.Collect(ctx)
	})
	if err != nil {
		return AuditPage{}, err
	}
	var page AuditPage
	for _, rec := range res.([]*neo4j.Record) {
		n, _, err := neo4j.GetRecordValue[neo4j.Node](rec, "a")
		if err != nil {
			return AuditPage{}, translate("read audit log", err)
		}
		page.Entries = append(page.Entries, auditFromNode(n))
	}
	if len(page.Entries) > first {
		page.Entries, page.HasNextPage = page.Entries[:first], true
	}
	if n := len(page.Entries); n > 0 {
		last := page.Entries[n-1]
		page.EndCursor = encodeCursor(auditCursor, strconv.FormatInt(last.At.UnixNano(), 10), last.ID)
	}
	return page, nil
}

// auditCursor is the kind of AuditLog's cursors: the last entry's time (Unix nanoseconds) and id.
const auditCursor = "audit"

func auditFromNode(n neo4j.Node) AuditEntry {
	str := func(k string) string { s, _ := n.Props[k].(string); return s }
	e := AuditEntry{ID: str("id"), RequestID: str("requestId"), KeyID: str("keyId"), Role: Role(str("role")),
		Partner: str("partner"), Operation: str("operation"), OperationType: str("operationType"),
		VariablesHash: str("variablesHash"), Status: str("status"), ErrorCode: str("errorCode")}
	if t, ok := n.Props["at"].(time.Time); ok {
		e.At = t.UTC()
	}
	if v, ok := n.Props["resultBytes"].(int64); ok {
		e.ResultBytes = int(v)
	}
	if v, ok := n.Props["durationMs"].(float64); ok {
		e.DurationMs = v
	}
	return e
}

// AuditStatuses are the values of AuditEntry.Status.
var AuditStatuses = []string{"ok", "error", "refused"}

// ValidAuditStatus reports whether s is one of AuditStatuses.
func ValidAuditStatus(s string) bool {
	for _, v := range AuditStatuses {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
