package graph

import (
	"context"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// SearchQuery asks for the entities matching what an investigator typed.
type SearchQuery struct {
	Text  string  // 1..200 characters: names, usernames, or an identifier as written
	Types []Label // only these labels; empty for all
	First int     // page size, 1..100 (0: 20)
	After string  // the EndCursor of the previous page, "" for the first
}

// SearchHit is one entity found.
type SearchHit struct {
	Node NodeView
	// Score is the full-text relevance (Lucene's score; 0 for a hit found only by its id).
	Score float64
	// Exact is true when the text, normalised as an identifier (e-mail, phone, IBAN, IP, hash,
	// handle, device) or taken as an id, is this entity's id. Exact hits come first.
	Exact bool
}

// SearchPage is one page of search hits, best first.
type SearchPage struct {
	Hits []SearchHit
	// Total is the number of hits, or -1 when there are more than the search ranks
	// (maxSearchHits): the text is too common to count.
	Total       int
	EndCursor   string // resumes after the last hit; "" when there are no hits
	HasNextPage bool
}

const (
	maxSearchText  = 200  // characters of search text
	maxSearchTerms = 16   // words of search text sent to Lucene
	maxSearchHits  = 1000 // full-text candidates ranked per search; pages end there
	searchCursor   = "search"
)

// Search finds entities by name, username, display name or identifier through the full-text
// index entity_search, and by exact id: the text normalised by each identifier normaliser
// (Alice@Example.com, "+63 917 123 4567", an IBAN with spaces, an IP, a hash, a handle, a device
// id) and as typed (an id such as "acct:bank-a:123"). Hits are ranked exact first, then by score,
// then by id, and paginated by an opaque cursor; at most maxSearchHits full-text candidates are
// ranked. The text reaches Lucene escaped, word by word, so no input is query syntax.
//
// It returns EINVALID naming `text` (empty or over 200 characters), `types` (an unknown label),
// `first` or `after`.
func (s *Store) Search(ctx context.Context, scope Scope, q SearchQuery) (SearchPage, error) {
	text := strings.TrimSpace(q.Text)
	switch {
	case text == "":
		return SearchPage{}, Errorf(EINVALID, "text is empty")
	case !utf8.ValidString(text):
		return SearchPage{}, Errorf(EINVALID, "text is not valid UTF-8")
	case utf8.RuneCountInString(text) > maxSearchText:
		return SearchPage{}, Errorf(EINVALID, "text is longer than %d characters", maxSearchText)
	}
	if err := checkLabels(q.Types, "types"); err != nil {
		return SearchPage{}, err
	}
	first, err := pageSize(q.First, 20, 100, "first")
	if err != nil {
		return SearchPage{}, err
	}
	offset := 0
	if q.After != "" {
		parts, err := decodeCursor(searchCursor, q.After, 1)
		if err != nil {
			return SearchPage{}, err
		}
		offset, err = strconv.Atoi(parts[0])
		if err != nil || offset < 1 || offset > maxSearchHits {
			return SearchPage{}, Errorf(EINVALID, "after: not a cursor of this list; pass the endCursor of the previous page")
		}
	}
	sp, err := s.scopeParams(ctx, scope)
	if err != nil {
		return SearchPage{}, err
	}
	lucene := luceneQuery(text)
	query := searchQuery(lucene != "", scope.All())
	params := withParams(sp, map[string]any{
		"lucene": lucene, "scan": maxSearchHits, "exact": exactIDs(text, scope),
		"types": labelNames(q.Types), "skip": offset, "end": offset + first,
	})
	res, err := s.read(ctx, "search", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, query, params)
	})
	if err != nil {
		return SearchPage{}, err
	}
	recs := res.([]*neo4j.Record)
	page := SearchPage{Hits: []SearchHit{}}
	if len(recs) == 0 {
		return page, nil
	}
	rec := recs[0]
	capped, _, err := neo4j.GetRecordValue[bool](rec, "capped")
	if err != nil {
		return SearchPage{}, translate("search", err)
	}
	total, _, err := neo4j.GetRecordValue[int64](rec, "total")
	if err != nil {
		return SearchPage{}, translate("search", err)
	}
	rows, _, err := neo4j.GetRecordValue[[]any](rec, "page")
	if err != nil {
		return SearchPage{}, translate("search", err)
	}
	for _, r := range rows {
		m, _ := r.(map[string]any)
		n, ok := asNodeView(m["n"])
		if !ok {
			continue
		}
		score, _ := m["score"].(float64)
		exact, _ := m["exact"].(bool)
		page.Hits = append(page.Hits, SearchHit{Node: n, Score: score, Exact: exact})
	}
	page.Total = int(total)
	if capped {
		page.Total = -1
	}
	end := offset + len(page.Hits)
	page.HasNextPage = end < int(total) && end < maxSearchHits
	if len(page.Hits) > 0 {
		page.EndCursor = encodeCursor(searchCursor, strconv.Itoa(end))
	}
	return page, nil
}

