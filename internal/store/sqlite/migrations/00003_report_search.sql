-- +goose Up
-- Full-text search over reports (see store/search.go): one row per report,
-- rowid = reports.id, holding the report's normalised search text (NFKC,
-- lower case: description, observable values, the reporter's messages).
-- The trigram tokenizer lets text LIKE '%term%' use the index for terms of
-- three characters or more. koban writes the row in the same transaction as
-- the report.
CREATE VIRTUAL TABLE report_search USING fts5(text, tokenize = 'trigram');

-- Reports stored before this migration get their rows from koban itself on
-- its next start (the normalisation is Go code, not SQL); this row asks for
-- that and is removed once it is done.
INSERT INTO jobs (name, next_run_at) SELECT 'search.backfill', 0 WHERE EXISTS (SELECT 1 FROM reports);

-- +goose Down
DELETE FROM jobs WHERE name = 'search.backfill';
DROP TABLE report_search;
