-- The user's own words for what the ticket is about (the latest question
-- the bot could not settle), which the queue shows when the bot was not
-- confident of an article.
ALTER TABLE tickets ADD COLUMN question TEXT;
