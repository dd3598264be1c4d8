package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/crosslink/crosslink/graph/resolve"
)

// Entity resolution, the Neo4j side. graph/resolve decides which records are one real-world
// entity; this file reads the records out of the graph, hands them to it, and stores what it
// decided, beside the records and never merging them:
//
//	(:ResolvedEntity {id, kind, name, size, runId, createdAt, updatedAt})  one per cluster
//	(record)-[:RESOLVED_TO {runId, at}]->(:ResolvedEntity)
//	(a)-[:MATCHES {probability, weight, status, reason, evidence, runId, scoredAt}]->(b)  a.id < b.id
//	(:Judgement {id, pair, a, b, verdict, by, at, note})  append-only (judgement.go)
//	(:ResolutionRun {id, mode, startedAt, finishedAt, by, stats, model})
//	record.resolveFingerprint  what the record looked like to the last run that resolved it
//
// Records are the nodes labelled Person or UserAccount (persons) and Organization or Company
// (organisations). A cluster's id is resolve.ClusterID of its smallest member, so an entity
// keeps its id while its smallest member stays. Every write is a diff against what is stored,
// so a run over unchanged data writes nothing but its ResolutionRun. None of these labels is an
// Entity: investigation queries never see them as data.

// Resolution run modes (ResolveReport.Mode, ResolutionRun.mode).
const (
	ResolveModeFull        = "full"
	ResolveModeIncremental = "incremental"
)

// VerdictRetracted is the verdict of a Judgement that withdraws the pair's standing verdict:
// after it the pair has none.
const VerdictRetracted resolve.Verdict = "RETRACTED"

// ResolveOptions says how to run entity resolution.
type ResolveOptions struct {
	// Full compares every record again and replaces every stored pair. The default,
	// incremental, resolves only the pending records: new or changed since the last run that
	// resolved them, named in a judgement made since the last run, or listed in Also.
	Full bool
	// Config tunes the engine. An incremental run without Config.Model uses the model of the
	// latest full run, when there is one, so that its scores stay comparable with the stored
	// ones.
	Config resolve.Config
	By     string   // who asked for the run (kept on the ResolutionRun)
	Also   []string // record ids to resolve again although they did not change (others are ignored)
}

// ResolveReport is what a run did.
type ResolveReport struct {
	RunID              string
	Mode               string // ResolveModeFull or ResolveModeIncremental
	Stats              resolve.Stats
	Started            time.Time
	Finished           time.Time
	EntitiesWritten    int // ResolvedEntity nodes created or changed
	EntitiesRemoved    int // ResolvedEntity nodes deleted (their cluster fell apart, or its smallest member changed)
	MembershipsChanged int // records that joined, left or moved between resolved entities
	PairsWritten       int // MATCHES created or changed
	PairsRemoved       int // MATCHES deleted
	// Where the time went: reading the records, the engine, writing the diff.
	Read, Engine, Write time.Duration
}

// resolveSlot is held by the one resolution run of the process at a time: two runs that
// overlapped would each diff against what the other is rewriting. It is process-wide (every
// Store of the process shares it), which is what a process holding one Store needs.
var resolveSlot = make(chan struct{}, 1)

// Limits of resolution reads and writes.
const (
	resolveReadPage     = 1000 // records per read transaction
	resolveWriteBatch   = 5000 // rows per write transaction
	resolveMaxIPs       = 20   // IP addresses read per record (CGNAT makes more meaningless)
	resolveWriteTimeout = 5 * time.Minute
	maxResolvedMembers  = 500  // members a ResolvedEntityView lists
	maxResolvedLinks    = 2000 // links a ResolvedEntityView lists
	maxRecordMatches    = 500  // pairs Matches lists
	maxJudgeNote        = 2000 // bytes of a judgement's note
	maxJudgeBy          = 200  // bytes of a judgement's author
	matchReviewsCursor  = "matchReviews"
	judgementsCursor    = "judgements"
)

// recordLabels maps each label whose nodes are resolved to the kind of record it makes. The
// labels become Cypher text: they come from this closed list only.
var recordLabels = []struct {
	label Label
	kind  resolve.Kind
}{
	{LabelPerson, resolve.KindPerson},
	{LabelUserAccount, resolve.KindPerson},
	{LabelOrganization, resolve.KindOrganization},
	{LabelCompany, resolve.KindOrganization},
}

// recordKind is the kind of record a node with these labels is, "" when it is none.
func recordKind(labels []string) resolve.Kind {
	for _, rl := range recordLabels {
		if slices.Contains(labels, string(rl.label)) {
			return rl.kind
		}
	}
	return ""
}

// storedRecord is a record as the graph holds it, with what earlier runs stored about it.
type storedRecord struct {
	rec         resolve.Record
	fingerprint string        // resolveFingerprint of the last run that resolved it
	entities    []string      // ResolvedEntity ids it is RESOLVED_TO (one, or none)
	matches     []storedMatch // its MATCHES to records with a larger id
}

// storedMatch is a stored MATCHES relationship.
type storedMatch struct {
	pair     resolve.Pair
	evidence string // as stored: JSON
}

// Properties whose values are national identity numbers (persons) and registration numbers
// (organisations): FollowTheMoney's names, which the ftm loader keeps (with ...Values holding
// every value when there are several).
var (
	nationalIDProps = []string{"idNumber", "socialSecurityNumber", "taxNumber", "nationalId"}
	registryProps   = []string{"registrationNumber", "leiCode", "taxNumber", "vatCode", "ogrnCode", "innCode", "idNumber"}
)

