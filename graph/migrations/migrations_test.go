package migrations

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/golang-migrate/migrate/v4/database"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/graphtest"
)

// entityConstraints are the constraints of 000001_entity_keys.
var entityConstraints = []string{
	"entity_id_unique", "person_id_unique", "organization_id_unique", "company_id_unique",
	"bank_account_id_unique", "crypto_wallet_id_unique", "user_account_id_unique", "address_id_unique",
	"merchant_id_unique", "report_id_unique", "transaction_id_unique", "email_id_unique",
	"phone_id_unique", "ip_address_id_unique", "device_id_unique", "file_hash_id_unique",
	"handle_id_unique", "source_id_unique",
}

// lookupIndexes are the indexes of 000002_lookup_indexes (entity_search rebuilt by 000004).
var lookupIndexes = []string{
	"transaction_timestamp_index", "report_reported_at_index", "source_name_index", "person_name_index",
	"organization_name_index", "company_name_index", "user_account_username_index", "entity_search",
}

// The constraints and indexes of 000005_communities, 000006_access, 000008_resolution and
// 000010_detection and 000011_alerts_cases.
var (
	laterConstraints = []string{"community_run_id_unique", "community_key_unique", "api_key_id_unique", "audit_entry_id_unique",
		"resolved_entity_id_unique", "judgement_id_unique", "resolution_run_id_unique", "resolution_lock_key_unique",
		"signal_id_unique", "risk_score_subject_unique", "detection_run_id_unique", "alert_id_unique", "case_id_unique"}
	laterIndexes = []string{"community_run_created_at_index", "audit_entry_at_index", "audit_entry_key_index",
		"judgement_pair_index", "judgement_a_index", "judgement_b_index", "resolution_run_started_at_index",
		"matches_status_probability_index", "signal_subject_index", "signal_rule_index", "risk_score_risk_index",
		"detection_run_started_at_index", "alert_subject_index", "alert_status_risk_index", "case_status_index"}
	// 000007 drops transaction_id_unique (Entity.id is the key of transactions too).
	allConstraints = append(slices.DeleteFunc(slices.Clone(entityConstraints), func(c string) bool { return c == "transaction_id_unique" }), laterConstraints...)
	allIndexes     = append(slices.Clone(lookupIndexes), laterIndexes...)
)

// latest is the newest migration.
const latest = 11

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// query runs one statement on the test database and returns the values of its first column.
func query(t *testing.T, s *graph.Store, q string, params map[string]any) []any {
	t.Helper()
	res, err := neo4j.ExecuteQuery(context.Background(), s.Driver(), q, params, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase(s.Database()))
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var col []any
	for _, r := range res.Records {
		if len(r.Values) > 0 {
			col = append(col, r.Values[0])
		}
	}
	return col
}

