// Entity resolution (graph/resolution.go). A ResolvedEntity per cluster of records (found by
// id, which MERGE and the API look up), an append-only Judgement per human verdict (the standing
// verdict of a pair is its latest: found by pair, a record's history by either end), and a
// ResolutionRun per run (the latest full run gives incremental runs their model). MATCHES holds
// the scored pairs: the review queue reads it by status, most probable first. None of these
// labels is an Entity, so investigation queries never see them as data.
CREATE CONSTRAINT resolved_entity_id_unique IF NOT EXISTS FOR (e:ResolvedEntity) REQUIRE e.id IS UNIQUE;
CREATE CONSTRAINT judgement_id_unique IF NOT EXISTS FOR (j:Judgement) REQUIRE j.id IS UNIQUE;
CREATE CONSTRAINT resolution_run_id_unique IF NOT EXISTS FOR (r:ResolutionRun) REQUIRE r.id IS UNIQUE;
CREATE INDEX judgement_pair_index IF NOT EXISTS FOR (j:Judgement) ON (j.pair);
CREATE INDEX judgement_a_index IF NOT EXISTS FOR (j:Judgement) ON (j.a);
CREATE INDEX judgement_b_index IF NOT EXISTS FOR (j:Judgement) ON (j.b);
CREATE INDEX resolution_run_started_at_index IF NOT EXISTS FOR (r:ResolutionRun) ON (r.startedAt);
CREATE INDEX matches_status_probability_index IF NOT EXISTS FOR ()-[m:MATCHES]-() ON (m.status, m.probability);

CALL db.awaitIndexes(300);
