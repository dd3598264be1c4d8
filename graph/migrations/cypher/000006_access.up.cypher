// API keys and the audit log (graph/access.go, graph/audit.go): neither is an Entity, so no
// investigation query sees them. Keys are found by id on every request; audit entries are read
// newest first and filtered by key.
CREATE CONSTRAINT api_key_id_unique IF NOT EXISTS FOR (k:ApiKey) REQUIRE k.id IS UNIQUE;
CREATE CONSTRAINT audit_entry_id_unique IF NOT EXISTS FOR (a:AuditEntry) REQUIRE a.id IS UNIQUE;
CREATE INDEX audit_entry_at_index IF NOT EXISTS FOR (a:AuditEntry) ON (a.at);
CREATE INDEX audit_entry_key_index IF NOT EXISTS FOR (a:AuditEntry) ON (a.keyId);

CALL db.awaitIndexes(300);
