// Back to a unique constraint on Transaction.id as 000001 made it.
CREATE CONSTRAINT transaction_id_unique IF NOT EXISTS FOR (n:Transaction) REQUIRE n.id IS UNIQUE;

CALL db.awaitIndexes(300);
