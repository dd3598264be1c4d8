package graph

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// API keys: who may call Crosslink, with which role, on behalf of which partner. A key is shown
// once when it is created (`cxk_<id>_<secret>`); only the SHA-256 of its secret is stored, in an
// ApiKey node (not an Entity: no investigation query ever sees it).

// Role is what a caller may do.
type Role string

const (
	RoleAdmin   Role = "admin"   // everything, including keys and the audit log
	RoleAnalyst Role = "analyst" // read the whole graph, judge matches, work cases
	RolePartner Role = "partner" // ingest, and read only what its own partner contributed
)

// Roles lists the roles, most powerful first.
var Roles = []Role{RoleAdmin, RoleAnalyst, RolePartner}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleAnalyst || r == RolePartner }

// APIKey is a stored key, without its secret.
type APIKey struct {
	ID         string
	Name       string
	Role       Role
	Partner    string // the partner a partner key acts for (provenance of its ingests, scope of its reads)
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: never
	RevokedAt  time.Time // zero: not revoked
	LastUsedAt time.Time // zero: never used (updated at most once a minute)
}

// Scope is what the key's holder may read.
func (k APIKey) Scope() Scope {
	if k.Role == RolePartner {
		return Scope{Partner: k.Partner}
	}
	return Scope{}
}

// NewAPIKey is what CreateAPIKey asks for.
type NewAPIKey struct {
	Name    string
	Role    Role
	Partner string        // required for partner keys, refused for others
	TTL     time.Duration // 0: never expires
}

const tokenPrefix = "cxk_"

// CreateAPIKey stores a new key and returns it with its token, which is not stored and cannot be
// shown again.
func (s *Store) CreateAPIKey(ctx context.Context, req NewAPIKey, now time.Time) (APIKey, string, error) {
	req.Name = strings.TrimSpace(req.Name)
	req.Partner = strings.TrimSpace(req.Partner)
	switch {
	case !req.Role.Valid():
		return APIKey{}, "", Errorf(EINVALID, "role %q: must be admin, analyst or partner", req.Role)
	case req.Role == RolePartner && req.Partner == "":
		return APIKey{}, "", Errorf(EINVALID, "partner: a partner key needs the partner it acts for")
	case req.Role != RolePartner && req.Partner != "":
		return APIKey{}, "", Errorf(EINVALID, "partner: only partner keys act for a partner (role is %s)", req.Role)
	case len(req.Name) > 200:
		return APIKey{}, "", Errorf(EINVALID, "name: longer than 200 characters")
	case len(req.Partner) > 200:
		return APIKey{}, "", Errorf(EINVALID, "partner: longer than 200 characters")
	case req.TTL < 0:
		return APIKey{}, "", Errorf(EINVALID, "expiry: must be positive")
	}
	var idb [6]byte
	var secret [32]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return APIKey{}, "", Errorf(EINTERNAL, "make key: %v", err)
	}
	if _, err := rand.Read(secret[:]); err != nil {
		return APIKey{}, "", Errorf(EINTERNAL, "make key: %v", err)
	}
	k := APIKey{ID: hex.EncodeToString(idb[:]), Name: req.Name, Role: req.Role, Partner: req.Partner, CreatedAt: now.UTC()}
	if req.TTL > 0 {
		k.ExpiresAt = now.Add(req.TTL).UTC()
	}
	sec := base64.RawURLEncoding.EncodeToString(secret[:])
	token := tokenPrefix + k.ID + "_" + sec
	_, err := neo4j.ExecuteQuery(ctx, s.driver, `
CREATE (k:ApiKey {id: $id, hash: $hash, name: $name, role: $role, partner: $partner, createdAt: $created, expiresAt: $expires})`,
		map[string]any{"id": k.ID, "hash": secretHash(sec), "name": k.Name, "role": string(k.Role),
			"partner": nilIfEmpty(k.Partner), "created": k.CreatedAt, "expires": timeOrNil(k.ExpiresAt)},
		neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(s.db))
	if err != nil {
		return APIKey{}, "", translate("store api key", err)
	}
	return k, token, nil
}

