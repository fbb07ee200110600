-- How the user rated the conversation with the agent, asked for when the
-- agent resolves the ticket: 1 (bad) to 5 (great), an optional comment,
-- and when. Averaged per agent and per day in the insights.
ALTER TABLE tickets ADD COLUMN rating INTEGER;
ALTER TABLE tickets ADD COLUMN rating_comment TEXT;
ALTER TABLE tickets ADD COLUMN rated_at BIGINT;