// recordQuery reads one page of the records of one label (from recordLabels) after id $after:
// the properties resolution reads, the first source's partner, the first address, the
// identifiers (its own and its accounts'), and what earlier runs stored.
func recordQuery(l Label) string {
	var ids []string
	for _, p := range append(slices.Clone(nationalIDProps), registryProps...) {
		if !slices.Contains(ids, p) {
			ids = append(ids, p, p+"Values")
		}
	}
	props := ".name, .names, .aliases, .firstName, .lastName, .birthDate, .gender, .country, .nationality, .displayName, .clk, .resolveFingerprint"
	for _, p := range ids {
		props += ", ." + p
	}
	return `MATCH (n:` + string(l) + `) WHERE n.id > $after
WITH n ORDER BY n.id LIMIT $limit
RETURN n.id AS id, labels(n) AS labels, n {` + props + `} AS props,
  COLLECT { MATCH (n)-[p:SOURCED_FROM]->(s:Source) WITH s, p ORDER BY p.loadedAt, s.id LIMIT 1 RETURN s.partner } AS source,
  COLLECT { MATCH (n)-[:HAS_ADDRESS]->(a:Address) WITH a ORDER BY a.id LIMIT 1 RETURN a {.street, .full, .city, .postalCode, .country} } AS address,
  COLLECT { MATCH (n)-[:USES_EMAIL|USES_PHONE|USES_DEVICE|HAS_HANDLE]->(i) RETURN i.id
            UNION
            MATCH (n)-[:HOLDS]->()-[:USES_EMAIL|USES_PHONE|USES_DEVICE]->(i) RETURN i.id } AS idents,
  COLLECT { MATCH (n)-[:HOLDS]->(a) WHERE a:BankAccount OR a:CryptoWallet
            RETURN DISTINCT {id: a.id, wallet: a:CryptoWallet} } AS held,
  COLLECT { MATCH (n)-[:HAS_USER_ACCOUNT]->(u:UserAccount) RETURN DISTINCT u.id } AS userAccounts,
  COLLECT { MATCH (n)-[:LOGGED_IN_FROM]->(ip:IPAddress) WITH DISTINCT ip.id AS ip ORDER BY ip LIMIT $maxIPs RETURN ip } AS ips,
  COLLECT { MATCH (n)-[:RESOLVED_TO]->(e:ResolvedEntity) RETURN e.id } AS entities,
  COLLECT { MATCH (n)-[m:MATCHES]->(b) RETURN {b: b.id, probability: m.probability, weight: m.weight, status: m.status,
            reason: m.reason, evidence: m.evidence} } AS matches`
}

// readResolveRecords reads every record of the graph, page by page (a read transaction each),
// in id order within each label.
func (s *Store) readResolveRecords(ctx context.Context) ([]storedRecord, error) {
	var out []storedRecord
	seen := map[string]bool{}
	for _, rl := range recordLabels {
		q := recordQuery(rl.label)
		after := ""
		for {
			res, err := s.read(ctx, "read records to resolve", func(tx neo4j.ManagedTransaction) (any, error) {
				return collectRecords(ctx, tx, q, map[string]any{"after": after, "limit": resolveReadPage, "maxIPs": resolveMaxIPs})
			})
			if err != nil {
				return nil, err
			}
			recs := res.([]*neo4j.Record)
			for _, r := range recs {
				sr, err := storedRecordFrom(r)
				if err != nil {
					return nil, &Error{Code: EINTERNAL, Err: fmt.Errorf("read records to resolve: %w", err)}
				}
				after = sr.rec.ID
				if seen[sr.rec.ID] { // a node with two record labels is one record
					continue
				}
				seen[sr.rec.ID] = true
				out = append(out, sr)
			}
			if len(recs) < resolveReadPage {
				break
			}
		}
	}
	return out, nil
}

// storedRecordFrom decodes a row of recordQuery.
func storedRecordFrom(r *neo4j.Record) (storedRecord, error) {
	id, _, err := neo4j.GetRecordValue[string](r, "id")
	if err != nil {
		return storedRecord{}, err
	}
	labels, _, err := neo4j.GetRecordValue[[]any](r, "labels")
	if err != nil {
		return storedRecord{}, err
	}
	props, _, err := neo4j.GetRecordValue[map[string]any](r, "props")
	if err != nil {
		return storedRecord{}, err
	}
	get := func(k string) any { v, _ := r.Get(k); return v }
	ls := asStrings(labels)
	rec := resolve.Record{ID: id, Kind: recordKind(ls)}
	str := func(k string) string { return strings.TrimSpace(asString(props[k])) }
	if src := asStrings(get("source")); len(src) > 0 {
		rec.Source = src[0]
	}
	rec.Name = str("name")
	aliases := append(asStrings(props["names"]), asStrings(props["aliases"])...)
	if slices.Contains(ls, string(LabelUserAccount)) {
		// A platform's display name is whatever its user typed: a pseudonym, never a name to
		// contradict the real one with.
		aliases = append([]string{str("displayName"), rec.Name}, aliases...)
		rec.Name = ""
	}
	for _, a := range aliases {
		if a = strings.TrimSpace(a); a != "" && a != rec.Name && !slices.Contains(rec.Aliases, a) {
			rec.Aliases = append(rec.Aliases, a)
		}
	}
	rec.GivenName, rec.Surname = str("firstName"), str("lastName")
	rec.BirthDate, rec.Gender = str("birthDate"), str("gender")
	rec.Country = str("country")
	if rec.Country == "" {
		rec.Country = str("nationality")
	}
	if addr := asList(get("address")); len(addr) > 0 {
		a, _ := addr[0].(map[string]any)
		rec.Street = strings.TrimSpace(asString(a["street"]))
		if rec.Street == "" {
			rec.Street = strings.TrimSpace(asString(a["full"]))
		}
		rec.City = strings.TrimSpace(asString(a["city"]))
		rec.Postcode = strings.TrimSpace(asString(a["postalCode"]))
		if rec.Country == "" {
			rec.Country = strings.TrimSpace(asString(a["country"]))
		}
	}
	if c := str("clk"); c != "" {
		if !strings.HasPrefix(c, resolve.CLKPrefix) {
			c = resolve.CLKPrefix + c
		}
		// A value that is not a CLK (a partner's bad encoding) is left out: the record still
		// resolves by its other fields.
		if clk, err := resolve.DecodeCLK(c); err == nil {
			rec.CLK = clk
		}
	}

	ids := identifierSet{}
	for _, v := range asStrings(get("idents")) {
		for _, p := range []struct{ prefix, kind string }{
			{"email:", resolve.IDEmail}, {"phone:", resolve.IDPhone}, {"device:", resolve.IDDevice}, {"handle:", resolve.IDHandle},
		} {
			if rest, ok := strings.CutPrefix(v, p.prefix); ok {
				ids.add(p.kind, rest)
			}
		}
	}
	for _, h := range asList(get("held")) {
		m, _ := h.(map[string]any)
		if w, _ := m["wallet"].(bool); w {
			ids.add(resolve.IDWallet, asString(m["id"]))
		} else {
			ids.add(resolve.IDAccount, asString(m["id"]))
		}
	}
	for _, u := range asStrings(get("userAccounts")) {
		ids.add(resolve.IDPlatform, u)
	}
	if slices.Contains(ls, string(LabelUserAccount)) {
		ids.add(resolve.IDPlatform, id) // so that the account and its owner match on it
	}
	for _, ip := range asStrings(get("ips")) {
		ids.add(resolve.IDIP, strings.TrimPrefix(ip, "ip:"))
	}
	numbers, kind := nationalIDProps, resolve.IDNationalID
	if rec.Kind == resolve.KindOrganization {
		numbers, kind = registryProps, resolve.IDRegistry
	}
	for _, p := range numbers {
		ids.add(kind, normaliseNumber(asString(props[p])))
		for _, v := range asStrings(props[p+"Values"]) {
			ids.add(kind, normaliseNumber(v))
		}
	}
	rec.Identifiers = ids.list

	sr := storedRecord{rec: rec, fingerprint: asString(props["resolveFingerprint"]), entities: asStrings(get("entities"))}
	for _, x := range asList(get("matches")) {
		m, _ := x.(map[string]any)
		b := asString(m["b"])
		if b == "" {
			continue
		}
		sm := storedMatch{evidence: asString(m["evidence"]), pair: resolve.Pair{
			A: id, B: b, Status: resolve.Status(asString(m["status"])), Reason: asString(m["reason"]),
		}}
		sm.pair.Probability, _ = m["probability"].(float64)
		sm.pair.Weight, _ = m["weight"].(float64)
		if sm.evidence != "" {
			if err := json.Unmarshal([]byte(sm.evidence), &sm.pair.Evidence); err != nil {
				return storedRecord{}, fmt.Errorf("MATCHES %s -> %s: evidence: %w", id, b, err)
			}
		}
		sr.matches = append(sr.matches, sm)
	}
	return sr, nil
}

