-- Several replicas (PostgreSQL) and one instance (SQLite) share these: leases measured on the
-- database's clock, in milliseconds since 1970, never on a replica's own (possibly simulated)
-- clock.

-- How long a claim on a publication or a reply holds: renewed while the send is in flight; a
-- claim whose lease has run out belongs to a replica that stopped, and becomes unknown.
ALTER TABLE publications ADD COLUMN lease_until INTEGER;
ALTER TABLE inbox_replies ADD COLUMN lease_until INTEGER;

CREATE INDEX IF NOT EXISTS publications_claims ON publications (state, lease_until);
CREATE INDEX IF NOT EXISTS inbox_replies_claims ON inbox_replies (state, lease_until);

-- Work one replica at a time does (reading an account's inbox, sending team alerts): held until
-- `until_ms`, renewed by its holder, taken by another replica once it runs out.
CREATE TABLE IF NOT EXISTS leases (
    name        TEXT PRIMARY KEY NOT NULL,   -- inbox:<account>, alerts
    owner       TEXT NOT NULL,               -- the replica's id
    until_ms    INTEGER NOT NULL,
    acquired_ms INTEGER NOT NULL
);

-- The replicas running, each beating while it runs.
CREATE TABLE IF NOT EXISTS replicas (
    id         TEXT PRIMARY KEY NOT NULL,
    host       TEXT NOT NULL,
    pid        INTEGER NOT NULL,
    version    TEXT NOT NULL,
    started_ms INTEGER NOT NULL,
    seen_ms    INTEGER NOT NULL
);
