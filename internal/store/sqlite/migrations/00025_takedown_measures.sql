-- +goose Up
-- Requests to banks and carriers (issue 13): freezing an account and
-- measures against a phone number. reason is the officer's choice among
-- the reasons of the kind; resolved_at and outcome_note are the answer as
-- the officer records it (done or refused), since koban has no page to
-- look at for these.
ALTER TABLE takedown_requests ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE takedown_requests ADD COLUMN resolved_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE takedown_requests ADD COLUMN outcome_note TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE takedown_requests DROP COLUMN outcome_note;
ALTER TABLE takedown_requests DROP COLUMN resolved_at;
ALTER TABLE takedown_requests DROP COLUMN reason;
