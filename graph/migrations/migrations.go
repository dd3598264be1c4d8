// Package migrations keeps the Neo4j schema of Crosslink (constraints and indexes) in numbered
// .cypher files and applies them with golang-migrate's core.
//
// The files live in cypher/ and are embedded: NNNNNN_name.up.cypher applies a change,
// NNNNNN_name.down.cypher undoes it. A file holds one or more statements, each ended by `;`;
// each runs in its own auto-commit transaction, because Neo4j 5 refuses schema changes and data
// writes in one transaction. Every statement uses IF [NOT] EXISTS, so a file can be re-run
// after a failure part-way.
//
// golang-migrate's own database/neo4j driver speaks the Neo4j 4 protocol and syntax; this
// package has its own driver on the v5 Go driver. The applied version is kept in a
// (:SchemaMigration {key}) node and a (:SchemaMigrationLock {key}) node keeps two processes
// from migrating at once.
package migrations

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	"github.com/golang-migrate/migrate/v4/source"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/crosslink/crosslink/graph"
)

//go:embed cypher/*.cypher
var files embed.FS

// DefaultKey is the key of Crosslink's own version node and lock.
const DefaultKey = "crosslink"

// Migrator applies the migrations to one Neo4j database. It is safe for concurrent use: its
// operations run one at a time, and the database lock keeps Migrators in other processes out.
type Migrator struct {
	src      source.Driver
	drv      *neo4jDriver
	log      *slog.Logger
	versions []uint // ascending
	names    map[uint]string

	lockWait time.Duration

	mu sync.Mutex // golang-migrate runs one operation at a time per instance
}

// Option configures a Migrator.
type Option func(*options)

type options struct {
	lockWait time.Duration
	key      string
	fsys     fs.FS
	dir      string
	log      *slog.Logger
}

// WithKey sets the key of the version node and of the lock (default DefaultKey). Tests use
// their own key, so that their migrations keep a history apart from Crosslink's.
func WithKey(key string) Option { return func(o *options) { o.key = key } }

// WithSource takes the migration files from dir in fsys instead of the embedded ones (tests).
func WithSource(fsys fs.FS, dir string) Option {
	return func(o *options) { o.fsys, o.dir = fsys, dir }
}

// WithLockWait sets how long an operation waits for another process's migration to finish
// before it fails with ECONFLICT (default 2 minutes; 0 fails at once).
func WithLockWait(d time.Duration) Option { return func(o *options) { o.lockWait = d } }

// WithLogger logs each migration applied or undone (version and name, never data) to log.
// Without it the Migrator is silent.
func WithLogger(log *slog.Logger) Option { return func(o *options) { o.log = log } }

// New returns a Migrator for the database of store, with the embedded migrations unless
// WithSource says otherwise. It does no I/O on the database. It returns EINVALID for a nil
// store, an empty key, or a source that cannot be read or holds no migrations.
func New(store *graph.Store, opts ...Option) (*Migrator, error) {
	o := options{lockWait: 2 * time.Minute, key: DefaultKey, fsys: files, dir: "cypher", log: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case store == nil:
		return nil, graph.Errorf(graph.EINVALID, "migrations: no store")
	case o.key == "":
		return nil, graph.Errorf(graph.EINVALID, "migrations: the version key is empty")
	case o.fsys == nil:
		return nil, graph.Errorf(graph.EINVALID, "migrations: no source file system")
	case o.log == nil:
		o.log = slog.New(slog.DiscardHandler)
	}
	src, err := iofs.New(o.fsys, o.dir)
	if err != nil {
		return nil, &graph.Error{Code: graph.EINVALID, Message: fmt.Sprintf("migrations: cannot read the files in %q", o.dir), Err: err}
	}
	versions, names, err := list(src)
	if err != nil {
		_ = src.Close()
		return nil, &graph.Error{Code: graph.EINVALID, Message: fmt.Sprintf("migrations: cannot list the files in %q", o.dir), Err: err}
	}
	if len(versions) == 0 {
		_ = src.Close()
		return nil, graph.Errorf(graph.EINVALID, "migrations: no NNNNNN_name.up.cypher files in %q", o.dir)
	}
	drv, err := newDriver(store, o.key, names, o.log)
	if err != nil {
		_ = src.Close()
		return nil, &graph.Error{Code: graph.EINTERNAL, Err: err}
	}
	return &Migrator{src: src, drv: drv, log: o.log, versions: versions, names: names, lockWait: o.lockWait}, nil
}

