-- Sessions, transcripts, the handoff queue, feedback and the audit log.
-- Times are Unix milliseconds (one representation for both databases).
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    locale      TEXT,
    channel     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE messages (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    author     TEXT NOT NULL CHECK (author IN ('user', 'bot', 'agent', 'system')),
    agent      TEXT,
    text       TEXT NOT NULL,
    reply      TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX messages_by_session ON messages (session_id, id);

CREATE TABLE tickets (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id     TEXT NOT NULL REFERENCES sessions (id),
    status         TEXT NOT NULL CHECK (status IN ('pending', 'assigned', 'waiting_on_user', 'resolved')),
    priority       TEXT NOT NULL CHECK (priority IN ('urgent', 'normal')),
    priority_rank  BIGINT NOT NULL,
    reason         TEXT NOT NULL,
    topic          TEXT,
    confidence     DOUBLE PRECISION NOT NULL,
    channel        TEXT NOT NULL,
    agent          TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    assigned_at    BIGINT,
    first_reply_at BIGINT,
    resolved_at    BIGINT,
    reopened_at    BIGINT
);
CREATE INDEX tickets_queue ON tickets (status, priority_rank, created_at);
CREATE UNIQUE INDEX one_open_ticket_per_session ON tickets (session_id) WHERE status <> 'resolved';

CREATE TABLE ticket_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id),
    status     TEXT NOT NULL,
    actor      TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX ticket_events_by_ticket ON ticket_events (ticket_id, id);

CREATE TABLE notes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id),
    agent      TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE feedback (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    message_id BIGINT NOT NULL REFERENCES messages (id),
    helpful    BIGINT NOT NULL,
    comment    TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    ticket_id BIGINT,
    detail    TEXT NOT NULL,
    at        BIGINT NOT NULL
);
