// Unique keys of the entity graph. Every domain node carries the Entity super-label and the
// label of its kind, and is found by id through one of these constraints; loaders MERGE on them.
CREATE CONSTRAINT entity_id_unique IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT person_id_unique IF NOT EXISTS FOR (n:Person) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT organization_id_unique IF NOT EXISTS FOR (n:Organization) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT company_id_unique IF NOT EXISTS FOR (n:Company) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT bank_account_id_unique IF NOT EXISTS FOR (n:BankAccount) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT crypto_wallet_id_unique IF NOT EXISTS FOR (n:CryptoWallet) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT user_account_id_unique IF NOT EXISTS FOR (n:UserAccount) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT address_id_unique IF NOT EXISTS FOR (n:Address) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT merchant_id_unique IF NOT EXISTS FOR (n:Merchant) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT report_id_unique IF NOT EXISTS FOR (n:Report) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT transaction_id_unique IF NOT EXISTS FOR (n:Transaction) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT email_id_unique IF NOT EXISTS FOR (n:Email) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT phone_id_unique IF NOT EXISTS FOR (n:Phone) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT ip_address_id_unique IF NOT EXISTS FOR (n:IPAddress) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT device_id_unique IF NOT EXISTS FOR (n:Device) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT file_hash_id_unique IF NOT EXISTS FOR (n:FileHash) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT handle_id_unique IF NOT EXISTS FOR (n:Handle) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT source_id_unique IF NOT EXISTS FOR (n:Source) REQUIRE n.id IS UNIQUE;

// Constraints are backed by indexes that populate in the background: wait, so that the loaders
// that follow a migration find them online.
CALL db.awaitIndexes(300);
