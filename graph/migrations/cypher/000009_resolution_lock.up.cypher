// One resolution run at a time across processes (crosslink serve's background runs, crosslink
// load, crosslink resolve): a run holds the (:ResolutionLock {key}) lease, renewing it while it
// runs; a crashed holder's lease lapses. The constraint makes taking it with MERGE race-free.
CREATE CONSTRAINT resolution_lock_key_unique IF NOT EXISTS FOR (l:ResolutionLock) REQUIRE l.key IS UNIQUE;

CALL db.awaitIndexes(300);
