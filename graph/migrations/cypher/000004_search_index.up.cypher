// The search box finds what the loaders actually write: holder names on accounts without a
// customer, account numbers and IBANs, merchants, postal addresses, IP addresses, device ids,
// file hashes and report numbers, besides the names and identifiers 000002 indexed. Index
// definitions cannot be altered: drop the old index and create the new one under the same name.
// Running this again drops and rebuilds the same index, to the same state.
DROP INDEX entity_search IF EXISTS;
CREATE FULLTEXT INDEX entity_search IF NOT EXISTS
FOR (n:Person|Organization|Company|UserAccount|BankAccount|CryptoWallet|Merchant|Address|Report|Email|Phone|IPAddress|Device|FileHash|Handle)
ON EACH [n.name, n.aliases, n.firstName, n.lastName, n.username, n.displayName, n.holderName,
         n.platformId, n.accountNumber, n.iban, n.publicKey, n.full, n.reportNumber, n.merchantId,
         n.address, n.number, n.value];

CALL db.awaitIndexes(300);
