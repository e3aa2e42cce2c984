-- +goose Up
-- Search at national scale (issue 11, part 6): cases and case notes get
-- search rows of their own beside report_search (same normalised text, same
-- trigram tokenizer, rowid = the case's or the note's id; see
-- store/search_cases.go), the lists that search walks newest first get the
-- indexes they walk, and officers keep saved searches whose new matches a
-- background job records.
CREATE VIRTUAL TABLE case_search USING fts5(text, tokenize = 'trigram', detail = none, columnsize = 0);
INSERT INTO case_search (case_search, rank) VALUES ('automerge', 16);
CREATE VIRTUAL TABLE note_search USING fts5(text, tokenize = 'trigram', detail = none, columnsize = 0);
INSERT INTO note_search (note_search, rank) VALUES ('automerge', 16);

-- Newest first, nationally and per owner, in the order search pages in
-- (created_at, id): a walk reads these indexes alone (category and status
-- ride along for the filters and facets) and looks up only each record's
-- search text.
CREATE INDEX reports_walk ON reports(created_at, id, category, status);
CREATE INDEX reports_org_walk ON reports(org_id, created_at, id, category, status);
CREATE INDEX cases_walk ON cases(created_at, id, category, status);
CREATE INDEX cases_org_walk ON cases(org_id, created_at, id, category, status);
CREATE INDEX case_notes_created ON case_notes(created_at, id, case_id);

-- A saved search is the query string of the search page (q and filters),
-- kept as typed so that it reads back into the same form. checked_to is
-- the creation time up to which new records were matched against it.
CREATE TABLE saved_searches (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    name        TEXT    NOT NULL,
    query       TEXT    NOT NULL,
    notify_mail INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    checked_to  INTEGER NOT NULL
) STRICT;
CREATE INDEX saved_searches_user ON saved_searches(user_id, id);

-- One row per record that matched a saved search after it was saved; seen
-- once its owner opened the list.
CREATE TABLE saved_search_matches (
    search_id   INTEGER NOT NULL REFERENCES saved_searches(id) ON DELETE CASCADE,
    record_type TEXT    NOT NULL,
    record_id   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    matched_at  INTEGER NOT NULL,
    seen        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (search_id, record_type, record_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX saved_search_matches_new ON saved_search_matches(search_id, seen, matched_at);

-- Cases and notes stored before this migration get their search rows from
-- koban itself on its next start (the normalisation is Go code).
INSERT INTO jobs (name, next_run_at) SELECT 'search.backfill.cases', 0 WHERE EXISTS (SELECT 1 FROM cases);

-- +goose Down
DELETE FROM jobs WHERE name = 'search.backfill.cases';
DROP TABLE saved_search_matches;
DROP TABLE saved_searches;
DROP INDEX case_notes_created;
DROP INDEX cases_org_walk;
DROP INDEX cases_walk;
DROP INDEX reports_org_walk;
DROP INDEX reports_walk;
DROP TABLE note_search;
DROP TABLE case_search;
