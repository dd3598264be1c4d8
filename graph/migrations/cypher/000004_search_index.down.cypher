// Back to the search index of 000002_lookup_indexes.
DROP INDEX entity_search IF EXISTS;
CREATE FULLTEXT INDEX entity_search IF NOT EXISTS
FOR (n:Person|Organization|Company|UserAccount|Email|Phone|Handle|BankAccount|CryptoWallet)
ON EACH [n.name, n.username, n.displayName, n.address, n.number, n.value];

CALL db.awaitIndexes(300);