// identifierSet collects a record's identifiers without duplicates, in the order found.
type identifierSet struct {
	list []resolve.Identifier
	seen map[resolve.Identifier]bool
}

func (s *identifierSet) add(kind, value string) {
	value = strings.TrimSpace(value)
	if value == "" {
		return
	}
	id := resolve.Identifier{Kind: kind, Value: value}
	if s.seen == nil {
		s.seen = map[resolve.Identifier]bool{}
	}
	if !s.seen[id] {
		s.seen[id] = true
		s.list = append(s.list, id)
	}
}

// normaliseNumber is the form identity and registration numbers are compared in: upper case
// without spaces and separators. Keyed values ("hmac:...") stay as they are.
func normaliseNumber(v string) string {
	v = strings.TrimSpace(v)
	if v == "" || resolve.IsKeyed(v) {
		return v
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '/', '\t':
			return -1
		}
		return r
	}, strings.ToUpper(v))
}

// pairKey is the key of the pair (a, b), a < b: also the Judgement's pair property.
func pairKey(a, b string) string { return a + "|" + b }

// orderPair returns a and b in id order.
func orderPair(a, b string) (string, string) {
	if b < a {
		return b, a
	}
	return a, b
}

// storedEntity is a stored ResolvedEntity.
type storedEntity struct {
	kind, name string
	size       int
}

// readResolvedEntities reads every ResolvedEntity, page by page.
func (s *Store) readResolvedEntities(ctx context.Context) (map[string]storedEntity, error) {
	out := map[string]storedEntity{}
	after := ""
	for {
		res, err := s.read(ctx, "read resolved entities", func(tx neo4j.ManagedTransaction) (any, error) {
			return collectRecords(ctx, tx, `MATCH (e:ResolvedEntity) WHERE e.id > $after
RETURN e.id AS id, e.kind AS kind, e.name AS name, e.size AS size ORDER BY e.id LIMIT $limit`,
				map[string]any{"after": after, "limit": resolveReadPage})
		})
		if err != nil {
			return nil, err
		}
		recs := res.([]*neo4j.Record)
		for _, r := range recs {
			get := func(k string) any { v, _ := r.Get(k); return v }
			after = asString(get("id"))
			out[after] = storedEntity{kind: asString(get("kind")), name: asString(get("name")), size: int(asInt64(get("size")))}
		}
		if len(recs) < resolveReadPage {
			return out, nil
		}
	}
}

// runContext is what a run reads besides the records: the standing judgements, and the last
// runs.
type runContext struct {
	judgements []resolve.Judgement
	// recent are the records named in judgements (retractions included) made since the last
	// completed run started: a run that was to honour them may have failed.
	recent []string
	model  *resolve.Model // of the latest full run
}

// readRunContext reads the standing judgements and the latest runs.
func (s *Store) readRunContext(ctx context.Context) (runContext, error) {
	res, err := s.read(ctx, "read judgements", func(tx neo4j.ManagedTransaction) (any, error) {
		var rc runContext
		recs, err := collectRecords(ctx, tx, `
OPTIONAL MATCH (r:ResolutionRun) WITH r ORDER BY r.startedAt DESC LIMIT 1
OPTIONAL MATCH (f:ResolutionRun {mode: $full}) WHERE f.model IS NOT NULL
WITH r, f ORDER BY f.startedAt DESC LIMIT 1
RETURN r.startedAt AS lastRun, f.model AS model`, map[string]any{"full": ResolveModeFull})
		if err != nil {
			return nil, err
		}
		var lastRun time.Time
		if len(recs) == 1 {
			v, _ := recs[0].Get("lastRun")
			lastRun = asTime(v)
			if m, _ := recs[0].Get("model"); asString(m) != "" {
				var model resolve.Model
				if err := json.Unmarshal([]byte(asString(m)), &model); err != nil {
					return nil, fmt.Errorf("model of the latest full run: %w", err)
				}
				rc.model = &model
			}
		}
		recs, err = collectRecords(ctx, tx, `
MATCH (j:Judgement)
WITH j ORDER BY j.at DESC, j.id DESC
WITH j.pair AS pair, collect(j)[0] AS j
RETURN j.a AS a, j.b AS b, j.verdict AS verdict, j.at AS at`, nil)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			get := func(k string) any { v, _ := r.Get(k); return v }
			a, b, v := asString(get("a")), asString(get("b")), resolve.Verdict(asString(get("verdict")))
			if v.Valid() {
				rc.judgements = append(rc.judgements, resolve.Judgement{A: a, B: b, Verdict: v})
			}
			if at := asTime(get("at")); lastRun.IsZero() || !at.Before(lastRun) {
				rc.recent = append(rc.recent, a, b)
			}
		}
		return rc, nil
	})
	if err != nil {
		return runContext{}, err
	}
	return res.(runContext), nil
}