// schemaNames returns which of names exist as constraints (SHOW CONSTRAINTS) or indexes.
func schemaNames(t *testing.T, s *graph.Store, show string, names []string) []string {
	t.Helper()
	var got []string
	for _, v := range query(t, s, show+" YIELD name WHERE name IN $names RETURN name ORDER BY name", map[string]any{"names": names}) {
		got = append(got, v.(string))
	}
	return got
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func wantVersion(t *testing.T, m *Migrator, version uint, dirty bool) {
	t.Helper()
	v, d, err := m.Version(context.Background())
	if err != nil {
		t.Fatalf("Version: %v", err)
	}
	if v != version || d != dirty {
		t.Fatalf("Version = %d, dirty %t; want %d, dirty %t", v, d, version, dirty)
	}
}

func wantPending(t *testing.T, m *Migrator, want bool) {
	t.Helper()
	got, err := m.Pending(context.Background())
	if err != nil {
		t.Fatalf("Pending: %v", err)
	}
	if got != want {
		t.Fatalf("Pending = %t, want %t", got, want)
	}
}

// TestRealMigrations runs the embedded migrations up and down on the shared test database
// under Crosslink's own key, and leaves them applied for the other packages' tests.
func TestRealMigrations(t *testing.T) {
	s := graphtest.Open(t)
	ctx := testContext(t)
	var logs bytes.Buffer
	m, err := New(s, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Whatever happened, leave the schema the other packages expect.
		if err := m.Up(context.Background()); err != nil {
			t.Errorf("cleanup: Up: %v", err)
		}
		_ = m.Close()
	})
	if got := m.Latest(); got != latest {
		t.Fatalf("Latest = %d, want %d", got, latest)
	}
	constraints := func() []string { return schemaNames(t, s, "SHOW CONSTRAINTS", allConstraints) }
	indexes := func() []string { return schemaNames(t, s, "SHOW INDEXES", allIndexes) }

	if err := m.Up(ctx); err != nil {
		t.Fatalf("Up: %v", err)
	}
	wantVersion(t, m, m.Latest(), false)
	wantPending(t, m, false)
	if got, want := constraints(), sorted(allConstraints); !slices.Equal(got, want) {
		t.Fatalf("after Up, constraints = %v, want %v", got, want)
	}
	if got, want := indexes(), sorted(allIndexes); !slices.Equal(got, want) {
		t.Fatalf("after Up, indexes = %v, want %v", got, want)
	}
	if got := query(t, s, "SHOW INDEXES YIELD name, type WHERE name = 'entity_search' RETURN type", nil); !slices.Equal(got, []any{"FULLTEXT"}) {
		t.Errorf("entity_search type = %v, want FULLTEXT", got)
	}
	if got := query(t, s, "SHOW INDEXES YIELD name, state WHERE name IN $names AND state <> 'ONLINE' RETURN name", map[string]any{"names": allIndexes}); len(got) > 0 {
		t.Errorf("indexes not online after Up: %v", got)
	}

	t.Run("up again is a no-op", func(t *testing.T) {
		if err := m.Up(ctx); err != nil {
			t.Fatalf("Up: %v", err)
		}
		wantVersion(t, m, latest, false)
	})

	t.Run("transaction provenance moves onto the node and back", func(t *testing.T) {
		p := graphtest.Prefix(t)
		t.Cleanup(func() {
			query(t, s, "MATCH (n) WHERE n.id STARTS WITH $p DETACH DELETE n", map[string]any{"p": p})
		})
		if err := m.Goto(ctx, 2); err != nil {
			t.Fatalf("Goto(2): %v", err)
		}
		// A transaction as version 2 stored it, asserted by two files.
		query(t, s, `
CREATE (a:Source {id: $p + 'src-a'}), (b:Source {id: $p + 'src-b'})
CREATE (t:Entity:Transaction {id: $p + 'tx', amount: 100})
CREATE (t)-[:SOURCED_FROM {refs: ['line 2 record 1']}]->(a)
CREATE (t)-[:SOURCED_FROM {refs: ['line 9 record 1']}]->(b)`, map[string]any{"p": p})
		if err := m.Up(ctx); err != nil {
			t.Fatalf("Up: %v", err)
		}
		got := query(t, s, `MATCH (t:Transaction {id: $p + 'tx'})
RETURN [COUNT { (t)-[:SOURCED_FROM]->() }, size(t.sources), apoc.coll.sort(t.refs)]`, map[string]any{"p": p})
		want := fmt.Sprint([]any{[]any{int64(0), int64(2), []any{p + "src-a line 2 record 1", p + "src-b line 9 record 1"}}})
		if fmt.Sprint(got) != want {
			t.Errorf("after Up: %v, want %v", got, want)
		}
		// The data migration can run again (after a crash half-way, say) to the same state.
		if err := m.Force(ctx, 2); err != nil {
			t.Fatal(err)
		}
		if err := m.Up(ctx); err != nil {
			t.Fatalf("Up again: %v", err)
		}
		if again := query(t, s, `MATCH (t:Transaction {id: $p + 'tx'})
RETURN [COUNT { (t)-[:SOURCED_FROM]->() }, size(t.sources), apoc.coll.sort(t.refs)]`, map[string]any{"p": p}); fmt.Sprint(again) != want {
			t.Errorf("after Up again: %v, want %v", again, want)
		}
		if err := m.Goto(ctx, 2); err != nil {
			t.Fatalf("Goto(2): %v", err)
		}
		got = query(t, s, `MATCH (t:Transaction {id: $p + 'tx'})-[r:SOURCED_FROM]->(src)
WITH t, src, r ORDER BY src.id
WITH t.sources AS sources, collect(src.id + ': ' + r.refs[0]) AS provenance
RETURN [sources, provenance]`, map[string]any{"p": p})
		want = fmt.Sprint([]any{[]any{nil, []any{p + "src-a: line 2 record 1", p + "src-b: line 9 record 1"}}})
		if fmt.Sprint(got) != want {
			t.Errorf("after Down: %v, want %v", got, want)
		}
		if err := m.Up(ctx); err != nil {
			t.Fatalf("Up: %v", err)
		}
	})

	t.Run("steps and goto", func(t *testing.T) {
		if err := m.Steps(ctx, -2); err != nil {
			t.Fatalf("Steps(-2): %v", err)
		}
		wantVersion(t, m, latest-2, false)
		wantPending(t, m, true)
		if err := m.Goto(ctx, 1); err != nil {
			t.Fatalf("Goto(1): %v", err)
		}
		wantVersion(t, m, 1, false)
		if got := indexes(); len(got) != 0 {
			t.Errorf("at version 1, indexes = %v, want none", got)
		}
		if got := schemaNames(t, s, "SHOW CONSTRAINTS", entityConstraints); len(got) != len(entityConstraints) {
			t.Errorf("at version 1, %d constraints, want %d", len(got), len(entityConstraints))
		}
		if err := m.Goto(ctx, latest); err != nil {
			t.Fatalf("Goto(%d): %v", latest, err)
		}
		wantVersion(t, m, latest, false)
		if got, want := constraints(), sorted(allConstraints); !slices.Equal(got, want) {
			t.Errorf("after Goto(%d), constraints = %v, want %v", latest, got, want)
		}
		if err := m.Steps(ctx, 1); graph.ErrorCode(err) != graph.EINVALID {
			t.Errorf("Steps(1) at the latest version: error %v, want code %s", err, graph.EINVALID)
		}
		if err := m.Goto(ctx, latest+1); graph.ErrorCode(err) != graph.EINVALID {
			t.Errorf("Goto(%d): error %v, want code %s", latest+1, err, graph.EINVALID)
		}
	})

	t.Run("down all and up again", func(t *testing.T) {
		if err := m.Down(ctx, 0); err != nil {
			t.Fatalf("Down: %v", err)
		}
		wantVersion(t, m, 0, false)
		wantPending(t, m, true)
		if got := constraints(); len(got) != 0 {
			t.Errorf("after Down, constraints = %v, want none", got)
		}
		if got := indexes(); len(got) != 0 {
			t.Errorf("after Down, indexes = %v, want none", got)
		}
		if n := query(t, s, "MATCH (v:SchemaMigration {key: $key}) RETURN count(v)", map[string]any{"key": DefaultKey}); n[0] != int64(0) {
			t.Errorf("after Down, %v version nodes, want 0", n[0])
		}
		if err := m.Down(ctx, 0); err != nil {
			t.Errorf("Down at no version: %v, want nil", err)
		}
		if err := m.Up(ctx); err != nil {
			t.Fatalf("Up: %v", err)
		}
		wantVersion(t, m, latest, false)
		if got := constraints(); len(got) != len(allConstraints) {
			t.Errorf("after Up, %d constraints, want %d", len(got), len(entityConstraints))
		}
	})

	t.Run("logs names and versions", func(t *testing.T) {
		t.Logf("log:\n%s", logs.String())
		for _, want := range []string{"migration applied", "name=entity_keys", "name=lookup_indexes", "name=transaction_provenance", "name=search_index", "name=communities", "name=access", "name=drop_transaction_key", "name=resolution", "name=resolution_lock", "migration undone", "version=9"} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, logs.String())
			}
		}
	})
}

