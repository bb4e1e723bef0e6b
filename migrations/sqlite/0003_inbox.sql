-- The inbox: messages from the public, what herald decided about each, and its automatic
-- replies, written before and after each is sent (like the publishing journal) so that a restart
-- neither re-reads, skips nor answers twice. Instants are RFC 3339 text in UTC.

-- Where herald is in each account's inbox.
CREATE TABLE IF NOT EXISTS inbox_accounts (
    account       TEXT PRIMARY KEY NOT NULL,
    cursor        TEXT,                       -- the platform's cursor (since_id, cursor, token)
    first_read_at TEXT NOT NULL,              -- messages sent before this were there before herald
    updated_at    TEXT NOT NULL
);

-- Every message seen, once, with the decision and its reason. Only a short excerpt is kept, with
-- personal details masked.
CREATE TABLE IF NOT EXISTS inbox_messages (
    account       TEXT NOT NULL,
    message_id    TEXT NOT NULL,              -- the platform's id
    platform      TEXT NOT NULL,
    kind          TEXT NOT NULL,              -- mention | reply | comment | direct
    author_id     TEXT NOT NULL,
    author_handle TEXT NOT NULL,
    sent_at       TEXT NOT NULL,
    seen_at       TEXT NOT NULL,
    excerpt       TEXT NOT NULL,
    text_hash     TEXT NOT NULL,              -- of the normalised text: repeats are spam
    action        TEXT NOT NULL CHECK (action IN ('reply', 'skip', 'flag')),
    rule          TEXT NOT NULL,              -- which rule decided (closed, crisis, bot, abusive, ...)
    reason        TEXT NOT NULL,              -- the decision in words
    routes        TEXT NOT NULL DEFAULT '',   -- contact routes matched, comma-separated
    details       TEXT NOT NULL DEFAULT '',   -- kinds of personal details shared publicly
    for_team      INTEGER NOT NULL DEFAULT 0, -- listed for the team
    alert         INTEGER NOT NULL DEFAULT 0, -- the team must be alerted at once (crisis)
    alerted_at    TEXT,
    reply_key     TEXT,
    PRIMARY KEY (account, message_id)
);

CREATE INDEX IF NOT EXISTS inbox_messages_sender ON inbox_messages (account, author_id, text_hash, seen_at);
CREATE INDEX IF NOT EXISTS inbox_messages_seen ON inbox_messages (seen_at);

-- Automatic replies: planned → claimed → sent | failed | unknown (never resent) | dropped.
CREATE TABLE IF NOT EXISTS inbox_replies (
    key             TEXT PRIMARY KEY NOT NULL,   -- reply:account:message: stable, passed to the platform
    account         TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    author_id       TEXT NOT NULL,
    purpose         TEXT NOT NULL CHECK (purpose IN ('closed', 'crisis', 'acknowledge')),
    period          TEXT,                        -- the closed (or open) period it answers for: its end
    once_key        TEXT UNIQUE,                 -- account|sender|period while it counts; NULL for crisis
    state           TEXT NOT NULL CHECK (state IN ('planned', 'claimed', 'sent', 'failed', 'unknown', 'dropped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    routes          TEXT NOT NULL DEFAULT '',
    personal        INTEGER NOT NULL DEFAULT 0,  -- advise not to share personal details
    message         TEXT NOT NULL,               -- what the platform needs to answer it (no text)
    text            TEXT,                        -- what was sent
    claimed_by      TEXT,
    claimed_at      TEXT,
    platform_id     TEXT,
    url             TEXT,
    reason          TEXT,
    planned_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    finished_at     TEXT
);

CREATE INDEX IF NOT EXISTS inbox_replies_sender ON inbox_replies (account, author_id, planned_at);
CREATE INDEX IF NOT EXISTS inbox_replies_state ON inbox_replies (state, next_attempt_at);
