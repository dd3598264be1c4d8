DROP INDEX community_run_created_at_index IF EXISTS;
DROP CONSTRAINT community_key_unique IF EXISTS;
DROP CONSTRAINT community_run_id_unique IF EXISTS;
