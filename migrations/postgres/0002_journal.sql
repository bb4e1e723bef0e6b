-- The publishing journal: one row per (post, channel, occurrence), written before and after
-- each request so that a restart resumes without losing or repeating a publication.
-- Instants are TIMESTAMPTZ.
CREATE TABLE IF NOT EXISTS publications (
    key             TEXT PRIMARY KEY NOT NULL,   -- post#channel@occurrence: the idempotency key
    post_id         TEXT NOT NULL,
    channel         TEXT NOT NULL,
    occurrence      TEXT NOT NULL,               -- the due instant, RFC 3339 UTC
    due_at          TIMESTAMPTZ NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('planned', 'claimed', 'sent', 'failed', 'unknown', 'missed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,                       -- a retry waits until then
    claimed_by      TEXT,                        -- the process that holds or last held the claim
    claimed_at      TIMESTAMPTZ,                       -- when the latest attempt was claimed
    text            TEXT,                        -- what was sent, as rendered for the platform
    platform_id     TEXT,
    url             TEXT,
    reason          TEXT,                        -- why it failed, was missed or is unknown; last retry error
    parked          BOOLEAN NOT NULL DEFAULT FALSE, -- an unknown outcome the platform can't settle: a person must
    announced_at    TIMESTAMPTZ,                       -- when the team was told about a failure, miss or parked outcome
    planned_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,                       -- when it reached sent, failed or missed
    UNIQUE (post_id, channel, occurrence)
);

CREATE INDEX IF NOT EXISTS publications_state_due ON publications (state, due_at);
CREATE INDEX IF NOT EXISTS publications_post_channel ON publications (post_id, channel);
