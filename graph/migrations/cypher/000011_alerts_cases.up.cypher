// Alerts and cases (graph/alerts.go, graph/cases.go). An Alert per raised risk score (found by
// id; a subject's latest by subject and time), with its AlertEvent history; a Case with its notes,
// saved views and CaseEvent history. None of these labels is an Entity, so investigation queries
// never see them as data.
CREATE CONSTRAINT alert_id_unique IF NOT EXISTS FOR (a:Alert) REQUIRE a.id IS UNIQUE;
CREATE CONSTRAINT case_id_unique IF NOT EXISTS FOR (c:Case) REQUIRE c.id IS UNIQUE;
CREATE INDEX alert_subject_index IF NOT EXISTS FOR (a:Alert) ON (a.subject);
CREATE INDEX alert_status_risk_index IF NOT EXISTS FOR (a:Alert) ON (a.status, a.risk);
CREATE INDEX case_status_index IF NOT EXISTS FOR (c:Case) ON (c.status);

CALL db.awaitIndexes(300);
