// Transactions are found by id through entity_id_unique, like every entity (queries match
// (t:Entity:Transaction {id: ...})): the second unique index on the same ids cost an index
// update per transaction written for nothing. Without it the writer and Neo4j's own floor both
// wrote 25-40 % more transactions per second (docs/benchmarks.md).
DROP CONSTRAINT transaction_id_unique IF EXISTS;
