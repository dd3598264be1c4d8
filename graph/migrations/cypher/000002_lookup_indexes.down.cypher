DROP INDEX entity_search IF EXISTS;
DROP INDEX user_account_username_index IF EXISTS;
DROP INDEX company_name_index IF EXISTS;
DROP INDEX organization_name_index IF EXISTS;
DROP INDEX person_name_index IF EXISTS;
DROP INDEX source_name_index IF EXISTS;
DROP INDEX report_reported_at_index IF EXISTS;
DROP INDEX transaction_timestamp_index IF EXISTS;