// Resolve runs entity resolution over every record of the graph and stores the result as a
// diff: ResolvedEntity nodes and RESOLVED_TO memberships where clusters changed, MATCHES where
// pairs changed, the records' fingerprints, and a ResolutionRun. An incremental run (the
// default) scores only the pairs of pending records (see ResolveOptions.Full) and takes the
// other pairs as stored; with nothing pending and nothing changed it writes only its
// ResolutionRun. Standing judgements (judgement.go) always win over scores. Runs of one process
// never overlap: a run waits for the one before it.
//
// Writes go in batches of their own transactions, so a run that fails half-way leaves part of
// its diff written; its records keep their old fingerprints and are resolved by the next run
// (a full run repairs anything). It returns EINVALID for a bad Config (the message names the
// field), EUNAVAILABLE when Neo4j cannot be reached or ctx ends.
func (s *Store) Resolve(ctx context.Context, o ResolveOptions) (ResolveReport, error) {
	if err := o.Config.Validate(); err != nil {
		return ResolveReport{}, Errorf(EINVALID, "config: %s", strings.TrimPrefix(err.Error(), "resolve: "))
	}
	select {
	case resolveSlot <- struct{}{}:
	case <-ctx.Done():
		return ResolveReport{}, &Error{Code: EUNAVAILABLE, Message: "resolve: gave up waiting for the resolution run in progress", Err: ctx.Err()}
	}
	defer func() { <-resolveSlot }()
	release, err := s.lockResolution(ctx, o.By)
	if err != nil {
		return ResolveReport{}, err
	}
	defer release()
	return s.resolve(ctx, o)
}

// The resolution lease: how long a holder keeps it without renewing, how often it renews,
// and how often a waiting run tries again.
var (
	resolveLease      = 2 * time.Minute
	resolveLeaseRenew = 30 * time.Second
	resolveLeaseRetry = time.Second
)

// lockResolution takes the database-wide resolution lease (migration 000009), waiting while
// another process's run holds it (until ctx ends: EUNAVAILABLE naming the holder), and renews
// it until the returned release is called. A crashed holder's lease lapses after resolveLease.
func (s *Store) lockResolution(ctx context.Context, by string) (release func(), err error) {
	return s.lockRun(ctx, "resolution", by)
}

// lockRun takes the database-wide lease named key ("resolution", "detection"): see
// lockResolution.
func (s *Store) lockRun(ctx context.Context, key, by string) (release func(), err error) {
	token, err := newResolutionID("lock")
	if err != nil {
		return nil, err
	}
	holder := token + " " + by
	params := map[string]any{"key": key, "holder": holder, "lease": resolveLease.Milliseconds()}
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.db, AccessMode: neo4j.AccessModeWrite})
	defer sess.Close(context.WithoutCancel(ctx))
	for {
		res, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
			r, err := tx.Run(ctx, `MERGE (l:ResolutionLock {key: $key})
WITH l, l.holder IS NULL OR l.expires < datetime() AS free
SET l.holder = CASE WHEN free THEN $holder ELSE l.holder END,
    l.since = CASE WHEN free THEN datetime() ELSE l.since END,
    l.expires = CASE WHEN free THEN datetime() + duration({milliseconds: $lease}) ELSE l.expires END
RETURN l.holder AS holder, l.since AS since`, params)
			if err != nil {
				return nil, err
			}
			rec, err := r.Single(ctx)
			if err != nil {
				return nil, err
			}
			h, _ := rec.Get("holder")
			since, _ := rec.Get("since")
			return []any{h, since}, nil
		})
		if err != nil {
			return nil, translate("take the resolution lock", err)
		}
		got := res.([]any)
		if asString(got[0]) == holder {
			break
		}
		select {
		case <-ctx.Done():
			return nil, &Error{Code: EUNAVAILABLE, Err: ctx.Err(), Message: fmt.Sprintf(
				"%s: another %s run holds the lock (%s, since %s); try again when it is done",
				key, key, asString(got[0]), asTime(got[1]).Format(time.RFC3339))}
		case <-time.After(resolveLeaseRetry):
		}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // renew the lease while the run lasts
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(resolveLeaseRenew):
			}
			_, _ = neo4j.ExecuteQuery(context.WithoutCancel(ctx), s.driver, `MATCH (l:ResolutionLock {key: $key}) WHERE l.holder = $holder
SET l.expires = datetime() + duration({milliseconds: $lease})`, params, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(s.db))
		}
	}()
	return func() {
		close(stop)
		<-done
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_, _ = neo4j.ExecuteQuery(ctx, s.driver, `MATCH (l:ResolutionLock {key: $key}) WHERE l.holder = $holder
SET l.holder = null, l.expires = null, l.since = null`, params, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(s.db))
	}, nil
}

