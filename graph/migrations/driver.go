package migrations

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/golang-migrate/migrate/v4/database"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/crosslink/crosslink/graph"
)

// lockExpiry is how long a migration lock protects its holder without a sign of life. A process
// that dies holding the lock blocks migrations for at most this long; a live holder renews it
// before each migration it runs (SetVersion).
const lockExpiry = 15 * time.Minute

// bookTimeout bounds the bookkeeping writes (version, unlock) that must happen even when the
// operation's context is cancelled, so the database does not stay locked or wrongly clean.
const bookTimeout = 30 * time.Second

// Names of the constraints that keep the bookkeeping nodes unique. MERGE is only safe under
// concurrency with a unique constraint behind its key, and the lock depends on that. Drop keeps
// them.
const (
	versionConstraint = "schema_migration_key_unique"
	lockConstraint    = "schema_migration_lock_key_unique"
)

// bookkeepingSchema creates those constraints. The statements are idempotent.
var bookkeepingSchema = []string{
	"CREATE CONSTRAINT " + versionConstraint + " IF NOT EXISTS FOR (v:SchemaMigration) REQUIRE v.key IS UNIQUE",
	"CREATE CONSTRAINT " + lockConstraint + " IF NOT EXISTS FOR (l:SchemaMigrationLock) REQUIRE l.key IS UNIQUE",
}

// neo4jDriver is a golang-migrate database.Driver for Neo4j 5 on the v5 Go driver.
//
// The applied version lives in one (:SchemaMigration {key}) node, the lock in one
// (:SchemaMigrationLock {key}) node; key keeps separate histories (tests) apart. golang-migrate
// calls the interface methods without a context: they use the context of the Migrator operation
// under way (setContext).
type neo4jDriver struct {
	store *graph.Store
	key   string
	owner string // identifies this driver's hold on the lock
	names map[uint]string
	log   *slog.Logger

	mu          sync.Mutex
	ctx         context.Context
	schemaReady bool
	started     time.Time // when the migration under way was marked dirty
	from        int       // the version before it
}

var _ database.Driver = (*neo4jDriver)(nil)

// newDriver returns a driver for the given key. names maps migration versions to their names,
// for the log.
func newDriver(store *graph.Store, key string, names map[uint]string, log *slog.Logger) (*neo4jDriver, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("lock owner token: %w", err)
	}
	host, _ := os.Hostname()
	return &neo4jDriver{
		store: store,
		key:   key,
		owner: fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:])),
		names: names,
		log:   log,
		ctx:   context.Background(),
	}, nil
}

// setContext sets the context of the interface methods for one Migrator operation and returns
// a function that restores the previous one. It forgets a migration left unfinished by an
// earlier operation, so that a later Force is not logged as that migration applied.
func (d *neo4jDriver) setContext(ctx context.Context) (restore func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	prev := d.ctx
	d.ctx = ctx
	d.started = time.Time{}
	return func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.ctx = prev
	}
}

func (d *neo4jDriver) context() context.Context {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ctx
}

// bookContext returns a context for bookkeeping writes: not cancelled with the operation, but
// bounded.
func (d *neo4jDriver) bookContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(d.context()), bookTimeout)
}

// session opens a session on the store's database, sharing ExecuteQuery's bookmark manager so
// that reads through ExecuteQuery see the writes made here, even on a cluster.
func (d *neo4jDriver) session(ctx context.Context, mode neo4j.AccessMode) neo4j.SessionWithContext {
	drv := d.store.Driver()
	return drv.NewSession(ctx, neo4j.SessionConfig{
		DatabaseName:    d.store.Database(),
		AccessMode:      mode,
		BookmarkManager: drv.ExecuteQueryBookmarkManager(),
	})
}

// write runs work in a managed write transaction, which the driver retries on transient errors.
// work must be idempotent.
func (d *neo4jDriver) write(ctx context.Context, work neo4j.ManagedTransactionWork) (any, error) {
	s := d.session(ctx, neo4j.AccessModeWrite)
	defer s.Close(ctx)
	return s.ExecuteWrite(ctx, work)
}

