-- +goose Up
-- A takedown request may belong to a case (issue 13): drafted from the
-- case's page, checked against the case (the officer may view it, and the
-- strictest marking of its reports lets it leave koban) and listed there.
ALTER TABLE takedown_requests ADD COLUMN case_id INTEGER REFERENCES cases(id);
CREATE INDEX takedown_requests_case ON takedown_requests(case_id, id) WHERE case_id IS NOT NULL;

-- +goose Down
DROP INDEX takedown_requests_case;
ALTER TABLE takedown_requests DROP COLUMN case_id;