// resolve is Resolve once the run holds resolveSlot.
func (s *Store) resolve(ctx context.Context, o ResolveOptions) (ResolveReport, error) {
	rep := ResolveReport{Mode: ResolveModeIncremental, Started: time.Now().UTC().Truncate(time.Millisecond)}
	if o.Full {
		rep.Mode = ResolveModeFull
	}
	var err error
	if rep.RunID, err = newResolutionID("run"); err != nil {
		return ResolveReport{}, err
	}
	began := time.Now()
	rc, err := s.readRunContext(ctx)
	if err != nil {
		return ResolveReport{}, err
	}
	stored, err := s.readResolveRecords(ctx)
	if err != nil {
		return ResolveReport{}, err
	}
	entities, err := s.readResolvedEntities(ctx)
	if err != nil {
		return ResolveReport{}, err
	}

	rep.Read = time.Since(began)
	began = time.Now()
	records := make([]resolve.Record, len(stored))
	fingerprints := make([]string, len(stored))
	byID := make(map[string]int, len(stored))
	for i := range stored {
		records[i] = stored[i].rec
		fingerprints[i] = records[i].Fingerprint()
		byID[records[i].ID] = i
	}
	opts := resolve.Options{Config: o.Config}
	for _, j := range rc.judgements {
		if _, okA := byID[j.A]; okA {
			if _, okB := byID[j.B]; okB {
				opts.Judgements = append(opts.Judgements, j)
			}
		}
	}
	if !o.Full {
		if opts.Model == nil {
			opts.Model = rc.model
		}
		opts.Pending = map[string]bool{} // not nil: incremental
		for i := range stored {
			if stored[i].fingerprint != fingerprints[i] {
				opts.Pending[records[i].ID] = true
			}
		}
		for _, id := range append(slices.Clone(o.Also), rc.recent...) {
			if _, ok := byID[id]; ok {
				opts.Pending[id] = true
			}
		}
		for i := range stored {
			if opts.Pending[records[i].ID] {
				continue
			}
			for _, m := range stored[i].matches {
				if !opts.Pending[m.pair.B] {
					opts.Known = append(opts.Known, m.pair)
				}
			}
		}
	}
	res, err := resolve.Resolve(ctx, records, opts)
	if err != nil {
		if ctx.Err() != nil {
			return ResolveReport{}, &Error{Code: EUNAVAILABLE, Message: "resolve: " + reason(ctx.Err()), Err: err}
		}
		return ResolveReport{}, &Error{Code: EINTERNAL, Err: fmt.Errorf("resolve: %w", err)}
	}
	rep.Stats = res.Stats
	rep.Engine = time.Since(began)
	began = time.Now()

	at := time.Now().UTC().Truncate(time.Millisecond)
	w := resolveWriter{s: s, run: rep.RunID, at: at}
	if err := w.pairs(ctx, stored, opts.Pending, res.Pairs, &rep); err != nil {
		return ResolveReport{}, err
	}
	if err := w.clusters(ctx, stored, byID, entities, res.Clusters, &rep); err != nil {
		return ResolveReport{}, err
	}
	var rows []map[string]any
	for i := range stored {
		if stored[i].fingerprint != fingerprints[i] {
			rows = append(rows, map[string]any{"id": records[i].ID, "fingerprint": fingerprints[i]})
		}
	}
	if err := w.batches(ctx, "store record fingerprints", `UNWIND $rows AS row
MATCH (n:Entity {id: row.id})
SET n.resolveFingerprint = row.fingerprint`, rows); err != nil {
		return ResolveReport{}, err
	}
	rep.Write = time.Since(began)
	rep.Finished = time.Now().UTC().Truncate(time.Millisecond)
	if err := w.runNode(ctx, o.By, rep, res.Model); err != nil {
		return ResolveReport{}, err
	}
	return rep, nil
}

// resolveWriter writes one run's diff.
type resolveWriter struct {
	s   *Store
	run string
	at  time.Time
}

// batches runs query (UNWIND $rows ...) over rows, resolveWriteBatch rows per write
// transaction, with $run and $at set.
func (w *resolveWriter) batches(ctx context.Context, op, query string, rows []map[string]any) error {
	if len(rows) == 0 {
		return nil
	}
	sess := w.s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: w.s.db, AccessMode: neo4j.AccessModeWrite})
	defer sess.Close(context.WithoutCancel(ctx))
	for start := 0; start < len(rows); start += resolveWriteBatch {
		batch := rows[start:min(start+resolveWriteBatch, len(rows))]
		_, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
			r, err := tx.Run(ctx, query, map[string]any{"rows": batch, "run": w.run, "at": w.at})
			if err != nil {
				return nil, err
			}
			_, err = r.Consume(ctx)
			return nil, err
		}, neo4j.WithTxTimeout(resolveWriteTimeout))
		if err != nil {
			return translate(op, err)
		}
	}
	return nil
}

// pairs replaces the stored MATCHES the run decided again: every one in a full run (pending ==
// nil), those touching a pending record in an incremental one; pairs the engine returned are
// written where they differ from what is stored.
func (w *resolveWriter) pairs(ctx context.Context, stored []storedRecord, pending map[string]bool, pairs []resolve.Pair, rep *ResolveReport) error {
	old := map[string]storedMatch{}
	for i := range stored {
		for _, m := range stored[i].matches {
			old[pairKey(m.pair.A, m.pair.B)] = m
		}
	}
	var write []map[string]any
	fresh := make(map[string]bool, len(pairs))
	for _, p := range pairs {
		p.A, p.B = orderPair(p.A, p.B)
		key := pairKey(p.A, p.B)
		fresh[key] = true
		ev := p.Evidence
		if ev == nil {
			ev = []resolve.Evidence{}
		}
		b, err := json.Marshal(ev)
		if err != nil {
			return &Error{Code: EINTERNAL, Err: fmt.Errorf("store pairs: %w", err)}
		}
		if m, ok := old[key]; ok && m.pair.Probability == p.Probability && m.pair.Weight == p.Weight &&
			m.pair.Status == p.Status && m.pair.Reason == p.Reason && m.evidence == string(b) {
			continue
		}
		write = append(write, map[string]any{"a": p.A, "b": p.B, "probability": p.Probability, "weight": p.Weight,
			"status": string(p.Status), "reason": nilIfEmpty(p.Reason), "evidence": string(b)})
	}
	var remove []map[string]any
	for key, m := range old {
		if fresh[key] || (pending != nil && !pending[m.pair.A] && !pending[m.pair.B]) {
			continue
		}
		remove = append(remove, map[string]any{"a": m.pair.A, "b": m.pair.B})
	}
	if err := w.batches(ctx, "store pairs", `UNWIND $rows AS row
MATCH (a:Entity {id: row.a})-[m:MATCHES]->(b:Entity {id: row.b})
DELETE m`, remove); err != nil {
		return err
	}
	if err := w.batches(ctx, "store pairs", `UNWIND $rows AS row
MATCH (a:Entity {id: row.a}), (b:Entity {id: row.b})
MERGE (a)-[m:MATCHES]->(b)
SET m.probability = row.probability, m.weight = row.weight, m.status = row.status, m.reason = row.reason,
    m.evidence = row.evidence, m.runId = $run, m.scoredAt = $at`, write); err != nil {
		return err
	}
	rep.PairsWritten, rep.PairsRemoved = len(write), len(remove)
	return nil
}

