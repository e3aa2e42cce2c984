-- +goose Up
-- Full-text search over reports (see store/search.go): one row per report,
-- rowid = reports.id, holding the report's normalised search text (NFKC,
-- lower case: description, observable values, the reporter's messages).
-- The trigram tokenizer lets text LIKE '%term%' use the index for terms of
-- three characters or more. koban writes the row in the same transaction as
-- the report, so the index is kept cheap to write:
--   detail = none    no token positions: the index only narrows the rows and
--                    SQLite checks the LIKE on each (a third smaller, about a
--                    third less work per report; searches no slower)
--   columnsize = 0   no per-row token counts (they serve ranking, unused)
--   automerge = 16   merge index segments in larger, rarer steps (the
--                    group committer writes many small transactions)
CREATE VIRTUAL TABLE report_search USING fts5(text, tokenize = 'trigram', detail = none, columnsize = 0);
INSERT INTO report_search (report_search, rank) VALUES ('automerge', 16);

-- Reports stored before this migration get their rows from koban itself on
-- its next start (the normalisation is Go code, not SQL); this row asks for
-- that and is removed once it is done.
INSERT INTO jobs (name, next_run_at) SELECT 'search.backfill', 0 WHERE EXISTS (SELECT 1 FROM reports);

-- +goose Down
DELETE FROM jobs WHERE name = 'search.backfill';
DROP TABLE report_search;
