package server

import (
	"context"
	"fmt"

	"github.com/crosslink/crosslink/graph"
)

// Schema reports the state of the schema migrations (implemented by migrations.Migrator).
type Schema interface {
	// Version is the applied migration version (0 when none) and whether the last one failed
	// part-way.
	Version(ctx context.Context) (version uint, dirty bool, err error)
	// Latest is the highest migration version this build knows.
	Latest() uint
}

// Status answers what Crosslink runs on and whether it can serve: Neo4j reachable and its
// schema current.
type Status struct {
	Store   *graph.Store
	Schema  Schema
	Version string // Crosslink's own version
}

// Info reads the versions of Crosslink, Neo4j, GDS, APOC and the schema, live from Neo4j.
func (s *Status) Info(ctx context.Context) (graph.SystemInfo, error) {
	srv, err := s.Store.FindServerInfo(ctx)
	if err != nil {
		return graph.SystemInfo{}, err
	}
	v, dirty, err := s.Schema.Version(ctx)
	if err != nil {
		return graph.SystemInfo{}, err
	}
	return graph.SystemInfo{
		Version:                s.Version,
		Neo4jVersion:           srv.Neo4jVersion,
		Neo4jEdition:           srv.Neo4jEdition,
		GDSVersion:             srv.GDSVersion,
		APOCVersion:            srv.APOCVersion,
		MigrationVersion:       int(v),
		LatestMigrationVersion: int(s.Schema.Latest()),
		MigrationDirty:         dirty,
	}, nil
}

// Readiness is the answer of /readyz.
type Readiness struct {
	Ready            bool   `json:"ready"`
	Neo4j            string `json:"neo4j"`
	MigrationVersion uint   `json:"migrationVersion"`
	LatestMigration  uint   `json:"latestMigration"`
	Reason           string `json:"reason,omitempty"`
}

// Ready checks that Neo4j answers and that every migration of this build is applied cleanly.
func (s *Status) Ready(ctx context.Context) Readiness {
	r := Readiness{Neo4j: "ok", LatestMigration: s.Schema.Latest()}
	if err := s.Store.Ping(ctx); err != nil {
		r.Neo4j = "unreachable"
		r.Reason = graph.ErrorMessage(err)
		return r
	}
	v, dirty, err := s.Schema.Version(ctx)
	r.MigrationVersion = v
	switch {
	case err != nil:
		r.Reason = "cannot read the migration version: " + graph.ErrorMessage(err)
	case dirty:
		r.Reason = fmt.Sprintf("migration %d failed part-way; run `crosslink migrate force`", v)
	case v < r.LatestMigration:
		r.Reason = fmt.Sprintf("schema at migration %d of %d; run `crosslink migrate up`", v, r.LatestMigration)
	default:
		r.Ready = true
	}
	return r
}
