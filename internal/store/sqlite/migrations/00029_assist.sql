-- +goose Up
-- AI assistance (issue 18): each version of the triage model koban has
-- trained (one active), and the suggestion made for each record, with the
-- model version and score that made it. Suggestions never change a
-- record: an officer accepts one through the audited category change.
CREATE TABLE triage_models (
    version           TEXT    PRIMARY KEY,
    created_at        INTEGER NOT NULL,
    created_by        INTEGER REFERENCES users(id),
    examples          INTEGER NOT NULL,
    confirmed         INTEGER NOT NULL DEFAULT 0,  -- of which officers' confirmed categories
    macro_f1          REAL    NOT NULL DEFAULT 0,  -- stratified 5-fold at training
    yamibaito_recall  REAL    NOT NULL DEFAULT 0,
    active            INTEGER NOT NULL DEFAULT 0,
    body              TEXT    NOT NULL             -- the model, base64 of triage.Model.MarshalBinary
) STRICT;

CREATE TABLE triage_suggestions (
    id            INTEGER PRIMARY KEY,
    record_type   TEXT    NOT NULL,  -- report, capture
    record_id     INTEGER NOT NULL,
    category      TEXT    NOT NULL,
    score         REAL    NOT NULL,
    urgent        INTEGER NOT NULL DEFAULT 0,
    urgent_score  REAL    NOT NULL DEFAULT 0,
    features      TEXT    NOT NULL DEFAULT '[]',
    model         TEXT    NOT NULL,
    llm_category  TEXT    NOT NULL DEFAULT '',  -- the LLM's second opinion, when one is set up and answered
    llm_reason    TEXT    NOT NULL DEFAULT '',
    llm_model     TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX triage_suggestions_record ON triage_suggestions(record_type, record_id);

-- +goose Down
DROP TABLE triage_suggestions;
DROP TABLE triage_models;