// read runs one read query, routed to readers.
func (d *neo4jDriver) read(ctx context.Context, query string, params map[string]any) (*neo4j.EagerResult, error) {
	return neo4j.ExecuteQuery(ctx, d.store.Driver(), query, params, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase(d.store.Database()), neo4j.ExecuteQueryWithReadersRouting())
}

// Open is not supported: golang-migrate opens drivers by URL, Crosslink hands over its Store.
func (d *neo4jDriver) Open(string) (database.Driver, error) {
	return nil, errors.New("the crosslink neo4j migration driver cannot be opened by URL: use migrations.New with a *graph.Store")
}

// Close does nothing: the Store belongs to the caller, who closes it.
func (d *neo4jDriver) Close() error { return nil }

// ensureSchema creates the bookkeeping constraints once per driver. Schema statements cannot
// share a transaction with data writes, so this runs before the lock is first taken.
func (d *neo4jDriver) ensureSchema(ctx context.Context) error {
	d.mu.Lock()
	ready := d.schemaReady
	d.mu.Unlock()
	if ready {
		return nil
	}
	for _, stmt := range bookkeepingSchema {
		_, err := d.write(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
			res, err := tx.Run(ctx, stmt, nil)
			if err != nil {
				return nil, err
			}
			return res.Consume(ctx)
		})
		if err != nil {
			return fmt.Errorf("create migration bookkeeping constraints: %w", err)
		}
	}
	d.mu.Lock()
	d.schemaReady = true
	d.mu.Unlock()
	return nil
}

// Lock takes the migration lock for d.key, or returns database.ErrLocked at once when another
// driver holds it and it has not expired.
func (d *neo4jDriver) Lock() error { return d.lock(d.context()) }

func (d *neo4jDriver) lock(ctx context.Context) error {
	if err := d.ensureSchema(ctx); err != nil {
		return err
	}
	// Writing l.claim first takes the node's write lock, so the test of l.held below reads the
	// state after any concurrent taker committed: without it two transactions could both read
	// held = false and both take the lock (Neo4j reads are read-committed).
	const query = `
		MERGE (l:SchemaMigrationLock {key: $key})
		ON CREATE SET l.held = false
		SET l.claim = $owner
		WITH l
		WHERE NOT coalesce(l.held, false) OR l.owner = $owner OR l.at < datetime() - duration({seconds: $expiry})
		SET l.held = true, l.owner = $owner, l.at = datetime()
		RETURN l.owner AS owner`
	params := map[string]any{"key": d.key, "owner": d.owner, "expiry": int64(lockExpiry / time.Second)}
	got, err := d.write(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, query, params)
		if err != nil {
			return nil, err
		}
		recs, err := res.Collect(ctx)
		if err != nil {
			return nil, err
		}
		return len(recs) == 1, nil
	})
	if err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	if !got.(bool) {
		return database.ErrLocked
	}
	return nil
}

// Unlock releases the lock that this driver holds; database.ErrNotLocked when it holds none
// (it was never taken, or it expired and another driver took it).
func (d *neo4jDriver) Unlock() error {
	ctx, cancel := d.bookContext()
	defer cancel()
	return d.unlock(ctx)
}

func (d *neo4jDriver) unlock(ctx context.Context) error {
	const query = `
		MATCH (l:SchemaMigrationLock {key: $key})
		WHERE l.held AND l.owner = $owner
		SET l.held = false, l.at = datetime()
		REMOVE l.owner, l.claim
		RETURN count(*) AS n`
	got, err := d.write(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, query, map[string]any{"key": d.key, "owner": d.owner})
		if err != nil {
			return nil, err
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return nil, err
		}
		n, _, err := neo4j.GetRecordValue[int64](rec, "n")
		return n, err
	})
	if err != nil {
		return fmt.Errorf("release migration lock: %w", err)
	}
	if got.(int64) == 0 {
		return database.ErrNotLocked
	}
	return nil
}

// Run splits a migration file into statements and runs each in its own auto-commit
// transaction: Neo4j 5 refuses schema changes and data writes in one transaction, and
// CALL { … } IN TRANSACTIONS only runs in an auto-commit one. It stops at the first failure
// and says which statement failed; the statements before it stay applied.
func (d *neo4jDriver) Run(migration io.Reader) error { return d.run(d.context(), migration) }

