// Detection (graph/detection.go). A Signal per rule firing for one subject (found by id, which
// MERGE uses; by subject for an entity's signals; by rule for the rule's list), a RiskScore per
// subject with signals (found by subject; the alert queue and the communities' risk share read
// it by risk), and a DetectionRun per run. None of these labels is an Entity, so investigation
// queries never see them as data. Runs take the (:ResolutionLock {key: 'detection'}) lease of
// 000009.
CREATE CONSTRAINT signal_id_unique IF NOT EXISTS FOR (s:Signal) REQUIRE s.id IS UNIQUE;
CREATE CONSTRAINT risk_score_subject_unique IF NOT EXISTS FOR (r:RiskScore) REQUIRE r.subject IS UNIQUE;
CREATE CONSTRAINT detection_run_id_unique IF NOT EXISTS FOR (r:DetectionRun) REQUIRE r.id IS UNIQUE;
CREATE INDEX signal_subject_index IF NOT EXISTS FOR (s:Signal) ON (s.subject);
CREATE INDEX signal_rule_index IF NOT EXISTS FOR (s:Signal) ON (s.rule);
CREATE INDEX risk_score_risk_index IF NOT EXISTS FOR (r:RiskScore) ON (r.risk);
CREATE INDEX detection_run_started_at_index IF NOT EXISTS FOR (r:DetectionRun) ON (r.startedAt);

CALL db.awaitIndexes(300);