// clusters writes the clusters as a diff against the stored ones: ResolvedEntity nodes created
// or updated where their members, name, kind or size changed, memberships moved where a
// record's cluster changed, and entities no cluster has any more deleted.
func (w *resolveWriter) clusters(ctx context.Context, stored []storedRecord, byID map[string]int,
	entities map[string]storedEntity, clusters []resolve.Cluster, rep *ResolveReport) error {
	storedMembers := map[string][]string{}
	for i := range stored {
		for _, e := range stored[i].entities {
			storedMembers[e] = append(storedMembers[e], stored[i].rec.ID)
		}
	}
	target := map[string]string{} // record id -> entity id
	var entityRows, memberRows []map[string]any
	kept := make(map[string]bool, len(clusters))
	for _, c := range clusters {
		kept[c.ID] = true
		members := slices.Clone(c.Members)
		slices.Sort(members)
		recs := make([]*resolve.Record, 0, len(members))
		for _, m := range members {
			target[m] = c.ID
			if i, ok := byID[m]; ok {
				recs = append(recs, &stored[i].rec)
			}
		}
		name := entityName(recs)
		old, ok := entities[c.ID]
		was := slices.Clone(storedMembers[c.ID])
		slices.Sort(was)
		if !ok || old.kind != string(c.Kind) || old.name != name || old.size != len(members) || !slices.Equal(was, members) {
			entityRows = append(entityRows, map[string]any{"id": c.ID, "kind": string(c.Kind), "name": nilIfEmpty(name), "size": len(members)})
		}
	}
	for i := range stored {
		id := stored[i].rec.ID
		want, is := target[id], stored[i].entities
		if (want == "" && len(is) == 0) || (len(is) == 1 && is[0] == want) {
			continue
		}
		memberRows = append(memberRows, map[string]any{"id": id, "entity": nilIfEmpty(want)})
	}
	var remove []map[string]any
	for id := range entities {
		if _, ok := kept[id]; !ok {
			remove = append(remove, map[string]any{"id": id})
		}
	}
	if err := w.batches(ctx, "store resolved entities", `UNWIND $rows AS row
MERGE (e:ResolvedEntity {id: row.id})
ON CREATE SET e.createdAt = $at
SET e.kind = row.kind, e.name = row.name, e.size = row.size, e.runId = $run, e.updatedAt = $at`, entityRows); err != nil {
		return err
	}
	if err := w.batches(ctx, "store memberships", `UNWIND $rows AS row
MATCH (n:Entity {id: row.id})
CALL (n) {
  MATCH (n)-[old:RESOLVED_TO]->(:ResolvedEntity)
  DELETE old
}
WITH n, row WHERE row.entity IS NOT NULL
MATCH (e:ResolvedEntity {id: row.entity})
MERGE (n)-[r:RESOLVED_TO]->(e)
SET r.runId = $run, r.at = $at`, memberRows); err != nil {
		return err
	}
	if err := w.batches(ctx, "remove resolved entities", `UNWIND $rows AS row
MATCH (e:ResolvedEntity {id: row.id})
DETACH DELETE e`, remove); err != nil {
		return err
	}
	rep.EntitiesWritten, rep.MembershipsChanged, rep.EntitiesRemoved = len(entityRows), len(memberRows), len(remove)
	return nil
}

// entityName is the name a resolved entity shows: the most common name among its records, the
// longest of those, the first in order of those.
func entityName(recs []*resolve.Record) string {
	count := map[string]int{}
	for _, r := range recs {
		n := strings.Join(strings.Fields(r.Name), " ")
		if n == "" {
			n = strings.Join(strings.Fields(r.GivenName+" "+r.Surname), " ")
		}
		if n != "" {
			count[n]++
		}
	}
	best := ""
	for n, c := range count {
		switch bc := count[best]; {
		case best == "", c > bc,
			c == bc && utf8.RuneCountInString(n) > utf8.RuneCountInString(best),
			c == bc && utf8.RuneCountInString(n) == utf8.RuneCountInString(best) && n < best:
			best = n
		}
	}
	return best
}

// runStats is what a ResolutionRun keeps in stats: the engine's counts and the run's writes.
type runStats struct {
	resolve.Stats
	EntitiesWritten    int `json:"entitiesWritten"`
	EntitiesRemoved    int `json:"entitiesRemoved"`
	MembershipsChanged int `json:"membershipsChanged"`
	PairsWritten       int `json:"pairsWritten"`
	PairsRemoved       int `json:"pairsRemoved"`
}

// runNode writes the run's ResolutionRun.
func (w *resolveWriter) runNode(ctx context.Context, by string, rep ResolveReport, model resolve.Model) error {
	stats, err := json.Marshal(runStats{Stats: rep.Stats, EntitiesWritten: rep.EntitiesWritten, EntitiesRemoved: rep.EntitiesRemoved,
		MembershipsChanged: rep.MembershipsChanged, PairsWritten: rep.PairsWritten, PairsRemoved: rep.PairsRemoved})
	if err != nil {
		return &Error{Code: EINTERNAL, Err: fmt.Errorf("store the resolution run: %w", err)}
	}
	m, err := json.Marshal(model)
	if err != nil {
		return &Error{Code: EINTERNAL, Err: fmt.Errorf("store the resolution run: %w", err)}
	}
	return w.batches(ctx, "store the resolution run", `UNWIND $rows AS row
MERGE (r:ResolutionRun {id: row.id})
SET r += row`, []map[string]any{{"id": rep.RunID, "mode": rep.Mode, "startedAt": rep.Started, "finishedAt": rep.Finished,
		"by": nilIfEmpty(by), "stats": string(stats), "model": string(m)}})
}