// testSource returns migration files for label, with a broken second migration when bad is
// set: its first statement writes a node, its second is not Cypher.
func testSource(p, label string) fstest.MapFS {
	constraint := p + "_thing_id"
	return fstest.MapFS{
		"m/000001_thing_key.up.cypher": {Data: []byte(fmt.Sprintf(
			"// a test key\nCREATE CONSTRAINT %s IF NOT EXISTS FOR (n:%s) REQUIRE n.id IS UNIQUE;\n", constraint, label))},
		"m/000001_thing_key.down.cypher": {Data: []byte(fmt.Sprintf("DROP CONSTRAINT %s IF EXISTS;\n", constraint))},
		"m/000002_bad_data.up.cypher": {Data: []byte(fmt.Sprintf(
			"MERGE (:%s {id: 'one; two'});\nTHIS IS NOT CYPHER;\n", label))},
		"m/000002_bad_data.down.cypher": {Data: []byte(fmt.Sprintf("MATCH (n:%s) DETACH DELETE n;\n", label))},
	}
}

// cleanupTestSchema removes everything a test with prefix p made.
func cleanupTestSchema(t *testing.T, s *graph.Store, p, label string) {
	t.Cleanup(func() {
		for _, q := range []string{
			"DROP CONSTRAINT " + p + "_thing_id IF EXISTS",
			"MATCH (n:" + label + ") DETACH DELETE n",
			"MATCH (n:SchemaMigration|SchemaMigrationLock) WHERE n.key = $key DELETE n",
		} {
			query(t, s, q, map[string]any{"key": p})
		}
	})
}