func secretHash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Authenticate checks a token and returns its key: EUNAUTHORIZED when the token is malformed,
// unknown, revoked or expired (one message for all, so a caller learns nothing about other
// keys).
func (s *Store) Authenticate(ctx context.Context, token string, now time.Time) (APIKey, error) {
	denied := Errorf(EUNAUTHORIZED, "the API key is not valid (unknown, revoked or expired)")
	rest, ok := strings.CutPrefix(strings.TrimSpace(token), tokenPrefix)
	if !ok {
		return APIKey{}, denied
	}
	id, sec, ok := strings.Cut(rest, "_")
	if !ok || len(id) != 12 || len(sec) != 43 {
		return APIKey{}, denied
	}
	k, hash, err := s.apiKey(ctx, id)
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return APIKey{}, denied
		}
		return APIKey{}, err
	}
	if subtle.ConstantTimeCompare([]byte(hash), []byte(secretHash(sec))) != 1 {
		return APIKey{}, denied
	}
	if !k.RevokedAt.IsZero() || (!k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt)) {
		return APIKey{}, denied
	}
	if k.LastUsedAt.IsZero() || now.Sub(k.LastUsedAt) > time.Minute {
		// Best effort and rare (once a minute per key): a failure here must not refuse the call.
		_, _ = neo4j.ExecuteQuery(ctx, s.driver, `MATCH (k:ApiKey {id: $id}) SET k.lastUsedAt = $now`,
			map[string]any{"id": id, "now": now.UTC()}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(s.db))
	}
	return k, nil
}

func (s *Store) apiKey(ctx context.Context, id string) (APIKey, string, error) {
	res, err := neo4j.ExecuteQuery(ctx, s.driver, `MATCH (k:ApiKey {id: $id}) RETURN k`,
		map[string]any{"id": id}, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase(s.db), neo4j.ExecuteQueryWithReadersRouting())
	if err != nil {
		return APIKey{}, "", translate("read api key", err)
	}
	if len(res.Records) == 0 {
		return APIKey{}, "", Errorf(ENOTFOUND, "no API key %s", id)
	}
	n, _, err := neo4j.GetRecordValue[neo4j.Node](res.Records[0], "k")
	if err != nil {
		return APIKey{}, "", translate("read api key", err)
	}
	hash, _ := n.Props["hash"].(string)
	return keyFromNode(n), hash, nil
}

func keyFromNode(n neo4j.Node) APIKey {
	str := func(k string) string { s, _ := n.Props[k].(string); return s }
	tm := func(k string) time.Time {
		if t, ok := n.Props[k].(time.Time); ok {
			return t.UTC()
		}
		return time.Time{}
	}
	return APIKey{ID: str("id"), Name: str("name"), Role: Role(str("role")), Partner: str("partner"),
		CreatedAt: tm("createdAt"), ExpiresAt: tm("expiresAt"), RevokedAt: tm("revokedAt"), LastUsedAt: tm("lastUsedAt")}
}

// APIKeys lists the stored keys, newest first (at most 1,000).
func (s *Store) APIKeys(ctx context.Context) ([]APIKey, error) {
	res, err := neo4j.ExecuteQuery(ctx, s.driver, `MATCH (k:ApiKey) RETURN k ORDER BY k.createdAt DESC, k.id LIMIT 1000`,
		nil, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(s.db), neo4j.ExecuteQueryWithReadersRouting())
	if err != nil {
		return nil, translate("list api keys", err)
	}
	keys := make([]APIKey, 0, len(res.Records))
	for _, r := range res.Records {
		n, _, err := neo4j.GetRecordValue[neo4j.Node](r, "k")
		if err != nil {
			return nil, translate("list api keys", err)
		}
		keys = append(keys, keyFromNode(n))
	}
	return keys, nil
}

// RevokeAPIKey revokes a key for good (ENOTFOUND when there is none). Revoking twice keeps the
// first time.
func (s *Store) RevokeAPIKey(ctx context.Context, id string, now time.Time) (APIKey, error) {
	res, err := neo4j.ExecuteQuery(ctx, s.driver, `
MATCH (k:ApiKey {id: $id})
SET k.revokedAt = coalesce(k.revokedAt, $now)
RETURN k`, map[string]any{"id": id, "now": now.UTC()}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(s.db))
	if err != nil {
		return APIKey{}, translate("revoke api key", err)
	}
	if len(res.Records) == 0 {
		return APIKey{}, Errorf(ENOTFOUND, "no API key %q", id)
	}
	n, _, err := neo4j.GetRecordValue[neo4j.Node](res.Records[0], "k")
	if err != nil {
		return APIKey{}, translate("revoke api key", err)
	}
	return keyFromNode(n), nil
}