// newResolutionID returns a new random id of a kind ("run", "jdg").
func newResolutionID(kind string) (string, error) {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", &Error{Code: EINTERNAL, Err: fmt.Errorf("%s id: %w", kind, err)}
	}
	return kind + ":" + hex.EncodeToString(b[:]), nil
}

// ResolvedEntityView is a resolved entity with its records and the pairs that tie them.
type ResolvedEntityView struct {
	ID        string
	Kind      resolve.Kind
	Name      string
	Size      int
	Members   []NodeView  // the records, by id (at most 500)
	Links     []MatchView // MATCHES among the members: LINKED first, most probable first (at most 2000)
	UpdatedAt time.Time
}

// MatchView is a stored pair of records (A < B) with the run's decision and its standing
// judgement, if any.
type MatchView struct {
	A, B        string
	Probability float64
	Weight      float64
	Status      resolve.Status
	Reason      string
	Evidence    []resolve.Evidence
	ScoredAt    time.Time
	Judgement   *JudgementView // the standing verdict; nil when there is none
}

// matchFrom decodes a MATCHES relationship's properties between a and b.
func matchFrom(a, b string, props map[string]any) (MatchView, error) {
	m := MatchView{A: a, B: b, Status: resolve.Status(asString(props["status"])), Reason: asString(props["reason"]),
		ScoredAt: asTime(props["scoredAt"]), Evidence: []resolve.Evidence{}}
	m.Probability, _ = props["probability"].(float64)
	m.Weight, _ = props["weight"].(float64)
	if ev := asString(props["evidence"]); ev != "" {
		if err := json.Unmarshal([]byte(ev), &m.Evidence); err != nil {
			return MatchView{}, fmt.Errorf("MATCHES %s -> %s: evidence: %w", a, b, err)
		}
	}
	return m, nil
}

// matchRows decodes rows with columns a, b and m (the MATCHES properties) and attaches the
// standing judgements, read in the same transaction.
func matchRows(ctx context.Context, tx neo4j.ManagedTransaction, recs []*neo4j.Record) ([]MatchView, error) {
	out := make([]MatchView, 0, len(recs))
	var pairs [][2]string
	for _, r := range recs {
		a, _, err := neo4j.GetRecordValue[string](r, "a")
		if err != nil {
			return nil, err
		}
		b, _, err := neo4j.GetRecordValue[string](r, "b")
		if err != nil {
			return nil, err
		}
		props, _, err := neo4j.GetRecordValue[map[string]any](r, "m")
		if err != nil {
			return nil, err
		}
		m, err := matchFrom(a, b, props)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
		pairs = append(pairs, [2]string{a, b})
	}
	js, err := standingJudgements(ctx, tx, pairs)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if j, ok := js[pairKey(out[i].A, out[i].B)]; ok {
			out[i].Judgement = &j
		}
	}
	return out, nil
}

// ResolvedEntity returns a resolved entity with its members and links. It returns ENOTFOUND
// when there is none with that id.
func (s *Store) ResolvedEntity(ctx context.Context, id string) (*ResolvedEntityView, error) {
	res, err := s.read(ctx, "read resolved entity", func(tx neo4j.ManagedTransaction) (any, error) {
		recs, err := collectRecords(ctx, tx, `
MATCH (e:ResolvedEntity {id: $id})
RETURN e.kind AS kind, e.name AS name, e.size AS size, e.updatedAt AS updatedAt,
  COLLECT { MATCH (n)-[:RESOLVED_TO]->(e) WITH n ORDER BY n.id LIMIT $maxMembers RETURN n } AS members`,
			map[string]any{"id": id, "maxMembers": maxResolvedMembers})
		if err != nil || len(recs) == 0 {
			return nil, err
		}
		r := recs[0]
		get := func(k string) any { v, _ := r.Get(k); return v }
		v := &ResolvedEntityView{ID: id, Kind: resolve.Kind(asString(get("kind"))), Name: asString(get("name")),
			Size: int(asInt64(get("size"))), UpdatedAt: asTime(get("updatedAt")), Members: []NodeView{}}
		for _, x := range asList(get("members")) {
			if n, ok := asNodeView(x); ok {
				delete(n.Props, "resolveFingerprint")
				v.Members = append(v.Members, n)
			}
		}
		recs, err = collectRecords(ctx, tx, `
MATCH (e:ResolvedEntity {id: $id})<-[:RESOLVED_TO]-(a)-[m:MATCHES]->(b)-[:RESOLVED_TO]->(e)
RETURN a.id AS a, b.id AS b, properties(m) AS m
ORDER BY CASE m.status WHEN 'LINKED' THEN 0 WHEN 'REVIEW' THEN 1 ELSE 2 END, m.probability DESC, a.id, b.id
LIMIT $maxLinks`, map[string]any{"id": id, "maxLinks": maxResolvedLinks})
		if err != nil {
			return nil, err
		}
		if v.Links, err = matchRows(ctx, tx, recs); err != nil {
			return nil, err
		}
		return v, nil
	})
	if err != nil {
		return nil, err
	}
	v, _ := res.(*ResolvedEntityView)
	if v == nil {
		return nil, Errorf(ENOTFOUND, "resolved entity %q not found", id)
	}
	return v, nil
}

// ResolvedEntityOf returns the resolved entity a record belongs to, nil (and no error) when it
// is in none. It returns ENOTFOUND when there is no node with that id.
func (s *Store) ResolvedEntityOf(ctx context.Context, recordID string) (*ResolvedEntityView, error) {
	res, err := s.read(ctx, "read resolved entity", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `MATCH (n:Entity {id: $id})
RETURN COLLECT { MATCH (n)-[:RESOLVED_TO]->(e:ResolvedEntity) RETURN e.id } AS entities`, map[string]any{"id": recordID})
	})
	if err != nil {
		return nil, err
	}
	recs := res.([]*neo4j.Record)
	if len(recs) == 0 {
		return nil, Errorf(ENOTFOUND, "entity %q not found", recordID)
	}
	ids := asStrings(recs[0].Values[0])
	if len(ids) == 0 {
		return nil, nil
	}
	v, err := s.ResolvedEntity(ctx, ids[0])
	if ErrorCode(err) == ENOTFOUND { // removed by a run in between
		return nil, nil
	}
	return v, err
}