// list returns the versions in src, ascending, and their names.
func list(src source.Driver) ([]uint, map[uint]string, error) {
	var versions []uint
	names := map[uint]string{}
	v, err := src.First()
	for err == nil {
		versions = append(versions, v)
		names[v] = name(src, v)
		v, err = src.Next(v)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	return versions, names, nil
}

// name returns the name part of the files of version v ("entity_keys").
func name(src source.Driver, v uint) string {
	r, id, err := src.ReadUp(v)
	if err != nil {
		r, id, err = src.ReadDown(v)
	}
	if err != nil {
		return ""
	}
	_ = r.Close()
	return id
}

// Up applies every migration not applied yet. It returns nil when there is none. On failure
// it returns ECONFLICT when the database is left dirty or another process is migrating,
// EUNAVAILABLE when Neo4j cannot be reached or ctx ends first, EINTERNAL otherwise.
func (m *Migrator) Up(ctx context.Context) error {
	return m.do(ctx, "migrate up", true, func(mg *migrate.Migrate) error { return mg.Up() })
}

// Down undoes the last steps migrations, or all of them when steps <= 0. Errors as for Up, and
// EINVALID when fewer than steps migrations are applied (the ones there are are undone).
func (m *Migrator) Down(ctx context.Context, steps int) error {
	if steps <= 0 {
		return m.do(ctx, "migrate down", true, func(mg *migrate.Migrate) error { return mg.Down() })
	}
	return m.Steps(ctx, -steps)
}

// Steps applies the next n migrations (n > 0) or undoes the last -n (n < 0); 0 does nothing.
// Errors as for Up, and EINVALID when fewer than |n| migrations are there to run (those there
// are are run).
func (m *Migrator) Steps(ctx context.Context, n int) error {
	if n == 0 {
		return nil
	}
	return m.do(ctx, fmt.Sprintf("migrate %+d steps", n), true, func(mg *migrate.Migrate) error { return mg.Steps(n) })
}

// Goto migrates up or down to version; 0 undoes every migration (unless a migration 0
// exists). Errors as for Up, and EINVALID when no migration has that version.
func (m *Migrator) Goto(ctx context.Context, version uint) error {
	if version == 0 && !slices.Contains(m.versions, 0) {
		return m.Down(ctx, 0)
	}
	if !slices.Contains(m.versions, version) {
		return graph.Errorf(graph.EINVALID, "there is no migration %d (the latest is %d)", version, m.Latest())
	}
	return m.do(ctx, fmt.Sprintf("migrate to %d", version), true, func(mg *migrate.Migrate) error { return mg.Migrate(version) })
}

// Force records version as applied and clean without running anything: the way out of a dirty
// database once its state has been repaired by hand. 0 (or -1) records that no migration is
// applied (unless a migration 0 exists). It returns EINVALID for a version with no migration,
// ECONFLICT when another process is migrating.
func (m *Migrator) Force(ctx context.Context, version int) error {
	v := version
	switch {
	case v < 0 || v == 0 && !slices.Contains(m.versions, 0):
		v = database.NilVersion
	case !slices.Contains(m.versions, uint(v)):
		return graph.Errorf(graph.EINVALID, "there is no migration %d to force (the latest is %d)", version, m.Latest())
	}
	err := m.do(ctx, fmt.Sprintf("force version %d", version), false, func(mg *migrate.Migrate) error { return mg.Force(v) })
	if err == nil {
		m.log.Warn("migration version forced", "key", m.drv.key, "version", max(v, 0))
	}
	return err
}

// Version returns the version of the last migration applied and whether a migration failed
// part-way (dirty); 0, false when none is applied. It returns EUNAVAILABLE when Neo4j cannot
// be reached.
func (m *Migrator) Version(ctx context.Context) (version uint, dirty bool, err error) {
	st, err := m.drv.version(ctx)
	if err != nil {
		return 0, false, translate("read migration version", err)
	}
	return uint(max(st.version, 0)), st.dirty, nil
}

// Latest returns the highest version among the migration files.
func (m *Migrator) Latest() uint { return m.versions[len(m.versions)-1] }

// Pending reports whether Up has work to do or the database needs repair: the applied version
// is below Latest, or dirty. Errors as for Version.
func (m *Migrator) Pending(ctx context.Context) (bool, error) {
	st, err := m.drv.version(ctx)
	if err != nil {
		return false, translate("read migration version", err)
	}
	return st.dirty || st.version < int(m.Latest()), nil
}

// Close releases the migration source. The Store stays open: it belongs to the caller.
func (m *Migrator) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return errors.Join(m.src.Close(), m.drv.Close())
}

