DROP CONSTRAINT resolution_lock_key_unique IF EXISTS;
