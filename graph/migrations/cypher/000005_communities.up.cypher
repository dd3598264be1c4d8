// Stored community detection runs (graph/communities.go): a CommunityRun per run, a Community
// per community of a run, keyed by run and rank, that MERGE finds through this constraint; runs
// are listed newest first.
CREATE CONSTRAINT community_run_id_unique IF NOT EXISTS FOR (r:CommunityRun) REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT community_key_unique IF NOT EXISTS FOR (c:Community) REQUIRE (c.runId, c.communityId) IS UNIQUE;
CREATE INDEX community_run_created_at_index IF NOT EXISTS FOR (r:CommunityRun) ON (r.createdAt);

CALL db.awaitIndexes(300);
