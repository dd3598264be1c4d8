// Removes the indexes and constraints of 000006; keys and audit entries stay as data.
DROP INDEX audit_entry_key_index IF EXISTS;
DROP INDEX audit_entry_at_index IF EXISTS;
DROP CONSTRAINT audit_entry_id_unique IF EXISTS;
DROP CONSTRAINT api_key_id_unique IF EXISTS;