// do runs one golang-migrate operation with ctx, after checkState when check is set.
// golang-migrate has no contexts: the driver uses ctx for its queries, and the end of ctx asks
// golang-migrate to stop between two migrations (GracefulStop), never inside one. A fresh
// migrate.Migrate per operation keeps a stop from one operation out of the next.
func (m *Migrator) do(ctx context.Context, op string, check bool, f func(*migrate.Migrate) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return translate(op, err)
	}
	defer m.drv.setContext(ctx)()

	if check {
		if err := m.checkState(ctx); err != nil {
			return err
		}
	}
	// Another process migrating holds the lock: wait for it (servers starting together) until
	// it is released or ctx ends, rather than failing at once.
	var err error
	deadline := time.Now().Add(m.lockWait)
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		err = m.run(ctx, op, f)
		if !errors.Is(err, database.ErrLocked) && !errors.Is(err, migrate.ErrLocked) || time.Now().After(deadline) {
			break
		}
		m.log.Info("waiting for another process's migration", "op", op)
		select {
		case <-ctx.Done():
			return m.fail(ctx, op, err)
		case <-time.After(wait):
		}
	}
	if err == nil && ctx.Err() != nil {
		// Probably stopped between two migrations (or ctx ended just after the last): what ran
		// is recorded, and the caller learns that the work may be unfinished.
		err = ctx.Err()
	}
	return m.fail(ctx, op, err)
}

// run runs f once on a fresh migrate.Migrate (a stop request sticks to an instance).
func (m *Migrator) run(ctx context.Context, op string, f func(*migrate.Migrate) error) error {
	mg, err := migrate.NewWithInstance("iofs", m.src, "neo4j", m.drv)
	if err != nil {
		return translate(op, err)
	}
	stop := context.AfterFunc(ctx, func() { mg.GracefulStop <- true })
	defer stop()
	return f(mg)
}

// checkState refuses to work on a database that is dirty or at a version this build does not
// know (applied by a newer Crosslink), with a message that says what to do.
func (m *Migrator) checkState(ctx context.Context) error {
	st, err := m.drv.version(ctx)
	switch {
	case err != nil:
		return translate("read migration version", err)
	case st.dirty:
		return m.dirtyError(st, nil)
	case st.version >= 0 && !slices.Contains(m.versions, uint(st.version)):
		return graph.Errorf(graph.ECONFLICT,
			"the database is at migration %d, which this build of crosslink does not have (its latest is %d): run a newer build",
			st.version, m.Latest())
	}
	return nil
}

