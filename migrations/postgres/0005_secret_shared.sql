-- Set when a user pasted a seed phrase or private key in the conversation
-- (redacted before storage): the agent must know the funds may be at risk.
ALTER TABLE tickets ADD COLUMN secret_shared INTEGER NOT NULL DEFAULT 0;
