-- Small talk the bot answered (greetings, thanks, goodbyes…): counted apart
-- from questions, since it is neither a deflected question nor a gap.
CREATE TABLE small_talk (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    intent     TEXT NOT NULL,
    locale     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX small_talk_by_time ON small_talk (created_at);
