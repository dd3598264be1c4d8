package graph

import (
	"context"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// ServerInfo describes the Neo4j server and the plugins Crosslink depends on, as the server
// itself reports them.
type ServerInfo struct {
	Neo4jVersion string
	Neo4jEdition string
	GDSVersion   string
	APOCVersion  string
}

// FindServerInfo asks Neo4j for its version and those of GDS and APOC. It returns EUNAVAILABLE
// when Neo4j cannot be reached and EINTERNAL when a plugin is missing.
func (s *Store) FindServerInfo(ctx context.Context) (ServerInfo, error) {
	res, err := neo4j.ExecuteQuery(ctx, s.driver, `
		CALL dbms.components() YIELD name, versions, edition
		WHERE name = 'Neo4j Kernel'
		RETURN versions[0] AS neo4j, edition, gds.version() AS gds, apoc.version() AS apoc`,
		nil, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase(s.db), neo4j.ExecuteQueryWithReadersRouting())
	if err != nil {
		return ServerInfo{}, translate("read server info", err)
	}
	if len(res.Records) != 1 {
		return ServerInfo{}, Errorf(EINTERNAL, "read server info: dbms.components() has no Neo4j Kernel")
	}
	rec := res.Records[0]
	var info ServerInfo
	for key, dst := range map[string]*string{"neo4j": &info.Neo4jVersion, "edition": &info.Neo4jEdition, "gds": &info.GDSVersion, "apoc": &info.APOCVersion} {
		v, _, err := neo4j.GetRecordValue[string](rec, key)
		if err != nil {
			return ServerInfo{}, translate("read server info "+key, err)
		}
		*dst = v
	}
	return info, nil
}

// SystemInfo is what Crosslink reports about itself and its database: its own version, the
// server's, and the state of the schema migrations.
type SystemInfo struct {
	Version                string
	Neo4jVersion           string
	Neo4jEdition           string
	GDSVersion             string
	APOCVersion            string
	MigrationVersion       int
	LatestMigrationVersion int
	MigrationDirty         bool
}
