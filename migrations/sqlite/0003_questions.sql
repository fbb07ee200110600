-- One row per question the bot decided on, for analytics and knowledge-gap
-- mining: what was asked (secrets redacted), what the bot did, and about
-- which article. `message_id` is the bot's reply, which feedback points at.
CREATE TABLE questions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    message_id BIGINT NOT NULL REFERENCES messages (id),
    question   TEXT NOT NULL,
    decision   TEXT NOT NULL CHECK (decision IN ('answer', 'clarify', 'handoff')),
    reason     TEXT,
    topic      TEXT,
    confidence DOUBLE PRECISION NOT NULL,
    locale     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX questions_by_time ON questions (created_at);
CREATE UNIQUE INDEX questions_by_reply ON questions (message_id);
CREATE INDEX feedback_by_time ON feedback (created_at);
CREATE INDEX tickets_by_time ON tickets (created_at);
CREATE INDEX audit_by_action ON audit_log (action, at);
-- The article the rated answer showed, so per-article helpfulness needs no
-- JSON digging.
ALTER TABLE feedback ADD COLUMN article TEXT;
