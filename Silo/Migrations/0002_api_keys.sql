-- API keys, stored only as SHA-256 hashes: a key is 256 random bits, so a fast hash is enough, and the
-- plain key is shown once when issued and never kept.

CREATE TABLE api_keys (
    key_hash     bytea       PRIMARY KEY CHECK (length(key_hash) = 32),
    participant  text        NOT NULL,
    roles        text[]      NOT NULL,
    -- The admin key the Gateway installs at start (from CLEARING_ADMIN_KEY or .data/admin.key).
    bootstrap    boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz NULL
);

CREATE INDEX api_keys_participant ON api_keys (participant);
