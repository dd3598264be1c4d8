// Removes the indexes and constraints of 000008; resolved entities, judgements, runs and
// MATCHES stay as data.
DROP INDEX matches_status_probability_index IF EXISTS;
DROP INDEX resolution_run_started_at_index IF EXISTS;
DROP INDEX judgement_b_index IF EXISTS;
DROP INDEX judgement_a_index IF EXISTS;
DROP INDEX judgement_pair_index IF EXISTS;
DROP CONSTRAINT resolution_run_id_unique IF EXISTS;
DROP CONSTRAINT judgement_id_unique IF EXISTS;
DROP CONSTRAINT resolved_entity_id_unique IF EXISTS;