// fail turns the error of a golang-migrate operation into a *graph.Error. ErrNoChange is no
// error. When the operation left the database dirty, the error says how to repair it.
func (m *Migrator) fail(ctx context.Context, op string, err error) error {
	var (
		dirty migrate.ErrDirty
		short migrate.ErrShortLimit
	)
	switch {
	case err == nil, errors.Is(err, migrate.ErrNoChange):
		return nil
	case errors.As(err, &dirty):
		st, verr := m.diagnose(ctx)
		if verr != nil || !st.dirty {
			st = state{version: dirty.Version, dirty: true, previous: m.before(dirty.Version)}
		}
		return m.dirtyError(st, nil)
	case errors.Is(err, database.ErrLocked), errors.Is(err, migrate.ErrLocked), errors.Is(err, migrate.ErrLockTimeout):
		return &graph.Error{Code: graph.ECONFLICT, Err: err, Message: fmt.Sprintf(
			"another process is running migrations (lock %q); retry when it has finished (the lock of a process that died expires %s after it was taken)",
			m.drv.key, lockExpiry)}
	}
	if st, verr := m.diagnose(ctx); verr == nil && st.dirty {
		return m.dirtyError(st, err)
	}
	switch {
	case errors.As(err, &short):
		return &graph.Error{Code: graph.EINVALID, Err: err, Message: fmt.Sprintf(
			"%s: %d step(s) more than there are migrations to run; the others ran", op, short.Short)}
	case errors.Is(err, os.ErrNotExist):
		return &graph.Error{Code: graph.EINVALID, Err: err, Message: op + ": there is no migration to run in that direction"}
	}
	return translate(op, err)
}

// diagnose reads the state after a failure, even one caused by the end of ctx.
func (m *Migrator) diagnose(ctx context.Context) (state, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bookTimeout)
	defer cancel()
	return m.drv.version(ctx)
}

// dirtyError explains a dirty database: which migration failed, in which direction, and which
// version to force once the cause is fixed. cause, if any, is the failure itself.
func (m *Migrator) dirtyError(st state, cause error) error {
	const how = "fix the cause, then run `crosslink migrate force %d` (or `crosslink migrate force %d` if you %s by hand) and migrate again"
	var msg string
	if st.previous > st.version {
		// Undoing migration st.previous failed: it may still be (partly) applied.
		msg = fmt.Sprintf("undoing migration %s failed part-way and left the database dirty; "+how,
			m.label(st.previous), st.previous, max(st.version, 0), "finished undoing it")
	} else {
		prev := st.previous
		if prev < 0 || prev >= st.version {
			prev = m.before(st.version)
		}
		msg = fmt.Sprintf("migration %s failed part-way and left the database dirty; "+how,
			m.label(st.version), max(prev, 0), st.version, "completed it")
	}
	return &graph.Error{Code: graph.ECONFLICT, Message: msg, Err: cause}
}

// label names a migration for messages: "2 (lookup_indexes)".
func (m *Migrator) label(v int) string {
	if v < 0 {
		return "0"
	}
	if n := m.names[uint(v)]; n != "" {
		return fmt.Sprintf("%d (%s)", v, n)
	}
	return fmt.Sprint(v)
}

// before returns the version preceding v among the files, NilVersion when there is none.
func (m *Migrator) before(v int) int {
	prev := database.NilVersion
	for _, w := range m.versions {
		if int(w) < v {
			prev = int(w)
		}
	}
	return prev
}

// translate turns a driver or context error into a *graph.Error once, so that callers see
// codes. Errors that are already *graph.Error pass through.
func translate(op string, err error) error {
	var (
		ge   *graph.Error
		nerr *neo4j.Neo4jError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ge):
		return err
	case errors.Is(err, context.DeadlineExceeded):
		return &graph.Error{Code: graph.EUNAVAILABLE, Message: op + ": timed out", Err: err}
	case errors.Is(err, context.Canceled):
		return &graph.Error{Code: graph.EUNAVAILABLE, Message: op + ": cancelled", Err: err}
	case errors.As(err, &nerr) && strings.HasPrefix(nerr.Code, "Neo.TransientError."):
		return &graph.Error{Code: graph.EUNAVAILABLE, Message: op + ": neo4j is busy, retry later", Err: err}
	case neo4j.IsConnectivityError(err), errors.Is(err, syscall.ECONNREFUSED):
		return &graph.Error{Code: graph.EUNAVAILABLE, Message: op + ": neo4j cannot be reached", Err: err}
	}
	return &graph.Error{Code: graph.EINTERNAL, Err: fmt.Errorf("%s: %w", op, err)}
}
