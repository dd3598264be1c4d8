// Removes the indexes and constraints of 000011; alerts and cases stay as data.
DROP INDEX case_status_index IF EXISTS;
DROP INDEX alert_status_risk_index IF EXISTS;
DROP INDEX alert_subject_index IF EXISTS;
DROP CONSTRAINT case_id_unique IF EXISTS;
DROP CONSTRAINT alert_id_unique IF EXISTS;