func TestDirtyMigration(t *testing.T) {
	s := graphtest.Open(t)
	ctx := testContext(t)
	p := graphtest.Prefix(t)
	label := p + "_Thing"
	cleanupTestSchema(t, s, p, label)

	m, err := New(s, WithKey(p), WithSource(testSource(p, label), "m"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	wantVersion(t, m, 0, false)
	wantPending(t, m, true)

	err = m.Up(ctx)
	if err == nil {
		t.Fatal("Up with a broken migration: no error")
	}
	if code := graph.ErrorCode(err); code != graph.ECONFLICT {
		t.Errorf("error code = %q, want %q (%v)", code, graph.ECONFLICT, err)
	}
	t.Logf("Up: %v", err)
	msg := graph.ErrorMessage(err)
	for _, want := range []string{"migration 2 (bad_data) failed", "dirty", "`crosslink migrate force 1`", "force 2"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if !strings.Contains(err.Error(), "statement 2 (THIS IS NOT CYPHER)") {
		t.Errorf("error %q does not name the failed statement", err)
	}
	wantVersion(t, m, 2, true)
	wantPending(t, m, true)
	// The first statement ran, and the ; inside its string did not cut it.
	if got := query(t, s, "MATCH (n:"+label+") RETURN n.id", nil); !slices.Equal(got, []any{"one; two"}) {
		t.Errorf("nodes after the failed migration: %v, want [one; two]", got)
	}

	// The next run refuses, with the same advice.
	err = m.Up(ctx)
	if graph.ErrorCode(err) != graph.ECONFLICT || !strings.Contains(graph.ErrorMessage(err), "migration 2 (bad_data) failed") ||
		!strings.Contains(graph.ErrorMessage(err), "migrate force 1") {
		t.Errorf("Up on a dirty database: %v", err)
	}
	if err := m.Down(ctx, 1); graph.ErrorCode(err) != graph.ECONFLICT {
		t.Errorf("Down on a dirty database: %v, want code %s", err, graph.ECONFLICT)
	}

	if err := m.Force(ctx, 1); err != nil {
		t.Fatalf("Force(1): %v", err)
	}
	wantVersion(t, m, 1, false)
	if err := m.Force(ctx, 9); graph.ErrorCode(err) != graph.EINVALID {
		t.Errorf("Force(9): %v, want code %s", err, graph.EINVALID)
	}

	t.Run("failed down", func(t *testing.T) {
		src := testSource(p, label)
		src["m/000001_thing_key.down.cypher"] = &fstest.MapFile{Data: []byte("DROP CONSTRAINT " + p + "_thing_id IF EXISTS;\nNOR IS THIS;\n")}
		m2, err := New(s, WithKey(p), WithSource(src, "m"))
		if err != nil {
			t.Fatal(err)
		}
		defer m2.Close()
		err = m2.Down(ctx, 0)
		t.Logf("Down: %v", err)
		msg := graph.ErrorMessage(err)
		if graph.ErrorCode(err) != graph.ECONFLICT || !strings.Contains(msg, "undoing migration 1 (thing_key) failed") ||
			!strings.Contains(msg, "`crosslink migrate force 1`") || !strings.Contains(msg, "force 0") {
			t.Fatalf("Down with a broken down migration: %v", err)
		}
		wantVersion(t, m2, 0, true)
		if err := m2.Force(ctx, 0); err != nil {
			t.Fatalf("Force(0): %v", err)
		}
		wantVersion(t, m2, 0, false)
		if n := query(t, s, "MATCH (v:SchemaMigration {key: $key}) RETURN count(v)", map[string]any{"key": p}); n[0] != int64(0) {
			t.Errorf("after Force(0), %v version nodes, want 0", n[0])
		}
	})

	t.Run("good migration applies after repair", func(t *testing.T) {
		if err := m.Steps(ctx, 1); err != nil {
			t.Fatalf("Steps(1): %v", err)
		}
		wantVersion(t, m, 1, false)
		if got := schemaNames(t, s, "SHOW CONSTRAINTS", []string{p + "_thing_id"}); len(got) != 1 {
			t.Errorf("constraint %s_thing_id missing", p)
		}
		if err := m.Down(ctx, 0); err != nil {
			t.Fatalf("Down: %v", err)
		}
		wantVersion(t, m, 0, false)
	})
}

func TestCancelled(t *testing.T) {
	s := graphtest.Open(t)
	p := graphtest.Prefix(t)
	label := p + "_Thing"
	cleanupTestSchema(t, s, p, label)
	m, err := New(s, WithKey(p), WithSource(testSource(p, label), "m"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Up(ctx); graph.ErrorCode(err) != graph.EUNAVAILABLE || !errors.Is(err, context.Canceled) {
		t.Errorf("Up with a cancelled context: %v", err)
	}
	wantVersion(t, m, 0, false)
}

func TestLock(t *testing.T) {
	s := graphtest.Open(t)
	ctx := testContext(t)
	p := graphtest.Prefix(t)
	label := p + "_Thing"
	cleanupTestSchema(t, s, p, label)
	newTestDriver := func() *neo4jDriver {
		d, err := newDriver(s, p, nil, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	d1, d2 := newTestDriver(), newTestDriver()

	if err := d1.lock(ctx); err != nil {
		t.Fatalf("first lock: %v", err)
	}
	if err := d1.lock(ctx); err != nil {
		t.Errorf("lock again by its holder: %v", err)
	}
	if err := d2.lock(ctx); !errors.Is(err, database.ErrLocked) {
		t.Errorf("second lock while held: %v, want ErrLocked", err)
	}
	if err := d2.unlock(ctx); !errors.Is(err, database.ErrNotLocked) {
		t.Errorf("unlock by a non-holder: %v, want ErrNotLocked", err)
	}

	// A Migrator on the same key must not run while the lock is held (and, told not to wait,
	// says so at once).
	m, err := New(s, WithKey(p), WithSource(testSource(p, label), "m"), WithLockWait(0))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	err = m.Steps(ctx, 1)
	if graph.ErrorCode(err) != graph.ECONFLICT || !errors.Is(err, database.ErrLocked) {
		t.Errorf("Steps while locked: %v, want ECONFLICT wrapping ErrLocked", err)
	}
	wantVersion(t, m, 0, false)

	if err := d1.unlock(ctx); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	if err := d2.lock(ctx); err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}

	// A lock whose holder has shown no sign of life for lockExpiry is taken over.
	query(t, s, "MATCH (l:SchemaMigrationLock {key: $key}) SET l.at = datetime() - duration({seconds: $age})",
		map[string]any{"key": p, "age": int64(lockExpiry/time.Second) + 60})
	if err := d1.lock(ctx); err != nil {
		t.Fatalf("lock over an expired one: %v", err)
	}
	if err := d2.unlock(ctx); !errors.Is(err, database.ErrNotLocked) {
		t.Errorf("unlock of a lock taken over: %v, want ErrNotLocked", err)
	}
	if err := d1.unlock(ctx); err != nil {
		t.Fatalf("unlock: %v", err)
	}

	if err := m.Steps(ctx, 1); err != nil {
		t.Fatalf("Steps after unlock: %v", err)
	}
	if err := m.Down(ctx, 0); err != nil {
		t.Fatalf("Down: %v", err)
	}
	if got := query(t, s, "MATCH (l:SchemaMigrationLock {key: $key}) RETURN l.held", map[string]any{"key": p}); !slices.Equal(got, []any{false}) {
		t.Errorf("lock after the migrations: held = %v, want [false]", got)
	}
}

// TestLockRace takes the lock from many drivers at once: exactly one may win each round.
func TestLockRace(t *testing.T) {
	s := graphtest.Open(t)
	ctx := testContext(t)
	p := graphtest.Prefix(t)
	cleanupTestSchema(t, s, p, p+"_Thing")
	drivers := make([]*neo4jDriver, 8)
	for i := range drivers {
		d, err := newDriver(s, p, nil, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		drivers[i] = d
	}
	for round := range 5 {
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			winners []*neo4jDriver
		)
		for _, d := range drivers {
			wg.Go(func() {
				err := d.lock(ctx)
				switch {
				case err == nil:
					mu.Lock()
					winners = append(winners, d)
					mu.Unlock()
				case !errors.Is(err, database.ErrLocked):
					t.Errorf("round %d: lock: %v", round, err)
				}
			})
		}
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("round %d: %d drivers took the lock, want 1", round, len(winners))
		}
		if err := winners[0].unlock(ctx); err != nil {
			t.Fatalf("round %d: unlock: %v", round, err)
		}
	}
}

func TestNewAndOpen(t *testing.T) {
	if _, err := New(nil); graph.ErrorCode(err) != graph.EINVALID {
		t.Errorf("New(nil): %v, want %s", err, graph.EINVALID)
	}
	d := &neo4jDriver{}
	if _, err := d.Open("neo4j://localhost"); err == nil || !strings.Contains(err.Error(), "migrations.New") {
		t.Errorf("Open by URL: %v, want an error pointing to migrations.New", err)
	}
	s := graphtest.Open(t)
	if _, err := New(s, WithKey("")); graph.ErrorCode(err) != graph.EINVALID {
		t.Errorf("New with an empty key: %v, want %s", err, graph.EINVALID)
	}
	if _, err := New(s, WithSource(fstest.MapFS{"m/readme.txt": {Data: []byte("x")}}, "m")); graph.ErrorCode(err) != graph.EINVALID {
		t.Errorf("New without migrations: %v, want %s", err, graph.EINVALID)
	}
	m, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got := m.Latest(); got != latest {
		t.Errorf("Latest = %d, want %d", got, latest)
	}
}

// TestDropQueries checks the queries of Drop without running it: Drop empties the whole
// database, which the tests share. The listings are read-only; the delete is only planned.
func TestDropQueries(t *testing.T) {
	s := graphtest.Open(t)
	ctx := testContext(t)
	d, err := newDriver(s, graphtest.Prefix(t), nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.ensureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := d.read(ctx, dropListConstraints, map[string]any{"keep": []any{versionConstraint, lockConstraint}})
	if err != nil {
		t.Fatalf("list constraints: %v", err)
	}
	for _, r := range res.Records {
		if name := r.Values[0].(string); name == versionConstraint || name == lockConstraint {
			t.Errorf("Drop would drop bookkeeping constraint %s", name)
		}
	}
	res, err = d.read(ctx, dropListIndexes, nil)
	if err != nil {
		t.Fatalf("list indexes: %v", err)
	}
	for _, r := range res.Records {
		if name := r.Values[0].(string); strings.HasSuffix(name, "_id_unique") || strings.HasPrefix(name, "index_") {
			t.Errorf("Drop would drop index %s, which backs a constraint or is a LOOKUP index", name)
		}
	}
	sess := d.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	r, err := sess.Run(ctx, "EXPLAIN "+dropNodes, nil)
	if err == nil {
		_, err = r.Consume(ctx)
	}
	if err != nil {
		t.Errorf("plan the delete of Drop: %v", err)
	}
}
