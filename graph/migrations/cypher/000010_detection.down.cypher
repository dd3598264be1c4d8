// Removes the indexes and constraints of 000010; signals, risk scores and runs stay as data.
DROP INDEX detection_run_started_at_index IF EXISTS;
DROP INDEX risk_score_risk_index IF EXISTS;
DROP INDEX signal_rule_index IF EXISTS;
DROP INDEX signal_subject_index IF EXISTS;
DROP CONSTRAINT detection_run_id_unique IF EXISTS;
DROP CONSTRAINT risk_score_subject_unique IF EXISTS;
DROP CONSTRAINT signal_id_unique IF EXISTS;