// Matches returns every stored pair of a record (at most 500): LINKED first, then REVIEW, then
// REJECTED, most probable first. It returns ENOTFOUND when there is no node with that id.
func (s *Store) Matches(ctx context.Context, recordID string) ([]MatchView, error) {
	res, err := s.read(ctx, "read matches", func(tx neo4j.ManagedTransaction) (any, error) {
		recs, err := collectRecords(ctx, tx, `MATCH (n:Entity {id: $id}) RETURN n.id AS id`, map[string]any{"id": recordID})
		if err != nil || len(recs) == 0 {
			return nil, err
		}
		recs, err = collectRecords(ctx, tx, `
MATCH (n:Entity {id: $id})-[m:MATCHES]-(o)
WITH startNode(m).id AS a, endNode(m).id AS b, m, o
RETURN a, b, properties(m) AS m
ORDER BY CASE m.status WHEN 'LINKED' THEN 0 WHEN 'REVIEW' THEN 1 ELSE 2 END, m.probability DESC, o.id
LIMIT $max`, map[string]any{"id": recordID, "max": maxRecordMatches})
		if err != nil {
			return nil, err
		}
		return matchRows(ctx, tx, recs)
	})
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, Errorf(ENOTFOUND, "entity %q not found", recordID)
	}
	return res.([]MatchView), nil
}

// MatchReviews lists the pairs held for review (status REVIEW), most probable first, first of
// them (default 20, at most 100) after the cursor: the review queue. It returns EINVALID for a
// bad first or after.
func (s *Store) MatchReviews(ctx context.Context, first int, after string) ([]MatchView, string, bool, error) {
	first, err := pageSize(first, 20, 100, "first")
	if err != nil {
		return nil, "", false, err
	}
	params := map[string]any{"status": string(resolve.Review), "p": nil, "a": "", "b": "", "limit": first + 1}
	if after != "" {
		parts, err := decodeCursor(matchReviewsCursor, after, 3)
		if err != nil {
			return nil, "", false, err
		}
		p, err := strconv.ParseFloat(parts[0], 64)
		if err != nil {
			return nil, "", false, Errorf(EINVALID, "after: not a cursor of this list; pass the endCursor of the previous page")
		}
		params["p"], params["a"], params["b"] = p, parts[1], parts[2]
	}
	// Two query texts, so that the one after a cursor seeks the index on (status, probability).
	cond := `m.status = $status`
	if after != "" {
		cond += ` AND m.probability <= $p AND (m.probability < $p OR x.id > $a OR (x.id = $a AND y.id > $b))`
	}
	res, err := s.read(ctx, "read match reviews", func(tx neo4j.ManagedTransaction) (any, error) {
		recs, err := collectRecords(ctx, tx, `
MATCH (x)-[m:MATCHES]->(y)
WHERE `+cond+`
RETURN x.id AS a, y.id AS b, properties(m) AS m
ORDER BY m.probability DESC, a, b
LIMIT $limit`, params)
		if err != nil {
			return nil, err
		}
		return matchRows(ctx, tx, recs)
	})
	if err != nil {
		return nil, "", false, err
	}
	out := res.([]MatchView)
	hasNext := len(out) > first
	if hasNext {
		out = out[:first]
	}
	end := ""
	if n := len(out); n > 0 {
		last := out[n-1]
		end = encodeCursor(matchReviewsCursor, strconv.FormatFloat(last.Probability, 'g', -1, 64), last.A, last.B)
	}
	return out, end, hasNext, nil
}

// recordKinds returns the kind of each id that names a record. It returns ENOTFOUND naming the
// first id that names no node, EINVALID naming the first that names a node which is not a
// record.
func (s *Store) recordKinds(ctx context.Context, ids []string) (map[string]resolve.Kind, error) {
	res, err := s.read(ctx, "read records", func(tx neo4j.ManagedTransaction) (any, error) {
		return collectRecords(ctx, tx, `UNWIND $ids AS id
MATCH (n:Entity {id: id})
RETURN n.id AS id, labels(n) AS labels`, map[string]any{"ids": ids})
	})
	if err != nil {
		return nil, err
	}
	kinds := map[string]resolve.Kind{}
	for _, r := range res.([]*neo4j.Record) {
		get := func(k string) any { v, _ := r.Get(k); return v }
		kinds[asString(get("id"))] = recordKind(asStrings(get("labels")))
	}
	for _, id := range ids {
		k, ok := kinds[id]
		switch {
		case !ok:
			return nil, Errorf(ENOTFOUND, "record %q not found", id)
		case k == "":
			return nil, Errorf(EINVALID, "%q is not a record of a person, account or organisation", id)
		}
	}
	return kinds, nil
}

// ResolvedMemberships maps every record that belongs to a resolved entity to that entity's id,
// for evaluations against ground truth and exports.
func (s *Store) ResolvedMemberships(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	after := ""
	for {
		res, err := s.read(ctx, "read resolved memberships", func(tx neo4j.ManagedTransaction) (any, error) {
			return collectRecords(ctx, tx, `MATCH (e:ResolvedEntity) WHERE e.id > $after
WITH e ORDER BY e.id LIMIT $limit
RETURN e.id AS id, COLLECT { MATCH (n)-[:RESOLVED_TO]->(e) RETURN n.id } AS members`,
				map[string]any{"after": after, "limit": resolveReadPage})
		})
		if err != nil {
			return nil, err
		}
		recs := res.([]*neo4j.Record)
		for _, r := range recs {
			id, _ := r.Get("id")
			members, _ := r.Get("members")
			after = asString(id)
			for _, m := range asStrings(members) {
				out[m] = after
			}
		}
		if len(recs) < resolveReadPage {
			return out, nil
		}
	}
}