func (d *neo4jDriver) run(ctx context.Context, migration io.Reader) error {
	text, err := io.ReadAll(migration)
	if err != nil {
		return fmt.Errorf("read migration: %w", err)
	}
	stmts, err := splitStatements(string(text))
	if err != nil {
		return fmt.Errorf("parse migration: %w", err)
	}
	s := d.session(ctx, neo4j.AccessModeWrite)
	defer s.Close(ctx)
	for i, stmt := range stmts {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("statement %d (%s): not run: %w", i+1, excerpt(stmt, 80), err)
		}
		res, err := s.Run(ctx, stmt, nil)
		if err == nil {
			_, err = res.Consume(ctx)
		}
		if err != nil {
			return fmt.Errorf("statement %d (%s): %w", i+1, excerpt(stmt, 80), err)
		}
	}
	return nil
}

// SetVersion records the applied version and whether a migration to it is under way (dirty).
// Before a migration runs, golang-migrate marks its target version dirty; the previous version
// is kept beside it so that a failure can be explained (up or down, and what to force). Setting
// database.NilVersion clean removes the node. It also renews this driver's lock, so a long run
// of migrations keeps it.
func (d *neo4jDriver) SetVersion(version int, dirty bool) error {
	if version < database.NilVersion {
		return fmt.Errorf("set migration version %d: must be >= %d", version, database.NilVersion)
	}
	ctx, cancel := d.bookContext()
	defer cancel()
	query := `
		MERGE (v:SchemaMigration {key: $key})
		WITH v, coalesce(v.version, -1) AS before
		SET v.version = $version, v.dirty = $dirty, v.at = datetime(),
		    v.previous = CASE WHEN $dirty THEN before ELSE null END
		RETURN before`
	if version == database.NilVersion && !dirty {
		query = `
			OPTIONAL MATCH (v:SchemaMigration {key: $key})
			WITH v, coalesce(v.version, -1) AS before
			DELETE v
			RETURN before`
	}
	params := map[string]any{"key": d.key, "version": int64(version), "dirty": dirty, "owner": d.owner}
	got, err := d.write(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, query, params)
		if err != nil {
			return nil, err
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return nil, err
		}
		before, _, err := neo4j.GetRecordValue[int64](rec, "before")
		if err != nil {
			return nil, err
		}
		res, err = tx.Run(ctx, `
			MATCH (l:SchemaMigrationLock {key: $key})
			WHERE l.held AND l.owner = $owner
			SET l.at = datetime()`, params)
		if err != nil {
			return nil, err
		}
		if _, err := res.Consume(ctx); err != nil {
			return nil, err
		}
		return int(before), nil
	})
	if err != nil {
		return fmt.Errorf("set migration version %d (dirty %t): %w", version, dirty, err)
	}
	d.logStep(got.(int), version, dirty)
	return nil
}

// logStep logs a finished migration: golang-migrate marks each one dirty before it runs and
// clean after. It logs versions and names only.
func (d *neo4jDriver) logStep(before, version int, dirty bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if dirty {
		d.started, d.from = time.Now(), before
		return
	}
	if d.started.IsZero() {
		return // a forced version, logged by the Migrator
	}
	ms := time.Since(d.started).Milliseconds()
	d.started = time.Time{}
	if version >= d.from {
		d.log.Info("migration applied", "key", d.key, "version", version, "name", d.names[uint(version)], "duration_ms", ms)
	} else {
		d.log.Info("migration undone", "key", d.key, "version", d.from, "name", d.names[uint(d.from)], "now_at", max(version, 0), "duration_ms", ms)
	}
}

// state is the content of the version node.
type state struct {
	version  int  // database.NilVersion when no migration is applied
	dirty    bool // a migration to version was started and did not finish
	previous int  // when dirty: the version before it (NilVersion if none or unknown)
}

// Version returns the applied version, database.NilVersion when there is none, and whether a
// migration to it failed part-way.
func (d *neo4jDriver) Version() (int, bool, error) {
	st, err := d.version(d.context())
	return st.version, st.dirty, err
}