// searchQuery is the search statement: exact ids and full-text candidates (when the text has
// words Lucene can use), filtered by label and scope, ranked, counted and sliced to one page.
func searchQuery(fulltext, all bool) string {
	ft := `CALL () { RETURN [] AS ft }`
	if fulltext {
		ft = `CALL () {
  CALL db.index.fulltext.queryNodes('entity_search', $lucene, {limit: $scan}) YIELD node, score
  RETURN collect({n: node, score: score}) AS ft
}`
	}
	return ft + `
CALL () {
  UNWIND $exact AS xid
  MATCH (x:Entity {id: xid})
  RETURN collect(DISTINCT x) AS ex
}
WITH size(ft) >= $scan AS capped,
     [x IN ex | {n: x, score: coalesce(head([r IN ft WHERE r.n = x | r.score]), 0.0), exact: true}] +
     [r IN ft WHERE NOT r.n IN ex | {n: r.n, score: r.score, exact: false}] AS cands
UNWIND cands AS c
WITH capped, c.n AS n, c.score AS score, c.exact AS exact
WHERE (size($types) = 0 OR any(l IN labels(n) WHERE l IN $types)) AND ` + nodeScope(all, "n") + `
WITH capped, n, score, exact ORDER BY exact DESC, score DESC, n.id
WITH capped, collect({n: n, score: score, exact: exact}) AS hits
RETURN capped, size(hits) AS total, hits[$skip..$end] AS page`
}

// luceneQuery turns search text into a Lucene query that is never syntax: each word is lower-
// cased (so AND, OR and NOT are words) and escaped; a word of letters and digits also matches as
// a prefix (typing "alic" finds Alice), any other word as a phrase ("alice@example.com" as its
// tokens in a row). Words without a letter or digit ("*:*", a lone quote) are left out: the
// analyzer would drop them anyway. All words must match. It returns "" when no word is left.
func luceneQuery(text string) string {
	var clauses []string
	for _, w := range strings.Fields(strings.ToLower(text)) {
		if len(clauses) == maxSearchTerms {
			break
		}
		plain, useful := true, false
		for _, r := range w {
			isWord := unicode.IsLetter(r) || unicode.IsDigit(r)
			useful = useful || isWord
			plain = plain && isWord
		}
		switch {
		case !useful:
			continue
		case plain && utf8.RuneCountInString(w) >= 2:
			clauses = append(clauses, "("+w+" OR "+w+"*)")
		case plain:
			clauses = append(clauses, w)
		default:
			clauses = append(clauses, `"`+luceneEscape(w)+`"`)
		}
	}
	return strings.Join(clauses, " AND ")
}

// luceneEscape escapes every character the Lucene classic query parser gives a meaning.
func luceneEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`+-&|!(){}[]^"~*?:\/`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// exactIDs are the ids the search text may be an identifier of: the text as typed (an id), and
// the id of each identifier it normalises as. A partner's scope adds the ids that partner's
// account numbers and transaction ids have.
func exactIDs(text string, scope Scope) []string {
	ids := []string{text}
	if e, err := NormalizeEmail(text); err == nil {
		ids = append(ids, EmailID(e))
	}
	if p, err := NormalizePhone(text, ""); err == nil {
		ids = append(ids, PhoneID(p))
	}
	if iban, err := NormalizeIBAN(text); err == nil {
		ids = append(ids, IBANAccountID(iban))
	}
	if ip, err := NormalizeIP(text); err == nil {
		ids = append(ids, IPID(ip))
	}
	if h, err := NormalizeHandle(text); err == nil {
		ids = append(ids, HandleID(h))
	}
	if algo, v, err := NormalizeHash("", text); err == nil {
		ids = append(ids, FileHashID(algo, v))
	}
	for _, kind := range DeviceKinds {
		if v, err := NormalizeDevice(kind, text); err == nil {
			ids = append(ids, DeviceID(kind, v))
		}
	}
	if !scope.All() && !strings.ContainsAny(text, " \t") {
		ids = append(ids, AccountID(scope.Partner, text), TransactionID(scope.Partner, text))
	}
	out := ids[:0]
	seen := map[string]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
