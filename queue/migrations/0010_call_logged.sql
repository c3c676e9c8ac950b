-- "A cut call with an outcome logged for it was answered" (R4.4) is
-- decided by the statements themselves, not read first by the caller:
-- logging a contact for a call marks its record, and ending a call reads
-- the mark on the row it ends. A mark on the row, not a look at contacts,
-- because a call's end that waited for the log's lock sees the row as the
-- log left it but the contacts table as it was when the end began.
ALTER TABLE call_records ADD COLUMN logged boolean NOT NULL DEFAULT false;
UPDATE call_records c SET logged = true WHERE EXISTS (SELECT FROM contacts k WHERE k.call_id = c.id);
UPDATE call_records c SET outcome = 'answered' WHERE c.logged AND c.outcome = 'cut';
