-- Questionnaires and submissions (issue 6, assessments).
--
-- A questionnaire is stored whole as JSON in questionnaires.body, with one
-- row per question for lookups by control. catalog_id names the catalog
-- version the questions assess; it is deliberately not a foreign key: CSA's
-- CCM cannot be shipped, so a CAIQ may be imported before (or without) it.
-- A submission keeps one row per response.

CREATE TABLE questionnaires (
    id          TEXT PRIMARY KEY,
    framework   TEXT NOT NULL,
    version     TEXT NOT NULL,
    title       TEXT NOT NULL,
    catalog_id  TEXT NOT NULL,
    source      TEXT NOT NULL,
    questions   INTEGER NOT NULL,
    imported_at BIGINT NOT NULL,
    body        {{BYTES}} NOT NULL
);

CREATE TABLE questionnaire_questions (
    questionnaire_id TEXT NOT NULL REFERENCES questionnaires (id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    id               TEXT NOT NULL,
    control_id       TEXT NOT NULL,
    PRIMARY KEY (questionnaire_id, id)
);
CREATE INDEX questionnaire_questions_by_control ON questionnaire_questions (control_id);

CREATE TABLE submissions (
    id               TEXT PRIMARY KEY,
    questionnaire_id TEXT NOT NULL REFERENCES questionnaires (id),
    provider         TEXT NOT NULL,
    service          TEXT NOT NULL,
    status           TEXT NOT NULL,
    source           TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    submitted_at     BIGINT NOT NULL
);
CREATE INDEX submissions_by_questionnaire ON submissions (questionnaire_id);

CREATE TABLE submission_responses (
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    question_id   TEXT NOT NULL,
    answer        TEXT NOT NULL,
    ownership     TEXT NOT NULL,
    description   TEXT NOT NULL,
    customer      TEXT NOT NULL,
    evidence      TEXT NOT NULL,
    PRIMARY KEY (submission_id, question_id)
);
