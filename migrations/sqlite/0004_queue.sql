-- Agent presence (shared by every replica) and the e-mail address a user
-- leaves for a follow-up when nobody is online.
CREATE TABLE agent_presence (
    agent   TEXT PRIMARY KEY,
    status  TEXT NOT NULL CHECK (status IN ('online', 'away')),
    seen_at BIGINT NOT NULL
);
ALTER TABLE tickets ADD COLUMN contact_email TEXT;