func (d *neo4jDriver) version(ctx context.Context) (state, error) {
	res, err := d.read(ctx, `
		MATCH (v:SchemaMigration {key: $key})
		RETURN v.version AS version, coalesce(v.dirty, false) AS dirty, coalesce(v.previous, -1) AS previous`,
		map[string]any{"key": d.key})
	if err != nil {
		return state{version: database.NilVersion}, fmt.Errorf("read migration version: %w", err)
	}
	switch len(res.Records) {
	case 0:
		return state{version: database.NilVersion, previous: database.NilVersion}, nil
	case 1:
	default:
		return state{version: database.NilVersion}, fmt.Errorf("read migration version: %d version nodes for key %q", len(res.Records), d.key)
	}
	rec := res.Records[0]
	v, _, err := neo4j.GetRecordValue[int64](rec, "version")
	if err != nil {
		return state{version: database.NilVersion}, fmt.Errorf("read migration version: %w", err)
	}
	dirty, _, err := neo4j.GetRecordValue[bool](rec, "dirty")
	if err != nil {
		return state{version: database.NilVersion}, fmt.Errorf("read migration dirty flag: %w", err)
	}
	prev, _, err := neo4j.GetRecordValue[int64](rec, "previous")
	if err != nil {
		return state{version: database.NilVersion}, fmt.Errorf("read previous migration version: %w", err)
	}
	return state{version: int(v), dirty: dirty, previous: int(prev)}, nil
}

// The queries of Drop.
const (
	dropListConstraints = `
		SHOW CONSTRAINTS YIELD name
		WHERE NOT name IN $keep
		RETURN name`
	// Indexes that back a constraint went with it, or belong to a kept one.
	dropListIndexes = `
		SHOW INDEXES YIELD name, type, owningConstraint
		WHERE type <> 'LOOKUP' AND owningConstraint IS NULL
		RETURN name`
	// CALL { … } IN TRANSACTIONS needs an auto-commit transaction.
	dropNodes = `
		MATCH (n) WHERE NOT n:SchemaMigrationLock
		CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`
)

// Drop empties the database: it drops every constraint and every index except the LOOKUP
// indexes and the bookkeeping constraints, then deletes every node except the lock nodes
// (the caller holds one) in batches. Version nodes go too, so every key is back at no version.
func (d *neo4jDriver) Drop() error {
	ctx := d.context()
	res, err := d.read(ctx, dropListConstraints, map[string]any{"keep": []any{versionConstraint, lockConstraint}})
	if err != nil {
		return fmt.Errorf("drop: list constraints: %w", err)
	}
	if err := d.dropEach(ctx, "DROP CONSTRAINT $name IF EXISTS", res); err != nil {
		return err
	}
	res, err = d.read(ctx, dropListIndexes, nil)
	if err != nil {
		return fmt.Errorf("drop: list indexes: %w", err)
	}
	if err := d.dropEach(ctx, "DROP INDEX $name IF EXISTS", res); err != nil {
		return err
	}
	s := d.session(ctx, neo4j.AccessModeWrite)
	defer s.Close(ctx)
	r, err := s.Run(ctx, dropNodes, nil)
	if err == nil {
		_, err = r.Consume(ctx)
	}
	if err != nil {
		return fmt.Errorf("drop: delete nodes: %w", err)
	}
	return nil
}

// dropEach runs stmt (DROP … $name IF EXISTS) for each name in res's "name" column. Neo4j 5
// takes the name of a constraint or index as a parameter, so no name is formatted into Cypher.
func (d *neo4jDriver) dropEach(ctx context.Context, stmt string, res *neo4j.EagerResult) error {
	s := d.session(ctx, neo4j.AccessModeWrite)
	defer s.Close(ctx)
	for _, rec := range res.Records {
		name, _, err := neo4j.GetRecordValue[string](rec, "name")
		if err != nil {
			return fmt.Errorf("drop: read name: %w", err)
		}
		r, err := s.Run(ctx, stmt, map[string]any{"name": name})
		if err == nil {
			_, err = r.Consume(ctx)
		}
		if err != nil {
			return fmt.Errorf("drop %s: %w", name, err)
		}
	}
	return nil
}
