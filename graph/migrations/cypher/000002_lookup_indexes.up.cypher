// Range indexes on the properties that later queries filter or sort on and that are not unique
// keys already (those have their constraint's index).
CREATE INDEX transaction_timestamp_index IF NOT EXISTS FOR (n:Transaction) ON (n.timestamp);
CREATE INDEX report_reported_at_index IF NOT EXISTS FOR (n:Report) ON (n.reportedAt);
CREATE INDEX source_name_index IF NOT EXISTS FOR (n:Source) ON (n.name);
CREATE INDEX person_name_index IF NOT EXISTS FOR (n:Person) ON (n.name);
CREATE INDEX organization_name_index IF NOT EXISTS FOR (n:Organization) ON (n.name);
CREATE INDEX company_name_index IF NOT EXISTS FOR (n:Company) ON (n.name);
CREATE INDEX user_account_username_index IF NOT EXISTS FOR (n:UserAccount) ON (n.username);

// Free-text search over the names and identifiers an investigator types into the search box.
CREATE FULLTEXT INDEX entity_search IF NOT EXISTS
FOR (n:Person|Organization|Company|UserAccount|Email|Phone|Handle|BankAccount|CryptoWallet)
ON EACH [n.name, n.username, n.displayName, n.address, n.number, n.value];

CALL db.awaitIndexes(300);
